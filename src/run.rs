//! One run over many files: walk, read, prefilter, analyse or fix in parallel,
//! and gather per-file reports in path order for the one printer.

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diff;
use crate::engine::Engine;
use crate::finding::Finding;
use crate::gomod::ModuleCache;
use crate::source::{is_generated, LoadError, SourceText};
use crate::walk::{self, Candidate};
use crate::write::write_atomic;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    /// Apply fixes; `write: false` only computes the diff.
    Fix {
        write: bool,
    },
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub mode: Mode,
    pub unsafe_fixes: bool,
    pub max_file_size: u64,
    /// Paths in reports and diffs are shown relative to this folder.
    pub base: PathBuf,
}

#[derive(Debug, Default)]
pub struct FileReport {
    /// As shown: relative to the base folder when inside it.
    pub path: PathBuf,
    /// In check mode every finding; in fix mode what is left after fixing.
    pub findings: Vec<Finding>,
    pub fixed: Vec<Finding>,
    pub suppressed: Vec<Finding>,
    pub diff: String,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// The normalised text the findings' offsets refer to (kept only for files with findings).
    pub text: Option<String>,
}

#[derive(Debug, Default)]
pub struct RunReport {
    pub files: Vec<FileReport>,
    pub errors: Vec<String>,
    pub files_scanned: usize,
}

impl RunReport {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.findings.iter())
    }
    pub fn fixed(&self) -> impl Iterator<Item = &Finding> {
        self.files.iter().flat_map(|f| f.fixed.iter())
    }
    pub fn error_count(&self) -> usize {
        self.errors.len() + self.files.iter().map(|f| f.errors.len()).sum::<usize>()
    }
    pub fn diff(&self) -> String {
        self.files.iter().map(|f| f.diff.as_str()).collect()
    }
}

pub fn run(engine: &Engine, paths: &[PathBuf], opts: &RunOptions) -> RunReport {
    let walked = walk::collect(paths);
    let modules = ModuleCache::default();
    let mut files: Vec<FileReport> = walked
        .files
        .par_iter()
        .map(|c| process(engine, &modules, c, opts))
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let files_scanned = files.len();
    files.retain(|f| {
        !(f.findings.is_empty()
            && f.fixed.is_empty()
            && f.suppressed.is_empty()
            && f.errors.is_empty()
            && f.warnings.is_empty())
    });
    RunReport {
        files,
        errors: walked.errors,
        files_scanned,
    }
}

fn process(
    engine: &Engine,
    modules: &ModuleCache,
    cand: &Candidate,
    opts: &RunOptions,
) -> FileReport {
    let shown = walk::display_path(&cand.path, &opts.base);
    let mut report = FileReport {
        path: shown.clone(),
        ..FileReport::default()
    };
    let bytes = match read_limited(&cand.path, opts.max_file_size) {
        Ok(b) => b,
        Err(msg) => {
            report.errors.push(msg);
            return report;
        }
    };
    let src = match SourceText::decode(&bytes) {
        Ok(s) => s,
        Err(e) => {
            report.errors.push(e.to_string());
            return report;
        }
    };
    if (!cand.explicit && is_generated(&src.text)) || !engine.may_match(src.text.as_bytes()) {
        return report;
    }
    let module = modules.module_of(&cand.path);
    let relabel = |mut fs: Vec<Finding>| {
        for f in &mut fs {
            f.path = shown.clone();
        }
        fs
    };
    match opts.mode {
        Mode::Check => {
            let a = engine.analyze(&cand.path, &src.text, module);
            if a.partly_parsed {
                report.warnings.push(partial_parse_warning());
            }
            report.findings = relabel(a.findings);
            report.suppressed = relabel(a.suppressed);
            if !report.findings.is_empty() {
                report.text = Some(src.text.clone());
            }
        }
        Mode::Fix { write } => {
            let out = engine.fix(&cand.path, &src.text, module, opts.unsafe_fixes);
            if out.remaining.partly_parsed {
                report.warnings.push(partial_parse_warning());
            }
            if !out.converged {
                report
                    .warnings
                    .push("fixes did not converge; some were left for a later run".into());
            }
            for r in &out.refused {
                report.warnings.push(format!(
                    "{}:{}: {} fix refused: its result did not parse",
                    shown.display(),
                    r.start_pos.line,
                    r.rule
                ));
            }
            report.findings = relabel(out.remaining.findings);
            report.suppressed = relabel(out.remaining.suppressed);
            if !report.findings.is_empty() {
                report.text = Some(out.text.clone());
            }
            if out.text != src.text {
                let new_bytes = src.encode(&out.text);
                if write {
                    match write_atomic(&cand.path, &bytes, &new_bytes) {
                        Ok(()) => report.fixed = relabel(out.fixed),
                        Err(e) => report.errors.push(e.to_string()),
                    }
                } else {
                    report.fixed = relabel(out.fixed);
                    let old = String::from_utf8_lossy(&bytes);
                    let new = String::from_utf8_lossy(&new_bytes);
                    report.diff = diff::unified(&unix_path(&shown), &old, &new);
                }
            }
        }
    }
    report
}

/// Path → the text the findings of that file were made on.
pub fn finding_texts(report: &RunReport) -> std::collections::HashMap<PathBuf, String> {
    report
        .files
        .iter()
        .filter_map(|f| f.text.clone().map(|t| (f.path.clone(), t)))
        .collect()
}

fn partial_parse_warning() -> String {
    "parsed only in part (syntax the parser does not know); nothing reported or fixed near it"
        .into()
}

fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let meta = fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > limit {
        return Err(LoadError::TooLarge {
            size: meta.len(),
            limit,
        }
        .to_string());
    }
    fs::read(path).map_err(|e| format!("cannot read: {e}"))
}

fn unix_path(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}
