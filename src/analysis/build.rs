//! Build constraints: whether a file can take part in a normal build at all.
//!
//! A file whose `//go:build` (or older `// +build`) constraint needs a tag that
//! no normal build sets (`ignore`, `wireinject`, `tools`, `mage`) is never
//! compiled: a `wire` injector, a `tools.go` that pins tool dependencies, a
//! generator run by `go run`, a magefile only the `mage` tool builds. Its calls
//! are not calls of the program. A file for another GOOS/GOARCH, or one behind
//! any other tag, may be built and counts.

/// Tags that no normal build sets.
const NEVER_SET: &[&str] = &["ignore", "wireinject", "tools", "mage"];

/// True when the file's build constraint cannot hold in a normal build, for
/// any value of the other tags.
pub fn never_built(text: &str) -> bool {
    !may_hold(text, &|t: &str| NEVER_SET.contains(&t).then_some(false))
}

/// True when the file's build constraint (none: true) can hold with the tags
/// `fixed` gives a value set to it, for some choice of the others. Shared by
/// the call graph ([`never_built`]) and GM006 (a Linux build, gocode.rs).
pub fn may_hold(text: &str, fixed: &dyn Fn(&str) -> Option<bool>) -> bool {
    constraint(text).is_none_or(|expr| satisfiable(&expr, fixed))
}

#[derive(Debug, Clone)]
enum Expr {
    Tag(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

/// The constraint in the header (the lines before `package`): `//go:build`
/// when there is one, else the `// +build` lines, ANDed.
fn constraint(text: &str) -> Option<Expr> {
    let mut plus: Vec<Expr> = vec![];
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("package ") || t == "package" {
            break;
        }
        if let Some(rest) = t.strip_prefix("//go:build") {
            return parse(rest);
        }
        if let Some(rest) = t.strip_prefix("// +build") {
            // Space-separated options are ORed, comma-separated terms ANDed.
            let mut any: Option<Expr> = None;
            for option in rest.split_whitespace() {
                let mut all: Option<Expr> = None;
                for term in option.split(',') {
                    let e = match term.strip_prefix('!') {
                        Some(tag) => Expr::Not(Box::new(Expr::Tag(tag.to_string()))),
                        None => Expr::Tag(term.to_string()),
                    };
                    all = Some(match all {
                        Some(a) => Expr::And(Box::new(a), Box::new(e)),
                        None => e,
                    });
                }
                if let Some(a) = all {
                    any = Some(match any {
                        Some(o) => Expr::Or(Box::new(o), Box::new(a)),
                        None => a,
                    });
                }
            }
            if let Some(e) = any {
                plus.push(e);
            }
        }
    }
    plus.into_iter()
        .reduce(|a, b| Expr::And(Box::new(a), Box::new(b)))
}

fn parse(s: &str) -> Option<Expr> {
    let mut tokens = vec![];
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c.is_whitespace() {
            i += 1;
        } else if s[i..].starts_with("&&") || s[i..].starts_with("||") {
            tokens.push(s[i..i + 2].to_string());
            i += 2;
        } else if matches!(c, '!' | '(' | ')') {
            tokens.push(c.to_string());
            i += 1;
        } else {
            let start = i;
            while i < b.len() {
                let c = b[i] as char;
                if c.is_alphanumeric() || c == '_' || c == '.' {
                    i += 1;
                } else {
                    break;
                }
            }
            if i == start {
                return None;
            }
            tokens.push(s[start..i].to_string());
        }
    }
    let mut pos = 0;
    let e = parse_or(&tokens, &mut pos)?;
    (pos == tokens.len()).then_some(e)
}

fn parse_or(t: &[String], pos: &mut usize) -> Option<Expr> {
    let mut left = parse_and(t, pos)?;
    while t.get(*pos).is_some_and(|x| x == "||") {
        *pos += 1;
        let right = parse_and(t, pos)?;
        left = Expr::Or(Box::new(left), Box::new(right));
    }
    Some(left)
}

fn parse_and(t: &[String], pos: &mut usize) -> Option<Expr> {
    let mut left = parse_not(t, pos)?;
    while t.get(*pos).is_some_and(|x| x == "&&") {
        *pos += 1;
        let right = parse_not(t, pos)?;
        left = Expr::And(Box::new(left), Box::new(right));
    }
    Some(left)
}

fn parse_not(t: &[String], pos: &mut usize) -> Option<Expr> {
    let tok = t.get(*pos)?;
    *pos += 1;
    match tok.as_str() {
        "!" => Some(Expr::Not(Box::new(parse_not(t, pos)?))),
        "(" => {
            let e = parse_or(t, pos)?;
            (t.get(*pos)? == ")").then_some(())?;
            *pos += 1;
            Some(e)
        }
        ")" | "&&" | "||" => None,
        tag => Some(Expr::Tag(tag.to_string())),
    }
}

fn tags(e: &Expr, fixed: &dyn Fn(&str) -> Option<bool>, out: &mut Vec<String>) {
    match e {
        Expr::Tag(t) => {
            if fixed(t).is_none() && !out.contains(t) {
                out.push(t.clone());
            }
        }
        Expr::Not(x) => tags(x, fixed, out),
        Expr::And(a, b) | Expr::Or(a, b) => {
            tags(a, fixed, out);
            tags(b, fixed, out);
        }
    }
}

fn eval(e: &Expr, set: &dyn Fn(&str) -> bool) -> bool {
    match e {
        Expr::Tag(t) => set(t),
        Expr::Not(x) => !eval(x, set),
        Expr::And(a, b) => eval(a, set) && eval(b, set),
        Expr::Or(a, b) => eval(a, set) || eval(b, set),
    }
}

/// True when some choice of the free tags makes `e` hold, the others taking
/// the value `fixed` gives them (more than 12 free tags: assumed to).
fn satisfiable(e: &Expr, fixed: &dyn Fn(&str) -> Option<bool>) -> bool {
    let mut free = vec![];
    tags(e, fixed, &mut free);
    if free.len() > 12 {
        return true;
    }
    (0u32..1 << free.len()).any(|bits| {
        eval(e, &|t: &str| {
            fixed(t).unwrap_or_else(|| {
                free.iter()
                    .position(|f| f == t)
                    .is_some_and(|i| bits & (1 << i) != 0)
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_satisfiable_tags() {
        for head in [
            "//go:build ignore\n",
            "//go:build wireinject\n// +build wireinject\n",
            "//go:build tools\n",
            "// +build ignore\n",
            "//go:build linux && ignore\n",
            "//go:build (wireinject && linux) || tools\n",
            "//go:build mage\n",
        ] {
            assert!(never_built(&format!("{head}\npackage p\n")), "{head}");
        }
        for head in [
            "",
            "//go:build linux\n",
            "//go:build !wireinject\n",
            "//go:build !mage\n",
            "//go:build linux && !windows\n",
            "// +build linux darwin\n",
            "//go:build ignore || linux\n",
            "// Package p.\n",
        ] {
            assert!(!never_built(&format!("{head}\npackage p\n")), "{head}");
        }
        // A constraint after the package clause is no constraint.
        assert!(!never_built("package p\n\n//go:build ignore\n"));
    }
}
