//! What a rule reports: plain data, so every output format is a view over `Vec<Finding>`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// How far a fix may be trusted, ordered as ruff orders it: a safe fix keeps the
/// program's meaning; an unsafe one may change behaviour and needs `--unsafe-fixes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    Unsafe,
    Safe,
}

/// How sure a finding is that the harm is real, from the evidence the rule found
/// (CodeQL's precision, semgrep's confidence). Ordered: `Low < Medium < High`.
/// What a run shows by default is `High`; `--confidence` lowers the bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Only circumstantial evidence (exported therefore repeatable, a field
    /// therefore long-lived, a lone `runtime.GC()` therefore meant to free memory).
    Low,
    /// The harm's mechanism is shown, but what makes it matter is inferred.
    Medium,
    /// The rule shows both the mechanism and what makes it matter.
    High,
}

impl Confidence {
    pub const ALL: [Confidence; 3] = [Confidence::High, Confidence::Medium, Confidence::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Confidence> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Some(Confidence::Low),
            "medium" => Some(Confidence::Medium),
            "high" => Some(Confidence::High),
            _ => None,
        }
    }
}

impl std::fmt::Display for Confidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One piece of the evidence a finding rests on: a place in the code (or in a
/// Dockerfile or manifest) and what it shows, e.g. `{main.go, 40, "called in a
/// loop over requests"}`. Shown under the message, in JSON `evidence`, as SARIF
/// related locations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Evidence {
    pub path: PathBuf,
    /// 1-based.
    pub line: usize,
    pub what: String,
}

/// One replacement in the normalised text (no BOM, LF line endings), in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub content: String,
}

impl Edit {
    pub fn new(start: usize, end: usize, content: impl Into<String>) -> Self {
        Edit {
            start,
            end,
            content: content.into(),
        }
    }

    pub fn overlaps(&self, other: &Edit) -> bool {
        // Two insertions at one point also conflict: their order would be arbitrary.
        self.start < other.end && other.start < self.end
            || (self.start == other.start && (self.start == self.end || other.start == other.end))
    }
}

/// True when `edits` can be applied to `text`: inside it, on character
/// boundaries, and not overlapping (an insertion may sit where a deletion starts).
pub fn well_formed(text: &str, edits: &[Edit]) -> bool {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let in_text = sorted.iter().all(|e| {
        e.start <= e.end
            && e.end <= text.len()
            && text.is_char_boundary(e.start)
            && text.is_char_boundary(e.end)
    });
    in_text && sorted.windows(2).all(|w| w[0].end <= w[1].start)
}

/// Applies edits (need not be sorted). Callers check [`well_formed`] first; an
/// edit that would overlap one already applied is skipped rather than panicking.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in sorted {
        let usable = e.start >= at
            && e.start <= e.end
            && e.end <= text.len()
            && text.is_char_boundary(e.start)
            && text.is_char_boundary(e.end);
        debug_assert!(usable, "malformed edits reached apply_edits: {e:?}");
        if !usable {
            continue;
        }
        out.push_str(&text[at..e.start]);
        out.push_str(&e.content);
        at = e.end;
    }
    out.push_str(&text[at..]);
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub applicability: Applicability,
    pub description: String,
    /// The code edits and the import edits they need, as one set.
    pub edits: Vec<Edit>,
    /// Edits to other files (callers in other packages, a Dockerfile...).
    pub other_files: Vec<FileEdit>,
}

/// Edits to a file other than the finding's own, as offsets into that file's
/// current text as `SourceText::decode` gives it (no BOM, LF). For Go files the
/// engine adds `imports` and drops imports the edits leave unused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEdit {
    pub path: PathBuf,
    pub edits: Vec<Edit>,
    pub imports: Vec<ImportRequest>,
}

/// A 1-based line and byte column, as Go tools print them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    pub fn of_offset(text: &str, offset: usize) -> Position {
        let before = &text.as_bytes()[..offset.min(text.len())];
        let line = memchr::memchr_iter(b'\n', before).count() + 1;
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        Position {
            line,
            column: offset - line_start + 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub name: String,
    pub severity: String,
    pub path: PathBuf,
    pub start: usize,
    pub end: usize,
    pub start_pos: Position,
    pub end_pos: Position,
    pub message: String,
    /// The matched source text, which baselines and suppressions may key on.
    pub snippet: String,
    pub fix: Option<Fix>,
    pub confidence: Confidence,
    /// Why the finding is a bug, place by place (see [`Evidence`]).
    pub evidence: Vec<Evidence>,
}

impl Finding {
    pub fn sort_key(&self) -> (&PathBuf, usize, &str) {
        (&self.path, self.start, &self.rule)
    }
}

/// An import a fix needs; `alias` is set when the default name is taken.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ImportRequest {
    pub path: String,
    pub alias: Option<String>,
}

impl ImportRequest {
    pub(crate) fn spec_text(&self) -> String {
        match &self.alias {
            Some(a) => format!("{a} \"{}\"", self.path),
            None => format!("\"{}\"", self.path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let text = "ab\ncd\n";
        assert_eq!(
            Position::of_offset(text, 0),
            Position { line: 1, column: 1 }
        );
        assert_eq!(
            Position::of_offset(text, 4),
            Position { line: 2, column: 2 }
        );
    }

    #[test]
    fn overlap_rules() {
        let a = Edit::new(0, 5, "");
        assert!(a.overlaps(&Edit::new(4, 6, "")));
        assert!(!a.overlaps(&Edit::new(5, 6, "")));
        assert!(Edit::new(3, 3, "x").overlaps(&Edit::new(3, 3, "y")));
    }

    #[test]
    fn applies_in_order() {
        let out = apply_edits(
            "hello world",
            &[Edit::new(6, 11, "Go"), Edit::new(0, 5, "hi")],
        );
        assert_eq!(out, "hi Go");
    }
}
