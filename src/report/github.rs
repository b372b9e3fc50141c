//! `--format github`: GitHub Actions workflow commands, which the runner turns
//! into annotations on the pull request's diff:
//! `::warning file=a.go,line=3,endLine=3,col=2,endColumn=14,title=GM010 [name]::message`.
//!
//! The runner splits a command on `::` and its properties on `,` and `:`, so
//! values are escaped as the runner's own toolkit does: `%`, CR and LF in the
//! message; also `:` and `,` in property values.

use std::io::{self, Write};

use super::{suppressed, ReportOptions};
use crate::finding::{Applicability, Confidence, Finding};
use crate::gofile::{SYNTAX_ERROR_ID, SYNTAX_ERROR_NAME};
use crate::model::RunReport;

pub fn print(out: &mut dyn Write, report: &RunReport, opts: &ReportOptions) -> io::Result<()> {
    for f in report.on_disk(opts.mode) {
        writeln!(out, "{}", command(f, false))?;
    }
    if opts.show_suppressed {
        for f in suppressed(report) {
            writeln!(out, "{}", command(f, true))?;
        }
    }
    for (path, n) in report.syntax_errors() {
        writeln!(
            out,
            "::warning file={},line={},endLine={},col={},endColumn={},title={}::{}",
            escape_property(&super::unix(path)),
            n.start.line,
            n.end.line,
            n.start.column,
            n.end.column,
            escape_property(&format!("{SYNTAX_ERROR_ID} [{SYNTAX_ERROR_NAME}]")),
            escape_data(&n.message)
        )?;
    }
    Ok(())
}

/// The workflow command for one finding.
pub fn command(f: &Finding, is_suppressed: bool) -> String {
    // Below high confidence a finding is a notice, as SARIF makes it a note:
    // shown on the pull request, never read as a failure.
    let kind = if is_suppressed || f.confidence < Confidence::High {
        "notice"
    } else {
        match f.severity.as_str() {
            "error" => "error",
            "info" | "hint" => "notice",
            _ => "warning",
        }
    };
    let mut message = f.message.clone();
    for e in &f.evidence {
        message.push_str(&format!(
            "\nevidence {}:{}: {}",
            super::unix(&e.path),
            e.line,
            e.what
        ));
    }
    if let Some(fix) = &f.fix {
        let how = match fix.applicability {
            Applicability::Safe => "safe fix, `gomemfix fix`",
            Applicability::Unsafe => "unsafe fix, `gomemfix fix --unsafe-fixes`",
        };
        message.push_str(&format!("\n{} ({how})", fix.description));
    }
    if is_suppressed {
        message.push_str("\n(suppressed in the source)");
    }
    message.push_str(&format!("\nsee `gomemfix explain {}`", f.rule));
    format!(
        "::{kind} file={},line={},endLine={},col={},endColumn={},title={}::{}",
        escape_property(&super::unix(&f.path)),
        f.start_pos.line,
        f.end_pos.line,
        f.start_pos.column,
        f.end_pos.column,
        escape_property(&format!("{} [{}]", f.rule, f.name)),
        escape_data(&message)
    )
}

/// Escapes a command's message (`::...::message`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=...,title=...`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_expects() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        // `%` first, so an escape is never escaped twice.
        assert_eq!(escape_data("%0A"), "%250A");
    }
}
