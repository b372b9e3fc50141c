//! Shared analysis: the questions several rules ask, each answered once. Nothing
//! here knows any one rule, and nothing here imports `crate::rules`.

pub mod bounds;
pub mod build;
pub mod callers;
pub mod collections;
pub mod constants;
pub mod context;
pub mod decls;
pub mod deploy;
pub mod escape;
pub mod exprs;
pub mod frames;
pub mod names;
pub mod pools;
pub mod scope;
pub mod statements;
pub mod std_deps;
pub mod types;
