//! Which files to read: `.go` files under the given paths, gitignore-aware,
//! skipping `vendor/`, `testdata/` and hidden folders. A file named on the
//! command line is always read.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

/// Folders Go tooling itself treats as not part of the module's own code.
const SKIPPED_DIRS: &[&str] = &["vendor", "testdata"];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub path: PathBuf,
    /// Named on the command line: read even if generated or ignored.
    pub explicit: bool,
}

#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<Candidate>,
    /// One message per path that could not be walked (missing, unreadable, loops).
    pub errors: Vec<String>,
}

pub fn collect(paths: &[PathBuf]) -> Walked {
    let files = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    for root in paths {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                errors
                    .lock()
                    .unwrap()
                    .push(format!("{}: {}", root.display(), describe(&e)));
                continue;
            }
        };
        if meta.is_file() {
            files.lock().unwrap().push(Candidate {
                path: root.clone(),
                explicit: true,
            });
            continue;
        }
        if !meta.is_dir() {
            errors.lock().unwrap().push(not_regular(root));
            continue;
        }
        let before = files.lock().unwrap().len();
        let walker = WalkBuilder::new(root)
            .hidden(true)
            .git_ignore(true)
            .git_exclude(true)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|e| {
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                !(is_dir && e.depth() > 0 && SKIPPED_DIRS.iter().any(|d| e.file_name() == *d))
            })
            .build_parallel();
        walker.run(|| {
            let files = &files;
            let errors = &errors;
            Box::new(move |entry| {
                match entry {
                    Ok(e) => {
                        let is_go = e.path().extension().is_some_and(|x| x == "go");
                        match e.file_type() {
                            Some(t) if t.is_file() && is_go => {
                                files.lock().unwrap().push(Candidate {
                                    path: e.into_path(),
                                    explicit: false,
                                })
                            }
                            // Reading a FIFO would block the run; a device is no source.
                            Some(t) if is_go && !t.is_dir() && !t.is_symlink() => {
                                errors.lock().unwrap().push(not_regular(e.path()))
                            }
                            _ => {}
                        }
                    }
                    Err(err) => errors.lock().unwrap().push(err.to_string()),
                }
                WalkState::Continue
            })
        });
        // A folder with no Go file is most likely a typo in a CI script: an error,
        // so the run exits 2 instead of passing on nothing.
        if files.lock().unwrap().len() == before {
            errors.lock().unwrap().push(format!(
                "{}: no Go files under it (vendor/, testdata/, hidden and git-ignored folders are skipped)",
                root.display()
            ));
        }
    }
    let mut files = files.into_inner().unwrap();
    files.sort();
    // A file reached twice (named and walked) keeps its explicit mark.
    files.dedup_by(|later, earlier| {
        if later.path == earlier.path {
            earlier.explicit |= later.explicit;
            true
        } else {
            false
        }
    });
    let mut errors = errors.into_inner().unwrap();
    errors.sort();
    Walked { files, errors }
}

fn not_regular(path: &Path) -> String {
    format!(
        "{}: not a regular file (a FIFO, socket or device); skipped",
        path.display()
    )
}

fn describe(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        _ => e.to_string(),
    }
}

/// `path` as the diff and the report print it: relative to `base` when inside it.
pub fn display_path(path: &Path, base: &Path) -> PathBuf {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.strip_prefix(".").unwrap_or(rel).to_path_buf()
}

/// A path as reports, diffs and baselines spell it: `/` between folders on every OS.
pub fn unix_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
