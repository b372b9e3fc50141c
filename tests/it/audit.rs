//! scripts/audit, the real-code audit harness: it joins gomemfix's findings with
//! hand-written labels. These tests build a one-tree corpus, label what gomemfix
//! reports there (whatever the rules say today, so rule changes do not break them)
//! and check the join: line tolerance, misses, lost true findings, skipped trees,
//! replayed runs and malformed labels. Needs python3.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const GO_MOD: &str = "module example.com/alpha\n\ngo 1.22\n";

/// Two idioms several rules have always reported: a forced GC in a loop and a
/// profiling rate of one.
const LIB_GO: &str = "package alpha

import \"runtime\"

// Drain empties the queue, forcing a collection after each item.
func Drain(items []string) {
\tfor range items {
\t\truntime.GC()
\t}
}

// Profile samples every allocation.
func Profile() {
\truntime.MemProfileRate = 1
}
";

struct Corpus {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Corpus {
    fn trees(&self) -> PathBuf {
        self.root.join("trees")
    }
    fn repos(&self) -> PathBuf {
        self.root.join("repos.tsv")
    }
    fn labels(&self) -> PathBuf {
        self.root.join("labels.tsv")
    }
}

fn corpus() -> Corpus {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let alpha = root.join("trees/alpha");
    std::fs::create_dir_all(&alpha).unwrap();
    std::fs::write(alpha.join("go.mod"), GO_MOD).unwrap();
    std::fs::write(alpha.join("lib.go"), LIB_GO).unwrap();
    // `beta` has a row but no tree: the run skips it and its labels.
    std::fs::write(
        root.join("repos.tsv"),
        "name\trepository\tcommit\n\
         alpha\thttps://example.com/alpha\t0123456789abcdef\n\
         beta\thttps://example.com/beta\tfedcba9876543210\n",
    )
    .unwrap();
    Corpus { _dir: dir, root }
}

/// What gomemfix reports on the tree at any confidence, as the audit sees it.
fn findings(tree: &Path) -> Vec<Value> {
    let out = Command::new(common::gomemfix_bin())
        .args(["check", "--format", "json", "--confidence", "low", "."])
        .current_dir(tree)
        .output()
        .unwrap();
    let found: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !found.is_empty(),
        "gomemfix reports nothing on the audit test tree; the test needs a finding"
    );
    found
}

fn audit(c: &Corpus, extra: &[&str]) -> Output {
    Command::new(common::manifest_dir().join("scripts/audit"))
        .arg(c.trees())
        .arg("--bin")
        .arg(common::gomemfix_bin())
        .arg("--repos")
        .arg(c.repos())
        .arg("--labels")
        .arg(c.labels())
        .args(extra)
        .output()
        .expect("scripts/audit runs (python3 on PATH)")
}

fn audit_json(c: &Corpus, extra: &[&str]) -> Value {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let out = audit(c, &args);
    assert!(
        out.status.success(),
        "scripts/audit failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn row<'a>(doc: &'a Value, rule: &str) -> &'a Value {
    doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == rule)
        .unwrap_or_else(|| panic!("no row for {rule} in {doc}"))
}

fn count(doc: &Value, rule: &str, key: &str) -> u64 {
    row(doc, rule)[key].as_u64().unwrap()
}

/// Labels the first finding two lines away from where it is reported, adds a miss
/// and a true finding that gomemfix does not report, and a label of the absent tree.
fn write_labels(c: &Corpus, first: &Value) {
    let rule = first["rule"].as_str().unwrap();
    let path = first["path"].as_str().unwrap();
    let line = first["line"].as_u64().unwrap();
    let fix = if first["fix"].is_null() {
        "-"
    } else {
        "no-merge"
    };
    let labels = format!(
        "repo\tpath\tline\trule\tlabel\tfix\treason\n\
         # comments and blank lines are skipped\n\
         \n\
         alpha\t{path}\t{shifted}\t{rule}\ttrue\t{fix}\tthe test's real bug\n\
         alpha\t{path}\t400\t{rule}\tmiss\t-\ta bug far from any finding\n\
         alpha\t{path}\t500\t{rule}\ttrue\t-\ta finding that is no longer reported\n\
         beta\tmain.go\t1\t{rule}\tmiss\t-\tbeta was not checked out\n",
        shifted = line + 2,
    );
    std::fs::write(c.labels(), labels).unwrap();
}

#[test]
fn labels_join_findings_within_the_line_tolerance() {
    let c = corpus();
    let found = findings(&c.trees().join("alpha"));
    let first = &found[0];
    let rule = first["rule"].as_str().unwrap();
    write_labels(&c, first);
    let same_rule = found.iter().filter(|f| f["rule"] == rule).count() as u64;

    let doc = audit_json(&c, &[]);
    let trees: Vec<&str> = doc["trees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(trees, ["alpha"], "beta has no tree and must be skipped");
    assert_eq!(count(&doc, "all", "findings"), found.len() as u64);
    assert_eq!(count(&doc, rule, "findings"), same_rule);
    assert_eq!(count(&doc, rule, "true"), 1);
    assert_eq!(count(&doc, rule, "false"), 0);
    assert_eq!(count(&doc, rule, "unlabelled"), same_rule - 1);
    assert_eq!(row(&doc, rule)["precision"], 1.0);
    // Only alpha's miss counts: beta's row belongs to a tree that was not run.
    assert_eq!(count(&doc, rule, "misses_not_found"), 1);
    assert_eq!(count(&doc, rule, "true_lost"), 1);
    let offered = u64::from(!first["fix"].is_null());
    assert_eq!(count(&doc, rule, "no_merge"), offered);

    // The tolerance is inclusive: two lines away is within two lines.
    let edge = audit_json(&c, &["--tolerance", "2"]);
    assert_eq!(count(&edge, rule, "true"), 1);

    // One line of tolerance no longer reaches the label two lines away: the
    // finding is unlabelled and its true label is lost.
    let strict = audit_json(&c, &["--tolerance", "1"]);
    assert_eq!(count(&strict, rule, "true"), 0);
    assert_eq!(count(&strict, rule, "unlabelled"), same_rule);
    assert_eq!(count(&strict, rule, "true_lost"), 2);
}

#[test]
fn a_miss_that_gomemfix_now_reports_counts_as_true() {
    let c = corpus();
    let found = findings(&c.trees().join("alpha"));
    let first = &found[0];
    let rule = first["rule"].as_str().unwrap();
    std::fs::write(
        c.labels(),
        format!(
            "repo\tpath\tline\trule\tlabel\tfix\treason\n\
             alpha\t{}\t{}\t{rule}\tmiss\t-\treported since the rule learned it\n",
            first["path"].as_str().unwrap(),
            first["line"].as_u64().unwrap() - 1,
        ),
    )
    .unwrap();
    let doc = audit_json(&c, &[]);
    assert_eq!(count(&doc, rule, "true"), 1);
    assert_eq!(count(&doc, rule, "misses_not_found"), 0);
    let text = audit(&c, &["--list"]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("a labelled miss, now found"), "{stdout}");
}

#[test]
fn a_replayed_run_scores_the_same_and_reads_new_labels() {
    let c = corpus();
    let found = findings(&c.trees().join("alpha"));
    std::fs::write(c.labels(), "repo\tpath\tline\trule\tlabel\tfix\treason\n").unwrap();
    let out = audit(&c, &["--json"]);
    assert!(out.status.success());
    let saved = c.root.join("run.json");
    std::fs::write(&saved, &out.stdout).unwrap();
    let first = serde_json::from_slice::<Value>(&out.stdout).unwrap();
    assert_eq!(count(&first, "all", "unlabelled"), found.len() as u64);

    write_labels(&c, &found[0]);
    let replay = audit_json(&c, &["--replay", saved.to_str().unwrap()]);
    let fresh = audit_json(&c, &[]);
    assert_eq!(replay["rules"], fresh["rules"]);
    assert_eq!(replay["trees"][0]["name"], "alpha");
}

#[test]
fn unlabelled_findings_are_shown_in_context_with_a_label_line() {
    let c = corpus();
    let found = findings(&c.trees().join("alpha"));
    std::fs::write(c.labels(), "repo\tpath\tline\trule\tlabel\tfix\treason\n").unwrap();
    let out = audit(&c, &["--unlabelled"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    for f in &found {
        let line = f["line"].as_u64().unwrap();
        let text = LIB_GO.lines().nth(line as usize - 1).unwrap();
        assert!(
            stdout.contains(text),
            "no context line {text:?} in {stdout}"
        );
        let label = format!(
            "alpha\t{}\t{line}\t{}",
            f["path"].as_str().unwrap(),
            f["rule"].as_str().unwrap()
        );
        assert!(
            stdout.contains(&label),
            "no label line {label:?} in {stdout}"
        );
    }
    assert!(stdout.contains("| alpha | 0123456789ab |"), "{stdout}");
}

#[test]
fn malformed_labels_stop_the_run_with_status_2() {
    let c = corpus();
    let cases = [
        (
            "alpha\tlib.go\t3\tGM005\tmaybe\t-\tnot a label\n",
            "label `maybe`",
        ),
        (
            "alpha\tlib.go\tthree\tGM005\ttrue\t-\tnot a line\n",
            "line `three`",
        ),
        (
            "alpha\tlib.go\t3\tGM005\ttrue\tperhaps\tnot a fix label\n",
            "fix `perhaps`",
        ),
        (
            "gamma\tlib.go\t3\tGM005\ttrue\t-\tunknown tree\n",
            "repo `gamma`",
        ),
        ("alpha\tlib.go\t3\tGM005\ttrue\t-\n", "6 columns"),
        (
            "alpha\t./lib.go\t3\tGM005\ttrue\t-\tdot path\n",
            "relative to the tree root",
        ),
    ];
    for (row, said) in cases {
        std::fs::write(
            c.labels(),
            format!("repo\tpath\tline\trule\tlabel\tfix\treason\n{row}"),
        )
        .unwrap();
        let out = audit(&c, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{row:?}: {stderr}");
        assert!(stderr.contains("labels.tsv:2"), "{row:?}: {stderr}");
        assert!(
            stderr.contains(said),
            "{row:?} should say {said:?}: {stderr}"
        );
    }
}

/// The audit sees every finding (it runs gomemfix at `--confidence low`), scores
/// the default set apart, one row per confidence level, and records which
/// gomemfix commit it measured and whether the batch was a first look.
#[test]
fn every_level_is_scored_and_the_run_says_what_it_measured() {
    let c = corpus();
    let found = findings(&c.trees().join("alpha"));
    write_labels(&c, &found[0]);
    let doc = audit_json(&c, &["--first-look"]);
    assert_eq!(doc["first_look"], true);
    let commit = doc["commit"].as_str().unwrap();
    assert!(
        commit.len() >= 40 || commit == "unknown",
        "the commit measured: {commit}"
    );
    let levels = doc["levels"].as_array().unwrap();
    let by = |name: &str| {
        levels
            .iter()
            .find(|r| r["level"].as_str().unwrap().starts_with(name))
            .unwrap_or_else(|| panic!("no `{name}` row in {levels:?}"))
    };
    let total = found.len() as u64;
    assert_eq!(by("all")["findings"], total);
    let per_level: u64 = ["high", "medium", "low"]
        .iter()
        .map(|l| by(l)["findings"].as_u64().unwrap())
        .sum();
    assert_eq!(per_level, total, "each finding sits at exactly one level");
    let high = found.iter().filter(|f| f["confidence"] == "high").count() as u64;
    assert_eq!(by("default")["findings"], high);
    let default_all = doc["default_rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "all")
        .unwrap();
    assert_eq!(default_all["findings"], high);
    // Without the flag, a batch is not a first look.
    assert_eq!(audit_json(&c, &[])["first_look"], false);
}
