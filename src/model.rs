//! What a run found and did, as plain data: the model every report is a view of.
//! It sits below both the code that runs (`run`) and the code that prints
//! (`report`), so neither imports the other.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::finding::Finding;

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
    /// The normalised text the findings' offsets refer to (kept only for files with
    /// findings or suppressed findings).
    pub text: Option<String>,
    /// Findings left out because the baseline holds them.
    pub baselined: usize,
    /// The whole fixed file, for `fix --stdin-filename` (stdout is the file).
    pub fixed_text: Option<Vec<u8>>,
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
    pub fn baselined(&self) -> usize {
        self.files.iter().map(|f| f.baselined).sum()
    }
}

/// Path → the text the findings of that file were made on.
pub fn finding_texts(report: &RunReport) -> HashMap<PathBuf, String> {
    report
        .files
        .iter()
        .filter_map(|f| f.text.clone().map(|t| (f.path.clone(), t)))
        .collect()
}
