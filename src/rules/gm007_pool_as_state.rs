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
/// receiver, a field, or the address of a parameter; not a Get's result.
fn outside_value(put: &GoNode, arg: &GoNode) -> bool {
    let arg = unparen(arg);
    match arg.kind().as_ref() {
        "identifier" => {
            pools::get_binding(put, &arg.text()).is_none()
                && decls::lookup(&arg, &arg.text())
                    .is_some_and(|d| d.kind != decls::DeclKind::Local)
        }
        "selector_expression" => true,
        "unary_expression" if arg.text().starts_with('&') => {
            arg.field("operand").map(|o| unparen(&o)).is_some_and(|o| {
                o.kind() == "identifier"
                    && decls::lookup(&o, &o.text())
                        .is_some_and(|d| d.kind != decls::DeclKind::Local)
            })
        }
        _ => false,
    }
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
    if let Some(w) = reads_old_state(get) {
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
    let b = bound(get)?;
    let func = scope::enclosing_function(get)?;
    // A pool's own wrapper (`func (p *Pool[T]) Get() T`) passes emptiness on to its
    // callers, as sync.Pool does: it is a pool, not a store.
    if func.field("name").is_some_and(|n| n.text() == "Get") {
        return None;
    }
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
    // The object re-initialised before use is scratch space whoever made it.
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

/// The object just taken from the pool is read for what an earlier user left in it
/// (`s.count++`, `s.total += n`, `if e.key == key`, `return s.last`) before anything
/// resets or overwrites it.
fn reads_old_state(get: &GoNode) -> Option<Why> {
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
    let from = stmt.range().end;
    let names = pools::aliases(&func, &name, from);
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
        if initialises(&n, &names) {
            return None;
        }
        if let Some(what) = state_read(&n, &names) {
            if let Some(branch) = rejected_on_match(&n, &names) {
                given_up.push(branch);
                continue;
            }
            // The state goes round: the object goes back into the pool in the
            // same function, carrying what this caller made of it.
            let put_back = func.dfs().find(|p| {
                p.range().start > n.range().start
                    && pools::method_call(p, "Put", 1).is_some()
                    && p.field("arguments").is_some_and(|a| {
                        a.named_children()
                            .any(|x| names.contains(&unparen(&x).text().to_string()))
                    })
            });
            let mut w = Why::new(
                format!(
                    "`{what}` reads what an earlier user left in the object, as if Get returned that same object"
                ),
                if put_back.is_some() {
                    Confidence::High
                } else {
                    Confidence::Medium
                },
            )
            .at(get.range().start, format!("`{name}` taken from the pool here"))
            .at(n.range().start, "read for its earlier contents before anything sets them");
            if let Some(p) = put_back {
                w = w.at(
                    p.range().start,
                    "put back with this caller's state, for the next Get to read",
                );
            }
            return Some(w);
        }
    }
    None
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

/// `x.M(...)` called through the pooled object, or `x` (or `&x`) handed to a
/// function or method, both taken as initialising it: the callee is not read
/// here, and a decoder, parser or builder is commonly filled that way.
fn initialises(n: &GoNode, names: &[String]) -> bool {
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
    // A method of this file that provably writes nothing (no assignment, no
    // increment, no call in its body) only reads: it initialises nothing.
    if through && !handed {
        if let Some(m) = f.field("field") {
            let methods = decls::methods_named(n, &m.text());
            if methods.len() == 1 && writes_nothing(&methods[0]) {
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
    let reader = read_back_as_state(file, receiver);
    let graded = |why: String, what: &str| {
        let mut w = Why::new(
            why,
            if reader.is_some() {
                Confidence::High
            } else {
                Confidence::Medium
            },
        )
        .at(at, what.to_string());
        if let Some(r) = &reader {
            w = w.at_found(r.clone());
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
    if from_elsewhere && !reset_before(put, &object.text()) {
        if let Some(r) = reader.clone() {
            let why = format!(
                "`{}` is put here to be found by a later Get that treats an empty pool as nothing stored",
                arg.text()
            );
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

/// Where a Get of the same pool (the same receiver text, or the same field of
/// the same struct type, in this file or another of the package) treats an
/// empty pool as "nothing stored" ([`empty_means_nothing_stored`]).
fn read_back_as_state(file: &GoFile, receiver: &GoNode) -> Option<Found> {
    let in_file = |gf: &GoFile| {
        // Every Get of the same pool resolves to the same pool: resolve it once
        // per file, not once per Get (which walked the file per Get, per match).
        let mut pool = None;
        pools::method_calls(gf, "Get", 0)
            .into_iter()
            .find(|call| {
                pools::get_receiver(call).is_some_and(|r| {
                    same_pool_across(file, receiver, gf, &r)
                        && pool
                            .get_or_insert_with(|| pools::resolve_pool(gf, &r))
                            .as_ref()
                            .is_some_and(|pool| stored_state_get(pool, call).is_some())
                })
            })
            .map(|c| c.range().start)
    };
    const WHAT: &str = "a Get of this pool reads an empty pool as nothing stored";
    if let Some(at) = in_file(file) {
        return Some(Found::Here(at, WHAT.into()));
    }
    across_package(file, receiver, "Get", |gf| {
        in_file(gf).map(|at| gf.evidence(at, WHAT))
    })
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
    let carries_data = |lit: &GoNode| {
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
    };
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
