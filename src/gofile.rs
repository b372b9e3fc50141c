//! A parsed Go file and what every rule may ask of it: imports, package, module,
//! whether it is a test, where the parser gave up.

use std::path::Path;
use std::sync::Arc;

use ast_grep_core::tree_sitter::StrDoc;
use ast_grep_core::{AstGrep, Node, NodeMatch};

use crate::gomod::Module;
use crate::lang::Go;
use crate::options::RuleOptions;
use crate::package::Files;

pub type GoDoc = StrDoc<Go>;
pub type GoNode<'r> = Node<'r, GoDoc>;
pub type GoMatch<'r> = NodeMatch<'r, GoDoc>;

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
    pub root: AstGrep<GoDoc>,
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
}

impl<'a> GoFile<'a> {
    pub fn parse(path: &'a Path, text: &str, module: Option<Arc<Module>>) -> Self {
        let root = AstGrep::new(text, Go);
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
    }
}
