//! The results cache (`.gomemfix_cache/`, `GOMEMFIX_CACHE_DIR`, `--no-cache`):
//! after every kind of change a finding can depend on (a Go file edited, added or
//! deleted, a deployment file, a config key, an option, the binary itself), a run
//! through the cache reports exactly what a run without it reports; an unchanged
//! tree is answered from the cache, and an edit re-analyses only its folder.
//! `fix --diff` (its patch and its JSON) goes through the cache the same way.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

struct Tree {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    cache: PathBuf,
    /// The command each run is: `check`, or `fix --diff`.
    command: &'static [&'static str],
}

const CHECK: &[&str] = &["check", "--format", "json", "--exit-zero"];
const FIX_DIFF: &[&str] = &["fix", "--diff", "--unsafe-fixes", "--exit-zero"];

/// GM003 (callers in other packages), GM004 and GM006 (deployment files) in one
/// project, copied so the test may edit it.
fn tree(command: &'static [&'static str]) -> Tree {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("project");
    for rule in ["GM003", "GM004"] {
        common::copy_tree(&common::fixtures_dir().join(rule), &root.join(rule));
    }
    // GM006's fixtures are many small repositories; a few cover what the
    // cache must track across files (Dockerfiles, compose, manifests, the
    // packages a main calls into) without running all of them six times.
    let gm006 = common::fixtures_dir().join("GM006");
    for file in ["go.mod", "compose.yaml"] {
        std::fs::create_dir_all(root.join("GM006")).unwrap();
        std::fs::copy(gm006.join(file), root.join("GM006").join(file)).unwrap();
    }
    for folder in [
        "billing",
        "catalog",
        "inventory",
        "kubeop",
        "orders",
        "rootaction",
    ] {
        common::copy_tree(&gm006.join(folder), &root.join("GM006").join(folder));
    }
    let cache = tmp.path().join("cache");
    Tree {
        _tmp: tmp,
        root,
        cache,
        command,
    }
}

fn gomemfix(t: &Tree, bin: &Path, cache: Option<&Path>, args: &[&str]) -> String {
    let root = &t.root;
    let mut cmd = Command::new(bin);
    cmd.args(t.command)
        .args(args)
        .current_dir(root)
        .env_remove("GOMEMFIX_CACHE_DIR");
    match cache {
        Some(dir) => cmd.env("GOMEMFIX_CACHE_DIR", dir),
        None => cmd.arg("--no-cache"),
    };
    let out = cmd.output().expect("run gomemfix");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `fix --diff` prints its summary on stderr: it must agree too.
    String::from_utf8(out.stdout).unwrap() + &String::from_utf8_lossy(&out.stderr)
}

/// Entry file name -> modification time.
fn entries(cache: &Path) -> BTreeMap<String, SystemTime> {
    std::fs::read_dir(cache)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        e.metadata().unwrap().modified().unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs through the cache and without it, requires the same report, and
/// returns the entries the cached run rewrote.
fn same_as_uncached(t: &Tree, bin: &Path, args: &[&str]) -> Vec<String> {
    let before = entries(&t.cache);
    // File times have a coarse grain on some systems: let a rewrite show.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let cached = gomemfix(t, bin, Some(&t.cache), args);
    let plain = gomemfix(t, bin, None, args);
    assert_eq!(cached, plain, "cached run differs from an uncached one");
    assert!(
        plain.contains("\"rule\"") || plain.contains("diff --git"),
        "the tree has findings: {plain}"
    );
    if t.command == FIX_DIFF {
        // Its JSON (fixes, edits to other files) agrees too.
        let json = [args, &["--format", "json"]].concat();
        assert_eq!(
            gomemfix(t, bin, Some(&t.cache), &json),
            gomemfix(t, bin, None, &json),
            "cached JSON differs from an uncached one"
        );
    }
    entries(&t.cache)
        .into_iter()
        .filter(|(name, time)| before.get(name) != Some(time))
        .map(|(name, _)| name)
        .collect()
}

#[test]
fn never_stale() {
    never_stale_for(CHECK);
}

#[test]
fn a_cache_folder_inside_the_tree_leaves_the_next_run_warm() {
    // The first run creates the cache inside the repository GM006 lists
    // (as `bench/run` does): that folder is in no listing, so the next run
    // finds every entry as it was.
    let mut t = tree(CHECK);
    t.cache = t.root.join("GM006").join("gm-cache");
    let bin = common::gomemfix_bin();
    assert!(!same_as_uncached(&t, &bin, &[]).is_empty());
    assert_eq!(same_as_uncached(&t, &bin, &[]), Vec::<String>::new());
}

#[test]
fn never_stale_with_fix_diff() {
    never_stale_for(FIX_DIFF);
}

fn never_stale_for(command: &'static [&'static str]) {
    let t = tree(command);
    let bin = common::gomemfix_bin();
    let first = same_as_uncached(&t, &bin, &[]);
    assert!(!first.is_empty(), "a cold run writes entries");
    assert!(t.cache.join(".gitignore").is_file());

    // Unchanged: every folder is answered from the cache.
    assert_eq!(same_as_uncached(&t, &bin, &[]), Vec::<String>::new());

    // One file edited: its folder alone is analysed again.
    let store = t.root.join("GM004/store.go");
    let text = std::fs::read_to_string(&store).unwrap();
    std::fs::write(
        &store,
        format!(
            "{text}\nfunc resetAll(m map[string]int) {{\n\tfor k := range m {{\n\t\tdelete(m, k)\n\t}}\n}}\n"
        ),
    )
    .unwrap();
    assert_eq!(same_as_uncached(&t, &bin, &[]).len(), 1);

    // A file added, then deleted.
    std::fs::write(
        t.root.join("GM004/added.go"),
        "package store\n\nfunc clearAll(m map[int]bool) {\n\tfor k := range m {\n\t\tdelete(m, k)\n\t}\n}\n",
    )
    .unwrap();
    assert_eq!(same_as_uncached(&t, &bin, &[]).len(), 1);
    // Deleted again, the folder is as it was before the addition, and so is
    // everything the entry of that state depended on: it answers.
    std::fs::remove_file(t.root.join("GM004/added.go")).unwrap();
    assert_eq!(same_as_uncached(&t, &bin, &[]), Vec::<String>::new());
    // Deleting a file of the original set is a new state: analysed.
    std::fs::remove_file(t.root.join("GM004/pos_textbook.go")).unwrap();
    assert_eq!(same_as_uncached(&t, &bin, &[]).len(), 1);

    // A deployment file GM006 read: the limit set in billing's Dockerfile.
    let docker = t.root.join("GM006/billing/Dockerfile");
    let text = std::fs::read_to_string(&docker).unwrap();
    let before = gomemfix(&t, &bin, None, &[]);
    std::fs::write(
        &docker,
        text.replace("USER app", "ENV GOMEMLIMIT=900MiB\nUSER app"),
    )
    .unwrap();
    assert!(!same_as_uncached(&t, &bin, &[]).is_empty());
    assert_ne!(before, gomemfix(&t, &bin, None, &[]), "the edit matters");

    // A file another package's finding depends on (GM003's callers).
    for entry in walk_go(&t.root.join("GM003")) {
        let text = std::fs::read_to_string(&entry).unwrap();
        if text.contains("package main") {
            std::fs::write(&entry, format!("{text}\n// touched\n")).unwrap();
            break;
        }
    }
    same_as_uncached(&t, &bin, &[]);

    // A config key, then an option on the command line.
    std::fs::write(t.root.join("gomemfix.toml"), "ignore = [\"GM004\"]\n").unwrap();
    assert!(!same_as_uncached(&t, &bin, &[]).is_empty());
    std::fs::write(t.root.join("gomemfix.toml"), "ignore = [\"GM003\"]\n").unwrap();
    assert!(!same_as_uncached(&t, &bin, &[]).is_empty());
    assert!(!same_as_uncached(&t, &bin, &["--select", "GM004,GM006"]).is_empty());
    assert!(!same_as_uncached(&t, &bin, &["--memory-limit", "1Gi"]).is_empty());

    // Another build of gomemfix (a new version) never reads the old entries.
    let other = t.cache.parent().unwrap().join("gomemfix-other");
    std::fs::copy(&bin, &other).unwrap();
    let rewritten = same_as_uncached(&t, &other, &[]);
    assert!(!rewritten.is_empty(), "a new binary starts cold");
}

fn walk_go(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk_go(&p));
        } else if p.extension().is_some_and(|x| x == "go") {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn default_folder_is_at_the_project_root_and_ignored() {
    let t = tree(CHECK);
    std::fs::create_dir_all(t.root.join(".git")).unwrap();
    let out = Command::new(common::gomemfix_bin())
        .args(["check", "--exit-zero", "GM004"])
        .current_dir(&t.root)
        .env_remove("GOMEMFIX_CACHE_DIR")
        .output()
        .unwrap();
    assert!(out.status.success());
    let dir = t.root.join(".gomemfix_cache");
    assert_eq!(
        std::fs::read_to_string(dir.join(".gitignore"))
            .unwrap()
            .lines()
            .last(),
        Some("*")
    );
    assert!(!entries(&dir).is_empty());
    // --no-cache neither reads nor writes it.
    std::fs::remove_dir_all(&dir).unwrap();
    let out = Command::new(common::gomemfix_bin())
        .args(["check", "--exit-zero", "--no-cache", "GM004"])
        .current_dir(&t.root)
        .env_remove("GOMEMFIX_CACHE_DIR")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!dir.exists());
}
