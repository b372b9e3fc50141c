//! GM100: a suppression code that names no rule is always reported; with
//! `--report-unused-suppressions`, so are codes and comments that silence
//! nothing. The fix drops those codes, or the comment (its line when alone), and
//! keeps the rest of the comment as written.

use crate::common;

const SOURCE: &str = "package p

import rt \"runtime\"

var cache []byte

func release() {
	cache = nil
	//gomemfix:ignore GM999 typo for GM009
	rt.GC()
}

func other() {
	cache = nil
	rt.GC() // gomemfix:ignore GM010,GM998 measured: needs a plain GC
}

// Nothing here any more.
//gomemfix:ignore GM005 warm-up, removed since
func third() {}

func fourth() {
	cache = nil
	//gomemfix:ignore GM010 kept: it silences the next line
	rt.GC()
}
";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.go"), SOURCE).unwrap();
    dir
}

fn gm100_lines(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| l.contains(" GM100 "))
        .map(str::to_string)
        .collect()
}

#[test]
fn unknown_codes_are_reported_without_asking() {
    let p = project();
    let (code, out, _) = common::gomemfix(p.path(), &["check", "-q", "."]).parts();
    assert_eq!(code, 1);
    assert_eq!(
        gm100_lines(&out),
        vec![
            "a.go:9:2: GM100 [unused-suppression] GM999 names no gomemfix rule; delete the comment",
            "a.go:15:10: GM100 [unused-suppression] GM998 names no gomemfix rule; drop that code",
        ]
    );
    // The finding the typo meant to silence is reported.
    assert!(out.contains("a.go:10:2: GM010"), "{out}");
    // --ignore GM100 turns the check off.
    let (_, out, _) =
        common::gomemfix(p.path(), &["check", "-q", "--ignore", "GM100", "."]).parts();
    assert!(gm100_lines(&out).is_empty(), "{out}");
}

#[test]
fn idle_codes_are_reported_when_asked() {
    let p = project();
    let (_, out, _) = common::gomemfix(
        p.path(),
        &["check", "-q", "--report-unused-suppressions", "."],
    )
    .parts();
    let lines = gm100_lines(&out);
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(
        lines[2],
        "a.go:19:1: GM100 [unused-suppression] this suppression silences nothing for GM005; delete the comment"
    );
    // A code of a rule that did not run is not judged idle.
    let (_, out, _) = common::gomemfix(
        p.path(),
        &[
            "check",
            "-q",
            "--report-unused-suppressions",
            "--select",
            "GM010",
            ".",
        ],
    )
    .parts();
    assert_eq!(gm100_lines(&out).len(), 2, "{out}");
}

#[test]
fn the_fix_drops_what_silences_nothing() {
    let p = project();
    let (code, _, err) =
        common::gomemfix(
            p.path(),
            &["fix", "--unsafe-fixes", "--report-unused-suppressions", "."],
        )
        .parts();
    assert_eq!(code, 0, "{err}");
    let fixed = std::fs::read_to_string(p.path().join("a.go")).unwrap();
    let want = "package p

import (
	rt \"runtime\"
	\"runtime/debug\"
)

var cache []byte

func release() {
	cache = nil
	debug.FreeOSMemory()
}

func other() {
	cache = nil
	rt.GC() // gomemfix:ignore GM010 measured: needs a plain GC
}

// Nothing here any more.
func third() {}

func fourth() {
	cache = nil
	//gomemfix:ignore GM010 kept: it silences the next line
	rt.GC()
}
";
    assert_eq!(fixed, want);
    // Idempotent: nothing left to report or fix.
    let (code, out, _) =
        common::gomemfix(p.path(), &["check", "--report-unused-suppressions", "."]).parts();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No findings in 1 file. 2 suppressed"), "{out}");
}

#[test]
fn gm100_is_listed_and_explained() {
    let p = project();
    let (_, out, _) = common::gomemfix(p.path(), &["rules"]).parts();
    assert!(
        out.lines()
            .any(|l| l.starts_with("GM100  unused-suppression") && l.contains("fix: safe")),
        "{out}"
    );
    let (code, out, _) = common::gomemfix(p.path(), &["explain", "GM100"]).parts();
    assert_eq!(code, 0);
    assert!(out.contains("## Fix safety\nSafe"), "{out}");
    assert!(out.contains("GM999"), "{out}");
}
