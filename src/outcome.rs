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

    /// The evidence as a finding shows it. A long list that repeats one fact
    /// across copies of a file (a chart kept once per release under
    /// `charts/v1.2.3/`) keeps the first three of each and says how many more
    /// there are: a reader needs the fact and where, not 150 lines of it.
    pub fn shown_evidence(self) -> Vec<Evidence> {
        const LONG: usize = 12;
        const EACH: usize = 3;
        if self.evidence.len() <= LONG {
            return self.evidence;
        }
        let mut seen: std::collections::HashMap<&str, usize> = Default::default();
        for e in &self.evidence {
            *seen.entry(e.what.as_str()).or_default() += 1;
        }
        let mut kept: std::collections::HashMap<&str, usize> = Default::default();
        let mut out = vec![];
        for e in &self.evidence {
            let n = kept.entry(e.what.as_str()).or_default();
            *n += 1;
            let total = seen[e.what.as_str()];
            if *n < EACH || (*n == EACH && total == EACH) {
                out.push(e.clone());
            } else if *n == EACH {
                let more = total - EACH;
                out.push(Evidence {
                    path: e.path.clone(),
                    line: e.line,
                    what: format!(
                        "{} (and in {more} more file{} with the same, not listed)",
                        e.what,
                        if more == 1 { "" } else { "s" }
                    ),
                });
            }
        }
        out
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn ev(path: &str, what: &str) -> Evidence {
        Evidence {
            path: PathBuf::from(path),
            line: 1,
            what: what.to_string(),
        }
    }

    #[test]
    fn a_long_list_of_one_fact_shows_three_and_a_count() {
        let mut g = Grounds::new(Confidence::High);
        g.push(ev("Dockerfile", "ENTRYPOINT /plugin runs it"));
        for v in 0..20 {
            g.push(ev(&format!("charts/v1.{v}/t.yaml"), "Helm chart p runs it"));
        }
        g.push(ev("main.go", "listens for connections"));
        let shown = g.shown_evidence();
        let whats: Vec<&str> = shown.iter().map(|e| e.what.as_str()).collect();
        assert_eq!(
            whats,
            [
                "ENTRYPOINT /plugin runs it",
                "Helm chart p runs it",
                "Helm chart p runs it",
                "Helm chart p runs it (and in 17 more files with the same, not listed)",
                "listens for connections",
            ]
        );
        assert_eq!(shown[3].path, PathBuf::from("charts/v1.2/t.yaml"));
    }

    #[test]
    fn a_short_list_is_shown_whole() {
        let mut g = Grounds::new(Confidence::High);
        for v in 0..5 {
            g.push(ev(&format!("deploy/{v}.yaml"), "Deployment runs it"));
        }
        assert_eq!(g.clone().shown_evidence(), g.evidence);
    }
}
