//! GM005 gc-in-loop: `runtime.GC()` inside a loop. The pattern finds the call in a
//! loop; this module grades it from what the loop does.
//!
//! `high`: the loop does other work on every pass (it processes items, drains
//! a queue, compacts shards) and forces a full collection each time;
//! `medium` when a remainder, a batch length or a counter paces it to once per
//! batch, or each pass waits for a ticker, a timer or a sleep (once per interval). `low`: the collection is the loop's only work (a periodic collector:
//! `for { time.Sleep(d); runtime.GC() }`), the collection makes a measurement
//! that follows it exact or runs between the rounds a pass times (before its
//! `start := time.Now()`, or after the `time.Since(start)`), it runs behind a switch that turns collections on,
//! or the file belongs to a test-support package. Silent: collections that
//! drive finalizers, collections paced by memory, and collections that answer
//! an operator's signal (each pass waits on a channel `signal.Notify` feeds).
//!
//! The fix removes the call where the loop has other work. Where the
//! collection is the loop's only work, removing the call would leave a loop
//! (and perhaps a goroutine) that only sleeps: the fix removes the goroutine
//! when a `go func() { ... }()` runs nothing but the loop, and otherwise
//! offers no edit.

use crate::analysis::types::{declared_where, Origin, Resolver};
use crate::analysis::{collections, decls, exprs, scope, statements};
use crate::finding::{Applicability, Confidence, Position};
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::outcome::{FixPlan, Grounds, Outcome};

/// Calls in a loop that are no work of their own: waiting, yielding, logging,
/// locking, reading the clock.
const IDLE_CALLS: &[&str] = &[
    "Sleep", "Gosched", "Now", "Since", "After", "Tick", "Stop", "Reset", "Lock", "Unlock",
    "RLock", "RUnlock", "Done", "Err", "Add", "Inc", "Observe", "len", "cap",
];
/// Prefixes of logging calls (`Printf`, `Infof`, `log.Println`, `Debugw`).
const LOG_PREFIXES: &[&str] = &[
    "Print", "Fprint", "Log", "Info", "Debug", "Warn", "Error", "Trace", "Notice",
];
/// Calls that read what a collection just settled: statistics, profiles.
const MEASURING: &[&str] = &[
    "ReadMemStats",
    "ReadGCStats",
    "WriteHeapProfile",
    "StartTimer",
    "StopTimer",
    "ResetTimer",
];

pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    let call: &GoNode = m.get_node();
    let Some(func) = scope::enclosing_function(call) else {
        return Outcome::Silent;
    };
    if collections::drives_finalizers(file, &func) {
        return Outcome::Silent;
    }
    let pacing = collections::pacing(file, call);
    if matches!(
        pacing,
        collections::Pacing::Measured | collections::Pacing::Signalled(_)
    ) {
        return Outcome::Silent;
    }
    let Some(lp) = call
        .ancestors()
        .take_while(|a| !scope::is_function(a))
        .find(|a| a.kind() == "for_statement")
    else {
        return Outcome::Silent;
    };
    let at = call.range().start;
    let mut grounds = Grounds::default();
    let work = other_work(file, &lp, call);
    let measured = measured_after(&lp, call);
    let timed = collections::timed_round(file, &lp, call);
    let mut confidence = match (&work, &measured) {
        (_, None) if timed.is_some() => {
            let (clock, read) = timed.unwrap_or_default();
            let line = Position::of_offset(file.text(), read).line;
            grounds.push(file.evidence(
                clock,
                format!(
                    "each pass times a round of its work from this clock reading to line {line}, and the collection runs outside that stretch, between rounds: it keeps one round's garbage out of the next round's measurement (lowers confidence)"
                ),
            ));
            Confidence::Low
        }
        (Some(w), None) => {
            let what = match w.field("right").filter(|_| w.kind() == "range_clause") {
                Some(items) => format!(
                    "the loop runs once per item of `{}`, and forces a full collection each time",
                    exprs::first_line(&items.text())
                ),
                None => format!(
                    "the loop does other work on each pass (`{}`), and forces a full collection with it",
                    exprs::first_line(&w.text())
                ),
            };
            grounds.push(file.evidence(w.range().start, what));
            Confidence::High
        }
        (Some(_), Some(read)) => {
            grounds.push(file.evidence(
                read.range().start,
                "the collection makes the measurement after it exact: a measuring loop (lowers confidence)",
            ));
            Confidence::Low
        }
        (None, Some(read)) => {
            grounds.push(file.evidence(
                read.range().start,
                "the collection makes the measurement after it exact: a measuring loop (lowers confidence)",
            ));
            Confidence::Low
        }
        (None, None) => {
            grounds.push(file.evidence(
                lp.range().start,
                "the collection is the loop's only work: a periodic collector, run on purpose (lowers confidence)",
            ));
            Confidence::Low
        }
    };
    // A loop over a variadic list of functions (`for _, step := range steps`,
    // `steps ...func()`): one of the program's own release steps per pass, each
    // followed by a collection so that the next check sees what it freed. The
    // list bounds the loop, not the data.
    let stepwise = step_list(&lp);
    if let Some(list) = &stepwise {
        confidence = Confidence::Low;
        grounds.push(file.evidence(
            list.range().start,
            format!(
                "each pass runs one of the functions in `{}`, the steps each caller lists: the list bounds the loop, and the collection after each step lets what follows see what it freed (lowers confidence)",
                exprs::first_line(&list.text())
            ),
        ));
    }
    let switched = scope::behind_switch_naming(call, "gc");
    let test_support = scope::in_test_support_package(file);
    if switched {
        confidence = Confidence::Low;
        grounds.push(file.evidence(
            at,
            "runs only behind a switch that turns collections on (lowers confidence)",
        ));
    }
    if test_support {
        confidence = Confidence::Low;
        grounds.push(file.evidence(
            at,
            "a file of a test-support package, which runs under tests (lowers confidence)",
        ));
    }
    let named_pacing = match pacing {
        collections::Pacing::Named(at) => {
            confidence = Confidence::Low;
            grounds.push(file.evidence(
                at,
                "runs only when a value named as memory passes a bound: perhaps a pacer of the program's own, though no count of bytes is seen (lowers confidence)",
            ));
            true
        }
        _ => false,
    };
    // A pace the program chose (per batch, per interval): medium, and the fix
    // is the maintainer's call. The evidence, and why no edit.
    let chosen_pace: Option<(usize, &str, &str)> = match pacing {
        _ if named_pacing => None,
        collections::Pacing::Counted(at) => Some((
            at,
            "runs once per so many passes or items (a remainder, a batch length or a counter against a bound): a pace the program chose, not a collection per pass (lowers confidence)",
            "no automatic fix: one collection per batch may bound the program's peak memory on \
             purpose; remove it if a profile shows the collections cost more than they save",
        )),
        collections::Pacing::Timed(at) if work.is_some() => Some((
            at,
            "each pass waits for the clock (a ticker, a timer or a sleep): one collection per interval, a schedule the program chose, not one per item of work (lowers confidence)",
            "no automatic fix: one collection per interval, after the work that interval \
             brings, may drop what that work replaced on purpose; remove it if a profile shows \
             it costs more than it saves",
        )),
        _ => None,
    };
    if let Some((at, why, _)) = chosen_pace {
        confidence = confidence.min(Confidence::Medium);
        grounds.push(file.evidence(at, why));
    }
    let grounds = grounds.at(confidence);
    let outcome = if named_pacing {
        Outcome::report_only(Some(
            "no automatic fix: the collection may bound the program's peak memory on purpose"
                .into(),
        ))
    } else if let Some((_, _, no_edit)) = chosen_pace {
        Outcome::report_only(Some(no_edit.into()))
    } else if switched || test_support {
        Outcome::report_only(Some(
            "no automatic fix: the collection is run on purpose (behind a switch, or to \
             isolate what a test helper runs)"
                .into(),
        ))
    } else if stepwise.is_some() {
        Outcome::report_only(Some(
            "no automatic fix: the collection after each release step may be what lets the \
             program see the memory it freed; remove it if a profile shows it costs more"
                .into(),
        ))
    } else if let (None, Some((_, read))) = (&measured, &timed) {
        let line = Position::of_offset(file.text(), *read).line;
        Outcome::report_only(Some(format!(
            "no automatic fix: the collection separates timed rounds (the duration read at line \
             {line}); without it one round's garbage is collected during the next"
        )))
    } else if let Some(read) = &measured {
        let line = Position::of_offset(file.text(), read.range().start).line;
        Outcome::report_only(Some(format!(
            "no automatic fix: the loop measures memory after the collection (line {line}); \
             without it the numbers change"
        )))
    } else if work.is_none() {
        remove_idle_loop(file, &lp)
    } else {
        statements::remove_statement(file, m)
    };
    outcome.graded(grounds)
}

/// The first node of the loop (its header or its body, outside the collection
/// and outside nested function literals) that does work: a call that is not
/// waiting, yielding, logging or locking, a store into anything but a plain
/// local counter, a send.
fn other_work<'r>(file: &GoFile, lp: &GoNode<'r>, call: &GoNode<'r>) -> Option<GoNode<'r>> {
    let in_closure = |n: &GoNode| {
        n.ancestors()
            .take_while(|a| a.range() != lp.range())
            .any(|a| a.kind() == "func_literal")
    };
    let header = lp
        .children()
        .find(|c| matches!(c.kind().as_ref(), "range_clause" | "for_clause"));
    let is_work = |n: &GoNode| {
        if n.range() == call.range() || call.range().contains(&n.range().start) || in_closure(n) {
            return false;
        }
        // A range over a collection (not a channel or a ticker) hands the
        // body a work item per pass.
        if let Some(h) = &header {
            if h.range() == n.range() {
                return h.kind() == "range_clause" && over_items(file, h);
            }
        }
        match n.kind().as_ref() {
            "call_expression" => !idle_call(n),
            "send_statement" => true,
            // `r.n++`, `counts[k]--`: a store, unlike a plain counter's.
            "inc_statement" | "dec_statement" => n
                .named_children()
                .next()
                .is_some_and(|t| t.kind() != "identifier"),
            "assignment_statement" => n.field("left").is_some_and(|l| {
                l.named_children()
                    .any(|t| t.kind() != "identifier" || t.text() == "_")
            }),
            _ => false,
        }
    };
    let nodes: Vec<GoNode<'r>> = lp.dfs().filter(|n| is_work(n)).collect();
    let real = nodes.iter().find(|n| n.kind() != "range_clause").cloned();
    real.or_else(|| nodes.into_iter().next())
}

/// The list a `for range` loop walks when it is the function's variadic
/// parameter of functions (`steps ...func()`): steps each caller writes out,
/// not a slice of work items built at run time (`entries []func()`).
fn step_list<'r>(lp: &GoNode<'r>) -> Option<GoNode<'r>> {
    let clause = lp.children().find(|c| c.kind() == "range_clause")?;
    let right = clause.field("right")?;
    if right.kind() != "identifier" {
        return None;
    }
    let func = scope::enclosing_function(lp)?;
    let params = func.field("parameters")?;
    let variadic_funcs = params.children().any(|p| {
        p.kind() == "variadic_parameter_declaration"
            && p.field("name").is_some_and(|n| n.text() == right.text())
            && p.field("type").is_some_and(|t| t.kind() == "function_type")
    });
    variadic_funcs.then_some(right)
}

/// A range clause over a collection of items: not a channel receive (a
/// ticker's `.C`, `time.Tick(d)`, a channel variable), nor a plain count
/// (`range n`).
fn over_items(file: &GoFile, clause: &GoNode) -> bool {
    let Some(right) = clause.field("right") else {
        return false;
    };
    let text = exprs::squash(&right.text());
    let channelish = text.ends_with(".C")
        || exprs::called_name(&right).is_some_and(|n| matches!(n.as_str(), "Tick" | "After"))
        || right.kind() == "int_literal";
    if channelish {
        return false;
    }
    // A variable whose type is a channel or an integer.
    let resolver = Resolver::new(file);
    match resolver.type_of(&right) {
        Some(t) => {
            let u = resolver.underlying(&t).unwrap_or(t);
            !(u.starts_with("chan")
                || u.starts_with("<-chan")
                || matches!(
                    u.as_str(),
                    "int" | "int64" | "int32" | "uint" | "uint64" | "uint32"
                ))
        }
        None => true,
    }
}

fn idle_call(call: &GoNode) -> bool {
    let Some(name) = exprs::called_name(call) else {
        return false;
    };
    IDLE_CALLS.contains(&name.as_str())
        || LOG_PREFIXES.iter().any(|p| name.starts_with(p))
        || MEASURING.contains(&name.as_str())
}

/// A measuring call after the collection in the same pass of the loop.
fn measured_after<'r>(lp: &GoNode<'r>, call: &GoNode<'r>) -> Option<GoNode<'r>> {
    let body = lp.field("body")?;
    let found = body.dfs().find(|n| {
        n.range().start >= call.range().end
            && exprs::called_name(n).is_some_and(|name| MEASURING.contains(&name.as_str()))
    });
    found
}

/// The fix for a loop whose only work is the collection: remove the
/// goroutine when `go func() { <the loop> }()` runs nothing else, or offer no
/// edit.
fn remove_idle_loop(file: &GoFile, lp: &GoNode) -> Outcome {
    let no_edit = || {
        Outcome::report_only(Some(
            "no automatic fix: the collection is all the loop does, and removing the call would \
             leave a loop that only waits; remove the loop (and what starts it) by hand, or keep \
             it if the periodic collection is wanted"
                .into(),
        ))
    };
    let Some(body) = lp.parent().and_then(|p| {
        if p.kind() == "statement_list" {
            p.parent()
        } else {
            Some(p)
        }
    }) else {
        return no_edit();
    };
    let Some(lit) = body.parent().filter(|f| f.kind() == "func_literal") else {
        return no_edit();
    };
    if decls::statements(&body).len() != 1 {
        return no_edit();
    }
    let go = lit
        .parent()
        .filter(|c| c.kind() == "call_expression")
        .filter(|c| {
            c.field("arguments")
                .is_some_and(|a| a.named_children().all(|x| x.kind() == "comment"))
        })
        .and_then(|c| c.parent())
        .filter(|g| g.kind() == "go_statement");
    let Some(go) = go else {
        return no_edit();
    };
    if strands_a_local(&go) {
        return no_edit();
    }
    match statements::statement_removal(file.text(), &go) {
        Some(edit) => Outcome::Report {
            message: Some(
                "the goroutine does nothing but this loop; the fix removes the goroutine".into(),
            ),
            fix: Some(FixPlan {
                edits: vec![edit],
                applicability: Some(Applicability::Unsafe),
                description: Some(
                    "Remove the goroutine whose only work is the periodic collection".into(),
                ),
                ..FixPlan::default()
            }),
            grounds: Grounds::default(),
        },
        None => no_edit(),
    }
}

/// Removing `stmt` would leave a local of its function unused (`d :=
/// time.Minute` read only inside the goroutine): Go rejects that.
fn strands_a_local(stmt: &GoNode) -> bool {
    let Some(func) = scope::enclosing_function(stmt) else {
        return false;
    };
    let inside = stmt.range();
    stmt.dfs().filter(|n| n.kind() == "identifier").any(|id| {
        let name = id.text().to_string();
        let Some(Origin::Local { decl, .. }) = declared_where(&id, &name) else {
            return false;
        };
        if inside.contains(&decl.range().start) {
            return false;
        }
        // Any use outside the goroutine, the declaration aside.
        !func.dfs().any(|n| {
            n.kind() == "identifier"
                && n.text() == name
                && !inside.contains(&n.range().start)
                && !decl.range().contains(&n.range().start)
        })
    })
}
