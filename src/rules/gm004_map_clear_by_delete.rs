//! GM004: a long-lived map emptied key by key keeps its peak bucket array.
//!
//! A finding needs three things. The loop only clears: its body is the one
//! `delete` of every key (`for k := range m { delete(m, k) }`, or the catalogue's
//! counted form, a loop deleting every key an earlier loop with the same header
//! inserted into a fresh local map); a loop that also closes, cancels or counts is
//! teardown, and a guarded delete drops only some keys. The map lives on after
//! it: a struct field or package variable whose owner is not being torn down, or a
//! local that is refilled or returned afterwards. And nothing says the emptiness
//! is cheap or deliberate: maps known to stay small, a map cleared on every pass
//! of a loop (reused on purpose, so recreating it would allocate each time), the
//! "if nil make it, else empty it" reuse idiom, a map handed back to a pool.
//!
//! Confidence comes from evidence that the map grows large (filled from input,
//! here or by a caller of its writer; a key callers pass is not enough alone),
//! and falls when the fill runs again right after the clear (the buckets are
//! reused each cycle).
//!
//! The compiler already turns a pure clear loop into one `mapclear` call for most
//! key types: the cost is the buckets kept, not a hash per key. The fix, a new
//! map, is always unsafe: whoever else holds the old map keeps it full.

use crate::analysis::escape::{self, is_fresh};
use crate::analysis::exprs::{called_name, indentation, is_stable, root_node, same_expr, squash};
use crate::analysis::types::{base_type_name, declared_where, map_key_value, Origin, Resolver};
use crate::analysis::{callers, constants, names, pools, scope};
use crate::finding::{Applicability, Confidence, Edit, Evidence};
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::outcome::{FixPlan, Grounds, Outcome};

/// A `make(map..., n)` hint up to this many entries says the map stays small.
const SMALL_HINT: i64 = 64;
/// A map literal with this many entries or fewer is a handful.
const HANDFUL: usize = 8;
/// Key types with so few values that the map cannot grow large.
const BOUNDED_KEYS: &[&str] = &["bool", "int8", "uint8", "byte"];
/// Words of a function name that say its owner is being torn down.
const TEARDOWN_WORDS: &[&str] = &[
    "close",
    "closed",
    "closing",
    "stop",
    "stopped",
    "shutdown",
    "release",
    "destroy",
    "teardown",
    "dispose",
    "terminate",
    "finalize",
    "kill",
    "quit",
    "disconnect",
];
/// Stems of a field name or a state constant that mark an owner as shut.
const SHUT_STEMS: &[&str] = &["clos", "stop", "shut", "terminat", "dispos", "destroy"];

/// The entry point: judges a `for` loop holding a `delete` call.
pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    let lp: &GoNode = m.get_node();
    if lp.kind() != "for_statement" || delete_is_shadowed(file, lp) {
        return Outcome::Silent;
    }
    let Some(body) = lp.field("body") else {
        return Outcome::Silent;
    };
    let Some(args) = only_delete(&body) else {
        return Outcome::Silent;
    };
    let clause = lp
        .children()
        .find(|c| matches!(c.kind().as_ref(), "range_clause" | "for_clause"));
    let Some(clause) = clause else {
        return Outcome::Silent;
    };
    let map = range_form(&clause, &args)
        .or_else(|| counted_form(lp, &clause, &args))
        .or_else(|| counter_form(file, &clause, &args));
    match map {
        Some(map) => judge(file, lp, &body, &map),
        None => Outcome::Silent,
    }
}

/// What holds the map, which decides whether it lives on after the loop.
enum Holder<'r> {
    /// A local variable with a fresh map (or a field of a fresh local struct):
    /// declared by `decl` in `function`.
    Local {
        decl: GoNode<'r>,
        function: GoNode<'r>,
    },
    /// A field of `owner` (a variable that is not a fresh local struct).
    Field { owner: GoNode<'r>, by_value: bool },
    /// A package-level variable.
    Package,
    /// A local that holds the map of a field or package variable (`m := s.cache`).
    Alias { of: GoNode<'r> },
}

fn judge(file: &GoFile, lp: &GoNode, body: &GoNode, map: &GoNode) -> Outcome {
    let resolver = Resolver::new(file);
    let Some(holder) = holder_of(map) else {
        return Outcome::Silent;
    };
    if bounded_keys(&resolver, map) || emptied_at_a_cap(file, lp, map) {
        return Outcome::Silent;
    }
    let map_text = map.text().to_string();
    let lives_on = match &holder {
        Holder::Local { decl, function } => {
            if known_small(file, map, Some(decl))
                || reused_per_pass(&resolver, lp, Some(decl), function)
                || in_teardown(file, lp, None)
            {
                return Outcome::Silent;
            }
            match kept_after(lp, map, decl, function) {
                Some(how) => format!("`{map_text}` is {how} afterwards"),
                None => return Outcome::Silent,
            }
        }
        Holder::Field { owner, .. } | Holder::Alias { of: owner } => {
            let owner = root_node(owner);
            let function = scope::enclosing_function(lp);
            let owner_decl = match declared_where(&owner, &owner.text()) {
                Some(Origin::Local { decl, .. }) => Some(decl),
                _ => None,
            };
            let target = match &holder {
                Holder::Alias { of } => of.clone(),
                _ => map.clone(),
            };
            let same_map_each_pass = function
                .as_ref()
                .is_some_and(|f| reused_per_pass(&resolver, lp, owner_decl.as_ref(), f));
            if same_map_each_pass
                || in_teardown(file, lp, Some(&owner.text()))
                || known_small(file, &target, None)
                || reuse_idiom(lp, map)
                || pooled_after(lp, map, &owner)
                || recycled_through_pool(file, lp, &owner)
            {
                return Outcome::Silent;
            }
            match &holder {
                Holder::Alias { of } => {
                    format!("`{map_text}` holds `{}`, which lives on", of.text())
                }
                _ => format!("`{map_text}` lives on in `{}`", owner.text()),
            }
        }
        Holder::Package => {
            let function = scope::enclosing_function(lp);
            let same_map_each_pass = function
                .as_ref()
                .is_some_and(|f| reused_per_pass(&resolver, lp, None, f));
            if same_map_each_pass
                || in_teardown(file, lp, None)
                || known_small(file, map, None)
                || reuse_idiom(lp, map)
                || pooled_after(lp, map, map)
            {
                return Outcome::Silent;
            }
            format!("`{map_text}` is a package variable and lives on")
        }
    };
    let why = lives_on;
    let target = Target::of(&resolver, map, &holder);
    let mut grounds = Grounds::default();
    grounds.push(file.evidence(lp.range().start, why.clone()));
    let mut confidence = Confidence::High;
    let mut no_edit: Option<String> = None;
    let size = target
        .as_ref()
        .map_or(Size::Unknown, |t| growth(file, t, lp));
    match size {
        Size::Large {
            evidence,
            refill: None,
            sized,
        } => {
            evidence.into_iter().for_each(|e| grounds.push(e));
            // A collection's size says nothing by itself; a map that lives as long
            // as the process (a package variable, or a field of a value one holds)
            // keeps whatever peak it reached.
            let process_lived = match &holder {
                Holder::Field { owner, .. } | Holder::Alias { of: owner } => {
                    let owner = root_node(owner);
                    held_for_process(&resolver, &owner)
                        .map(|var| {
                            (
                                lp.range().start,
                                format!(
                                    "the package keeps one for the life of the process in `{var}`"
                                ),
                            )
                        })
                        .or_else(|| kept_by_endless_goroutine(file, &resolver, &owner))
                        .map(Some)
                }
                Holder::Package | Holder::Local { .. } => Some(None),
            };
            match process_lived {
                Some(Some((at, why))) if !sized => grounds.push(file.evidence(at, why)),
                None if !sized => {
                    confidence = Confidence::Medium;
                    grounds.push(file.evidence(
                        lp.range().start,
                        "filled from a collection the code was handed, and nothing shows the map outlives the work that filled it (no package variable holds its owner): how large it grows is not shown (lowers confidence)",
                    ));
                }
                _ => {}
            }
        }
        Size::Large {
            refill: Some(e), ..
        } => {
            confidence = Confidence::Low;
            grounds.push(e);
            no_edit = Some(
                "the map is filled again right after it is emptied, so its buckets are reused each cycle and a new map would regrow them every time"
                    .into(),
            );
        }
        Size::Keyed(e, counted) => {
            confidence = Confidence::Medium;
            grounds.push(e);
            grounds.push(file.evidence(
                lp.range().start,
                if counted {
                    "no caller seen calling it in a loop over input: how far the map grows between clears is not shown (lowers confidence)"
                } else {
                    "no caller seen passing keys from a loop over input: how far the map grows is not shown (lowers confidence)"
                },
            ));
        }
        Size::Unknown => {
            confidence = Confidence::Low;
            grounds.push(file.evidence(
                lp.range().start,
                "nothing shows the map growing large: no write to it in a loop over input or keyed by what callers pass (lowers confidence)",
            ));
            no_edit =
                Some("nothing shows the map grows large, and a new map would only allocate".into());
        }
    }
    if let Holder::Field { .. } = &holder {
        if let Some((at, put)) = type_recycled_through_pool(file, lp) {
            confidence = Confidence::Low;
            grounds.push(file.evidence(
                at,
                format!(
                    "`{put}` puts a value of the owner's type back into a sync.Pool: the object, and its map, are reused per cycle (lowers confidence)"
                ),
            ));
            no_edit = Some(
                "the owner is recycled through a sync.Pool, and a new map per cycle would allocate every cycle"
                    .into(),
            );
        }
    }
    if let Holder::Field { owner, .. } = &holder {
        let owner = root_node(owner);
        if let Some(sibling) = reused_per_cycle(lp, &owner.text()) {
            confidence = Confidence::Low;
            grounds.push(file.evidence(
                sibling.range().start,
                format!(
                    "`{}` resets a sibling for reuse beside it: the object is reused per cycle (lowers confidence)",
                    first_line(&sibling.text())
                ),
            ));
            no_edit = Some(
                "the object is reset for reuse each cycle, and a new map per cycle would allocate every cycle"
                    .into(),
            );
        }
    }
    if let Some(what) = teardown_by_name(file, lp) {
        confidence = Confidence::Low;
        grounds.push(file.evidence(lp.range().start, what));
        no_edit.get_or_insert_with(|| {
            "its function's name says the owner is being torn down, where a new map is waste".into()
        });
    }
    if only_tests_call(file, lp) {
        confidence = Confidence::Low;
        grounds.push(file.evidence(
            lp.range().start,
            "only tests call the function that empties it (lowers confidence)",
        ));
        no_edit.get_or_insert_with(|| "only tests call the function that empties it".into());
    }
    let grounds = grounds.at(confidence);
    let report_only = |reason: String| {
        Outcome::Report {
            grounds: Grounds::default(),
            message: Some(format!("{why}; no automatic fix: {reason}")),
            fix: None,
        }
        .graded(grounds.clone())
    };
    if let Some(reason) = no_edit {
        return report_only(reason);
    }
    match &holder {
        Holder::Alias { of } => {
            return report_only(format!(
                "recreate `{}` where it is owned, not the local copy of it",
                of.text()
            ))
        }
        Holder::Field {
            owner,
            by_value: true,
        } => {
            return report_only(format!(
                "`{}` is a copy of the caller's value, so a new map assigned here would not reach the caller",
                owner.text()
            ))
        }
        _ => {}
    }
    // Where the code makes the map lazily (`if m == nil { m = make(...) }`),
    // dropping it is the idiom's own fix.
    let lazily = target.as_ref().is_some_and(|t| made_lazily(file, t, lp));
    let ty = if lazily {
        None
    } else {
        match resolver.type_of(map) {
            Some(ty) => Some(ty),
            None => {
                return report_only(format!("the type of `{map_text}` is not declared in view"))
            }
        }
    };
    let text = file.text();
    let indent = indentation(text, lp.range().start);
    let mut replacement = String::new();
    // The loop's comments stay, in its header as in its body; those inside the
    // delete call described its arguments, which are gone.
    let delete_call = straight_statements(body)
        .first()
        .map(|s| s.range())
        .unwrap_or(0..0);
    let kept = lp.dfs().filter(|n| {
        n.kind() == "comment"
            && !(delete_call.start < n.range().start && n.range().end < delete_call.end)
    });
    for c in kept {
        replacement.push_str(&c.text());
        replacement.push('\n');
        replacement.push_str(&indent);
    }
    let (assignment, description, message) = match &ty {
        Some(ty) => (
            format!("{map_text} = make({ty})"),
            None,
            format!(
                "{why}; unsafe fix: code that holds the old map keeps it full, and a map that is reused on purpose allocates anew"
            ),
        ),
        None => (
            format!("{map_text} = nil"),
            Some("Drop the map (`m = nil`); the code makes it again where it is written".to_string()),
            format!(
                "{why}; unsafe fix: the code makes the map lazily, so it is dropped (`{map_text} = nil`); code that holds the old map keeps it full"
            ),
        ),
    };
    replacement.push_str(&assignment);
    let r = lp.range();
    Outcome::Report {
        grounds: Grounds::default(),
        message: Some(message),
        fix: Some(FixPlan {
            edits: vec![Edit::new(r.start, r.end, replacement)],
            applicability: Some(Applicability::Unsafe),
            description,
            ..FixPlan::default()
        }),
    }
    .graded(grounds)
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() > 40 {
        format!("{}...", line.chars().take(40).collect::<String>())
    } else {
        line.to_string()
    }
}

/// Who holds the map expression `map`, or None when it is the caller's (a
/// parameter, a receiver of map type) or someone's we cannot name.
fn holder_of<'r>(map: &GoNode<'r>) -> Option<Holder<'r>> {
    match map.kind().as_ref() {
        "identifier" => {
            let name = map.text().to_string();
            match declared_where(map, &name)? {
                Origin::Package => Some(Holder::Package),
                Origin::Local { decl, function } => {
                    if is_range_variable(&decl, &name) {
                        return None;
                    }
                    let value = escape::initial_value(&decl, &name);
                    let fresh = value.as_ref().is_none_or(is_fresh);
                    if !fresh {
                        let v = value?;
                        let long_lived = is_stable(&v)
                            && (v.kind() == "selector_expression"
                                || matches!(declared_where(&v, &v.text()), Some(Origin::Package)));
                        return long_lived.then_some(Holder::Alias { of: v });
                    }
                    // Given some other map later: whose it is we do not know.
                    if reassigned_from_elsewhere(&function, map, &decl) {
                        return None;
                    }
                    Some(Holder::Local { decl, function })
                }
                // The caller's map: a new one here would not empty theirs.
                _ => None,
            }
        }
        "selector_expression" => {
            let owner = root_node(map);
            if owner.kind() != "identifier" {
                return None;
            }
            let name = owner.text().to_string();
            match declared_where(&owner, &name)? {
                Origin::Local { decl, function } => {
                    let value = escape::initial_value(&decl, &name);
                    let fresh_struct = !is_range_variable(&decl, &name)
                        && value.as_ref().is_none_or(is_fresh_struct);
                    if fresh_struct {
                        Some(Holder::Local { decl, function })
                    } else {
                        Some(Holder::Field {
                            owner,
                            by_value: false,
                        })
                    }
                }
                Origin::Parameter { .. } | Origin::Receiver { .. } => {
                    let ty = owner
                        .ancestors()
                        .find(|a| scope::is_function(a))
                        .and_then(|f| param_type(&f, &name));
                    let by_value = ty.is_some_and(|t| !t.trim_start().starts_with('*'));
                    Some(Holder::Field { owner, by_value })
                }
                Origin::Result { .. } | Origin::Package => Some(Holder::Field {
                    owner,
                    by_value: false,
                }),
            }
        }
        _ => None,
    }
}

/// The type written for parameter or receiver `name` of `function`.
fn param_type(function: &GoNode, name: &str) -> Option<String> {
    ["receiver", "parameters"].iter().find_map(|field| {
        function.field(field)?.children().find_map(|p| {
            (p.kind() == "parameter_declaration"
                && p.field_children("name").any(|n| n.text() == name))
            .then(|| p.field("type").map(|t| t.text().to_string()))
            .flatten()
        })
    })
}

/// A struct made here: `T{...}`, `&T{...}`, `new(T)`.
fn is_fresh_struct(v: &GoNode) -> bool {
    match v.kind().as_ref() {
        "composite_literal" => true,
        "unary_expression" => {
            v.text().starts_with('&')
                && v.field("operand")
                    .is_some_and(|o| o.kind() == "composite_literal")
        }
        "call_expression" => v.field("function").is_some_and(|f| f.text() == "new"),
        "parenthesized_expression" => v
            .named_children()
            .next()
            .is_some_and(|i| is_fresh_struct(&i)),
        _ => false,
    }
}

/// `decl` is a `for ... range` header declaring `name`: an element of a collection.
fn is_range_variable(decl: &GoNode, name: &str) -> bool {
    decl.kind() == "for_statement"
        && decl
            .children()
            .find(|c| c.kind() == "range_clause")
            .and_then(|c| c.field("left"))
            .is_some_and(|l| l.named_children().any(|n| n.text() == name))
}

/// Some later `m = v` gives the local a map that is not fresh.
fn reassigned_from_elsewhere(function: &GoNode, map: &GoNode, decl: &GoNode) -> bool {
    let name = map.text();
    function.dfs().any(|n| {
        if n.kind() != "assignment_statement" {
            return false;
        }
        let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
            return false;
        };
        let left: Vec<_> = left.named_children().collect();
        let right: Vec<_> = right.named_children().collect();
        left.iter().enumerate().any(|(i, l)| {
            l.kind() == "identifier"
                && l.text() == name
                && same_variable(l, &name, decl)
                && (right.len() != left.len() || !is_fresh(&right[i]))
        })
    })
}

/// `id` (named `name`) refers to the local declared by `decl`.
fn same_variable(id: &GoNode, name: &str, decl: &GoNode) -> bool {
    matches!(declared_where(id, name), Some(Origin::Local { decl: d, .. }) if d.range() == decl.range())
}

/// How the local map is kept after the clear: refilled (a key written after
/// the loop, on a later pass of a loop around it, or from another closure), or
/// returned. None when it is only read, or dies, after being emptied.
fn kept_after(lp: &GoNode, map: &GoNode, decl: &GoNode, function: &GoNode) -> Option<String> {
    let root = root_node(map);
    let root_name = root.text().to_string();
    let end = lp.range().end;
    // Loops around the clear that the map outlives: each pass may refill it.
    let loops: Vec<GoNode> = lp
        .ancestors()
        .take_while(|a| a.range() != function.range())
        .filter(|a| a.kind() == "for_statement" && !a.range().contains(&decl.range().start))
        .collect();
    // Cleared inside a closure: another closure may refill it at any time.
    let own = scope::enclosing_function(lp).filter(|f| f.range() != function.range());
    let in_other_closure = |n: &GoNode| {
        own.as_ref().is_some_and(|own| {
            scope::enclosing_function(n)
                .is_some_and(|f| f.range() != own.range() && f.range() != function.range())
        })
    };
    let refilled = function.dfs().any(|n| {
        let at = n.range().start;
        is_key_write(&n, map)
            && !lp.range().contains(&at)
            && (at >= end || in_other_closure(&n) || loops.iter().any(|l| l.range().contains(&at)))
            && same_variable(&root_node(&n), &root_name, decl)
    });
    if refilled {
        return Some("refilled".into());
    }
    let returned = function.dfs().any(|n| {
        n.kind() == "return_statement"
            && n.range().start >= end
            && n.children()
                .filter(|c| c.kind() == "expression_list")
                .flat_map(|l| l.named_children().collect::<Vec<_>>())
                .any(|e| same_expr(&e, map) && same_variable(&root_node(&e), &root_name, decl))
    });
    returned.then(|| "returned".into())
}

/// `n` is `M[k]` on the left of an assignment, or under `++`/`--`.
fn is_key_write(n: &GoNode, map: &GoNode) -> bool {
    if n.kind() != "index_expression" || !n.field("operand").is_some_and(|o| same_expr(&o, map)) {
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

/// The map is cleared on every pass of a loop around the clear, and it is the
/// same map each pass (its variable is declared outside that loop): a scratch
/// map reused on purpose, which a new map per pass would make allocate. A loop
/// that waits for events (a `select`, a ticker's channel) is not such a pass.
fn reused_per_pass(
    resolver: &Resolver,
    lp: &GoNode,
    decl: Option<&GoNode>,
    function: &GoNode,
) -> bool {
    let own = scope::enclosing_function(lp);
    lp.ancestors()
        .take_while(|a| a.range() != function.range())
        .take_while(|a| !own.as_ref().is_some_and(|f| f.range() == a.range()))
        .filter(|a| a.kind() == "for_statement")
        .filter(|a| decl.is_none_or(|d| !a.range().contains(&d.range().start)))
        .any(|a| !waits_for_events(resolver, &a, lp))
}

/// A loop whose passes are events: the clear sits in a `select` case inside it,
/// or it ranges over a channel (`range ticker.C`, `range time.Tick(d)`, a
/// variable of channel type).
fn waits_for_events(resolver: &Resolver, loop_: &GoNode, lp: &GoNode) -> bool {
    let in_select = lp
        .ancestors()
        .take_while(|a| a.range() != loop_.range())
        .any(|a| a.kind() == "select_statement");
    if in_select {
        return true;
    }
    let Some(right) = loop_
        .children()
        .find(|c| c.kind() == "range_clause")
        .and_then(|c| c.field("right"))
    else {
        return false;
    };
    if right.kind() == "selector_expression"
        && right.field("field").is_some_and(|f| f.text() == "C")
    {
        return true;
    }
    if right.kind() == "call_expression"
        && right
            .field("function")
            .is_some_and(|f| squash(&f.text()) == "time.Tick")
    {
        return true;
    }
    resolver.type_of(&right).is_some_and(|t| {
        let t = resolver.underlying(&t).unwrap_or(t);
        t.starts_with("chan") || t.starts_with("<-chan")
    })
}

/// The loop runs where the owner is being torn down, by what the function
/// does: it closes a channel of the owner, cancels it, or marks it closed.
fn in_teardown(_file: &GoFile, lp: &GoNode, owner: Option<&str>) -> bool {
    let Some(named) = lp.ancestors().find(|a| {
        matches!(
            a.kind().as_ref(),
            "function_declaration" | "method_declaration"
        )
    }) else {
        return false;
    };
    let Some(owner) = owner else {
        return false;
    };
    let rooted = |e: &GoNode| root_node(e).text() == owner && e.kind() == "selector_expression";
    let shut = named.dfs().any(|n| match n.kind().as_ref() {
        "call_expression" => {
            let Some(f) = n.field("function") else {
                return false;
            };
            let args: Vec<_> = n
                .field("arguments")
                .map(|a| a.named_children().collect())
                .unwrap_or_default();
            match f.text().as_ref() {
                "close" => args.first().is_some_and(rooted),
                _ => {
                    let field = f
                        .field("field")
                        .map(|x| x.text().to_lowercase())
                        .unwrap_or_default();
                    // `o.cancel()`, `o.closed.Store(true)`, `atomic.StoreInt32(&o.closed, 1)`.
                    (rooted(&f) && field.contains("cancel"))
                        || (field.starts_with("store")
                            && squash(&n.text())
                                .to_lowercase()
                                .contains(&format!("{owner}."))
                            && says_shut(&n.text()))
                }
            }
        }
        "assignment_statement" => {
            let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
                return false;
            };
            let right: Vec<_> = right.named_children().collect();
            let left: Vec<_> = left.named_children().collect();
            left.iter().zip(&right).any(|(l, v)| {
                let field = l.field("field").map(|f| f.text().to_string());
                rooted(l)
                    && ((field.as_deref().is_some_and(says_shut)
                        && (v.kind() == "true"
                            || constants::literal_int(v).is_some_and(|x| x != 0)))
                        || (matches!(v.kind().as_ref(), "identifier" | "selector_expression")
                            && says_shut(&v.text())))
            })
        }
        _ => false,
    });
    shut
}

/// Where a name says the clear runs in teardown: the function's own name
/// (`Close`, `stopAll`, `resetOnClose`...), or those of all its callers. A
/// name only lowers a finding; what the function does decides silence.
fn teardown_by_name(file: &GoFile, lp: &GoNode) -> Option<String> {
    let named = lp.ancestors().find(|a| {
        matches!(
            a.kind().as_ref(),
            "function_declaration" | "method_declaration"
        )
    })?;
    let name = named.field("name")?.text().to_string();
    if name_says_teardown(&name) {
        return Some(format!("`{name}` is named as teardown (lowers confidence)"));
    }
    called_only_in_teardown(file, &named)
        .then(|| format!("only functions named as teardown call `{name}` (lowers confidence)"))
}

/// A helper that only teardown calls (`cleanup`, called from `Stop` and
/// nowhere else in the module's non-test code): it runs while its owner is
/// being discarded, as the teardown function itself does.
fn called_only_in_teardown(file: &GoFile, func: &GoNode) -> bool {
    let mut calls = 0;
    let mut all_teardown = true;
    let scan = callers::for_each_use(file, func, false, &mut |_, uses| {
        for u in uses {
            let caller = u
                .node
                .parent()
                .filter(|c| {
                    c.kind() == "call_expression"
                        && c.field("function")
                            .is_some_and(|f| f.range() == u.node.range())
                })
                .and_then(|c| {
                    c.ancestors().find(|a| {
                        matches!(
                            a.kind().as_ref(),
                            "function_declaration" | "method_declaration"
                        )
                    })
                })
                .and_then(|f| f.field("name"));
            calls += 1;
            if !caller.is_some_and(|n| name_says_teardown(&n.text())) {
                all_teardown = false;
                return false;
            }
        }
        true
    });
    scan.is_ok() && calls > 0 && all_teardown
}

fn says_shut(text: &str) -> bool {
    let t = text.to_lowercase();
    SHUT_STEMS.iter().any(|s| t.contains(s))
}

/// `Close`, `closeAll`, `resetOnClose`, `shutdown_now`: a word of the name is a
/// teardown word.
fn name_says_teardown(name: &str) -> bool {
    let lower = name.to_lowercase();
    if lower.contains("shutdown") || lower.contains("teardown") {
        return true;
    }
    names::words(name)
        .iter()
        .any(|w| TEARDOWN_WORDS.contains(&w.as_str()))
}

/// The map's key type has so few values that it cannot grow large.
fn bounded_keys(resolver: &Resolver, map: &GoNode) -> bool {
    let Some(t) = resolver.type_of(map) else {
        return false;
    };
    let u = resolver.underlying(&t).unwrap_or(t);
    map_key_value(&u).is_some_and(|(k, _)| BOUNDED_KEYS.contains(&k.as_str()))
}

/// The most keys a map emptied at its cap may hold and still be small.
const SMALL_CAP: i64 = 1024;

/// The clear runs only once the map holds more than a small constant number of
/// keys (`if len(c.tables) > maxCachedKeys { for k := range c.tables { delete(c.tables, k) } }`):
/// a cache evicted whole at its cap never grows past it, so its buckets stay small.
fn emptied_at_a_cap(file: &GoFile, lp: &GoNode, map: &GoNode) -> bool {
    let Some(cond) = lp
        .parent()
        .and_then(|p| {
            if p.kind() == "statement_list" {
                p.parent()
            } else {
                Some(p)
            }
        })
        .filter(|b| b.kind() == "block")
        .and_then(|b| b.parent())
        .filter(|i| i.kind() == "if_statement")
        .and_then(|i| i.field("condition"))
    else {
        return false;
    };
    if cond.kind() != "binary_expression" {
        return false;
    }
    let op = cond.field("operator").map(|o| o.text().to_string());
    let (Some(left), Some(right)) = (cond.field("left"), cond.field("right")) else {
        return false;
    };
    let is_len_of_map = left.kind() == "call_expression"
        && left.field("function").is_some_and(|f| f.text() == "len")
        && left
            .field("arguments")
            .and_then(|a| crate::analysis::exprs::items(&a).into_iter().next())
            .is_some_and(|arg| arg.text() == map.text());
    is_len_of_map
        && matches!(op.as_deref(), Some(">") | Some(">="))
        && constants::int_value(file, &right).is_some_and(|n| (0..=SMALL_CAP).contains(&n))
}

/// Every place this file makes the map says it is small: `make(..., n)` with a
/// small constant `n`, or a literal with a handful of entries.
fn known_small(file: &GoFile, map: &GoNode, decl: Option<&GoNode>) -> bool {
    let mut any = false;
    let mut all_small = true;
    let mut site = |v: &GoNode| {
        any = true;
        all_small &= is_small_map_value(file, v);
    };
    let root = file.root.root();
    match (map.kind().as_ref(), decl) {
        // A local: its declaration and every later assignment to it.
        ("identifier", Some(decl)) => {
            let name = map.text();
            if let Some(v) = escape::initial_value(decl, &name) {
                site(&v);
            }
            if let Some(f) = scope::enclosing_function(decl) {
                let target = |l: &GoNode| {
                    l.kind() == "identifier" && l.text() == name && same_variable(l, &name, decl)
                };
                for v in assigned_values(&f, target) {
                    site(&v);
                }
            }
        }
        // A package variable: its spec and assignments anywhere in the file.
        ("identifier", None) => {
            let name = map.text();
            for spec in root.dfs().filter(|n| n.kind() == "var_spec") {
                let names: Vec<_> = spec.field_children("name").collect();
                let Some(pos) = names.iter().position(|n| n.text() == name) else {
                    continue;
                };
                let values: Vec<_> = spec
                    .field("value")
                    .map(|v| v.named_children().collect())
                    .unwrap_or_default();
                if values.len() == names.len() {
                    site(&values[pos]);
                }
            }
            let target = |l: &GoNode| {
                l.kind() == "identifier"
                    && l.text() == name
                    && matches!(declared_where(l, &name), Some(Origin::Package))
            };
            for v in assigned_values(&root, target) {
                site(&v);
            }
        }
        // A field: assignments to any `.f` and `f:` in composite literals.
        ("selector_expression", _) => {
            let Some(field) = map.field("field").map(|f| f.text().to_string()) else {
                return false;
            };
            let target = |l: &GoNode| {
                l.kind() == "selector_expression"
                    && l.field("field").is_some_and(|f| f.text() == field)
            };
            for v in assigned_values(&root, target) {
                site(&v);
            }
            for kv in root.dfs().filter(|n| n.kind() == "keyed_element") {
                let parts: Vec<_> = kv
                    .named_children()
                    .filter(|c| c.kind() != "comment")
                    .collect();
                if let [key, value] = parts.as_slice() {
                    if squash(&key.text()) == field {
                        let inner = if value.kind() == "literal_element" {
                            value.named_children().next()
                        } else {
                            Some(value.clone())
                        };
                        if let Some(v) = inner {
                            site(&v);
                        }
                    }
                }
            }
        }
        _ => return false,
    }
    any && all_small
}

/// Values assigned (with `=`) to left-hand sides that `target` accepts, under `node`.
fn assigned_values<'r>(node: &GoNode<'r>, target: impl Fn(&GoNode) -> bool) -> Vec<GoNode<'r>> {
    let mut out = vec![];
    for n in node.dfs().filter(|n| n.kind() == "assignment_statement") {
        let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
            continue;
        };
        let left: Vec<_> = left.named_children().collect();
        let right: Vec<_> = right.named_children().collect();
        if left.len() != right.len() {
            continue;
        }
        for (l, r) in left.iter().zip(right) {
            if target(l) {
                out.push(r);
            }
        }
    }
    out
}

fn is_small_map_value(file: &GoFile, v: &GoNode) -> bool {
    match v.kind().as_ref() {
        "call_expression" => {
            let args: Vec<_> = v
                .field("arguments")
                .map(|a| a.named_children().collect())
                .unwrap_or_default();
            v.field("function").is_some_and(|f| f.text() == "make")
                && args.len() == 2
                && constants::int_value(file, &args[1]).is_some_and(|n| n <= SMALL_HINT)
        }
        "composite_literal" => {
            let n = v
                .field("body")
                .map(|b| b.named_children().filter(|c| c.kind() != "comment").count())
                .unwrap_or(0);
            (1..=HANDFUL).contains(&n)
        }
        "parenthesized_expression" => v
            .named_children()
            .next()
            .is_some_and(|i| is_small_map_value(file, &i)),
        _ => false,
    }
}

/// The reuse idiom of decoders: `if m == nil { m = make(...) } else { <clear> }`,
/// an `if` around the clear that tests the map against nil and makes it there.
fn reuse_idiom(lp: &GoNode, map: &GoNode) -> bool {
    let target = squash(&map.text());
    let nil_tests = [format!("{target}==nil"), format!("{target}!=nil")];
    lp.ancestors()
        .take_while(|a| !scope::is_function(a))
        .filter(|a| a.kind() == "if_statement")
        .any(|a| {
            let tests_nil = a
                .field("condition")
                .is_some_and(|c| nil_tests.iter().any(|t| squash(&c.text()).contains(t)));
            let makes = a.dfs().any(|n| {
                n.kind() == "assignment_statement"
                    && !lp.range().contains(&n.range().start)
                    && n.field("left")
                        .is_some_and(|l| l.named_children().any(|x| same_expr(&x, map)))
            });
            tests_nil && makes
        })
}

/// After the clear, the map or its owner goes back to a pool (`pool.Put(m)`):
/// it is kept for reuse on purpose.
fn pooled_after(lp: &GoNode, map: &GoNode, owner: &GoNode) -> bool {
    let Some(function) = scope::enclosing_function(lp) else {
        return false;
    };
    let pooled = function.dfs().any(|n| {
        n.kind() == "call_expression"
            && n.range().start >= lp.range().end
            && n.field("function")
                .and_then(|f| f.field("field"))
                .is_some_and(|f| f.text() == "Put")
            && n.field("arguments").is_some_and(|a| {
                a.named_children().any(|x| {
                    same_expr(&x, map) || same_expr(&x, owner) || x.text().contains(&*map.text())
                })
            })
    });
    pooled
}

/// The loop empties a map of the method's receiver, and every call of the
/// method in the module runs on an object going back to a pool
/// (`s.reset(); pool.Put(s)`) or just taken from one (`s := pool.Get().(*state);
/// s.reset()`): the object and its map are recycled on purpose, and a new map
/// per reuse would defeat the pool.
fn recycled_through_pool(file: &GoFile, lp: &GoNode, owner: &GoNode) -> bool {
    let Some(method) = lp
        .ancestors()
        .find(|a| {
            matches!(
                a.kind().as_ref(),
                "method_declaration" | "func_literal" | "function_declaration"
            )
        })
        .filter(|a| a.kind() == "method_declaration")
    else {
        return false;
    };
    let is_receiver = crate::analysis::decls::receiver_of(&method)
        .and_then(|(name, _)| name)
        .is_some_and(|name| name == owner.text());
    if !is_receiver {
        return false;
    }
    let mut calls = 0;
    let mut all_pooled = true;
    let scan = callers::for_each_use(file, &method, false, &mut |gf, uses| {
        for u in uses {
            calls += 1;
            let pooled = u.node.field("operand").is_some_and(|object| {
                u.node
                    .parent()
                    .filter(|c| {
                        c.kind() == "call_expression"
                            && c.field("function")
                                .is_some_and(|f| f.range() == u.node.range())
                    })
                    .and_then(|call| scope::as_statement(&call))
                    .is_some_and(|stmt| {
                        // The same nodes, borrowed from `gf` for the pool lookups.
                        match (pools::relocate(gf, &stmt), pools::relocate(gf, &object)) {
                            (Some(stmt), Some(object)) => {
                                put_right_after(gf, &stmt, &object)
                                    || got_right_before(gf, &stmt, &object)
                            }
                            _ => false,
                        }
                    })
            });
            if !pooled {
                all_pooled = false;
                return false;
            }
        }
        true
    });
    scan.is_ok() && calls > 0 && all_pooled
}

/// The statement after `stmt` is `pool.Put(object)`, `pool` a `sync.Pool`.
fn put_right_after<'r>(file: &'r GoFile, stmt: &GoNode<'r>, object: &GoNode) -> bool {
    let Some(next) = stmt
        .next_all()
        .find(|n| n.is_named() && n.kind() != "comment")
    else {
        return false;
    };
    let call = match next.kind().as_ref() {
        "expression_statement" | "defer_statement" => next.named_children().next(),
        _ => None,
    };
    call.is_some_and(|c| {
        pools::method_call(&c, "Put", 1)
            .is_some_and(|pool| pools::resolve_pool(file, &pool).is_some())
            && c.field("arguments")
                .is_some_and(|a| a.named_children().any(|x| same_expr(&x, object)))
    })
}

/// The statement before `stmt` sets `object` from a `sync.Pool`'s `Get()`.
fn got_right_before<'r>(file: &'r GoFile, stmt: &GoNode<'r>, object: &GoNode) -> bool {
    let Some(prev) = stmt
        .prev_all()
        .find(|n| n.is_named() && n.kind() != "comment")
    else {
        return false;
    };
    if !matches!(
        prev.kind().as_ref(),
        "short_var_declaration" | "assignment_statement"
    ) {
        return false;
    }
    let sets_object = prev
        .field("left")
        .is_some_and(|l| l.named_children().any(|t| same_expr(&t, object)));
    let from_get = prev.field("right").is_some_and(|r| {
        r.named_children().any(|v| {
            pools::as_get(&v).is_some_and(|g| pools::resolve_pool(file, &g.receiver).is_some())
        })
    });
    sets_object && from_get
}

/// The loop's body is one statement, `delete(a, b)`: its two arguments.
fn only_delete<'r>(body: &GoNode<'r>) -> Option<Vec<GoNode<'r>>> {
    let stmts = straight_statements(body);
    let [stmt] = stmts.as_slice() else {
        return None;
    };
    if stmt.kind() != "expression_statement" {
        return None;
    }
    let call = stmt.named_children().next()?;
    if call.kind() != "call_expression" || call.field("function")?.text() != "delete" {
        return None;
    }
    let args: Vec<_> = call
        .field("arguments")?
        .named_children()
        .filter(|a| a.kind() != "comment")
        .collect();
    (args.len() == 2).then_some(args)
}

/// `for k[, v] := range M { delete(M, k) }`: M.
fn range_form<'r>(clause: &GoNode<'r>, args: &[GoNode<'r>]) -> Option<GoNode<'r>> {
    if clause.kind() != "range_clause" {
        return None;
    }
    let map = clause.field("right")?;
    let key = clause.field("left")?.named_children().next()?;
    let ok = key.kind() == "identifier"
        && key.text() != "_"
        && is_stable(&map)
        && same_expr(&args[0], &map)
        && args[1].kind() == "identifier"
        && args[1].text() == key.text();
    ok.then_some(map)
}

/// The counted form: a loop deleting `M[i]` for every `i` of a header that an
/// earlier loop with the same header used to insert into the fresh map `M`.
fn counted_form<'r>(
    lp: &GoNode<'r>,
    clause: &GoNode<'r>,
    args: &[GoNode<'r>],
) -> Option<GoNode<'r>> {
    let (sig, var) = header_signature(clause)?;
    if args[1].kind() != "identifier" || args[1].text() != var {
        return None;
    }
    let map = args[0].clone();
    if map.kind() != "identifier" {
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
        is_key_write(&n, &map)
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
    (!other_writes && !changed).then_some(map)
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
    let writes: Vec<GoNode> = lp
        .dfs()
        .filter(|n| {
            n.kind() == "index_expression"
                && n.field("operand").is_some_and(|o| o.text() == map)
                && n.parent().is_some_and(|p| {
                    matches!(p.kind().as_ref(), "inc_statement" | "dec_statement")
                        || p.kind() == "expression_list"
                            && p.parent().is_some_and(|s| {
                                s.kind() == "assignment_statement"
                                    && s.field("left").is_some_and(|l| l.range() == p.range())
                            })
                })
        })
        .collect();
    !writes.is_empty()
        && writes
            .iter()
            .all(|w| w.field("index").is_some_and(|i| i.text() == var))
}

/// `m := make(map...)`, `m := map[K]V{}` or `var m map[K]V` (with `= ...` as such).
fn declares_empty_map(decl: &GoNode, name: &str) -> bool {
    if decl.kind() == "var_declaration" && escape::initial_value(decl, name).is_none() {
        let plain = decl.dfs().any(|n| {
            n.kind() == "var_spec"
                && n.field_children("name").any(|i| i.text() == name)
                && n.field("value").is_none()
        });
        return plain;
    }
    escape::initial_value(decl, name).is_some_and(|v| match v.kind().as_ref() {
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
            .is_some_and(|l| l.named_children().any(|t| root_node(&t).text() == name)),
        "inc_statement" | "dec_statement" => n
            .named_children()
            .next()
            .is_some_and(|t| root_node(&t).text() == name),
        "unary_expression" => {
            n.text().starts_with('&')
                && n.field("operand")
                    .is_some_and(|o| root_node(&o).text() == name)
        }
        _ => false,
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

    #[test]
    fn teardown_names() {
        for yes in [
            "Close",
            "closeAll",
            "resetOnClose",
            "Shutdown",
            "shutDown",
            "StopWorkers",
            "release",
            "HTTPStop",
            "on_close",
        ] {
            assert!(name_says_teardown(yes), "{yes}");
        }
        for no in [
            "Reset",
            "Flush",
            "purge",
            "clearCache",
            "Closure",
            "restore",
            "stopwatchTick",
        ] {
            assert!(!name_says_teardown(no), "{no}");
        }
    }
}

// ---------------------------------------------------------------------------
// Evidence: does the map grow large, and is it reused per cycle?

/// Constant loop bounds at or above this fill a map large.
const LARGE_BOUND: i64 = 1000;

/// Which writes are writes to the map being cleared.
enum Target {
    /// `x.field[k]` anywhere in the package, `x` of the struct type `owner`
    /// when it is known (another type's field of the same name is another map).
    Field {
        field: String,
        owner: Option<String>,
    },
    /// The package variable of that name.
    Package(String),
    /// The local declared by `decl`.
    Local { name: String, decl_start: usize },
}

impl Target {
    fn of<'r>(resolver: &Resolver, map: &GoNode<'r>, holder: &Holder<'r>) -> Option<Target> {
        let expr = match holder {
            Holder::Alias { of } => of.clone(),
            _ => map.clone(),
        };
        match (&expr.kind().as_ref(), holder) {
            (&"selector_expression", _) => {
                let owner = expr
                    .field("operand")
                    .and_then(|o| resolver.type_of(&o))
                    .map(|t| base_type_name(&t));
                Some(Target::Field {
                    field: expr.field("field")?.text().to_string(),
                    owner,
                })
            }
            (&"identifier", Holder::Package) | (&"identifier", Holder::Alias { .. }) => {
                Some(Target::Package(expr.text().to_string()))
            }
            (&"identifier", Holder::Local { decl, .. }) => Some(Target::Local {
                name: expr.text().to_string(),
                decl_start: decl.range().start,
            }),
            _ => None,
        }
    }

    /// `n` (an operand of an index expression) names this map.
    fn names(&self, n: &GoNode) -> bool {
        match self {
            Target::Field { field, .. } => {
                n.kind() == "selector_expression"
                    && n.field("field").is_some_and(|x| x.text() == *field)
            }
            Target::Package(name) => {
                n.kind() == "identifier"
                    && n.text() == *name
                    && matches!(declared_where(n, name), Some(Origin::Package))
            }
            Target::Local { name, decl_start } => {
                n.kind() == "identifier"
                    && n.text() == *name
                    && matches!(declared_where(n, name), Some(Origin::Local { decl, .. }) if decl.range().start == *decl_start)
            }
        }
    }

    /// [`Target::names`], and for a field of a known owner type, `n`'s owner
    /// is of that type in `file`; when its type is not known there, the owner
    /// type must be the package's only struct type with a field of that name.
    fn names_in(&self, file: &GoFile, n: &GoNode) -> bool {
        if !self.names(n) {
            return false;
        }
        match self {
            Target::Field {
                owner: Some(owner),
                field,
            } => {
                let resolver = Resolver::new(file);
                match n.field("operand").and_then(|o| resolver.type_of(&o)) {
                    Some(t) => base_type_name(&t) == *owner,
                    None => resolver.index().types_with_field(field) == [owner.as_str()],
                }
            }
            _ => true,
        }
    }

    fn word(&self) -> &str {
        match self {
            Target::Field { field, .. } => field,
            Target::Package(n) | Target::Local { name: n, .. } => n,
        }
    }
}

/// Key writes (`M[k] = v`, `M[k]++`) to the target under `root` (of `file`).
fn key_writes<'r>(file: &GoFile, root: &GoNode<'r>, target: &Target) -> Vec<GoNode<'r>> {
    root.dfs()
        .filter(|n| {
            n.kind() == "index_expression"
                && n.field("operand")
                    .is_some_and(|o| target.names_in(file, &o))
                && n.parent().is_some_and(|p| match p.kind().as_ref() {
                    "inc_statement" | "dec_statement" => true,
                    "expression_list" => p.parent().is_some_and(|s| {
                        matches!(s.kind().as_ref(), "assignment_statement")
                            && s.field("left").is_some_and(|l| l.range() == p.range())
                    }),
                    _ => false,
                })
        })
        .collect()
}

/// The package variable that holds a value of `owner`'s type (`var pstate
/// *state` for a method of `*state`): the owner, and its map, live as long as
/// the process. None when the type is another package's or no variable holds one.
fn held_for_process(resolver: &Resolver, owner: &GoNode) -> Option<String> {
    let ty = resolver.type_of(owner)?;
    let name = base_type_name(&ty);
    if name.is_empty() || name.contains('.') {
        return None;
    }
    resolver.index().var_holding(&name).map(str::to_string)
}

/// A loop the write sits in that fills the map from input.
struct Input {
    what: String,
    /// The input has a size of its own that nothing here bounds: a stream read
    /// until it ends (`rows.Next()`, a channel), a request's values, a large
    /// constant count. Not so a loop over a collection the code was handed (a
    /// slice, a map, a call's result): it is as large as whatever built it,
    /// often a handful of tags or configured entries.
    sized: bool,
}

impl Input {
    fn sized(what: String) -> Input {
        Input { what, sized: true }
    }
    fn collection(what: String) -> Input {
        Input { what, sized: false }
    }
}

/// What a write to the map shows about its size.
enum Growth {
    /// It fills the map from input of unbounded size: shown large. `sized`
    /// when the input is a stream, a request or a large count, not only a
    /// collection the code was handed (see [`Input`]).
    Large { what: String, sized: bool },
    /// It is keyed by the function's parameter `param` (one entry per distinct
    /// key callers pass): the map grows only as far as the callers' keys vary,
    /// which this write alone does not show (a per-object cache keyed by a
    /// chunk index stays as small as the object). Without a parameter, keyed by
    /// a counter the function advances: one new entry per call, so the map
    /// grows as far as the function is called between clears.
    Keyed { what: String, param: Option<String> },
}

/// Why the write `w` makes the map large, if it does: it sits in a loop over
/// input (a parameter, a call's result, a scanner), or a loop with a large
/// constant bound; or it is keyed by what the function's callers pass in.
fn grows_at(file: &GoFile, w: &GoNode) -> Option<Growth> {
    let func = scope::enclosing_function(w)?;
    let params = param_names(&func);
    if let Some(input) = input_loop(file, w, &func, &params) {
        return Some(Growth::Large {
            what: input.what,
            sized: input.sized,
        });
    }
    let in_loop = w
        .ancestors()
        .take_while(|a| a.range() != func.range())
        .any(|a| a.kind() == "for_statement");
    if in_loop {
        return None;
    }
    // Outside loops: keyed by what callers pass, in a function that runs again
    // and again (not a constructor).
    let index = w.field("index")?;
    if let Some(step) = advances_key(&func, &index) {
        let name = callers::function_name(&func).unwrap_or_default();
        return Some(Growth::Keyed {
            what: format!(
                "keyed by `{}`, a counter that `{name}` advances (`{}`): one new entry per call",
                squash(&index.text()),
                squash(&step.text())
            ),
            param: None,
        });
    }
    let names_param =
        |n: &GoNode| n.kind() == "identifier" && params.contains(&n.text().to_string());
    // The key names a parameter, or a local of this function set from one
    // (`host, _, _ := net.SplitHostPort(r.RemoteAddr)`; `m[host]`).
    let from_param = index.dfs().find(|n| names_param(n)).or_else(|| {
        index
            .dfs()
            .filter(|n| n.kind() == "identifier")
            .find_map(|id| {
                let name = id.text().to_string();
                let Some(Origin::Local { decl, function }) = declared_where(&id, &name) else {
                    return None;
                };
                if function.range() != func.range() {
                    return None;
                }
                escape::initial_value(&decl, &name)?
                    .dfs()
                    .find(|n| names_param(n))
            })
    })?;
    let name = callers::function_name(&func).unwrap_or_default();
    let constructor = name.starts_with("New") || name.starts_with("new") || name == "init";
    if constructor {
        return None;
    }
    let key = squash(&index.text());
    let param = from_param.text().to_string();
    if let Some(t) = param_type(&func, &param).filter(|t| is_request_type(file, t)) {
        return Some(Growth::Large {
            what: format!(
                "keyed by `{key}`, read from `{param}` ({t}): one entry per distinct value a request carries"
            ),
            sized: true,
        });
    }
    let callers = if name.is_empty() {
        "a function literal".to_string()
    } else {
        format!("`{name}`")
    };
    let what = if key == param {
        format!("keyed by `{key}`, which callers of {callers} pass in")
    } else {
        format!("keyed by `{key}`, from `{param}` that callers of {callers} pass in")
    };
    Some(Growth::Keyed {
        what,
        param: Some(param),
    })
}

/// The request `arg` (at `call`, in `caller`) is read from: a parameter of
/// `caller` of type `*http.Request` named in it, directly or through one
/// local that was set from it (`key := r.URL.Path[4:]`) or decoded into from
/// it (`json.NewDecoder(r.Body).Decode(&o)`). The parameter and its type.
fn request_source(
    file: &GoFile,
    caller: &GoNode,
    arg: &GoNode,
    call: &GoNode,
) -> Option<(String, String)> {
    let requests: Vec<(String, String)> = caller
        .field("parameters")
        .map(|ps| {
            ps.named_children()
                .filter_map(|p| {
                    let t = p.field("type")?.text().to_string();
                    is_request_type(file, &t).then(|| {
                        p.field_children("name")
                            .map(|n| (n.text().to_string(), t.clone()))
                            .collect::<Vec<_>>()
                    })
                })
                .flatten()
                .collect()
        })
        .unwrap_or_default();
    let mentions = |n: &GoNode| {
        n.dfs().find_map(|c| {
            (c.kind() == "identifier")
                .then(|| requests.iter().find(|(r, _)| *r == c.text()))
                .flatten()
                .cloned()
        })
    };
    if let Some(found) = mentions(arg) {
        return Some(found);
    }
    arg.dfs()
        .filter(|c| c.kind() == "identifier")
        .find_map(|id| {
            let name = id.text().to_string();
            let Some(Origin::Local { decl, .. }) = declared_where(&id, &name) else {
                return None;
            };
            if let Some(found) = escape::initial_value(&decl, &name).and_then(|v| mentions(&v)) {
                return Some(found);
            }
            // Decoded into before the call: `dec(r.Body).Decode(&name)`.
            caller.dfs().find_map(|c| {
                let into = c.kind() == "call_expression"
                    && c.range().end <= call.range().start
                    && c.field("arguments").is_some_and(|a| {
                        a.named_children().any(|x| {
                            x.kind() == "unary_expression"
                                && x.text().starts_with('&')
                                && x.field("operand").is_some_and(|o| o.text() == name)
                        })
                    });
                if into {
                    mentions(&c)
                } else {
                    None
                }
            })
        })
}

/// `*http.Request` (by the file's import of `net/http`): what a client sent.
fn is_request_type(file: &GoFile, ty: &str) -> bool {
    file.imports_of("net/http")
        .any(|i| ty == format!("*{}.Request", i.local_name()))
}

/// The field of the map written at `at` (`x.tags[k] = v`: `tags`).
fn written_field(at: &GoNode) -> Option<String> {
    let index = std::iter::once(at.clone())
        .chain(at.dfs())
        .find(|n| n.kind() == "index_expression")?;
    let operand = index.field("operand")?;
    (operand.kind() == "selector_expression")
        .then(|| operand.field("field").map(|f| f.text().to_string()))
        .flatten()
}

/// The loop over input around `at` in `func` (whose parameters are `params`),
/// described: a range over a parameter, a call's result or a collection built
/// here; a loop bounded by a parameter or a large constant; a loop reading a
/// stream (`for rows.Next()`); or a receive from a channel the function is handed.
fn input_loop(file: &GoFile, at: &GoNode, func: &GoNode, params: &[String]) -> Option<Input> {
    let loops: Vec<GoNode> = at
        .ancestors()
        .take_while(|a| a.range() != func.range())
        .filter(|a| a.kind() == "for_statement")
        .collect();
    for lp in &loops {
        let clause = lp
            .children()
            .find(|c| matches!(c.kind().as_ref(), "range_clause" | "for_clause"));
        match clause.as_ref().map(|c| c.kind().to_string()).as_deref() {
            Some("range_clause") => {
                let Some(right) = clause.as_ref().and_then(|c| c.field("right")) else {
                    continue;
                };
                // `for t := range other.tags { x.tags[t] = ... }`: a copy of the same
                // field of another value of the kind, no larger than that one is.
                if right.kind() == "selector_expression"
                    && right
                        .field("field")
                        .is_some_and(|f| Some(f.text().to_string()) == written_field(at))
                {
                    continue;
                }
                let root = root_node(&right);
                let from_param =
                    root.kind() == "identifier" && params.contains(&root.text().to_string());
                // `for d := range in`, a channel the function is handed: a
                // stream, received until its sender closes it.
                let channel = right.kind() == "identifier"
                    && from_param
                    && param_type(func, &right.text()).is_some_and(|t| {
                        let t = t.trim_start();
                        t.starts_with("chan") || t.starts_with("<-chan")
                    });
                if channel {
                    return Some(Input::sized(format!(
                        "filled from `{}`, a stream of input",
                        right.text()
                    )));
                }
                // The host's own list (`net.Interfaces()`, or a local it
                // fills): one entry per device or variable, a handful.
                let listed = match root.kind().as_ref() {
                    "identifier" if right.kind() == "identifier" => {
                        match declared_where(&root, &root.text()) {
                            Some(Origin::Local { ref decl, .. }) => {
                                escape::initial_value(decl, &root.text())
                                    .is_some_and(|v| host_list(file, &v))
                            }
                            _ => false,
                        }
                    }
                    _ => host_list(file, &right),
                };
                if listed {
                    continue;
                }
                let from_call = right.dfs().any(|n| n.kind() == "call_expression");
                if let Some(v) = constants::int_value(file, &right) {
                    if v >= LARGE_BOUND {
                        return Some(Input::sized(format!("filled in a loop of {v} passes")));
                    }
                    continue;
                }
                // A local collection built here (not a literal list of a few).
                let from_local = root.kind() == "identifier"
                    && matches!(
                        declared_where(&root, &root.text()),
                        Some(Origin::Local { ref decl, .. })
                            if escape::initial_value(decl, &root.text()).is_none_or(|v| {
                                v.kind() != "composite_literal"
                                    || v.field("body").is_some_and(|b| {
                                        b.named_children().all(|c| c.kind() == "comment")
                                    })
                            })
                    );
                if from_param || from_call || from_local {
                    return Some(Input::collection(format!(
                        "filled in a loop over `{}`, input of unbounded size",
                        squash(&right.text())
                    )));
                }
            }
            Some("for_clause") => {
                let Some(cond) = clause.as_ref().and_then(|c| c.field("condition")) else {
                    continue;
                };
                // A constant bound, or a local set to one (`n := 2_000_000`).
                let bound = cond
                    .named_children()
                    .filter_map(|c| {
                        constants::int_value(file, &c).or_else(|| {
                            let name = c.text().to_string();
                            match declared_where(&c, &name) {
                                Some(Origin::Local { decl, .. }) if c.kind() == "identifier" => {
                                    escape::initial_value(&decl, &name)
                                        .and_then(|v| constants::int_value(file, &v))
                                }
                                _ => None,
                            }
                        })
                    })
                    .max();
                if let Some(b) = bound.filter(|b| *b >= LARGE_BOUND) {
                    return Some(Input::sized(format!("filled in a loop of {b} passes")));
                }
                let by_param = cond
                    .dfs()
                    .any(|n| n.kind() == "identifier" && params.contains(&n.text().to_string()));
                if by_param {
                    return Some(Input::collection(format!(
                        "filled in a loop bounded by input (`{}`)",
                        squash(&cond.text())
                    )));
                }
            }
            _ => {
                // `for rows.Next()`, `for sc.Scan()`: a stream of input.
                let cond = lp
                    .named_children()
                    .find(|c| !matches!(c.kind().as_ref(), "block" | "comment"));
                if cond.is_some_and(|c| c.dfs().any(|n| n.kind() == "call_expression")) {
                    return Some(Input::sized(
                        "filled while reading a stream of input".into(),
                    ));
                }
            }
        }
    }
    // Received from a channel the function is handed (`case name := <-in`):
    // a stream of input.
    at.ancestors()
        .take_while(|a| a.range() != func.range())
        .filter(|a| a.kind() == "communication_case")
        .find_map(|c| {
            let recv = c
                .field("communication")?
                .dfs()
                .find(|n| n.kind() == "unary_expression" && n.text().starts_with("<-"))?;
            let ch = root_node(&recv.field("operand")?);
            (ch.kind() == "identifier" && params.contains(&ch.text().to_string()))
                .then(|| Input::sized(format!("filled from `{}`, a stream of input", ch.text())))
        })
}

/// Standard-library calls that list what the host has, whatever the program's
/// input: its network devices and their addresses, its environment.
const HOST_LISTS: &[(&str, &str)] = &[
    ("net", "Interfaces"),
    ("net", "InterfaceAddrs"),
    ("os", "Environ"),
    ("syscall", "Environ"),
];

/// `v` is a call of one of [`HOST_LISTS`]: a collection as small as the host's
/// list of devices or variables, not input that grows with use.
fn host_list(file: &GoFile, v: &GoNode) -> bool {
    let Some(func) = v
        .field("function")
        .filter(|f| v.kind() == "call_expression" && f.kind() == "selector_expression")
    else {
        return false;
    };
    HOST_LISTS.iter().any(|(path, name)| {
        func.field("field").is_some_and(|f| f.text() == *name)
            && func
                .field("operand")
                .is_some_and(|o| scope::names_import(file, &func, &o.text(), path))
    })
}

/// The names of a function's parameters (not its receiver).
fn param_names(func: &GoNode) -> Vec<String> {
    func.field("parameters")
        .map(|ps| {
            ps.named_children()
                .flat_map(|p| {
                    p.field_children("name")
                        .map(|n| n.text().to_string())
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What the package's writes to the map show about its size.
enum Size {
    /// A write fills it from input of unbounded size (`evidence`); `refill`
    /// when every such write runs in the same cycle right after the clear (the
    /// clearing function fills it after the loop, or every caller of it fills
    /// it after calling): the peak buckets are what the next fill needs.
    Large {
        evidence: Vec<Evidence>,
        refill: Option<Evidence>,
        /// The input is a stream, a request or a large count (see [`Input`]).
        sized: bool,
    },
    /// Keyed by what callers pass, with no caller seen passing keys from a
    /// loop over input: the map grows as far as the keys vary, unknown here.
    /// `true` for a counter's key (a new entry per call, no caller seen
    /// calling in such a loop).
    Keyed(Evidence, bool),
    Unknown,
}

/// What the writes to the map, in this file and the package's other files
/// (for fields and package variables), show about its size. `lp` is the clear.
fn growth(file: &GoFile, target: &Target, lp: &GoNode) -> Size {
    let mut keyed: Option<(Evidence, bool)> = None;
    let mut refill: Option<Evidence> = None;
    let mut large: Option<Vec<Evidence>> = None;
    let mut sized = false;
    let mut judge_file = |gf: &GoFile| -> bool {
        for w in key_writes(gf, &gf.root.root(), target) {
            match grows_at(gf, &w) {
                Some(Growth::Large {
                    what,
                    sized: by_input,
                }) => {
                    if refilled_after_clear(gf, &w, file, lp, target) {
                        refill.get_or_insert_with(|| {
                            gf.evidence(
                                w.range().start,
                                format!("{what}, right after the clear: each cycle refills the buckets the last one grew (lowers confidence)"),
                            )
                        });
                    } else if let Some(pass) = filled_then_cleared(gf, &w, file, lp) {
                        refill.get_or_insert_with(|| {
                            gf.evidence(
                                w.range().start,
                                format!("{what}, in a pass (`{pass}`) that then clears it: each pass fills and empties it, the buckets holding one pass's keys (lowers confidence)"),
                            )
                        });
                    } else {
                        large = Some(vec![gf.evidence(w.range().start, what)]);
                        sized = by_input;
                        return true;
                    }
                }
                Some(Growth::Keyed { what, param }) => {
                    if let Some((caller, by_input)) =
                        caller_fills_in_loop(gf, &w, param.as_deref(), 0)
                    {
                        large = Some(vec![gf.evidence(w.range().start, what), caller]);
                        sized = by_input;
                        return true;
                    }
                    let counted = param.is_none();
                    keyed.get_or_insert_with(|| (gf.evidence(w.range().start, what), counted));
                }
                None => {}
            }
        }
        false
    };
    if !judge_file(file) && !matches!(target, Target::Local { .. }) {
        for (path, text) in scope::package_siblings(file, target.word()) {
            // Through the run's shared trees: each clear asked its package's
            // files again, parsing them anew.
            let other = GoFile::parse_in(&file.files, &path, &text, file.module.clone());
            if other.package_name != file.package_name {
                continue;
            }
            if judge_file(&other) {
                break;
            }
        }
    }
    match (large, refill, keyed) {
        (Some(evidence), _, _) => Size::Large {
            evidence,
            refill: None,
            sized,
        },
        (None, Some(r), _) => Size::Large {
            evidence: vec![],
            refill: Some(r),
            sized: false,
        },
        (None, None, Some((k, counted))) => Size::Keyed(k, counted),
        (None, None, None) => Size::Unknown,
    }
}

/// The write `w` (of `wf`) runs in the same cycle right after the clear `lp`
/// (of `cf`): later in the clearing function itself, or in a function of the
/// same file that calls the clearing function before it, when every caller of
/// the clearing function in the module does so.
fn refilled_after_clear(
    wf: &GoFile,
    w: &GoNode,
    cf: &GoFile,
    lp: &GoNode,
    target: &Target,
) -> bool {
    let (Some(wfunc), Some(cfunc)) = (scope::enclosing_function(w), scope::enclosing_function(lp))
    else {
        return false;
    };
    let same_file = wf.path == cf.path;
    if same_file && wfunc.range() == cfunc.range() {
        return w.range().start >= lp.range().end;
    }
    let Some(name) = callers::function_name(&cfunc) else {
        return false;
    };
    let calls_before = |f: &GoNode, at: usize| {
        f.dfs()
            .any(|n| n.range().end <= at && called_name(&n).as_deref() == Some(name.as_str()))
    };
    if !same_file || !calls_before(&wfunc, w.range().start) {
        return false;
    }
    // Every caller of the clearing function fills the map again right after,
    // but for callers named as teardown (the owner goes; nothing is kept).
    let mut all = true;
    let mut seen = 0;
    let scan = callers::for_each_use(cf, &cfunc, false, &mut |gf, uses| {
        for u in uses {
            let Some(g) = scope::enclosing_function(&u.node) else {
                all = false;
                return false;
            };
            if callers::function_name(&g).is_some_and(|n| name_says_teardown(&n)) {
                continue;
            }
            seen += 1;
            if !refills_from_input(gf, &g, u.node.range().end, target) {
                all = false;
                return false;
            }
        }
        true
    });
    scan.is_ok() && all && seen > 0
}

/// A write to the map in `func` (of `gf`) after `at` fills it from input.
/// The write `w` (of `wf`) fills the map in a pass that clears it at its end:
/// every caller of the clearing function (of `cf`, holding the clear `lp`),
/// each in that same file, first calls a function of the file that writes the
/// map (the write's own function, or one calling it, through up to three
/// calls), as `collect` does with `p.fill(rows); ...; p.resetCache()`: the map
/// is one pass's scratch, cleared by the pass that filled it. Each other
/// function on the way to the write is called only from functions of the file
/// on that way. The name of one such caller.
fn filled_then_cleared(wf: &GoFile, w: &GoNode, cf: &GoFile, lp: &GoNode) -> Option<String> {
    let same = |gf: &GoFile| {
        let files = cf.package();
        files.canonical(gf.path) == files.canonical(cf.path)
    };
    let wfunc = scope::enclosing_function(w)?;
    let cfunc = scope::enclosing_function(lp)?;
    if !same(wf) || wfunc.range() == cfunc.range() {
        return None;
    }
    let clear_name = callers::function_name(&cfunc)?;
    let root = cf.root.root();
    let functions: Vec<GoNode> = root
        .children()
        .filter(|d| {
            matches!(
                d.kind().as_ref(),
                "function_declaration" | "method_declaration"
            )
        })
        .collect();
    // The functions of the file that write the map, directly or through calls.
    let mut fillers: std::collections::BTreeSet<String> =
        callers::function_name(&wfunc).into_iter().collect();
    for _ in 0..3 {
        let more: Vec<String> = functions
            .iter()
            .filter(|f| {
                f.dfs()
                    .any(|n| called_name(&n).is_some_and(|c| fillers.contains(&c)))
            })
            .filter_map(callers::function_name)
            .filter(|n| *n != clear_name)
            .collect();
        let before = fillers.len();
        fillers.extend(more);
        if fillers.len() == before {
            break;
        }
    }
    if fillers.contains(&clear_name) {
        return None;
    }
    let mut all = true;
    let mut pass: Option<String> = None;
    let scan = callers::for_each_use(cf, &cfunc, false, &mut |gf, uses| {
        if !same(gf) {
            all = false;
            return false;
        }
        for u in uses {
            let Some(g) = scope::enclosing_function(&u.node) else {
                all = false;
                return false;
            };
            let filled_first = g.dfs().any(|n| {
                n.range().end <= u.node.range().start
                    && called_name(&n).is_some_and(|c| fillers.contains(&c))
            });
            if !filled_first {
                all = false;
                return false;
            }
            pass.get_or_insert_with(|| callers::function_name(&g).unwrap_or_default());
        }
        true
    });
    if !(scan.is_ok() && all) {
        return None;
    }
    // Nothing else fills it: each other function on the way to the write is
    // called only from such functions of this file (a handler adding keys
    // between the passes would grow the map across them).
    let mut passes: std::collections::BTreeSet<String> = Default::default();
    let _ = callers::for_each_use(cf, &cfunc, false, &mut |_, uses| {
        for u in uses {
            if let Some(n) =
                scope::enclosing_function(&u.node).and_then(|g| callers::function_name(&g))
            {
                passes.insert(n);
            }
        }
        true
    });
    for f in functions.iter() {
        let Some(name) = callers::function_name(f) else {
            continue;
        };
        if !fillers.contains(&name) || passes.contains(&name) {
            continue;
        }
        let mut used = false;
        let mut inside = true;
        let scan = callers::for_each_use(cf, f, false, &mut |gf, uses| {
            for u in uses {
                used = true;
                let within = same(gf)
                    && scope::enclosing_function(&u.node)
                        .and_then(|g| callers::function_name(&g))
                        .is_some_and(|g| fillers.contains(&g));
                if !within {
                    inside = false;
                    return false;
                }
            }
            true
        });
        if scan.is_err() || !used || !inside {
            return None;
        }
    }
    pass
}

fn refills_from_input(gf: &GoFile, func: &GoNode, at: usize, target: &Target) -> bool {
    key_writes(gf, func, target)
        .iter()
        .any(|x| x.range().start >= at && matches!(grows_at(gf, x), Some(Growth::Large { .. })))
}

/// A caller in the module of the function holding the keyed write `w` that
/// calls it in a loop over input, passing a key that varies (not a literal)
/// for parameter `param`: evidence at that call. Without a parameter (a key
/// the function takes from a counter it advances, a new entry on every call),
/// any call in such a loop fills the map.
fn caller_fills_in_loop(
    wf: &GoFile,
    w: &GoNode,
    param: Option<&str>,
    depth: u32,
) -> Option<(Evidence, bool)> {
    let func = scope::enclosing_function(w)?;
    let name = callers::function_name(&func)?;
    let position = match param {
        Some(param) => Some(param_names(&func).iter().position(|p| p == param)?),
        None => None,
    };
    let mut found: Option<(Evidence, bool)> = None;
    let _ = callers::for_each_use(wf, &func, false, &mut |gf, uses| {
        for u in uses.iter().filter(|u| u.resolved) {
            let Some(call) = u.node.parent().filter(|p| {
                p.kind() == "call_expression"
                    && p.field("function")
                        .is_some_and(|f| f.range() == u.node.range())
            }) else {
                continue;
            };
            let Some(position) = position else {
                // Every call adds an entry: a call in a loop over input fills it.
                let Some(caller) = scope::enclosing_function(&call) else {
                    continue;
                };
                if let Some(input) = input_loop(gf, &call, &caller, &param_names(&caller)) {
                    let what = input
                        .what
                        .replacen("filled", &format!("`{name}` is called"), 1);
                    found = Some((gf.evidence(call.range().start, what), input.sized));
                    return false;
                }
                continue;
            };
            let arg = call.field("arguments").and_then(|a| {
                a.named_children()
                    .filter(|c| c.kind() != "comment")
                    .nth(position)
            });
            let varies = arg.as_ref().is_some_and(|arg| {
                !matches!(
                    arg.kind().as_ref(),
                    "interpreted_string_literal" | "raw_string_literal" | "int_literal"
                ) && constants::int_value(gf, arg).is_none()
            });
            let Some(caller) = scope::enclosing_function(&call) else {
                continue;
            };
            if !varies {
                continue;
            }
            let in_loop = input_loop(gf, &call, &caller, &param_names(&caller)).filter(|_| {
                arg.as_ref()
                    .is_some_and(|a| changes_per_pass(a, &call, &caller))
            });
            if let Some(input) = in_loop {
                let what = input
                    .what
                    .replacen("filled", &format!("`{name}` is called"), 1);
                found = Some((gf.evidence(call.range().start, what), input.sized));
                return false;
            }
            // The key comes from a request the caller is handed.
            let request = arg
                .as_ref()
                .and_then(|a| request_source(gf, &caller, a, &call));
            if let Some((r, t)) = request {
                found = Some((
                    gf.evidence(
                        call.range().start,
                        format!("`{name}` is given a key read from `{r}` ({t}): one entry per distinct value a request carries"),
                    ),
                    true,
                ));
                return false;
            }
            // The caller passes its own parameter on: ask its callers in turn.
            let passed_on = arg
                .as_ref()
                .filter(|a| a.kind() == "identifier")
                .map(|a| a.text().to_string())
                .filter(|a| param_names(&caller).contains(a));
            if let Some(p) = passed_on.filter(|_| depth < CALLER_HOPS) {
                if let Some(e) = caller_fills_in_loop(gf, &call, Some(&p), depth + 1) {
                    found = Some(e);
                    return false;
                }
            }
        }
        true
    });
    found
}

/// The key `arg` of `call` takes a new value on each pass of a loop around the
/// call (inside `func`): it names the loop's own variables or a name assigned
/// in the loop's body before the call. A key fixed for the whole loop (pgx's
/// element type, passed on every pass) adds one entry, however long the loop.
fn changes_per_pass(arg: &GoNode, call: &GoNode, func: &GoNode) -> bool {
    let used: Vec<String> = std::iter::once(arg.clone())
        .chain(arg.dfs())
        .filter(|n| n.kind() == "identifier")
        .map(|n| n.text().to_string())
        .collect();
    let at = call.range().start;
    call.ancestors()
        .take_while(|a| a.range() != func.range())
        .filter(|a| a.kind() == "for_statement")
        .any(|lp| {
            lp.dfs().any(|n| {
                let assigns = match n.kind().as_ref() {
                    "range_clause" | "short_var_declaration" | "assignment_statement" => {
                        n.field("left")
                    }
                    "inc_statement" | "dec_statement" => n.named_children().next(),
                    "var_spec" => n.field("name"),
                    _ => None,
                };
                n.range().start < at
                    && assigns.is_some_and(|left| {
                        std::iter::once(left.clone()).chain(left.dfs()).any(|x| {
                            x.kind() == "identifier" && used.contains(&x.text().to_string())
                        })
                    })
            })
        })
}

/// How many callers up a key passed on as a parameter is followed.
const CALLER_HOPS: u32 = 2;

/// The owner is reset for reuse in the same function: a sibling field
/// truncated (`o.buf = o.buf[:0]`), or reset in place (`o.buf.Reset()`,
/// `o.w.Resize(0)`). A new map per cycle would allocate every cycle.
fn reused_per_cycle<'r>(lp: &GoNode<'r>, owner: &str) -> Option<GoNode<'r>> {
    let func = scope::enclosing_function(lp)?;
    let rooted = |e: &GoNode| e.kind() == "selector_expression" && root_node(e).text() == owner;
    let found = func.dfs().find(|n| {
        if lp.range().contains(&n.range().start) {
            return false;
        }
        match n.kind().as_ref() {
            "assignment_statement" => {
                let (Some(l), Some(r)) = (n.field("left"), n.field("right")) else {
                    return false;
                };
                let l: Vec<_> = l.named_children().collect();
                let r: Vec<_> = r.named_children().collect();
                l.iter().zip(&r).any(|(l, r)| {
                    rooted(l)
                        && r.kind() == "slice_expression"
                        && r.field("operand").is_some_and(|o| same_expr(&o, l))
                        && r.field("end").is_some_and(|e| e.text() == "0")
                })
            }
            "call_expression" => n.field("function").is_some_and(|f| {
                f.kind() == "selector_expression"
                    && f.field("operand").is_some_and(|o| rooted(&o))
                    && f.field("field").is_some_and(|x| {
                        x.text() == "Reset"
                            || (x.text() == "Resize"
                                && n.field("arguments").is_some_and(|a| {
                                    a.named_children().next().is_some_and(|z| z.text() == "0")
                                }))
                    })
            }),
            _ => false,
        }
    });
    found
}

/// A method of the clearing method's receiver type, in this file, that puts
/// its receiver into a `sync.Pool` (`func (e *entry) Recycle() { e.zero();
/// entryPool.Put(e) }`): values of the type are recycled, so the map a method
/// of it empties is refilled by the next user of the object. Weaker than
/// [`recycled_through_pool`] (every call of the clearing method next to a Put
/// or Get): other calls may clear an object that is not pooled, so it lowers.
fn type_recycled_through_pool(file: &GoFile, lp: &GoNode) -> Option<(usize, String)> {
    let method = lp
        .ancestors()
        .find(|a| {
            matches!(
                a.kind().as_ref(),
                "function_declaration" | "method_declaration"
            )
        })
        .filter(|m| m.kind() == "method_declaration")?;
    let (_, owner_type) = crate::analysis::decls::receiver_of(&method)?;
    let root = file.root.root();
    let put = root
        .children()
        .filter(|d| d.kind() == "method_declaration")
        .filter_map(|d| {
            let (name, ty) = crate::analysis::decls::receiver_of(&d)?;
            (ty == owner_type).then_some((d, name?))
        })
        .find_map(|(d, recv)| {
            d.dfs().find(|call| {
                pools::method_call(call, "Put", 1).is_some_and(|pool| {
                    call.field("arguments")
                        .and_then(|a| a.named_children().find(|c| c.kind() != "comment"))
                        .is_some_and(|arg| arg.kind() == "identifier" && arg.text() == recv)
                        && pools::resolve_pool(file, &pool).is_some()
                })
            })
        })?;
    Some((put.range().start, first_line(&put.text())))
}

/// The function holding the clear is called from tests only (it has callers
/// in `_test.go` files and none elsewhere in the module).
fn only_tests_call(file: &GoFile, lp: &GoNode) -> bool {
    let Some(func) = lp.ancestors().find(|a| {
        matches!(
            a.kind().as_ref(),
            "function_declaration" | "method_declaration"
        )
    }) else {
        return false;
    };
    // Whether some file calls it (`_test.go` files too when `with_tests`); the
    // search stops at the first file with a use.
    let called = |with_tests: bool| {
        let mut found = false;
        let scan = callers::for_each_use(file, &func, with_tests, &mut |_, uses| {
            found = !uses.is_empty();
            !found
        });
        scan.ok().map(|_| found)
    };
    // Tests are searched only when no other code calls it: each search reads
    // the module's files naming the function.
    called(false) == Some(false) && called(true) == Some(true)
}

/// The code makes the map lazily (`if m == nil { m = make(...) }`) before
/// every write of its keys, so the cleared map can simply be dropped (`m =
/// nil`): each write (in this file, and for a field or package variable in the
/// package's other files) comes after such an `if` of its own function, in a
/// block holding the write, with no clear `lp` in between (a lazy make that runs
/// before the clear, in the clearing function, would leave a nil map for the
/// next write: a panic).
fn made_lazily(file: &GoFile, target: &Target, lp: &GoNode) -> bool {
    if !file
        .root
        .root()
        .dfs()
        .any(|n| is_lazy_make(file, &n, target))
    {
        return false;
    }
    let every_write_guarded = |gf: &GoFile, clear: Option<&GoNode>| -> bool {
        let root = gf.root.root();
        let ifs: Vec<GoNode> = root.dfs().filter(|n| is_lazy_make(gf, n, target)).collect();
        key_writes(gf, &root, target).iter().all(|w| {
            let func = scope::enclosing_function(w).map(|f| f.range());
            ifs.iter().any(|l| {
                let own_function = scope::enclosing_function(l).map(|f| f.range()) == func;
                // The `if` comes first in a block that holds the write (or holds
                // the write in its own branch, after the make).
                let before = l.parent().is_some_and(|b| {
                    b.range().start <= w.range().start && w.range().end <= b.range().end
                }) && (l.range().end <= w.range().start
                    || l.field("consequence").is_some_and(|c| {
                        c.range().start <= w.range().start && w.range().end <= c.range().end
                    }));
                let cleared_between = clear.is_some_and(|c| {
                    l.range().end <= c.range().start && c.range().start < w.range().start
                });
                own_function && before && !cleared_between
            })
        })
    };
    if !every_write_guarded(file, Some(lp)) {
        return false;
    }
    if matches!(target, Target::Local { .. }) {
        return true;
    }
    scope::package_siblings(file, target.word())
        .into_iter()
        .all(|(path, text)| {
            let other = GoFile::parse_in(&file.files, &path, &text, file.module.clone());
            other.package_name != file.package_name || every_write_guarded(&other, None)
        })
}

/// `n` is `if m == nil { m = make(...) }` (any assignment to `m` in the branch)
/// for the map `target`.
fn is_lazy_make(gf: &GoFile, n: &GoNode, target: &Target) -> bool {
    n.kind() == "if_statement"
        && n.field("condition").is_some_and(|c| {
            c.kind() == "binary_expression"
                && c.field("operator").is_some_and(|o| o.text() == "==")
                && c.field("right").is_some_and(|r| r.kind() == "nil")
                && c.field("left").is_some_and(|l| target.names_in(gf, &l))
        })
        && n.field("consequence").is_some_and(|b| {
            b.dfs().any(|s| {
                s.kind() == "assignment_statement"
                    && s.field("left")
                        .is_some_and(|l| l.named_children().any(|x| target.names_in(gf, &x)))
            })
        })
}

// ---------------------------------------------------------------------------
// The counted form over a counter kept beside the map.

/// The counter `index` (a field or package variable, `w.seq`) that `func`
/// advances (`w.seq++`, `w.seq += 1`): the statement that does.
fn advances_key<'r>(func: &GoNode<'r>, index: &GoNode) -> Option<GoNode<'r>> {
    let kept = match index.kind().as_ref() {
        "selector_expression" => is_stable(index),
        "identifier" => matches!(declared_where(index, &index.text()), Some(Origin::Package)),
        _ => false,
    };
    if !kept {
        return None;
    }
    func.dfs().find(|n| counts_up(n, index))
}

/// `n` adds one to `counter`: `counter++` or `counter += 1`.
fn counts_up(n: &GoNode, counter: &GoNode) -> bool {
    match n.kind().as_ref() {
        "inc_statement" => n
            .named_children()
            .next()
            .is_some_and(|x| same_expr(&x, counter)),
        "assignment_statement" => {
            n.field("operator").is_some_and(|o| o.text() == "+=")
                && n.field("left").is_some_and(|l| {
                    let l: Vec<_> = l.named_children().collect();
                    matches!(l.as_slice(), [x] if same_expr(x, counter))
                })
                && n.field("right").is_some_and(|r| {
                    let r: Vec<_> = r.named_children().collect();
                    matches!(r.as_slice(), [x] if x.text() == "1")
                })
        }
        _ => false,
    }
}

/// The counted form over a counter kept beside the map: `for i := LO; i < HI;
/// i++ { delete(M, i) }` (or `for i := range HI`), where every key written to
/// `M` in the package is the counter `HI` of the same owner (`x.M[x.HI] = v`),
/// the counter only counts up by one (or goes back to zero after such a clear),
/// and `LO` is zero or a low mark only ever set to the counter after such a
/// clear. The keys are then exactly `LO..HI`: the loop deletes every key the
/// code inserted.
fn counter_form<'r>(file: &GoFile, clause: &GoNode<'r>, args: &[GoNode<'r>]) -> Option<GoNode<'r>> {
    let map = args[0].clone();
    if args[1].kind() != "identifier" || !is_stable(&map) {
        return None;
    }
    let (low, high) = counted_range(clause, &args[1].text())?;
    if !beside(&map, &high) || low.as_ref().is_some_and(|l| !beside(&map, l)) {
        return None;
    }
    let resolver = Resolver::new(file);
    let map_t = kept_target(&resolver, &map)?;
    let high_t = kept_target(&resolver, &high)?;
    let low_t = match &low {
        Some(l) => Some(kept_target(&resolver, l)?),
        None => None,
    };
    let mut keys = 0;
    let mut check = |gf: &GoFile| -> bool {
        let root = gf.root.root();
        for w in key_writes(gf, &root, &map_t) {
            let same_counter = w.field("index").is_some_and(|i| {
                high_t.names_in(gf, &i) && w.field("operand").is_some_and(|o| beside(&o, &i))
            });
            if !same_counter {
                return false;
            }
            keys += 1;
        }
        // The counter counts up by one, or goes back to zero after a clear.
        let counter_ok =
            root.dfs()
                .filter(|n| high_t.names_in(gf, n))
                .all(|n| match written_by(&n) {
                    None => true,
                    Some(stmt) => {
                        counts_up(&stmt, &n)
                            || (assigned_value(&stmt, &n).is_some_and(|v| v.text() == "0")
                                && cleared_before(gf, &stmt, &map_t))
                    }
                });
        // The low mark is only ever moved up to the counter, after a clear.
        let low_ok = low_t.as_ref().is_none_or(|low_t| {
            root.dfs()
                .filter(|n| low_t.names_in(gf, n))
                .all(|n| match written_by(&n) {
                    None => true,
                    Some(stmt) => {
                        assigned_value(&stmt, &n).is_some_and(|v| high_t.names_in(gf, &v))
                            && cleared_before(gf, &stmt, &map_t)
                    }
                })
        });
        counter_ok && low_ok
    };
    if !check(file) {
        return None;
    }
    for (path, text) in scope::package_siblings(file, map_t.word()) {
        let other = GoFile::parse_in(&file.files, &path, &text, file.module.clone());
        if other.package_name == file.package_name && !check(&other) {
            return None;
        }
    }
    (keys > 0).then_some(map)
}

/// The bounds of a counted header over `var`: `for var := LO; var < HI; var++`
/// (LO None when it is `0`) or `for var := range HI`.
fn counted_range<'r>(clause: &GoNode<'r>, var: &str) -> Option<(Option<GoNode<'r>>, GoNode<'r>)> {
    match clause.kind().as_ref() {
        "for_clause" => {
            let init = clause.field("initializer")?;
            let left: Vec<_> = init.field("left")?.named_children().collect();
            let right: Vec<_> = init.field("right")?.named_children().collect();
            let ([v], [lo]) = (left.as_slice(), right.as_slice()) else {
                return None;
            };
            if init.kind() != "short_var_declaration" || v.text() != var {
                return None;
            }
            let cond = clause.field("condition")?;
            if cond.kind() != "binary_expression"
                || cond.field("operator")?.text() != "<"
                || cond.field("left")?.text() != var
            {
                return None;
            }
            let update = clause.field("update")?;
            let steps = update.kind() == "inc_statement"
                && update
                    .named_children()
                    .next()
                    .is_some_and(|x| x.text() == var);
            if !steps {
                return None;
            }
            let low = (lo.text() != "0").then(|| lo.clone());
            Some((low, cond.field("right")?))
        }
        "range_clause" => {
            let left: Vec<_> = clause.field("left")?.named_children().collect();
            matches!(left.as_slice(), [v] if v.text() == var).then_some(())?;
            Some((None, clause.field("right")?))
        }
        _ => None,
    }
}

/// `a` and `b` are kept side by side: fields of the same owner (`w.inflight`,
/// `w.nextSeq`), or both package variables.
fn beside(a: &GoNode, b: &GoNode) -> bool {
    match (a.kind().as_ref(), b.kind().as_ref()) {
        ("selector_expression", "selector_expression") => {
            is_stable(a)
                && is_stable(b)
                && match (a.field("operand"), b.field("operand")) {
                    (Some(x), Some(y)) => same_expr(&x, &y),
                    _ => false,
                }
        }
        ("identifier", "identifier") => {
            matches!(declared_where(a, &a.text()), Some(Origin::Package))
                && matches!(declared_where(b, &b.text()), Some(Origin::Package))
        }
        _ => false,
    }
}

/// The field (of its owner's type) or package variable `e` names, as a target.
fn kept_target(resolver: &Resolver, e: &GoNode) -> Option<Target> {
    match e.kind().as_ref() {
        "selector_expression" => Some(Target::Field {
            field: e.field("field")?.text().to_string(),
            owner: e
                .field("operand")
                .and_then(|o| resolver.type_of(&o))
                .map(|t| base_type_name(&t)),
        }),
        "identifier" if matches!(declared_where(e, &e.text()), Some(Origin::Package)) => {
            Some(Target::Package(e.text().to_string()))
        }
        _ => None,
    }
}

/// The statement that writes `n` (assigns it, counts it up or down, or takes
/// its address, which lets anything write it); None when `n` is only read or
/// set in a composite literal.
fn written_by<'r>(n: &GoNode<'r>) -> Option<GoNode<'r>> {
    let parent = n.parent()?;
    match parent.kind().as_ref() {
        "inc_statement" | "dec_statement" => Some(parent),
        "unary_expression" if parent.text().starts_with('&') => Some(parent),
        "expression_list" => parent.parent().filter(|s| {
            matches!(
                s.kind().as_ref(),
                "assignment_statement" | "short_var_declaration"
            ) && s.field("left").is_some_and(|l| l.range() == parent.range())
        }),
        _ => None,
    }
}

/// `stmt` is `... n ... = ... v ...` with `=`: the value assigned to `n`.
fn assigned_value<'r>(stmt: &GoNode<'r>, n: &GoNode) -> Option<GoNode<'r>> {
    if stmt.kind() != "assignment_statement" || stmt.field("operator")?.text() != "=" {
        return None;
    }
    let left: Vec<_> = stmt.field("left")?.named_children().collect();
    let right: Vec<_> = stmt.field("right")?.named_children().collect();
    let i = left.iter().position(|l| l.range() == n.range())?;
    (left.len() == right.len()).then(|| right[i].clone())
}

/// Earlier in the function holding `stmt`, the map is emptied: a loop whose
/// body is only a delete from it, or a new map assigned to it.
fn cleared_before(gf: &GoFile, stmt: &GoNode, map: &Target) -> bool {
    let Some(func) = scope::enclosing_function(stmt) else {
        return false;
    };
    let cleared = func.dfs().any(|l| {
        if l.range().end > stmt.range().start {
            return false;
        }
        match l.kind().as_ref() {
            "for_statement" => l
                .field("body")
                .and_then(|b| only_delete(&b))
                .is_some_and(|a| map.names_in(gf, &a[0])),
            "assignment_statement" => l.field("left").is_some_and(|left| {
                left.named_children().any(|x| {
                    map.names_in(gf, &x) && assigned_value(&l, &x).is_some_and(|v| is_fresh(&v))
                })
            }),
            _ => false,
        }
    });
    cleared
}

/// A goroutine started in this file keeps a value of `owner`'s type in a loop
/// that never ends (`go func() { for range time.Tick(d) { w.Flush() } }()`):
/// the owner, and its map, live as long as the process. The place and why.
fn kept_by_endless_goroutine(
    file: &GoFile,
    resolver: &Resolver,
    owner: &GoNode,
) -> Option<(usize, String)> {
    let ty = base_type_name(&resolver.type_of(owner)?);
    if ty.is_empty() || ty.contains('.') {
        return None;
    }
    file.root.root().dfs().find_map(|g| {
        if g.kind() != "go_statement" {
            return None;
        }
        let body = g
            .dfs()
            .find(|n| n.kind() == "func_literal")
            .and_then(|f| f.field("body"))?;
        let forever = body.dfs().find(|l| {
            l.kind() == "for_statement" && never_ends(l) && {
                let held = l.dfs().any(|n| {
                    n.kind() == "identifier"
                        && resolver
                            .type_of(&n)
                            .is_some_and(|t| base_type_name(&t) == ty)
                });
                held
            }
        })?;
        let line = file.text()[..g.range().start].matches('\n').count() + 1;
        Some((
            forever.range().start,
            format!(
                "the goroutine started on line {line} keeps a `{ty}` in a loop that never ends: it lives as long as the process"
            ),
        ))
    })
}

/// A loop with no way out: over `time.Tick(d)`, whose channel is never
/// closed, or `for { ... }` with no `return`, `break` or `goto` of its own
/// (those of nested loops, switches, selects and closures aside).
fn never_ends(lp: &GoNode) -> bool {
    let clause = lp
        .children()
        .find(|c| matches!(c.kind().as_ref(), "range_clause" | "for_clause"));
    if let Some(c) = clause {
        return c.kind() == "range_clause"
            && c.field("right").is_some_and(|r| {
                r.kind() == "call_expression"
                    && r.field("function")
                        .is_some_and(|f| squash(&f.text()) == "time.Tick")
            });
    }
    let has_condition = lp
        .named_children()
        .any(|c| !matches!(c.kind().as_ref(), "block" | "comment"));
    if has_condition {
        return false;
    }
    fn exits(n: &GoNode, top: bool) -> bool {
        match n.kind().as_ref() {
            "return_statement" | "goto_statement" => true,
            "break_statement" => top || n.named_children().next().is_some(),
            "func_literal" => false,
            "for_statement"
            | "expression_switch_statement"
            | "type_switch_statement"
            | "select_statement" => n.named_children().any(|c| exits(&c, false)),
            _ => n.named_children().any(|c| exits(&c, top)),
        }
    }
    lp.field("body").is_some_and(|b| !exits(&b, true))
}
