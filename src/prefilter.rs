//! A cheap test over a file's bytes that says "this rule cannot match here",
//! so most files are never parsed.
//!
//! The test is derived from the rule itself, not listed by hand: every
//! identifier a pattern spells out must occur in the file (`$RT.GC()` needs `GC`),
//! `all`/`has`/`inside` combine with AND, `any` with OR, `not` asks nothing, and
//! each import a rule's metavariable must name adds its quoted path (`"runtime"`).
//! A needle that is absent proves the rule silent; a needle that is present proves
//! nothing, and the file is parsed.

use ast_grep_core::tree_sitter::LanguageExt;
use memchr::memmem;
use serde_json::Value;

use crate::lang::Go;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prefilter {
    /// No byte test can rule the file out.
    Always,
    Needle(Vec<u8>),
    /// An identifier: present as a whole word, not inside a longer one
    /// (`GC` is not found in `GCPercent` or `debugGC`).
    Word(Vec<u8>),
    All(Vec<Prefilter>),
    Any(Vec<Prefilter>),
}

impl Prefilter {
    /// The byte test of a rule: what its pattern requires, the import path of
    /// each package it names (`packages` metadata) and one of its `needles`.
    pub fn from_rule<'a>(
        rule: &Value,
        packages: impl IntoIterator<Item = &'a String>,
        needles: &[String],
    ) -> Prefilter {
        let mut parts = vec![from_rule_value(rule)];
        for path in packages {
            parts.push(Prefilter::Needle(format!("\"{path}\"").into_bytes()));
        }
        if !needles.is_empty() {
            let any = needles
                .iter()
                .map(|n| Prefilter::Needle(n.clone().into_bytes()));
            parts.push(Prefilter::Any(any.collect()));
        }
        Prefilter::All(parts).simplify()
    }

    pub fn may_match(&self, bytes: &[u8]) -> bool {
        match self {
            Prefilter::Always => true,
            Prefilter::Needle(n) => memmem::find(bytes, n).is_some(),
            Prefilter::Word(w) => has_word(bytes, w),
            Prefilter::All(parts) => parts.iter().all(|p| p.may_match(bytes)),
            Prefilter::Any(parts) => parts.iter().any(|p| p.may_match(bytes)),
        }
    }

    fn simplify(self) -> Prefilter {
        match self {
            Prefilter::All(parts) => {
                let mut flat = vec![];
                for p in parts.into_iter().map(Prefilter::simplify) {
                    match p {
                        Prefilter::Always => {}
                        Prefilter::All(inner) => flat.extend(inner),
                        other => flat.push(other),
                    }
                }
                flat.dedup();
                match flat.len() {
                    0 => Prefilter::Always,
                    1 => flat.pop().unwrap(),
                    _ => Prefilter::All(flat),
                }
            }
            Prefilter::Any(parts_in) => {
                let mut parts: Vec<Prefilter> = vec![];
                for p in parts_in.into_iter().map(Prefilter::simplify) {
                    // The same needle twice would be searched for twice.
                    if !parts.contains(&p) {
                        parts.push(p);
                    }
                }
                if parts.is_empty() || parts.contains(&Prefilter::Always) {
                    Prefilter::Always
                } else if parts.len() == 1 {
                    parts.into_iter().next().unwrap()
                } else {
                    Prefilter::Any(parts)
                }
            }
            other => other,
        }
    }
}

/// True when `word` occurs in `bytes` as code: with no identifier byte right
/// before or after it (any non-ASCII byte counts as one, since Go identifiers may
/// hold Unicode letters) and not inside a line comment.
fn has_word(bytes: &[u8], word: &[u8]) -> bool {
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    memmem::find_iter(bytes, word).any(|at| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + word.len()).copied();
        !before.is_some_and(ident) && !after.is_some_and(ident) && !in_line_comment(bytes, at)
    })
}

/// True only when the text before `at` on its line proves `at` is not code: it
/// holds `//` and no quote of any kind and no `*/`. Without a quote, that `//`
/// opens a comment, or sits inside a comment or a raw string that does not end
/// on this line before `at`; either way `at` is no code token.
fn in_line_comment(bytes: &[u8], at: usize) -> bool {
    let line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
    let prefix = &bytes[line_start..at];
    memmem::find(prefix, b"//").is_some()
        && memchr::memchr3(b'"', b'\'', b'`', prefix).is_none()
        && memmem::find(prefix, b"*/").is_none()
}

/// The keyword every node of a kind spells out (from the Go grammar), so
/// `kind: go_statement` needs the word `go` in the file.
const KIND_KEYWORDS: &[(&str, &str)] = &[
    ("go_statement", "go"),
    ("defer_statement", "defer"),
    ("for_statement", "for"),
    ("range_clause", "range"),
    ("select_statement", "select"),
    ("return_statement", "return"),
    ("break_statement", "break"),
    ("continue_statement", "continue"),
    ("goto_statement", "goto"),
    ("if_statement", "if"),
    ("expression_switch_statement", "switch"),
    ("type_switch_statement", "switch"),
    ("function_declaration", "func"),
    ("method_declaration", "func"),
    ("func_literal", "func"),
    ("var_declaration", "var"),
    ("const_declaration", "const"),
    ("type_declaration", "type"),
    ("import_declaration", "import"),
    ("package_clause", "package"),
    ("map_type", "map"),
    ("channel_type", "chan"),
    ("struct_type", "struct"),
    ("interface_type", "interface"),
];

fn from_rule_value(rule: &Value) -> Prefilter {
    let Value::Object(map) = rule else {
        return Prefilter::Always;
    };
    let mut parts = vec![];
    for (key, value) in map {
        match key.as_str() {
            "pattern" => parts.push(from_pattern(value)),
            "all" => {
                if let Value::Array(items) = value {
                    parts.extend(items.iter().map(from_rule_value));
                }
            }
            "any" => {
                if let Value::Array(items) = value {
                    parts.push(Prefilter::Any(items.iter().map(from_rule_value).collect()));
                }
            }
            // The related node must exist for the rule to match, so its needles count.
            "has" | "inside" | "follows" | "precedes" => parts.push(from_rule_value(value)),
            // A regex's leading literal (`^func`, `\tgo `) occurs in the node, so in the file.
            "regex" => parts.push(regex_prefix(value)),
            "kind" => {
                let keyword = KIND_KEYWORDS
                    .iter()
                    .find(|(k, _)| Some(*k) == value.as_str())
                    .map(|(_, w)| w);
                if let Some(w) = keyword {
                    parts.push(Prefilter::Word(w.as_bytes().to_vec()));
                }
            }
            // `not`, `matches`, `nthChild`, `stopBy`, `field`: nothing provable.
            _ => {}
        }
    }
    Prefilter::All(parts)
}

/// The literal a node's text must contain for `regex` to match it: the regex's
/// leading run of plain characters (after `^`, if anchored). An alternation
/// (`|`) anywhere means no single literal is required.
fn regex_prefix(value: &Value) -> Prefilter {
    let Some(regex) = value.as_str() else {
        return Prefilter::Always;
    };
    if regex.contains('|') {
        return Prefilter::Always;
    }
    let rest = regex.strip_prefix('^').unwrap_or(regex);
    let literal: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ' ' | '\t'))
        .collect();
    // A quantifier after the prefix would make its last character optional.
    let next = rest[literal.len()..].chars().next();
    let literal = match next {
        Some('?' | '*' | '{') => &literal[..literal.len().saturating_sub(1)],
        _ => &literal[..],
    };
    if literal.is_empty() {
        Prefilter::Always
    } else {
        Prefilter::Needle(literal.as_bytes().to_vec())
    }
}

fn from_pattern(value: &Value) -> Prefilter {
    match value {
        Value::String(p) => identifiers_of(p, None),
        Value::Object(obj) => match obj.get("context").and_then(Value::as_str) {
            Some(ctx) => identifiers_of(ctx, obj.get("selector").and_then(Value::as_str)),
            None => Prefilter::Always,
        },
        _ => Prefilter::Always,
    }
}

/// The identifiers a pattern spells out, within the `selector` node when there is one.
fn identifiers_of(pattern: &str, selector: Option<&str>) -> Prefilter {
    // Parse as ast-grep does, with metavariables spelled as identifiers.
    let pattern = &pattern.replace('$', "µ");
    thread_local! {
        // One parser for every pattern of every rule read on this thread.
        static PARSER: Option<std::cell::RefCell<tree_sitter::Parser>> = {
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&Go.get_ts_language()).ok().map(|_| parser.into())
        };
    }
    let tree = PARSER.with(|p| p.as_ref().and_then(|p| p.borrow_mut().parse(pattern, None)));
    let Some(tree) = tree else {
        return Prefilter::Always;
    };
    let mut start = tree.root_node();
    if let Some(kind) = selector {
        match find_kind(start, kind) {
            Some(node) => start = node,
            None => return Prefilter::Always,
        }
    }
    let mut needles = vec![];
    let mut stack = vec![start];
    while let Some(node) = stack.pop() {
        let is_ident = matches!(
            node.kind(),
            "identifier" | "field_identifier" | "type_identifier" | "package_identifier"
        );
        // A keyword token of the pattern (`func`, `for`, `go`) must be in the code too.
        let is_keyword = !node.is_named()
            && node.kind().len() > 1
            && node.kind().bytes().all(|b| b.is_ascii_lowercase());
        if is_keyword && !node.has_error() && &pattern[node.byte_range()] == node.kind() {
            needles.push(Prefilter::Word(node.kind().as_bytes().to_vec()));
        }
        if is_ident && !node.has_error() {
            let text = &pattern[node.byte_range()];
            if !text.contains('µ') && text != "_" {
                needles.push(Prefilter::Word(text.as_bytes().to_vec()));
            }
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    Prefilter::All(needles)
}

fn find_kind<'t>(node: tree_sitter::Node<'t>, kind: &str) -> Option<tree_sitter::Node<'t>> {
    if node.kind() == kind {
        return Some(node);
    }
    let mut cursor = node.walk();
    let children: Vec<_> = node.children(&mut cursor).collect();
    children.into_iter().find_map(|c| find_kind(c, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prefilter of a rule naming `packages` (alias, path) and no needles.
    fn of(rule: &Value, packages: &[(&str, &str)]) -> Prefilter {
        let paths: Vec<String> = packages.iter().map(|(_, p)| p.to_string()).collect();
        Prefilter::from_rule(rule, &paths, &[])
    }

    #[test]
    fn listed_needles_are_alternatives() {
        let needles = ["nil".to_string(), "make".to_string()];
        let rule = serde_json::json!({"kind": "slice_expression"});
        let p = Prefilter::from_rule(&rule, &[], &needles);
        assert!(p.may_match(b"x = nil"));
        assert!(!p.may_match(b"var t = [...]uint32{1, 2}"));
    }

    #[test]
    fn derives_needles_from_selected_pattern_and_packages() {
        let rule = serde_json::json!({
            "pattern": {"context": "func _() { $RT.GC() }", "selector": "call_expression"},
            "not": {"inside": {"kind": "for_statement"}}
        });
        let p = of(&rule, &[("RT", "runtime")]);
        assert_eq!(
            p,
            Prefilter::All(vec![
                Prefilter::Word(b"GC".to_vec()),
                Prefilter::Needle(b"\"runtime\"".to_vec())
            ])
        );
        assert!(p.may_match(b"import rt \"runtime\"\nfunc f() { rt.GC() }"));
        assert!(!p.may_match(b"import \"runtime\"\nfunc f() { runtime.Gosched() }"));
        assert!(!p.may_match(b"import \"runtime\"\nvar x = debug.SetGCPercent(1) + myGC"));
        assert!(p.may_match(b"import \"runtime\"\nfunc f() { runtime.GC\t() }"));
        // Words in a line comment are not code; after a quote they might be.
        assert!(!p.may_match(b"import \"runtime\"\n// runtime.GC() here\n"));
        assert!(p.may_match(b"import \"runtime\"\nvar s = \"//\"; func f() { runtime.GC() }"));
        assert!(p.may_match(b"import \"runtime\"\n/* // */ func f() { runtime.GC() }"));
    }

    #[test]
    fn kinds_and_pattern_keywords_need_their_keyword() {
        let rule = serde_json::json!({"kind": "go_statement"});
        let p = of(&rule, &[]);
        assert_eq!(p, Prefilter::Word(b"go".to_vec()));
        assert!(!p.may_match(b"package p // go here\nvar x = 1"));
        // A quote before it on the line: it might be code, so the file is parsed.
        assert!(p.may_match(b"package p\nimport \"go/ast\""));
        let rule = serde_json::json!({"pattern": "func main() { $$$ }"});
        let p = of(&rule, &[]);
        assert!(p.may_match(b"package main\nfunc main() {}"));
        assert!(!p.may_match(b"package main\nvar main = 1"));
    }

    #[test]
    fn anchored_regex_gives_its_literal_prefix() {
        let rule = serde_json::json!({"kind": "function_declaration", "regex": "^func"});
        assert_eq!(
            of(&rule, &[]),
            Prefilter::All(vec![
                Prefilter::Word(b"func".to_vec()),
                Prefilter::Needle(b"func".to_vec())
            ])
        );
        let rule = serde_json::json!({"regex": "^funcs?x"});
        assert_eq!(of(&rule, &[]), Prefilter::Needle(b"func".to_vec()));
        // Unanchored, the literal may be anywhere in the node, so in the file.
        let rule = serde_json::json!({"regex": "\tgo [A-Za-z_]"});
        assert_eq!(of(&rule, &[]), Prefilter::Needle(b"\tgo ".to_vec()));
        // An alternation requires neither side.
        let rule = serde_json::json!({"regex": "^func|var"});
        assert_eq!(of(&rule, &[]), Prefilter::Always);
        let rule = serde_json::json!({"regex": "[fF]unc"});
        assert_eq!(of(&rule, &[]), Prefilter::Always);
    }

    #[test]
    fn any_is_or_and_kind_is_always() {
        let rule = serde_json::json!({"any": [{"pattern": "foo()"}, {"kind": "array_type"}]});
        assert_eq!(of(&rule, &[]), Prefilter::Always);
        let rule = serde_json::json!({"any": [{"pattern": "foo()"}, {"pattern": "bar()"}]});
        let p = of(&rule, &[]);
        assert!(p.may_match(b"bar()") && !p.may_match(b"baz()"));
    }
}
