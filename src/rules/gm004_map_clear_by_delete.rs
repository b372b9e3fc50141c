//! GM004: a map emptied key by key keeps its peak bucket array; recreate it.
//!
//! Two loop shapes empty a map: `for k := range m { delete(m, k) }`, and the
//! catalogue's counted form, a loop deleting every key an earlier loop with the
//! same header inserted into a fresh map. The delete must run on every iteration:
//! one inside an `if`/`switch`/`select`/inner loop, or behind a `continue`, or a
//! loop that can `break`/`return`/`goto` out, deletes only some keys.

use crate::analysis::escape::{self, Shared};
use crate::analysis::exprs::{indentation, is_stable, root_node, same_expr, squash};
use crate::analysis::types::{declared_where, Origin, Resolver};
use crate::analysis::{scope, statements};
use crate::finding::{Applicability, Edit};
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::outcome::{FixPlan, Outcome};

/// The entry point: judges a `for` loop holding a `delete` call.
pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    let lp: &GoNode = m.get_node();
    if lp.kind() != "for_statement" || delete_is_shadowed(file, lp) {
        return Outcome::Silent;
    }
    let Some(body) = lp.field("body") else {
        return Outcome::Silent;
    };
    let clause = lp
        .children()
        .find(|c| matches!(c.kind().as_ref(), "range_clause" | "for_clause"));
    let Some(clause) = clause else {
        return Outcome::Silent;
    };
    if let Some(found) = range_form(lp, &clause, &body) {
        return judge_range_form(file, lp, &body, found);
    }
    if let Some(found) = counted_form(lp, &clause, &body) {
        return judge_counted_form(file, lp, &body, found);
    }
    Outcome::Silent
}

/// The loop's delete of every key: the map expression and the delete statement.
struct Found<'r> {
    map: GoNode<'r>,
    delete: GoNode<'r>,
    key: String,
    /// `for k := range m` (key only) or `for k, v := range m`: the key node.
    key_node: Option<GoNode<'r>>,
}

/// `for k[, v] := range M { ... delete(M, k) ... }` with the delete on every path.
fn range_form<'r>(lp: &GoNode<'r>, clause: &GoNode<'r>, body: &GoNode<'r>) -> Option<Found<'r>> {
    if clause.kind() != "range_clause" {
        return None;
    }
    let map = clause.field("right")?;
    let key_node = clause.field("left")?.named_children().next()?;
    let key = key_node.text().to_string();
    if key_node.kind() != "identifier" || key == "_" || !is_stable(&map) {
        return None;
    }
    let delete = unconditional_deletes(body)
        .into_iter()
        .find(|(_, args)| same_expr(&args[0], &map) && args[1].text() == key)?
        .0;
    if can_skip(lp, body, &delete) || assigns_to(body, &key) || assigns_to(body, &root_name(&map)) {
        return None;
    }
    Some(Found {
        map,
        delete,
        key,
        key_node: Some(key_node),
    })
}

fn judge_range_form(file: &GoFile, lp: &GoNode, body: &GoNode, found: Found) -> Outcome {
    let map_text = found.map.text().to_string();
    let resolver = Resolver::new(file);
    let Some(make) = make_call(&resolver, &found.map) else {
        return Outcome::report_only(Some(format!(
            "no automatic fix: the type of `{map_text}` is not declared in view"
        )));
    };
    let (applicability, message) = match holders(&resolver, &found.map) {
        Holders::Private => (Applicability::Safe, None),
        Holders::Shared(why) => (
            Applicability::Unsafe,
            Some(format!(
                "unsafe fix: other holders of the map keep the old, full one (`{map_text}`: {why})"
            )),
        ),
        Holders::Caller(why) => {
            return Outcome::report_only(Some(format!(
                "no automatic fix: `{map_text}` {why}, so a new map here would leave the caller's map full; recreate it where it is owned"
            )))
        }
    };
    let text = file.text();
    let assign = format!("{map_text} = {make}");
    let others: Vec<GoNode> = straight_statements(body)
        .into_iter()
        .filter(|s| s.range() != found.delete.range())
        .collect();
    let loop_stmt = lp.clone();
    let indent = indentation(text, loop_stmt.range().start);
    let plan = if others.is_empty() {
        // The loop only deletes: the assignment replaces it, keeping its comments.
        let mut replacement = String::new();
        for c in body.dfs().filter(|n| n.kind() == "comment") {
            replacement.push_str(&c.text());
            replacement.push('\n');
            replacement.push_str(&indent);
        }
        replacement.push_str(&assign);
        let r = loop_stmt.range();
        vec![Edit::new(r.start, r.end, replacement)]
    } else {
        // Other work stays in the loop; the delete goes and the map is recreated
        // after it. Other statements must not look at the map meanwhile.
        let in_nested_block = found
            .delete
            .parent()
            .and_then(|list| list.parent())
            .is_some_and(|block| block.range() != body.range());
        if in_nested_block {
            return Outcome::report_only(Some(
                "no automatic fix: the delete sits in a nested block".into(),
            ));
        }
        let root = root_name(&found.map);
        let reads_map = body.dfs().any(|n| {
            n.kind() == "identifier"
                && n.text() == root
                && !found.delete.range().contains(&n.range().start)
                && !is_read_of_key(&n, &found)
        });
        if reads_map {
            return Outcome::report_only(Some(format!(
                "no automatic fix: the loop also uses `{map_text}` while emptying it"
            )));
        }
        let Some(removal) = statements::statement_removal(text, &found.delete) else {
            return Outcome::report_only(Some(
                "no automatic fix: the delete shares its line with other code".into(),
            ));
        };
        let mut edits = vec![removal];
        let key_used = body.dfs().any(|n| {
            n.kind() == "identifier"
                && n.text() == found.key
                && !found.delete.range().contains(&n.range().start)
        });
        if let (false, Some(key_node)) = (key_used, &found.key_node) {
            edits.push(drop_key(key_node));
        }
        let end = loop_stmt.range().end;
        edits.push(Edit::new(end, end, format!("\n{indent}{assign}")));
        edits
    };
    Outcome::Report {
        message,
        fix: Some(FixPlan {
            edits: plan,
            applicability: Some(applicability),
            ..FixPlan::default()
        }),
    }
}

/// `for k := range m` → `for range m`; `for k, v := range m` → `for _, v := range m`.
fn drop_key(key: &GoNode) -> Edit {
    let clause = key.parent().and_then(|l| l.parent());
    let left = key.parent();
    match (left, clause) {
        (Some(left), Some(clause)) if left.named_children().count() == 1 => {
            // Remove `k := ` up to `range`.
            let range_kw = clause
                .children()
                .find(|c| c.text() == "range")
                .map(|c| c.range().start)
                .unwrap_or(left.range().end);
            Edit::new(left.range().start, range_kw, String::new())
        }
        _ => Edit::new(key.range().start, key.range().end, "_"),
    }
}

/// `m[k]` where `m` is the ranged map and `k` its key: reads the current entry.
fn is_read_of_key(ident: &GoNode, found: &Found) -> bool {
    let Some(index) = ident.ancestors().find(|a| a.kind() == "index_expression") else {
        return false;
    };
    let is_map = index
        .field("operand")
        .is_some_and(|o| same_expr(&o, &found.map) && o.range().contains(&ident.range().start));
    let is_key = index.field("index").is_some_and(|i| i.text() == found.key);
    let assigned = index.parent().is_some_and(|p| {
        p.kind() == "expression_list"
            && p.parent()
                .is_some_and(|s| s.field("left").is_some_and(|l| l.range() == p.range()))
    });
    is_map && is_key && !assigned
}

/// The counted form: a loop deleting `M[i]` for every `i` of a header that an
/// earlier loop with the same header used to insert into the fresh map `M`.
fn counted_form<'r>(lp: &GoNode<'r>, clause: &GoNode<'r>, body: &GoNode<'r>) -> Option<Found<'r>> {
    let (sig, var) = header_signature(clause)?;
    let (delete, args) = unconditional_deletes(body)
        .into_iter()
        .find(|(_, args)| args[1].kind() == "identifier" && args[1].text() == var)?;
    let map = args[0].clone();
    if map.kind() != "identifier" || can_skip(lp, body, &delete) || assigns_to(body, &var) {
        return None;
    }
    let map_name = map.text().to_string();
    // The map: a fresh, empty local that never leaves the function.
    let Some(Origin::Local { decl, function }) = declared_where(&map, &map_name) else {
        return None;
    };
    if !declares_empty_map(&decl, &map_name) || escape::why_shared(&map, &map_name).is_some() {
        return None;
    }
    // The inserting loop: an earlier sibling with the same header.
    let insert = lp
        .prev_all()
        .filter(|s| s.kind() == "for_statement" && s.range().start > decl.range().end)
        .find(|s| {
            let Some(c) = s
                .children()
                .find(|c| matches!(c.kind().as_ref(), "range_clause" | "for_clause"))
            else {
                return false;
            };
            header_signature(&c)
                .is_some_and(|(other, v)| other == sig && inserts_only_key(s, &map_name, &v))
        })?;
    // No other key may reach the map before the delete loop, and the header's
    // names must not change between the loops.
    let other_writes = function.dfs().any(|n| {
        is_key_write(&n, &map_name)
            && n.range().start > decl.range().end
            && n.range().start < lp.range().start
            && !insert.range().contains(&n.range().start)
    });
    let header_names = identifiers(clause);
    let changed = function.dfs().any(|n| {
        n.range().start > insert.range().end
            && n.range().end <= lp.range().start
            && header_names.iter().any(|h| *h != var && writes_name(&n, h))
    });
    if other_writes || changed {
        return None;
    }
    Some(Found {
        map,
        delete,
        key: var,
        key_node: None,
    })
}

fn judge_counted_form(file: &GoFile, lp: &GoNode, body: &GoNode, found: Found) -> Outcome {
    let resolver = Resolver::new(file);
    let Some(make) = make_call(&resolver, &found.map) else {
        return Outcome::report_only(Some(format!(
            "no automatic fix: the type of `{}` is not declared in view",
            found.map.text()
        )));
    };
    let only_delete = straight_statements(body).len() == 1;
    if !only_delete {
        return Outcome::report_only(Some(
            "no automatic fix: the loop does more than delete".into(),
        ));
    }
    let text = file.text();
    let indent = indentation(text, lp.range().start);
    let mut replacement = String::new();
    for c in body.dfs().filter(|n| n.kind() == "comment") {
        replacement.push_str(&c.text());
        replacement.push('\n');
        replacement.push_str(&indent);
    }
    replacement.push_str(&format!("{} = {make}", found.map.text()));
    let r = lp.range();
    Outcome::fix(FixPlan {
        edits: vec![Edit::new(r.start, r.end, replacement)],
        applicability: Some(Applicability::Safe),
        ..FixPlan::default()
    })
}

/// `make(T)` for the map expression's declared type, if it is a map type.
fn make_call(resolver: &Resolver, map: &GoNode) -> Option<String> {
    // `delete` compiles only on maps, so any declared type here is a map type.
    let ty = resolver.type_of(map)?;
    Some(format!("make({ty})"))
}

/// Why the map may be held elsewhere (None: a private local).
/// Who else holds the map, which decides what recreating it means.
enum Holders {
    /// A private local: recreating it is the same as emptying it.
    Private,
    /// Others may hold the old map (a global, a field, a captured or passed local):
    /// recreating changes what they see.
    Shared(String),
    /// The variable is a copy the caller made (a parameter, a value receiver's
    /// field): a new map would never reach the caller, who keeps the full one.
    Caller(String),
}

fn holders(resolver: &Resolver, map: &GoNode) -> Holders {
    if map.kind() == "identifier" {
        return match escape::why_shared(map, &map.text()) {
            None => Holders::Private,
            Some(Shared::Parameter) => Holders::Caller("is a parameter".into()),
            Some(Shared::Receiver) => Holders::Caller("is the receiver".into()),
            Some(why) => Holders::Shared(why.to_string()),
        };
    }
    // A field: assigning it is seen by everyone who reaches the struct through a
    // pointer, not by the caller of a method on a copy of the struct.
    let root = root_node(map);
    let root_name = root.text().to_string();
    let by_value = matches!(
        declared_where(&root, &root_name),
        Some(Origin::Parameter { .. } | Origin::Receiver { .. })
    ) && !resolver
        .type_of(&root)
        .is_some_and(|t| t.trim_start().starts_with('*'));
    if by_value {
        Holders::Caller(format!(
            "is a field of `{root_name}`, a copy of the caller's value"
        ))
    } else {
        Holders::Shared("it is a field, and other holders of the struct share the map".into())
    }
}

/// A header's shape with its loop variable renamed, and that variable:
/// `for i := 0; i < n; i++` and `for j := range n` (or over a collection).
fn header_signature(clause: &GoNode) -> Option<(String, String)> {
    match clause.kind().as_ref() {
        "for_clause" => {
            let init = clause.field("initializer")?;
            if init.kind() != "short_var_declaration" {
                return None;
            }
            let left: Vec<_> = init.field("left")?.named_children().collect();
            let [var] = left.as_slice() else {
                return None;
            };
            let var = var.text().to_string();
            let cond = clause.field("condition")?;
            let update = clause.field("update")?;
            let sig = format!(
                "for;{};{};{}",
                rename(&init.field("right")?.text(), &var),
                rename(&cond.text(), &var),
                rename(&update.text(), &var)
            );
            Some((sig, var))
        }
        "range_clause" => {
            let left: Vec<_> = clause.field("left")?.named_children().collect();
            let right = clause.field("right")?;
            let pos = left.iter().position(|n| n.text() != "_")?;
            let var = left[pos].text().to_string();
            Some((format!("range;{pos};{}", squash(&right.text())), var))
        }
        _ => None,
    }
}

/// `text` without spaces and with identifier `var` spelled `·`.
fn rename(text: &str, var: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word == var {
            out.push('·');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            if !c.is_whitespace() {
                out.push(c);
            }
        }
    }
    flush(&mut word, &mut out);
    out
}

/// True when loop `lp` writes `map[...]` only with key `var`, at least once.
fn inserts_only_key(lp: &GoNode, map: &str, var: &str) -> bool {
    let writes: Vec<GoNode> = lp.dfs().filter(|n| is_key_write(n, map)).collect();
    !writes.is_empty()
        && writes
            .iter()
            .all(|w| w.field("index").is_some_and(|i| i.text() == var))
}

/// `n` is `map[k]` on the left of an assignment or `++`/`--`.
fn is_key_write(n: &GoNode, map: &str) -> bool {
    if n.kind() != "index_expression" || n.field("operand").is_none_or(|o| o.text() != map) {
        return false;
    }
    let Some(parent) = n.parent() else {
        return false;
    };
    match parent.kind().as_ref() {
        "inc_statement" | "dec_statement" => true,
        "expression_list" => parent.parent().is_some_and(|s| {
            s.kind() == "assignment_statement"
                && s.field("left").is_some_and(|l| l.range() == parent.range())
        }),
        _ => false,
    }
}

/// `m := make(map...)`, `m := map[K]V{}` or `var m map[K]V` (with `= ...` as such).
fn declares_empty_map(decl: &GoNode, name: &str) -> bool {
    let value = match decl.kind().as_ref() {
        "short_var_declaration" => {
            let left: Vec<_> = decl
                .field("left")
                .map(|l| l.named_children().collect())
                .unwrap_or_default();
            let right: Vec<_> = decl
                .field("right")
                .map(|r| r.named_children().collect())
                .unwrap_or_default();
            match left.iter().position(|n| n.text() == name) {
                Some(i) if right.len() == left.len() => Some(right[i].clone()),
                _ => return false,
            }
        }
        "var_declaration" => {
            let spec = decl.dfs().find(|n| {
                n.kind() == "var_spec" && n.field_children("name").any(|i| i.text() == name)
            });
            let Some(spec) = spec else {
                return false;
            };
            match spec.field("value") {
                None => return true,
                Some(v) if spec.field_children("name").count() == 1 => v.named_children().next(),
                Some(_) => return false,
            }
        }
        _ => return false,
    };
    value.is_some_and(|v| match v.kind().as_ref() {
        "composite_literal" => v
            .field("body")
            .is_some_and(|b| b.named_children().all(|c| c.kind() == "comment")),
        "call_expression" => v.field("function").is_some_and(|f| f.text() == "make"),
        _ => false,
    })
}

/// Identifiers named in a loop header.
fn identifiers(clause: &GoNode) -> Vec<String> {
    let mut names: Vec<String> = clause
        .dfs()
        .filter(|n| n.kind() == "identifier")
        .map(|n| n.text().to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `n` is a statement assigning to (or declaring, or incrementing) `name`.
fn writes_name(n: &GoNode, name: &str) -> bool {
    match n.kind().as_ref() {
        "assignment_statement" | "short_var_declaration" => n
            .field("left")
            .is_some_and(|l| l.named_children().any(|t| root_name(&t) == name)),
        "inc_statement" | "dec_statement" => n
            .named_children()
            .next()
            .is_some_and(|t| root_name(&t) == name),
        "unary_expression" => {
            n.text().starts_with('&') && n.field("operand").is_some_and(|o| root_name(&o) == name)
        }
        _ => false,
    }
}

/// True when the loop body assigns to `name` (or to a field or element of it).
fn assigns_to(body: &GoNode, name: &str) -> bool {
    body.dfs().any(|n| writes_name(&n, name))
}

/// The variable an expression starts from: `s` in `s.cache.m`.
fn root_name(e: &GoNode) -> String {
    let mut cur = e.clone();
    loop {
        let next = match cur.kind().as_ref() {
            "selector_expression" => cur.field("operand"),
            "index_expression" | "slice_expression" => cur.field("operand"),
            "parenthesized_expression" => cur.named_children().next(),
            "unary_expression" => cur.field("operand"),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => return cur.text().to_string(),
        }
    }
}

/// Statements of `body` that run on every iteration in order: its own statements,
/// and those of bare `{ ... }` blocks and labels inside it.
fn straight_statements<'r>(body: &GoNode<'r>) -> Vec<GoNode<'r>> {
    let mut out = vec![];
    let list = body.children().find(|c| c.kind() == "statement_list");
    for stmt in list
        .iter()
        .flat_map(|l| l.named_children().collect::<Vec<_>>())
    {
        match stmt.kind().as_ref() {
            "comment" | "empty_statement" => {}
            "block" => out.extend(straight_statements(&stmt)),
            "labeled_statement" => {
                let inner: Vec<_> = stmt
                    .named_children()
                    .filter(|c| !matches!(c.kind().as_ref(), "label_name" | "comment"))
                    .collect();
                out.extend(inner);
            }
            _ => out.push(stmt),
        }
    }
    out
}

/// `delete(a, b)` statements among the straight-line statements: (statement, [a, b]).
fn unconditional_deletes<'r>(body: &GoNode<'r>) -> Vec<(GoNode<'r>, Vec<GoNode<'r>>)> {
    straight_statements(body)
        .into_iter()
        .filter(|s| s.kind() == "expression_statement")
        .filter_map(|s| {
            let call = s.named_children().next()?;
            if call.kind() != "call_expression" || call.field("function")?.text() != "delete" {
                return None;
            }
            let args: Vec<_> = call.field("arguments")?.named_children().collect();
            (args.len() == 2).then_some((s, args))
        })
        .collect()
}

/// True when some iteration may not reach `delete`: a `return`, `goto` or labeled
/// jump anywhere in the body, a `break` out of this loop, or a `continue` before it.
fn can_skip(lp: &GoNode, body: &GoNode, delete: &GoNode) -> bool {
    let function = scope::enclosing_function(lp).map(|f| f.range());
    body.dfs().any(|n| {
        let kind = n.kind();
        if !matches!(
            kind.as_ref(),
            "return_statement" | "goto_statement" | "break_statement" | "continue_statement"
        ) {
            return false;
        }
        // A jump inside a closure leaves the closure, not this loop.
        if scope::enclosing_function(&n).map(|f| f.range()) != function {
            return false;
        }
        let labeled = n.named_children().any(|c| c.kind() == "label_name");
        match kind.as_ref() {
            "return_statement" | "goto_statement" => true,
            _ if labeled => true,
            "break_statement" => innermost_breakable(&n).is_some_and(|b| b.range() == lp.range()),
            _ => {
                n.range().start < delete.range().start
                    && innermost_loop(&n).is_some_and(|l| l.range() == lp.range())
            }
        }
    })
}

fn innermost_breakable<'r>(n: &GoNode<'r>) -> Option<GoNode<'r>> {
    n.ancestors().find(|a| {
        matches!(
            a.kind().as_ref(),
            "for_statement"
                | "expression_switch_statement"
                | "type_switch_statement"
                | "select_statement"
        )
    })
}

fn innermost_loop<'r>(n: &GoNode<'r>) -> Option<GoNode<'r>> {
    n.ancestors().find(|a| a.kind() == "for_statement")
}

/// True when `delete` in this file is not the builtin: a local or package-level
/// declaration of that name.
fn delete_is_shadowed(file: &GoFile, at: &GoNode) -> bool {
    scope::is_shadowed(at, "delete")
        || file.root.root().children().any(|d| {
            d.kind() == "function_declaration"
                && d.field("name").is_some_and(|n| n.text() == "delete")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renamed_headers_compare_equal() {
        assert_eq!(rename("i < n", "i"), "·<n");
        assert_eq!(rename("j < n", "j"), rename("i<n", "i"));
        assert_ne!(rename("i < n", "i"), rename("i <= n", "i"));
        assert_eq!(rename("idx++", "idx"), "·++");
    }
}
