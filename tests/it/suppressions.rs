//! GM100: a suppression code that names no rule is always reported; with
//! `--report-unused-suppressions`, so are codes and comments that silence
//! nothing. The fix drops those codes and keeps the rest of the comment as
//! written: the other codes, the reason (as a plain comment when no code is
//! left); the comment goes (its line when alone) only when nothing is left.
//! Comments that look like suppressions but are none are reported with what was
//! meant; an unknown code says which rule it may have meant.

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
            "a.go:9:2: GM100 [unused-suppression] GM999 names no gomemfix rule (did you mean GM009?); keep only its reason",
            "a.go:15:10: GM100 [unused-suppression] GM998 names no gomemfix rule (did you mean GM008?); drop that code",
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
        "a.go:19:1: GM100 [unused-suppression] this suppression silences nothing for GM005; keep only its reason"
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
    let (code, _, err) = common::gomemfix(
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
	// typo for GM009
	debug.FreeOSMemory()
}

func other() {
	cache = nil
	rt.GC() // gomemfix:ignore GM010 measured: needs a plain GC
}

// Nothing here any more.
// warm-up, removed since
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

#[test]
fn near_misses_of_the_directive_are_reported_with_what_was_meant() {
    let dir = tempfile::tempdir().unwrap();
    let source = "package p

import \"runtime\"

func a(n int) {
	for i := 0; i < n; i++ {
		work(i)
		//gomemfix:ingore GM005 warm-up
		runtime.GC()
	}
}

func b(n int) {
	for i := 0; i < n; i++ {
		work(i)
		//gomemfix: ignore GM005
		runtime.GC()
	}
}

func c(n int) {
	for i := 0; i < n; i++ {
		work(i)
		/* gomemfix:ignore GM005 */
		runtime.GC()
	}
}

func d(n int) {
	for i := 0; i < n; i++ {
		work(i)
		runtime.GC() //nolint:gomemfixx // measured
	}
}

func e(n int) {
	for i := 0; i < n; i++ {
		work(i)
		// gomemfix ignores nothing here: plain prose.
		runtime.GC() //gomemfix:ignore GM05 typo
	}
}

func work(int) {}
";
    std::fs::write(dir.path().join("a.go"), source).unwrap();
    let (code, out, err) = common::gomemfix(dir.path(), &["check", "-q", "."]).parts();
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        gm100_lines(&out),
        vec![
            "a.go:8:3: GM100 [unused-suppression] this comment suppresses nothing: `ingore` is misspelt; did you mean `//gomemfix:ignore GM005 warm-up`?",
            "a.go:16:3: GM100 [unused-suppression] this comment suppresses nothing: no space may follow the colon; did you mean `//gomemfix:ignore GM005`?",
            "a.go:24:3: GM100 [unused-suppression] this comment suppresses nothing: a block comment is no directive; did you mean `//gomemfix:ignore GM005`?",
            "a.go:32:16: GM100 [unused-suppression] this comment suppresses nothing: `gomemfixx` is no linter name; did you mean `//nolint:gomemfix // measured`?",
            "a.go:40:16: GM100 [unused-suppression] GM05 names no gomemfix rule (did you mean GM005?); keep only its reason",
        ],
        "{out}"
    );
    // Each finding the comments were meant for still shows.
    assert_eq!(
        out.lines()
            .filter(|l| l.contains(" GM005 [gc-in-loop]"))
            .count(),
        5,
        "{out}"
    );
    // `fix` leaves the near-misses to their author (the right spelling would
    // silence a finding) and keeps the typo's reason.
    let (_, _, err) = common::gomemfix(dir.path(), &["fix", "--select", "GM100", "."]).parts();
    let fixed = std::fs::read_to_string(dir.path().join("a.go")).unwrap();
    assert!(
        fixed.contains("//gomemfix:ingore GM005 warm-up"),
        "{err}{fixed}"
    );
    assert!(fixed.contains("/* gomemfix:ignore GM005 */"), "{fixed}");
    assert!(fixed.contains("runtime.GC() // typo\n"), "{fixed}");
    // --ignore GM100 turns it all off.
    let (_, out, _) =
        common::gomemfix(dir.path(), &["check", "-q", "--ignore", "GM100", "."]).parts();
    assert!(gm100_lines(&out).is_empty(), "{out}");
}
