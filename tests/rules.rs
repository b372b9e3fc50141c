//! Every fixture file under tests/fixtures/GMxxx/ is a case for rule GMxxx:
//! `pos_*.go` must draw at least one GMxxx finding and has a snapshot of its
//! findings and of the diff `fix --unsafe-fixes` makes; `neg_*.go` must draw none.

mod common;

use std::path::Path;

use gomemfix::engine::Engine;
use gomemfix::rules;
use gomemfix::run::{self, Mode, RunOptions, RunReport};

fn run_on(engine: &Engine, dir: &Path, mode: Mode) -> RunReport {
    let opts = RunOptions {
        mode,
        unsafe_fixes: true,
        max_file_size: gomemfix::source::DEFAULT_MAX_FILE_SIZE,
        base: dir.to_path_buf(),
        ..RunOptions::default()
    };
    run::run(engine, &[dir.to_path_buf()], &opts)
}

#[test]
fn fixtures_fire_where_they_should_and_nowhere_else() {
    let engine = Engine::new(rules::bundled());
    let mut failures = vec![];
    for dir in common::rule_dirs() {
        let rule = dir.file_name().unwrap().to_str().unwrap().to_string();
        let checked = run_on(&engine, &dir, Mode::Check);
        let fixed = run_on(&engine, &dir, Mode::Fix { write: false });
        assert_eq!(
            checked.error_count(),
            0,
            "{rule}: errors {:?}",
            checked.errors
        );
        for file in common::go_files(&dir) {
            let rel = file.strip_prefix(&dir).unwrap().to_path_buf();
            let stem = file.file_stem().unwrap().to_str().unwrap();
            let report = checked.files.iter().find(|f| f.path == rel);
            let findings: Vec<_> = report
                .map(|r| r.findings.iter().collect())
                .unwrap_or_default();
            let own = findings.iter().filter(|f| f.rule == rule).count();
            if stem.starts_with("neg_") && own > 0 {
                failures.push(format!(
                    "{rule}/{}: expected no {rule} finding, got {own}",
                    rel.display()
                ));
            }
            if stem.starts_with("pos_") {
                if own == 0 {
                    failures.push(format!(
                        "{rule}/{}: expected a {rule} finding, got none",
                        rel.display()
                    ));
                    continue;
                }
                let mut snap = String::from("# findings\n");
                for f in &findings {
                    snap.push_str(&format!(
                        "{}:{}:{}: {} [{}] {}{}\n",
                        rel.display(),
                        f.start_pos.line,
                        f.start_pos.column,
                        f.rule,
                        f.name,
                        f.message,
                        f.fix
                            .as_ref()
                            .map(|x| format!(" (fix: {:?})", x.applicability))
                            .unwrap_or_default()
                    ));
                }
                snap.push_str("\n# fix --unsafe-fixes\n");
                let diff = fixed
                    .files
                    .iter()
                    .find(|f| f.path == rel)
                    .map(|f| f.diff.as_str())
                    .unwrap_or("");
                snap.push_str(if diff.is_empty() {
                    "(no change)\n"
                } else {
                    diff
                });
                // A fix that edits other files (callers in other packages) shows them too.
                let base = std::fs::canonicalize(&dir).unwrap();
                let mut others: Vec<_> = findings
                    .iter()
                    .filter_map(|f| f.fix.as_ref())
                    .flat_map(|x| x.other_files.iter())
                    .filter_map(|fe| {
                        // Shown relative to the run's folder, as finding paths are.
                        if fe.path.is_relative() {
                            return Some(fe.path.clone());
                        }
                        let p = std::fs::canonicalize(&fe.path).ok()?;
                        p.strip_prefix(&base).ok().map(Path::to_path_buf)
                    })
                    .collect();
                others.sort();
                others.dedup();
                for other in others {
                    let diff = fixed
                        .files
                        .iter()
                        .find(|f| f.path == other)
                        .map(|f| f.diff.as_str())
                        .unwrap_or("");
                    snap.push_str(if diff.is_empty() {
                        "(other file unchanged)\n"
                    } else {
                        diff
                    });
                }
                let name = format!(
                    "{rule}__{}",
                    rel.with_extension("")
                        .display()
                        .to_string()
                        .replace('/', "__")
                );
                insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
                    insta::assert_snapshot!(name, snap);
                });
            }
        }
    }
    assert!(
        failures.is_empty(),
        "fixture failures:\n{}",
        failures.join("\n")
    );
}
