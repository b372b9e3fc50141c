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
}

/// The large-enough-to-matter variables of `func`'s frame: by-value parameters
/// and locals of array or struct type whose size is known. A variable whose
/// address is taken or that is sliced may escape to the heap, and one over
/// [`MAX_STACK_VAR_SIZE`] is put there by the compiler: neither is counted.
pub fn frame_slots(file: &GoFile, func: &GoNode) -> Vec<Slot> {
    let mut candidates: Vec<(GoNode, GoNode)> = vec![]; // (name, type)
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
    let Some(body) = func.field("body") else {
        return vec![];
    };
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
        if !(64..=MAX_STACK_VAR_SIZE).contains(&size) || may_escape(file, &body, &own, &name) {
            continue;
        }
        slots.push(Slot {
            name,
            type_text: ty.text().to_string(),
            size,
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

/// True when the slice expression `s` of a local array may outlive the call:
/// anything but being copied (`copy`), ranged over, measured (`len`, `cap`),
/// spread into `append(dst, s...)`, converted (`string(s)`), indexed, or passed
/// to a standard function known not to keep it. Passing it to an interface
/// method, `fmt`, an unknown function, storing, returning or naming it count as
/// escaping, as the compiler's escape analysis would have to assume.
pub fn slice_escapes(file: &GoFile, s: &GoNode) -> bool {
    let mut at = s.clone();
    while let Some(p) = at
        .parent()
        .filter(|p| p.kind() == "parenthesized_expression")
    {
        at = p;
    }
    let Some(parent) = at.parent() else {
        return true;
    };
    match parent.kind().as_ref() {
        "index_expression" => parent
            .field("operand")
            .is_some_and(|o| o.range() == at.range())
            .then_some(false)
            .unwrap_or(true),
        "range_clause" => false,
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
        "argument_list" => {
            let Some(call) = parent.parent() else {
                return true;
            };
            let Some(callee) = call.field("function") else {
                return true;
            };
            let first = parent.named_children().next();
            let is_first = first.is_some_and(|f| f.range() == at.range());
            match callee.kind().as_ref() {
                "identifier" => match callee.text().as_ref() {
                    "copy" | "len" | "cap" | "string" => false,
                    // `append(s, ...)` may return s itself; `append(d, s)` stores it.
                    _ => true,
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
                        return !known;
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
                    !(byte_order && is_first && BYTE_ORDER_METHODS.contains(&field.as_ref()))
                }
                _ => true,
            }
        }
        _ => true,
    }
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
