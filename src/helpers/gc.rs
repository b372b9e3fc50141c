//! Helpers for rules about forcing collections (GM005, GM010).

use super::{scope, FixPlan, Outcome};
use crate::finding::Edit;
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::imports::{choose_name, ImportRequest};

/// Calls whose purpose is to measure memory: a GC right before one of them is
/// there to make the numbers exact, not to release memory.
const MEASURING_CALLS: &[&str] = &["ReadMemStats", "WriteHeapProfile", "ReadGCStats"];
/// Fragments of a helper's name that say it measures (`printMemStats`, `dumpHeapProfile`).
const MEASURING_NAME_PARTS: &[&str] = &["MemStats", "HeapProfile", "HeapStats", "heapProfile", "memStats"];

/// Check `not-followed-by-measurement`: the statement run after the call does not
/// read memory statistics, write a heap profile or read runtime/metrics.
pub fn not_followed_by_measurement(file: &GoFile, m: &GoMatch) -> bool {
    let node: &GoNode = m.get_node();
    let Some(stmt) = node.ancestors().find(|a| a.kind().ends_with("_statement")) else {
        return true;
    };
    match scope::next_statement(&stmt) {
        Some(next) => !measures_memory(file, &next),
        None => true,
    }
}

fn measures_memory(file: &GoFile, stmt: &GoNode) -> bool {
    stmt.dfs().filter(|n| n.kind() == "call_expression").any(|call| {
        let Some(func) = call.field("function") else { return false };
        let (operand, name) = match func.kind().as_ref() {
            "selector_expression" => (
                func.field("operand").map(|o| o.text().to_string()),
                func.field("field").map(|f| f.text().to_string()).unwrap_or_default(),
            ),
            "identifier" => (None, func.text().to_string()),
            _ => return false,
        };
        let pkg = |path: &str| operand.as_deref().is_some_and(|o| scope::names_import(file, &func, o, path));
        MEASURING_CALLS.contains(&name.as_str())
            || MEASURING_NAME_PARTS.iter().any(|p| name.contains(p))
            || (name == "Lookup" && pkg("runtime/pprof"))
            || (name == "Read" && pkg("runtime/metrics"))
    })
}

/// Check `no-free-os-memory-nearby`: the enclosing function does not already call
/// `debug.FreeOSMemory()`.
pub fn no_free_os_memory_nearby(file: &GoFile, m: &GoMatch) -> bool {
    let node: &GoNode = m.get_node();
    let Some(func) = scope::enclosing_function(node) else { return true };
    let calls_free = func.dfs().any(|n| {
        n.kind() == "selector_expression"
            && n.field("field").is_some_and(|f| f.text() == "FreeOSMemory")
            && n.field("operand").is_some_and(|o| scope::names_import(file, &n, &o.text(), "runtime/debug"))
    });
    !calls_free
}

/// True when this file's package may import `path` without an import cycle.
pub fn can_import(file: &GoFile, path: &str) -> bool {
    let Some(module) = &file.module else { return true };
    if module.path != "std" {
        return true;
    }
    match (file.package_import_path(), super::std_deps::deps_of(path)) {
        (Some(me), Some(deps)) => !deps.contains(&me.as_str()),
        // Unknown position in the standard library: do not risk a cycle.
        _ => false,
    }
}

/// Fixer `replace-call: PKGPATH.Func`: calls `Func` of package PKGPATH in place of
/// the matched call, with the same arguments, importing the package.
pub fn replace_call(file: &GoFile, m: &GoMatch, arg: Option<&str>) -> Outcome {
    let Some((path, func_name)) = arg.and_then(|a| a.rsplit_once('.')) else {
        return Outcome::report_only(None);
    };
    if !can_import(file, path) {
        return Outcome::report_only(Some(format!(
            "report only: this package is a dependency of {path}, which it cannot import"
        )));
    }
    let node: &GoNode = m.get_node();
    let Some(func) = node.field("function") else {
        return Outcome::report_only(None);
    };
    let (name, alias) = choose_name(&file.root, path, &file.imports);
    let r = func.range();
    Outcome::fix(FixPlan {
        edits: vec![Edit::new(r.start, r.end, format!("{name}.{func_name}"))],
        imports: vec![ImportRequest {
            path: path.to_string(),
            alias,
        }],
        ..FixPlan::default()
    })
}
