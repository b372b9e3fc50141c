//! Confidence: a run shows and fixes the findings at or above its bar (`high`
//! unless `--confidence` or gomemfix.toml's `confidence` says otherwise), counts
//! the rest in the summary, and every format carries each finding's level. A
//! user's YAML rule grades its findings with `metadata.precision`, which makes
//! the levels testable here whatever the built-in rules grade.

use crate::common;

use serde_json::Value;

/// A rule whose findings the tool is not sure of: `fmt.Println` calls.
const LOW_RULE: &str = r#"id: ORG002
language: go
severity: warning
message: fmt.Println writes to stdout
rule:
  pattern:
    context: "func _() { fmt.Println($$$A) }"
    selector: call_expression
fix: fmt.Print($$$A)
metadata:
  name: println-call
  fix-safety: safe
  precision: low
  fix-description: Use fmt.Print
note: |
  ## What it does
  Flags `fmt.Println`.
"#;

const SOURCE: &str =
    "package p\n\nimport \"fmt\"\n\nfunc F() {\n\tfmt.Println(\"a\")\n\tfmt.Println(\"b\")\n}\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    std::fs::write(dir.path().join("rules/org002.yml"), LOW_RULE).unwrap();
    std::fs::write(
        dir.path().join("go.mod"),
        "module example.com/p\n\ngo 1.22\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("a.go"), SOURCE).unwrap();
    dir
}

fn json(out: &str) -> Vec<Value> {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn the_default_bar_is_high_and_the_summary_counts_what_it_left_out() {
    let dir = project();
    let (code, out, err) = common::gomemfix(
        dir.path(),
        &["check", "--select", "ORG002", "--patterns", "rules", "a.go"],
    )
    .parts();
    assert_eq!(code, 0, "nothing shown is a clean run: {out}{err}");
    assert!(!out.contains("ORG002 [println-call]"), "{out}");
    assert!(
        out.contains("2 lower-confidence findings not shown (see them with `--confidence low`)"),
        "{out}"
    );

    let (code, out, _) = common::gomemfix(
        dir.path(),
        &[
            "check",
            "--select",
            "ORG002",
            "--patterns",
            "rules",
            "--confidence",
            "low",
            "a.go",
        ],
    )
    .parts();
    assert_eq!(code, 1);
    assert_eq!(out.matches("ORG002 [println-call]").count(), 2, "{out}");
    assert!(
        out.contains("confidence: low; see `gomemfix explain ORG002`"),
        "{out}"
    );
    assert!(!out.contains("not shown"), "{out}");

    // Medium is above low: the low findings stay out.
    let (code, _, _) = common::gomemfix(
        dir.path(),
        &[
            "check",
            "--select",
            "ORG002",
            "--patterns",
            "rules",
            "--confidence",
            "medium",
            "a.go",
        ],
    )
    .parts();
    assert_eq!(code, 0);
}

#[test]
fn fix_applies_only_findings_at_or_above_the_bar() {
    let dir = project();
    let args = ["fix", "--select", "ORG002", "--patterns", "rules", "a.go"];
    let (code, out, err) = common::gomemfix(dir.path(), &args).parts();
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.go")).unwrap(),
        SOURCE
    );

    let mut low = args.to_vec();
    low.extend(["--confidence", "low"]);
    let (code, out, err) = common::gomemfix(dir.path(), &low).parts();
    assert_eq!(code, 0, "{out}{err}");
    let fixed = std::fs::read_to_string(dir.path().join("a.go")).unwrap();
    assert!(
        fixed.contains("fmt.Print(\"a\")") && !fixed.contains("Println"),
        "{fixed}"
    );
}

#[test]
fn the_config_key_sets_the_bar_and_nested_configs_win() {
    let dir = project();
    std::fs::write(dir.path().join("gomemfix.toml"), "confidence = \"low\"\n").unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("b.go"), SOURCE.replace("package p", "package sub")).unwrap();
    std::fs::write(sub.join("gomemfix.toml"), "confidence = \"high\"\n").unwrap();
    let (code, out, _) = common::gomemfix(
        dir.path(),
        &[
            "check",
            "--select",
            "ORG002",
            "--patterns",
            "rules",
            "--format",
            "json",
            ".",
        ],
    )
    .parts();
    assert_eq!(code, 1);
    let found = json(&out);
    let paths: Vec<&str> = found.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["a.go", "a.go"], "sub/ asks for high only: {out}");

    // The flag wins over every file.
    let (_, out, _) = common::gomemfix(
        dir.path(),
        &[
            "check",
            "--select",
            "ORG002",
            "--patterns",
            "rules",
            "--format",
            "json",
            "--confidence",
            "low",
            ".",
        ],
    )
    .parts();
    assert_eq!(json(&out).len(), 4, "{out}");

    std::fs::write(dir.path().join("gomemfix.toml"), "confidence = \"sure\"\n").unwrap();
    let (code, _, err) = common::gomemfix(
        dir.path(),
        &["check", "--select", "ORG002", "--patterns", "rules", "a.go"],
    )
    .parts();
    assert_eq!(code, 2);
    assert!(
        err.contains("`confidence` must be \"high\", \"medium\" or \"low\""),
        "{err}"
    );
}

#[test]
fn json_and_sarif_carry_the_level_and_the_rules_precision() {
    let dir = project();
    let base = [
        "check",
        "--select",
        "ORG002",
        "--patterns",
        "rules",
        "--confidence",
        "low",
    ];
    let mut args = base.to_vec();
    args.extend(["--format", "json", "a.go"]);
    let (_, out, _) = common::gomemfix(dir.path(), &args).parts();
    for f in json(&out) {
        assert_eq!(f["confidence"], "low", "{f}");
        assert_eq!(f["evidence"], Value::Array(vec![]), "{f}");
    }

    let mut args = base.to_vec();
    args.extend(["--format", "sarif", "a.go"]);
    let (_, out, _) = common::gomemfix(dir.path(), &args).parts();
    let sarif: Value = serde_json::from_str(&out).unwrap();
    let run = &sarif["runs"][0];
    let rule = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ORG002")
        .unwrap();
    assert_eq!(rule["properties"]["precision"], "low");
    for r in run["results"].as_array().unwrap() {
        assert_eq!(r["properties"]["confidence"], "low");
        // Below high a result is a note: code scanning shows it without gating on it.
        assert_eq!(r["level"], "note");
    }
}

/// A built-in rule's finding carries evidence items as data, in JSON and SARIF.
#[test]
fn evidence_reaches_json_and_sarif_related_locations() {
    let examples = common::manifest_dir().join("examples");
    let (_, out, _) = common::gomemfix(
        &examples,
        &["check", "--format", "json", "--confidence", "low", "."],
    )
    .parts();
    let found = json(&out);
    assert!(!found.is_empty());
    for f in &found {
        assert!(f["confidence"].is_string(), "{f}");
        assert!(f["evidence"].is_array(), "{f}");
    }
    let with: Vec<&Value> = found
        .iter()
        .filter(|f| !f["evidence"].as_array().unwrap().is_empty())
        .collect();
    assert!(
        !with.is_empty(),
        "the bundled examples' findings carry evidence: {out}"
    );
    let (_, out, _) = common::gomemfix(
        &examples,
        &["check", "--format", "sarif", "--confidence", "low", "."],
    )
    .parts();
    let sarif: Value = serde_json::from_str(&out).unwrap();
    let related: usize = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["relatedLocations"].as_array().map_or(0, Vec::len))
        .sum();
    let items: usize = with
        .iter()
        .map(|f| f["evidence"].as_array().unwrap().len())
        .sum();
    assert_eq!(related, items, "one related location per evidence item");
    for f in with {
        for e in f["evidence"].as_array().unwrap() {
            assert!(e["line"].as_u64().unwrap() >= 1, "{e}");
            assert!(!e["what"].as_str().unwrap().is_empty(), "{e}");
            let path = e["path"].as_str().unwrap();
            assert!(
                !path.starts_with('/'),
                "evidence paths are relative: {path}"
            );
        }
    }
}

/// The Markdown PR body says each finding's level; GitHub annotations make a
/// finding below high a notice, not a warning.
#[test]
fn markdown_and_github_say_the_level() {
    let dir = project();
    let base = [
        "check",
        "--select",
        "ORG002",
        "--patterns",
        "rules",
        "--confidence",
        "low",
    ];
    let mut args = base.to_vec();
    args.extend(["--format", "markdown", "a.go"]);
    let (_, out, _) = common::gomemfix(dir.path(), &args).parts();
    assert_eq!(
        out.matches("(safe fix; low confidence)").count(),
        2,
        "{out}"
    );

    let mut args = base.to_vec();
    args.extend(["--format", "github", "a.go"]);
    let (_, out, _) = common::gomemfix(dir.path(), &args).parts();
    let lines: Vec<&str> = out.lines().filter(|l| l.contains("ORG002")).collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines.iter().all(|l| l.starts_with("::notice ")), "{out}");
}
