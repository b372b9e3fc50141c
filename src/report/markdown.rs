//! `--format markdown`: the body of a pull request that applies the fixes. A
//! summary table (rule, findings, fixed), a section per rule with its "why" in
//! two sentences and the files it touched, what is left unfixed, and each file's
//! diff in a collapsible `<details>` block. `gomemfix fix --diff --format markdown`
//! gives a bot its PR body; `--output fix.patch` gives it the patch in the same run.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use super::{plural, ReportOptions};
use crate::finding::{Applicability, Finding};
use crate::model::{Mode, RunReport};

/// GitHub refuses PR bodies over 65,536 characters; diffs past this budget are
/// left to the patch file.
pub const DIFF_BUDGET: usize = 50_000;

pub fn print(out: &mut dyn Write, report: &RunReport, opts: &ReportOptions) -> io::Result<()> {
    write!(out, "{}", render(report, opts))
}

pub fn render(report: &RunReport, opts: &ReportOptions) -> String {
    let mut md = String::new();
    let fixed: Vec<&Finding> = report.fixed().collect();
    let remaining: Vec<&Finding> = report.findings().collect();
    let mut rules: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut files: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for f in &fixed {
        let e = rules.entry(&f.rule).or_default();
        e.0 += 1;
        e.1 += 1;
        // The files its fix edits: a GM006 fix may edit a Dockerfile only.
        let touched = crate::model::files_touched(f);
        let entry = files.entry(&f.rule).or_default();
        if touched.is_empty() {
            entry.insert(super::unix(&f.path));
        }
        for p in touched {
            entry.insert(super::unix(&p));
        }
    }
    for f in &remaining {
        rules.entry(&f.rule).or_default().0 += 1;
        if opts.mode == Mode::Check {
            files
                .entry(&f.rule)
                .or_default()
                .insert(super::unix(&f.path));
        }
    }
    let total: usize = rules.values().map(|v| v.0).sum();
    let n_fixed = fixed.len();
    let n_files = match opts.mode {
        Mode::Check => files.values().flatten().collect::<BTreeSet<_>>().len(),
        // Files edited, as the text summary counts them.
        Mode::Fix { .. } => report.files_changed(),
    };

    let title = match opts.mode {
        Mode::Check => format!("{total} memory finding{}", plural(total)),
        Mode::Fix { .. } => format!(
            "{n_fixed} memory fix{}",
            if n_fixed == 1 { "" } else { "es" }
        ),
    };
    md.push_str(&format!("## gomemfix: {title}\n\n"));
    if total == 0 {
        md.push_str("gomemfix found nothing to report.\n");
        md.push_str(&parsed_in_part(report));
        return md;
    }
    md.push_str(&match opts.mode {
        Mode::Check => format!(
            "gomemfix found {total} finding{} in {n_files} file{}.\n\n",
            plural(total),
            plural(n_files)
        ),
        Mode::Fix { .. } => format!(
            "gomemfix found {total} finding{} and fixed {n_fixed}, in {n_files} file{}.\n\n",
            plural(total),
            plural(n_files)
        ),
    });
    md.push_str("| Rule | Findings | Fixed |\n| --- | ---: | ---: |\n");
    for (rule, (count, done)) in &rules {
        let name = opts.rule(rule).map_or("", |r| r.name.as_str());
        md.push_str(&format!("| {rule} `{name}` | {count} | {done} |\n"));
    }
    md.push_str(&format!("| **Total** | {total} | {n_fixed} |\n"));

    for rule in rules.keys() {
        let info = opts.rule(rule);
        let name = info.map_or("", |r| r.name.as_str());
        md.push_str(&format!("\n### {rule} `{name}`\n\n"));
        if let Some(info) = info {
            md.push_str(&info.sentences("Why is this bad?", 2));
            md.push_str("\n\n");
            match &info.help_uri {
                Some(uri) => md.push_str(&format!(
                    "More: [{rule}'s docs]({uri}), or `gomemfix explain {rule}`.\n\n"
                )),
                None => md.push_str(&format!("More: `gomemfix explain {rule}`.\n\n")),
            }
        }
        if let Some(fs) = files.get(rule) {
            let list: Vec<String> = fs.iter().map(|p| format!("`{p}`")).collect();
            let label = match opts.mode {
                Mode::Check => "Found in",
                Mode::Fix { .. } => "Fixed in",
            };
            md.push_str(&format!("{label}: {}.\n", list.join(", ")));
        }
    }

    if !remaining.is_empty() {
        md.push_str(match opts.mode {
            Mode::Check => "\n### Findings\n\n",
            Mode::Fix { .. } => "\n### Not fixed\n\n",
        });
        for f in &remaining {
            let why = match f.fix.as_ref().map(|x| x.applicability) {
                Some(Applicability::Safe) => "safe fix",
                Some(Applicability::Unsafe) if opts.mode == Mode::Check => "unsafe fix",
                Some(Applicability::Unsafe) => "needs `--unsafe-fixes`",
                // The message may say so already, and why (GM009's does).
                None if f.message.contains("no automatic fix") => "",
                None => "no automatic fix",
            };
            let why = if why.is_empty() {
                String::new()
            } else {
                format!("{why}; ")
            };
            md.push_str(&format!(
                "- `{}:{}:{}` {}: {} ({why}{} confidence)\n",
                super::unix(&f.path),
                f.start_pos.line,
                f.start_pos.column,
                f.rule,
                escape_inline(&f.message),
                f.confidence
            ));
            for e in &f.evidence {
                md.push_str(&format!(
                    "  - evidence `{}:{}`: {}\n",
                    super::unix(&e.path),
                    e.line,
                    escape_inline(&e.what)
                ));
            }
        }
    }

    md.push_str(&parsed_in_part(report));

    let diffs: Vec<(&str, &str)> = report
        .files
        .iter()
        .filter(|f| !f.diff.is_empty())
        .map(|f| (f.path.to_str().unwrap_or(""), f.diff.as_str()))
        .collect();
    if !diffs.is_empty() {
        md.push_str("\n### Changes\n");
        let mut spent = 0;
        for (path, diff) in diffs {
            let (plus, minus) = counts(diff);
            md.push_str(&format!(
                "\n<details>\n<summary><code>{}</code> (+{plus} −{minus})</summary>\n\n",
                html_escape(&path.replace('\\', "/"))
            ));
            if spent + diff.len() > DIFF_BUDGET {
                md.push_str("The diff is too long for this description; see the patch.\n");
            } else {
                spent += diff.len();
                let fence = fence_for(diff);
                md.push_str(&format!("{fence}diff\n{diff}"));
                if !diff.ends_with('\n') {
                    md.push('\n');
                }
                md.push_str(&format!("{fence}\n"));
            }
            md.push_str("\n</details>\n");
        }
    }
    md
}

/// The places the parser gave up, so a reviewer knows which code went unread.
fn parsed_in_part(report: &RunReport) -> String {
    let mut md = String::new();
    for (path, n) in report.syntax_errors() {
        if md.is_empty() {
            md.push_str("\n### Parsed only in part\n\n");
        }
        md.push_str(&format!(
            "- `{}:{}:{}` {}\n",
            super::unix(path),
            n.start.line,
            n.start.column,
            escape_inline(&n.message)
        ));
    }
    md
}

/// Added and removed lines of a unified diff.
fn counts(diff: &str) -> (usize, usize) {
    let mut plus = 0;
    let mut minus = 0;
    for line in diff.lines() {
        if line.starts_with('+') && !line.starts_with("+++") {
            plus += 1;
        } else if line.starts_with('-') && !line.starts_with("---") {
            minus += 1;
        }
    }
    (plus, minus)
}

/// A code fence longer than any run of backticks in `body` (Go raw strings use them).
fn fence_for(body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat(longest.max(2) + 1)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Keeps a message on its line in a list item.
fn escape_inline(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_backticks() {
        assert_eq!(fence_for("x := 1"), "```");
        assert_eq!(fence_for("s := ````raw````"), "`````");
    }

    #[test]
    fn long_diffs_are_left_to_the_patch() {
        use crate::model::{FileReport, RunReport};
        let big = format!(
            "--- a/x.go\n+++ b/x.go\n@@ -1 +1 @@\n{}",
            "-a\n".repeat(DIFF_BUDGET)
        );
        let report = RunReport {
            files: vec![
                FileReport {
                    path: "small.go".into(),
                    fixed: vec![Finding {
                        rule: "GM010".into(),
                        name: "gc-without-free-os-memory".into(),
                        severity: "warning".into(),
                        path: "small.go".into(),
                        start: 0,
                        end: 1,
                        start_pos: crate::finding::Position { line: 1, column: 1 },
                        end_pos: crate::finding::Position { line: 1, column: 2 },
                        message: "m".into(),
                        snippet: "a".into(),
                        confidence: crate::finding::Confidence::High,
                        evidence: vec![],
                        fix: None,
                    }],
                    diff: "--- a/small.go\n+++ b/small.go\n@@ -1 +1 @@\n-a\n+b\n".into(),
                    ..FileReport::default()
                },
                FileReport {
                    path: "x<y>.go".into(),
                    diff: big,
                    ..FileReport::default()
                },
            ],
            errors: vec![],
            files_scanned: 2,
            ..RunReport::default()
        };
        let md = render(
            &report,
            &ReportOptions::new(&[], Mode::Fix { write: false }),
        );
        assert!(md.len() < DIFF_BUDGET, "{}", md.len());
        assert!(
            md.contains("<summary><code>x&lt;y&gt;.go</code> (+0 −"),
            "{md}"
        );
        assert!(md.contains("too long for this description; see the patch"));
        assert!(md.contains("+b\n```\n"));
    }

    #[test]
    fn counts_lines() {
        let d = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n+c\n";
        assert_eq!(counts(d), (2, 1));
    }
}
