//! Questions about where a node sits: which function, which loop, which import
//! an identifier names, whether it runs under `go test`.

use crate::gofile::{GoFile, GoNode};

pub const FUNCTION_KINDS: &[&str] = &["function_declaration", "method_declaration", "func_literal"];

pub fn is_function(node: &GoNode) -> bool {
    FUNCTION_KINDS.contains(&node.kind().as_ref())
}

/// The innermost function (declaration, method or literal) holding `node`.
pub fn enclosing_function<'r>(node: &GoNode<'r>) -> Option<GoNode<'r>> {
    node.ancestors().find(is_function)
}

/// True when `node` runs once per iteration of a loop in its own function
/// (a loop outside an enclosing closure does not count: the closure may run once).
pub fn in_loop(node: &GoNode) -> bool {
    for a in node.ancestors() {
        if a.kind() == "for_statement" {
            return true;
        }
        if is_function(&a) {
            return false;
        }
    }
    false
}

/// True when `node` runs only under an `if` of its own function whose condition
/// names a switch containing `word` (case aside): `if forceGC {`, `if *memprofile != "" {`.
/// Such code runs when the operator asks for it.
pub fn behind_switch_naming(node: &GoNode, word: &str) -> bool {
    node.ancestors()
        .take_while(|a| !is_function(a))
        .filter(|a| a.kind() == "if_statement")
        .filter_map(|a| a.field("condition"))
        .any(|cond| {
            cond.dfs().any(|n| {
                matches!(n.kind().as_ref(), "identifier" | "field_identifier")
                    && n.text().to_ascii_lowercase().contains(word)
            })
        })
}

/// True when the file belongs to a package that exists to support tests
/// (`testutil`, `leaktest`, `internal/testing/...`) though it is not a `_test.go` file.
pub fn in_test_support_package(file: &GoFile) -> bool {
    let testish = |word: &str| {
        let w = word.to_ascii_lowercase();
        w.starts_with("test") || w.ends_with("_test") || (w.ends_with("test") && w != "latest")
    };
    // The package's own name and folder, or a folder above it named for test
    // support (`internal/testing/leakcheck`); a `tests/` folder higher up holds
    // ordinary packages too.
    let support_root = |name: &str| matches!(name, "testing" | "testutil" | "testutils");
    testish(&file.package_name)
        || file
            .path
            .parent()
            .and_then(|dir| dir.file_name())
            .is_some_and(|name| testish(&name.to_string_lossy()))
        || file.module.as_ref().is_some_and(|m| {
            // The folders between the module's root and the package's own
            // folder, whatever form (relative, absolute) the paths came in.
            let files = file.package();
            let path = files.canonical(file.path);
            let root = files.canonical(&m.root);
            path.strip_prefix(&root).is_ok_and(|rel| {
                let dirs: Vec<_> = rel
                    .parent()
                    .map(|p| p.components().collect())
                    .unwrap_or_default();
                dirs.iter()
                    .take(dirs.len().saturating_sub(1))
                    .any(|c| support_root(&c.as_os_str().to_string_lossy()))
            })
        })
}

/// True when `ident`, at `node`, names the import of `path` and no local
/// declaration between here and the file scope shadows it.
pub fn names_import(file: &GoFile, node: &GoNode, ident: &str, path: &str) -> bool {
    let imported = file
        .imports_of(path)
        .any(|i| i.local_name() == ident && !matches!(i.alias.as_deref(), Some("_" | ".")));
    imported && !is_shadowed(node, ident)
}

/// Import paths of the standard `context` package: `golang.org/x/net/context`
/// declares `Context` as an alias of the standard one (and its functions as the
/// standard ones), so a value of either is the same context.
pub const CONTEXT_PACKAGES: &[&str] = &["context", "golang.org/x/net/context"];

/// True when `ident`, at `node`, names the `context` package, imported as the
/// standard library's or as `golang.org/x/net/context` (see [`CONTEXT_PACKAGES`]).
pub fn names_context_package(file: &GoFile, node: &GoNode, ident: &str) -> bool {
    CONTEXT_PACKAGES
        .iter()
        .any(|path| names_import(file, node, ident, path))
}

/// A parameter, receiver, result or local declaration of `ident` in any function
/// enclosing `node`, declared before it.
pub fn is_shadowed(node: &GoNode, ident: &str) -> bool {
    let at = node.range().start;
    for func in node.ancestors().filter(is_function) {
        for n in func.dfs() {
            if n.range().start >= at {
                break;
            }
            if n.kind() == "identifier" && n.text() == ident && declares(&n) {
                return true;
            }
        }
    }
    false
}

/// True when identifier `n` is being declared (not used) where it stands.
fn declares(n: &GoNode) -> bool {
    let Some(parent) = n.parent() else {
        return false;
    };
    match parent.kind().as_ref() {
        "parameter_declaration" | "variadic_parameter_declaration" | "var_spec" | "const_spec" => {
            true
        }
        "expression_list" => parent.parent().is_some_and(|gp| {
            matches!(gp.kind().as_ref(), "short_var_declaration" | "range_clause")
                && gp
                    .field("left")
                    .is_some_and(|l| l.range() == parent.range())
        }),
        "short_var_declaration" | "range_clause" => {
            parent.field("left").is_some_and(|l| l.range() == n.range())
        }
        _ => false,
    }
}

/// True for code that only `go test` runs: a `_test.go` file; a test-support
/// file (one that imports `testing` and declares helpers taking its types: a
/// mock or fixture package other tests import, whatever the file is named;
/// importing it only for `testing.Testing()` does not count); or a function
/// (or a closure inside one) taking `*testing.T`, `*testing.B`, `*testing.F`,
/// `*testing.M` or `testing.TB`.
pub fn in_test_code(file: &GoFile, node: &GoNode) -> bool {
    if file.is_test_file || is_test_support(file) {
        return true;
    }
    node.ancestors()
        .filter(|a| {
            matches!(
                a.kind().as_ref(),
                "function_declaration" | "method_declaration" | "func_literal"
            )
        })
        .any(|f| {
            f.field("parameters").is_some_and(|params| {
                params
                    .children()
                    .filter(|p| p.kind() == "parameter_declaration")
                    .any(|p| {
                        p.field("type").is_some_and(|t| {
                            let t = t.text();
                            let t = t.trim_start_matches('*');
                            matches!(
                                t,
                                "testing.T"
                                    | "testing.B"
                                    | "testing.F"
                                    | "testing.M"
                                    | "testing.TB"
                            )
                        })
                    })
            })
        })
}

/// A file that imports `testing` under its own name and names its test types
/// in a signature (`func (m *Mock) Check(t *testing.T)`).
fn is_test_support(file: &GoFile) -> bool {
    let Some(import) = file.imports_of("testing").next() else {
        return false;
    };
    let name = match import.alias.as_deref() {
        None => "testing",
        Some("_" | ".") => return false,
        Some(alias) => alias,
    };
    let text = file.text();
    ["*{}.T", "{}.TB", "*{}.B", "*{}.F"].iter().any(|shape| {
        let needle = shape.replace("{}", name);
        text.match_indices(&needle).any(|(i, _)| {
            let after = &text[i + needle.len()..];
            !after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
        })
    })
}

/// The statement node that `node` (an expression) stands as, if it is a whole statement.
pub fn as_statement<'r>(node: &GoNode<'r>) -> Option<GoNode<'r>> {
    let parent = node.parent()?;
    match parent.kind().as_ref() {
        "expression_statement" => Some(parent),
        _ if node.kind().ends_with("_statement") => Some(node.clone()),
        _ => None,
    }
}

/// The statement holding `n` stands in a statement list that also holds `stmt`
/// (further down): it runs on every path that reaches `stmt`.
pub fn runs_before(n: &GoNode, stmt: &GoNode) -> bool {
    let at = stmt.range().start;
    let mut cur = n.clone();
    while let Some(parent) = cur.parent() {
        if is_function(&parent) {
            return false;
        }
        if matches!(parent.kind().as_ref(), "statement_list" | "block") {
            return parent.range().contains(&at) && !cur.range().contains(&at);
        }
        cur = parent;
    }
    false
}

/// The statement executed after `stmt`: its next sibling, or, at the end of a
/// block, the statement after the enclosing `if`/block, up to the function.
pub fn next_statement<'r>(stmt: &GoNode<'r>) -> Option<GoNode<'r>> {
    let mut cur = stmt.clone();
    loop {
        if let Some(next) = cur
            .next_all()
            .find(|n| n.is_named() && n.kind() != "comment")
        {
            return Some(next);
        }
        let parent = cur.parent()?;
        if is_function(&parent) || parent.kind() == "for_statement" {
            return None;
        }
        cur = parent;
    }
}

/// The comment block written right above `node` (a declaration or a
/// statement): the `//` or `/* */` comments that end on the line before it, and
/// those above them with no blank line between, joined in source order.
pub fn comment_above(text: &str, node: &GoNode) -> String {
    let mut parts = vec![];
    let mut start = node.range().start;
    // The first statement of a block: the comments above it sit before the
    // block's statement list, not inside it.
    let mut cur = node.prev().or_else(|| {
        node.parent()
            .filter(|p| p.kind() == "statement_list")
            .and_then(|p| p.prev())
    });
    while let Some(c) = cur {
        if c.kind() != "comment" {
            break;
        }
        let gap = &text[c.range().end.min(start)..start];
        let line_start = text[..c.range().start].rfind('\n').map_or(0, |i| i + 1);
        let own_line = text[line_start..c.range().start].trim().is_empty();
        if gap.matches('\n').count() > 1 || !gap.trim().is_empty() || !own_line {
            break;
        }
        parts.push(c.text().to_string());
        start = c.range().start;
        cur = c.prev();
    }
    parts.reverse();
    parts.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn find<'r>(file: &'r GoFile, text: &str) -> GoNode<'r> {
        let start = file.text().find(text).unwrap();
        let found = file
            .root
            .root()
            .dfs()
            .filter(|n| n.range().start == start && n.text() == text)
            .last();
        found.unwrap_or_else(|| panic!("no node `{text}` at {start}"))
    }

    #[test]
    fn import_resolution_and_shadowing() {
        let src = "package p\nimport rt \"runtime\"\nfunc f() { rt.GC() }\nfunc g(rt *T) { rt.GC() }\nfunc h() { runtime := x; runtime.GC() }\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let calls: Vec<_> = f
            .root
            .root()
            .dfs()
            .filter(|n| n.kind() == "selector_expression")
            .collect();
        assert!(names_import(&f, &calls[0], "rt", "runtime"));
        assert!(!names_import(&f, &calls[1], "rt", "runtime"));
        assert!(!names_import(&f, &calls[2], "runtime", "runtime"));
    }

    #[test]
    fn loops_stop_at_closures() {
        let src = "package p\nfunc f() {\n\tfor {\n\t\ta()\n\t\tgo func() { b() }()\n\t}\n}\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        assert!(in_loop(&find(&f, "a()")));
        assert!(!in_loop(&find(&f, "b()")));
    }

    #[test]
    fn test_functions() {
        let src = "package p\nfunc BenchmarkX(b *testing.B) { func() { alpha() }() }\nfunc helper(tb testing.TB) { gamma() }\nfunc run() { delta() }\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        assert!(in_test_code(&f, &find(&f, "alpha()")));
        assert!(in_test_code(&f, &find(&f, "gamma()")));
        assert!(!in_test_code(&f, &find(&f, "delta()")));
    }

    #[test]
    fn test_support_files() {
        let mock = "package mocks
import \"testing\"
type M struct{ m map[string]int }
func (x *M) Reset() { delete(x.m, \"a\") }
func (x *M) Check(t *testing.T) {}
";
        let f = GoFile::parse(Path::new("mock.go"), mock, None);
        assert!(in_test_code(&f, &find(&f, "delete(x.m, \"a\")")));
        // Imported only to ask whether a test runs: production code.
        let prod = "package cfg
import \"testing\"
func load() { if testing.Testing() { alpha() } }
";
        let f = GoFile::parse(Path::new("cfg.go"), prod, None);
        assert!(!in_test_code(&f, &find(&f, "alpha()")));
        // A type named like testing's, of another package.
        let other = "package p
import \"example.com/x/testing2\"
func f(t *testing2.T) { beta() }
";
        let f = GoFile::parse(Path::new("p.go"), other, None);
        assert!(!in_test_code(&f, &find(&f, "beta()")));
    }

    #[test]
    fn comment_blocks_above() {
        let src = "package p\n\n// far\n\n// one\n/* two */\nfunc f() {\n\t// zero\n\tx := 1 // trailing\n\t// three\n\tgo g()\n}\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let func = f
            .root
            .root()
            .children()
            .find(|n| n.kind() == "function_declaration")
            .unwrap();
        assert_eq!(comment_above(f.text(), &func), "// one\n/* two */");
        let go = find(&f, "go g()");
        assert_eq!(comment_above(f.text(), &go), "// three");
        let x = find(&f, "x := 1");
        assert_eq!(
            comment_above(f.text(), &as_statement(&x).unwrap_or(x)),
            "// zero"
        );
    }

    #[test]
    fn next_statement_climbs_out_of_if() {
        let src = "package p\nfunc f() {\n\tif x {\n\t\ta()\n\t}\n\tb()\n}\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let a = as_statement(&find(&f, "a()")).unwrap();
        assert_eq!(next_statement(&a).unwrap().text(), "b()");
    }
}

/// The other non-test files of `file`'s package folder whose text mentions
/// `word`, with their texts (parse them with [`GoFile::parse_in`] and keep
/// those whose `package_name` is `file`'s).
pub fn package_siblings(file: &GoFile, word: &str) -> Vec<(std::path::PathBuf, String)> {
    let files = file.package();
    let own = files.canonical(file.path);
    files
        .go_files(&file.package_dir())
        .into_iter()
        .filter(|e| !e.name.ends_with("_test.go") && files.canonical(&e.path) != own)
        .filter_map(|e| {
            // Only the texts that hold `word` are copied: a folder's are megabytes.
            let bytes = files.read(&e.path)?;
            let text = std::str::from_utf8(&bytes).ok()?;
            Some((
                e.path.clone(),
                text.contains(word).then(|| text.to_string())?,
            ))
        })
        .collect()
}
