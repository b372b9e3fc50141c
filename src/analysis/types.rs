//! Declared types from source text, for fixes that must spell a type
//! (`make([]T, n)`, `make(map[K]V)`) and checks that ask what a name is.
//!
//! This is not a type checker: it reads declarations. The type of an identifier
//! comes from its nearest declaration in scope (parameters, receivers, results,
//! `var x T`, `x := make(T, n)`, `x := T{...}`, `x := &T{...}`, range variables
//! over collections of known type, package-level variables); a field `s.buf` comes
//! from the struct declaration, in this file or in any other non-test file of the
//! package (a [`PackageIndex`], built once per folder and shared by all workers).
//! When a declaration does not say the type plainly, the answer is `None`: callers
//! fall back, they never guess.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use ast_grep_core::AstGrep;

use crate::analysis::pools;
use crate::analysis::scope::enclosing_function;
use crate::gofile::{GoFile, GoNode, GoTree};
use crate::lang::Go;
use crate::narrow::Skeleton;
use crate::package::Files;

/// How deep the resolver follows `x := y`, `s.a.b` or embedded structs.
const MAX_DEPTH: usize = 8;

/// Import name → import path, for the file a declaration comes from: a type text
/// such as `*bytes.Buffer` means something only together with its file's imports.
type ImportMap = Arc<BTreeMap<String, String>>;

/// A type as written in some file of the package.
#[derive(Debug, Clone)]
struct Written {
    text: String,
    imports: ImportMap,
}

/// The result types of a function, as written in its file.
#[derive(Debug, Clone)]
struct FuncResults {
    types: Vec<String>,
    imports: ImportMap,
}

/// Results of standard-library functions that rules meet often.
const KNOWN_RESULTS: &[(&str, &str, &[&str])] = &[
    ("os", "ReadFile", &["[]byte", "error"]),
    ("io", "ReadAll", &["[]byte", "error"]),
    ("io/ioutil", "ReadAll", &["[]byte", "error"]),
    ("io/ioutil", "ReadFile", &["[]byte", "error"]),
];

/// A named type declared at package level.
#[derive(Debug, Clone, Default)]
pub struct TypeDecl {
    /// The type it is declared as: `struct { ... }`, `[]byte`, `map[string]int`.
    pub underlying: String,
    /// Named struct fields with their type texts, in declaration order.
    pub fields: Vec<(String, String)>,
    /// Embedded struct fields, as written (`*bytes.Buffer`, `base`).
    pub embedded: Vec<String>,
    /// True for a generic type: its field types may name type parameters.
    pub generic: bool,
    /// The names of its type parameters, in order (`[K comparable, V any]`).
    pub type_params: Vec<String>,
    imports: ImportMap,
}

impl TypeDecl {
    /// The import path that qualifier `name` (as in `sync.Pool`) stands for in the
    /// file declaring this type.
    pub fn import_path(&self, name: &str) -> Option<&str> {
        self.imports.get(name).map(String::as_str)
    }
}

/// What one package declares at its top level, read from the non-test `.go` files
/// of its folder that share its package clause. Declarations that differ between
/// files (build-tagged variants) are dropped as ambiguous.
#[derive(Debug, Default)]
pub struct PackageIndex {
    types: HashMap<String, TypeDecl>,
    /// Method names by receiver base type name (`*T`, `T` and `T[X]` all count as `T`).
    methods: HashMap<String, BTreeSet<String>>,
    vars: HashMap<String, Written>,
    /// Package variables of no written type set from a call of a package
    /// function (`var Default = New()`): the function's name.
    var_calls: HashMap<String, String>,
    /// Integer constants declared with a literal value (`const frameSize = 64
    /// << 10`), for the constant evaluator's names from other files.
    consts: HashMap<String, i64>,
    /// Result types of the package's non-generic functions.
    funcs: HashMap<String, FuncResults>,
    /// For each function (`F`) and method (`T.M`), the positions of the
    /// parameters it resets before any other use ([`pools::params_reset_first`]):
    /// what GM002 asks of a helper that a pooled object is handed to.
    param_resets: HashMap<String, Resets>,
    ambiguous: BTreeSet<String>,
}

/// What [`pools::params_reset_first`] says of one function: worked out on
/// first ask from the function's text alone (an index read from a file's
/// [`Skeleton`] has no bodies; few functions are ever asked about, so a whole
/// file's are not worked out up front either), known at once for a function
/// declared more than once (the declarations are compared), without a body,
/// or in a file with a syntax error.
#[derive(Debug)]
enum Resets {
    Known(BTreeSet<usize>),
    Later(Body),
}

/// Where a function declaration is: in its file, with a hash of its text (the
/// file is read again to parse it: it must not have changed), or in a tree at
/// hand (a file's own index: its tree lives as long as the file).
#[derive(Debug)]
struct Body {
    at: BodyAt,
    start: usize,
    end: usize,
    value: OnceLock<Option<BTreeSet<usize>>>,
}

enum BodyAt {
    File { path: PathBuf, hash: u64 },
    Tree(Arc<GoTree>),
}

impl std::fmt::Debug for BodyAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyAt::File { path, hash } => write!(f, "File({}, {hash})", path.display()),
            BodyAt::Tree(_) => f.write_str("Tree"),
        }
    }
}

impl Body {
    fn resets(&self, files: &Files) -> Option<BTreeSet<usize>> {
        let is_func = |d: &GoNode| {
            matches!(
                d.kind().as_ref(),
                "function_declaration" | "method_declaration"
            )
        };
        self.value
            .get_or_init(|| match &self.at {
                BodyAt::File { path, hash } => {
                    let text = files.read_to_string(path)?;
                    let decl = text.get(self.start..self.end)?;
                    if crate::cache::hash_of(decl) != *hash {
                        return None;
                    }
                    let root = crate::profile::stage("index parse", || AstGrep::new(decl, Go));
                    let func = root.root().children().find(is_func)?;
                    Some(pools::params_reset_first(&func))
                }
                BodyAt::Tree(tree) => {
                    let func = tree
                        .root()
                        .children()
                        .find(|d| d.range().start == self.start && is_func(d))?;
                    Some(pools::params_reset_first(&func))
                }
            })
            .clone()
    }

    /// The same declaration as `other`'s.
    fn same_place(&self, other: &Body) -> bool {
        let at = match (&self.at, &other.at) {
            (BodyAt::File { path: a, .. }, BodyAt::File { path: b, .. }) => a == b,
            (BodyAt::Tree(a), BodyAt::Tree(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        at && self.start == other.start
    }
}

/// One insertion into a [`PackageIndex`], in the order a file's declarations
/// make them (which decides what two build-tagged files' disagreement drops).
enum Op {
    Type(String, TypeDecl),
    Resets(String, Resets),
    Method(String, String),
    Func(String, FuncResults),
    Var(String, Written),
    VarCall(String, String),
    Const(String, i64),
}

/// A file read from its [`Skeleton`], or whole: a function whose body was cut
/// (every body of a whole file) gets its resets later, from the file's text
/// at `path`, or from the whole tree when it is at hand.
struct SkeletonOf<'s> {
    /// None for a file parsed whole, whose every body is read later.
    skeleton: Option<&'s Skeleton>,
    path: &'s Path,
    text: &'s str,
    tree: Option<&'s Arc<GoTree>>,
}

impl PackageIndex {
    /// Builds an index from the texts of the package's files.
    pub fn from_sources<'s>(sources: impl IntoIterator<Item = &'s str>) -> PackageIndex {
        let mut index = PackageIndex::default();
        for text in sources {
            let root = AstGrep::new(text, Go);
            index.add_file(&root.root());
        }
        index
    }

    /// The index of the package `file` belongs to (its folder, same package
    /// clause, `_test.go` files excluded), built once per folder and run.
    pub fn for_file(file: &GoFile) -> Arc<PackageIndex> {
        // A file named alone (`gomemfix check main.go`) has the folder `""`:
        // `package_dir` reads it as `.`.
        Self::cached(
            file.package(),
            file.package_dir(),
            file.package_name.clone(),
        )
    }

    fn cached(files: &Files, dir: PathBuf, package: String) -> Arc<PackageIndex> {
        files.memo("package-index", &dir, &package, |f| {
            PackageIndex::of_dir(f, &dir, &package)
        })
    }

    /// Reads and indexes the non-test `.go` files of `dir` whose package is `package`.
    ///
    /// A folder whose sources fit the run's tree budget is parsed whole, through
    /// the run's shared trees, which the engine then takes: one parse per file.
    /// A larger folder's trees would not be kept, so the engine would parse its
    /// files again: each file is read from its [`Skeleton`] instead (its
    /// declarations without function bodies, a quarter of its bytes), unless
    /// its tree is at hand. So is a file of a folder that fits whose tree the
    /// engine will not take ([`Files::worth_parsing_whole`]: no rule can fire
    /// in it, or the engine took it already).
    pub fn of_dir(files: &Files, dir: &Path, package: &str) -> PackageIndex {
        let Some(entries) = files.read_dir(dir) else {
            return PackageIndex::default();
        };
        let mut paths: Vec<PathBuf> = entries
            .iter()
            .map(|e| e.path.clone())
            .filter(|p| {
                p.extension().is_some_and(|x| x == "go")
                    && !p
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with("_test.go"))
            })
            .collect();
        paths.sort();
        let whole = files.trees_fit(paths.iter().map(|p| files.size_hint(p)).sum());
        Self::of_files(files, paths, package, whole)
    }

    /// [`PackageIndex::of_dir`] over `paths`: parsed `whole`, or read from
    /// skeletons (both give the same index).
    fn of_files(files: &Files, paths: Vec<PathBuf>, package: &str, whole: bool) -> PackageIndex {
        // Each file's path and insertions, in name order.
        let mut read: Vec<(PathBuf, Vec<Op>)> = vec![];
        // A whole file's functions have their resets worked out when asked
        // (`lazy`; few are), as a skeleton's cut bodies do, unless the file has
        // a syntax error (a body is then read as the whole file's parse reads it).
        let whole_ops = |p: &Path, text: &str, lazy: bool| {
            let root = files.tree(p, text);
            let top = root.root();
            let of = SkeletonOf {
                skeleton: None,
                path: p,
                text,
                tree: None,
            };
            let lazy = lazy && !top.get_inner_node().has_error();
            let mut ops = vec![];
            (package_of(&top).as_deref() == Some(package)).then(|| {
                file_ops(&top, lazy.then_some(&of), &mut ops);
                ops
            })
        };
        for p in paths {
            let Some(text) = files.read_to_string(&p) else {
                continue;
            };
            // A whole tree only pays when the engine will take it.
            let whole = whole && files.worth_parsing_whole(&p, &text);
            let kept = if whole {
                None
            } else {
                files.kept_tree(&p, &text)
            };
            if whole || kept.is_some() {
                if let Some(ops) = whole_ops(&p, &text, true) {
                    read.push((p, ops));
                }
                continue;
            }
            let skeleton = Skeleton::of(&text);
            let parsed = skeleton.as_ref().map(|sk| {
                crate::profile::stage("index parse", || AstGrep::new(sk.text.as_str(), Go))
            });
            let ops = match (&skeleton, &parsed) {
                // A syntax error is left to the parser's reading of the whole file.
                (Some(skeleton), Some(root)) if !root.root().get_inner_node().has_error() => {
                    let top = root.root();
                    let mut ops = vec![];
                    (package_of(&top).as_deref() == Some(package)).then(|| {
                        let of = SkeletonOf {
                            skeleton: Some(skeleton),
                            path: &p,
                            text: &text,
                            tree: None,
                        };
                        file_ops(&top, Some(&of), &mut ops);
                        ops
                    })
                }
                _ => whole_ops(&p, &text, true),
            };
            if let Some(ops) = ops {
                read.push((p, ops));
            }
        }
        // A file where a function declared twice could not be worked out (it
        // changed) is read again whole.
        for i in settle_repeated(files, &mut read) {
            let p = read[i].0.clone();
            if let Some(ops) = files
                .read_to_string(&p)
                .and_then(|t| whole_ops(&p, &t, false))
            {
                read[i].1 = ops;
            }
        }
        let mut index = PackageIndex::default();
        for (_, ops) in read {
            index.apply(ops);
        }
        index
    }

    /// True when `type_name` (`T`, `*T` or `T[X]`) has a method `method`: declared
    /// in the package on `T` or `*T`, or promoted from a struct field embedding a type
    /// of the same package. Methods of types from other packages are not known here.
    pub fn has_method(&self, type_name: &str, method: &str) -> bool {
        self.has_method_at(&base_type_name(type_name), method, 0)
    }

    fn has_method_at(&self, name: &str, method: &str, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        if self.methods.get(name).is_some_and(|m| m.contains(method)) {
            return true;
        }
        self.types.get(name).is_some_and(|t| {
            t.embedded
                .iter()
                .filter(|e| !e.contains('.'))
                .any(|e| self.has_method_at(&base_type_name(e), method, depth + 1))
        })
    }

    /// The names of the package's struct types that declare a field `field`.
    pub fn types_with_field(&self, field: &str) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .types
            .iter()
            .filter(|(_, t)| t.fields.iter().any(|(f, _)| f == field))
            .map(|(n, _)| n.as_str())
            .collect();
        names.sort_unstable();
        names
    }

    /// The positions of the parameters that function `name` (or method `T.name`)
    /// resets before any other use; None when the function is not known (or its
    /// file changed since the index read it). `files` reads a body the index
    /// did not parse.
    pub fn param_resets(&self, files: &Files, name: &str) -> Option<BTreeSet<usize>> {
        match self.param_resets.get(name)? {
            Resets::Known(r) => Some(r.clone()),
            Resets::Later(body) => body.resets(files),
        }
    }

    /// The index of the package in folder `dir` (its non-test files' package
    /// clause, the one most of them share), built once per folder and run.
    pub fn for_dir(files: &Files, dir: &Path) -> Option<Arc<PackageIndex>> {
        let dir = files.canonicalize(dir)?;
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for entry in files.read_dir(&dir)?.iter() {
            let p = &entry.path;
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !name.ends_with(".go") || name.ends_with("_test.go") {
                continue;
            }
            let Some(text) = files.read_to_string(p) else {
                continue;
            };
            let clause = text
                .lines()
                .map(str::trim)
                .find_map(|l| l.strip_prefix("package "))
                .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string());
            if let Some(c) = clause.filter(|c| !c.is_empty()) {
                *counts.entry(c).or_default() += 1;
            }
        }
        let package = counts.into_iter().max_by_key(|(_, n)| *n)?.0;
        Some(Self::cached(files, dir, package))
    }

    /// The package-level type declaration named `name`.
    pub fn type_decl(&self, name: &str) -> Option<&TypeDecl> {
        self.types.get(name)
    }

    /// The type of package-level variable `name` as written in its own file, with
    /// that file's import names (so `xs.Pool` can be told to be `sync.Pool` even
    /// where the asking file does not import `sync`).
    /// The value of an integer constant of the package declared with a literal.
    pub fn const_value(&self, name: &str) -> Option<i64> {
        self.consts.get(name).copied()
    }

    pub fn var_type(&self, name: &str) -> Option<(&str, &BTreeMap<String, String>)> {
        self.vars
            .get(name)
            .map(|w| (w.text.as_str(), w.imports.as_ref()))
    }

    /// The first (by name) package-level variable whose type is `type_name` or a
    /// pointer to it: a value of that type the package keeps for the process.
    /// A variable set from a package function with that one result (`var
    /// Default = New()`) counts too.
    pub fn var_holding(&self, type_name: &str) -> Option<&str> {
        let is_it = |t: &str| {
            let t = t.trim();
            t.strip_prefix('*').unwrap_or(t).trim() == type_name
        };
        let built = self.var_calls.iter().filter(|(_, f)| {
            self.funcs
                .get(f.as_str())
                .is_some_and(|r| matches!(r.types.as_slice(), [t] if is_it(t)))
        });
        self.vars
            .iter()
            .filter(|(_, w)| is_it(&w.text))
            .map(|(name, _)| name.as_str())
            .chain(built.map(|(name, _)| name.as_str()))
            .min()
    }

    /// Indexes `file` alone, its functions' resets worked out when asked
    /// (from its tree, which lives as long as the file and this index).
    fn of_own_file(file: &GoFile) -> PackageIndex {
        let top = file.root.root();
        let of = SkeletonOf {
            skeleton: None,
            path: file.path,
            text: file.text(),
            tree: Some(&file.root),
        };
        let lazy = !top.get_inner_node().has_error();
        let mut ops = vec![];
        file_ops(&top, lazy.then_some(&of), &mut ops);
        let mut read = vec![(file.path.to_path_buf(), ops)];
        // A tree's bodies are always at hand, so nothing is left to read again.
        settle_repeated(file.package(), &mut read);
        let mut index = PackageIndex::default();
        for (_, ops) in read {
            index.apply(ops);
        }
        index
    }

    fn add_file(&mut self, top: &GoNode) {
        let mut ops = vec![];
        file_ops(top, None, &mut ops);
        self.apply(ops);
    }

    /// Makes the insertions in order (see [`insert_once`]).
    fn apply(&mut self, ops: Vec<Op>) {
        for op in ops {
            match op {
                Op::Type(key, t) => {
                    insert_once(&mut self.types, &mut self.ambiguous, key, t, |a, b| {
                        a.underlying == b.underlying
                    })
                }
                Op::Resets(key, r) => insert_once(
                    &mut self.param_resets,
                    &mut self.ambiguous,
                    key,
                    r,
                    same_resets,
                ),
                Op::Method(ty, name) => {
                    self.methods.entry(ty).or_default().insert(name);
                }
                Op::Func(key, w) => {
                    insert_once(&mut self.funcs, &mut self.ambiguous, key, w, |a, b| {
                        a.types == b.types
                    })
                }
                Op::Var(key, w) => {
                    insert_once(&mut self.vars, &mut self.ambiguous, key, w, |a, b| {
                        a.text == b.text
                    })
                }
                Op::Const(key, v) => {
                    insert_once(&mut self.consts, &mut self.ambiguous, key, v, |a, b| a == b)
                }
                Op::VarCall(key, f) => {
                    insert_once(&mut self.var_calls, &mut self.ambiguous, key, f, |a, b| {
                        a == b
                    })
                }
            }
        }
    }
}

/// Two declarations of one function (build-tagged variants: `syscall`'s
/// per-platform files declare thousands; `init`) disagree or not by their
/// resets: among the files `read` (each file's insertions), those not worked
/// out yet are now, each from its own text or tree. Returns the files where
/// one could not be (the file changed since it was read).
fn settle_repeated(files: &Files, read: &mut [(PathBuf, Vec<Op>)]) -> Vec<usize> {
    let mut declared: HashMap<String, usize> = HashMap::new();
    for op in read.iter().flat_map(|(_, ops)| ops) {
        if let Op::Resets(k, _) = op {
            *declared.entry(k.clone()).or_default() += 1;
        }
    }
    let mut failed = vec![];
    for (i, (_, ops)) in read.iter_mut().enumerate() {
        for op in ops.iter_mut() {
            let Op::Resets(k, r) = op else { continue };
            let Resets::Later(body) = r else { continue };
            if declared[k.as_str()] < 2 {
                continue;
            }
            match body.resets(files) {
                Some(known) => *r = Resets::Known(known),
                None => failed.push(i),
            }
        }
    }
    failed.dedup();
    failed
}

/// Two declarations' resets agree. [`PackageIndex::of_dir`] works out the
/// resets of every function declared twice, so both are known here.
fn same_resets(a: &Resets, b: &Resets) -> bool {
    match (a, b) {
        (Resets::Known(a), Resets::Known(b)) => a == b,
        (Resets::Later(a), Resets::Later(b)) => a.same_place(b),
        _ => false,
    }
}

/// The resets of function declaration `decl`: from its body, or, when `of` says
/// the body was cut, to be worked out later from the file.
fn resets_of(decl: &GoNode, of: Option<&SkeletonOf>) -> Resets {
    let cut = of.filter(|of| {
        decl.field("body")
            .is_some_and(|b| of.skeleton.is_none_or(|sk| sk.is_cut_body(b.range().start)))
    });
    let Some(of) = cut else {
        return Resets::Known(pools::params_reset_first(decl));
    };
    let r = decl.range();
    let (start, end) = match of.skeleton {
        Some(sk) => (sk.original(r.start), sk.original(r.end)),
        None => (r.start, r.end),
    };
    let at = match of.tree {
        Some(tree) => BodyAt::Tree(tree.clone()),
        None => BodyAt::File {
            path: of.path.to_path_buf(),
            hash: crate::cache::hash_of(&of.text[start..end]),
        },
    };
    Resets::Later(Body {
        at,
        start,
        end,
        value: OnceLock::new(),
    })
}

/// The insertions one file's declarations make, in order, onto `ops`.
fn file_ops(top: &GoNode, of: Option<&SkeletonOf>, ops: &mut Vec<Op>) {
    let imports = import_map(top);
    for decl in top.children() {
        match decl.kind().as_ref() {
            "type_declaration" => {
                for spec in decl.children() {
                    if let Some((name, t)) = type_spec(&spec, &imports) {
                        ops.push(Op::Type(name, t));
                    }
                }
            }
            "method_declaration" => {
                let recv = decl
                    .field("receiver")
                    .and_then(|r| r.children().find(|c| c.kind() == "parameter_declaration"))
                    .and_then(|p| p.field("type"));
                if let (Some(recv), Some(name)) = (recv, decl.field("name")) {
                    let base = base_type_name(&recv.text());
                    ops.push(Op::Resets(
                        format!("{base}.{}", name.text()),
                        resets_of(&decl, of),
                    ));
                    ops.push(Op::Method(base, name.text().to_string()));
                }
            }
            "function_declaration" => {
                if let Some(name) = decl.field("name") {
                    ops.push(Op::Resets(name.text().to_string(), resets_of(&decl, of)));
                }
                let (Some(name), Some(result)) = (decl.field("name"), decl.field("result")) else {
                    continue;
                };
                if decl.field("type_parameters").is_some() {
                    continue;
                }
                if let Some(types) = result_types(&result) {
                    let w = FuncResults {
                        types,
                        imports: imports.clone(),
                    };
                    ops.push(Op::Func(name.text().to_string(), w));
                }
            }
            "const_declaration" => {
                for spec in decl.children().filter(|c| c.kind() == "const_spec") {
                    let names: Vec<_> = spec.field_children("name").collect();
                    let values: Vec<_> = spec
                        .field("value")
                        .map(|v| v.named_children().collect())
                        .unwrap_or_default();
                    if names.len() != values.len() {
                        continue;
                    }
                    for (n, v) in names.iter().zip(&values) {
                        if let Some(x) = crate::analysis::constants::literal_int(v) {
                            ops.push(Op::Const(n.text().to_string(), x));
                        }
                    }
                }
            }
            "var_declaration" => {
                for spec in var_specs(&decl) {
                    for name in spec.field_children("name") {
                        let Some(text) = spec_type(&spec, &name, None) else {
                            if let Some(f) = constructor_called(&spec) {
                                ops.push(Op::VarCall(name.text().to_string(), f));
                            }
                            continue;
                        };
                        let w = Written {
                            text,
                            imports: imports.clone(),
                        };
                        ops.push(Op::Var(name.text().to_string(), w));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Inserts `value` unless the name is known with a different value, in which case
/// the name is dropped for good (two build-tagged files disagree).
fn insert_once<V>(
    map: &mut HashMap<String, V>,
    ambiguous: &mut BTreeSet<String>,
    key: String,
    value: V,
    same: impl Fn(&V, &V) -> bool,
) {
    if ambiguous.contains(&key) {
        return;
    }
    match map.get(&key) {
        Some(old) if !same(old, &value) => {
            map.remove(&key);
            ambiguous.insert(key);
        }
        Some(_) => {}
        None => {
            map.insert(key, value);
        }
    }
}

fn package_of(top: &GoNode) -> Option<String> {
    top.children()
        .find(|c| c.kind() == "package_clause")?
        .children()
        .find(|c| c.kind() == "package_identifier")
        .map(|n| n.text().to_string())
}

fn import_map(top: &GoNode) -> ImportMap {
    let mut map = BTreeMap::new();
    for decl in top.children().filter(|d| d.kind() == "import_declaration") {
        for spec in decl.dfs().filter(|n| n.kind() == "import_spec") {
            let Some(path) = spec.field("path") else {
                continue;
            };
            let path = path
                .text()
                .trim_matches(|c| c == '"' || c == '`')
                .to_string();
            let name = match spec.field("name") {
                Some(n) => n.text().to_string(),
                None => crate::gofile::default_package_name(&path).to_string(),
            };
            map.insert(name, path);
        }
    }
    Arc::new(map)
}

fn type_spec(spec: &GoNode, imports: &ImportMap) -> Option<(String, TypeDecl)> {
    if !matches!(spec.kind().as_ref(), "type_spec" | "type_alias") {
        return None;
    }
    let name = spec.field("name")?.text().to_string();
    let ty = spec.field("type")?;
    let type_params: Vec<String> = spec
        .field("type_parameters")
        .map(|list| {
            list.named_children()
                .filter(|d| d.kind() == "type_parameter_declaration")
                .flat_map(|d| {
                    d.field_children("name")
                        .map(|n| n.text().to_string())
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .unwrap_or_default();
    let mut decl = TypeDecl {
        underlying: ty.text().to_string(),
        generic: spec.field("type_parameters").is_some(),
        type_params,
        imports: imports.clone(),
        ..TypeDecl::default()
    };
    if ty.kind() == "struct_type" {
        for field in ty.dfs().filter(|n| n.kind() == "field_declaration") {
            // Only this struct's own fields, not those of nested struct types.
            if field
                .ancestors()
                .find(|a| a.kind() == "struct_type")
                .map(|s| s.range())
                != Some(ty.range())
            {
                continue;
            }
            let Some(fty) = field.field("type") else {
                continue;
            };
            let names: Vec<_> = field.field_children("name").collect();
            if names.is_empty() {
                decl.embedded.push(field_type_text(&field, &fty));
            }
            for n in names {
                decl.fields
                    .push((n.text().to_string(), fty.text().to_string()));
            }
        }
    }
    Some((name, decl))
}

/// An embedded field's type text including a leading `*` that the grammar keeps
/// outside the `type` field.
fn field_type_text(field: &GoNode, fty: &GoNode) -> String {
    let text = field.text();
    let start = fty.range().start - field.range().start;
    let before = text[..start].trim();
    format!("{before}{}", fty.text())
}

/// The type arguments of an instantiated type's text (`*Cache[K, []V]` gives `K`
/// and `[]V`); None when it has none.
fn type_arguments(ty: &str) -> Option<Vec<String>> {
    let t = ty.trim().trim_start_matches('*');
    let open = t.find('[')?;
    let inner = t[open + 1..].strip_suffix(']')?;
    let mut args = vec![];
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => depth -= 1,
            ',' if depth == 0 => {
                args.push(inner[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    args.push(inner[start..].trim().to_string());
    (!args.iter().any(String::is_empty)).then_some(args)
}

/// `text` with each identifier that is one of `params` (not a field or package
/// member after a `.`) replaced by the matching argument.
fn substitute_names(text: &str, params: &[String], args: &[String]) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let mut prev = ' ';
    let flush = |word: &mut String, out: &mut String, prev: char| {
        if word.is_empty() {
            return;
        }
        let arg = (prev != '.')
            .then(|| params.iter().position(|p| p == word))
            .flatten();
        match arg {
            Some(i) => out.push_str(&args[i]),
            None => out.push_str(word),
        }
        word.clear();
    };
    let mut before_word = ' ';
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            if word.is_empty() {
                before_word = prev;
            }
            word.push(c);
        } else {
            flush(&mut word, &mut out, before_word);
            out.push(c);
        }
        prev = c;
    }
    flush(&mut word, &mut out, before_word);
    out
}

/// The types of a function's results, one per result (`(a, b int)` gives two).
fn result_types(result: &GoNode) -> Option<Vec<String>> {
    if result.kind() != "parameter_list" {
        return Some(vec![result.text().to_string()]);
    }
    let mut out = vec![];
    for p in result.children() {
        if p.kind() == "variadic_parameter_declaration" {
            return None;
        }
        if p.kind() != "parameter_declaration" {
            continue;
        }
        let ty = p.field("type")?.text().to_string();
        let names = p.field_children("name").count().max(1);
        out.extend(std::iter::repeat_n(ty, names));
    }
    Some(out)
}

/// Infers the type of a value expression in its function.
type Infer<'i> = dyn Fn(&GoNode) -> Option<String> + 'i;

/// The `var_spec`s of a `var` declaration, grouped or not.
/// The package function a lone variable of no written type is set from
/// (`var Default = New()`), by name; not `make`, `new` or a conversion.
fn constructor_called(spec: &GoNode) -> Option<String> {
    if spec.field_children("name").count() != 1 {
        return None;
    }
    let values: Vec<_> = spec.field("value")?.named_children().collect();
    let [value] = values.as_slice() else {
        return None;
    };
    let func = (value.kind() == "call_expression")
        .then(|| value.field("function"))
        .flatten()?;
    let name = func.text().to_string();
    (func.kind() == "identifier" && name != "make" && name != "new").then_some(name)
}

fn var_specs<'r>(decl: &GoNode<'r>) -> Vec<GoNode<'r>> {
    decl.dfs()
        .filter(|n| n.kind() == "var_spec")
        .filter(|n| {
            n.ancestors()
                .find(|a| a.kind() == "var_declaration")
                .is_some_and(|d| d.range() == decl.range())
        })
        .collect()
}

/// The type `var_spec` gives `name`: the stated type, else the type of the value
/// at the same position, inferred with `infer` when given (in a function) or from
/// the literal alone (at package level).
fn spec_type(spec: &GoNode, name: &GoNode, infer: Option<&Infer>) -> Option<String> {
    if let Some(t) = spec.field("type") {
        return Some(t.text().to_string());
    }
    let pos = spec
        .field_children("name")
        .position(|n| n.range() == name.range())?;
    let values: Vec<_> = spec.field("value")?.named_children().collect();
    if values.len() != spec.field_children("name").count() {
        return None;
    }
    let value = values.get(pos)?;
    match infer {
        Some(f) => f(value),
        None => literal_type(value),
    }
}

/// The type an expression shows by itself: a composite literal, `&T{}`,
/// `make(T, ...)`, `new(T)`, a conversion `[]byte(s)`, a basic literal.
fn literal_type(e: &GoNode) -> Option<String> {
    match e.kind().as_ref() {
        "composite_literal" => Some(e.field("type")?.text().to_string()),
        "unary_expression" => {
            let op = e.field("operand")?;
            let is_addr = e.field("operator").is_some_and(|o| o.text() == "&")
                || e.text().trim_start().starts_with('&');
            (is_addr && op.kind() == "composite_literal")
                .then(|| literal_type(&op).map(|t| format!("*{t}")))
                .flatten()
        }
        "call_expression" => {
            let func = e.field("function")?;
            let first = e.field("arguments")?.named_children().next()?;
            match func.text().as_ref() {
                "make" => Some(first.text().to_string()),
                "new" => Some(format!("*{}", first.text())),
                _ => None,
            }
        }
        "type_conversion_expression" => Some(e.field("type")?.text().to_string()),
        "interpreted_string_literal" | "raw_string_literal" => Some("string".into()),
        "int_literal" => Some("int".into()),
        "float_literal" => Some("float64".into()),
        "rune_literal" => Some("rune".into()),
        "true" | "false" => Some("bool".into()),
        "parenthesized_expression" => literal_type(&e.named_children().next()?),
        _ => None,
    }
}

/// `T` for `T`, `*T`, `T[X]`, `pkg.T` stays `pkg.T`.
pub fn base_type_name(text: &str) -> String {
    let t = text.trim().trim_start_matches('*').trim();
    let t = t.split('[').next().unwrap_or(t);
    t.trim().to_string()
}

/// Key and value types of `map[K]V` (after parentheses and spaces are trimmed).
pub fn map_key_value(ty: &str) -> Option<(String, String)> {
    let rest = ty.trim().strip_prefix("map")?.trim_start();
    let rest = rest.strip_prefix('[')?;
    let close = matching_close(rest)?;
    let key = rest[..close].trim();
    let value = rest[close + 1..].trim();
    (!key.is_empty() && !value.is_empty()).then(|| (key.to_string(), value.to_string()))
}

/// Element type of a slice type `[]T`; None for arrays and everything else.
pub fn slice_elem(ty: &str) -> Option<String> {
    let t = ty.trim().strip_prefix("[]")?.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Element type of an array type `[N]T` or `[...]T`.
pub fn array_elem(ty: &str) -> Option<String> {
    let rest = ty.trim().strip_prefix('[')?;
    let close = matching_close(rest)?;
    if rest[..close].trim().is_empty() {
        return None;
    }
    let elem = rest[close + 1..].trim();
    (!elem.is_empty()).then(|| elem.to_string())
}

/// Offset of the `]` closing the bracket opened just before `s`.
fn matching_close(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '[' | '(' | '{' => depth += 1,
            ']' if depth == 0 => return Some(i),
            ']' | ')' | '}' => depth = depth.checked_sub(1)?,
            _ => {}
        }
    }
    None
}

/// Package qualifiers a type text uses (`bytes` in `*bytes.Buffer`).
fn qualifiers(text: &str) -> Vec<&str> {
    let mut out = vec![];
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
            {
                i += 1;
            }
            if bytes.get(i) == Some(&b'.') && bytes.get(i + 1) != Some(&b'.') {
                out.push(&text[start..i]);
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Resolves declared types in one file, with the package index behind it.
pub struct Resolver<'f, 'a> {
    file: &'f GoFile<'a>,
    /// Built (or fetched from the run's memo) on first use: a resolver that only
    /// reads this file neither builds nor depends on its folder's index.
    index: OnceCell<Arc<PackageIndex>>,
    /// This file's own declarations, indexed on first use.
    local: OnceCell<Arc<PackageIndex>>,
    imports: ImportMap,
    /// See [`Resolver::naming_foreign`].
    foreign: bool,
}

impl<'f, 'a> Resolver<'f, 'a> {
    /// A resolver for `file`, backed by its folder's cached [`PackageIndex`].
    pub fn new(file: &'f GoFile<'a>) -> Self {
        Resolver {
            file,
            index: OnceCell::new(),
            local: OnceCell::new(),
            imports: import_map(&file.root.root()),
            foreign: false,
        }
    }

    /// A resolver whose answers may also be types this file cannot name: a
    /// qualifier of another file's declaration that this file does not import
    /// is written as its import path in quotes (`*"os/exec".Cmd`, for a local
    /// made by a function of the package declared to return `*exec.Cmd`). For
    /// asking which type a value has, never for text to write into the file.
    pub fn naming_foreign(mut self) -> Self {
        self.foreign = true;
        self
    }

    /// A resolver with a given package index (tests, or files not on disk).
    pub fn with_index(file: &'f GoFile<'a>, index: Arc<PackageIndex>) -> Self {
        let r = Self::new(file);
        let _ = r.index.set(index);
        r
    }

    fn package(&self) -> &PackageIndex {
        self.index.get_or_init(|| PackageIndex::for_file(self.file))
    }

    fn local(&self) -> &PackageIndex {
        // Once per file, not per resolver: a rule makes a resolver per node it
        // asks about, and indexing walks every function of the file.
        self.local.get_or_init(|| {
            self.file
                .memo("local-index", "", || PackageIndex::of_own_file(self.file))
        })
    }

    /// [`PackageIndex::param_resets`], this file first.
    pub fn param_resets(&self, name: &str) -> Option<BTreeSet<usize>> {
        let files = self.file.package();
        self.local()
            .param_resets(files, name)
            .or_else(|| self.package().param_resets(files, name))
    }

    /// The package index behind this resolver.
    pub fn index(&self) -> &PackageIndex {
        self.package()
    }

    /// True when the named type has `method` (see [`PackageIndex::has_method`]),
    /// counting methods declared in this file too (a `_test.go` file is not indexed).
    pub fn has_method(&self, type_name: &str, method: &str) -> bool {
        self.local().has_method(type_name, method) || self.package().has_method(type_name, method)
    }

    /// The type of expression `e`, as source text valid in this file.
    pub fn type_of(&self, e: &GoNode) -> Option<String> {
        self.expr_type(e, 0)
    }

    /// The declared type of identifier `name` as seen at `at`.
    pub fn type_of_ident(&self, at: &GoNode, name: &str) -> Option<String> {
        self.ident_type(at, name, 0)
    }

    /// The package-level type declaration `name` (this file first), with its type
    /// texts usable in this file; None when it is generic or its qualifiers differ.
    pub fn type_decl(&self, name: &str) -> Option<&TypeDecl> {
        if let Some(t) = self.local().types.get(name) {
            return Some(t);
        }
        let t = self.package().types.get(name)?;
        Some(t)
    }

    /// The underlying type text of `ty`, following same-package named types
    /// (`Buffer` declared as `[]byte` gives `[]byte`).
    pub fn underlying(&self, ty: &str) -> Option<String> {
        let mut t = ty.trim().to_string();
        for _ in 0..MAX_DEPTH {
            let is_named = !t.is_empty()
                && t.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !is_predeclared(&t);
            if !is_named {
                return Some(t);
            }
            let decl = self.type_decl(&t)?;
            if decl.generic {
                return None;
            }
            t = self.portable(&decl.underlying, &decl.imports)?;
        }
        None
    }

    /// `text` from a file with `imports`, if its qualifiers mean the same here.
    fn portable(&self, text: &str, imports: &ImportMap) -> Option<String> {
        let ok = qualifiers(text).iter().all(|q| {
            imports
                .get(*q)
                .is_some_and(|p| self.imports.get(*q) == Some(p))
        });
        if ok {
            return Some(text.to_string());
        }
        if !self.foreign {
            return None;
        }
        // Each qualifier as its import path: `*exec.Cmd` gives `*"os/exec".Cmd`.
        let mut out = String::new();
        let mut rest = text;
        for q in qualifiers(text) {
            let at = rest.find(&format!("{q}."))?;
            out.push_str(&rest[..at]);
            out.push_str(&format!("\"{}\"", imports.get(q)?));
            rest = &rest[at + q.len()..];
        }
        out.push_str(rest);
        Some(out)
    }

    fn expr_type(&self, e: &GoNode, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        let d = depth + 1;
        match e.kind().as_ref() {
            "identifier" => self.ident_type(e, &e.text(), d),
            "parenthesized_expression" => self.expr_type(&e.named_children().next()?, d),
            "selector_expression" => {
                let operand = e.field("operand")?;
                let field = e.field("field")?;
                if operand.kind() == "identifier"
                    && self
                        .file
                        .imports
                        .iter()
                        .any(|i| i.local_name() == operand.text())
                    && self.ident_type(&operand, &operand.text(), d).is_none()
                {
                    return None; // a package member
                }
                if let Some(t) = self.anonymous_field(&operand, &field.text()) {
                    return Some(t);
                }
                let owner = self.expr_type(&operand, d)?;
                self.field_type(&owner, &field.text(), d)
            }
            "slice_expression" => {
                let t = self.expr_type(&e.field("operand")?, d)?;
                let u = self.underlying(&t)?;
                if u == "string" || u.starts_with("[]") {
                    Some(t)
                } else {
                    array_elem(u.trim_start_matches('*')).map(|elem| format!("[]{elem}"))
                }
            }
            "index_expression" => {
                let t = self.expr_type(&e.field("operand")?, d)?;
                let u = self.underlying(&t)?;
                if let Some((_, v)) = map_key_value(&u) {
                    Some(v)
                } else if u == "string" {
                    Some("byte".into())
                } else {
                    slice_elem(&u).or_else(|| array_elem(u.trim_start_matches('*')))
                }
            }
            "call_expression" => {
                let func = e.field("function")?;
                let args = e.field("arguments")?;
                let first = args.named_children().next();
                if func.kind() == "selector_expression" {
                    let types = self.call_results(e)?;
                    return (types.len() == 1).then(|| types[0].clone());
                }
                if func.kind() == "identifier" && !self.is_local(&func, &func.text()) {
                    match func.text().as_ref() {
                        "append" => return self.expr_type(&first?, d),
                        "len" | "cap" | "copy" => return Some("int".into()),
                        "make" | "new" => return literal_type(e),
                        name if is_predeclared(name) => return Some(name.to_string()),
                        name => {
                            if let Some(types) = self.call_results(e) {
                                return (types.len() == 1).then(|| types[0].clone());
                            }
                            // A conversion to a named type of the package: `Buffer(b)`.
                            if self.type_decl(name).is_some() {
                                return Some(name.to_string());
                            }
                        }
                    }
                }
                None
            }
            _ => literal_type(e),
        }
    }

    /// The result types of a call to a package function or a known standard one,
    /// as texts valid in this file.
    fn call_results(&self, call: &GoNode) -> Option<Vec<String>> {
        let func = call.field("function")?;
        match func.kind().as_ref() {
            "identifier" => {
                let name = func.text();
                if self.is_local(&func, &name) {
                    return None;
                }
                if let Some(f) = self.local().funcs.get(name.as_ref()) {
                    return Some(f.types.clone());
                }
                let f = self.package().funcs.get(name.as_ref())?;
                f.types
                    .iter()
                    .map(|t| self.portable(t, &f.imports))
                    .collect()
            }
            "selector_expression" => {
                let pkg = func.field("operand")?;
                let name = func.field("field")?.text();
                if let Some((_, _, results)) = KNOWN_RESULTS.iter().find(|(path, f, _)| {
                    *f == name
                        && crate::analysis::scope::names_import(self.file, &func, &pkg.text(), path)
                }) {
                    return Some(results.iter().map(|r| r.to_string()).collect());
                }
                self.module_call_results(&pkg, &name)
            }
            _ => None,
        }
    }

    /// The result types of `pkg.name(...)`, `pkg` being the import of another
    /// package of this module (`agg.New()` gives `*agg.Aggregator`): its types as
    /// this file names them, or None when one of them cannot be named here.
    fn module_call_results(&self, pkg: &GoNode, name: &str) -> Option<Vec<String>> {
        if pkg.kind() != "identifier" {
            return None;
        }
        let local = pkg.text().to_string();
        if self
            .find_decl(pkg, &local)
            .is_some_and(|d| !matches!(d, Decl::PackageLevel))
        {
            return None;
        }
        let import =
            self.file.imports.iter().find(|i| {
                i.local_name() == local && !matches!(i.alias.as_deref(), Some("_" | "."))
            })?;
        let module = self.file.module.as_ref()?;
        let rel = import.path.strip_prefix(module.path.as_str())?;
        if !(rel.is_empty() || rel.starts_with('/')) {
            return None;
        }
        let dir = module.root.join(rel.trim_start_matches('/'));
        let index = PackageIndex::for_dir(self.file.package(), &dir)?;
        let f = index.funcs.get(name)?;
        f.types
            .iter()
            .map(|t| self.requalify(t, &f.imports, &local, &index))
            .collect()
    }

    /// A type text written in another package (`*Aggregator`, `map[string]*Entry`,
    /// `[]byte`, `*bytes.Buffer`) as this file names it, `local` being this
    /// file's name for that package: its own types get the qualifier, other
    /// qualifiers must stand for the same import paths here.
    fn requalify(
        &self,
        text: &str,
        imports: &ImportMap,
        local: &str,
        index: &PackageIndex,
    ) -> Option<String> {
        let mut out = String::new();
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if !(c.is_alphabetic() || c == '_') {
                out.push(c);
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let after_dot = start > 0 && chars[start - 1] == '.';
            let qualifies = chars.get(i) == Some(&'.');
            if after_dot {
                out.push_str(&word);
            } else if qualifies {
                // `bytes.Buffer`: the same import path must have a name here.
                let path = imports.get(&word)?;
                let here = self
                    .imports
                    .iter()
                    .find(|(_, p)| *p == path)
                    .map(|(n, _)| n.clone());
                match here {
                    Some(here) => out.push_str(&here),
                    None if self.foreign => out.push_str(&format!("\"{path}\"")),
                    None => return None,
                }
            } else if matches!(
                word.as_str(),
                "map" | "chan" | "func" | "struct" | "interface"
            ) || is_predeclared(&word)
            {
                out.push_str(&word);
            } else if index.types.contains_key(&word) {
                out.push_str(&format!("{local}.{word}"));
            } else {
                return None;
            }
        }
        Some(out)
    }

    /// `x.f` where the variable `x` is declared with a struct type written in
    /// place (`var cc struct { F *plugin.Config }`): the type of its field `f`.
    fn anonymous_field(&self, operand: &GoNode, field: &str) -> Option<String> {
        if operand.kind() != "identifier" {
            return None;
        }
        let t = match self.find_decl(operand, &operand.text())? {
            Decl::Typed(t) => t,
            Decl::Spec(spec, _) => spec.field("type")?,
            _ => return None,
        };
        let list = t
            .children()
            .find(|c| c.kind() == "field_declaration_list")
            .filter(|_| t.kind() == "struct_type")?;
        let found = list
            .children()
            .filter(|c| c.kind() == "field_declaration")
            .find(|fd| fd.field_children("name").any(|n| n.text() == field))
            .and_then(|fd| fd.field("type"))
            .map(|ty| ty.text().to_string());
        found
    }

    /// True when `name` is declared in a function enclosing `at` (it shadows builtins).
    fn is_local(&self, at: &GoNode, name: &str) -> bool {
        !matches!(self.find_decl(at, name), None | Some(Decl::PackageLevel))
    }

    fn field_type(&self, owner: &str, field: &str, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        let name = base_type_name(owner);
        let decl = self.type_decl(&name)?;
        if decl.generic {
            // `l.denied` with `l *Limiter[T]` and `denied map[K]int` declared in
            // `Limiter[K comparable]`: the field's type with `T` for `K`.
            let args = type_arguments(owner)?;
            if args.len() != decl.type_params.len() {
                return None;
            }
            let (_, t) = decl.fields.iter().find(|(n, _)| n == field)?;
            let t = substitute_names(t, &decl.type_params, &args);
            return self.portable(&t, &decl.imports);
        }
        if let Some((_, t)) = decl.fields.iter().find(|(n, _)| n == field) {
            return self.portable(t, &decl.imports);
        }
        // Promoted through an embedded struct of the same package.
        decl.embedded
            .iter()
            .filter(|e| !e.contains('.'))
            .find_map(|e| self.field_type(e, field, depth + 1))
    }

    fn ident_type(&self, at: &GoNode, name: &str, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.find_decl(at, name)? {
            Decl::Typed(t) => Some(t.text().to_string()),
            Decl::Variadic(t) => Some(format!("[]{}", t.text())),
            Decl::Value(v) => self.expr_type(&v, depth + 1),
            Decl::Result { call, index } => self.call_results(&call)?.get(index).cloned(),
            Decl::Spec(spec, ident) => spec_type(
                &spec,
                &ident,
                Some(&|v: &GoNode| self.expr_type(v, depth + 1)),
            ),
            Decl::Range { collection, key } => {
                let t = self.expr_type(&collection, depth + 1)?;
                let u = self.underlying(&t)?;
                let u = u.trim_start_matches('*');
                if let Some((k, v)) = map_key_value(u) {
                    Some(if key { k } else { v })
                } else if let Some(elem) = slice_elem(u).or_else(|| array_elem(u)) {
                    Some(if key { "int".into() } else { elem })
                } else if u == "string" {
                    Some(if key { "int" } else { "rune" }.into())
                } else {
                    None
                }
            }
            Decl::PackageLevel => {
                if let Some(w) = self.local().vars.get(name) {
                    return Some(w.text.clone());
                }
                let w = self.package().vars.get(name)?;
                self.portable(&w.text, &w.imports)
            }
            Decl::Unknown => None,
        }
    }

    fn find_decl<'r>(&self, at: &GoNode<'r>, name: &str) -> Option<Decl<'r>> {
        find_decl(at, name).map(|(d, _)| d)
    }
}

/// Where the variable a name refers to was declared.
#[derive(Clone)]
pub enum Origin<'r> {
    /// Inside `function`, by statement or clause `decl` (`x := ...`, `var x`, a
    /// `for`/`if`/`switch` header, a `case v := <-ch`).
    Local {
        function: GoNode<'r>,
        decl: GoNode<'r>,
    },
    Parameter {
        function: GoNode<'r>,
    },
    Receiver {
        function: GoNode<'r>,
    },
    Result {
        function: GoNode<'r>,
    },
    /// At package level, in this file or another (or not declared at all: a
    /// name nothing in the file declares is assumed to be the package's).
    Package,
}

/// Where the variable `name`, used at `at`, was declared.
pub fn declared_where<'r>(at: &GoNode<'r>, name: &str) -> Option<Origin<'r>> {
    find_decl(at, name).map(|(_, o)| o)
}

/// The declaration of `name` in scope at `at`: the innermost one, searching
/// enclosing blocks and functions outwards, then the package.
fn find_decl<'r>(at: &GoNode<'r>, name: &str) -> Option<(Decl<'r>, Origin<'r>)> {
    let pos = at.range().start;
    let local = |decl: &GoNode<'r>| -> Option<Origin<'r>> {
        Some(Origin::Local {
            function: enclosing_function(decl)?,
            decl: decl.clone(),
        })
    };
    for a in at.ancestors() {
        match a.kind().as_ref() {
            "function_declaration" | "method_declaration" | "func_literal" => {
                for field in ["receiver", "parameters", "result"] {
                    let Some(list) = a.field(field) else {
                        continue;
                    };
                    if let Some(d) = param_decl(&list, name) {
                        let function = a.clone();
                        let origin = match field {
                            "receiver" => Origin::Receiver { function },
                            "parameters" => Origin::Parameter { function },
                            _ => Origin::Result { function },
                        };
                        return Some((d, origin));
                    }
                }
            }
            "statement_list" | "source_file" => {
                let mut found = None;
                for stmt in a.children() {
                    if stmt.range().start > pos {
                        break;
                    }
                    let visible = stmt.range().end <= pos || declares_at(&stmt, at);
                    if visible {
                        if let Some(d) = statement_decl(&stmt, name) {
                            found = Some((d, stmt.clone()));
                        }
                    }
                }
                if a.kind() == "source_file" {
                    // Not in this file's functions: maybe another file's global.
                    return Some((Decl::PackageLevel, Origin::Package));
                }
                if let Some((d, stmt)) = found {
                    return Some((d, local(&stmt)?));
                }
            }
            "if_statement"
            | "expression_switch_statement"
            | "type_switch_statement"
            | "for_statement" => {
                if let Some(d) = header_decl(&a, at, name) {
                    return Some((d, local(&a)?));
                }
            }
            "communication_case" | "type_case" | "default_case" => {
                if let Some(d) = case_decl(&a, at, name) {
                    return Some((d, local(&a)?));
                }
            }
            _ => {}
        }
    }
    None
}

/// Where a name was declared, and what that says about its type.
enum Decl<'r> {
    /// A parameter, receiver, result or `var x T`: the type node.
    Typed(GoNode<'r>),
    /// `xs ...T`: the element type.
    Variadic(GoNode<'r>),
    /// `x := expr`: the value.
    Value(GoNode<'r>),
    /// `a, x := f()`: result `index` of the call.
    Result { call: GoNode<'r>, index: usize },
    /// `var x = expr` or `var x T = expr`: the spec and the declared identifier.
    Spec(GoNode<'r>, GoNode<'r>),
    /// `for k, v := range collection`.
    Range { collection: GoNode<'r>, key: bool },
    /// Declared at package level (this file or another).
    PackageLevel,
    /// Declared where the type cannot be read (a type switch, a receive, `a, b := f()`).
    Unknown,
}

fn param_decl<'r>(list: &GoNode<'r>, name: &str) -> Option<Decl<'r>> {
    for p in list.children() {
        let variadic = p.kind() == "variadic_parameter_declaration";
        if !(variadic || p.kind() == "parameter_declaration") {
            continue;
        }
        if p.field_children("name").any(|n| n.text() == name) {
            let t = p.field("type")?;
            return Some(if variadic {
                Decl::Variadic(t)
            } else {
                Decl::Typed(t)
            });
        }
    }
    None
}

/// True when `at` sits in the left-hand side of declaration `stmt` (asking about
/// the declared name itself).
fn declares_at(stmt: &GoNode, at: &GoNode) -> bool {
    let r = at.range();
    let within = |n: GoNode| n.range().start <= r.start && r.end <= n.range().end;
    match stmt.kind().as_ref() {
        "short_var_declaration" => stmt.field("left").is_some_and(within),
        "var_declaration" => var_specs(stmt)
            .into_iter()
            .any(|s| s.field_children("name").any(|n| n.range() == r)),
        _ => false,
    }
}

/// What statement `stmt` (in a block, or at the top of the file) declares of `name`.
fn statement_decl<'r>(stmt: &GoNode<'r>, name: &str) -> Option<Decl<'r>> {
    match stmt.kind().as_ref() {
        "short_var_declaration" => short_var_decl(stmt, name),
        "var_declaration" => {
            for spec in var_specs(stmt) {
                if let Some(ident) = spec.field_children("name").find(|n| n.text() == name) {
                    let in_function = stmt.ancestors().any(|a| {
                        matches!(
                            a.kind().as_ref(),
                            "function_declaration" | "method_declaration" | "func_literal"
                        )
                    });
                    return Some(if in_function {
                        Decl::Spec(spec.clone(), ident)
                    } else {
                        Decl::PackageLevel
                    });
                }
            }
            None
        }
        // A local constant or type of that name: not a variable we can type.
        "const_declaration" | "type_declaration" => stmt
            .dfs()
            .any(|n| {
                matches!(n.kind().as_ref(), "identifier" | "type_identifier")
                    && n.text() == name
                    && n.parent().is_some_and(|p| {
                        matches!(p.kind().as_ref(), "const_spec" | "type_spec" | "type_alias")
                    })
            })
            .then_some(Decl::Unknown),
        "labeled_statement" => stmt
            .named_children()
            .find(|c| c.kind() != "label_name")
            .and_then(|c| statement_decl(&c, name)),
        _ => None,
    }
}

fn short_var_decl<'r>(stmt: &GoNode<'r>, name: &str) -> Option<Decl<'r>> {
    let left: Vec<_> = stmt.field("left")?.named_children().collect();
    let pos = left.iter().position(|n| n.text() == name)?;
    let right: Vec<_> = stmt
        .field("right")
        .map(|r| r.named_children().collect())
        .unwrap_or_default();
    Some(match right.as_slice() {
        _ if right.len() == left.len() => Decl::Value(right[pos].clone()),
        [call] if call.kind() == "call_expression" => Decl::Result {
            call: call.clone(),
            index: pos,
        },
        // `v, ok := m[k]`: `v` has the element's type.
        [lookup] if pos == 0 && left.len() == 2 && lookup.kind() == "index_expression" => {
            Decl::Value(lookup.clone())
        }
        _ => Decl::Unknown,
    })
}

/// Declarations in the header of an `if`, `switch` or `for` that `at` is inside of.
fn header_decl<'r>(stmt: &GoNode<'r>, at: &GoNode, name: &str) -> Option<Decl<'r>> {
    let pos = at.range().start;
    // Visible after the header statement, and at its own declaring name
    // (`if head := b[:2]; ...`: `head` there is this local, not a global).
    let before = |n: &GoNode| n.range().end <= pos || declares_at(n, at);
    if let Some(init) = stmt.field("initializer") {
        if before(&init) {
            if let Some(d) = statement_decl(&init, name) {
                return Some(d);
            }
        }
    }
    let switch_alias = stmt.kind() == "type_switch_statement"
        && stmt
            .field("alias")
            .is_some_and(|a| a.named_children().any(|n| n.text() == name) || a.text() == name);
    if switch_alias {
        return Some(Decl::Unknown);
    }
    if stmt.kind() == "for_statement" {
        for clause in stmt.children() {
            match clause.kind().as_ref() {
                "for_clause" => {
                    if let Some(init) = clause.field("initializer") {
                        if before(&init) {
                            if let Some(d) = statement_decl(&init, name) {
                                return Some(d);
                            }
                        }
                    }
                }
                "range_clause"
                    if before(&clause)
                        || clause.field("left").is_some_and(|l| {
                            l.named_children().any(|n| n.range() == at.range())
                        }) =>
                {
                    let left = clause.field("left")?;
                    let right = clause.field("right")?;
                    let declares = clause.text()[left.range().end - clause.range().start..]
                        .trim_start()
                        .starts_with(":=");
                    if !declares {
                        return None;
                    }
                    let names: Vec<_> = left.named_children().collect();
                    if let Some(i) = names.iter().position(|n| n.text() == name) {
                        return Some(Decl::Range {
                            collection: right,
                            key: i == 0,
                        });
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// `case v := <-ch:` declares `v` for its case; we do not type it.
fn case_decl<'r>(case: &GoNode<'r>, at: &GoNode, name: &str) -> Option<Decl<'r>> {
    let comm = case.field("communication")?;
    if comm.range().end > at.range().start {
        return None;
    }
    (comm.kind() == "receive_statement"
        && comm
            .field("left")
            .is_some_and(|l| l.named_children().any(|n| n.text() == name)))
    .then_some(Decl::Unknown)
}

pub fn is_predeclared(name: &str) -> bool {
    matches!(
        name,
        "bool"
            | "byte"
            | "rune"
            | "string"
            | "error"
            | "any"
            | "int"
            | "int8"
            | "int16"
            | "int32"
            | "int64"
            | "uint"
            | "uint8"
            | "uint16"
            | "uint32"
            | "uint64"
            | "uintptr"
            | "float32"
            | "float64"
            | "complex64"
            | "complex128"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> GoFile<'static> {
        GoFile::parse(Path::new("a.go"), src, None)
    }

    /// The type of the last identifier `name` in the function body marked `/*@*/`.
    fn type_at(src: &str, others: &[&str]) -> Option<String> {
        let f = parse(src);
        let index = Arc::new(PackageIndex::from_sources(others.iter().copied()));
        let r = Resolver::with_index(&f, index);
        let mark = src.find("/*@*/").expect("marker");
        let node = f
            .root
            .root()
            .dfs()
            .filter(|n| n.range().start > mark && n.is_named())
            .find(|n| !matches!(n.kind().as_ref(), "comment" | "expression_list"))
            .unwrap();
        r.type_of(&node)
    }

    #[test]
    fn fields_of_a_struct_written_in_place() {
        let src = "package p\nimport \"example.com/plugin\"\nfunc f() {\n\tvar cc struct {\n\t\tA, B plugin.Config\n\t\tSoc  *plugin.Config\n\t}\n\t_ = /*@*/cc.Soc\n}\n";
        assert_eq!(type_at(src, &[]).as_deref(), Some("*plugin.Config"));
        let b = src.replace("/*@*/cc.Soc", "/*@*/cc.B");
        assert_eq!(type_at(&b, &[]).as_deref(), Some("plugin.Config"));
        let none = src.replace("/*@*/cc.Soc", "/*@*/cc.Missing");
        assert_eq!(type_at(&none, &[]), None);
    }

    #[test]
    fn types_another_file_names_with_imports_this_one_lacks() {
        // `command` is declared in another file of the package, which imports
        // os/exec; this file does not, so it cannot name the result's type.
        let other = "package p\nimport \"os/exec\"\nfunc command(name string) *exec.Cmd { return exec.Command(name) }\n";
        let src = "package p\nfunc f() {\n\tc := command(\"x\")\n\t_ = /*@*/c\n}\n";
        assert_eq!(type_at(src, &[other]), None);
        let f = parse(src);
        let index = Arc::new(PackageIndex::from_sources([other]));
        let r = Resolver::with_index(&f, index).naming_foreign();
        let mark = src.find("/*@*/").unwrap();
        let node = f
            .root
            .root()
            .dfs()
            .find(|n| n.range().start > mark && n.kind() == "identifier")
            .unwrap();
        assert_eq!(r.type_of(&node).as_deref(), Some("*\"os/exec\".Cmd"));
    }

    #[test]
    fn locals_params_and_literals() {
        let src = "package p\nfunc f(a []int, bs ...string) (out map[string]*Entry) {\n\tbig := make([]byte, 10)\n\tvar v []rune\n\tvar w = []T{{}}\n\tc, d := T{}, &T{}\n\t_ = /*@*/big\n}\n";
        assert_eq!(type_at(src, &[]).as_deref(), Some("[]byte"));
        let with = |name: &str| type_at(&src.replace("/*@*/big", &format!("/*@*/{name}")), &[]);
        assert_eq!(with("a").as_deref(), Some("[]int"));
        assert_eq!(with("bs").as_deref(), Some("[]string"));
        assert_eq!(with("out").as_deref(), Some("map[string]*Entry"));
        assert_eq!(with("v").as_deref(), Some("[]rune"));
        assert_eq!(with("w").as_deref(), Some("[]T"));
        assert_eq!(with("c").as_deref(), Some("T"));
        assert_eq!(with("d").as_deref(), Some("*T"));
        assert_eq!(with("big[2:]").as_deref(), Some("[]byte"));
        assert_eq!(with("out[\"k\"]").as_deref(), Some("*Entry"));
        assert_eq!(with("nope"), None);
    }

    #[test]
    fn scopes_shadow_and_closures_see_outer() {
        let src = "package p\nfunc f(x []int) {\n\tif x := \"s\"; true {\n\t\t_ = x\n\t}\n\tgo func() {\n\t\t_ = /*@*/x\n\t}()\n}\n";
        assert_eq!(type_at(src, &[]).as_deref(), Some("[]int"));
        let inner = src
            .replace("_ = x\n", "_ = /*@*/x\n")
            .replacen("/*@*/x\n\t}()", "x\n\t}()", 1);
        assert_eq!(type_at(&inner, &[]).as_deref(), Some("string"));
        // A multi-value declaration hides the outer name and is not typed.
        let multi = "package p\nfunc f(x []int) {\n\tx, err := g()\n\t_ = /*@*/x\n}\n";
        assert_eq!(type_at(multi, &[]), None);
        // `v, ok := m[k]` gives `v` the element type; the flag stays untyped here.
        let lookup = "package p\nfunc f(m map[int]*T) {\n\tv, ok := m[1]\n\t_ = /*@*/v\n}\n";
        assert_eq!(type_at(lookup, &[]).as_deref(), Some("*T"));
        assert_eq!(type_at(&lookup.replace("/*@*/v", "/*@*/ok"), &[]), None);
        // A later declaration does not count.
        let later = "package p\nfunc f() {\n\t_ = /*@*/x\n\tx := 1\n}\n";
        assert_eq!(type_at(later, &[]), None);
    }

    #[test]
    fn fields_of_generic_types_with_the_receivers_type_arguments() {
        let decl = "package p\ntype Cache[K comparable, V any] struct {\n\titems map[K]V\n\tlist []*entry[K, V]\n\tname string\n\tnext *Cache[K, V]\n}\n";
        let method = "package p\nfunc (c *Cache[T, U]) f() {\n\t_ = /*@*/c.items\n}\n";
        assert_eq!(type_at(method, &[decl]).as_deref(), Some("map[T]U"));
        let list = method.replace("c.items", "c.list");
        assert_eq!(type_at(&list, &[decl]).as_deref(), Some("[]*entry[T, U]"));
        let plain = method.replace("c.items", "c.name");
        assert_eq!(type_at(&plain, &[decl]).as_deref(), Some("string"));
        // Through a field of the same generic type, and with compound arguments.
        let nested = method.replace("c.items", "c.next.items");
        assert_eq!(type_at(&nested, &[decl]).as_deref(), Some("map[T]U"));
        let concrete = "package p\nfunc f(c Cache[string, []byte]) {\n\t_ = /*@*/c.items\n}\n";
        assert_eq!(
            type_at(concrete, &[decl]).as_deref(),
            Some("map[string][]byte")
        );
        // An uninstantiated or miscounted use tells nothing.
        let bare = "package p\nfunc f(c Cache) {\n\t_ = /*@*/c.items\n}\n";
        assert_eq!(type_at(bare, &[decl]), None);
        assert_eq!(
            substitute_names("map[K]x.K", &["K".into()], &["T".into()]),
            "map[T]x.K"
        );
    }

    #[test]
    fn range_variables() {
        let src = "package p\nfunc f(m map[string][]byte, xs []*T) {\n\tfor k, v := range m {\n\t\t_, _ = /*@*/v, k\n\t}\n}\n";
        assert_eq!(type_at(src, &[]).as_deref(), Some("[]byte"));
        let key = src.replace("/*@*/v, k", "v, /*@*/k");
        assert_eq!(type_at(&key, &[]).as_deref(), Some("string"));
        let slice = src.replace("range m", "range xs");
        assert_eq!(type_at(&slice, &[]).as_deref(), Some("*T"));
    }

    #[test]
    fn fields_across_files_of_the_package() {
        let other = "package p\nimport \"bytes\"\ntype Store struct {\n\tbuf []byte\n\tentries map[string]*Entry\n\tb bytes.Buffer\n\tinner\n}\ntype inner struct{ data []int }\nfunc (s *Store) Reset() {}\nfunc load() []byte { return nil }\nvar global = map[int]string{}\n";
        let src = "package p\nfunc (s *Store) g() {\n\t_ = /*@*/s.buf\n}\n";
        assert_eq!(type_at(src, &[other]).as_deref(), Some("[]byte"));
        let with = |e: &str| type_at(&src.replace("/*@*/s.buf", &format!("/*@*/{e}")), &[other]);
        assert_eq!(with("s.entries").as_deref(), Some("map[string]*Entry"));
        assert_eq!(with("s.data").as_deref(), Some("[]int"));
        assert_eq!(with("load()").as_deref(), Some("[]byte"));
        assert_eq!(with("global").as_deref(), Some("map[int]string"));
        // `bytes` is not imported here: the text would not compile in this file.
        assert_eq!(with("s.b"), None);
        let imported = src.replace("package p\n", "package p\nimport \"bytes\"\n");
        let imported = imported.replace("/*@*/s.buf", "/*@*/s.b");
        assert_eq!(
            type_at(&imported, &[other]).as_deref(),
            Some("bytes.Buffer")
        );
    }

    #[test]
    fn methods_and_embedding() {
        let a = "package p\ntype Buf struct{ b []byte }\nfunc (b *Buf) Reset() {}\ntype Wrapped struct{ *Buf }\ntype G[T any] struct{ v T }\nfunc (g G[T]) Reset() {}\n";
        let index = PackageIndex::from_sources([a]);
        assert!(index.has_method("*Buf", "Reset"));
        assert!(index.has_method("Buf", "Reset"));
        assert!(index.has_method("Wrapped", "Reset"));
        assert!(index.has_method("G[int]", "Reset"));
        assert!(!index.has_method("Buf", "Close"));
        assert!(!index.has_method("Other", "Reset"));
    }

    #[test]
    fn conflicting_declarations_are_dropped() {
        let a = "package p\ntype T struct{ b []byte }\n";
        let b = "package p\ntype T struct{ b []int }\n";
        let index = PackageIndex::from_sources([a, b]);
        assert!(index.type_decl("T").is_none());
    }

    #[test]
    fn named_types_and_type_texts() {
        let other = "package p\ntype Buffer []byte\ntype Cache map[string]int\n";
        let src = "package p\nfunc f(b Buffer) {\n\t_ = /*@*/b[1:]\n}\n";
        assert_eq!(type_at(src, &[other]).as_deref(), Some("Buffer"));
        let f = parse(src);
        let r = Resolver::with_index(&f, Arc::new(PackageIndex::from_sources([other])));
        assert_eq!(r.underlying("Cache").as_deref(), Some("map[string]int"));
        assert_eq!(r.underlying("[]int").as_deref(), Some("[]int"));
        assert_eq!(
            map_key_value("map[[2]int]map[string]func() error"),
            Some(("[2]int".into(), "map[string]func() error".into()))
        );
        assert_eq!(slice_elem("[]*T").as_deref(), Some("*T"));
        assert_eq!(slice_elem("[4]T"), None);
        assert_eq!(array_elem("[4]T").as_deref(), Some("T"));
        assert_eq!(array_elem("[]T"), None);
        assert_eq!(qualifiers("map[pkg.K][]*other.V"), vec!["pkg", "other"]);
        assert_eq!(base_type_name("*G[int]"), "G");
    }

    #[test]
    fn strings_and_arrays() {
        let src = "package p\nfunc f(s string) {\n\tvar arr [64]byte\n\t_ = /*@*/s[1:]\n}\n";
        assert_eq!(type_at(src, &[]).as_deref(), Some("string"));
        let arr = src.replace("/*@*/s[1:]", "/*@*/arr[:]");
        assert_eq!(type_at(&arr, &[]).as_deref(), Some("[]byte"));
    }

    #[test]
    fn folder_index_reads_the_package_and_is_shared() {
        let dir = tempfile::tempdir().unwrap();
        let w = |n: &str, t: &str| std::fs::write(dir.path().join(n), t).unwrap();
        w("a.go", "package p\ntype Pool struct{ items []int }\n");
        w("b.go", "package p\nfunc (p *Pool) Reset() {}\n");
        w("c_test.go", "package p\nfunc (p *Pool) Close() {}\n");
        w("d.go", "package other\nfunc (p *Pool) Flush() {}\n");
        let path = dir.path().join("a.go");
        let text = std::fs::read_to_string(&path).unwrap();
        let f = GoFile::parse(&path, &text, None);
        let index = PackageIndex::for_file(&f);
        assert!(index.has_method("Pool", "Reset"));
        assert!(!index.has_method("Pool", "Close"));
        assert!(!index.has_method("Pool", "Flush"));
        assert!(Arc::ptr_eq(&index, &PackageIndex::for_file(&f)));
    }

    /// Everything an index holds, its resets worked out, in a stable order.
    fn summary(index: &PackageIndex, files: &Files) -> Vec<String> {
        let mut out: Vec<String> = vec![];
        for (k, t) in &index.types {
            out.push(format!(
                "type {k} {:?} {:?} {:?}",
                t.underlying, t.fields, t.embedded
            ));
        }
        for (k, m) in &index.methods {
            out.push(format!("methods {k} {m:?}"));
        }
        for (k, v) in &index.vars {
            out.push(format!("var {k} {}", v.text));
        }
        for (k, f) in &index.funcs {
            out.push(format!("func {k} {:?}", f.types));
        }
        for k in index.param_resets.keys() {
            out.push(format!("resets {k} {:?}", index.param_resets(files, k)));
        }
        out.extend(index.ambiguous.iter().map(|k| format!("ambiguous {k}")));
        out.sort();
        out
    }

    #[test]
    fn an_index_read_from_skeletons_is_the_index_of_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let w = |n: &str, t: &str| std::fs::write(dir.path().join(n), t).unwrap();
        w(
            "a.go",
            "package p\n\nimport \"bytes\"\n\n// Buf is a buffer.\ntype Buf struct {\n\tb   []byte // {\n\tm   map[string]struct{ x int }\n}\n\nfunc reset(b *bytes.Buffer, n int) {\n\ts := \"}\"\n\tb.Reset()\n\t_ = s\n}\n\nfunc (s *S) put(x int, b *Buf) (out struct{ n int }) {\n\tb.b = b.b[:0]\n\treturn\n}\n\nfunc pair() (interface{ M() }, func() int) { return nil, func() int { return 1 } }\n\nfunc asm(x int) int\n\nfunc gen[T interface{ ~int }](v T) T { return v }\n\nvar handler = func(b *Buf) { b.b = nil }\n\ntype S struct{ Buf }\n",
        );
        w(
            "b_linux.go",
            "package p\n\nfunc helper(b *bytes.Buffer) { b.Reset() }\n\nfunc same(b *bytes.Buffer) { b.Reset() }\n\nfunc load() []byte { return nil }\n",
        );
        w(
            "b_other.go",
            "package p\n\nfunc helper(b *bytes.Buffer) { println(b) }\n\nfunc same(b *bytes.Buffer) { b.Reset() }\n\nfunc load() []byte { return nil }\n",
        );
        w("c.go", "package q\n\nfunc other(b *Buf) { b.b = nil }\n");
        let paths: Vec<PathBuf> = ["a.go", "b_linux.go", "b_other.go", "c.go"]
            .iter()
            .map(|n| dir.path().join(n))
            .collect();
        let files = Files::default();
        let whole = PackageIndex::of_files(&files, paths.clone(), "p", true);
        // Functions declared twice are worked out at once, the rest when asked.
        assert!(matches!(whole.param_resets["same"], Resets::Known(_)));
        assert!(matches!(whole.param_resets["reset"], Resets::Later(_)));
        let cut = PackageIndex::of_files(&Files::default(), paths, "p", false);
        assert!(cut
            .param_resets
            .values()
            .any(|r| matches!(r, Resets::Later(_))));
        let summary_whole = summary(&whole, &files);
        assert_eq!(summary_whole, summary(&cut, &files));
        let at = |k: &str| cut.param_resets(&files, k);
        assert_eq!(at("reset"), Some(BTreeSet::from([0])));
        assert_eq!(at("same"), Some(BTreeSet::from([0])));
        // The two variants disagree: dropped.
        assert_eq!(at("helper"), None);
        assert!(cut.ambiguous.contains("helper"));
        assert_eq!(at("asm"), Some(BTreeSet::new()));
        assert!(at("other").is_none());
        assert!(cut.has_method("S", "put"));
        assert_eq!(cut.var_type("handler").map(|v| v.0), None);
        assert!(summary_whole
            .iter()
            .any(|l| l.starts_with("func pair [\"interface{ M() }\", \"func() int\"]")));
        // A file changed since the index read it: its bodies are not guessed at.
        let paths = vec![dir.path().join("a.go")];
        let unasked = PackageIndex::of_files(&Files::default(), paths, "p", false);
        std::fs::write(dir.path().join("a.go"), "package p\n").unwrap();
        assert_eq!(unasked.param_resets(&Files::default(), "reset"), None);
    }

    #[test]
    fn own_declaration_sees_the_outer_name() {
        // In `x := x[:2]` the right side is the parameter.
        let src = "package p\nfunc (r *R) f(x []int) {\n\tx := /*@*/x[:2]\n}\n";
        assert_eq!(type_at(src, &[]).as_deref(), Some("[]int"));
        let recv = src.replace("/*@*/x[:2]", "/*@*/r");
        assert_eq!(type_at(&recv, &[]).as_deref(), Some("*R"));
    }

    #[test]
    fn where_names_are_declared() {
        let src = "package p\nvar g = 1\nfunc (r *R) f(a int) (out int) {\n\tl := 1\n\tgo func() { _ = l + a + r.x + out + g }()\n}\n";
        let f = parse(src);
        let body = f
            .root
            .root()
            .dfs()
            .find(|n| n.kind() == "binary_expression")
            .unwrap();
        let at = |name: &str| {
            let id = body.dfs().find(|n| n.text() == name).unwrap();
            match declared_where(&id, name) {
                Some(Origin::Local { decl, .. }) => format!("local {}", decl.kind()),
                Some(Origin::Parameter { .. }) => "param".into(),
                Some(Origin::Receiver { .. }) => "receiver".into(),
                Some(Origin::Result { .. }) => "result".into(),
                Some(Origin::Package) => "package".into(),
                None => "none".into(),
            }
        };
        assert_eq!(at("l"), "local short_var_declaration");
        assert_eq!(at("a"), "param");
        assert_eq!(at("r"), "receiver");
        assert_eq!(at("out"), "result");
        assert_eq!(at("g"), "package");
    }

    #[test]
    fn results_of_calls() {
        let other = "package p\nfunc load() (data []byte, n, m int, err error) { return }\n";
        let src = "package p\nimport \"os\"\nfunc f() {\n\tb, err := os.ReadFile(\"x\")\n\td, n, _, _ := load()\n\t_ = /*@*/b\n}\n";
        assert_eq!(type_at(src, &[other]).as_deref(), Some("[]byte"));
        let with = |e: &str| type_at(&src.replace("/*@*/b", &format!("/*@*/{e}")), &[other]);
        assert_eq!(with("err").as_deref(), Some("error"));
        assert_eq!(with("d").as_deref(), Some("[]byte"));
        assert_eq!(with("n").as_deref(), Some("int"));
    }
}
