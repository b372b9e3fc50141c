//! Changing a function's signature across its module: add a `ctx
//! context.Context` first parameter and pass a context at every call, in every
//! file and package of the module (GM003's fix when no context is in scope).
//!
//! Without a type checker this is done only where the call sites can all be
//! found by name: refused for closures, `main`/`init`, functions with `//export`
//! or `//go:linkname`, exported functions of packages other modules may import,
//! functions used as values, and methods whose name another method, field or
//! interface of the module also uses (the method might satisfy an interface).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::analysis::{context, decls};
use crate::finding::{Edit, FileEdit, Position};
use crate::gofile::{GoFile, GoNode};
use crate::imports::{choose_name, ImportRequest};
use crate::package::Files;
use crate::source::{is_generated, SourceText};

/// The name given to the new parameter.
pub const PARAM: &str = "ctx";

/// What adding the parameter takes.
#[derive(Debug, Default)]
pub struct ContextParam {
    /// The new parameter's name, to use inside the function.
    pub param: String,
    /// Edits to the function's own file (the signature and its calls there).
    pub edits: Vec<Edit>,
    pub imports: Vec<ImportRequest>,
    /// Calls in the module's other files.
    pub extra_files: Vec<FileEdit>,
    pub call_sites: usize,
}

/// The declared name of a function or method (None for a literal).
pub fn function_name(func: &GoNode) -> Option<String> {
    match func.kind().as_ref() {
        "function_declaration" | "method_declaration" => {
            func.field("name").map(|n| n.text().to_string())
        }
        _ => None,
    }
}

/// Plans the new first parameter of `func` (declared in `file`) and the
/// context passed at each of its calls; Err says why it cannot be done safely.
pub fn add_context_parameter(file: &GoFile, func: &GoNode) -> Result<ContextParam, String> {
    let Some(name) = function_name(func) else {
        return Err("the goroutine is started inside a closure, whose callers cannot be found; pass it a context by hand".into());
    };
    let is_method = func.kind() == "method_declaration";
    if !is_method && (name == "main" || name == "init") {
        return Err(format!(
            "`{name}` cannot take parameters; create a context there and pass it to the goroutine"
        ));
    }
    if has_directive(file.text(), func) {
        return Err(format!(
            "`{name}` carries a //export or //go:linkname directive"
        ));
    }
    if func
        .dfs()
        .any(|n| n.kind() == "identifier" && n.text() == PARAM)
    {
        return Err(format!("`{PARAM}` already names something in `{name}`"));
    }
    let Some(module) = file.module.clone() else {
        return Err("no go.mod above the file, so the callers cannot all be found".into());
    };
    let files = file.package();
    let own_path = files.canonical(file.path);
    let own_dir = own_path.parent().map(Path::to_path_buf).unwrap_or_default();
    let exported = name.starts_with(|c: char| c.is_uppercase());
    if exported && is_method {
        return Err(format!(
            "`{name}` is an exported method: calls of other types' `{name}` cannot be told apart without type information"
        ));
    }
    if exported && !private_package(&files.canonical(&module.root), &own_dir, &file.package_name) {
        return Err(format!(
            "`{name}` is exported from a package other modules may import, and changing its signature would break their calls"
        ));
    }
    let import_path = file.package_import_path();

    let (ctx_pkg, ctx_alias) = choose_name(&file.root, "context", &file.imports);
    let mut plan = ContextParam {
        param: PARAM.to_string(),
        ..ContextParam::default()
    };
    let params = func
        .field("parameters")
        .ok_or("the function has no parameter list")?;
    plan.edits.push(insert_first(
        file.text(),
        &params,
        &format!("{PARAM} {ctx_pkg}.Context"),
    ));
    plan.imports.push(ImportRequest {
        path: "context".into(),
        alias: ctx_alias,
    });

    let mut method_decls = 0;
    for path in module_files(files, &module.root).iter() {
        let is_own = files.canonical(path) == own_path;
        let text = if is_own {
            file.text().to_string()
        } else {
            match files.read(path).and_then(|b| SourceText::decode(&b).ok()) {
                Some(s) => s.text,
                None => continue,
            }
        };
        if !text.contains(name.as_str()) {
            continue;
        }
        let gf = GoFile::parse(path, &text, None);
        let dir = files
            .canonical(path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let same_package = dir == own_dir && gf.package_name == file.package_name;
        if is_method && !same_package {
            continue; // an unexported method is called only in its own package
        }
        let qualifier: Option<String> = if same_package {
            None
        } else {
            let Some(ip) = &import_path else { continue };
            let Some(imp) = gf.imports_of(ip).next() else {
                continue;
            };
            if imp.alias.as_deref() == Some(".") {
                return Err(format!(
                    "{} dot-imports the package",
                    shown(files, path, &module.root)
                ));
            }
            Some(imp.local_name().to_string())
        };
        let mut sites = vec![];
        for n in gf.root.root().dfs() {
            let here = || {
                let p = Position::of_offset(&text, n.range().start);
                format!("{}:{}", shown(files, path, &module.root), p.line)
            };
            match n.kind().as_ref() {
                "method_declaration"
                    if is_method && n.field("name").is_some_and(|f| f.text() == name) =>
                {
                    method_decls += 1;
                }
                "field_declaration" | "method_elem"
                    if is_method
                        && (n
                            .children()
                            .any(|c| c.kind() == "field_identifier" && c.text() == name)
                            || n.field("name").is_some_and(|f| f.text() == name)) =>
                {
                    return Err(format!(
                        "a field or interface method is also called `{name}` ({}), so the method may satisfy an interface",
                        here()
                    ));
                }
                "selector_expression"
                    if (is_method || qualifier.is_some())
                        && n.field("field").is_some_and(|f| f.text() == name) =>
                {
                    if let (false, Some(q)) = (is_method, &qualifier) {
                        let ok = n.field("operand").is_some_and(|o| {
                            o.kind() == "identifier"
                                && o.text() == q.as_str()
                                && decls::lookup(&n, q).is_none()
                        });
                        if !ok {
                            continue;
                        }
                    }
                    match called_by(&n) {
                        Some(call) => sites.push(call),
                        None => return Err(format!("`{name}` is used as a value at {}", here())),
                    }
                }
                "identifier" if !is_method && same_package && n.text() == name => {
                    let declaring = n
                        .parent()
                        .is_some_and(|p| p.kind() == "function_declaration");
                    if declaring || decls::lookup(&n, &name).is_some() {
                        continue;
                    }
                    match called_by(&n) {
                        Some(call) => sites.push(call),
                        None => return Err(format!("`{name}` is used as a value at {}", here())),
                    }
                }
                _ => {}
            }
        }
        if sites.is_empty() {
            continue;
        }
        if !is_own && is_generated(&text) {
            return Err(format!(
                "{} calls it and is generated",
                shown(files, path, &module.root)
            ));
        }
        if sites
            .iter()
            .any(|c| gf.near_parse_error(c.range().start, c.range().end))
        {
            return Err(format!(
                "{} is only partly parsed",
                shown(files, path, &module.root)
            ));
        }
        let (todo_pkg, todo_alias) = choose_name(&gf.root, "context", &gf.imports);
        let mut edits = vec![];
        let mut needs_import = false;
        for call in &sites {
            let inside = is_own
                && func.range().start <= call.range().start
                && call.range().end <= func.range().end;
            let arg = if inside {
                PARAM.to_string()
            } else if let Some(ctx) = context::context_in_scope(&gf, call) {
                ctx
            } else {
                needs_import = true;
                format!("{todo_pkg}.TODO()")
            };
            let Some(args) = call.field("arguments") else {
                continue;
            };
            edits.push(insert_first(&text, &args, &arg));
        }
        plan.call_sites += edits.len();
        let imports = if needs_import {
            vec![ImportRequest {
                path: "context".into(),
                alias: todo_alias,
            }]
        } else {
            vec![]
        };
        if is_own {
            plan.edits.extend(edits);
            plan.imports.extend(imports);
        } else {
            plan.extra_files.push(FileEdit {
                path: path.clone(),
                edits,
                imports,
            });
        }
    }
    if is_method && method_decls != 1 {
        return Err(format!(
            "several types declare a method `{name}`, so its calls cannot be told apart"
        ));
    }
    Ok(plan)
}

/// The call expression `callee` is the function of, if any.
fn called_by<'r>(callee: &GoNode<'r>) -> Option<GoNode<'r>> {
    let parent = callee.parent()?;
    (parent.kind() == "call_expression"
        && parent
            .field("function")
            .is_some_and(|f| f.range() == callee.range()))
    .then_some(parent)
}

/// Inserts `item` first in a parameter or argument list, as gofmt lays it out.
fn insert_first(text: &str, list: &GoNode, item: &str) -> Edit {
    let r = list.range();
    let open = r.start + 1;
    let empty = !list
        .children()
        .any(|c| c.is_named() && c.kind() != "comment");
    if empty {
        return Edit::new(open, r.end - 1, item.to_string());
    }
    if text[open..].starts_with('\n') {
        let first = list
            .children()
            .find(|c| c.is_named())
            .map_or(open, |c| c.range().start);
        let ind = crate::analysis::exprs::indentation(text, first);
        return Edit::new(open, open, format!("\n{ind}{item},"));
    }
    Edit::new(open, open, format!("{item}, "))
}

/// `//export f` or `//go:linkname` in the comment block right above `func`.
fn has_directive(text: &str, func: &GoNode) -> bool {
    let before = &text[..func.range().start];
    for line in before.lines().rev() {
        let line = line.trim();
        if !line.starts_with("//") {
            break;
        }
        if line.starts_with("//export ") || line.starts_with("//go:linkname") {
            return true;
        }
    }
    false
}

/// Only code of this module can import a `main` package or one under `internal/`
/// (`root` is the module's canonical root).
fn private_package(root: &Path, dir: &Path, package: &str) -> bool {
    package == "main"
        || dir
            .strip_prefix(root)
            .is_ok_and(|rel| rel.components().any(|c| c.as_os_str() == "internal"))
}

fn shown(files: &Files, path: &Path, root: &Path) -> String {
    let path = files.canonical(path);
    path.strip_prefix(files.canonical(root))
        .unwrap_or(&path)
        .display()
        .to_string()
}

/// The `.go` files of the module rooted at `root`, without nested modules,
/// `vendor/` and `testdata/`; listed once per run.
pub fn module_files(files: &Files, root: &Path) -> Arc<Vec<PathBuf>> {
    let root = files.canonical(root);
    files.memo("module-files", &root, "", |f| {
        f.go_tree(&root)
            .iter()
            .filter(|p| {
                p.extension().is_some_and(|x| x == "go")
                    && !p
                        .ancestors()
                        .skip(1)
                        .take_while(|d| *d != root.as_path())
                        .any(|d| f.exists(&d.join("go.mod")))
            })
            .cloned()
            .collect::<Vec<PathBuf>>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::apply_edits;

    fn first_list(src: &str, kind: &str, item: &str) -> String {
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let list = f.root.root().dfs().find(|n| n.kind() == kind).unwrap();
        apply_edits(src, &[insert_first(src, &list, item)])
    }

    #[test]
    fn inserts_first_parameter_and_argument() {
        assert_eq!(
            first_list(
                "package p\nfunc f() {}\n",
                "parameter_list",
                "ctx context.Context"
            ),
            "package p\nfunc f(ctx context.Context) {}\n"
        );
        assert_eq!(
            first_list(
                "package p\nfunc f(a int) {}\n",
                "parameter_list",
                "ctx context.Context"
            ),
            "package p\nfunc f(ctx context.Context, a int) {}\n"
        );
        assert_eq!(
            first_list(
                "package p\nvar _ = f(\n\t1,\n\t2,\n)\n",
                "argument_list",
                "ctx"
            ),
            "package p\nvar _ = f(\n\tctx,\n\t1,\n\t2,\n)\n"
        );
    }

    #[test]
    fn directives_and_private_packages() {
        let src = "package p\n\n//export f\nfunc f() {}\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let func = f
            .root
            .root()
            .dfs()
            .find(|n| n.kind() == "function_declaration")
            .unwrap();
        assert!(has_directive(src, &func));
        assert!(private_package(
            Path::new("/m"),
            Path::new("/m/internal/x"),
            "x"
        ));
        assert!(private_package(
            Path::new("/m"),
            Path::new("/m/cmd/app"),
            "main"
        ));
        assert!(!private_package(
            Path::new("/m"),
            Path::new("/m/pkg/x"),
            "x"
        ));
    }
}
