//! Fuzzing with proptest: Go sources from the fixtures, the examples and a few
//! GOROOT files that hold the idioms, mutated (lines deleted, duplicated, swapped,
//! tokens inserted, text truncated) and fed through `check` and `fix`. Asserts: no
//! panic, a fix never leaves more parse errors than its input had, and fixing the
//! fixed text changes nothing. Bounded for CI: PROPTEST_CASES (default 64) cases.
//!
//! Deterministic by default: the cases come from a pinned seed, so a run that
//! passed passes again. `GOMEMFIX_FUZZ_RANDOM=1` draws a fresh seed and prints it;
//! `PROPTEST_RNG_SEED=N` replays seed N (with the PROPTEST_CASES it ran with).
//! A failure found that way becomes a named regression test below.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use gomemfix::engine::Engine;
use gomemfix::gofile::parse_error_count;
use gomemfix::rules;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// The seed of the everyday run.
const PINNED_SEED: u64 = 0x676f_6d65_6d66_6978;

/// Tokens that break or bend Go syntax in interesting places.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "`",
    "/*",
    "*/",
    "//",
    ":=",
    ";",
    ",",
    "\n",
    "\r\n",
    "\u{feff}",
    "é",
    "for {",
    "go func() {",
    "runtime.GC()",
    "defer ",
    "debug.",
    "import \"runtime\"\n",
    "runtime.MemProfileRate = 1",
    "time.Sleep(1)",
    "select {}",
    "package q\n",
    "//gomemfix:ignore ",
];

fn corpus() -> &'static Vec<(PathBuf, String)> {
    static CORPUS: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut files = vec![];
        let mut dirs = common::rule_dirs();
        dirs.push(common::manifest_dir().join("examples"));
        for dir in dirs {
            files.extend(common::go_files(&dir));
        }
        // A few real files that use the runtime calls the rules look for.
        let goroot = common::goroot().join("src");
        let mut real: Vec<PathBuf> = common::go_files(&goroot.join("runtime/debug"))
            .into_iter()
            .chain(common::go_files(&goroot.join("net/http/pprof")))
            .filter(|p| !p.components().any(|c| c.as_os_str() == "testdata"))
            .take(12)
            .collect();
        files.append(&mut real);
        files
            .into_iter()
            .filter_map(|p| {
                let text = std::fs::read_to_string(&p).ok()?;
                (text.len() < 64 * 1024).then_some((p, text))
            })
            .collect()
    })
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| common::engine_for_every_finding(rules::bundled()))
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    Insert(usize, usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (any::<usize>(), any::<usize>(), 0..TOKENS.len())
            .prop_map(|(l, c, t)| Mutation::Insert(l, c, t)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(text: &str, muts: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    for m in muts {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let n = lines.len();
        match *m {
            Mutation::Delete(i) => {
                lines.remove(i % n);
            }
            Mutation::Duplicate(i) => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Mutation::Swap(a, b) => lines.swap(a % n, b % n),
            Mutation::Insert(l, c, t) => {
                let line = &mut lines[l % n];
                let at = floor_boundary(line, c % (line.len() + 1));
                line.insert_str(at, TOKENS[t]);
            }
            Mutation::Truncate(i) => {
                let joined: String = lines.concat();
                let at = floor_boundary(&joined, i % (joined.len() + 1));
                lines = joined[..at]
                    .split_inclusive('\n')
                    .map(str::to_string)
                    .collect();
            }
        }
    }
    lines.concat()
}

fn check_and_fix(path: &Path, text: &str) -> Result<(), TestCaseError> {
    let engine = engine();
    let _ = engine.analyze(path, text, None);
    let errors_before = parse_error_count(text);
    let first = engine.fix(path, text, None, true);
    let errors_after = parse_error_count(&first.text);
    prop_assert!(
        errors_after <= errors_before,
        "fix raised parse errors {errors_before} -> {errors_after}\n--- input\n{text}\n--- output\n{}",
        first.text
    );
    if first.converged {
        let second = engine.fix(path, &first.text, None, true);
        prop_assert_eq!(
            &second.text,
            &first.text,
            "fix is not idempotent on\n{}",
            text
        );
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

/// `ProptestConfig::default()` has read PROPTEST_RNG_SEED when it is set.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    if config.rng_seed == RngSeed::Random {
        let seed = if std::env::var_os("GOMEMFIX_FUZZ_RANDOM").is_some() {
            use std::hash::{BuildHasher, Hasher};
            let seed = std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish();
            eprintln!(
                "fuzz: random seed; replay with PROPTEST_RNG_SEED={seed} PROPTEST_CASES={}",
                config.cases
            );
            seed
        } else {
            PINNED_SEED
        };
        config.rng_seed = RngSeed::Fixed(seed);
    }
    config
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_sources_never_break_check_or_fix(
        pick in any::<usize>(),
        muts in prop::collection::vec(mutation(), 0..6),
    ) {
        let files = corpus();
        let (path, text) = &files[pick % files.len()];
        let mutated = mutate(text, &muts);
        check_and_fix(path, &mutated)?;
    }
}

#[test]
fn every_unmutated_source_is_stable() {
    // Hundreds of files, each analysed and fixed twice: spread over the
    // machine's cores, as a run of `check` would. GM006's mains are left to
    // the rules tests, which fix each one (and the mutated-source test, which
    // samples them): their fixes edit deployment files, not this source, and
    // their evidence search made most of this test's time (49 s of CI, 7 s without).
    let gm006 = common::fixtures_dir().join("GM006");
    let files: Vec<(PathBuf, String)> = corpus()
        .iter()
        .filter(|(p, _)| !p.starts_with(&gm006))
        .cloned()
        .collect();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for chunk in files.chunks(files.len().div_ceil(workers).max(1)) {
            scope.spawn(move || {
                for (path, text) in chunk {
                    check_and_fix(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                }
            });
        }
    });
}

/// Found by a random run: with the closing brace of a recursive function deleted
/// (line 13 of GM009/pos_guard_too_big.go), GM009's loop rewrite took the body's
/// last byte for its `}`, sliced the text short of its own edit and panicked
/// (a debug assertion in `apply_edits`). A body that does not parse gets no rewrite.
#[test]
fn recursion_whose_closing_brace_is_deleted() {
    let path = common::fixtures_dir().join("GM009/pos_guard_too_big.go");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().nth(12), Some("}"), "line 13 closes descend");
    let mutated = mutate(&text, &[Mutation::Delete(12)]);
    check_and_fix(&path, &mutated).unwrap();
    let analysis = engine().analyze(&path, &mutated, None);
    for f in analysis.findings.iter().filter(|f| f.rule == "GM009") {
        assert!(f.fix.is_none(), "a fix planned on a broken body: {f:?}");
    }
}
