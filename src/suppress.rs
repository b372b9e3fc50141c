//! In-source suppressions: `//gomemfix:ignore GM005 reason` (or with no code, every
//! rule) and golangci-lint's `//nolint`, `//nolint:gomemfix`, on the finding's line
//! or the line above it.

use std::collections::HashMap;

use crate::finding::{Applicability, Edit, Finding, Fix, Position};
use crate::gofile::GoFile;

/// The built-in check for suppressions that silence nothing (as ruff's RUF100).
pub const UNUSED_ID: &str = "GM100";
pub const UNUSED_NAME: &str = "unused-suppression";
pub const UNUSED_MESSAGE: &str = "this suppression silences nothing";
pub const UNUSED_DOCS: &str = "## What it does
Reports a `//gomemfix:ignore` comment, or codes in it, that silence nothing:
a code that names no gomemfix rule (`GM999`, a typo for `GM009`: the message
says which rule it may have meant) always; a code of a rule that ran and found
nothing there, or a comment with no code that silences nothing, with
`--report-unused-suppressions`.

Also reported, always: a comment that looks like a suppression but is none, so
the finding it was meant for still shows: a misspelt keyword
(`//gomemfix:ingore`), a space after the colon (`//gomemfix: ignore`), a block
comment (`/* gomemfix:ignore GM005 */`), a misspelt name in golangci-lint's
list (`//nolint:gomemfixx`). The message says what was meant; there is no
automatic fix (the right spelling would silence a finding).

## Why is this bad?
A stale suppression hides the next real finding on its line, and one whose code
names no rule (a typo) silences nothing, so the finding it was meant for is still
reported. Either way it tells readers that the code below it has a known problem
when it may have none.

## Example
```go
//gomemfix:ignore GM005,GM999 warm-up loop, removed since
for _, item := range items {
	process(item)
}
```

Use instead (the loop calls no `runtime.GC()` any more):
```go
for _, item := range items {
	process(item)
}
```

## Fix
Drops the codes that silence nothing and keeps the others and the reason. When
no code is left, the reason stays as a plain comment (`// warm-up, removed
since`); the comment is deleted (the whole line when it is alone on it) only
when nothing is left of it.

## Fix safety
Safe: the comment silenced nothing, so no finding appears or disappears except
this one. A code of a rule that did not run (`--select`) is never judged idle.
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

/// The `//gomemfix:ignore` comments of `file` that silence nothing, as
/// findings of [`UNUSED_ID`] with a safe fix. A code that is none of `known`
/// (every rule loaded, bundled and `--patterns`; empty: not judged) is always
/// reported. With `report_idle`, so is a code of an `active` rule that silences
/// none of the `suppressed` findings, and a comment without codes that silences
/// none: a code for a rule that did not run may still be needed.
/// golangci-lint's `//nolint` is left to golangci-lint's own `nolintlint`.
pub fn unused(
    file: &GoFile,
    suppressed: &[Finding],
    active: &[&str],
    known: &[&str],
    report_idle: bool,
) -> Vec<Finding> {
    let text = file.text();
    if !may_hold_directives(text) {
        return vec![];
    }
    let mut out = vec![];
    for node in file.root.root().dfs().filter(|n| n.kind() == "comment") {
        let comment = node.text();
        // Not a suppression, though its author may think it is one.
        if !known.is_empty() {
            if let Some((why, meant)) = near_miss(&comment) {
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
                    message: format!(
                        "this comment suppresses nothing: {why}; did you mean `{meant}`?"
                    ),
                    snippet: comment.to_string(),
                    confidence: crate::finding::Confidence::High,
                    evidence: vec![],
                    fix: None,
                });
                continue;
            }
        }
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
        let is = |list: &[&str], c: &str| list.iter().any(|a| a.eq_ignore_ascii_case(c));
        let r = node.range();
        let (message, edit) = match &scope {
            Scope::All if !report_idle || silences(None) => continue,
            Scope::All => match reason_only(&comment, &[]) {
                Some(plain) => (
                    format!("{UNUSED_MESSAGE}; keep only its reason"),
                    Edit::new(r.start, r.end, plain),
                ),
                None => (
                    format!("{UNUSED_MESSAGE}; delete it"),
                    delete_comment(text, r.start, r.end),
                ),
            },
            Scope::Codes(codes) => {
                let unknown: Vec<&String> = codes
                    .iter()
                    .filter(|c| !known.is_empty() && !is(known, c))
                    .collect();
                let idle: Vec<&String> = codes
                    .iter()
                    .filter(|c| report_idle && !unknown.contains(c))
                    .filter(|c| is(active, c) && !silences(Some(c)))
                    .collect();
                if unknown.is_empty() && idle.is_empty() {
                    continue;
                }
                let kept: Vec<&str> = codes
                    .iter()
                    .filter(|c| !unknown.contains(c) && !idle.contains(c))
                    .map(String::as_str)
                    .collect();
                let join =
                    |v: &[&String]| v.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
                let mut why = vec![];
                if !unknown.is_empty() {
                    let meant: Vec<String> = unknown
                        .iter()
                        .filter_map(|c| Some(format!("{} for {c}", closest(c, known)?)))
                        .collect();
                    why.push(format!(
                        "{} name{} no gomemfix rule{}",
                        join(&unknown),
                        if unknown.len() == 1 { "s" } else { "" },
                        if meant.is_empty() {
                            String::new()
                        } else if unknown.len() == 1 {
                            format!(
                                " (did you mean {}?)",
                                meant[0].split(' ').next().unwrap_or_default()
                            )
                        } else {
                            format!(" (did you mean {}?)", meant.join(", "))
                        }
                    ));
                }
                if !idle.is_empty() {
                    why.push(format!("{UNUSED_MESSAGE} for {}", join(&idle)));
                }
                let plain = reason_only(&comment, codes);
                let what = if kept.is_empty() && plain.is_none() {
                    "delete the comment"
                } else if kept.is_empty() {
                    "keep only its reason"
                } else if unknown.len() + idle.len() == 1 {
                    "drop that code"
                } else {
                    "drop those codes"
                };
                let edit = match (kept.is_empty(), plain) {
                    (true, None) => delete_comment(text, r.start, r.end),
                    (true, Some(plain)) => Edit::new(r.start, r.end, plain),
                    (false, _) => Edit::new(r.start, r.end, rewrite(&comment, &kept)),
                };
                (format!("{}; {what}", why.join("; ")), edit)
            }
        };
        let description = if edit.content.is_empty() {
            "Delete the suppression comment".to_string()
        } else if !edit.content.contains("gomemfix:ignore") {
            format!(
                "Keep only its reason, as a plain comment: `{}`",
                edit.content.trim()
            )
        } else {
            format!("Keep only `{}`", edit.content.trim())
        };
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
            confidence: crate::finding::Confidence::High,
            evidence: vec![],
            fix: Some(Fix {
                applicability: Applicability::Safe,
                description,
                edits: vec![edit],
                other_files: vec![],
            }),
        });
    }
    out
}

/// True when `text` may hold a suppression comment or something like one.
pub fn may_hold_directives(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memmem::find(b, b"gomemfix").is_some()
        || memchr::memmem::find(b, b"GOMEMFIX").is_some()
        // Only a `nolint:` list naming something close to gomemfix is a near
        // miss: many files carry `//nolint:errcheck`, and each was parsed again
        // for nothing.
        || memchr::memmem::find_iter(b, b"nolint:")
            .any(|i| nolint_typo(nolint_names(&text[i + "nolint:".len()..])).is_some())
}

/// The linter names of a `nolint:` list, `rest` being what follows the colon.
fn nolint_names(rest: &str) -> &str {
    rest.split(|c: char| c.is_whitespace() || c == '/')
        .next()
        .unwrap_or("")
}

/// The name of a `nolint:` list that looks like a misspelt gomemfix.
fn nolint_typo(names: &str) -> Option<&str> {
    names.split(',').find(|l| {
        let d = edit_distance(&l.to_ascii_lowercase(), "gomemfix");
        (1..=2).contains(&d) || (d == 0 && *l != "gomemfix")
    })
}

/// The comment with its directive and `codes` taken out, leaving its reason as
/// a plain comment (`//gomemfix:ignore GM005 warm-up` → `// warm-up`); None when
/// no reason is left.
fn reason_only(comment: &str, codes: &[String]) -> Option<String> {
    let body = comment.strip_prefix("//")?.trim_start();
    let rest = body.strip_prefix("gomemfix:ignore")?;
    let mut words = rest.trim_start();
    loop {
        let w_end = words
            .find(|c: char| c.is_whitespace() || c == ',')
            .unwrap_or(words.len());
        let w = &words[..w_end];
        if w.is_empty() && !words.starts_with(',') {
            break;
        }
        if !w.is_empty() && !codes.iter().any(|c| c.eq_ignore_ascii_case(w)) && !looks_like_code(w)
        {
            break;
        }
        words = words[w_end..].trim_start_matches(|c: char| c.is_whitespace() || c == ',');
    }
    let reason = words.trim();
    (!reason.is_empty()).then(|| format!("// {reason}"))
}

/// The known rule id nearest to `code` (at most two edits away), when one is
/// nearer than any other.
fn closest<'a>(code: &str, known: &[&'a str]) -> Option<&'a str> {
    let up = code.to_ascii_uppercase();
    let mut scored: Vec<(usize, &str)> = known
        .iter()
        .map(|k| (edit_distance(&up, &k.to_ascii_uppercase()), *k))
        .filter(|(d, _)| *d <= 2)
        .collect();
    scored.sort();
    match scored.as_slice() {
        [(_, k)] => Some(k),
        [(d, k), (d2, _), ..] if d < d2 => Some(k),
        _ => None,
    }
}

/// Levenshtein distance (ASCII, small strings).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A comment that reads like a suppression but is none: why, and the comment
/// that was meant. `//gomemfix:ingore`, `//gomemfix: ignore`, `//GOMEMFIX:IGNORE`,
/// `/* gomemfix:ignore GM005 */`, `//nolint:gomemfixx`.
fn near_miss(comment: &str) -> Option<(String, String)> {
    if let Some(inner) = comment
        .strip_prefix("/*")
        .and_then(|c| c.strip_suffix("*/"))
    {
        let inner = inner.trim();
        let as_line = format!("//{inner}");
        if !inner.contains('\n') && parse_comment(&as_line).is_some() {
            return Some(("a block comment is no directive".into(), as_line));
        }
        return None;
    }
    let body = comment.strip_prefix("//")?;
    let lead = &body[..body.len() - body.trim_start().len()];
    let body = body.trim_start();
    if parse_comment(comment).is_some() {
        return None;
    }
    // golangci-lint's list, with a name two edits from gomemfix.
    if let Some(list) = body.strip_prefix("nolint:") {
        let names = nolint_names(list);
        let wrong = nolint_typo(names)?;
        let fixed = names
            .split(',')
            .map(|l| if l == wrong { "gomemfix" } else { l })
            .collect::<Vec<_>>()
            .join(",");
        return Some((
            format!("`{wrong}` is no linter name"),
            format!("//{lead}nolint:{fixed}{}", &list[names.len()..]),
        ));
    }
    // `<tool>:<keyword> rest`, `<tool>: <keyword> rest` or `<tool> <keyword> rest`.
    let (tool, after) = match body.find(|c: char| c == ':' || c.is_whitespace()) {
        Some(i) => (&body[..i], &body[i..]),
        None => return None,
    };
    if edit_distance(&tool.to_ascii_lowercase(), "gomemfix") > 2 {
        return None;
    }
    let colon = after.starts_with(':');
    let after_colon = after.strip_prefix(':').unwrap_or(after);
    let spaced = after_colon.starts_with(char::is_whitespace);
    let after_colon = after_colon.trim_start();
    let kw_end = after_colon
        .find(|c: char| c.is_whitespace() || c == ',')
        .unwrap_or(after_colon.len());
    let keyword = &after_colon[..kw_end];
    let rest = &after_colon[kw_end..];
    if edit_distance(&keyword.to_ascii_lowercase(), "ignore") > 2 || keyword.len() < 4 {
        return None;
    }
    // Without a colon it is prose ("gomemfix ignores ...") unless it reads
    // exactly as a directive: `gomemfix ignore`, then nothing or a rule code.
    if !colon {
        let next = rest
            .trim_start_matches(|c: char| c.is_whitespace() || c == ',')
            .split(|c: char| c.is_whitespace() || c == ',')
            .next()
            .unwrap_or("");
        if !keyword.eq_ignore_ascii_case("ignore") || !(next.is_empty() || looks_like_code(next)) {
            return None;
        }
    }
    let meant = format!("//{lead}gomemfix:ignore{rest}");
    let (tool_ok, keyword_ok) = (
        tool.eq_ignore_ascii_case("gomemfix"),
        keyword.eq_ignore_ascii_case("ignore"),
    );
    let why = if tool_ok && keyword_ok && (tool != "gomemfix" || keyword != "ignore") {
        "the directive is lower case".to_string()
    } else if !tool_ok {
        format!("`{tool}` is misspelt")
    } else if !keyword_ok {
        format!("`{keyword}` is misspelt")
    } else if colon && spaced {
        "no space may follow the colon".to_string()
    } else {
        "the directive is `gomemfix:ignore`, with a colon".to_string()
    };
    Some((why, meant))
}

/// Deletes the comment at `start..end`: its whole line when it is alone on it,
/// else the comment and the blanks before it (a trailing comment).
fn delete_comment(text: &str, start: usize, end: usize) -> Edit {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let alone = text[line_start..start].trim().is_empty() && text[end..line_end].trim().is_empty();
    if alone {
        let through = if line_end < text.len() {
            line_end + 1
        } else {
            line_end
        };
        return Edit::new(line_start, through, "");
    }
    let before = text[..start].trim_end_matches([' ', '\t']).len();
    Edit::new(before, end, "")
}

/// The comment with only the `kept` codes, in its own spelling: the same space
/// after `//`, the same separator, the reason as it was.
fn rewrite(comment: &str, kept: &[&str]) -> String {
    let after_slashes = &comment[2..];
    let lead = &after_slashes[..after_slashes.len() - after_slashes.trim_start().len()];
    let rest = after_slashes.trim_start()["gomemfix:ignore".len()..].to_string();
    // The codes run up to the first word that is not a code.
    let mut end = 0;
    let mut at = 0;
    for word in rest.split_inclusive(|c: char| c.is_whitespace() || c == ',') {
        let w = word.trim_end_matches(|c: char| c.is_whitespace() || c == ',');
        if !w.is_empty() && !looks_like_code(w) {
            break;
        }
        if !w.is_empty() {
            end = at + w.len();
        }
        at += word.len();
    }
    let sep = if rest[..end].contains(',') { "," } else { " " };
    format!("//{lead}gomemfix:ignore {}{}", kept.join(sep), &rest[end..])
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
    fn a_nolint_list_may_hold_a_directive_only_near_gomemfix() {
        let file = |c: &str| format!("package p\n\n{c}\nfunc f() {{}}\n");
        assert!(!may_hold_directives(&file("//nolint:errcheck // why")));
        assert!(!may_hold_directives(&file("// nolint is golangci-lint's")));
        assert!(may_hold_directives(&file(
            "//nolint:errcheck,gomemfx // why"
        )));
        assert!(may_hold_directives(&file("//nolint:GoMemFix")));
        assert!(may_hold_directives(&file("//nolint:gomemfix")));
        assert!(may_hold_directives(&file("//gomemfix:ignore GM005")));
    }

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
            confidence: crate::finding::Confidence::High,
            evidence: vec![],
            fix: None,
        };
        let found = unused(&file, &[used], &["GM005", "GM010"], &[], true);
        let lines: Vec<(usize, &str)> = found
            .iter()
            .map(|f| (f.start_pos.line, f.message.as_str()))
            .collect();
        assert_eq!(
            lines,
            vec![
                (
                    3,
                    "this suppression silences nothing for GM010; drop that code"
                ),
                (6, "this suppression silences nothing; delete it"),
            ]
        );
        // A code of a rule that did not run is not judged.
        assert_eq!(unused(&file, &[], &["GM008"], &[], true).len(), 1);
    }

    #[test]
    fn near_misses_say_what_was_meant() {
        let meant = |c: &str| near_miss(c).map(|(_, m)| m);
        assert_eq!(
            meant("//gomemfix:ingore GM005"),
            Some("//gomemfix:ignore GM005".into())
        );
        assert_eq!(
            meant("//gomemfix: ignore GM005 why"),
            Some("//gomemfix:ignore GM005 why".into())
        );
        assert_eq!(
            meant("// GOMEMFIX:IGNORE"),
            Some("// gomemfix:ignore".into())
        );
        assert_eq!(
            meant("/* gomemfix:ignore GM005 */"),
            Some("//gomemfix:ignore GM005".into())
        );
        assert_eq!(
            meant("//nolint:errcheck,gomemfixx // why"),
            Some("//nolint:errcheck,gomemfix // why".into())
        );
        assert_eq!(
            meant("//gomemfix ignore GM005"),
            Some("//gomemfix:ignore GM005".into())
        );
        for fine in [
            "//gomemfix:ignore GM005",
            "//nolint:gomemfix",
            "//nolint:errcheck",
            "// gomemfix ignores generated files",
            "// see gomemfix: it ignores vendor/",
            "/* a gomemfix note */",
        ] {
            assert_eq!(meant(fine), None, "{fine}");
        }
        let known = ["GM001", "GM005", "GM009", "GM010", "GM100"];
        assert_eq!(closest("GM999", &known), Some("GM009"));
        assert_eq!(closest("GM05", &known), Some("GM005"));
        assert_eq!(closest("GM777", &known), None);
        assert_eq!(
            reason_only("//gomemfix:ignore GM999 typo, sorry", &["GM999".into()]),
            Some("// typo, sorry".into())
        );
        assert_eq!(
            reason_only(
                "//gomemfix:ignore GM999,GM998",
                &["GM999".into(), "GM998".into()]
            ),
            None
        );
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
