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
use crate::rules::RuleMeta;

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
    pub fn from_rule(rule: &Value, _constraints: Option<&Value>, meta: &RuleMeta) -> Prefilter {
        let mut parts = vec![from_rule_value(rule)];
        for path in meta.packages.values() {
            parts.push(Prefilter::Needle(format!("\"{path}\"").into_bytes()));
        }
        if !meta.needles.is_empty() {
            let any = meta
                .needles
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

/// True when `word` occurs in `bytes` with no identifier byte right before or after
/// it. Any non-ASCII byte counts as an identifier byte, since Go identifiers may hold
/// Unicode letters: erring that way keeps the test a proof.
fn has_word(bytes: &[u8], word: &[u8]) -> bool {
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    memmem::find_iter(bytes, word).any(|at| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + word.len()).copied();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

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
            // A regex anchored at the start with a literal prefix (`^func`): the prefix occurs.
            "regex" => parts.push(regex_prefix(value)),
            // `not`, `kind`, `matches`, `nthChild`, `stopBy`, `field`: nothing provable.
            _ => {}
        }
    }
    Prefilter::All(parts)
}

fn regex_prefix(value: &Value) -> Prefilter {
    let Some(rest) = value.as_str().and_then(|r| r.strip_prefix('^')) else {
        return Prefilter::Always;
    };
    let literal: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ' ')
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
    let mut parser = tree_sitter::Parser::new();
    if parser.set_language(&Go.get_ts_language()).is_err() {
        return Prefilter::Always;
    }
    let Some(tree) = parser.parse(pattern, None) else {
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
    use std::collections::BTreeMap;

    fn meta(packages: &[(&str, &str)]) -> RuleMeta {
        RuleMeta {
            name: None,
            fix_safety: None,
            packages: packages
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            skip_tests: false,
            checks: vec![],
            fixer: None,
            fix_description: None,
            needles: vec![],
        }
    }

    #[test]
    fn listed_needles_are_alternatives() {
        let mut m = meta(&[]);
        m.needles = vec!["nil".into(), "make".into()];
        let p = Prefilter::from_rule(&serde_json::json!({"kind": "slice_expression"}), None, &m);
        assert!(p.may_match(b"x = nil"));
        assert!(!p.may_match(b"var t = [...]uint32{1, 2}"));
    }

    #[test]
    fn derives_needles_from_selected_pattern_and_packages() {
        let rule = serde_json::json!({
            "pattern": {"context": "func _() { $RT.GC() }", "selector": "call_expression"},
            "not": {"inside": {"kind": "for_statement"}}
        });
        let p = Prefilter::from_rule(&rule, None, &meta(&[("RT", "runtime")]));
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
    }

    #[test]
    fn anchored_regex_gives_its_literal_prefix() {
        let rule = serde_json::json!({"kind": "function_declaration", "regex": "^func"});
        assert_eq!(
            Prefilter::from_rule(&rule, None, &meta(&[])),
            Prefilter::Needle(b"func".to_vec())
        );
        let rule = serde_json::json!({"regex": "^funcs?x"});
        assert_eq!(
            Prefilter::from_rule(&rule, None, &meta(&[])),
            Prefilter::Needle(b"func".to_vec())
        );
        let rule = serde_json::json!({"regex": "func"});
        assert_eq!(
            Prefilter::from_rule(&rule, None, &meta(&[])),
            Prefilter::Always
        );
    }

    #[test]
    fn any_is_or_and_kind_is_always() {
        let rule = serde_json::json!({"any": [{"pattern": "foo()"}, {"kind": "go_statement"}]});
        assert_eq!(
            Prefilter::from_rule(&rule, None, &meta(&[])),
            Prefilter::Always
        );
        let rule = serde_json::json!({"any": [{"pattern": "foo()"}, {"pattern": "bar()"}]});
        let p = Prefilter::from_rule(&rule, None, &meta(&[]));
        assert!(p.may_match(b"bar()") && !p.may_match(b"baz()"));
    }
}
