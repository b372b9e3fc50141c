//! `--format text`: for a person at a terminal. Each finding is a
//! `path:line:col: GM005 [gc-in-loop] message` line (the shape editors and
//! `grep -n` users jump to), a code frame drawn by annotate-snippets with the
//! matched code underlined, and the fix with its applicability; then a summary.

use std::io::{self, Write};

use annotate_snippets::renderer::{AnsiColor, Effects, Style};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{plural, suppressed, ReportOptions, Tally};
use crate::finding::{Applicability, Finding};
use crate::model::{finding_texts, Mode, RunReport};

pub fn print(out: &mut dyn Write, report: &RunReport, opts: &ReportOptions) -> io::Result<()> {
    let texts = finding_texts(report);
    for f in report.findings() {
        finding(out, f, texts.get(&f.path).map(String::as_str), opts, false)?;
    }
    if opts.show_suppressed {
        for f in suppressed(report) {
            finding(out, f, texts.get(&f.path).map(String::as_str), opts, true)?;
        }
    }
    if opts.show_fixes {
        show_fixes(out, report, opts)?;
    }
    if opts.quiet {
        return Ok(());
    }
    summary(out, report, opts)
}

/// `--show-fixes`: one line per fix applied (`fix`), that would be applied
/// (`fix --diff`), or that `fix` would apply (`check`), with the files it edits
/// when they are not (only) the finding's own.
pub fn show_fixes(out: &mut dyn Write, report: &RunReport, opts: &ReportOptions) -> io::Result<()> {
    let list: Vec<&Finding> = match opts.mode {
        Mode::Fix { .. } => report.fixed().collect(),
        Mode::Check => report
            .findings()
            .filter(|f| {
                f.fix
                    .as_ref()
                    .is_some_and(|x| x.applicability == Applicability::Safe || opts.unsafe_fixes)
            })
            .collect(),
    };
    let head = match opts.mode {
        Mode::Fix { write: true } => "Fixed",
        Mode::Fix { write: false } => "Would fix",
        Mode::Check => "`gomemfix fix` would fix",
    };
    if list.is_empty() {
        return writeln!(out, "{head}: nothing.");
    }
    writeln!(out, "{head}:")?;
    for f in list {
        let touched = crate::model::files_touched(f);
        let elsewhere = if touched.iter().any(|p| *p != f.path) {
            let names: Vec<String> = touched.iter().map(|p| super::unix(p)).collect();
            format!(" (edits {})", names.join(", "))
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {}:{}:{}: {} [{}]{elsewhere}",
            super::unix(&f.path),
            f.start_pos.line,
            f.start_pos.column,
            f.rule,
            f.name
        )?;
    }
    Ok(())
}

/// The details of a long message (see `headline`), the evidence a finding
/// rests on, one line each, then its confidence and where its rule's docs are.
fn grounds_lines(f: &Finding) -> Vec<String> {
    let mut lines: Vec<String> = super::headline(&f.message)
        .1
        .map(|d| format!("details: {d}"))
        .into_iter()
        .collect();
    lines.extend(
        f.evidence
            .iter()
            .map(|e| format!("evidence: {}:{}: {}", super::unix(&e.path), e.line, e.what)),
    );
    lines.push(format!(
        "confidence: {}; see `gomemfix explain {}`",
        f.confidence, f.rule
    ));
    lines
}

/// One finding: the location line, its code frame, and its fix.
pub fn finding(
    out: &mut dyn Write,
    f: &Finding,
    text: Option<&str>,
    opts: &ReportOptions,
    is_suppressed: bool,
) -> io::Result<()> {
    let bold = paint(opts.color, Style::new().effects(Effects::BOLD));
    let code = paint(
        opts.color,
        AnsiColor::Yellow.on_default().effects(Effects::BOLD),
    );
    let reset = if opts.color { "\x1b[0m" } else { "" };
    let (head, _) = super::headline(&f.message);
    writeln!(
        out,
        "{bold}{}:{}:{}:{reset} {code}{}{reset} [{}] {}{}",
        super::unix(&f.path),
        f.start_pos.line,
        f.start_pos.column,
        f.rule,
        f.name,
        head,
        if is_suppressed { " (suppressed)" } else { "" }
    )?;
    let Some(text) = text.filter(|t| f.end <= t.len() && f.start <= f.end) else {
        for line in grounds_lines(f) {
            writeln!(out, "  = {line}")?;
        }
        return Ok(());
    };
    // Only the lines of the match: the renderer need not scan the whole file.
    let line_start = text[..f.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[f.end..].find('\n').map_or(text.len(), |i| f.end + i);
    let source = &text[line_start..line_end];
    let level = match f.severity.as_str() {
        "error" => Level::ERROR,
        "info" | "hint" => Level::INFO,
        _ => Level::WARNING,
    };
    let mut group = Group::with_level(level).element(
        Snippet::source(source)
            .line_start(f.start_pos.line)
            .annotation(AnnotationKind::Primary.span(f.start - line_start..f.end - line_start)),
    );
    if let Some(fix) = &f.fix {
        let how = match fix.applicability {
            Applicability::Safe => "safe fix".to_string(),
            Applicability::Unsafe if opts.unsafe_fixes => "unsafe fix".to_string(),
            Applicability::Unsafe => "unsafe fix, applied with --unsafe-fixes".to_string(),
        };
        group = group.element(Level::HELP.message(format!("{how}: {}", fix.description)));
    } else if !is_suppressed {
        group = group.element(Level::NOTE.message("no automatic fix"));
    }
    for line in grounds_lines(f) {
        group = group.element(Level::NOTE.message(line));
    }
    let renderer = if opts.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    writeln!(out, "{}\n", renderer.render(&[group]))
}

fn paint(on: bool, style: Style) -> String {
    if on {
        style.render().to_string()
    } else {
        String::new()
    }
}

/// The closing summary: findings per rule, how many each kind of fix would clear,
/// and how many were suppressed or held by a baseline.
pub fn summary(out: &mut dyn Write, report: &RunReport, opts: &ReportOptions) -> io::Result<()> {
    if report.files_scanned == 0 && !report.errors.is_empty() {
        // Nothing was read (a missing path, a folder without Go files): the error
        // said so, and "No findings" would read as a pass.
        return Ok(());
    }
    let tally = Tally::of(report.findings());
    let n_suppressed = suppressed(report).count();
    let mut quiet = vec![];
    if n_suppressed > 0 {
        quiet.push(if opts.show_suppressed {
            format!("{n_suppressed} suppressed")
        } else {
            format!("{n_suppressed} suppressed (list them with --show-suppressed)")
        });
    }
    if opts.baselined > 0 {
        quiet.push(format!("{} in the baseline", opts.baselined));
    }
    if opts.below_confidence > 0 {
        quiet.push(format!(
            "{} lower-confidence finding{} not shown (see {} with `--confidence low`)",
            opts.below_confidence,
            plural(opts.below_confidence),
            if opts.below_confidence == 1 {
                "it"
            } else {
                "them"
            }
        ));
    }
    let mut quiet = if quiet.is_empty() {
        String::new()
    } else {
        format!(" {}.", quiet.join(", "))
    };
    if let Some(root) = &opts.root_note {
        quiet.push_str(&match opts.mode {
            Mode::Fix { write: false } => format!(
                "\nPaths are relative to the repository root ({root}): apply the patch there with `git apply`."
            ),
            _ => format!("\nPaths are relative to the repository root ({root})."),
        });
    }
    match opts.mode {
        Mode::Check => {
            if tally.total == 0 {
                return writeln!(
                    out,
                    "No findings in {} file{}.{quiet}",
                    report.files_scanned,
                    plural(report.files_scanned)
                );
            }
            let files = report
                .files
                .iter()
                .filter(|f| !f.findings.is_empty())
                .count();
            for (rule, n) in &tally.per_rule {
                let name = opts.rule(rule).map_or("", |r| r.name.as_str());
                writeln!(out, "  {rule:<6} {name:<34} {n:>5}")?;
            }
            writeln!(
                out,
                "Found {} finding{} in {files} file{}; {} fixable with `gomemfix fix`, {} more with `gomemfix fix --unsafe-fixes`.{quiet}",
                tally.total,
                plural(tally.total),
                plural(files),
                tally.safe,
                tally.unsafe_
            )
        }
        Mode::Fix { write } => {
            let fixed = report.fixed().count();
            // Files edited, Go or not (a GM006 fix edits a Dockerfile).
            let files = report.files_changed();
            let verb = if write { "Fixed" } else { "Would fix" };
            let hint = if !opts.unsafe_fixes && tally.unsafe_ > 0 {
                format!(" ({} fixable with --unsafe-fixes)", tally.unsafe_)
            } else {
                String::new()
            };
            writeln!(
                out,
                "{verb} {fixed} finding{} in {files} file{}; {} remaining{hint}.{quiet}",
                plural(fixed),
                plural(files),
                tally.total
            )
        }
    }
}
