//! GM007 pool-as-state: code that expects a `sync.Pool` to give back what was put in
//! it. A pool may drop any object at any GC and hand any object to any goroutine, so
//! it holds scratch space, never state: no `New` and an unchecked `Get`, an object
//! read for its old contents, a populated value put away for later, an object kept
//! after `Put`, pools keyed by name.

use crate::analysis::pools::{self, unparen};
use crate::analysis::types::Resolver;
use crate::analysis::{decls, exprs, scope};
use crate::finding::{Confidence, Evidence};
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::outcome::{Grounds, Outcome};

const ADVICE: &str =
    "keep state in a mutex-guarded variable, or use a real cache (map + mutex, LRU)";

/// The entry point, on a match of `$POOL.Get()` or `$POOL.Put($OBJ)`: reports
/// with the reason, or stays silent for ordinary ephemeral reuse.
pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    let Some(call) = pools::relocate(file, m.get_node()) else {
        return Outcome::Silent;
    };
    let reason = if let Some(receiver) = pools::get_receiver(&call) {
        on_get(file, &call, &receiver)
    } else if let Some(receiver) = pools::method_call(&call, "Put", 1) {
        on_put(file, &call, &receiver)
    } else {
        None
    };
    match reason {
        Some(why) => {
            // Test code's pools live as long as a test: at worst a flaky test,
            // never memory a program keeps.
            let confidence = if file.is_test_file {
                Confidence::Low
            } else {
                why.confidence
            };
            let mut grounds = Grounds::new(confidence);
            if file.is_test_file {
                grounds.push(file.evidence(
                    call.range().start,
                    "in a _test.go file: test code (lowers confidence)",
                ));
            }
            for (at, what) in why.evidence {
                grounds.push(file.evidence(at, what));
            }
            for e in why.elsewhere {
                grounds.push(e);
            }
            Outcome::report_only(Some(format!("{}; {ADVICE}", why.text))).graded(grounds)
        }
        None => Outcome::Silent,
    }
}

/// Why a Get or Put uses the pool as storage: the message, the confidence the
/// evidence earns, and the evidence (offsets in this file, what each shows).
struct Why {
    text: String,
    confidence: Confidence,
    evidence: Vec<(usize, String)>,
    /// Evidence in another file of the package.
    elsewhere: Vec<Evidence>,
}

impl Why {
    fn new(text: impl Into<String>, confidence: Confidence) -> Why {
        Why {
            text: text.into(),
            confidence,
            evidence: vec![],
            elsewhere: vec![],
        }
    }

    fn at(mut self, offset: usize, what: impl Into<String>) -> Why {
        self.evidence.push((offset, what.into()));
        self
    }

    /// Evidence found here or in another file of the package.
    fn at_found(self, found: Found) -> Why {
        match found {
            Found::Here(offset, what) => self.at(offset, what),
            Found::There(e) => {
                let mut w = self;
                w.elsewhere.push(e);
                w
            }
        }
    }

    /// High, with `other` as evidence, when the other half of storage is shown.
    fn raised_by(mut self, other: Option<(usize, String)>) -> Why {
        if let Some((at, what)) = other {
            if !self.evidence.iter().any(|(a, _)| *a == at) {
                self.evidence.push((at, what));
            }
            self.confidence = Confidence::High;
        }
        self
    }
}

/// A `Put` into a pool chosen by a string key (`pools[name].Put(v)`) of a
/// value no Get handed out (a parameter, a field): data filed under a key.
fn keyed_put_from_elsewhere(file: &GoFile) -> Option<(usize, String)> {
    pools::method_calls(file, "Put", 1)
        .into_iter()
        .find_map(|call| {
            let r = pools::method_call(&call, "Put", 1)?;
            let pool = pools::resolve_pool(file, &r)?;
            if !pool.map_key.as_ref().is_some_and(keyed_by_name) {
                return None;
            }
            let arg = put_from_outside(&call)?;
            Some((
                call.range().start,
                format!(
                    "`{}`, which no Get handed out, is filed under a key here",
                    arg.text()
                ),
            ))
        })
}

/// The object a `Put` call puts back, when it arrives from outside the pool
/// (see [`outside_value`]) and is not reset before the `Put`.
fn put_from_outside<'r>(call: &GoNode<'r>) -> Option<GoNode<'r>> {
    let arg = unparen(
        &call
            .field("arguments")?
            .named_children()
            .find(|c| c.kind() != "comment")?,
    );
    (outside_value(call, &arg) && !reset_before(call, &arg.text())).then_some(arg)
}

/// `arg` (the object of `put`) arrives from outside the pool: a parameter or
/// receiver, a field, the address of a parameter, or a local (or its address)
/// holding such data ([`local_from_outside`]); not a Get's result.
fn outside_value(put: &GoNode, arg: &GoNode) -> bool {
    let arg = unparen(arg);
    match arg.kind().as_ref() {
        "identifier" => local_from_outside(put, &arg.text(), 0),
        "selector_expression" => true,
        "unary_expression" if arg.text().starts_with('&') => arg
            .field("operand")
            .map(|o| unparen(&o))
            .is_some_and(|o| o.kind() == "identifier" && local_from_outside(put, &o.text(), 0)),
        _ => false,
    }
}

/// The variable `name`, seen at `at`, holds data from outside the pool: it is
/// a parameter or receiver, or a local whose last value before `at` is a copy
/// of one (`pos := it.cur`, `v := *p`), an element ranged over one (`for _, r
/// := range rt.routes`), or a literal carrying data (`m := mark{q: q}`). A
/// local taken from a Get, or made fresh (`make`, `new(T)`, `&T{}`), is the
/// pool's own scratch space.
fn local_from_outside(at: &GoNode, name: &str, depth: usize) -> bool {
    let Some(d) = decls::lookup(at, name) else {
        return false;
    };
    if pools::get_binding(at, name).is_some() {
        return false;
    }
    if d.kind != decls::DeclKind::Local {
        return true;
    }
    if depth > 3 {
        return false;
    }
    let Some(func) = scope::enclosing_function(at) else {
        return false;
    };
    let pos = at.range().start;
    // The last value the variable got before `at`, in source order.
    let mut last: Option<GoNode> = None;
    for n in func.dfs() {
        if n.range().start >= pos {
            break;
        }
        if let Some(v) = pools::assigned_value(&n, name) {
            last = Some(v);
        } else if let Some(v) = ranged_element(&n, name) {
            last = Some(v);
        }
    }
    let Some(value) = last else {
        return false;
    };
    expr_from_outside(&value, depth)
}

/// For `for _, name := range xs` (two names, `name` the second), `xs`: `name`
/// is an element of it.
fn ranged_element<'r>(n: &GoNode<'r>, name: &str) -> Option<GoNode<'r>> {
    if n.kind() != "range_clause" {
        return None;
    }
    let lefts: Vec<GoNode> = n
        .field("left")?
        .named_children()
        .filter(|c| c.kind() != "comment")
        .collect();
    (lefts.len() == 2 && lefts[1].kind() == "identifier" && lefts[1].text() == name)
        .then(|| n.field("right"))
        .flatten()
}

/// An expression whose value is data from outside the pool (see
/// [`local_from_outside`]): rooted at a parameter, a receiver or such a
/// local, or a literal carrying data.
fn expr_from_outside(value: &GoNode, depth: usize) -> bool {
    let v = unparen(value);
    match v.kind().as_ref() {
        "composite_literal" => literal_carries_data(&v),
        "unary_expression" if v.text().starts_with('&') => v
            .field("operand")
            .map(|o| unparen(&o))
            .is_some_and(|o| match o.kind().as_ref() {
                "composite_literal" => literal_carries_data(&o),
                _ => expr_from_outside(&o, depth),
            }),
        "identifier"
        | "selector_expression"
        | "index_expression"
        | "unary_expression"
        | "type_assertion_expression" => {
            // `*x` copies a value; `-x`, `!x` compute plain numbers, never objects.
            if v.kind() == "unary_expression" && !v.text().starts_with('*') {
                return false;
            }
            if v.kind() == "identifier" && matches!(v.text().as_ref(), "nil" | "true" | "false") {
                return false;
            }
            match pools::root_ident(&v) {
                Some(root) => local_from_outside(&v, &root, depth + 1),
                None => false,
            }
        }
        _ => false,
    }
}

/// A composite literal with at least one element taken from a variable
/// (`mark{q: q, off: n}`), not only constants: it carries the caller's data.
fn literal_carries_data(lit: &GoNode) -> bool {
    lit.field("body").is_some_and(|b| {
        b.named_children()
            .filter(|c| c.kind() != "comment")
            .any(|el| {
                let v = if el.kind() == "keyed_element" {
                    el.field("value")
                } else {
                    Some(el.clone())
                };
                v.and_then(|v| pools::first_named(&v).or(Some(v)))
                    .is_some_and(|v| {
                        matches!(
                            unparen(&v).kind().as_ref(),
                            "identifier" | "selector_expression" | "index_expression"
                        ) && !matches!(unparen(&v).text().as_ref(), "nil" | "true" | "false")
                    })
            })
    })
}

fn on_get<'r>(file: &'r GoFile, get: &GoNode<'r>, receiver: &GoNode<'r>) -> Option<Why> {
    let pool = pools::resolve_pool(file, receiver)?;
    let at = get.range().start;
    if let Some(key) = &pool.map_key {
        if keyed_by_name(key) && !reinitialised_after(get) && !callers_reinitialise(file, get) {
            return Some(
                Why::new(
                    format!(
                        "a pool per {} key is used as a cache, but Get returns any pooled object or a new one, not the one stored under this key",
                        key.text()
                    ),
                    Confidence::Medium,
                )
                .at(at, format!("Get from a pool chosen by a {} key, not re-initialised after", key.text()))
                .raised_by(keyed_put_from_elsewhere(file)),
            );
        }
    }
    if pool.no_new {
        if let Some(why) = unchecked_get(get) {
            return Some(
                Why::new(why, Confidence::High)
                    .at(at, "no New anywhere in the package: Get returns nil once the pool is empty, and this use does not check"),
            );
        }
    }
    if let Some(why) = stored_state_get(&pool, get) {
        // The other half: a value from elsewhere put into the same pool.
        let put = put_from_elsewhere(file, receiver);
        let mut w = Why::new(
            keyed(&pool, why),
            if put.is_some() {
                Confidence::High
            } else {
                Confidence::Medium
            },
        )
        .at(at, "an empty pool is read as nothing stored here");
        if let Some(found) = put {
            w = w.at_found(found);
        }
        return Some(w);
    }
    if pool.new_func.is_none() {
        if let Some(release) = drain_release(get) {
            return Some(
                Why::new(
                    "the pool is drained to release what it holds, but a GC may already have dropped some of it unreleased: a leak only if the objects hold what the GC cannot free",
                    Confidence::Low,
                )
                .at(at, "a drain: the loop takes objects out until the pool is empty, and an empty pool means nothing left to release, as true after a GC as before (lowers confidence)")
                .at(release.range().start, "each object is only released here, not handed on or kept"),
            );
        }
    }
    if let Some(w) = reads_old_state(file, get, receiver) {
        return Some(w);
    }
    // A comment alone is no evidence of the harm: it only says what the code expects.
    expectation_comment(file, get).map(|why| {
        Why::new(why, Confidence::Low).at(at, "the comment at this Get, and nothing else")
    })
}

/// Where the other half of storage shows: at an offset of this file, or in
/// another file of the package (a pool held in a struct field is often put
/// into in one file and read in another).
#[derive(Clone)]
enum Found {
    Here(usize, String),
    There(Evidence),
}

/// A `Put` into the same pool as `receiver` (by text, or the same field of the
/// same struct type under another receiver name) of a value that arrives from
/// elsewhere (a parameter, a field), not one a Get handed out: the pool is
/// being filled with data to keep. Where it is and what it shows; for a pool
/// in a field, the package's other files are searched too.
fn put_from_elsewhere(file: &GoFile, receiver: &GoNode) -> Option<Found> {
    if let Some((at, what)) = put_from_elsewhere_in(file, file, receiver) {
        return Some(Found::Here(at, what));
    }
    across_package(file, receiver, "Put", |gf| {
        put_from_elsewhere_in(file, gf, receiver).map(|(at, what)| gf.evidence(at, what))
    })
}

/// [`put_from_elsewhere`] in one file `gf` of the package, `receiver` being
/// in `file`.
fn put_from_elsewhere_in(file: &GoFile, gf: &GoFile, receiver: &GoNode) -> Option<(usize, String)> {
    pools::method_calls(gf, "Put", 1)
        .into_iter()
        .find_map(|call| {
            let r = pools::method_call(&call, "Put", 1)?;
            if !same_pool_across(file, receiver, gf, &r) {
                return None;
            }
            if let Some(arg) = put_from_outside(&call) {
                return Some((
                    call.range().start,
                    format!(
                        "`{}`, which no Get handed out, is put into the same pool here",
                        arg.text()
                    ),
                ));
            }
            // `p.Put(&entry{key: k, val: v})`: an object made only to carry data in.
            let arg = call
                .field("arguments")?
                .named_children()
                .find(|c| c.kind() != "comment")?;
            populated_value(&arg, &call).map(|_| {
                (
                    call.range().start,
                    format!(
                        "`{}`, made here with the caller's data, is put into the same pool",
                        exprs::first_line(&arg.text())
                    ),
                )
            })
        })
}

/// For a pool held in a struct field (`s.last`), `find` over the package's
/// other non-test files that name the field and call `method`.
fn across_package(
    file: &GoFile,
    receiver: &GoNode,
    method: &str,
    mut find: impl FnMut(&GoFile) -> Option<Evidence>,
) -> Option<Found> {
    let receiver = unparen(receiver);
    let field = receiver
        .field("field")
        .filter(|_| receiver.kind() == "selector_expression")?
        .text()
        .to_string();
    for (path, text) in scope::package_siblings(file, &format!(".{method}(")) {
        if !text.contains(&field) {
            continue;
        }
        let gf = GoFile::parse_in(&file.files, &path, &text, file.module.clone());
        if gf.package_name != file.package_name {
            continue;
        }
        if let Some(e) = find(&gf) {
            return Some(Found::There(e));
        }
    }
    None
}

/// [`same_pool`] for receivers in two files of one package: `a` in `fa`, `b`
/// in `fb` (the same field of values of the same struct type).
fn same_pool_across(fa: &GoFile, a: &GoNode, fb: &GoFile, b: &GoNode) -> bool {
    if fa.path == fb.path {
        return same_pool(fa, a, b);
    }
    let (a, b) = (unparen(a), unparen(b));
    if a.kind() != "selector_expression" || b.kind() != "selector_expression" {
        return false;
    }
    let field = |n: &GoNode| n.field("field").map(|f| f.text().to_string());
    if field(&a).is_none() || field(&a) != field(&b) {
        return false;
    }
    let ty = |f: &GoFile, n: &GoNode| {
        n.field("operand")
            .and_then(|o| Resolver::new(f).type_of(&o))
            .map(|t| crate::analysis::types::base_type_name(&t))
    };
    ty(fa, &a).is_some_and(|t| Some(t) == ty(fb, &b))
}

/// Two receivers name the same pool: the same text (`p`, `s.cache`), or the
/// same field of values of the same type (`s.last` in one method, `st.last` in
/// another).
fn same_pool(file: &GoFile, a: &GoNode, b: &GoNode) -> bool {
    let (a, b) = (unparen(a), unparen(b));
    if a.text() == b.text() {
        return true;
    }
    if a.kind() != "selector_expression" || b.kind() != "selector_expression" {
        return false;
    }
    let field = |n: &GoNode| n.field("field").map(|f| f.text().to_string());
    if field(&a).is_none() || field(&a) != field(&b) {
        return false;
    }
    let resolver = Resolver::new(file);
    let ty = |n: &GoNode| {
        n.field("operand")
            .and_then(|o| resolver.type_of(&o))
            .map(|t| crate::analysis::types::base_type_name(&t))
    };
    ty(&a).is_some_and(|t| Some(t) == ty(&b))
}

/// How a Get result is bound: the name holding it, and, for `x, ok := p.Get().(T)`,
/// the name of `ok`.
struct Bound<'r> {
    stmt: GoNode<'r>,
    value: String,
    ok: Option<String>,
}

fn bound<'r>(get: &GoNode<'r>) -> Option<Bound<'r>> {
    let list = pools::value_list_of(get)?;
    let stmt = list.parent()?;
    if !matches!(
        stmt.kind().as_ref(),
        "short_var_declaration" | "assignment_statement"
    ) || stmt
        .field("right")
        .is_none_or(|r| r.range() != list.range())
    {
        return None;
    }
    let lefts: Vec<GoNode> = stmt
        .field("left")?
        .named_children()
        .filter(|c| c.kind() != "comment")
        .collect();
    if lefts.iter().any(|l| l.kind() != "identifier") {
        return None;
    }
    Some(Bound {
        value: lefts.first()?.text().to_string(),
        ok: lefts.get(1).map(|o| o.text().to_string()),
        stmt,
    })
}

/// A Get checked for emptiness where an empty pool means "nothing was stored"
/// rather than "make a fresh one": the empty path returns nil, a zero value,
/// `false` or an error (or just ends), while the other path hands the object out or
/// keeps it between calls. A pool never promises to keep anything, so that path
/// is taken whenever the GC emptied it.
fn empty_means_nothing_stored(get: &GoNode) -> Option<String> {
    let func = scope::enclosing_function(get)?;
    // A pool's own wrapper (`func (p *Pool[T]) Get() T`) passes emptiness on to its
    // callers, as sync.Pool does: it is a pool, not a store.
    if func.field("name").is_some_and(|n| n.text() == "Get") {
        return None;
    }
    let EmptyTest {
        bound: b,
        check,
        empty_path,
        present_path,
    } = emptiness_test(get)?;
    // A drain (see [`drain_release`]) reads an empty pool as nothing left to
    // release, which a GC emptying it makes true too; it is graded apart.
    if drain_release(get).is_some() {
        return None;
    }
    let from = b.stmt.range().end;
    let names = pools::aliases(&func, &b.value, from);
    if func
        .dfs()
        .filter(|n| n.range().start >= from)
        .any(|n| pools::is_reset_of(&n, &names))
    {
        return None;
    }
    let nothing = match empty_path {
        // `if v == nil { return nil }` / `if !ok { return 0, false }`.
        Some(block) => {
            let last = decls::statements(&block).into_iter().last()?;
            last.kind() == "return_statement" && returns_absence(&last)
        }
        // `if v != nil { ... }` with no else: what follows the `if`.
        None => {
            let mut after = check.next();
            while after.as_ref().is_some_and(|a| a.kind() == "comment") {
                after = after.and_then(|a| a.next());
            }
            match after {
                Some(a) => a.kind() == "return_statement" && returns_absence(&a),
                // The function ends: state only if the object was kept somewhere.
                None => present_path
                    .as_ref()
                    .is_some_and(|p| stores_beyond_call(p, &names)),
            }
        }
    };
    nothing.then(|| {
        "an empty pool is taken to mean nothing was stored, and a non-empty one to hold what was put earlier; but Get returns any pooled object, and a GC may empty the pool at any time"
            .to_string()
    })
}

/// A Get in a loop that takes objects out until the pool is empty and only
/// calls a method on each (`for { v := p.Get(); if v == nil { return nil };
/// v.(*T).Close(ctx) }`): a drain that releases what the pool holds. An empty
/// pool means "nothing left to release", as true after a GC emptied it as
/// before; no object is handed on or kept. The release call.
fn drain_release<'r>(get: &GoNode<'r>) -> Option<GoNode<'r>> {
    let func = scope::enclosing_function(get)?;
    let looping = get
        .ancestors()
        .take_while(|a| !scope::is_function(a))
        .find(|a| a.kind() == "for_statement")?;
    let body = looping.field("body")?;
    let test = emptiness_test(get)?;
    // The empty path leaves the loop: `return`, `break`.
    let leaves = test.empty_path.as_ref().is_some_and(|p| {
        decls::statements(p)
            .last()
            .is_some_and(|l| matches!(l.kind().as_ref(), "return_statement" | "break_statement"))
    });
    if !leaves || !body.range().contains(&test.check.range().start) {
        return None;
    }
    let from = test.bound.stmt.range().end;
    let names = pools::aliases(&func, &test.bound.value, from);
    // Every use of the object in the loop after its test: a type assertion
    // binding an alias, or the receiver of a method call; one at least.
    let mut release = None;
    for id in body.dfs().filter(|n| {
        n.range().start >= test.check.range().start
            && n.kind() == "identifier"
            && names.contains(&n.text().to_string())
    }) {
        let Some(parent) = id.parent() else {
            return None;
        };
        if test
            .check
            .field("condition")
            .is_some_and(|c| c.range().contains(&id.range().start))
        {
            continue;
        }
        let mut up = parent.clone();
        while up.kind() == "parenthesized_expression"
            || (up.kind() == "type_assertion_expression"
                && up.field("operand").is_some_and(|o| o.range() == id.range()))
        {
            match up.parent() {
                Some(p) => up = p,
                None => return None,
            }
        }
        let receiver_of_call = up.kind() == "selector_expression"
            && up.parent().is_some_and(|c| c.kind() == "call_expression")
            && up
                .field("operand")
                .is_some_and(|o| o.range().contains(&id.range().start));
        let binds_alias = up.kind() == "expression_list"
            && up.parent().is_some_and(|d| {
                matches!(
                    d.kind().as_ref(),
                    "short_var_declaration" | "assignment_statement"
                ) && d.field("right").is_some_and(|r| r.range() == up.range())
            });
        let declares = up.kind() == "expression_list"
            && up
                .parent()
                .is_some_and(|d| d.field("left").is_some_and(|l| l.range() == up.range()));
        if receiver_of_call {
            release.get_or_insert(up.parent()?);
        } else if !(binds_alias || declares) {
            return None;
        }
    }
    release
}

/// How a Get's emptiness is tested: the binding, the `if` that tests it, the
/// path taken when the pool was empty and the one taken when it was not
/// (None where the `if` has no such branch).
struct EmptyTest<'r> {
    bound: Bound<'r>,
    check: GoNode<'r>,
    empty_path: Option<GoNode<'r>>,
    present_path: Option<GoNode<'r>>,
}

/// The `if` testing whether the Get bound just before (or in its header) found
/// the pool empty: `v == nil`, `v != nil`, `!ok`, `ok`.
fn emptiness_test<'r>(get: &GoNode<'r>) -> Option<EmptyTest<'r>> {
    let b = bound(get)?;
    // `v, ok := p.Get().(*T)` tests `ok`; `v, _ := ...` (or no comma-ok) tests `v`.
    let ok = b.ok.clone().filter(|o| o != "_");
    let tested = ok.clone().unwrap_or_else(|| b.value.clone());
    if tested == "_" {
        return None;
    }
    // The `if` testing it: the one whose header holds the binding, or one of the
    // next two statements.
    let check = match b.stmt.parent() {
        Some(p) if p.kind() == "if_statement" => Some(p),
        _ => {
            let mut found = None;
            let mut next = b.stmt.next();
            for _ in 0..2 {
                let Some(n) = next.clone() else { break };
                if n.kind() == "if_statement" {
                    found = Some(n);
                    break;
                }
                next = n.next();
            }
            found
        }
    }?;
    // `v != nil && v.key == key`: the first operand of `&&` (or of `||`, for
    // `v == nil || ...`) is the emptiness test; the rest only narrows it.
    let mut cond = unparen(&check.field("condition")?);
    while cond.kind() == "binary_expression"
        && cond
            .field("operator")
            .is_some_and(|o| matches!(o.text().as_ref(), "&&" | "||"))
    {
        cond = unparen(&cond.field("left")?);
    }
    let joined = check.field("condition").and_then(|c| {
        let c = unparen(&c);
        (c.kind() == "binary_expression")
            .then(|| c.field("operator").map(|o| o.text().to_string()))
            .flatten()
    });
    let empty_when_true = match (cond.kind().as_ref(), ok.is_some()) {
        ("binary_expression", false) => {
            let (l, r) = (
                unparen(&cond.field("left")?),
                unparen(&cond.field("right")?),
            );
            let names_it = (l.text() == tested && r.kind() == "nil")
                || (r.text() == tested && l.kind() == "nil");
            if !names_it {
                return None;
            }
            match cond.field("operator")?.text().as_ref() {
                "==" => true,
                "!=" => false,
                _ => return None,
            }
        }
        ("unary_expression", true) if cond.text().starts_with('!') => {
            if unparen(&cond.field("operand")?).text() != tested {
                return None;
            }
            true
        }
        ("identifier", true) if cond.text() == tested => false,
        _ => return None,
    };
    // `present && more` or `empty || more` split the paths as the test alone
    // does; `empty && more` and `present || more` do not.
    match joined.as_deref() {
        Some("&&") if empty_when_true => return None,
        Some("||") if !empty_when_true => return None,
        _ => {}
    }
    let consequence = check.field("consequence")?;
    let (empty_path, present_path) = if empty_when_true {
        (Some(consequence.clone()), None)
    } else {
        (check.field("alternative"), Some(consequence.clone()))
    };
    Some(EmptyTest {
        bound: b,
        check,
        empty_path,
        present_path,
    })
}

/// A `return` whose values all say "nothing here": nil, literals, `false`, a zero
/// composite `T{}`, a named value (an error, a default), an error built on the spot.
fn returns_absence(ret: &GoNode) -> bool {
    let Some(list) = ret.named_children().find(|c| c.kind() == "expression_list") else {
        return true;
    };
    let all = list
        .named_children()
        .filter(|c| c.kind() != "comment")
        .all(|v| {
            let v = unparen(&v);
            match v.kind().as_ref() {
                // A name: a sentinel error or default from outside, or a zero value
                // declared without one; a local given a value is something made here.
                "identifier" => match decls::lookup(&v, &v.text()) {
                    None => true,
                    Some(d) => d.kind == decls::DeclKind::Local && d.value.is_none(),
                },
                "nil"
                | "true"
                | "false"
                | "int_literal"
                | "float_literal"
                | "interpreted_string_literal"
                | "raw_string_literal"
                | "rune_literal"
                | "selector_expression" => true,
                "composite_literal" => v
                    .field("body")
                    .is_none_or(|b| b.named_children().all(|c| c.kind() == "comment")),
                // `&Settings{Theme: "light", Size: 12}`: defaults, set from
                // constants, for when nothing was stored. (`&T{}` alone is a
                // fresh scratch object, the ordinary fallback.)
                "unary_expression" if v.text().starts_with('&') => v
                    .field("operand")
                    .map(|o| unparen(&o))
                    .filter(|o| o.kind() == "composite_literal")
                    .and_then(|o| o.field("body"))
                    .is_some_and(|b| {
                        let elems: Vec<GoNode> = b
                            .named_children()
                            .filter(|c| c.kind() != "comment")
                            .collect();
                        !elems.is_empty()
                            && elems.iter().all(|e| {
                                e.kind() == "keyed_element"
                                    && e.named_children().last().is_some_and(|val| {
                                        let val = pools::first_named(&val).unwrap_or(val);
                                        matches!(
                                            val.kind().as_ref(),
                                            "int_literal"
                                                | "float_literal"
                                                | "interpreted_string_literal"
                                                | "raw_string_literal"
                                                | "true"
                                                | "false"
                                        )
                                    })
                            })
                    }),
                "call_expression" => v.field("function").is_some_and(|f| {
                    let f = f.text();
                    f == "errors.New" || f == "fmt.Errorf" || f.ends_with(".Errorf")
                }),
                _ => false,
            }
        });
    all
}

/// True when `block` stores the object (one of `names`) in a field or a variable
/// declared outside the function: it is meant to outlive the call.
fn stores_beyond_call(block: &GoNode, names: &[String]) -> bool {
    block.dfs().any(|n| {
        if n.kind() != "assignment_statement" {
            return false;
        }
        let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
            return false;
        };
        let holds = right
            .dfs()
            .any(|x| x.kind() == "identifier" && names.contains(&x.text().to_string()));
        holds
            && left.named_children().any(|l| {
                let l = unparen(&l);
                match l.kind().as_ref() {
                    "selector_expression" | "index_expression" => true,
                    "identifier" => decls::lookup(&l, &l.text()).is_none(),
                    _ => false,
                }
            })
    })
}

/// Integer keys are size classes of scratch buffers; a string key names an entry.
fn keyed_by_name(key: &GoNode) -> bool {
    key.text() == "string"
}

/// A comment on or just above the Get saying it expects the earlier instance back.
fn expectation_comment(file: &GoFile, get: &GoNode) -> Option<String> {
    let stmt = get
        .ancestors()
        .find(|a| a.parent().is_some_and(|p| p.kind() == "statement_list"))?;
    let text = file.text();
    let line_of = |at: usize| text[..at].matches('\n').count();
    let first = line_of(stmt.range().start);
    let last = line_of(stmt.range().end);
    let mut comments = vec![];
    // Trailing comments on the statement's lines, then the comment lines right above.
    let mut next = stmt.next();
    while let Some(n) = next {
        if n.kind() != "comment" || line_of(n.range().start) > last {
            break;
        }
        comments.push(n.text().to_string());
        next = n.next();
    }
    let mut prev = stmt.prev();
    let mut line = first;
    while let Some(p) = prev {
        if p.kind() != "comment" || line_of(p.range().end) + 1 < line {
            break;
        }
        line = line_of(p.range().start);
        comments.push(p.text().to_string());
        prev = p.prev();
    }
    let expects = comments.iter().any(|c| {
        let c = c.to_ascii_lowercase();
        (c.contains("expect") || c.contains("assum") || c.contains("rely") || c.contains("relies"))
            && [
                "previous", "same", "earlier", "last", "put back", "we put", "stored", "saved",
            ]
            .iter()
            .any(|w| c.contains(w))
    });
    expects.then(|| "the comment expects Get to return the object put earlier".to_string())
}

/// On a pool without `New`, Get returns nil when the pool is empty: a type assertion
/// without comma-ok panics, and a value used without a nil check dereferences nil.
fn unchecked_get(get: &GoNode) -> Option<String> {
    let why = "the pool has no New, so Get returns nil whenever it is empty (after every GC), and this use assumes an earlier Put is still there";
    let mut up = get.clone();
    while let Some(p) = up.parent() {
        if p.kind() != "parenthesized_expression" {
            break;
        }
        up = p;
    }
    let parent = up.parent()?;
    if parent.kind() == "type_assertion_expression" {
        return match comma_ok_names(&parent) {
            None => Some(why.to_string()),
            Some((value, ok)) => {
                let checked = ok.as_deref().is_some_and(|o| o != "_")
                    || value
                        .as_deref()
                        .is_some_and(|v| nil_checked_after(&parent, v));
                (!checked).then(|| why.to_string())
            }
        };
    }
    // `v := p.Get()` then `v.(*T)` without a nil check or comma-ok.
    let stmt = parent.parent()?;
    let name = match stmt.kind().as_ref() {
        "short_var_declaration" | "assignment_statement" | "var_spec" => {
            let left = stmt.field("left").or_else(|| stmt.field("name"))?;
            let first = if left.kind() == "expression_list" {
                left.named_children().next()?
            } else {
                left
            };
            first.text().to_string()
        }
        _ => return None,
    };
    if nil_checked_after(get, &name) {
        return None;
    }
    let func = scope::enclosing_function(get)?;
    let start = get.range().end;
    let asserted_bare = func.dfs().any(|n| {
        n.range().start >= start
            && n.kind() == "type_assertion_expression"
            && n.field("operand")
                .is_some_and(|o| unparen(&o).kind() == "identifier" && unparen(&o).text() == name)
            && comma_ok_names(&n).is_none()
            && n.field("type").is_some_and(|t| t.text() != "type")
    });
    asserted_bare.then(|| why.to_string())
}

/// For `x, ok := e.(T)` (or `=`), the names of `x` and `ok`; None for a bare assertion.
fn comma_ok_names(assertion: &GoNode) -> Option<(Option<String>, Option<String>)> {
    let list = assertion.parent()?;
    if list.kind() != "expression_list" || list.named_children().count() != 1 {
        return None;
    }
    let stmt = list.parent()?;
    if !matches!(
        stmt.kind().as_ref(),
        "short_var_declaration" | "assignment_statement" | "var_spec"
    ) {
        return None;
    }
    let lefts: Vec<String> = match stmt.field("left") {
        Some(l) => l.named_children().map(|c| c.text().to_string()).collect(),
        None => stmt
            .field_children("name")
            .map(|c| c.text().to_string())
            .collect(),
    };
    (lefts.len() == 2).then(|| (Some(lefts[0].clone()), Some(lefts[1].clone())))
}

/// A comparison of `name` with nil, a comma-ok assertion or a type switch on it,
/// after `at` in its function.
fn nil_checked_after(at: &GoNode, name: &str) -> bool {
    let Some(func) = scope::enclosing_function(at) else {
        return false;
    };
    let start = at.range().start;
    let checked =
        func.dfs()
            .filter(|n| n.range().start >= start)
            .any(|n| match n.kind().as_ref() {
                "binary_expression" => {
                    let (Some(l), Some(r)) = (n.field("left"), n.field("right")) else {
                        return false;
                    };
                    let (l, r) = (unparen(&l), unparen(&r));
                    (l.text() == name && r.kind() == "nil")
                        || (r.text() == name && l.kind() == "nil")
                }
                "type_assertion_expression" => {
                    n.field("operand")
                        .is_some_and(|o| unparen(&o).text() == name)
                        && comma_ok_names(&n).is_some()
                }
                "type_switch_statement" => n.text().contains(name),
                _ => false,
            });
    checked
}

/// An object fresh from a Get read for what an earlier user left in it.
struct OldRead {
    /// The variable holding it.
    name: String,
    /// The read, as written.
    what: String,
    at: usize,
    /// A `Put` of the same object after the read (or deferred): the object
    /// goes back carrying this caller's state, for the next Get to read;
    /// and whether it is deferred.
    put_back: Option<(usize, bool)>,
}

/// The object just taken from the pool is read for what an earlier user left in it
/// (`s.count++`, `s.total += n`, `if e.key == key`, `return s.last`, a copy of
/// the whole of it, `*p`, or a method that only reads it and compares it with
/// the caller's key) before anything resets or overwrites it.
fn old_state_read(file: &GoFile, get: &GoNode) -> Option<OldRead> {
    // `return *p.Get().(*T)`: copied out as it comes.
    if let Some(deref) = get
        .ancestors()
        .take_while(|a| {
            matches!(
                a.kind().as_ref(),
                "parenthesized_expression" | "type_assertion_expression" | "unary_expression"
            )
        })
        .find(|a| a.kind() == "unary_expression")
    {
        let operand = deref.field("operand").map(|o| unparen(&o))?;
        let copies = deref.text().starts_with('*')
            && operand.kind() == "type_assertion_expression"
            && (ObjectType {
                asserted: operand.field("type").map(|t| t.text().to_string()),
                file,
                at: get.clone(),
            })
            .deref_copies_contents()
            && deref_as_value(&deref);
        return copies.then(|| OldRead {
            name: exprs::first_line(&get.text()),
            what: exprs::first_line(&deref.text()),
            at: deref.range().start,
            put_back: None,
        });
    }
    let list = pools::value_list_of(get)?;
    let stmt = list.parent()?;
    let name = match stmt.kind().as_ref() {
        "short_var_declaration" | "assignment_statement" => stmt
            .field("left")?
            .named_children()
            .next()?
            .text()
            .to_string(),
        "var_spec" => stmt.field("name")?.text().to_string(),
        _ => return None,
    };
    let func = scope::enclosing_function(get)?;
    let receiver = pools::get_receiver(get)?;
    let from = stmt.range().end;
    let names = pools::aliases(&func, &name, from);
    let object = ObjectType::of(file, get, &func, &names, from);
    // Branches that give the pooled object up (see `rejected_on_match`): what
    // they do with the variable concerns a fresh object.
    let mut given_up: Vec<std::ops::Range<usize>> = vec![];
    for n in func.dfs().filter(|n| n.range().start >= from) {
        if given_up.iter().any(|r| r.contains(&n.range().start)) {
            continue;
        }
        if pools::is_reset_of(&n, &names) {
            return None;
        }
        // A method called through the object (`p.Decode(buf)`), or the object
        // handed to a function, before any read may initialise it: what is read
        // afterwards need not be what an earlier user left.
        if initialises(&n, &names, &object) {
            return None;
        }
        let read = state_read(&n, &names)
            .or_else(|| copied_whole(&n, &names, &object))
            .or_else(|| key_compared_by_method(&n, &names, &object));
        if let Some(what) = read {
            // A validated cache: a stale or fresh object is set up anew in the
            // branch, whose own writes say nothing of an earlier user; what is
            // read after the `if` is still asked about.
            if let Some(branch) = revalidated(&n, &names) {
                given_up.push(branch);
                continue;
            }
            if let Some(branch) = rejected_on_match(&n, &names) {
                given_up.push(branch);
                continue;
            }
            // The state goes round: the object goes back into the pool in the
            // same function, carrying what this caller made of it; a deferred
            // Put runs as the function returns, after the read.
            let put_back = func
                .dfs()
                .find(|p| {
                    let after = p.range().start > n.range().start
                        || (p.range().start >= from
                            && p.parent().is_some_and(|d| d.kind() == "defer_statement"));
                    after
                        && pools::method_call(p, "Put", 1)
                            .is_some_and(|r| same_pool(file, &r, &receiver))
                        && p.field("arguments").is_some_and(|a| {
                            a.named_children().any(|x| {
                                let x = unparen(&x);
                                let x = if x.kind() == "unary_expression"
                                    && x.text().starts_with('&')
                                {
                                    x.field("operand").map(|o| unparen(&o)).unwrap_or(x)
                                } else {
                                    x
                                };
                                names.contains(&x.text().to_string())
                            })
                        })
                })
                .map(|p| {
                    let deferred = p.parent().is_some_and(|d| d.kind() == "defer_statement");
                    (p.range().start, deferred)
                });
            return Some(OldRead {
                name,
                what,
                at: n.range().start,
                put_back,
            });
        }
    }
    None
}

/// [`old_state_read`] as a finding at `get`: high when the object goes back
/// carrying this caller's state, or when the same pool is filled elsewhere
/// with data no Get handed out (the other half of storage); medium otherwise.
fn reads_old_state(file: &GoFile, get: &GoNode, receiver: &GoNode) -> Option<Why> {
    let read = old_state_read(file, get)?;
    let filled = if read.put_back.is_none() {
        put_from_elsewhere(file, receiver)
    } else {
        None
    };
    let mut w = Why::new(
        format!(
            "`{}` reads what an earlier user left in the object, as if Get returned that same object",
            read.what
        ),
        if read.put_back.is_some() || filled.is_some() {
            Confidence::High
        } else {
            Confidence::Medium
        },
    )
    .at(
        get.range().start,
        format!("`{}` taken from the pool here", read.name),
    )
    .at(read.at, "read for its earlier contents before anything sets them");
    match read.put_back {
        Some((p, false)) => {
            w = w.at(p, "put back with this caller's state, for the next Get to read")
        }
        Some((p, true)) => {
            w = w.at(
                p,
                "a deferred Put, run after the read as the function returns, puts it back with this caller's state for the next Get to read",
            )
        }
        None => {}
    }
    if let Some(found) = filled {
        w = w.at_found(found);
    }
    Some(w)
}

/// The type of the object a Get hands out, as far as the code says: the
/// type asserted on the Get (or on a variable holding it), and the file to
/// read that type's declaration and methods in.
struct ObjectType<'f, 'a, 'r> {
    /// The asserted type, `*T` or `T`, as written.
    asserted: Option<String>,
    file: &'f GoFile<'a>,
    /// A node of the file, to find its declarations from.
    at: GoNode<'r>,
}

impl<'f, 'a, 'r> ObjectType<'f, 'a, 'r> {
    fn of(
        file: &'f GoFile<'a>,
        get: &GoNode<'r>,
        func: &GoNode<'r>,
        names: &[String],
        from: usize,
    ) -> ObjectType<'f, 'a, 'r> {
        let on_get = get
            .ancestors()
            .take_while(|a| {
                matches!(
                    a.kind().as_ref(),
                    "parenthesized_expression" | "type_assertion_expression"
                )
            })
            .find(|a| a.kind() == "type_assertion_expression")
            .and_then(|a| a.field("type"));
        let later = || {
            func.dfs()
                .filter(|n| n.range().start >= from && n.kind() == "type_assertion_expression")
                .find(|n| {
                    n.field("operand").map(|o| unparen(&o)).is_some_and(|o| {
                        o.kind() == "identifier" && names.contains(&o.text().to_string())
                    })
                })
                .and_then(|n| n.field("type"))
        };
        ObjectType {
            asserted: on_get.or_else(later).map(|t| t.text().to_string()),
            file,
            at: get.clone(),
        }
    }

    /// The name of the object's type when it is declared in this package
    /// (`route` for `*route`).
    fn local_name(&self) -> Option<String> {
        let t = self.asserted.as_deref()?.trim().trim_start_matches('*');
        let t = crate::analysis::types::base_type_name(t);
        let is_name = !t.is_empty() && t.chars().all(|c| c.is_alphanumeric() || c == '_');
        is_name.then_some(t)
    }

    /// `*x` copies what the object holds: it points to a value the code
    /// shows to carry plain data (a number, a string, a struct declared in
    /// this package with such a field: `Cursor{After []byte; Count int}`).
    /// A pointer to a slice, or to a struct of slices, buffers and pointers
    /// only, is kept for its memory (`buf := (*bp)[:0]`, `*sw = *pooled`
    /// taking over a buffer); a type parameter or a type of another package
    /// may be either, so neither is claimed.
    fn deref_copies_contents(&self) -> bool {
        let Some(t) = self.asserted.as_deref().map(str::trim) else {
            return false;
        };
        let Some(pointee) = t.strip_prefix('*').map(str::trim) else {
            return false;
        };
        if is_plain_value_type(self.file, pointee) {
            return true;
        }
        let name = crate::analysis::types::base_type_name(pointee);
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return false;
        }
        let resolver = Resolver::new(self.file);
        let Some(decl) = resolver.type_decl(&name) else {
            return false;
        };
        decl.underlying.trim_start().starts_with("struct")
            && decl
                .fields
                .iter()
                .any(|(_, ty)| is_plain_value_type(self.file, ty))
    }

    /// The package's method `name` of this object's type, when this file
    /// declares exactly one that can be it.
    fn method(&self, name: &str) -> Option<GoNode<'r>> {
        let ty = self.local_name();
        let methods: Vec<GoNode> = decls::methods_named(&self.at, name)
            .into_iter()
            .filter(|m| {
                ty.as_ref()
                    .is_none_or(|t| decls::receiver_of(m).is_some_and(|(_, r)| &r == t))
            })
            .collect();
        match methods.as_slice() {
            [m] => Some(m.clone()),
            _ => None,
        }
    }
}

/// `*x` (or `*x.(*T)`) read as a value, the whole of what an earlier user
/// left in the object copied out (`return Iterator{cur: *pos}`, `v := *p`).
fn copied_whole(n: &GoNode, names: &[String], object: &ObjectType) -> Option<String> {
    if n.kind() != "unary_expression" || !n.text().starts_with('*') {
        return None;
    }
    let operand = unparen(&n.field("operand")?);
    let inner = if operand.kind() == "type_assertion_expression" {
        unparen(&operand.field("operand")?)
    } else {
        operand.clone()
    };
    if inner.kind() != "identifier" || !names.contains(&inner.text().to_string()) {
        return None;
    }
    let copies = if operand.kind() == "type_assertion_expression" {
        ObjectType {
            asserted: operand.field("type").map(|t| t.text().to_string()),
            file: object.file,
            at: object.at.clone(),
        }
        .deref_copies_contents()
    } else {
        object.deref_copies_contents()
    };
    (copies && deref_as_value(n)).then(|| n.text().to_string())
}

/// The dereference `n` (`*p`) is read as a value: not written to (`*p =
/// T{}`), not addressed, indexed, sliced or selected through (those are other
/// reads or writes).
fn deref_as_value(n: &GoNode) -> bool {
    let mut up = n.clone();
    while let Some(p) = up
        .parent()
        .filter(|p| p.kind() == "parenthesized_expression")
    {
        up = p;
    }
    let Some(parent) = up.parent() else {
        return false;
    };
    let as_value = match parent.kind().as_ref() {
        "selector_expression" | "index_expression" | "slice_expression" | "call_expression" => {
            false
        }
        "unary_expression" => false,
        "expression_list" => parent.parent().is_none_or(|s| {
            !(matches!(
                s.kind().as_ref(),
                "assignment_statement" | "short_var_declaration"
            ) && s.field("left").is_some_and(|l| l.range() == parent.range()))
        }),
        "inc_statement" | "dec_statement" => false,
        _ => true,
    };
    as_value
}

/// `x.m(key)` whose result is used, `m` being a method of the object's type
/// that only reads the object and compares what it holds with one of its own
/// parameters (`r.method != method`): the object is asked whether it is the
/// one this caller wants, which only an object some earlier caller left can be.
fn key_compared_by_method(n: &GoNode, names: &[String], object: &ObjectType) -> Option<String> {
    let name = method_through(n, names)?;
    if scope::as_statement(n)
        .is_some_and(|s| s.kind() == "expression_statement" && s.range() == n.range())
    {
        return None;
    }
    let method = object.method(&name)?;
    let (Some(recv), _) = decls::receiver_of(&method)? else {
        return None;
    };
    if !only_reads_receiver(&method, &recv) || !compares_receiver_with_param(&method, &recv) {
        return None;
    }
    Some(exprs::first_line(&n.text()))
}

/// For `x.m(...)` with `x` one of `names`, the method's name.
fn method_through(n: &GoNode, names: &[String]) -> Option<String> {
    if n.kind() != "call_expression" {
        return None;
    }
    let f = unparen(&n.field("function")?);
    if f.kind() != "selector_expression" {
        return None;
    }
    let o = unparen(&f.field("operand")?);
    (o.kind() == "identifier" && names.contains(&o.text().to_string()))
        .then(|| f.field("field").map(|m| m.text().to_string()))
        .flatten()
}

/// A method that writes nothing through its receiver `recv`, nor through a
/// local taken from it: no assignment, increment or `append`/`copy` into
/// something rooted there, no method called through it, it (or its address)
/// handed to no function, and no closure that sees it.
fn only_reads_receiver(method: &GoNode, recv: &str) -> bool {
    let Some(body) = method.field("body") else {
        return false;
    };
    let mut held: Vec<String> = vec![recv.to_string()];
    let nodes = decls::own_nodes(&body);
    let rooted =
        |e: &GoNode, held: &[String]| pools::root_ident(e).is_some_and(|r| held.contains(&r));
    for n in &nodes {
        match n.kind().as_ref() {
            "func_literal" => {
                if n.dfs()
                    .any(|x| x.kind() == "identifier" && held.contains(&x.text().to_string()))
                {
                    return false;
                }
            }
            "short_var_declaration" | "assignment_statement" | "range_clause" => {
                let (Some(left), right) = (n.field("left"), n.field("right")) else {
                    continue;
                };
                for l in left.named_children() {
                    let l = unparen(&l);
                    // `r.f = v`, `r.m[k] = v`, `*r = v`: a write.
                    if l.kind() != "identifier" && rooted(&l, &held) {
                        return false;
                    }
                }
                // `x := r.items` (or ranged over): writes through `x` write the object.
                if right.is_some_and(|r| rooted(&r, &held)) {
                    for l in left.named_children() {
                        if l.kind() == "identifier" && l.text() != "_" {
                            held.push(l.text().to_string());
                        }
                    }
                }
            }
            "inc_statement" | "dec_statement" => {
                if n.named_children().next().is_some_and(|e| rooted(&e, &held)) {
                    return false;
                }
            }
            "call_expression" => {
                let Some(f) = n.field("function").map(|f| unparen(&f)) else {
                    return false;
                };
                if f.kind() == "selector_expression"
                    && f.field("operand").is_some_and(|o| rooted(&o, &held))
                {
                    return false;
                }
                let builtin_read = f.kind() == "identifier"
                    && matches!(f.text().as_ref(), "len" | "cap")
                    && decls::lookup(&f, &f.text()).is_none();
                let args: Vec<GoNode> = crate::analysis::exprs::call_args(&n);
                for (i, a) in args.iter().enumerate() {
                    let a = unparen(a);
                    if !rooted(&a, &held) || builtin_read {
                        continue;
                    }
                    let whole = a.kind() == "identifier" && a.text() == recv;
                    let addressed = a.kind() == "unary_expression" && a.text().starts_with('&');
                    let filled = i == 0
                        && f.kind() == "identifier"
                        && matches!(f.text().as_ref(), "append" | "copy" | "clear");
                    if whole || addressed || filled {
                        return false;
                    }
                }
            }
            _ => {}
        }
    }
    true
}

/// `len(x)` or `cap(x)` gives `x`, what is measured; anything else itself.
fn measured<'r>(e: &GoNode<'r>) -> GoNode<'r> {
    let e = unparen(e);
    let builtin = e.kind() == "call_expression"
        && e.field("function")
            .is_some_and(|f| matches!(f.text().as_ref(), "len" | "cap"));
    if builtin {
        if let Some(x) = e.field("arguments").and_then(|a| a.named_children().next()) {
            return unparen(&x);
        }
    }
    e
}

/// The method compares something its receiver holds with one of its
/// parameters, by `==` or `!=`: a key check.
fn compares_receiver_with_param(method: &GoNode, recv: &str) -> bool {
    let params: Vec<String> = method
        .field("parameters")
        .map(|l| decls::params_of(&l, decls::DeclKind::Param))
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.name)
        .filter(|n| n != "_")
        .collect();
    if params.is_empty() {
        return false;
    }
    let Some(body) = method.field("body") else {
        return false;
    };
    let found = decls::own_nodes(&body).iter().any(|n| {
        if n.kind() != "binary_expression"
            || !n
                .field("operator")
                .is_some_and(|o| matches!(o.text().as_ref(), "==" | "!="))
        {
            return false;
        }
        let (Some(l), Some(r)) = (n.field("left"), n.field("right")) else {
            return false;
        };
        let root = |e: &GoNode| pools::root_ident(&unparen(e));
        let is = |e: &GoNode, set: &[String]| root(e).is_some_and(|x| set.contains(&x));
        let recv = [recv.to_string()];
        // `r.method != method`, or a field's length against a parameter's.
        let (l, r) = (measured(&l), measured(&r));
        (is(&l, &recv) && l.kind() != "identifier" && is(&r, &params))
            || (is(&r, &recv) && r.kind() != "identifier" && is(&l, &params))
    });
    found
}

/// The byte range of an `if` body that gives the pooled object up when the
/// read `n` in the `if`'s condition matches: it assigns the variable a new
/// value there (`if e.key == key { pool.Put(e); e = &Entry{} }`, a guard
/// against reusing an object that still looks like the caller's). The read
/// then decides only whether to keep the object, never what the caller gets
/// from it: the program does the same whatever Get returned.
fn rejected_on_match(n: &GoNode, names: &[String]) -> Option<std::ops::Range<usize>> {
    let mut if_stmt = n.parent()?;
    loop {
        match if_stmt.kind().as_ref() {
            "if_statement" => break,
            "block" | "func_literal" | "function_declaration" | "method_declaration" => {
                return None
            }
            _ => if_stmt = if_stmt.parent()?,
        }
    }
    let cond = if_stmt.field("condition")?;
    if !(cond.range().start <= n.range().start && n.range().end <= cond.range().end) {
        return None;
    }
    let body = if_stmt.field("consequence")?;
    let replaced = crate::analysis::decls::statements(&body)
        .iter()
        .any(|stmt| {
            stmt.kind() == "assignment_statement"
                && stmt.field("left").is_some_and(|l| {
                    l.named_children().count() == 1
                        && l.named_children()
                            .next()
                            .is_some_and(|v| names.contains(&unparen(&v).text().to_string()))
                })
                && stmt
                    .field("right")
                    .is_some_and(|r| !r.dfs().any(|x| pools::method_call(&x, "Get", 0).is_some()))
        });
    replaced.then(|| body.range())
}

/// The read `n` (a comparison in an `if` condition) checks that the object
/// suits this caller, and the branch taken otherwise sets what it checked: `if
/// s.h == nil || s.format != want { s.h = build(want); s.format = want }`, a
/// validated cache, as right with an object fresh from `New` as with an earlier
/// user's. The condition is an `||` of tests each true when the object does
/// not suit (`!=`, `== nil`), so the branch runs unless every test found it
/// suiting; the branch assigns, in statements of its own (not under a further
/// `if`), every field of the object the condition reads, and every field the
/// function reads after the `if`. The branch, to be passed over.
fn revalidated(n: &GoNode, names: &[String]) -> Option<std::ops::Range<usize>> {
    // Up through `||` and parentheses to the `if` whose condition `n` is in.
    let mut top = n.clone();
    let if_stmt = loop {
        let Some(p) = top.parent() else {
            return None;
        };
        match p.kind().as_ref() {
            "parenthesized_expression" => top = p,
            "binary_expression" if p.field("operator").is_some_and(|o| o.text() == "||") => top = p,
            "if_statement"
                if p.field("condition")
                    .is_some_and(|c| c.range() == top.range()) =>
            {
                break p
            }
            _ => return None,
        }
    };
    let Some(cond) = if_stmt.field("condition") else {
        return None;
    };
    // Every test of the `||` chain says "does not suit".
    let mut tests = vec![cond.clone()];
    let mut leaves = vec![];
    while let Some(t) = tests.pop() {
        let t = unparen(&t);
        let op = t.field("operator").map(|o| o.text().to_string());
        match (t.kind().as_ref(), op.as_deref()) {
            ("binary_expression", Some("||")) => {
                tests.extend(t.field("left"));
                tests.extend(t.field("right"));
            }
            _ => leaves.push(t),
        }
    }
    let unsuited = |t: &GoNode| {
        let op = t.field("operator").map(|o| o.text().to_string());
        t.kind() == "binary_expression"
            && match op.as_deref() {
                Some("!=") => true,
                Some("==") => [t.field("left"), t.field("right")]
                    .iter()
                    .flatten()
                    .any(|x| unparen(x).kind() == "nil"),
                _ => false,
            }
    };
    if !leaves.iter().all(unsuited) {
        return None;
    }
    let field_of = |e: &GoNode| -> Option<String> {
        (e.kind() == "selector_expression"
            && e.field("operand")
                .map(|o| unparen(&o))
                .is_some_and(|o| o.kind() == "identifier" && names.contains(&o.text().to_string())))
        .then(|| e.field("field").map(|f| f.text().to_string()))
        .flatten()
    };
    let read: std::collections::BTreeSet<String> =
        cond.dfs().filter_map(|e| field_of(&e)).collect();
    let Some(body) = if_stmt.field("consequence") else {
        return None;
    };
    let assigned: std::collections::BTreeSet<String> = decls::statements(&body)
        .iter()
        .filter(|s| {
            s.kind() == "assignment_statement"
                && s.field("operator").is_some_and(|o| o.text() == "=")
        })
        .filter_map(|s| s.field("left"))
        .flat_map(|l| l.named_children().collect::<Vec<_>>())
        .filter_map(|l| field_of(&unparen(&l)))
        .collect();
    if read.is_empty() || !read.is_subset(&assigned) {
        return None;
    }
    // What the function reads of the object after the `if` is what the branch
    // set up (`if w.client != c { w.client = c }` followed by `w.calls++` keeps
    // another client's count: state).
    let func = scope::enclosing_function(&if_stmt)?;
    let end = if_stmt.range().end;
    let only_set = |e: &GoNode| {
        e.parent().is_some_and(|l| {
            l.kind() == "expression_list"
                && l.parent().is_some_and(|a| {
                    a.kind() == "assignment_statement"
                        && a.field("operator").is_some_and(|o| o.text() == "=")
                        && a.field("left").is_some_and(|x| x.range() == l.range())
                })
        })
    };
    let unprepared = func.dfs().any(|e| {
        e.range().start >= end
            && field_of(&e).is_some_and(|f| !assigned.contains(&f))
            && !only_set(&e)
    });
    (!unprepared).then(|| body.range())
}

/// `x.M(...)` called through the pooled object, or `x` (or `&x`) handed to a
/// function or method, both taken as initialising it: the callee is not read
/// here, and a decoder, parser or builder is commonly filled that way.
fn initialises(n: &GoNode, names: &[String], object: &ObjectType) -> bool {
    if n.kind() != "call_expression" {
        return false;
    }
    let Some(f) = n.field("function").map(|f| unparen(&f)) else {
        return false;
    };
    let through = f.kind() == "selector_expression"
        && f.field("operand")
            .map(|o| unparen(&o))
            .is_some_and(|o| o.kind() == "identifier" && names.contains(&o.text().to_string()));
    let handed = n.field("arguments").is_some_and(|a| {
        a.named_children().any(|x| {
            let x = unparen(&x);
            let x = if x.kind() == "unary_expression" && x.text().starts_with('&') {
                x.field("operand").map(|o| unparen(&o)).unwrap_or(x)
            } else {
                x
            };
            x.kind() == "identifier" && names.contains(&x.text().to_string())
        })
    });
    let is_put = pools::method_call(n, "Put", 1).is_some();
    // `len(x.buf)`-like builtins read; they never see the object itself.
    let builtin = f.kind() == "identifier"
        && matches!(f.text().as_ref(), "len" | "cap" | "print" | "println")
        && decls::lookup(&f, &f.text()).is_none();
    if !(through || handed) || is_put || builtin {
        return false;
    }
    // A method of the object's type, declared in this file, that provably
    // writes nothing through its receiver only reads: it initialises nothing.
    if through && !handed {
        if let Some(method) = f.field("field").and_then(|m| object.method(&m.text())) {
            let reads_only = match decls::receiver_of(&method) {
                Some((Some(recv), _)) if recv != "_" => only_reads_receiver(&method, &recv),
                Some(_) => true,
                None => false,
            };
            if reads_only || writes_nothing(&method) {
                return false;
            }
        }
    }
    true
}

/// A method whose body assigns nothing, increments nothing and calls nothing.
fn writes_nothing(method: &GoNode) -> bool {
    method.field("body").is_some_and(|b| {
        !decls::own_nodes(&b).iter().any(|n| {
            matches!(
                n.kind().as_ref(),
                "assignment_statement"
                    | "inc_statement"
                    | "dec_statement"
                    | "call_expression"
                    | "short_var_declaration"
                    | "send_statement"
                    | "func_literal"
            )
        })
    })
}

/// `x.f` (a field of one of `names`, not a method call) read as state by `n`.
fn state_read(n: &GoNode, names: &[String]) -> Option<String> {
    let field_of = |e: &GoNode| {
        let e = unparen(e);
        (e.kind() == "selector_expression"
            && e.parent()
                .is_none_or(|p| p.kind() != "call_expression" || p.field("function").is_none())
            && e.field("operand")
                .map(|o| unparen(&o))
                .is_some_and(|o| o.kind() == "identifier" && names.contains(&o.text().to_string())))
        .then(|| e.text().to_string())
    };
    match n.kind().as_ref() {
        "inc_statement" | "dec_statement" => n.named_children().next().and_then(|e| field_of(&e)),
        "assignment_statement" => {
            let op = n.field("operator")?.text().to_string();
            if op == "=" {
                return None;
            }
            field_of(&n.field("left")?.named_children().next()?)
        }
        "binary_expression" => {
            let op = n.field("operator")?.text().to_string();
            if !matches!(op.as_str(), "==" | "!=") {
                return None;
            }
            let (l, r) = (unparen(&n.field("left")?), unparen(&n.field("right")?));
            // A key compared with what the pooled object was last used for.
            let is_key = |e: &GoNode| {
                matches!(e.kind().as_ref(), "identifier" | "selector_expression")
                    && e.kind() != "nil"
                    && !matches!(e.text().as_ref(), "true" | "false" | "nil" | "iota")
            };
            if let Some(f) = field_of(&l) {
                return is_key(&r)
                    .then(|| n.text().to_string())
                    .filter(|_| !f.is_empty());
            }
            if let Some(f) = field_of(&r) {
                return is_key(&l)
                    .then(|| n.text().to_string())
                    .filter(|_| !f.is_empty());
            }
            None
        }
        "return_statement" => {
            let list = n.named_children().find(|c| c.kind() == "expression_list")?;
            let read = list.named_children().find_map(|e| field_of(&e));
            read
        }
        _ => None,
    }
}

fn on_put<'r>(file: &'r GoFile, put: &GoNode<'r>, receiver: &GoNode<'r>) -> Option<Why> {
    let pool = pools::resolve_pool(file, receiver)?;
    let at = put.range().start;
    let arg = put
        .field("arguments")?
        .named_children()
        .find(|c| c.kind() != "comment")?;
    if let Some(key) = &pool.map_key {
        if keyed_by_name(key)
            && !reset_before(put, &unparen(&arg).text())
            && !keyed_gets_reinitialise(file, receiver)
        {
            return Some(
                Why::new(
                    format!(
                        "a pool per {} key is used as a cache, but what is put here will not reliably be found under its key",
                        key.text()
                    ),
                    Confidence::Medium,
                )
                .at(at, format!("put into a pool chosen by a {} key, with no reset", key.text()))
                .raised_by(keyed_put_from_elsewhere(file).filter(|(p, _)| *p == at)),
            );
        }
    }
    // A Get of this pool that reads an empty pool as "nothing stored": the
    // value put is expected back.
    let (reader, how) = match read_back_as_state(file, receiver) {
        Some((found, how)) => (Some(found), Some(how)),
        None => (None, None),
    };
    let graded = |why: String, what: &str| {
        let reads_back = reader.is_some() && how != Some(ReadBack::Drain);
        let mut w = Why::new(
            why,
            if reads_back {
                Confidence::High
            } else {
                Confidence::Medium
            },
        )
        .at(at, what.to_string());
        if let Some(r) = reader.clone().filter(|_| reads_back) {
            w = w.at_found(r);
        }
        w
    };
    if let Some(why) = populated_value(&arg, put) {
        return Some(graded(why, "a value built with data, put away"));
    }
    if let Some(why) = value_put(file, &arg) {
        return Some(graded(
            why,
            "a plain value, which a Get can only hand back as a copy",
        ));
    }
    let arg = unparen(&arg);
    // The object put: `x`, `s.cur`, or the variable behind `&x` (a pointer to a
    // parameter or local value is never an object a Get handed out).
    let (object, from_elsewhere) = match arg.kind().as_ref() {
        "identifier" => (arg.clone(), pools::get_binding(put, &arg.text()).is_none()),
        "selector_expression" => (arg.clone(), true),
        "unary_expression" if arg.text().starts_with('&') => {
            match arg.field("operand").map(|o| unparen(&o)) {
                Some(o) if o.kind() == "identifier" => {
                    let fresh = pools::get_binding(put, &o.text()).is_none();
                    (o, fresh)
                }
                _ => (arg.clone(), false),
            }
        }
        _ => (arg.clone(), false),
    };
    // A Get that reads old contents may be ordinary reuse gone wrong; the
    // value put must then visibly carry outside data, not be a fresh local.
    let from_elsewhere = from_elsewhere
        && (matches!(how, Some(ReadBack::EmptyAsNothing | ReadBack::Drain))
            || outside_value(put, &arg));
    if from_elsewhere && !reset_before(put, &object.text()) {
        if let (Some(r), Some(ReadBack::Drain)) = (reader.clone(), how) {
            return Some(
                Why::new(
                    keyed(
                        &pool,
                        format!(
                            "`{}` is put here, and the only Get that expects it back is a drain that releases what it finds: if a GC drops it first, it is never released; a leak only if it holds what the GC cannot free",
                            arg.text()
                        ),
                    ),
                    Confidence::Medium,
                )
                .at(
                    at,
                    format!(
                        "`{}`, which no Get handed out, is put into the pool, where only a drain looks for it (lowers confidence)",
                        arg.text()
                    ),
                )
                .at_found(r),
            );
        }
        if let Some(r) = reader.clone() {
            let why = match how {
                Some(ReadBack::OldContents) => format!(
                    "`{}` is put here to be found by a later Get that reads the object it gets for what was put earlier",
                    arg.text()
                ),
                _ => format!(
                    "`{}` is put here to be found by a later Get that treats an empty pool as nothing stored",
                    arg.text()
                ),
            };
            return Some(
                Why::new(keyed(&pool, why), Confidence::High)
                    .at(
                        at,
                        format!(
                            "`{}`, which no Get handed out, is put into the pool",
                            arg.text()
                        ),
                    )
                    .at_found(r),
            );
        }
    }
    if arg.kind() == "identifier" && pools::get_binding(put, &arg.text()).is_some() {
        if pools::put_back_unfilled(put, &arg.text()) {
            return Some(
                Why::new(
                    format!(
                        "`{}` goes back while short of full, for the next Get to extend: the pool carries a partial batch between calls, and a GC drops it with everything it collected",
                        arg.text()
                    ),
                    Confidence::High,
                )
                .at(at, "put back only while short of full, then the function returns"),
            );
        }
    }
    if arg.kind() == "identifier" && put.parent().is_some_and(|p| p.kind() == "defer_statement") {
        if let Some(ret) = returned_after_deferred_put(put, &arg.text()) {
            return Some(
                Why::new(
                    format!(
                        "`{}` is returned to the caller while the deferred Put hands it back to the pool: the next Get may give the same object to another goroutine",
                        arg.text()
                    ),
                    Confidence::High,
                )
                .at(at, "the deferred Put runs as the function returns")
                .at(ret, "the same object is returned to the caller"),
            );
        }
    }
    if arg.kind() == "identifier" {
        return used_after_put(put, &arg.text()).map(|(why, use_at)| {
            Why::new(why, Confidence::High)
                .at(at, "put back here")
                .at(use_at, "still used after the Put")
        });
    }
    None
}

/// [`empty_means_nothing_stored`], for a pool without a `New`. With one, Get is
/// never empty: if New can fail (returns nil), a nil Get is that failure, not an
/// absence; if it cannot, the nil check is a defensive assertion that never runs
/// (`if p == nil { return errors.New("pool returned nil") }`), and what follows is
/// the ordinary reuse of a fresh or pooled object.
fn stored_state_get<'r>(pool: &pools::PoolInfo<'r>, get: &GoNode<'r>) -> Option<String> {
    if pool.new_func.is_some() {
        return None;
    }
    empty_means_nothing_stored(get)
}

/// `why`, said of a pool kept per key: then the pools are a cache.
fn keyed(pool: &pools::PoolInfo, why: String) -> String {
    match &pool.map_key {
        Some(key) => format!(
            "pools kept per {} key are used as a cache: {why}",
            key.text()
        ),
        None => why,
    }
}

/// How a Get of a pool reads back what was put in it.
#[derive(Clone, Copy, PartialEq)]
enum ReadBack {
    /// It treats an empty pool as "nothing stored" ([`empty_means_nothing_stored`]).
    EmptyAsNothing,
    /// It reads the object for what an earlier user left in it ([`old_state_read`]).
    OldContents,
    /// It drains the pool to release each object ([`drain_release`]): it
    /// expects what was put to be there, but only to release it.
    Drain,
}

/// Where a Get of the same pool (the same receiver text, or the same field of
/// the same struct type, in this file or another of the package) reads back
/// what was put in it, and how; one that treats an empty pool as "nothing
/// stored" is preferred.
fn read_back_as_state(file: &GoFile, receiver: &GoNode) -> Option<(Found, ReadBack)> {
    let in_file = |gf: &GoFile, how: ReadBack| {
        // Every Get of the same pool resolves to the same pool: resolve it once
        // per file, not once per Get (which walked the file per Get, per match).
        let mut pool = None;
        pools::method_calls(gf, "Get", 0)
            .into_iter()
            .find(|call| {
                pools::get_receiver(call).is_some_and(|r| {
                    same_pool_across(file, receiver, gf, &r)
                        && match how {
                            ReadBack::EmptyAsNothing => pool
                                .get_or_insert_with(|| pools::resolve_pool(gf, &r))
                                .as_ref()
                                .is_some_and(|pool| stored_state_get(pool, call).is_some()),
                            ReadBack::OldContents => old_state_read(gf, call).is_some(),
                            ReadBack::Drain => {
                                pool.get_or_insert_with(|| pools::resolve_pool(gf, &r))
                                    .as_ref()
                                    .is_some_and(|pool| pool.new_func.is_none())
                                    && drain_release(call).is_some()
                            }
                        }
                })
            })
            .map(|c| c.range().start)
    };
    for how in [
        ReadBack::EmptyAsNothing,
        ReadBack::OldContents,
        ReadBack::Drain,
    ] {
        let what = match how {
            ReadBack::EmptyAsNothing => "a Get of this pool reads an empty pool as nothing stored",
            ReadBack::OldContents => {
                "a Get of this pool reads the object it hands out for what an earlier user left in it"
            }
            ReadBack::Drain => "a Get of this pool drains it, to release each object it finds",
        };
        if let Some(at) = in_file(file, how) {
            return Some((Found::Here(at, what.into()), how));
        }
        if let Some(found) = across_package(file, receiver, "Get", |gf| {
            in_file(gf, how).map(|at| gf.evidence(at, what))
        }) {
            return Some((found, how));
        }
    }
    None
}

/// A value of a plain type (a number, a string, a bool, `time.Time`, a struct
/// value): nothing in it can be reused as scratch space, since Get hands back a
/// copy, so it is in the pool only to be read back.
fn value_put(file: &GoFile, arg: &GoNode) -> Option<String> {
    let arg = unparen(arg);
    let literal = matches!(
        arg.kind().as_ref(),
        "int_literal"
            | "float_literal"
            | "interpreted_string_literal"
            | "raw_string_literal"
            | "true"
            | "false"
    );
    let ty = if literal {
        None
    } else {
        match arg.kind().as_ref() {
            "identifier" | "selector_expression" => Resolver::new(file).type_of(&arg),
            _ => None,
        }
    };
    let plain = literal || ty.as_deref().is_some_and(|t| is_plain_value_type(file, t));
    plain.then(|| {
        format!(
            "`{}` is a plain value: a pool reuses memory only through pointers, so this value is there only to be read back later",
            arg.text()
        )
    })
}

const PLAIN_TYPES: &[&str] = &[
    "bool",
    "string",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uintptr",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "byte",
    "rune",
    "time.Time",
    "time.Duration",
];

fn is_plain_value_type(file: &GoFile, ty: &str) -> bool {
    let ty = ty.trim();
    if PLAIN_TYPES.contains(&ty) {
        return true;
    }
    // A struct or basic type declared in this package, by value.
    let is_name = !ty.is_empty() && ty.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !is_name {
        return false;
    }
    let resolver = Resolver::new(file);
    let Some(decl) = resolver.type_decl(ty) else {
        return false;
    };
    let u = decl.underlying.trim();
    if PLAIN_TYPES.contains(&u) {
        return true;
    }
    // A struct of plain fields only: no slice, map or pointer to reuse.
    u.starts_with("struct")
        && !decl.fields.is_empty()
        && decl.embedded.is_empty()
        && decl
            .fields
            .iter()
            .all(|(_, t)| PLAIN_TYPES.contains(&t.trim()))
}

/// True when the object `target` (an expression's text) is reset before `put` in its
/// function: `w.Reset(nil); pools[k].Put(w)`.
fn reset_before(put: &GoNode, target: &str) -> bool {
    let Some(func) = scope::enclosing_function(put) else {
        return false;
    };
    let at = put.range().start;
    let found = func
        .dfs()
        .take_while(|n| n.range().start < at)
        .any(|n| is_reset_call_on(&n, target));
    found
}

/// `target.Reset(...)` (or another reset-like method) called on exactly `target`.
fn is_reset_call_on(n: &GoNode, target: &str) -> bool {
    if n.kind() != "call_expression" {
        return false;
    }
    let Some(f) = n.field("function").map(|f| unparen(&f)) else {
        return false;
    };
    f.kind() == "selector_expression"
        && f.field("field")
            .is_some_and(|m| pools::is_reset_name(&m.text()))
        && f.field("operand")
            .is_some_and(|o| unparen(&o).text() == target)
}

/// True when the object a Get hands out is reset (re-pointed, re-initialised)
/// after the Get in its function: `rw.w = pools[name].Get().(Encoder); rw.w.Reset(dst)`.
fn reinitialised_after(get: &GoNode) -> bool {
    let Some(list) = pools::value_list_of(get) else {
        return false;
    };
    let Some(stmt) = list.parent() else {
        return false;
    };
    let Some(target) = stmt
        .field("left")
        .and_then(|l| l.named_children().find(|c| c.kind() != "comment"))
    else {
        return false;
    };
    let Some(func) = scope::enclosing_function(get) else {
        return false;
    };
    let from = stmt.range().end;
    let target = unparen(&target);
    let names = if target.kind() == "identifier" {
        pools::aliases(&func, &target.text(), from)
    } else {
        vec![]
    };
    let text = target.text().to_string();
    let found = func.dfs().filter(|n| n.range().start >= from).any(|n| {
        is_reset_call_on(&n, &text) || (!names.is_empty() && pools::is_reset_of(&n, &names))
    });
    found
}

/// True when the object a Get hands out is returned to the caller (`d, ok :=
/// pools[enc].Get().(io.ReadCloser); return d, ok`, or `return p.Get()`): a
/// getter for a pool whose caller sets the object up, as any user of a pool
/// does; nothing here reads it.
fn returned_to_caller(get: &GoNode) -> bool {
    let mut up = get.parent();
    while let Some(p) = up {
        match p.kind().as_ref() {
            "return_statement" => return true,
            "block" | "func_literal" | "function_declaration" | "method_declaration" => break,
            _ => up = p.parent(),
        }
    }
    let Some(stmt) = pools::value_list_of(get).and_then(|l| l.parent()) else {
        return false;
    };
    let Some(target) = stmt
        .field("left")
        .and_then(|l| l.named_children().find(|c| c.kind() != "comment"))
        .map(|t| unparen(&t))
        .filter(|t| t.kind() == "identifier")
    else {
        return false;
    };
    let Some(func) = scope::enclosing_function(get) else {
        return false;
    };
    let from = stmt.range().end;
    let names = pools::aliases(&func, &target.text(), from);
    let returned = func
        .dfs()
        .filter(|n| n.range().start >= from && n.kind() == "return_statement")
        .any(|r| {
            r.dfs()
                .any(|x| x.kind() == "identifier" && names.contains(&x.text().to_string()))
        });
    returned
}

/// True when the file takes objects out of the keyed pools that `receiver`
/// (`pools[name]`) indexes, and every such Get re-initialises the object or
/// hands it to a caller that does: a pool per key of interchangeable objects
/// (one per encoding), not a cache, whatever goes back in without a reset.
fn keyed_gets_reinitialise(file: &GoFile, receiver: &GoNode) -> bool {
    let map_of = |r: &GoNode| {
        let r = unparen(r);
        (r.kind() == "index_expression")
            .then(|| r.field("operand").map(|o| o.text().to_string()))
            .flatten()
    };
    let Some(map) = map_of(receiver) else {
        return false;
    };
    let gets: Vec<GoNode> = pools::method_calls(file, "Get", 0)
        .into_iter()
        .filter(|g| {
            pools::method_call(g, "Get", 0)
                .is_some_and(|r| map_of(&r).as_deref() == Some(map.as_str()))
        })
        .collect();
    !gets.is_empty()
        && gets
            .iter()
            .all(|g| reinitialised_after(g) || callers_reinitialise(file, g))
}

/// True when the Get sits in a getter (its object is returned to the caller)
/// and every call of that getter in the file re-initialises what it returns
/// (`r, ok := takeReader(enc); r.Reset(body)`): the set-up is the caller's. A
/// getter whose callers use what it returns as it comes (a cache's `load`)
/// is no such helper.
fn callers_reinitialise(file: &GoFile, get: &GoNode) -> bool {
    if !returned_to_caller(get) {
        return false;
    }
    let Some(name) = scope::enclosing_function(get)
        .filter(|f| f.kind() == "function_declaration")
        .and_then(|f| f.field("name"))
        .map(|n| n.text().to_string())
    else {
        return false;
    };
    let calls: Vec<GoNode> = file
        .root
        .root()
        .dfs()
        .filter(|n| {
            n.kind() == "call_expression"
                && n.field("function")
                    .is_some_and(|f| f.kind() == "identifier" && f.text() == name)
        })
        .collect();
    !calls.is_empty() && calls.iter().all(reinitialised_after)
}

/// A value built with data in this function and put away, rather than an object
/// taken from the pool: `p.Put(&State{User: u})`, or `s := &State{}; s.n = n; p.Put(s)`.
fn populated_value(arg: &GoNode, put: &GoNode) -> Option<String> {
    let arg = unparen(arg);
    fn literal<'r>(e: &GoNode<'r>) -> Option<GoNode<'r>> {
        let e = unparen(e);
        match e.kind().as_ref() {
            "composite_literal" => Some(e),
            "unary_expression" if e.text().starts_with('&') => {
                Some(unparen(&e.field("operand")?)).filter(|o| o.kind() == "composite_literal")
            }
            _ => None,
        }
    }
    let carries_data = |lit: &GoNode| literal_carries_data(lit);
    let why = "this puts a value holding data into the pool to be found later";
    if let Some(lit) = literal(&arg) {
        return carries_data(&lit).then(|| why.to_string());
    }
    if arg.kind() != "identifier" {
        return None;
    }
    let name = arg.text().to_string();
    if pools::get_binding(put, &name).is_some() {
        return None;
    }
    let func = scope::enclosing_function(put)?;
    let at = put.range().start;
    let mut built: Option<GoNode> = None;
    let mut filled = false;
    for n in func.dfs().filter(|n| n.range().start < at) {
        if let Some(v) = pools::assigned_value(&n, &name) {
            built = literal(&v);
            filled = built.as_ref().is_some_and(&carries_data);
        } else if built.is_some() && n.kind() == "assignment_statement" {
            // `s.field = value` on the fresh object.
            filled |= n.field("left").is_some_and(|l| {
                l.named_children().any(|x| {
                    let x = unparen(&x);
                    x.kind() == "selector_expression"
                        && x.field("operand")
                            .is_some_and(|o| o.kind() == "identifier" && o.text() == name)
                })
            });
        }
    }
    (built.is_some() && filled).then(|| why.to_string())
}

/// A `return` of `name` itself (a pointer the pool now owns) in the function
/// of a deferred `Put(name)`: the caller keeps using what the pool hands out next.
fn returned_after_deferred_put(put: &GoNode, name: &str) -> Option<usize> {
    let func = scope::enclosing_function(put)?;
    let after = put.range().end;
    decls::own_nodes(&func.field("body")?)
        .into_iter()
        .filter(|n| n.kind() == "return_statement" && n.range().start >= after)
        .find(|r| {
            r.named_children()
                .find(|c| c.kind() == "expression_list")
                .is_some_and(|l| {
                    l.named_children()
                        .any(|v| unparen(&v).kind() == "identifier" && unparen(&v).text() == name)
                })
        })
        .map(|r| r.range().start)
}

/// `p.Put(x)` followed, on the same path, by another use of `x`: the object now
/// belongs to the pool and may already be another goroutine's.
fn used_after_put(put: &GoNode, name: &str) -> Option<(String, usize)> {
    let stmt = scope::as_statement(put)?;
    if stmt.kind() != "expression_statement" {
        return None;
    }
    let mut cur = stmt;
    loop {
        let mut next = cur.next();
        while let Some(s) = next {
            if s.is_named() && s.kind() != "comment" {
                match use_in(&s, name, put) {
                    Use::Used => {
                        return Some((format!(
                            "`{name}` is still used after Put, as if the pool kept it for this caller; another goroutine may already have it"
                        ), s.range().start))
                    }
                    Use::Rebound => return None,
                    Use::None => {}
                }
                if is_terminating(&s) {
                    return None;
                }
            }
            next = s.next();
        }
        // End of a block: continue after the statement owning it, unless that is a
        // loop (the next iteration starts afresh) or the function itself.
        let list = cur.parent()?;
        let block = list.parent()?;
        let owner = if block.kind() == "block" {
            block.parent()?
        } else {
            block
        };
        if scope::is_function(&owner) || owner.kind() == "for_statement" {
            return None;
        }
        let mut up = owner;
        while up
            .parent()
            .is_some_and(|p| p.kind() != "statement_list" && !scope::is_function(&p))
        {
            up = up.parent()?;
        }
        if up.parent().is_none_or(|p| p.kind() != "statement_list") {
            return None;
        }
        cur = up;
    }
}

enum Use {
    None,
    Used,
    Rebound,
}

fn use_in(stmt: &GoNode, name: &str, put: &GoNode) -> Use {
    // `x = ...` first: the variable names another object from here on.
    if stmt.kind() == "assignment_statement"
        && stmt.field("operator").is_some_and(|o| o.text() == "=")
    {
        let rebinds = stmt.field("left").is_some_and(|l| {
            l.named_children()
                .any(|x| pools::same_variable(&x, put, name))
        });
        if rebinds {
            let reads = stmt
                .field("right")
                .is_some_and(|r| r.dfs().any(|n| pools::same_variable(&n, put, name)));
            return if reads { Use::Used } else { Use::Rebound };
        }
    }
    if stmt.kind() == "short_var_declaration"
        && stmt.field("left").is_some_and(|l| {
            l.named_children()
                .any(|x| x.kind() == "identifier" && x.text() == name)
        })
    {
        return Use::Rebound;
    }
    // A use of the same variable: a new `name :=` in a nested block (a loop's
    // own `item := p.Get()`) is another object. `len(buf)` of a slice reads
    // the caller's own copy of the header, not the array another Get may own.
    let slice = got_as_slice(put, name);
    let used = stmt
        .dfs()
        .any(|n| pools::same_variable(&n, put, name) && !(slice && is_len_or_cap_argument(&n)));
    if used {
        Use::Used
    } else {
        Use::None
    }
}

/// True when `name` holds the pool's object as a slice (`buf :=
/// p.Get().([]byte)`): its length and capacity live in the variable itself.
fn got_as_slice(put: &GoNode, name: &str) -> bool {
    pools::get_binding(put, name).is_some_and(|b| {
        b.stmt.dfs().any(|n| {
            n.kind() == "type_assertion_expression"
                && n.field("type").is_some_and(|t| t.kind() == "slice_type")
        })
    })
}

/// True when `n` is the one argument of a call of the builtin `len` or `cap`.
fn is_len_or_cap_argument(n: &GoNode) -> bool {
    let Some(args) = n.parent().filter(|a| a.kind() == "argument_list") else {
        return false;
    };
    args.named_children().count() == 1
        && args.parent().is_some_and(|call| {
            call.kind() == "call_expression"
                && call.field("function").is_some_and(|f| {
                    f.kind() == "identifier" && matches!(f.text().as_ref(), "len" | "cap")
                })
        })
}

fn is_terminating(stmt: &GoNode) -> bool {
    match stmt.kind().as_ref() {
        "return_statement" | "break_statement" | "continue_statement" | "goto_statement" => true,
        "expression_statement" => stmt.text().starts_with("panic("),
        _ => false,
    }
}
