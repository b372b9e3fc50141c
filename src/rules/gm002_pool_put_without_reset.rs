//! GM002 pool-put-without-reset: an object taken from a `sync.Pool` with `Get` goes
//! back with `Put` while still holding this caller's data, and the reset that fixes
//! it, written for the object's type.

use crate::analysis::exprs::{self, called_name};
use crate::analysis::pools::{self, Pooled};
use crate::analysis::{decls, scope};
use crate::finding::{Confidence, Edit, Evidence};
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::gomod::GoVersion;
use crate::imports::{line_end, line_start};
use crate::outcome::{FixPlan, Grounds, Outcome};

/// The entry point, on a match of `$POOL.Put($OBJ)`: silent unless the
/// object came from a pool's `Get` in this function (or the one around a closure),
/// its type has something to reset, and no reset happens between the `Get` and this
/// `Put` on the way there; then the fix for its type.
pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    let Some(put) = pools::relocate(file, m.get_node()) else {
        return Outcome::Silent;
    };
    match analyse(file, &put) {
        Some(finding) => finding,
        None => Outcome::Silent,
    }
}

fn analyse<'r>(file: &'r GoFile, put: &GoNode<'r>) -> Option<Outcome> {
    let receiver = pools::method_call(put, "Put", 1)?;
    let pool = pools::resolve_pool(file, &receiver)?;
    let arg = put
        .field("arguments")?
        .named_children()
        .find(|c| c.kind() != "comment")?;
    let arg = pools::unparen(&arg);
    if arg.kind() != "identifier" {
        return None;
    }
    let name = arg.text().to_string();
    let Some(binding) = pools::get_binding(put, &name) else {
        return helper_put(file, put, &receiver, &name);
    };
    // A partial batch put back to be extended by the next Get keeps its contents
    // on purpose (pool-as-state, GM007's finding): a reset would break it.
    if pools::put_back_unfilled(put, &name) {
        return None;
    }
    let kind = pools::pooled_type(file, &binding, &pool);
    if matches!(kind, Pooled::NoReset | Pooled::Unknown) {
        return None;
    }
    let after_get = binding.stmt.range().end;
    let names = pools::aliases(&binding.func, &name, after_get);
    let deferred = is_deferred_put(put);
    // `defer p.Put(b)` of a slice puts the slice header as it is at the defer: what is
    // appended later does not go back. A pointer, or a closure reading `b` when it
    // runs, puts the object as it is when the function returns.
    let at_exit = (deferred && kind != Pooled::Slice) || pools::in_deferred_closure(put);
    // The paths to check: to this Put, or to each way out of the function.
    let ends: Vec<Option<GoNode>> = if at_exit {
        let mut ends: Vec<Option<GoNode>> = decls::own_nodes(&binding.func)
            .into_iter()
            .filter(|n| n.kind() == "return_statement" && n.range().start >= after_get)
            .map(Some)
            .collect();
        ends.push(None);
        ends
    } else {
        vec![Some(put.clone())]
    };
    let leak = ends.iter().find_map(|end| {
        leaks_on_path(file, &binding.func, after_get, end.as_ref(), &names, &kind)
            .map(|fill| (end.clone(), fill))
    })?;
    let (end, fill) = leak;
    let mut grounds = Grounds::default().with(file.evidence(
        binding.stmt.range().start,
        format!("`{name}` taken from the pool here"),
    ));
    grounds.push(file.evidence(fill.at, fill.what.clone()));
    match &end {
        Some(e) if e.kind() == "return_statement" => grounds.push(file.evidence(
            e.range().start,
            "this return runs the deferred Put with no reset on the way",
        )),
        _ => grounds.push(file.evidence(
            put.range().start,
            format!("`{name}` goes back with what was written into it"),
        )),
    }
    let confidence = if fill.direct {
        Confidence::High
    } else if let Some(other) = reset_at_another_put(file, put, &receiver) {
        // Handed to code that may write it, and the code's own rule is that
        // this pool's objects go back empty: this path forgot it.
        grounds.push(file.evidence(
            other,
            "another Put of this pool resets its object first: they are meant to go back empty",
        ));
        Confidence::High
    } else {
        Confidence::Medium
    };
    Some(fix_for(file, put, &name, &kind, deferred).graded(grounds.at(confidence)))
}

/// Where another `Put` of the same pool (the same receiver text) comes right
/// after a statement that resets the object it puts.
fn reset_at_another_put(file: &GoFile, put: &GoNode, receiver: &GoNode) -> Option<usize> {
    let pool = receiver.text();
    pools::method_calls(file, "Put", 1)
        .into_iter()
        .filter(|c| c.range() != put.range())
        .find(|c| {
            let same_pool = pools::method_call(c, "Put", 1).is_some_and(|r| r.text() == pool);
            let Some(arg) = c
                .field("arguments")
                .and_then(|a| a.named_children().find(|x| x.kind() != "comment"))
                .map(|a| pools::unparen(&a))
                .filter(|a| a.kind() == "identifier")
            else {
                return false;
            };
            let names = [arg.text().to_string()];
            let before = scope::as_statement(c).and_then(|stmt| {
                let mut prev = stmt.prev();
                while prev.as_ref().is_some_and(|p| p.kind() == "comment") {
                    prev = prev.and_then(|p| p.prev());
                }
                prev
            });
            same_pool && before.is_some_and(|b| b.dfs().any(|n| pools::resets(file, &n, &names)))
        })
        .map(|c| c.range().start)
}

/// What filled the pooled object on the way to the Put: where, in words, and
/// whether it is a write the code makes itself (`append`, a `Write`/`Encode`-like
/// method, a field written, `fmt.Fprintf(b, ...)`: the caller's data, high) or
/// the object handed to code that may write it (medium).
struct Fill {
    at: usize,
    what: String,
    direct: bool,
}

/// Method names that put data into their receiver.
const WRITE_METHODS: &[&str] = &[
    "Write",
    "WriteString",
    "WriteByte",
    "WriteRune",
    "WriteTo",
    "Append",
    "AppendString",
    "Encode",
    "Set",
    "Store",
    "Put",
    "Add",
    "Push",
    "Insert",
    "ReadFrom",
    "Printf",
    "Print",
    "Println",
];

/// Standard functions whose first argument they write into. Not `io.ReadFull`,
/// `io.ReadAtLeast` or `fmt.Fscan`: their first argument is the reader they
/// consume, and reading from a pooled reader puts no caller's data in it.
const WRITING_FUNCS: &[(&str, &[&str])] = &[
    ("fmt", &["Fprint", "Fprintf", "Fprintln"]),
    ("io", &["Copy", "CopyN", "CopyBuffer", "WriteString"]),
    ("encoding/binary", &["Write"]),
    (
        "encoding/json",
        &["NewEncoder", "Indent", "Compact", "HTMLEscape"],
    ),
    ("encoding/xml", &["NewEncoder"]),
    ("encoding/gob", &["NewEncoder"]),
    ("encoding/csv", &["NewWriter"]),
];

/// Describes the fill at `n` (a use of the pooled object found by
/// [`pools::may_fill`] or a grown slice stored back).
fn describe_fill(file: &GoFile, n: &GoNode, name: &str, slice: bool) -> Fill {
    let at = n.range().start;
    let line_of = |x: &GoNode| {
        let t = x.text().to_string();
        let t = t.lines().next().unwrap_or_default().trim().to_string();
        if t.len() > 60 {
            format!("{}...", &t[..t.floor_char_boundary(57)])
        } else {
            t
        }
    };
    if slice {
        return Fill {
            at,
            what: format!(
                "`{name}` grows here with this caller's data: `{}`",
                line_of(n)
            ),
            direct: true,
        };
    }
    let Some(parent) = n.parent() else {
        return Fill {
            at,
            what: format!("`{name}` may be written here"),
            direct: false,
        };
    };
    if parent.kind() == "selector_expression" {
        let field = parent
            .field("field")
            .map(|f| f.text().to_string())
            .unwrap_or_default();
        let call = parent.parent().filter(|c| c.kind() == "call_expression");
        return match call {
            Some(c) => {
                // `add`, `writeHeader`: unexported writers say so too.
                let lower = field.to_ascii_lowercase();
                let direct = WRITE_METHODS
                    .iter()
                    .any(|m| m.to_ascii_lowercase() == lower)
                    || ["write", "append", "encode"]
                        .iter()
                        .any(|p| lower.starts_with(p));
                Fill {
                    at,
                    what: if direct {
                        format!("`{name}` is written here: `{}`", line_of(&c))
                    } else {
                        format!("`{name}.{field}` may write into it: `{}`", line_of(&c))
                    },
                    direct,
                }
            }
            None => Fill {
                at,
                what: format!(
                    "a field of `{name}` is filled here: `{}`",
                    line_of(&parent.parent().unwrap_or(parent.clone()))
                ),
                direct: true,
            },
        };
    }
    if parent.kind() == "argument_list" {
        if let Some(call) = parent.parent() {
            let first = parent
                .named_children()
                .find(|c| c.kind() != "comment")
                .is_some_and(|f| f.range() == n.range());
            let writes = call.field("function").is_some_and(|f| {
                f.kind() == "selector_expression"
                    && f.field("operand").is_some_and(|o| {
                        o.kind() == "identifier"
                            && WRITING_FUNCS.iter().any(|(path, names)| {
                                f.field("field")
                                    .is_some_and(|x| names.contains(&x.text().as_ref()))
                                    && scope::names_import(file, &f, &o.text(), path)
                            })
                    })
            });
            return Fill {
                at,
                what: if writes && first {
                    format!("`{name}` is written here: `{}`", line_of(&call))
                } else {
                    format!(
                        "`{name}` is handed to code that may write it: `{}`",
                        line_of(&call)
                    )
                },
                direct: writes && first,
            };
        }
    }
    Fill {
        at,
        what: format!("`{name}` may be written here: `{}`", line_of(&parent)),
        direct: false,
    }
}

/// True when, on the way from the Get (ending at `after_get`) to `end` (a Put or a
/// `return`; None for the end of the function), the object is filled and not reset
/// afterwards: no reset before its first fill (a reset right after Get) nor after
/// its last. A slice fills by growing (`append`, `b = f(b)`); a buffer by any write
/// ([`pools::may_fill`]): one used only as raw capacity, or only read, never fills.
fn leaks_on_path(
    file: &GoFile,
    func: &GoNode,
    after_get: usize,
    end: Option<&GoNode>,
    names: &[String],
    kind: &Pooled,
) -> Option<Fill> {
    let until = end.map_or(usize::MAX, |e| e.range().start);
    let mut first_fill: Option<usize> = None;
    let mut last_fill: Option<usize> = None;
    let mut resets: Vec<usize> = vec![];
    let mut reset_until = 0;
    let mut best: Option<Fill> = None;
    for n in func.dfs() {
        let at = n.range().start;
        if at < after_get {
            continue;
        }
        if at >= until {
            break;
        }
        if end.is_some_and(|e| pools::on_other_branch(&n, e, func)) {
            continue;
        }
        if at >= reset_until && pools::resets(file, &n, names) {
            resets.push(at);
            // What the reset call is handed is not a fill.
            reset_until = n.range().end;
            continue;
        }
        if at < reset_until {
            continue;
        }
        let fills = match kind {
            Pooled::Slice | Pooled::SlicePtr => stores_grown(&n, names, kind),
            Pooled::SliceFields { slices, .. } => grows_field(&n, names, slices).is_some(),
            _ => {
                n.kind() == "identifier"
                    && names.contains(&n.text().to_string())
                    && pools::may_fill(&n)
            }
        };
        if fills {
            first_fill.get_or_insert(at);
            last_fill = Some(at);
            let fill = describe_fill(
                file,
                &n,
                names.first().map_or("", String::as_str),
                matches!(
                    kind,
                    Pooled::Slice | Pooled::SlicePtr | Pooled::SliceFields { .. }
                ),
            );
            // The strongest evidence: a direct write over code that may write.
            if best
                .as_ref()
                .is_none_or(|b: &Fill| !b.direct && fill.direct)
            {
                best = Some(fill);
            }
        }
    }
    let (Some(first), Some(last)) = (first_fill, last_fill) else {
        return None;
    };
    if resets.iter().any(|&r| r < first || r > last) {
        return None;
    }
    best
}

/// True when `n` gives the pooled slice itself a longer length: for a slice, the
/// Put variable (`names[0]`) assigned from itself (`b = append(b, x)`, `b =
/// enc.Series(s, b)`); for a pointer to a slice, `*bp` assigned from the object (`*bp
/// = append(*bp, x)`, `*bp = grown` for a copy `grown := *bp`). A copy grown and
/// never stored back leaves the pooled slice as it was.
fn stores_grown(n: &GoNode, names: &[String], kind: &Pooled) -> bool {
    if n.kind() != "assignment_statement" || n.field("operator").is_none_or(|o| o.text() != "=") {
        return false;
    }
    let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
        return false;
    };
    let Some(name) = names.first() else {
        return false;
    };
    let lefts = exprs::items(&left);
    let rights = exprs::items(&right);
    lefts.iter().enumerate().any(|(i, l)| {
        let l = pools::unparen(l);
        let target = match kind {
            Pooled::Slice => l.kind() == "identifier" && l.text() == name.as_str(),
            _ => {
                l.kind() == "unary_expression"
                    && l.text().starts_with('*')
                    && l.field("operand")
                        .map(|o| pools::unparen(&o))
                        .is_some_and(|o| o.kind() == "identifier" && o.text() == name.as_str())
            }
        };
        // `b, extra = f(b)`: one call fills the list.
        let value = if rights.len() == lefts.len() {
            rights.get(i)
        } else {
            rights.first()
        };
        target
            && value.is_some_and(|v| {
                pools::is_append_to(&pools::unparen(v), names)
                    || pools::regrown_by_call(n, names)
                    || (pools::unparen(v).kind() == "identifier"
                        && names.contains(&v.text().to_string())
                        && v.text() != name.as_str()
                        && copy_grown(n, &v.text()))
            })
    })
}

/// True when the copy `copy` (`b := *bp`) is itself grown somewhere in the
/// function around `store` (`b = append(b, x)`, `b = f(b)`), so that storing it
/// back (`*bp = b`) puts longer contents in the pool. A copy only handed to a
/// reader or wrapped (`bytes.NewBuffer(b)`) keeps its length: storing it back
/// returns the slice as it came. The whole outer function is searched because a
/// deferred closure stores back what the body grows later.
fn copy_grown(store: &GoNode, copy: &str) -> bool {
    let Some(outer) = store.ancestors().filter(scope::is_function).last() else {
        return true;
    };
    let copy = [copy.to_string()];
    let grown = outer
        .dfs()
        .any(|m| m.range() != store.range() && stores_grown(&m, &copy, &Pooled::Slice));
    grown
}

/// The field `n` grows when it appends to a slice field of the pooled struct
/// (`e.buf = append(e.buf, x...)`, `e.keys = strconv.AppendInt(e.keys, ...)`).
fn grows_field(n: &GoNode, names: &[String], fields: &[String]) -> Option<String> {
    if n.kind() != "assignment_statement" || n.field("operator").is_none_or(|o| o.text() != "=") {
        return None;
    }
    let left = n
        .field("left")?
        .named_children()
        .find(|c| c.kind() != "comment")?;
    let left = pools::unparen(&left);
    let right = n
        .field("right")?
        .named_children()
        .find(|c| c.kind() != "comment")?;
    if left.kind() != "selector_expression" {
        return None;
    }
    let operand = pools::unparen(&left.field("operand")?);
    let field = left.field("field")?.text().to_string();
    (operand.kind() == "identifier"
        && names.contains(&operand.text().to_string())
        && fields.contains(&field)
        && pools::is_append_to(&pools::unparen(&right), names))
    .then_some(field)
}

/// True when `func` stores an entry in map field `field` of `name`
/// (`st.seen[k] = v`, `st.counts[k]++`, `st.counts[k] += n`).
fn writes_map_field(func: &GoNode, name: &str, field: &str) -> bool {
    func.dfs().any(|n| {
        let target = match n.kind().as_ref() {
            "assignment_statement" => n
                .field("left")
                .and_then(|l| l.named_children().find(|c| c.kind() != "comment")),
            "inc_statement" | "dec_statement" => n.named_children().next(),
            _ => None,
        };
        target.is_some_and(|t| {
            let t = pools::unparen(&t);
            t.kind() == "index_expression"
                && t.field("operand")
                    .is_some_and(|o| is_field_of(&pools::unparen(&o), name, field))
        })
    })
}

/// True when `func` already calls `clear(name.field)`.
fn clears_map_field(func: &GoNode, name: &str, field: &str) -> bool {
    func.dfs().any(|n| {
        n.kind() == "call_expression"
            && n.field("function").is_some_and(|f| f.text() == "clear")
            && n.field("arguments").is_some_and(|a| {
                a.named_children()
                    .any(|x| is_field_of(&pools::unparen(&x), name, field))
            })
    })
}

/// `name.field`.
fn is_field_of(n: &GoNode, name: &str, field: &str) -> bool {
    n.kind() == "selector_expression"
        && n.field("field").is_some_and(|f| f.text() == field)
        && n.field("operand")
            .is_some_and(|o| o.kind() == "identifier" && o.text() == name)
}

/// `defer p.Put(b)` (the call is the deferred one itself).
fn is_deferred_put(put: &GoNode) -> bool {
    put.parent().is_some_and(|p| p.kind() == "defer_statement")
}

fn indent_of(text: &str, at: usize) -> Option<&str> {
    let start = line_start(text, at);
    let indent = &text[start..at];
    indent
        .chars()
        .all(|c| c == ' ' || c == '\t')
        .then_some(indent)
}

fn fix_for(file: &GoFile, put: &GoNode, name: &str, kind: &Pooled, deferred: bool) -> Outcome {
    let text = file.text();
    let put_text = put.text().to_string();
    let report = |why: &str| Outcome::report_only(Some(format!("no automatic fix: {why}")));
    let reset_stmt = match kind {
        Pooled::ResetMethod => format!("{name}.Reset()"),
        Pooled::SlicePtr => format!("*{name} = (*{name})[:0]"),
        // Each field the function grows, in declaration order, one per line.
        Pooled::SliceFields { slices, maps } => {
            let Some(func) = scope::enclosing_function(put) else {
                return report("the fields that grew could not be told");
            };
            let names = [name.to_string()];
            let grown = slices.iter().filter(|f| {
                func.dfs()
                    .any(|n| grows_field(&n, &names, slices).as_ref() == Some(*f))
            });
            // Each field the function grows, in declaration order, one per line.
            let mut resets: Vec<String> = grown
                .map(|f| format!("{name}.{f} = {name}.{f}[:0]"))
                .collect();
            if resets.is_empty() {
                return report("the fields that grew could not be told");
            }
            // Truncating the slices alone would hand the next caller this one's map entries.
            let written: Vec<&String> = maps
                .iter()
                .filter(|m| writes_map_field(&func, name, m) && !clears_map_field(&func, name, m))
                .collect();
            if let Some(m) = written.first() {
                let modern = file
                    .module
                    .as_ref()
                    .and_then(|m| m.go_version)
                    .is_some_and(|v| v >= GoVersion::new(1, 21));
                if !modern {
                    return report(&format!(
                        "`{name}.{m}` keeps this caller's entries too, and emptying it in place needs Go 1.21's clear"
                    ));
                }
            }
            resets.extend(written.iter().map(|m| format!("clear({name}.{m})")));
            resets.join("\n")
        }
        Pooled::Slice => {
            // `p.Put(b)` → `p.Put(b[:0])`, deferred or not: the argument is evaluated
            // at the same moment either way.
            let Some(arg) = put
                .field("arguments")
                .and_then(|a| a.named_children().find(|c| c.kind() != "comment"))
            else {
                return report("the argument could not be read");
            };
            let r = arg.range();
            return Outcome::fix(FixPlan {
                edits: vec![Edit::new(r.start, r.end, format!("{name}[:0]"))],
                description: Some(format!("Put `{name}[:0]` so the next Get starts empty")),
                ..FixPlan::default()
            });
        }
        Pooled::ResetWithArgs => {
            return report(&format!(
                "its Reset takes arguments; call `{name}.Reset(...)` after Get or before Put"
            ))
        }
        Pooled::NoReset | Pooled::Unknown => return report("the type has no reset"),
    };
    if deferred {
        let Some(stmt) = put.parent() else {
            return report("the defer could not be read");
        };
        let r = stmt.range();
        let Some(indent) = indent_of(text, r.start) else {
            return report("the defer shares its line with other code");
        };
        // The closure reads the variable when it runs, not when deferred: only the same
        // object if the variable is not assigned again after the defer.
        if reassigned_after(&stmt, name) {
            return report(&format!(
                "`{name}` is assigned again after the defer, so a closure would put another object"
            ));
        }
        // A trailing comment stays on the defer's first line.
        let rest = text[r.end..line_end(text, r.end)].trim_end_matches(['\n', '\r']);
        let (end, comment) = match rest.trim_start() {
            c if c.starts_with("//") => (r.end + rest.len(), format!(" {}", c.trim_end())),
            _ => (r.end, String::new()),
        };
        let resets = reset_stmt.replace('\n', &format!("\n{indent}\t"));
        let replacement = format!(
            "defer func() {{{comment}\n{indent}\t{resets}\n{indent}\t{put_text}\n{indent}}}()"
        );
        return Outcome::fix(FixPlan {
            edits: vec![Edit::new(r.start, end, replacement)],
            description: Some(format!(
                "Defer a closure that calls `{reset_stmt}` before `{put_text}`"
            )),
            ..FixPlan::default()
        });
    }
    let Some(stmt) = scope::as_statement(put) else {
        return report("the Put is not a statement of its own");
    };
    if stmt.kind() != "expression_statement" {
        return report("the Put is not a statement of its own");
    }
    // `*bp = b` storing a grown copy back right before the Put: store it emptied.
    if *kind == Pooled::SlicePtr {
        if let Some(copy) = stored_back_before(&stmt, name) {
            let r = copy.range();
            let value = copy.text().to_string();
            return Outcome::fix(FixPlan {
                edits: vec![Edit::new(r.start, r.end, format!("{value}[:0]"))],
                description: Some(format!(
                    "Store `{value}[:0]` back so the next Get starts empty"
                )),
                ..FixPlan::default()
            });
        }
    }
    let at = stmt.range().start;
    let Some(indent) = indent_of(text, at) else {
        return report("the Put shares its line with other code");
    };
    let resets = reset_stmt.replace('\n', &format!("\n{indent}"));
    Outcome::fix(FixPlan {
        edits: vec![Edit::new(at, at, format!("{resets}\n{indent}"))],
        description: Some(format!(
            "Call `{}` before `{put_text}`",
            reset_stmt.replace('\n', "; ")
        )),
        ..FixPlan::default()
    })
}

/// True when `name` is assigned (not declared anew in a closure) after `stmt` in its function.
fn reassigned_after(stmt: &GoNode, name: &str) -> bool {
    let Some(func) = scope::enclosing_function(stmt) else {
        return true;
    };
    let after = stmt.range().end;
    let reassigned = func
        .dfs()
        .filter(|n| n.range().start >= after && n.kind() == "assignment_statement")
        .any(|n| {
            n.field("left").is_some_and(|l| {
                l.named_children()
                    .any(|x| x.kind() == "identifier" && x.text() == name)
            })
        });
    reassigned
}

/// `func putBuf(b *bytes.Buffer) { pool.Put(b) }`: a `Put` of a parameter in a
/// function with no `Get`. A finding only when the package (this file and its
/// other non-test files) shows the other half too: no `Get` of the same pool
/// resets what it takes (directly, or in a caller of the function returning
/// it), and at least one such use is seen.
fn helper_put<'r>(
    file: &'r GoFile,
    put: &GoNode<'r>,
    receiver: &GoNode<'r>,
    name: &str,
) -> Option<Outcome> {
    let func = scope::enclosing_function(put)?;
    let param = func.field("parameters")?.named_children().find(|p| {
        p.kind() == "parameter_declaration" && p.field_children("name").any(|n| n.text() == name)
    })?;
    let kind = pools::classify(file, &pools::type_ref(file, &param.field("type")?));
    // Slices are left alone here: whether they are grown or read into is not visible.
    if !matches!(kind, Pooled::ResetMethod | Pooled::ResetWithArgs) {
        return None;
    }
    let names = vec![name.to_string()];
    let put_at = put.range().start;
    let deferred = is_deferred_put(put);
    let reset_here = func.dfs().any(|n| {
        (deferred || pools::in_deferred_closure(put) || n.range().start < put_at)
            && pools::resets(file, &n, &names)
    });
    if reset_here {
        return None;
    }
    let recv_text = receiver.text().to_string();
    // This file and the other non-test files of its package: the getter, the
    // helper and their users are often in different files (all of them: a
    // getter's callers need not name the pool).
    let siblings = scope::package_siblings(file, "");
    let others: Vec<GoFile> = siblings
        .iter()
        .map(|(path, text)| GoFile::parse_in(&file.files, path, text, file.module.clone()))
        .filter(|gf| gf.package_name == file.package_name)
        .collect();
    let package: Vec<&GoFile> = std::iter::once(file).chain(others.iter()).collect();
    let mut unreset: Vec<(Evidence, bool)> = vec![];
    let mut getters = vec![];
    for gf in &package {
        for call in pools::method_calls(gf, "Get", 0) {
            if pools::get_receiver(&call).is_none_or(|r| r.text() != recv_text) {
                continue;
            }
            match use_of(gf, &call)? {
                Taken::Reset => return None,
                Taken::Kept(e, direct) => unreset.push((e, direct)),
                Taken::Raw => {}
                Taken::Returned(getter) => getters.push(getter),
            }
        }
    }
    // Every caller of a getter in the package must leave the object unreset.
    for getter in &getters {
        for gf in &package {
            for c in gf
                .root
                .root()
                .dfs()
                .filter(|c| called_name(c).as_deref() == Some(getter))
            {
                match use_of(gf, &c)? {
                    Taken::Kept(e, direct) => unreset.push((e, direct)),
                    Taken::Raw => {}
                    _ => return None,
                }
            }
        }
    }
    if unreset.is_empty() {
        return None;
    }
    // A user that writes its own data into the object, then (by the file's
    // account: no Get resets) hands it to this helper: high. Only code that may
    // write it: medium.
    unreset.sort_by_key(|(_, direct)| !*direct);
    let direct = unreset[0].1;
    let mut grounds = Grounds::default();
    for (e, _) in unreset.iter().take(2) {
        grounds.push(e.clone());
    }
    grounds.push(file.evidence(
        put.range().start,
        format!("`{name}` goes back here, with no reset in this helper or at any Get of the pool"),
    ));
    let confidence = if direct {
        Confidence::High
    } else {
        Confidence::Medium
    };
    Some(fix_for(file, put, name, &kind, deferred).graded(grounds.at(confidence)))
}

/// What the code does with the object a call hands out.
enum Taken {
    /// Resets it after taking it.
    Reset,
    /// Fills it without a reset: where, and whether by a direct write.
    Kept(Evidence, bool),
    /// Only reads it or uses its capacity: nothing is left for the next user.
    Raw,
    /// Returns it unreset from the named function.
    Returned(String),
}

/// How the result of `call` (a `Get`, or a getter) is used; None when it cannot be told.
fn use_of(file: &GoFile, call: &GoNode) -> Option<Taken> {
    let list = pools::value_list_of(call)?;
    let holder = list.parent()?;
    let func = scope::enclosing_function(call)?;
    let getter = || {
        (func.kind() != "func_literal")
            .then(|| func.field("name").map(|n| n.text().to_string()))
            .flatten()
    };
    match holder.kind().as_ref() {
        "return_statement" => getter().map(Taken::Returned),
        "short_var_declaration" | "assignment_statement" => {
            let x = holder.field("left")?.named_children().next()?;
            if x.kind() != "identifier" {
                return None;
            }
            let from = holder.range().end;
            let names = pools::aliases(&func, &x.text(), from);
            let mut returned = false;
            let mut filled: Option<Fill> = None;
            for n in func.dfs().filter(|n| n.range().start >= from) {
                if pools::resets(file, &n, &names) {
                    return Some(Taken::Reset);
                }
                returned |= n.kind() == "return_statement"
                    && n.dfs()
                        .any(|i| i.kind() == "identifier" && names.contains(&i.text().to_string()));
                if n.kind() == "identifier"
                    && names.contains(&n.text().to_string())
                    && pools::may_fill(&n)
                {
                    let fill = describe_fill(file, &n, &x.text(), false);
                    if filled.as_ref().is_none_or(|b| !b.direct && fill.direct) {
                        filled = Some(fill);
                    }
                }
            }
            if returned {
                getter().map(Taken::Returned)
            } else if let Some(fill) = filled {
                let line = crate::finding::Position::of_offset(file.text(), fill.at).line;
                Some(Taken::Kept(
                    Evidence {
                        path: file.path.to_path_buf(),
                        line,
                        what: format!("{}, and no reset follows", fill.what),
                    },
                    fill.direct,
                ))
            } else {
                Some(Taken::Raw)
            }
        }
        _ => None,
    }
}

/// The copy `b` in `*bp = b` when that is the statement right before `stmt`.
fn stored_back_before<'r>(stmt: &GoNode<'r>, name: &str) -> Option<GoNode<'r>> {
    let mut prev = stmt.prev()?;
    while prev.kind() == "comment" {
        prev = prev.prev()?;
    }
    if prev.kind() != "assignment_statement" || prev.field("operator")?.text() != "=" {
        return None;
    }
    let lefts: Vec<GoNode> = prev.field("left")?.named_children().collect();
    let rights: Vec<GoNode> = prev.field("right")?.named_children().collect();
    let ([left], [right]) = (lefts.as_slice(), rights.as_slice()) else {
        return None;
    };
    let right = right.clone();
    let left = pools::unparen(&left);
    let deref_of_name = left.kind() == "unary_expression"
        && left.text().starts_with('*')
        && left
            .field("operand")
            .map(|o| pools::unparen(&o))
            .is_some_and(|o| o.kind() == "identifier" && o.text() == name);
    (deref_of_name && right.kind() == "identifier").then_some(right)
}
