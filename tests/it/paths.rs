//! Paths: those that give nothing to check fail the run (exit 2), so a typo in a
//! CI script is red, not green: a missing path, or a folder with no Go file in it
//! (neither also prints "No findings", which would read as a pass). Every path
//! a run prints or writes is relative to the repository root, from any folder:
//! its patches apply with `git apply` there, its baselines hold in any checkout.

use crate::common;

use std::path::Path;
use std::process::Command;

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("docs")).unwrap();
    std::fs::write(dir.path().join("docs/README.md"), "# docs\n").unwrap();
    // Go files only where the walk skips them.
    std::fs::create_dir_all(dir.path().join("only-vendor/vendor/x")).unwrap();
    std::fs::write(dir.path().join("only-vendor/vendor/x/x.go"), "package x\n").unwrap();
    std::fs::create_dir_all(dir.path().join("svc")).unwrap();
    std::fs::write(dir.path().join("svc/ok.go"), "package svc\n\nfunc F() {}\n").unwrap();
    dir
}

#[test]
fn a_folder_without_go_files_is_an_error_unless_another_path_has_some() {
    let t = tree();
    for cmd in [&["check"][..], &["fix", "--diff"], &["fix"]] {
        for folder in ["docs", "only-vendor"] {
            let args = [cmd, &[folder]].concat();
            let (code, out, err) = common::gomemfix(t.path(), &args).parts();
            assert_eq!(code, 2, "{args:?}: {err}");
            assert!(
                err.contains(&format!("gomemfix: {folder}: no Go files under it")),
                "{args:?}: {err}"
            );
            assert!(!out.contains("No findings"), "{args:?}: {out}");
        }
    }
    // Beside a folder that has Go files, the empty one is a warning (as ruff's):
    // the exit code is the other paths'.
    let (code, out, err) = common::gomemfix(t.path(), &["check", "svc", "docs"]).parts();
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("gomemfix: warning: docs: no Go files under it"),
        "{err}"
    );
    assert!(out.contains("No findings in 1 file."), "{out}");
    // Only when every path is empty does it fail.
    let (code, _, err) = common::gomemfix(t.path(), &["check", "only-vendor", "docs"]).parts();
    assert_eq!(code, 2, "{err}");
    // --exit-zero passes findings, not errors.
    assert_eq!(
        common::gomemfix(t.path(), &["check", "--exit-zero", "docs"])
            .parts()
            .0,
        2
    );
    // A folder whose Go files are all excluded is a choice, not a typo.
    std::fs::write(t.path().join("gomemfix.toml"), "exclude = [\"svc\"]\n").unwrap();
    let (code, out, err) = common::gomemfix(t.path(), &["check", "svc"]).parts();
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_missing_path_is_an_error_and_nothing_else() {
    let t = tree();
    let (code, out, err) = common::gomemfix(t.path(), &["check", "nope"]).parts();
    assert_eq!(code, 2);
    assert_eq!(err.trim(), "gomemfix: nope: no such file or directory");
    assert_eq!(out, "", "no summary: nothing was checked");
    // With a real path beside it, that path is still checked and summarised.
    let (code, out, err) = common::gomemfix(t.path(), &["check", "nope", "svc"]).parts();
    assert_eq!(code, 2, "{err}");
    assert!(out.contains("No findings in 1 file."), "{out}");
}

// --- Every path is relative to the repository root, from any folder. ---

const GC_LOOP: &str = "package svc\n\nimport (\n\t\"runtime\"\n\t\"time\"\n)\n\nfunc Loop(work func()) {\n\tfor {\n\t\twork()\n\t\truntime.GC()\n\t\ttime.Sleep(time.Second)\n\t}\n}\n";

const CATALOG: &str = "// Command catalog runs as a Deployment.\npackage main\n\nimport \"os\"\n\nfunc main() {\n\tif len(os.Args) > 1 {\n\t\treturn\n\t}\n}\n";

const MANIFEST: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: catalog\nspec:\n  template:\n    spec:\n      containers:\n      - name: catalog\n        image: registry.example.com/shop/catalog:1.0\n        resources:\n          limits:\n            memory: 1Gi\n";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A repository whose Go module is `sub/` (a GM005 loop in sub/svc, a GM006
/// main in sub/catalog whose manifest is sub/deploy/k8s.yaml), committed.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (name, text) in [
        ("sub/go.mod", "module example.com/sub\n\ngo 1.22\n"),
        ("sub/svc/gc.go", GC_LOOP),
        ("sub/catalog/main.go", CATALOG),
        ("sub/deploy/k8s.yaml", MANIFEST),
        ("README.md", "# repo\n"),
    ] {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "init"]);
    dir
}

#[test]
fn a_patch_made_in_a_subfolder_applies_from_the_root_as_fix_writes() {
    let t = repo();
    let root = t.path();
    for (rule, from) in [
        ("GM005", "sub/svc"),
        ("GM006", "sub/catalog"),
        ("GM005,GM006", "sub"),
    ] {
        let args = ["fix", "--unsafe-fixes", "--no-cache", "--select", rule];
        let (code, patch, err) =
            common::gomemfix(&root.join(from), &[&args[..], &["--diff"]].concat()).parts();
        assert_eq!(code, 1, "{rule} from {from}: {err}");
        for line in patch.lines().filter(|l| l.starts_with("diff --git")) {
            assert!(line.starts_with("diff --git a/sub/"), "{rule}: {line}");
        }
        assert!(
            err.contains("Paths are relative to the repository root (")
                && err.contains("apply the patch there with `git apply`"),
            "{err}"
        );
        let patch_file = root.join("../gomemfix-paths.patch");
        std::fs::write(&patch_file, &patch).unwrap();
        git(root, &["apply", patch_file.to_str().unwrap()]);
        let applied = git(root, &["diff"]);
        assert!(!applied.is_empty(), "{rule}: the patch applied nothing");
        git(root, &["checkout", "-q", "--", "."]);
        // `fix` itself, from the same folder.
        let (code, _, err) = common::gomemfix(&root.join(from), &args).parts();
        assert_ne!(code, 2, "{err}");
        assert_eq!(git(root, &["diff"]), applied, "{rule} from {from}");
        git(root, &["checkout", "-q", "--", "."]);
        let _ = std::fs::remove_file(&patch_file);
    }
}

/// A monorepo keeps its manifests at the top (`deploy/`) and its module in a
/// subfolder: the repository root, not the module's, bounds where GM006 looks,
/// and its manifest edit applies from the root whichever folder it was made in.
#[test]
fn a_manifest_at_the_repository_top_serves_a_module_in_a_subfolder() {
    let t = repo();
    let root = t.path();
    std::fs::create_dir_all(root.join("deploy")).unwrap();
    git(root, &["mv", "sub/deploy/k8s.yaml", "deploy/k8s.yaml"]);
    git(root, &["commit", "-qm", "manifests at the top"]);
    for from in [".", "sub", "sub/catalog"] {
        let args = [
            "fix",
            "--unsafe-fixes",
            "--no-cache",
            "--select",
            "GM006",
            "--diff",
        ];
        let (code, patch, err) = common::gomemfix(&root.join(from), &args).parts();
        assert_eq!(code, 1, "from {from}: {err}");
        assert!(
            patch.contains("diff --git a/deploy/k8s.yaml b/deploy/k8s.yaml")
                && patch.contains("name: GOMEMLIMIT"),
            "from {from}: {patch}"
        );
        let patch_file = root.join("../gomemfix-top.patch");
        std::fs::write(&patch_file, &patch).unwrap();
        git(root, &["apply", patch_file.to_str().unwrap()]);
        assert!(git(root, &["diff", "--stat"]).contains("deploy/k8s.yaml"));
        git(root, &["checkout", "-q", "--", "."]);
        let _ = std::fs::remove_file(&patch_file);
    }
}

#[test]
fn json_and_sarif_paths_are_root_relative_from_any_folder() {
    let t = repo();
    let root = t.path();
    let mut seen = vec![];
    for from in [".", "sub", "sub/catalog"] {
        let (_, json, err) = common::gomemfix(
            &root.join(from),
            &[
                "check",
                "--unsafe-fixes",
                "--no-cache",
                "--format",
                "json",
                "--select",
                "GM005,GM006",
            ],
        )
        .parts();
        let v: serde_json::Value =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}{err}"));
        let mut paths = vec![];
        for f in v.as_array().unwrap() {
            paths.push(f["path"].as_str().unwrap().to_string());
            for e in f["fix"]["edits"].as_array().into_iter().flatten() {
                if let Some(p) = e["path"].as_str() {
                    paths.push(p.to_string());
                }
            }
            for e in f["evidence"].as_array().into_iter().flatten() {
                paths.push(e["path"].as_str().unwrap().to_string());
            }
            assert!(!f["message"]
                .as_str()
                .unwrap()
                .contains(&root.display().to_string()));
        }
        // Runs from a subfolder see only the files under it; each path is the same.
        for p in &paths {
            assert!(p.starts_with("sub/"), "from {from}: {p}");
        }
        if from == "sub/catalog" {
            assert!(
                paths.contains(&"sub/deploy/k8s.yaml".to_string()),
                "{paths:?}"
            );
        }
        let (_, sarif, _) = common::gomemfix(
            &root.join(from),
            &[
                "check",
                "--unsafe-fixes",
                "--no-cache",
                "--format",
                "sarif",
                "--select",
                "GM006",
            ],
        )
        .parts();
        let uris: Vec<&str> = sarif
            .lines()
            .filter_map(|l| l.trim().strip_prefix("\"uri\": \""))
            .collect();
        assert!(!uris.is_empty(), "{sarif}");
        for u in uris {
            assert!(u.starts_with("sub/"), "from {from}: {u}");
        }
        seen.push(paths);
    }
    assert!(seen[0].contains(&seen[2][0]), "{seen:?}");
}

#[test]
fn a_baseline_made_at_the_root_holds_from_a_subfolder_and_a_copy() {
    let t = repo();
    let root = t.path();
    for format in ["json", "sarif"] {
        let file = root.join(format!("../baseline-{}.{format}", std::process::id()));
        let (code, saved, err) = common::gomemfix(
            root,
            &["check", "--unsafe-fixes", "--no-cache", "--format", format],
        )
        .parts();
        assert_eq!(code, 1, "{err}");
        std::fs::write(&file, saved).unwrap();
        let arg = format!("--baseline={}", file.display());
        for from in ["sub", "sub/svc", "sub/catalog"] {
            let (code, out, err) =
                common::gomemfix(&root.join(from), &["check", "--no-cache", &arg]).parts();
            assert_eq!(code, 0, "{format} from {from}: {out}{err}");
            assert!(out.contains("in the baseline"), "{out}");
        }
        // The same tree elsewhere (another checkout).
        let copy = tempfile::tempdir().unwrap();
        common::copy_tree(root, copy.path());
        let (code, out, err) =
            common::gomemfix(&copy.path().join("sub"), &["check", "--no-cache", &arg]).parts();
        assert_eq!(code, 0, "{format} in a copy: {out}{err}");
        let _ = std::fs::remove_file(&file);
    }
}

/// Whether a package is test support (under a `testing/` folder of its
/// module) does not depend on the folder the run starts in or the form of the
/// path it is given: a leak checker's forced collections are low from anywhere.
#[test]
fn a_test_support_folder_is_judged_alike_from_any_folder() {
    let module = common::fixtures_dir().join("GM005");
    let package = module.join("internal/testing/reclaim");
    let absolute = package.to_string_lossy().into_owned();
    for (from, path) in [
        (module.as_path(), "internal/testing/reclaim"),
        (package.as_path(), "."),
        (module.as_path(), absolute.as_str()),
    ] {
        let args = [
            "check",
            "--no-cache",
            "--confidence",
            "low",
            "--select",
            "GM005",
            "--format",
            "json",
            path,
        ];
        let (_, out, err) = common::gomemfix(from, &args).parts();
        let findings: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
        let levels: Vec<&str> = findings
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["confidence"].as_str().unwrap())
            .collect();
        assert_eq!(levels, ["low"], "{path} from {}: {err}", from.display());
    }
}
