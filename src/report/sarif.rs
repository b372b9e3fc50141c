//! `--format sarif`: a SARIF 2.1.0 log for GitHub code scanning and other SARIF
//! viewers. Rules go in `tool.driver.rules` with their docs as help; results carry
//! physical locations and, where there is one, the fix as `fixes[].artifactChanges`.
//!
//! SARIF counts columns in UTF-16 code units by default (`columnKind`), unlike the
//! byte columns of the text and JSON views, so regions are recomputed from the text.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::{suppressed, ReportOptions, RuleInfo};
use crate::finding::{Applicability, Confidence, Finding};
use crate::gofile::SYNTAX_ERROR_ID;
use crate::model::{finding_texts, RunReport};
use crate::rules::FixSafety;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Relative URIs are resolved against the folder gomemfix ran in (the checkout).
const SRCROOT: &str = "%SRCROOT%";

pub fn print(out: &mut dyn Write, report: &RunReport, opts: &ReportOptions) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(report, opts))?;
    writeln!(out)
}

/// The whole SARIF log as a JSON value.
pub fn log(report: &RunReport, opts: &ReportOptions) -> Value {
    let texts = finding_texts(report);
    let mut shown: Vec<(&Finding, bool)> = report
        .on_disk(opts.mode)
        .into_iter()
        .map(|f| (f, false))
        .collect();
    if opts.show_suppressed {
        shown.extend(suppressed(report).map(|f| (f, true)));
    }
    // The same code twice in a file gets `hash:0` and `hash:1`, as GitHub's own
    // line hashes do, so code scanning keeps them as two alerts.
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let results: Vec<Value> = shown
        .into_iter()
        .map(|(f, sup)| {
            let hash = crate::baseline::fingerprint(f);
            let n = seen
                .entry((super::unix(&f.path), hash.clone()))
                .or_default();
            let fp = format!("{hash}:{n}");
            *n += 1;
            result(
                f,
                texts.get(&f.path).map(String::as_str),
                opts,
                sup,
                fp,
                &report.root,
            )
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "gomemfix",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": opts.rules.iter().map(rule).collect::<Vec<_>>(),
            }},
            "invocations": [invocation(report)],
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    })
}

/// The run itself: whether it read every file, and one `toolExecutionNotifications`
/// entry (level `warning`, descriptor `GM000`) for each place the parser gave up,
/// located like a result, so a viewer shows which code was analysed only in part.
fn invocation(report: &RunReport) -> Value {
    let notes: Vec<Value> = report
        .syntax_errors()
        .map(|(path, n)| {
            json!({
                "level": "warning",
                "message": {"text": n.message},
                "descriptor": {"id": SYNTAX_ERROR_ID},
                "locations": [{"physicalLocation": {
                    "artifactLocation": artifact_of_shown(path),
                    "region": {
                        "startLine": n.start.line,
                        "startColumn": n.start_utf16,
                        "endLine": n.end.line,
                        "endColumn": n.end_utf16,
                    },
                }}],
            })
        })
        .collect();
    json!({
        "executionSuccessful": report.error_count() == 0,
        "toolExecutionNotifications": notes,
    })
}

/// A report path as an artifact location: relative to the repository root (the
/// run's root, see `walk::repo_root`), or an absolute `file://` URI outside it.
fn artifact_of_shown(path: &std::path::Path) -> Value {
    if path.is_absolute() {
        json!({"uri": format!("file://{}", super::unix(path))})
    } else {
        json!({"uri": super::unix(path), "uriBaseId": SRCROOT})
    }
}

fn level(severity: &str) -> &'static str {
    match severity {
        "error" => "error",
        "info" | "hint" => "note",
        _ => "warning",
    }
}

/// CodeQL's words for a rule's precision.
fn precision(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// A result's level: the rule's severity for a high-confidence finding, a note
/// for one the tool is less sure of (code scanning shows notes, and gates on
/// warnings and errors only).
fn result_level(f: &Finding) -> &'static str {
    match f.confidence {
        Confidence::High => level(&f.severity),
        Confidence::Medium | Confidence::Low => "note",
    }
}

fn rule(r: &RuleInfo) -> Value {
    // The message is the short description unless it is a template with metavariables.
    let short = if r.message.contains('$') {
        r.sentences("What it does", 1)
    } else {
        r.message.clone()
    };
    let full = r
        .section("What it does")
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| r.message.clone());
    let fix_safety = match r.fix_safety {
        FixSafety::Safe => "safe",
        FixSafety::Unsafe => "unsafe",
        FixSafety::ByCase => "safe-or-unsafe",
        FixSafety::None => "none",
    };
    let mut out = json!({
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": r.docs.trim(), "markdown": r.docs.trim()},
        "defaultConfiguration": {"level": level(&r.severity)},
        "properties": {
            "tags": ["go", "memory"],
            "fixSafety": fix_safety,
            "precision": precision(r.precision),
        },
    });
    if let Some(uri) = &r.help_uri {
        out["helpUri"] = json!(uri);
    }
    out
}

fn result(
    f: &Finding,
    text: Option<&str>,
    opts: &ReportOptions,
    is_suppressed: bool,
    fingerprint: String,
    root: &std::path::Path,
) -> Value {
    // Findings outside the folder gomemfix runs in keep an absolute `file://` URI.
    let here = artifact_of_shown(&f.path);
    let location = match text {
        Some(t) => region(t, f.start, f.end),
        None => json!({
            "startLine": f.start_pos.line,
            "endLine": f.end_pos.line,
        }),
    };
    let mut r = json!({
        "ruleId": f.rule,
        "level": result_level(f),
        "message": {"text": f.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": here.clone(),
            "region": location,
        }}],
        "partialFingerprints": {"gomemfix/v1": fingerprint},
        "properties": {"confidence": f.confidence.as_str()},
    });
    if !f.evidence.is_empty() {
        r["relatedLocations"] = f
            .evidence
            .iter()
            .enumerate()
            .map(|(i, e)| {
                json!({
                    "id": i,
                    "physicalLocation": {
                        "artifactLocation": artifact_of_shown(&e.path),
                        "region": {"startLine": e.line},
                    },
                    "message": {"text": e.what},
                })
            })
            .collect();
    }
    if let Some(i) = opts.rules.iter().position(|x| x.id == f.rule) {
        r["ruleIndex"] = json!(i);
    }
    if let (Some(fix), Some(t)) = (&f.fix, text) {
        let applicability = match fix.applicability {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        };
        let replacements = |text: &str, edits: &[crate::finding::Edit]| -> Vec<Value> {
            edits
                .iter()
                .map(|e| {
                    json!({
                        "deletedRegion": region(text, e.start, e.end),
                        "insertedContent": {"text": e.content},
                    })
                })
                .collect()
        };
        let mut changes = vec![];
        if !fix.edits.is_empty() {
            changes.push(json!({
                "artifactLocation": here,
                "replacements": replacements(t, &fix.edits),
            }));
        }
        // A cross-file fix (a caller, a Dockerfile): regions come from that file
        // as it is on disk, which is what the fix's offsets refer to.
        for fe in fix.other_files.iter().filter(|fe| !fe.edits.is_empty()) {
            let other = std::fs::read(root.join(&fe.path))
                .ok()
                .and_then(|b| crate::source::SourceText::decode(&b).ok())
                .map(|s| s.text)
                .unwrap_or_default();
            changes.push(json!({
                "artifactLocation": artifact_of_shown(&fe.path),
                "replacements": replacements(&other, &fe.edits),
            }));
        }
        if !changes.is_empty() {
            r["fixes"] = json!([{
                "description": {"text": format!("{} ({applicability} fix)", fix.description)},
                "artifactChanges": changes,
                "properties": {"applicability": applicability},
            }]);
        }
    }
    if is_suppressed {
        r["suppressions"] = json!([{"kind": "inSource"}]);
    }
    r
}

/// A SARIF region for a byte range of `text`, columns in UTF-16 code units.
pub fn region(text: &str, start: usize, end: usize) -> Value {
    let (sl, sc) = line_col_utf16(text, start);
    let (el, ec) = line_col_utf16(text, end);
    json!({"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec})
}

/// 1-based line and 1-based UTF-16 column of a byte offset.
pub fn line_col_utf16(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].encode_utf16().count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        let text = "a\nx := \"é𝄞\"; f()\n";
        let at = text.find("f()").unwrap();
        // `é` is 2 bytes and 1 unit, `𝄞` 4 bytes and 2 units.
        assert_eq!(line_col_utf16(text, at), (2, 13));
        assert_eq!(line_col_utf16(text, 0), (1, 1));
    }
}
