//! GM001: a short sub-slice that outlives its large base keeps the whole backing
//! array alive. A finding needs all of:
//!
//! - the sub-slice is evidently short: its end is not measured from the base's
//!   length, no `if` around it says it fills most of the base, and for a base
//!   whose size is the size of its input (`os.ReadFile`, `io.ReadAll`) its width
//!   is bounded under 16 KiB by the code (a constant, a clamp, a length byte:
//!   [`bounds::upper_bound`]) or is the position of a search in the base
//!   (`bytes.IndexByte`); a 16-bit declared length or one record of a loop
//!   walking the base is weaker evidence, graded one step lower; any other
//!   width read from elsewhere may be the whole input;
//! - it escapes to a long-lived place: returned (not from a closure the function
//!   only calls), sent on a channel, stored in a field, map element or global,
//!   appended to a long-lived slice, or put in a composite literal that goes to
//!   one of those; a local that only lives until the function returns is not one;
//! - the base is dropped: set to nil after the sub-slice is taken, or a large local
//!   (a `make` of 16 KiB or more, or a whole file or stream) never used again.
//!
//! Silent on strings and arrays, bases known to be small (< 4 KiB, or read through
//! a small constant limit, or checked against one), re-slicing a variable into
//! itself (`b = b[:n]`), `[:0]` (kept for reuse), and buffers sized by capacity.

use crate::analysis::exprs::{self, called_name, indentation, is_stable, root_node, same_expr};
use crate::analysis::types::{self, declared_where, Origin, Resolver};
use crate::analysis::{bounds, constants, escape, scope, std_deps};
use crate::finding::{Applicability, Confidence, Edit};
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::gomod::GoVersion;
use crate::imports::{choose_name, line_end, line_start, ImportRequest};
use crate::outcome::{FixPlan, Grounds, Outcome};

/// A base of at least this many bytes is large enough to be worth copying out of
/// even when nothing says it is dropped.
const LARGE_BYTES: u64 = 16 * 1024;
/// A base known to be smaller than this is never worth a finding.
const SMALL_BYTES: u64 = 4 * 1024;
/// How many hops through locals an escape is followed (`a := s; b = append(b, a)`).
const MAX_HOPS: usize = 3;

/// Calls that read a whole file or stream into one new slice.
const WHOLE_READS: &[(&str, &str)] = &[
    ("os", "ReadFile"),
    ("io", "ReadAll"),
    ("io/ioutil", "ReadAll"),
    ("io/ioutil", "ReadFile"),
];

/// Readers that cap what a whole read can return at their last argument.
const LIMITERS: &[(&str, &str)] = &[("io", "LimitReader"), ("net/http", "MaxBytesReader")];

/// Searches whose result is a position inside their first argument.
const SEARCHES: &[&str] = &[
    "Index",
    "IndexByte",
    "IndexRune",
    "IndexAny",
    "IndexFunc",
    "LastIndex",
    "LastIndexByte",
    "LastIndexAny",
    "LastIndexFunc",
];

/// Where the sub-slice goes.
enum Holder<'r> {
    /// `target := s` or `target = s`, alone in its statement.
    Assigned {
        stmt: GoNode<'r>,
        target: GoNode<'r>,
        declares: bool,
    },
    /// `return ..., s, ...` or `ch <- s`.
    Escapes { stmt: GoNode<'r>, how: String },
    /// `x = append(x, ..., s, ...)`: goes where `x` goes.
    Appended {
        stmt: GoNode<'r>,
        target: GoNode<'r>,
    },
}

impl<'r> Holder<'r> {
    fn stmt(&self) -> &GoNode<'r> {
        match self {
            Holder::Assigned { stmt, .. }
            | Holder::Escapes { stmt, .. }
            | Holder::Appended { stmt, .. } => stmt,
        }
    }
}

/// What the base's declaration says about its size.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Size {
    Bytes(u64),
    /// As large as its input, unbounded: a whole file or stream, or a `make`
    /// sized by a file's size or a length read from the input. What it is.
    Input(String),
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
    // A sub-slice inside a composite literal goes where the literal goes.
    let outer = literal_around(s);
    let wrapped = outer.range() != s.range();
    let Some(holder) = holder_of(&outer) else {
        return Outcome::Silent;
    };
    if let Holder::Assigned { target, .. } = &holder {
        if (!wrapped && same_expr(target, &base)) || target.text() == "_" {
            return Outcome::Silent;
        }
    }
    let Some(function) = scope::enclosing_function(s) else {
        return Outcome::Silent;
    };
    // The cheap questions first: is the base dropped or large at all?
    let stmt = holder.stmt().clone();
    let mut size = base_size(file, &base, &stmt, false);
    let drop = nil_drop(&base, &stmt);
    // A base that is (cut from) a parameter: what the callers pass decides,
    // asked only of a view that leaves the function (the module's callers
    // are searched).
    if matches!(size, Size::Unknown) && drop.is_none() && escapes(&holder, &function).is_some() {
        size = base_size(file, &base, &stmt, true);
    }
    let may_be_large =
        matches!(size, Size::Input(_)) || matches!(size, Size::Bytes(b) if b >= LARGE_BYTES);
    if matches!(size, Size::Bytes(b) if b < SMALL_BYTES) || (drop.is_none() && !may_be_large) {
        return Outcome::Silent;
    }
    if guarded_not_short(&base, s)
        || sizes_by_capacity(&base, &function)
        || checked_small(file, &base, s)
    {
        return Outcome::Silent;
    }
    let Some((how, leaves_at)) = escapes(&holder, &function) else {
        return Outcome::Silent;
    };
    let short = shortness(file, &base, s, &holder, &size, &function);
    let why = if let Some(drop) = &drop {
        let line = file.text()[..drop.range().start].matches('\n').count() + 1;
        format!(
            "`{}` is set to nil on line {line}, but the sub-slice, {how}, still holds its whole array",
            base.text()
        )
    } else if implicit_drop(&base, s, &stmt, &size, &short, &function, &leaves_at) {
        let size = match &size {
            Size::Bytes(b) => format!("{} KiB", b / 1024),
            Size::Input(what) if what.starts_with("holds a whole") => "a whole input".into(),
            _ => "as large as its input".into(),
        };
        format!(
            "`{}` ({size}) is not kept, but the sub-slice is {how} and keeps all of it",
            base.text()
        )
    } else {
        return Outcome::Silent;
    };
    // Only now the types: strings and arrays do not pin in this way, and a test
    // helper's buffers live as long as one test.
    let resolver = Resolver::new(file);
    if takes_test_reporter(&resolver, &function) {
        return Outcome::Silent;
    }
    let base_type = resolver.type_of(&base);
    if let Some(u) = base_type.as_deref().and_then(|t| resolver.underlying(t)) {
        if u == "string" || types::array_elem(&u).is_some() {
            return Outcome::Silent;
        }
    }
    let slice_type = resolver
        .type_of(s)
        .filter(|t| resolver.underlying(t).is_some_and(|u| u.starts_with("[]")));
    // A view of a whole input flagged on weak evidence that it is short stands
    // one step lower.
    let weak = match &short {
        Short::Weak(what) if drop.is_none() && matches!(size, Size::Input(_)) => Some(what.clone()),
        _ => None,
    };
    let (confidence, grounds, place) = grade(
        file,
        &base,
        s,
        &holder,
        &function,
        size,
        drop.as_ref(),
        weak,
    );
    // Every caller lets the returned view go: it pins the base no longer
    // than the base itself would have lived.
    if place == Place::Dropped {
        return Outcome::Silent;
    }
    let statement_holder = if wrapped { None } else { Some(&holder) };
    // A copy where nothing shows the view outlives its base for long only adds an
    // allocation per call: not offered.
    let outcome = if confidence == Confidence::Low {
        Outcome::report_only(Some(
            "no automatic fix: nothing shows the sub-slice is kept for long, and a copy would add an allocation per call".into(),
        ))
    } else {
        let outcome = fix(file, s, statement_holder, slice_type.as_deref());
        let outcome = if matches!(short, Short::Strong) || width_read_into(&base, s) {
            outcome
        } else {
            copy_may_cost_as_much(outcome)
        };
        if place == Place::Unseen {
            unseen_keeper(outcome)
        } else {
            outcome
        }
    };
    match outcome {
        Outcome::Report { message, fix, .. } => Outcome::Report {
            grounds,
            message: Some(match message {
                Some(extra) => format!("{why}; {extra}"),
                None => why,
            }),
            fix,
        },
        other => other.graded(grounds),
    }
}

/// The view's width is the count a read into the base returned (`n, err :=
/// conn.Read(buf)` ... `buf[:n]`: a datagram, a line): known to be small, like a
/// [`Short::Strong`] width.
fn width_read_into(base: &GoNode, s: &GoNode) -> bool {
    let Some(hi) = s.field("end").filter(|h| h.kind() == "identifier") else {
        return false;
    };
    if s.field("start").is_some_and(|lo| lo.text() != "0") {
        return false;
    }
    let name = hi.text().to_string();
    let Some(Origin::Local { decl, .. }) = declared_where(&hi, &name) else {
        return false;
    };
    escape::initial_value(&decl, &name).is_some_and(|v| {
        v.kind() == "call_expression"
            && called_name(&v).is_some_and(|c| c.starts_with("Read"))
            && v.field("arguments")
                .and_then(|a| a.named_children().find(|c| c.kind() != "comment"))
                .is_some_and(|first| same_expr(&first, base))
    })
}

/// A copy of a view whose width nothing bounds may cost as much as the array
/// it frees, on every pass (a window handed off whole when it is full): the
/// edit stays, but only `--unsafe-fixes` applies it, and it says why.
fn copy_may_cost_as_much(outcome: Outcome) -> Outcome {
    made_unsafe(
        outcome,
        "unsafe fix: nothing bounds the view's width, so the copy may be as large \
         as the array it frees; copy only when the view is much shorter than its array",
        false,
    )
}

/// A view returned to callers none of which is seen keeping it: the copy keeps
/// the meaning, but whether it frees anything (or only adds an allocation per
/// call) depends on callers the rule does not see keep the view. The edit
/// stays, applied only with `--unsafe-fixes`, and says why (unless an earlier
/// reason made it unsafe already).
fn unseen_keeper(outcome: Outcome) -> Outcome {
    made_unsafe(
        outcome,
        "unsafe fix: no caller is seen keeping the returned view, so the copy \
         may only add an allocation per call; copy where a caller keeps it",
        true,
    )
}

/// The outcome with its edit applied only by `--unsafe-fixes`, `note` said
/// in its message (not when `once` and the edit was unsafe already).
fn made_unsafe(outcome: Outcome, note: &str, once: bool) -> Outcome {
    match outcome {
        Outcome::Report {
            message,
            fix: Some(mut plan),
            grounds,
        } => {
            let already = once && plan.applicability == Some(Applicability::Unsafe);
            plan.applicability = Some(Applicability::Unsafe);
            Outcome::Report {
                message: match message {
                    Some(m) if already => Some(m),
                    Some(m) => Some(format!("{m}; {note}")),
                    None => Some(note.to_string()),
                },
                fix: Some(plan),
                grounds,
            }
        }
        other => other,
    }
}

/// The confidence a finding earns and its evidence. High needs both halves: a
/// base shown to be large (a `make` of 16 KiB or more, a whole file or stream)
/// and a place shown to be long-lived (a field, map element or package
/// variable, a channel, or a caller in the module that stores the returned
/// view in one); a base the code sets to nil counts as shown large, since the
/// author means its array to go. One of them: medium (a returned view whose
/// callers are not seen, or a base of unknown size that is not dropped). A view returned from a closure
/// handed to other code (a callback whose caller may copy it at once): low.
/// A view of a whole input known short only weakly (`weak` says how) stands one
/// step lower.
#[allow(clippy::too_many_arguments)]
fn grade<'r>(
    file: &GoFile,
    base: &GoNode<'r>,
    s: &GoNode<'r>,
    holder: &Holder<'r>,
    function: &GoNode<'r>,
    size: Size,
    drop: Option<&GoNode>,
    weak: Option<String>,
) -> (Confidence, Grounds, Place) {
    let mut grounds = Grounds::default();
    let large = match size {
        Size::Input(what) => {
            grounds.push(file.evidence(
                base_decl_at(base).unwrap_or(s.range().start),
                format!("`{}` {what}", base.text()),
            ));
            true
        }
        Size::Bytes(b) if b >= LARGE_BYTES => {
            // `io.ReadAll(http.MaxBytesReader(w, r.Body, 32<<20))` is read, not made.
            let read = match declared_where(base, &base.text()) {
                Some(Origin::Local { decl, .. }) => escape::initial_value(&decl, &base.text())
                    .is_some_and(|v| is_call_to(file, &v, WHOLE_READS)),
                _ => false,
            };
            let how = if read {
                "is read whole, up to a limit of"
            } else {
                "is made with"
            };
            grounds.push(file.evidence(
                base_decl_at(base).unwrap_or(s.range().start),
                format!("`{}` {how} {} KiB", base.text(), b / 1024),
            ));
            true
        }
        _ => false,
    };
    if let Some(d) = drop {
        grounds.push(file.evidence(
            d.range().start,
            format!(
                "`{}` is dropped here; its array lives on in the view",
                base.text()
            ),
        ));
    }
    let stmt = holder.stmt();
    let place = match holder {
        Holder::Escapes { how, .. } if how != "returned" => {
            grounds.push(file.evidence(
                stmt.range().start,
                format!("the view is {how}, to live beyond this call"),
            ));
            Place::LongLived
        }
        Holder::Escapes { .. } => {
            returned_place(file, function, &mut grounds, stmt, s.range().start)
        }
        Holder::Assigned { target, .. } | Holder::Appended { target, .. } => {
            if long_lived_place(target, stmt, function, 0) {
                grounds.push(file.evidence(
                    stmt.range().start,
                    format!(
                        "the view is kept in `{}`, which outlives the call",
                        target.text()
                    ),
                ));
                Place::LongLived
            } else {
                // A local that leaves later: where it goes decides.
                let leaves = later_holder(target, stmt, function);
                match leaves {
                    Some(h) => match &h {
                        Holder::Escapes { how, stmt } if how == "returned" => {
                            let name = target.text();
                            let at = stmt
                                .dfs()
                                .find(|n| n.kind() == "identifier" && n.text() == name)
                                .map_or(stmt.range().start, |n| n.range().start);
                            returned_place(file, function, &mut grounds, stmt, at)
                        }
                        other => {
                            grounds.push(file.evidence(
                                other.stmt().range().start,
                                format!(
                                    "`{}`, holding the view, goes where it outlives the call",
                                    target.text()
                                ),
                            ));
                            Place::LongLived
                        }
                    },
                    None => Place::Unseen,
                }
            }
        }
    };
    // `base = nil` says the author means the array to go: with the view kept
    // somewhere long-lived, that is the harm shown, whatever the size (a size
    // under 4 KiB was left out above).
    let dropped = drop.is_some();
    let confidence = match (large, place) {
        (_, Place::Callback | Place::Dropped) => Confidence::Low,
        (true, Place::LongLived) => Confidence::High,
        (false, Place::LongLived) if dropped => Confidence::High,
        (true, Place::Unseen) | (false, Place::LongLived) => Confidence::Medium,
        (false, Place::Unseen) => Confidence::Low,
    };
    let confidence = match weak {
        Some(what) => {
            grounds.push(file.evidence(s.range().start, what));
            match confidence {
                Confidence::High => Confidence::Medium,
                _ => Confidence::Low,
            }
        }
        None => confidence,
    };
    (confidence, grounds.at(confidence), place)
}

/// How long the view is shown to live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A field, map element, package variable or channel, here or in a caller.
    LongLived,
    /// Returned to callers the rule does not see store it.
    Unseen,
    /// Returned from a closure handed to other code, which may copy it at once.
    Callback,
    /// Returned from a function whose every call is in view, each caller
    /// letting the view go before it returns: it outlives nothing.
    Dropped,
}

/// Where the declaration of the local `base` starts.
fn base_decl_at(base: &GoNode) -> Option<usize> {
    match declared_where(base, &base.text())? {
        Origin::Local { decl, .. } => Some(decl.range().start),
        _ => None,
    }
}

/// The first later use of the local `target` that takes it out of the function.
fn later_holder<'r>(
    target: &GoNode<'r>,
    stmt: &GoNode<'r>,
    function: &GoNode<'r>,
) -> Option<Holder<'r>> {
    let name = target.text();
    let Some(Origin::Local { decl, .. }) = declared_where(target, &name) else {
        return None;
    };
    function
        .dfs()
        .filter(|n| {
            n.kind() == "identifier"
                && n.text() == name
                && n.range().start >= stmt.range().end
                && same_local(n, &name, &decl)
                && value_leaves(n, function, 0)
        })
        .find_map(|n| holder_of(&literal_around(&n)))
}

/// A view returned from `function`: a closure handed to other code is a
/// callback; a declared function is followed to its callers in the module, and
/// one that stores the result in a long-lived place is the evidence.
fn returned_place(
    file: &GoFile,
    function: &GoNode,
    grounds: &mut Grounds,
    ret: &GoNode,
    value_at: usize,
) -> Place {
    if function.kind() == "func_literal" {
        let handed = function
            .parent()
            .is_some_and(|p| p.kind() == "argument_list");
        if handed {
            grounds.push(file.evidence(
                ret.range().start,
                "returned from a closure handed to other code, which may copy it at once",
            ));
            return Place::Callback;
        }
        grounds.push(file.evidence(
            ret.range().start,
            "returned from a closure; what its callers keep is not seen",
        ));
        return Place::Unseen;
    }
    // Which value of the return list the view is.
    let index = ret
        .named_children()
        .find(|c| c.kind() == "expression_list")
        .and_then(|l| {
            l.named_children()
                .position(|v| v.range().start <= value_at && value_at < v.range().end)
        })
        .unwrap_or(0);
    let mut found: Option<crate::finding::Evidence> = None;
    // Every call in view, and each caller lets the view go before it returns.
    let mut calls = 0usize;
    let mut all_drop = crate::analysis::callers::callers_all_in_view(file, function);
    let scanned = crate::analysis::callers::for_each_use(file, function, false, &mut |gf, uses| {
        for u in uses {
            let Some(call) = u.node.parent().filter(|c| {
                c.kind() == "call_expression"
                    && c.field("function")
                        .is_some_and(|f| f.range() == u.node.range())
            }) else {
                all_drop = false;
                continue;
            };
            let Some(caller) = scope::enclosing_function(&call) else {
                all_drop = false;
                continue;
            };
            calls += 1;
            all_drop &= u.resolved && dropped_by_caller(&call, &caller, index);
            if let Some(place) = stored_by_caller(&call, &caller, index) {
                found = Some(crate::finding::Evidence {
                    path: gf.path.to_path_buf(),
                    line: crate::finding::Position::of_offset(gf.text(), call.range().start).line,
                    what: format!("the caller keeps the returned view in {place}"),
                });
                return false;
            }
        }
        true
    });
    match found {
        Some(e) => {
            grounds.push(file.evidence(ret.range().start, "the view is returned"));
            grounds.push(e);
            Place::LongLived
        }
        None if scanned.is_ok() && all_drop && calls > 0 => Place::Dropped,
        None => {
            grounds.push(file.evidence(
                ret.range().start,
                "the view is returned; no caller in the module is seen keeping it",
            ));
            Place::Unseen
        }
    }
}

/// The caller lets result number `index` of `call` go before it returns: it
/// discards it, hands it to a call (`w.Write(head(p))`: a view handed to a
/// callee is not long-lived, as in the function itself), or holds it in a
/// local (or `_`) that no later use returns, sends or stores (see
/// [`later_holder`]). False when the caller returns it in turn (its own
/// callers are not followed) or keeps it anywhere else.
fn dropped_by_caller<'r>(call: &GoNode<'r>, caller: &GoNode<'r>, index: usize) -> bool {
    let Some(assigned) = assigned_result(call, index) else {
        // Not assigned: a statement of its own, or an argument of a call;
        // anything that takes it further (returned, sent, appended) is a holder.
        return holder_of(&literal_around(call)).is_none();
    };
    let Some((stmt, target)) = assigned else {
        return false;
    };
    target.text() == "_"
        || (target.kind() == "identifier"
            && matches!(
                declared_where(&target, &target.text()),
                Some(Origin::Local { .. })
            )
            && !long_lived_place(&target, &stmt, caller, 0)
            && later_holder(&target, &stmt, caller).is_none())
}

/// Where the caller assigns result number `index` of `call`: None when the
/// call is not the value of an assignment or `:=`; Some(None) when it is but
/// the target cannot be told; else the statement and the target (`x` of `x,
/// err := f()`).
#[allow(clippy::type_complexity)]
fn assigned_result<'r>(
    call: &GoNode<'r>,
    index: usize,
) -> Option<Option<(GoNode<'r>, GoNode<'r>)>> {
    let list = call.parent().filter(|p| p.kind() == "expression_list")?;
    let stmt = list.parent().filter(|s| {
        matches!(
            s.kind().as_ref(),
            "assignment_statement" | "short_var_declaration"
        )
    })?;
    let target = stmt.field("left").and_then(|left| {
        let lefts: Vec<GoNode> = left.named_children().collect();
        if list.named_children().count() == 1 && lefts.len() > 1 {
            lefts.get(index).cloned()
        } else {
            list.named_children()
                .position(|v| v.range() == call.range())
                .and_then(|pos| lefts.get(pos).cloned())
        }
    });
    Some(target.map(|t| (stmt, t)))
}

/// Where a caller keeps result number `index` of `call`: a field, map element
/// or package variable (`c.name = name(b)`, `x, err := f(); s.keep = x`), a
/// channel, or a long-lived collection it is appended to.
fn stored_by_caller<'r>(call: &GoNode<'r>, caller: &GoNode<'r>, index: usize) -> Option<String> {
    let Some(assigned) = assigned_result(call, index) else {
        // `ch <- f()`, `s.items = append(s.items, f())`.
        let h = holder_of(&literal_around(call))?;
        return match &h {
            Holder::Escapes { how, .. } if how != "returned" => Some("a channel".into()),
            Holder::Appended { target, stmt } if long_lived_place(target, stmt, caller, 0) => {
                Some(format!("`{}`", target.text()))
            }
            _ => None,
        };
    };
    let (stmt, target) = assigned?;
    if long_lived_place(&target, &stmt, caller, 0) {
        return Some(format!("`{}`", target.text()));
    }
    if target.kind() == "identifier" {
        let h = later_holder(&target, &stmt, caller)?;
        return match &h {
            Holder::Escapes { how, .. } if how == "returned" => None,
            _ => Some(format!("`{}`, which it stores", target.text())),
        };
    }
    None
}

/// A sub-slice that may be short: it has an end that is not measured from the
/// base's own length (`b[:len(b)-1]` trims, it does not cut out), or it is a
/// suffix measured from the end (`b[len(b)-8:]`).
fn looks_short(base: &GoNode, s: &GoNode) -> bool {
    match (s.field("start"), s.field("end")) {
        (_, Some(hi)) => !measures(&hi, base) || caps(&hi, base),
        (Some(lo), None) => measures(&lo, base) || position_in(&lo, base),
        (None, None) => false,
    }
}

/// `min(len(b), k)`: an end capped by something besides the base's length.
fn caps(hi: &GoNode, base: &GoNode) -> bool {
    hi.kind() == "call_expression"
        && hi.field("function").is_some_and(|f| f.text() == "min")
        && hi
            .field("arguments")
            .is_some_and(|a| a.named_children().any(|x| !measures(&x, base)))
}

/// `e` is a position found in `base`: a search of it (`bytes.LastIndexByte(b,
/// '\n')+1`), or a variable only ever given such positions, constants, or a
/// step from the index of a `range` over the base (`start = i + 1`).
fn position_in(e: &GoNode, base: &GoNode) -> bool {
    let e = strip_offset(e);
    if is_search_of(&e, base) {
        return true;
    }
    if e.kind() != "identifier" {
        return false;
    }
    let name = e.text().to_string();
    let Some(Origin::Local { decl, function }) = declared_where(&e, &name) else {
        return false;
    };
    let mut values: Vec<GoNode> = escape::initial_value(&decl, &name).into_iter().collect();
    for n in function
        .dfs()
        .filter(|n| n.kind() == "assignment_statement")
    {
        let (Some(l), Some(r)) = (n.field("left"), n.field("right")) else {
            continue;
        };
        let l: Vec<_> = l.named_children().collect();
        let r: Vec<_> = r.named_children().collect();
        for (i, t) in l.iter().enumerate() {
            if t.text() == name && same_local(t, &name, &decl) {
                match r.get(i) {
                    Some(v) if r.len() == l.len() => values.push(v.clone()),
                    _ => return false,
                }
            }
        }
    }
    let has_position = values.iter().any(|v| {
        let v = strip_offset(v);
        is_search_of(&v, base) || is_range_index_over(&v, base)
    });
    has_position
        && values.iter().all(|v| {
            let v = strip_offset(v);
            constants::literal_int(&v).is_some()
                || is_search_of(&v, base)
                || is_range_index_over(&v, base)
        })
}

/// `x + k` or `x - k` with a constant `k` gives `x`; anything else itself.
fn strip_offset<'r>(e: &GoNode<'r>) -> GoNode<'r> {
    if e.kind() == "binary_expression"
        && e.field("operator")
            .is_some_and(|o| matches!(o.text().as_ref(), "+" | "-"))
        && e.field("right")
            .is_some_and(|r| constants::literal_int(&r).is_some())
    {
        if let Some(l) = e.field("left") {
            return l;
        }
    }
    e.clone()
}

/// `i` where `i` is the index of a `for i := range base`.
fn is_range_index_over(e: &GoNode, base: &GoNode) -> bool {
    if e.kind() != "identifier" {
        return false;
    }
    let name = e.text().to_string();
    match declared_where(e, &name) {
        Some(Origin::Local { decl, .. }) if decl.kind() == "for_statement" => decl
            .children()
            .find(|c| c.kind() == "range_clause")
            .is_some_and(|c| {
                c.field("right").is_some_and(|r| same_expr(&r, base))
                    && c.field("left")
                        .and_then(|l| l.named_children().next())
                        .is_some_and(|k| k.text() == name)
            }),
        _ => false,
    }
}

/// `n` reads the base's length or capacity (`len(b)`, `cap(b)`).
fn measures(n: &GoNode, base: &GoNode) -> bool {
    n.dfs().any(|c| {
        c.kind() == "call_expression"
            && c.field("function")
                .is_some_and(|f| matches!(f.text().as_ref(), "len" | "cap"))
            && c.field("arguments")
                .and_then(|a| a.named_children().next())
                .is_some_and(|a| same_expr(&a, base))
    })
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

/// An `if` around the sub-slice says its end covers much of the base
/// (`if n >= len(buf)/4*3 { return buf[:n] }`): then it is not short.
fn guarded_not_short(base: &GoNode, s: &GoNode) -> bool {
    let Some(hi) = s.field("end") else {
        return false;
    };
    let hi = hi.text().to_string();
    let mut child = s.clone();
    for a in s.ancestors() {
        if scope::is_function(&a) {
            break;
        }
        let in_then = a
            .field("consequence")
            .is_some_and(|c| c.range() == child.range());
        child = a.clone();
        if a.kind() != "if_statement" || !in_then {
            continue;
        }
        let Some(cond) = a.field("condition") else {
            continue;
        };
        let covers = cond.dfs().any(|b| {
            if b.kind() != "binary_expression" {
                return false;
            }
            let (Some(l), Some(r), Some(op)) =
                (b.field("left"), b.field("right"), b.field("operator"))
            else {
                return false;
            };
            let names_hi = |n: &GoNode| n.dfs().any(|x| x.text() == hi);
            match op.text().as_ref() {
                ">=" | ">" => names_hi(&l) && measures(&r, base),
                "<=" | "<" => measures(&l, base) && names_hi(&r),
                _ => false,
            }
        });
        if covers {
            return true;
        }
    }
    false
}

/// A test helper: the function (or one around it) takes a parameter whose type
/// is an interface of the package with `Fatal`/`Fatalf`, a stand-in for `testing.TB`.
fn takes_test_reporter(resolver: &Resolver, function: &GoNode) -> bool {
    let reports = |ty: &str| {
        resolver
            .type_decl(&types::base_type_name(ty))
            .is_some_and(|d| {
                d.underlying.trim_start().starts_with("interface")
                    && (d.underlying.contains("Fatalf(") || d.underlying.contains("Fatal("))
            })
    };
    std::iter::once(function.clone())
        .chain(function.ancestors().filter(scope::is_function))
        .any(|f| {
            f.field("parameters").is_some_and(|ps| {
                ps.children()
                    .filter(|p| p.kind() == "parameter_declaration")
                    .filter_map(|p| p.field("type"))
                    .any(|t| reports(&t.text()))
            })
        })
}

/// The expression whose destination is the sub-slice's: the slice itself, or the
/// outermost composite literal (or `&` of one) it is an element of.
fn literal_around<'r>(s: &GoNode<'r>) -> GoNode<'r> {
    let mut outer = s.clone();
    let mut cur = s.clone();
    while let Some(parent) = cur.parent() {
        match parent.kind().as_ref() {
            "literal_element" | "keyed_element" | "literal_value" | "parenthesized_expression" => {}
            "composite_literal" => outer = parent.clone(),
            "unary_expression"
                if parent.text().starts_with('&') && outer.range() == cur.range() =>
            {
                outer = parent.clone()
            }
            _ => break,
        }
        // A slice that is a key of a keyed element is not stored as a value.
        if parent.kind() == "keyed_element"
            && parent
                .named_children()
                .next()
                .is_some_and(|k| k.range() == cur.range())
        {
            return s.clone();
        }
        cur = parent;
    }
    outer
}

/// The holder of expression `node` (the sub-slice or the literal holding it),
/// from the statement it stands in.
fn holder_of<'r>(node: &GoNode<'r>) -> Option<Holder<'r>> {
    let mut node = node.clone();
    let mut parent = node.parent()?;
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
            // `x.f = append(x.f, s)`: goes where the collection goes.
            let call = parent.parent()?;
            if call.field("function")?.text() != "append" {
                return None;
            }
            let first = parent.named_children().next()?;
            if first.range() == node.range() || parent.text().ends_with("...)") {
                return None;
            }
            let Some(Holder::Assigned { stmt, target, .. }) = holder_of(&call) else {
                return None;
            };
            if !same_expr(&target, &first) {
                return None;
            }
            Some(Holder::Appended { stmt, target })
        }
        _ => None,
    }
}

/// How the holder takes the sub-slice beyond the function, if it does, and the
/// statement where it leaves (the holder's, or a later one for a local).
fn escapes<'r>(holder: &Holder<'r>, function: &GoNode<'r>) -> Option<(String, GoNode<'r>)> {
    match holder {
        Holder::Escapes { stmt, how } => (stmt.kind() != "return_statement"
            || result_leaves(function))
        .then(|| (how.clone(), stmt.clone())),
        Holder::Assigned { target, stmt, .. } | Holder::Appended { target, stmt } => {
            let verb = match holder {
                Holder::Appended { .. } => "appended to",
                _ => "kept in",
            };
            if long_lived_place(target, stmt, function, 0) {
                Some((format!("{verb} `{}`", target.text()), stmt.clone()))
            } else if target.kind() == "identifier" {
                let later = later_holder(target, stmt, function)?;
                Some((
                    format!("{verb} `{}`, which outlives the function", target.text()),
                    later.stmt().clone(),
                ))
            } else {
                None
            }
        }
    }
}

/// What `function` returns leaves it: true for a declared function, and for a
/// closure that is itself returned, stored or passed on; false for a closure only
/// called where it is made (`recv := func() []byte {...}; x := recv()`).
fn result_leaves(function: &GoNode) -> bool {
    if function.kind() != "func_literal" {
        return true;
    }
    let Some(parent) = function.parent() else {
        return true;
    };
    match parent.kind().as_ref() {
        // Called on the spot.
        "call_expression" => false,
        "expression_list" => {
            let Some(stmt) = parent.parent() else {
                return true;
            };
            let left = stmt.field("left").and_then(|l| {
                let names: Vec<_> = l.named_children().collect();
                (names.len() == 1).then(|| names[0].clone())
            });
            match (stmt.kind().as_ref(), left) {
                ("short_var_declaration" | "assignment_statement", Some(name))
                    if name.kind() == "identifier" =>
                {
                    let text = name.text().to_string();
                    let Some(Origin::Local {
                        function: outer,
                        decl,
                    }) = declared_where(&name, &text)
                    else {
                        return true;
                    };
                    // Every other use of the variable is a call of it.
                    let only_called = outer.dfs().all(|n| {
                        n.kind() != "identifier"
                            || n.text() != text
                            || n.range() == name.range()
                            || !same_local(&n, &text, &decl)
                            || n.parent().is_some_and(|p| {
                                p.kind() == "call_expression"
                                    && p.field("function").is_some_and(|f| f.range() == n.range())
                            })
                    });
                    !only_called
                }
                _ => true,
            }
        }
        _ => true,
    }
}

/// `id` (named `name`) refers to the local declared by `decl`.
fn same_local(id: &GoNode, name: &str, decl: &GoNode) -> bool {
    matches!(declared_where(id, name), Some(Origin::Local { decl: d, .. }) if d.range() == decl.range())
}

/// A place that outlives the function: a package-level variable, a named
/// result (when the function's results leave it), a field or element of
/// something the function did not make (a receiver, a parameter, a global, a
/// value it was handed), or of a local it made that escapes in turn.
fn long_lived_place(target: &GoNode, stmt: &GoNode, function: &GoNode, hops: usize) -> bool {
    if target.text() == "_" {
        return false;
    }
    let root = crate::analysis::exprs::root_node(target);
    if root.kind() != "identifier" {
        return matches!(
            target.kind().as_ref(),
            "selector_expression" | "index_expression"
        );
    }
    let name = root.text().to_string();
    match declared_where(&root, &name) {
        Some(Origin::Package) | None => true,
        Some(Origin::Result { .. }) => result_leaves(function),
        Some(Origin::Parameter { .. } | Origin::Receiver { .. }) => target.kind() != "identifier",
        Some(Origin::Local { decl, .. }) => {
            if target.kind() == "identifier" {
                return false;
            }
            let made_here = escape::initial_value(&decl, &name).is_none_or(|v| {
                escape::is_fresh(&v) || v.kind() == "unary_expression" && v.text().starts_with('&')
            });
            !made_here || local_escapes_later(&root, stmt, function, hops + 1)
        }
    }
}

/// The local `target` (assigned in `stmt`) is later returned, sent, stored in a
/// long-lived place, or appended to a collection that is.
fn local_escapes_later(target: &GoNode, stmt: &GoNode, function: &GoNode, hops: usize) -> bool {
    if hops > MAX_HOPS {
        return false;
    }
    let name = target.text();
    let Some(Origin::Local { decl, .. }) = declared_where(target, &name) else {
        return false;
    };
    function.dfs().any(|n| {
        n.kind() == "identifier"
            && n.text() == name
            && n.range().start >= stmt.range().end
            && same_local(&n, &name, &decl)
            && value_leaves(&n, function, hops)
    })
}

/// This use of a value hands it out of the function: returned (possibly inside a
/// composite literal), sent, stored in a long-lived place, or appended to one.
fn value_leaves(n: &GoNode, function: &GoNode, hops: usize) -> bool {
    let outer = literal_around(n);
    let Some(holder) = holder_of(&outer) else {
        return false;
    };
    match &holder {
        Holder::Escapes { stmt, .. } => {
            stmt.kind() != "return_statement"
                || scope::enclosing_function(stmt).is_some_and(|f| result_leaves(&f))
        }
        Holder::Assigned { target, stmt, .. } | Holder::Appended { target, stmt } => {
            long_lived_place(target, stmt, function, hops)
                || (target.kind() == "identifier"
                    && target.text() != n.text()
                    && local_escapes_later(target, stmt, function, hops + 1))
        }
    }
}

/// `base = nil` after `stmt`, in its block or an enclosing one of the same function.
fn nil_drop<'r>(base: &GoNode<'r>, stmt: &GoNode<'r>) -> Option<GoNode<'r>> {
    let function = scope::enclosing_function(stmt)?;
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

/// The base is a large local that dies at this statement while the sub-slice
/// escapes the function.
fn implicit_drop(
    base: &GoNode,
    s: &GoNode,
    stmt: &GoNode,
    size: &Size,
    short: &Short,
    function: &GoNode,
    leaves_at: &GoNode,
) -> bool {
    if base.kind() != "identifier" {
        return false;
    }
    let large = match size {
        Size::Bytes(b) => *b >= LARGE_BYTES,
        Size::Input(_) => !matches!(short, Short::Unknown),
        Size::Unknown => false,
    };
    large && !lives_on(base, s, stmt, function, leaves_at)
}

/// How the view is known to be short.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Short {
    /// Its width is under the large size (a constant, a clamp, a length of a
    /// byte), or its end is where a search of the base stopped.
    Strong,
    /// A width bounded only by a length the input declares (up to 64 KiB), or
    /// one record of a loop that walks the base: short next to a whole input,
    /// not shown to be a small part of it. What it is.
    Weak(String),
    Unknown,
}

/// A view of a whole input no wider than this (what a 16-bit length can say)
/// is bounded while its base is not.
const BOUNDED_VIEW_BYTES: u64 = 64 * 1024;

/// How `s` is known to be short (see [`Short`]).
fn shortness<'r>(
    file: &GoFile,
    base: &GoNode<'r>,
    s: &GoNode<'r>,
    holder: &Holder<'r>,
    size: &Size,
    function: &GoNode<'r>,
) -> Short {
    if evidently_short(file, base, s) {
        return Short::Strong;
    }
    let half_of_base = |w: u64| match size {
        Size::Bytes(b) => w <= b / 2,
        _ => true,
    };
    if let Some(w) = width_bound(file, s).filter(|w| half_of_base(*w)) {
        if w < LARGE_BYTES {
            return Short::Strong;
        }
        if w < BOUNDED_VIEW_BYTES {
            return Short::Weak(format!(
                "the view is at most {w} bytes, a length the code bounds, but may be most of `{}`",
                base.text()
            ));
        }
    }
    match walk_piece(base, s, holder, function) {
        Some(lp) => {
            let line = file.text()[..lp.range().start].matches('\n').count() + 1;
            Short::Weak(format!(
                "the view is one record of the loop on line {line} that walks `{}`; nothing bounds its width",
                base.text()
            ))
        }
        None => Short::Unknown,
    }
}

/// The most the width of `base[lo:hi]` can be, as the code bounds `hi` (or
/// the `X` of `[lo:lo+X]`): see [`bounds::upper_bound`].
fn width_bound(file: &GoFile, s: &GoNode) -> Option<u64> {
    if let Some(w) = fixed_width_in(Some(file), s) {
        return Some(w);
    }
    let hi = s.field("end")?;
    match s.field("start") {
        None => bounds::upper_bound(file, &hi),
        Some(lo) => {
            if let Some(x) = offset_from(&lo, &hi) {
                return bounds::upper_bound(file, &x);
            }
            let low = constants::int_value(file, &lo)
                .and_then(|v| u64::try_from(v).ok())
                .unwrap_or(0);
            Some(bounds::upper_bound(file, &hi)?.saturating_sub(low))
        }
    }
}

/// `base[p:...]` cut in a loop that walks the base with `p` (its condition
/// holds `p` against `len(base)`, and it moves `p` on), kept where only one
/// piece stays: a `return` inside the loop, or a local declared outside it
/// that each pass overwrites. The loop, if so.
fn walk_piece<'r>(
    base: &GoNode<'r>,
    s: &GoNode<'r>,
    holder: &Holder<'r>,
    function: &GoNode<'r>,
) -> Option<GoNode<'r>> {
    s.field("end")?;
    // The cursor, or a place past it in the record (`data[p+4+n : ...]`).
    let mut lo = s.field("start")?;
    while lo.kind() == "binary_expression" && lo.field("operator").is_some_and(|o| o.text() == "+")
    {
        lo = lo.field("left")?;
    }
    if lo.kind() != "identifier" {
        return None;
    }
    let p = lo.text().to_string();
    let Some(Origin::Local { decl: p_decl, .. }) = declared_where(&lo, &p) else {
        return None;
    };
    let is_p = |n: &GoNode| n.kind() == "identifier" && n.text() == p && same_local(n, &p, &p_decl);
    let lp = s
        .ancestors()
        .take_while(|a| a.range() != function.range())
        .filter(|a| a.kind() == "for_statement")
        .find(|lp| {
            let body = lp.field("body").map(|b| b.range());
            let Some(header) = lp
                .named_children()
                .find(|c| Some(c.range()) != body && c.kind() != "comment")
            else {
                return false;
            };
            let cond = match header.kind().as_ref() {
                "for_clause" => header.field("condition"),
                "range_clause" => None,
                _ => Some(header),
            };
            let holds = cond.is_some_and(|c| {
                c.dfs().any(|b| {
                    b.kind() == "binary_expression"
                        && b.field("operator")
                            .is_some_and(|o| matches!(o.text().as_ref(), "<" | "<=" | ">" | ">="))
                        && b.dfs().any(|x| is_p(&x))
                        && measures(&b, base)
                })
            });
            let moves = lp.dfs().any(|n| match n.kind().as_ref() {
                "assignment_statement" => n
                    .field("left")
                    .is_some_and(|l| l.named_children().any(|t| is_p(&t))),
                "inc_statement" => n.named_children().next().is_some_and(|t| is_p(&t)),
                _ => false,
            });
            let carried = lp
                .field("body")
                .is_none_or(|b| !b.range().contains(&p_decl.range().start));
            holds && moves && carried
        })?;
    let one_piece = match holder {
        Holder::Escapes { how, .. } => how == "returned",
        Holder::Assigned {
            target,
            declares: false,
            ..
        } if target.kind() == "identifier" => matches!(
            declared_where(target, &target.text()),
            Some(Origin::Local { decl, .. }) if !lp.range().contains(&decl.range().start)
        ),
        _ => false,
    };
    one_piece.then_some(lp)
}

/// For a base as long as its input, a sub-slice is known to be short only when
/// its width is a small constant (`data[:16]`, `data[off:off+8]`) or its end is
/// where a search of the base stopped (`data[:bytes.IndexByte(data, '\n')]`): a
/// width taken from elsewhere may be the whole input.
fn evidently_short(file: &GoFile, base: &GoNode, s: &GoNode) -> bool {
    if fixed_width_in(Some(file), s).is_some_and(|w| w < LARGE_BYTES) {
        return true;
    }
    let Some(hi) = s.field("end") else {
        // A tail: from a position found in the base, or a constant from its end.
        return s.field("start").is_some_and(|lo| {
            position_in(&lo, base)
                || (lo.kind() == "binary_expression"
                    && lo.field("operator").is_some_and(|o| o.text() == "-")
                    && lo.field("left").is_some_and(|l| measures(&l, base))
                    && lo.field("right").is_some_and(|r| {
                        constants::int_value(file, &r)
                            .is_some_and(|k| (0..LARGE_BYTES as i64).contains(&k))
                    }))
        });
    };
    if s.field("start").is_some_and(|lo| lo.text() != "0") {
        return false;
    }
    if is_search_of(&strip_offset(&hi), base) {
        return true;
    }
    // `end := bytes.IndexByte(b, '\n')` ... `b[:end]`.
    if hi.kind() != "identifier" {
        return false;
    }
    let name = hi.text().to_string();
    match declared_where(&hi, &name) {
        Some(Origin::Local { decl, .. }) => {
            escape::initial_value(&decl, &name)
                .is_some_and(|v| is_search_of(&strip_offset(&v), base))
                || scanned_to(base, &name, s)
        }
        _ => false,
    }
}

/// `for end < len(b) && b[end] != '\n' { end++ }` before `b[:end]`: a loop
/// of the function that advances `end` while it reads `b[end]` stops where a
/// byte of the base says so, a search written by hand.
fn scanned_to(base: &GoNode, end: &str, s: &GoNode) -> bool {
    let Some(function) = scope::enclosing_function(s) else {
        return false;
    };
    let start = s.range().start;
    let reads_base_at_end = |n: &GoNode| {
        n.dfs().any(|x| {
            x.kind() == "index_expression"
                && x.field("operand").is_some_and(|o| same_expr(&o, base))
                && x.field("index").is_some_and(|i| i.text() == end)
        })
    };
    let found = function
        .dfs()
        .filter(|n| n.kind() == "for_statement" && n.range().end <= start)
        .any(|lp| {
            // `for cond {`, or a `for init; cond; post {` clause.
            let body = lp.field("body").map(|b| b.range());
            let condition = lp
                .named_children()
                .find(|c| Some(c.range()) != body && c.kind() != "comment");
            let advances = lp.dfs().any(|n| {
                n.kind() == "inc_statement"
                    && n.named_children().next().is_some_and(|t| t.text() == end)
            });
            advances && condition.is_some_and(|c| reads_base_at_end(&c))
        });
    found
}

/// `pkg.Index...(base, ...)`: a position inside the base.
fn is_search_of(call: &GoNode, base: &GoNode) -> bool {
    call.kind() == "call_expression"
        && call
            .field("function")
            .and_then(|f| f.field("field"))
            .is_some_and(|f| SEARCHES.contains(&f.text().as_ref()))
        && call
            .field("arguments")
            .and_then(|a| a.named_children().next())
            .is_some_and(|a| same_expr(&a, base))
}

/// The base stays alive anyway, so the sub-slice pins nothing extra: it is used
/// on a later pass of a loop around the sub-slice that it was declared outside
/// and that the view leaves from (a buffer reused), or, in the sub-slice's own statement or after it, it goes
/// somewhere long-lived itself (returned, stored, sent), whole or as a slice that
/// is not short. Reading it,
/// passing it to a call or re-slicing it in a local does not keep it past the
/// function.
fn lives_on(
    base: &GoNode,
    s: &GoNode,
    stmt: &GoNode,
    function: &GoNode,
    leaves_at: &GoNode,
) -> bool {
    let name = base.text();
    let Some(Origin::Local { decl, .. }) = declared_where(base, &name) else {
        return true;
    };
    // A view that leaves only after the loop (`last = data[p:q]` in it, `return
    // last` after it), or by a `return` that ends it, outlives the base's last pass.
    let loop_around = s
        .ancestors()
        .take_while(|a| a.range() != function.range())
        .filter(|a| a.kind() == "for_statement")
        .find(|l| {
            !l.range().contains(&decl.range().start)
                && l.range().contains(&leaves_at.range().start)
                && leaves_at.kind() != "return_statement"
        });
    function.dfs().any(|n| {
        if n.kind() != "identifier"
            || n.text() != name
            || s.range().contains(&n.range().start)
            || !same_local(&n, &name, &decl)
        {
            return false;
        }
        if loop_around
            .as_ref()
            .is_some_and(|l| l.range().contains(&n.range().start))
        {
            return true;
        }
        // In the sub-slice's statement (`return &Block{data: data, head: data[:16]}`,
        // `return data, data[:4]`) or after it, the base may go where the sub-slice
        // goes; before it, only from a statement that runs on every path to the
        // sub-slice (`f.all = data` then `if ... { f.name = data[:i] }`), and not
        // its own declaration.
        if n.range().start < stmt.range().start
            && (decl.range().contains(&n.range().start) || !scope::runs_before(&n, stmt))
        {
            return false;
        }
        // The use, or the slice of the base it is the operand of.
        let whole = match n.parent() {
            Some(p)
                if p.kind() == "slice_expression"
                    && p.field("operand").is_some_and(|o| o.range() == n.range()) =>
            {
                if looks_short(&n, &p) {
                    return false;
                }
                p
            }
            _ => n.clone(),
        };
        value_leaves(&whole, function, 0)
    })
}

/// Before the sub-slice, on every path to it, the function gives up on a base
/// longer than a small constant (`if len(b) > 512 { return errTooLong }`): the
/// base is bounded small.
fn checked_small(file: &GoFile, base: &GoNode, s: &GoNode) -> bool {
    bounds::len_bound(file, base, s).is_some_and(|n| n < SMALL_BYTES)
}

/// What the base's declaration says about its size, if the base has not been
/// assigned since.
fn base_size(file: &GoFile, base: &GoNode, stmt: &GoNode, callers: bool) -> Size {
    base_size_at(file, base, stmt, 0, callers)
}

/// [`base_size`], `depth` steps away from the sub-slice: through a local
/// that is itself a sub-slice of another (`rest := body[i:]` shares `body`'s
/// array), and through a parameter to what the function's callers in the
/// module pass there (`labelValue(payload, key)` with `payload` read whole).
fn base_size_at(file: &GoFile, base: &GoNode, stmt: &GoNode, depth: usize, callers: bool) -> Size {
    if base.kind() != "identifier" || depth > 2 {
        return Size::Unknown;
    }
    let name = base.text();
    let (decl, function) = match declared_where(base, &name) {
        Some(Origin::Local { decl, function }) => (decl, function),
        Some(Origin::Parameter { function }) if callers => {
            return size_from_callers(file, &function, &name, depth);
        }
        _ => return Size::Unknown,
    };
    // Assigned before the statement, or later in a loop that comes back to it
    // (`buf = make([]byte, 2*len(buf))` in a grow-and-retry loop).
    let loop_back = stmt
        .ancestors()
        .take_while(|a| a.range() != function.range())
        .filter(|a| a.kind() == "for_statement")
        .find(|l| !l.range().contains(&decl.range().start));
    let reassigned = function.dfs().any(|n| {
        n.kind() == "assignment_statement"
            && n.range().start > decl.range().end
            && (n.range().end <= stmt.range().start
                || loop_back
                    .as_ref()
                    .is_some_and(|l| l.range().contains(&n.range().start)))
            && n.field("left")
                .is_some_and(|l| l.named_children().any(|t| t.text() == name))
    });
    if reassigned {
        return Size::Unknown;
    }
    let Some(value) = escape::initial_value(&decl, &name) else {
        return Size::Unknown;
    };
    if value.kind() == "slice_expression" {
        if let Some(operand) = value.field("operand") {
            return base_size_at(file, &operand, &decl, depth + 1, callers);
        }
    }
    size_of_value(file, &value)
}

/// The size of parameter `name` of `function` (an unexported helper) as its
/// callers in the same file give it: the first call whose argument there is
/// read whole (or made large), named in the answer.
fn size_from_callers(file: &GoFile, function: &GoNode, name: &str, depth: usize) -> Size {
    if function.kind() != "function_declaration" && function.kind() != "method_declaration" {
        return Size::Unknown;
    }
    // A helper of its package (unexported): its callers are all in view, and
    // searching them stays cheap. An exported function's callers may be
    // anywhere, and its parameter anything.
    if !function.field("name").is_some_and(|n| {
        n.text()
            .starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
    }) {
        return Size::Unknown;
    }
    let Some(index) = function
        .field("parameters")
        .map(|l| crate::analysis::decls::params_of(&l, crate::analysis::decls::DeclKind::Param))
        .and_then(|ps| ps.iter().position(|d| d.name == name))
    else {
        return Size::Unknown;
    };
    // Its calls in the same file (a helper sits beside its callers; the
    // module-wide caller search costs an index of the module's words).
    let fname = function
        .field("name")
        .map(|n| n.text().to_string())
        .unwrap_or_default();
    let method = function.kind() == "method_declaration";
    for call in file
        .root
        .root()
        .dfs()
        .filter(|c| c.kind() == "call_expression")
    {
        let named = call
            .field("function")
            .is_some_and(|f| match f.kind().as_ref() {
                "identifier" => !method && f.text() == fname.as_str(),
                "selector_expression" => {
                    method && f.field("field").is_some_and(|x| x.text() == fname.as_str())
                }
                _ => false,
            });
        if !named || function.range().contains(&call.range().start) {
            continue;
        }
        let Some(arg) = exprs::call_args(&call).into_iter().nth(index) else {
            continue;
        };
        let Some(at) = scope::as_statement(&call).or_else(|| call.parent()) else {
            continue;
        };
        let size = match arg.kind().as_ref() {
            "identifier" => base_size_at(file, &arg, &at, depth + 1, false),
            _ => size_of_value(file, &arg),
        };
        let line = crate::finding::Position::of_offset(file.text(), call.range().start).line;
        match size {
            Size::Input(what) => {
                return Size::Input(format!("{what}, passed in by the call on line {line}"));
            }
            Size::Bytes(b) if b >= LARGE_BYTES => return Size::Bytes(b),
            _ => {}
        }
    }
    Size::Unknown
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
                let count = args[1..]
                    .iter()
                    .filter_map(|a| constants::int_value(file, a))
                    .filter_map(|v| u64::try_from(v).ok())
                    .max();
                return match count {
                    Some(c) => Size::Bytes(c.saturating_mul(elem_size(&args[0].text()))),
                    None => args[1..]
                        .iter()
                        .find_map(|a| sized_by_input(file, a, value))
                        .map_or(Size::Unknown, Size::Input),
                };
            }
            let whole = is_call_to(file, value, WHOLE_READS);
            if !whole {
                return Size::Unknown;
            }
            // `io.ReadAll(io.LimitReader(r, 512))`: bounded by the limit.
            let limit = args
                .first()
                .filter(|a| is_call_to(file, a, LIMITERS))
                .and_then(|a| {
                    let last = a.field("arguments")?.named_children().last()?;
                    constants::int_value(file, &last).and_then(|v| u64::try_from(v).ok())
                });
            match limit {
                Some(n) => Size::Bytes(n),
                None => Size::Input("holds a whole file or stream".into()),
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

/// Functions of `encoding/binary` that read a length out of the input.
const LENGTH_READS: &[&str] = &[
    "Uint16",
    "Uint32",
    "Uint64",
    "Uvarint",
    "Varint",
    "ReadUvarint",
    "ReadVarint",
];

/// How a `make`'s size `n` (at `make`) follows its input, unbounded: a file's
/// size (`fi.Size()`), a length decoded from the input
/// (`binary.BigEndian.Uint32(hdr)`, `binary.Uvarint(b)`), a declared content
/// length, directly or through one local. None when a condition before the
/// `make` compares that size with a constant (a bound the code enforces).
fn sized_by_input(file: &GoFile, n: &GoNode, make: &GoNode) -> Option<String> {
    let describe = |e: &GoNode| -> Option<String> {
        e.dfs().find_map(|c| {
            let text = exprs::squash(&c.text());
            if c.kind() == "call_expression" {
                let name = called_name(&c)?;
                let no_args = c
                    .field("arguments")
                    .is_some_and(|a| a.named_children().all(|x| x.kind() == "comment"));
                if name == "Size" && no_args {
                    return Some(format!("is made as large as a file (`{text}`)"));
                }
                let binary = c.field("function").is_some_and(|f| {
                    f.dfs().any(|o| {
                        o.kind() == "identifier"
                            && scope::names_import(file, &o, &o.text(), "encoding/binary")
                    })
                });
                if binary && LENGTH_READS.contains(&name.as_str()) {
                    return Some(format!(
                        "is made as long as a length read from the input (`{text}`)"
                    ));
                }
            }
            if c.kind() == "selector_expression"
                && c.field("field")
                    .is_some_and(|f| f.text() == "ContentLength")
            {
                return Some(format!(
                    "is made as long as the length a peer declares (`{text}`)"
                ));
            }
            None
        })
    };
    let (what, var) = match describe(n) {
        Some(w) => (w, n.clone()),
        None => {
            let root = root_node(n);
            if root.kind() != "identifier" {
                return None;
            }
            let name = root.text().to_string();
            let Some(Origin::Local { decl, .. }) = declared_where(&root, &name) else {
                return None;
            };
            let v = escape::initial_value(&decl, &name).or_else(|| {
                // `n, k := binary.Uvarint(b)`: the first of a call's results.
                (decl.kind() == "short_var_declaration")
                    .then(|| decl.field("right")?.named_children().next())
                    .flatten()
            })?;
            (describe(&v)?, root)
        }
    };
    // `if n > maxFrame { return errTooBig }`: bounded by the code.
    let function = scope::enclosing_function(make)?;
    let bounded = function.dfs().any(|c| {
        c.kind() == "binary_expression"
            && c.range().end <= make.range().start
            && c.field("operator")
                .is_some_and(|o| matches!(o.text().as_ref(), "<" | "<=" | ">" | ">="))
            && [c.field("left"), c.field("right")]
                .iter()
                .flatten()
                .any(|x| {
                    exprs::squash(&x.text()) == exprs::squash(&var.text())
                        || exprs::squash(&x.text()).contains(&format!("({})", var.text()))
                })
            && [c.field("left"), c.field("right")]
                .iter()
                .flatten()
                .any(|x| constants::int_value(file, x).is_some())
    });
    (!bounded).then_some(what)
}

/// `call` calls one of `funcs` (import path, name) through its import.
fn is_call_to(file: &GoFile, call: &GoNode, funcs: &[(&str, &str)]) -> bool {
    let Some(func) = call
        .field("function")
        .filter(|_| call.kind() == "call_expression")
    else {
        return false;
    };
    func.kind() == "selector_expression"
        && funcs.iter().any(|(path, name)| {
            func.field("field").is_some_and(|f| f.text() == *name)
                && func
                    .field("operand")
                    .is_some_and(|o| scope::names_import(file, &func, &o.text(), path))
        })
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
    fixed_width_in(None, s)
}

/// [`fixed_width`], with the package constants of `file` when given (`[:magicLen]`).
fn fixed_width_in(file: Option<&GoFile>, s: &GoNode) -> Option<u64> {
    let const_int = |n: &GoNode| {
        match file {
            Some(f) => constants::int_value(f, n),
            None => constants::literal_int(n),
        }
        .and_then(|v| u64::try_from(v).ok())
    };
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

fn fix(file: &GoFile, s: &GoNode, holder: Option<&Holder>, slice_type: Option<&str>) -> Outcome {
    let mut outcome = copy_fix(file, s, holder, slice_type);
    if let (
        Outcome::Report {
            fix: Some(plan), ..
        },
        Some(hoist),
    ) = (&mut outcome, hoisted_buffer(file.text(), s))
    {
        plan.edits.extend(hoist);
        if let Some(d) = plan.description.as_mut() {
            d.push_str("; the buffer, no longer kept, is made once before the loop");
        }
    }
    outcome
}

/// Calls that only fill the slice handed to them (a read into a buffer): they
/// keep no reference, so the buffer is free again when they return.
const FILLS_ONLY: &[&str] = &[
    "Read",
    "ReadFrom",
    "ReadFromUDP",
    "ReadFromUDPAddrPort",
    "ReadFromIP",
    "ReadFromUnix",
    "ReadMsgUDP",
    "ReadMsgUDPAddrPort",
    "ReadFull",
    "ReadAtLeast",
];

/// The edits that move `buf := make([]T, N)` out of the loop that makes it anew
/// each turn, when the view `s` of it, now copied out, was all that kept it: the
/// loop only reads into the buffer (`n, err := conn.Read(buf)`) and takes the
/// copied view, so one buffer serves every turn, instead of two allocations per
/// turn (the buffer and the copy). None unless every use of the buffer in the loop is one of those,
/// the sizes are the same every turn (literals, or names the function never
/// assigns), and nothing declares the name again in the loop.
fn hoisted_buffer(text: &str, s: &GoNode) -> Option<Vec<Edit>> {
    let base = s.field("operand")?;
    if base.kind() != "identifier" {
        return None;
    }
    let name = base.text().to_string();
    let function = scope::enclosing_function(s)?;
    // The innermost loop around the view, inside the same function.
    let lp = s
        .ancestors()
        .take_while(|a| a.range() != function.range())
        .find(|a| a.kind() == "for_statement")?;
    if s.ancestors()
        .take_while(|a| a.range() != lp.range())
        .any(|a| scope::is_function(&a))
    {
        return None;
    }
    let body = lp.field("body")?;
    let decl = crate::analysis::decls::statements(&body)
        .into_iter()
        .find(|st| declares_made_buffer(st, &name))?;
    let make = decl.field("right")?.named_children().next()?;
    let sizes_fixed = make
        .field("arguments")?
        .named_children()
        .skip(1)
        .all(|arg| {
            arg.dfs()
                .filter(|n| n.kind() == "identifier")
                .all(|id| !assigned_in(&function, &id.text()))
        });
    if !sizes_fixed {
        return None;
    }
    let decl_name = decl.field("left")?.named_children().next()?;
    for use_ in body
        .dfs()
        .filter(|n| n.kind() == "identifier" && n.text() == name)
    {
        if use_.range() == decl_name.range() || use_.range() == base.range() {
            continue;
        }
        let Some(parent) = use_.parent() else {
            return None;
        };
        let call = parent.parent();
        let allowed = parent.kind() == "argument_list"
            && call.as_ref().is_some_and(|c| {
                called_name(c)
                    .is_some_and(|f| FILLS_ONLY.contains(&f.as_str()) || f == "len" || f == "cap")
            });
        if !allowed {
            return None;
        }
    }
    // A labeled loop moves the buffer above its label.
    let anchor = match lp.parent() {
        Some(p) if p.kind() == "labeled_statement" => p,
        _ => lp.clone(),
    };
    let r = decl.range();
    let start = line_start(text, r.start);
    if !text[start..r.start].trim().is_empty()
        || !text[r.end..line_end(text, r.end)].trim().is_empty()
    {
        return None;
    }
    // The comment lines right above say why the buffer was made per turn: that
    // reason is gone with the copy, so they go (as a removed statement's do).
    let mut from = start;
    while from > 0 {
        let prev = line_start(text, from - 1);
        if text[prev..from].trim_start().starts_with("//") {
            from = prev;
        } else {
            break;
        }
    }
    let mut end = line_end(text, r.end);
    // First in its block, before a blank line: the blank line goes too.
    let first = text[line_start(text, from.saturating_sub(1))..from]
        .trim_end()
        .ends_with('{');
    let next = line_end(text, end);
    if first && end < text.len() && text[end..next].trim().is_empty() {
        end = next;
    }
    let newline = if text[start..line_end(text, r.end)].ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    // gofmt puts a label one level left of its loop: indent as the loop.
    let indent = indentation(text, lp.range().start);
    let moved = format!("{indent}{}{newline}", decl.text());
    let at = line_start(text, anchor.range().start);
    Some(vec![
        Edit::new(from, end, String::new()),
        Edit::new(at, at, moved),
    ])
}

/// True when `function` declares or assigns a variable named `name` anywhere.
fn assigned_in(function: &GoNode, name: &str) -> bool {
    function.dfs().any(|n| {
        let left = match n.kind().as_ref() {
            "short_var_declaration" | "assignment_statement" => n.field("left"),
            "var_spec" => n.field("name"),
            _ => None,
        };
        left.is_some_and(|l| {
            l.dfs()
                .any(|x| x.kind() == "identifier" && x.text() == name)
        })
    })
}

/// `name := make(...)`, alone on its left side.
fn declares_made_buffer(stmt: &GoNode, name: &str) -> bool {
    stmt.kind() == "short_var_declaration"
        && stmt.field("left").is_some_and(|l| {
            let names: Vec<GoNode> = l.named_children().collect();
            names.len() == 1 && names[0].text() == name
        })
        && stmt.field("right").is_some_and(|r| {
            let values: Vec<GoNode> = r.named_children().collect();
            values.len() == 1 && called_name(&values[0]).as_deref() == Some("make")
        })
}

/// The copy that frees the sub-slice from its base (see [`fix`]).
fn copy_fix(
    file: &GoFile,
    s: &GoNode,
    holder: Option<&Holder>,
    slice_type: Option<&str>,
) -> Outcome {
    let text = file.text();
    let pure = [s.field("start"), s.field("end"), s.field("capacity")]
        .iter()
        .flatten()
        .all(is_pure);
    // `small := make([]T, n)` + `copy(small, big[:n])`, the catalogue's fix.
    if let (
        Some(Holder::Assigned {
            stmt,
            target,
            declares,
        }),
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
