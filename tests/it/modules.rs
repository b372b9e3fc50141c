//! Realistic modules, checked the way go/analysis's analysistest checks an
//! analyzer: every module under tests/fixtures/modules/<name>/ is a small
//! service or library (stdlib only, with its go.mod) that mixes rules, and every
//! line that must be reported ends with a `// want GM00N` comment (several codes
//! allowed: `// want GM001 GM004`). `gomemfix check` must report exactly those
//! lines with exactly those rules: a finding without a want, or a want without
//! a finding, fails and names module, file, line and rule. Lines with no want
//! are near-misses from rules.md's "must not flag" column, written to look like
//! the bug.
//!
//! Where a rule that another branch is still reworking is wrong, the case stays
//! in the module and is listed in `KNOWN_GAPS` with the reason; the test checks
//! that each listed gap still fails, so closing one fails the test until its
//! entry is removed.
//!
//! Then `fix --unsafe-fixes` on a copy of each module must leave code that
//! passes `go vet ./...` and `gofmt -l`, and a second run must change nothing.
//! Needs Go (see README); fails without it.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the tool gets wrong on a `want` line (a miss) or on a near-miss line (a
/// false finding).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Gap {
    /// A `want` line the rule does not report.
    Missed,
    /// A line without a `want` that the rule reports.
    Flagged,
}

/// Known gaps of rules still being reworked on other branches:
/// (module, file, line, rule, kind, why).
const KNOWN_GAPS: &[(&str, &str, usize, &str, Gap, &str)] = &[];

/// A finding or an expectation: file relative to the module, 1-based line, rule.
type Site = (String, usize, String);

fn modules() -> Vec<PathBuf> {
    let root = common::fixtures_dir().join("modules");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("go.mod").exists())
        .collect();
    out.sort();
    out
}

fn name(module: &Path) -> String {
    module.file_name().unwrap().to_string_lossy().into_owned()
}

fn rel(module: &Path, file: &Path) -> String {
    file.strip_prefix(module)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

/// The codes of a trailing `// want GM001 GM004` comment, if the line has one.
fn want_codes(line: &str) -> Vec<String> {
    let Some(at) = line.rfind("// want ") else {
        return vec![];
    };
    let tail = &line[at + "// want ".len()..];
    let codes: Vec<String> = tail
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    assert!(
        !codes.is_empty()
            && codes.iter().all(|c| {
                c.len() == 5 && c.starts_with("GM") && c[2..].chars().all(|d| d.is_ascii_digit())
            }),
        "malformed want comment: {line:?}"
    );
    codes
}

fn wants(module: &Path) -> BTreeSet<Site> {
    let mut out = BTreeSet::new();
    for file in common::go_files(module) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            for code in want_codes(line) {
                out.insert((rel(module, &file), i + 1, code));
            }
        }
    }
    out
}

fn gomemfix(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(common::gomemfix_bin())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run gomemfix")
}

fn findings(module: &Path) -> BTreeSet<Site> {
    let out = gomemfix(&["check", "--format", "json", "."], module);
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}: check failed: {}",
        name(module),
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    // Paths are relative to the repository root (the module's, in a git-less copy).
    let in_repo = module
        .strip_prefix(common::manifest_dir())
        .map(|p| format!("{}/", p.to_string_lossy()))
        .unwrap_or_default();
    list.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let path = path.strip_prefix(in_repo.as_str()).unwrap_or(path);
            (
                path.strip_prefix("./").unwrap_or(path).to_string(),
                f["line"].as_u64().unwrap() as usize,
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn gap(module: &str, site: &Site) -> Option<Gap> {
    KNOWN_GAPS
        .iter()
        .find(|g| g.0 == module && g.1 == site.0 && g.2 == site.1 && g.3 == site.2)
        .map(|g| g.4)
}

#[test]
fn every_module_is_reported_exactly_where_it_wants() {
    let mods = modules();
    assert!(mods.len() >= 6, "expected at least six modules");
    let mut failures = vec![];
    let mut gaps_seen = BTreeSet::new();
    for module in &mods {
        let m = name(module);
        let want = wants(module);
        let got = findings(module);
        for site in want.difference(&got) {
            let (file, line, rule) = site;
            if gap(&m, site) == Some(Gap::Missed) {
                gaps_seen.insert((m.clone(), site.clone()));
            } else {
                failures.push(format!("{m}/{file}:{line}: {rule} wanted, not reported"));
            }
        }
        for site in got.difference(&want) {
            let (file, line, rule) = site;
            if gap(&m, site) == Some(Gap::Flagged) {
                gaps_seen.insert((m.clone(), site.clone()));
            } else {
                failures.push(format!("{m}/{file}:{line}: {rule} reported, not wanted"));
            }
        }
    }
    for (module, file, line, rule, kind, why) in KNOWN_GAPS {
        let site = (file.to_string(), *line, rule.to_string());
        if !gaps_seen.contains(&(module.to_string(), site)) {
            failures.push(format!(
                "{module}/{file}:{line}: {rule} known gap ({kind:?}: {why}) no longer fails: \
                 remove it from KNOWN_GAPS"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_want_parser_reads_codes_and_ignores_plain_comments() {
    assert_eq!(want_codes("\tgo f() // want GM003"), vec!["GM003"]);
    assert_eq!(
        want_codes("x := y[:n] // want GM001 GM004"),
        vec!["GM001", "GM004"]
    );
    assert!(want_codes("// wanted: nothing here").is_empty());
    assert!(want_codes("f() // a comment").is_empty());
}

fn gofmt_l(dir: &Path, when: &str) -> Result<(), String> {
    let out = Command::new(common::gofmt_binary())
        .arg("-l")
        .arg(".")
        .current_dir(dir)
        .output()
        .expect("run gofmt");
    if out.status.success() && out.stdout.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "gofmt -l {when}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[test]
fn fixing_every_module_leaves_code_that_builds_and_stays_fixed() {
    // Each module is fixed on its own (its folder is the run's root), then all
    // are vetted by one `go vet` over a workspace of the copies.
    let tmp = tempfile::tempdir().unwrap();
    let copies: Vec<PathBuf> = modules()
        .iter()
        .map(|module| {
            let copy = tmp.path().join(name(module));
            common::copy_tree(module, &copy);
            copy
        })
        .collect();
    if let Err(e) = common::go_vet_modules(&copies) {
        panic!("go vet fails before fixing:\n{e}");
    }
    let mut failures = vec![];
    for copy in &copies {
        let m = name(copy);
        if let Err(e) = gofmt_l(copy, "before fixing") {
            failures.push(format!("{m}: {e}"));
            continue;
        }
        let fix = gomemfix(&["fix", "--unsafe-fixes", "."], copy);
        if fix.status.code() == Some(2) {
            failures.push(format!(
                "{m}: fix failed: {}",
                String::from_utf8_lossy(&fix.stderr)
            ));
            continue;
        }
        if let Err(e) = gofmt_l(copy, "after fixing") {
            failures.push(format!("{m}: {e}"));
            continue;
        }
        let again = gomemfix(&["fix", "--unsafe-fixes", "--diff", "."], copy);
        if !again.stdout.is_empty() || again.status.code() != Some(0) {
            failures.push(format!(
                "{m}: a second fix run still changes something (exit {:?}):\n{}",
                again.status.code(),
                String::from_utf8_lossy(&again.stdout)
            ));
        }
    }
    if let Err(e) = common::go_vet_modules(&copies) {
        failures.push(format!("go vet fails after fixing:\n{e}"));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
