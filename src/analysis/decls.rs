//! What a name refers to, read from the syntax of one file without a type
//! checker: the parameters, receiver and locals visible at a point, struct
//! fields, top-level functions, methods and constants; and a function's own code
//! (its statements, not the closures inside it, which run elsewhere or later).

use crate::analysis::scope;
use crate::gofile::GoNode;

/// A function's own nodes below `node`, in source order, not entering function
/// literals (a `return` or a receive inside one does not belong to this code).
pub fn own_nodes<'r>(node: &GoNode<'r>) -> Vec<GoNode<'r>> {
    let mut out = vec![];
    let mut stack: Vec<GoNode<'r>> = node.children().collect();
    stack.reverse();
    while let Some(n) = stack.pop() {
        if n.kind() == "func_literal" {
            continue;
        }
        let mut kids: Vec<GoNode<'r>> = n.children().collect();
        kids.reverse();
        stack.extend(kids);
        out.push(n);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclKind {
    Param,
    Receiver,
    Local,
}

/// One declared variable.
#[derive(Clone)]
pub struct Decl<'r> {
    pub name: String,
    pub ident: GoNode<'r>,
    pub kind: DeclKind,
    /// The declared type, when written.
    pub ty: Option<GoNode<'r>>,
    /// The initialising expression (for `a, b := f()` both names get the call).
    pub value: Option<GoNode<'r>>,
    /// Position of the name on the left (0 for the first).
    pub index: usize,
}

/// Variables visible at `at`, innermost first: for each enclosing function,
/// its locals declared before `at` in a block that holds `at`, then its
/// parameters, results and receiver.
pub fn visible_decls<'r>(at: &GoNode<'r>) -> Vec<Decl<'r>> {
    let pos = at.range().start;
    let mut out = vec![];
    for func in at.ancestors().filter(scope::is_function) {
        let mut locals = vec![];
        if let Some(body) = func.field("body") {
            for n in own_nodes(&body) {
                if n.range().start >= pos {
                    break;
                }
                collect_local(&n, pos, &mut locals);
            }
        }
        locals.reverse();
        out.extend(locals);
        for field in ["parameters", "result", "receiver"] {
            if let Some(list) = func.field(field) {
                let kind = if field == "receiver" {
                    DeclKind::Receiver
                } else {
                    DeclKind::Param
                };
                out.extend(params_of(&list, kind));
            }
        }
    }
    out
}

/// The innermost visible declaration of `name` at `at`.
pub fn lookup<'r>(at: &GoNode<'r>, name: &str) -> Option<Decl<'r>> {
    visible_decls(at).into_iter().find(|d| d.name == name)
}

/// The value a local `name` visible at `at` always holds: its initialiser, when
/// no statement of its function assigns it again or takes its address (so
/// `f := func() {...}; go f()` runs that literal).
pub fn fixed_value<'r>(at: &GoNode<'r>, name: &str) -> Option<GoNode<'r>> {
    let d = lookup(at, name).filter(|d| d.kind == DeclKind::Local)?;
    let value = d.value?;
    let func = d.ident.ancestors().find(scope::is_function)?;
    let reassigned = func.dfs().any(|n| match n.kind().as_ref() {
        "assignment_statement" => n.field("left").is_some_and(|l| {
            l.children()
                .any(|c| c.kind() == "identifier" && c.text() == name)
        }),
        "unary_expression" => {
            n.text().starts_with('&')
                && n.field("operand")
                    .is_some_and(|o| o.kind() == "identifier" && o.text() == name)
        }
        _ => false,
    });
    (!reassigned).then_some(value)
}

/// The declarations of a parameter list (`a, b int` gives two).
pub fn params_of<'r>(list: &GoNode<'r>, kind: DeclKind) -> Vec<Decl<'r>> {
    let mut out = vec![];
    for p in list.children() {
        if !matches!(
            p.kind().as_ref(),
            "parameter_declaration" | "variadic_parameter_declaration"
        ) {
            continue;
        }
        let ty = p.field("type");
        for (index, ident) in p
            .children()
            .filter(|c| c.kind() == "identifier")
            .enumerate()
        {
            out.push(Decl {
                name: ident.text().to_string(),
                ident,
                kind,
                ty: ty.clone(),
                value: None,
                index,
            });
        }
    }
    out
}

/// Adds the variables `n` declares when its scope holds `pos`.
fn collect_local<'r>(n: &GoNode<'r>, pos: usize, out: &mut Vec<Decl<'r>>) {
    let (names, ty, values) = match n.kind().as_ref() {
        "var_spec" => (
            n.children()
                .filter(|c| c.kind() == "identifier")
                .collect::<Vec<_>>(),
            n.field("type"),
            n.field("value"),
        ),
        "short_var_declaration" | "range_clause" => {
            let Some(left) = n.field("left") else {
                return;
            };
            let names = left
                .children()
                .filter(|c| c.kind() == "identifier")
                .collect::<Vec<_>>();
            let values = if n.kind() == "range_clause" {
                None
            } else {
                n.field("right")
            };
            (names, None, values)
        }
        _ => return,
    };
    if !scope_holds(n, pos) {
        return;
    }
    let values: Vec<GoNode> = values
        .map(|v| v.children().filter(|c| c.is_named()).collect())
        .unwrap_or_default();
    for (index, ident) in names.into_iter().enumerate() {
        let value = if values.len() == 1 {
            values.first().cloned()
        } else {
            values.get(index).cloned()
        };
        out.push(Decl {
            name: ident.text().to_string(),
            ident,
            kind: DeclKind::Local,
            ty: ty.clone(),
            value,
            index,
        });
    }
}

/// True when the block (or `if`/`for`/`switch` header) a declaration belongs to holds `pos`.
fn scope_holds(decl: &GoNode, pos: usize) -> bool {
    for a in decl.ancestors() {
        match a.kind().as_ref() {
            "block"
            | "if_statement"
            | "for_statement"
            | "expression_switch_statement"
            | "type_switch_statement"
            | "communication_case"
            | "expression_case"
            | "type_case"
            | "default_case" => {
                let r = a.range();
                return r.start <= pos && pos < r.end;
            }
            "source_file" => return true,
            _ => {}
        }
    }
    true
}

/// The name of a type declared in this package that a receiver or parameter
/// type spells: `T` for `T`, `*T`, `T[K]`, `*T[K]`; None for `pkg.T` and literals.
pub fn base_type_name(ty: &GoNode) -> Option<String> {
    let name = crate::analysis::types::base_type_name(&ty.text());
    let name = name
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim_start_matches('*');
    let is_name = !name.is_empty()
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    is_name.then(|| name.to_string())
}

/// Top-level declarations of the file holding `node`.
fn top_level<'r>(node: &GoNode<'r>) -> Vec<GoNode<'r>> {
    let root = node.ancestors().last().unwrap_or_else(|| node.clone());
    root.children().collect()
}

/// The `type_spec` of the type named `name` in the file holding `node`.
pub fn type_spec<'r>(node: &GoNode<'r>, name: &str) -> Option<GoNode<'r>> {
    top_level(node)
        .into_iter()
        .filter(|d| d.kind() == "type_declaration")
        .flat_map(|d| d.children().collect::<Vec<_>>())
        .find(|s| s.kind() == "type_spec" && s.field("name").is_some_and(|n| n.text() == name))
}

/// The type of field `field` of struct type `type_name`, declared in this file.
pub fn struct_field_type<'r>(
    node: &GoNode<'r>,
    type_name: &str,
    field: &str,
) -> Option<GoNode<'r>> {
    let spec = type_spec(node, type_name)?;
    let st = spec.field("type")?;
    if st.kind() != "struct_type" {
        return None;
    }
    let found = st
        .dfs()
        .filter(|f| f.kind() == "field_declaration")
        .find(|f| {
            f.children()
                .any(|c| c.kind() == "field_identifier" && c.text() == field)
        });
    found.and_then(|f| f.field("type"))
}

/// The `function_declaration` named `name` in the file holding `node`.
pub fn function_named<'r>(node: &GoNode<'r>, name: &str) -> Option<GoNode<'r>> {
    top_level(node).into_iter().find(|d| {
        d.kind() == "function_declaration" && d.field("name").is_some_and(|n| n.text() == name)
    })
}

/// Every `method_declaration` named `name` in the file holding `node`.
pub fn methods_named<'r>(node: &GoNode<'r>, name: &str) -> Vec<GoNode<'r>> {
    top_level(node)
        .into_iter()
        .filter(|d| {
            d.kind() == "method_declaration" && d.field("name").is_some_and(|n| n.text() == name)
        })
        .collect()
}

/// The receiver of a method declaration: its name (if any) and base type name.
pub fn receiver_of(method: &GoNode) -> Option<(Option<String>, String)> {
    let list = method.field("receiver")?;
    let p = list
        .children()
        .find(|c| c.kind() == "parameter_declaration")?;
    let ty = base_type_name(&p.field("type")?)?;
    let name = p
        .children()
        .find(|c| c.kind() == "identifier")
        .map(|n| n.text().to_string());
    Some((name, ty))
}

/// The value expression of the package-level constant `name` in this file.
pub fn const_value<'r>(node: &GoNode<'r>, name: &str) -> Option<GoNode<'r>> {
    for d in top_level(node) {
        if d.kind() != "const_declaration" {
            continue;
        }
        for spec in d.children().filter(|c| c.kind() == "const_spec") {
            let names: Vec<_> = spec
                .children()
                .filter(|c| c.kind() == "identifier")
                .collect();
            let Some(i) = names.iter().position(|n| n.text() == name) else {
                continue;
            };
            let values: Vec<_> = spec
                .field("value")?
                .children()
                .filter(|c| c.is_named())
                .collect();
            return values.get(i).cloned();
        }
    }
    None
}

/// The named, non-comment statements of a block or statement list.
pub fn statements<'r>(block: &GoNode<'r>) -> Vec<GoNode<'r>> {
    let list = if block.kind() == "block" {
        match block.children().find(|c| c.kind() == "statement_list") {
            Some(l) => l,
            None => return vec![],
        }
    } else {
        block.clone()
    };
    list.children()
        .filter(|c| c.is_named() && c.kind() != "comment")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gofile::GoFile;
    use std::path::Path;

    fn at<'r>(f: &'r GoFile, text: &str) -> GoNode<'r> {
        let start = f.text().find(text).unwrap();
        f.root
            .root()
            .dfs()
            .filter(|n| n.range().start == start)
            .last()
            .unwrap()
    }

    #[test]
    fn visible_locals_and_params() {
        let src = "package p\nfunc f(ctx context.Context) {\n\tif x := 1; x > 0 {\n\t\ty := 2\n\t}\n\tc, cancel := context.WithCancel(ctx)\n\tgo func(n int) {\n\t\tuse()\n\t}(1)\n}\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let names: Vec<String> = visible_decls(&at(&f, "use()"))
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert_eq!(names, vec!["n", "cancel", "c", "ctx"]);
        let c = lookup(&at(&f, "use()"), "c").unwrap();
        assert_eq!(c.value.unwrap().text(), "context.WithCancel(ctx)");
    }

    #[test]
    fn own_nodes_skip_closures() {
        let src = "package p\nfunc f() {\n\ta()\n\tgo func() { b() }()\n}\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let func = function_named(&f.root.root().children().next().unwrap(), "f").unwrap();
        let calls: Vec<String> = own_nodes(&func)
            .into_iter()
            .filter(|n| n.kind() == "call_expression")
            .map(|n| n.text().to_string())
            .collect();
        assert_eq!(calls, vec!["a()", "func() { b() }()"]);
    }

    #[test]
    fn struct_fields_and_consts() {
        let src = "package p\nconst N, M = 4, 1 << 10\ntype S struct {\n\tctx context.Context\n\tbuf [N]byte\n}\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let any = f.root.root().children().next().unwrap();
        assert_eq!(
            struct_field_type(&any, "S", "ctx").unwrap().text(),
            "context.Context"
        );
        assert_eq!(const_value(&any, "M").unwrap().text(), "1 << 10");
    }
}
