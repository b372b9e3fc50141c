//! Hover on a finding: the rule's documentation, as `gomemfix explain GMxxx`
//! prints it.

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use super::diagnostics::Analyzed;
use super::lines::Lines;

pub fn hover(a: &Analyzed, at: Position, utf8: bool) -> Option<Hover> {
    let src = a.src.as_ref()?;
    let lines = Lines::new(&src.text, utf8);
    let f = a.at(lines.offset(at)).next()?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: explain(&f.rule)?,
        }),
        range: Some(lines.range(f.start, f.end)),
    })
}

/// `gomemfix explain ID`'s output.
pub fn explain(rule: &str) -> Option<String> {
    use clap::Parser;
    let cli = crate::cli::Cli::try_parse_from(["gomemfix", "explain", rule]).ok()?;
    let mut out = Vec::new();
    crate::cli::execute(cli, &mut out).ok()?;
    String::from_utf8(out).ok()
}
