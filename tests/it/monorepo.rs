//! Monorepos, as ruff does them: each file uses its nearest gomemfix.toml,
//! `extend = "../gomemfix.toml"` inherits (the nearer file wins key by key), one
//! run covers every project, and `per-file-ignores` turns rules off by glob.

use crate::common;

/// GM010 (line 9) and GM008 (line 13) in every file.
const GO: &str = "package p

import \"runtime\"

var cache []byte

func release() {
	cache = nil
	runtime.GC()
}

func init() {
	runtime.MemProfileRate = 1
}
";

/// root: GM010 only. billing/: extends root, GM008 only. search/: extends root
/// and ignores GM010 in its gen/ folder and in *_mock.go. tools/: its own file,
/// no extend (every rule). docs/: no config of its own (root's).
fn monorepo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join(".git")).unwrap();
    for f in [
        "svc/x.go",
        "billing/x.go",
        "billing/deep/x.go",
        "search/x.go",
        "search/gen/x.go",
        "search/api/x_mock.go",
        "tools/x.go",
    ] {
        std::fs::create_dir_all(d.join(f).parent().unwrap()).unwrap();
        std::fs::write(d.join(f), GO).unwrap();
    }
    std::fs::write(d.join("gomemfix.toml"), "select = [\"GM010\"]\n").unwrap();
    std::fs::write(
        d.join("billing/gomemfix.toml"),
        "extend = \"../gomemfix.toml\"\nselect = [\"GM008\"]\n",
    )
    .unwrap();
    std::fs::write(
        d.join("search/gomemfix.toml"),
        "extend = \"../gomemfix.toml\"\n\n[per-file-ignores]\n\"gen\" = [\"GM010\"]\n\"*_mock.go\" = [\"gc-without-free-os-memory\"]\n",
    )
    .unwrap();
    std::fs::write(d.join("tools/gomemfix.toml"), "unsafe-fixes = true\n").unwrap();
    dir
}

/// `path:line rule` of each finding.
fn found(out: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(out).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{} {}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["rule"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn each_file_uses_its_nearest_config() {
    let m = monorepo();
    let (code, out, err) = common::gomemfix(m.path(), &["check", "--format", "json", "."]).parts();
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        found(&out),
        vec![
            "billing/deep/x.go:13 GM008",
            "billing/x.go:13 GM008",
            "search/x.go:9 GM010",
            "svc/x.go:9 GM010",
            "tools/x.go:9 GM010",
            "tools/x.go:13 GM008",
        ]
    );
    // pre-commit's file list spans projects: one run, the same answers.
    let (code, out, err) = common::gomemfix(
        m.path(),
        &[
            "check",
            "--format",
            "json",
            "svc/x.go",
            "billing/x.go",
            "search/gen/x.go",
        ],
    )
    .parts();
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        found(&out),
        vec!["billing/x.go:13 GM008", "svc/x.go:9 GM010"]
    );
    // From inside a project the same file gets the same settings (and the same
    // path, from the repository root).
    let (_, out, _) = common::gomemfix(
        &m.path().join("billing"),
        &["check", "--format", "json", "."],
    )
    .parts();
    assert_eq!(
        found(&out),
        vec!["billing/deep/x.go:13 GM008", "billing/x.go:13 GM008"]
    );
}

#[test]
fn flags_and_config_win_over_every_file() {
    let m = monorepo();
    // A flag replaces every file's list.
    let (_, out, _) = common::gomemfix(
        m.path(),
        &[
            "check", "--format", "json", "--select", "GM008", "svc", "billing",
        ],
    )
    .parts();
    assert_eq!(
        found(&out),
        vec![
            "billing/deep/x.go:13 GM008",
            "billing/x.go:13 GM008",
            "svc/x.go:13 GM008"
        ]
    );
    // --config names one file for all (its per-file-ignores still apply).
    let (_, out, _) = common::gomemfix(
        m.path(),
        &[
            "check",
            "--format",
            "json",
            "--config",
            "search/gomemfix.toml",
            "billing",
            "search",
        ],
    )
    .parts();
    assert_eq!(
        found(&out),
        vec![
            "billing/deep/x.go:9 GM010",
            "billing/x.go:9 GM010",
            "search/x.go:9 GM010"
        ]
    );
}

#[test]
fn fix_uses_each_files_settings() {
    let m = monorepo();
    let (code, _, err) = common::gomemfix(m.path(), &["fix", "--unsafe-fixes", "."]).parts();
    assert_eq!(code, 0, "{err}");
    let read = |f: &str| std::fs::read_to_string(m.path().join(f)).unwrap();
    // GM010's fix (unsafe) where GM010 runs; GM008's where GM008 runs.
    assert!(read("svc/x.go").contains("debug.FreeOSMemory()"));
    assert!(read("svc/x.go").contains("MemProfileRate = 1"));
    assert!(!read("billing/x.go").contains("MemProfileRate"));
    assert!(read("billing/x.go").contains("runtime.GC()"));
    assert_eq!(
        read("search/gen/x.go"),
        GO,
        "per-file-ignores: not fixed either"
    );
}

#[test]
fn a_broken_nested_config_names_itself_and_fails_the_run() {
    let m = monorepo();
    std::fs::write(m.path().join("billing/gomemfix.toml"), "selct = []\n").unwrap();
    let (code, out, err) = common::gomemfix(m.path(), &["check", "--format", "json", "."]).parts();
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("billing/gomemfix.toml:1: unknown key `selct`"),
        "{err}"
    );
    // The other projects are still checked.
    assert!(
        found(&out).contains(&"svc/x.go:9 GM010".to_string()),
        "{out}"
    );
    // A cycle of extends, and an unknown rule in per-file-ignores.
    std::fs::write(
        m.path().join("billing/gomemfix.toml"),
        "extend = \"../search/gomemfix.toml\"\n",
    )
    .unwrap();
    std::fs::write(
        m.path().join("search/gomemfix.toml"),
        "extend = \"../billing/gomemfix.toml\"\n",
    )
    .unwrap();
    let (code, _, err) = common::gomemfix(m.path(), &["check", "billing"]).parts();
    assert_eq!(code, 2);
    assert!(err.contains("`extend` goes round in a circle"), "{err}");
    std::fs::write(
        m.path().join("search/gomemfix.toml"),
        "[per-file-ignores]\n\"gen\" = [\"GM0100\"]\n",
    )
    .unwrap();
    let (code, _, err) = common::gomemfix(m.path(), &["check", "search"]).parts();
    assert_eq!(code, 2);
    assert!(
        err.contains("`per-file-ignores`: unknown rule `GM0100`"),
        "{err}"
    );
}
