//! The prefilter is a proof, never a guess: with every rule's byte test turned
//! off (every file parsed), the findings on the fixtures and examples are exactly
//! the same. tests/corpus.rs checks the same over all of GOROOT/src.

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
        .map(|f| format!("{}:{}:{} {}", f.path.display(), f.start, f.end, f.rule))
        .collect()
}

#[test]
fn prefilter_never_drops_a_finding() {
    let with = Engine::new(rules::bundled());
    let mut without_rules = rules::bundled();
    for r in &mut without_rules {
        r.prefilter = Prefilter::Always;
    }
    let without = Engine::new(without_rules);
    let mut dirs = common::rule_dirs();
    dirs.push(common::manifest_dir().join("examples"));
    let mut total = 0;
    for dir in dirs {
        let a = findings(&with, &dir);
        let b = findings(&without, &dir);
        assert_eq!(a, b, "prefilter changed the findings in {}", dir.display());
        total += a.len();
    }
    assert!(total > 0);
}
