//! `gomemfix test-rules DIR`: the tests of a user's rules, as `ast-grep test`
//! runs them. Each `DIR/rule-tests/*.yml` names a rule and lists Go snippets:
//!
//! ```yaml
//! id: ORG001
//! valid:            # must not fire
//!   - "cache.Store(k, v)"
//! invalid:          # must fire
//!   - "cache.Put(k, v)"
//! ```
//!
//! A snippet that starts with `package` is a whole file; one with a top-level
//! `func`, `type`, `var`, `const` or `import` line gets `package p` put before it;
//! anything else is the body of a function.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::Engine;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleTest {
    id: String,
    #[serde(default)]
    valid: Vec<String>,
    #[serde(default)]
    invalid: Vec<String>,
}

/// Runs every test; exit 0 when all pass, 1 when one fails, 2 on a broken file.
pub fn run(dir: &Path, out: &mut dyn Write) -> anyhow::Result<i32> {
    let rules = crate::rules::with_patterns(Some(dir))?;
    let tests_dir = dir.join("rule-tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&tests_dir)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", tests_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")))
        .collect();
    files.sort();
    let mut by_id: BTreeMap<String, Vec<(PathBuf, RuleTest)>> = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
        let test: RuleTest = serde_saphyr::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        if !rules.iter().any(|r| r.id == test.id) {
            anyhow::bail!(
                "{}: no rule with id `{}` in {} or the bundled rules",
                file.display(),
                test.id,
                dir.display()
            );
        }
        by_id.entry(test.id.clone()).or_default().push((file, test));
    }
    let (mut passed, mut failed) = (0, 0);
    for rule in rules {
        let id = rule.id.clone();
        let own = rule.run.is_none();
        let Some(tests) = by_id.remove(&id) else {
            if own {
                writeln!(out, "{id}: no tests in {}", tests_dir.display())?;
            }
            continue;
        };
        let engine = Engine::new(vec![rule]);
        let fires = |snippet: &str| {
            let source = as_file(snippet);
            engine
                .analyze(Path::new("rule_test.go"), &source, None)
                .findings
                .iter()
                .any(|f| f.rule == id)
        };
        let mut problems = vec![];
        let (mut valid, mut invalid) = (0, 0);
        for (file, test) in &tests {
            for (i, snippet) in test.valid.iter().enumerate() {
                valid += 1;
                if fires(snippet) {
                    problems.push(format!(
                        "{}: valid #{}: reported, but should not be:\n{}",
                        file.display(),
                        i + 1,
                        indent(snippet)
                    ));
                }
            }
            for (i, snippet) in test.invalid.iter().enumerate() {
                invalid += 1;
                if !fires(snippet) {
                    problems.push(format!(
                        "{}: invalid #{}: not reported, but should be:\n{}",
                        file.display(),
                        i + 1,
                        indent(snippet)
                    ));
                }
            }
        }
        if problems.is_empty() {
            passed += 1;
            writeln!(out, "{id}: ok ({valid} valid, {invalid} invalid)")?;
        } else {
            failed += 1;
            writeln!(out, "{id}: FAILED")?;
            for p in problems {
                writeln!(out, "  {p}")?;
            }
        }
    }
    writeln!(out, "{passed} passed, {failed} failed")?;
    Ok(i32::from(failed > 0))
}

/// A snippet as a Go file (see the module docs).
pub fn as_file(snippet: &str) -> String {
    if snippet.trim_start().starts_with("package ") {
        return snippet.to_string();
    }
    let top_level = snippet.lines().any(|l| {
        ["func ", "type ", "var ", "const ", "import"]
            .iter()
            .any(|k| l.starts_with(k))
    });
    if top_level {
        format!("package p\n\n{snippet}\n")
    } else {
        format!("package p\n\nfunc _() {{\n{snippet}\n}}\n")
    }
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_become_files() {
        assert_eq!(as_file("package q\n"), "package q\n");
        assert_eq!(as_file("func f() {}"), "package p\n\nfunc f() {}\n");
        assert_eq!(as_file("x := 1"), "package p\n\nfunc _() {\nx := 1\n}\n");
    }
}
