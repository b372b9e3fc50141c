//! One run over many files: walk, read, prefilter, analyse or fix in parallel,
//! then a cross-file stage for fixes that edit other files, then one writer, and
//! per-file reports in path order for the one printer.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::cache::{Cache, CachedFile};
use crate::diff;
use crate::engine::{apply_foreign_edits, Engine, FileGate};
use crate::filter::FileFilter;
use crate::finding::{FileEdit, Finding};
use crate::gofile::{SyntaxError, SyntaxNote};
use crate::package::{Files, Probe};
use crate::source::{is_generated, LoadError, SourceText};
use crate::walk::{self, Candidate};
use crate::write::write_atomic;

pub use crate::model::{FileReport, Mode, RunReport};

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub mode: Mode,
    pub unsafe_fixes: bool,
    pub max_file_size: u64,
    /// Paths in reports, diffs and messages are shown relative to this folder:
    /// the repository root (see `walk::repo_root`) for the CLI.
    pub base: PathBuf,
    /// The folder relative paths given to the run are relative to (the current
    /// folder: a run started in a subfolder walks `./x.go`, shown `sub/x.go`).
    pub cwd: PathBuf,
    /// `exclude` globs and `--shard K/N`.
    pub files: FileFilter,
    /// Draw a progress bar on stderr (the CLI decides: a terminal, not CI).
    pub progress: bool,
    /// Report `//gomemfix:ignore` comments that silence nothing (GM100).
    pub report_unused_suppressions: bool,
    /// Every rule id loaded (bundled, `--patterns`, GM100): a suppression code
    /// that is none of them is reported (GM100). Empty: not judged.
    pub known_rules: Vec<String>,
    /// The project root whose results cache `check` reads and writes (see
    /// `cache`); None runs without one.
    pub cache_root: Option<PathBuf>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            mode: Mode::Check,
            unsafe_fixes: false,
            max_file_size: crate::source::DEFAULT_MAX_FILE_SIZE,
            base: PathBuf::from("."),
            cwd: std::env::current_dir().unwrap_or_default(),
            files: FileFilter::default(),
            progress: false,
            report_unused_suppressions: false,
            known_rules: vec![],
            cache_root: None,
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
    /// `fix`: what `check` finds in the file as it is on disk, when fixes were made.
    before: Option<Vec<Finding>>,
}

/// The settings one file is checked with: its rules (with their options), whether
/// unsafe fixes apply, and which files to keep. In a monorepo each file has those
/// of its nearest `gomemfix.toml` (the CLI builds them; see `Scopes`).
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub engine: &'a Engine,
    pub unsafe_fixes: bool,
    pub files: &'a FileFilter,
}

/// Where each file's [`Scope`] comes from.
pub trait Scopes: Sync {
    /// Called once with every walked file, before any is read; returns errors
    /// (a broken `gomemfix.toml`), whose files then have no scope and are skipped.
    fn prepare(&mut self, files: &[PathBuf]) -> Vec<String>;
    /// The scope of a walked file, or of a file a cross-file fix edits.
    fn scope(&self, path: &Path) -> Option<Scope<'_>>;
}

/// One engine and one set of settings for every file.
struct One<'e> {
    engine: &'e Engine,
    unsafe_fixes: bool,
    files: FileFilter,
}

impl Scopes for One<'_> {
    fn prepare(&mut self, _: &[PathBuf]) -> Vec<String> {
        vec![]
    }
    fn scope(&self, _: &Path) -> Option<Scope<'_>> {
        Some(Scope {
            engine: self.engine,
            unsafe_fixes: self.unsafe_fixes,
            files: &self.files,
        })
    }
}

pub fn run(engine: &Engine, paths: &[PathBuf], opts: &RunOptions) -> RunReport {
    let mut one = One {
        engine,
        unsafe_fixes: opts.unsafe_fixes,
        files: opts.files.clone(),
    };
    run_scoped(&mut one, paths, opts)
}

/// A run in which each file may have its own settings (nested gomemfix.toml files).
pub fn run_scoped(scopes: &mut dyn Scopes, paths: &[PathBuf], opts: &RunOptions) -> RunReport {
    let mut walked = crate::profile::stage("walk", || walk::collect(paths));
    let listed: Vec<PathBuf> = walked.files.iter().map(|c| c.path.clone()).collect();
    let scope_errors = scopes.prepare(&listed);
    walked.errors.extend(scope_errors);
    let scopes: &dyn Scopes = scopes;
    walked.files.retain(|c| {
        scopes.scope(&c.path).is_some_and(|s| {
            s.files.is_empty() || s.files.keeps(&c.path, &opts.cwd, &shown(&c.path, opts))
        })
    });
    in_workers(walked.files.len(), || analyse(scopes, walked, opts))
}

/// Runs `f` in a pool of analysis threads for `work` files: as many threads as
/// the machine (or `RAYON_NUM_THREADS`) gives, but no more than there are files,
/// so a run on a few files does not start (and wait for) one thread per core.
fn in_workers<T: Send>(work: usize, f: impl FnOnce() -> T + Send) -> T {
    let most = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(most.min(work).max(1))
        .stack_size(crate::cli::WORKER_STACK)
        .build();
    match pool {
        Ok(pool) => pool.install(f),
        // No thread to be had: rayon's own pool, as a last resort.
        Err(_) => f(),
    }
}

/// The walked files' analysis (and `fix`'s cross-file stage), in the workers.
fn analyse(scopes: &dyn Scopes, walked: walk::Walked, opts: &RunOptions) -> RunReport {
    // `check` and `fix --diff` read and write the results cache; `fix` writes
    // files, which would make its entries stale at once.
    let cache = match opts.mode {
        Mode::Check | Mode::Fix { write: false } => opts.cache_root.as_deref().and_then(|root| {
            let salt = crate::cache::hash_of((
                opts.max_file_size,
                &opts.base,
                &opts.cwd,
                opts.report_unused_suppressions,
                &opts.known_rules,
            ));
            Cache::open(root, salt)
        }),
        Mode::Fix { write: true } => None,
    };
    if let (Mode::Check, Some(cache)) = (opts.mode, &cache) {
        let disk = Files::default();
        set_takes(&disk, scopes, &walked.files);
        return check_cached(scopes, &disk, cache, walked, opts);
    }
    // Without a results cache no dependency is worth recording.
    let disk = if cache.is_some() {
        Files::default()
    } else {
        Files::untracked()
    };
    set_takes(&disk, scopes, &walked.files);
    let bar = progress_bar(opts.progress, walked.files.len());
    let folders = by_folder(walked.files);
    let mut processed: Vec<Processed> = folders
        .par_iter()
        .flat_map_iter(|(folder, cands)| {
            // `fix --diff`: a folder's entry holds each file's findings, its fixed
            // text and the edits its fixes make to other files, as they were
            // before the cross-file stage (which runs on every run).
            let key = cache.as_ref().map(|cache| {
                let names: Vec<(&Path, bool, Option<(u64, bool)>)> = cands
                    .iter()
                    .map(|c| {
                        let scope = scopes.scope(&c.path);
                        let salt = scope.map(|s| (s.engine.fingerprint(), s.unsafe_fixes));
                        (c.path.as_path(), c.explicit, salt)
                    })
                    .collect();
                crate::profile::stage("cache", || cache.key(folder, ("fix --diff", &names)))
            });
            if let (Some(cache), Some(key)) = (&cache, key) {
                let hit = crate::profile::stage("cache", || cache.get(key))
                    .and_then(|files| from_cached(files, cands, opts));
                if let Some(done) = hit {
                    bar.inc(cands.len() as u64);
                    return done;
                }
            }
            let seen = disk.recorder();
            let done: Vec<Processed> = cands
                .par_iter()
                .filter_map(|c| {
                    let scope = scopes.scope(&c.path)?;
                    let p = crate::profile::stage("file", || {
                        process(scope.engine, &seen, c, None, opts, scope.unsafe_fixes)
                    });
                    bar.inc(1);
                    Some(p)
                })
                .collect();
            if let (Some(cache), Some(key)) = (&cache, key) {
                crate::profile::stage("cache", || {
                    cache.put(key, seen.dep_set(), done.iter().map(to_cached).collect())
                });
            }
            disk.release(folder);
            done
        })
        .collect();
    bar.finish_and_clear();
    let files_scanned = processed.iter().filter(|p| !p.report.skipped).count();
    if matches!(opts.mode, Mode::Fix { .. }) {
        cross_file_stage(scopes, &disk, &mut processed, opts);
    }
    let mut files: Vec<FileReport> = processed
        .into_iter()
        .map(|p| finish(p, opts))
        .filter(|f| !is_empty_report(f))
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if opts.mode == (Mode::Fix { write: true }) {
        unfix_unwritten(scopes, &disk, &mut files, opts);
    }
    RunReport {
        files,
        errors: walked.errors,
        warnings: walked.warnings,
        files_scanned,
        root: walk::absolute(&opts.base, &opts.cwd),
    }
}

/// `check` through the results cache: the walked files are taken one package
/// folder at a time; a folder whose entry still holds is answered from it, any
/// other is analysed (each file as `process` does, through one recorder) and its
/// entry rewritten with what the analysis read.
fn check_cached(
    scopes: &dyn Scopes,
    disk: &Files,
    cache: &Cache,
    walked: walk::Walked,
    opts: &RunOptions,
) -> RunReport {
    let folders = by_folder(walked.files);
    let bar = progress_bar(opts.progress, folders.iter().map(|f| f.1.len()).sum());
    let mut files: Vec<FileReport> = folders
        .par_iter()
        .flat_map_iter(|(folder, cands)| {
            // Each file's settings (its engine, unsafe fixes) are part of the key.
            let names: Vec<(&Path, bool, Option<(u64, bool)>)> = cands
                .iter()
                .map(|c| {
                    let scope = scopes.scope(&c.path);
                    let salt = scope.map(|s| (s.engine.fingerprint(), s.unsafe_fixes));
                    (c.path.as_path(), c.explicit, salt)
                })
                .collect();
            let key = crate::profile::stage("cache", || cache.key(folder, &names));
            if let Some(hit) = crate::profile::stage("cache", || cache.get(key)) {
                bar.inc(cands.len() as u64);
                return hit.into_iter().map(CachedFile::report).collect::<Vec<_>>();
            }
            let seen = disk.recorder();
            let reports: Vec<FileReport> = cands
                .par_iter()
                .filter_map(|c| {
                    let scope = scopes.scope(&c.path)?;
                    let p = crate::profile::stage("file", || {
                        process(scope.engine, &seen, c, None, opts, scope.unsafe_fixes)
                    });
                    bar.inc(1);
                    Some(finish(p, opts))
                })
                // A skipped file is kept, to be counted out of the files analysed.
                .filter(|f| !is_empty_report(f) || f.skipped)
                .collect();
            crate::profile::stage("cache", || {
                cache.put(
                    key,
                    seen.dep_set(),
                    reports.iter().map(CachedFile::of).collect(),
                )
            });
            disk.release(folder);
            reports
        })
        .collect();
    bar.finish_and_clear();
    let skipped = files.iter().filter(|f| f.skipped).count();
    let files_scanned = folders.iter().map(|f| f.1.len()).sum::<usize>() - skipped;
    files.retain(|f| !is_empty_report(f));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    RunReport {
        files,
        errors: walked.errors,
        warnings: walked.warnings,
        files_scanned,
        root: walk::absolute(&opts.base, &opts.cwd),
    }
}

/// What `fix --diff` keeps of a processed file (see `run_scoped`).
fn to_cached(p: &Processed) -> CachedFile {
    let mut c = CachedFile::of(&p.report);
    c.fixed = p.report.fixed.clone();
    c.new_text = p.pending.as_ref().map(|pd| pd.new_text.clone());
    c.other_files = p.other_files.clone();
    c.before = p.before.clone();
    c
}

/// A folder's processed files from its `fix --diff` entry: each file with a
/// fixed text is read again (its bytes are among the entry's dependencies, so
/// they are what the entry was made from). None when one cannot be.
fn from_cached(
    files: Vec<CachedFile>,
    cands: &[Candidate],
    opts: &RunOptions,
) -> Option<Vec<Processed>> {
    // The entry has a file for each candidate processed, even one with nothing to say.
    let by_shown: BTreeMap<PathBuf, &Candidate> =
        cands.iter().map(|c| (shown(&c.path, opts), c)).collect();
    files
        .into_iter()
        .map(|mut c| {
            let cand = by_shown.get(&c.path)?;
            let pending = match c.new_text.take() {
                Some(new_text) => {
                    let original = fs::read(&cand.path).ok()?;
                    let src = SourceText::decode(&original).ok()?;
                    Some(Pending {
                        path: cand.path.clone(),
                        original,
                        src,
                        new_text,
                    })
                }
                None => None,
            };
            let other_files = std::mem::take(&mut c.other_files);
            let before = c.before.take();
            let fixed = std::mem::take(&mut c.fixed);
            let mut report = c.report();
            report.fixed = fixed;
            Some(Processed {
                report,
                pending,
                other_files,
                before,
            })
        })
        .collect()
}

/// The walked files by package folder, folders in path order. A run takes one
/// folder at a time (its files in parallel) and then releases the folder's
/// memos, so what is kept does not grow with the tree.
/// Tells the run's file access which files the engine will be handed (the
/// walked ones), each with its scope's engine's test of bytes, so package
/// indexes parse whole only the files whose trees the engine will take.
fn set_takes(disk: &Files, scopes: &dyn Scopes, walked: &[Candidate]) {
    let mut gates: HashMap<*const Engine, FileGate> = HashMap::new();
    disk.set_takes(walked.iter().filter_map(|c| {
        let engine = scopes.scope(&c.path)?.engine;
        let gate = gates
            .entry(engine as *const Engine)
            .or_insert_with(|| engine.file_gate())
            .clone();
        Some((c.path.as_path(), gate))
    }));
}

fn by_folder(files: Vec<Candidate>) -> Vec<(PathBuf, Vec<Candidate>)> {
    let mut folders: BTreeMap<PathBuf, Vec<Candidate>> = BTreeMap::new();
    for c in files {
        let folder = c.path.parent().map(Path::to_path_buf).unwrap_or_default();
        folders.entry(folder).or_default().push(c);
    }
    folders.into_iter().collect()
}

fn is_empty_report(f: &FileReport) -> bool {
    f.findings.is_empty()
        && f.fixed.is_empty()
        && f.suppressed.is_empty()
        && f.errors.is_empty()
        && f.warnings.is_empty()
        && f.syntax_errors.is_empty()
        && f.diff.is_empty()
        && !f.changed
        && f.baselined == 0
        && f.below_confidence == 0
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
        files_scanned: 0,
        root: walk::absolute(&opts.base, &opts.cwd),
        ..RunReport::default()
    };
    if !opts.files.keeps(path, &opts.cwd, &shown(path, opts)) {
        return report;
    }
    let disk = Files::untracked();
    let mut p = process(
        engine,
        &disk,
        &cand,
        Some(bytes.clone()),
        opts,
        opts.unsafe_fixes,
    );
    report.files_scanned = usize::from(!p.report.skipped);
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
            r.changed = new_bytes != bytes;
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
    let parsed: Vec<bool> = in_workers(walked.files.len(), || {
        walked
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
            .collect()
    });
    let ok = parsed.iter().filter(|&&p| p).count();
    (ok, parsed.len() - ok + walked.errors.len())
}

fn process(
    engine: &Engine,
    disk: &Files,
    cand: &Candidate,
    given: Option<Vec<u8>>,
    opts: &RunOptions,
    unsafe_fixes: bool,
) -> Processed {
    let shown = shown(&cand.path, opts);
    let mut out = Processed {
        report: FileReport {
            path: shown.clone(),
            ..FileReport::default()
        },
        pending: None,
        other_files: vec![],
        before: None,
    };
    let report = &mut out.report;
    let read = match given {
        Some(b) => Ok(Some(b)),
        None => crate::profile::stage("read", || {
            read_limited(&cand.path, opts.max_file_size, cand.explicit)
        }),
    };
    // What the file held is what its report depends on first.
    match &read {
        Ok(Some(b)) => disk.note_bytes(&cand.path, Some(b)),
        _ => disk.note_probe(Probe::Bytes, &cand.path),
    }
    // Until it is analysed.
    report.skipped = true;
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
    if !crate::source::starts_with_package(&src.text) {
        // An empty file is nothing to analyse, and no mistake.
        if crate::source::is_blank(&src.text) {
            return out;
        }
        report.warnings.push(
            "not Go source (it does not start with a `package` clause: a template or a script?); skipped"
                .into(),
        );
        return out;
    }
    report.skipped = false;
    if !crate::profile::stage("narrow", || {
        engine.may_match_file(&cand.path, src.text.as_bytes())
    }) {
        // No rule can fire here, so no suppression silences anything.
        let unused = unused_suppressions(engine, &cand.path, &src.text, &[], &shown, opts);
        if unused.is_empty() {
            return out;
        }
        report.text = Some(src.text.clone());
        if opts.mode == Mode::Check {
            report.findings = unused;
            return out;
        }
        let new_text = apply_fixes(&src.text, &unused);
        out.before = Some(unused.clone());
        report.fixed = unused;
        out.pending = Some(Pending {
            path: cand.path.clone(),
            original: bytes,
            src,
            new_text,
        });
        return out;
    }
    // A large file's trees are most of a worker's memory: one at a time.
    let _turn = disk.large_turn(src.text.len());
    let module = disk.module_of(&cand.path);
    match opts.mode {
        Mode::Check => {
            let a = engine.analyze_in(disk, &cand.path, &src.text, module);
            report.warnings.extend(a.rules_skipped.iter().cloned());
            report.syntax_errors = notes(&a.syntax_errors, &src.text);
            report.findings = relabel(a.findings, &shown);
            report.suppressed = relabel(a.suppressed, &shown);
            report.baselined = a.baselined;
            report.below_confidence = a.below_confidence;
            let unused = unused_suppressions(
                engine,
                &cand.path,
                &src.text,
                &report.suppressed,
                &shown,
                opts,
            );
            if !unused.is_empty() {
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
            // GM100 first: its fixes only touch suppressions that silence nothing
            // (near-misses of the directive have no fix, so only real ones count),
            // so the rules see the same findings on the result.
            // What `check` sees in the file, computed once when needed.
            let mut checked = None;
            let gm100_before = if src.text.contains("gomemfix:ignore") {
                let a = engine.analyze_in(disk, &cand.path, &src.text, module.clone());
                let unused =
                    unused_suppressions(engine, &cand.path, &src.text, &a.suppressed, &shown, opts);
                checked = Some(a);
                unused
            } else {
                vec![]
            };
            let input = apply_fixes(&src.text, &gm100_before);
            let fixed = engine.fix_in(disk, &cand.path, &input, module.clone(), unsafe_fixes);
            report.syntax_errors = syntax_notes_after_fix(
                &cand.path,
                &fixed.remaining.syntax_errors,
                &src.text,
                &fixed.text,
                opts.mode,
            );
            report
                .warnings
                .extend(fixed.remaining.rules_skipped.iter().cloned());
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
            report.suppressed = relabel(fixed.remaining.suppressed, &shown);
            report.baselined = fixed.remaining.baselined;
            report.below_confidence = fixed.remaining.below_confidence;
            let mut remaining = relabel(fixed.remaining.findings, &shown);
            remaining.extend(unused_suppressions(
                engine,
                &cand.path,
                &fixed.text,
                &report.suppressed,
                &shown,
                opts,
            ));
            remaining.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            // The text the reported positions refer to.
            let mut seen_text = &fixed.text;
            if fixed.fixed.is_empty() && gm100_before.is_empty() {
                report.findings = remaining;
            } else {
                // Count against what `check` finds, so the two agree: a fix the
                // engine applied over several passes is one fixed finding.
                let a = checked.take().unwrap_or_else(|| {
                    engine.analyze_in(disk, &cand.path, &src.text, module.clone())
                });
                let mut before = relabel(a.findings, &shown);
                before.extend(gm100_before);
                before.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
                let split = Split::of(&before, remaining);
                report.fixed = split.fixed;
                if opts.mode == (Mode::Fix { write: false }) {
                    // Nothing is written: findings stay where they are in the file.
                    report.findings = split.remaining_before;
                    report.suppressed = relabel(a.suppressed, &shown);
                    report.baselined = a.baselined;
                    report.below_confidence = a.below_confidence;
                    seen_text = &src.text;
                    if split.introduced > 0 {
                        report.warnings.push(format!(
                            "the fixes would leave {} new finding{}; run `gomemfix fix` again after applying them",
                            split.introduced,
                            crate::report::plural(split.introduced)
                        ));
                    }
                } else {
                    report.findings = split.remaining_after;
                }
                out.before = Some(before);
            }
            let report = &mut out.report;
            if !report.findings.is_empty()
                || !report.suppressed.is_empty()
                || (opts.mode == (Mode::Fix { write: false }) && !report.fixed.is_empty())
            {
                report.text = Some(seen_text.clone());
            }
            out.other_files = fixed.other_files;
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
    scopes: &dyn Scopes,
    disk: &Files,
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
                || canonical(&on_disk(&p.report.path, opts)) == target
        });
        let idx = match idx {
            Some(i) => i,
            None => {
                processed.push(Processed {
                    report: FileReport {
                        path: shown(&file_edits[0].path, opts),
                        ..FileReport::default()
                    },
                    pending: None,
                    other_files: vec![],
                    before: None,
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
            let Some(scope) = scopes.scope(&target) else {
                entry
                    .report
                    .errors
                    .push("cross-file fix not applied: the file's gomemfix.toml is broken".into());
                continue;
            };
            let again = scope.engine.fix_in(
                disk,
                &target,
                &text,
                disk.module_of(&target),
                scope.unsafe_fixes,
            );
            let shown = entry.report.path.clone();
            entry.report.syntax_errors = syntax_notes_after_fix(
                &target,
                &again.remaining.syntax_errors,
                &src.text,
                &again.text,
                opts.mode,
            );
            // What `check` saw in the file on disk, if it was walked.
            let before = entry
                .before
                .take()
                .unwrap_or_else(|| entry.report.findings.clone());
            let split = Split::of(&before, relabel(again.remaining.findings, &shown));
            entry.report.fixed = split.fixed;
            if opts.mode == (Mode::Fix { write: false }) {
                entry.report.findings = split.remaining_before;
                if !entry.report.findings.is_empty() || !entry.report.fixed.is_empty() {
                    entry.report.text = Some(src.text.clone());
                }
            } else {
                entry.report.findings = split.remaining_after;
                if !entry.report.findings.is_empty() {
                    entry.report.text = Some(again.text.clone());
                }
            }
            entry.before = Some(before);
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
    for f in report
        .findings
        .iter_mut()
        .chain(&mut report.fixed)
        .chain(&mut report.suppressed)
    {
        show_other_files(f, opts);
    }
    let Some(pending) = p.pending else {
        return report;
    };
    if pending.new_text == pending.src.text {
        return report;
    }
    let new_bytes = pending.src.encode(&pending.new_text);
    report.changed = true;
    match opts.mode {
        Mode::Fix { write: true } => {
            if let Err(e) = write_atomic(&pending.path, &pending.original, &new_bytes) {
                report.errors.push(e.to_string());
                report.changed = false;
                // Nothing changed: every finding is still where `check` saw it.
                if let Some(before) = p.before {
                    report.findings = before;
                    report.fixed.clear();
                    report.text = Some(pending.src.text.clone());
                    for f in &mut report.findings {
                        show_other_files(f, opts);
                    }
                }
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

/// What `fix` did to the findings `check` sees in a file: each finding before
/// the fixes either is still there after them (same rule and matched code, else
/// same rule, in order) or was fixed.
#[derive(Debug, Default)]
struct Split {
    fixed: Vec<Finding>,
    /// Findings still there, at their place in the file before the fixes.
    remaining_before: Vec<Finding>,
    /// The same findings, at their place after the fixes, plus any new ones.
    remaining_after: Vec<Finding>,
    /// Findings after the fixes that no finding before them accounts for.
    introduced: usize,
}

impl Split {
    fn of(before: &[Finding], after: Vec<Finding>) -> Split {
        let mut taken = vec![false; after.len()];
        let mut partner: Vec<Option<usize>> = vec![None; before.len()];
        let same_code = |b: &Finding, a: &Finding| b.rule == a.rule && b.snippet == a.snippet;
        let same_rule = |b: &Finding, a: &Finding| b.rule == a.rule;
        for test in [
            &same_code as &dyn Fn(&Finding, &Finding) -> bool,
            &same_rule,
        ] {
            for (i, b) in before.iter().enumerate() {
                if partner[i].is_some() {
                    continue;
                }
                if let Some(j) = (0..after.len()).find(|&j| !taken[j] && test(b, &after[j])) {
                    taken[j] = true;
                    partner[i] = Some(j);
                }
            }
        }
        let mut split = Split {
            introduced: taken.iter().filter(|t| !**t).count(),
            remaining_after: after,
            ..Split::default()
        };
        for (b, p) in before.iter().zip(&partner) {
            match p {
                Some(_) => split.remaining_before.push(b.clone()),
                None => split.fixed.push(b.clone()),
            }
        }
        split
    }
}

fn relabel(mut findings: Vec<Finding>, shown: &Path) -> Vec<Finding> {
    for f in &mut findings {
        // Evidence in the finding's own file is shown under the same name.
        for e in f.evidence.iter_mut().filter(|e| e.path == f.path) {
            e.path = shown.to_path_buf();
        }
        f.path = shown.to_path_buf();
    }
    findings
}

/// Paths of the other files a fix edits, and of evidence in other files, shown
/// as finding paths are; absolute paths under the root that messages, fix
/// descriptions and evidence name, made relative to it too (GM006 names a
/// manifest outside the main package's module by its absolute path).
fn show_other_files(f: &mut Finding, opts: &RunOptions) {
    let root = walk::absolute(&opts.base, &opts.cwd);
    for e in f.evidence.iter_mut() {
        if e.path != f.path {
            e.path = shown(&e.path, opts);
        }
        e.what = walk::relativize_text(&e.what, &root);
    }
    f.message = walk::relativize_text(&f.message, &root);
    if let Some(fix) = &mut f.fix {
        fix.description = walk::relativize_text(&fix.description, &root);
        for fe in &mut fix.other_files {
            fe.path = shown(&fe.path, opts);
        }
    }
}

/// A path as the run shows it (see `RunOptions::base`); `-` is stdin.
fn shown(path: &Path, opts: &RunOptions) -> PathBuf {
    if path == Path::new("-") {
        return path.to_path_buf();
    }
    walk::shown_from(path, &opts.cwd, &opts.base)
}

/// The file a shown path names.
fn on_disk(shown: &Path, opts: &RunOptions) -> PathBuf {
    walk::absolute(&opts.base, &opts.cwd).join(shown)
}

/// A fix whose edit to another file could not be written did not happen: its
/// finding goes back among those remaining (found again on the file as written,
/// when its own file was rewritten, so its position is right).
fn unfix_unwritten(scopes: &dyn Scopes, disk: &Files, files: &mut [FileReport], opts: &RunOptions) {
    let unwritten: Vec<PathBuf> = files
        .iter()
        .filter(|f| !f.changed && !f.errors.is_empty())
        .map(|f| f.path.clone())
        .collect();
    if unwritten.is_empty() {
        return;
    }
    for file in files.iter_mut() {
        let (back, kept): (Vec<Finding>, Vec<Finding>) = file.fixed.drain(..).partition(|f| {
            crate::model::files_touched(f)
                .iter()
                .any(|p| unwritten.contains(p))
        });
        file.fixed = kept;
        if back.is_empty() {
            continue;
        }
        let path = on_disk(&file.path, opts);
        let text = file.changed.then(|| fs::read(&path).ok()).flatten();
        match text.and_then(|b| SourceText::decode(&b).ok()) {
            Some(src) => {
                let Some(scope) = scopes.scope(&path) else {
                    continue;
                };
                let a = scope
                    .engine
                    .analyze_in(disk, &path, &src.text, disk.module_of(&path));
                file.findings = relabel(a.findings, &file.path);
                for f in &mut file.findings {
                    show_other_files(f, opts);
                }
                file.text = Some(src.text);
            }
            None => {
                file.findings.extend(back);
                file.findings
                    .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            }
        }
    }
}

fn canonical(p: &Path) -> PathBuf {
    fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// GM100 findings for the `//gomemfix:ignore` comments of `text` that silence
/// nothing: codes that name no known rule always, idle ones when asked.
pub fn unused_suppressions(
    engine: &Engine,
    path: &Path,
    text: &str,
    suppressed: &[Finding],
    shown: &Path,
    opts: &RunOptions,
) -> Vec<Finding> {
    if !crate::suppress::may_hold_directives(text) {
        return vec![];
    }
    let file = crate::gofile::GoFile::parse(path, text, None);
    let active: Vec<&str> = engine.rules.iter().map(|r| r.id.as_str()).collect();
    let known: Vec<&str> = opts.known_rules.iter().map(String::as_str).collect();
    relabel(
        crate::suppress::unused(
            &file,
            suppressed,
            &active,
            &known,
            opts.report_unused_suppressions,
        ),
        shown,
    )
}

/// `text` with the (non-overlapping, same-file) fixes of `findings` applied.
fn apply_fixes(text: &str, findings: &[Finding]) -> String {
    let edits: Vec<crate::finding::Edit> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .flat_map(|f| f.edits.iter().cloned())
        .collect();
    if edits.is_empty() || !crate::finding::well_formed(text, &edits) {
        return text.to_string();
    }
    crate::finding::apply_edits(text, &edits)
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

/// Syntax errors positioned in the text they were found in.
fn notes(errors: &[SyntaxError], text: &str) -> Vec<SyntaxNote> {
    errors.iter().map(|e| e.note(text)).collect()
}

/// The syntax errors of a fixed file, positioned in the file as the report shows it:
/// the fixed text when it is written, the original for `fix --diff` (whose findings
/// keep their places in the file as it is). Fixes never add a parse error.
fn syntax_notes_after_fix(
    path: &Path,
    after_fix: &[SyntaxError],
    original: &str,
    fixed: &str,
    mode: Mode,
) -> Vec<SyntaxNote> {
    if after_fix.is_empty() {
        return vec![];
    }
    if mode == (Mode::Fix { write: false }) && original != fixed {
        let file = crate::gofile::GoFile::parse(path, original, None);
        return notes(&file.syntax_errors(), original);
    }
    notes(after_fix, fixed)
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
