//! gomemfix: finds Go memory-management bugs and rewrites them to their documented fix.
//!
//! Data flows one stage a module: `walk` → `source` (bytes to text) → `prefilter`
//! → `gofile` (one parse) → `engine` (rules from `rules`, each a YAML file plus at
//! most one module asking `analysis`; `suppress`) → `imports` and `finding` edits →
//! `report`, `diff` or `write`.

pub mod analysis;
pub mod baseline;
pub mod cache;
pub mod cli;
pub mod config;
pub mod diff;
pub mod engine;
pub mod filter;
pub mod finding;
pub mod gofile;
pub mod gomod;
pub mod imports;
pub mod lang;
pub mod model;
pub mod narrow;
pub mod options;
pub mod outcome;
pub mod package;
pub mod prefilter;
pub mod profile;
pub mod report;
pub mod rule_tests;
pub mod rules;
pub mod run;
pub mod server;
pub mod source;
pub mod suppress;
pub mod walk;
pub mod write;
