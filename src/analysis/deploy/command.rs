//! Which programs a container command runs: the executable word of an
//! exec-form list (`["tini", "--", "/app"]`), of each command of a shell
//! script (`exec su-exec app /app "$@"`), after the wrappers that only start
//! another program (`tini --`, `dumb-init`, `gosu USER`, `su-exec USER`,
//! `env A=B`, `sh -c "..."`). An argument (`weed server`: `server` is an
//! argument) is never a program.

/// What a command runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Programs {
    /// The executable words, in order (`$@` included when the script runs
    /// its arguments: see `runs_args`).
    pub run: Vec<String>,
    /// The arguments given to the command are themselves a command line: it
    /// ends in a wrapper still waiting for its program (`tini --`), or a
    /// script line runs `"$@"`.
    pub runs_args: bool,
    /// The arguments are a script (`sh -c` with no script yet: compose's
    /// `entrypoint: /bin/sh -c` with the script in `command`).
    pub args_are_script: bool,
    /// The words after the (last) program of an exec-form list: its arguments.
    pub args: Vec<String>,
}

/// One simple command's program, after wrappers.
enum Head {
    Program(usize),
    Script(String),
    AwaitProgram,
    AwaitScript,
}

/// Programs that only start the program named after them.
fn head(words: &[String]) -> Head {
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        if is_assignment(w) {
            i += 1;
            continue;
        }
        let base = w.rsplit('/').next().unwrap_or(w);
        match base {
            "exec" | "nohup" | "command" | "time" | "!" => i += 1,
            "env" | "tini" | "tini-static" | "dumb-init" | "catatonit" | "nice" | "sudo"
            | "setsid" | "stdbuf" => {
                i += 1;
                while i < words.len() {
                    let f = words[i].as_str();
                    if f == "--" {
                        i += 1;
                        break;
                    }
                    if is_assignment(f) {
                        i += 1;
                    } else if f.starts_with('-') {
                        // Flags that take a value.
                        let valued = matches!(
                            (base, f),
                            ("env", "-u" | "-C")
                                | ("tini" | "tini-static", "-e" | "-p")
                                | ("dumb-init", "-r")
                                | ("nice", "-n")
                                | ("sudo", "-u" | "-g")
                        );
                        i += if valued { 2 } else { 1 };
                    } else {
                        break;
                    }
                }
            }
            "gosu" | "su-exec" | "chroot" => i += 2,
            // The debugger starts the program after `exec`.
            "dlv" => match words[i..].iter().position(|x| x == "exec") {
                Some(k) => i += k + 1,
                None => return Head::Program(i),
            },
            "sh" | "bash" | "ash" | "dash" | "zsh" => {
                i += 1;
                let mut script = false;
                while i < words.len() && words[i].starts_with('-') && words[i] != "--" {
                    let f = &words[i];
                    script |= !f.starts_with("--") && f.contains('c');
                    i += 1;
                }
                if script {
                    return match words.get(i) {
                        Some(s) => Head::Script(s.clone()),
                        None => Head::AwaitScript,
                    };
                }
                // `sh /entrypoint.sh`: the script file is the program.
                return match words.get(i) {
                    Some(_) => Head::Program(i),
                    None => Head::AwaitProgram,
                };
            }
            _ => return Head::Program(i),
        }
    }
    Head::AwaitProgram
}

/// The programs a script or a wait-for helper starts once done: the command
/// after its `--` (`wait-for-it.sh db:5432 -- /app/api`), else, for a script,
/// the absolute paths it is given (`/entry.sh /bin/relay`).
fn handed_on(program: &str, args: &[String]) -> Vec<String> {
    let base = program.rsplit('/').next().unwrap_or(program);
    let script = base.ends_with(".sh");
    if !(script || base.starts_with("wait-for")) {
        return vec![];
    }
    match args.iter().position(|a| a == "--") {
        Some(k) => of_exec(&args[k + 1..]).run,
        None if script => args
            .iter()
            .filter(|a| a.starts_with('/') && !a.contains('='))
            .cloned()
            .collect(),
        None => vec![],
    }
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// The programs of an exec-form command (`["tini", "--", "/app", "-x"]`,
/// compose's and Kubernetes' lists, a compose string split as a shell would).
pub fn of_exec(words: &[String]) -> Programs {
    let mut out = Programs::default();
    match head(words) {
        Head::Program(i) => {
            out.run.push(words[i].clone());
            out.args = words[i + 1..].to_vec();
            if words[i] == "$@" || words[i] == "${@}" {
                out.runs_args = true;
            }
            out.run.extend(handed_on(&words[i], &out.args));
        }
        Head::Script(s) => return of_script(&s),
        Head::AwaitProgram => out.runs_args = true,
        Head::AwaitScript => out.args_are_script = true,
    }
    out
}

/// The programs a shell script runs: the first word of each command (after
/// `;`, `&&`, `||`, `|`, `&`, `(`, `then`, `do`, `exec`...), skipping case
/// patterns (`server)`), function definitions and here-document bodies.
pub fn of_script(text: &str) -> Programs {
    let mut out = Programs::default();
    let mut heredoc: Option<String> = None;
    let mut joined = String::new();
    for line in text.lines() {
        if let Some(end) = &heredoc {
            if line.trim() == end {
                heredoc = None;
            }
            continue;
        }
        let t = line.trim();
        if t.starts_with('#') {
            continue;
        }
        if let Some(rest) = t.strip_suffix('\\') {
            joined.push_str(rest);
            joined.push(' ');
            continue;
        }
        joined.push_str(t);
        let full = std::mem::take(&mut joined);
        heredoc = heredoc_end(&full);
        for cmd in commands(without_case_pattern(&full)) {
            match head(&cmd) {
                Head::Program(i) => {
                    let w = &cmd[i];
                    if w == "$@" || w == "${@}" {
                        out.runs_args = true;
                    }
                    out.run.push(w.clone());
                    out.run.extend(handed_on(w, &cmd[i + 1..]));
                }
                Head::Script(s) => {
                    let inner = of_script(&s);
                    out.runs_args |= inner.runs_args;
                    out.run.extend(inner.run);
                }
                Head::AwaitProgram | Head::AwaitScript => {}
            }
        }
    }
    out
}

/// The line without the `case` pattern it starts with (`'server')`,
/// `master|volume)`, `*)`): the pattern's words are no commands.
fn without_case_pattern(line: &str) -> &str {
    let Some(i) = line.find(')') else {
        return line;
    };
    let pattern = &line[..i];
    let plain = !pattern.contains(['(', '$', '=', ';', '&', '<', '>', '`', '[']);
    let words = pattern.split('|').all(|alt| {
        let t = alt.trim();
        !t.is_empty() && !t.contains(char::is_whitespace)
    });
    if plain && words {
        &line[i + 1..]
    } else {
        line
    }
}

/// The word ending a here-document started on this line (`<<EOF`, `<<-'EOF'`).
fn heredoc_end(line: &str) -> Option<String> {
    let i = line.find("<<")?;
    let rest = line[i + 2..].trim_start_matches('-').trim_start();
    if rest.starts_with('<') {
        return None; // a here-string `<<<`
    }
    let word: String = rest
        .trim_start_matches(['\'', '"'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// The simple commands of a shell line, each as its words (quotes removed;
/// `$(...)` and backquotes kept inside their word). Case patterns and
/// function names (a command ended by `)` or `(` outside any group) are left out.
fn commands(line: &str) -> Vec<Vec<String>> {
    let mut out = vec![];
    let mut cur: Vec<String> = vec![];
    let mut word = String::new();
    let mut in_word = false;
    let mut depth = 0usize;
    let mut chars = line.chars().peekable();
    let flush = |word: &mut String, in_word: &mut bool, cur: &mut Vec<String>| {
        if *in_word {
            cur.push(std::mem::take(word));
            *in_word = false;
        }
    };
    // Ends the current command; `keep` false drops it (a case pattern).
    let end = |cur: &mut Vec<String>, out: &mut Vec<Vec<String>>, keep: bool| {
        let c = std::mem::take(cur);
        if keep && !c.is_empty() {
            out.push(c);
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                    word.push(d);
                }
            }
            '"' => {
                in_word = true;
                while let Some(d) = chars.next() {
                    match d {
                        '"' => break,
                        '\\' => {
                            if let Some(e) = chars.next() {
                                word.push(e);
                            }
                        }
                        _ => word.push(d),
                    }
                }
            }
            '$' if matches!(chars.peek(), Some('(' | '{')) => {
                in_word = true;
                word.push('$');
                let (open, close) = match chars.peek() {
                    Some('(') => ('(', ')'),
                    _ => ('{', '}'),
                };
                let mut level = 0;
                for d in chars.by_ref() {
                    word.push(d);
                    match d {
                        d if d == open => level += 1,
                        d if d == close => {
                            level -= 1;
                            if level == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            '`' => {
                in_word = true;
                for d in chars.by_ref() {
                    if d == '`' {
                        break;
                    }
                }
                word.push_str("`...`");
            }
            '\\' => {
                in_word = true;
                if let Some(d) = chars.next() {
                    word.push(d);
                }
            }
            '#' if !in_word => break,
            c if c.is_whitespace() => flush(&mut word, &mut in_word, &mut cur),
            '{' | '}' if in_word => word.push(c),
            ';' | '&' | '|' | '{' | '}' => {
                flush(&mut word, &mut in_word, &mut cur);
                // `{` and `}` are words only where a command starts or ends.
                if matches!(c, '{' | '}') && !cur.is_empty() {
                    cur.push(c.to_string());
                    continue;
                }
                end(&mut cur, &mut out, true);
            }
            '(' => {
                flush(&mut word, &mut in_word, &mut cur);
                // `name() {`: a function definition, not a command.
                let keep = cur.is_empty();
                end(&mut cur, &mut out, keep);
                depth += 1;
            }
            ')' => {
                flush(&mut word, &mut in_word, &mut cur);
                // Outside a group, `pattern)` of a `case`.
                let keep = depth > 0;
                end(&mut cur, &mut out, keep);
                depth = depth.saturating_sub(1);
            }
            '<' | '>' if !in_word || word.chars().all(|d| d.is_ascii_digit()) => {
                // A redirection: its target is not a command word.
                flush(&mut word, &mut in_word, &mut cur);
                while chars
                    .peek()
                    .is_some_and(|d| matches!(d, '<' | '>' | '&' | '-'))
                {
                    chars.next();
                }
                while chars.peek().is_some_and(|d| d.is_whitespace()) {
                    chars.next();
                }
                while chars
                    .peek()
                    .is_some_and(|d| !d.is_whitespace() && !matches!(d, ';' | '&' | '|' | ')'))
                {
                    chars.next();
                }
                // A redirection before the program (`2>&1 app`) keeps the command going.
                if let Some(last) = cur.pop() {
                    if !last.chars().all(|d| d.is_ascii_digit()) {
                        cur.push(last);
                    }
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    flush(&mut word, &mut in_word, &mut cur);
    end(&mut cur, &mut out, true);
    // Keywords that start a command's place again, and lines that are no command.
    out.into_iter()
        .filter_map(|mut c| {
            while c.first().is_some_and(|w| {
                matches!(
                    w.as_str(),
                    "if" | "then" | "elif" | "else" | "while" | "until" | "do" | "!" | "{" | "}"
                )
            }) {
                c.remove(0);
            }
            let first = c.first()?.as_str();
            if matches!(
                first,
                "fi" | "done"
                    | "esac"
                    | "case"
                    | "for"
                    | "select"
                    | "function"
                    | "in"
                    | "return"
                    | "local"
                    | "export"
                    | "readonly"
                    | "declare"
                    | "set"
                    | "shift"
                    | "unset"
                    | "echo"
                    | "printf"
                    | "["
                    | "[["
                    | "test"
                    | "true"
                    | "false"
                    | ":"
                    | "cd"
                    | "trap"
                    | "wait"
                    | "exit"
                    | "break"
                    | "continue"
            ) {
                return None;
            }
            Some(c)
        })
        .collect()
}

/// The words of a command string as a shell splits them (quotes kept
/// together, then removed): compose's `command: /bin/sh -c "a && b"`.
pub fn split(line: &str) -> Vec<String> {
    let mut out = vec![];
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn exec_form_after_wrappers() {
        assert_eq!(
            of_exec(&w(&["/sbin/tini", "-g", "--", "/app", "serve"])).run,
            ["/app"]
        );
        assert_eq!(
            of_exec(&w(&["dumb-init", "gosu", "app", "/bin/api"])).run,
            ["/bin/api"]
        );
        assert_eq!(of_exec(&w(&["env", "A=b", "orders", "-x"])).run, ["orders"]);
        assert_eq!(of_exec(&w(&["weed", "server", "-dir=/data"])).run, ["weed"]);
        assert!(of_exec(&w(&["tini", "--"])).runs_args);
        let wait = w(&["./wait-for-it.sh", "db:5432", "--", "/app/api", "-v"]);
        assert_eq!(of_exec(&wait).run, ["./wait-for-it.sh", "/app/api"]);
        let relay = w(&["/entry.sh", "/bin/relay", "-c=/etc/r"]);
        assert_eq!(of_exec(&relay).run, ["/entry.sh", "/bin/relay"]);
        let dlv = w(&["dlv", "--headless", "exec", "/bin/app", "--", "-x"]);
        assert_eq!(of_exec(&dlv).run, ["/bin/app"]);
        let p = of_exec(&w(&["sh", "-c", "exec /usr/bin/api --port 80"]));
        assert_eq!(p.run, ["/usr/bin/api"]);
        assert!(of_exec(&w(&["/bin/sh", "-c"])).args_are_script);
        let p = of_exec(&w(&[
            "/bin/sh",
            "-ecx",
            "/a/x migrate && exec /a/x --name n",
        ]));
        assert_eq!(p.run, ["/a/x", "/a/x"]);
    }

    #[test]
    fn script_commands_not_arguments() {
        let p = of_script("case $1 in\n  master|'server' ) exec /bin/weed \"$1\" ;;\nesac\nexport A=\"${A:+$A,}x\"\n${BIN} run\n");
        assert_eq!(p.run, ["/bin/weed", "${BIN}"]);
        let text = "#!/bin/sh\nset -e\nX=$(id -u app)\ncase \"$1\" in\n  'server')\n    exec su-exec app /usr/bin/weed -v server \"$@\"\n    ;;\n  master) exec /usr/bin/weed master ;;\nesac\nusage() {\n  echo server\n}\nif [ -z \"$X\" ]; then mkdir -p /data/server; fi\ncat > /etc/x.yml <<EOF\nserver: 1\nEOF\nexec \"$@\"\n";
        let p = of_script(text);
        assert_eq!(
            p.run,
            ["/usr/bin/weed", "/usr/bin/weed", "mkdir", "cat", "$@"]
        );
        assert!(p.runs_args);
        assert_eq!(
            split("/bin/sh -c \"mkdir -p /x; go test ./...\""),
            ["/bin/sh", "-c", "mkdir -p /x; go test ./..."]
        );
    }
}
