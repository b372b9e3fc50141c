//! gomemfix: finds Go memory-management bugs and rewrites them to their documented fix.
//!
//! Data flows one stage a module: `walk` → `source` (bytes to text) → `prefilter`
//! → `gofile` (one parse) → `engine` (rules from `rules`, helpers from `helpers`,
//! `suppress`) → `imports` and `finding` edits → `report`, `diff` or `write`.

pub mod baseline;
pub mod cli;
pub mod config;
pub mod deploy;
pub mod diff;
pub mod engine;
pub mod filter;
pub mod finding;
pub mod gofile;
pub mod gomod;
pub mod helpers;
pub mod imports;
pub mod lang;
pub mod options;
pub mod prefilter;
pub mod report;
pub mod rules;
pub mod run;
pub mod source;
pub mod suppress;
pub mod types;
pub mod walk;
pub mod write;
