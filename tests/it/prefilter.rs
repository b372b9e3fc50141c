//! The prefilter and the declaration narrowing are proofs, never guesses: with
//! every rule's byte test turned off, and with narrowing off (every file parsed
//! whole, every rule run on it, test files too), the findings on the fixtures and
//! examples are exactly the same. tests/it/corpus.rs checks the same over all of
//! GOROOT/src.

use crate::common;

use gomemfix::prefilter::Prefilter;
use gomemfix::rules;

fn all_dirs() -> Vec<std::path::PathBuf> {
    let mut dirs = common::rule_dirs();
    dirs.push(common::manifest_dir().join("examples"));
    dirs.push(common::manifest_dir().join("tests/data"));
    dirs
}

#[test]
fn narrowing_never_drops_a_finding() {
    let with = common::engine_for_every_finding(rules::bundled());
    assert!(with.narrow, "narrowing is on by default");
    let mut without = common::engine_for_every_finding(rules::bundled());
    without.narrow = false;
    let mut total = 0;
    for dir in all_dirs() {
        let a = common::check_findings(&with, &dir);
        let b = common::check_findings(&without, &dir);
        assert_eq!(a, b, "narrowing changed the findings in {}", dir.display());
        total += a.len();
    }
    assert!(total > 0);
}

/// Narrowing must let something through that the byte tests alone would not
/// stop, or the test above proves nothing: files it rules out exist.
#[test]
fn narrowing_rules_files_out() {
    let engine = common::engine_for_every_finding(rules::bundled());
    let mut without = common::engine_for_every_finding(rules::bundled());
    without.narrow = false;
    let mut ruled_out = 0;
    for dir in all_dirs() {
        for path in common::go_files(&dir) {
            let bytes = std::fs::read(&path).unwrap();
            if without.may_match_file(&path, &bytes) && !engine.may_match_file(&path, &bytes) {
                ruled_out += 1;
            }
        }
    }
    assert!(ruled_out > 0);
}

#[test]
fn prefilter_never_drops_a_finding() {
    let with = common::engine_for_every_finding(rules::bundled());
    let mut without_rules = rules::bundled();
    for r in &mut without_rules {
        r.prefilter = Prefilter::Always;
    }
    let mut without = common::engine_for_every_finding(without_rules);
    without.narrow = false;
    let dirs = all_dirs();
    let mut total = 0;
    for dir in dirs {
        let a = common::check_findings(&with, &dir);
        let b = common::check_findings(&without, &dir);
        assert_eq!(a, b, "prefilter changed the findings in {}", dir.display());
        total += a.len();
    }
    assert!(total > 0);
}

/// How much of GOROOT/src each stage lets through (printed, for the README's
/// account of where the time goes): files and bytes read, passing the byte
/// tests, and passing the narrowing as well.
#[test]
#[ignore = "reads all of GOROOT/src; run with --ignored --nocapture"]
fn narrowing_on_goroot() {
    let src = common::goroot().join("src");
    let with = common::engine_for_every_finding(rules::bundled());
    let mut bytes_only = common::engine_for_every_finding(rules::bundled());
    bytes_only.narrow = false;
    let walked = gomemfix::walk::collect(&[src]);
    let (mut files, mut bytes) = (0usize, 0usize);
    let (mut by_bytes, mut by_bytes_size) = (0usize, 0usize);
    let (mut narrowed, mut narrowed_size) = (0usize, 0usize);
    let mut per_rule = vec![(0usize, 0usize); with.rules.len()];
    for c in &walked.files {
        let Ok(b) = std::fs::read(&c.path) else {
            continue;
        };
        files += 1;
        bytes += b.len();
        if bytes_only.may_match_file(&c.path, &b) {
            by_bytes += 1;
            by_bytes_size += b.len();
        }
        let live = with.live_rules(&c.path, &b);
        if live.contains(&true) {
            narrowed += 1;
            narrowed_size += b.len();
        }
        for (i, l) in live.iter().enumerate() {
            if *l {
                per_rule[i].0 += 1;
                per_rule[i].1 += b.len();
            }
        }
    }
    eprintln!("read: {files} files, {:.1} MB", bytes as f64 / 1e6);
    eprintln!(
        "pass the byte tests: {by_bytes} files, {:.1} MB",
        by_bytes_size as f64 / 1e6
    );
    eprintln!(
        "pass narrowing too: {narrowed} files, {:.1} MB",
        narrowed_size as f64 / 1e6
    );
    for (r, (n, b)) in with.rules.iter().zip(per_rule) {
        eprintln!("  {}: {n} files, {:.1} MB", r.id, b as f64 / 1e6);
    }
    assert!(narrowed <= by_bytes);
}
