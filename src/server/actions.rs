//! Code actions: each finding's fix as a quick fix (the preferred one when it
//! is safe), "fix all" in the file (`source.fixAll.gomemfix`, what `gomemfix
//! fix FILE` writes), and a `//gomemfix:ignore` comment for each finding.
//! A fix that edits other files (GM003's callers, GM006's manifests) edits them
//! in the same workspace edit, computed against their text on disk.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use lsp_types::{CodeAction, CodeActionKind, Diagnostic, Range, TextEdit, Uri, WorkspaceEdit};
use serde_json::{json, Value};

use crate::engine::apply_foreign_edits;
use crate::finding::{self, Applicability, Edit, FileEdit, Finding};
use crate::package::Files;
use crate::source::SourceText;

use super::config::SettingsCache;
use super::diagnostics::{diagnostic, Analyzed};
use super::lines::{uri_of, Lines};

pub const FIX_ALL_KIND: &str = "source.fixAll.gomemfix";
/// `workspace/executeCommand`: fix all in the file whose URI is the argument
/// (the server sends the edit with `workspace/applyEdit`).
pub const FIX_ALL_COMMAND: &str = "gomemfix.fixAll";

/// What the client can take.
#[derive(Clone, Copy, Default)]
pub struct Client {
    pub utf8: bool,
    /// `workspace.workspaceEdit.snippetEditSupport` (LSP 3.18).
    pub snippets: bool,
}

/// The actions for `range` of the document, as JSON (a suppression's edit may
/// be a snippet edit, which lsp-types does not model yet).
pub fn code_actions(
    a: &Analyzed,
    uri: &Uri,
    range: Range,
    only: Option<&[CodeActionKind]>,
    client: Client,
    settings: &mut SettingsCache,
) -> Vec<Value> {
    let Some(src) = &a.src else {
        return vec![];
    };
    let wants = |kind: &str| {
        only.is_none_or(|o| {
            o.iter()
                .any(|k| kind == k.as_str() || kind.starts_with(&format!("{}.", k.as_str())))
        })
    };
    let lines = Lines::new(&src.text, client.utf8);
    let (from, to) = (lines.offset(range.start), lines.offset(range.end));
    let mut out = vec![];
    let here = a.findings.iter().filter(|f| f.start <= to && from <= f.end);
    for f in here {
        let diag = diagnostic(a, f, &lines);
        if wants(CodeActionKind::QUICKFIX.as_str()) {
            if let Some(action) = quick_fix(a, uri, f, &diag) {
                out.push(serde_json::to_value(action).expect("serialisable"));
            }
            if f.rule != crate::suppress::UNUSED_ID {
                out.push(suppress(a, uri, f, diag, &lines, client));
            }
        }
    }
    if wants(FIX_ALL_KIND) {
        if let Some(edit) = fix_all(a, uri, settings) {
            let action = CodeAction {
                title: fix_all_title(a),
                kind: Some(CodeActionKind::new(FIX_ALL_KIND)),
                edit: Some(edit),
                ..CodeAction::default()
            };
            out.push(serde_json::to_value(action).expect("serialisable"));
        }
    }
    out
}

fn fix_all_title(a: &Analyzed) -> String {
    if a.settings.unsafe_fixes {
        "gomemfix: fix all in this file (unsafe fixes too, as gomemfix.toml asks)".into()
    } else {
        "gomemfix: fix all safe findings in this file".into()
    }
}

fn quick_fix(a: &Analyzed, uri: &Uri, f: &Finding, diag: &Diagnostic) -> Option<CodeAction> {
    let fix = f.fix.as_ref()?;
    let src = a.src.as_ref()?;
    if !finding::well_formed(&src.text, &fix.edits) {
        return None;
    }
    let own = finding::apply_edits(&src.text, &fix.edits);
    let mut changes = HashMap::new();
    let edits = text_edits(&a.client_text, &encoded(src, &own), false);
    if !edits.is_empty() {
        changes.insert(uri.clone(), edits);
    }
    for (path, new_text, old_text) in other_files(a, &fix.other_files, None)? {
        changes.insert(uri_of(&path), text_edits(&old_text, &new_text, false));
    }
    let safe = fix.applicability == Applicability::Safe;
    let mut title = format!("{}: {}", f.rule, fix.description.trim_end_matches('.'));
    if !safe {
        title.push_str(" (unsafe)");
    }
    Some(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diag.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        is_preferred: Some(safe),
        ..CodeAction::default()
    })
}

/// The edits of fixes to other files applied to each file as it is on disk
/// (as `gomemfix fix` does): (path, new text, old text), both as on disk.
/// With `settings`, a Go file is then fixed too, as `fix`'s cross-file stage
/// does. None when an edit no longer fits its file.
fn other_files(
    a: &Analyzed,
    file_edits: &[FileEdit],
    mut settings: Option<&mut SettingsCache>,
) -> Option<Vec<(PathBuf, String, String)>> {
    let mut by_target: BTreeMap<PathBuf, Vec<&FileEdit>> = BTreeMap::new();
    for fe in file_edits {
        let path = a.absolute(&fe.path);
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        by_target.entry(path).or_default().push(fe);
    }
    let mut out = vec![];
    for (target, fes) in by_target {
        let bytes = std::fs::read(&target).ok()?;
        let src = SourceText::decode(&bytes).ok()?;
        let edits: Vec<Edit> = fes.iter().flat_map(|f| f.edits.iter().cloned()).collect();
        let imports: Vec<_> = fes.iter().flat_map(|f| f.imports.iter().cloned()).collect();
        let mut text = apply_foreign_edits(&target, &src.text, &edits, &imports).ok()?;
        if let Some(cache) = settings.as_deref_mut() {
            if target.extension().is_some_and(|x| x == "go") {
                let s = cache.for_file(&target).ok()?;
                let disk = Files::untracked();
                let module = disk.module_of(&target);
                text = s
                    .engine
                    .fix_in(&disk, &target, &text, module, s.unsafe_fixes)
                    .text;
            }
        }
        let old = String::from_utf8_lossy(&bytes).into_owned();
        out.push((target, encoded(&src, &text), old));
    }
    Some(out)
}

/// The workspace edit of `gomemfix fix FILE` for this document: its unused
/// suppressions dropped, then the engine's fix passes (safe fixes; unsafe
/// ones too when the settings allow them), then the edits those fixes make to
/// other files. None when nothing would change.
pub fn fix_all(a: &Analyzed, uri: &Uri, settings: &mut SettingsCache) -> Option<WorkspaceEdit> {
    let src = a.src.as_ref()?;
    if !a.findings.iter().any(|f| {
        f.fix
            .as_ref()
            .is_some_and(|x| x.applicability == Applicability::Safe || a.settings.unsafe_fixes)
    }) {
        return None;
    }
    // GM100's fixes first, as `fix` applies them (they touch only comments).
    let gm100: Vec<Edit> = a
        .findings
        .iter()
        .filter(|f| f.rule == crate::suppress::UNUSED_ID)
        .filter_map(|f| f.fix.as_ref())
        .flat_map(|x| x.edits.iter().cloned())
        .collect();
    let input = if finding::well_formed(&src.text, &gm100) {
        finding::apply_edits(&src.text, &gm100)
    } else {
        src.text.clone()
    };
    let disk = Files::untracked();
    let module = disk.module_of(&a.path);
    let s = &a.settings;
    let fixed = s
        .engine
        .fix_in(&disk, &a.path, &input, module, s.unsafe_fixes);
    let mut changes = HashMap::new();
    let edits = text_edits(&a.client_text, &encoded(src, &fixed.text), false);
    if !edits.is_empty() {
        changes.insert(uri.clone(), edits);
    }
    for (path, new_text, old_text) in other_files(a, &fixed.other_files, Some(settings))? {
        let edits = text_edits(&old_text, &new_text, false);
        if !edits.is_empty() {
            changes.insert(uri_of(&path), edits);
        }
    }
    (!changes.is_empty()).then(|| WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    })
}

/// `//gomemfix:ignore GMxxx <reason>` above the finding's line, indented as it
/// is; when the line above already holds such a comment, the code joins it
/// (a second comment would push the first off the line it silences).
fn suppress(
    a: &Analyzed,
    uri: &Uri,
    f: &Finding,
    diag: Diagnostic,
    lines: &Lines,
    client: Client,
) -> Value {
    let src = a.src.as_ref().expect("checked by the caller");
    let line = f.start_pos.line - 1;
    let start = lines.line_start(line);
    let text_of = |n: usize| {
        let s = lines.line_start(n);
        let e = lines.line_start(n + 1);
        src.text[s..e].trim_end_matches('\n')
    };
    let this = text_of(line);
    let indent = &this[..this.len() - this.trim_start().len()];
    let above = (line > 0).then(|| text_of(line - 1));
    let directive = "//gomemfix:ignore";
    let (at, plain, snippet) = match above.and_then(|t| t.find(directive).map(|i| (t, i))) {
        Some((t, i)) if t.trim_start().starts_with(directive) => {
            let after = i + directive.len();
            let gap = t[after..].len() - t[after..].trim_start().len();
            let at = lines.line_start(line - 1) + after + gap;
            let code = format!("{},", f.rule);
            (at, code.clone(), code)
        }
        _ => {
            let nl = if src.crlf { "\r\n" } else { "\n" };
            let head = format!("{indent}{directive} {} ", f.rule);
            (
                start,
                format!("{head}reason{nl}"),
                format!("{head}${{1:reason}}{nl}"),
            )
        }
    };
    let range = lines.range(at, at);
    let title = format!("{}: suppress on this line (//gomemfix:ignore)", f.rule);
    let diagnostics = serde_json::to_value(vec![diag]).expect("serialisable");
    let edit = if client.snippets {
        // LSP 3.18's SnippetTextEdit, the cursor left on the reason.
        json!({"documentChanges": [{
            "textDocument": {"uri": uri.as_str(), "version": a.version},
            "edits": [{"range": range, "snippet": {"kind": "snippet", "value": snippet}}],
        }]})
    } else {
        let mut changes = HashMap::new();
        changes.insert(
            uri.clone(),
            vec![TextEdit {
                range,
                new_text: plain,
            }],
        );
        serde_json::to_value(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        })
        .expect("serialisable")
    };
    json!({
        "title": title,
        "kind": "quickfix",
        "diagnostics": diagnostics,
        "edit": edit,
    })
}

/// A normalised text written back the way the file came (BOM, CRLF).
fn encoded(src: &SourceText, text: &str) -> String {
    String::from_utf8(src.encode(text)).expect("UTF-8 in, UTF-8 out")
}

/// Line-granular edits from `old` to `new` (whole lines replaced, so positions
/// are line starts and the position encoding does not matter).
pub fn text_edits(old: &str, new: &str, utf8: bool) -> Vec<TextEdit> {
    use similar::{DiffOp, TextDiff};
    if old == new {
        return vec![];
    }
    let diff = TextDiff::from_lines(old, new);
    let old_lines = Lines::new(old, utf8);
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let mut edits = vec![];
    for op in diff.ops() {
        let (o, n) = match *op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete {
                old_index, old_len, ..
            } => ((old_index, old_len), (0, 0)),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => ((old_index, 0), (new_index, new_len)),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => ((old_index, old_len), (new_index, new_len)),
        };
        let range = old_lines.range(old_lines.line_start(o.0), old_lines.line_start(o.0 + o.1));
        edits.push(TextEdit {
            range,
            new_text: new_lines[n.0..n.0 + n.1].concat(),
        });
    }
    edits
}

#[cfg(test)]
/// Applies edits from [`text_edits`] (or a client's) to `text`: the test of
/// the server's own edits, and what `workspace/applyEdit` asks of a client.
pub fn apply_text_edits(text: &str, edits: &[TextEdit], utf8: bool) -> String {
    let lines = Lines::new(text, utf8);
    let mut e: Vec<Edit> = edits
        .iter()
        .map(|t| {
            Edit::new(
                lines.offset(t.range.start),
                lines.offset(t.range.end),
                &*t.new_text,
            )
        })
        .collect();
    e.sort();
    finding::apply_edits(text, &e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_edits_rebuild_the_new_text() {
        let cases = [
            ("a\nb\nc\n", "a\nB\nc\n"),
            ("a\nb\nc", "a\nc"),
            ("a\n", "x\na\ny\n"),
            ("a\r\nb\r\n", "a\r\nz\r\nb\r\n"),
            ("", "package p\n"),
        ];
        for (old, new) in cases {
            let edits = text_edits(old, new, false);
            assert_eq!(
                apply_text_edits(old, &edits, false),
                new,
                "{old:?} → {new:?}"
            );
        }
    }
}
