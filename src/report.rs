//! Views over the findings of a run: `text` for people, `json` for scripts and bots.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::finding::{Applicability, Finding, Position};
use crate::run::{Mode, RunReport};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// The JSON contract: one object per finding, lines and columns 1-based
/// (columns count bytes, as Go tools do).
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
    pub fix: Option<JsonFix<'a>>,
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

/// Edit positions need the text the finding was made on.
pub fn to_json<'a>(f: &'a Finding, text: Option<&str>) -> JsonFinding<'a> {
    JsonFinding {
        rule: &f.rule,
        name: &f.name,
        severity: &f.severity,
        path: f.path.to_string_lossy().replace('\\', "/"),
        line: f.start_pos.line,
        column: f.start_pos.column,
        end_line: f.end_pos.line,
        end_column: f.end_pos.column,
        message: &f.message,
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
                    let other = std::fs::read(&fe.path)
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

pub fn print(
    out: &mut dyn Write,
    report: &RunReport,
    format: Format,
    mode: Mode,
    unsafe_fixes: bool,
) -> io::Result<()> {
    match format {
        Format::Json => {
            let texts = crate::run::finding_texts(report);
            let items: Vec<JsonFinding> = report
                .findings()
                .map(|f| to_json(f, texts.get(&f.path).map(String::as_str)))
                .collect();
            serde_json::to_writer_pretty(&mut *out, &items)?;
            writeln!(out)
        }
        Format::Text => print_text(out, report, mode, unsafe_fixes),
    }
}

fn print_text(
    out: &mut dyn Write,
    report: &RunReport,
    mode: Mode,
    unsafe_fixes: bool,
) -> io::Result<()> {
    for f in report.findings() {
        writeln!(
            out,
            "{}:{}:{}: {} [{}] {}",
            f.path.display(),
            f.start_pos.line,
            f.start_pos.column,
            f.rule,
            f.name,
            f.message
        )?;
    }
    let total = report.findings().count();
    let suppressed: usize = report.files.iter().map(|f| f.suppressed.len()).sum();
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in report.findings() {
        *per_rule.entry(&f.rule).or_default() += 1;
    }
    let by_rule = per_rule
        .iter()
        .map(|(r, n)| format!("{r}: {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let suppressed_note = if suppressed > 0 {
        format!(", {suppressed} suppressed")
    } else {
        String::new()
    };
    match mode {
        Mode::Check => {
            let safe = report
                .findings()
                .filter(|f| {
                    f.fix
                        .as_ref()
                        .is_some_and(|x| x.applicability == Applicability::Safe)
                })
                .count();
            let unsafe_ = report
                .findings()
                .filter(|f| {
                    f.fix
                        .as_ref()
                        .is_some_and(|x| x.applicability == Applicability::Unsafe)
                })
                .count();
            if total == 0 {
                writeln!(
                    out,
                    "No findings in {} files{suppressed_note}.",
                    report.files_scanned
                )
            } else {
                writeln!(
                    out,
                    "Found {total} finding{} ({by_rule}){suppressed_note}; {safe} fixable with `gomemfix fix`, {unsafe_} more with `--unsafe-fixes`.",
                    plural(total)
                )
            }
        }
        Mode::Fix { write } => {
            let fixed = report.fixed().count();
            let files = report.files.iter().filter(|f| !f.fixed.is_empty()).count();
            let verb = if write { "Fixed" } else { "Would fix" };
            let hint = if !unsafe_fixes
                && report.findings().any(|f| {
                    f.fix
                        .as_ref()
                        .is_some_and(|x| x.applicability == Applicability::Unsafe)
                }) {
                " (some need --unsafe-fixes)"
            } else {
                ""
            };
            writeln!(
                out,
                "{verb} {fixed} finding{} in {files} file{}; {total} remaining{hint}{suppressed_note}.",
                plural(fixed),
                plural(files)
            )
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
