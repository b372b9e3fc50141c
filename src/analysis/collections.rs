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
/// Fragments of a helper's name that say it measures (`printMemStats`, `WriteProfileTo`).
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

/// True when nothing after the call in its function
/// reads memory statistics, writes a profile, reads runtime/metrics or runs a
/// benchmark timer.
pub fn not_followed_by_measurement(file: &GoFile, m: &GoMatch) -> bool {
    let node: &GoNode = m.get_node();
    let Some(func) = scope::enclosing_function(node) else {
        return true;
    };
    let after = node.range().end;
    let has_profile = func
        .dfs()
        .any(|n| is_call_to(file, &n, "runtime/pprof", "Lookup"));
    let measured = func.dfs().filter(|n| n.range().start >= after).any(|n| {
        is_measuring_call(file, &n)
            || (has_profile && called_name(&n).as_deref() == Some("WriteTo"))
    });
    !measured
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
/// counts items, and a collection per batch is the bug.
const MEMORY_WORDS: &[&str] = &["bytes", "heap", "mem", "alloc", "rss", "inuse"];

/// True when the collection in a loop runs only when a memory measurement says
/// so: a condition between it and its loop compares an amount of memory with a
/// bound (`if buf.BufferedBytes() > limit`), or the loop reads the memory
/// statistics before it and collects only in some branches (a pacer of its own
/// that skips the collection when the runtime has just run one). Such a
/// collection runs at most once per that many bytes, where the program chose
/// to bound its peak: not one per iteration.
pub fn paced_by_memory(file: &GoFile, node: &GoNode) -> bool {
    let mut conditional = false;
    let mut looping = None;
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
                    if compares_memory(&cond) {
                        return true;
                    }
                }
            }
            "expression_case" | "type_case" | "communication_case" | "default_case" => {
                conditional = true;
                if let Some(value) = a.field("value") {
                    if compares_memory(&value) {
                        return true;
                    }
                }
            }
            _ => {}
        }
    }
    let Some(looping) = looping else {
        return false;
    };
    let start = node.range().start;
    conditional
        && looping.field("body").is_some_and(|body| {
            body.dfs()
                .filter(|n| n.range().end <= start && n.kind() == "call_expression")
                .any(|n| {
                    is_call_to(file, &n, "runtime", "ReadMemStats")
                        || is_call_to(file, &n, "runtime/metrics", "Read")
                })
        })
}

/// True when `cond` compares (`<`, `<=`, `>`, `>=`) and names an amount of memory.
fn compares_memory(cond: &GoNode) -> bool {
    let compares = cond.dfs().any(|n| {
        n.kind() == "binary_expression"
            && n.field("operator")
                .is_some_and(|o| matches!(o.text().as_ref(), "<" | "<=" | ">" | ">="))
    });
    compares
        && cond.dfs().any(|n| {
            matches!(n.kind().as_ref(), "identifier" | "field_identifier") && {
                let name = n.text().to_lowercase();
                MEMORY_WORDS.iter().any(|w| name.contains(w))
            }
        })
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
        || MEASURING_NAME_PARTS.iter().any(|p| name.contains(p))
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
