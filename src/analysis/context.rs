//! Which `context.Context` is in scope at a point of the code: a parameter, a
//! local made by the `context` package, a request's `Context()`, or a receiver's field.

use crate::analysis::decls::{self, Decl, DeclKind};
use crate::analysis::scope;
use crate::gofile::{GoFile, GoNode};

const CONTEXT_CONSTRUCTORS: &[&str] = &[
    "WithCancel",
    "WithCancelCause",
    "WithTimeout",
    "WithTimeoutCause",
    "WithDeadline",
    "WithDeadlineCause",
    "WithValue",
];

/// The text of a cancellable `context.Context` visible at `at`: a parameter or
/// local of that type or made by `context.WithCancel` & co or `x.Context()`, or
/// a `context.Context` field of the enclosing method's receiver (`s.ctx`), or
/// else the context of an `*http.Request` in scope (`r.Context()`), which ends
/// with the request.
pub fn context_in_scope(file: &GoFile, at: &GoNode) -> Option<String> {
    context_in_scope_outside(file, at, None)
}

/// [`context_in_scope`], leaving out the variables declared inside `region`
/// (a loop whose passes each make their own, shorter-lived context): the
/// answer outlives one pass of it.
pub fn context_in_scope_outside(
    file: &GoFile,
    at: &GoNode,
    region: Option<&GoNode>,
) -> Option<String> {
    let mut seen: Vec<String> = vec![];
    let mut request = None;
    for d in decls::visible_decls(at) {
        if seen.contains(&d.name) {
            continue; // shadowed by an inner declaration
        }
        seen.push(d.name.clone());
        if region.is_some_and(|r| r.range().contains(&d.ident.range().start)) {
            continue; // lives one pass; it also hides any outer one of its name
        }
        if d.name != "_" && is_context_decl(file, at, &d) {
            return Some(d.name);
        }
        if request.is_none() && d.name != "_" && is_request_decl(file, at, &d) {
            request = Some(format!("{}.Context()", d.name));
        }
    }
    if request.is_some() {
        return request;
    }
    let method = at
        .ancestors()
        .filter(|a| a.kind() == "method_declaration")
        .last()?;
    let (Some(recv), ty) = decls::receiver_of(&method)? else {
        return None;
    };
    let shadowed = decls::lookup(at, &recv).is_none_or(|d| d.kind != DeclKind::Receiver);
    if shadowed || recv == "_" {
        return None;
    }
    let spec = decls::type_spec(at, &ty)?;
    let st = spec.field("type")?;
    let field = st
        .dfs()
        .filter(|f| f.kind() == "field_declaration")
        .find(|f| {
            f.field("type")
                .is_some_and(|t| is_context_type(file, at, &t))
        });
    field
        .and_then(|f| f.children().find(|c| c.kind() == "field_identifier"))
        .map(|name| format!("{recv}.{}", name.text()))
}

fn is_context_type(file: &GoFile, at: &GoNode, ty: &GoNode) -> bool {
    ty.kind() == "qualified_type"
        && ty.field("name").is_some_and(|n| n.text() == "Context")
        && ty
            .field("package")
            .is_some_and(|p| scope::names_context_package(file, at, &p.text()))
}

/// A declaration of type `*http.Request`.
fn is_request_decl(file: &GoFile, at: &GoNode, d: &Decl) -> bool {
    let Some(t) = d.ty.as_ref().filter(|t| t.kind() == "pointer_type") else {
        return false;
    };
    let Some(inner) = t.named_children().next() else {
        return false;
    };
    inner.kind() == "qualified_type"
        && inner.field("name").is_some_and(|n| n.text() == "Request")
        && inner
            .field("package")
            .is_some_and(|p| scope::names_import(file, at, &p.text(), "net/http"))
}

fn is_context_decl(file: &GoFile, at: &GoNode, d: &Decl) -> bool {
    if let Some(t) = &d.ty {
        return is_context_type(file, at, t);
    }
    let Some(v) = &d.value else {
        return false;
    };
    if v.kind() != "call_expression" || d.index > 0 {
        return false;
    }
    let Some(callee) = v
        .field("function")
        .filter(|f| f.kind() == "selector_expression")
    else {
        return false;
    };
    let field = callee
        .field("field")
        .map(|f| f.text().to_string())
        .unwrap_or_default();
    let operand = callee.field("operand");
    let from_context_pkg = operand.as_ref().is_some_and(|o| {
        o.kind() == "identifier" && scope::names_context_package(file, at, &o.text())
    });
    if from_context_pkg {
        return CONTEXT_CONSTRUCTORS.contains(&field.as_str());
    }
    // `r.Context()`: a request's (or any value's) own context.
    field == "Context" && v.field("arguments").is_some_and(|a| a.text() == "()")
}

/// True when `expr` is a context that is never done: `context.Background()`
/// or `context.TODO()`, or a local that always holds one.
pub fn never_done(file: &GoFile, expr: &GoNode) -> bool {
    let value = match expr.kind().as_ref() {
        "identifier" => match decls::fixed_value(expr, &expr.text()) {
            Some(v) => v,
            None => return false,
        },
        _ => expr.clone(),
    };
    let Some(callee) = value
        .field("function")
        .filter(|f| value.kind() == "call_expression" && f.kind() == "selector_expression")
    else {
        return false;
    };
    let Some(pkg) = callee.field("operand").filter(|o| o.kind() == "identifier") else {
        return false;
    };
    callee
        .field("field")
        .is_some_and(|f| matches!(f.text().as_ref(), "Background" | "TODO"))
        && value.field("arguments").is_some_and(|a| a.text() == "()")
        && scope::names_context_package(file, &callee, &pkg.text())
}

/// True when `name` is a parameter of the declared function `func` (of
/// `file`) that every call of it in the module (tests left out) fills with a
/// context that is never done ([`never_done`]): a loop that ignores it ignores
/// nothing a caller could cancel. False when any call passes another, when a
/// use is not a call (a function value, whose callers are unknown), when no
/// call is found, or when other modules may call it (an exported name outside
/// a `main` package): they may pass a context they cancel.
pub fn only_never_done_passed(file: &GoFile, func: &GoNode, name: &str) -> bool {
    let exported = func
        .field("name")
        .is_some_and(|n| n.text().starts_with(|c: char| c.is_uppercase()));
    if exported && file.package_name != "main" {
        return false;
    }
    let Some(index) = func
        .field("parameters")
        .map(|l| decls::params_of(&l, DeclKind::Param))
        .and_then(|ps| ps.iter().position(|p| p.name == name))
    else {
        return false;
    };
    let mut calls = 0;
    let mut all = true;
    let scan = crate::analysis::callers::for_each_use(file, func, false, &mut |gf, uses| {
        for u in uses {
            let passed = crate::analysis::callers::called_by(&u.node)
                .and_then(|c| crate::analysis::exprs::call_args(&c).into_iter().nth(index));
            match passed {
                Some(arg) if u.resolved && never_done(gf, &arg) => calls += 1,
                _ => {
                    all = false;
                    return false;
                }
            }
        }
        true
    });
    scan.is_ok() && all && calls > 0
}
