//! One run over many files: walk, read, prefilter, analyse or fix in parallel,
//! then a cross-file stage for fixes that edit other files, then one writer, and
//! per-file reports in path order for the one printer.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diff;
use crate::engine::{apply_foreign_edits, Engine};
use crate::filter::FileFilter;
use crate::finding::{FileEdit, Finding};
use crate::gomod::ModuleCache;
use crate::source::{is_generated, LoadError, SourceText};
use crate::walk::{self, Candidate};
use crate::write::write_atomic;

pub use crate::model::{FileReport, Mode, RunReport};

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub mode: Mode,
    pub unsafe_fixes: bool,
    pub max_file_size: u64,
    /// Paths in reports and diffs are shown relative to this folder.
    pub base: PathBuf,
    /// `exclude` globs and `--shard K/N`.
    pub files: FileFilter,
    /// Draw a progress bar on stderr (the CLI decides: a terminal, not CI).
    pub progress: bool,
    /// Report `//gomemfix:ignore` comments that silence nothing (GM100).
    pub report_unused_suppressions: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            mode: Mode::Check,
            unsafe_fixes: false,
            max_file_size: crate::source::DEFAULT_MAX_FILE_SIZE,
            base: PathBuf::from("."),
            files: FileFilter::default(),
            progress: false,
            report_unused_suppressions: false,
        }
    }
}

/// A file's new content, waiting for the cross-file stage and the writer.
struct Pending {
    /// The path to write (as walked, not as shown).
    path: PathBuf,
    original: Vec<u8>,
    src: SourceText,
    new_text: String,
}

struct Processed {
    report: FileReport,
    pending: Option<Pending>,
    other_files: Vec<FileEdit>,
}

pub fn run(engine: &Engine, paths: &[PathBuf], opts: &RunOptions) -> RunReport {
    let mut walked = walk::collect(paths);
    if !opts.files.is_empty() {
        walked
            .files
            .retain(|c| opts.files.keeps(&c.path, &opts.base));
    }
    let modules = ModuleCache::default();
    let bar = progress_bar(opts.progress, walked.files.len());
    let mut processed: Vec<Processed> = walked
        .files
        .par_iter()
        .map(|c| {
            let p = process(engine, &modules, c, None, opts);
            bar.inc(1);
            p
        })
        .collect();
    bar.finish_and_clear();
    let files_scanned = processed.len();
    if matches!(opts.mode, Mode::Fix { .. }) {
        cross_file_stage(engine, &modules, &mut processed, opts);
    }
    let mut files: Vec<FileReport> = processed
        .into_iter()
        .map(|p| finish(p, opts))
        .filter(|f| {
            !(f.findings.is_empty()
                && f.fixed.is_empty()
                && f.suppressed.is_empty()
                && f.errors.is_empty()
                && f.warnings.is_empty()
                && f.diff.is_empty()
                && f.baselined == 0)
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    RunReport {
        files,
        errors: walked.errors,
        files_scanned,
    }
}

/// One file whose content is given rather than read (`--stdin-filename PATH`),
/// through the same pipeline as a walked file. The file is the whole world: a
/// fix that must also edit other files is not applied (the engine leaves the
/// finding reported, saying so), and nothing is written.
pub fn run_source(engine: &Engine, path: &Path, bytes: Vec<u8>, opts: &RunOptions) -> RunReport {
    let cand = Candidate {
        path: path.to_path_buf(),
        explicit: true,
    };
    let mut report = RunReport {
        files_scanned: 1,
        ..RunReport::default()
    };
    if !opts.files.keeps(path, &opts.base) {
        return report;
    }
    let modules = ModuleCache::default();
    let mut p = process(engine, &modules, &cand, Some(bytes.clone()), opts);
    let shown = p.report.path.clone();
    // The diff is of what came in, whatever the file on disk holds.
    let mut file = match p.pending.take() {
        Some(pending) => {
            let new_bytes = pending.src.encode(&pending.new_text);
            let mut r = p.report;
            r.diff = diff::unified(
                &walk::unix_path(&shown),
                &String::from_utf8_lossy(&bytes),
                &String::from_utf8_lossy(&new_bytes),
            );
            r.fixed_text = Some(new_bytes);
            r
        }
        None => p.report,
    };
    if file.fixed_text.is_none() && matches!(opts.mode, Mode::Fix { .. }) {
        file.fixed_text = Some(bytes);
    }
    report.files.push(file);
    report
}

/// The benchmark floor: every file the walk yields is read and parsed, with no
/// prefilter and no rules. Returns (files parsed, files that could not be read).
pub fn parse_only(paths: &[PathBuf], max_file_size: u64) -> (usize, usize) {
    let walked = walk::collect(paths);
    let parsed: Vec<bool> = walked
        .files
        .par_iter()
        .map(|c| {
            let Ok(Some(bytes)) = read_limited(&c.path, max_file_size, c.explicit) else {
                return false;
            };
            let Ok(src) = SourceText::decode(&bytes) else {
                return false;
            };
            if !c.explicit && is_generated(&src.text) {
                return true;
            }
            let file = crate::gofile::GoFile::parse(&c.path, &src.text, None);
            std::hint::black_box(file.error_ranges.len());
            true
        })
        .collect();
    let ok = parsed.iter().filter(|&&p| p).count();
    (ok, parsed.len() - ok + walked.errors.len())
}

fn process(
    engine: &Engine,
    modules: &ModuleCache,
    cand: &Candidate,
    given: Option<Vec<u8>>,
    opts: &RunOptions,
) -> Processed {
    let shown = walk::display_path(&cand.path, &opts.base);
    let mut out = Processed {
        report: FileReport {
            path: shown.clone(),
            ..FileReport::default()
        },
        pending: None,
        other_files: vec![],
    };
    let report = &mut out.report;
    let read = match given {
        Some(b) => Ok(Some(b)),
        None => read_limited(&cand.path, opts.max_file_size, cand.explicit),
    };
    let bytes = match read {
        Ok(Some(b)) => b,
        Ok(None) => return out,
        Err(msg) => {
            report.errors.push(msg);
            return out;
        }
    };
    let src = match SourceText::decode(&bytes) {
        Ok(s) => s,
        Err(e) => {
            report.errors.push(e.to_string());
            return out;
        }
    };
    if !cand.explicit && is_generated(&src.text) {
        return out;
    }
    if !engine.may_match(src.text.as_bytes()) {
        if opts.report_unused_suppressions {
            report.findings = unused_suppressions(engine, &cand.path, &src.text, &[], &shown);
            if !report.findings.is_empty() {
                report.text = Some(src.text.clone());
            }
        }
        return out;
    }
    let module = modules.module_of(&cand.path);
    match opts.mode {
        Mode::Check => {
            let a = engine.analyze(&cand.path, &src.text, module);
            if a.partly_parsed {
                report.warnings.push(partial_parse_warning());
            }
            report.findings = relabel(a.findings, &shown);
            report.suppressed = relabel(a.suppressed, &shown);
            report.baselined = a.baselined;
            if opts.report_unused_suppressions {
                let unused =
                    unused_suppressions(engine, &cand.path, &src.text, &report.suppressed, &shown);
                report.findings.extend(unused);
                report
                    .findings
                    .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            }
            if !report.findings.is_empty() || !report.suppressed.is_empty() {
                report.text = Some(src.text.clone());
            }
        }
        Mode::Fix { .. } => {
            let fixed = engine.fix(&cand.path, &src.text, module, opts.unsafe_fixes);
            if fixed.remaining.partly_parsed {
                report.warnings.push(partial_parse_warning());
            }
            if !fixed.converged {
                report
                    .warnings
                    .push("fixes did not converge; some were left for a later run".into());
            }
            for r in &fixed.refused {
                report.warnings.push(format!(
                    "line {}: {} fix refused: its result did not parse",
                    r.start_pos.line, r.rule
                ));
            }
            for (aside, applied) in &fixed.overlapped {
                report.warnings.push(format!(
                    "line {}: {} fix overlaps the {} fix applied there; {} fix not applied",
                    aside.start_pos.line, aside.rule, applied.rule, aside.rule
                ));
            }
            report.findings = relabel(fixed.remaining.findings, &shown);
            report.suppressed = relabel(fixed.remaining.suppressed, &shown);
            report.baselined = fixed.remaining.baselined;
            if opts.report_unused_suppressions {
                let unused = unused_suppressions(
                    engine,
                    &cand.path,
                    &fixed.text,
                    &report.suppressed,
                    &shown,
                );
                report.findings.extend(unused);
                report
                    .findings
                    .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            }
            if !report.findings.is_empty() || !report.suppressed.is_empty() {
                report.text = Some(fixed.text.clone());
            }
            out.other_files = fixed.other_files;
            // A fix may edit other files only (a Dockerfile, a manifest).
            report.fixed = relabel(fixed.fixed, &shown);
            if fixed.text != src.text {
                out.pending = Some(Pending {
                    path: cand.path.clone(),
                    original: bytes,
                    src,
                    new_text: fixed.text,
                });
            }
        }
    }
    out
}

/// Applies the edits fixes made to other files: on top of that file's own
/// fixes when it was processed, else on its content on disk. A Go file is then
/// fixed again, so its own findings are handled on the new text.
fn cross_file_stage(
    engine: &Engine,
    modules: &ModuleCache,
    processed: &mut Vec<Processed>,
    opts: &RunOptions,
) {
    let mut by_target: BTreeMap<PathBuf, Vec<FileEdit>> = BTreeMap::new();
    for p in processed.iter_mut() {
        for fe in p.other_files.drain(..) {
            by_target.entry(canonical(&fe.path)).or_default().push(fe);
        }
    }
    for (target, file_edits) in by_target {
        let idx = processed.iter().position(|p| {
            p.pending
                .as_ref()
                .map_or(false, |pd| canonical(&pd.path) == target)
                || canonical(&opts.base.join(&p.report.path)) == target
        });
        let idx = match idx {
            Some(i) => i,
            None => {
                processed.push(Processed {
                    report: FileReport {
                        path: walk::display_path(&file_edits[0].path, &opts.base),
                        ..FileReport::default()
                    },
                    pending: None,
                    other_files: vec![],
                });
                processed.len() - 1
            }
        };
        let entry = &mut processed[idx];
        // Cross-file edits are computed against the file as it is on disk.
        let original = match fs::read(&target) {
            Ok(b) => b,
            Err(e) => {
                entry
                    .report
                    .errors
                    .push(format!("cannot read for a cross-file fix: {e}"));
                continue;
            }
        };
        let src = match SourceText::decode(&original) {
            Ok(s) => s,
            Err(e) => {
                entry.report.errors.push(e.to_string());
                continue;
            }
        };
        let edits: Vec<_> = file_edits
            .iter()
            .flat_map(|f| f.edits.iter().cloned())
            .collect();
        let imports: Vec<_> = file_edits
            .iter()
            .flat_map(|f| f.imports.iter().cloned())
            .collect();
        let mut text = match apply_foreign_edits(&target, &src.text, &edits, &imports) {
            Ok(t) => t,
            Err(why) => {
                entry
                    .report
                    .errors
                    .push(format!("cross-file fix not applied: {why}"));
                continue;
            }
        };
        if target.extension().is_some_and(|x| x == "go") {
            let again = engine.fix(
                &target,
                &text,
                modules.module_of(&target),
                opts.unsafe_fixes,
            );
            let shown = entry.report.path.clone();
            entry.report.findings = relabel(again.remaining.findings, &shown);
            entry.report.fixed = relabel(again.fixed, &shown);
            if !entry.report.findings.is_empty() {
                entry.report.text = Some(again.text.clone());
            }
            text = again.text;
        }
        entry.pending = Some(Pending {
            path: target,
            original,
            src,
            new_text: text,
        });
    }
}

/// Writes (or diffs) a file's pending content and returns its report.
fn finish(p: Processed, opts: &RunOptions) -> FileReport {
    let mut report = p.report;
    let Some(pending) = p.pending else {
        return report;
    };
    if pending.new_text == pending.src.text {
        return report;
    }
    let new_bytes = pending.src.encode(&pending.new_text);
    match opts.mode {
        Mode::Fix { write: true } => {
            if let Err(e) = write_atomic(&pending.path, &pending.original, &new_bytes) {
                report.errors.push(e.to_string());
                report.fixed.clear();
            }
        }
        _ => {
            let old = String::from_utf8_lossy(&pending.original);
            let new = String::from_utf8_lossy(&new_bytes);
            report.diff = diff::unified(&walk::unix_path(&report.path), &old, &new);
        }
    }
    report
}

fn relabel(mut findings: Vec<Finding>, shown: &Path) -> Vec<Finding> {
    for f in &mut findings {
        f.path = shown.to_path_buf();
    }
    findings
}

fn canonical(p: &Path) -> PathBuf {
    fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// GM100 findings for the `//gomemfix:ignore` comments of `text` that silence nothing.
pub fn unused_suppressions(
    engine: &Engine,
    path: &Path,
    text: &str,
    suppressed: &[Finding],
    shown: &Path,
) -> Vec<Finding> {
    if !text.contains("gomemfix:ignore") {
        return vec![];
    }
    let file = crate::gofile::GoFile::parse(path, text, None);
    let active: Vec<&str> = engine.rules.iter().map(|r| r.id.as_str()).collect();
    relabel(crate::suppress::unused(&file, suppressed, &active), shown)
}

/// A bar on stderr for runs over many files; hidden unless asked for.
fn progress_bar(wanted: bool, files: usize) -> indicatif::ProgressBar {
    if !wanted || files < 200 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(files as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} files [{bar:30}] {elapsed}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn partial_parse_warning() -> String {
    "parsed only in part (syntax the parser does not know); nothing reported or fixed near it"
        .into()
}

/// The file's bytes; `None` for an oversized generated file found by walking, which
/// would be skipped anyway and so is not worth an error (only its head is read).
fn read_limited(path: &Path, limit: u64, explicit: bool) -> Result<Option<Vec<u8>>, String> {
    let meta = fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > limit {
        if !explicit && generated_head(path) {
            return Ok(None);
        }
        return Err(LoadError::TooLarge {
            size: meta.len(),
            limit,
        }
        .to_string());
    }
    fs::read(path)
        .map(Some)
        .map_err(|e| format!("cannot read: {e}"))
}

/// True when the first 64 KiB of the file carry the generated-code header.
fn generated_head(path: &Path) -> bool {
    use std::io::Read;
    let mut head = Vec::with_capacity(1 << 16);
    let read = fs::File::open(path).and_then(|f| f.take(1 << 16).read_to_end(&mut head));
    read.is_ok() && is_generated(&String::from_utf8_lossy(&head))
}
