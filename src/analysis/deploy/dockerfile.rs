//! Dockerfiles: the stages, what the image builds and runs (`go build` targets,
//! `-o` outputs, `COPY --from` sources, `ENTRYPOINT`/`CMD`), whether it sets
//! `GOMEMLIMIT`, and the edit that adds `ENV GOMEMLIMIT=...` to the final stage.

use std::path::{Path, PathBuf};

use crate::finding::Edit;

/// `go build` / `go install` flags that take a separate value.
const FLAGS_WITH_VALUE: &[&str] = &[
    "-o",
    "-ldflags",
    "-gcflags",
    "-asmflags",
    "-gccgoflags",
    "-tags",
    "-mod",
    "-modfile",
    "-p",
    "-installsuffix",
    "-pkgdir",
    "-buildmode",
    "-compiler",
    "-overlay",
    "-pgo",
    "-toolexec",
    "-covermode",
    "-coverpkg",
    "-C",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-case keyword: `FROM`, `RUN`, `ENV`...
    pub keyword: String,
    /// The arguments, continuation lines joined with a space.
    pub args: String,
    /// Byte offset of the instruction's first line.
    pub line_start: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// The `AS name` of its `FROM`.
    pub name: Option<String>,
    pub instructions: Vec<Instruction>,
}

#[derive(Debug, Clone)]
pub struct Dockerfile {
    pub path: PathBuf,
    pub text: String,
    pub stages: Vec<Stage>,
}

impl Dockerfile {
    pub fn parse(path: &Path, text: &str) -> Dockerfile {
        let mut stages: Vec<Stage> = vec![];
        for ins in instructions(text) {
            if ins.keyword == "FROM" {
                let words: Vec<&str> = ins.args.split_whitespace().collect();
                let name = words
                    .iter()
                    .position(|w| w.eq_ignore_ascii_case("as"))
                    .and_then(|i| words.get(i + 1))
                    .map(|s| s.to_string());
                stages.push(Stage {
                    name,
                    instructions: vec![ins],
                });
            } else if let Some(stage) = stages.last_mut() {
                stage.instructions.push(ins);
            }
        }
        Dockerfile {
            path: path.to_path_buf(),
            text: text.to_string(),
            stages,
        }
    }

    /// True when an instruction (not a comment) mentions `GOMEMLIMIT`.
    pub fn sets_gomemlimit(&self) -> bool {
        self.stages
            .iter()
            .flat_map(|s| &s.instructions)
            .any(|i| i.args.contains("GOMEMLIMIT"))
    }

    /// True when the image builds Go code or starts from a Go image.
    pub fn builds_go(&self) -> bool {
        self.stages.iter().flat_map(|s| &s.instructions).any(|i| {
            (i.keyword == "RUN" && !go_commands(&i.args).is_empty())
                || (i.keyword == "FROM" && i.args.to_ascii_lowercase().contains("golang"))
        })
    }

    /// Package paths given to `go build` / `go install` (`./cmd/api`, `.`, `./...`).
    pub fn build_targets(&self) -> Vec<String> {
        self.run_args()
            .flat_map(|args| go_commands(&args))
            .flat_map(|c| c.targets)
            .collect()
    }

    /// Names of the binaries the image builds, copies or runs (base names).
    pub fn binary_names(&self) -> Vec<String> {
        let mut names = vec![];
        for args in self.run_args() {
            for c in go_commands(&args) {
                if let Some(out) = c.output {
                    if !out.ends_with('/') {
                        names.push(base_name(&out));
                    }
                }
                names.extend(
                    c.targets
                        .iter()
                        .filter(|t| !t.contains("..."))
                        .map(|t| base_name(t.trim_end_matches('/'))),
                );
            }
        }
        for ins in self.stages.iter().flat_map(|s| &s.instructions) {
            match ins.keyword.as_str() {
                "ENTRYPOINT" | "CMD" => {
                    if let Some(first) = exec_words(&ins.args).first() {
                        names.push(base_name(first));
                    }
                }
                "COPY" if ins.args.contains("--from") => {
                    let words: Vec<String> = exec_words(&ins.args)
                        .into_iter()
                        .filter(|w| !w.starts_with("--"))
                        .collect();
                    // Every word but the destination is a source.
                    if words.len() >= 2 {
                        names.extend(words[..words.len() - 1].iter().map(|w| base_name(w)));
                    }
                }
                _ => {}
            }
        }
        names.retain(|n| !n.is_empty() && n != "." && n != "*");
        names.sort();
        names.dedup();
        names
    }

    fn run_args(&self) -> impl Iterator<Item = String> + '_ {
        self.stages
            .iter()
            .flat_map(|s| &s.instructions)
            .filter(|i| i.keyword == "RUN")
            .map(|i| i.args.clone())
    }

    /// Whether this Dockerfile builds or runs the main package in `main_dir`
    /// (relative to the module root, `""` for the root) whose binary is `binary`.
    /// One in the package's own folder does when it builds Go or names the
    /// binary; one further up when it names the package or the binary, or builds
    /// Go without naming any package.
    pub fn serves(&self, own_folder: bool, main_dir: &str, binary: &str) -> bool {
        let targets = self.build_targets();
        let names = self.binary_names();
        let names_it =
            names.iter().any(|n| n == binary) || targets.iter().any(|t| target_is(t, main_dir));
        if own_folder {
            // Unless it is a toolchain image kept beside the code (it neither
            // builds Go nor names the binary).
            return names_it || self.builds_go();
        }
        let specific: Vec<&String> = targets.iter().filter(|t| !t.contains("...")).collect();
        names_it || (self.builds_go() && specific.is_empty() && names.is_empty())
    }

    /// The edit adding `ENV GOMEMLIMIT=<mib>MiB` (with a comment line above) to
    /// the final stage, before its first `ENTRYPOINT` or `CMD`, else at its end.
    pub fn env_edit(&self, mib: u64, comment: &str) -> Option<Edit> {
        let last = self.stages.last()?;
        let target = last
            .instructions
            .iter()
            .find(|i| i.keyword == "ENTRYPOINT" || i.keyword == "CMD");
        let lines = format!("# {comment}\nENV GOMEMLIMIT={mib}MiB\n");
        Some(match target {
            Some(ins) => Edit::new(ins.line_start, ins.line_start, lines),
            None => {
                let end = self.text.len();
                let sep = if self.text.ends_with('\n') || self.text.is_empty() {
                    ""
                } else {
                    "\n"
                };
                Edit::new(end, end, format!("{sep}{lines}"))
            }
        })
    }
}

/// True when the `go build` target `t` names the package in `main_dir`.
fn target_is(t: &str, main_dir: &str) -> bool {
    let t = t.trim_start_matches("./").trim_end_matches('/');
    let t = if t == "." { "" } else { t };
    if t.contains("...") {
        return false;
    }
    t == main_dir
        || (!t.is_empty() && main_dir.ends_with(&format!("/{t}")))
        || (!main_dir.is_empty() && t.ends_with(&format!("/{main_dir}")))
}

fn base_name(p: &str) -> String {
    p.rsplit('/').next().unwrap_or(p).to_string()
}

struct GoCommand {
    targets: Vec<String>,
    output: Option<String>,
}

/// The `go build` and `go install` commands of a shell command line.
fn go_commands(shell: &str) -> Vec<GoCommand> {
    let words: Vec<&str> = shell.split_whitespace().collect();
    let mut out = vec![];
    let mut i = 0;
    while i + 1 < words.len() {
        let is_go = words[i] == "go" || words[i].ends_with("/go");
        if !(is_go && matches!(words[i + 1], "build" | "install")) {
            i += 1;
            continue;
        }
        let mut cmd = GoCommand {
            targets: vec![],
            output: None,
        };
        let mut j = i + 2;
        while j < words.len() {
            let w = words[j].trim_matches(|c| c == '"' || c == '\'');
            if matches!(w, "&&" | "||" | ";" | "|" | "\\") || w.ends_with(';') {
                if let Some(t) = w.strip_suffix(';').filter(|t| !t.is_empty()) {
                    cmd.targets.push(t.to_string());
                }
                break;
            }
            if let Some(flag) = w.strip_prefix('-') {
                let name = format!("-{}", flag.trim_start_matches('-'));
                let (name, inline) = match name.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (name, None),
                };
                let value = if inline.is_none() && FLAGS_WITH_VALUE.contains(&name.as_str()) {
                    j += 1;
                    words.get(j).map(|v| v.trim_matches('"').to_string())
                } else {
                    inline
                };
                if name == "-o" {
                    cmd.output = value;
                }
            } else {
                cmd.targets.push(w.to_string());
            }
            j += 1;
        }
        out.push(cmd);
        i = j;
    }
    out
}

/// The words of an exec-form (`["/app", "-x"]`) or shell-form argument list.
fn exec_words(args: &str) -> Vec<String> {
    let t = args.trim();
    if let Some(inner) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return inner
            .split(',')
            .map(|w| w.trim().trim_matches('"').to_string())
            .filter(|w| !w.is_empty())
            .collect();
    }
    t.split_whitespace().map(str::to_string).collect()
}

/// The instructions of a Dockerfile, with line continuations joined and
/// comment lines (also inside continuations) skipped.
fn instructions(text: &str) -> Vec<Instruction> {
    let mut out = vec![];
    let mut current: Option<Instruction> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        let (body, continues) = match trimmed.strip_suffix('\\') {
            Some(b) => (b.trim(), true),
            None => (trimmed, false),
        };
        match current.as_mut() {
            Some(ins) => {
                if !body.is_empty() {
                    ins.args.push(' ');
                    ins.args.push_str(body);
                }
            }
            None => {
                if body.is_empty() {
                    continue;
                }
                let (keyword, args) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
                current = Some(Instruction {
                    keyword: keyword.to_ascii_uppercase(),
                    args: args.trim().to_string(),
                    line_start: start,
                });
            }
        }
        if !continues {
            if let Some(ins) = current.take() {
                out.push(ins);
            }
        }
    }
    out.extend(current);
    out
}

/// True for the file names Docker and its users give Dockerfiles:
/// `Dockerfile`, `Dockerfile.prod`, `api.Dockerfile` (any case).
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let not_one = [".dockerignore", ".md", ".txt", ".bak", ".orig", ".swp"];
    if not_one.iter().any(|s| lower.ends_with(s)) {
        return false;
    }
    lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
        || lower == "containerfile"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::apply_edits;

    const MULTI: &str = "\
# syntax=docker/dockerfile:1
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -trimpath \\
    -ldflags='-s -w' -o /out/orders ./services/orders

FROM gcr.io/distroless/static
COPY --from=build /out/orders /orders
USER nonroot
ENTRYPOINT [\"/orders\", \"-listen=:8080\"]
";

    #[test]
    fn reads_stages_targets_and_names() {
        let d = Dockerfile::parse(Path::new("Dockerfile"), MULTI);
        assert_eq!(d.stages.len(), 2);
        assert_eq!(d.stages[0].name.as_deref(), Some("build"));
        assert_eq!(d.build_targets(), vec!["./services/orders"]);
        assert_eq!(d.binary_names(), vec!["orders"]);
        assert!(d.builds_go() && !d.sets_gomemlimit());
        assert!(d.serves(false, "services/orders", "orders"));
        assert!(!d.serves(false, "services/billing", "billing"));
        assert!(d.serves(true, "services/billing", "billing"));
        let toolchain = Dockerfile::parse(Path::new("Dockerfile"), "FROM coqorg/coq\nRUN make\n");
        assert!(!toolchain.serves(true, "fiat", "fiat"));
        let prebuilt = "FROM scratch\nCOPY notifier /\nENTRYPOINT [\"/notifier\"]\n";
        let prebuilt = Dockerfile::parse(Path::new("Dockerfile"), prebuilt);
        assert!(prebuilt.serves(true, "notifier", "notifier"));
    }

    #[test]
    fn generic_build_serves_every_main_and_comments_do_not_set_the_limit() {
        let text = "FROM golang:1.22\n# ENV GOMEMLIMIT=1GiB\nRUN go build ./...\nCMD app\n";
        let d = Dockerfile::parse(Path::new("Dockerfile"), text);
        assert!(!d.sets_gomemlimit());
        // `app` is named, but `./...` builds every package.
        assert!(!d.serves(false, "cmd/api", "api"));
        let d = Dockerfile::parse(
            Path::new("Dockerfile"),
            "FROM golang:1.22\nRUN go build -o /bin/ ./...\nENV GOMEMLIMIT=900MiB\n",
        );
        assert!(d.serves(false, "cmd/api", "api"));
        assert!(d.sets_gomemlimit());
    }

    #[test]
    fn env_goes_before_the_final_entrypoint() {
        let d = Dockerfile::parse(Path::new("Dockerfile"), MULTI);
        let e = d.env_edit(921, "90% of 1g").unwrap();
        let out = apply_edits(MULTI, &[e]);
        assert!(out
            .contains("USER nonroot\n# 90% of 1g\nENV GOMEMLIMIT=921MiB\nENTRYPOINT [\"/orders\""));
        let d = Dockerfile::parse(Path::new("Dockerfile"), "FROM scratch\nCOPY app /");
        let out = apply_edits(&d.text, &[d.env_edit(460, "c").unwrap()]);
        assert_eq!(
            out,
            "FROM scratch\nCOPY app /\n# c\nENV GOMEMLIMIT=460MiB\n"
        );
    }

    #[test]
    fn dockerfile_names() {
        for n in [
            "Dockerfile",
            "dockerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
        ] {
            assert!(is_dockerfile_name(n), "{n}");
        }
        for n in [
            "Dockerfile.dockerignore",
            "Dockerfile.md",
            "docker-compose.yml",
        ] {
            assert!(!is_dockerfile_name(n), "{n}");
        }
    }
}
