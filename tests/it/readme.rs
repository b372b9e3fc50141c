//! The README's fresh-machine walkthrough works as written: each of its lines
//! after `git clone` and `cargo install` runs, in a git checkout holding
//! examples/, with the binary under test on PATH, and says what its comment says.

use crate::common;

use std::path::Path;
use std::process::Command;

fn walkthrough() -> Vec<String> {
    let readme = std::fs::read_to_string(common::manifest_dir().join("README.md")).unwrap();
    let at = readme
        .find("## From a fresh machine")
        .expect("the README has its walkthrough");
    let block = &readme[at..];
    let start = block.find("```sh\n").unwrap() + "```sh\n".len();
    let end = start + block[start..].find("```").unwrap();
    block[start..end].lines().map(str::to_string).collect()
}

fn sh(dir: &Path, line: &str) -> (i32, String) {
    let bin = common::gomemfix_bin();
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("bash")
        .args(["-c", line])
        .current_dir(dir)
        .env("PATH", path)
        .env("CI", "true")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code().unwrap_or(-1), text)
}

#[test]
fn the_walkthrough_runs_as_written() {
    let lines = walkthrough();
    assert!(lines[0].starts_with("git clone https://github.com/gomemfix/gomemfix"));
    assert!(lines[1].starts_with("cargo install --locked --path ."));
    // A checkout of the repository, as the clone gives it.
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    common::copy_tree(
        &common::manifest_dir().join("examples"),
        &dir.join("examples"),
    );
    for cmd in [
        "git init -q .",
        "git add -A",
        "git -c user.name=t -c user.email=t@t commit -qm init",
    ] {
        let (code, out) = sh(dir, cmd);
        assert_eq!(code, 0, "{cmd}: {out}");
    }
    for line in &lines[2..] {
        let (cmd, comment) = line.split_once(" # ").unwrap_or((line, ""));
        let (code, out) = sh(dir, cmd.trim());
        assert!(code == 0 || code == 1, "{cmd}: exit {code}\n{out}");
        if cmd.starts_with("gomemfix check") {
            // "# 10 findings, ..." is what it finds.
            let n = comment.split_whitespace().next().unwrap();
            assert!(
                out.contains(&format!("Found {n} findings")),
                "{line}\n{out}"
            );
            assert_eq!(code, 1);
        }
        if cmd.starts_with("gomemfix fix --diff") {
            assert!(out.contains("diff --git a/examples/catalogue.go"), "{out}");
            assert!(out.contains("diff --git a/examples/Dockerfile"), "{out}");
        }
        if cmd.starts_with("gomemfix fix --show-fixes") {
            assert!(out.contains("Fixed:\n  examples/catalogue.go:"), "{out}");
        }
        if cmd.starts_with("git diff --stat") {
            assert!(out.contains("examples/catalogue.go"), "{out}");
        }
    }
    let (_, status) = sh(dir, "git status --porcelain");
    assert_eq!(status, "", "the last line puts the examples back");
}
