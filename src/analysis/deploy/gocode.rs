//! The Go side of a main package's deployment: which files of a folder a Linux
//! build compiles (build constraints and file-name suffixes), and whether the
//! package, or any package of its module that it imports directly or not, sets
//! the runtime's memory limit (`debug.SetMemoryLimit`, `os.Setenv("GOMEMLIMIT")`,
//! or a library that sets it from the cgroup such as `automemlimit`).
//!
//! Package folders are read once per run and cached by path.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::package::Files;

/// Libraries that set the runtime's memory limit when imported (for side
/// effects or to call): a package importing one handles the limit.
const LIMIT_LIBRARIES: &[&str] = &["github.com/KimMachineGun/automemlimit"];

/// Most packages followed through the import graph of one main.
const MAX_PACKAGES: usize = 20_000;

/// Operating systems Go knows: a constraint or file-name suffix naming one other
/// than linux is false for a Linux build.
const GOOS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

const GOARCH: &[&str] = &[
    "386", "amd64", "arm", "arm64", "loong64", "mips", "mipsle", "mips64", "mips64le", "ppc64",
    "ppc64le", "riscv64", "s390x", "wasm",
];

/// Tags no build of a service sets: `go run`/`go generate` helpers and tool lists.
const NEVER_SET: &[&str] = &["ignore", "none", "tools", "generate", "gccgo"];

/// One Go source file of a package folder.
#[derive(Debug, Clone)]
pub struct GoSource {
    pub path: PathBuf,
    pub text: String,
    /// The name in its `package` clause.
    pub package: String,
}

/// The non-test `.go` files of `dir` that a Linux build compiles, sorted by name.
pub fn package_files(files: &Files, dir: &Path) -> Arc<Vec<GoSource>> {
    files.memo("linux-package-files", dir, "", |f| {
        linux_package_files(f, dir)
    })
}

fn linux_package_files(files: &Files, dir: &Path) -> Vec<GoSource> {
    let mut out = vec![];
    if let Some(entries) = files.read_dir(dir) {
        for e in entries.iter() {
            let p = e.path.clone();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !name.ends_with(".go") || name.ends_with("_test.go") || name.starts_with(['.', '_'])
            {
                continue;
            }
            let Some(text) = files.read_to_string(&p) else {
                continue;
            };
            if !linux_builds(name, &text) {
                continue;
            }
            let package = package_clause(&text).unwrap_or("").to_string();
            out.push(GoSource {
                path: p,
                text,
                package,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The package name of a Go source, read from its first `package` line.
pub fn package_clause(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("package "))
        .map(|rest| rest.split_whitespace().next().unwrap_or(""))
}

/// True when some Linux build compiles the file `name` with source `text`: its
/// file-name suffix names no other OS, and its build constraint can be true with
/// `linux` and `unix` set, every other OS false, and `ignore`, `none`, `tools`
/// and `generate` unset (other tags may be either).
pub fn linux_builds(name: &str, text: &str) -> bool {
    let stem = name.strip_suffix(".go").unwrap_or(name);
    let parts: Vec<&str> = stem.split('_').collect();
    if parts.len() >= 2 {
        let last = parts[parts.len() - 1];
        let before = parts[parts.len() - 2];
        let os = if GOARCH.contains(&last) && parts.len() >= 3 {
            Some(before)
        } else {
            Some(last)
        };
        if os.is_some_and(|os| GOOS.contains(&os) && os != "linux") {
            return false;
        }
    }
    match constraint(text) {
        Some(expr) => satisfiable(&expr),
        None => true,
    }
}

/// The build constraint of a file (`//go:build`, else the `// +build` lines),
/// read from the comments before the package clause.
fn constraint(text: &str) -> Option<Expr> {
    let mut plus = vec![];
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with("package ") || l == "package" {
            break;
        }
        if let Some(rest) = l.strip_prefix("//go:build") {
            return parse_expr(rest);
        }
        if let Some(rest) = l.strip_prefix("// +build") {
            plus.push(plus_line(rest));
        }
    }
    (!plus.is_empty()).then(|| Expr::And(plus))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expr {
    Tag(String),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// `// +build a,b c` is (a AND b) OR c.
fn plus_line(rest: &str) -> Expr {
    Expr::Or(
        rest.split_whitespace()
            .map(|term| {
                Expr::And(
                    term.split(',')
                        .map(|t| match t.strip_prefix('!') {
                            Some(t) => Expr::Not(Box::new(Expr::Tag(t.to_string()))),
                            None => Expr::Tag(t.to_string()),
                        })
                        .collect(),
                )
            })
            .collect(),
    )
}

fn parse_expr(text: &str) -> Option<Expr> {
    let mut tokens = vec![];
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' => i += 1,
            b'(' | b')' | b'!' => {
                tokens.push(text[i..i + 1].to_string());
                i += 1;
            }
            b'&' | b'|' if i + 1 < b.len() && b[i + 1] == b[i] => {
                tokens.push(text[i..i + 2].to_string());
                i += 2;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.')
                {
                    i += 1;
                }
                tokens.push(text[start..i].to_string());
            }
            _ => return None,
        }
    }
    let mut pos = 0;
    let e = parse_or(&tokens, &mut pos)?;
    (pos == tokens.len()).then_some(e)
}

fn parse_or(t: &[String], pos: &mut usize) -> Option<Expr> {
    let mut items = vec![parse_and(t, pos)?];
    while t.get(*pos).is_some_and(|s| s == "||") {
        *pos += 1;
        items.push(parse_and(t, pos)?);
    }
    Some(if items.len() == 1 {
        items.remove(0)
    } else {
        Expr::Or(items)
    })
}

fn parse_and(t: &[String], pos: &mut usize) -> Option<Expr> {
    let mut items = vec![parse_not(t, pos)?];
    while t.get(*pos).is_some_and(|s| s == "&&") {
        *pos += 1;
        items.push(parse_not(t, pos)?);
    }
    Some(if items.len() == 1 {
        items.remove(0)
    } else {
        Expr::And(items)
    })
}

fn parse_not(t: &[String], pos: &mut usize) -> Option<Expr> {
    let tok = t.get(*pos)?;
    *pos += 1;
    match tok.as_str() {
        "!" => Some(Expr::Not(Box::new(parse_not(t, pos)?))),
        "(" => {
            let e = parse_or(t, pos)?;
            (t.get(*pos)? == ")").then(|| *pos += 1)?;
            Some(e)
        }
        ")" | "&&" | "||" => None,
        tag => Some(Expr::Tag(tag.to_string())),
    }
}

/// The value a Linux build gives a tag, or None when a build may set it either way.
fn linux_value(tag: &str) -> Option<bool> {
    if tag == "linux" || tag == "unix" || tag == "gc" || tag.starts_with("go1.") {
        return Some(true);
    }
    if GOOS.contains(&tag) || NEVER_SET.contains(&tag) {
        return Some(false);
    }
    None
}

fn satisfiable(e: &Expr) -> bool {
    fn tags(e: &Expr, out: &mut Vec<String>) {
        match e {
            Expr::Tag(t) => {
                if linux_value(t).is_none() && !out.contains(t) {
                    out.push(t.clone());
                }
            }
            Expr::Not(x) => tags(x, out),
            Expr::And(xs) | Expr::Or(xs) => xs.iter().for_each(|x| tags(x, out)),
        }
    }
    fn eval(e: &Expr, free: &[String], bits: u32) -> bool {
        match e {
            Expr::Tag(t) => linux_value(t).unwrap_or_else(|| {
                let i = free.iter().position(|f| f == t).unwrap_or(0);
                bits & (1 << i) != 0
            }),
            Expr::Not(x) => !eval(x, free, bits),
            Expr::And(xs) => xs.iter().all(|x| eval(x, free, bits)),
            Expr::Or(xs) => xs.iter().any(|x| eval(x, free, bits)),
        }
    }
    let mut free = vec![];
    tags(e, &mut free);
    if free.len() > 12 {
        return true;
    }
    (0..1u32 << free.len()).any(|bits| eval(e, &free, bits))
}

/// What a package's code does about the memory limit, and what it imports.
#[derive(Debug, Clone, Default)]
struct Scan {
    /// `file: what` when the package sets the limit.
    sets: Option<(PathBuf, String)>,
    /// When the package mentions `GOMEMLIMIT` in code (reads or logs it).
    mentions_variable: Option<PathBuf>,
    imports: Vec<String>,
}

fn scan(files: &Files, dir: &Path) -> Arc<Scan> {
    files.memo("limit-scan", dir, "", |f| scan_package(f, dir))
}

fn scan_package(files: &Files, dir: &Path) -> Scan {
    let mut s = Scan::default();
    for f in package_files(files, dir).iter() {
        let imports = imports_of(&f.text);
        if s.sets.is_none() {
            if let Some(lib) = imports
                .iter()
                .find(|i| LIMIT_LIBRARIES.iter().any(|l| is_under(i, l)))
            {
                s.sets = Some((f.path.clone(), format!("imports {lib}")));
            } else if let Some(what) = sets_limit_in_code(&f.text) {
                s.sets = Some((f.path.clone(), what));
            }
        }
        if s.mentions_variable.is_none() && code_lines(&f.text).any(|l| l.contains("GOMEMLIMIT")) {
            s.mentions_variable = Some(f.path.clone());
        }
        s.imports.extend(imports);
    }
    s.imports.sort();
    s.imports.dedup();
    s
}

/// What a file of a main package does about the limit, from its text alone:
/// imports a library that sets it, sets it, or reads `GOMEMLIMIT` to handle it.
/// The rule asks this of the file it is given (whose text a fix may have
/// changed since it was read from disk).
pub fn main_text_handles_limit(text: &str) -> Option<String> {
    if let Some(lib) = imports_of(text)
        .iter()
        .find(|i| LIMIT_LIBRARIES.iter().any(|l| is_under(i, l)))
    {
        return Some(format!("imports {lib}"));
    }
    if let Some(what) = sets_limit_in_code(text) {
        return Some(what);
    }
    code_lines(text)
        .any(|l| l.contains("GOMEMLIMIT"))
        .then(|| "handles GOMEMLIMIT".to_string())
}

pub fn is_under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The lines of Go source with `//` comments cut off (block comments are rare
/// around these calls and are not removed).
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .filter(|l| !l.trim().is_empty())
}

/// `SetMemoryLimit(x)` with an `x` that sets a limit (a negative argument only
/// reads the current one), or `os.Setenv("GOMEMLIMIT", ...)`.
fn sets_limit_in_code(text: &str) -> Option<String> {
    if !text.contains("SetMemoryLimit") && !text.contains("GOMEMLIMIT") {
        return None;
    }
    for line in code_lines(text) {
        let mut rest = line;
        while let Some(i) = rest.find("SetMemoryLimit(") {
            let arg = rest[i + "SetMemoryLimit(".len()..].trim_start();
            let reads_only = arg.starts_with('-');
            let declares = rest[..i].trim_end().ends_with("func");
            if !reads_only && !declares {
                return Some("calls SetMemoryLimit".to_string());
            }
            rest = &rest[i + 1..];
        }
        if line.contains("Setenv(\"GOMEMLIMIT\"") {
            return Some("sets GOMEMLIMIT with os.Setenv".to_string());
        }
    }
    None
}

/// True when the package's own code serves until it is told to stop: it listens
/// (`http.ListenAndServe`, an `http.Server`'s `Serve`, `net.Listen`, a gRPC
/// `NewServer`) and waits for a termination signal (`signal.Notify`,
/// `signal.NotifyContext`). A program that does both is a long-running server
/// whether or not its image says so with `EXPOSE`; a one-shot tool that only
/// serves metrics while it works does not wait for signals.
pub fn serves_until_signalled(files: &Files, dir: &Path) -> bool {
    let sources = package_files(files, dir);
    let imports: Vec<String> = sources.iter().flat_map(|f| imports_of(&f.text)).collect();
    let has = |path: &str| imports.iter().any(|i| i == path);
    let calls = |name: &str| {
        sources
            .iter()
            .any(|f| code_lines(&f.text).any(|l| l.contains(name)))
    };
    let listens = (has("net/http") && (calls("ListenAndServe") || calls(".Serve(")))
        || (has("net") && calls(".Listen("))
        || (imports
            .iter()
            .any(|i| is_under(i, "google.golang.org/grpc"))
            && calls("NewServer("));
    listens && has("os/signal") && (calls("Notify(") || calls("NotifyContext("))
}

/// The import paths of a Go source file.
pub fn imports_of(text: &str) -> Vec<String> {
    let mut out = vec![];
    let mut in_block = false;
    for line in text.lines() {
        let l = line.split("//").next().unwrap_or("").trim();
        if in_block {
            if l.starts_with(')') {
                in_block = false;
                continue;
            }
            if let Some(p) = quoted(l) {
                out.push(p);
            }
            continue;
        }
        let Some(rest) = l.strip_prefix("import") else {
            if l.starts_with("func ") || l.starts_with("type ") || l.starts_with("var ") {
                break;
            }
            continue;
        };
        let rest = rest.trim_start();
        if rest.starts_with('(') {
            in_block = true;
            if let Some(p) = quoted(&rest[1..]) {
                out.push(p);
            }
        } else if let Some(p) = quoted(rest) {
            out.push(p);
        }
    }
    out
}

fn quoted(l: &str) -> Option<String> {
    let (start, q) = l.char_indices().find(|(_, c)| *c == '"' || *c == '`')?;
    let rest = &l[start + 1..];
    let end = rest.find(q)?;
    Some(rest[..end].to_string())
}

/// Where the limit is set for the main package in `dir` of the module at
/// `module_root` with path `module_path`: its own files (which may also read
/// `GOMEMLIMIT` to handle it), or any package of the module it imports,
/// directly or not. `file: what` for the message, or None.
pub fn limit_set_in_code(
    files: &Files,
    dir: &Path,
    module_root: &Path,
    module_path: &str,
) -> Option<String> {
    let own = scan(files, dir);
    if let Some(p) = &own.mentions_variable {
        return Some(format!("{} handles GOMEMLIMIT", p.display()));
    }
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut queue: VecDeque<PathBuf> = VecDeque::from([dir.to_path_buf()]);
    seen.insert(dir.to_path_buf());
    while let Some(d) = queue.pop_front() {
        let s = scan(files, &d);
        if let Some((p, what)) = &s.sets {
            return Some(format!("{} {what}", p.display()));
        }
        if module_path.is_empty() || seen.len() > MAX_PACKAGES {
            continue;
        }
        for imp in &s.imports {
            let rel = if imp == module_path {
                Some("")
            } else {
                imp.strip_prefix(module_path)
                    .and_then(|r| r.strip_prefix('/'))
            };
            let Some(rel) = rel else { continue };
            let next = module_root.join(rel);
            if seen.insert(next.clone()) && files.is_dir(&next) {
                queue.push_back(next);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_constraints_a_linux_build_can_satisfy() {
        let f = |c: &str| linux_builds("main.go", &format!("{c}\n\npackage main\n"));
        assert!(!f("//go:build ignore"));
        assert!(!f("//go:build none"));
        assert!(!f("//go:build windows"));
        assert!(!f("//go:build darwin || freebsd"));
        assert!(!f("//go:build !unix"));
        assert!(!f("// +build tools"));
        assert!(!f("//go:build linux && ignore"));
        assert!(f("//go:build linux"));
        assert!(f("//go:build !windows"));
        assert!(f("//go:build integration"));
        assert!(f("//go:build (linux || darwin) && amd64"));
        assert!(f("// +build linux,cgo darwin"));
        assert!(f("// not a constraint"));
        assert!(!linux_builds("main_windows.go", "package main\n"));
        assert!(!linux_builds("svc_darwin_arm64.go", "package main\n"));
        assert!(linux_builds("svc_linux_amd64.go", "package main\n"));
        assert!(linux_builds("main_test_helper.go", "package main\n"));
    }

    #[test]
    fn limit_calls_that_read_do_not_count() {
        assert!(sets_limit_in_code("\tdebug.SetMemoryLimit(-1)\n").is_none());
        assert!(sets_limit_in_code("\tprev := debug.SetMemoryLimit( -1 )\n").is_none());
        assert!(sets_limit_in_code("// debug.SetMemoryLimit(1 << 30)\n").is_none());
        assert!(sets_limit_in_code("func SetMemoryLimit(n int64) int64 {\n").is_none());
        assert!(sets_limit_in_code("\tdebug.SetMemoryLimit(int64(*limit))\n").is_some());
        assert!(sets_limit_in_code("\t_ = os.Setenv(\"GOMEMLIMIT\", v)\n").is_some());
    }

    #[test]
    fn imports() {
        let text = "package main\n\nimport \"fmt\"\nimport (\n\t_ \"github.com/KimMachineGun/automemlimit\" // sets it\n\tx \"example.com/m/internal/limits\"\n)\n\nfunc main() {}\n";
        assert_eq!(
            imports_of(text),
            vec![
                "fmt",
                "github.com/KimMachineGun/automemlimit",
                "example.com/m/internal/limits"
            ]
        );
    }
}
