//! GM010 gc-without-free-os-memory: a lone `runtime.GC()` whose program expects
//! the process to shrink. The YAML's template fix (`debug.FreeOSMemory()`) does
//! the rewrite; this module decides whether the premise, "the program wants its
//! memory back", has evidence, and how much.
//!
//! Evidence, strongest first:
//! - a reference to a structure that lives on (a field, a package variable, a
//!   local filled earlier) is dropped before the collection (`x = nil`, an
//!   empty literal, a fresh `make`), and the function allocates nothing after
//!   it: the collection can only be there to hand the freed heap back;
//! - a comment at the call or on its function, or the function's name, says
//!   so (free, release, reclaim, RSS, the OS, shrink, low memory). Words alone
//!   never make a finding high: next to a drop they are extra evidence, with
//!   nothing allocated after the call and no drop they make a medium finding,
//!   with work after the call a low one.
//!
//! Counter-evidence: the function goes on to allocate after the collection (a
//! rebuild reuses the freed heap at once, and returning it to the OS first only
//! adds page faults), a comment that says the collection paces the heap (GC
//! threshold, GOGC, heap target), a switch that turns it on, a file of a
//! test-support package or under `testdata/`: each lowers the finding to low.
//! A collection before a measurement, beside `debug.FreeOSMemory()`, driving
//! finalizers, or the whole body of a wrapper is no finding.

use crate::analysis::types::{declared_where, Origin};
use crate::analysis::{callers, collections, escape, exprs, names, scope};
use crate::finding::Confidence;
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::outcome::{Grounds, Outcome};

/// Words of a comment or name that say the program wants memory back.
const RELEASE_WORDS: &[&str] = &[
    "free memory",
    "frees memory",
    "free up",
    "freeing memory",
    "free the memory",
    "release memory",
    "releases memory",
    "release the memory",
    "memory back",
    "give back",
    "giving back",
    "back to the os",
    "to the os",
    "return memory",
    "returns memory",
    "reclaim",
    "rss",
    "resident",
    "shrink",
    "low memory",
    "memory pressure",
    "scaveng",
];
/// Camel-case words of a function name that say it releases memory
/// (`freeMemory`, `releaseCaches`, `shrinkHeap`, `onLowMemory`).
const RELEASE_NAME_WORDS: &[&str] = &["free", "release", "reclaim", "shrink", "rss", "trim"];
/// Words of a comment that say the collection paces the heap.
const PACING_WORDS: &[&str] = &[
    "threshold",
    "gogc",
    "heap target",
    "next gc",
    "nextgc",
    "pacer",
    "pacing",
    "baseline",
    "live heap",
];
/// Calls after the collection that allocate nothing worth counting: unlocking,
/// signalling, logging, writing a status.
const QUIET_CALLS: &[&str] = &[
    "Unlock",
    "RUnlock",
    "Done",
    "Signal",
    "Broadcast",
    "WriteHeader",
    "Gosched",
    "Err",
    "Store",
    "Add",
    "Inc",
    "Dec",
    "Observe",
    "Since",
    "Now",
    "len",
    "cap",
    "close",
];
/// Prefixes of logging calls (`Printf`, `Infof`, `log.Println`, `Debugw`).
const LOG_PREFIXES: &[&str] = &[
    "Print", "Fprint", "Log", "Info", "Debug", "Warn", "Error", "Trace", "Notice",
];

pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    let call: &GoNode = m.get_node();
    let Some(func) = scope::enclosing_function(call) else {
        return Outcome::Silent;
    };
    let measurement = collections::measurement_after(file, m);
    if measurement == collections::Measurement::Made
        || !collections::no_free_os_memory_nearby(file, m)
        || collections::drives_finalizers(file, &func)
        || collections::is_wrapper(call, &func)
    {
        return Outcome::Silent;
    }
    let deferred = call.parent().is_some_and(|p| p.kind() == "defer_statement");
    let Some(stmt) = scope::as_statement(call).or_else(|| {
        call.parent()
            .filter(|p| matches!(p.kind().as_ref(), "defer_statement" | "go_statement"))
    }) else {
        return Outcome::Silent;
    };
    let dropped = dropped_before(&func, call, deferred)
        .or_else(|| dropped_in_callee(file, &func, call, deferred));
    // A deferred collection runs last: nothing comes after it.
    let after = if deferred {
        None
    } else {
        allocation_after(&stmt, &func)
    };
    let says = says_release(file, call, &func);
    // Nothing after it here, but every caller builds right after it returns:
    // the drop-collect-rebuild shape split over two functions.
    let rebuilt = match (&after, &dropped, &says, &emptied_by_call(&func, call)) {
        (None, None, None, None) => None,
        (None, ..) => callers_rebuild(file, &func),
        _ => None,
    };

    let mut grounds = Grounds::default();
    if let Some((node, what)) = &dropped {
        grounds.push(file.evidence(node.range().start, what.clone()));
    }
    if let Some((offset, what)) = &says {
        grounds.push(file.evidence(*offset, what.clone()));
    }
    let emptied = emptied_by_call(&func, call);
    if let Some((offset, what)) = &emptied {
        grounds.push(file.evidence(*offset, what.clone()));
    }
    let handler = shrink_handler(file, call);
    // A handler that empties something or says it gives memory back is one
    // meant to shrink the process.
    let meant_to_shrink = handler.is_some() && (emptied.is_some() || says.is_some());
    if meant_to_shrink {
        if let Some((offset, what)) = &handler {
            grounds.push(file.evidence(*offset, what.clone()));
        }
    }
    let confidence = match (&dropped, &says, &after) {
        // Every caller rebuilds at once: as a rebuild in this function, low
        // where a comment or name says memory is wanted back, else no premise.
        (_, Some(_), None) if rebuilt.is_some() => Confidence::Low,
        (_, _, None) if rebuilt.is_some() => return Outcome::Silent,
        (Some(_), _, None) => Confidence::High,
        (None, _, None) if meant_to_shrink => Confidence::High,
        (None, Some(_), None) => Confidence::Medium,
        (None, None, None) if emptied.is_some() => Confidence::Medium,
        (_, Some(_), Some(_)) => Confidence::Low,
        // A drop then a rebuild, or nothing at all: no premise to report.
        _ => return Outcome::Silent,
    };
    if after.is_none() {
        let name = function_label(&func);
        grounds.push(file.evidence(
            call.range().start,
            format!("nothing is allocated after the collection in {name}"),
        ));
    }
    let mut confidence = confidence;
    let lower = |c: &mut Confidence, offset: usize, what: String, g: &mut Grounds| {
        *c = Confidence::Low;
        g.push(file.evidence(offset, what));
    };
    if let Some(next) = &after {
        lower(
            &mut confidence,
            next.range().start,
            "the function allocates after the collection, reusing the freed heap at once".into(),
            &mut grounds,
        );
    }
    if let Some((offset, what)) = &rebuilt {
        lower(&mut confidence, *offset, what.clone(), &mut grounds);
    }
    if let Some(result) = deferred.then(|| returned_values(&func)).flatten() {
        lower(
            &mut confidence,
            result.range().start,
            "the collection is deferred in a function that returns values: what it built is still live in its caller when the collection runs (lowers confidence)".into(),
            &mut grounds,
        );
    }
    let paced = says_pacing(file, call, &func);
    if let Some(offset) = paced {
        lower(
            &mut confidence,
            offset,
            "a comment says the collection paces the heap (lowers confidence)".into(),
            &mut grounds,
        );
    }
    if let collections::Measurement::Named(offset, name) = &measurement {
        lower(
            &mut confidence,
            *offset,
            format!("`{name}` after it may measure memory, by its name; its body is not in view (lowers confidence)"),
            &mut grounds,
        );
    }
    // A switch that turns the collection on says it runs on purpose. After a
    // drop, that purpose is giving the dropped memory back (an opt-in
    // "collect on close"), which is this rule's premise; with nothing dropped,
    // a switched collection is a diagnostic one.
    if scope::behind_switch_naming(call, "gc") {
        if dropped.is_some() {
            grounds.push(file.evidence(
                call.range().start,
                "runs behind a switch that turns it on: an opt-in collection after the drop",
            ));
        } else {
            lower(
                &mut confidence,
                call.range().start,
                "runs only behind a switch that turns collections on, with nothing dropped before it (lowers confidence)".into(),
                &mut grounds,
            );
        }
    }
    if scope::in_test_support_package(file) || under_testdata(file) {
        lower(
            &mut confidence,
            0,
            "a file of a test-support package or under testdata/ (lowers confidence)".into(),
            &mut grounds,
        );
    }
    let grounds = grounds.at(confidence);
    if let Some(next) = after {
        let line = crate::finding::Position::of_offset(file.text(), next.range().start).line;
        return Outcome::report_only(Some(format!(
            "no automatic fix: the function allocates again after it (line {line}), so the freed \
             heap is reused at once and returning it to the OS first would only add page faults"
        )))
        .graded(grounds);
    }
    if rebuilt.is_some() {
        return Outcome::report_only(Some(
            "no automatic fix: every caller allocates again right after it returns, so the \
             freed heap is reused at once and returning it to the OS first would only add page \
             faults"
                .into(),
        ))
        .graded(grounds);
    }
    if paced.is_some() {
        return Outcome::report_only(Some(
            "no automatic fix: a comment says the collection paces the heap, and \
             debug.FreeOSMemory() would change that pacing and add a scavenge of every free page"
                .into(),
        ))
        .graded(grounds);
    }
    if let collections::Measurement::Named(_, name) = &measurement {
        return Outcome::report_only(Some(format!(
            "no automatic fix: `{name}` may measure what the collection settled, and the swap \
             would change its numbers"
        )))
        .graded(grounds);
    }
    Outcome::template().graded(grounds)
}

/// Every call of the collection's function is in view (it is unexported:
/// [`callers::callers_all_in_view`]), and
/// each of its calls in the module, tests aside, is a statement its caller
/// follows with an allocation (see [`allocation_after`]) in a statement that
/// builds something to keep ([`builds`]): the drop, the
/// collection and the rebuild split over two functions, the freed heap reused
/// at once. Where (the function), and what, naming the first caller's
/// allocation. None when a use is not such a call (a function value, a
/// `defer`/`go`, an unresolved method call), when no caller is in view, or
/// when one caller does nothing after it.
fn callers_rebuild(file: &GoFile, func: &GoNode) -> Option<(usize, String)> {
    let name = callers::function_name(func)?;
    if !callers::callers_all_in_view(file, func) {
        return None;
    }
    let root = file
        .module
        .as_ref()
        .map(|m| m.root.clone())
        .unwrap_or_else(|| file.package_dir());
    let own = file.package().canonical(file.path);
    let mut seen = 0usize;
    let mut every = true;
    let mut first: Option<String> = None;
    let scanned = callers::for_each_use(file, func, false, &mut |gf, uses| {
        for u in uses {
            let rebuilt = u
                .resolved
                .then(|| callers::called_by(&u.node))
                .flatten()
                .filter(|c| {
                    c.parent()
                        .is_some_and(|p| p.kind() == "expression_statement")
                })
                .and_then(|c| {
                    let stmt = c.parent()?;
                    let caller = scope::enclosing_function(&c)?;
                    // A call of itself says nothing of what follows it.
                    let same =
                        gf.package().canonical(gf.path) == own && caller.range() == func.range();
                    if same {
                        return None;
                    }
                    let (built, next) = busy_statement_after(&stmt, &caller)?;
                    if !builds(&built) {
                        return None;
                    }
                    Some(format!(
                        "`{}` at {}",
                        next.text()
                            .lines()
                            .next()
                            .unwrap_or_default()
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" "),
                        callers::here(gf, &next, &root)
                    ))
                });
            match rebuilt {
                Some(at) => {
                    seen += 1;
                    first.get_or_insert(at);
                }
                None => {
                    every = false;
                    return false;
                }
            }
        }
        true
    });
    if scanned.is_err() || !every || seen == 0 {
        return None;
    }
    let at = first?;
    let callers = if seen == 1 {
        "its only caller".to_string()
    } else {
        format!("each of its {seen} callers")
    };
    Some((
        func.range().start,
        format!(
            "`{name}` is unexported and {callers} allocates right after it returns ({at}): the freed heap is reused at once (lowers confidence)"
        ),
    ))
}

/// `f`, `(*T).m` or "a function literal", for evidence text.
/// The result type of `func` that is not `error` (`(*Batch, error)` gives
/// `*Batch`); None when it returns nothing or only an error.
fn returned_values<'r>(func: &GoNode<'r>) -> Option<GoNode<'r>> {
    let result = func.field("result")?;
    if result.kind() != "parameter_list" {
        return (result.text() != "error").then_some(result);
    }
    let value = result
        .named_children()
        .filter(|p| p.kind() == "parameter_declaration")
        .find(|p| p.field("type").is_some_and(|t| t.text() != "error"));
    value
}

fn function_label(func: &GoNode) -> String {
    match func.field("name") {
        Some(n) => format!("`{}`", n.text()),
        None => "its function literal".into(),
    }
}

/// Where a drop must come before to count for the collection `call`: the call
/// itself, or the function's end for a deferred one (it runs last).
fn drop_limit(func: &GoNode, call: &GoNode, deferred: bool) -> usize {
    if deferred {
        func.range().end
    } else {
        call.range().start
    }
}

/// The last store before the collection that drops a structure living past
/// the function: `x = nil`, an empty literal or a fresh `make` assigned to a
/// field, a package variable, or a local filled earlier in the function. A
/// deferred collection runs last, so any such store in the function counts.
/// The store must be the last one to its target before the collection (`x =
/// nil; x = load()` dropped nothing).
fn dropped_before<'r>(
    func: &GoNode<'r>,
    call: &GoNode<'r>,
    deferred: bool,
) -> Option<(GoNode<'r>, String)> {
    let limit = drop_limit(func, call, deferred);
    let mut last: Vec<(String, GoNode<'r>, bool)> = vec![];
    for n in func.dfs() {
        if n.range().start >= limit {
            break;
        }
        if n.kind() != "assignment_statement" {
            continue;
        }
        let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
            continue;
        };
        let left: Vec<_> = left.named_children().collect();
        let right: Vec<_> = right.named_children().collect();
        if left.len() != right.len() {
            continue;
        }
        for (l, r) in left.iter().zip(&right) {
            let key = exprs::squash(&l.text());
            let drop = empties(r) && lives_past(l, func);
            last.retain(|(k, _, _)| *k != key);
            last.push((key, n.clone(), drop));
        }
    }
    // A reference let go (`x = nil`) says more than a value zeroed
    // (`s.startedAt = time.Time{}`), whichever came last.
    let released = last
        .iter()
        .rev()
        .find(|(_, n, drop)| *drop && n.text().trim_end().ends_with("nil"))
        .or_else(|| last.iter().rev().find(|(_, _, drop)| *drop))
        .cloned();
    if let Some((key, node, _)) = released {
        return Some((node, format!("`{key}` is dropped before the collection")));
    }
    if let Some(swap) = closed_and_replaced(func, limit) {
        return Some(swap);
    }
    if let Some(each) = elements_dropped(func, limit) {
        return Some(each);
    }
    // `clear(m)` lets go of everything the map or slice held.
    let cleared = func
        .dfs()
        .filter(|n| n.range().end <= limit && n.kind() == "call_expression")
        .filter(|n| {
            n.field("function")
                .is_some_and(|f| f.kind() == "identifier" && f.text() == "clear")
                && !scope::is_shadowed(n, "clear")
        })
        .last()?;
    let what = cleared
        .field("arguments")
        .and_then(|a| a.named_children().next())
        .map(|a| exprs::squash(&a.text()))
        .unwrap_or_default();
    Some((
        cleared,
        format!("`{what}` is emptied with clear() before the collection, letting its contents go"),
    ))
}

/// `for i := range xs { ...; xs[i] = nil }` before the collection: each
/// element of the ranged slice let go in turn, the contents dropped as
/// `clear(xs)` would. The last such store, and what it drops.
fn elements_dropped<'r>(func: &GoNode<'r>, limit: usize) -> Option<(GoNode<'r>, String)> {
    func.dfs()
        .filter(|n| n.range().end <= limit && n.kind() == "for_statement")
        .filter_map(|lp| {
            let clause = lp.children().find(|c| c.kind() == "range_clause")?;
            let index = clause.field("left")?.named_children().next()?;
            let ranged = exprs::squash(&clause.field("right")?.text());
            let wanted = format!("{ranged}[{}]", index.text());
            let store = lp.field("body")?.dfs().find(|n| {
                n.kind() == "assignment_statement"
                    && n.field("left")
                        .is_some_and(|l| exprs::squash(&l.text()) == wanted)
                    && n.field("right").is_some_and(|r| r.text().trim() == "nil")
            })?;
            Some((
                store,
                format!("each element of `{ranged}` is set to nil before the collection, letting its contents go"),
            ))
        })
        .last()
}

/// A call with no arguments standing as a statement before the collection,
/// to a function or method of the module whose body drops a structure that lives past it (see
/// [`dropped_before`]) and allocates nothing after it: `ix.reset()` whose body
/// sets `ix.postings = nil`, the drop split over two functions. The last such
/// call, and what it drops.
fn dropped_in_callee<'r>(
    file: &GoFile,
    func: &GoNode<'r>,
    call: &GoNode<'r>,
    deferred: bool,
) -> Option<(GoNode<'r>, String)> {
    let limit = drop_limit(func, call, deferred);
    let root = file
        .module
        .as_ref()
        .map(|m| m.root.clone())
        .unwrap_or_else(|| file.package_dir());
    let calls: Vec<GoNode<'r>> = func
        .dfs()
        .filter(|n| {
            n.range().end <= limit
                && n.kind() == "call_expression"
                && n.range() != call.range()
                && n.field("arguments")
                    .is_some_and(|a| a.named_children().all(|x| x.kind() == "comment"))
                && n.parent()
                    .is_some_and(|p| p.kind() == "expression_statement")
                && scope::enclosing_function(n).is_some_and(|f| f.range() == func.range())
        })
        .collect();
    calls.into_iter().rev().find_map(|c| {
        let name = c.field("function")?.text().to_string();
        let what = callers::resolve_callee(file, &c, &mut |gf, decl| {
            let (node, _) = dropped_before(decl, decl, true)?;
            // A builder that drops its input and goes on building is not a
            // drop helper: the freed heap is reused at once.
            if allocation_after(&node, decl).is_some() {
                return None;
            }
            Some(format!(
                "`{name}()` lets go of a structure before the collection: `{}` at {}",
                node.text().split_whitespace().collect::<Vec<_>>().join(" "),
                callers::here(gf, &node, &root)
            ))
        })?;
        Some((c, what))
    })
}

/// The swap of a long-lived value before the collection: a local takes the
/// old value of a field or package variable (`old := s.instance`), is closed
/// (`old.Close()`, `Stop`, `Shutdown`), and the field is given a new value
/// (`s.instance = next`), all before `limit`. The old value, closed and no
/// longer referenced, is what the collection frees; the new one is already built.
fn closed_and_replaced<'r>(func: &GoNode<'r>, limit: usize) -> Option<(GoNode<'r>, String)> {
    let before = |n: &GoNode| n.range().end <= limit;
    for decl in func
        .dfs()
        .filter(|n| before(n) && n.kind() == "short_var_declaration")
    {
        let (Some(left), Some(right)) = (decl.field("left"), decl.field("right")) else {
            continue;
        };
        let (Some(local), Some(held)) =
            (left.named_children().next(), right.named_children().next())
        else {
            continue;
        };
        if local.kind() != "identifier" || held.kind() != "selector_expression" {
            continue;
        }
        let (local, held) = (local.text().to_string(), exprs::squash(&held.text()));
        let closed = func.dfs().any(|n| {
            before(&n)
                && n.range().start > decl.range().end
                && n.kind() == "call_expression"
                && n.field("function").is_some_and(|f| {
                    f.kind() == "selector_expression"
                        && f.field("operand")
                            .is_some_and(|o| o.text() == local.as_str())
                        && f.field("field").is_some_and(|m| {
                            matches!(m.text().as_ref(), "Close" | "Stop" | "Shutdown")
                        })
                })
        });
        if !closed {
            continue;
        }
        let replaced = func.dfs().find(|n| {
            before(n)
                && n.range().start > decl.range().end
                && n.kind() == "assignment_statement"
                && n.field("operator").is_some_and(|o| o.text() == "=")
                && n.field("left")
                    .is_some_and(|l| l.named_children().any(|t| exprs::squash(&t.text()) == held))
        });
        if let Some(node) = replaced {
            return Some((
                node,
                format!("`{held}` is replaced before the collection, and the value it held is closed (`{local}`): the old one is garbage"),
            ));
        }
    }
    None
}

/// Camel-case words of a method name that say the call empties its receiver
/// (`st.Flush()`, `c.DropAll()`, `q.DropCache(fn)`).
const EMPTYING_WORDS: &[&str] = &[
    "drop",
    "flush",
    "clear",
    "purge",
    "evict",
    "reset",
    "discard",
    "invalidate",
    "truncate",
];

/// A method call before the collection whose name says it empties a
/// structure (`st.Flush()`), or the call a function literal holding the
/// collection is handed to (`q.DropCache(func(n int) { ...; runtime.GC() })`):
/// where, and what. The name is the evidence here, so on its own it makes a
/// medium finding at most.
fn emptied_by_call(func: &GoNode, call: &GoNode) -> Option<(usize, String)> {
    let says_empty = |n: &GoNode| {
        n.field("function")
            .is_some_and(|f| f.kind() == "selector_expression")
            && exprs::called_name(n).is_some_and(|name| {
                names::words(&name)
                    .iter()
                    .any(|w| EMPTYING_WORDS.contains(&w.as_str()))
            })
    };
    let before = func
        .dfs()
        .filter(|n| n.range().end <= call.range().start && n.kind() == "call_expression")
        .filter(|n| says_empty(n))
        .last();
    let holder = (func.kind() == "func_literal")
        .then(|| {
            func.parent()
                .filter(|p| p.kind() == "argument_list")
                .and_then(|p| p.parent())
        })
        .flatten()
        .filter(|c| says_empty(c));
    let n = before.or(holder)?;
    let name = n.field("function")?.text().to_string();
    Some((
        n.range().start,
        format!("`{name}` empties a structure before the collection (by its name)"),
    ))
}

/// The collection runs in a handler: an HTTP handler (a function taking an
/// `http.ResponseWriter`), or the body of a loop over a channel that
/// `signal.Notify` feeds ([`collections::signal_channel`]), or of the `select`
/// case receiving from one. Where, and what.
fn shrink_handler(file: &GoFile, call: &GoNode) -> Option<(usize, String)> {
    for f in call.ancestors().filter(scope::is_function) {
        let takes_writer = f.field("parameters").is_some_and(|ps| {
            ps.named_children().any(|p| {
                p.field("type").is_some_and(|t| {
                    t.kind() == "qualified_type"
                        && t.text().ends_with(".ResponseWriter")
                        && t.named_children().next().is_some_and(|pkg| {
                            scope::names_import(file, &t, &pkg.text(), "net/http")
                        })
                })
            })
        });
        if takes_writer {
            return Some((f.range().start, "it runs in an HTTP handler".into()));
        }
    }
    // A loop over a signal channel, or a select case receiving from one.
    call.ancestors().find_map(|a| {
        let channel = match a.kind().as_ref() {
            "for_statement" => a
                .children()
                .find(|c| c.kind() == "range_clause")
                .and_then(|c| c.field("right")),
            "communication_case" => a
                .field("communication")
                .and_then(|c| c.dfs().find(|n| n.kind() == "unary_expression"))
                .and_then(|u| u.field("operand")),
            _ => None,
        }?;
        collections::signal_channel(file, &channel).then(|| {
            (
                a.range().start,
                "it runs when the process receives a signal".into(),
            )
        })
    })
}

/// `nil`, an empty composite literal, or a fresh `make(...)`/`new(...)`.
fn empties(v: &GoNode) -> bool {
    match v.kind().as_ref() {
        "nil" => true,
        "composite_literal" => v
            .field("body")
            .is_some_and(|b| b.named_children().all(|c| c.kind() == "comment")),
        "call_expression" => v
            .field("function")
            .is_some_and(|f| matches!(f.text().as_ref(), "make" | "new")),
        "parenthesized_expression" => v.named_children().next().is_some_and(|i| empties(&i)),
        _ => false,
    }
}

/// The store target outlives one call: a field, a package variable, or a local
/// given something before this store (not a parameter: the caller keeps its own
/// reference).
fn lives_past(target: &GoNode, func: &GoNode) -> bool {
    match target.kind().as_ref() {
        "selector_expression" => {
            let root = exprs::root_node(target);
            // A field of a struct made in this function dies with it.
            match declared_where(&root, &root.text()) {
                Some(Origin::Local { decl, .. }) => escape::initial_value(&decl, &root.text())
                    .is_some_and(|v| !escape::is_fresh(&v) && !is_literal(&v)),
                Some(_) => true,
                None => false,
            }
        }
        "identifier" => match declared_where(target, &target.text()) {
            Some(Origin::Package) => true,
            // A local declared with a value (`data := load()`): its last
            // reference may be this one.
            Some(Origin::Local { decl, function }) => {
                function.range() == func.range()
                    && escape::initial_value(&decl, &target.text())
                        .is_some_and(|v| v.kind() != "nil")
            }
            _ => false,
        },
        _ => false,
    }
}

fn is_literal(v: &GoNode) -> bool {
    match v.kind().as_ref() {
        "composite_literal" => true,
        "unary_expression" => v
            .field("operand")
            .is_some_and(|o| o.kind() == "composite_literal"),
        _ => false,
    }
}

/// The first statement after `stmt` in its function that allocates: anything
/// but returns of plain values, unlocking, signalling, logging and the like.
fn allocation_after<'r>(stmt: &GoNode<'r>, func: &GoNode<'r>) -> Option<GoNode<'r>> {
    busy_statement_after(stmt, func).map(|(_, node)| node)
}

/// [`allocation_after`], with the statement that holds the allocating node.
fn busy_statement_after<'r>(
    stmt: &GoNode<'r>,
    func: &GoNode<'r>,
) -> Option<(GoNode<'r>, GoNode<'r>)> {
    let mut cur = stmt.clone();
    loop {
        for next in cur.next_all().filter(|n| n.is_named()) {
            if let Some(busy) = busy(&next) {
                return Some((next, busy));
            }
        }
        let parent = cur.parent()?;
        if parent.range() == func.range() || scope::is_function(&parent) {
            return None;
        }
        cur = parent;
    }
}

/// The statement builds something to keep: it makes a map, slice or value
/// (`make`, `new`, `append`, a composite literal), or stores a value into a
/// field or package variable (`zones = parse(lines)`). A measurement or a
/// reply (`report(read(...))`, `w.Write(b)`) builds nothing to keep.
fn builds(stmt: &GoNode) -> bool {
    stmt.dfs().any(|n| match n.kind().as_ref() {
        "composite_literal" => true,
        "call_expression" => n
            .field("function")
            .is_some_and(|f| matches!(f.text().as_ref(), "make" | "new" | "append")),
        "assignment_statement" => n.field("left").is_some_and(|l| {
            l.named_children().any(|t| {
                t.kind() == "selector_expression"
                    || (t.kind() == "identifier"
                        && matches!(declared_where(&t, &t.text()), Some(Origin::Package)))
            })
        }),
        _ => false,
    })
}

/// The node in `stmt` that allocates, if any.
fn busy<'r>(stmt: &GoNode<'r>) -> Option<GoNode<'r>> {
    match stmt.kind().as_ref() {
        "comment"
        | "empty_statement"
        | "break_statement"
        | "continue_statement"
        | "goto_statement"
        | "fallthrough_statement" => return None,
        // Deferred calls before the collection already ran... or run at the end.
        "defer_statement" => return None,
        // Other arms of a switch or select do not run after this one.
        "expression_case" | "type_case" | "communication_case" | "default_case" => return None,
        _ => {}
    }
    stmt.dfs().find(|n| match n.kind().as_ref() {
        // A loop goes on working with the heap (filling, or reading what the
        // collection left); a goroutine starts new work.
        "composite_literal" | "func_literal" | "for_statement" | "go_statement" => true,
        "call_expression" => !quiet_call(n),
        _ => false,
    })
}

fn quiet_call(call: &GoNode) -> bool {
    let Some(name) = exprs::called_name(call) else {
        return false;
    };
    QUIET_CALLS.contains(&name.as_str()) || LOG_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The comment at the call (on its line, or the block above it), the doc
/// comment of its function, and the function's name (or the variable a
/// function literal is assigned to), lowercased, each with where it is.
fn texts_about(file: &GoFile, call: &GoNode, func: &GoNode) -> Vec<(usize, String, bool)> {
    let text = file.text();
    let mut out = vec![];
    if let Some(stmt) = scope::as_statement(call).or_else(|| call.parent()) {
        let above = scope::comment_above(text, &stmt);
        if !above.is_empty() {
            out.push((stmt.range().start, above.to_lowercase(), false));
        }
        let end = stmt.range().end;
        let line_end = crate::imports::line_end(text, end);
        let rest = &text[end..line_end];
        if let Some(i) = rest.find("//") {
            out.push((end, rest[i..].to_lowercase(), false));
        }
    }
    // The function's own doc comment and name; a literal's holder.
    let holder = if func.kind() == "func_literal" {
        func.ancestors().find(|a| {
            matches!(
                a.kind().as_ref(),
                "var_declaration"
                    | "short_var_declaration"
                    | "assignment_statement"
                    | "function_declaration"
                    | "method_declaration"
            )
        })
    } else {
        Some(func.clone())
    };
    if let Some(h) = holder {
        let doc = scope::comment_above(text, &h);
        if !doc.is_empty() {
            out.push((h.range().start, doc.to_lowercase(), false));
        }
        let name = match h.field("name") {
            Some(n) => Some(n.text().to_string()),
            None => h
                .dfs()
                .find(|n| n.kind() == "identifier")
                .map(|n| n.text().to_string()),
        };
        if let Some(name) = name {
            out.push((h.range().start, name, true));
        }
    }
    out
}

/// Where a comment or name says the collection is there to give memory back.
fn says_release(file: &GoFile, call: &GoNode, func: &GoNode) -> Option<(usize, String)> {
    texts_about(file, call, func)
        .into_iter()
        .find_map(|(offset, text, is_name)| {
            if is_name {
                let words = names::words(&text);
                let hit = words
                    .iter()
                    .any(|w| RELEASE_NAME_WORDS.contains(&w.as_str()))
                    || (words.iter().any(|w| w == "low") && words.iter().any(|w| w == "memory"));
                hit.then(|| {
                    (
                        offset,
                        format!("the name `{text}` says it gives memory back (raises confidence)"),
                    )
                })
            } else {
                let said = RELEASE_WORDS
                    .iter()
                    .find(|w| text.contains(*w))
                    .map(|w| w.to_string())
                    .or_else(|| hands_back(&text));
                said.map(|w| {
                    (
                        offset,
                        format!(
                            "a comment says the collection is there to give memory back (`{w}`)"
                        ),
                    )
                })
            }
        })
}

/// A sentence of a comment that says memory is handed back in other words
/// than `RELEASE_WORDS` ("give the pages back", "the memory is handed back"):
/// a verb of giving, the word `back`, and memory, pages or heap, in one
/// sentence. The sentence, trimmed.
fn hands_back(comment: &str) -> Option<String> {
    const GIVING: &[&str] = &[
        "give",
        "gives",
        "giving",
        "hand",
        "hands",
        "handed",
        "return",
        "returns",
        "returned",
        "returning",
        "release",
        "released",
        "releases",
    ];
    const MEMORY: &[&str] = &["memory", "pages", "page", "heap", "ram"];
    comment
        .replace("//", " ")
        .split(['.', ';', ':', '!', '?'])
        .find_map(|sentence| {
            let words: Vec<&str> = sentence
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            let has = |set: &[&str]| words.iter().any(|w| set.contains(w));
            (has(GIVING) && words.contains(&"back") && has(MEMORY)).then(|| words.join(" "))
        })
}

/// Where a comment at the call or on its function says the collection paces.
fn says_pacing(file: &GoFile, call: &GoNode, func: &GoNode) -> Option<usize> {
    texts_about(file, call, func)
        .into_iter()
        .filter(|(_, _, is_name)| !is_name)
        .find(|(_, text, _)| PACING_WORDS.iter().any(|w| text.contains(w)))
        .map(|(offset, _, _)| offset)
}

/// A file below a `testdata` folder: the go tool builds nothing there; tests
/// run it.
fn under_testdata(file: &GoFile) -> bool {
    file.path.components().any(|c| c.as_os_str() == "testdata")
}

#[cfg(test)]
mod tests {
    use super::hands_back;
    use crate::engine::Engine;
    use crate::finding::Confidence;
    use std::path::Path;

    fn grades(path: &str, src: &str) -> Vec<Confidence> {
        let mut engine = Engine::new(crate::rules::bundled());
        engine.min_confidence = Confidence::Low;
        engine
            .analyze(Path::new(path), src, None)
            .findings
            .iter()
            .filter(|f| f.rule == "GM010")
            .map(|f| f.confidence)
            .collect()
    }

    #[test]
    fn a_comment_that_hands_memory_back_in_its_own_words_says_release() {
        assert!(hands_back("// give the pages back; the limit is tight").is_some());
        assert!(hands_back("// once applied, the memory is handed back to the kernel.").is_some());
        assert!(hands_back("// hand the connection back to the pool").is_none());
        assert!(hands_back("// return early. the heap is fine; back off").is_none());
    }

    #[test]
    fn a_program_under_testdata_is_low() {
        let src = "package main\n\nimport \"runtime\"\n\nvar big []byte\n\nfunc main() {\n\tbig = make([]byte, 1<<20)\n\tbig = nil\n\truntime.GC()\n}\n";
        assert_eq!(grades("cmd/x/main.go", src), [Confidence::High]);
        assert_eq!(grades("gc/testdata/drop/main.go", src), [Confidence::Low]);
    }
}
