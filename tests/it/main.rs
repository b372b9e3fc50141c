//! gomemfix's integration tests, one crate so the library is linked once. Each
//! module was a test crate of its own; run one with a filter, as in
//! `cargo test --test it compile::` or `scripts/test rules::GM004`.
//!
//! - `rules`: every fixture under tests/fixtures/GMxxx/ is a test of its own, its
//!   snapshot in snapshots/.
//! - `compile`: the fixed fixtures and examples pass `go vet` and `gofmt`; the
//!   `--diff` applies with `git apply` and with `patch`, giving what `fix` writes.
//! - `cli`, `flags`, `paths`, `bad_input`, `outputs`, `summaries`: the command-line
//!   contract, bad input, every `--format` (snapshots in tests/snapshots/).
//! - `suppressions`, `custom_rules`: `//gomemfix:ignore` and GM100; rules from
//!   `--patterns` and `gomemfix test-rules`.
//! - `integrations`, `action_steps`, `actionlint`: action.yml, the pre-commit hooks,
//!   the workflows; `monorepo`: nested gomemfix.toml files; `readme`: the README's
//!   walkthrough runs as written; `cache`: the results cache; `modules`: realistic
//!   modules under tests/fixtures/modules/ with `// want` comments.
//! - `goroutines`, `gm006`: GM003's goroutine count and GM006's options, in Go.
//! - `grammar`: the vendored Go grammar's corpus (grammar/tree-sitter-go/test/corpus).
//! - `proof`: every fixable rule's measured row (proof/run); `audit`: scripts/audit.
//! - `prefilter`, `fuzz`: the prefilter never drops a finding; mutated sources
//!   never break `check` or `fix` (a pinned seed; `GOMEMFIX_FUZZ_RANDOM=1` draws one).
//! - `server`, `neovim`: `gomemfix server` driven over stdio by a small client,
//!   and by headless Neovim's own LSP client (scripts/test installs Neovim).
//! - `corpus`: `#[ignore]`d, the whole-GOROOT safety proof; `scripts/test` runs it
//!   in the same build when CI is set.
//!
//! Go runs offline, every Go command with the one build cache target/gocache.

mod common;

mod action_steps;
mod actionlint;
mod audit;
mod bad_input;
mod blind;
mod cache;
mod cli;
mod compile;
mod confidence;
mod corpus;
mod custom_rules;
mod flags;
mod fuzz;
mod gm006;
mod goroutines;
mod grammar;
mod integrations;
mod modules;
mod monorepo;
mod neovim;
mod outputs;
mod paths;
mod prefilter;
mod proof;
mod readme;
mod rules;
mod server;
mod summaries;
mod suppressions;
