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
    /// The list is a shell with its script inline (`["sh", "-c", "..."]`):
    /// `run` is all it runs.
    pub inline_script: bool,
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
                // `sh -c -- 'script'`: the script follows the end of options.
                if words.get(i).is_some_and(|w| w == "--") {
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
        Head::Script(s) => {
            return Programs {
                inline_script: true,
                ..of_script(&s)
            }
        }
        Head::AwaitProgram => out.runs_args = true,
        Head::AwaitScript => out.args_are_script = true,
    }
    out
}

/// The programs a shell script runs: the first word of each command (after
/// `;`, `&&`, `||`, `|`, `&`, `(`, `then`, `do`, `exec`...), skipping case
/// patterns (`server)`), function definitions and here-document bodies.
///
/// Only the programs that may stay running count: one that another command
/// follows in sequence (`setup && exec server`, `gen-keys; server`, a line
/// before the next) runs to completion first, so it is a step of the start-up,
/// not the container's process. A program started with `exec`, put in the
/// background (`&`), piped into another (`|`) or followed only on failure
/// (`|| exit 1`) is not such a step; nor is the last command of an `if` or
/// `case` branch, which the other branches do not follow.
pub fn of_script(text: &str) -> Programs {
    let mut out = Programs::default();
    let mut heredoc: Option<String> = None;
    let mut joined = String::new();
    let mut pieces = vec![];
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
        pieces.extend(commands(without_case_pattern(&full)));
    }
    // A last line that ends in a continuation (`exec /bin/app \`, the line a
    // template's `{{ if }} \{{ end }}` left last) still runs its command: the
    // shell reads the end of the script as the end of that line.
    if heredoc.is_none() && !joined.trim().is_empty() {
        pieces.extend(commands(without_case_pattern(&joined)));
    }
    // Each command's programs (with whether `$@` is one), and whether a later
    // command in sequence makes it a finished step.
    let mut found: Vec<(Vec<String>, bool)> = vec![];
    let mut once: Vec<bool> = vec![];
    // Per open compound: the commands that may still be last in the current
    // branch, and those last in branches already closed (`then` of an
    // `if` that is now in its `else`).
    let mut frames: Vec<(Vec<usize>, Vec<usize>)> = vec![(vec![], vec![])];
    // Per frame: whether it is an endless loop's body (`Piece::OpenForever`).
    let mut forever: Vec<bool> = vec![false];
    let mut previous = Join::Seq;
    // The programs `set -- prog ...` puts in the arguments.
    let mut set_programs: Vec<String> = vec![];
    for piece in pieces {
        match piece {
            Piece::SetArgs(words) => {
                let (programs, args, _) = programs_of(&words);
                if !args {
                    set_programs.extend(programs);
                }
            }
            Piece::Open | Piece::OpenForever => {
                frames.push((vec![], vec![]));
                forever.push(piece == Piece::OpenForever);
            }
            Piece::Alt => {
                if let Some(f) = frames.last_mut() {
                    let cur = std::mem::take(&mut f.0);
                    f.1.extend(cur);
                }
            }
            Piece::Close => {
                if frames.len() > 1 {
                    let (cur, closed) = frames.pop().unwrap_or_default();
                    // What an endless loop runs keeps running: nothing after
                    // the loop finishes it (nothing after it runs at all).
                    if forever.pop().unwrap_or(false) {
                        continue;
                    }
                    if let Some(parent) = frames.last_mut() {
                        parent.0.extend(cur);
                        parent.0.extend(closed);
                    }
                }
            }
            Piece::Cmd(words, join) => {
                let (programs, args, exec) = programs_of(&words);
                let is_program = !programs.is_empty();
                if is_program && previous == Join::Seq {
                    // Everything that may still be running before it, in
                    // this branch and the ones around it, has finished.
                    for (f, _) in frames
                        .iter_mut()
                        .zip(&forever)
                        .filter(|(_, endless)| !**endless)
                    {
                        for i in f.0.drain(..) {
                            once[i] = true;
                        }
                    }
                }
                if is_program {
                    let i = found.len();
                    found.push((programs, args));
                    once.push(false);
                    if !exec && join != Join::Background {
                        if let Some(f) = frames.last_mut() {
                            f.0.push(i);
                        }
                    }
                }
                previous = join;
            }
        }
    }
    for ((programs, args), done) in found.into_iter().zip(once) {
        if done {
            continue;
        }
        out.runs_args |= args;
        out.run.extend(programs);
    }
    // `exec "$@"` after `set -- nomad agent ...` runs `nomad`.
    if out.runs_args {
        for p in set_programs {
            if !out.run.contains(&p) {
                out.run.push(p);
            }
        }
    }
    out
}

/// The programs one simple command runs, whether it runs its arguments
/// (`"$@"`), and whether it replaces the shell (`exec`): nothing after it runs.
fn programs_of(cmd: &[String]) -> (Vec<String>, bool, bool) {
    let exec = cmd
        .iter()
        .find(|w| !is_assignment(w))
        .is_some_and(|w| w == "exec");
    match head(cmd) {
        Head::Program(i) => {
            let w = &cmd[i];
            let mut run = vec![w.clone()];
            run.extend(handed_on(w, &cmd[i + 1..]));
            (run, w == "$@" || w == "${@}", exec)
        }
        Head::Script(s) => {
            let inner = of_script(&s);
            (inner.run, inner.runs_args, exec)
        }
        Head::AwaitProgram | Head::AwaitScript => (vec![], false, exec),
    }
}

/// How a command is joined to the one after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Join {
    /// `;`, `&&` or a line's end: it finishes before the next starts.
    Seq,
    /// `|` or `||`: the next runs beside it, or only when it fails.
    Cond,
    /// `&`: it runs on in the background.
    Background,
}

/// A script's commands and the compound commands around them.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Cmd(Vec<String>, Join),
    /// `if`, `case`, `while`, `for`, `{`, `(`.
    Open,
    /// A loop that never ends by its condition (`while true`, `while :`,
    /// `until false`): what its body runs is started again and again, as a
    /// supervisor would, so a later command of the body does not make it a
    /// finished step.
    OpenForever,
    /// Another branch of the compound: `else`, `elif`, `;;`.
    Alt,
    /// `fi`, `esac`, `done`, `}`, `)`.
    Close,
    /// `set -- words`: the script's arguments from here on.
    SetArgs(Vec<String>),
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
/// `$(...)` and backquotes kept inside their word) with how it joins the
/// next, between the compound commands around them. Case patterns and
/// function names (a command ended by `)` or `(` outside any group) are left
/// out; commands that run no program (`echo`, `cd`, `exit`, keywords) keep
/// only their place (their join).
fn commands(line: &str) -> Vec<Piece> {
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
    let end = |cur: &mut Vec<String>, out: &mut Vec<Piece>, keep: bool, join: Join| {
        let c = std::mem::take(cur);
        if !keep {
            // `case x in pattern)` on one line still opens the `case`.
            if c.first().is_some_and(|w| w == "case") {
                out.push(Piece::Open);
            }
        } else if !c.is_empty() {
            out.push(Piece::Cmd(c, join));
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
            '{' | '}' => {
                flush(&mut word, &mut in_word, &mut cur);
                // `{` and `}` are words only where a command starts or ends.
                if !cur.is_empty() {
                    cur.push(c.to_string());
                    continue;
                }
                out.push(if c == '{' { Piece::Open } else { Piece::Close });
            }
            '&' if chars.peek() == Some(&'>') => {
                // `&>file`: a redirection, read by the `>` after it.
                flush(&mut word, &mut in_word, &mut cur);
            }
            ';' | '&' | '|' => {
                flush(&mut word, &mut in_word, &mut cur);
                let doubled = chars.peek() == Some(&c);
                if doubled || (c == '|' && chars.peek() == Some(&'&')) {
                    chars.next();
                }
                let join = match (c, doubled) {
                    (';', _) | ('&', true) => Join::Seq,
                    ('&', false) => Join::Background,
                    _ => Join::Cond,
                };
                end(&mut cur, &mut out, true, join);
                // `;;` ends a branch of a `case`.
                if c == ';' && doubled {
                    out.push(Piece::Alt);
                }
            }
            '(' => {
                flush(&mut word, &mut in_word, &mut cur);
                // `name() {`: a function definition, not a command.
                let keep = cur.is_empty();
                end(&mut cur, &mut out, keep, Join::Seq);
                out.push(Piece::Open);
                depth += 1;
            }
            ')' => {
                flush(&mut word, &mut in_word, &mut cur);
                // Outside a group, `pattern)` of a `case`.
                let keep = depth > 0;
                end(&mut cur, &mut out, keep, Join::Seq);
                if depth > 0 {
                    out.push(Piece::Close);
                }
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
    end(&mut cur, &mut out, true, Join::Seq);
    // Keywords that start a command's place again, and lines that are no command.
    let mut pieces = vec![];
    for piece in out {
        let Piece::Cmd(mut c, join) = piece else {
            pieces.push(piece);
            continue;
        };
        while let Some(w) = c.first() {
            match w.as_str() {
                "while" | "until" => {
                    let endless = if w == "while" {
                        ["true", ":"]
                    } else {
                        ["false", "false"]
                    };
                    if c.len() == 2 && endless.contains(&c[1].as_str()) {
                        pieces.push(Piece::OpenForever);
                    } else {
                        pieces.push(Piece::Open);
                    }
                }
                "if" | "{" => pieces.push(Piece::Open),
                "elif" | "else" => pieces.push(Piece::Alt),
                "}" => pieces.push(Piece::Close),
                "then" | "do" | "!" => {}
                _ => break,
            }
            c.remove(0);
        }
        let Some(first) = c.first().map(String::as_str) else {
            pieces.push(Piece::Cmd(vec![], join));
            continue;
        };
        match first {
            "fi" | "done" | "esac" => pieces.push(Piece::Close),
            "case" | "for" | "select" => pieces.push(Piece::Open),
            _ => {}
        }
        // `set -- prog args "$@"`: what a later `exec "$@"` runs.
        if first == "set" && c.get(1).is_some_and(|w| w == "--") {
            pieces.push(Piece::SetArgs(c[2..].to_vec()));
            pieces.push(Piece::Cmd(vec![], join));
            continue;
        }
        let no_program = matches!(
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
        );
        if no_program {
            // `function name {` opens its body.
            if c.last().is_some_and(|w| w == "{") && c.len() > 1 {
                pieces.push(Piece::Open);
            }
            pieces.push(Piece::Cmd(vec![], join));
        } else {
            pieces.push(Piece::Cmd(c, join));
        }
    }
    pieces
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
        let p = of_exec(&w(&["sh", "-c", "--", "exec /install-cni --watch"]));
        assert_eq!(p.run, ["/install-cni"]);
        let p = of_exec(&w(&[
            "/bin/sh",
            "-ecx",
            "/a/x migrate && exec /a/x --name n",
        ]));
        assert_eq!(p.run, ["/a/x"], "the migration finishes before the server");
    }

    #[test]
    fn only_what_stays_running_counts() {
        let run = |s: &str| of_script(s).run;
        let chain = "./gen-keys -n 1 && ./gen-config --ci > c.yaml && cp a b && exec /start.sh";
        assert_eq!(run(chain), ["/start.sh"]);
        assert_eq!(run("./prepare; ./server -v"), ["./server"]);
        assert_eq!(run("./prepare\n/bin/server\n"), ["/bin/server"]);
        // In the background, piped, or followed only on failure: still running.
        assert_eq!(run("./agent & exec ./server"), ["./agent", "./server"]);
        assert_eq!(run("./server || exit 1"), ["./server"]);
        assert_eq!(run("./server 2>&1 | tee log"), ["./server", "tee"]);
        assert_eq!(run("./migrate || exit 1\nexec ./server\n"), ["./server"]);
        // `exec` replaces the shell: nothing after it runs, it never finishes first.
        assert_eq!(run("exec ./server\n"), ["./server"]);
        // The branches of an `if` or a `case` do not follow each other...
        let branches = "if [ \"$1\" = a ]; then\n  ./alpha\nelse\n  ./beta\nfi\n";
        assert_eq!(run(branches), ["./alpha", "./beta"]);
        let cases = "case \"$1\" in\n  a) ./alpha ;;\n  b) ./beta --x ;;\nesac\n";
        assert_eq!(run(cases), ["./alpha", "./beta"]);
        // ...but what comes after the compound follows each of them.
        let setup = "if [ -n \"$X\" ]; then\n  ./setup\nfi\nfor f in a b; do ./each $f; done\nexec ./server\n";
        assert_eq!(run(setup), ["./server"]);
        // Arguments rewritten with `set --`, then run.
        let set = "if [ \"$1\" = agent ]; then\n  set -- orbit agent -data=/d \"$@\"\nfi\nif [ \"$1\" = orbit ]; then\n  set -- gosu app \"$@\"\nfi\nexec \"$@\"\n";
        assert_eq!(run(set), ["$@", "orbit"]);
        let sub = "(cd /x && ./init)\n{ ./more; }\n/bin/server\n";
        assert_eq!(run(sub), ["/bin/server"]);
        // An endless loop starts its body again and again: a supervisor, not a step.
        let keep = "./migrate\nwhile true; do ./server; sleep 1; done\n";
        assert_eq!(run(keep), ["./server", "sleep"]);
        let keep = "until false\ndo\n  if [ -f /x ]; then\n    ./server\n  fi\n  sleep 5\ndone\n";
        assert_eq!(run(keep), ["./server", "sleep"]);
        // A loop that ends by its condition (a wait for a port) is a step.
        let wait = "while ! nc -z db 5432; do ./probe; sleep 1; done\nexec ./server\n";
        assert_eq!(run(wait), ["./server"]);
    }

    #[test]
    fn a_continuation_on_the_last_line_ends_the_command() {
        let p =
            of_script("exec /usr/bin/weed \\\n-logdir=/logs \\\nworker \\\n-metricsPort=9327 \\\n");
        assert_eq!(p.run, ["/usr/bin/weed"]);
    }

    #[test]
    fn script_commands_not_arguments() {
        let p = of_script("case $1 in\n  master|'server' ) exec /bin/weed \"$1\" ;;\nesac\nexport A=\"${A:+$A,}x\"\n${BIN} run\n");
        assert_eq!(p.run, ["/bin/weed", "${BIN}"]);
        let text = "#!/bin/sh\nset -e\nX=$(id -u app)\ncase \"$1\" in\n  'server')\n    exec su-exec app /usr/bin/weed -v server \"$@\"\n    ;;\n  master) exec /usr/bin/weed master ;;\nesac\nusage() {\n  echo server\n}\nif [ -z \"$X\" ]; then mkdir -p /data/server; fi\ncat > /etc/x.yml <<EOF\nserver: 1\nEOF\nexec \"$@\"\n";
        let p = of_script(text);
        // `mkdir` and `cat` finish before `exec "$@"`.
        assert_eq!(p.run, ["/usr/bin/weed", "/usr/bin/weed", "$@"]);
        assert!(p.runs_args);
        assert_eq!(
            split("/bin/sh -c \"mkdir -p /x; go test ./...\""),
            ["/bin/sh", "-c", "mkdir -p /x; go test ./..."]
        );
    }
}
