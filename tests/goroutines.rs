//! GM003's fix, proven by running it: a program starts a poller that sleeps in
//! an endless loop, cancels its context and counts goroutines. Built from
//! `tests/leakcheck` as it is, the poller is still running after the cancel;
//! built after `gomemfix fix --unsafe-fixes` (which adds a `ctx` parameter to
//! `poll.Start` and passes `main`'s context), it has exited. Needs Go.

mod common;

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
