//! `--baseline FILE`: report and fix only what a saved run did not already find,
//! so a team can turn a rule on over a large codebase and gate only new code.
//!
//! A baseline is the output of an earlier run. Findings are matched without line
//! numbers, so edits elsewhere in a file do not break the match:
//! - `check --format json > FILE` (the README's JSON contract, unchanged): the key is
//!   the rule, the path, the message and the shape of the matched code (its start
//!   and end columns and how many lines it spans). The JSON does not carry the
//!   matched text, and this shape is what of it survives in the contract.
//! - `check --format sarif > FILE`: the key is the rule, the path and a fingerprint
//!   of the matched code itself (`partialFingerprints["gomemfix/v1"]`, `hash:n`).
//!
//! Keys are counted: a baseline holding two identical findings in a file absorbs
//! two, and a third copy of the same code is new.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::finding::Finding;
use crate::walk::shown_from;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Shape {
        rule: String,
        path: String,
        message: String,
        column: usize,
        end_column: usize,
        lines: usize,
    },
    Code {
        rule: String,
        path: String,
        fingerprint: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// Paths in the file are relative to this folder: the repository root (see
    /// `walk::repo_root`), as every report's paths are.
    root: PathBuf,
    /// The folder the findings' own paths are relative to (the current folder).
    cwd: PathBuf,
    counts: HashMap<Key, usize>,
}

/// The fields of the JSON contract a baseline reads.
#[derive(Deserialize)]
struct SavedFinding {
    rule: String,
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: String,
}

impl Baseline {
    /// A stable digest of what the baseline holds (for the results cache's key).
    pub fn fingerprint(&self) -> u64 {
        let mut held: Vec<String> = self
            .counts
            .iter()
            .map(|(k, n)| format!("{k:?}={n}"))
            .collect();
        held.sort();
        crate::cache::hash_of((&self.root, &self.cwd, held))
    }

    /// The baseline in `file`, for a run in `cwd` (its paths are relative to the
    /// repository root above it).
    pub fn load(file: &Path, cwd: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("cannot read baseline {}: {e}", file.display()))?;
        let mut b = Self::parse(&text, &crate::walk::repo_root(cwd))
            .map_err(|e| anyhow::anyhow!("baseline {}: {e}", file.display()))?;
        b.cwd = cwd.to_path_buf();
        Ok(b)
    }

    /// A JSON findings array or a SARIF log whose paths are relative to `root`.
    pub fn parse(text: &str, root: &Path) -> anyhow::Result<Self> {
        let value: serde_json::Value = serde_json::from_str(text)?;
        let mut counts: HashMap<Key, usize> = HashMap::new();
        if value.is_array() {
            let saved: Vec<SavedFinding> = serde_json::from_value(value).map_err(|e| {
                anyhow::anyhow!("not the output of `gomemfix check --format json`: {e}")
            })?;
            // Where the parser gave up is not debt: no finding ever matches it.
            for s in saved
                .into_iter()
                .filter(|s| s.rule != crate::gofile::SYNTAX_ERROR_ID)
            {
                let key = Key::Shape {
                    rule: s.rule,
                    path: s.path,
                    message: s.message,
                    column: s.column,
                    end_column: s.end_column,
                    lines: s.end_line.saturating_sub(s.line),
                };
                *counts.entry(key).or_default() += 1;
            }
        } else if let Some(runs) = value.get("runs").and_then(|r| r.as_array()) {
            for result in runs
                .iter()
                .filter_map(|r| r.get("results")?.as_array())
                .flatten()
            {
                // A result suppressed in the source is not part of the debt.
                if result.get("suppressions").is_some() {
                    continue;
                }
                let get =
                    |v: Option<&serde_json::Value>| v.and_then(|x| x.as_str()).map(str::to_string);
                let rule = get(result.get("ruleId"));
                let path =
                    get(result.pointer("/locations/0/physicalLocation/artifactLocation/uri"))
                        .map(|u| u.strip_prefix("file://").map(str::to_string).unwrap_or(u));
                // `hash:n` numbers copies of the same code; the count below does that.
                let fingerprint = get(result.pointer("/partialFingerprints/gomemfix~1v1"))
                    .map(|f| f.split(':').next().unwrap_or_default().to_string());
                match (rule, path, fingerprint) {
                    (Some(rule), Some(path), Some(fingerprint)) => {
                        *counts
                            .entry(Key::Code {
                                rule,
                                path,
                                fingerprint,
                            })
                            .or_default() += 1;
                    }
                    _ => anyhow::bail!(
                        "a SARIF result lacks ruleId, a location or the gomemfix/v1 fingerprint"
                    ),
                }
            }
        } else {
            anyhow::bail!(
                "expected the output of `gomemfix check --format json` or `--format sarif`"
            );
        }
        Ok(Baseline {
            root: root.to_path_buf(),
            cwd: root.to_path_buf(),
            counts,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Which of one file's findings (in position order) the baseline holds.
    pub fn holds(&self, findings: &[&Finding]) -> Vec<bool> {
        let mut left = self.counts.clone();
        findings
            .iter()
            .map(|f| {
                for key in self.keys(f) {
                    if let Some(n) = left.get_mut(&key).filter(|n| **n > 0) {
                        *n -= 1;
                        return true;
                    }
                }
                false
            })
            .collect()
    }

    fn keys(&self, f: &Finding) -> [Key; 2] {
        let path = crate::walk::unix_path(&shown_from(&f.path, &self.cwd, &self.root));
        [
            Key::Code {
                rule: f.rule.clone(),
                path: path.clone(),
                fingerprint: fingerprint(f),
            },
            Key::Shape {
                rule: f.rule.clone(),
                path,
                message: f.message.clone(),
                column: f.start_pos.column,
                end_column: f.end_pos.column,
                lines: f.end_pos.line - f.start_pos.line,
            },
        ]
    }
}

/// A stable hash of the rule and the matched code with its white space collapsed
/// (FNV-1a, 64 bits, hex): the same code in the same file keeps its fingerprint
/// when lines move.
pub fn fingerprint(f: &Finding) -> String {
    let code = f.snippet.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in f.rule.bytes().chain([0]).chain(code.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Position;

    fn finding(line: usize, snippet: &str) -> Finding {
        Finding {
            rule: "GM005".into(),
            name: "gc-in-loop".into(),
            severity: "warning".into(),
            path: PathBuf::from("/repo/a/x.go"),
            start: 0,
            end: snippet.len(),
            start_pos: Position { line, column: 3 },
            end_pos: Position {
                line,
                column: 3 + snippet.len(),
            },
            message: "m".into(),
            snippet: snippet.into(),
            confidence: crate::finding::Confidence::High,
            evidence: vec![],
            fix: None,
        }
    }

    #[test]
    fn json_baseline_ignores_lines_and_counts_copies() {
        let json = r#"[{"rule":"GM005","name":"gc-in-loop","severity":"warning","path":"a/x.go",
            "line":10,"column":3,"end_line":10,"end_column":15,"message":"m","fix":null}]"#;
        let b = Baseline::parse(json, Path::new("/repo")).unwrap();
        let moved = finding(40, "runtime.GC()");
        let copy = finding(50, "runtime.GC()");
        assert_eq!(b.holds(&[&moved, &copy]), vec![true, false]);
    }

    #[test]
    fn sarif_baseline_matches_the_code() {
        let f = finding(7, "runtime.GC()");
        let sarif = format!(
            r#"{{"runs":[{{"results":[{{"ruleId":"GM005","locations":[{{"physicalLocation":
            {{"artifactLocation":{{"uri":"a/x.go"}}}}}}],"partialFingerprints":{{"gomemfix/v1":"{}"}}}}]}}]}}"#,
            fingerprint(&f)
        );
        let b = Baseline::parse(&sarif, Path::new("/repo")).unwrap();
        assert_eq!(b.holds(&[&finding(99, "runtime.GC()")]), vec![true]);
        assert_eq!(b.holds(&[&finding(7, "rt.GC()")]), vec![false]);
    }

    #[test]
    fn rejects_other_json() {
        assert!(Baseline::parse("{}", Path::new(".")).is_err());
        assert!(Baseline::parse("[{\"x\":1}]", Path::new(".")).is_err());
    }
}
