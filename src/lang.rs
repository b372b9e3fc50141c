//! Go as an ast-grep language, backed by tree-sitter-go.
//!
//! Go identifiers cannot contain `$`, so patterns are rewritten to use the
//! expando character `µ` (a Unicode letter, hence a valid identifier part)
//! before they are parsed, as ast-grep's own Go support does.

use std::borrow::Cow;

use ast_grep_core::matcher::{Pattern, PatternBuilder, PatternError};
use ast_grep_core::tree_sitter::{LanguageExt, StrDoc, TSLanguage};
use ast_grep_core::Language;
use serde::{Deserialize, Deserializer};

/// The metavariable character as users write it in patterns.
const META_CHAR: char = '$';
/// What `$` becomes before the pattern reaches the Go parser.
const EXPANDO_CHAR: char = 'µ';

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Go;

impl Go {
    pub fn ts_language() -> TSLanguage {
        tree_sitter_go::LANGUAGE.into()
    }
}

impl Language for Go {
    fn pre_process_pattern<'q>(&self, query: &'q str) -> Cow<'q, str> {
        if query.contains(META_CHAR) {
            Cow::Owned(query.replace(META_CHAR, &EXPANDO_CHAR.to_string()))
        } else {
            Cow::Borrowed(query)
        }
    }
    fn meta_var_char(&self) -> char {
        META_CHAR
    }
    fn expando_char(&self) -> char {
        EXPANDO_CHAR
    }
    fn kind_to_id(&self, kind: &str) -> u16 {
        self.get_ts_language().id_for_node_kind(kind, true)
    }
    fn field_to_id(&self, field: &str) -> Option<u16> {
        self.get_ts_language()
            .field_id_for_name(field)
            .map(|f| f.get())
    }
    fn build_pattern(&self, builder: &PatternBuilder) -> Result<Pattern, PatternError> {
        builder.build(|src| StrDoc::try_new(src, *self))
    }
}

impl LanguageExt for Go {
    fn get_ts_language(&self) -> TSLanguage {
        Self::ts_language()
    }
}

/// Rule files say `language: go` (any case, or `golang`).
impl<'de> Deserialize<'de> for Go {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        match name.to_ascii_lowercase().as_str() {
            "go" | "golang" => Ok(Go),
            other => Err(serde::de::Error::custom(format!(
                "gomemfix only knows Go rules, not language `{other}`"
            ))),
        }
    }
}
