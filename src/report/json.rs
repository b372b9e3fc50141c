//! `--format json`: the contract README documents, one object per finding, lines
//! and columns 1-based (columns count bytes, as Go tools do). Change nothing here
//! without changing README: scripts and saved baselines read this shape.

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::{Applicability, Confidence, Finding, Position};
use crate::gofile::{SyntaxNote, SYNTAX_ERROR_ID, SYNTAX_ERROR_NAME};
use crate::model::{Mode, RunReport};
use std::path::Path;

#[derive(Serialize)]
pub struct JsonFinding<'a> {
    pub rule: &'a str,
    pub name: &'a str,
    pub severity: &'a str,
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: &'a str,
    /// `high`, `medium` or `low`; syntax-error entries have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// Why it is a bug, place by place; syntax-error entries have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Vec<JsonEvidence<'a>>>,
    pub fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
pub struct JsonEvidence<'a> {
    pub path: String,
    pub line: usize,
    pub what: &'a str,
}

#[derive(Serialize)]
pub struct JsonFix<'a> {
    pub applicability: Applicability,
    pub description: &'a str,
    pub edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
pub struct JsonEdit<'a> {
    /// Set only for an edit to another file than the finding's (a cross-file fix).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub content: &'a str,
}

/// Where the parser gave up, as an entry of the findings' shape (rule `GM000`,
/// name `syntax-error`, no fix), so the array keeps its contract; README says how
/// to tell the two apart. It is not a finding: it changes no exit code.
fn syntax_error_entry<'a>(path: &Path, n: &'a SyntaxNote) -> JsonFinding<'a> {
    JsonFinding {
        rule: SYNTAX_ERROR_ID,
        name: SYNTAX_ERROR_NAME,
        severity: "warning",
        path: super::unix(path),
        line: n.start.line,
        column: n.start.column,
        end_line: n.end.line,
        end_column: n.end.column,
        message: &n.message,
        confidence: None,
        evidence: None,
        fix: None,
    }
}

/// Edit positions need the text the finding was made on.
pub fn to_json<'a>(f: &'a Finding, text: Option<&str>, root: &Path) -> JsonFinding<'a> {
    JsonFinding {
        rule: &f.rule,
        name: &f.name,
        severity: &f.severity,
        path: super::unix(&f.path),
        line: f.start_pos.line,
        column: f.start_pos.column,
        end_line: f.end_pos.line,
        end_column: f.end_pos.column,
        message: &f.message,
        confidence: Some(f.confidence),
        evidence: Some(
            f.evidence
                .iter()
                .map(|e| JsonEvidence {
                    path: super::unix(&e.path),
                    line: e.line,
                    what: &e.what,
                })
                .collect(),
        ),
        fix: f.fix.as_ref().map(|fix| JsonFix {
            applicability: fix.applicability,
            description: &fix.description,
            edits: fix
                .edits
                .iter()
                .map(|e| {
                    let (s, t) = match text {
                        Some(t) => (
                            Position::of_offset(t, e.start),
                            Position::of_offset(t, e.end),
                        ),
                        None => (f.start_pos, f.end_pos),
                    };
                    JsonEdit {
                        path: None,
                        start_line: s.line,
                        start_column: s.column,
                        end_line: t.line,
                        end_column: t.column,
                        content: &e.content,
                    }
                })
                .chain(fix.other_files.iter().flat_map(|fe| {
                    // Positions in another file need its text, as the fix saw it.
                    let other = std::fs::read(root.join(&fe.path))
                        .ok()
                        .and_then(|b| crate::source::SourceText::decode(&b).ok())
                        .map(|s| s.text)
                        .unwrap_or_default();
                    let shown = fe.path.to_string_lossy().replace('\\', "/");
                    fe.edits
                        .iter()
                        .map(|e| {
                            let (s, t) = (
                                Position::of_offset(&other, e.start),
                                Position::of_offset(&other, e.end),
                            );
                            JsonEdit {
                                path: Some(shown.clone()),
                                start_line: s.line,
                                start_column: s.column,
                                end_line: t.line,
                                end_column: t.column,
                                content: &e.content,
                            }
                        })
                        .collect::<Vec<_>>()
                }))
                .collect(),
        }),
    }
}

pub fn print(out: &mut dyn Write, report: &RunReport, mode: Mode) -> io::Result<()> {
    let texts = crate::model::finding_texts(report);
    let mut items: Vec<JsonFinding> = report
        .on_disk(mode)
        .into_iter()
        .map(|f| to_json(f, texts.get(&f.path).map(String::as_str), &report.root))
        .collect();
    if report.syntax_errors().next().is_some() {
        items.extend(
            report
                .syntax_errors()
                .map(|(path, n)| syntax_error_entry(path, n)),
        );
        // Each file's entries by position, files in the run's order (stable: the
        // findings keep their order).
        let order: std::collections::HashMap<String, usize> = report
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (super::unix(&f.path), i))
            .collect();
        items.sort_by_key(|j| (order.get(&j.path).copied(), j.line, j.column));
    }
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}
