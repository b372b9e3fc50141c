//! Which files to read: `.go` files under the given paths, gitignore-aware,
//! skipping `vendor/`, `testdata/` and hidden folders. A file named on the
//! command line is always read. A folder that a bare name in the walked
//! folder's `.gitignore` ignores (`relayd`, written for the binary at the top)
//! is read all the same: git tracks `cmd/relayd/` whatever the pattern says.

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
    /// Folders given that hold no Go file, when another path gave some (else
    /// they are errors: a run that checks nothing must not pass).
    pub warnings: Vec<String>,
}

pub fn collect(paths: &[PathBuf]) -> Walked {
    let files = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    let mut empty = Vec::new();
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
        let names = bare_ignored_names(root);
        let rescued = Mutex::new(Vec::new());
        walk_folder(root, &names, &files, &errors, &rescued);
        // Folders a bare-name pattern ignores (`nfsplugin`, meant for the
        // binary `go build` leaves at the top) that hold Go code: git keeps
        // tracking `cmd/nfsplugin/` whatever .gitignore says, so it is source.
        let mut done: Vec<PathBuf> = vec![];
        loop {
            let next: Vec<PathBuf> = std::mem::take(&mut *rescued.lock().unwrap());
            let next: Vec<PathBuf> = next.into_iter().filter(|d| !done.contains(d)).collect();
            if next.is_empty() {
                break;
            }
            for dir in next {
                walk_folder(&dir, &names, &files, &errors, &rescued);
                done.push(dir);
            }
        }
        if files.lock().unwrap().len() == before {
            empty.push(format!(
                "{}: no Go files under it (vendor/, testdata/, hidden and git-ignored folders are skipped)",
                root.display()
            ));
        }
    }
    let mut files = files.into_inner().unwrap();
    // A folder with no Go file is most likely a typo in a CI script. Beside paths
    // that gave files it is a warning (as ruff's); when no path gave any, an
    // error, so the run exits 2 instead of passing on nothing.
    let mut warnings = vec![];
    if files.is_empty() {
        errors.lock().unwrap().extend(empty);
    } else {
        warnings = empty;
    }
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
    Walked {
        files,
        errors,
        warnings,
    }
}

/// The bare names the `.gitignore` files of a folder and of the folders above
/// it (up to the repository's top, where `.git` is) ignore anywhere below
/// them (a line with no `/`, no wildcard, no negation: `nfsplugin`, `server`),
/// which a repository most often writes for the binary `go build` drops
/// beside it.
fn bare_ignored_names(root: &Path) -> Vec<String> {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut names: Vec<String> = vec![];
    for dir in root.ancestors().take(10) {
        if let Ok(text) = std::fs::read_to_string(dir.join(".gitignore")) {
            names.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| {
                        !l.is_empty()
                            && !l.starts_with(['#', '!', '.'])
                            && !l.contains(['/', '*', '?', '[', '\\', ' '])
                    })
                    .map(str::to_string),
            );
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    // What the walk skips by its own rules stays skipped (`vendor` is often
    // ignored by name; a `go mod vendor` copy is not the module's code).
    names.retain(|n| !SKIPPED_DIRS.contains(&n.as_str()));
    names.sort();
    names.dedup();
    names
}

/// Folders of at most this many entries (files and folders) are walked on the
/// calling thread: a one-file module does not start a walker per core.
const SMALL_WALK: usize = 256;

/// Walks `dir` for `.go` files (gitignore-aware, skipping vendor/, testdata/
/// and hidden folders), and notes in `rescued` each folder below it that one
/// of `names` ignores (see `bare_ignored_names`).
fn walk_folder(
    dir: &Path,
    names: &[String],
    files: &Mutex<Vec<Candidate>>,
    errors: &Mutex<Vec<String>>,
    rescued: &Mutex<Vec<PathBuf>>,
) {
    let mut builder = WalkBuilder::new(dir);
    builder
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && e.depth() > 0 && SKIPPED_DIRS.iter().any(|d| e.file_name() == *d))
        });
    // The same walk on this thread first, given up (and its findings dropped)
    // past `SMALL_WALK` entries for the parallel one.
    let (small_files, small_errors, small_rescued) = Default::default();
    let mut entries = 0;
    let small = builder.build().all(|entry| {
        entries += 1;
        entries <= SMALL_WALK && {
            visit(entry, names, &small_files, &small_errors, &small_rescued);
            true
        }
    });
    if small {
        files
            .lock()
            .unwrap()
            .extend(small_files.into_inner().unwrap());
        errors
            .lock()
            .unwrap()
            .extend(small_errors.into_inner().unwrap());
        rescued
            .lock()
            .unwrap()
            .extend(small_rescued.into_inner().unwrap());
        return;
    }
    builder.build_parallel().run(|| {
        Box::new(move |entry| {
            visit(entry, names, files, errors, rescued);
            WalkState::Continue
        })
    });
}

/// What `walk_folder` makes of one entry of the walk.
fn visit(
    entry: Result<ignore::DirEntry, ignore::Error>,
    names: &[String],
    files: &Mutex<Vec<Candidate>>,
    errors: &Mutex<Vec<String>>,
    rescued: &Mutex<Vec<PathBuf>>,
) {
    match entry {
        Ok(e) => {
            let is_go = e.path().extension().is_some_and(|x| x == "go");
            match e.file_type() {
                Some(t) if t.is_dir() => {
                    for n in names {
                        let child = e.path().join(n);
                        if child.is_dir() && !child.is_symlink() {
                            rescued.lock().unwrap().push(child);
                        }
                    }
                }
                Some(t) if t.is_file() && is_go => files.lock().unwrap().push(Candidate {
                    path: e.into_path(),
                    explicit: false,
                }),
                // Reading a FIFO would block the run; a device is no source.
                Some(t) if is_go && !t.is_symlink() => {
                    errors.lock().unwrap().push(not_regular(e.path()))
                }
                _ => {}
            }
        }
        Err(err) => errors.lock().unwrap().push(err.to_string()),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_from_the_root() {
        let root = Path::new("/repo");
        let sub = Path::new("/repo/sub");
        assert_eq!(
            shown_from(Path::new("x.go"), sub, root),
            Path::new("sub/x.go")
        );
        assert_eq!(
            shown_from(Path::new("./a/../x.go"), sub, root),
            Path::new("sub/x.go")
        );
        assert_eq!(
            shown_from(Path::new("../deploy/k.yaml"), sub, root),
            Path::new("deploy/k.yaml")
        );
        assert_eq!(
            shown_from(Path::new("/repo/y.go"), sub, root),
            Path::new("y.go")
        );
        assert_eq!(
            shown_from(Path::new("/else/y.go"), sub, root),
            Path::new("/else/y.go")
        );
        assert_eq!(
            relativize_text("in /repo/deploy/k.yaml and /repository/x", root),
            "in deploy/k.yaml and /repository/x"
        );
    }
}

/// The folder every path gomemfix prints or writes is relative to: the nearest
/// folder at or above `cwd` that holds `.git` (the repository root), else `cwd`.
/// A patch made from any folder then applies with `git apply` from the root, and
/// a finding has the same baseline key wherever the run started.
pub fn repo_root(cwd: &Path) -> PathBuf {
    let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    cwd.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(cwd)
}

/// `path` (absolute, or relative to `cwd`) made absolute and lexically
/// normalised: no `.` components, each `..` taking off the folder before it.
pub fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    use std::path::Component;
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` (absolute, or relative to `cwd`) as every report shows it: relative to
/// `root`; a path outside the root stays absolute (no `..` that `git apply`
/// would refuse). `root` is itself absolute, or relative to `cwd`.
pub fn shown_from(path: &Path, cwd: &Path, root: &Path) -> PathBuf {
    let root = absolute(root, cwd);
    let abs = absolute(path, cwd);
    if let Ok(rel) = abs.strip_prefix(&root) {
        return rel.to_path_buf();
    }
    // The root may be the canonical form of a folder the path names through a
    // symbolic link (or the other way round).
    if let Ok(canon) = std::fs::canonicalize(&abs) {
        if let Ok(rel) = canon.strip_prefix(std::fs::canonicalize(&root).unwrap_or(root)) {
            return rel.to_path_buf();
        }
        return canon;
    }
    abs
}

/// Occurrences of `root/` (as an absolute path) in a message, made root-relative.
pub fn relativize_text(text: &str, root: &Path) -> String {
    if !root.is_absolute() || root.parent().is_none() {
        return text.to_string();
    }
    let prefix = format!("{}/", unix_path(root).trim_end_matches('/'));
    if text.contains(&prefix) {
        text.replace(&prefix, "")
    } else {
        text.to_string()
    }
}

/// A path as reports, diffs and baselines spell it: `/` between folders on every OS.
pub fn unix_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
