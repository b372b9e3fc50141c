//! Summaries that add up: on a copy of examples/ (a Go file whose GM006 fix edits
//! the Dockerfile beside it), `check`, `fix --diff`, `fix`, and the json, sarif,
//! markdown and `--show-fixes` views of them must tell one story: the same
//! findings, fixed + remaining = found, and the files counted are the files the
//! patch edits, Go or not.

use crate::common;

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

fn examples() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(
        &common::manifest_dir().join("examples"),
        &dir.path().join("examples"),
    );
    dir
}

/// `(rule, line)` of each finding in a JSON report.
fn keys(json: &str) -> Vec<(String, u64)> {
    let v: Value = serde_json::from_str(json).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The numbers in a summary line such as "Would fix 9 findings in 2 files; 1 remaining."
fn numbers(line: &str) -> Vec<usize> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse().unwrap())
        .collect()
}

fn summary_line<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting with {start:?} in:\n{text}"))
}

#[test]
fn every_view_of_the_examples_tells_the_same_counts() {
    let work = examples();
    let dir = work.path();
    let check_json = common::gomemfix(dir, &["check", "--format", "json", "examples"]);
    let found = keys(&check_json.stdout);
    let n = found.len();
    assert!(n >= 10, "{}", check_json.stdout);
    let check_text = common::gomemfix(dir, &["check", "examples"]);
    let line = summary_line(&check_text.stdout, "Found ");
    assert_eq!(numbers(line)[0], n, "{line}");

    // What `fix --unsafe-fixes` may fix: every finding with a fix.
    let v: Value = serde_json::from_str(&check_json.stdout).unwrap();
    let fixable = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["fix"].is_null())
        .count();
    assert!(fixable < n, "the examples keep a report-only finding");

    // fix --diff: the patch edits catalogue.go and the Dockerfile.
    let diff = common::gomemfix(dir, &["fix", "--diff", "--unsafe-fixes", "examples"]);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    let patched: Vec<&str> = diff
        .stdout
        .lines()
        .filter(|l| l.starts_with("diff --git"))
        .collect();
    assert_eq!(patched.len(), 2, "{patched:?}");
    assert!(patched.iter().any(|l| l.ends_with("b/examples/Dockerfile")));
    let line = summary_line(&diff.stderr, "Would fix ");
    assert_eq!(
        numbers(line),
        vec![fixable, patched.len(), n - fixable],
        "{line}"
    );

    // fix --diff in json and sarif: nothing is written, so every finding of
    // `check` is listed, at the same lines (the original file's).
    let diff_json = common::gomemfix(
        dir,
        &[
            "fix",
            "--diff",
            "--unsafe-fixes",
            "--format",
            "json",
            "examples",
        ],
    );
    assert_eq!(keys(&diff_json.stdout), found);
    let diff_sarif = common::gomemfix(
        dir,
        &[
            "fix",
            "--diff",
            "--unsafe-fixes",
            "--format",
            "sarif",
            "examples",
        ],
    );
    let sarif: Value = serde_json::from_str(&diff_sarif.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), n);

    // Markdown: the same totals, and GM006 is fixed in the Dockerfile it edits.
    let md = common::gomemfix(
        dir,
        &[
            "fix",
            "--diff",
            "--unsafe-fixes",
            "--format",
            "markdown",
            "examples",
        ],
    );
    let want = format!(
        "gomemfix found {n} findings and fixed {fixable}, in {} files.",
        patched.len()
    );
    assert!(md.stdout.contains(&want), "{want}\n{}", md.stdout);
    assert!(md
        .stdout
        .contains(&format!("| **Total** | {n} | {fixable} |")));
    let gm006 = md.stdout.split("### GM006").nth(1).unwrap();
    let fixed_in = summary_line(gm006, "Fixed in");
    assert_eq!(fixed_in, "Fixed in: `examples/Dockerfile`.", "{gm006}");

    // --show-fixes lists each one.
    let shown = common::gomemfix(
        dir,
        &[
            "fix",
            "--diff",
            "--unsafe-fixes",
            "--show-fixes",
            "examples",
        ],
    );
    let listed: Vec<&str> = shown
        .stderr
        .lines()
        .filter(|l| l.starts_with("  examples/"))
        .collect();
    assert_eq!(listed.len(), fixable, "{}", shown.stderr);
    assert!(
        listed
            .iter()
            .any(|l| l.contains("GM006") && l.ends_with("(edits examples/Dockerfile)")),
        "{listed:?}"
    );

    // fix: the same numbers, and what `check` finds afterwards is what was left.
    let fix = common::gomemfix(dir, &["fix", "--unsafe-fixes", "examples"]);
    assert_eq!(fix.code, 1, "{}", fix.stderr);
    let line = summary_line(&fix.stdout, "Fixed ");
    assert_eq!(
        numbers(line),
        vec![fixable, patched.len(), n - fixable],
        "{line}"
    );
    let after = common::gomemfix(dir, &["check", "--format", "json", "examples"]);
    assert_eq!(keys(&after.stdout).len(), n - fixable, "{}", after.stdout);
}

#[test]
fn a_read_only_file_keeps_its_findings() {
    let work = examples();
    let dir = work.path();
    let before = common::gomemfix(dir, &["check", "--format", "json", "examples"]);
    let n = keys(&before.stdout).len();
    let go = dir.join("examples/catalogue.go");
    std::fs::set_permissions(&go, std::fs::Permissions::from_mode(0o444)).unwrap();
    let fix = common::gomemfix(dir, &["fix", "--format", "json", "examples"]);
    assert_eq!(fix.code, 2, "{}", fix.stderr);
    assert!(fix.stderr.contains("read-only"), "{}", fix.stderr);
    // Nothing was fixed, so everything `check` found is still reported, at the
    // same lines.
    assert_eq!(keys(&fix.stdout), keys(&before.stdout));
    let text = common::gomemfix(dir, &["fix", "examples"]);
    let line = summary_line(&text.stdout, "Fixed ");
    assert_eq!(numbers(line)[..3], [0, 0, n], "{line}");

    // A read-only Dockerfile: the GM006 fix that edits only it did not happen.
    std::fs::set_permissions(&go, std::fs::Permissions::from_mode(0o644)).unwrap();
    let docker = dir.join("examples/Dockerfile");
    std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o444)).unwrap();
    let fix = common::gomemfix(
        dir,
        &["fix", "--unsafe-fixes", "--format", "json", "examples"],
    );
    assert_eq!(fix.code, 2, "{}", fix.stderr);
    let left = keys(&fix.stdout);
    assert!(left.iter().any(|(r, _)| r == "GM006"), "{left:?}");
    let after = common::gomemfix(dir, &["check", "--format", "json", "examples"]);
    assert_eq!(keys(&after.stdout), left);
}
