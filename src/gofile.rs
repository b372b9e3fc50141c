//! A parsed Go file and what every rule may ask of it: imports, package, module,
//! whether it is a test, where the parser gave up.

use std::path::Path;
use std::sync::Arc;

use ast_grep_core::tree_sitter::StrDoc;
use ast_grep_core::{AstGrep, Node, NodeMatch};

use crate::finding::Position;
use crate::gomod::Module;
use crate::lang::Go;
use crate::options::RuleOptions;
use crate::package::Files;

pub type GoDoc = StrDoc<Go>;
pub type GoNode<'r> = Node<'r, GoDoc>;
pub type GoMatch<'r> = NodeMatch<'r, GoDoc>;
/// A parsed file's tree (it holds its text), shared between the engine and the
/// package index of a run (see [`Files::tree`]).
pub type GoTree = AstGrep<GoDoc>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The quoted path without quotes, e.g. `runtime/debug`.
    pub path: String,
    /// The alias as written (`rt`, `_`, `.`), if any.
    pub alias: Option<String>,
    /// Byte range of the whole import spec.
    pub start: usize,
    pub end: usize,
}

impl Import {
    /// The name the file uses for the package (`debug` for `runtime/debug`).
    pub fn local_name(&self) -> &str {
        match &self.alias {
            Some(a) => a,
            None => default_package_name(&self.path),
        }
    }
}

/// The package name Go assumes for an import path: its last element, skipping a
/// major-version suffix (`math/rand/v2` → `rand`) and any `.vN`/`-go` decoration.
pub fn default_package_name(path: &str) -> &str {
    let mut parts = path.rsplit('/');
    let last = parts.next().unwrap_or(path);
    let is_major =
        last.len() > 1 && last.starts_with('v') && last[1..].bytes().all(|b| b.is_ascii_digit());
    let name = if is_major {
        parts.next().unwrap_or(last)
    } else {
        last
    };
    let name = name.split('.').next().unwrap_or(name);
    name.strip_prefix("go-").unwrap_or(name)
}

pub struct GoFile<'a> {
    pub path: &'a Path,
    pub root: Arc<GoTree>,
    pub imports: Vec<Import>,
    pub package_name: String,
    pub is_test_file: bool,
    pub module: Option<Arc<Module>>,
    /// Byte ranges of ERROR and MISSING nodes: no finding inside, no edit near.
    pub error_ranges: Vec<(usize, usize)>,
    /// The run's rule options (the engine sets them after parsing).
    pub options: Arc<RuleOptions>,
    /// The run's file access (the engine sets it after parsing; a file parsed
    /// on its own gets a fresh one).
    pub files: Files,
    /// Facts derived from this file once and shared by every match of every
    /// rule on it ([`GoFile::memo`]).
    memos: FileMemos,
}

/// Per-file memos by kind and key; see [`GoFile::memo`].
type FileMemos = std::sync::Mutex<
    std::collections::HashMap<(&'static str, String), Arc<dyn std::any::Any + Send + Sync>>,
>;

impl<'a> GoFile<'a> {
    pub fn parse(path: &'a Path, text: &str, module: Option<Arc<Module>>) -> Self {
        Self::of_tree(path, Arc::new(AstGrep::new(text, Go)), module)
    }

    /// `text` parsed through the run's shared trees (see [`Files::tree`]): a
    /// file the package index parsed already is not parsed again. The file's
    /// `files` is `files`.
    pub fn parse_in(
        files: &Files,
        path: &'a Path,
        text: &str,
        module: Option<Arc<Module>>,
    ) -> Self {
        let mut file = Self::of_tree(path, files.tree(path, text), module);
        file.files = files.clone();
        file
    }

    /// [`GoFile::parse_in`] for the engine: the file's shared tree is taken
    /// out of the run's store (see [`Files::take_tree`]).
    pub fn parse_taken(
        files: &Files,
        path: &'a Path,
        text: &str,
        module: Option<Arc<Module>>,
    ) -> Self {
        let mut file = Self::of_tree(path, files.take_tree(path, text), module);
        file.files = files.clone();
        file
    }

    /// A file of an already parsed tree.
    pub fn of_tree(path: &'a Path, root: Arc<GoTree>, module: Option<Arc<Module>>) -> Self {
        let mut imports = vec![];
        let mut package_name = String::new();
        for decl in root.root().children() {
            match decl.kind().as_ref() {
                "package_clause" => {
                    if let Some(name) = decl.children().find(|c| c.kind() == "package_identifier") {
                        package_name = name.text().to_string();
                    }
                }
                "import_declaration" => collect_imports(&decl, &mut imports),
                _ => {}
            }
        }
        let error_ranges = error_ranges(&root);
        let is_test_file = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with("_test.go"));
        GoFile {
            path,
            root,
            imports,
            package_name,
            is_test_file,
            module,
            error_ranges,
            options: Arc::default(),
            files: Files::default(),
            memos: FileMemos::default(),
        }
    }

    /// A value derived from this file (an index of its nodes, an answer about its
    /// package), built once per `(kind, key)` for the life of this `GoFile` and
    /// shared by every rule and match asking: a question each match would
    /// otherwise answer by walking the whole file costs one walk per file. What
    /// the build reads through [`GoFile::package`] is recorded on this file's
    /// handle the first time, as it would be on every later one.
    pub fn memo<T: std::any::Any + Send + Sync>(
        &self,
        kind: &'static str,
        key: &str,
        build: impl FnOnce() -> T,
    ) -> Arc<T> {
        let k = (kind, key.to_string());
        if let Some(v) = self.memos.lock().unwrap().get(&k) {
            return v.clone().downcast::<T>().expect("one type per memo kind");
        }
        // Built outside the lock: a build may ask for other memos of this file.
        let v: Arc<T> = Arc::new(build());
        self.memos.lock().unwrap().insert(k, v.clone());
        v
    }

    /// The node of kind `kind` spanning exactly `start..end` (as a memo recorded
    /// it), if this file's tree has one.
    pub fn node_at(&self, start: usize, end: usize, kind: &str) -> Option<GoNode<'_>> {
        let inner = self
            .root
            .root()
            .get_inner_node()
            .descendant_for_byte_range(start, end);
        let mut n = inner.map(|i| self.root.adopt(i));
        while let Some(node) = n {
            let r = node.range();
            if r.start != start || r.end != end {
                break;
            }
            if node.kind() == kind {
                return Some(node);
            }
            n = node.parent();
        }
        // Not reached by the parser's range search (a zero-width neighbour):
        // the walk it saves.
        self.root
            .root()
            .dfs()
            .find(|n| n.range() == (start..end) && n.kind() == kind)
    }

    /// Evidence at byte `offset` of this file.
    pub fn evidence(&self, offset: usize, what: impl Into<String>) -> crate::finding::Evidence {
        crate::finding::Evidence {
            path: self.path.to_path_buf(),
            line: crate::finding::Position::of_offset(self.text(), offset).line,
            what: what.into(),
        }
    }

    pub fn text(&self) -> &str {
        self.root.get_text()
    }

    /// The imports of `path` (several are possible, e.g. `_` and a name).
    pub fn imports_of<'s>(&'s self, path: &'s str) -> impl Iterator<Item = &'s Import> + 's {
        self.imports.iter().filter(move |i| i.path == path)
    }

    /// What the run knows of the files around this one: its package folder, the
    /// module, deployment files. Rules and analysis read through it, never the disk.
    pub fn package(&self) -> &Files {
        &self.files
    }

    /// The folder of this file's package, canonical when it resolves.
    pub fn package_dir(&self) -> std::path::PathBuf {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        self.files.canonical(dir)
    }

    /// Import path of this file's package, when the module is known.
    pub fn package_import_path(&self) -> Option<String> {
        let module = self.module.as_ref()?;
        let dir = self.path.parent()?;
        let dir = self.files.canonical(dir);
        module.import_path_of(&dir)
    }

    /// True when `start..end` touches a parse error, or sits in the same top-level
    /// declaration as one: the parser's view of that code cannot be trusted.
    pub fn near_parse_error(&self, start: usize, end: usize) -> bool {
        if self.error_ranges.is_empty() {
            return false;
        }
        let (lo, hi) = self.top_level_span(start, end);
        self.error_ranges.iter().any(|&(s, e)| s <= hi && lo <= e)
    }

    fn top_level_span(&self, start: usize, end: usize) -> (usize, usize) {
        for decl in self.root.root().children() {
            let r = decl.range();
            if r.start <= start && end <= r.end {
                return (r.start, r.end);
            }
        }
        (start, end)
    }
}

fn collect_imports(decl: &GoNode, out: &mut Vec<Import>) {
    for node in decl.dfs() {
        if node.kind() != "import_spec" {
            continue;
        }
        let Some(path_node) = node.field("path") else {
            continue;
        };
        let path = path_node
            .text()
            .trim_matches(|c| c == '"' || c == '`')
            .to_string();
        let alias = node.field("name").map(|n| n.text().to_string());
        let r = node.range();
        out.push(Import {
            path,
            alias,
            start: r.start,
            end: r.end,
        });
    }
}

fn error_ranges(root: &AstGrep<GoDoc>) -> Vec<(usize, usize)> {
    let top = root.root();
    if !top.get_inner_node().has_error() {
        return vec![];
    }
    top.dfs()
        .filter(|n| n.is_error() || n.is_missing())
        .map(|n| {
            let r = n.range();
            (r.start, r.end)
        })
        .collect()
}

/// The id under which reports show where the parser gave up (`--format json` entries,
/// SARIF notifications): not a rule, never a finding, never in a baseline.
pub const SYNTAX_ERROR_ID: &str = "GM000";
pub const SYNTAX_ERROR_NAME: &str = "syntax-error";

/// A place where the parser gave up: an outermost ERROR or MISSING node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte range of the node (empty for a MISSING node).
    pub start: usize,
    pub end: usize,
    /// The code the parser could not place, from its first token (ERROR; shortened to
    /// one line), or the token it expected there (MISSING).
    pub token: String,
    pub missing: bool,
}

/// A syntax error as reports show it, positioned in the text it was found in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyntaxNote {
    /// 1-based lines, 1-based byte columns (as findings).
    pub start: Position,
    pub end: Position,
    /// 1-based columns in UTF-16 code units, for SARIF.
    pub start_utf16: usize,
    pub end_utf16: usize,
    pub message: String,
}

impl SyntaxError {
    /// One line for every format: what went wrong and what gomemfix did about it.
    pub fn message(&self) -> String {
        // A backtick (a raw string's) cannot sit inside backticks.
        let token = if self.token.contains('`') {
            format!("'{}'", self.token)
        } else {
            format!("`{}`", self.token)
        };
        let what = if self.missing {
            format!("missing {token}")
        } else {
            format!("cannot parse {token}")
        };
        // Short: it is printed once per file, and read beside findings.
        format!("parsed only in part: syntax error, {what}; findings over it are dropped, its declaration is not fixed")
    }

    /// Where it is in `text` (the text it was found in).
    pub fn note(&self, text: &str) -> SyntaxNote {
        let utf16 = |offset: usize| {
            let mut offset = offset.min(text.len());
            while !text.is_char_boundary(offset) {
                offset -= 1;
            }
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            text[line_start..offset].encode_utf16().count() + 1
        };
        SyntaxNote {
            start: Position::of_offset(text, self.start),
            end: Position::of_offset(text, self.end),
            start_utf16: utf16(self.start),
            end_utf16: utf16(self.end),
            message: self.message(),
        }
    }
}

impl GoFile<'_> {
    /// The outermost ERROR and MISSING nodes, in file order.
    pub fn syntax_errors(&self) -> Vec<SyntaxError> {
        if self.error_ranges.is_empty() {
            return vec![];
        }
        let mut out: Vec<SyntaxError> = vec![];
        for node in self.root.root().dfs() {
            if !(node.is_error() || node.is_missing()) {
                continue;
            }
            let r = node.range();
            // Pre-order: an error inside one already listed comes after it.
            if out
                .last()
                .is_some_and(|o| !o.missing && o.start <= r.start && r.end <= o.end)
            {
                continue;
            }
            let missing = node.is_missing();
            let token = if missing {
                node.kind().to_string()
            } else {
                error_text(&node)
            };
            out.push(SyntaxError {
                start: r.start,
                end: r.end,
                token,
                missing,
            });
        }
        out
    }
}

/// The code an ERROR node holds, from its first token: the first line, shortened.
/// (tree-sitter puts in the node the tokens it could not fit, and sometimes a few
/// valid ones before them, so this is the smallest span that shows the problem.)
fn error_text(error: &GoNode) -> String {
    let text = error.text();
    let text = text.trim();
    let one_line = text.lines().next().unwrap_or("").trim_end();
    let mut short: String = one_line.chars().take(40).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// Number of ERROR and MISSING nodes in `text`: a fix must not raise it.
pub fn parse_error_count(text: &str) -> usize {
    let root = AstGrep::new(text, Go);
    if !root.root().get_inner_node().has_error() {
        return 0;
    }
    root.root()
        .dfs()
        .filter(|n| n.is_error() || n.is_missing())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_at_finds_every_node_by_its_span_and_kind() {
        // Nodes sharing a span (a statement and its lone expression, an
        // identifier and its parent) are told apart by kind.
        let src = "package p\n\nvar pool = sync.Pool{New: func() any { return new(T) }}\n\nfunc f(s *S) {\n\ts.p.New = nil\n\tx := pool.Get()\n\tpool.Put(x)\n\ts.m[k]++\n}\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let mut seen = 0;
        for n in f.root.root().dfs() {
            let r = n.range();
            let found = f.node_at(r.start, r.end, &n.kind()).expect("found");
            assert_eq!((found.range(), found.kind()), (r, n.kind()));
            seen += 1;
        }
        assert!(seen > 50);
        assert!(f.node_at(0, 3, "call_expression").is_none());
    }

    #[test]
    fn a_file_memo_is_built_once() {
        let f = GoFile::parse(Path::new("a.go"), "package p\n", None);
        let builds = std::cell::Cell::new(0);
        for _ in 0..3 {
            let v = f.memo("test", "k", || {
                builds.set(builds.get() + 1);
                7usize
            });
            assert_eq!(*v, 7);
        }
        assert_eq!(builds.get(), 1);
        assert_eq!(*f.memo("test", "other", || 8usize), 8);
    }

    #[test]
    fn package_names() {
        assert_eq!(default_package_name("runtime/debug"), "debug");
        assert_eq!(default_package_name("math/rand/v2"), "rand");
        assert_eq!(default_package_name("gopkg.in/yaml.v3"), "yaml");
        assert_eq!(default_package_name("github.com/x/go-redis"), "redis");
    }

    #[test]
    fn reads_imports_and_package() {
        let text = "package svc\n\nimport (\n\trt \"runtime\"\n\t\"runtime/debug\"\n)\n";
        let f = GoFile::parse(Path::new("a.go"), text, None);
        assert_eq!(f.package_name, "svc");
        let names: Vec<_> = f
            .imports
            .iter()
            .map(|i| (i.path.as_str(), i.local_name()))
            .collect();
        assert_eq!(names, vec![("runtime", "rt"), ("runtime/debug", "debug")]);
        assert!(f.error_ranges.is_empty());
        assert!(f.syntax_errors().is_empty());
    }

    #[test]
    fn syntax_errors_name_the_code_and_where() {
        let text = "package p\n\nfunc f() {\n\tx := [}\n}\n\nfunc g() {\n\ty := \"é\" @ 2\n}\n";
        let f = GoFile::parse(Path::new("a.go"), text, None);
        let notes: Vec<SyntaxNote> = f.syntax_errors().iter().map(|e| e.note(text)).collect();
        assert!(notes.len() >= 2, "{notes:?}");
        assert_eq!(
            (notes[0].start.line, notes[0].start.column),
            (4, 2),
            "{notes:?}"
        );
        assert!(
            notes[0].message.contains("cannot parse `x := [}`"),
            "{}",
            notes[0].message
        );
        // The second function's error is reported too; UTF-16 columns count `é` once.
        let later = notes.iter().find(|n| n.start.line == 8).expect("line 8");
        assert_eq!(later.start.column - later.start_utf16, 1, "{later:?}");
    }

    #[test]
    fn a_missing_token_is_named() {
        let text = "package p\n\nfunc f() {\n\tg(1\n}\n";
        let f = GoFile::parse(Path::new("a.go"), text, None);
        let errs = f.syntax_errors();
        assert!(!errs.is_empty(), "the call lacks its `)`");
        assert!(errs.iter().all(|e| !e.token.is_empty()), "{errs:?}");
    }

    #[test]
    fn go_1_26_and_1_27_syntax_parses_cleanly() {
        let text = "package p\n\nfunc (r *Rand) N[Int intType](n Int) Int { return n }\n\nfunc f(s *S) { s.id = new(s.next()) }\n";
        let f = GoFile::parse(Path::new("a.go"), text, None);
        assert!(f.syntax_errors().is_empty(), "{:?}", f.syntax_errors());
    }
}
