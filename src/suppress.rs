//! In-source suppressions: `//gomemfix:ignore GM005 reason` (or with no code, every
//! rule) and golangci-lint's `//nolint`, `//nolint:gomemfix`, on the finding's line
//! or the line above it.

use std::collections::HashMap;

use crate::gofile::GoFile;

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
