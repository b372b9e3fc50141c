//! GM003's fix, proven by running it: a program starts a poller that sleeps in
//! an endless loop, cancels its context and counts goroutines. Built from
//! `tests/leakcheck` as it is, the poller is still running after the cancel;
//! built after `gomemfix fix --unsafe-fixes` (which adds a `ctx` parameter to
//! `poll.Start` and passes `main`'s context), it has exited. Needs Go.

use crate::common;

use std::path::Path;
use std::process::Command;

/// Runs the module's main package and returns the goroutine count it prints.
fn goroutines_after_cancel(dir: &Path) -> usize {
    let out = common::run_go(&mut common::go(&["run", "."], dir));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "go run failed in {}:\n{}{}",
        dir.display(),
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("cancelled=true"), "{stdout}");
    stdout
        .trim()
        .rsplit("goroutines=")
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {stdout:?}"))
}

#[test]
fn fixed_goroutine_exits_when_its_context_is_cancelled() {
    let tmp = tempfile::tempdir().unwrap();
    let original = tmp.path().join("original");
    let fixed = tmp.path().join("fixed");
    let source = common::manifest_dir().join("tests/leakcheck");
    common::copy_tree(&source, &original);
    common::copy_tree(&source, &fixed);

    let fix = Command::new(common::gomemfix_bin())
        .args(["fix", "--unsafe-fixes", "--select", "GM003", "."])
        .current_dir(&fixed)
        .output()
        .expect("run gomemfix");
    assert_ne!(
        fix.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&fix.stderr)
    );
    let main = std::fs::read_to_string(fixed.join("main.go")).unwrap();
    assert!(
        main.contains("poll.Start(ctx, time.Millisecond"),
        "the caller passes its own context:\n{main}"
    );

    assert_eq!(
        goroutines_after_cancel(&original),
        2,
        "the original poller should still be running"
    );
    assert_eq!(
        goroutines_after_cancel(&fixed),
        1,
        "the fixed poller should have exited"
    );
}

/// Runs gomemfix in `dir` and returns its JSON findings.
fn findings(dir: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let out = Command::new(common::gomemfix_bin())
        .args(args)
        .args(["--select", "GM003", "--format", "json", "."])
        .current_dir(dir)
        .output()
        .expect("run gomemfix");
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json findings")
}

/// A `context.TODO()` is never cancelled: a fix that handed one to a caller
/// without a context would hide the leak, not stop it. The fix adds a `ctx`
/// parameter only where every caller has a real context; elsewhere the finding
/// names the callers that have none, and offers no edit.
#[test]
fn fix_never_passes_context_todo() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("gm003");
    common::copy_tree(&common::fixtures_dir().join("GM003"), &tree);
    let todos = |tree: &Path| -> usize {
        let mut n = 0;
        for e in walkdir(tree) {
            n += std::fs::read_to_string(&e)
                .unwrap_or_default()
                .matches("context.TODO()")
                .count();
        }
        n
    };
    let before_todos = todos(&tree);

    let before = findings(&tree, &["check", "--confidence", "low"]);
    let refused: Vec<&serde_json::Value> = before
        .iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("no context to pass") && m.contains("would never end"))
        })
        .collect();
    assert!(
        refused.len() >= 3,
        "the fixtures should have several leaks whose callers lack a context"
    );
    for f in &refused {
        assert!(
            f["fix"].is_null(),
            "no edit where a caller lacks a context: {f}"
        );
    }
    let fixed: Vec<&serde_json::Value> = before
        .iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("as the first parameter of"))
        })
        .collect();
    assert!(!fixed.is_empty(), "some leak's callers all have a context");

    findings(&tree, &["fix", "--unsafe-fixes", "--confidence", "low"]);
    assert_eq!(
        todos(&tree),
        before_todos,
        "the fix added a context.TODO() somewhere"
    );
    // What the fix changed builds.
    let build = common::run_go(&mut common::go(&["vet", "./..."], &tree));
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
}

/// The `.go` files under `dir`.
fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "go") {
                out.push(p);
            }
        }
    }
    out
}

/// A file named alone on the command line (`gomemfix fix x.go`, run from the
/// module's folder) has the empty path as its folder. Its module must still
/// list its files, or the fix adds a `ctx` parameter and updates none of the
/// calls: the package no longer builds.
#[test]
fn fix_of_a_file_named_alone_updates_its_callers() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("gm003");
    common::copy_tree(&common::fixtures_dir().join("GM003"), &tree);
    let ran = common::gomemfix(
        &tree,
        &[
            "fix",
            "--no-cache",
            "--unsafe-fixes",
            "--select",
            "GM003",
            "pos_every_caller_has_ctx.go",
        ],
    );
    assert_ne!(ran.code, 2, "{}", ran.stderr);
    let text = std::fs::read_to_string(tree.join("pos_every_caller_has_ctx.go")).unwrap();
    let calls: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("refreshSums(") && !l.contains("func "))
        .collect();
    assert_eq!(calls.len(), 2, "{text}");
    for call in &calls {
        assert!(
            call.contains("refreshSums(r.Context(), ") || call.contains("refreshSums(ctx, "),
            "every call passes its caller's context: {call}\n{text}"
        );
    }
    let build = common::run_go(&mut common::go(&["build", "./"], &tree));
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
}
