//! GM001: a short sub-slice that outlives its large base keeps the whole backing
//! array alive. Two kinds of evidence that the base is meant to die:
//!
//! - it is dropped explicitly (`big = nil`) after the sub-slice is taken, while the
//!   sub-slice is still used afterwards or kept somewhere;
//! - it is a local that is never used again, provably large (`make` of 64 KiB or
//!   more, or a whole file or stream read by `os.ReadFile`/`io.ReadAll` cut to a
//!   fixed width), and the sub-slice is returned, sent, or stored in a field, map
//!   element or global.
//!
//! Silent on strings and arrays, small bases, re-slicing a variable into itself
//! (`b = b[:n]`), `[:0]` (kept for reuse), and sub-slices that die with their base.

use crate::analysis::exprs::{indentation, is_stable, same_expr};
use crate::analysis::types::{self, declared_where, Origin, Resolver};
use crate::analysis::{constants, escape, std_deps};
use crate::finding::Edit;
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::gomod::GoVersion;
use crate::imports::{choose_name, line_end, line_start, ImportRequest};
use crate::outcome::{FixPlan, Outcome};

/// A base of at least this many bytes is large enough to be worth copying out of
/// even when nothing says it is dropped.
const LARGE_BYTES: u64 = 64 * 1024;
/// A base known to be smaller than this is never worth a finding.
const SMALL_BYTES: u64 = 4 * 1024;

/// Calls that read a whole file or stream into one new slice.
const WHOLE_READS: &[(&str, &str)] = &[
    ("os", "ReadFile"),
    ("io", "ReadAll"),
    ("io/ioutil", "ReadAll"),
    ("io/ioutil", "ReadFile"),
];

/// Where the sub-slice goes.
enum Holder<'r> {
    /// `target := s` or `target = s`, alone in its statement.
    Assigned {
        stmt: GoNode<'r>,
        target: GoNode<'r>,
        declares: bool,
    },
    /// `return ..., s, ...`, `ch <- s`, or `x = append(x, s)` into a field or global.
    Escapes { stmt: GoNode<'r>, how: String },
}

impl<'r> Holder<'r> {
    /// How the sub-slice outlives the function, for the message.
    fn how(&self) -> String {
        match self {
            Holder::Escapes { how, .. } => how.clone(),
            Holder::Assigned { target, .. } if is_long_lived_place(target) => {
                format!("kept in `{}`", target.text())
            }
            Holder::Assigned { target, .. } => {
                format!("kept in `{}`, which outlives the function", target.text())
            }
        }
    }

    fn stmt(&self) -> &GoNode<'r> {
        match self {
            Holder::Assigned { stmt, .. } | Holder::Escapes { stmt, .. } => stmt,
        }
    }
}

/// What the base's declaration says about its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Size {
    Bytes(u64),
    /// The whole of a file or stream: unbounded.
    WholeInput,
    Unknown,
}

/// The entry point: judges a slice expression and copies it out of its base.
pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    let s: &GoNode = m.get_node();
    let Some(base) = s.field("operand") else {
        return Outcome::Silent;
    };
    let hi = s.field("end");
    if !is_stable(&base) || hi.as_ref().is_some_and(is_zero) || !looks_short(&base, s) {
        return Outcome::Silent;
    }
    let Some(holder) = holder_of(s) else {
        return Outcome::Silent;
    };
    if let Holder::Assigned { target, .. } = &holder {
        if same_expr(target, &base) || target.text() == "_" {
            return Outcome::Silent;
        }
    }
    let Some(function) = crate::analysis::scope::enclosing_function(s) else {
        return Outcome::Silent;
    };
    if sizes_by_capacity(&base, &function) {
        return Outcome::Silent;
    }
    let stmt = holder.stmt().clone();
    let size = base_size(file, &base, &stmt);
    if matches!(size, Size::Bytes(b) if b < SMALL_BYTES) {
        return Outcome::Silent;
    }
    let drop = nil_drop(&base, &stmt).filter(|d| outlives_drop(&holder, d, &function));
    let why = if let Some(drop) = drop {
        let line = file.text()[..drop.range().start].matches('\n').count() + 1;
        format!(
            "`{}` is set to nil on line {line}, but the sub-slice still holds its whole array",
            base.text()
        )
    } else if implicit_drop(&base, s, &holder, size, &function) {
        let size = match size {
            Size::Bytes(b) => format!("{} KiB", b / 1024),
            _ => "a whole input".into(),
        };
        format!(
            "`{}` ({size}) is not used again, but the sub-slice is {}",
            base.text(),
            holder.how()
        )
    } else {
        return Outcome::Silent;
    };
    // Only now the type: strings and arrays do not pin in this way.
    let resolver = Resolver::new(file);
    let base_type = resolver.type_of(&base);
    if let Some(u) = base_type.as_deref().and_then(|t| resolver.underlying(t)) {
        if u == "string" || types::array_elem(&u).is_some() {
            return Outcome::Silent;
        }
    }
    let slice_type = resolver
        .type_of(s)
        .filter(|t| resolver.underlying(t).is_some_and(|u| u.starts_with("[]")));
    match fix(file, s, &holder, slice_type.as_deref()) {
        Outcome::Report { message, fix } => Outcome::Report {
            message: Some(match message {
                Some(extra) => format!("{why}; {extra}"),
                None => why,
            }),
            fix,
        },
        other => other,
    }
}

/// A sub-slice that may be short: it has an end that is not measured from the
/// base's own length (`b[:len(b)-1]` trims, it does not cut out), or it is a
/// suffix measured from the end (`b[len(b)-8:]`).
fn looks_short(base: &GoNode, s: &GoNode) -> bool {
    let measures_base = |n: &GoNode| {
        n.dfs().any(|c| {
            c.kind() == "call_expression"
                && c.field("function")
                    .is_some_and(|f| matches!(f.text().as_ref(), "len" | "cap"))
                && c.field("arguments")
                    .and_then(|a| a.named_children().next())
                    .is_some_and(|a| same_expr(&a, base))
        })
    };
    match (s.field("start"), s.field("end")) {
        (_, Some(hi)) => !measures_base(&hi),
        (Some(lo), None) => measures_base(&lo),
        (None, None) => false,
    }
}

/// The function checks the base's capacity (`if cap(buf) >= n`): it is reusing
/// the buffer by design, handing the whole array on, not keeping a short piece.
fn sizes_by_capacity(base: &GoNode, function: &GoNode) -> bool {
    function.dfs().any(|c| {
        c.kind() == "call_expression"
            && c.field("function").is_some_and(|f| f.text() == "cap")
            && c.field("arguments")
                .and_then(|a| a.named_children().next())
                .is_some_and(|a| same_expr(&a, base))
    })
}

/// The sub-slice's holder, from the statement it stands in.
fn holder_of<'r>(s: &GoNode<'r>) -> Option<Holder<'r>> {
    let mut node = s.clone();
    let mut parent = s.parent()?;
    while parent.kind() == "parenthesized_expression" {
        node = parent.clone();
        parent = parent.parent()?;
    }
    match parent.kind().as_ref() {
        "expression_list" => {
            let stmt = parent.parent()?;
            match stmt.kind().as_ref() {
                "return_statement" => Some(Holder::Escapes {
                    stmt,
                    how: "returned".into(),
                }),
                "assignment_statement" | "short_var_declaration" => {
                    let right = stmt.field("right")?;
                    if right.range() != parent.range() {
                        return None;
                    }
                    let plain = stmt.kind() == "short_var_declaration"
                        || stmt.children().any(|c| !c.is_named() && c.text() == "=");
                    let left: Vec<_> = stmt.field("left")?.named_children().collect();
                    let values: Vec<_> = right.named_children().collect();
                    if !plain || left.len() != values.len() {
                        return None;
                    }
                    let pos = values.iter().position(|v| v.range() == node.range())?;
                    Some(Holder::Assigned {
                        declares: stmt.kind() == "short_var_declaration",
                        target: left[pos].clone(),
                        stmt,
                    })
                }
                _ => None,
            }
        }
        "send_statement"
            if parent
                .field("value")
                .is_some_and(|v| v.range() == node.range()) =>
        {
            Some(Holder::Escapes {
                stmt: parent,
                how: "sent on a channel".into(),
            })
        }
        "argument_list" => {
            // `x.f = append(x.f, s)`: stored in a field or global collection.
            let call = parent.parent()?;
            if call.field("function")?.text() != "append" {
                return None;
            }
            let first = parent.named_children().next()?;
            if first.range() == node.range() {
                return None;
            }
            let Some(Holder::Assigned { stmt, target, .. }) = holder_of(&call) else {
                return None;
            };
            if !same_expr(&target, &first) || !is_long_lived_place(&target) {
                return None;
            }
            Some(Holder::Escapes {
                stmt,
                how: format!("appended to `{}`", target.text()),
            })
        }
        _ => None,
    }
}

/// A place that outlives the function: a field, a map or slice element, a
/// package-level variable, a named result.
fn is_long_lived_place(target: &GoNode) -> bool {
    match target.kind().as_ref() {
        "selector_expression" | "index_expression" => true,
        "identifier" => matches!(
            declared_where(target, &target.text()),
            Some(Origin::Package | Origin::Result { .. })
        ),
        _ => false,
    }
}

/// `base = nil` after `stmt`, in its block or an enclosing one of the same function.
fn nil_drop<'r>(base: &GoNode<'r>, stmt: &GoNode<'r>) -> Option<GoNode<'r>> {
    let function = crate::analysis::scope::enclosing_function(stmt)?;
    let mut cur = stmt.clone();
    while let Some(list) = cur.parent() {
        if list.range() == function.range() {
            break;
        }
        if list.kind() == "statement_list" {
            let found = list
                .named_children()
                .filter(|n| n.range().start >= cur.range().end)
                .find(|n| is_nil_assignment(n, base));
            if found.is_some() {
                return found;
            }
        }
        cur = list;
    }
    None
}

fn is_nil_assignment(n: &GoNode, base: &GoNode) -> bool {
    if n.kind() != "assignment_statement" {
        return false;
    }
    let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
        return false;
    };
    let left: Vec<_> = left.named_children().collect();
    let right: Vec<_> = right.named_children().collect();
    left.len() == right.len()
        && left
            .iter()
            .zip(&right)
            .any(|(l, r)| same_expr(l, base) && r.kind() == "nil")
}

/// True when the sub-slice is still held after the base is dropped: its variable
/// is used after the drop, or it is kept beyond the function.
fn outlives_drop(holder: &Holder, drop: &GoNode, function: &GoNode) -> bool {
    match holder {
        Holder::Escapes { .. } => true,
        Holder::Assigned { target, .. } if target.kind() != "identifier" => true,
        Holder::Assigned { target, .. } => {
            let name = target.text();
            match declared_where(target, &name) {
                Some(Origin::Local { decl, .. }) => function.dfs().any(|n| {
                    n.kind() == "identifier"
                        && n.text() == name
                        && n.range().start >= drop.range().end
                        && matches!(declared_where(&n, &name), Some(Origin::Local { decl: d, .. }) if d.range() == decl.range())
                }),
                _ => true,
            }
        }
    }
}

/// The base is a large local that dies at this statement while the sub-slice
/// escapes the function.
fn implicit_drop(
    base: &GoNode,
    s: &GoNode,
    holder: &Holder,
    size: Size,
    function: &GoNode,
) -> bool {
    if base.kind() != "identifier" {
        return false;
    }
    let large = match size {
        Size::Bytes(b) => b >= LARGE_BYTES,
        Size::WholeInput => fixed_width(s).is_none_or(|w| w < LARGE_BYTES),
        Size::Unknown => false,
    };
    if !large || used_again(base, s, holder.stmt(), function) {
        return false;
    }
    match holder {
        Holder::Escapes { .. } => true,
        Holder::Assigned { target, .. } if target.kind() != "identifier" => true,
        Holder::Assigned { target, stmt, .. } => {
            is_long_lived_place(target) || local_escapes_later(target, stmt, function)
        }
    }
}

/// The local `target` (assigned in `stmt`) is later returned, sent, or stored in a
/// long-lived place.
fn local_escapes_later(target: &GoNode, stmt: &GoNode, function: &GoNode) -> bool {
    let name = target.text();
    let Some(Origin::Local { decl, .. }) = declared_where(target, &name) else {
        return false;
    };
    function.dfs().any(|n| {
        n.kind() == "identifier"
            && n.text() == name
            && n.range().start >= stmt.range().end
            && matches!(declared_where(&n, &name), Some(Origin::Local { decl: d, .. }) if d.range() == decl.range())
            && value_leaves(&n)
    })
}

/// This use of a value hands it out of the function: returned (possibly inside a
/// composite literal), sent, or stored in a long-lived place.
fn value_leaves(n: &GoNode) -> bool {
    let mut node = n.clone();
    while let Some(parent) = node.parent() {
        match parent.kind().as_ref() {
            "parenthesized_expression"
            | "literal_element"
            | "keyed_element"
            | "literal_value"
            | "composite_literal" => {}
            "unary_expression" if parent.text().starts_with('&') => {}
            "return_statement" => return true,
            "send_statement" => {
                return parent
                    .field("value")
                    .is_some_and(|v| v.range() == node.range())
            }
            "expression_list" => {
                let Some(stmt) = parent.parent() else {
                    return false;
                };
                return match stmt.kind().as_ref() {
                    "return_statement" => true,
                    "assignment_statement" => {
                        stmt.field("right")
                            .is_some_and(|r| r.range() == parent.range())
                            && stmt.field("left").is_some_and(|l| {
                                l.named_children().any(|t| is_long_lived_place(&t))
                            })
                    }
                    _ => false,
                };
            }
            _ => return false,
        }
        node = parent;
    }
    false
}

/// The base variable is read again after the sub-slice is taken (later in the
/// function, or anywhere in a loop around the sub-slice that it was declared outside).
fn used_again(base: &GoNode, s: &GoNode, stmt: &GoNode, function: &GoNode) -> bool {
    let name = base.text();
    let Some(Origin::Local { decl, .. }) = declared_where(base, &name) else {
        return true;
    };
    let loop_around = s
        .ancestors()
        .take_while(|a| a.range() != function.range())
        .filter(|a| a.kind() == "for_statement")
        .find(|l| !l.range().contains(&decl.range().start));
    function.dfs().any(|n| {
        n.kind() == "identifier"
            && n.text() == name
            && !s.range().contains(&n.range().start)
            && (n.range().start >= stmt.range().end
                || loop_around
                    .as_ref()
                    .is_some_and(|l| l.range().contains(&n.range().start)))
            && matches!(declared_where(&n, &name), Some(Origin::Local { decl: d, .. }) if d.range() == decl.range())
    })
}

/// What the base's declaration says about its size, if the base has not been
/// assigned since.
fn base_size(file: &GoFile, base: &GoNode, stmt: &GoNode) -> Size {
    if base.kind() != "identifier" {
        return Size::Unknown;
    }
    let name = base.text();
    let Some(Origin::Local { decl, function }) = declared_where(base, &name) else {
        return Size::Unknown;
    };
    let reassigned = function.dfs().any(|n| {
        n.kind() == "assignment_statement"
            && n.range().start > decl.range().end
            && n.range().end <= stmt.range().start
            && n.field("left")
                .is_some_and(|l| l.named_children().any(|t| t.text() == name))
    });
    if reassigned {
        return Size::Unknown;
    }
    let Some(value) = escape::initial_value(&decl, &name) else {
        return Size::Unknown;
    };
    size_of_value(file, &value)
}

fn size_of_value(file: &GoFile, value: &GoNode) -> Size {
    match value.kind().as_ref() {
        "call_expression" => {
            let Some(func) = value.field("function") else {
                return Size::Unknown;
            };
            let args: Vec<_> = value
                .field("arguments")
                .map(|a| a.named_children().collect())
                .unwrap_or_default();
            if func.text() == "make" && args.len() >= 2 {
                let count = args[1..].iter().filter_map(const_int).max();
                return match count {
                    Some(c) => Size::Bytes(c.saturating_mul(elem_size(&args[0].text()))),
                    None => Size::Unknown,
                };
            }
            let whole = func.kind() == "selector_expression"
                && WHOLE_READS.iter().any(|(path, name)| {
                    func.field("field").is_some_and(|f| f.text() == *name)
                        && func.field("operand").is_some_and(|o| {
                            crate::analysis::scope::names_import(file, &func, &o.text(), path)
                        })
                });
            if whole {
                Size::WholeInput
            } else {
                Size::Unknown
            }
        }
        "composite_literal" => {
            let n = value
                .field("body")
                .map(|b| b.named_children().filter(|c| c.kind() != "comment").count())
                .unwrap_or(0) as u64;
            let ty = value
                .field("type")
                .map(|t| t.text().to_string())
                .unwrap_or_default();
            Size::Bytes(n * elem_size(&ty))
        }
        _ => Size::Unknown,
    }
}

/// Bytes per element of a slice type, by its element's spelling (8 when unsure).
fn elem_size(slice_type: &str) -> u64 {
    let elem = types::slice_elem(slice_type).unwrap_or_default();
    match elem.as_str() {
        "byte" | "uint8" | "int8" | "bool" => 1,
        "int16" | "uint16" => 2,
        "int32" | "uint32" | "rune" | "float32" => 4,
        "string" | "complex128" => 16,
        _ => 8,
    }
}

/// The value of a constant integer expression spelled with literals (`1 << 20`).
fn const_int(n: &GoNode) -> Option<u64> {
    constants::literal_int(n).and_then(|v| u64::try_from(v).ok())
}

fn is_zero(n: &GoNode) -> bool {
    const_int(n) == Some(0)
}

/// The width of `base[lo:hi]` when it is a constant: `[:16]`, `[4:8]`, `[i:i+16]`.
fn fixed_width(s: &GoNode) -> Option<u64> {
    let hi = s.field("end")?;
    match s.field("start") {
        None => const_int(&hi),
        Some(lo) => {
            if let (Some(a), Some(b)) = (const_int(&lo), const_int(&hi)) {
                return b.checked_sub(a);
            }
            offset_from(&lo, &hi).and_then(|w| const_int(&w))
        }
    }
}

/// `X` when `hi` is `lo + X`.
fn offset_from<'r>(lo: &GoNode, hi: &GoNode<'r>) -> Option<GoNode<'r>> {
    if hi.kind() != "binary_expression" || hi.field("operator")?.text() != "+" {
        return None;
    }
    let left = hi.field("left")?;
    same_expr(&left, lo).then(|| hi.field("right")).flatten()
}

/// A bound that may be evaluated twice: no calls (but `len`/`cap`) and no receives.
fn is_pure(n: &GoNode) -> bool {
    n.dfs().all(|c| match c.kind().as_ref() {
        "call_expression" => c
            .field("function")
            .is_some_and(|f| matches!(f.text().as_ref(), "len" | "cap")),
        "unary_expression" => !c.text().starts_with("<-"),
        _ => true,
    })
}

/// A single operand in Go's grammar: safe to put on either side of ` - `
/// without parentheses and without making gofmt change the spacing.
fn is_operand(n: &GoNode) -> bool {
    matches!(
        n.kind().as_ref(),
        "identifier"
            | "int_literal"
            | "selector_expression"
            | "call_expression"
            | "index_expression"
    )
}

/// The length of `base[lo:hi]` as Go source, when it can be written plainly.
fn length_text(s: &GoNode) -> Option<String> {
    let hi = s.field("end")?;
    let Some(lo) = s.field("start") else {
        return Some(hi.text().to_string());
    };
    if let Some(w) = fixed_width(s) {
        return Some(w.to_string());
    }
    if let Some(x) = offset_from(&lo, &hi) {
        return Some(x.text().to_string());
    }
    (is_operand(&lo) && is_operand(&hi)).then(|| format!("{} - {}", hi.text(), lo.text()))
}

fn fix(file: &GoFile, s: &GoNode, holder: &Holder, slice_type: Option<&str>) -> Outcome {
    let text = file.text();
    let pure = [s.field("start"), s.field("end"), s.field("capacity")]
        .iter()
        .flatten()
        .all(is_pure);
    // `small := make([]T, n)` + `copy(small, big[:n])`, the catalogue's fix.
    if let (
        Holder::Assigned {
            stmt,
            target,
            declares,
        },
        Some(t),
        true,
    ) = (holder, slice_type, pure)
    {
        let alone = stmt
            .field("left")
            .is_some_and(|l| l.named_children().count() == 1);
        let own_line = text[line_start(text, stmt.range().start)..stmt.range().start]
            .trim()
            .is_empty();
        let rest = text[stmt.range().end..line_end(text, stmt.range().end)].trim();
        let simple_target = is_stable(target);
        if let (true, true, true, true, Some(len)) = (
            alone,
            own_line,
            rest.is_empty() || rest.starts_with("//"),
            simple_target,
            length_text(s),
        ) {
            let indent = indentation(text, stmt.range().start);
            let op = if *declares { ":=" } else { "=" };
            let target = target.text();
            let r = stmt.range();
            let content = format!(
                "{target} {op} make({t}, {len})\n{indent}copy({target}, {})",
                s.text()
            );
            return Outcome::fix(FixPlan {
                edits: vec![Edit::new(r.start, r.end, content)],
                description: Some(
                    "Copy the sub-slice into its own array with make and copy".into(),
                ),
                ..FixPlan::default()
            });
        }
    }
    let r = s.range();
    let modern = file
        .module
        .as_ref()
        .and_then(|m| m.go_version)
        .is_some_and(|v| v >= GoVersion::new(1, 21));
    if modern && std_deps::can_import(file, "slices") {
        let (name, alias) = choose_name(&file.root, "slices", &file.imports);
        return Outcome::fix(FixPlan {
            edits: vec![Edit::new(
                r.start,
                r.end,
                format!("{name}.Clone({})", s.text()),
            )],
            imports: vec![ImportRequest {
                path: "slices".into(),
                alias,
            }],
            description: Some("Copy the sub-slice out of its base with slices.Clone".into()),
            ..FixPlan::default()
        });
    }
    if let Some(t) = slice_type {
        return Outcome::fix(FixPlan {
            edits: vec![Edit::new(
                r.start,
                r.end,
                format!("append({t}(nil), {}...)", s.text()),
            )],
            description: Some("Copy the sub-slice out of its base with append".into()),
            ..FixPlan::default()
        });
    }
    Outcome::report_only(Some(
        "no automatic fix: the slice's element type is not declared in view and go.mod predates slices.Clone (Go 1.21)".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn first<'r>(f: &'r GoFile, kind: &str) -> GoNode<'r> {
        f.root.root().dfs().find(|n| n.kind() == kind).unwrap()
    }

    #[test]
    fn constants_and_widths() {
        let src =
            "package p\nvar _ = x[i:i+16]\nvar _ = 64 * 1024\nvar _ = 1 << 20\nvar _ = 0x1_000\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        assert_eq!(fixed_width(&first(&f, "slice_expression")), Some(16));
        let ints: Vec<u64> = f
            .root
            .root()
            .dfs()
            .filter(|n| n.kind() == "binary_expression" || n.text() == "0x1_000")
            .filter(|n| n.parent().is_some_and(|p| p.kind() == "expression_list"))
            .filter_map(|n| const_int(&n))
            .collect();
        assert_eq!(ints, vec![65536, 1 << 20, 4096]);
        assert_eq!(elem_size("[]byte"), 1);
        assert_eq!(elem_size("[]int64"), 8);
    }

    #[test]
    fn lengths_as_written() {
        let len = |e: &str| {
            let src = format!("package p\nvar _ = {e}\n");
            let f = GoFile::parse(Path::new("a.go"), &src, None);
            length_text(&first(&f, "slice_expression"))
        };
        assert_eq!(len("b[:n]").as_deref(), Some("n"));
        assert_eq!(len("b[2:10]").as_deref(), Some("8"));
        assert_eq!(len("b[off:off+size]").as_deref(), Some("size"));
        assert_eq!(len("b[lo:hi]").as_deref(), Some("hi - lo"));
        assert_eq!(len("b[lo:hi*2]"), None);
    }
}
