//! Named Rust helpers that rule files refer to, for what a pattern cannot say.
//!
//! A rule's YAML names *checks* (predicates that must all hold for a match to be a
//! finding) and at most one *fixer* (which builds the edit, or explains why there is
//! none, or decides on closer reading that the match is not a finding). The engine
//! knows nothing of any one rule: it looks helpers up here by name.

pub mod callers;
pub mod containers;
pub mod decls;
pub mod escape;
pub mod exprs;
pub mod frames;
pub mod gc;
pub mod goroutine;
pub mod maps;
pub mod memprofile;
pub mod pool_reset;
pub mod pool_state;
pub mod pools;
pub mod recursion;
pub mod scope;
pub mod slices;
pub mod statements;
pub mod std_deps;

use crate::finding::{Applicability, Edit, FileEdit};
use crate::gofile::{GoFile, GoMatch};
use crate::imports::ImportRequest;

/// A fix as a helper proposes it: code edits plus the imports they need. The
/// engine works out which imports the edits leave unused.
#[derive(Debug, Clone, Default)]
pub struct FixPlan {
    pub edits: Vec<Edit>,
    pub imports: Vec<ImportRequest>,
    /// Overrides the rule's `fix-description` when the helper knows better.
    pub description: Option<String>,
    /// Overrides the rule's `fix-safety` (e.g. unsafe only when a signature changes).
    pub applicability: Option<Applicability>,
    /// Edits to other files; the finding's own file goes in `edits` only. They are
    /// applied after every file's own fixes, all or nothing per target file.
    pub extra_files: Vec<FileEdit>,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    /// On closer reading the match is not a finding.
    Silent,
    Report {
        /// Replaces the rule's message when set.
        message: Option<String>,
        fix: Option<FixPlan>,
    },
}

impl Outcome {
    pub fn fix(plan: FixPlan) -> Self {
        Outcome::Report {
            message: None,
            fix: Some(plan),
        }
    }

    /// A finding without an edit, with the reason appended to the rule's message.
    pub fn report_only(reason: Option<String>) -> Self {
        Outcome::Report {
            message: reason,
            fix: None,
        }
    }
}

pub type CheckFn = fn(&GoFile, &GoMatch) -> bool;
pub type FixerFn = fn(&GoFile, &GoMatch, Option<&str>) -> Outcome;

/// Every check a rule may name under `metadata.checks`.
const CHECKS: &[(&str, CheckFn)] = &[
    (
        "not-followed-by-measurement",
        gc::not_followed_by_measurement,
    ),
    ("no-free-os-memory-nearby", gc::no_free_os_memory_nearby),
    (
        "not-a-deliberate-collection",
        gc::not_a_deliberate_collection,
    ),
    ("small-profile-rate", memprofile::small_profile_rate),
    ("goroutine-never-exits", goroutine::goroutine_never_exits),
    ("calls-itself", recursion::calls_itself),
];

/// Every fixer a rule may name under `metadata.fixer`.
const FIXERS: &[(&str, FixerFn)] = &[
    ("memory-limit", containers::memory_limit),
    ("remove-statement", statements::remove_statement),
    ("replace-call", gc::replace_call),
    ("stop-with-context", goroutine::stop_with_context),
    ("recreate-map", maps::recreate_map),
    ("recursion-to-loop", recursion::recursion_to_loop),
    ("reset-before-put", pool_reset::reset_before_put),
    ("pool-state", pool_state::pool_state),
    ("copy-subslice", slices::copy_subslice),
];

pub fn check(name: &str) -> Option<CheckFn> {
    CHECKS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

pub fn fixer(name: &str) -> Option<FixerFn> {
    FIXERS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

pub fn check_names() -> Vec<&'static str> {
    CHECKS.iter().map(|(n, _)| *n).collect()
}

pub fn fixer_names() -> Vec<&'static str> {
    FIXERS.iter().map(|(n, _)| *n).collect()
}
