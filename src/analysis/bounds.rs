//! Upper bounds of integer expressions, as the code around them states: constants,
//! integers decoded from bytes (a byte of a byte slice, `binary.BigEndian.Uint16`),
//! conversions to small integer types, `min`, guards that leave or clamp before
//! the use (`if len(b) > 512 { return }`, `if n > 256 { n = 256 }`), every value a
//! local is given, and what a function of the module returns. One question: the
//! largest value an expression can hold where it stands, when the code says.

use crate::analysis::exprs::{called_name, squash};
use crate::analysis::types::{declared_where, Origin, Resolver};
use crate::analysis::{callers, constants, decls, scope};
use crate::gofile::{GoFile, GoNode};

/// How many steps (operands, locals, callees) a bound is followed through.
const MAX_DEPTH: u32 = 8;

/// The largest value `e` can hold where it stands, when the code bounds it.
pub fn upper_bound(file: &GoFile, e: &GoNode) -> Option<u64> {
    bound(file, e, 0)
}

fn bound(file: &GoFile, e: &GoNode, depth: u32) -> Option<u64> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(v) = constants::int_value(file, e) {
        return u64::try_from(v).ok();
    }
    let d = depth + 1;
    match e.kind().as_ref() {
        "parenthesized_expression" => bound(file, &e.named_children().next()?, d),
        "binary_expression" => binary_bound(file, e, d),
        "call_expression" => call_bound(file, e, 0, d),
        "index_expression" => {
            // A byte of a byte slice or string.
            let resolver = Resolver::new(file);
            let ty = resolver.type_of(&e.field("operand")?)?;
            let u = resolver.underlying(&ty)?;
            matches!(u.as_str(), "[]byte" | "[]uint8" | "string").then_some(255)
        }
        "identifier" => {
            let guarded = guard_bound(file, e, d);
            let assigned = local_bound(file, e, d);
            match (guarded, assigned) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        }
        _ => None,
    }
}

fn binary_bound(file: &GoFile, e: &GoNode, d: u32) -> Option<u64> {
    let (l, r) = (e.field("left")?, e.field("right")?);
    let k = || constants::int_value(file, &r).and_then(|v| u64::try_from(v).ok());
    match e.field("operator")?.text().as_ref() {
        "+" => bound(file, &l, d)?.checked_add(bound(file, &r, d)?),
        "*" => bound(file, &l, d)?.checked_mul(bound(file, &r, d)?),
        "-" => Some(bound(file, &l, d)?.saturating_sub(k()?)),
        "/" => {
            let k = k().filter(|k| *k > 0)?;
            Some(bound(file, &l, d)? / k)
        }
        "%" => k()?.checked_sub(1),
        ">>" => Some(bound(file, &l, d)? >> k()?.min(63)),
        "<<" => {
            let (b, k) = (bound(file, &l, d)?, k()?);
            (u64::from(b.leading_zeros()) > k).then(|| b << k)
        }
        // No more bits than the wider side has.
        "|" | "^" => {
            let m = bound(file, &l, d)?.max(bound(file, &r, d)?);
            Some(if m == 0 {
                0
            } else {
                u64::MAX >> m.leading_zeros()
            })
        }
        "&" => match (bound(file, &l, d), bound(file, &r, d)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
        _ => None,
    }
}

/// The largest value an integer type holds, for the types narrower than 64 bits.
fn type_max(name: &str) -> Option<u64> {
    Some(match name {
        "byte" | "uint8" => u8::MAX.into(),
        "int8" => 127,
        "uint16" => u16::MAX.into(),
        "int16" => 32767,
        "uint32" => u32::MAX.into(),
        "int32" | "rune" => i32::MAX as u64,
        _ => return None,
    })
}

/// Result `index` of `call`: a builtin (`min`, `len` under a guard), a conversion,
/// a fixed-width decode of `encoding/binary`, or a function of the module whose
/// every `return` gives a bounded value there.
fn call_bound(file: &GoFile, call: &GoNode, index: usize, d: u32) -> Option<u64> {
    let func = call.field("function")?;
    let args: Vec<GoNode> = call
        .field("arguments")?
        .named_children()
        .filter(|c| c.kind() != "comment")
        .collect();
    if func.kind() == "identifier" && decls::lookup(&func, &func.text()).is_none() {
        let name = func.text().to_string();
        match name.as_str() {
            "min" => return args.iter().filter_map(|a| bound(file, a, d)).min(),
            "len" | "cap" if args.len() == 1 => return guard_bound(file, call, d),
            "int" | "int64" | "uint" | "uint64" | "uintptr" if args.len() == 1 => {
                return bound(file, &args[0], d)
            }
            _ => {}
        }
        if let Some(max) = type_max(&name).filter(|_| args.len() == 1) {
            return Some(bound(file, &args[0], d).map_or(max, |b| b.min(max)));
        }
    }
    let decodes = func.dfs().any(|o| {
        o.kind() == "identifier" && scope::names_import(file, &o, &o.text(), "encoding/binary")
    });
    if decodes {
        return match called_name(call)?.as_str() {
            "Uint16" => Some(u16::MAX.into()),
            "Uint32" => Some(u32::MAX.into()),
            _ => None,
        };
    }
    callers::resolve_callee_with::<u64>(file, call, None, &mut |gf, decl| {
        returned_bound(gf, decl, index, d)
    })
}

/// The largest value function `decl` returns as result `index`: every `return`
/// of its own (not of closures inside) gives a bounded value there.
fn returned_bound(file: &GoFile, decl: &GoNode, index: usize, d: u32) -> Option<u64> {
    let body = decl.field("body")?;
    let mut max: Option<u64> = None;
    for ret in body.dfs().filter(|n| n.kind() == "return_statement") {
        if scope::enclosing_function(&ret).is_none_or(|f| f.range() != decl.range()) {
            continue;
        }
        let values: Vec<GoNode> = ret
            .named_children()
            .find(|c| c.kind() == "expression_list")?
            .named_children()
            .collect();
        let v = if values.len() == 1 && index > 0 {
            return None; // `return f()` with several results
        } else {
            values.get(index)?
        };
        max = Some(max.unwrap_or(0).max(bound(file, v, d)?));
    }
    max
}

/// Every value the local `id` is given in its function is bounded: its
/// initial value (`var n int` is 0) and each plain assignment; `n++`, `n += k`
/// or taking its address give up.
fn local_bound(file: &GoFile, id: &GoNode, d: u32) -> Option<u64> {
    let name = id.text().to_string();
    let Some(Origin::Local { decl, function }) = declared_where(id, &name) else {
        return None;
    };
    let mut max = given_in(file, &decl, &name, d)?;
    for n in function.dfs() {
        let names_it = |t: &GoNode| t.text() == name && same_decl(t, &name, &decl);
        match n.kind().as_ref() {
            "assignment_statement" | "short_var_declaration" if n.range() != decl.range() => {
                let Some(left) = n.field("left") else {
                    continue;
                };
                let left: Vec<GoNode> = left.named_children().collect();
                let Some(i) = left.iter().position(names_it) else {
                    continue;
                };
                let plain = n.kind() == "short_var_declaration"
                    || n.children().any(|c| !c.is_named() && c.text() == "=");
                if !plain {
                    return None;
                }
                let values: Vec<GoNode> = n.field("right")?.named_children().collect();
                let b = if values.len() == left.len() {
                    bound(file, &values[i], d)
                } else if values.len() == 1 && values[0].kind() == "call_expression" {
                    call_bound(file, &values[0], i, d)
                } else {
                    None
                };
                max = max.max(b?);
            }
            "inc_statement" if n.named_children().next().is_some_and(|t| names_it(&t)) => {
                return None
            }
            "unary_expression"
                if n.text().starts_with('&')
                    && n.field("operand").is_some_and(|t| names_it(&t)) =>
            {
                return None
            }
            "range_clause"
                if n.field("left")
                    .is_some_and(|l| l.named_children().any(|t| names_it(&t))) =>
            {
                return None
            }
            _ => {}
        }
    }
    Some(max)
}

/// The bound of what declaration `decl` gives `name`.
fn given_in(file: &GoFile, decl: &GoNode, name: &str, d: u32) -> Option<u64> {
    let stmt = match decl.kind().as_ref() {
        "if_statement" | "expression_switch_statement" | "type_switch_statement" => {
            decl.field("initializer")?
        }
        "for_statement" => decl
            .children()
            .find(|c| c.kind() == "for_clause")?
            .field("initializer")?,
        _ => decl.clone(),
    };
    let (names, values): (Vec<GoNode>, Vec<GoNode>) = match stmt.kind().as_ref() {
        "short_var_declaration" => (
            stmt.field("left")?.named_children().collect(),
            stmt.field("right")?.named_children().collect(),
        ),
        "var_declaration" => {
            let spec = stmt.dfs().find(|n| {
                n.kind() == "var_spec" && n.field_children("name").any(|i| i.text() == name)
            })?;
            let names: Vec<GoNode> = spec.field_children("name").collect();
            match spec.field("value") {
                Some(v) => (names, v.named_children().collect()),
                // `var n int`: zero.
                None => return Some(0),
            }
        }
        _ => return None,
    };
    let i = names.iter().position(|n| n.text() == name)?;
    if values.len() == names.len() {
        bound(file, &values[i], d)
    } else if values.len() == 1 && values[0].kind() == "call_expression" {
        call_bound(file, &values[0], i, d)
    } else {
        None
    }
}

/// What an `if` before `e` (a local, or `len(x)` of one) says of it, on every
/// path to `e`: a guard that leaves when it is over a limit (`if len(b) > 512 {
/// return err }`), or a clamp (`if n > 256 { n = 256 }`), with nothing assigning
/// the variable between the `if` and `e`.
fn guard_bound(file: &GoFile, e: &GoNode, d: u32) -> Option<u64> {
    if e.kind() == "identifier" {
        return guard(file, &e.text(), e, e, d);
    }
    let var = e
        .field("arguments")?
        .named_children()
        .next()
        .filter(|a| a.kind() == "identifier")?;
    guard(file, &squash(&e.text()), &var, e, d)
}

/// The bound guards before `at` put on `len(base)`, for a local `base`
/// (`if len(b) > 512 { return errTooLong }`).
pub fn len_bound(file: &GoFile, base: &GoNode, at: &GoNode) -> Option<u64> {
    if base.kind() != "identifier" {
        return None;
    }
    guard(file, &format!("len({})", base.text()), base, at, 0)
}

/// [`guard_bound`] of `subject` (its text, spacing aside), whose variable is
/// `var`, at `at`; a clamp counts only where the subject is the variable itself.
fn guard(file: &GoFile, subject: &str, var: &GoNode, at: &GoNode, d: u32) -> Option<u64> {
    let function = scope::enclosing_function(at)?;
    let var_name = var.text().to_string();
    let var_decl = variable(var)?;
    let e = at;
    let at = at.range().start;
    let assigns_var = |n: &GoNode| match n.kind().as_ref() {
        "assignment_statement" | "short_var_declaration" => n.field("left").is_some_and(|l| {
            l.named_children()
                .any(|t| t.text() == var_name && variable(&t).as_ref() == Some(&var_decl))
        }),
        "inc_statement" => n
            .named_children()
            .next()
            .is_some_and(|t| t.text() == var_name && variable(&t).as_ref() == Some(&var_decl)),
        _ => false,
    };
    let mut best: Option<u64> = None;
    for stmt in function.dfs().filter(|n| {
        n.kind() == "if_statement"
            && n.range().end <= at
            && n.field("alternative").is_none()
            && scope::runs_before(n, e)
    }) {
        let (Some(cond), Some(cons)) = (stmt.field("condition"), stmt.field("consequence")) else {
            continue;
        };
        let leaves = block_leaves(&cons);
        let terms = if leaves { or_terms(&cond) } else { vec![cond] };
        let Some(limit) = terms
            .iter()
            .filter_map(|t| over_limit(file, t, subject, d))
            .min()
        else {
            continue;
        };
        let b = if leaves {
            limit
        } else if subject == var_name {
            // A clamp: the `if` gives the local only bounded values.
            let given = |a: &GoNode| -> Option<u64> {
                let left: Vec<GoNode> = a.field("left")?.named_children().collect();
                let values: Vec<GoNode> = a.field("right")?.named_children().collect();
                let plain = a.children().any(|c| !c.is_named() && c.text() == "=");
                let i = left.iter().position(|t| t.text() == var_name)?;
                let v = values
                    .get(i)
                    .filter(|_| plain && values.len() == left.len())?;
                bound(file, v, d)
            };
            let assigned: Vec<GoNode> = cons.dfs().filter(|n| assigns_var(n)).collect();
            let given: Option<Vec<u64>> = assigned.iter().map(given).collect();
            match given.and_then(|g| g.into_iter().max()) {
                Some(g) => limit.max(g),
                None => continue,
            }
        } else {
            continue;
        };
        // Assigned again before `e`, or after it on a loop's way back to it.
        let loop_back = e
            .ancestors()
            .take_while(|a| a.range() != function.range())
            .find(|a| a.kind() == "for_statement" && !a.range().contains(&stmt.range().start));
        let undone = function.dfs().any(|n| {
            n.range().start >= stmt.range().end
                && (n.range().end <= at
                    || loop_back
                        .as_ref()
                        .is_some_and(|l| l.range().contains(&n.range().start)))
                && assigns_var(&n)
        });
        if !undone {
            best = Some(best.map_or(b, |x| x.min(b)));
        }
    }
    best
}

/// The terms of a chain of `||` (the condition itself when it is not one).
fn or_terms<'r>(cond: &GoNode<'r>) -> Vec<GoNode<'r>> {
    let mut cond = cond.clone();
    while cond.kind() == "parenthesized_expression" {
        let inner = cond.named_children().next();
        match inner {
            Some(c) => cond = c,
            None => break,
        }
    }
    if cond.kind() == "binary_expression"
        && cond.field("operator").is_some_and(|o| o.text() == "||")
    {
        let mut terms = vec![];
        for side in [cond.field("left"), cond.field("right")]
            .into_iter()
            .flatten()
        {
            terms.extend(or_terms(&side));
        }
        return terms;
    }
    vec![cond]
}

/// `t` says the subject is over a bounded limit (`e > k`, `e >= k`, `k < e`,
/// `k <= e`): then, where `t` is false, it is at most that.
fn over_limit(file: &GoFile, t: &GoNode, subject: &str, d: u32) -> Option<u64> {
    if t.kind() != "binary_expression" {
        return None;
    }
    let (l, r) = (t.field("left")?, t.field("right")?);
    let (side, limit, strict) = match t.field("operator")?.text().as_ref() {
        ">" => (l, r, false),
        ">=" => (l, r, true),
        "<" => (r, l, false),
        "<=" => (r, l, true),
        _ => return None,
    };
    if squash(&side.text()) != subject {
        return None;
    }
    let k = bound(file, &limit, d)?;
    Some(if strict { k.saturating_sub(1) } else { k })
}

/// The block always leaves before its end: its last statement returns,
/// continues, breaks, jumps or panics.
pub fn block_leaves(block: &GoNode) -> bool {
    decls::statements(block).last().is_some_and(|s| {
        matches!(
            s.kind().as_ref(),
            "return_statement" | "continue_statement" | "break_statement" | "goto_statement"
        ) || (s.kind() == "expression_statement"
            && s.named_children()
                .next()
                .is_some_and(|c| called_name(&c).as_deref() == Some("panic")))
    })
}

/// Which variable of a function the identifier `id` names, as the range of
/// what declares it (a local's statement, a parameter's function): None for
/// anything else.
fn variable(id: &GoNode) -> Option<std::ops::Range<usize>> {
    match declared_where(id, &id.text())? {
        Origin::Local { decl, .. } => Some(decl.range()),
        Origin::Parameter { function } | Origin::Receiver { function } => Some(function.range()),
        _ => None,
    }
}

/// `id` (named `name`) is the local declared by `decl`.
fn same_decl(id: &GoNode, name: &str, decl: &GoNode) -> bool {
    matches!(declared_where(id, name), Some(Origin::Local { decl: d, .. }) if d.range() == decl.range())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The bound of the last `use(...)` argument in `body`.
    fn bound_in(body: &str) -> Option<u64> {
        let src = format!(
            "package p\n\nimport \"encoding/binary\"\n\nvar _ = binary.BigEndian\n\nconst limit = 256\n\nfunc f(b []byte, r func() int) {{\n{body}\n}}\n"
        );
        let f = GoFile::parse(Path::new("a.go"), &src, None);
        let arg = f
            .root
            .root()
            .dfs()
            .filter(|n| n.kind() == "call_expression" && called_name(n).as_deref() == Some("use"))
            .last()
            .and_then(|c| c.field("arguments")?.named_children().next())
            .unwrap();
        upper_bound(&f, &arg)
    }

    #[test]
    fn constants_and_decodes() {
        assert_eq!(bound_in("use(limit * 2)"), Some(512));
        assert_eq!(
            bound_in("use(2 + int(binary.BigEndian.Uint16(b)))"),
            Some(65537)
        );
        assert_eq!(bound_in("use(int(b[0])<<8 | int(b[1]))"), Some(65535));
        assert_eq!(bound_in("use(uint8(r()))"), Some(255));
        assert_eq!(bound_in("use(min(r(), 64))"), Some(64));
        assert_eq!(bound_in("use(r())"), None);
        assert_eq!(
            bound_in("use(int(binary.BigEndian.Uint32(b)))"),
            Some(u32::MAX.into())
        );
    }

    #[test]
    fn clamps_and_guards() {
        assert_eq!(
            bound_in("n := len(b)\n\tif n > limit {\n\t\tn = limit\n\t}\n\tuse(n)"),
            Some(256)
        );
        // The clamp is undone by a later assignment.
        assert_eq!(
            bound_in("n := len(b)\n\tif n > limit {\n\t\tn = limit\n\t}\n\tn = r()\n\tuse(n)"),
            None
        );
        assert_eq!(
            bound_in("if len(b) > 512 {\n\t\treturn\n\t}\n\tuse(len(b))"),
            Some(512)
        );
        assert_eq!(
            bound_in("if r() < 0 || len(b) >= 512 {\n\t\treturn\n\t}\n\tuse(len(b))"),
            Some(511)
        );
        // A guard that only sometimes leaves says nothing.
        assert_eq!(
            bound_in(
                "if len(b) >= 2 {\n\t\tif b[0] == 1 {\n\t\t\treturn\n\t\t}\n\t}\n\tuse(len(b))"
            ),
            None
        );
        // Nor does one on another path.
        assert_eq!(
            bound_in("if r() > 0 {\n\t\tif len(b) > 8 {\n\t\t\treturn\n\t\t}\n\t}\n\tuse(len(b))"),
            None
        );
    }

    #[test]
    fn locals() {
        assert_eq!(
            bound_in("n := 4\n\tif r() > 0 {\n\t\tn = 16\n\t}\n\tuse(n)"),
            Some(16)
        );
        assert_eq!(bound_in("n := 4\n\tn++\n\tuse(n)"), None);
        assert_eq!(bound_in("var n int\n\tuse(n)"), Some(0));
        assert_eq!(
            bound_in("n := 4\n\tfor i := range b {\n\t\tn = i\n\t}\n\tuse(n)"),
            None
        );
    }
}
