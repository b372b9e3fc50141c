//! GM003: a goroutine whose loop never ends, and the fix that lets a context
//! stop it (its sleeps become a `select` that also waits on `ctx.Done()`).
//!
//! A loop has a way out when its own code (not a closure inside it) can leave
//! it: `return`, `goto`, a `break` that targets it or an outer statement, a
//! `continue` of an outer loop, `panic` or a call that ends the goroutine or the
//! program (`runtime.Goexit`, `os.Exit`, `log.Fatal`...). Receives count too,
//! as the rule's contract says: a receive from a `Done()` channel anywhere, a
//! plain receive from a channel other than a timer (the goroutine is a worker
//! paced by its input, not a sleeper), and a `range` over a channel or over
//! something that may be one. A receive that is a case of a `select` leaves
//! the loop only when its case does, which the `return`/`break` test sees.

use crate::analysis::context::context_in_scope;
use crate::analysis::decls::{self, Decl};
use crate::analysis::{callers, scope};
use crate::finding::{Applicability, Edit};
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::imports::line_end;
use crate::outcome::{FixPlan, Outcome};

/// Calls that end the goroutine or the whole program: the loop does stop.
const ENDING_CALLS: &[&str] = &[
    "Goexit", "Exit", "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln",
];
/// `context` functions whose first result is a cancellable child context.

/// One wait in the loop that the fix turns into a `select` on `ctx.Done()`.
#[derive(Clone)]
pub enum Sleep<'r> {
    /// `time.Sleep(d)` as a statement; `time` is the import's local name.
    Call {
        stmt: GoNode<'r>,
        time: String,
        duration: String,
    },
    /// `<-ch` as a statement, where `ch` is a timer's or ticker's channel.
    Receive { stmt: GoNode<'r>, channel: String },
    /// A `select` with a timer case: it gains a `ctx.Done()` case.
    Select { stmt: GoNode<'r> },
}

/// An endless loop in a goroutine's function.
#[derive(Clone)]
pub struct Leak<'r> {
    /// The function whose body holds the loop (a literal or a declaration).
    pub func: GoNode<'r>,
    pub looping: GoNode<'r>,
    pub sleeps: Vec<Sleep<'r>>,
}

/// Finds a goroutine whose loop never exits and turns each sleep of the leaking loop into a
/// `select` that returns when a context is done. Safe with a context in scope;
/// otherwise unsafe: the enclosing function gains a `ctx context.Context` first
/// parameter and every call in the module passes one.
pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    let go_stmt: &GoNode = m.get_node();
    let Some(leak) = goroutine_function(go_stmt).and_then(|f| find_leak(file, &f)) else {
        return Outcome::Silent;
    };
    if returns_values(&leak.func) {
        return Outcome::report_only(Some(
            "no automatic fix: the goroutine's function returns values, so a bare `return` cannot stop it".into(),
        ));
    }
    let anchor = sleep_node(&leak.sleeps[0]);
    if let Some(ctx) = context_in_scope(file, &anchor) {
        return Outcome::fix(FixPlan {
            edits: sleep_edits(file.text(), &leak.sleeps, &ctx),
            applicability: Some(Applicability::Safe),
            ..FixPlan::default()
        });
    }
    // No context in scope: the function that starts (or is) the goroutine gets one.
    let owner = if leak.func.kind() == "func_literal" {
        match scope::enclosing_function(go_stmt) {
            Some(f) => f,
            None => return Outcome::report_only(None),
        }
    } else {
        leak.func.clone()
    };
    match callers::add_context_parameter(file, &owner) {
        Ok(change) => {
            let mut edits = sleep_edits(file.text(), &leak.sleeps, &change.param);
            edits.extend(change.edits);
            let name = callers::function_name(&owner).unwrap_or_default();
            let n = change.call_sites;
            Outcome::Report {
                message: Some(format!(
                    "no context in scope: the fix adds `{} context.Context` as the first parameter of `{name}` and passes one at its {n} call site{}",
                    change.param,
                    if n == 1 { "" } else { "s" }
                )),
                fix: Some(FixPlan {
                    edits,
                    imports: change.imports,
                    applicability: Some(Applicability::Unsafe),
                    extra_files: change.extra_files,
                    ..FixPlan::default()
                }),
            }
        }
        Err(reason) => Outcome::report_only(Some(format!(
            "no context in scope and no automatic fix: {reason}"
        ))),
    }
}

/// The function a `go` statement runs, when this file declares it: a function
/// literal, a function `f` of the file, or a method `x.m` the file declares
/// once (or on `x`'s declared type).
pub fn goroutine_function<'r>(go_stmt: &GoNode<'r>) -> Option<GoNode<'r>> {
    let call = go_stmt.children().find(|c| c.kind() == "call_expression")?;
    let callee = call.field("function")?;
    match callee.kind().as_ref() {
        "func_literal" => Some(callee),
        "identifier" => {
            let name = callee.text();
            if decls::lookup(go_stmt, &name).is_some() {
                return None; // a local function value: its body is not known here
            }
            decls::function_named(go_stmt, &name)
        }
        "selector_expression" => {
            let method = callee.field("field")?.text().to_string();
            let operand = callee.field("operand")?;
            let candidates = decls::methods_named(go_stmt, &method);
            if candidates.len() == 1 {
                return candidates.into_iter().next();
            }
            let ty = if operand.kind() == "identifier" {
                decls::lookup(go_stmt, &operand.text())
                    .and_then(|d| d.ty)
                    .and_then(|t| decls::base_type_name(&t))
            } else {
                None
            }?;
            candidates
                .into_iter()
                .find(|m| decls::receiver_of(m).is_some_and(|(_, t)| t == ty))
        }
        _ => None,
    }
}

/// The first endless loop in `func`'s own code that sleeps and has no way out.
pub fn find_leak<'r>(file: &GoFile, func: &GoNode<'r>) -> Option<Leak<'r>> {
    let body = func.field("body")?;
    decls::own_nodes(&body)
        .into_iter()
        .filter(|n| n.kind() == "for_statement" && is_endless(n))
        .find_map(|looping| {
            let sleeps = sleeps_without_exit(file, &looping)?;
            Some(Leak {
                func: func.clone(),
                looping,
                sleeps,
            })
        })
}

/// `for { }`, `for true { }`, or a `for init; ; post { }` with no condition.
fn is_endless(looping: &GoNode) -> bool {
    let header: Vec<GoNode> = looping
        .children()
        .filter(|c| c.is_named() && c.kind() != "block" && c.kind() != "comment")
        .collect();
    match header.as_slice() {
        [] => true,
        [h] if h.kind() == "true" => true,
        [h] if h.kind() == "for_clause" => h.field("condition").is_none(),
        _ => false,
    }
}

/// The loop's sleeps, when it has at least one and no way out.
fn sleeps_without_exit<'r>(file: &GoFile, looping: &GoNode<'r>) -> Option<Vec<Sleep<'r>>> {
    let own_label = looping
        .parent()
        .filter(|p| p.kind() == "labeled_statement")
        .and_then(|p| p.field("label"))
        .map(|l| l.text().to_string());
    let body = looping.field("body")?;
    let nodes = decls::own_nodes(&body);
    let inner_labels: Vec<String> = nodes
        .iter()
        .filter(|n| n.kind() == "labeled_statement")
        .filter_map(|n| n.field("label"))
        .map(|l| l.text().to_string())
        .collect();
    let mut sleeps = vec![];
    for n in &nodes {
        match n.kind().as_ref() {
            "return_statement" | "goto_statement" => return None,
            "break_statement" => match label_of(n) {
                Some(l) if inner_labels.contains(&l) => {}
                Some(_) => return None,
                None => {
                    if breaks_target(n).is_some_and(|t| t.range() == looping.range()) {
                        return None;
                    }
                }
            },
            "continue_statement" => {
                if let Some(l) = label_of(n) {
                    if Some(&l) != own_label.as_ref() && !inner_labels.contains(&l) {
                        return None;
                    }
                }
            }
            "call_expression" => {
                if ends_goroutine(n) {
                    return None;
                }
                if is_time_call(file, n, "Sleep") {
                    if let Some(stmt) = whole_statement(n) {
                        let callee = n.field("function")?;
                        sleeps.push(Sleep::Call {
                            stmt,
                            time: callee.field("operand")?.text().to_string(),
                            duration: inner_args(n),
                        });
                    }
                }
            }
            "unary_expression" if is_receive(n) => {
                let channel = n.field("operand")?;
                let in_select = n.parent().is_some_and(|p| p.kind() == "receive_statement")
                    && n.ancestors()
                        .nth(1)
                        .is_some_and(|c| c.kind() == "communication_case");
                if is_done_channel(&channel) {
                    return None;
                }
                if is_timer_channel(file, &channel) {
                    if in_select {
                        let select = n.ancestors().nth(2)?;
                        if !sleeps
                            .iter()
                            .any(|s| matches!(s, Sleep::Select { stmt } if stmt.range() == select.range()))
                        {
                            sleeps.push(Sleep::Select { stmt: select });
                        }
                    } else if let Some(stmt) = whole_statement(n) {
                        sleeps.push(Sleep::Receive {
                            stmt,
                            channel: channel.text().to_string(),
                        });
                    }
                } else if !in_select {
                    return None;
                }
            }
            "range_clause" if n.field("right").is_none_or(|r| may_be_channel(file, &r)) => {
                return None;
            }
            _ => {}
        }
    }
    (!sleeps.is_empty()).then_some(sleeps)
}

fn label_of(n: &GoNode) -> Option<String> {
    n.children()
        .find(|c| c.kind() == "label_name")
        .map(|l| l.text().to_string())
}

/// The statement an unlabelled `break` leaves.
fn breaks_target<'r>(brk: &GoNode<'r>) -> Option<GoNode<'r>> {
    brk.ancestors().find(|a| {
        matches!(
            a.kind().as_ref(),
            "for_statement"
                | "expression_switch_statement"
                | "type_switch_statement"
                | "select_statement"
        ) || scope::is_function(a)
    })
}

fn ends_goroutine(call: &GoNode) -> bool {
    let Some(f) = call.field("function") else {
        return false;
    };
    match f.kind().as_ref() {
        "identifier" => f.text() == "panic",
        "selector_expression" => f
            .field("field")
            .is_some_and(|n| ENDING_CALLS.contains(&n.text().as_ref())),
        _ => false,
    }
}

fn is_receive(n: &GoNode) -> bool {
    n.field("operator").is_some_and(|o| o.text() == "<-")
}

/// The expression statement `n` stands as, if any.
fn whole_statement<'r>(n: &GoNode<'r>) -> Option<GoNode<'r>> {
    n.parent().filter(|p| p.kind() == "expression_statement")
}

/// The text between a call's parentheses.
fn inner_args(call: &GoNode) -> String {
    call.field("arguments")
        .map(|a| {
            let t = a.text();
            t[1..t.len() - 1].trim().to_string()
        })
        .unwrap_or_default()
}

/// `time.F(...)` for the `time` import, whatever its local name.
fn is_time_call(file: &GoFile, call: &GoNode, func: &str) -> bool {
    let Some(callee) = call.field("function") else {
        return false;
    };
    callee.kind() == "selector_expression"
        && callee.field("field").is_some_and(|f| f.text() == func)
        && callee.field("operand").is_some_and(|o| {
            o.kind() == "identifier" && scope::names_import(file, &callee, &o.text(), "time")
        })
}

/// `x.Done()`: a context's or a done channel's.
fn is_done_channel(channel: &GoNode) -> bool {
    channel.kind() == "call_expression"
        && channel
            .field("function")
            .and_then(|f| f.field("field"))
            .is_some_and(|f| f.text() == "Done")
}

fn names_timer(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("tick") || t.contains("timer")
}

/// A channel that only ever delivers the time: `time.After(d)`, `time.Tick(d)`,
/// a ticker's or timer's `C` (field or clock-interface method), or a variable
/// holding one of these.
fn is_timer_channel(file: &GoFile, ch: &GoNode) -> bool {
    match ch.kind().as_ref() {
        "call_expression" => {
            if is_time_call(file, ch, "After") || is_time_call(file, ch, "Tick") {
                return true;
            }
            // `t.C()` of a clock library's Ticker or Timer interface.
            ch.field("arguments").is_some_and(|a| a.text() == "()")
                && ch
                    .field("function")
                    .filter(|f| f.kind() == "selector_expression")
                    .is_some_and(|f| {
                        f.field("field").is_some_and(|n| n.text() == "C")
                            && f.field("operand").is_some_and(|o| holds_timer(file, &o))
                    })
        }
        "selector_expression" => {
            ch.field("field").is_some_and(|n| n.text() == "C")
                && ch.field("operand").is_some_and(|o| holds_timer(file, &o))
        }
        "identifier" => decls::lookup(ch, &ch.text())
            .and_then(|d| d.value)
            .is_some_and(|v| is_timer_channel(file, &v)),
        "parenthesized_expression" => ch
            .children()
            .find(|c| c.is_named())
            .is_some_and(|c| is_timer_channel(file, &c)),
        _ => false,
    }
}

/// A `*time.Ticker`/`*time.Timer` (or a clock library's): by declaration when
/// there is one, else by name (`ticker`, `s.refreshTimer`).
fn holds_timer(file: &GoFile, x: &GoNode) -> bool {
    match x.kind().as_ref() {
        "identifier" => match decls::lookup(x, &x.text()) {
            Some(d) => {
                let by_type = d.ty.as_ref().is_some_and(|t| names_timer(&t.text()));
                let by_value = d.value.as_ref().is_some_and(|v| {
                    v.kind() == "call_expression"
                        && v.field("function").is_some_and(|f| {
                            let name = match f.kind().as_ref() {
                                "selector_expression" => {
                                    f.field("field").map(|n| n.text().to_string())
                                }
                                _ => Some(f.text().to_string()),
                            };
                            name.is_some_and(|n| n == "NewTicker" || n == "NewTimer")
                        })
                });
                by_type || by_value || (d.ty.is_none() && d.value.is_none() && names_timer(&d.name))
            }
            None => {
                let _ = file;
                names_timer(&x.text())
            }
        },
        "selector_expression" => x.field("field").is_some_and(|f| names_timer(&f.text())),
        _ => false,
    }
}

/// False only when `expr` surely is not a channel: a literal, a `make` of
/// something else, or a name declared with another type.
fn may_be_channel(file: &GoFile, expr: &GoNode) -> bool {
    match expr.kind().as_ref() {
        "int_literal"
        | "interpreted_string_literal"
        | "raw_string_literal"
        | "composite_literal"
        | "slice_expression"
        | "binary_expression" => false,
        "call_expression" => {
            let Some(f) = expr.field("function") else {
                return true;
            };
            match f.text().as_ref() {
                "make" => expr
                    .field("arguments")
                    .and_then(|a| a.children().find(|c| c.is_named()))
                    .is_none_or(|t| t.kind() == "channel_type"),
                "len" | "cap" | "min" | "max" | "append" => false,
                _ => {
                    if f.kind() == "identifier" {
                        match decls::function_named(expr, &f.text()).and_then(|d| d.field("result"))
                        {
                            Some(r) => r.text().contains("chan"),
                            None => true,
                        }
                    } else {
                        !is_time_call(file, expr, "Duration")
                    }
                }
            }
        }
        "identifier" => match decls::lookup(expr, &expr.text()) {
            Some(Decl { ty: Some(t), .. }) => t.text().contains("chan"),
            Some(Decl {
                value: Some(v),
                index,
                ..
            }) => {
                // `a, b := f()` — the type of the second result is unknown.
                let multi = v.kind() == "call_expression" && index > 0;
                multi || may_be_channel(file, &v)
            }
            _ => true,
        },
        "selector_expression" => {
            let Some(field) = expr.field("field") else {
                return true;
            };
            let declared: Vec<String> = file
                .root
                .root()
                .dfs()
                .filter(|f| f.kind() == "field_declaration")
                .filter(|f| {
                    f.children()
                        .any(|c| c.kind() == "field_identifier" && c.text() == field.text())
                })
                .filter_map(|f| f.field("type").map(|t| t.text().to_string()))
                .collect();
            declared.is_empty() || declared.iter().any(|t| t.contains("chan"))
        }
        _ => true,
    }
}

fn returns_values(func: &GoNode) -> bool {
    let Some(result) = func.field("result") else {
        return false;
    };
    // Named results allow a bare `return`.
    !(result.kind() == "parameter_list"
        && result
            .children()
            .filter(|p| p.kind() == "parameter_declaration")
            .all(|p| p.children().any(|c| c.kind() == "identifier")))
}

fn sleep_node<'r>(s: &Sleep<'r>) -> GoNode<'r> {
    match s {
        Sleep::Call { stmt, .. } | Sleep::Receive { stmt, .. } | Sleep::Select { stmt } => {
            stmt.clone()
        }
    }
}

/// The edits turning every sleep into a wait that also returns once `ctx` is done.
pub fn sleep_edits(text: &str, sleeps: &[Sleep], ctx: &str) -> Vec<Edit> {
    let mut edits = vec![];
    for s in sleeps {
        let stmt = sleep_node(s);
        let r = stmt.range();
        let ind = crate::analysis::exprs::indentation(text, r.start);
        let done = format!("case <-{ctx}.Done():\n{ind}\treturn\n{ind}");
        // A comment trailing the sleep describes the wait: it moves to the timer's case.
        let line_rest = &text[r.end..line_end(text, r.end)];
        let (end, comment) = match line_rest.trim_start().starts_with("//") {
            true => (
                r.end + line_rest.trim_end().len(),
                format!(" {}", line_rest.trim()),
            ),
            false => (r.end, String::new()),
        };
        match s {
            Sleep::Call { time, duration, .. } => edits.push(Edit::new(
                r.start,
                end,
                format!("select {{\n{ind}{done}case <-{time}.After({duration}):{comment}\n{ind}}}"),
            )),
            Sleep::Receive { channel, .. } => edits.push(Edit::new(
                r.start,
                end,
                format!("select {{\n{ind}{done}case <-{channel}:{comment}\n{ind}}}"),
            )),
            Sleep::Select { stmt } => {
                let Some(first) = stmt
                    .children()
                    .find(|c| matches!(c.kind().as_ref(), "communication_case" | "default_case"))
                else {
                    continue;
                };
                let at = first.range().start;
                edits.push(Edit::new(at, at, done));
            }
        }
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::apply_edits;
    use std::path::Path;

    fn leak_in(src: &str) -> Option<String> {
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let go = f.root.root().dfs().find(|n| n.kind() == "go_statement")?;
        let leak = find_leak(&f, &goroutine_function(&go)?)?;
        let ctx = context_in_scope(&f, &sleep_node(&leak.sleeps[0])).unwrap_or("ctx".into());
        Some(apply_edits(src, &sleep_edits(src, &leak.sleeps, &ctx)))
    }

    const HEAD: &str = "package p\n\nimport (\n\t\"context\"\n\t\"time\"\n)\n\n";

    #[test]
    fn sleep_becomes_select_on_the_context_in_scope() {
        let src = format!("{HEAD}func f(c context.Context) {{\n\tgo func() {{\n\t\tfor {{\n\t\t\ttime.Sleep(time.Second) // pace\n\t\t\twork()\n\t\t}}\n\t}}()\n}}\n");
        let out = leak_in(&src).unwrap();
        assert!(out.contains("\t\t\tselect {\n\t\t\tcase <-c.Done():\n\t\t\t\treturn\n\t\t\tcase <-time.After(time.Second): // pace\n\t\t\t}\n\t\t\twork()\n"), "{out}");
    }

    #[test]
    fn ways_out() {
        for body in [
            "time.Sleep(1)\n\t\t\treturn",
            "time.Sleep(1)\n\t\t\tbreak",
            "time.Sleep(1)\n\t\t\t<-quit",
            "time.Sleep(1)\n\t\t\tfor v := range ch { use(v) }",
            "select {\n\t\t\tcase <-ctx.Done():\n\t\t\tcase <-time.After(1):\n\t\t\t}",
            "time.Sleep(1)\n\t\t\tpanic(x)",
            "work()",
        ] {
            let src = format!(
                "{HEAD}func f() {{\n\tgo func() {{\n\t\tfor {{\n\t\t\t{body}\n\t\t}}\n\t}}()\n}}\n"
            );
            assert!(leak_in(&src).is_none(), "{body}");
        }
    }

    #[test]
    fn no_ways_out() {
        for body in [
            "time.Sleep(1)\n\t\t\tswitch { case x: break }",
            "time.Sleep(1)\n\t\t\tfor _, v := range []int{1} { if v > 0 { break } }",
            "select {\n\t\t\tcase v := <-in:\n\t\t\t\tuse(v)\n\t\t\tcase <-time.After(1):\n\t\t\t}",
            "<-ticker.C\n\t\t\twork()",
        ] {
            let src = format!("{HEAD}func f(ticker *time.Ticker) {{\n\tgo func() {{\n\t\tfor {{\n\t\t\t{body}\n\t\t}}\n\t}}()\n}}\n");
            assert!(leak_in(&src).is_some(), "{body}");
        }
    }
}
