//! GM009: a function that calls itself while its frame holds a large array or
//! struct, so deep recursion multiplies that frame toward the stack limit; and
//! the loop that replaces tail recursion.
//!
//! Self-calls are found by name: `f(...)` in function `f`, `r.m(...)` (or on a
//! field of `r` of the receiver's type, or on any value whose type is the
//! receiver's as written, such as a child `k` ranged over `r.kids`) in method
//! `m` with receiver `r`, and
//! `f(...)` in a function literal assigned to `f`. Calls inside `go` statements
//! and nested closures are not recursion on this stack. A depth guard (a
//! parameter passed as `p+1` and compared with a bound in an `if` that returns)
//! bounds the depth: such functions are not flagged unless the bound is a
//! constant whose stack would still exceed the limit.

use crate::analysis::constants;
use crate::analysis::decls::{self, DeclKind};
use crate::analysis::frames::{self, human, Slot};
use crate::analysis::types::{self, Resolver};
use crate::finding::{Confidence, Edit, Position};
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::imports::{line_end, line_start};
use crate::outcome::{FixPlan, Grounds, Outcome};

/// The runtime's default maximum stack on 64-bit platforms (`runtime/debug.SetMaxStack`).
const MAX_STACK: u64 = 1_000_000_000;
/// Frames below this many bytes are not worth a finding.
const FRAME_THRESHOLD: u64 = 1024;

/// A recursive function: its node, its name, how it calls itself.
struct Recursive<'r> {
    func: GoNode<'r>,
    name: String,
    /// The receiver's name for a method.
    receiver: Option<String>,
    calls: Vec<GoNode<'r>>,
}

/// Reports a recursive function whose frame holds at least `FRAME_THRESHOLD`
/// bytes, with the frame size and the stack a constant depth would need;
/// rewrites tail recursion as a loop. Confidence follows what the depth is
/// shown to follow (see [`Depth`]).
pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    let threshold = FRAME_THRESHOLD;
    // The frame is cheap to size and usually small: ask it before the costlier
    // question of whether (and how) the function calls itself.
    let slots = frames::frame_slots(file, m.get_node());
    let frame = frames::frame_size(&slots);
    if frame < threshold {
        return Outcome::Silent;
    }
    let Some(rec) = recursive(file, m.get_node()) else {
        return Outcome::Silent;
    };
    let counter = counter_param(&rec);
    let guard = match depth_guard(file, &rec) {
        None => None,
        Some(None) => return Outcome::Silent,
        Some(Some(k)) if k.saturating_mul(frame) < MAX_STACK => return Outcome::Silent,
        Some(Some(k)) => Some(k),
    };
    let mut message = format!(
        "`{}` calls itself and each call's frame holds about {} ({})",
        rec.name,
        human(frame),
        describe(&slots)
    );
    if let Some(k) = guard {
        message.push_str(&format!(
            "; its depth guard allows {k} levels, about {} of stack, over the 1 GB default maximum",
            human(k.saturating_mul(frame))
        ));
    }
    let constant = constant_depth(file, &rec, counter);
    if let Some((depth, _)) = constant {
        // A counter that only ever starts from small constants bounds the depth:
        // the stack it can take is far below the limit.
        if every_outside_call_passes_a_constant(file, &rec, counter)
            && depth.saturating_mul(frame) < MAX_STACK / 16
        {
            return Outcome::Silent;
        }
    }
    if let Some((depth, line)) = constant {
        let need = depth.saturating_mul(frame);
        let verdict = if need > MAX_STACK { "over" } else { "under" };
        message.push_str(&format!(
            "; the call with depth {depth} on line {line} needs about {} of stack, {verdict} the 1 GB default maximum",
            human(need)
        ));
    }
    let mut grounds = Grounds::default();
    let mut big: Vec<&Slot> = slots.iter().collect();
    big.sort_by_key(|s| std::cmp::Reverse(s.size));
    for s in big.iter().take(2) {
        grounds.push(file.evidence(
            s.at,
            format!(
                "`{}` ({}, {}) stays in each call's frame",
                s.name,
                s.type_text,
                human(s.size)
            ),
        ));
    }
    let depth = if guard.is_some() {
        let call = &rec.calls[0];
        Depth::Input(
            call.range().start,
            "its depth guard's bound is too high to keep the stack under the maximum".into(),
        )
    } else {
        depth_of(file, &rec, counter)
    };
    let confidence = match &depth {
        Depth::Input(at, what) => {
            grounds.push(file.evidence(*at, what.clone()));
            Confidence::High
        }
        Depth::Structure(at, what) => {
            grounds.push(file.evidence(*at, what.clone()));
            Confidence::Medium
        }
        Depth::Shallow(at, what) => {
            grounds.push(file.evidence(*at, what.clone()));
            Confidence::Low
        }
    };
    if let Some((depth, line)) = constant {
        let at = file
            .text()
            .split_inclusive('\n')
            .take(line - 1)
            .map(str::len)
            .sum::<usize>();
        grounds.push(file.evidence(at, format!("called with depth {depth}")));
    }
    let grounds = grounds.at(confidence);
    match loop_rewrite(file, &rec) {
        Ok(edits) => Outcome::Report {
            grounds,
            message: Some(message),
            fix: Some(FixPlan {
                edits,
                ..FixPlan::default()
            }),
        },
        Err(reason) => Outcome::Report {
            grounds,
            message: Some(format!("{message}; no automatic fix: {reason}")),
            fix: None,
        },
    }
}

/// What the recursion's depth follows, read from how each self-call's arguments
/// derive from the parameters, with the place that shows it.
enum Depth {
    /// The length or size of an input: a count passed as `n-1`, an index walked
    /// up to `len(x)`, a list's next element, or state that consumes input (a
    /// parser's nesting, a state machine's tokens). High.
    Input(usize, String),
    /// The height of a data structure (children of a tree): deep only when the
    /// data is degenerate. Medium.
    Structure(usize, String),
    /// Anything else: halving, derived values, a type's nesting. Low.
    Shallow(usize, String),
}

/// How one self-call derives its arguments from the parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// Every argument unchanged or a constant: the state decides the depth.
    State,
    /// A field or element of a parameter (`n.next`, `n.kids[i]`, a child ranged
    /// over), the field's name when it is one.
    Child(Option<String>),
    Other,
}

fn depth_of(file: &GoFile, rec: &Recursive, counter: Option<usize>) -> Depth {
    let names = params(&rec.func);
    let first = rec.calls[0].range().start;
    if let Some(i) = counter {
        return Depth::Input(
            first,
            format!(
                "calls itself with `{}` counting down: as deep as the count its callers pass",
                names[i]
            ),
        );
    }
    // `n-1-step+1`: the parameter less a computed step, still a countdown.
    if let Some(i) = (0..names.len()).find(|&i| {
        rec.calls.iter().all(|c| {
            args(c).get(i).is_some_and(|a| {
                let mut n = a.clone();
                let mut minus = false;
                while n.kind() == "binary_expression" {
                    let op = n.field("operator").map(|o| o.text().to_string());
                    if !matches!(op.as_deref(), Some("-" | "+")) {
                        return false;
                    }
                    minus = op.as_deref() == Some("-");
                    match n.field("left") {
                        Some(l) => n = l,
                        None => return false,
                    }
                }
                minus && n.text() == names[i]
            })
        })
    }) {
        return Depth::Input(
            first,
            format!(
                "calls itself with `{}` less a step: as deep as the count its callers pass, over the step",
                names[i]
            ),
        );
    }
    if let Some(bound) = index_to_len(rec) {
        return Depth::Input(
            first,
            format!("walks an index up to `{bound}`: one level per element of the data"),
        );
    }
    let values_of = |call: &GoNode| -> Vec<(String, String)> {
        let mut out = vec![];
        if let Some(recv) = &rec.receiver {
            if let Some(op) = call.field("function").and_then(|f| f.field("operand")) {
                out.push((recv.clone(), op.text().to_string()));
            }
        }
        for (p, a) in names.iter().zip(args(call)) {
            out.push((p.clone(), a.text().to_string()));
        }
        out
    };
    let mut all = names.clone();
    all.extend(rec.receiver.iter().cloned());
    let steps: Vec<Step> = rec
        .calls
        .iter()
        .map(|c| {
            // A child passed on drives the depth; values computed beside it
            // (`acc + x`) ride along.
            let values = values_of(c);
            let mut step = Step::State;
            let mut other = false;
            for (p, v) in &values {
                if p == v || is_constant(file, c, v) {
                    continue;
                }
                match child_of(c, v, &all) {
                    Some(field) => {
                        if step == Step::State {
                            step = Step::Child(field);
                        } else if step != Step::Child(field.clone()) {
                            step = Step::Child(None);
                        }
                    }
                    None => other = true,
                }
            }
            if other && step == Step::State {
                return Step::Other;
            }
            step
        })
        .collect();
    let changed: Vec<String> = rec
        .calls
        .iter()
        .flat_map(|c| values_of(c))
        .filter(|(p, v)| p != v)
        .map(|(p, _)| p)
        .collect();
    if let Some(at) = type_nesting(rec, &changed) {
        return Depth::Shallow(
            first,
            format!(
                "follows the nesting of `{at}`, a type description, which is shallow by nature"
            ),
        );
    }
    if steps.contains(&Step::Other) {
        return Depth::Shallow(
            first,
            "calls itself on values derived from its parameters (halved, computed): nothing ties the depth to the input's length".into(),
        );
    }
    let children: Vec<&Step> = steps
        .iter()
        .filter(|s| matches!(s, Step::Child(_)))
        .collect();
    if children.is_empty() {
        if let Some((pos, over)) = advances_position(rec) {
            return Depth::Input(
                first,
                format!(
                    "calls itself at `{pos}`, a position in `{over}` that it advances: one level per piece of input consumed"
                ),
            );
        }
        if mutates_state(rec) {
            return Depth::Input(
                first,
                "calls itself on the same state, which it advances: one level per piece of input consumed (a parser's nesting, a state machine's tokens)".into(),
            );
        }
        return Depth::Shallow(
            first,
            "calls itself on the same values without advancing anything the rule can see".into(),
        );
    }
    let in_loop = rec.calls.iter().any(|c| {
        c.ancestors()
            .take_while(|a| a.range() != rec.func.range())
            .any(|a| a.kind() == "for_statement")
    });
    let fields: std::collections::BTreeSet<&Option<String>> = children
        .iter()
        .map(|s| match s {
            Step::Child(f) => f,
            _ => unreachable!(),
        })
        .collect();
    let chain = !in_loop
        && fields.len() == 1
        && fields.iter().all(|f| f.is_some())
        && children.len() == steps.iter().filter(|s| matches!(s, Step::Child(_))).count()
        && !has_two_calls_on_one_path(rec);
    if chain && steps.iter().all(|s| matches!(s, Step::Child(_))) {
        let field = fields
            .iter()
            .next()
            .and_then(|f| (*f).clone())
            .unwrap_or_default();
        return Depth::Input(
            first,
            format!(
                "calls itself once on `.{field}`, the next link of a chain: one level per element"
            ),
        );
    }
    Depth::Structure(
        first,
        "calls itself on the children of a structure: as deep as the structure is tall".into(),
    )
}

/// Two self-calls on one path through the body (`f(n.left) + f(n.right)`): a
/// tree. Calls in different arms of one `if` or `switch` exclude each other.
fn has_two_calls_on_one_path(rec: &Recursive) -> bool {
    let Some(body) = rec.func.field("body") else {
        return false;
    };
    let arms: Vec<Vec<(usize, usize)>> = rec
        .calls
        .iter()
        .map(|c| frames::arms_of(c, &body))
        .collect();
    (0..arms.len()).any(|i| {
        (i + 1..arms.len()).any(|j| {
            let exclusive = arms[i]
                .iter()
                .zip(&arms[j])
                .take_while(|(a, b)| a.0 == b.0)
                .any(|(a, b)| a.1 != b.1);
            !exclusive
        })
    })
}

/// A literal or a named constant.
fn is_constant(file: &GoFile, at: &GoNode, v: &str) -> bool {
    if v == "nil" || v == "true" || v == "false" || v.starts_with('"') || v.starts_with('\'') {
        return true;
    }
    if v.parse::<f64>().is_ok() {
        return true;
    }
    v.chars().all(|c| c.is_alphanumeric() || c == '_')
        && decls::lookup(at, v).is_none()
        && (decls::const_value(at, v).is_some() || constants_named(file, v))
}

/// A constant declared at the top of the file (`const ( scanText state = iota ...)`).
fn constants_named(file: &GoFile, name: &str) -> bool {
    file.root.root().children().any(|d| {
        d.kind() == "const_declaration"
            && d.dfs()
                .any(|n| n.kind() == "identifier" && n.text() == name)
    })
}

/// When `value` (an argument's text) is a part of a parameter: `p.f`, `p.f[i]`,
/// `p[i]`, or a local that holds one (`nxt := p.next`, a child ranged over
/// `p.kids`): Some(the field's name, when it is one). A parameter here also
/// stands for what only retypes it (`switch t := v.(type)`, `m := v.(T)`), and
/// an element ranged over something read from a parameter (`os.ReadDir(dir)`),
/// or a local built from such an element (`filepath.Join(dir, e.Name())`), is
/// a child too: the data's own children, not a value computed from it.
fn child_of(call: &GoNode, value: &str, params: &[String]) -> Option<Option<String>> {
    let root = value.split(['.', '[']).next()?;
    if is_param_or_alias(call, root, params) && value.len() > root.len() {
        let rest = &value[root.len()..];
        let field = rest
            .strip_prefix('.')
            .map(|r| r.split(['.', '[', '(']).next().unwrap_or(r).to_string());
        if rest.contains('(') {
            return None; // a method's result: computed
        }
        return Some(field);
    }
    if !value.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let decl = decls::lookup(call, value)?;
    if decl.kind != DeclKind::Local {
        return None;
    }
    // A range variable over a parameter's collection.
    if let Some(rc) = decl.ident.ancestors().find(|a| a.kind() == "range_clause") {
        let over = rc.field("right")?;
        let text = over.text().to_string();
        let r = text.split(['.', '[']).next()?;
        if is_param_or_alias(&rc, r, params) {
            let field = text[r.len()..]
                .strip_prefix('.')
                .map(|x| x.split(['.', '[']).next().unwrap_or(x).to_string());
            return Some(field);
        }
        return read_from_param(&rc, &over, params).then_some(None);
    }
    let init = decl.value?;
    let text = init.text().to_string();
    if text.contains('(') {
        // Built from an element of the data (`filepath.Join(dir, e.Name())`).
        let from_element = std::iter::once(init.clone())
            .chain(init.dfs())
            .filter(|n| n.kind() == "identifier" && n.text() != value)
            .any(|n| ranged_over_param_data(&n, params));
        return from_element.then_some(None);
    }
    let r = text.split(['.', '[']).next()?;
    (is_param_or_alias(&init, r, params) && text.len() > r.len()).then(|| {
        text[r.len()..]
            .strip_prefix('.')
            .map(|x| x.split(['.', '[']).next().unwrap_or(x).to_string())
    })
}

/// `name` at `at` is a parameter, or a local that only retypes one: the alias
/// of a type switch on it (`switch t := v.(type)`) or a type assertion of it
/// (`m, ok := v.(map[string]any)`).
fn is_param_or_alias(at: &GoNode, name: &str, params: &[String]) -> bool {
    if params.iter().any(|p| p == name) {
        return true;
    }
    let asserted_param = |e: &GoNode| {
        e.kind() == "type_assertion_expression"
            && e.field("operand")
                .is_some_and(|o| o.kind() == "identifier" && params.contains(&o.text().to_string()))
    };
    let switched = at.ancestors().find(|a| {
        a.kind() == "type_switch_statement"
            && a.field("alias")
                .is_some_and(|x| x.text() == name || x.named_children().any(|n| n.text() == name))
    });
    if let Some(sw) = switched {
        return sw
            .field("value")
            .is_some_and(|v| v.kind() == "identifier" && params.contains(&v.text().to_string()));
    }
    decls::lookup(at, name).is_some_and(|d| {
        d.kind == DeclKind::Local && d.value.as_ref().is_some_and(|v| asserted_param(v))
    })
}

/// The local `id` is a range variable over a parameter's data: ranged over the
/// parameter itself or something read from it.
fn ranged_over_param_data(id: &GoNode, params: &[String]) -> bool {
    let Some(decl) = decls::lookup(id, &id.text()) else {
        return false;
    };
    if decl.kind != DeclKind::Local {
        return false;
    }
    let Some(rc) = decl.ident.ancestors().find(|a| a.kind() == "range_clause") else {
        return false;
    };
    rc.field("right").is_some_and(|over| {
        let text = over.text().to_string();
        let r = text
            .split(['.', '['])
            .next()
            .unwrap_or_default()
            .to_string();
        is_param_or_alias(&rc, &r, params) || read_from_param(&rc, &over, params)
    })
}

/// The collection `over` (ranged at `at`) is read from a parameter: a call
/// that takes one (`os.ReadDir(dir)`, `n.Children()`), or a local set from
/// such a call.
fn read_from_param(at: &GoNode, over: &GoNode, params: &[String]) -> bool {
    let mentions_param = |e: &GoNode| {
        std::iter::once(e.clone())
            .chain(e.dfs())
            .any(|n| n.kind() == "identifier" && is_param_or_alias(at, &n.text(), params))
    };
    let is_read = |e: &GoNode| e.kind() == "call_expression" && mentions_param(e);
    if is_read(over) {
        return true;
    }
    over.kind() == "identifier"
        && decls::lookup(at, &over.text()).is_some_and(|d| {
            d.kind == DeclKind::Local && d.value.as_ref().is_some_and(|v| is_read(v))
        })
}

/// The type the recursion walks, when it describes types rather than data: a
/// parameter (or the receiver) that the self-calls change, of `reflect.Type`,
/// `reflect.Value`, or a type whose name ends in `Type` (a schema's or a
/// syntax tree's type node). Only a name: it lowers the confidence of a finding
/// the other evidence made, never silences one.
fn type_nesting(rec: &Recursive, changed: &[String]) -> Option<String> {
    let mut types_written: Vec<String> = vec![];
    if let (Some(recv), Some((_, t))) = (&rec.receiver, decls::receiver_of(&rec.func)) {
        if changed.contains(recv) {
            types_written.push(t);
        }
    }
    if let Some(list) = rec.func.field("parameters") {
        for d in decls::params_of(&list, DeclKind::Param) {
            if let Some(t) = d.ty.filter(|_| changed.contains(&d.name)) {
                types_written.push(t.text().to_string());
            }
        }
    }
    types_written.into_iter().find(|t| {
        let t = t.trim_start_matches(['*', '[', ']']);
        let base = t.rsplit('.').next().unwrap_or(t);
        t == "reflect.Value" || base.ends_with("Type")
    })
}

/// `i+1` in every self-call, and an `if` comparing `i` with `len(...)` (or
/// `cap`) that returns: the recursion walks the data's elements. The bound's text.
fn index_to_len(rec: &Recursive) -> Option<String> {
    let names = params(&rec.func);
    let body = rec.func.field("body")?;
    for (i, p) in names.iter().enumerate() {
        let counts_up = rec.calls.iter().all(|c| {
            args(c)
                .get(i)
                .and_then(|a| step_of(a, p))
                .is_some_and(|s| s > 0)
        });
        if !counts_up {
            continue;
        }
        for n in decls::own_nodes(&body)
            .iter()
            .filter(|n| n.kind() == "if_statement")
        {
            let Some(cond) = n.field("condition") else {
                continue;
            };
            for cmp in cond.dfs().filter(|c| c.kind() == "binary_expression") {
                let (Some(l), Some(r)) = (cmp.field("left"), cmp.field("right")) else {
                    continue;
                };
                let bound = if l.text() == *p {
                    r
                } else if r.text() == *p {
                    l
                } else {
                    continue;
                };
                if compares_with_data(&bound) {
                    return Some(bound.text().to_string());
                }
            }
        }
    }
    None
}

/// The body changes state through a parameter or the receiver: assigns or
/// increments a field of it, or calls a method on it (which may consume input).
/// A parameter the body advances (`pos += 3`, `i++`, `pos = next`) and passes
/// on as it is, used as a position in another parameter (`in[pos]`,
/// `in[pos:]`): a decoder walking its input by index, one level per nested
/// piece it reads. The position and the input's name.
fn advances_position(rec: &Recursive) -> Option<(String, String)> {
    let names = params(&rec.func);
    let body = rec.func.field("body")?;
    let nodes = decls::own_nodes(&body);
    let advanced = |p: &str| {
        nodes.iter().any(|n| match n.kind().as_ref() {
            "inc_statement" => n.named_children().next().is_some_and(|x| x.text() == p),
            "assignment_statement" => n.field("left").is_some_and(|l| {
                l.named_children()
                    .any(|x| x.kind() == "identifier" && x.text() == p)
            }),
            _ => false,
        })
    };
    let passed_on = |i: usize| {
        rec.calls
            .iter()
            .all(|c| args(c).get(i).is_some_and(|a| a.text() == names[i]))
    };
    let position_in = |p: &str| {
        nodes.iter().find_map(|n| {
            if !matches!(n.kind().as_ref(), "index_expression" | "slice_expression") {
                return None;
            }
            let operand = n.field("operand")?;
            let over = operand.text().to_string();
            if operand.kind() != "identifier" || over == p || !names.contains(&over) {
                return None;
            }
            n.named_children()
                .skip(1)
                .any(|x| {
                    std::iter::once(x.clone())
                        .chain(x.dfs())
                        .any(|i| i.kind() == "identifier" && i.text() == p)
                })
                .then_some(over)
        })
    };
    (0..names.len()).find_map(|i| {
        let p = names[i].as_str();
        if !passed_on(i) || !advanced(p) {
            return None;
        }
        position_in(p).map(|over| (p.to_string(), over))
    })
}

fn mutates_state(rec: &Recursive) -> bool {
    let mut names = params(&rec.func);
    names.extend(rec.receiver.iter().cloned());
    let Some(body) = rec.func.field("body") else {
        return false;
    };
    let rooted = |n: &GoNode| {
        let t = n.text();
        let r = t.split(['.', '[']).next().unwrap_or_default().to_string();
        names.contains(&r) && t.len() > r.len()
    };
    decls::own_nodes(&body)
        .iter()
        .any(|n| match n.kind().as_ref() {
            "inc_statement" | "dec_statement" => {
                n.named_children().next().is_some_and(|x| rooted(&x))
            }
            "assignment_statement" => n
                .field("left")
                .is_some_and(|l| l.named_children().any(|x| rooted(&x))),
            "call_expression" => {
                rec.calls.iter().all(|c| c.range() != n.range())
                    && n.field("function").is_some_and(|f| {
                        f.kind() == "selector_expression"
                            && f.field("operand").is_some_and(|o| {
                                o.kind() == "identifier" && names.contains(&o.text().to_string())
                            })
                    })
            }
            _ => false,
        })
}

fn describe(slots: &[Slot]) -> String {
    let mut parts: Vec<String> = slots
        .iter()
        .take(3)
        .map(|s| format!("{} {}: {}", s.name, s.type_text, human(s.size)))
        .collect();
    if slots.len() > 3 {
        parts.push(format!("{} more", slots.len() - 3));
    }
    parts.join(", ")
}

/// The function `node` declares, when it calls itself.
fn recursive<'r>(file: &GoFile, node: &GoNode<'r>) -> Option<Recursive<'r>> {
    let (name, receiver) = match node.kind().as_ref() {
        "function_declaration" => (node.field("name")?.text().to_string(), None),
        "method_declaration" => {
            let (recv, _) = decls::receiver_of(node)?;
            (node.field("name")?.text().to_string(), Some(recv?))
        }
        "func_literal" => {
            // `f = func(...) {...}`: only an assignment lets a literal name itself.
            let list = node.parent().filter(|p| p.kind() == "expression_list")?;
            let assign = list
                .parent()
                .filter(|p| p.kind() == "assignment_statement")?;
            let left: Vec<_> = assign
                .field("left")?
                .children()
                .filter(|c| c.is_named())
                .collect();
            let right: Vec<_> = list.children().filter(|c| c.is_named()).collect();
            if left.len() != 1 || right.len() != 1 || left[0].kind() != "identifier" {
                return None;
            }
            (left[0].text().to_string(), None)
        }
        _ => return None,
    };
    let body = node.field("body")?;
    // The receiver's type name (`Node` for `*Node` or `Node[K]`), to recognise the
    // same method called on another value of that type (`k.walk()` for a child `k`).
    let receiver_type = decls::receiver_of(node).map(|(_, t)| t);
    let resolver = std::cell::OnceCell::new();
    let own = decls::own_nodes(&body);
    let mut candidates = own.clone();
    for lit in synchronous_closures(&body, &own) {
        if let Some(b) = lit.field("body") {
            candidates.extend(decls::own_nodes(&b));
        }
    }
    let calls: Vec<GoNode> = candidates
        .into_iter()
        .filter(|n| n.kind() == "call_expression")
        // `go f()` runs on a new goroutine's stack.
        .filter(|call| call.parent().is_none_or(|p| p.kind() != "go_statement"))
        .filter(|call| {
            let Some(callee) = call.field("function") else {
                return false;
            };
            match &receiver {
                None => {
                    callee.kind() == "identifier"
                        && callee.text() == name
                        && decls::lookup(call, &name).is_none_or(|d| {
                            node.kind() == "func_literal" && d.kind == DeclKind::Local
                        })
                }
                Some(_) => {
                    callee.kind() == "selector_expression"
                        && callee.field("field").is_some_and(|f| f.text() == name)
                        && callee.field("operand").is_some_and(|o| {
                            let ty = receiver_type.as_deref().unwrap_or_default();
                            resolver
                                .get_or_init(|| Resolver::new(file))
                                .type_of(&o)
                                .is_some_and(|t| types::base_type_name(&t) == ty)
                        })
                }
            }
        })
        .collect();
    if node.kind() == "func_literal"
        && calls.iter().any(|c| {
            decls::lookup(c, &name).is_some_and(|d| d.ident.range().start > node.range().start)
        })
    {
        return None;
    }
    (!calls.is_empty()).then(|| Recursive {
        func: node.clone(),
        name,
        receiver,
        calls,
    })
}

/// The function literals of a body that run on its stack: called where they
/// stand (`func() {...}()`), or held in a local variable that the body calls
/// (`visit := func(c *Node) {...}` then `visit(c)`), outside `go` statements.
/// A literal handed to another function or stored may run later or elsewhere.
fn synchronous_closures<'r>(body: &GoNode<'r>, own: &[GoNode<'r>]) -> Vec<GoNode<'r>> {
    let called = |name: &str| {
        own.iter().any(|n| {
            n.kind() == "call_expression"
                && n.parent().is_none_or(|p| p.kind() != "go_statement")
                && n.field("function")
                    .is_some_and(|f| f.kind() == "identifier" && f.text() == name)
        })
    };
    body.dfs()
        .filter(|n| n.kind() == "func_literal")
        // Only this function's own closures, not closures inside them.
        .filter(|n| {
            n.ancestors()
                .find(crate::analysis::scope::is_function)
                .is_some_and(|f| {
                    f.range().start <= body.range().start && body.range().end <= f.range().end
                })
        })
        .filter(|lit| {
            let Some(parent) = lit.parent() else {
                return false;
            };
            if parent.kind() == "call_expression" {
                return parent
                    .field("function")
                    .is_some_and(|f| f.range() == lit.range())
                    && parent.parent().is_none_or(|p| p.kind() != "go_statement");
            }
            if parent.kind() != "expression_list" || parent.named_children().count() != 1 {
                return false;
            }
            let Some(stmt) = parent.parent() else {
                return false;
            };
            let left = match stmt.kind().as_ref() {
                "short_var_declaration" | "assignment_statement" => stmt.field("left"),
                _ => None,
            };
            let name = match left {
                Some(l) => {
                    let names: Vec<_> = l.named_children().collect();
                    (names.len() == 1 && names[0].kind() == "identifier")
                        .then(|| names[0].text().to_string())
                }
                None if stmt.kind() == "var_spec" => stmt
                    .children()
                    .filter(|c| c.kind() == "identifier")
                    .map(|c| c.text().to_string())
                    .next(),
                None => None,
            };
            name.is_some_and(|n| called(&n))
        })
        .collect()
}

/// The parameters of a function, the receiver first for a method.
fn params<'r>(func: &GoNode<'r>) -> Vec<String> {
    func.field("parameters")
        .map(|l| decls::params_of(&l, DeclKind::Param))
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.name)
        .collect()
}

/// The arguments of a call, as nodes.
fn args<'r>(call: &GoNode<'r>) -> Vec<GoNode<'r>> {
    call.field("arguments")
        .map(|a| {
            a.children()
                .filter(|c| c.is_named() && c.kind() != "comment")
                .collect()
        })
        .unwrap_or_default()
}

/// `p op k` for the parameter `p` (`p - 1`, `p+1`): the constant step, signed.
fn step_of(arg: &GoNode, param: &str) -> Option<i64> {
    if arg.kind() != "binary_expression" {
        return None;
    }
    let (l, r, op) = (
        arg.field("left")?,
        arg.field("right")?,
        arg.field("operator")?,
    );
    let k: i64 = r.text().parse().ok()?;
    match (l.text() == param, op.text().as_ref()) {
        (true, "-") => Some(-k),
        (true, "+") => Some(k),
        _ => None,
    }
}

/// The parameter every self-call passes as `p - k`: a counter toward a base case.
fn counter_param(rec: &Recursive) -> Option<usize> {
    let names = params(&rec.func);
    (0..names.len()).find(|&i| {
        rec.calls.iter().all(|c| {
            args(c)
                .get(i)
                .and_then(|a| step_of(a, &names[i]))
                .is_some_and(|s| s < 0)
        })
    })
}

/// A depth guard: a parameter passed as `p + k` and compared with a bound in an
/// `if` whose body returns or panics. Some(Some(k)) for a constant bound,
/// Some(None) for another bound, None without a guard.
fn depth_guard(file: &GoFile, rec: &Recursive) -> Option<Option<u64>> {
    let names = params(&rec.func);
    let body = rec.func.field("body")?;
    let own = decls::own_nodes(&body);
    for (i, p) in names.iter().enumerate() {
        let counts_up = rec.calls.iter().all(|c| {
            args(c)
                .get(i)
                .and_then(|a| step_of(a, p))
                .is_some_and(|s| s > 0)
        });
        if !counts_up {
            continue;
        }
        for n in own.iter().filter(|n| n.kind() == "if_statement") {
            let Some(cond) = n.field("condition") else {
                continue;
            };
            let leaves = n.field("consequence").is_some_and(|b| {
                b.dfs().any(|s| {
                    s.kind() == "return_statement"
                        || (s.kind() == "call_expression"
                            && s.field("function").is_some_and(|f| f.text() == "panic"))
                })
            });
            if !leaves {
                continue;
            }
            for cmp in cond.dfs().filter(|c| c.kind() == "binary_expression") {
                let (Some(l), Some(r), Some(op)) =
                    (cmp.field("left"), cmp.field("right"), cmp.field("operator"))
                else {
                    continue;
                };
                let bound = match (op.text().as_ref(), l.text() == *p, r.text() == *p) {
                    (">" | ">=" | "==", true, _) => r,
                    ("<" | "<=" | "==", _, true) => l,
                    _ => continue,
                };
                // `depth >= len(hist)` with `hist *[16]int`: an array's length
                // is a constant bound, whatever the data.
                if let Some(k) = array_length(&bound) {
                    return Some(Some(k));
                }
                // `i == len(levels)`, `n == nil`: a base case set by the data, which
                // is as deep as the data is; not a guard on the depth.
                if compares_with_data(&bound) {
                    continue;
                }
                return Some(
                    constants::int_value(file, &bound).and_then(|k| u64::try_from(k).ok()),
                );
            }
        }
    }
    None
}

/// The length `len(a)` (or `cap(a)`) reads when `a` is declared as an array
/// or a pointer to one of a literal size (`hist *[16]int`): 16.
fn array_length(bound: &GoNode) -> Option<u64> {
    if bound.kind() != "call_expression"
        || !bound
            .field("function")
            .is_some_and(|f| matches!(f.text().as_ref(), "len" | "cap"))
    {
        return None;
    }
    let arg = bound.field("arguments")?.named_children().next()?;
    if arg.kind() != "identifier" {
        return None;
    }
    let ty = decls::lookup(bound, &arg.text())?.ty?;
    let text = ty.text();
    let size = text
        .trim_start_matches('*')
        .trim_start()
        .strip_prefix('[')?;
    size.split(']').next()?.trim().parse().ok()
}

/// True when a bound is measured from the data (`len(xs)`, `cap(b)`, `nil`)
/// rather than set as a limit on the depth.
fn compares_with_data(bound: &GoNode) -> bool {
    bound.kind() == "nil"
        || bound.dfs().any(|n| {
            n.kind() == "call_expression"
                && n.field("function")
                    .is_some_and(|f| matches!(f.text().as_ref(), "len" | "cap"))
        })
}

/// The largest constant passed for the counter by a call outside the function,
/// with its line.
fn constant_depth(file: &GoFile, rec: &Recursive, counter: Option<usize>) -> Option<(u64, usize)> {
    let i = counter?;
    let f = rec.func.range();
    let mut best: Option<(u64, usize)> = None;
    for call in file
        .root
        .root()
        .dfs()
        .filter(|n| n.kind() == "call_expression")
    {
        let r = call.range();
        if f.start <= r.start && r.end <= f.end {
            continue;
        }
        let Some(callee) = call.field("function") else {
            continue;
        };
        let named = match &rec.receiver {
            None => callee.kind() == "identifier" && callee.text() == rec.name,
            Some(_) => callee.field("field").is_some_and(|x| x.text() == rec.name),
        };
        if !named {
            continue;
        }
        let Some(depth) = args(&call)
            .get(i)
            .and_then(|a| constants::int_value(file, a))
            .and_then(|k| u64::try_from(k).ok())
        else {
            continue;
        };
        if best.is_none_or(|(d, _)| depth > d) {
            best = Some((depth, Position::of_offset(file.text(), r.start).line));
        }
    }
    best
}

/// True when the function is called from outside itself in this file, and
/// every such call passes a constant for the counter.
fn every_outside_call_passes_a_constant(
    file: &GoFile,
    rec: &Recursive,
    counter: Option<usize>,
) -> bool {
    let Some(i) = counter else {
        return false;
    };
    let f = rec.func.range();
    let root = file.root.root();
    let mut calls = root
        .dfs()
        .filter(|n| n.kind() == "call_expression")
        .filter(|call| {
            let r = call.range();
            !(f.start <= r.start && r.end <= f.end)
        })
        .filter(|call| {
            call.field("function")
                .is_some_and(|callee| match &rec.receiver {
                    None => callee.kind() == "identifier" && callee.text() == rec.name,
                    Some(_) => callee.field("field").is_some_and(|x| x.text() == rec.name),
                })
        })
        .peekable();
    calls.peek().is_some()
        && calls.all(|call| {
            args(&call)
                .get(i)
                .is_some_and(|a| constants::int_value(file, a).is_some())
        })
}

/// Edits replacing tail recursion by a loop; Err says why it is not done.
fn loop_rewrite(file: &GoFile, rec: &Recursive) -> Result<Vec<Edit>, String> {
    let text = file.text();
    let func = &rec.func;
    let body = func.field("body").ok_or("no body")?;
    // The rewrite re-indents what lies between the body's braces: a body that
    // does not parse (its `}` missing, say) has no such span to take.
    if body.get_inner_node().has_error() || !text[..body.range().end].ends_with('}') {
        return Err("the body does not parse".into());
    }
    let own = decls::own_nodes(&body);
    if own.iter().any(|n| {
        matches!(
            n.kind().as_ref(),
            "defer_statement" | "goto_statement" | "labeled_statement"
        )
    }) {
        return Err("the body uses defer, goto or labels".into());
    }
    if body.dfs().any(|n| n.kind() == "func_literal") {
        return Err("a closure in the body may capture the parameters".into());
    }
    if body
        .dfs()
        .any(|n| n.kind() == "raw_string_literal" && n.text().contains('\n'))
    {
        return Err("a multi-line raw string would change when re-indented".into());
    }
    if func.field("parameters").is_some_and(|l| {
        l.children()
            .any(|c| c.kind() == "variadic_parameter_declaration")
    }) {
        return Err("the function is variadic".into());
    }
    let mut names = params(func);
    let declared = func
        .field("parameters")
        .map(|l| {
            l.children()
                .filter(|p| p.kind() == "parameter_declaration")
                .count()
        })
        .unwrap_or(0);
    if names.len() < declared || names.iter().any(|n| n == "_") {
        return Err("a parameter has no name to assign to".into());
    }
    if let Some(recv) = &rec.receiver {
        names.insert(0, recv.clone());
    }
    if own.iter().any(|n| {
        n.kind() == "unary_expression"
            && n.field("operator").is_some_and(|o| o.text() == "&")
            && n.field("operand")
                .is_some_and(|o| names.contains(&o.text().to_string()))
    }) {
        return Err("a parameter's address is taken".into());
    }
    let stmts = decls::statements(&body);
    let last = stmts.last().ok_or("empty body")?;
    let ind0 = crate::analysis::exprs::indentation(text, func.range().start);
    let ind0 = if rec.func.kind() == "func_literal" {
        crate::analysis::exprs::indentation(text, body.range().end - 1)
    } else {
        ind0
    };
    let assign = |call: &GoNode| -> Result<String, String> { assignment(rec, &names, call) };

    // `if cond { f(next) }` last, then only `_ = x`: a loop that stops when cond fails.
    let trailing_noops = |from: usize| {
        stmts[from..].iter().all(|s| {
            s.kind() == "assignment_statement"
                && s.field("left").is_some_and(|l| l.text() == "_")
                && s.field("right").is_some_and(|r| {
                    r.children()
                        .filter(|c| c.is_named())
                        .all(|c| c.kind() == "identifier")
                })
        })
    };
    if rec.calls.len() == 1 {
        let call = &rec.calls[0];
        if let Some(idx) = stmts.iter().position(|s| {
            s.kind() == "if_statement"
                && s.range().start <= call.range().start
                && call.range().end <= s.range().end
        }) {
            let ifs = &stmts[idx];
            let only_call = ifs.field("alternative").is_none()
                && ifs.field("initializer").is_none()
                && ifs.field("consequence").is_some_and(|b| {
                    let inner: Vec<_> = b
                        .children()
                        .flat_map(|c| c.children().collect::<Vec<_>>())
                        .filter(|c| c.is_named())
                        .collect();
                    inner.len() == 1
                        && inner[0].kind() == "expression_statement"
                        && inner[0].range()
                            == call.parent().map(|p| p.range()).unwrap_or(inner[0].range())
                });
            if only_call
                && trailing_noops(idx + 1)
                && own_lines(text, ifs)
                && func.field("result").is_none()
            {
                let cond = ifs.field("condition").ok_or("no condition")?;
                let open = body.range().start + 1;
                let close = body.range().end - 1;
                let pre = &text[line_end(text, open)..line_start(text, ifs.range().start)];
                let post = &text[line_end(text, ifs.range().end)..line_start(text, close)];
                let ind1 = format!("{ind0}\t");
                let ind2 = format!("{ind0}\t\t");
                let new_body = format!(
                    "\n{ind1}for {{\n{}{}{ind2}if {} {{\n{ind2}\treturn\n{ind2}}}\n{ind2}{}\n{ind1}}}\n{ind0}",
                    indent(pre),
                    indent(post),
                    negate(&cond),
                    assign(call)?
                );
                return Ok(vec![Edit::new(open, close, new_body)]);
            }
        }
    }
    // Otherwise every self-call must be `return f(...)`, or `f(...)` as the last statement.
    let mut edits = vec![];
    for call in &rec.calls {
        let parent = call.parent().ok_or("no parent")?;
        let in_inner_loop = call
            .ancestors()
            .take_while(|a| a.range() != body.range())
            .any(|a| a.kind() == "for_statement");
        if in_inner_loop {
            return Err("a self-call sits inside a loop".into());
        }
        let ind = crate::analysis::exprs::indentation(text, parent.range().start);
        if parent.kind() == "expression_list"
            && parent
                .parent()
                .is_some_and(|r| r.kind() == "return_statement")
            && parent.children().filter(|c| c.is_named()).count() == 1
        {
            let ret = parent.parent().unwrap();
            // The loop's last statement needs no `continue`.
            let content = if ret.range() == last.range() {
                assign(call)?
            } else {
                format!("{}\n{ind}continue", assign(call)?)
            };
            edits.push(Edit::new(ret.range().start, ret.range().end, content));
        } else if parent.kind() == "expression_statement"
            && parent.range() == last.range()
            && func.field("result").is_none()
        {
            edits.push(Edit::new(
                parent.range().start,
                parent.range().end,
                assign(call)?,
            ));
        } else {
            return Err(if rec.calls.len() > 1 {
                format!(
                    "it calls itself in {} places and not all are tail calls (tree-shaped recursion needs an explicit stack)",
                    rec.calls.len()
                )
            } else {
                "the self-call is not in tail position (its result or the code after it is still needed)".into()
            });
        }
    }
    let open = body.range().start + 1;
    let close = body.range().end - 1;
    let inner_start = line_end(text, open);
    let inner_end = line_start(text, close);
    if inner_start > inner_end || !text[open..inner_start].trim().is_empty() {
        return Err("the body does not stand on lines of its own".into());
    }
    let shifted: Vec<Edit> = edits
        .into_iter()
        .map(|e| Edit::new(e.start - inner_start, e.end - inner_start, e.content))
        .collect();
    let inner = crate::finding::apply_edits(&text[inner_start..inner_end], &shifted);
    let new_body = format!("\n{ind0}\tfor {{\n{}{ind0}\t}}\n{ind0}", indent(&inner));
    Ok(vec![Edit::new(open, close, new_body)])
}

/// The statement stands on lines of its own.
fn own_lines(text: &str, stmt: &GoNode) -> bool {
    let r = stmt.range();
    text[line_start(text, r.start)..r.start].trim().is_empty()
        && text[r.end..line_end(text, r.end)].trim().is_empty()
}

/// Each non-blank line one tab deeper.
fn indent(lines: &str) -> String {
    lines
        .split_inclusive('\n')
        .map(|l| {
            if l.trim().is_empty() {
                l.to_string()
            } else {
                format!("\t{l}")
            }
        })
        .collect()
}

/// `!(cond)` written the way a person would.
fn negate(cond: &GoNode) -> String {
    if cond.kind() == "binary_expression" {
        if let (Some(l), Some(op), Some(r)) = (
            cond.field("left"),
            cond.field("operator"),
            cond.field("right"),
        ) {
            let flipped = match op.text().as_ref() {
                ">" => Some("<="),
                ">=" => Some("<"),
                "<" => Some(">="),
                "<=" => Some(">"),
                "==" => Some("!="),
                "!=" => Some("=="),
                _ => None,
            };
            if let Some(f) = flipped {
                return format!("{} {f} {}", l.text(), r.text());
            }
        }
    }
    if cond.kind() == "unary_expression" && cond.field("operator").is_some_and(|o| o.text() == "!")
    {
        if let Some(o) = cond.field("operand") {
            return o.text().to_string();
        }
    }
    match cond.kind().as_ref() {
        "identifier" | "call_expression" | "selector_expression" | "parenthesized_expression" => {
            format!("!{}", cond.text())
        }
        _ => format!("!({})", cond.text()),
    }
}

/// Go's binary operator precedence (the spec's five levels).
fn precedence(op: &str) -> u8 {
    match op {
        "*" | "/" | "%" | "<<" | ">>" | "&" | "&^" => 5,
        "+" | "-" | "|" | "^" => 4,
        "==" | "!=" | "<" | "<=" | ">" | ">=" => 3,
        "&&" => 2,
        _ => 1,
    }
}

/// An argument's text as gofmt spaces it on the right of `=`. gofmt packs binary
/// operators inside a call with several arguments (`f(n-1, x)`) but spaces them in
/// an assignment (`n = n - 1`): one level of operators is re-spaced; mixed levels
/// or operators nested in calls are refused rather than guessed.
fn restated(arg: &GoNode) -> Result<String, String> {
    let refuse = || "the argument's operators cannot be restated in gofmt's spacing".to_string();
    if arg.kind() != "binary_expression" {
        if arg.dfs().any(|n| n.kind() == "binary_expression") {
            return Err(refuse());
        }
        return Ok(arg.text().to_string());
    }
    let mut leaves: Vec<String> = vec![];
    let mut ops: Vec<String> = vec![];
    fn walk(n: &GoNode, leaves: &mut Vec<String>, ops: &mut Vec<String>) -> bool {
        if n.kind() != "binary_expression" {
            leaves.push(n.text().to_string());
            return !n.dfs().any(|d| d.kind() == "binary_expression");
        }
        let (Some(l), Some(op), Some(r)) = (n.field("left"), n.field("operator"), n.field("right"))
        else {
            return false;
        };
        let ok = walk(&l, leaves, ops);
        ops.push(op.text().to_string());
        ok && walk(&r, leaves, ops)
    }
    if !walk(arg, &mut leaves, &mut ops) {
        return Err(refuse());
    }
    let level = precedence(&ops[0]);
    if ops.iter().any(|o| precedence(o) != level) {
        return Err(refuse());
    }
    let mut out = leaves[0].clone();
    for (op, leaf) in ops.iter().zip(&leaves[1..]) {
        out.push_str(&format!(" {op} {leaf}"));
    }
    Ok(out)
}

/// `arg` as gofmt prints it as one of several values of an assignment: a single
/// level of additive or multiplicative operators packed (`acc+lanes[1]`),
/// comparisons and logical operators spaced; mixed levels, nested operators and
/// operands that start with an operator are refused rather than guessed.
fn listed(arg: &GoNode) -> Result<String, String> {
    let refuse = || "the argument's operators cannot be restated in gofmt's spacing".to_string();
    if arg.kind() != "binary_expression" {
        if arg.dfs().any(|n| n.kind() == "binary_expression") {
            return Err(refuse());
        }
        return Ok(arg.text().to_string());
    }
    let spaced = restated(arg)?;
    let mut ops: Vec<String> = vec![];
    let mut leaves: Vec<String> = vec![];
    let mut n = arg.clone();
    while n.kind() == "binary_expression" {
        let (Some(l), Some(op), Some(r)) = (n.field("left"), n.field("operator"), n.field("right"))
        else {
            return Err(refuse());
        };
        ops.push(op.text().to_string());
        leaves.push(r.text().to_string());
        n = l;
    }
    leaves.push(n.text().to_string());
    ops.reverse();
    leaves.reverse();
    if precedence(&ops[0]) < 4 {
        return Ok(spaced);
    }
    if leaves[1..]
        .iter()
        .any(|l| l.starts_with(['-', '+', '*', '&', '^', '!', '<']))
    {
        return Err(refuse());
    }
    let mut out = leaves[0].clone();
    for (op, leaf) in ops.iter().zip(&leaves[1..]) {
        out.push_str(op);
        out.push_str(leaf);
    }
    Ok(out)
}

/// The parameter updates a self-call stands for: `n--`, `n = n / 2`, `a, b = b, a % b`.
fn assignment(rec: &Recursive, names: &[String], call: &GoNode) -> Result<String, String> {
    let mut values: Vec<String> = vec![];
    if rec.receiver.is_some() {
        let operand = call
            .field("function")
            .and_then(|f| f.field("operand"))
            .ok_or("no receiver")?;
        values.push(operand.text().to_string());
    }
    let arg_nodes = args(call);
    let first_arg = values.len();
    values.extend(arg_nodes.iter().map(|a| a.text().to_string()));
    if values.len() != names.len() {
        return Err("the self-call's arguments do not match the parameters one to one".into());
    }
    let changed: Vec<(usize, &String)> = values
        .iter()
        .enumerate()
        .filter(|(i, v)| **v != names[*i])
        .collect();
    if changed.is_empty() {
        return Err("the self-call passes its parameters unchanged".into());
    }
    if changed.len() == 1 {
        let (i, v) = changed[0];
        let p = &names[i];
        if v.replace(' ', "") == format!("{p}-1") {
            return Ok(format!("{p}--"));
        }
        if v.replace(' ', "") == format!("{p}+1") {
            return Ok(format!("{p}++"));
        }
        // A lone value is spaced as a statement's; a list keeps the call's spacing.
        let v = match i.checked_sub(first_arg).and_then(|k| arg_nodes.get(k)) {
            Some(node) => restated(node)?,
            None => v.clone(),
        };
        return Ok(format!("{p} = {v}"));
    }
    let left: Vec<&str> = changed.iter().map(|(i, _)| names[*i].as_str()).collect();
    // The lone argument of a call (`r.next.f(acc + 1)`) was spaced as gofmt spaces
    // one expression; in a list (`r, acc = r.next, acc+1`) it packs `+` and `*`.
    let right = changed
        .iter()
        .map(
            |(i, v)| match i.checked_sub(first_arg).and_then(|k| arg_nodes.get(k)) {
                Some(node) if arg_nodes.len() == 1 => listed(node),
                _ => Ok((*v).clone()),
            },
        )
        .collect::<Result<Vec<String>, String>>()?;
    Ok(format!("{} = {}", left.join(", "), right.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::apply_edits;
    use std::path::Path;

    fn rewrite(src: &str) -> Result<String, String> {
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let func = f
            .root
            .root()
            .dfs()
            .find(|n| n.kind() == "function_declaration")
            .unwrap();
        let rec = recursive(&f, &func).ok_or("not recursive")?;
        loop_rewrite(&f, &rec).map(|e| apply_edits(src, &e))
    }

    #[test]
    fn a_range_variable_named_like_its_own_range_expression_terminates() {
        // `n.kids` is the receiver's field, but a name lookup at that point finds
        // the range variable `n` itself: the search must stop (it overflowed the stack).
        let src = "package p\n\ntype T struct{ kids []*T }\n\nfunc (n *T) walk() {\n\tvar buf [4096]byte\n\tfor _, n := range n.kids {\n\t\tn.walk()\n\t}\n\t_ = buf\n}\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let func = f
            .root
            .root()
            .dfs()
            .find(|n| n.kind() == "method_declaration")
            .unwrap();
        let _ = recursive(&f, &func);
    }

    #[test]
    fn catalogue_becomes_a_loop() {
        let src = "package p\n\nfunc recurse(n int) {\n\tvar local [1024]int\n\tif n > 0 {\n\t\trecurse(n - 1)\n\t}\n\t_ = local\n}\n";
        assert_eq!(
            rewrite(src).unwrap(),
            "package p\n\nfunc recurse(n int) {\n\tfor {\n\t\tvar local [1024]int\n\t\t_ = local\n\t\tif n <= 0 {\n\t\t\treturn\n\t\t}\n\t\tn--\n\t}\n}\n"
        );
    }

    #[test]
    fn return_tail_calls_continue() {
        let src = "package p\n\nfunc gcd(a, b int) int {\n\tif b == 0 {\n\t\treturn a\n\t}\n\treturn gcd(b, a%b)\n}\n";
        assert_eq!(
            rewrite(src).unwrap(),
            "package p\n\nfunc gcd(a, b int) int {\n\tfor {\n\t\tif b == 0 {\n\t\t\treturn a\n\t\t}\n\t\ta, b = b, a%b\n\t}\n}\n"
        );
    }

    fn rewrite_method(src: &str) -> Result<String, String> {
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let func = f
            .root
            .root()
            .dfs()
            .find(|n| n.kind() == "method_declaration")
            .unwrap();
        let rec = recursive(&f, &func).ok_or("not recursive")?;
        loop_rewrite(&f, &rec).map(|e| apply_edits(src, &e))
    }

    #[test]
    fn a_call_on_another_value_of_the_receiver_type_is_recursion() {
        // The lone argument `acc + 1` is packed as gofmt packs a list's values.
        let src = "package p

type R struct{ next *R }

func (r *R) f(acc int) int {
	nxt := r.next
	if nxt == nil {
		return acc
	}
	return nxt.f(acc + 1)
}
";
        let out = rewrite_method(src).unwrap();
        assert!(out.contains("\t\tr, acc = nxt, acc+1\n"), "{out}");
        // Another type's method of the same name is not.
        let other = "package p

type D struct{ fs []*F }
type F struct{}

func (f *F) n() int { return 0 }

func (d *D) n() int {
	t := 0
	for _, f := range d.fs {
		t += f.n()
	}
	return t
}
";
        let f = GoFile::parse(Path::new("a.go"), other, None);
        let d = f
            .root
            .root()
            .dfs()
            .filter(|n| n.kind() == "method_declaration")
            .last()
            .unwrap();
        assert!(recursive(&f, &d).is_none());
    }

    #[test]
    fn non_tail_is_refused() {
        let src = "package p\n\nfunc fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}\n";
        assert!(rewrite(src).is_err());
    }
}
