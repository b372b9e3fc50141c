//! Go for tree-sitter: upstream tree-sitter-go 0.25.0's grammar with the syntax of
//! Go 1.26 and 1.27 added (see README.md), as the same `LANGUAGE` constant the
//! crates.io crate exports, so `tree_sitter_go::LANGUAGE.into()` keeps working.

use tree_sitter_language::LanguageFn;

extern "C" {
    fn tree_sitter_go() -> *const ();
}

/// The language, for `tree_sitter::Parser::set_language(&LANGUAGE.into())`.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_go) };

/// The generated `node-types.json`: every node kind and its fields.
pub const NODE_TYPES: &str = include_str!("src/node-types.json");
