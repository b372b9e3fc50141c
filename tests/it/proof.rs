//! The proof table, tested: runs `proof/run --size small` with this build of
//! gomemfix and requires every rule that has a fix to have a program whose metrics
//! move the right way, by the margins stated in `MARGINS`, after the tool's own
//! fix. The rules expected are exactly those `gomemfix rules` lists with a fix, so
//! a new fixable rule fails here until it has a program and margins. Needs Go and
//! python3; fails without them.

use crate::common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

/// How a fixed program's value must compare with the original's.
#[derive(Debug, Clone, Copy)]
enum Want {
    /// `after <= before * f`, with `before > 0` (the bug shows).
    AtMost(f64),
    /// `after >= before * f`, with `before > 0`.
    AtLeast(f64),
    /// `after < bound` and `before >= bound`.
    CrossesBelow(f64),
}

use Want::*;

const MIB: f64 = 1024.0 * 1024.0;

/// Every metric each program reports, and the margin its fix must meet at
/// `--size small`. Margins leave room for a loaded CI machine: the effects
/// measured are 5x to 100x.
const MARGINS: &[(&str, &str, Want)] = &[
    // The pinned 2 MiB messages are collected once the header is a copy.
    ("GM001", "heap_in_use_after_drop", AtMost(0.25)),
    // No page carries another user's bytes once the buffer is reset.
    ("GM002", "foreign_bytes_served", AtMost(0.0)),
    ("GM002", "requests_seeing_another_user", AtMost(0.0)),
    // Every watcher exits on cancellation and releases its request body.
    ("GM003", "goroutines_after_cancel", AtMost(0.05)),
    ("GM003", "heap_in_use_after_cancel", AtMost(0.5)),
    // A fresh map drops the emptied map's buckets.
    ("GM004", "heap_in_use_after_emptying", AtMost(0.25)),
    // No forced collections: fewer cycles, a faster loop.
    ("GM005", "gc_cycles", AtMost(0.2)),
    ("GM005", "loop_wall_time", AtMost(0.5)),
    // The runtime is told the limit, keeps under the 64 MiB container limit and
    // collects more often to do so.
    (
        "GM006",
        "memory_limit_seen_by_the_runtime",
        CrossesBelow(64.0 * MIB),
    ),
    ("GM006", "peak_memory_held", AtMost(0.9)),
    (
        "GM006",
        "gc_cycles_as_the_heap_nears_the_limit",
        AtLeast(1.5),
    ),
    // Sampling every 512 KiB instead of every allocation.
    ("GM008", "ns_per_alloc", AtMost(0.5)),
    // The loop needs one frame; the capped child no longer dies.
    ("GM009", "stack_bytes_after_walk", AtMost(0.25)),
    (
        "GM009",
        "child_crashed_at_depth_10000_with_16MiB_stack",
        AtMost(0.0),
    ),
    // Freed pages go back to the OS, and the resident set drops.
    ("GM010", "heap_released_to_the_OS", AtLeast(3.0)),
    ("GM010", "RSS_after_release", AtMost(0.5)),
];

/// Rule ids that `gomemfix rules` lists with a fix (safe or unsafe).
fn fixable_rules() -> Vec<String> {
    let out = Command::new(common::gomemfix_bin())
        .arg("rules")
        .output()
        .expect("run gomemfix rules");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|line| !line.contains("fix: none"))
        .filter_map(|line| line.split_whitespace().next().map(str::to_string))
        // GM100's fix edits suppression comments: nothing a program can measure.
        .filter(|id| id != "GM100")
        .collect()
}

fn check(rule: &str, metric: &str, want: Want, before: f64, after: f64) -> Result<(), String> {
    let ok = match want {
        AtMost(f) => before > 0.0 && after <= before * f,
        AtLeast(f) => before > 0.0 && after >= before * f,
        CrossesBelow(bound) => before >= bound && after < bound,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{rule} {metric}: before {before}, after {after}; wanted {want:?}"
        ))
    }
}

#[test]
fn every_fix_improves_its_programs_metrics_by_the_stated_margin() {
    let expected = fixable_rules();
    assert!(
        !expected.is_empty(),
        "`gomemfix rules` lists no fixable rule"
    );
    for rule in &expected {
        assert!(
            MARGINS.iter().any(|(r, _, _)| r == rule),
            "{rule} has a fix but no margins in tests/it/proof.rs (and perhaps no proof/{rule}-* program)"
        );
    }

    let out_dir = tempfile::tempdir().unwrap();
    let run = Command::new("python3")
        .arg(common::manifest_dir().join("proof/run"))
        .args(["--size", "small", "--out"])
        .arg(out_dir.path())
        .arg("--gomemfix")
        .arg(common::gomemfix_bin())
        .args(["--only", &expected.join(",")])
        .env("GOMEMFIX_GO", common::go_binary())
        .output()
        .expect("run python3 proof/run (python3 is needed)");
    let log = String::from_utf8_lossy(&run.stderr);
    let results = std::fs::read_to_string(out_dir.path().join("results.json"))
        .unwrap_or_else(|e| panic!("proof/run wrote no results.json ({e}):\n{log}"));
    let results: Value = serde_json::from_str(&results).unwrap();
    let rows = results["rows"].as_array().unwrap();

    let mut failures = vec![];
    let proven: BTreeSet<&str> = rows.iter().filter_map(|r| r["rule"].as_str()).collect();
    for rule in &expected {
        if !proven.contains(rule.as_str()) {
            failures.push(format!("{rule}: proof/run produced no row"));
        }
    }
    for row in rows {
        let rule = row["rule"].as_str().unwrap();
        if let Some(error) = row["error"].as_str() {
            failures.push(format!("{rule}: {error}"));
            continue;
        }
        let metrics = row["metrics"].as_array().unwrap();
        for (r, metric, want) in MARGINS.iter().filter(|(r, _, _)| *r == rule) {
            match metrics.iter().find(|m| m["metric"] == *metric) {
                Some(m) => {
                    let before = m["before"].as_f64().unwrap();
                    let after = m["after"].as_f64().unwrap();
                    if let Err(e) = check(r, metric, *want, before, after) {
                        failures.push(e);
                    }
                }
                None => failures.push(format!("{rule}: the program reports no {metric}")),
            }
        }
        for m in metrics {
            let name = m["metric"].as_str().unwrap();
            if !MARGINS.iter().any(|(r, n, _)| *r == rule && *n == name) {
                failures.push(format!("{rule}: {name} has no margin in tests/it/proof.rs"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "the proof failed:\n{}\n\nproof/run's log:\n{log}",
        failures.join("\n")
    );
    assert!(run.status.success(), "proof/run failed:\n{log}");
}

/// The README's table is the one proof/run last wrote to proof/RESULTS.md.
#[test]
fn readme_shows_the_generated_table() {
    let table = |text: &str| -> Vec<String> {
        text.lines()
            .skip_while(|l| !l.starts_with("| Rule | Metric"))
            .take_while(|l| l.starts_with('|'))
            .map(str::to_string)
            .collect()
    };
    let root = common::manifest_dir();
    let results = std::fs::read_to_string(root.join("proof/RESULTS.md")).unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(!table(&results).is_empty(), "proof/RESULTS.md has no table");
    assert_eq!(
        table(&readme),
        table(&results),
        "README.md's proof table differs from proof/RESULTS.md: run proof/run"
    );
    assert!(readme.contains("](proof/chart.svg)"));
}
