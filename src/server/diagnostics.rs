//! One open document analysed as `gomemfix check` analyses a file (the same
//! `run::run_source` pipeline: the engine, GM100, the config's file filter),
//! with its package and module read from disk around it, and its findings as
//! diagnostics.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag,
    Location, NumberOrString, Position, Range,
};

use crate::cli::Settings;
use crate::finding::{Confidence, Finding};
use crate::run::{self, Mode, RunOptions};
use crate::source::SourceText;

use super::lines::{uri_of, Lines};

/// What the analysis of one version of a document found.
pub struct Analyzed {
    pub version: i32,
    /// The document's file (absolute).
    pub path: PathBuf,
    /// The folder paths in findings are shown relative to (the repository root).
    pub root: PathBuf,
    /// The text as the client holds it.
    pub client_text: Arc<String>,
    /// The text findings' offsets refer to (no BOM, LF); None when it is no
    /// UTF-8 text.
    pub src: Option<SourceText>,
    pub findings: Vec<Finding>,
    /// The parser read the whole file.
    pub parsed: bool,
    /// Lines (0-based, inclusive) of the top-level declarations the parser
    /// gave up in: findings there are withheld by the engine.
    pub broken: Vec<(u32, u32)>,
    pub settings: Arc<Settings>,
}

impl Analyzed {
    /// A path a finding names (shown relative to the root), made absolute.
    pub fn absolute(&self, shown: &Path) -> PathBuf {
        if shown.is_absolute() {
            shown.to_path_buf()
        } else {
            self.root.join(shown)
        }
    }

    /// The findings whose range holds `offset` (ends included: a cursor just
    /// after a call is on it).
    pub fn at(&self, offset: usize) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |f| f.start <= offset && offset <= f.end)
    }
}

pub fn analyze(settings: Arc<Settings>, path: &Path, version: i32, text: Arc<String>) -> Analyzed {
    let root = crate::walk::repo_root(path.parent().unwrap_or(Path::new("/")));
    let opts = RunOptions {
        mode: Mode::Check,
        unsafe_fixes: settings.unsafe_fixes,
        max_file_size: crate::source::DEFAULT_MAX_FILE_SIZE,
        base: root.clone(),
        cwd: root.clone(),
        files: settings.files.clone(),
        progress: false,
        report_unused_suppressions: settings.report_unused_suppressions,
        known_rules: settings.known_rules.clone(),
        cache_root: None,
    };
    let report = run::run_source(&settings.engine, path, text.as_bytes().to_vec(), &opts);
    let file = report.files.into_iter().next().unwrap_or_default();
    let src = SourceText::decode(text.as_bytes()).ok();
    let parsed = file.syntax_errors.is_empty();
    let broken = match (&src, parsed) {
        (Some(src), false) => broken_declarations(path, &src.text),
        _ => vec![],
    };
    Analyzed {
        version,
        path: path.to_path_buf(),
        root,
        src,
        client_text: text,
        findings: file.findings,
        parsed,
        broken,
        settings,
    }
}

/// The line spans of the top-level declarations holding a parse error.
fn broken_declarations(path: &Path, text: &str) -> Vec<(u32, u32)> {
    let file = crate::gofile::GoFile::parse(path, text, None);
    let root = file.root.root();
    root.children()
        .filter(|top| {
            let r = top.range();
            file.error_ranges
                .iter()
                .any(|&(s, e)| s < r.end.max(r.start + 1) && r.start < e.max(s + 1))
        })
        .map(|top| {
            let r = top.range();
            let line = |at: usize| (crate::finding::Position::of_offset(text, at).line - 1) as u32;
            (line(r.start), line(r.end))
        })
        .collect()
}

pub fn severity(c: Confidence) -> DiagnosticSeverity {
    match c {
        Confidence::High => DiagnosticSeverity::WARNING,
        Confidence::Medium => DiagnosticSeverity::INFORMATION,
        Confidence::Low => DiagnosticSeverity::HINT,
    }
}

pub fn diagnostics(a: &Analyzed, utf8: bool) -> Vec<Diagnostic> {
    let Some(src) = &a.src else {
        return vec![];
    };
    let lines = Lines::new(&src.text, utf8);
    a.findings
        .iter()
        .map(|f| diagnostic(a, f, &lines))
        .collect()
}

pub fn diagnostic(a: &Analyzed, f: &Finding, lines: &Lines) -> Diagnostic {
    let info = a.settings.infos.iter().find(|i| i.id == f.rule);
    let href = info
        .and_then(|i| i.help_uri.as_deref())
        .and_then(|h| h.parse().ok());
    let related: Vec<DiagnosticRelatedInformation> = f
        .evidence
        .iter()
        .map(|e| {
            let path = a.absolute(&e.path);
            let line = e.line.saturating_sub(1);
            let range = if path == a.path {
                lines.line_range(line)
            } else {
                let at = Position::new(line as u32, 0);
                Range::new(at, at)
            };
            DiagnosticRelatedInformation {
                location: Location::new(uri_of(&path), range),
                message: e.what.clone(),
            }
        })
        .collect();
    Diagnostic {
        range: lines.range(f.start, f.end),
        severity: Some(severity(f.confidence)),
        code: Some(NumberOrString::String(f.rule.clone())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("gomemfix".into()),
        message: format!("{} [{} confidence]", f.message, f.confidence),
        related_information: (!related.is_empty()).then_some(related),
        // A suppression that silences nothing is dead text.
        tags: (f.rule == crate::suppress::UNUSED_ID).then(|| vec![DiagnosticTag::UNNECESSARY]),
        data: None,
    }
}
