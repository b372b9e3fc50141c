//! The one place a run reads files through once the walk has named them: Go files
//! of a package folder, module info (`go.mod`), the module's other packages (for
//! callers) and deployment files (for GM006). Rules and `analysis` ask a [`Files`]
//! (reachable from the file they are given, `file.package()`) and never the disk.
//!
//! A run makes one [`Files`]; every worker shares its reads, folder listings and
//! derived indexes ([`Files::memo`]), so a package folder is read and indexed once
//! per run however many files ask about it. Each file's analysis gets its own
//! handle ([`Files::recorder`]) that notes every probe of the disk it depended on
//! ([`Dep`]), index builds included: the results cache (`cache`) keys a folder's
//! findings on them, so nothing a finding depended on can change unnoticed.
//!
//! Memory is bounded by design, not by the size of the tree: file bytes are kept
//! up to [`TEXT_BUDGET`]; a run takes the walked files one package folder at a
//! time and drops that folder's memos when it is done ([`Files::release`]), and
//! memos beyond [`MEMO_BUDGET`] are dropped least recently used first (an
//! evicted memo is rebuilt if asked for again, and its dependencies recorded
//! again); a run without a results cache records no dependencies at all.

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use serde::{Deserialize, Serialize};

use crate::engine::FileGate;
use crate::gofile::GoTree;
use crate::gomod::Module;

/// File bytes kept for reuse, at most (oldest dropped first): siblings asked
/// about by several files of one folder are read once, and memory stays bounded
/// on a large tree. (Measured on two copies of GOROOT/src: 24 MiB cost 21 MB
/// more peak memory than 4 MiB for no CPU the noise could show.)
const TEXT_BUDGET: usize = 8 << 20;

/// Memos kept for reuse, at most, weighed by the bytes their build read (an
/// index is smaller than its sources, so this over-counts). Per-folder memos
/// are released with their folder; this bounds the rest (indexes of packages
/// outside the walk, or asked for after their folder was done).
const MEMO_BUDGET: usize = 32 << 20;

/// The memos asked for last are never evicted, however heavy: a package
/// index larger than the budget must still serve its folder's files.
const MEMO_RECENT: u64 = 16;

/// Source bytes whose parsed trees are kept for reuse, at most (oldest dropped
/// first), the large file being analysed counted in ([`Files::large_turn`]): a
/// tree the package index or a rule's search of the package parsed waits here
/// for the engine and other searches. A tree takes twenty to twenty-five times
/// its text in memory. Measured with the large file counted in: 1 MiB peaked
/// nats-server and minio at 83-85 MB, 768 KiB at 76-80 MB, 512 KiB at 69-79
/// MB but parsed fasthttp's files 152 times instead of 90 (its package, 611
/// KB, no longer fits, and GM002's and GM007's searches of it parse again).
const TREE_BUDGET: usize = 768 << 10;

/// Files of at least this many bytes are analysed one at a time across a
/// run's workers ([`Files::large_turn`]). A file's syntax tree takes about
/// twenty times its text, and its analysis may parse other large files of its
/// package (GM007's search for a pool's other calls): two workers each in a
/// 500 KB file of one 4 MB package (nats-server's `server/`) peaked over 100 MB,
/// where the rest of the run needs half that. Smaller files, nearly all, run
/// as before.
const LARGE_FILE: usize = 256 << 10;

/// A large file's turn (see [`Files::large_turn`]), given back on drop.
pub struct LargeTurn(Option<Arc<Shared>>);

impl Drop for LargeTurn {
    fn drop(&mut self) {
        if let Some(shared) = self.0.take() {
            shared.in_flight.store(0, Ordering::Relaxed);
            *shared.large_busy.lock().unwrap_or_else(|e| e.into_inner()) = false;
            shared.large_free.notify_one();
        }
    }
}

/// What a finding may depend on, probed on disk: each kind has a fingerprint the
/// cache recomputes to tell whether it still holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Probe {
    /// A file's bytes (or that it cannot be read).
    Bytes,
    /// A folder's entries: names and kinds.
    Listing,
    /// Whether a path is a file or a folder, and its length.
    Meta,
    /// The canonical path a path resolves to.
    Canon,
    /// The Go files the walk yields under a folder (ignore files honoured).
    GoTree,
}

/// One probe and what it found, as a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Dep {
    pub probe: Probe,
    pub path: PathBuf,
    pub fingerprint: u64,
}

/// What a folder's findings depended on: its own probes, and the shared
/// groups of large memos' probes (see [`Files::dep_set`]).
#[derive(Debug, Clone, Default)]
pub struct DepSet {
    pub own: Vec<Dep>,
    pub groups: Vec<Arc<Vec<Dep>>>,
}

/// The size from which a memo's dependencies are kept as a shared group.
const GROUP_MIN: usize = 256;

/// One entry of a folder listing. `is_dir` and `is_file` are as
/// `DirEntry::file_type` says (a symbolic link is neither); reading the path
/// follows links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: PathBuf,
    pub name: String,
    pub is_dir: bool,
    pub is_file: bool,
}

/// Whether a path is a file or a folder, and its length.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Meta {
    pub is_file: bool,
    pub is_dir: bool,
    pub len: u64,
}

/// A memo's value and what its build depended on; `id` tells builds apart (a
/// recorder notes each build's dependencies once).
struct Built {
    value: Arc<dyn Any + Send + Sync>,
    deps: Arc<Vec<Dep>>,
    id: u64,
}

type Memo = Arc<OnceLock<Built>>;
type MemoKey = (&'static str, PathBuf, String);

struct Shared {
    /// False for a run without a results cache: nothing needs the dependencies.
    track: bool,
    texts: Mutex<TextCache>,
    listings: Mutex<HashMap<PathBuf, Option<Arc<Vec<Entry>>>>>,
    metas: Mutex<HashMap<PathBuf, Option<Meta>>>,
    canon: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    memos: Mutex<Memos>,
    trees: Mutex<Trees>,
    next_id: AtomicU64,
    /// Whether a large file is being analysed (see [`Files::large_turn`]).
    large_busy: Mutex<bool>,
    large_free: std::sync::Condvar,
    /// The source bytes of the large file being analysed: its trees count
    /// against [`TREE_BUDGET`].
    in_flight: AtomicUsize,
    /// The files the run hands the engine, by tree key, each with its
    /// engine's test of bytes (see [`Files::set_takes`]); unset, every file
    /// is taken to be.
    takes: OnceLock<HashMap<PathBuf, FileGate>>,
}

/// Parsed trees kept for reuse, by file (canonical folder joined with the
/// file name); each slot is filled once, by whoever asks first.
#[derive(Default)]
struct Trees {
    map: HashMap<PathBuf, (TreeSlot, usize)>,
    order: VecDeque<PathBuf>,
    bytes: usize,
    /// The files whose tree the engine took: a tree parsed for them now would
    /// not be taken again; while the engine holds one, whoever asks for the
    /// file's tree gets it.
    taken: HashMap<PathBuf, Weak<GoTree>>,
}

type TreeSlot = Arc<OnceLock<Arc<GoTree>>>;

impl Trees {
    fn remove(&mut self, key: &Path) {
        if let Some((_, w)) = self.map.remove(key) {
            self.bytes -= w;
        }
    }
}

impl Shared {
    fn new(track: bool) -> Shared {
        Shared {
            track,
            texts: Mutex::default(),
            listings: Mutex::default(),
            metas: Mutex::default(),
            canon: Mutex::default(),
            memos: Mutex::default(),
            trees: Mutex::default(),
            next_id: AtomicU64::new(0),
            large_busy: Mutex::new(false),
            large_free: std::sync::Condvar::new(),
            in_flight: AtomicUsize::new(0),
            takes: OnceLock::new(),
        }
    }
}

#[derive(Default)]
struct Memos {
    /// Each memo with when it was last asked for and its weight (0 while it is
    /// being built, which also keeps it from eviction).
    map: HashMap<MemoKey, (Memo, u64, usize)>,
    clock: u64,
    weight: usize,
}

impl Memos {
    fn remove(&mut self, key: &MemoKey) {
        if let Some((_, _, w)) = self.map.remove(key) {
            self.weight -= w;
        }
    }

    /// Over `budget`, drops least recently used memos (not the most recent
    /// few) until the rest fit three quarters of it, so this runs now and then.
    fn evict(&mut self, budget: usize) {
        if self.weight <= budget {
            return;
        }
        let recent = self.clock.saturating_sub(MEMO_RECENT);
        let mut old: Vec<(u64, MemoKey)> = self
            .map
            .iter()
            .filter(|(_, (_, used, w))| *w > 0 && *used <= recent)
            .map(|(k, (_, used, _))| (*used, k.clone()))
            .collect();
        old.sort();
        for (_, key) in old {
            if self.weight <= budget / 4 * 3 {
                break;
            }
            self.remove(&key);
        }
    }
}

/// What one handle's reads depended on: its own probes, and the dependency
/// lists of the memos it used, each build's list shared rather than copied.
#[derive(Default)]
struct Recorded {
    own: Vec<Dep>,
    memos: Vec<Arc<Vec<Dep>>>,
    seen: std::collections::HashSet<u64>,
}

#[derive(Default)]
struct TextCache {
    map: HashMap<PathBuf, Option<Arc<Vec<u8>>>>,
    order: VecDeque<PathBuf>,
    bytes: usize,
}

/// A run's file access (see the module doc). Cloning shares the caches and the
/// recorder; [`Files::recorder`] shares the caches with a fresh recorder.
#[derive(Clone)]
pub struct Files {
    shared: Arc<Shared>,
    deps: Arc<Mutex<Recorded>>,
    /// Bytes read through this handle (a memo's weight).
    read_bytes: Arc<AtomicUsize>,
}

/// A handle that records dependencies (what the results cache needs).
impl Default for Files {
    fn default() -> Files {
        Files::with(Shared::new(true))
    }
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Files")
    }
}

fn hash_of(value: impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

fn parse_tree(text: &str) -> Arc<GoTree> {
    Arc::new(crate::profile::stage("parse", || {
        GoTree::new(text, crate::lang::Go)
    }))
}

/// The results cache's folder for this run, canonical, when it has one: no
/// listing shows it (nothing reads it for an answer, and a first run that
/// creates it inside the tree would otherwise change the listings that the
/// next run checks its entries by).
static HIDDEN_FOLDER: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Hides `dir` (the results cache's folder) from every listing of the run.
pub fn hide_from_listings(dir: &Path) {
    if let Ok(canon) = std::fs::canonicalize(dir) {
        let _ = HIDDEN_FOLDER.set(canon);
    }
}

fn is_hidden_folder(path: &Path) -> bool {
    HIDDEN_FOLDER.get().is_some_and(|h| {
        h.file_name() == path.file_name() && std::fs::canonicalize(path).is_ok_and(|p| &p == h)
    })
}

fn listing_of(dir: &Path) -> Option<Vec<Entry>> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut out: Vec<Entry> = entries
        .filter_map(|e| e.ok())
        .filter(|e| !is_hidden_folder(&e.path()))
        .map(|e| {
            // As `DirEntry::file_type`: a symbolic link is neither.
            let t = e.file_type().ok();
            let (is_dir, is_file) = (
                t.is_some_and(|t| t.is_dir()),
                t.is_some_and(|t| t.is_file()),
            );
            Entry {
                path: e.path(),
                name: e.file_name().to_string_lossy().into_owned(),
                is_dir,
                is_file,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Some(out)
}

fn listing_fingerprint(l: Option<&[Entry]>) -> u64 {
    hash_of(l.map(|l| {
        l.iter()
            .map(|e| (&e.name, e.is_dir, e.is_file))
            .collect::<Vec<_>>()
    }))
}

fn meta_of(path: &Path) -> Option<Meta> {
    let m = std::fs::metadata(path).ok()?;
    Some(Meta {
        is_file: m.is_file(),
        is_dir: m.is_dir(),
        len: m.len(),
    })
}

fn go_tree(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = crate::walk::collect(&[root.to_path_buf()])
        .files
        .into_iter()
        .map(|c| c.path)
        .collect();
    files.sort();
    files
}

/// What `probe` of `path` finds on disk now, as a fingerprint.
pub fn fingerprint(probe: Probe, path: &Path) -> u64 {
    match probe {
        Probe::Bytes => hash_of(std::fs::read(path).ok()),
        Probe::Listing => listing_fingerprint(listing_of(path).as_deref()),
        Probe::Meta => hash_of(meta_of(path)),
        Probe::Canon => hash_of(std::fs::canonicalize(path).ok()),
        Probe::GoTree => hash_of(go_tree(path)),
    }
}

impl Files {
    fn with(shared: Shared) -> Files {
        Files {
            shared: Arc::new(shared),
            deps: Arc::default(),
            read_bytes: Arc::default(),
        }
    }

    /// File access for a run without a results cache: the same caches, no
    /// dependency recorded anywhere (nothing would read them).
    pub fn untracked() -> Files {
        Files::with(Shared::new(false))
    }

    /// True when the run records what its answers depend on (it has a results
    /// cache): code that reuses an answer must then note what it read.
    pub fn tracks(&self) -> bool {
        self.shared.track
    }

    /// A handle on the same caches that records into a fresh dependency list.
    pub fn recorder(&self) -> Files {
        Files {
            shared: self.shared.clone(),
            deps: Arc::default(),
            read_bytes: Arc::default(),
        }
    }

    /// What this handle's reads depended on so far, sorted, without repeats.
    pub fn deps(&self) -> Vec<Dep> {
        let r = self.deps.lock().unwrap();
        let mut d: Vec<Dep> = r
            .own
            .iter()
            .chain(r.memos.iter().flat_map(|m| m.iter()))
            .cloned()
            .collect();
        d.sort();
        d.dedup();
        d
    }

    /// As [`Files::deps`], with the dependencies of each large memo (a
    /// repository-wide index: thousands of probes, the same in every folder
    /// that asks) kept apart as one shared group, which a results cache
    /// stores and checks once rather than in every folder's entry.
    pub fn dep_set(&self) -> DepSet {
        let r = self.deps.lock().unwrap();
        let mut own: Vec<Dep> = r.own.clone();
        let mut groups = vec![];
        for m in &r.memos {
            if m.len() >= GROUP_MIN {
                groups.push(m.clone());
            } else {
                own.extend(m.iter().cloned());
            }
        }
        own.sort();
        own.dedup();
        DepSet { own, groups }
    }

    fn note(&self, probe: Probe, path: &Path, fingerprint: u64) {
        if !self.shared.track {
            return;
        }
        self.deps.lock().unwrap().own.push(Dep {
            probe,
            path: path.to_path_buf(),
            fingerprint,
        });
    }

    /// Notes the dependencies of one memo build, once per handle.
    fn note_memo(&self, built: &Built) {
        if !self.shared.track {
            return;
        }
        let mut r = self.deps.lock().unwrap();
        if r.seen.insert(built.id) {
            r.memos.push(built.deps.clone());
        }
    }

    /// Drops the memos built for folder `dir` (its package index, ...): the
    /// run is done with the folder, and one asked for again is rebuilt.
    pub fn release(&self, dir: &Path) {
        // Memos are keyed by the path as asked, canonical or not; this probe
        // decides nothing, so it is not recorded.
        let canon = std::fs::canonicalize(dir).ok();
        let mut memos = self.shared.memos.lock().unwrap_or_else(|e| e.into_inner());
        let done: Vec<MemoKey> = memos
            .map
            .iter()
            .filter(|(k, (_, _, w))| *w > 0 && (k.1 == dir || Some(&k.1) == canon.as_ref()))
            .map(|(k, _)| k.clone())
            .collect();
        for k in &done {
            memos.remove(k);
        }
        drop(memos);
        let dir = canon.unwrap_or_else(|| dir.to_path_buf());
        let mut trees = self.shared.trees.lock().unwrap_or_else(|e| e.into_inner());
        let done: Vec<PathBuf> = trees
            .map
            .keys()
            .filter(|k| k.parent() == Some(dir.as_path()))
            .cloned()
            .collect();
        for k in &done {
            trees.remove(k);
        }
        trees.order.retain(|k| !done.contains(k));
    }

    /// The parsed tree of `text`, the content of the Go file at `path`: the
    /// same tree for every caller of a run (the engine matching the file, the
    /// package index reading its declarations), parsed by the first. Trees of
    /// files nobody else asks for (tests, generated files) and text that is not
    /// the file's (a fix's result) are parsed and not kept; the rest is kept up
    /// to [`TREE_BUDGET`] and dropped with its folder ([`Files::release`]).
    /// While the engine holds a file's tree ([`Files::take_tree`]), that tree
    /// is the one given. Decides nothing a finding depends on (the text is
    /// compared), so nothing is recorded.
    pub fn tree(&self, path: &Path, text: &str) -> Arc<GoTree> {
        let parse = || parse_tree(text);
        let key = self.tree_key(path);
        {
            let trees = self.shared.trees.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(tree) = trees.taken.get(&key).and_then(Weak::upgrade) {
                if tree.get_text() == text {
                    return tree;
                }
            }
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with("_test.go") || crate::source::is_generated(text) {
            return parse();
        }
        let slot = {
            let mut trees = self.shared.trees.lock().unwrap_or_else(|e| e.into_inner());
            let trees = &mut *trees;
            match trees.map.get(&key) {
                Some((slot, _)) => slot.clone(),
                None => {
                    let slot = TreeSlot::default();
                    trees.map.insert(key.clone(), (slot.clone(), text.len()));
                    trees.order.push_back(key.clone());
                    trees.bytes += text.len();
                    let budget =
                        TREE_BUDGET.saturating_sub(self.shared.in_flight.load(Ordering::Relaxed));
                    while trees.bytes > budget && trees.order.len() > 1 {
                        let old = trees.order.pop_front().unwrap();
                        trees.remove(&old);
                    }
                    slot
                }
            }
        };
        let tree = slot.get_or_init(parse).clone();
        if tree.get_text() == text {
            tree
        } else {
            parse()
        }
    }

    /// The turn to analyse a file of `len` bytes: at once for most files; a
    /// large one (see [`LARGE_FILE`]) waits until no other is being analysed,
    /// and while it is, its bytes count against the kept trees' budget. No
    /// analysis waits on the worker pool, so whoever holds the turn finishes
    /// and gives it back (on drop).
    pub fn large_turn(&self, len: usize) -> LargeTurn {
        if len < LARGE_FILE {
            return LargeTurn(None);
        }
        let shared = &self.shared;
        let mut busy = shared.large_busy.lock().unwrap_or_else(|e| e.into_inner());
        while *busy {
            busy = shared
                .large_free
                .wait(busy)
                .unwrap_or_else(|e| e.into_inner());
        }
        *busy = true;
        shared.in_flight.store(len, Ordering::Relaxed);
        LargeTurn(Some(shared.clone()))
    }

    /// Tells the run's file access which files the engine will be handed, each
    /// with its engine's test of a file's bytes ([`FileGate`]): a package
    /// index then parses whole only the files whose trees the engine will take
    /// (see [`Files::worth_parsing_whole`]). Set once, before any file is read.
    pub fn set_takes<'p>(&self, files: impl IntoIterator<Item = (&'p Path, FileGate)>) {
        let takes = files
            .into_iter()
            .map(|(p, gate)| (self.tree_key(p), gate))
            .collect();
        let _ = self.shared.takes.set(takes);
    }

    /// Whether a tree of `text` (the content of the Go file at `path`) parsed
    /// now would be taken by the engine later in the run: it is among the files
    /// the run hands the engine (see [`Files::set_takes`]), is not generated
    /// (those trees are not kept), starts with a package clause, some rule may
    /// match its bytes, and the engine has not taken it yet. True for every
    /// file when the run did not say. A package index reads the other files from
    /// their skeletons (the same index, a quarter of the bytes parsed). Decides
    /// nothing a finding depends on, so nothing is recorded.
    pub fn worth_parsing_whole(&self, path: &Path, text: &str) -> bool {
        let Some(takes) = self.shared.takes.get() else {
            return true;
        };
        if crate::source::is_generated(text) || !crate::source::starts_with_package(text) {
            return false;
        }
        let key = self.tree_key(path);
        let Some(gate) = takes.get(&key) else {
            return false;
        };
        let taken = {
            let trees = self.shared.trees.lock().unwrap_or_else(|e| e.into_inner());
            trees.taken.contains_key(&key)
        };
        !taken && gate.may_match_file(path, text.as_bytes())
    }

    /// True when trees of `bytes` of source fit the budget of kept trees: a
    /// package index parsing that much whole keeps its trees for the engine.
    pub fn trees_fit(&self, bytes: u64) -> bool {
        bytes <= TREE_BUDGET as u64
    }

    /// The length of the file at `path` (0 when it cannot be read): a hint for
    /// how to read it, deciding nothing a finding depends on, so not recorded.
    pub fn size_hint(&self, path: &Path) -> u64 {
        std::fs::metadata(path).map_or(0, |m| m.len())
    }

    /// The tree of `text` (the content of `path`) when someone parsed it and it
    /// is still kept, or the engine holds it; it stays kept (see [`Files::tree`]).
    pub fn kept_tree(&self, path: &Path, text: &str) -> Option<Arc<GoTree>> {
        let key = self.tree_key(path);
        let trees = self.shared.trees.lock().unwrap_or_else(|e| e.into_inner());
        let tree = match trees.map.get(&key).and_then(|(slot, _)| slot.get()) {
            Some(tree) => tree.clone(),
            None => trees.taken.get(&key)?.upgrade()?,
        };
        (tree.get_text() == text).then_some(tree)
    }

    /// [`Files::tree`] for the engine, the last to need a file's tree: the
    /// tree the package index (or anyone) parsed is taken out of the store,
    /// and one parsed here is not kept.
    pub fn take_tree(&self, path: &Path, text: &str) -> Arc<GoTree> {
        let key = self.tree_key(path);
        let slot = {
            let mut trees = self.shared.trees.lock().unwrap_or_else(|e| e.into_inner());
            let slot = trees.map.get(&key).map(|(slot, _)| slot.clone());
            if slot.is_some() {
                trees.remove(&key);
                trees.order.retain(|k| k != &key);
            }
            slot
        };
        let tree = match slot.map(|s| s.get_or_init(|| parse_tree(text)).clone()) {
            Some(tree) if tree.get_text() == text => tree,
            _ => parse_tree(text),
        };
        let mut trees = self.shared.trees.lock().unwrap_or_else(|e| e.into_inner());
        trees.taken.insert(key, Arc::downgrade(&tree));
        tree
    }

    /// Where [`Files::tree`] keeps the tree of `path`: its folder's canonical
    /// path (not recorded) joined with its name.
    fn tree_key(&self, path: &Path) -> PathBuf {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let hit = self.shared.canon.lock().unwrap().get(dir).cloned();
        let canon = match hit {
            Some(c) => c,
            None => {
                let c = std::fs::canonicalize(dir).ok();
                self.shared
                    .canon
                    .lock()
                    .unwrap()
                    .insert(dir.to_path_buf(), c.clone());
                c
            }
        };
        canon
            .unwrap_or_else(|| dir.to_path_buf())
            .join(path.file_name().unwrap_or_default())
    }

    /// Notes a dependency the caller probed itself (the run reads the walked file).
    pub fn note_bytes(&self, path: &Path, bytes: Option<&[u8]>) {
        self.note(Probe::Bytes, path, hash_of(bytes));
    }

    /// Notes what `probe` of `path` finds now, probing it afresh.
    pub fn note_probe(&self, probe: Probe, path: &Path) {
        self.note(probe, path, fingerprint(probe, path));
    }

    /// The bytes of `path`, or None when it cannot be read.
    pub fn read(&self, path: &Path) -> Option<Arc<Vec<u8>>> {
        let hit = self.shared.texts.lock().unwrap().map.get(path).cloned();
        let bytes = match hit {
            Some(b) => b,
            None => {
                let b = std::fs::read(path).ok().map(Arc::new);
                let mut cache = self.shared.texts.lock().unwrap();
                let len = b.as_ref().map_or(0, |b| b.len());
                if cache.map.insert(path.to_path_buf(), b.clone()).is_none() {
                    cache.order.push_back(path.to_path_buf());
                    cache.bytes += len;
                }
                while cache.bytes > TEXT_BUDGET && cache.order.len() > 1 {
                    let old = cache.order.pop_front().unwrap();
                    if let Some(Some(b)) = cache.map.remove(&old) {
                        cache.bytes -= b.len();
                    }
                }
                b
            }
        };
        let len = bytes.as_ref().map_or(0, |b| b.len());
        self.read_bytes.fetch_add(len, Ordering::Relaxed);
        if !self.shared.track {
            return bytes;
        }
        self.note(
            Probe::Bytes,
            path,
            hash_of(bytes.as_ref().map(|b| b.as_slice())),
        );
        bytes
    }

    /// The text of `path` when it is valid UTF-8 (as `fs::read_to_string`).
    pub fn read_to_string(&self, path: &Path) -> Option<String> {
        let b = self.read(path)?;
        String::from_utf8(b.to_vec()).ok()
    }

    /// The entries of folder `dir`, sorted by name; None when it cannot be listed.
    pub fn read_dir(&self, dir: &Path) -> Option<Arc<Vec<Entry>>> {
        let hit = self.shared.listings.lock().unwrap().get(dir).cloned();
        let listing = match hit {
            Some(l) => l,
            None => {
                let l = listing_of(dir).map(Arc::new);
                self.shared
                    .listings
                    .lock()
                    .unwrap()
                    .insert(dir.to_path_buf(), l.clone());
                l
            }
        };
        self.note(
            Probe::Listing,
            dir,
            listing_fingerprint(listing.as_ref().map(|l| l.as_slice())),
        );
        listing
    }

    /// Whether `path` is a file or a folder and its length; None when it is neither.
    pub fn metadata(&self, path: &Path) -> Option<Meta> {
        let hit = self.shared.metas.lock().unwrap().get(path).cloned();
        let meta = match hit {
            Some(m) => m,
            None => {
                let m = meta_of(path);
                self.shared
                    .metas
                    .lock()
                    .unwrap()
                    .insert(path.to_path_buf(), m);
                m
            }
        };
        self.note(Probe::Meta, path, hash_of(meta));
        meta
    }

    pub fn exists(&self, path: &Path) -> bool {
        self.metadata(path).is_some()
    }

    pub fn is_file(&self, path: &Path) -> bool {
        self.metadata(path).is_some_and(|m| m.is_file)
    }

    pub fn is_dir(&self, path: &Path) -> bool {
        self.metadata(path).is_some_and(|m| m.is_dir)
    }

    /// `fs::canonicalize`, or None when the path does not resolve.
    pub fn canonicalize(&self, path: &Path) -> Option<PathBuf> {
        let hit = self.shared.canon.lock().unwrap().get(path).cloned();
        let canon = match hit {
            Some(c) => c,
            None => {
                let c = std::fs::canonicalize(path).ok();
                self.shared
                    .canon
                    .lock()
                    .unwrap()
                    .insert(path.to_path_buf(), c.clone());
                c
            }
        };
        self.note(Probe::Canon, path, hash_of(&canon));
        canon
    }

    /// The canonical path, or `path` itself when it does not resolve.
    pub fn canonical(&self, path: &Path) -> PathBuf {
        self.canonicalize(path)
            .unwrap_or_else(|| path.to_path_buf())
    }

    /// The Go files the walk yields under `root` (ignore files honoured), sorted.
    pub fn go_tree(&self, root: &Path) -> Arc<Vec<PathBuf>> {
        let files = self.memo("go-tree", root, "", |f| {
            let files = go_tree(root);
            f.note(Probe::GoTree, root, hash_of(&files));
            files
        });
        files
    }

    /// The `.go` entries of folder `dir` (any package, tests included), sorted by name.
    pub fn go_files(&self, dir: &Path) -> Vec<Entry> {
        self.read_dir(dir)
            .map(|l| {
                l.iter()
                    .filter(|e| e.is_file && e.name.ends_with(".go"))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The module of the folder holding `file`: the nearest `go.mod` above it.
    pub fn module_of(&self, file: &Path) -> Option<Arc<Module>> {
        // `x.go` named alone has the empty parent: the current folder, which
        // must resolve like `.` (an empty module root lists no files, and a
        // fix would then find none of the calls it must update).
        let dir = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = self.canonical(&dir);
        self.module_of_dir(&dir)
    }

    fn module_of_dir(&self, dir: &Path) -> Option<Arc<Module>> {
        let found = self.memo("module", dir, "", |f| {
            match f
                .read(&dir.join("go.mod"))
                .and_then(|b| String::from_utf8(b.to_vec()).ok())
            {
                Some(text) => Some(Arc::new(Module::parse(dir.to_path_buf(), &text))),
                None => dir.parent().and_then(|parent| f.module_of_dir(parent)),
            }
        });
        (*found).clone()
    }

    /// A value derived from files (an index of a package, a parsed deployment
    /// file), built once per run for `(kind, path, key)` and shared: the build
    /// runs outside the cache's lock, and what it read is noted on every handle
    /// that asks, so a cached answer carries its dependencies.
    pub fn memo<T: Any + Send + Sync>(
        &self,
        kind: &'static str,
        path: &Path,
        key: &str,
        build: impl FnOnce(&Files) -> T,
    ) -> Arc<T> {
        self.memo_weighed(kind, path, key, true, build)
    }

    /// As [`Files::memo`], for a value that sums up what it read (a list of
    /// the repository's files that set a variable, the images its build files
    /// make): weighed by its dependencies, not by the bytes read. Weighed by
    /// those, a scan of every manifest of a repository with many release
    /// bundles outweighed the whole budget and was evicted and rebuilt for
    /// every question (kserve: 16 builds of one index, 2.4 s).
    pub fn memo_summary<T: Any + Send + Sync>(
        &self,
        kind: &'static str,
        path: &Path,
        key: &str,
        build: impl FnOnce(&Files) -> T,
    ) -> Arc<T> {
        self.memo_weighed(kind, path, key, false, build)
    }

    fn memo_weighed<T: Any + Send + Sync>(
        &self,
        kind: &'static str,
        path: &Path,
        key: &str,
        by_bytes_read: bool,
        build: impl FnOnce(&Files) -> T,
    ) -> Arc<T> {
        let key = (kind, path.to_path_buf(), key.to_string());
        let slot = {
            let mut memos = self.shared.memos.lock().unwrap_or_else(|e| e.into_inner());
            memos.clock += 1;
            let now = memos.clock;
            let e = memos
                .map
                .entry(key.clone())
                .or_insert_with(|| (Memo::default(), now, 0));
            e.1 = now;
            e.0.clone()
        };
        let mut fresh = None;
        let built = slot.get_or_init(|| {
            let inner = self.recorder();
            let value: Arc<dyn Any + Send + Sync> =
                crate::profile::stage(kind, || Arc::new(build(&inner)));
            let deps = Arc::new(inner.deps());
            // What the build read stands for the size of what it made.
            let read = if by_bytes_read {
                inner.read_bytes.load(Ordering::Relaxed)
            } else {
                0
            };
            fresh = Some(read + deps.len() * 96 + 256);
            Built {
                value,
                deps,
                id: self.shared.next_id.fetch_add(1, Ordering::Relaxed),
            }
        });
        if let Some(weight) = fresh {
            let mut memos = self.shared.memos.lock().unwrap_or_else(|e| e.into_inner());
            // Unless dropped meanwhile, the slot is still the one to weigh.
            if let Some(e) = memos.map.get_mut(&key).filter(|e| Arc::ptr_eq(&e.0, &slot)) {
                e.2 = weight;
                memos.weight += weight;
                memos.evict(MEMO_BUDGET);
            }
        }
        self.note_memo(built);
        built
            .value
            .clone()
            .downcast::<T>()
            .expect("one type per memo kind")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memo_hits_carry_their_dependencies() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a.go");
        std::fs::write(&a, "package a\n").unwrap();
        let files = Files::default();
        let first = files.recorder();
        let n = first.memo("len", tmp.path(), "", |f| f.read(&a).map_or(0, |b| b.len()));
        assert_eq!(*n, 10);
        let second = files.recorder();
        let again: Arc<usize> = second.memo("len", tmp.path(), "", |_| unreachable!());
        assert_eq!(*again, 10);
        assert_eq!(first.deps(), second.deps());
        assert_eq!(second.deps().len(), 1);
        let dep = &second.deps()[0];
        assert_eq!(dep.fingerprint, fingerprint(Probe::Bytes, &a));
        std::fs::write(&a, "package b\n").unwrap();
        assert_ne!(dep.fingerprint, fingerprint(Probe::Bytes, &a));
    }

    #[test]
    fn a_released_or_evicted_memo_is_rebuilt_with_its_dependencies() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a.go");
        std::fs::write(&a, "package a\n").unwrap();
        let files = Files::default();
        let builds = AtomicUsize::new(0);
        let len = |h: &Files| {
            *h.memo("len", tmp.path(), "", |f| {
                builds.fetch_add(1, Ordering::Relaxed);
                f.read(&a).map_or(0, |b| b.len())
            })
        };
        let first = files.recorder();
        assert_eq!(len(&first), 10);
        assert_eq!(len(&first), 10);
        assert_eq!(builds.load(Ordering::Relaxed), 1);
        files.release(tmp.path());
        let second = files.recorder();
        assert_eq!(len(&second), 10);
        assert_eq!(builds.load(Ordering::Relaxed), 2);
        assert_eq!(first.deps(), second.deps());
        assert_eq!(second.deps().len(), 1);
        // Over the budget, the least recently used memo goes, never the most recent.
        let mut memos = files.shared.memos.lock().unwrap();
        memos.weight += MEMO_BUDGET;
        let key = ("len", tmp.path().to_path_buf(), String::new());
        memos.clock += MEMO_RECENT + 1;
        memos.evict(MEMO_BUDGET);
        assert!(!memos.map.contains_key(&key));
        drop(memos);
        let third = files.recorder();
        assert_eq!(len(&third), 10);
        assert_eq!(builds.load(Ordering::Relaxed), 3);
        assert_eq!(third.deps(), first.deps());
    }

    #[test]
    fn a_summary_memo_weighs_what_it_keeps_not_what_it_read() {
        let tmp = tempfile::tempdir().unwrap();
        let big = tmp.path().join("bundle.yaml");
        std::fs::write(&big, "x".repeat(1 << 20)).unwrap();
        let files = Files::default();
        let count = |h: &Files, summary: bool| {
            let build = |f: &Files| f.read(&big).map_or(0, |b| b.len());
            if summary {
                *h.memo_summary("len", tmp.path(), "summary", build)
            } else {
                *h.memo("len", tmp.path(), "whole", build)
            }
        };
        let weight = |files: &Files| files.shared.memos.lock().unwrap().weight;
        assert_eq!(count(&files, true), 1 << 20);
        assert!(
            weight(&files) < 4096,
            "a summary is weighed by its dependencies"
        );
        assert_eq!(count(&files, false), 1 << 20);
        assert!(
            weight(&files) > 1 << 20,
            "a memo is weighed by what it read"
        );
    }

    #[test]
    fn large_files_take_turns_and_their_trees_count_against_the_budget() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a.go"), tmp.path().join("b.go"));
        let files = Files::untracked();
        let keep = |f: &Files| {
            f.tree(&a, "package a\n");
            f.tree(&b, "package b\n");
            (
                f.kept_tree(&a, "package a\n").is_some(),
                f.kept_tree(&b, "package b\n").is_some(),
            )
        };
        // A small file takes no turn; both trees fit the budget.
        let small = files.large_turn(1000);
        assert!(small.0.is_none());
        assert_eq!(keep(&files), (true, true));
        files.release(tmp.path());
        // A large file's bytes fill the budget: only the last tree is kept.
        let turn = files.large_turn(TREE_BUDGET);
        assert_eq!(keep(&files), (false, true));
        // A second large file waits for the first to finish.
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let waiter = {
            let (files, done) = (files.clone(), done.clone());
            std::thread::spawn(move || {
                let _turn = files.large_turn(LARGE_FILE);
                done.store(true, Ordering::SeqCst);
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!done.load(Ordering::SeqCst));
        drop(turn);
        waiter.join().unwrap();
        assert!(done.load(Ordering::SeqCst));
        assert_eq!(files.shared.in_flight.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn an_untracked_run_records_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a.go");
        std::fs::write(&a, "package a\n").unwrap();
        let files = Files::untracked();
        assert!(files.read(&a).is_some());
        let n = files.memo("len", tmp.path(), "", |f| f.read(&a).map_or(0, |b| b.len()));
        assert_eq!(*n, 10);
        assert!(files.is_dir(tmp.path()));
        assert!(files.deps().is_empty());
    }

    #[test]
    fn listings_and_metadata_are_fingerprinted() {
        let tmp = tempfile::tempdir().unwrap();
        let files = Files::default();
        assert!(files.go_files(tmp.path()).is_empty());
        assert!(!files.exists(&tmp.path().join("x.go")));
        let deps = files.deps();
        std::fs::write(tmp.path().join("x.go"), "package x\n").unwrap();
        assert!(deps
            .iter()
            .all(|d| d.fingerprint != fingerprint(d.probe, &d.path)));
    }
}
