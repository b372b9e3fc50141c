//! The flags users reach for (ruff's names): `--exit-zero`, `-q/--quiet`,
//! `check --fix`, `--show-fixes`, `-o/--output FILE` for every format,
//! `--report FORMAT=FILE`, and a coloured diff with `--color always`.

use crate::common;

/// Two files: a safe fix (GM008), an unsafe one (GM005) and a renamed import.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("go.mod"),
        "module example.com/p\n\ngo 1.22\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.go"),
        "package p\n\nimport rt \"runtime\"\n\nvar cache map[string][]byte\n\nfunc init() {\n\trt.MemProfileRate = 1\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.go"),
        "package p\n\nimport \"runtime\"\n\nfunc Loop(items []int, work func(int)) {\n\tfor _, it := range items {\n\t\truntime.GC()\n\t\twork(it)\n\t}\n}\n",
    )
    .unwrap();
    dir
}

#[test]
fn exit_zero_passes_findings_but_not_errors() {
    let p = project();
    assert_eq!(common::gomemfix(p.path(), &["check", "."]).code, 1);
    assert_eq!(
        common::gomemfix(p.path(), &["check", "--exit-zero", "."]).code,
        0
    );
    assert_eq!(
        common::gomemfix(p.path(), &["fix", "--diff", "--exit-zero", "."]).code,
        0
    );
    let missing = common::gomemfix(p.path(), &["check", "--exit-zero", "nope"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
}

#[test]
fn quiet_prints_findings_only() {
    let p = project();
    let loud = common::gomemfix(p.path(), &["check", "."]);
    let quiet = common::gomemfix(p.path(), &["check", "-q", "."]);
    assert_eq!(quiet.code, 1);
    assert!(loud.stdout.contains("Found 2 findings"), "{}", loud.stdout);
    assert!(!quiet.stdout.contains("Found"), "{}", quiet.stdout);
    assert!(quiet.stdout.contains("a.go:8:2: GM008"), "{}", quiet.stdout);
    let diff = common::gomemfix(p.path(), &["fix", "--diff", "--quiet", "."]);
    assert!(
        diff.stdout.starts_with("diff --git a/a.go"),
        "{}",
        diff.stdout
    );
    assert_eq!(diff.stderr, "", "the summary is left out");
}

#[test]
fn check_fix_is_fix() {
    let a = project();
    let b = project();
    let via_check = common::gomemfix(a.path(), &["check", "--fix", "."]);
    let via_fix = common::gomemfix(b.path(), &["fix", "."]);
    assert_eq!(via_check.code, via_fix.code);
    assert_eq!(via_check.stdout, via_fix.stdout);
    for f in ["a.go", "b.go"] {
        assert_eq!(
            std::fs::read_to_string(a.path().join(f)).unwrap(),
            std::fs::read_to_string(b.path().join(f)).unwrap()
        );
    }
    assert!(!std::fs::read_to_string(a.path().join("a.go"))
        .unwrap()
        .contains("MemProfileRate"));
    // `check --diff` is `fix --diff`, and `--unsafe-fixes` goes with it.
    let c = project();
    let d1 = common::gomemfix(c.path(), &["check", "--diff", "--unsafe-fixes", "."]);
    let d2 = common::gomemfix(c.path(), &["fix", "--diff", "--unsafe-fixes", "."]);
    assert_eq!(d1.stdout, d2.stdout);
    assert!(d1.stdout.contains("b/b.go"));
}

#[test]
fn show_fixes_lists_each_fix() {
    let p = project();
    let check = common::gomemfix(p.path(), &["check", "--show-fixes", "."]);
    assert!(
        check.stdout.contains(
            "`gomemfix fix` would fix:\n  a.go:8:2: GM008 [memprofilerate-every-alloc]\n"
        ),
        "{}",
        check.stdout
    );
    assert!(
        !check.stdout.contains("  b.go:7:3: GM005"),
        "unsafe: not by `fix`"
    );
    let unsafe_ = common::gomemfix(p.path(), &["check", "--show-fixes", "--unsafe-fixes", "."]);
    assert!(unsafe_.stdout.contains("  b.go:7:3: GM005 [gc-in-loop]"));
    let fix = common::gomemfix(p.path(), &["fix", "--show-fixes", "."]);
    assert!(
        fix.stdout
            .contains("Fixed:\n  a.go:8:2: GM008 [memprofilerate-every-alloc]\n"),
        "{}",
        fix.stdout
    );
    let nothing = common::gomemfix(p.path(), &["fix", "--show-fixes", "."]);
    assert!(
        nothing.stdout.contains("Fixed: nothing."),
        "{}",
        nothing.stdout
    );
}

#[test]
fn output_writes_every_format_to_a_file() {
    let p = project();
    for format in ["text", "json", "sarif", "github", "markdown"] {
        let to_stdout = common::gomemfix(p.path(), &["check", "--format", format, "."]);
        let file = p.path().join(format!("out.{format}"));
        let file_arg = file.to_str().unwrap();
        let to_file = common::gomemfix(
            p.path(),
            &["check", "--format", format, "--output", file_arg, "."],
        );
        assert_eq!(to_file.code, to_stdout.code, "{format}");
        assert_eq!(to_file.stdout, "", "{format}: stdout stays empty");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            to_stdout.stdout,
            "{format}"
        );
        std::fs::remove_file(&file).unwrap();
    }
    // fix --diff: the text report is the patch; -o is the short form.
    let patch = common::gomemfix(p.path(), &["fix", "--diff", "."]);
    let o = common::gomemfix(p.path(), &["fix", "--diff", "-o", "fix.patch", "."]);
    assert_eq!(o.code, 1);
    assert_eq!(
        std::fs::read_to_string(p.path().join("fix.patch")).unwrap(),
        patch.stdout
    );
}

#[test]
fn report_writes_more_views_of_one_run() {
    let p = project();
    let r = common::gomemfix(
        p.path(),
        &[
            "fix",
            "--diff",
            "--format",
            "github",
            "--report",
            "sarif=out.sarif",
            "--report",
            "patch=out.patch",
            "--report",
            "markdown=out.md",
            ".",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("::warning file=a.go,line=8"),
        "{}",
        r.stdout
    );
    let read = |f: &str| std::fs::read_to_string(p.path().join(f)).unwrap();
    assert_eq!(
        read("out.patch"),
        common::gomemfix(p.path(), &["fix", "--diff", "."]).stdout
    );
    assert_eq!(
        read("out.md"),
        common::gomemfix(p.path(), &["fix", "--diff", "--format", "markdown", "."]).stdout
    );
    let sarif: serde_json::Value = serde_json::from_str(&read("out.sarif")).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    let bad = common::gomemfix(p.path(), &["check", "--report", "yaml=x", "."]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("not a format"), "{}", bad.stderr);
}

#[test]
fn the_diff_is_coloured_when_asked() {
    let p = project();
    let plain = common::gomemfix(p.path(), &["fix", "--diff", "."]);
    assert!(!plain.stdout.contains('\x1b'), "not a terminal: no colour");
    let coloured = common::gomemfix(p.path(), &["fix", "--diff", "--color", "always", "."]);
    assert!(
        coloured
            .stdout
            .contains("\x1b[31m-\trt.MemProfileRate = 1\x1b[0m"),
        "{:?}",
        coloured.stdout
    );
    // A patch written to a file stays plain unless asked.
    common::gomemfix(p.path(), &["fix", "--diff", "-o", "p.patch", "."]);
    let file = std::fs::read_to_string(p.path().join("p.patch")).unwrap();
    assert!(!file.contains('\x1b'));
}

#[test]
fn completions_know_the_subcommands_and_flags() {
    let p = project();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = common::gomemfix(p.path(), &["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for word in ["explain", "show-fixes", "unsafe-fixes"] {
            assert!(r.stdout.contains(word), "{shell}: no {word}");
        }
    }
    // bash parses what it is given.
    let script = common::gomemfix(p.path(), &["completions", "bash"]).stdout;
    let o = std::process::Command::new("bash")
        .args(["-n", "-c", &script])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(common::gomemfix(p.path(), &["completions", "tcsh"]).code, 2);
}

#[test]
fn rules_list_reads_as_prose_and_says_safety_honestly() {
    let p = project();
    let r = common::gomemfix(p.path(), &["rules"]);
    assert_eq!(r.code, 0);
    assert!(!r.stdout.contains('$'), "raw metavariables:\n{}", r.stdout);
    assert!(
        r.stdout.contains("<obj> goes back to the pool"),
        "{}",
        r.stdout
    );
    // GM004's fix never is safe: other holders keep the old map.
    let gm004 = r.stdout.lines().find(|l| l.starts_with("GM004")).unwrap();
    assert!(gm004.contains("fix: unsafe"), "{gm004}");
    // GM003's fixes are safe or unsafe depending on the case.
    for id in ["GM003"] {
        let line = r.stdout.lines().find(|l| l.starts_with(id)).unwrap();
        assert!(line.contains("fix: safe or unsafe"), "{line}");
        let explain = common::gomemfix(p.path(), &["explain", id]);
        assert!(
            explain
                .stdout
                .contains("Fix safety: safe or unsafe, by case"),
            "{}",
            explain.stdout
        );
    }
}
