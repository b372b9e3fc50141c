//! Whole-corpus safety proof (slow, `#[ignore]`d; CI runs it beside the other
//! tests, in the same build: `cargo test --profile ci -- --include-ignored`): copy the Go toolchain, run
//! `fix --unsafe-fixes --confidence low` over its `src/`, and require that no touched file gains a
//! parse error or loses gofmt cleanliness, that every touched package which passed
//! `go vet` before still passes it (with GOROOT pointing at the copy), and that a
//! second run changes nothing (with no finding there is nothing to fix, and the
//! test stops after the prefilter proof). Prints every finding, per rule counts and the
//! files touched, so each GOROOT finding can be read.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use gomemfix::gofile::parse_error_count;

fn gomemfix(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(common::gomemfix_bin())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run gomemfix");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `go vet` on one standard-library package of the copied toolchain, offline
/// (std and cmd vendor what they import).
fn vet(goroot: &Path, pkg: &str) -> Result<(), String> {
    // `cmd/...` is its own module under src/cmd.
    let cwd = if pkg == "cmd" || pkg.starts_with("cmd/") {
        goroot.join("src/cmd")
    } else {
        goroot.join("src")
    };
    let out = common::run_go(
        Command::new(goroot.join("bin/go"))
            .args(["vet", pkg])
            .current_dir(cwd)
            .env("GOROOT", goroot)
            .env("GOTOOLCHAIN", "local")
            .env("GOFLAGS", "")
            .env("GOPROXY", "off")
            .env("GOWORK", "off")
            // The shared cache: Go leaves GOROOT's path out of a standard-library
            // package's cache key, so the copy reuses what the other tests compiled.
            .env("GOCACHE", common::gocache()),
    );
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Files gofmt would change, among `files`.
fn gofmt_unclean(files: &[PathBuf]) -> BTreeSet<PathBuf> {
    if files.is_empty() {
        return BTreeSet::new();
    }
    let out = Command::new(common::gofmt_binary())
        .arg("-l")
        .args(files)
        .output()
        .expect("run gofmt");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(PathBuf::from)
        .collect()
}

/// Import path of the package in `dir`, relative to GOROOT/src.
fn package_of(src: &Path, file: &Path) -> String {
    let dir = file.parent().unwrap().strip_prefix(src).unwrap();
    dir.to_string_lossy().replace('\\', "/")
}

/// Every finding of a check run in-process with every rule's prefilter and the
/// declaration narrowing (`narrow`) off: each file parsed whole and every rule
/// run on it. Keyed as `finding_keys` keys the binary's JSON.
fn findings_without_prefilter(src: &Path, folders: &[&str]) -> BTreeSet<String> {
    use gomemfix::run::{self, Mode, RunOptions};
    let mut rules = gomemfix::rules::bundled();
    for r in &mut rules {
        r.prefilter = gomemfix::prefilter::Prefilter::Always;
    }
    let mut engine = common::engine_for_every_finding(rules);
    engine.narrow = false;
    let opts = RunOptions {
        mode: Mode::Check,
        unsafe_fixes: true,
        max_file_size: gomemfix::source::DEFAULT_MAX_FILE_SIZE,
        base: src.to_path_buf(),
        ..Default::default()
    };
    let paths: Vec<PathBuf> = folders.iter().map(|f| src.join(f)).collect();
    run::run(&engine, &paths, &opts)
        .findings()
        .map(|f| {
            format!(
                "{}:{}:{}-{}:{} {} {}",
                f.path.display(),
                f.start_pos.line,
                f.start_pos.column,
                f.end_pos.line,
                f.end_pos.column,
                f.rule,
                f.message
            )
        })
        .collect()
}

/// Findings of a check run in-process, with every rule's prefilter and the
/// declaration narrowing (`narrow`) on, or both off (every file parsed whole and
/// every rule run on it).
fn prefilter_findings(src: &Path, prefilter: bool) -> Vec<String> {
    let mut rules = gomemfix::rules::bundled();
    if !prefilter {
        for r in &mut rules {
            r.prefilter = gomemfix::prefilter::Prefilter::Always;
        }
    }
    let mut engine = common::engine_for_every_finding(rules);
    engine.narrow = prefilter;
    common::check_findings(&engine, src)
}

/// The findings of the binary's `--format json` output, keyed by place, rule and
/// message (`GM000` entries say where a parse gave up: not findings).
fn finding_keys(findings: &[serde_json::Value]) -> BTreeSet<String> {
    findings
        .iter()
        .filter(|f| f["rule"] != "GM000")
        .map(|f| {
            format!(
                "{}:{}:{}-{}:{} {} {}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["column"],
                f["end_line"],
                f["end_column"],
                f["rule"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
#[ignore = "slow: copies GOROOT and fixes all of it; run with --ignored"]
fn fixing_all_of_goroot_breaks_nothing() {
    let started = Instant::now();
    let original = common::goroot();

    // Every finding at every confidence, read before anything is changed.
    // `check` reads GOROOT in place (results cache off: it writes nothing);
    // the copy is made only when there is something to fix.
    let (code, json, stderr) = gomemfix(common::EVERY_FINDING_AS_JSON, &original.join("src"));
    assert!(code <= 2, "{stderr}");
    let findings: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
    let mut per_rule: BTreeMap<String, usize> = BTreeMap::new();
    eprintln!("findings on GOROOT/src:");
    for f in &findings {
        *per_rule
            .entry(f["rule"].as_str().unwrap().to_string())
            .or_default() += 1;
        eprintln!(
            "  {}:{}: {} {} [fix: {}]",
            f["path"].as_str().unwrap(),
            f["line"],
            f["rule"].as_str().unwrap(),
            f["message"].as_str().unwrap(),
            f["fix"]["applicability"].as_str().unwrap_or("none")
        );
    }
    eprintln!("findings per rule: {per_rule:?}");
    for line in stderr.lines().filter(|l| !l.contains("warning")) {
        eprintln!("  check: {line}");
    }

    // The prefilter is a proof: parsing every file whole, with every rule run on
    // it, finds exactly what the binary (prefilter and narrowing on) found.
    // The packages whose files hold the most of what the prefilter looks for
    // (runtime and pool calls, deletes, goroutines): a second pass over all
    // of GOROOT doubled this proof's time in CI.
    const DENSE: &[&str] = &["runtime", "sync", "net", "encoding", "internal", "os"];
    let without = findings_without_prefilter(&original.join("src"), DENSE);
    let in_dense: Vec<serde_json::Value> = findings
        .iter()
        .filter(|f| {
            let path = f["path"].as_str().unwrap_or("");
            DENSE.iter().any(|d| path.starts_with(&format!("{d}/")))
        })
        .cloned()
        .collect();
    assert_eq!(
        finding_keys(&in_dense),
        without,
        "the prefilter dropped or added findings"
    );
    eprintln!(
        "prefilter on/off: same {} findings ({:.1?})",
        without.len(),
        started.elapsed()
    );

    // A fix run acts only on findings: with none, there is nothing to fix, vet
    // or run twice, and the two full runs over GOROOT that would show it are
    // CI minutes spent on nothing.
    if findings.is_empty() {
        eprintln!(
            "corpus proof: no findings on GOROOT/src, so no fix to check ({:.1?})",
            started.elapsed()
        );
        return;
    }

    let scratch = tempfile::tempdir().unwrap();
    let goroot = scratch.path().join("go");
    let status = Command::new("cp")
        .arg("-a")
        .arg(&original)
        .arg(&goroot)
        .status()
        .expect("cp");
    assert!(status.success(), "copying {}", original.display());
    let src = goroot.join("src");
    eprintln!("copied GOROOT in {:.1?}", started.elapsed());

    // Packages that may be touched, vetted before the fix.
    let candidates: BTreeSet<String> = findings
        .iter()
        .map(|f| package_of(&src, &src.join(f["path"].as_str().unwrap())))
        .collect();
    let vet_before: BTreeMap<String, bool> = candidates
        .iter()
        .map(|p| (p.clone(), vet(&goroot, p).is_ok()))
        .collect();

    let (_, _, fix_err) = gomemfix(&["fix", "--unsafe-fixes", "--confidence", "low", "."], &src);
    for line in fix_err
        .lines()
        .filter(|l| !l.contains("parsed only in part"))
    {
        eprintln!("  fix: {line}");
    }

    // Which files changed: compare with the untouched toolchain.
    let touched: Vec<PathBuf> = common::go_files(&src)
        .into_iter()
        .filter(|p| {
            let rel = p.strip_prefix(&goroot).unwrap();
            fs::read(original.join(rel)).ok() != fs::read(p).ok()
        })
        .collect();
    eprintln!("files touched: {}", touched.len());
    for p in &touched {
        eprintln!("  {}", p.strip_prefix(&src).unwrap().display());
    }

    let mut failures = vec![];
    let originals: Vec<PathBuf> = touched
        .iter()
        .map(|p| original.join(p.strip_prefix(&goroot).unwrap()))
        .collect();
    let unclean_before = gofmt_unclean(&originals);
    let unclean_after = gofmt_unclean(&touched);
    for (before, after) in originals.iter().zip(&touched) {
        let old = fs::read_to_string(before).unwrap();
        let new = fs::read_to_string(after).unwrap();
        let (e0, e1) = (parse_error_count(&old), parse_error_count(&new));
        if e1 > e0 {
            failures.push(format!("{}: parse errors {e0} -> {e1}", after.display()));
        }
        if !unclean_before.contains(before) && unclean_after.contains(after) {
            failures.push(format!("{}: no longer gofmt-clean", after.display()));
        }
    }
    let touched_pkgs: BTreeSet<String> = touched.iter().map(|p| package_of(&src, p)).collect();
    for pkg in &touched_pkgs {
        let passed_before = vet_before.get(pkg).copied().unwrap_or(false);
        match vet(&goroot, pkg) {
            Err(e) if passed_before => failures.push(format!("go vet {pkg} now fails:\n{e}")),
            Err(_) => eprintln!("  go vet {pkg} failed before and after the fix"),
            Ok(()) => {}
        }
    }

    // Idempotence: a second run has nothing left to change.
    let (_, diff, _) = gomemfix(
        &[
            "fix",
            "--unsafe-fixes",
            "--confidence",
            "low",
            "--diff",
            ".",
        ],
        &src,
    );
    if !diff.is_empty() {
        failures.push(format!("second run still changes files:\n{diff}"));
    }
    eprintln!(
        "corpus proof: {} findings, {} files touched in {} packages, {:.1?}",
        findings.len(),
        touched.len(),
        touched_pkgs.len(),
        started.elapsed()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The prefilter and narrowing proof over real repositories: for every folder
/// under `GOMEMFIX_AUDIT_TREES` (the audit corpus, one extracted repository per
/// folder), the findings at `--confidence low` are the same with every byte
/// test and the narrowing on as with both off. Skipped (passes) when the
/// variable is not set.
#[test]
#[ignore = "slow: parses every file of every tree twice; set GOMEMFIX_AUDIT_TREES=DIR"]
fn narrowing_never_drops_a_finding_on_audit_trees() {
    let Some(dir) = std::env::var_os("GOMEMFIX_AUDIT_TREES") else {
        eprintln!("GOMEMFIX_AUDIT_TREES not set: nothing to compare");
        return;
    };
    let mut trees: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("GOMEMFIX_AUDIT_TREES lists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    trees.sort();
    let mut differing = vec![];
    for tree in &trees {
        let started = Instant::now();
        let with = prefilter_findings(tree, true);
        let without = prefilter_findings(tree, false);
        eprintln!(
            "{}: {} findings with narrowing, {} without ({:.1?})",
            tree.display(),
            with.len(),
            without.len(),
            started.elapsed()
        );
        if with != without {
            differing.push(tree.display().to_string());
        }
    }
    assert!(
        differing.is_empty(),
        "narrowing changed findings in {differing:?}"
    );
}
