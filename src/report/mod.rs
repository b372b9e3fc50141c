//! Views over the findings of a run, one module a format: `text` for people,
//! `json` for scripts, `sarif` for code scanning, `github` for Actions
//! annotations and `markdown` for a bot's pull-request body.
//!
//! Every view reads the same `RunReport`; what a format needs to know about the
//! rules (docs, fix safety) comes in [`RuleInfo`], so built-in diagnostics such
//! as the unused-suppression check show up like any YAML rule.

pub mod github;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::finding::{Applicability, Confidence, Finding};
use crate::model::{Mode, RunReport};
use crate::rules::{FixSafety, Rule};

pub use json::{to_json, JsonEdit, JsonFinding, JsonFix};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
    Markdown,
}

/// `--color`: colours on a terminal only, unless told otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// `auto` colours a terminal unless `NO_COLOR` is set to a non-empty value
    /// (no-color.org); an explicit `always` wins over `NO_COLOR`.
    pub fn enabled(self, is_terminal: bool, no_color: Option<&str>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && no_color.is_none_or(str::is_empty),
        }
    }
}

/// What a report shows of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    /// The rule's message, as a one-line description.
    pub message: String,
    /// `error`, `warning`, `info` or `hint`.
    pub severity: String,
    pub fix_safety: FixSafety,
    /// The confidence of the rule's ungraded findings (`metadata.precision`).
    pub precision: Confidence,
    /// Markdown with `## What it does`, `## Why is this bad?`, ... sections.
    pub docs: String,
    /// Where the rule's docs are in the repository (SARIF `helpUri`): the
    /// bundled rule's file under patterns/; None for a rule of your own.
    pub help_uri: Option<String>,
}

/// The repository's address, where rules' docs are read on the web.
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// The web address of a file of the repository, at its main branch.
pub fn repository_file(path: &str) -> String {
    format!("{REPOSITORY}/blob/main/{path}")
}

impl RuleInfo {
    pub fn of(rule: &Rule) -> Self {
        RuleInfo {
            id: rule.id.clone(),
            name: rule.name.clone(),
            message: rule.message.trim().to_string(),
            severity: rule.severity_name().to_string(),
            fix_safety: rule.fix_safety,
            precision: rule.precision(),
            docs: rule.docs.clone(),
            // Bundled rules are loaded as `patterns/<file>`; yours by their path.
            help_uri: (rule.origin.is_relative() && rule.origin.starts_with("patterns"))
                .then(|| repository_file(&crate::walk::unix_path(&rule.origin))),
        }
    }

    /// The body of a `## heading` section of the docs, trimmed.
    pub fn section(&self, heading: &str) -> Option<String> {
        let marker = format!("## {heading}");
        let start = self.docs.find(&marker)? + marker.len();
        let rest = &self.docs[start..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        Some(rest[..end].trim().to_string())
    }

    /// The first `n` sentences of a section, on one line.
    pub fn sentences(&self, heading: &str, n: usize) -> String {
        let body = self
            .section(heading)
            .unwrap_or_else(|| self.message.clone());
        first_sentences(&body, n)
    }
}

/// The longest a finding's first line of message runs in text and annotations.
pub const HEADLINE_MAX: usize = 120;

/// A finding's message split for people: a headline under [`HEADLINE_MAX`]
/// characters, cut at the last clause boundary (`; `, `: `, `. `, ` (`) that
/// fits, and the details after it, shown as a note. JSON and SARIF keep the
/// whole message (baselines key on it).
pub fn headline(message: &str) -> (&str, Option<&str>) {
    if message.chars().count() < HEADLINE_MAX {
        return (message, None);
    }
    let mut best = None;
    for sep in ["; ", ": ", ". ", " ("] {
        for (at, _) in message.match_indices(sep) {
            let head = &message[..at + usize::from(sep == ". ")];
            if head.chars().count() < HEADLINE_MAX && at > 20 && best.is_none_or(|b| at > b) {
                best = Some(at);
            }
        }
    }
    match best {
        Some(at) => {
            let keep_dot = message[at..].starts_with(". ");
            let head = &message[..at + usize::from(keep_dot)];
            let rest = message[at..]
                .trim_start_matches(['.', ';', ':'])
                .trim_start();
            (head, (!rest.is_empty()).then_some(rest))
        }
        None => (message, None),
    }
}

/// The first `n` sentences of a paragraph, joined on one line. A sentence ends at
/// `.`, `!` or `?` followed by white space, outside backticks.
pub fn first_sentences(text: &str, n: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut count = 0;
    let mut in_code = false;
    let bytes = flat.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'`' => in_code = !in_code,
            b'.' | b'!' | b'?' if !in_code && bytes.get(i + 1).is_none_or(|c| *c == b' ') => {
                count += 1;
                if count == n {
                    return flat[..=i].to_string();
                }
            }
            _ => {}
        }
    }
    flat
}

/// Everything a format may need besides the findings.
#[derive(Debug, Clone)]
pub struct ReportOptions<'a> {
    pub rules: &'a [RuleInfo],
    pub mode: Mode,
    pub unsafe_fixes: bool,
    pub color: bool,
    /// List suppressed findings too (`--show-suppressed`).
    pub show_suppressed: bool,
    /// Findings left out because a baseline holds them.
    pub baselined: usize,
    /// Findings left out because their confidence is below the run's bar.
    pub below_confidence: usize,
    /// `-q`: text prints findings only, no summary.
    pub quiet: bool,
    /// `--show-fixes`: text lists each fix applied or that `fix` would apply.
    pub show_fixes: bool,
    /// The run started below the repository root: the root, from the current
    /// folder (`../..`), which every shown path is relative to.
    pub root_note: Option<String>,
}

impl<'a> ReportOptions<'a> {
    pub fn new(rules: &'a [RuleInfo], mode: Mode) -> Self {
        ReportOptions {
            rules,
            mode,
            unsafe_fixes: false,
            color: false,
            show_suppressed: false,
            baselined: 0,
            below_confidence: 0,
            quiet: false,
            show_fixes: false,
            root_note: None,
        }
    }

    pub fn rule(&self, id: &str) -> Option<&'a RuleInfo> {
        self.rules.iter().find(|r| r.id == id)
    }
}

pub fn print(
    out: &mut dyn Write,
    report: &RunReport,
    format: Format,
    opts: &ReportOptions,
) -> io::Result<()> {
    match format {
        Format::Text => text::print(out, report, opts),
        Format::Json => json::print(out, report, opts.mode),
        Format::Sarif => sarif::print(out, report, opts),
        Format::Github => github::print(out, report, opts),
        Format::Markdown => markdown::print(out, report, opts),
    }
}

/// Counts for summaries: per rule, and how many could be fixed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub per_rule: BTreeMap<String, usize>,
    pub total: usize,
    pub safe: usize,
    pub unsafe_: usize,
}

impl Tally {
    pub fn of<'f>(findings: impl Iterator<Item = &'f Finding>) -> Self {
        let mut t = Tally::default();
        for f in findings {
            *t.per_rule.entry(f.rule.clone()).or_default() += 1;
            t.total += 1;
            match f.fix.as_ref().map(|x| x.applicability) {
                Some(Applicability::Safe) => t.safe += 1,
                Some(Applicability::Unsafe) => t.unsafe_ += 1,
                None => {}
            }
        }
        t
    }
}

/// Suppressed findings of the whole run.
pub fn suppressed(report: &RunReport) -> impl Iterator<Item = &Finding> {
    report.files.iter().flat_map(|f| f.suppressed.iter())
}

/// A path as reports print it: forward slashes on every platform.
pub use crate::walk::unix_path as unix;

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_stop_outside_code() {
        let text = "A collection frees `x.y` objects. The runtime keeps\nthe pages! And more.";
        assert_eq!(
            first_sentences(text, 2),
            "A collection frees `x.y` objects. The runtime keeps the pages!"
        );
        assert_eq!(first_sentences("no stop", 2), "no stop");
    }

    #[test]
    fn long_messages_get_a_headline() {
        assert_eq!(headline("short"), ("short", None));
        let long = format!("{}; then {}", "a".repeat(60), "b".repeat(100));
        let (head, rest) = headline(&long);
        assert_eq!(head, "a".repeat(60));
        assert_eq!(rest, Some(format!("then {}", "b".repeat(100)).as_str()));
        let paren = format!("{} (why {}) and more", "c ".repeat(40), "d".repeat(90));
        let (head, rest) = headline(&paren);
        assert!(
            head.len() < HEADLINE_MAX && rest.unwrap().starts_with("(why"),
            "{head}"
        );
    }

    #[test]
    fn colour_choice() {
        assert!(ColorChoice::Auto.enabled(true, None));
        assert!(ColorChoice::Auto.enabled(true, Some("")));
        assert!(!ColorChoice::Auto.enabled(true, Some("1")));
        assert!(!ColorChoice::Auto.enabled(false, None));
        assert!(ColorChoice::Always.enabled(false, Some("1")));
        assert!(!ColorChoice::Never.enabled(true, None));
    }
}
