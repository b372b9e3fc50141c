//! The rules: each built-in rule is a YAML file in `patterns/` (what to match, the
//! docs, a template fix where one can say it) and, when a pattern cannot say it all,
//! one module here with one entry point, `run`, that decides whether a match is a
//! finding and plans its fix. Rules ask `crate::analysis` for shared knowledge and
//! never import each other.

pub mod first_look;
pub mod yaml;

pub mod gm001_subslice_pinning;
pub mod gm002_pool_put_without_reset;
pub mod gm003_goroutine_leak;
pub mod gm004_map_clear_by_delete;
pub mod gm005_gc_in_loop;
pub mod gm006_missing_memory_limit;
pub mod gm007_pool_as_state;
pub mod gm008_memprofilerate_every_alloc;
pub mod gm009_deep_recursion_large_frame;
pub mod gm010_gc_without_free_os_memory;

pub use yaml::{
    bundled, load_dir, parse_rule, summary, with_patterns, FixSafety, Rule, RuleLoadError, RuleMeta,
};

use crate::gofile::{GoFile, GoMatch};
use crate::narrow::{self, TriggerFn};
use crate::outcome::Outcome;

/// A rule's entry point: what the pattern's match means, and how to fix it.
pub type RunFn = fn(&GoFile, &GoMatch) -> Outcome;

/// The built-in rules that have Rust beside their YAML, by rule id. A rule
/// without an entry here (a user's `--patterns` rule) uses its YAML alone.
pub const BUILT_IN: &[(&str, RunFn)] = &[
    ("GM001", gm001_subslice_pinning::run),
    ("GM002", gm002_pool_put_without_reset::run),
    ("GM003", gm003_goroutine_leak::run),
    ("GM004", gm004_map_clear_by_delete::run),
    ("GM005", gm005_gc_in_loop::run),
    ("GM006", gm006_missing_memory_limit::run),
    ("GM007", gm007_pool_as_state::run),
    ("GM008", gm008_memprofilerate_every_alloc::run),
    ("GM009", gm009_deep_recursion_large_frame::run),
    ("GM010", gm010_gc_without_free_os_memory::run),
];

/// The entry point of built-in rule `id`, if it has one.
/// Declaration triggers (see `narrow`): what the rule's own logic requires inside
/// the declaration it fires in. GM009 fires on a function that calls itself;
/// GM001 on a slice expression whose base is dropped (`= nil`), made large
/// (`make`) or read whole (`ReadFile`, `ReadAll`) in the same function. The
/// others follow their patterns: what the match itself spells (GM002 `x.Put(`,
/// GM007 `x.Get(` or `x.Put(`, GM005 and GM010 `x.GC(`, GM006 `func main(`,
/// GM008 `x.MemProfileRate`), or must hold in its declaration (GM003: a `go`
/// statement or `x.TODO(`; GM004: `for` and `delete(`). A pattern that changes
/// must keep its trigger true wherever it can match (tests/it/prefilter.rs and
/// the GOROOT proof compare findings with narrowing on and off).
pub const TRIGGERS: &[(&str, TriggerFn)] = &[
    ("GM001", narrow::subslice_of_dropped_base),
    ("GM002", narrow::pool_put),
    ("GM003", narrow::go_statement_or_todo),
    ("GM004", narrow::delete_in_loop),
    ("GM005", narrow::gc_call),
    ("GM006", narrow::main_func),
    ("GM007", narrow::pool_get_or_put),
    ("GM008", narrow::memprofilerate_field),
    ("GM009", narrow::self_reference),
    ("GM010", narrow::gc_call),
];

pub fn trigger_of(id: &str) -> Option<TriggerFn> {
    TRIGGERS.iter().find(|(i, _)| *i == id).map(|(_, f)| *f)
}

pub fn entry_point(id: &str) -> Option<RunFn> {
    BUILT_IN.iter().find(|(i, _)| *i == id).map(|(_, f)| *f)
}
