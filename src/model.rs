//! What a run found and did, as plain data: the model every report is a view of.
//! It sits below both the code that runs (`run`) and the code that prints
//! (`report`), so neither imports the other.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::finding::Finding;
use crate::gofile::SyntaxNote;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    /// Apply fixes; `write: false` only computes the diff.
    Fix {
        write: bool,
    },
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
    /// Where the parser gave up, positioned in the file as reported (as written after
    /// `fix`, as it was for `check` and `fix --diff`).
    pub syntax_errors: Vec<SyntaxNote>,
    /// The normalised text the findings' offsets refer to (kept only for files with
    /// findings or suppressed findings).
    pub text: Option<String>,
    /// Findings left out because the baseline holds them.
    pub baselined: usize,
    /// Findings left out because their confidence is below the run's bar.
    pub below_confidence: usize,
    /// The whole fixed file, for `fix --stdin-filename` (stdout is the file).
    pub fixed_text: Option<Vec<u8>>,
    /// `fix`: this file's content was (or, with `--diff`, would be) changed, by
    /// its own fixes or by another file's (a Dockerfile edited for GM006).
    pub changed: bool,
    /// Not analysed: generated, not Go, unreadable, too large. Counted out of
    /// `files_scanned`, and dropped from the run's files once counted.
    pub skipped: bool,
}

#[derive(Debug, Default)]
pub struct RunReport {
    pub files: Vec<FileReport>,
    pub errors: Vec<String>,
    /// Files analysed (not skipped).
    pub files_scanned: usize,
    /// Run-wide warnings (a folder given that holds no Go file).
    pub warnings: Vec<String>,
    /// The folder every shown path is relative to (absolute), where other files
    /// a fix edits are read from.
    pub root: PathBuf,
}

impl RunReport {
    /// (shown path, note) for every place the parser gave up, in path order.
    pub fn syntax_errors(&self) -> impl Iterator<Item = (&std::path::Path, &SyntaxNote)> {
        self.files
            .iter()
            .flat_map(|f| f.syntax_errors.iter().map(move |n| (f.path.as_path(), n)))
    }
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
    pub fn baselined(&self) -> usize {
        self.files.iter().map(|f| f.baselined).sum()
    }
    pub fn below_confidence(&self) -> usize {
        self.files.iter().map(|f| f.below_confidence).sum()
    }
    /// What the machine formats (json, sarif, github) list: the findings in the
    /// files as they are on disk. After `check`, and after `fix --diff` (which
    /// writes nothing), every finding; after `fix`, what is left.
    pub fn on_disk(&self, mode: Mode) -> Vec<&Finding> {
        let mut out: Vec<&Finding> = self.findings().collect();
        if mode == (Mode::Fix { write: false }) {
            out.extend(self.fixed());
            out.sort_by(|a, b| (&a.path, a.sort_key()).cmp(&(&b.path, b.sort_key())));
        }
        out
    }
    /// Files a `fix` run changed (or would change), Go or not.
    pub fn files_changed(&self) -> usize {
        self.files.iter().filter(|f| f.changed).count()
    }
}

/// The files a finding's fix edits, as shown: its own when it has code edits,
/// and each other file.
pub fn files_touched(f: &Finding) -> Vec<PathBuf> {
    let Some(fix) = &f.fix else {
        return vec![];
    };
    let mut out = vec![];
    if !fix.edits.is_empty() {
        out.push(f.path.clone());
    }
    for fe in fix.other_files.iter().filter(|fe| !fe.edits.is_empty()) {
        if !out.contains(&fe.path) {
            out.push(fe.path.clone());
        }
    }
    out
}

/// Path → the text the findings of that file were made on.
pub fn finding_texts(report: &RunReport) -> HashMap<PathBuf, String> {
    report
        .files
        .iter()
        .filter_map(|f| f.text.clone().map(|t| (f.path.clone(), t)))
        .collect()
}
