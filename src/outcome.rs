//! What a rule decides about one match of its pattern: no finding, a finding with
//! the rule file's template fix, or a finding with a message and a planned fix.
//! Plain data between the rules and the engine, below both.

use crate::finding::{Applicability, Edit, FileEdit};
use crate::imports::ImportRequest;

/// A fix as a rule plans it: code edits plus the imports they need. The
/// engine works out which imports the edits leave unused.
#[derive(Debug, Clone, Default)]
pub struct FixPlan {
    pub edits: Vec<Edit>,
    pub imports: Vec<ImportRequest>,
    /// Overrides the rule's `fix-description` when the helper knows better.
    pub description: Option<String>,
    /// Overrides the rule's `fix-safety` (e.g. unsafe only when a signature changes).
    pub applicability: Option<Applicability>,
    /// The span the fix rewrites as a whole when `edits` were narrowed to what
    /// changes (a template fix): another rule's fix touching it clashes.
    pub claim: Option<(usize, usize)>,
    /// Edits to other files; the finding's own file goes in `edits` only. They are
    /// applied after every file's own fixes, all or nothing per target file.
    pub extra_files: Vec<FileEdit>,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    /// On closer reading the match is not a finding.
    Silent,
    /// A finding, fixed by the rule file's own `fix:` template (and the imports its
    /// `metadata.imports` names); report only when the file has no template.
    Template,
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
