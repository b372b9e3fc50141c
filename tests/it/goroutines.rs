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
    let out = common::go(&["run", "."], dir).output().expect("go run");
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

/// A fix that threads a new `ctx` parameter to callers without a context makes
/// them pass `context.TODO()`, which nothing cancels: the second `check` must
/// report the leak at each such call that can run again and again, and at no
/// call that runs once per process.
#[test]
fn leak_stays_reported_where_the_fix_passes_context_todo() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("gm003");
    common::copy_tree(&common::fixtures_dir().join("GM003"), &tree);

    // The calls left with `context.TODO()` are reported below high confidence
    // when no path shows them repeating: look at every level.
    let before = findings(&tree, &["check", "--confidence", "low"]);
    // Two findings (two starts of one leaking function) name the same sites once each.
    let mut promised: Vec<String> = before
        .iter()
        .filter_map(|f| f["message"].as_str())
        .filter_map(|m| {
            m.split("; ")
                .find(|p| p.contains("have no context") || p.contains("has no context"))
        })
        .flat_map(|p| {
            let sites = p.split(" ha").next().unwrap_or_default();
            sites.split(", ").map(str::to_string).collect::<Vec<_>>()
        })
        .collect();
    promised.sort();
    promised.dedup();
    assert!(
        promised.len() >= 3,
        "the fixtures should have several callers without a context: {promised:?}"
    );

    findings(&tree, &["fix", "--unsafe-fixes", "--confidence", "low"]);
    let after = findings(&tree, &["check", "--confidence", "low"]);
    let at_todo: Vec<String> = after
        .iter()
        .filter(|f| {
            f["message"].as_str().is_some_and(|m| {
                m.contains("context.TODO()") && m.contains("a real context must be wired here")
            })
        })
        .map(|f| format!("{}:{}", f["path"].as_str().unwrap(), f["line"]))
        .collect();
    // Lines move when the fix adds imports: compare the files, with repeats.
    let files = |sites: &[String]| {
        let mut v: Vec<String> = sites
            .iter()
            .map(|s| s.rsplit_once(':').unwrap().0.to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        files(&at_todo),
        files(&promised),
        "every call the fix gave context.TODO() (and only those) is reported after the fix"
    );
    // main passes context.TODO() to the poller too, but main runs once.
    let main = std::fs::read_to_string(tree.join("cmd/app/main.go")).unwrap();
    assert!(main.contains("p.Start(context.TODO()"), "{main}");
    assert!(
        !at_todo.iter().any(|s| s.starts_with("cmd/app/")),
        "{at_todo:?}"
    );
    // Each reported call really passes context.TODO() on that line.
    for site in &at_todo {
        let (path, line) = site.rsplit_once(':').unwrap();
        let text = std::fs::read_to_string(tree.join(path)).unwrap();
        let l: usize = line.parse().unwrap();
        assert!(
            text.lines().nth(l - 1).unwrap().contains("context.TODO()"),
            "{site}"
        );
    }
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
            "pos_mixed_callers.go",
        ],
    );
    assert_ne!(ran.code, 2, "{}", ran.stderr);
    let text = std::fs::read_to_string(tree.join("pos_mixed_callers.go")).unwrap();
    let calls: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("go f.follow("))
        .collect();
    assert_eq!(calls.len(), 3, "{text}");
    for call in &calls {
        assert!(
            call.contains("follow(r.Context(), ") || call.contains("follow(context.TODO(), "),
            "every call passes a context: {call}\n{text}"
        );
    }
    let build = common::go(&["build", "./"], &tree)
        .output()
        .expect("go build");
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
}
