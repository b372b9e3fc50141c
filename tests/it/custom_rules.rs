//! Your own rules (`--patterns DIR`): ids are checked, the rules show in `rules`
//! and `explain`, their metadata may declare the fix safe, and
//! `gomemfix test-rules DIR` runs their valid/invalid snippets.

use crate::common;

/// The README's example rule: `bytes.NewBuffer(nil)` where a zero Buffer does.
const RULE: &str = r#"id: ORG001
language: go
severity: warning
message: bytes.NewBuffer(nil) allocates a Buffer that a zero value would give for free
rule:
  pattern:
    context: "func _() { bytes.NewBuffer(nil) }"
    selector: call_expression
fix: new(bytes.Buffer)
metadata:
  name: buffer-from-nil
  fix-safety: safe
  fix-description: Use new(bytes.Buffer)
note: |
  ## What it does
  Flags `bytes.NewBuffer(nil)`.

  ## Why is this bad?
  It reads as if the nil mattered.

  ## Example
  ```go
  b := bytes.NewBuffer(nil)
  ```

  ## Fix
  `new(bytes.Buffer)`.
"#;

const TESTS: &str = r#"id: ORG001
valid:
  - "b := new(bytes.Buffer)"
  - "b := bytes.NewBuffer(data)"
invalid:
  - "b := bytes.NewBuffer(nil)"
  - |
    func f() *bytes.Buffer {
    	return bytes.NewBuffer(nil)
    }
"#;

fn project(rule: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rules/rule-tests")).unwrap();
    std::fs::write(dir.path().join("rules/org001.yml"), rule).unwrap();
    std::fs::write(dir.path().join("rules/rule-tests/org001.yml"), TESTS).unwrap();
    std::fs::write(
        dir.path().join("a.go"),
        "package p\n\nimport \"bytes\"\n\nfunc F() *bytes.Buffer {\n\treturn bytes.NewBuffer(nil)\n}\n",
    )
    .unwrap();
    dir
}

#[test]
fn a_custom_rule_is_listed_explained_and_its_safe_fix_applied() {
    let p = project(RULE);
    let (_, out, _) = common::gomemfix(p.path(), &["rules", "--patterns", "rules"]).parts();
    let line = out.lines().find(|l| l.starts_with("ORG001")).expect(&out);
    assert!(
        line.contains("buffer-from-nil") && line.contains("fix: safe"),
        "{line}"
    );
    assert!(line.ends_with("(rules/org001.yml)"), "{line}");
    let (code, out, _) =
        common::gomemfix(p.path(), &["explain", "ORG001", "--patterns", "rules"]).parts();
    assert_eq!(code, 0);
    assert!(out.starts_with("# ORG001 buffer-from-nil"), "{out}");
    // fix-safety: safe means plain `fix` applies it.
    let (code, out, err) = common::gomemfix(p.path(), &["fix", "--patterns", "rules", "."]).parts();
    assert_eq!(code, 0, "{out}{err}");
    let fixed = std::fs::read_to_string(p.path().join("a.go")).unwrap();
    assert!(fixed.contains("return new(bytes.Buffer)"), "{fixed}");
    // Without metadata a fix stays unsafe.
    let q = project(&RULE.replace("  fix-safety: safe\n", ""));
    let (_, out, _) = common::gomemfix(q.path(), &["check", "--patterns", "rules", "."]).parts();
    assert!(
        out.contains("unsafe fix, applied with --unsafe-fixes"),
        "{out}"
    );
}

#[test]
fn bad_ids_are_refused_with_the_file_named() {
    for (id, says) in [
        ("''", "the rule has no `id`"),
        ("GM005", "id `GM005` is already taken by a built-in rule"),
        ("gm100", "is gomemfix's own unused-suppression check"),
        ("'ORG 1'", "must be one word"),
    ] {
        let p = project(&RULE.replace("id: ORG001", &format!("id: {id}")));
        let (code, out, err) =
            common::gomemfix(p.path(), &["check", "--patterns", "rules", "."]).parts();
        assert_eq!(code, 2, "{id}: {out}");
        assert!(
            err.contains("rules/org001.yml: ") && err.contains(says),
            "{id}: {err}"
        );
    }
    // Two files with one id.
    let p = project(RULE);
    std::fs::write(p.path().join("rules/org001-copy.yml"), RULE).unwrap();
    let (code, _, err) = common::gomemfix(p.path(), &["rules", "--patterns", "rules"]).parts();
    assert_eq!(code, 2);
    assert!(
        err.contains("id `ORG001` is already taken by rules/org001-copy.yml"),
        "{err}"
    );
}

#[test]
fn test_rules_runs_valid_and_invalid_snippets() {
    let p = project(RULE);
    let (code, out, err) = common::gomemfix(p.path(), &["test-rules", "rules"]).parts();
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, "ORG001: ok (2 valid, 2 invalid)\n1 passed, 0 failed\n");
    // A rule that misses a case fails, naming the snippet.
    let narrow = RULE.replace(
        "    selector: call_expression\n",
        "    selector: call_expression\n  inside:\n    kind: short_var_declaration\n    stopBy: end\n",
    );
    let p = project(&narrow);
    let (code, out, _) = common::gomemfix(p.path(), &["test-rules", "rules"]).parts();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ORG001: FAILED"), "{out}");
    assert!(
        out.contains("rule-tests/org001.yml: invalid #2: not reported, but should be:"),
        "{out}"
    );
    assert!(out.ends_with("0 passed, 1 failed\n"), "{out}");
    // A test for a rule that does not exist is an error.
    std::fs::write(
        p.path().join("rules/rule-tests/zz.yml"),
        "id: NOPE\nvalid: [\"x := 1\"]\n",
    )
    .unwrap();
    let (code, _, err) = common::gomemfix(p.path(), &["test-rules", "rules"]).parts();
    assert_eq!(code, 2);
    assert!(err.contains("no rule with id `NOPE`"), "{err}");
}
