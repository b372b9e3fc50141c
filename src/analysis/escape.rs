//! Whether the value a variable holds may also be held elsewhere: the question
//! behind "does `m = make(...)` empty the map for everyone, or only for us?".
//!
//! A variable's value is private to its function when the variable is a local
//! (not a parameter, receiver, result, field or global), every value ever put in
//! it is fresh (`make`, a composite literal, `nil`), and every use of it keeps
//! the value inside: indexing, `len`/`cap`/`delete`/`clear`/`copy`, ranging,
//! comparing, assigning to it. Anything else (returned, passed to a call, stored,
//! captured by a closure or goroutine, its address taken) is named as the reason.

use std::fmt;

use crate::analysis::types::{declared_where, Origin};
use crate::gofile::GoNode;

/// Why a variable's value may be shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shared {
    Parameter,
    Receiver,
    Result,
    Package,
    /// A value the variable was given that did not start out fresh: `m := s.cache`.
    Aliased(String),
    Returned,
    /// Passed as an argument to the named call.
    Passed(String),
    /// Stored or copied into the named place.
    Stored(String),
    Captured,
    CapturedByGoroutine,
    AddressTaken,
    Sent,
    /// Some other use that we do not reason about, as written.
    Used(String),
}

impl fmt::Display for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shared::Parameter => write!(f, "it is a parameter, so the caller holds it too"),
            Shared::Receiver => write!(f, "it is the receiver, so the caller holds it too"),
            Shared::Result => write!(f, "it is a named result, returned to the caller"),
            Shared::Package => write!(f, "it is a package-level variable"),
            Shared::Aliased(from) => write!(f, "it holds the value of `{from}`"),
            Shared::Returned => write!(f, "it is returned"),
            Shared::Passed(call) => write!(f, "it is passed to `{call}`"),
            Shared::Stored(place) => write!(f, "it is stored in `{place}`"),
            Shared::Captured => write!(f, "a closure captures it"),
            Shared::CapturedByGoroutine => write!(f, "a goroutine captures it"),
            Shared::AddressTaken => write!(f, "its address is taken"),
            Shared::Sent => write!(f, "it is sent on a channel"),
            Shared::Used(text) => write!(f, "it is used in `{text}`"),
        }
    }
}

/// Builtins whose arguments do not outlive the call.
const NON_RETAINING_BUILTINS: &[&str] =
    &["len", "cap", "delete", "clear", "copy", "print", "println"];

/// Why the value of variable `name`, as seen at `at`, may be held outside its
/// function; None when it is a local whose value provably stays inside.
pub fn why_shared(at: &GoNode, name: &str) -> Option<Shared> {
    let (function, decl) = match declared_where(at, name) {
        Some(Origin::Local { function, decl }) => (function, decl),
        Some(Origin::Parameter { .. }) => return Some(Shared::Parameter),
        Some(Origin::Receiver { .. }) => return Some(Shared::Receiver),
        Some(Origin::Result { .. }) => return Some(Shared::Result),
        Some(Origin::Package) | None => return Some(Shared::Package),
    };
    for id in function.dfs() {
        if id.kind() != "identifier" || id.text() != name {
            continue;
        }
        // Only uses of this very variable (not a shadowing namesake).
        let same = match declared_where(&id, name) {
            Some(Origin::Local { decl: d, .. }) => d.range() == decl.range(),
            _ => false,
        };
        if !same {
            continue;
        }
        if let Some(reason) = use_shares(&id, &function) {
            return Some(reason);
        }
    }
    None
}

/// Why this use of the variable (`id`, inside `function`) may share its value.
fn use_shares(id: &GoNode, function: &GoNode) -> Option<Shared> {
    let owner = id.ancestors().find(crate::analysis::scope::is_function)?;
    if owner.range() != function.range() {
        let in_go = owner
            .ancestors()
            .take_while(|a| a.range() != function.range())
            .any(|a| a.kind() == "go_statement");
        return Some(if in_go {
            Shared::CapturedByGoroutine
        } else {
            Shared::Captured
        });
    }
    let mut node = id.clone();
    let mut parent = id.parent()?;
    while parent.kind() == "parenthesized_expression" {
        node = parent.clone();
        parent = parent.parent()?;
    }
    let is = |field: &str| {
        parent
            .field(field)
            .is_some_and(|f| f.range() == node.range())
    };
    match parent.kind().as_ref() {
        "index_expression" if is("operand") => None,
        "range_clause" if is("right") => None,
        "binary_expression" => {
            let other = if is("left") {
                parent.field("right")
            } else {
                parent.field("left")
            };
            if other.is_some_and(|o| o.kind() == "nil") {
                None
            } else {
                Some(Shared::Used(parent.text().to_string()))
            }
        }
        "argument_list" => {
            let call = parent.parent()?;
            let callee = call.field("function")?;
            if callee.kind() == "identifier"
                && NON_RETAINING_BUILTINS.contains(&callee.text().as_ref())
            {
                None
            } else {
                Some(Shared::Passed(callee.text().to_string()))
            }
        }
        "expression_list" => {
            let stmt = parent.parent()?;
            let on_left = stmt
                .field("left")
                .is_some_and(|l| l.range() == parent.range());
            match stmt.kind().as_ref() {
                "assignment_statement" | "short_var_declaration" if on_left => {
                    fresh_assignment(&stmt, &parent, &node)
                }
                "assignment_statement" | "short_var_declaration" => {
                    let left = stmt.field("left")?;
                    Some(Shared::Stored(left.text().to_string()))
                }
                "range_clause" if on_left => Some(Shared::Aliased(
                    stmt.field("right").map(|r| r.text().to_string())?,
                )),
                "return_statement" => Some(Shared::Returned),
                _ => Some(Shared::Used(stmt.text().to_string())),
            }
        }
        "var_spec"
            if is("name")
                || parent
                    .field_children("name")
                    .any(|n| n.range() == node.range()) =>
        {
            spec_value_fresh(&parent, &node)
        }
        "return_statement" => Some(Shared::Returned),
        "unary_expression" if parent.text().starts_with('&') => Some(Shared::AddressTaken),
        "send_statement" => Some(Shared::Sent),
        "keyed_element" | "literal_element" | "literal_value" => {
            Some(Shared::Stored("a composite literal".into()))
        }
        _ => Some(Shared::Used(parent.text().to_string())),
    }
}

/// `x = v` or `x := v` with `x` at `target` in `left`: fine when `v` is fresh.
fn fresh_assignment(stmt: &GoNode, left: &GoNode, target: &GoNode) -> Option<Shared> {
    let pos = left
        .named_children()
        .position(|n| n.range() == target.range())?;
    let is_plain = stmt.kind() == "short_var_declaration"
        || stmt.children().any(|c| !c.is_named() && c.text() == "=");
    if !is_plain {
        // `m += ...` and friends: not a map or slice operation we model.
        return Some(Shared::Used(stmt.text().to_string()));
    }
    let right: Vec<_> = stmt.field("right")?.named_children().collect();
    if right.len() != left.named_children().count() {
        return Some(Shared::Aliased(stmt.field("right")?.text().to_string()));
    }
    let value = &right[pos];
    (!is_fresh(value)).then(|| Shared::Aliased(value.text().to_string()))
}

fn spec_value_fresh(spec: &GoNode, name: &GoNode) -> Option<Shared> {
    let Some(values) = spec.field("value") else {
        return None; // `var m map[K]V`: nil, fresh
    };
    let pos = spec
        .field_children("name")
        .position(|n| n.range() == name.range())?;
    let values: Vec<_> = values.named_children().collect();
    match values.get(pos) {
        Some(v) if values.len() == spec.field_children("name").count() && is_fresh(v) => None,
        Some(v) => Some(Shared::Aliased(v.text().to_string())),
        None => Some(Shared::Aliased(spec.text().to_string())),
    }
}

/// The value expression that declaration `decl` gives `name`: `a, err := f()`
/// gives the call for `a`; a declaration in an `if`/`for`/`switch` header is read
/// from its initializer. None for `var x T` without a value.
pub fn initial_value<'r>(decl: &GoNode<'r>, name: &str) -> Option<GoNode<'r>> {
    let (names, values): (Vec<GoNode>, Vec<GoNode>) = match decl.kind().as_ref() {
        "short_var_declaration" => (
            decl.field("left")?.named_children().collect(),
            decl.field("right")?.named_children().collect(),
        ),
        "var_declaration" => {
            let spec = decl.dfs().find(|n| {
                n.kind() == "var_spec" && n.field_children("name").any(|i| i.text() == name)
            })?;
            (
                spec.field_children("name").collect(),
                spec.field("value")?.named_children().collect(),
            )
        }
        "if_statement" | "expression_switch_statement" | "type_switch_statement" => {
            return initial_value(&decl.field("initializer")?, name)
        }
        "for_statement" => {
            let clause = decl.children().find(|c| c.kind() == "for_clause")?;
            return initial_value(&clause.field("initializer")?, name);
        }
        _ => return None,
    };
    let pos = names.iter().position(|n| n.text() == name)?;
    match values.len() {
        1 => values.into_iter().next(),
        n if n == names.len() => values.into_iter().nth(pos),
        _ => None,
    }
}

/// A value nobody else can hold yet: `make(...)`, a composite literal, `nil`.
pub fn is_fresh(value: &GoNode) -> bool {
    match value.kind().as_ref() {
        "nil" | "composite_literal" => true,
        "parenthesized_expression" => value.named_children().next().is_some_and(|v| is_fresh(&v)),
        "call_expression" => value
            .field("function")
            .is_some_and(|f| f.kind() == "identifier" && f.text() == "make"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gofile::GoFile;
    use std::path::Path;

    /// Why `m` (its last use in the source) may be shared.
    fn shared(body: &str) -> Option<Shared> {
        let src = format!("package p\n\nvar g map[int]int\n\nfunc f(param map[int]int) (res map[int]int) {{\n{body}\n\tclear(m)\n\treturn nil\n}}\n");
        let f = GoFile::parse(Path::new("a.go"), &src, None);
        let at = f
            .root
            .root()
            .dfs()
            .filter(|n| n.kind() == "identifier" && n.text() == "m")
            .last()
            .unwrap();
        why_shared(&at, "m")
    }

    #[test]
    fn private_locals() {
        assert_eq!(
            shared("\tm := map[int]int{}\n\tm[1] = 2\n\t_ = len(m)"),
            None
        );
        assert_eq!(
            shared("\tvar m map[int]int\n\tfor k := range m {\n\t\tdelete(m, k)\n\t}"),
            None
        );
        assert_eq!(
            shared("\tm := make(map[int]int)\n\tm = make(map[int]int, 8)\n\tif m != nil {\n\t}"),
            None
        );
    }

    #[test]
    fn shared_values_say_why() {
        let s = |body: &str| shared(body).map(|r| r.to_string()).unwrap_or_default();
        assert_eq!(s("\tm := param"), "it holds the value of `param`");
        assert_eq!(s("\tm := g\n\t_ = m"), "it holds the value of `g`");
        assert_eq!(
            s("\tm := map[int]int{}\n\tres = m"),
            "it is stored in `res`"
        );
        assert_eq!(s("\tm := map[int]int{}\n\tuse(m)"), "it is passed to `use`");
        assert_eq!(
            s("\tm := map[int]int{}\n\tgo func() { m[1] = 1 }()"),
            "a goroutine captures it"
        );
        assert_eq!(
            s("\tm := map[int]int{}\n\tdefer func() { _ = m }()"),
            "a closure captures it"
        );
        assert_eq!(
            s("\tm := map[int]int{}\n\tx := []map[int]int{m}\n\t_ = x"),
            "it is stored in `a composite literal`"
        );
        assert_eq!(
            s("\tm := map[int]int{}\n\tif true {\n\t\treturn m\n\t}"),
            "it is returned"
        );
        assert_eq!(
            s("\tm := map[int]int{}\n\tp := &m\n\t_ = p"),
            "its address is taken"
        );
    }

    #[test]
    fn non_locals() {
        let src = "package p\nvar g map[int]int\nfunc (r R) f(p map[int]int) (res map[int]int) { _, _, _, _ = g, p, res, r }\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let list = f
            .root
            .root()
            .dfs()
            .filter(|n| n.kind() == "expression_list")
            .last()
            .unwrap();
        let ids: Vec<_> = list.named_children().collect();
        assert_eq!(why_shared(&ids[0], "g"), Some(Shared::Package));
        assert_eq!(why_shared(&ids[1], "p"), Some(Shared::Parameter));
        assert_eq!(why_shared(&ids[2], "res"), Some(Shared::Result));
        assert_eq!(why_shared(&ids[3], "r"), Some(Shared::Receiver));
    }
}
