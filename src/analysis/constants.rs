//! Integer constant expressions: literals, arithmetic, shifts, parentheses and the
//! package-level `const` names of the file, or of other files of the package
//! when declared there with a literal value. The one evaluator every rule asks.

use crate::gofile::{GoFile, GoNode};

/// The value of an integer constant expression: literals, arithmetic, shifts,
/// parentheses and package-level `const` names of this file (or, declared with a
/// literal value, of another file of the package).
pub fn int_value(file: &GoFile, node: &GoNode) -> Option<i64> {
    eval(Some(file), node, 0)
}

/// The value of a constant expression spelled with literals only (no names).
pub fn literal_int(node: &GoNode) -> Option<i64> {
    eval(None, node, 0)
}

fn eval(file: Option<&GoFile>, node: &GoNode, depth: u32) -> Option<i64> {
    if depth > 16 {
        return None;
    }
    match node.kind().as_ref() {
        "int_literal" => parse_int(&node.text()),
        // A metavariable on the right of `=` captures the whole (one-element) list.
        "expression_list" if node.named_children().count() == 1 => {
            eval(file, &node.named_children().next()?, depth + 1)
        }
        "parenthesized_expression" => eval(file, &node.child(1)?, depth + 1),
        "unary_expression" => {
            let v = eval(file, &node.field("operand")?, depth + 1)?;
            match node.field("operator")?.text().as_ref() {
                "-" => v.checked_neg(),
                "+" => Some(v),
                _ => None,
            }
        }
        "binary_expression" => {
            let l = eval(file, &node.field("left")?, depth + 1)?;
            let r = eval(file, &node.field("right")?, depth + 1)?;
            match node.field("operator")?.text().as_ref() {
                "+" => l.checked_add(r),
                "-" => l.checked_sub(r),
                "*" => l.checked_mul(r),
                "/" if r != 0 => Some(l / r),
                "<<" if (0..63).contains(&r) => l.checked_shl(r as u32),
                ">>" if (0..63).contains(&r) => Some(l >> r),
                "|" => Some(l | r),
                "&" => Some(l & r),
                _ => None,
            }
        }
        "identifier" => {
            let file = file?;
            package_const(file, &node.text(), depth).or_else(|| other_file_const(file, node))
        }
        _ => None,
    }
}

fn package_const(file: &GoFile, name: &str, depth: u32) -> Option<i64> {
    let root = file.root.root();
    for decl in root.children().filter(|d| d.kind() == "const_declaration") {
        for spec in decl.children().filter(|s| s.kind() == "const_spec") {
            let names: Vec<_> = spec.field_children("name").collect();
            let values: Vec<_> = spec
                .field("value")
                .map(|v| v.named_children().collect())
                .unwrap_or_default();
            if let Some(i) = names.iter().position(|n| n.text() == name) {
                return values.get(i).and_then(|v| eval(Some(file), v, depth + 1));
            }
        }
    }
    None
}

/// `ident`, a name no local declaration shadows, as an integer constant that
/// another file of the package declares with a literal value.
fn other_file_const(file: &GoFile, ident: &GoNode) -> Option<i64> {
    let name = ident.text();
    if crate::analysis::decls::lookup(ident, &name).is_some() {
        return None;
    }
    crate::analysis::types::PackageIndex::for_file(file).const_value(&name)
}

fn parse_int(text: &str) -> Option<i64> {
    let t = text.replace('_', "");
    let (digits, radix) = match t.get(..2) {
        Some("0x" | "0X") => (&t[2..], 16),
        Some("0b" | "0B") => (&t[2..], 2),
        Some("0o" | "0O") => (&t[2..], 8),
        _ if t.len() > 1 && t.starts_with('0') => (&t[1..], 8),
        _ => (&t[..], 10),
    };
    i64::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn value_of(src: &str) -> Option<i64> {
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let v = f
            .root
            .root()
            .dfs()
            .find(|n| n.kind() == "assignment_statement")
            .unwrap();
        let right = v.field("right").unwrap().child(0).unwrap();
        int_value(&f, &right)
    }

    #[test]
    fn evaluates_constants() {
        assert_eq!(value_of("package p\nfunc f() { x = 1 }"), Some(1));
        assert_eq!(
            value_of("package p\nfunc f() { x = 512 * 1024 }"),
            Some(524288)
        );
        assert_eq!(
            value_of("package p\nfunc f() { x = (1 << 12) }"),
            Some(4096)
        );
        assert_eq!(
            value_of("package p\nconst everyAlloc = 0x1\nfunc f() { x = everyAlloc }"),
            Some(1)
        );
        assert_eq!(value_of("package p\nfunc f() { x = 1_000 }"), Some(1000));
        assert_eq!(value_of("package p\nfunc f() { x = rate }"), None);
    }
}
