//! Paths that give nothing to check fail the run (exit 2), so a typo in a CI
//! script is red, not green: a missing path, or a folder with no Go file in it.
//! Neither also prints "No findings", which would read as a pass.

use crate::common;

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
fn a_folder_without_go_files_is_an_error() {
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
    // Beside a folder that has Go files, the empty one still fails the run.
    let (code, _, err) = common::gomemfix(t.path(), &["check", "svc", "docs"]).parts();
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
