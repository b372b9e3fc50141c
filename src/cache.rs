//! The results cache: what `check` found in a package folder, kept on disk with
//! everything the findings depended on, so the next run over an unchanged folder
//! reads the answer instead of analysing again.
//!
//! An entry is keyed by the run's salt (gomemfix's version, the rules and their
//! patterns, options, config, baseline, the run's own options: see
//! `Engine::fingerprint` and `run`) and the folder's walked files. It holds the
//! folder's file reports and the disk probes their analysis made
//! ([`crate::package::Dep`]: the walked files' bytes, sibling files, `go.mod`,
//! listings, deployment files, other packages of the module). An entry is used
//! only when every probe still finds what it found; a run probes each path once,
//! however many entries name it. Nothing is trusted that was not re-checked, so
//! an entry is never stale: it is either valid or redone.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::finding::{FileEdit, Finding};
use crate::gofile::SyntaxNote;
use crate::model::FileReport;
use crate::package::{fingerprint, Dep, DepSet, Probe};

/// The folder name at the project root.
pub const DIR_NAME: &str = ".gomemfix_cache";
/// Moves the cache elsewhere.
pub const DIR_ENV: &str = "GOMEMFIX_CACHE_DIR";
/// Bumped when the entry format changes (2: syntax errors kept; 3: confidence,
/// evidence and the count of findings below the bar; 4: `fix --diff` entries;
/// 5: large memos' dependencies in shared groups).
const FORMAT: u32 = 5;

/// What `check` reports for one file, as kept in an entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedFile {
    pub path: PathBuf,
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Finding>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub syntax_errors: Vec<SyntaxNote>,
    pub text: Option<String>,
    pub baselined: usize,
    pub below_confidence: usize,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
    /// `fix --diff` only: what the fixes clear, the fixed text, the edits they
    /// make to other files, and what `check` saw before them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_files: Vec<FileEdit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Vec<Finding>>,
}

impl CachedFile {
    pub fn of(r: &FileReport) -> CachedFile {
        CachedFile {
            path: r.path.clone(),
            findings: r.findings.clone(),
            suppressed: r.suppressed.clone(),
            errors: r.errors.clone(),
            warnings: r.warnings.clone(),
            syntax_errors: r.syntax_errors.clone(),
            text: r.text.clone(),
            baselined: r.baselined,
            below_confidence: r.below_confidence,
            skipped: r.skipped,
            fixed: vec![],
            new_text: None,
            other_files: vec![],
            before: None,
        }
    }

    pub fn report(self) -> FileReport {
        FileReport {
            path: self.path,
            findings: self.findings,
            suppressed: self.suppressed,
            errors: self.errors,
            warnings: self.warnings,
            syntax_errors: self.syntax_errors,
            text: self.text,
            baselined: self.baselined,
            below_confidence: self.below_confidence,
            skipped: self.skipped,
            ..FileReport::default()
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Entry {
    format: u32,
    key: u64,
    deps: Vec<Dep>,
    /// Shared dependency groups (`g<id>.json` beside the entries), by id.
    #[serde(default)]
    groups: Vec<u64>,
    files: Vec<CachedFile>,
}

/// An open cache for one run.
pub struct Cache {
    dir: PathBuf,
    salt: u64,
    /// What each probe finds on disk now, probed once per run.
    now: Mutex<HashMap<(Probe, PathBuf), u64>>,
    /// Whether each shared dependency group still holds, checked once per run.
    groups_now: Mutex<HashMap<u64, bool>>,
}

/// A stable hash of `value` (the standard hasher with its fixed keys).
pub fn hash_of(value: impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// The project root the cache lives in for a run over `paths`: the repository
/// root (the nearest folder holding `.git`) above the first path, else the
/// folder of the nearest `gomemfix.toml`, else the first path's folder.
pub fn project_root(paths: &[PathBuf]) -> Option<PathBuf> {
    let first = std::fs::canonicalize(paths.first()?).ok()?;
    let start = if first.is_dir() {
        first.clone()
    } else {
        first.parent()?.to_path_buf()
    };
    if let Some(repo) = start.ancestors().find(|d| d.join(".git").exists()) {
        return Some(repo.to_path_buf());
    }
    if let Some(cfg) = start
        .ancestors()
        .find(|d| d.join(crate::config::FILE_NAME).is_file())
    {
        return Some(cfg.to_path_buf());
    }
    Some(start)
}

impl Cache {
    /// Opens (creating when missing) the cache folder: `$GOMEMFIX_CACHE_DIR`, else
    /// `.gomemfix_cache/` under `root`, with a `.gitignore` that ignores it all.
    /// None when it cannot be created: the run goes on without a cache.
    pub fn open(root: &Path, salt: u64) -> Option<Cache> {
        let dir = match std::env::var_os(DIR_ENV) {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => root.join(DIR_NAME),
        };
        std::fs::create_dir_all(&dir).ok()?;
        crate::package::hide_from_listings(&dir);
        let ignore = dir.join(".gitignore");
        if !ignore.exists() {
            std::fs::write(&ignore, "# Written by gomemfix: its results cache.\n*\n").ok()?;
        }
        Some(Cache {
            dir,
            salt: hash_of((FORMAT, env!("CARGO_PKG_VERSION"), salt)),
            now: Mutex::default(),
            groups_now: Mutex::default(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of a folder's entry: the salt and the folder's walked files (with
    /// whatever else the caller says decides their findings: their settings).
    pub fn key(&self, folder: &Path, files: impl Hash) -> u64 {
        hash_of((self.salt, folder, files))
    }

    fn entry_path(&self, key: u64) -> PathBuf {
        self.dir.join(format!("{key:016x}.json"))
    }

    fn holds(&self, dep: &Dep) -> bool {
        let probe_key = (dep.probe, dep.path.clone());
        if let Some(&fp) = self.now.lock().unwrap().get(&probe_key) {
            return fp == dep.fingerprint;
        }
        let fp = fingerprint(dep.probe, &dep.path);
        self.now.lock().unwrap().insert(probe_key, fp);
        fp == dep.fingerprint
    }

    /// The folder's file reports, when an entry exists and everything it
    /// depended on is as it was.
    pub fn get(&self, key: u64) -> Option<Vec<CachedFile>> {
        let bytes = std::fs::read(self.entry_path(key)).ok()?;
        let entry: Entry = serde_json::from_slice(&bytes).ok()?;
        if entry.format != FORMAT || entry.key != key {
            return None;
        }
        (entry.deps.iter().all(|d| self.holds(d))
            && entry.groups.iter().all(|&g| self.group_holds(g)))
        .then_some(entry.files)
    }

    fn group_path(&self, id: u64) -> PathBuf {
        self.dir.join(format!("g{id:016x}.json"))
    }

    /// True when shared group `id` is on disk and every probe in it still
    /// finds what it found.
    fn group_holds(&self, id: u64) -> bool {
        if let Some(&ok) = self.groups_now.lock().unwrap().get(&id) {
            return ok;
        }
        let ok = std::fs::read(self.group_path(id))
            .ok()
            .and_then(|b| serde_json::from_slice::<Vec<Dep>>(&b).ok())
            .is_some_and(|deps| hash_of(&deps) == id && deps.iter().all(|d| self.holds(d)));
        self.groups_now.lock().unwrap().insert(id, ok);
        ok
    }

    /// Stores a folder's reports with what they depended on (written whole, then
    /// renamed into place, so a reader never sees half an entry).
    pub fn put(&self, key: u64, deps: DepSet, files: Vec<CachedFile>) {
        let mut groups = vec![];
        for g in &deps.groups {
            let id = hash_of(&**g);
            let path = self.group_path(id);
            // Written once; what is there is the same bytes (its name is its hash).
            if !self.groups_now.lock().unwrap().contains_key(&id) && !path.exists() {
                if let Ok(json) = serde_json::to_vec(&**g) {
                    self.write_atomically(&path, &json);
                }
            }
            groups.push(id);
        }
        groups.sort_unstable();
        groups.dedup();
        let entry = Entry {
            format: FORMAT,
            key,
            deps: deps.own,
            groups,
            files,
        };
        let Ok(json) = serde_json::to_vec(&entry) else {
            return;
        };
        self.write_atomically(&self.entry_path(key), &json);
    }

    /// Written whole, then renamed into place, so a reader never sees half a file.
    fn write_atomically(&self, path: &Path, bytes: &[u8]) {
        let Ok(mut tmp) = tempfile::NamedTempFile::new_in(&self.dir) else {
            return;
        };
        if std::io::Write::write_all(&mut tmp, bytes).is_ok() {
            let _ = tmp.persist(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn dep(path: &Path) -> Dep {
        Dep {
            probe: Probe::Bytes,
            path: path.to_path_buf(),
            fingerprint: fingerprint(Probe::Bytes, path),
        }
    }

    #[test]
    fn a_shared_group_is_stored_once_and_checked_like_the_entry_own_probes() {
        let tmp = tempfile::tempdir().unwrap();
        let (cache_dir, tree) = (tmp.path().join("cache"), tmp.path().join("tree"));
        std::fs::create_dir_all(&tree).unwrap();
        let paths: Vec<PathBuf> = (0..3).map(|i| tree.join(format!("f{i}.yaml"))).collect();
        for p in &paths {
            std::fs::write(p, "a: 1\n").unwrap();
        }
        let group = Arc::new(paths[1..].iter().map(|p| dep(p)).collect::<Vec<_>>());
        let set = |own: &Path| DepSet {
            own: vec![dep(own)],
            groups: vec![group.clone()],
        };
        std::env::set_var(DIR_ENV, &cache_dir);
        let cache = Cache::open(tmp.path(), 7).unwrap();
        cache.put(1, set(&paths[0]), vec![]);
        cache.put(2, set(&paths[0]), vec![]);
        let groups = std::fs::read_dir(&cache_dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with('g')
            })
            .count();
        assert_eq!(groups, 1, "two entries share one group file");
        // A new run: both entries hold.
        let cache = Cache::open(tmp.path(), 7).unwrap();
        assert!(cache.get(1).is_some() && cache.get(2).is_some());
        // A file of the group changes: neither entry holds in the next run.
        std::fs::write(&paths[2], "a: 2\n").unwrap();
        let cache = Cache::open(tmp.path(), 7).unwrap();
        assert!(cache.get(1).is_none() && cache.get(2).is_none());
        // A group file that is gone or damaged holds nothing.
        std::fs::write(&paths[2], "a: 1\n").unwrap();
        for e in std::fs::read_dir(&cache_dir).unwrap() {
            let e = e.unwrap();
            if e.file_name().to_string_lossy().starts_with('g') {
                std::fs::write(e.path(), "[").unwrap();
            }
        }
        let cache = Cache::open(tmp.path(), 7).unwrap();
        assert!(cache.get(1).is_none());
        std::env::remove_var(DIR_ENV);
    }
}
