//! What a rule decides about one match of its pattern: no finding, a finding with
//! the rule file's template fix, or a finding with a message and a planned fix.
//! Plain data between the rules and the engine, below both.

use crate::finding::{Applicability, Confidence, Edit, Evidence, FileEdit};
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

/// Why a match is a finding: the evidence of harm the rule found, and the
/// confidence it earns. A rule that grades nothing leaves `confidence` unset and
/// the finding takes the rule file's `metadata.precision`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grounds {
    pub confidence: Option<Confidence>,
    pub evidence: Vec<Evidence>,
}

impl Grounds {
    pub fn new(confidence: Confidence) -> Self {
        Grounds {
            confidence: Some(confidence),
            evidence: vec![],
        }
    }

    /// Adds one piece of evidence.
    pub fn with(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }

    pub fn push(&mut self, evidence: Evidence) {
        if !self.evidence.contains(&evidence) {
            self.evidence.push(evidence);
        }
    }

    /// Sets the confidence, keeping the evidence.
    pub fn at(mut self, confidence: Confidence) -> Self {
        self.confidence = Some(confidence);
        self
    }
}

#[derive(Debug, Clone)]
pub enum Outcome {
    /// On closer reading the match is not a finding.
    Silent,
    /// A finding, fixed by the rule file's own `fix:` template (and the imports its
    /// `metadata.imports` names); report only when the file has no template.
    Template(Grounds),
    Report {
        /// Replaces the rule's message when set.
        message: Option<String>,
        fix: Option<FixPlan>,
        grounds: Grounds,
    },
}

impl Outcome {
    pub fn fix(plan: FixPlan) -> Self {
        Outcome::Report {
            message: None,
            fix: Some(plan),
            grounds: Grounds::default(),
        }
    }

    /// A finding without an edit, with the reason appended to the rule's message.
    pub fn report_only(reason: Option<String>) -> Self {
        Outcome::Report {
            message: reason,
            fix: None,
            grounds: Grounds::default(),
        }
    }

    /// A finding with the template fix, ungraded (see [`Grounds`]).
    pub fn template() -> Self {
        Outcome::Template(Grounds::default())
    }

    /// The same outcome resting on `grounds` (a silent outcome stays silent).
    pub fn graded(self, grounds: Grounds) -> Self {
        match self {
            Outcome::Silent => Outcome::Silent,
            Outcome::Template(_) => Outcome::Template(grounds),
            Outcome::Report { message, fix, .. } => Outcome::Report {
                message,
                fix,
                grounds,
            },
        }
    }

    /// The grounds of a finding (None when silent), to add to or regrade.
    pub fn grounds_mut(&mut self) -> Option<&mut Grounds> {
        match self {
            Outcome::Silent => None,
            Outcome::Template(g) | Outcome::Report { grounds: g, .. } => Some(g),
        }
    }
}
