//! Why a program forces a collection (GM005, GM010): to measure, to drive
//! finalizers, behind an opt-in switch, or to release memory.

use crate::analysis::exprs::called_name;
use crate::analysis::scope;
use crate::gofile::{GoFile, GoMatch, GoNode};

/// Calls whose purpose is to measure: a GC before one of them is there to make
/// the numbers exact (memory statistics, a heap profile, a benchmark's timer).
const MEASURING_CALLS: &[&str] = &[
    "ReadMemStats",
    "WriteHeapProfile",
    "ReadGCStats",
    "StartTimer",
    "StopTimer",
    "ResetTimer",
    "ReportAllocs",
];
/// Fragments of a helper's name that say it measures (`printMemStats`,
/// `WriteProfileTo`): they lower a finding when the helper's body is not in view.
const MEASURING_NAME_PARTS: &[&str] = &[
    "MemStats",
    "memStats",
    "HeapStats",
    "heapStats",
    "Profile",
    "profile",
];
/// Calls whose presence says the collections drive finalizers or cleanups.
const FINALIZER_CALLS: &[&str] = &["SetFinalizer", "AddCleanup"];

/// What follows a collection in its function that measures memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Measurement {
    None,
    /// A call that reads memory statistics, writes a heap profile, reads
    /// runtime/metrics or runs a benchmark timer, or a function of this file
    /// whose body makes one: the collection makes the numbers exact.
    Made,
    /// Only the name of a call says it measures (`printMemStats`,
    /// `WriteProfileTo`) and its body is not in view: at this offset, named.
    Named(usize, String),
}

/// Whether something after the collection `m` in its function measures memory.
pub fn measurement_after(file: &GoFile, m: &GoMatch) -> Measurement {
    let node: &GoNode = m.get_node();
    let Some(func) = scope::enclosing_function(node) else {
        return Measurement::None;
    };
    let after = node.range().end;
    let has_profile = func
        .dfs()
        .any(|n| is_call_to(file, &n, "runtime/pprof", "Lookup"));
    let mut named = None;
    for n in func.dfs().filter(|n| n.range().start >= after) {
        if is_measuring_call(file, &n)
            || (has_profile && called_name(&n).as_deref() == Some("WriteTo"))
        {
            return Measurement::Made;
        }
        let Some(name) = called_name(&n) else {
            continue;
        };
        if !MEASURING_NAME_PARTS.iter().any(|p| name.contains(p)) {
            continue;
        }
        // A helper of this file: its body decides, not its name.
        let root = file.root.root();
        let bodies: Vec<GoNode> = crate::analysis::decls::function_named(&root, &name)
            .into_iter()
            .chain(crate::analysis::decls::methods_named(&root, &name))
            .collect();
        if bodies.is_empty() {
            named.get_or_insert((n.range().start, name));
        } else if bodies
            .iter()
            .any(|b| b.dfs().any(|c| is_measuring_call(file, &c)))
        {
            return Measurement::Made;
        }
    }
    match named {
        Some((at, name)) => Measurement::Named(at, name),
        None => Measurement::None,
    }
}

/// True when the collections in `func` drive finalizers or cleanups:
/// `runtime.SetFinalizer` or `runtime.AddCleanup` in the same function, or
/// anywhere in a file of a test-support package.
pub fn drives_finalizers(file: &GoFile, func: &GoNode) -> bool {
    let sets_finalizers = |n: &GoNode| {
        n.dfs()
            .any(|c| called_name(&c).is_some_and(|name| FINALIZER_CALLS.contains(&name.as_str())))
    };
    sets_finalizers(func)
        || (scope::in_test_support_package(file) && sets_finalizers(&file.root.root()))
}

/// True when the call is the whole body of a named function (`func gc() {
/// runtime.GC() }`): its callers decide. A closure's caller (a timer, a hook)
/// is not visible as a decision to collect, so a literal is no wrapper.
pub fn is_wrapper(node: &GoNode, func: &GoNode) -> bool {
    let named = matches!(
        func.kind().as_ref(),
        "function_declaration" | "method_declaration"
    );
    named
        && node.parent().is_some_and(|stmt| {
            stmt.kind() == "expression_statement"
                && stmt.parent().is_some_and(|list| {
                    let statements: Vec<_> = list
                        .named_children()
                        .filter(|c| c.kind() != "comment")
                        .collect();
                    list.kind() == "statement_list"
                        && list.parent().is_some_and(|body| {
                            func.field("body")
                                .is_some_and(|b| b.range() == body.range())
                        })
                        && statements.len() == 1
                })
        })
}

/// Parts of a name that say it holds an amount of memory (`bufferedBytes`,
/// `HeapAlloc`, `memUsed`, `RSS`). `size` is left out: `len(batch) >= batchSize`
/// counts items (see [`Pacing::Counted`]), not bytes.
const MEMORY_WORDS: &[&str] = &["bytes", "heap", "mem", "alloc", "rss", "inuse"];

/// Whether a collection in a loop is paced by memory, and how that shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pacing {
    /// Nothing shows it: the collection runs on every pass (or batch).
    None,
    /// By structure: a condition between it and its loop compares with a bound
    /// an amount of bytes the code counts (`w.size+int64(len(r)) > limit`, or a
    /// variable the function adds lengths to: `n += len(b)`) or a field of
    /// `runtime.MemStats`; or the loop reads the memory statistics before it
    /// and collects only in some branches (a pacer of its own). Such a
    /// collection runs at most once per that many bytes, where the program
    /// chose to bound its peak: not one per iteration.
    Measured,
    /// Only by words: a condition at this offset compares with a bound a name
    /// that speaks of memory (`bufferedBytes() > limit`, `heapUsed >= max`),
    /// with no count of bytes seen. The name may be right, so it lowers a
    /// finding; it proves nothing by itself.
    Named(usize),
    /// By a count of passes or items: a condition at this offset lets the
    /// collection run once per so many (`i%10000 == 0`, `len(batch) >=
    /// batchSize`, `n >= limit` where the loop counts `n`). One collection
    /// per batch is a pace the program chose, to bound its peak while it
    /// loads: not the per-pass collection the rule is about, though whether
    /// the pace is worth its cost is for the maintainer to judge.
    Counted(usize),
    /// By the clock: each pass of the loop first waits for a ticker, a timer or
    /// a sleep that is not written in seconds or less (`case <-t.C:`, `for range
    /// ticker.C`, `<-time.After(interval)`, `time.Sleep(d)`), at this offset. The
    /// collection runs once per interval, after that pass's work: a schedule the
    /// program chose (a refresh every hour that drops the old data), not a
    /// collection per item of work.
    Timed(usize),
    /// By an operator's signal: each pass of the loop waits for a value from a
    /// channel that `signal.Notify` feeds (a channel registered with it in the
    /// file, or one of `os.Signal`), at this offset, and the collection answers
    /// that signal: the loop ranges over the channel, receives from it at its
    /// top level before the collection, or the collection sits in the `select`
    /// case that receives from it. One collection per signal is an action an
    /// administrator asked for (`kill -USR2`), not a loop that collects. A loop
    /// that only checks the channel between passes of other work (`select`
    /// with a `default`, a case elsewhere) is not paced by it.
    Signalled(usize),
}

/// How the collection at `node` is paced, by memory or by a count, if it is
/// (see [`Pacing`]).
pub fn pacing(file: &GoFile, node: &GoNode) -> Pacing {
    let mut conditional = false;
    let mut looping = None;
    let mut named = None;
    let mut guards = Vec::new();
    let func = scope::enclosing_function(node);
    let mut judge = |cond: &GoNode| -> bool {
        match compares_memory(file, cond, func.as_ref()) {
            Some(true) => true,
            Some(false) => {
                named.get_or_insert(cond.range().start);
                false
            }
            None => false,
        }
    };
    for a in node.ancestors() {
        match a.kind().as_ref() {
            "func_literal" | "function_declaration" | "method_declaration" => break,
            "for_statement" => {
                looping = Some(a);
                break;
            }
            "if_statement" => {
                let Some(cond) = a.field("condition") else {
                    continue;
                };
                // The call inside the condition itself is not guarded by it.
                if cond.range().end <= node.range().start {
                    conditional = true;
                    if judge(&cond) {
                        return Pacing::Measured;
                    }
                    guards.push(cond);
                }
            }
            "communication_case" => {
                let signal = a
                    .field("communication")
                    .and_then(|c| c.dfs().find(|r| receive_from_signal(file, r)));
                if let Some(r) = signal {
                    return Pacing::Signalled(r.range().start);
                }
                conditional = true;
            }
            "expression_case" | "type_case" | "default_case" => {
                conditional = true;
                if let Some(value) = a.field("value") {
                    if judge(&value) {
                        return Pacing::Measured;
                    }
                }
            }
            _ => {}
        }
    }
    let Some(looping) = looping else {
        return Pacing::None;
    };
    if let Some(at) = signal_wait(file, &looping, node) {
        return Pacing::Signalled(at);
    }
    let start = node.range().start;
    let reads_stats = conditional
        && looping.field("body").is_some_and(|body| {
            body.dfs()
                .filter(|n| n.range().end <= start && n.kind() == "call_expression")
                .any(|n| {
                    is_call_to(file, &n, "runtime", "ReadMemStats")
                        || is_call_to(file, &n, "runtime/metrics", "Read")
                })
        });
    if reads_stats {
        return Pacing::Measured;
    }
    if let Some(at) = named {
        return Pacing::Named(at);
    }
    if let Some(guard) = guards.iter().find(|g| counts_passes(g, &looping)) {
        return Pacing::Counted(guard.range().start);
    }
    match clock_wait(file, &looping) {
        Some(at) => Pacing::Timed(at),
        None => Pacing::None,
    }
}

/// Where `looping` waits for the clock on its passes (outside function literals):
/// its range over a ticker's channel or `time.Tick`, a receive from a `.C` channel,
/// `time.After` or `time.Tick`, or a call of `time.Sleep`; None when there is no
/// such wait or its duration is written in seconds or less (`10 *
/// time.Millisecond`, `time.Second`): a collection every second or faster is
/// still one per pass of busy work.
fn clock_wait(file: &GoFile, looping: &GoNode) -> Option<usize> {
    let is_clock_call = |n: &GoNode| {
        n.kind() == "call_expression"
            && ["After", "Tick", "Sleep"]
                .iter()
                .any(|name| is_call_to(file, n, "time", name))
    };
    let short = |call: &GoNode| {
        call.field("arguments").is_some_and(|a| {
            // Seconds and smaller, with no minutes or hours in the expression.
            let t = a.text().to_lowercase();
            t.contains("second") && !t.contains("minute") && !t.contains("hour")
                || a.named_children()
                    .next()
                    .is_some_and(|x| x.kind() == "int_literal")
        })
    };
    let is_clock_channel = |e: &GoNode| {
        let e = crate::analysis::pools::unparen(e);
        (e.kind() == "selector_expression" && e.field("field").is_some_and(|f| f.text() == "C"))
            || (is_clock_call(&e) && !short(&e))
    };
    let in_closure = |n: &GoNode| {
        n.ancestors()
            .take_while(|a| a.range() != looping.range())
            .any(|a| a.kind() == "func_literal")
    };
    for n in looping.dfs() {
        if in_closure(&n) {
            continue;
        }
        let waits = match n.kind().as_ref() {
            "range_clause" => n.field("right").is_some_and(|r| is_clock_channel(&r)),
            "unary_expression" => {
                n.field("operator").is_some_and(|o| o.text() == "<-")
                    && n.field("operand").is_some_and(|o| is_clock_channel(&o))
            }
            "call_expression" => is_call_to(file, &n, "time", "Sleep") && !short(&n),
            _ => false,
        };
        if waits {
            return Some(n.range().start);
        }
    }
    None
}

/// Where each pass of `looping` waits for a signal before reaching `node`: its
/// range over a signal channel, or a receive from one (`<-sigs`, `s := <-sigs`)
/// among the statements of its body before the one holding `node`.
fn signal_wait(file: &GoFile, looping: &GoNode, node: &GoNode) -> Option<usize> {
    let ranged = looping
        .children()
        .find(|c| c.kind() == "range_clause")
        .and_then(|c| c.field("right"))
        .filter(|r| signal_channel(file, r));
    if let Some(r) = ranged {
        return Some(r.range().start);
    }
    let body = looping.field("body")?;
    let at = node.range().start;
    crate::analysis::decls::statements(&body)
        .into_iter()
        .take_while(|s| s.range().end <= at)
        .find_map(|s| {
            let receive = match s.kind().as_ref() {
                "expression_statement" => s.named_children().next(),
                "short_var_declaration" | "assignment_statement" => s
                    .field("right")
                    .and_then(|r| r.named_children().find(|c| c.kind() != "comment")),
                _ => None,
            }?;
            receive_from_signal(file, &receive).then(|| s.range().start)
        })
}

/// `<-ch` where `ch` is a signal channel (see [`signal_channel`]).
fn receive_from_signal(file: &GoFile, n: &GoNode) -> bool {
    let n = crate::analysis::pools::unparen(n);
    n.kind() == "unary_expression"
        && n.field("operator").is_some_and(|o| o.text() == "<-")
        && n.field("operand").is_some_and(|o| signal_channel(file, &o))
}

/// A channel that `signal.Notify` feeds: one the file registers with it (the
/// same expression as its first argument), or one whose element type is
/// `os.Signal` (a channel handed to a function or stored in a field).
pub fn signal_channel(file: &GoFile, ch: &GoNode) -> bool {
    let ch = crate::analysis::pools::unparen(ch);
    let text = crate::analysis::exprs::squash(&ch.text());
    // The channels the file registers, listed once per file: each loop and
    // case asked about would otherwise walk the whole file again.
    let registered = file.memo("signal-notify-channels", "", || {
        file.root
            .root()
            .dfs()
            .filter(|n| is_call_to(file, n, "os/signal", "Notify"))
            .filter_map(|n| {
                let first = crate::analysis::exprs::call_args(&n).into_iter().next()?;
                Some(crate::analysis::exprs::squash(&first.text()))
            })
            .collect::<Vec<String>>()
    });
    registered.contains(&text)
        || crate::analysis::types::Resolver::new(file)
            .type_of(&ch)
            .is_some_and(|t| {
                let t = crate::analysis::exprs::squash(&t);
                t.contains("chan") && t.ends_with("os.Signal")
            })
}

/// Whether a pass of `looping` times a stretch of its own work and the
/// collection at `node` runs outside that stretch: the body keeps the clock
/// (`start := time.Now()`) in a statement of its own and reads the time
/// passed since (`time.Since(start)`, `end.Sub(start)`), and the collection
/// comes before that clock reading or after the reading of its duration (so
/// before the next pass's). The collection then keeps one timed round's
/// garbage out of the next round's measurement (the catalogue's exception:
/// before sensitive measurements). The offsets of the clock reading and of
/// the duration read.
pub fn timed_round(file: &GoFile, looping: &GoNode, node: &GoNode) -> Option<(usize, usize)> {
    let body = looping.field("body")?;
    let at = node.range().start;
    crate::analysis::decls::statements(&body)
        .into_iter()
        .find_map(|s| {
            if !matches!(
                s.kind().as_ref(),
                "short_var_declaration" | "assignment_statement"
            ) {
                return None;
            }
            let name = s
                .field("left")?
                .named_children()
                .find(|c| c.kind() != "comment")
                .filter(|l| l.kind() == "identifier")?
                .text()
                .to_string();
            let clock = s
                .field("right")?
                .named_children()
                .find(|c| c.kind() != "comment")
                .filter(|r| is_call_to(file, r, "time", "Now"));
            clock?;
            let read = body.dfs().find(|n| {
                n.range().start > s.range().end && reads_duration_since(file, n, &name)
            })?;
            let outside = at < s.range().start || at > read.range().end;
            outside.then(|| (s.range().start, read.range().start))
        })
}

/// `time.Since(name)` or `x.Sub(name)`.
fn reads_duration_since(file: &GoFile, n: &GoNode, name: &str) -> bool {
    let first_arg_is = || {
        crate::analysis::exprs::call_args(n)
            .first()
            .is_some_and(|a| a.kind() == "identifier" && a.text() == name)
    };
    (is_call_to(file, n, "time", "Since")
        || (called_name(n).as_deref() == Some("Sub")
            && n.field("function")
                .is_some_and(|f| f.kind() == "selector_expression")))
        && first_arg_is()
}

/// Whether `cond` holds once per so many passes of `looping`: it takes a
/// remainder (`i%n == 0`), or compares with a bound the length of something
/// (`len(batch) >= n`) or a counter the loop advances (`n++`, `n += k`,
/// `atomic.AddInt64(&n, k)`).
fn counts_passes(cond: &GoNode, looping: &GoNode) -> bool {
    let remainder = cond.dfs().any(|n| {
        n.kind() == "binary_expression" && n.field("operator").is_some_and(|o| o.text() == "%")
    });
    if remainder {
        return true;
    }
    let advanced = |name: &str| {
        looping.dfs().any(|n| match n.kind().as_ref() {
            "inc_statement" => n
                .named_children()
                .next()
                .is_some_and(|t| last_name(&t).as_deref() == Some(name)),
            "assignment_statement" => {
                n.field("operator").is_some_and(|o| o.text() == "+=")
                    && n.field("left").is_some_and(|l| {
                        l.named_children()
                            .any(|t| last_name(&t).as_deref() == Some(name))
                    })
            }
            "call_expression" => {
                called_name(&n).is_some_and(|c| c.starts_with("Add"))
                    && n.field("arguments").is_some_and(|a| {
                        a.named_children().next().is_some_and(|first| {
                            first.kind() == "unary_expression"
                                && first
                                    .named_children()
                                    .next()
                                    .is_some_and(|t| last_name(&t).as_deref() == Some(name))
                        })
                    })
            }
            _ => false,
        })
    };
    cond.dfs()
        .filter(|n| {
            n.kind() == "binary_expression"
                && n.field("operator")
                    .is_some_and(|o| matches!(o.text().as_ref(), ">" | ">=" | "=="))
        })
        .any(|cmp| {
            let Some(left) = cmp.field("left") else {
                return false;
            };
            let bound_is_zero = cmp
                .field("right")
                .is_some_and(|r| r.kind() == "int_literal" && r.text() == "0");
            !bound_is_zero
                && (called_name(&left).as_deref() == Some("len")
                    || last_name(&left).is_some_and(|name| advanced(&name)))
        })
}

/// When `cond` compares (`<`, `<=`, `>`, `>=`) an amount of memory: Some(true)
/// when the amount is counted in bytes by the code (a `len(...)` added into
/// the comparison, a variable or field that `func` adds lengths to, a
/// `runtime.MemStats` field), Some(false) when only a name says memory, None
/// when it compares nothing of the kind.
fn compares_memory(file: &GoFile, cond: &GoNode, func: Option<&GoNode>) -> Option<bool> {
    let comparisons: Vec<GoNode> = cond
        .dfs()
        .filter(|n| {
            n.kind() == "binary_expression"
                && n.field("operator")
                    .is_some_and(|o| matches!(o.text().as_ref(), "<" | "<=" | ">" | ">="))
        })
        .collect();
    if comparisons.is_empty() {
        return None;
    }
    let is_len = |n: &GoNode| called_name(n).as_deref() == Some("len");
    // `size + len(rec) > limit`: lengths summed, a count of bytes.
    let sums_lengths = cond.dfs().any(|n| {
        n.kind() == "binary_expression"
            && n.field("operator").is_some_and(|o| o.text() == "+")
            && n.dfs().any(|c| is_len(&c))
    });
    // `w.buffered > limit` where the function or a method of the file does
    // `w.buffered += int64(len(r))`.
    let root = file.root.root();
    let counted = |name: &str| {
        let has = |scope: &GoNode| {
            scope.dfs().any(|n| {
                n.kind() == "assignment_statement"
                    && n.field("operator").is_some_and(|o| o.text() == "+=")
                    && n.field("left").is_some_and(|l| {
                        l.named_children()
                            .any(|t| last_name(&t).as_deref() == Some(name))
                    })
                    && n.field("right")
                        .is_some_and(|r| r.dfs().any(|c| is_len(&c)))
            })
        };
        func.is_some_and(|f| has(f)) || has(&root)
    };
    let resolver = crate::analysis::types::Resolver::new(file);
    let mem_stats = |n: &GoNode| {
        n.kind() == "selector_expression"
            && n.field("operand")
                .and_then(|o| resolver.type_of(&o))
                .is_some_and(|t| t.trim_start_matches('*') == "runtime.MemStats")
    };
    let structural = sums_lengths
        || comparisons.iter().any(|c| {
            c.dfs().any(|n| {
                mem_stats(&n)
                    || (matches!(n.kind().as_ref(), "identifier" | "field_identifier")
                        && !n.parent().is_some_and(|p| {
                            p.kind() == "selector_expression"
                                && p.field("operand").is_some_and(|o| o.range() == n.range())
                        })
                        && counted(&n.text()))
            })
        });
    if structural {
        return Some(true);
    }
    let named = cond.dfs().any(|n| {
        matches!(n.kind().as_ref(), "identifier" | "field_identifier") && {
            let name = n.text().to_lowercase();
            MEMORY_WORDS.iter().any(|w| name.contains(w))
        }
    });
    named.then_some(false)
}

/// The last name of `x`, `s.x`, `a.b.x`.
fn last_name(n: &GoNode) -> Option<String> {
    match n.kind().as_ref() {
        "identifier" => Some(n.text().to_string()),
        "selector_expression" => n.field("field").map(|f| f.text().to_string()),
        _ => None,
    }
}

fn is_call_to(file: &GoFile, n: &GoNode, path: &str, name: &str) -> bool {
    if called_name(n).as_deref() != Some(name) {
        return false;
    }
    let Some(func) = n.field("function") else {
        return false;
    };
    func.field("operand").is_some_and(|o| {
        o.kind() == "identifier" && scope::names_import(file, &func, &o.text(), path)
    })
}

fn is_measuring_call(file: &GoFile, call: &GoNode) -> bool {
    let Some(name) = called_name(call) else {
        return false;
    };
    MEASURING_CALLS.contains(&name.as_str())
        || is_call_to(file, call, "runtime/pprof", "Lookup")
        || is_call_to(file, call, "runtime/metrics", "Read")
}

/// True when the enclosing function does not already call
/// `debug.FreeOSMemory()`.
pub fn no_free_os_memory_nearby(file: &GoFile, m: &GoMatch) -> bool {
    let node: &GoNode = m.get_node();
    let Some(func) = scope::enclosing_function(node) else {
        return true;
    };
    let calls_free = func.dfs().any(|n| {
        n.kind() == "selector_expression"
            && n.field("field").is_some_and(|f| f.text() == "FreeOSMemory")
            && n.field("operand")
                .is_some_and(|o| scope::names_import(file, &n, &o.text(), "runtime/debug"))
    });
    !calls_free
}
