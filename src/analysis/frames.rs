//! How many bytes a function's frame holds: the sizes of Go types as the gc
//! compiler lays them out on 64-bit platforms (basic types, arrays, structs with
//! alignment, named types of the same file, constant lengths), and the local
//! variables and by-value parameters that live in the frame.

use crate::analysis::constants;
use crate::analysis::decls;
use crate::gofile::{GoFile, GoNode};

/// Variables larger than this are moved to the heap by the compiler
/// (`cmd/compile/internal/ir.MaxStackVarSize`), so they do not grow the frame.
pub const MAX_STACK_VAR_SIZE: u64 = 128 * 1024;

/// Size and alignment of a type; None when it cannot be known from this file.
pub fn size_of(file: &GoFile, ty: &GoNode, depth: u32) -> Option<(u64, u64)> {
    if depth > 12 {
        return None;
    }
    match ty.kind().as_ref() {
        "type_identifier" => {
            let name = ty.text();
            if let Some(basic) = basic_size(&name) {
                return Some(basic);
            }
            let spec = decls::type_spec(ty, &name)?;
            // `type A = B` and `type A B` both have B's layout.
            size_of(file, &spec.field("type")?, depth + 1)
        }
        "array_type" => {
            let n = constants::int_value(file, &ty.field("length")?)?;
            let (elem, align) = size_of(file, &ty.field("element")?, depth + 1)?;
            Some((elem.checked_mul(u64::try_from(n).ok()?)?, align))
        }
        "struct_type" => {
            let mut size = 0u64;
            let mut max_align = 1u64;
            for field in ty.dfs().filter(|f| f.kind() == "field_declaration") {
                // Nested struct types are sized by their own field list.
                if field
                    .ancestors()
                    .find(|a| a.kind() == "struct_type")
                    .is_some_and(|s| s.range() != ty.range())
                {
                    continue;
                }
                let (fsize, falign) = size_of(file, &field.field("type")?, depth + 1)?;
                let count = field
                    .children()
                    .filter(|c| c.kind() == "field_identifier")
                    .count()
                    .max(1) as u64;
                for _ in 0..count {
                    size = size.div_ceil(falign) * falign + fsize;
                }
                max_align = max_align.max(falign);
            }
            Some((size.div_ceil(max_align) * max_align, max_align))
        }
        "pointer_type" | "map_type" | "channel_type" | "function_type" => Some((8, 8)),
        "slice_type" => Some((24, 8)),
        "interface_type" => Some((16, 8)),
        "parenthesized_type" => size_of(file, &ty.children().find(|c| c.is_named())?, depth + 1),
        "qualified_type" => match ty.text().as_ref() {
            "sync.Mutex" => Some((8, 4)),
            "sync.RWMutex" => Some((24, 8)),
            "time.Time" => Some((24, 8)),
            "time.Duration" => Some((8, 8)),
            _ => None,
        },
        _ => None,
    }
}

fn basic_size(name: &str) -> Option<(u64, u64)> {
    Some(match name {
        "bool" | "int8" | "uint8" | "byte" => (1, 1),
        "int16" | "uint16" => (2, 2),
        "int32" | "uint32" | "rune" | "float32" => (4, 4),
        "int" | "uint" | "int64" | "uint64" | "uintptr" | "float64" => (8, 8),
        "complex64" => (8, 4),
        "complex128" => (16, 8),
        "string" => (16, 8),
        "error" | "any" => (16, 8),
        _ => return None,
    })
}

/// One variable in the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub name: String,
    pub type_text: String,
    pub size: u64,
    /// Where the variable is declared (its name), for evidence.
    pub at: usize,
    /// The branches it is declared in, outermost first: (statement, arm) start
    /// offsets of each `switch`/`select` case or `if`/`else` block around it.
    /// Variables of different arms of one statement are never live together, and
    /// the compiler gives them one slot (its stack-slot merging, Go 1.23 and
    /// later; `go build -gcflags=-S` shows the frame): see [`frame_size`].
    pub arms: Vec<(usize, usize)>,
}

/// A struct (or named type) counts in the frame only when it holds an array of
/// at least this many bytes: a struct of scalars is built in registers and
/// result slots as often as in the frame, and rarely makes a frame large.
pub const STRUCT_ARRAY_MIN: u64 = 256;

/// The bytes a function's frame needs for `slots`: each variable once, but of
/// the arms of one `switch`, `select` or `if`/`else` only the largest, since
/// the compiler lets variables of different arms share their slots.
pub fn frame_size(slots: &[Slot]) -> u64 {
    fn level(slots: &[&Slot], depth: usize) -> u64 {
        let mut total: u64 = slots
            .iter()
            .filter(|s| s.arms.len() == depth)
            .map(|s| s.size)
            .sum();
        // Statement -> arm -> the slots under it.
        let mut stmts: std::collections::BTreeMap<
            usize,
            std::collections::BTreeMap<usize, Vec<&Slot>>,
        > = Default::default();
        for s in slots.iter().filter(|s| s.arms.len() > depth) {
            let (stmt, arm) = s.arms[depth];
            stmts
                .entry(stmt)
                .or_default()
                .entry(arm)
                .or_default()
                .push(s);
        }
        for arms in stmts.values() {
            total += arms
                .values()
                .map(|a| level(a, depth + 1))
                .max()
                .unwrap_or(0);
        }
        total
    }
    level(&slots.iter().collect::<Vec<_>>(), 0)
}

/// The branches around `node` inside `body`, outermost first (see [`Slot::arms`]).
pub fn arms_of(node: &GoNode, body: &GoNode) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut child = node.clone();
    for a in node.ancestors() {
        if a.range() == body.range() {
            break;
        }
        match a.kind().as_ref() {
            "expression_case" | "type_case" | "default_case" | "communication_case" => {
                if let Some(stmt) = a.parent() {
                    out.push((stmt.range().start, a.range().start));
                }
            }
            "if_statement" => {
                let arm = ["consequence", "alternative"]
                    .into_iter()
                    .filter_map(|f| a.field(f))
                    .find(|b| b.range() == child.range());
                if let Some(b) = arm {
                    out.push((a.range().start, b.range().start));
                }
            }
            _ => {}
        }
        child = a;
    }
    out.reverse();
    out
}

/// The largest array a type holds, itself included (0 for none), when known.
pub fn largest_array(file: &GoFile, ty: &GoNode, depth: u32) -> u64 {
    if depth > 12 {
        return 0;
    }
    match ty.kind().as_ref() {
        "array_type" => size_of(file, ty, depth + 1).map_or(0, |(s, _)| s),
        "type_identifier" => decls::type_spec(ty, &ty.text())
            .and_then(|spec| spec.field("type"))
            .map_or(0, |t| largest_array(file, &t, depth + 1)),
        "parenthesized_type" => ty
            .children()
            .find(|c| c.is_named())
            .map_or(0, |t| largest_array(file, &t, depth + 1)),
        "struct_type" => ty
            .dfs()
            .filter(|f| f.kind() == "field_declaration")
            .filter(|f| {
                f.ancestors()
                    .find(|a| a.kind() == "struct_type")
                    .is_some_and(|s| s.range() == ty.range())
            })
            .filter_map(|f| f.field("type"))
            .map(|t| largest_array(file, &t, depth + 1))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

/// The large-enough-to-matter variables of `func`'s frame: by-value parameters
/// and locals of array type, or of a struct type that holds an array of at least
/// [`STRUCT_ARRAY_MIN`] bytes, whose size is known. A variable whose address is
/// taken, or whose slice goes where it may outlive the call, may escape to the
/// heap, and one over [`MAX_STACK_VAR_SIZE`] is put there by the compiler:
/// neither is counted.
pub fn frame_slots(file: &GoFile, func: &GoNode) -> Vec<Slot> {
    let mut candidates: Vec<(GoNode, GoNode)> = vec![]; // (name, type)
    let Some(body) = func.field("body") else {
        return vec![];
    };
    for field in ["receiver", "parameters"] {
        if let Some(list) = func.field(field) {
            for p in list
                .children()
                .filter(|p| p.kind() == "parameter_declaration")
            {
                if let Some(t) = p.field("type") {
                    for ident in p.children().filter(|c| c.kind() == "identifier") {
                        candidates.push((ident, t.clone()));
                    }
                }
            }
        }
    }
    let own = decls::own_nodes(&body);
    for n in &own {
        match n.kind().as_ref() {
            "var_spec" => {
                let ty = n.field("type").or_else(|| {
                    n.field("value")
                        .and_then(|v| v.children().find(|c| c.is_named()))
                        .and_then(|v| composite_type(&v))
                });
                if let Some(t) = ty {
                    for ident in n.children().filter(|c| c.kind() == "identifier") {
                        candidates.push((ident, t.clone()));
                    }
                }
            }
            "short_var_declaration" => {
                let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
                    continue;
                };
                let names: Vec<_> = left.children().filter(|c| c.is_named()).collect();
                let values: Vec<_> = right.children().filter(|c| c.is_named()).collect();
                if names.len() != values.len() {
                    continue;
                }
                for (ident, value) in names.into_iter().zip(values) {
                    if let Some(t) = composite_type(&value) {
                        candidates.push((ident, t));
                    }
                }
            }
            _ => {}
        }
    }
    let mut slots = vec![];
    for (ident, ty) in candidates {
        if !matches!(
            ty.kind().as_ref(),
            "array_type" | "type_identifier" | "struct_type"
        ) {
            continue;
        }
        let name = ident.text().to_string();
        if name == "_" {
            continue;
        }
        // Size first: most variables are small or of unknown size, and sizing
        // is cheaper than the escape scan of the whole body.
        let Some((size, _)) = size_of(file, &ty, 0) else {
            continue;
        };
        if !(64..=MAX_STACK_VAR_SIZE).contains(&size) {
            continue;
        }
        if ty.kind() != "array_type" && largest_array(file, &ty, 0) < STRUCT_ARRAY_MIN {
            continue;
        }
        if may_escape(file, &body, &own, &name) {
            continue;
        }
        slots.push(Slot {
            name,
            type_text: ty.text().to_string(),
            size,
            at: ident.range().start,
            arms: if ident.range().start >= body.range().start {
                arms_of(&ident, &body)
            } else {
                vec![]
            },
        });
    }
    slots
}

/// The type of a composite literal `T{...}` (not `&T{...}`, which is a pointer).
fn composite_type<'r>(value: &GoNode<'r>) -> Option<GoNode<'r>> {
    (value.kind() == "composite_literal")
        .then(|| value.field("type"))
        .flatten()
}

/// True when the compiler may move variable `name` to the heap: its address is
/// taken (`&x`), a closure captures it, or one of its slices (`x[:]`, `x[a:b]`)
/// goes where it can outlive the call (see [`slice_escapes`]). An array that is
/// only indexed, or whose slices are only copied, ranged, converted or handed to
/// functions known not to keep them, stays in the frame.
fn may_escape(file: &GoFile, body: &GoNode, own: &[GoNode], name: &str) -> bool {
    let captured = body
        .dfs()
        .filter(|n| n.kind() == "func_literal")
        .any(|lit| {
            lit.dfs()
                .any(|i| i.kind() == "identifier" && i.text() == name)
        });
    captured
        || own.iter().any(|n| match n.kind().as_ref() {
            "unary_expression" => {
                n.field("operator").is_some_and(|o| o.text() == "&")
                    && n.field("operand").is_some_and(|o| o.text() == name)
            }
            "slice_expression" => {
                n.field("operand").is_some_and(|o| o.text() == name) && slice_escapes(file, n)
            }
            _ => false,
        })
}

/// Standard-library functions that read or write a slice argument and keep
/// no reference to it (so a slice of a stack array passed to them stays put),
/// as `go build -gcflags=-m` confirms on the GM009 fixtures. Hashes are not
/// here: `crc32.ChecksumIEEE(b[:])` moves `b` to the heap.
const NON_RETAINING: &[(&str, &[&str])] = &[
    (
        "bytes",
        &[
            "Equal",
            "Compare",
            "Index",
            "IndexByte",
            "IndexAny",
            "LastIndex",
            "LastIndexByte",
            "Contains",
            "ContainsAny",
            "ContainsRune",
            "Count",
            "HasPrefix",
            "HasSuffix",
            "EqualFold",
        ],
    ),
    (
        "encoding/binary",
        &["PutUvarint", "PutVarint", "Uvarint", "Varint"],
    ),
    ("encoding/hex", &["Encode", "Decode"]),
    (
        "unicode/utf8",
        &[
            "EncodeRune",
            "DecodeRune",
            "DecodeLastRune",
            "FullRune",
            "RuneCount",
            "Valid",
        ],
    ),
    (
        "slices",
        &[
            "Equal",
            "Index",
            "Contains",
            "Sort",
            "Reverse",
            "Max",
            "Min",
            "Clone",
            "BinarySearch",
        ],
    ),
];

/// The byte-order methods of `encoding/binary` (`binary.BigEndian.PutUint32(b[:], v)`).
const BYTE_ORDER_METHODS: &[&str] = &[
    "PutUint16",
    "PutUint32",
    "PutUint64",
    "Uint16",
    "Uint32",
    "Uint64",
];

/// Methods of standard concrete types that copy a slice argument and keep no
/// reference to it (`go build -gcflags=-m`: "does not escape"): the receiver's
/// type as the resolver writes it, without `*`, and the method names.
/// `bufio.Writer.Write` is not here: a large write goes straight to the
/// underlying `io.Writer`, an interface, which moves the array to the heap.
const NON_RETAINING_METHODS: &[(&str, &[&str])] = &[
    ("bytes.Buffer", &["Write", "Read"]),
    ("strings.Builder", &["Write"]),
];

/// How far [`flows_out`] follows a slice into module functions and locals.
const FLOW_DEPTH: u32 = 4;

/// True when the slice expression `s` of a local array may outlive the call:
/// anything but being copied (`copy`), ranged over, measured (`len`, `cap`),
/// spread into `append(dst, s...)`, converted (`string(s)`), indexed, resliced
/// or appended to (`p := append(buf[:0], ...)`) into a local that itself goes
/// nowhere else, or passed to a callee that keeps no reference: a standard
/// function or method known not to, or a function or method of the module whose
/// parameter goes nowhere else by the same reading. Passing it to an interface
/// method, `fmt`, an unknown function, storing, returning it or capturing it in
/// a closure count as escaping, as the compiler's escape analysis would have to
/// assume.
pub fn slice_escapes(file: &GoFile, s: &GoNode) -> bool {
    flows_out(file, s, 0, &mut vec![])
}

/// True when the slice value `at` (an expression) may outlive the call; `seen`
/// holds the locals already being followed (a loop `p = append(p, x)` ends there).
fn flows_out(file: &GoFile, at: &GoNode, depth: u32, seen: &mut Vec<(usize, String)>) -> bool {
    if depth > FLOW_DEPTH {
        return true;
    }
    let mut at = at.clone();
    while let Some(p) = at
        .parent()
        .filter(|p| p.kind() == "parenthesized_expression")
    {
        at = p;
    }
    let Some(parent) = at.parent() else {
        return true;
    };
    let same = |n: Option<GoNode>| n.is_some_and(|o| o.range() == at.range());
    match parent.kind().as_ref() {
        "index_expression" => !same(parent.field("operand")),
        // `s[a:b]` is s again.
        "slice_expression" => {
            !same(parent.field("operand")) || flows_out(file, &parent, depth + 1, seen)
        }
        "range_clause" => false,
        // `p == nil`, `len(p) > 0`: compared, not kept.
        "binary_expression" => false,
        "variadic_argument" => {
            // `append(dst, s...)` copies the elements.
            let call = parent.parent().and_then(|l| l.parent());
            !call.is_some_and(|c| {
                c.field("function").is_some_and(|f| f.text() == "append")
                    && c.field("arguments")
                        .and_then(|a| a.named_children().next())
                        .is_some_and(|first| first.range() != parent.range())
            })
        }
        "expression_list" => {
            // `p := append(buf[:0], x...)`, `p = buf[:n]`: into a local, which is
            // followed in turn.
            let Some(stmt) = parent.parent() else {
                return true;
            };
            let on_right = stmt
                .field("right")
                .is_some_and(|r| r.range() == parent.range());
            if !matches!(
                stmt.kind().as_ref(),
                "short_var_declaration" | "assignment_statement"
            ) || !on_right
                || parent.named_children().count() != 1
            {
                return true;
            }
            let Some(left) = stmt.field("left") else {
                return true;
            };
            let names: Vec<_> = left.named_children().collect();
            if names.len() != 1 || names[0].kind() != "identifier" {
                return true;
            }
            if stmt.kind() == "assignment_statement"
                && stmt.field("operator").is_some_and(|o| o.text() != "=")
            {
                return true;
            }
            local_flows_out(file, &names[0], depth + 1, seen)
        }
        "argument_list" => {
            let Some(call) = parent.parent() else {
                return true;
            };
            let Some(callee) = call.field("function") else {
                return true;
            };
            let position = parent
                .named_children()
                .position(|c| c.range() == at.range());
            let is_first = position == Some(0);
            match callee.kind().as_ref() {
                "identifier" => match callee.text().as_ref() {
                    "copy" | "len" | "cap" | "string" => false,
                    // `append(s, ...)` may return s itself: follow the result.
                    "append" if is_first && decls::lookup(&callee, "append").is_none() => {
                        flows_out(file, &call, depth + 1, seen)
                    }
                    "append" if decls::lookup(&callee, "append").is_none() => true,
                    _ => position.is_none_or(|i| !param_stays(file, &call, i, depth)),
                },
                "selector_expression" => {
                    let (Some(operand), Some(field)) =
                        (callee.field("operand"), callee.field("field"))
                    else {
                        return true;
                    };
                    let field = field.text();
                    if operand.kind() == "identifier" {
                        let pkg = operand.text();
                        let known = NON_RETAINING.iter().any(|(path, names)| {
                            names.contains(&field.as_ref())
                                && crate::analysis::scope::names_import(file, &callee, &pkg, path)
                        });
                        if known {
                            return false;
                        }
                    }
                    // `binary.BigEndian.PutUint32(b[:], v)`.
                    let byte_order = operand.kind() == "selector_expression"
                        && operand.field("operand").is_some_and(|o| {
                            o.kind() == "identifier"
                                && crate::analysis::scope::names_import(
                                    file,
                                    &callee,
                                    &o.text(),
                                    "encoding/binary",
                                )
                        })
                        && operand.field("field").is_some_and(|f| {
                            matches!(
                                f.text().as_ref(),
                                "BigEndian" | "LittleEndian" | "NativeEndian"
                            )
                        });
                    if byte_order && is_first && BYTE_ORDER_METHODS.contains(&field.as_ref()) {
                        return false;
                    }
                    // `buf.Write(line[:n])` on a *bytes.Buffer.
                    let ty = crate::analysis::types::Resolver::new(file).type_of(&operand);
                    if let Some(ty) = ty {
                        let ty = ty.trim_start_matches('*');
                        if NON_RETAINING_METHODS
                            .iter()
                            .any(|(t, names)| *t == ty && names.contains(&field.as_ref()))
                        {
                            return false;
                        }
                    }
                    position.is_none_or(|i| !param_stays(file, &call, i, depth))
                }
                _ => true,
            }
        }
        _ => true,
    }
}

/// True when the local `ident` names (at its declaration or assignment) holds a
/// slice that goes nowhere else: every later use of the name in its function
/// stays (see [`flows_out`]), and no closure captures it.
fn local_flows_out(
    file: &GoFile,
    ident: &GoNode,
    depth: u32,
    seen: &mut Vec<(usize, String)>,
) -> bool {
    let name = ident.text().to_string();
    let Some(func) = crate::analysis::scope::enclosing_function(ident) else {
        return true;
    };
    let Some(body) = func.field("body") else {
        return true;
    };
    let key = (func.range().start, name.clone());
    if seen.contains(&key) {
        return false;
    }
    // Only a local of this function: a parameter, result or package variable
    // outlives the call.
    let local = decls::lookup(ident, &name).is_some_and(|d| d.kind == decls::DeclKind::Local)
        || ident
            .parent()
            .and_then(|l| l.parent())
            .is_some_and(|s| s.kind() == "short_var_declaration");
    if !local {
        return true;
    }
    seen.push(key);
    let uses: Vec<GoNode> = body
        .dfs()
        .filter(|n| n.kind() == "identifier" && n.text() == name)
        .filter(|n| n.range() != ident.range())
        .collect();
    for u in uses {
        if crate::analysis::scope::enclosing_function(&u).is_some_and(|f| f.range() != func.range())
        {
            return true; // captured by a closure
        }
        // The left side of an assignment is a write, not a use.
        let written = u.parent().is_some_and(|l| {
            l.kind() == "expression_list"
                && l.parent().is_some_and(|s| {
                    matches!(
                        s.kind().as_ref(),
                        "assignment_statement" | "short_var_declaration"
                    ) && s.field("left").is_some_and(|x| x.range() == l.range())
                })
        });
        if written {
            continue;
        }
        if flows_out(file, &u, depth, seen) {
            return true;
        }
    }
    false
}

/// True when the callee of `call` is a function or method of the module whose
/// parameter number `index` (of the call's arguments) goes nowhere else.
fn param_stays(file: &GoFile, call: &GoNode, index: usize, depth: u32) -> bool {
    if depth + 1 > FLOW_DEPTH {
        return false;
    }
    let verdict = crate::analysis::callers::resolve_callee(file, call, &mut |gf, decl| {
        let list = decl.field("parameters")?;
        if list
            .children()
            .any(|c| c.kind() == "variadic_parameter_declaration")
        {
            return None;
        }
        let params: Vec<GoNode> = list
            .children()
            .filter(|p| p.kind() == "parameter_declaration")
            .flat_map(|p| {
                p.children()
                    .filter(|c| c.kind() == "identifier")
                    .collect::<Vec<_>>()
            })
            .collect();
        let ident = params.get(index)?;
        if ident.text() == "_" {
            return Some("stays".into());
        }
        let body = decl.field("body")?;
        let name = ident.text().to_string();
        let mut seen = vec![(decl.range().start, name.clone())];
        for u in body
            .dfs()
            .filter(|n| n.kind() == "identifier" && n.text() == name)
        {
            if crate::analysis::scope::enclosing_function(&u)
                .is_some_and(|f| f.range() != decl.range())
            {
                return None;
            }
            let written = u.parent().is_some_and(|l| {
                l.kind() == "expression_list"
                    && l.parent().is_some_and(|s| {
                        matches!(
                            s.kind().as_ref(),
                            "assignment_statement" | "short_var_declaration"
                        ) && s.field("left").is_some_and(|x| x.range() == l.range())
                    })
            });
            if written {
                // `p = other` in the callee: what p holds afterwards is not ours,
                // but what it held may have gone anywhere before; be careful.
                return None;
            }
            if flows_out(gf, &u, depth + 1, &mut seen) {
                return None;
            }
        }
        Some("stays".into())
    });
    verdict.is_some()
}

/// `8 KiB`, `76.3 GiB`: sizes as people read them.
pub fn human(bytes: u64) -> String {
    const UNITS: &[&str] = &["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 || v.fract() == 0.0 {
        format!("{} {}", v as u64, UNITS[unit])
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn slots(src: &str) -> Vec<(String, u64)> {
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let func = f
            .root
            .root()
            .dfs()
            .find(|n| n.kind() == "function_declaration")
            .unwrap();
        frame_slots(&f, &func)
            .into_iter()
            .map(|s| (s.name, s.size))
            .collect()
    }

    #[test]
    fn sizes_of_locals() {
        let src = "package p\nconst N = 64\ntype Pair struct {\n\ta int8\n\tb int64\n}\ntype Big struct {\n\tp [N]Pair\n\ts string\n}\nfunc f(arr [16]int) {\n\tvar a [1024]int\n\tb := [N * 2]byte{}\n\tvar c Big\n\tvar d [1 << 20]byte\n\tvar e [512]byte\n\tuse(e[:])\n\tp := &Big{}\n}\n";
        assert_eq!(
            slots(src),
            vec![
                ("arr".into(), 128),
                ("a".into(), 8192),
                ("b".into(), 128),
                ("c".into(), 64 * 16 + 16),
            ]
        );
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(8192), "8 KiB");
        assert_eq!(human(100), "100 B");
        assert_eq!(human(80_000_000_000), "74.5 GiB");
    }
}
