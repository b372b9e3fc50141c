//! In-source suppressions: `//gomemfix:ignore GM005 reason` (or with no code, every
//! rule) and golangci-lint's `//nolint`, `//nolint:gomemfix`, on the finding's line
//! or the line above it.

use std::collections::HashMap;

use crate::finding::{Finding, Position};
use crate::gofile::GoFile;

/// The built-in check for suppressions that silence nothing (as ruff's RUF100).
pub const UNUSED_ID: &str = "GM100";
pub const UNUSED_NAME: &str = "unused-suppression";
pub const UNUSED_MESSAGE: &str = "this suppression silences nothing";
pub const UNUSED_DOCS: &str = "## What it does
Reports a `//gomemfix:ignore` comment that silences no finding, or codes in it
that silence none (`--report-unused-suppressions`).

## Why is this bad?
A stale suppression hides the next real finding on its line. It also tells
readers that the code below it has a known problem when it no longer has one.

## Example
```go
//gomemfix:ignore GM005 warm-up loop, removed since
for _, item := range items {
	process(item)
}
```

## Fix
Delete the comment, or the codes in it that silence nothing.

## Fix safety
Report only: gomemfix leaves comments to people.
";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    All,
    Codes(Vec<String>),
}

#[derive(Debug, Default)]
pub struct Suppressions {
    /// 1-based line of the comment → what it suppresses.
    by_line: HashMap<usize, Scope>,
}

impl Suppressions {
    pub fn of(file: &GoFile) -> Self {
        let text = file.text();
        if !text.contains("gomemfix:ignore") && !text.contains("nolint") {
            return Suppressions::default();
        }
        let mut by_line = HashMap::new();
        for node in file.root.root().dfs().filter(|n| n.kind() == "comment") {
            if let Some(scope) = parse_comment(&node.text()) {
                by_line.insert(node.start_pos().line() + 1, scope);
            }
        }
        Suppressions { by_line }
    }

    /// True when a comment on `line` (1-based) or the line above silences `code`.
    pub fn suppresses(&self, code: &str, line: usize) -> bool {
        [line, line.saturating_sub(1)]
            .iter()
            .filter_map(|l| self.by_line.get(l))
            .any(|scope| match scope {
                Scope::All => true,
                Scope::Codes(codes) => codes.iter().any(|c| c.eq_ignore_ascii_case(code)),
            })
    }
}

/// The `//gomemfix:ignore` comments of `file` that silence none of the
/// `suppressed` findings, as findings of [`UNUSED_ID`]. Only codes of `active`
/// rules are judged: a code for a rule that did not run may still be needed.
/// golangci-lint's `//nolint` is left to golangci-lint's own `nolintlint`.
pub fn unused(file: &GoFile, suppressed: &[Finding], active: &[&str]) -> Vec<Finding> {
    let text = file.text();
    if !text.contains("gomemfix:ignore") {
        return vec![];
    }
    let mut out = vec![];
    for node in file.root.root().dfs().filter(|n| n.kind() == "comment") {
        let comment = node.text();
        let body = comment.strip_prefix("//").map(str::trim_start);
        if !body.is_some_and(|b| b.starts_with("gomemfix:ignore")) {
            continue;
        }
        let Some(scope) = parse_comment(&comment) else {
            continue;
        };
        let line = node.start_pos().line() + 1;
        let silences = |code: Option<&str>| {
            suppressed.iter().any(|f| {
                (f.start_pos.line == line || f.start_pos.line == line + 1)
                    && code.is_none_or(|c| f.rule.eq_ignore_ascii_case(c))
            })
        };
        let idle: Vec<String> = match &scope {
            Scope::All if silences(None) => continue,
            Scope::All => vec![],
            Scope::Codes(codes) => {
                let idle: Vec<String> = codes
                    .iter()
                    .filter(|c| active.iter().any(|a| a.eq_ignore_ascii_case(c)))
                    .filter(|c| !silences(Some(c)))
                    .cloned()
                    .collect();
                if idle.is_empty() {
                    continue;
                }
                idle
            }
        };
        let message = if idle.is_empty() {
            format!("{UNUSED_MESSAGE}; delete it")
        } else {
            format!(
                "{UNUSED_MESSAGE} for {}; delete {}",
                idle.join(", "),
                if matches!(&scope, Scope::Codes(c) if c.len() == idle.len()) {
                    "the comment"
                } else {
                    "those codes"
                }
            )
        };
        let r = node.range();
        out.push(Finding {
            rule: UNUSED_ID.into(),
            name: UNUSED_NAME.into(),
            severity: "warning".into(),
            path: file.path.to_path_buf(),
            start: r.start,
            end: r.end,
            start_pos: Position::of_offset(text, r.start),
            end_pos: Position::of_offset(text, r.end),
            message,
            snippet: comment.to_string(),
            fix: None,
        });
    }
    out
}

fn parse_comment(comment: &str) -> Option<Scope> {
    let body = comment.strip_prefix("//")?.trim_start();
    if let Some(rest) = body.strip_prefix("gomemfix:ignore") {
        let codes: Vec<String> = rest
            .split(|c: char| c.is_whitespace() || c == ',')
            .take_while(|w| w.is_empty() || looks_like_code(w))
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        return Some(if codes.is_empty() {
            Scope::All
        } else {
            Scope::Codes(codes)
        });
    }
    let rest = body.strip_prefix("nolint")?;
    if rest.is_empty() || rest.starts_with(char::is_whitespace) || rest.starts_with("//") {
        return Some(Scope::All);
    }
    let linters = rest.strip_prefix(':')?;
    let linters = linters
        .split(|c: char| c.is_whitespace() || c == '/')
        .next()
        .unwrap_or("");
    linters
        .split(',')
        .any(|l| l == "gomemfix" || l == "all")
        .then_some(Scope::All)
}

fn looks_like_code(word: &str) -> bool {
    word.len() > 2
        && word[..2].eq_ignore_ascii_case("GM")
        && word[2..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_comments_that_silence_nothing() {
        use std::path::Path;
        let text = "package p\n\n//gomemfix:ignore GM005,GM010 warm-up\nvar a = 1\n\nvar b = 2 //gomemfix:ignore\n\n//nolint\nvar c = 3\n";
        let file = GoFile::parse(Path::new("p.go"), text, None);
        let used = Finding {
            rule: "GM005".into(),
            name: "gc-in-loop".into(),
            severity: "warning".into(),
            path: "p.go".into(),
            start: 0,
            end: 0,
            start_pos: Position { line: 4, column: 1 },
            end_pos: Position { line: 4, column: 1 },
            message: String::new(),
            snippet: String::new(),
            fix: None,
        };
        let found = unused(&file, &[used], &["GM005", "GM010"]);
        let lines: Vec<(usize, &str)> = found
            .iter()
            .map(|f| (f.start_pos.line, f.message.as_str()))
            .collect();
        assert_eq!(
            lines,
            vec![
                (
                    3,
                    "this suppression silences nothing for GM010; delete those codes"
                ),
                (6, "this suppression silences nothing; delete it"),
            ]
        );
        // A code of a rule that did not run is not judged.
        assert_eq!(unused(&file, &[], &["GM008"]).len(), 1);
    }

    #[test]
    fn parses_forms() {
        assert_eq!(
            parse_comment("//gomemfix:ignore GM005 tests need it"),
            Some(Scope::Codes(vec!["GM005".into()]))
        );
        assert_eq!(
            parse_comment("// gomemfix:ignore GM005,GM010"),
            Some(Scope::Codes(vec!["GM005".into(), "GM010".into()]))
        );
        assert_eq!(parse_comment("//gomemfix:ignore because"), Some(Scope::All));
        assert_eq!(parse_comment("//nolint"), Some(Scope::All));
        assert_eq!(
            parse_comment("//nolint:errcheck,gomemfix // reason"),
            Some(Scope::All)
        );
        assert_eq!(parse_comment("//nolint:errcheck"), None);
        assert_eq!(parse_comment("// nolintish"), None);
        assert_eq!(parse_comment("// plain comment"), None);
    }
}
