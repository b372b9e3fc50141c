//! What gomemfix knows about `sync.Pool` (GM002, GM007): which expression names a
//! pool, whether the pool has a `New`, what type of object it holds and whether that
//! type can be reset, where an object handed to `Put` came from, and what counts as
//! resetting it.
//!
//! Everything here answers "I don't know" rather than guess: an unresolved pool, an
//! unknown type or an object of unknown origin makes the rules stay silent.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use crate::analysis::decls::{self, DeclKind};
use crate::analysis::types::{self, PackageIndex, Resolver};
use crate::analysis::{exprs, scope};
use crate::gofile::{GoFile, GoNode};

/// What a pooled object's type offers for a reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pooled {
    /// A `Reset()` method with no arguments (`*bytes.Buffer`, `*strings.Builder`,
    /// `hash.Hash`, a package type declaring or embedding one).
    ResetMethod,
    /// A `Reset` that needs arguments (`*bufio.Writer`, `*gzip.Reader`...).
    ResetWithArgs,
    /// A slice (`[]byte`): reset by re-slicing to `[:0]`.
    Slice,
    /// A pointer to a slice (`*[]byte`, or a pointer to a named slice type).
    SlicePtr,
    /// A struct of this package with no `Reset` whose named fields hold slices
    /// (`type enc struct { buf []byte; keys []string }`): reset by truncating
    /// each field that grew (`e.buf = e.buf[:0]`). The slice fields, in order, and
    /// its map fields: a caller's entries in those go back with it too, so a fix
    /// that truncates the slices also clears each map the caller wrote.
    SliceFields {
        slices: Vec<String>,
        maps: Vec<String>,
    },
    /// A known type with nothing to reset.
    NoReset,
    Unknown,
}

/// Standard-library types held in pools, by import path and name, with their reset.
const KNOWN_TYPES: &[(&str, &str, Pooled)] = &[
    ("bytes", "Buffer", Pooled::ResetMethod),
    ("strings", "Builder", Pooled::ResetMethod),
    ("hash", "Hash", Pooled::ResetMethod),
    ("hash", "Hash32", Pooled::ResetMethod),
    ("hash", "Hash64", Pooled::ResetMethod),
    ("hash/maphash", "Hash", Pooled::ResetMethod),
    ("bufio", "Reader", Pooled::ResetWithArgs),
    ("bufio", "Writer", Pooled::ResetWithArgs),
    ("bytes", "Reader", Pooled::ResetWithArgs),
    ("strings", "Reader", Pooled::ResetWithArgs),
    ("compress/gzip", "Reader", Pooled::ResetWithArgs),
    ("compress/gzip", "Writer", Pooled::ResetWithArgs),
    ("compress/flate", "Writer", Pooled::ResetWithArgs),
    ("compress/zlib", "Writer", Pooled::ResetWithArgs),
];

/// Constructors whose result type is known: `bytes.NewBuffer(nil)` is a `*bytes.Buffer`.
const KNOWN_CONSTRUCTORS: &[(&str, &str, &str, &str)] = &[
    ("bytes", "NewBuffer", "bytes", "Buffer"),
    ("bytes", "NewBufferString", "bytes", "Buffer"),
    ("bufio", "NewReader", "bufio", "Reader"),
    ("bufio", "NewReaderSize", "bufio", "Reader"),
    ("bufio", "NewWriter", "bufio", "Writer"),
    ("bufio", "NewWriterSize", "bufio", "Writer"),
    ("compress/gzip", "NewWriter", "compress/gzip", "Writer"),
    ("compress/gzip", "NewWriterLevel", "compress/gzip", "Writer"),
    ("compress/flate", "NewWriter", "compress/flate", "Writer"),
    ("compress/zlib", "NewWriter", "compress/zlib", "Writer"),
    ("compress/zlib", "NewWriterLevel", "compress/zlib", "Writer"),
];

/// A type as far as pools care: a named type (with its import path when
/// qualified), a slice, or something else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    Named {
        pkg: Option<String>,
        name: String,
        ptr: bool,
    },
    Slice {
        ptr: bool,
    },
    Other,
}

impl TypeRef {
    fn pointer_to(self) -> TypeRef {
        match self {
            TypeRef::Named {
                pkg,
                name,
                ptr: false,
            } => TypeRef::Named {
                pkg,
                name,
                ptr: true,
            },
            TypeRef::Slice { ptr: false } => TypeRef::Slice { ptr: true },
            _ => TypeRef::Other,
        }
    }
}

/// The node of `file`'s own tree at the place of `node` (a match's node), so that it
/// shares the file's lifetime.
pub fn relocate<'r>(file: &'r GoFile, node: &GoNode) -> Option<GoNode<'r>> {
    let (r, kind) = (node.range(), node.kind());
    let mut cur = file.root.root();
    loop {
        if cur.range() == r && cur.kind() == kind {
            return Some(cur);
        }
        let next = cur
            .children()
            .find(|c| c.range().start <= r.start && r.end <= c.range().end);
        cur = next?;
    }
}

/// The first named child that is not a comment.
pub fn first_named<'r>(n: &GoNode<'r>) -> Option<GoNode<'r>> {
    let found = n.named_children().find(|c| c.kind() != "comment");
    found
}

/// Strips parentheses around an expression or a type.
pub fn unparen<'r>(node: &GoNode<'r>) -> GoNode<'r> {
    let mut n = node.clone();
    while matches!(
        n.kind().as_ref(),
        "parenthesized_expression" | "parenthesized_type"
    ) {
        let inner = first_named(&n);
        match inner {
            Some(inner) => n = inner,
            None => break,
        }
    }
    n
}

/// The identifier an expression is rooted at: `b` for `b`, `*b`, `(*b)[:0]`, `b.buf`,
/// `b.f.g`, `b[i]`, `b.(*T)`.
pub fn root_ident(expr: &GoNode) -> Option<String> {
    let mut n = unparen(expr);
    loop {
        n = match n.kind().as_ref() {
            "identifier" => return Some(n.text().to_string()),
            "unary_expression" => n.field("operand")?,
            "selector_expression"
            | "index_expression"
            | "slice_expression"
            | "type_assertion_expression" => n.field("operand")?,
            "parenthesized_expression" => unparen(&n),
            _ => return None,
        };
    }
}

/// The import path a package name stands for in this file, when it names one.
fn import_path_of(file: &GoFile, at: &GoNode, name: &str) -> Option<String> {
    let import = file
        .imports
        .iter()
        .find(|i| i.local_name() == name && !matches!(i.alias.as_deref(), Some("_" | ".")))?;
    (!scope::is_shadowed(at, name)).then(|| import.path.clone())
}

/// A type node as a `TypeRef`.
pub fn type_ref(file: &GoFile, ty: &GoNode) -> TypeRef {
    let ty = unparen(ty);
    match ty.kind().as_ref() {
        "pointer_type" => ty
            .named_children()
            .next()
            .map_or(TypeRef::Other, |inner| type_ref(file, &inner).pointer_to()),
        "slice_type" => TypeRef::Slice { ptr: false },
        "qualified_type" => {
            let (Some(pkg), Some(name)) = (ty.field("package"), ty.field("name")) else {
                return TypeRef::Other;
            };
            match import_path_of(file, &ty, &pkg.text()) {
                Some(path) => TypeRef::Named {
                    pkg: Some(path),
                    name: name.text().to_string(),
                    ptr: false,
                },
                None => TypeRef::Other,
            }
        }
        "type_identifier" => TypeRef::Named {
            pkg: None,
            name: ty.text().to_string(),
            ptr: false,
        },
        "generic_type" => ty
            .field("type")
            .map_or(TypeRef::Other, |t| type_ref(file, &t)),
        _ => TypeRef::Other,
    }
}

/// The type of value an expression builds, when it visibly builds one:
/// `new(T)`, `&T{}`, `T{}`, `make([]T, n)`, `&b` of a local slice, `(*T)(&b)`,
/// `bytes.NewBuffer(nil)`, or a call of a package function with a declared result.
pub fn type_of_construction(file: &GoFile, expr: &GoNode) -> TypeRef {
    let e = unparen(expr);
    match e.kind().as_ref() {
        "composite_literal" => e
            .field("type")
            .map_or(TypeRef::Other, |t| type_ref(file, &t)),
        "unary_expression" => {
            let Some(operand) = e.field("operand") else {
                return TypeRef::Other;
            };
            if !e.text().starts_with('&') {
                return TypeRef::Other;
            }
            let operand = unparen(&operand);
            match operand.kind().as_ref() {
                "composite_literal" => type_of_construction(file, &operand).pointer_to(),
                "identifier" => match local_value_of(&operand) {
                    Some(value) => type_of_construction(file, &value).pointer_to(),
                    None => TypeRef::Other,
                },
                _ => TypeRef::Other,
            }
        }
        "call_expression" => {
            let Some(func) = e.field("function") else {
                return TypeRef::Other;
            };
            let args: Vec<GoNode> = crate::analysis::exprs::call_args(&e);
            let func = unparen(&func);
            match func.kind().as_ref() {
                "identifier" if func.text() == "new" && args.len() == 1 => {
                    type_ref(file, &args[0]).pointer_to()
                }
                "identifier" if func.text() == "make" => match args.first() {
                    Some(t) if unparen(t).kind() == "slice_type" => TypeRef::Slice { ptr: false },
                    _ => TypeRef::Other,
                },
                "identifier" => function_result(file, &func.text()),
                // `(*T)(&b)`: a conversion to a pointer type.
                "unary_expression" if func.text().starts_with('*') => func
                    .field("operand")
                    .filter(|o| o.kind() == "identifier")
                    .map_or(TypeRef::Other, |o| {
                        TypeRef::Named {
                            pkg: None,
                            name: o.text().to_string(),
                            ptr: false,
                        }
                        .pointer_to()
                    }),
                "pointer_type" => type_ref(file, &func),
                "selector_expression" => {
                    let (Some(op), Some(name)) = (func.field("operand"), func.field("field"))
                    else {
                        return TypeRef::Other;
                    };
                    let Some(path) = import_path_of(file, &func, &op.text()) else {
                        return TypeRef::Other;
                    };
                    KNOWN_CONSTRUCTORS
                        .iter()
                        .find(|(p, f, _, _)| *p == path && *f == name.text())
                        .map_or(TypeRef::Other, |(_, _, tp, tn)| TypeRef::Named {
                            pkg: Some(tp.to_string()),
                            name: tn.to_string(),
                            ptr: true,
                        })
                }
                _ => TypeRef::Other,
            }
        }
        _ => TypeRef::Other,
    }
}

/// The declared result type of a top-level function of this file with one result.
fn function_result(file: &GoFile, name: &str) -> TypeRef {
    for decl in file.root.root().children() {
        if decl.kind() == "function_declaration"
            && decl.field("name").is_some_and(|n| n.text() == name)
        {
            return match decl.field("result") {
                Some(r) if r.kind() != "parameter_list" => type_ref(file, &r),
                _ => TypeRef::Other,
            };
        }
    }
    TypeRef::Other
}

/// The value a local identifier was declared with (`b := make([]byte, n)` gives
/// `make(...)`), searching its function before it.
fn local_value_of<'r>(ident: &GoNode<'r>) -> Option<GoNode<'r>> {
    let name = ident.text().to_string();
    let func = scope::enclosing_function(ident)?;
    let at = ident.range().start;
    let mut found = None;
    for n in func.dfs() {
        if n.range().start >= at {
            break;
        }
        if let Some(value) = assigned_value(&n, &name) {
            found = Some(value);
        }
    }
    found
}

/// When `stmt` declares or assigns `name` (alone or in a list), the value it gets.
pub fn assigned_value<'r>(stmt: &GoNode<'r>, name: &str) -> Option<GoNode<'r>> {
    let (left, right) = match stmt.kind().as_ref() {
        "short_var_declaration" | "assignment_statement" => {
            if stmt.kind() == "assignment_statement"
                && stmt.field("operator").is_some_and(|o| o.text() != "=")
            {
                return None;
            }
            (stmt.field("left")?, stmt.field("right")?)
        }
        "var_spec" => {
            let names: Vec<GoNode> = stmt.field_children("name").collect();
            let i = names.iter().position(|n| n.text() == name)?;
            let values: Vec<GoNode> = stmt
                .field("value")?
                .named_children()
                .filter(|c| c.kind() != "comment")
                .collect();
            return values.get(i).cloned();
        }
        _ => return None,
    };
    let lefts = exprs::items(&left);
    let rights = exprs::items(&right);
    let i = lefts
        .iter()
        .position(|l| l.kind() == "identifier" && l.text() == name)?;
    if rights.len() == lefts.len() {
        rights.get(i).cloned()
    } else if rights.len() == 1 && i == 0 {
        // `x, ok := v.(T)`: the first name gets the asserted value.
        rights.first().cloned()
    } else {
        None
    }
}

/// True when `ty` (a type node) is `sync.Pool` or `*sync.Pool`, whatever the name of
/// the `sync` import.
pub fn is_pool_type(file: &GoFile, ty: &GoNode) -> bool {
    matches!(
        type_ref(file, ty),
        TypeRef::Named { pkg: Some(p), name, .. } if p == "sync" && name == "Pool"
    )
}

/// True when `expr` builds a pool: `sync.Pool{...}`, `&sync.Pool{...}`, `new(sync.Pool)`.
fn builds_pool(file: &GoFile, expr: &GoNode) -> bool {
    matches!(
        type_of_construction(file, expr),
        TypeRef::Named { pkg: Some(p), name, .. } if p == "sync" && name == "Pool"
    )
}

/// True for a package type that embeds `sync.Pool` (`type bufPool struct{
/// sync.Pool }`) and declares no `Get` or `Put` of its own: `bufs.Get()` on a
/// value of it is the pool's. Its `New` is set wherever the value is built,
/// so nothing is claimed about it.
fn embeds_pool(file: &GoFile, t: &TypeRef) -> bool {
    let TypeRef::Named {
        pkg: None, name, ..
    } = t
    else {
        return false;
    };
    let resolver = Resolver::new(file);
    if resolver.has_method(name, "Get") || resolver.has_method(name, "Put") {
        return false;
    }
    resolver.type_decl(name).is_some_and(|decl| {
        decl.embedded
            .iter()
            .any(|e| text_is_pool(e, |q| decl.import_path(q)))
    })
}

/// What is known of a pool reached through a type embedding it: nothing of its `New`.
fn embedded_pool<'r>() -> PoolInfo<'r> {
    PoolInfo {
        new_func: None,
        no_new: false,
        map_key: None,
    }
}

/// True for a value some function returns (`bufferPool()`), whose pool's New
/// is set where that function builds it; `new(sync.Pool)` is built here.
fn made_by_a_call(expr: &GoNode) -> bool {
    let e = unparen(expr);
    e.kind() == "call_expression" && e.field("function").is_some_and(|f| f.text() != "new")
}

/// What is known about one pool.
#[derive(Clone)]
pub struct PoolInfo<'r> {
    /// The `New` function (a literal or a named function), when found.
    pub new_func: Option<GoNode<'r>>,
    /// True when the pool certainly has no `New`: it is built without one and no
    /// assignment to its `New` exists in the package.
    pub no_new: bool,
    /// The pool is an element of a map (`pools[key]`); the map's key type.
    pub map_key: Option<GoNode<'r>>,
}

/// Resolves the receiver of `.Get()`/`.Put()` to a `sync.Pool`, or None when it is not
/// one or cannot be told: an identifier declared in the function or the file, a
/// field `x.f` of a struct type in the file declared as a pool, or an element of a
/// map or array of pools.
pub fn resolve_pool<'r>(file: &'r GoFile, recv: &GoNode<'r>) -> Option<PoolInfo<'r>> {
    let recv = unparen(recv);
    match recv.kind().as_ref() {
        "identifier" => {
            let name = recv.text().to_string();
            let Some((ty, value)) = declaration_of(file, &recv, &name) else {
                return pool_var_elsewhere(file, &name);
            };
            let is_pool = ty.as_ref().is_some_and(|t| is_pool_type(file, t))
                || value.as_ref().is_some_and(|v| builds_pool(file, v));
            let embedding = ty
                .as_ref()
                .map(|t| type_ref(file, t))
                .or_else(|| value.as_ref().map(|v| type_of_construction(file, v)));
            if !is_pool && embedding.is_some_and(|t| embeds_pool(file, &t)) {
                return Some(embedded_pool());
            }
            if !is_pool {
                // `p, ok := pools[key]`: an element of a map of pools.
                let v = unparen(value.as_ref()?);
                return (v.kind() == "index_expression")
                    .then(|| resolve_pool(file, &v))
                    .flatten();
            }
            let from_literal = value.as_ref().and_then(new_of_literal);
            let assigned = new_assignment(file, &name, false);
            // Only a pool built right here (`var p sync.Pool`, `sync.Pool{}`,
            // `new(sync.Pool)`) is known to lack a New; a pointer may be set
            // elsewhere, and a pool a function returns (`p := bufferPool()`) has
            // whatever New that function gave it.
            let built_here = match &value {
                Some(v) => builds_pool(file, v) && !made_by_a_call(v),
                None => ty
                    .as_ref()
                    .is_some_and(|t| unparen(t).kind() != "pointer_type"),
            };
            let no_new = from_literal.is_none()
                && assigned.is_none()
                && built_here
                && !set_elsewhere_in_package(file, &name);
            Some(PoolInfo {
                new_func: from_literal.or(assigned),
                no_new,
                map_key: None,
            })
        }
        "selector_expression" => {
            let field = recv.field("field")?.text().to_string();
            let Some(ty) = struct_field_type(file, &field) else {
                return pool_field_elsewhere(file, &recv, &field);
            };
            if embeds_pool(file, &type_ref(file, &ty)) {
                return Some(embedded_pool());
            }
            if !is_pool_type(file, &ty) {
                return None;
            }
            let from_literal = keyed_pool_literal(file, &field);
            let assigned = new_assignment(file, &field, true);
            let no_new = from_literal.is_none()
                && assigned.is_none()
                && unparen(&ty).kind() != "pointer_type"
                && !set_elsewhere_in_package(file, &field)
                && !field_made_by_a_call(file, &field);
            Some(PoolInfo {
                new_func: from_literal.or(assigned),
                no_new,
                map_key: None,
            })
        }
        "index_expression" => {
            let operand = recv.field("operand")?;
            let container = container_type(file, &operand)?;
            let (elem, key) = match container.kind().as_ref() {
                "map_type" => (container.field("value")?, container.field("key")),
                "array_type" | "slice_type" => (container.field("element")?, None),
                _ => return None,
            };
            if !is_pool_type(file, &elem) {
                return None;
            }
            Some(PoolInfo {
                new_func: None,
                no_new: false,
                map_key: key,
            })
        }
        _ => None,
    }
}

/// True when a type text, read with its own file's import names, is `sync.Pool` or
/// `*sync.Pool`.
fn text_is_pool<'a>(text: &str, import_path: impl Fn(&str) -> Option<&'a str>) -> bool {
    let t = text.trim().trim_start_matches('*').trim();
    matches!(t.split_once('.'), Some((q, "Pool")) if import_path(q) == Some("sync"))
}

/// A package-level pool declared in another file of the package. Its `New` is not
/// read there, so nothing is claimed about it.
fn pool_var_elsewhere<'r>(file: &'r GoFile, name: &str) -> Option<PoolInfo<'r>> {
    let index = PackageIndex::for_file(file);
    let (text, imports) = index.var_type(name)?;
    let named = text.trim().trim_start_matches('*').trim();
    if !named.contains(['.', '[']) {
        let t = TypeRef::Named {
            pkg: None,
            name: named.to_string(),
            ptr: false,
        };
        if embeds_pool(file, &t) {
            return Some(embedded_pool());
        }
    }
    text_is_pool(text, |q| imports.get(q).map(String::as_str)).then_some(PoolInfo {
        new_func: None,
        no_new: false,
        map_key: None,
    })
}

/// A pool field `x.f` of a struct declared in another file of the package.
fn pool_field_elsewhere<'r>(
    file: &'r GoFile,
    recv: &GoNode<'r>,
    field: &str,
) -> Option<PoolInfo<'r>> {
    let resolver = Resolver::new(file);
    let owner = resolver.type_of(&recv.field("operand")?)?;
    let decl = resolver.type_decl(&types::base_type_name(&owner))?;
    let (_, text) = decl.fields.iter().find(|(n, _)| n == field)?;
    text_is_pool(text, |q| decl.import_path(q)).then_some(PoolInfo {
        new_func: None,
        no_new: false,
        map_key: None,
    })
}

/// The declared type of a map/array of pools named by `operand` (identifier or field).
fn container_type<'r>(file: &'r GoFile, operand: &GoNode<'r>) -> Option<GoNode<'r>> {
    let operand = unparen(operand);
    match operand.kind().as_ref() {
        "identifier" => {
            let (ty, value) = declaration_of(file, &operand, &operand.text())?;
            ty.or_else(|| {
                let v = unparen(&value?);
                match v.kind().as_ref() {
                    "composite_literal" => v.field("type"),
                    "call_expression" if v.text().starts_with("make(") => v
                        .field("arguments")?
                        .named_children()
                        .find(|c| c.kind() != "comment"),
                    _ => None,
                }
            })
        }
        "selector_expression" => struct_field_type(file, &operand.field("field")?.text()),
        _ => None,
    }
}

/// The type and value `name` was declared with, as seen from `at`: a local of an
/// enclosing function (latest declaration before `at`), a parameter, or a
/// package-level variable of this file.
pub fn declaration_of<'r>(
    file: &'r GoFile,
    at: &GoNode<'r>,
    name: &str,
) -> Option<(Option<GoNode<'r>>, Option<GoNode<'r>>)> {
    let start = at.range().start;
    // Declarations come from the file's index, not a walk of each enclosing
    // function: a test file that is one `Describe(func() { ... })` asked about
    // every `x.Get()` in it walked the whole literal per call.
    let facts = pool_facts(file);
    let candidates = facts.locals.get(name).map(Vec::as_slice).unwrap_or(&[]);
    for func in at.ancestors().filter(scope::is_function) {
        let from = func.range().start;
        let mut found = None;
        for &(s, e, kind) in candidates {
            if s >= start {
                break;
            }
            if s < from {
                continue;
            }
            let Some(n) = file.node_at(s, e, kind) else {
                continue;
            };
            match kind {
                "parameter_declaration" => found = Some((n.field("type"), None)),
                "var_spec" => found = Some((n.field("type"), assigned_value(&n, name))),
                _ => {
                    if let Some(v) = assigned_value(&n, name) {
                        found = Some((None, Some(v)));
                    }
                }
            }
        }
        if found.is_some() {
            return found;
        }
    }
    // A package-level `var` of this file (not one inside a function literal
    // that a package-level initializer holds).
    candidates
        .iter()
        .filter(|c| c.2 == "var_spec")
        .filter_map(|&(s, e, kind)| file.node_at(s, e, kind))
        .find(|spec| !spec.ancestors().any(|a| scope::is_function(&a)))
        .map(|spec| (spec.field("type"), assigned_value(&spec, name)))
}

/// The type of a struct field `name` declared in a struct type of this file, when
/// all such fields agree on a pool type or there is only one.
pub fn struct_field_type<'r>(file: &'r GoFile, name: &str) -> Option<GoNode<'r>> {
    let mut found: Option<GoNode> = None;
    for n in indexed(file, |f| &f.fields, name, "field_declaration") {
        if n.field_children("name").any(|f| f.text() == name) {
            let ty = n.field("type")?;
            if let Some(prev) = &found {
                if is_pool_type(file, prev) != is_pool_type(file, &ty) {
                    return None;
                }
            }
            found = Some(ty);
        }
    }
    found
}

/// Where the nodes that pool questions look up by name sit in one file, found
/// in one walk of it: each Get and Put walked the whole file several times
/// (a field's declaration, a keyed literal, an assignment of `New`, a type),
/// which cost a file with many pool calls its size times their number. Spans
/// by name, in the walk's order: field declarations by field name, keyed
/// elements by key, type specs by name, assignments by what their first left
/// operand names (an identifier, a field, and for `x.New = f` also `x`).
#[derive(Default)]
struct PoolFacts {
    fields: HashMap<String, Vec<(usize, usize)>>,
    keyed: HashMap<String, Vec<(usize, usize)>>,
    types: HashMap<String, Vec<(usize, usize)>>,
    assignments: HashMap<String, Vec<(usize, usize)>>,
    /// Parameters, `var` specs and `:=` declarations by the names they declare,
    /// in the file's order (what [`declaration_of`] searches).
    locals: HashMap<String, Vec<(usize, usize, &'static str)>>,
}

fn pool_facts(file: &GoFile) -> Arc<PoolFacts> {
    file.memo("pool-facts", "", || {
        let mut facts = PoolFacts::default();
        let push = |map: &mut HashMap<String, Vec<(usize, usize)>>, name: &str, n: &GoNode| {
            let r = n.range();
            let spans = map.entry(name.to_string()).or_default();
            if spans.last() != Some(&(r.start, r.end)) {
                spans.push((r.start, r.end));
            }
        };
        for n in file.root.root().dfs() {
            match n.kind().as_ref() {
                "field_declaration" => {
                    for name in n.field_children("name") {
                        push(&mut facts.fields, &name.text(), &n);
                    }
                }
                "parameter_declaration" | "var_spec" | "short_var_declaration" => {
                    let kind: &'static str = match n.kind().as_ref() {
                        "parameter_declaration" => "parameter_declaration",
                        "var_spec" => "var_spec",
                        _ => "short_var_declaration",
                    };
                    let names: Vec<String> = if kind == "short_var_declaration" {
                        n.field("left")
                            .map(|l| l.named_children().map(|c| c.text().to_string()).collect())
                            .unwrap_or_default()
                    } else {
                        n.field_children("name")
                            .map(|c| c.text().to_string())
                            .collect()
                    };
                    let r = n.range();
                    for name in names {
                        let spans = facts.locals.entry(name).or_default();
                        if spans.last() != Some(&(r.start, r.end, kind)) {
                            spans.push((r.start, r.end, kind));
                        }
                    }
                }
                "keyed_element" => {
                    if let Some(k) = n.field("key") {
                        push(&mut facts.keyed, &k.text(), &n);
                    }
                }
                "type_spec" => {
                    if let Some(name) = n.field("name") {
                        push(&mut facts.types, &name.text(), &n);
                    }
                }
                "assignment_statement" => {
                    let Some(l) = n
                        .field("left")
                        .and_then(|l| l.named_children().next())
                        .map(|l| unparen(&l))
                    else {
                        continue;
                    };
                    match l.kind().as_ref() {
                        "identifier" => push(&mut facts.assignments, &l.text(), &n),
                        "selector_expression" => {
                            let Some(field) = l.field("field") else {
                                continue;
                            };
                            push(&mut facts.assignments, &field.text(), &n);
                            if field.text() != "New" {
                                continue;
                            }
                            let Some(owner) = l.field("operand").map(|o| unparen(&o)) else {
                                continue;
                            };
                            let owner_name = match owner.kind().as_ref() {
                                "identifier" => Some(owner.text().to_string()),
                                "selector_expression" => {
                                    owner.field("field").map(|f| f.text().to_string())
                                }
                                _ => None,
                            };
                            if let Some(o) = owner_name {
                                push(&mut facts.assignments, &o, &n);
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        facts
    })
}

/// The nodes of `kind` that [`PoolFacts`] lists under `name` in `which` map, in
/// the file's order.
fn indexed<'r>(
    file: &'r GoFile,
    which: impl Fn(&PoolFacts) -> &HashMap<String, Vec<(usize, usize)>>,
    name: &str,
    kind: &str,
) -> Vec<GoNode<'r>> {
    let facts = pool_facts(file);
    let Some(spans) = which(&facts).get(name) else {
        return vec![];
    };
    spans
        .iter()
        .filter_map(|&(start, end)| file.node_at(start, end, kind))
        .collect()
}

/// The `New` of a pool literal: `sync.Pool{New: f}` or `&sync.Pool{New: f}`.
fn new_of_literal<'r>(value: &GoNode<'r>) -> Option<GoNode<'r>> {
    let v = unparen(value);
    let lit = match v.kind().as_ref() {
        "composite_literal" => v,
        "unary_expression" => unparen(&v.field("operand")?),
        _ => return None,
    };
    keyed_value(&lit, "New")
}

fn keyed_value<'r>(lit: &GoNode<'r>, key: &str) -> Option<GoNode<'r>> {
    let body = lit.field("body")?;
    for el in body.named_children() {
        if el.kind() == "keyed_element" {
            let k = el.field("key")?;
            if k.text() == key {
                let v = el.field("value")?;
                return first_named(&v).or(Some(v));
            }
        }
    }
    None
}

/// `f: sync.Pool{New: ...}` in some composite literal of the file: the `New` of
/// field `f`.
fn keyed_pool_literal<'r>(file: &'r GoFile, field: &str) -> Option<GoNode<'r>> {
    for n in indexed(file, |f| &f.keyed, field, "keyed_element") {
        if n.field("key").is_some_and(|k| k.text() == field) {
            let v = n.field("value")?;
            let inner = v.named_children().find(|c| c.kind() != "comment")?;
            if let Some(f) = new_of_literal(&inner) {
                return Some(f);
            }
        }
    }
    None
}

/// An assignment `name.New = f` (or `x.name.New = f` for a field) in this file.
fn new_assignment<'r>(file: &'r GoFile, name: &str, field: bool) -> Option<GoNode<'r>> {
    for n in indexed(file, |f| &f.assignments, name, "assignment_statement") {
        let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
            continue;
        };
        let Some(l) = left.named_children().next().map(|l| unparen(&l)) else {
            continue;
        };
        // `p = sync.Pool{New: f}` or `x.p = &sync.Pool{New: f}`.
        let whole = match l.kind().as_ref() {
            "identifier" => !field && l.text() == name,
            "selector_expression" => field && l.field("field").is_some_and(|f| f.text() == name),
            _ => false,
        };
        if whole {
            if let Some(f) = right
                .named_children()
                .next()
                .and_then(|v| new_of_literal(&v))
            {
                return Some(f);
            }
            continue;
        }
        if l.kind() != "selector_expression" || l.field("field").is_none_or(|f| f.text() != "New") {
            continue;
        }
        let Some(owner) = l.field("operand").map(|o| unparen(&o)) else {
            continue;
        };
        let names_it = match owner.kind().as_ref() {
            "identifier" => !field && owner.text() == name,
            "selector_expression" => {
                field && owner.field("field").is_some_and(|f| f.text() == name)
            }
            _ => false,
        };
        if names_it {
            return right.named_children().next();
        }
    }
    None
}
/// True when another file of the package may set the pool's `New`: a cheap byte
/// test over the sibling `.go` files (a `New` near the name), erring towards "may".
fn set_elsewhere_in_package(file: &GoFile, name: &str) -> bool {
    // Once per file and name: every Get and Put of a pool asks.
    *file.memo("pool-new-elsewhere", name, || {
        new_set_in_siblings(file, name)
    })
}

/// True when a keyed element of the package sets the pool field from a call
/// (`&signer{pool: poolFor(key)}`): the pool has whatever New that function
/// gave it, as a local made by a call does. A byte test over the file and its
/// siblings, erring towards "made by a call".
fn field_made_by_a_call(file: &GoFile, field: &str) -> bool {
    *file.memo("pool-field-by-call", field, || {
        let by_call = |text: &str| {
            text.match_indices(&format!("{field}:")).any(|(i, _)| {
                let before_ok = text[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                let rest = text[i + field.len() + 1..].trim_start_matches([' ', '\t']);
                let callee: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                    .collect();
                before_ok && !callee.is_empty() && rest[callee.len()..].starts_with('(')
            })
        };
        by_call(file.text()) || any_sibling_text(file, by_call)
    })
}

fn new_set_in_siblings(file: &GoFile, name: &str) -> bool {
    any_sibling_text(file, |text| {
        let assigns = text.contains(&format!("{name}.New"));
        let keyed = text.match_indices(&format!("{name}:")).any(|(i, _)| {
            text[i..]
                .chars()
                .take(120)
                .collect::<String>()
                .contains("New")
        });
        assigns || keyed
    })
}

/// The body of a pool's `New`: a function literal, or a function of this file named there.
pub fn new_body<'r>(file: &'r GoFile, new_func: &GoNode<'r>) -> Option<GoNode<'r>> {
    let f = unparen(new_func);
    match f.kind().as_ref() {
        "func_literal" => f.field("body"),
        "identifier" => file
            .root
            .root()
            .children()
            .find(|d| {
                d.kind() == "function_declaration"
                    && d.field("name").is_some_and(|n| n.text() == f.text())
            })
            .and_then(|d| d.field("body")),
        _ => None,
    }
}

/// The type of object a pool's `New` returns, from its `return` statements.
pub fn new_result_type<'r>(file: &'r GoFile, new_func: &GoNode<'r>) -> TypeRef {
    let body = new_body(file, new_func);
    let Some(body) = body else {
        return TypeRef::Other;
    };
    let mut result: Option<TypeRef> = None;
    for ret in body.dfs().filter(|n| n.kind() == "return_statement") {
        // Returns of nested closures are theirs, not New's.
        if ret
            .ancestors()
            .take_while(|a| a.range() != body.range())
            .any(|a| scope::is_function(&a))
        {
            continue;
        }
        let Some(value) = ret
            .named_children()
            .find(|c| c.kind() == "expression_list")
            .and_then(|l| l.named_children().next())
        else {
            continue;
        };
        let t = type_of_construction(file, &value);
        match &result {
            None => result = Some(t),
            Some(prev) if *prev != t => return TypeRef::Other,
            _ => {}
        }
    }
    result.unwrap_or(TypeRef::Other)
}

/// What a type offers for a reset.
pub fn classify(file: &GoFile, t: &TypeRef) -> Pooled {
    match t {
        TypeRef::Slice { ptr: false } => Pooled::Slice,
        TypeRef::Slice { ptr: true } => Pooled::SlicePtr,
        TypeRef::Named {
            pkg: Some(path),
            name,
            ..
        } => KNOWN_TYPES
            .iter()
            .find(|(p, n, _)| p == path && n == name)
            .map_or(Pooled::Unknown, |(_, _, c)| c.clone()),
        TypeRef::Named {
            pkg: None,
            name,
            ptr,
        } => classify_local(file, name, *ptr, 0),
        TypeRef::Other => Pooled::Unknown,
    }
}

/// A type declared in this file: its `Reset` method, its underlying slice, or a
/// `Reset()` promoted from an embedded field.
fn classify_local(file: &GoFile, name: &str, ptr: bool, depth: usize) -> Pooled {
    if let Some(params) = method_param_count(file, name, "Reset") {
        return if params == 0 {
            Pooled::ResetMethod
        } else {
            Pooled::ResetWithArgs
        };
    }
    let Some(spec) = indexed(file, |f| &f.types, name, "type_spec")
        .into_iter()
        .find(|n| n.field("name").is_some_and(|x| x.text() == name))
    else {
        return classify_elsewhere(file, name, ptr);
    };
    let Some(ty) = spec.field("type") else {
        return Pooled::Unknown;
    };
    match ty.kind().as_ref() {
        "slice_type" if ptr => Pooled::SlicePtr,
        "slice_type" => Pooled::Slice,
        "struct_type" => {
            let (mut slices, mut maps) = (vec![], vec![]);
            for field in ty.dfs().filter(|n| n.kind() == "field_declaration") {
                if field.field("name").is_some() {
                    let kind = field.field("type").map(|t| unparen(&t).kind().to_string());
                    let into = match kind.as_deref() {
                        Some("slice_type") => &mut slices,
                        Some("map_type") => &mut maps,
                        _ => continue,
                    };
                    into.extend(
                        field
                            .children()
                            .filter(|c| c.kind() == "field_identifier")
                            .map(|c| c.text().to_string()),
                    );
                    continue;
                }
                let Some(et) = field.field("type") else {
                    continue;
                };
                let promoted = match type_ref(file, &et) {
                    r @ TypeRef::Named { pkg: Some(_), .. } => classify(file, &r),
                    TypeRef::Named {
                        pkg: None, name, ..
                    } if depth < 3 => classify_local(file, &name, true, depth + 1),
                    _ => Pooled::Unknown,
                };
                if matches!(promoted, Pooled::ResetMethod | Pooled::ResetWithArgs) {
                    return promoted;
                }
            }
            if slices.is_empty() {
                Pooled::NoReset
            } else {
                Pooled::SliceFields { slices, maps }
            }
        }
        _ => Pooled::NoReset,
    }
}

/// A type declared in another file of the package, from the package index; the
/// arity of its `Reset` from the declaring line, since calling it wrongly would not
/// compile (unknown arity: report only).
fn classify_elsewhere(file: &GoFile, name: &str, ptr: bool) -> Pooled {
    let index = PackageIndex::for_file(file);
    let Some(decl) = index.type_decl(name) else {
        return Pooled::Unknown;
    };
    if index.has_method(name, "Reset") {
        return match reset_arity_elsewhere(file, name) {
            Some(0) => Pooled::ResetMethod,
            _ => Pooled::ResetWithArgs,
        };
    }
    let std_reset = decl.embedded.iter().any(|e| {
        let e = e.trim_start_matches('*');
        e.split_once('.').is_some_and(|(q, n)| {
            KNOWN_TYPES.iter().any(|(p, t, c)| {
                *t == n && *c == Pooled::ResetMethod && decl.import_path(q) == Some(*p)
            })
        })
    });
    if std_reset {
        return Pooled::ResetMethod;
    }
    match decl.underlying.trim() {
        u if u.starts_with("[]") && ptr => Pooled::SlicePtr,
        u if u.starts_with("[]") => Pooled::Slice,
        _ => Pooled::NoReset,
    }
}

/// Parameter count of `func (r *T) Reset(...)` in a sibling file, read from the line.
fn reset_arity_elsewhere(file: &GoFile, type_name: &str) -> Option<usize> {
    let mut arity = None;
    any_sibling_text(file, |text| {
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("func (") else {
                continue;
            };
            let Some((recv, after)) = rest.split_once(')') else {
                continue;
            };
            let recv_type = recv.split_whitespace().last().unwrap_or("");
            if types::base_type_name(recv_type) != type_name {
                continue;
            }
            if let Some(params) = after.trim_start().strip_prefix("Reset(") {
                arity = Some(usize::from(!params.trim_start().starts_with(')')));
                return true;
            }
        }
        false
    });
    arity
}

/// True when `test` holds for the text of another `.go` file in the file's
/// folder (in name order; those that are not UTF-8 skipped). The texts are the
/// run's, not copies: a large folder's are many megabytes.
fn any_sibling_text(file: &GoFile, mut test: impl FnMut(&str) -> bool) -> bool {
    let dir = match file.path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let files = file.package();
    let Some(entries) = files.read_dir(dir) else {
        return false;
    };
    let own = file.path.file_name();
    let mut paths: Vec<_> = entries
        .iter()
        .map(|e| e.path.clone())
        .filter(|p| p.extension().is_some_and(|x| x == "go") && p.file_name() != own)
        .collect();
    paths.sort();
    paths.iter().any(|p| {
        files
            .read(p)
            .is_some_and(|b| std::str::from_utf8(&b).is_ok_and(&mut test))
    })
}

/// Number of parameters of method `method` declared on `type_name` (or its pointer)
/// in this file.
fn method_param_count(file: &GoFile, type_name: &str, method: &str) -> Option<usize> {
    for decl in file.root.root().children() {
        if decl.kind() != "method_declaration"
            || decl.field("name").is_none_or(|n| n.text() != method)
        {
            continue;
        }
        let Some(recv) = decl.field("receiver") else {
            continue;
        };
        let recv_type = recv
            .dfs()
            .find(|n| n.kind() == "type_identifier")
            .map(|n| n.text().to_string());
        if recv_type.as_deref() != Some(type_name) {
            continue;
        }
        let params = decl.field("parameters").map_or(0, |p| {
            p.named_children()
                .filter(|c| c.kind().ends_with("parameter_declaration"))
                .map(|c| c.field_children("name").count().max(1))
                .sum()
        });
        return Some(params);
    }
    None
}

/// A `Get()` call on a pool, possibly type-asserted: `p.Get()` or `p.Get().(*T)`.
#[derive(Clone)]
pub struct GetExpr<'r> {
    pub call: GoNode<'r>,
    pub receiver: GoNode<'r>,
    /// The asserted type, when the call is type-asserted.
    pub asserted: Option<GoNode<'r>>,
}

/// `expr` as a Get, directly or through one type assertion.
pub fn as_get<'r>(expr: &GoNode<'r>) -> Option<GetExpr<'r>> {
    let e = unparen(expr);
    let (call, asserted) = if e.kind() == "type_assertion_expression" {
        (unparen(&e.field("operand")?), e.field("type"))
    } else {
        (e, None)
    };
    let receiver = get_receiver(&call)?;
    Some(GetExpr {
        call,
        receiver,
        asserted,
    })
}

/// The receiver of a call `r.Get()` with no arguments.
pub fn get_receiver<'r>(call: &GoNode<'r>) -> Option<GoNode<'r>> {
    method_call(call, "Get", 0)
}

/// The calls `r.<name>(...)` with `argc` arguments of `file` ([`method_call`]),
/// in the file's order. Found in one walk per file and kept with it: a rule
/// looking for a pool's other Gets or Puts at each of its matches walked the
/// whole file each time.
pub fn method_calls<'r>(file: &'r GoFile, name: &str, argc: usize) -> Vec<GoNode<'r>> {
    let spans = file.memo("pool-method-calls", &format!("{name}/{argc}"), || {
        file.root
            .root()
            .dfs()
            .filter(|n| method_call(n, name, argc).is_some())
            .map(|n| (n.range().start, n.range().end))
            .collect::<Vec<_>>()
    });
    spans
        .iter()
        .filter_map(|&(start, end)| file.node_at(start, end, "call_expression"))
        .collect()
}

/// The receiver of a call `r.<name>(...)` with `argc` arguments.
pub fn method_call<'r>(call: &GoNode<'r>, name: &str, argc: usize) -> Option<GoNode<'r>> {
    if call.kind() != "call_expression" {
        return None;
    }
    let func = unparen(&call.field("function")?);
    if func.kind() != "selector_expression" || func.field("field")?.text() != name {
        return None;
    }
    let args = call
        .field("arguments")?
        .named_children()
        .filter(|c| c.kind() != "comment")
        .count();
    (args == argc).then(|| func.field("operand")).flatten()
}

/// Where the object `name` seen at `at` was last assigned from a pool's `Get`,
/// directly (`b := p.Get().(*T)`) or through one variable (`v := p.Get(); b := v.(*T)`).
#[derive(Clone)]
pub struct GetBinding<'r> {
    pub get: GetExpr<'r>,
    /// The statement (or `var_spec`) that binds the object.
    pub stmt: GoNode<'r>,
    /// The function the binding is in.
    pub func: GoNode<'r>,
}

/// True when `put` hands back `name` only while it is short of full, to be
/// extended by the next Get: the `Put` sits in the body of an `if` testing
/// `len(name) < n` (or `<=`, or `len(*name)`), and that body returns right after
/// it. Such a pool carries a partial batch between calls: its old contents are
/// the point, so a reset would break the batching, and a GC drops the batch.
pub fn put_back_unfilled(put: &GoNode, name: &str) -> bool {
    let Some(stmt) = scope::as_statement(put) else {
        return false;
    };
    let Some(block) = stmt.parent().and_then(|l| {
        if l.kind() == "statement_list" {
            l.parent()
        } else {
            Some(l)
        }
    }) else {
        return false;
    };
    let Some(check) = block.parent().filter(|i| i.kind() == "if_statement") else {
        return false;
    };
    if check
        .field("consequence")
        .is_none_or(|c| c.range() != block.range())
    {
        return false;
    }
    let returns_next = stmt
        .next_all()
        .find(|n| n.is_named() && n.kind() != "comment")
        .is_some_and(|n| n.kind() == "return_statement");
    if !returns_next {
        return false;
    }
    let Some(cond) = check.field("condition").map(|c| unparen(&c)) else {
        return false;
    };
    if cond.kind() != "binary_expression"
        || !cond
            .field("operator")
            .is_some_and(|o| matches!(o.text().as_ref(), "<" | "<="))
    {
        return false;
    }
    let Some(left) = cond.field("left").map(|l| unparen(&l)) else {
        return false;
    };
    let measured = left.kind() == "call_expression"
        && left.field("function").is_some_and(|f| f.text() == "len")
        && left.field("arguments").is_some_and(|a| {
            a.named_children()
                .find(|c| c.kind() != "comment")
                .is_some_and(|x| {
                    let x = unparen(&x);
                    let inner = if x.kind() == "unary_expression" && x.text().starts_with('*') {
                        x.field("operand").map(|o| unparen(&o))
                    } else {
                        Some(x)
                    };
                    inner.is_some_and(|i| i.kind() == "identifier" && i.text() == name)
                })
        });
    measured
}

pub fn get_binding<'r>(at: &GoNode<'r>, name: &str) -> Option<GetBinding<'r>> {
    let start = at.range().start;
    for func in at.ancestors().filter(scope::is_function) {
        let mut last: Option<(GoNode, GoNode)> = None;
        for n in func.dfs() {
            if n.range().start >= start {
                break;
            }
            if let Some(v) = assigned_value(&n, name) {
                // `b = append(b, x)`, `b = b[:n]`: still the same object; and a
                // fallback in a branch (`if b == nil { b = new(T) }`) is not the
                // assignment every path sees.
                let same_object = last.is_some()
                    && v.dfs()
                        .any(|x| x.kind() == "identifier" && x.text() == name);
                let conditional = last.is_some() && in_branch_without(&n, at, &func);
                if !same_object && !conditional {
                    last = Some((n.clone(), v));
                }
            }
        }
        let Some((stmt, value)) = last else {
            continue;
        };
        if let Some(get) = as_get(&value) {
            return Some(GetBinding { get, stmt, func });
        }
        // `b := v.(*T)` where `v := p.Get()`.
        let v = unparen(&value);
        if v.kind() == "type_assertion_expression" {
            let inner = unparen(&v.field("operand")?);
            if inner.kind() == "identifier" {
                let prev = get_binding(&v, &inner.text())?;
                if prev.get.asserted.is_none() {
                    let get = GetExpr {
                        asserted: v.field("type"),
                        ..prev.get
                    };
                    return Some(GetBinding { get, stmt, func });
                }
            }
        }
        return None;
    }
    None
}

/// The pooled type of an object bound by `binding`: its type assertion, else the
/// pool's `New`.
pub fn pooled_type<'r>(file: &'r GoFile, binding: &GetBinding<'r>, pool: &PoolInfo<'r>) -> Pooled {
    if let Some(t) = &binding.get.asserted {
        return classify(file, &type_ref(file, t));
    }
    match &pool.new_func {
        Some(f) => classify(file, &new_result_type(file, f)),
        None => Pooled::Unknown,
    }
}

/// Method and function names that reset an object (`Reset`, `reset`, `clear`,
/// `Truncate`, `init`, `SetLen`...).
pub fn is_reset_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "reset", "clear", "truncate", "setlen", "zero", "wipe", "recycle",
    ]
    .iter()
    .any(|w| lower.contains(w))
        || lower.starts_with("init")
        || lower.starts_with("reinit")
        || lower == "free"
        || lower == "release"
}

fn is_zero_literal(n: &GoNode) -> bool {
    n.kind() == "int_literal" && n.text().trim_start_matches('0').is_empty()
}

/// `x[:0]` (or `x[0:0]`) for an `x` rooted at one of `names`.
fn is_truncation(n: &GoNode, names: &[String]) -> bool {
    n.kind() == "slice_expression"
        && n.field("end").is_some_and(|e| is_zero_literal(&e))
        && n.field("start").is_none_or(|s| is_zero_literal(&s))
        && n.field("operand")
            .and_then(|o| root_ident(&o))
            .is_some_and(|r| names.contains(&r))
}

/// `append(x, ...)` or `AppendXxx(x, ...)` growing an object rooted at one of `names`.
pub fn is_append_to(n: &GoNode, names: &[String]) -> bool {
    if n.kind() != "call_expression" {
        return false;
    }
    let Some(func) = n.field("function").map(|f| unparen(&f)) else {
        return false;
    };
    let fname = match func.kind().as_ref() {
        "identifier" => func.text().to_string(),
        "selector_expression" => func
            .field("field")
            .map_or(String::new(), |f| f.text().to_string()),
        _ => return false,
    };
    if fname != "append" && !fname.starts_with("Append") {
        return false;
    }
    let first = n
        .field("arguments")
        .and_then(|a| a.named_children().find(|c| c.kind() != "comment"));
    first.is_some_and(|f| {
        !is_truncation(&f, names) && root_ident(&f).is_some_and(|r| names.contains(&r))
    })
}

/// `b = f(x, b)` (or `b, n = f(b)`): a slice handed to a call and replaced by what it
/// returns, the append idiom of encoders (`buf = enc.Series(s, buf)`).
pub fn regrown_by_call(n: &GoNode, names: &[String]) -> bool {
    if n.kind() != "assignment_statement" || n.field("operator").is_none_or(|o| o.text() != "=") {
        return false;
    }
    let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
        return false;
    };
    let assigns = left.named_children().any(|l| {
        let l = unparen(&l);
        (l.kind() == "identifier" || (l.kind() == "unary_expression" && l.text().starts_with('*')))
            && root_ident(&l).is_some_and(|r| names.contains(&r))
    });
    let rights = exprs::items(&right);
    let [call] = rights.as_slice() else {
        return false;
    };
    let call = unparen(call);
    assigns
        && call.kind() == "call_expression"
        && call.field("arguments").is_some_and(|a| {
            a.named_children().any(|x| {
                let x = unparen(&x);
                !is_truncation(&x, names)
                    && matches!(x.kind().as_ref(), "identifier" | "unary_expression")
                    && root_ident(&x).is_some_and(|r| names.contains(&r))
            })
        })
}

/// True when node `n` resets (or replaces) an object rooted at one of `names`:
/// a reset-like method or function call on it, `clear(x)`, `x = x[:0]`, `*x = ...`,
/// an assignment to one of its fields, or any `x[:0]`.
pub fn is_reset_of(n: &GoNode, names: &[String]) -> bool {
    let rooted = |e: &GoNode| root_ident(e).is_some_and(|r| names.contains(&r));
    match n.kind().as_ref() {
        "slice_expression" => is_truncation(n, names),
        "call_expression" => {
            let Some(func) = n.field("function").map(|f| unparen(&f)) else {
                return false;
            };
            match func.kind().as_ref() {
                "selector_expression" => {
                    let name = func.field("field").map(|f| f.text().to_string());
                    name.is_some_and(|m| is_reset_name(&m))
                        && func.field("operand").is_some_and(|o| rooted(&o))
                }
                "identifier" => {
                    is_reset_name(&func.text())
                        && n.field("arguments").is_some_and(|a| {
                            a.named_children()
                                .filter(|c| c.kind() != "comment")
                                .any(|c| rooted(&c))
                        })
                }
                _ => false,
            }
        }
        "assignment_statement" => {
            if n.field("operator").is_some_and(|o| o.text() != "=") {
                return false;
            }
            let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
                return false;
            };
            let rights: Vec<GoNode> = right.named_children().collect();
            let lefts: Vec<GoNode> = left.named_children().collect();
            lefts.into_iter().enumerate().any(|(i, l)| {
                let l = unparen(&l);
                if !rooted(&l) || l.kind() == "index_expression" {
                    return false;
                }
                // `b = new(T)` swaps in another object (a nil fallback, say); only
                // `b = nil` drops the old one. `b = b[:0]` is caught as a truncation.
                if l.kind() == "identifier" {
                    return rights.get(i).is_some_and(|r| unparen(r).kind() == "nil");
                }
                // `*bp = v` or `x.f = v` with a fresh value replaces the contents; a
                // value made from the object itself (`*bp = b` storing a grown copy back,
                // `x.buf = append(x.buf, v)`, `x.n = x.n + 1`) keeps them. A truncation
                // (`*bp = b[:0]`) is caught where it stands.
                let from_object = rights.get(i).is_some_and(|r| {
                    !is_truncation(&unparen(r), names)
                        && r.dfs().any(|x| {
                            x.kind() == "identifier" && names.contains(&x.text().to_string())
                        })
                });
                !from_object
            })
        }
        _ => false,
    }
}

/// True when `n` resets an object rooted at one of `names`, itself
/// ([`is_reset_of`]) or by handing it to a function or method that resets that
/// parameter before any other use ([`params_reset_first`]): one of this file, of its
/// package (through the package index), or of another package of the module.
///
/// `*bp = q.DecodeInto(src, *bp)`, the statement storing what such a call
/// returns, resets as a whole: the call sets the slice's length anew before it
/// writes (capacity only), so what the statement stores is not grown from the
/// old contents (the `b = f(x, b)` append idiom of [`regrown_by_call`] is, when
/// `f` appends).
pub fn resets(file: &GoFile, n: &GoNode, names: &[String]) -> bool {
    is_reset_of(n, names)
        || resets_in_helper(file, n, names)
        || stores_resetting_call(file, n, names)
}

/// `x = f(..., x)` (or `*p = f(..., *p)`), `f` resetting the handed object.
fn stores_resetting_call(file: &GoFile, n: &GoNode, names: &[String]) -> bool {
    if !matches!(
        n.kind().as_ref(),
        "assignment_statement" | "short_var_declaration"
    ) {
        return false;
    }
    let Some(right) = n.field("right") else {
        return false;
    };
    let rights = exprs::items(&right);
    let [call] = rights.as_slice() else {
        return false;
    };
    resets_in_helper(file, &unparen(call), names)
}

fn resets_in_helper(file: &GoFile, call: &GoNode, names: &[String]) -> bool {
    if call.kind() != "call_expression" {
        return false;
    }
    let Some(args) = call.field("arguments") else {
        return false;
    };
    let handed: Vec<usize> = args
        .named_children()
        .filter(|c| c.kind() != "comment")
        .enumerate()
        .filter(|(_, a)| {
            // The object itself, or what a pointer to it points to (`*bp`).
            let mut a = unparen(a);
            if a.kind() == "unary_expression" && a.text().starts_with('*') {
                match a.field("operand") {
                    Some(o) => a = unparen(&o),
                    None => return false,
                }
            }
            a.kind() == "identifier" && names.contains(&a.text().to_string())
        })
        .map(|(i, _)| i)
        .collect();
    if handed.is_empty() {
        return false;
    }
    let Some(func) = call.field("function").map(|f| unparen(&f)) else {
        return false;
    };
    let resolver = Resolver::new(file);
    let resets = match func.kind().as_ref() {
        "identifier" => resolver.param_resets(&func.text()),
        "selector_expression" => {
            let (Some(op), Some(field)) = (func.field("operand"), func.field("field")) else {
                return false;
            };
            let method = field.text().to_string();
            match import_path_of(file, &func, &op.text()) {
                Some(path) => module_package(file, &path)
                    .and_then(|index| index.param_resets(file.package(), &method)),
                // A method of the receiver's type (`d.codec.DecodeInto(...)`, a
                // field's type): of this package, or of another package of the
                // module, read through that package's index. A type of another
                // module is not read: nothing is known of the method.
                None => resolver.type_of(&op).and_then(|t| {
                    let base = types::base_type_name(&t);
                    match base.split_once('.') {
                        Some((qualifier, name)) => import_path_of(file, &func, qualifier)
                            .and_then(|path| module_package(file, &path))
                            .and_then(|index| {
                                index.param_resets(file.package(), &format!("{name}.{method}"))
                            }),
                        None => resolver.param_resets(&format!("{base}.{method}")),
                    }
                }),
            }
        }
        _ => None,
    }
    .unwrap_or_default();
    handed.iter().any(|i| resets.contains(i))
}

/// The index of the package an import path names, when it is a package of the
/// file's own module.
fn module_package(file: &GoFile, path: &str) -> Option<std::sync::Arc<PackageIndex>> {
    let module = file.module.as_ref()?;
    let rel = path.strip_prefix(module.path.as_str())?;
    let rel = rel.strip_prefix('/')?;
    if rel.split('/').any(|part| part.is_empty() || part == "..") {
        return None;
    }
    PackageIndex::for_dir(file.package(), &module.root.join(Path::new(rel)))
}

/// The positions of the parameters of `func` (a function or method declaration)
/// that it resets: first thing (`func hashOf(h hash.Hash64, b []byte) uint64 { if
/// len(b) == 0 { return 0 }; h.Reset(); h.Write(b); ... }` resets position 0), or on
/// every call, in a statement of the body itself. A reset inside a closure, or under
/// an `if` after other uses, does not count.
pub fn params_reset_first(func: &GoNode) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    let (Some(params), Some(body)) = (func.field("parameters"), func.field("body")) else {
        return out;
    };
    let names: Vec<String> = decls::params_of(&params, DeclKind::Param)
        .into_iter()
        .map(|d| d.name)
        .collect();
    let mut pending: Vec<usize> = (0..names.len())
        .filter(|&i| names[i] != "_" && names.iter().position(|n| *n == names[i]) == Some(i))
        .collect();
    if pending.is_empty() {
        return out;
    }
    for n in body.dfs() {
        if n.kind() != "identifier" {
            continue;
        }
        let Some(k) = pending.iter().position(|&i| names[i] == n.text()) else {
            continue;
        };
        // `cap(b)` observes no contents: the first use is the next one.
        if reads_capacity(&n) {
            continue;
        }
        let i = pending.remove(k);
        let one = vec![names[i].clone()];
        let in_closure = n
            .ancestors()
            .take_while(|a| a.range() != body.range())
            .any(|a| scope::is_function(&a));
        let reset = !in_closure
            && n.ancestors()
                .take_while(|a| {
                    a.parent()
                        .is_some_and(|p| !matches!(p.kind().as_ref(), "block" | "statement_list"))
                })
                .any(|a| is_reset_of(&a, &one));
        // Or the statement of the body holding the first use gives the slice a
        // length of its own (`if cap(b) < n { b = make([]T, n) } else { b =
        // b[:n] }`): only its capacity is used, the old contents are not read.
        let resized = !in_closure
            && decls::statements(&body)
                .iter()
                .find(|s| s.range().start <= n.range().start && n.range().end <= s.range().end)
                .is_some_and(|s| sets_length(s, &names[i]));
        if reset || resized {
            out.insert(i);
        }
        if pending.is_empty() {
            break;
        }
    }
    // A reset every call makes, in a statement of the body itself (not under an
    // `if`, a loop or a closure): `func flush(w io.Writer, b *bytes.Buffer) {
    // w.Write(b.Bytes()); b.Reset() }` hands the object back empty.
    for stmt in decls::statements(&body) {
        for (i, name) in names.iter().enumerate() {
            if out.contains(&i) || name == "_" {
                continue;
            }
            let one = vec![name.clone()];
            let unconditional = stmt.dfs().any(|n| {
                is_reset_of(&n, &one)
                    && !n
                        .ancestors()
                        .take_while(|a| a.range() != stmt.range())
                        .any(|a| a.kind() == "block" || scope::is_function(&a))
            });
            if unconditional {
                out.insert(i);
            }
        }
    }
    out
}

/// `n` (an identifier) is the argument of `cap(n)`.
fn reads_capacity(n: &GoNode) -> bool {
    n.parent().is_some_and(|args| {
        args.kind() == "argument_list"
            && args
                .named_children()
                .filter(|c| c.kind() != "comment")
                .count()
                == 1
            && args.parent().is_some_and(|c| {
                c.kind() == "call_expression"
                    && c.field("function")
                        .is_some_and(|f| f.kind() == "identifier" && f.text() == "cap")
            })
    })
}

/// `node` names the variable `name` other than in `cap(name)`.
fn uses_beyond_capacity(node: &GoNode, name: &str) -> bool {
    node.dfs()
        .any(|x| x.kind() == "identifier" && x.text() == name && !reads_capacity(&x))
}

/// Statement `stmt` gives slice `name` a length that does not depend on its old
/// one, before any other use of it: `name = make(...)`, `name = name[:n]` (`n`
/// not read from `len(name)`), or an `if` (its condition reading at most
/// `cap(name)`) each of whose branches does so first. `name = append(name,
/// ...)` or `name[len(name):]` keep the old contents.
fn sets_length(stmt: &GoNode, name: &str) -> bool {
    match stmt.kind().as_ref() {
        "assignment_statement" => {
            if stmt.field("operator").is_none_or(|o| o.text() != "=") {
                return false;
            }
            let (Some(left), Some(right)) = (stmt.field("left"), stmt.field("right")) else {
                return false;
            };
            let lefts = exprs::items(&left);
            let rights = exprs::items(&right);
            let ([l], [r]) = (lefts.as_slice(), rights.as_slice()) else {
                return false;
            };
            let (l, r) = (unparen(l), unparen(r));
            if l.kind() != "identifier" || l.text() != name {
                return false;
            }
            match r.kind().as_ref() {
                "call_expression" => r
                    .field("function")
                    .is_some_and(|f| f.kind() == "identifier" && f.text() == "make"),
                "slice_expression" => {
                    r.field("operand")
                        .map(|o| unparen(&o))
                        .is_some_and(|o| o.kind() == "identifier" && o.text() == name)
                        && r.field("start").is_none_or(|s| is_zero_literal(&s))
                        && r.field("end")
                            .is_some_and(|e| !uses_beyond_capacity(&e, name))
                        && r.field("capacity")
                            .is_none_or(|c| !uses_beyond_capacity(&c, name))
                }
                _ => false,
            }
        }
        "if_statement" => {
            let reads_old = |f: &str| {
                stmt.field(f)
                    .is_some_and(|c| uses_beyond_capacity(&c, name))
            };
            if reads_old("initializer") || reads_old("condition") {
                return false;
            }
            let block_sets = |b: &GoNode| {
                decls::statements(b)
                    .iter()
                    .find(|s| uses_beyond_capacity(s, name))
                    .is_some_and(|s| sets_length(s, name))
            };
            stmt.field("consequence").is_some_and(|b| block_sets(&b))
                && stmt
                    .field("alternative")
                    .is_some_and(|a| match a.kind().as_ref() {
                        "if_statement" => sets_length(&a, name),
                        _ => block_sets(&a),
                    })
        }
        _ => false,
    }
}

/// Methods that read an object, or only change its capacity: calling them
/// does not leave data for the next user.
const READ_ONLY_METHODS: &[&str] = &[
    "Len",
    "Cap",
    "Bytes",
    "String",
    "Available",
    "AvailableBuffer",
    "Grow",
    "Size",
    "BlockSize",
    "Sum",
    "Sum32",
    "Sum64",
];

/// True when identifier `n` (a name of a pooled object with a `Reset()`) is used
/// in a way that may leave data in it: a write, a method not known to only read,
/// handing it to other code. Not: `b.Len()`, `b.Bytes()[:b.Cap()]` (raw capacity),
/// a nil comparison, the `Put` itself, a type assertion naming it anew.
pub fn may_fill(n: &GoNode) -> bool {
    let Some(parent) = n.parent() else {
        return false;
    };
    match parent.kind().as_ref() {
        "selector_expression"
            if parent
                .field("operand")
                .is_some_and(|o| o.range() == n.range()) =>
        {
            let Some(field) = parent.field("field") else {
                return true;
            };
            let called = parent.parent().filter(|c| {
                c.kind() == "call_expression"
                    && c.field("function")
                        .is_some_and(|f| f.range() == parent.range())
            });
            match called {
                Some(_) => {
                    !READ_ONLY_METHODS.contains(&field.text().as_ref())
                        && !is_reset_name(&field.text())
                }
                // A field: filled when written or appended to.
                None => {
                    let up = parent.parent();
                    let written = up.as_ref().is_some_and(|u| {
                        matches!(u.kind().as_ref(), "inc_statement" | "dec_statement")
                            || (u.kind() == "expression_list"
                                && u.parent().is_some_and(|a| {
                                    a.kind() == "assignment_statement"
                                        && a.field("left").is_some_and(|l| l.range() == u.range())
                                }))
                    });
                    let appended = up.as_ref().is_some_and(|u| {
                        u.kind() == "argument_list"
                            && u.parent().is_some_and(|c| {
                                c.field("function").is_some_and(|f| f.text() == "append")
                            })
                            && u.named_children()
                                .find(|c| c.kind() != "comment")
                                .is_some_and(|f| f.range() == parent.range())
                    });
                    written || appended
                }
            }
        }
        "binary_expression" => !matches!(
            parent
                .field("operator")
                .map(|o| o.text().to_string())
                .as_deref(),
            Some("==" | "!=")
        ),
        "type_assertion_expression" | "parenthesized_expression" => false,
        "argument_list" => !parent
            .parent()
            .and_then(|c| method_call(&c, "Put", 1))
            .is_some(),
        "expression_list" => {
            // The right side of `x := b` names it anew; the left side of `b = ...` rebinds.
            let stmt = parent.parent();
            !stmt.is_some_and(|s| {
                matches!(
                    s.kind().as_ref(),
                    "short_var_declaration" | "assignment_statement" | "var_spec"
                )
            })
        }
        _ => true,
    }
}

/// True when identifier `occ` names the variable that `name` names at `at`: not a
/// new declaration of the same name (`item := p.Get()` inside a loop declares
/// another object), nor a use of such a shadowing declaration.
pub fn same_variable(occ: &GoNode, at: &GoNode, name: &str) -> bool {
    if occ.kind() != "identifier" || occ.text() != name || declares_here(occ) {
        return false;
    }
    let here = decls::lookup(occ, name).map(|d| d.ident.range());
    let there = decls::lookup(at, name).map(|d| d.ident.range());
    here == there
}

/// True when identifier `n` is being declared where it stands (`x :=`, `var x`, a
/// parameter, `for _, x := range`).
fn declares_here(n: &GoNode) -> bool {
    let Some(parent) = n.parent() else {
        return false;
    };
    let is_left_of = |holder: &GoNode, left: &GoNode| {
        matches!(
            holder.kind().as_ref(),
            "short_var_declaration" | "range_clause"
        ) && holder
            .field("left")
            .is_some_and(|l| l.range() == left.range())
            && (holder.kind() == "short_var_declaration" || holder.text().contains(":="))
    };
    match parent.kind().as_ref() {
        "parameter_declaration" | "variadic_parameter_declaration" | "var_spec" | "const_spec" => {
            true
        }
        "expression_list" => parent.parent().is_some_and(|gp| is_left_of(&gp, &parent)),
        _ => is_left_of(&parent, n),
    }
}

/// Every name an object is known by in `func` after `from`: itself, and locals
/// initialised from it (`b := *bp`, `buf := (*bp)[:0]`, `v := b`).
pub fn aliases(func: &GoNode, name: &str, from: usize) -> Vec<String> {
    let mut names = vec![name.to_string()];
    for n in func.dfs().filter(|n| n.range().start >= from) {
        let plain_assignment = n.kind() == "assignment_statement"
            && n.field("operator").is_some_and(|o| o.text() == "=");
        if n.kind() != "short_var_declaration" && n.kind() != "var_spec" && !plain_assignment {
            continue;
        }
        let (Some(left), Some(right)) = (
            n.field("left").or_else(|| n.field("name")),
            n.field("right").or_else(|| n.field("value")),
        ) else {
            continue;
        };
        let lefts: Vec<GoNode> = if left.kind() == "expression_list" {
            left.named_children().collect()
        } else {
            n.field_children("name").collect()
        };
        let rights: Vec<GoNode> = right.named_children().collect();
        if lefts.len() != rights.len() {
            continue;
        }
        for (l, r) in lefts.iter().zip(&rights) {
            let r = unparen(r);
            let derived = match r.kind().as_ref() {
                "identifier" => names.contains(&r.text().to_string()),
                // `bw := v.(*bufio.Writer)` after `v := p.Get()`.
                "type_assertion_expression" => {
                    r.field("operand").map(|o| unparen(&o)).is_some_and(|o| {
                        o.kind() == "identifier" && names.contains(&o.text().to_string())
                    })
                }
                "unary_expression" if r.text().starts_with('*') => {
                    root_ident(&r).is_some_and(|x| names.contains(&x))
                }
                "slice_expression" => root_ident(&r).is_some_and(|x| names.contains(&x)),
                _ => false,
            };
            if derived && l.kind() == "identifier" && !names.contains(&l.text().to_string()) {
                names.push(l.text().to_string());
            }
        }
    }
    names
}

/// The innermost function of `node`, and whether `node` runs when that function is
/// deferred (`defer func() { ... }()`).
pub fn in_deferred_closure(node: &GoNode) -> bool {
    let Some(func) = scope::enclosing_function(node) else {
        return false;
    };
    func.kind() == "func_literal"
        && func.parent().is_some_and(|call| {
            call.kind() == "call_expression"
                && call.parent().is_some_and(|d| d.kind() == "defer_statement")
        })
}

/// True when `node` sits in an if/else block or case clause that does not hold `at`.
fn in_branch_without(node: &GoNode, at: &GoNode, stop: &GoNode) -> bool {
    let o = at.range();
    node.ancestors()
        .take_while(|a| a.range() != stop.range())
        .any(|a| {
            let is_branch = match a.kind().as_ref() {
                "expression_case" | "default_case" | "type_case" | "communication_case" => true,
                "block" => a.parent().is_some_and(|p| p.kind() == "if_statement"),
                _ => false,
            };
            let r = a.range();
            is_branch && !(r.start <= o.start && o.end <= r.end)
        })
}

/// True when `node` is a branch (if/else block, case clause) that `other` lies
/// outside of while the statement owning the branch holds `other`: the two are on
/// different paths.
pub fn on_other_branch(node: &GoNode, other: &GoNode, stop: &GoNode) -> bool {
    let o = other.range();
    for a in node.ancestors() {
        if a.range() == stop.range() {
            return false;
        }
        let is_branch = match a.kind().as_ref() {
            "expression_case" | "default_case" | "type_case" | "communication_case" => true,
            "block" => a.parent().is_some_and(|p| p.kind() == "if_statement"),
            _ => false,
        };
        if !is_branch {
            continue;
        }
        let r = a.range();
        if r.start <= o.start && o.end <= r.end {
            continue;
        }
        let owner = a.ancestors().find(|p| {
            matches!(
                p.kind().as_ref(),
                "if_statement"
                    | "expression_switch_statement"
                    | "type_switch_statement"
                    | "select_statement"
            )
        });
        if owner.is_some_and(|w| {
            let wr = w.range();
            wr.start <= o.start && o.end <= wr.end
        }) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn node_at<'r>(f: &'r GoFile, text: &str, kind: &str) -> GoNode<'r> {
        let at = f.text().find(text).unwrap();
        f.root
            .root()
            .dfs()
            .filter(|n| n.range().start == at && n.kind() == kind)
            .last()
            .unwrap_or_else(|| panic!("no {kind} at `{text}`"))
    }

    const SRC: &str = r#"package p

import (
	"bytes"
	xs "sync"
)

type enc struct {
	bytes.Buffer
	n int
}

type plain struct{ n int }

type buf []byte

func (b *buf) Reset() {}

type srv struct {
	pool  xs.Pool
	pools map[string]*xs.Pool
}

var bp = xs.Pool{New: func() any { return new(bytes.Buffer) }}
var sp = &xs.Pool{New: func() any { s := make([]byte, 0, 64); return &s }}
var bare xs.Pool

func f(s *srv) {
	b := bp.Get().(*bytes.Buffer)
	v := s.pool.Get()
	e := v.(*enc)
	q := s.pools["k"].Get()
	bare.Put(b)
	_, _, _ = e, q, b
}
"#;

    #[test]
    fn resolves_pools_and_types() {
        let f = GoFile::parse(Path::new("/nonexistent/a.go"), SRC, None);
        let recv = node_at(&f, "bp.Get", "identifier");
        let info = resolve_pool(&f, &recv).unwrap();
        assert!(!info.no_new);
        assert_eq!(
            classify(&f, &new_result_type(&f, info.new_func.as_ref().unwrap())),
            Pooled::ResetMethod
        );
        let sp = node_at(&f, "sp = ", "identifier");
        let info = resolve_pool(&f, &sp).unwrap();
        assert_eq!(
            classify(&f, &new_result_type(&f, info.new_func.as_ref().unwrap())),
            Pooled::SlicePtr
        );
        let bare = node_at(&f, "bare.Put", "identifier");
        assert!(resolve_pool(&f, &bare).unwrap().no_new);
        let field = node_at(&f, "s.pool.Get", "selector_expression");
        assert!(resolve_pool(&f, &field).unwrap().no_new);
        let keyed = node_at(&f, "s.pools[\"k\"]", "index_expression");
        assert!(resolve_pool(&f, &keyed).unwrap().map_key.is_some());
        let e = node_at(&f, "_, _, _ = e", "assignment_statement");
        let binding = get_binding(&e, "e").unwrap();
        assert_eq!(binding.get.asserted.unwrap().text(), "*enc");
        let plain = TypeRef::Named {
            pkg: None,
            name: "plain".into(),
            ptr: true,
        };
        assert_eq!(classify(&f, &plain), Pooled::NoReset);
        let enc = TypeRef::Named {
            pkg: None,
            name: "enc".into(),
            ptr: true,
        };
        assert_eq!(classify(&f, &enc), Pooled::ResetMethod);
        let named_slice = TypeRef::Named {
            pkg: None,
            name: "buf".into(),
            ptr: true,
        };
        assert_eq!(classify(&f, &named_slice), Pooled::ResetMethod);
    }

    #[test]
    fn resets() {
        let src = "package p\nfunc f() {\n\tb.Reset()\n\t*bp = (*bp)[:0]\n\tx = append(x, 1)\n\tb.n = 0\n\tclear(m)\n\tb.Write(p)\n\t*bp = b\n\tb.n = b.n + 1\n}\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let names = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let hit = |text: &str, kind: &str, who: &[&str]| {
            is_reset_of(&node_at(&f, text, kind), &names(who))
        };
        assert!(hit("b.Reset()", "call_expression", &["b"]));
        assert!(hit("*bp = ", "assignment_statement", &["bp"]));
        assert!(!hit("x = append", "assignment_statement", &["x"]));
        assert!(hit("b.n = 0", "assignment_statement", &["b"]));
        assert!(hit("clear(m)", "call_expression", &["m"]));
        assert!(!hit("b.Write(p)", "call_expression", &["b"]));
        // Storing a grown copy back, or counting up, keeps the contents.
        assert!(!hit("*bp = b\n", "assignment_statement", &["bp", "b"]));
        assert!(!hit("b.n = b.n + 1", "assignment_statement", &["b"]));
        assert!(!hit("b.Reset()", "call_expression", &["c"]));
    }

    #[test]
    fn helpers_that_reset_their_parameter() {
        let src = r#"package p

func first(h H, b []byte) uint64 {
	if b == nil {
		return 0
	}
	h.Reset()
	h.Write(b)
	return h.Sum64()
}

func last(w W, b *B) {
	w.Write(b.Bytes())
	b.Reset()
}

func maybe(b *B) {
	b.WriteString("x")
	if b.Len() > 9 {
		b.Reset()
	}
}

func later(b *B) func() {
	return func() { b.Reset() }
}

func (d D) resized(src []byte, buf []uint64) []uint64 {
	n := len(src) / 8
	if cap(buf) < n {
		buf = make([]uint64, n)
	} else {
		buf = buf[:n]
	}
	copy(buf, d.words(src))
	return buf
}

func onlyOneArm(src []byte, buf []uint64) []uint64 {
	if cap(buf) < len(src) {
		buf = make([]uint64, len(src))
	}
	return buf
}

func grows(src []byte, buf []uint64) []uint64 {
	if cap(buf) < len(src) {
		buf = make([]uint64, 0, len(src))
	}
	return append(buf, 1)
}

func fromOldLength(buf []uint64) []uint64 {
	buf = buf[:len(buf)/2]
	return buf
}

func tail(buf []uint64) []uint64 {
	buf = buf[len(buf):cap(buf)]
	return buf
}
"#;
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let func = |name: &str| {
            f.root
                .root()
                .children()
                .find(|d| d.field("name").is_some_and(|n| n.text() == name))
                .unwrap()
        };
        let set = |xs: &[usize]| xs.iter().copied().collect::<BTreeSet<usize>>();
        assert_eq!(params_reset_first(&func("first")), set(&[0]));
        assert_eq!(params_reset_first(&func("last")), set(&[1]));
        assert_eq!(params_reset_first(&func("maybe")), set(&[]));
        assert_eq!(params_reset_first(&func("later")), set(&[]));
        assert_eq!(params_reset_first(&func("resized")), set(&[1]));
        assert_eq!(params_reset_first(&func("onlyOneArm")), set(&[]));
        assert_eq!(params_reset_first(&func("grows")), set(&[]));
        assert_eq!(params_reset_first(&func("fromOldLength")), set(&[]));
        assert_eq!(params_reset_first(&func("tail")), set(&[]));
    }

    #[test]
    fn fills() {
        let src = "package p\nfunc f() {\n\traw := b.Bytes()[:b.Cap()]\n\tn := b.Len()\n\tb.WriteString(s)\n\tio.Copy(b, r)\n\tif b != nil {\n\t}\n\tp.Put(b)\n}\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let uses: Vec<bool> = f
            .root
            .root()
            .dfs()
            .filter(|n| n.kind() == "identifier" && n.text() == "b")
            .map(|n| may_fill(&n))
            .collect();
        assert_eq!(uses, vec![false, false, false, true, true, false, false]);
    }
}

/// The expression list a `Get` (or getter) result stands in, looking through
/// parentheses and type assertions: `b := pool.Get().(*T)` gives `pool.Get().(*T)`'s list.
pub fn value_list_of<'r>(call: &GoNode<'r>) -> Option<GoNode<'r>> {
    let mut up = call.clone();
    while let Some(p) = up.parent() {
        if !matches!(
            p.kind().as_ref(),
            "parenthesized_expression" | "type_assertion_expression"
        ) {
            break;
        }
        up = p;
    }
    up.parent().filter(|list| list.kind() == "expression_list")
}
