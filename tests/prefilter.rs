//! The prefilter and the declaration narrowing are proofs, never guesses: with
//! every rule's byte test turned off, and with narrowing off (every file parsed
//! whole, every rule run on it, test files too), the findings on the fixtures and
//! examples are exactly the same. tests/corpus.rs checks the same over all of
//! GOROOT/src.

mod common;

use gomemfix::engine::Engine;
use gomemfix::prefilter::Prefilter;
use gomemfix::rules;
use gomemfix::run::{self, Mode, RunOptions};

fn findings(engine: &Engine, dir: &std::path::Path) -> Vec<String> {
    let opts = RunOptions {
        mode: Mode::Check,
        unsafe_fixes: true,
        max_file_size: gomemfix::source::DEFAULT_MAX_FILE_SIZE,
        base: dir.to_path_buf(),
        ..Default::default()
    };
    let report = run::run(engine, &[dir.to_path_buf()], &opts);
    report
        .findings()
        .map(|f| {
            format!(
                "{}:{}:{} {} {}",
                f.path.display(),
                f.start,
                f.end,
                f.rule,
                f.message
            )
        })
        .collect()
}

fn all_dirs() -> Vec<std::path::PathBuf> {
    let mut dirs = common::rule_dirs();
    dirs.push(common::manifest_dir().join("examples"));
    dirs.push(common::manifest_dir().join("tests/data"));
    dirs
}

#[test]
fn narrowing_never_drops_a_finding() {
    let with = Engine::new(rules::bundled());
    assert!(with.narrow, "narrowing is on by default");
    let mut without = Engine::new(rules::bundled());
    without.narrow = false;
    let mut total = 0;
    for dir in all_dirs() {
        let a = findings(&with, &dir);
        let b = findings(&without, &dir);
        assert_eq!(a, b, "narrowing changed the findings in {}", dir.display());
        total += a.len();
    }
    assert!(total > 0);
}

/// Narrowing must let something through that the byte tests alone would not
/// stop, or the test above proves nothing: files it rules out exist.
#[test]
fn narrowing_rules_files_out() {
    let engine = Engine::new(rules::bundled());
    let mut without = Engine::new(rules::bundled());
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
    let with = Engine::new(rules::bundled());
    let mut without_rules = rules::bundled();
    for r in &mut without_rules {
        r.prefilter = Prefilter::Always;
    }
    let mut without = Engine::new(without_rules);
    without.narrow = false;
    let dirs = all_dirs();
    let mut total = 0;
    for dir in dirs {
        let a = findings(&with, &dir);
        let b = findings(&without, &dir);
        assert_eq!(a, b, "prefilter changed the findings in {}", dir.display());
        total += a.len();
    }
    assert!(total > 0);
}
