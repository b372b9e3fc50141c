//! GM003: a goroutine whose loop never ends, and the fix that lets a context
//! stop it (its sleeps become a `select` that also waits on `ctx.Done()`).
//!
//! A loop has a way out when its own code (not a closure inside it) can leave
//! it: `return`, `goto`, a `break` that targets it or an outer statement, a
//! `continue` of an outer loop, `panic` or a call that ends the goroutine or the
//! program (`runtime.Goexit`, `os.Exit`, `log.Fatal`...). Receives count too,
//! as the rule's contract says: a receive from a `Done()` channel anywhere, a
//! plain receive from a channel other than a timer (the goroutine is a worker
//! paced by its input, not a sleeper), and a `range` over a channel or over
//! something that may be one. A receive that is a case of a `select` leaves
//! the loop only when its case does, which the `return`/`break` test sees.

use crate::analysis::callers::LIFECYCLE_ENDS;
use crate::analysis::context::context_in_scope_outside;
use crate::analysis::decls::{self, Decl};
use crate::analysis::types::Resolver;
use crate::analysis::{callers, exprs, scope};
use crate::finding::{Applicability, Edit};
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::imports::line_end;
use crate::outcome::{FixPlan, Grounds, Outcome};

/// Calls that end the goroutine or the whole program: the loop does stop.
const ENDING_CALLS: &[&str] = &[
    "Goexit", "Exit", "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln",
];
/// `context` functions whose first result is a cancellable child context.

/// One wait in the loop that the fix turns into a `select` on `ctx.Done()`.
#[derive(Clone)]
pub enum Sleep<'r> {
    /// `time.Sleep(d)` as a statement; `time` is the import's local name.
    Call {
        stmt: GoNode<'r>,
        time: String,
        duration: String,
    },
    /// `<-ch` as a statement, where `ch` is a timer's or ticker's channel.
    Receive { stmt: GoNode<'r>, channel: String },
    /// A `select` with a timer case: it gains a `ctx.Done()` case.
    Select { stmt: GoNode<'r> },
    /// The loop itself ranges over a timer's channel (`for range ticker.C`,
    /// `for t := range time.Tick(d)`): its header becomes `for {` and a `select`.
    Range {
        looping: GoNode<'r>,
        channel: String,
        /// The loop's variable and its type (`t`, `time.Time`), if it has one.
        var: Option<(String, String)>,
        /// `range time.NewTicker(d).C`: the call that makes the ticker or timer
        /// whose channel is ranged over, the channel's field, and whether it is
        /// the standard library's (so the fix stops it with `defer t.Stop()`).
        made: Option<(String, String, bool)>,
    },
    /// A receive from a channel field that nothing in the package closes
    /// (`job := <-w.jobs`): once its senders are gone it blocks forever. No
    /// edit: what the value received is needed for is the loop's business.
    Wait { stmt: GoNode<'r>, channel: String },
}

/// An endless loop in a goroutine's function.
#[derive(Clone)]
pub struct Leak<'r> {
    /// The function whose body holds the loop (a literal or a declaration).
    pub func: GoNode<'r>,
    pub looping: GoNode<'r>,
    pub sleeps: Vec<Sleep<'r>>,
    /// What keeps the loop going, as evidence says it.
    pub why: String,
}

/// The evidence line for a loop with no way out at all.
const NO_WAY_OUT: &str = "this loop has no way out: no return, break or receive ends it";

/// Finds a goroutine whose loop never exits and turns each sleep of the leaking loop into a
/// `select` that returns when a context is done. Safe with a context in scope;
/// otherwise unsafe: the enclosing function gains a `ctx context.Context` first
/// parameter and every call in the module passes one.
///
/// Graded from evidence (see the rule file's docs): high when a path that
/// starts it again and again is shown; medium when only a library's exported
/// API makes it repeatable, or when the loop ignores a context in scope; low
/// when the only evidence is exported-ness in an application, or when it keeps
/// nothing alive that grows.
pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    let node: &GoNode = m.get_node();
    if node.kind() == "call_expression" {
        return todo_call(file, node);
    }
    if crate::analysis::build::never_built(file.text()) {
        return Outcome::Silent;
    }
    let Some(func) = goroutine_function(node) else {
        let Some(call) = node.children().find(|c| c.kind() == "call_expression") else {
            return Outcome::Silent;
        };
        return crate::profile::stage("GM003 other file", || leak_in_callee(file, node, &call));
    };
    let found = crate::profile::stage("GM003 loop", || {
        match find_leak(file, &func, None) {
        Some(leak) => Some((leak, None)),
        // Its only way out waits on a context that is never done.
        None => never_done_context(file, &func).and_then(|ctx| {
            let mut leak = find_leak(file, &func, Some(&ctx))?;
            leak.why = format!(
                "this loop waits on `{ctx}.Done()`, but `{ctx}` is a `context.Background()` or `context.TODO()` that is never done: nothing ends the loop"
            );
            Some((leak, Some(ctx)))
        }),
    }
    });
    let Some((leak, never_done)) = found else {
        return match delegated_call(node) {
            Some(call) => {
                crate::profile::stage("GM003 other file", || leak_in_callee(file, node, &call))
            }
            None => Outcome::Silent,
        };
    };
    let anchor = sleep_node(&leak.sleeps[0]);
    let ignored = ignored_context(file, &anchor, &leak.looping);
    let mut repeat = crate::profile::stage("GM003 callers", || callers::repeat_path(file, node));
    if let Some(r) = repeat.as_mut() {
        repeats_through_own_goroutines(file, node, r);
    }
    if repeat.is_none() && ignored.is_none() {
        // Started a bounded number of times, and no context says it should end.
        return Outcome::Silent;
    }
    // Every call passes a constant that rules the start out (`debug(false)`):
    // it never starts, whatever context it ignores.
    if repeat.is_none() && callers::start_ruled_out(file, node).is_some() {
        return Outcome::Silent;
    }
    let mut grounds = grade(file, node, file, &leak, repeat.as_ref(), ignored.as_deref());
    let started = match (&repeat, &ignored) {
        (Some(r), _) => format!("it can be started again and again ({})", r.why),
        (None, Some(ctx)) => format!(
            "it is started a bounded number of times, but its loop ignores `{ctx}`, which is in scope: it outlives that context"
        ),
        (None, None) => unreachable!(),
    };
    // A goroutine shared by every caller asking for the same key must not end
    // with the context of the first one.
    let shared = repeat
        .as_ref()
        .map(|r| (r.per_key.clone(), r.singleton.clone()));
    let planned = match shared {
        _ if never_done.is_some() => Outcome::report_only(Some(format!(
            "no automatic fix: `{}` is never done; give the goroutine a context its callers cancel",
            never_done.as_deref().unwrap_or_default()
        ))),
        Some((Some(map), _)) => Outcome::report_only(Some(format!(
            "no automatic fix: the goroutine is shared by every caller that asks for the same key of `{map}`, so no one caller's context may stop it; give the map's owner a stop method that ends them all"
        ))),
        // A stop would leave the kept instance stopped for every later caller.
        Some((None, Some(var))) => Outcome::report_only(Some(format!(
            "no automatic fix: the goroutine serves the one instance `{var}` keeps for the whole process, so stopping it when one caller is done would leave every later caller a stopped instance"
        ))),
        // The first caller starts it for all: its context must not end it.
        _ if repeat.as_ref().is_some_and(|r| r.started_flag.is_some()) => {
            Outcome::report_only(Some(format!(
                "no automatic fix: the first caller starts it behind `{}` for every later one, so no one caller's context may stop it; give the flag's owner a stop method that ends it",
                repeat.as_ref().and_then(|r| r.started_flag.clone()).unwrap_or_default()
            )))
        }
        _ => {
            // Raised because the value's own stop leaves the goroutine behind: only a
            // fix that stop method triggers ends it (a context in scope is the
            // caller's, which that stop never cancels).
            let by_value_stop = repeat.as_ref().is_some_and(|r| {
                r.strength == callers::Strength::Api && outlives_value_stop(r, &leak.why)
            });
            crate::profile::stage("GM003 fix", || plan(file, node, &leak, by_value_stop))
        }
    };
    // The goroutine of the function that starts this one never ends either
    // (`go collect(...)`, where `collect` loops forever and starts this one
    // first): one root cause, reported once, at the outer start, which lists
    // this goroutine. Only a leak without a fix of its own is folded so, so
    // that no fix is lost.
    if let Some(r) = repeat.as_ref() {
        let report_only = matches!(&planned, Outcome::Report { fix: None, .. });
        if report_only && leaking_starter(file, node, r).is_some() {
            return Outcome::Silent;
        }
    }
    let mut out = match planned {
        Outcome::Report { message, fix, .. } => Outcome::Report {
            grounds: Grounds::default(),
            message: Some(match message {
                Some(m) => format!("{started}; {m}"),
                None => started,
            }),
            fix,
        },
        other => other,
    };
    if let Some(g) = out.grounds_mut() {
        std::mem::swap(g, &mut grounds);
    }
    out
}

/// A repeat whose loop runs inside a goroutine that the function starting
/// this one starts itself (`Run` starts watchers whose loop calls, a few
/// calls down, `Run` again): the start repeats only through its own
/// goroutines, a cycle that needs some first start from elsewhere and that
/// the code on it (a switch on a component name, a flag) most often cuts.
/// Such a path is not shown to run: the repeat is lowered to one whose path
/// is uncertain, with the goroutine as evidence.
fn repeats_through_own_goroutines(file: &GoFile, go_stmt: &GoNode, repeat: &mut callers::Repeat) {
    if repeat.strength != callers::Strength::Shown {
        return;
    }
    let Some(looped) = repeat.path.last() else {
        return;
    };
    let files = file.package();
    if files.canonical(&looped.path) != files.canonical(file.path) {
        return;
    }
    let Some(origin) = go_stmt.ancestors().find(|a| {
        matches!(
            a.kind().as_ref(),
            "function_declaration" | "method_declaration"
        )
    }) else {
        return;
    };
    let line_of = |offset: usize| crate::finding::Position::of_offset(file.text(), offset).line;
    let own = origin
        .dfs()
        .filter(|n| n.kind() == "go_statement")
        .filter_map(|g| goroutine_function(&g))
        .find(|f| line_of(f.range().start) <= looped.line && looped.line <= line_of(f.range().end));
    let Some(own) = own else {
        return;
    };
    let name = callers::function_name(&origin).unwrap_or_default();
    repeat.weaken(
        callers::Strength::Unsure,
        &format!("that loop runs in a goroutine `{name}` starts itself: the start repeats only through its own goroutines"),
        file.evidence(
            own.range().start,
            format!("the loop that would start it again runs in a goroutine `{name}` itself starts: a cycle through its own goroutines, not a path shown to run (lowers confidence)"),
        ),
    );
}

/// The `go` statement that starts the function holding `go_stmt`, when it is
/// the first hop of `repeat`'s path (`go collect(...)`, `collect` starting
/// this goroutine once, not in a loop of its own) and that function's own loop
/// never exits: the goroutine at `go_stmt` is left behind with it, each time
/// the outer one is. Its finding names this one (see [`nested_leaks`]).
fn leaking_starter<'r>(
    file: &'r GoFile,
    go_stmt: &GoNode,
    repeat: &callers::Repeat,
) -> Option<GoNode<'r>> {
    let func = scope::enclosing_function(go_stmt).filter(|f| {
        matches!(
            f.kind().as_ref(),
            "function_declaration" | "method_declaration"
        )
    })?;
    let first = repeat.path.first()?;
    let files = file.package();
    if files.canonical(&first.path) != files.canonical(file.path) {
        return None;
    }
    find_leak(file, &func, None)?;
    let line_of = |offset: usize| crate::finding::Position::of_offset(file.text(), offset).line;
    file.root
        .root()
        .dfs()
        .filter(|g| g.kind() == "go_statement" && line_of(g.range().start) == first.line)
        .find(|g| goroutine_function(g).is_some_and(|f| f.range() == func.range()))
}

/// The goroutines that `func` (a declared function whose own loop never
/// exits) starts in its own code whose loops never exit either: each start of
/// `func` leaves them behind too. Evidence for the finding of its start.
fn nested_leaks(file: &GoFile, func: &GoNode, g: &mut Grounds) {
    if func.kind() == "func_literal" {
        return;
    }
    let Some(body) = func.field("body") else {
        return;
    };
    let name = callers::function_name(func).unwrap_or_default();
    for inner in decls::own_nodes(&body)
        .into_iter()
        .filter(|n| n.kind() == "go_statement")
    {
        let Some(leak) = goroutine_function(&inner).and_then(|f| find_leak(file, &f, None)) else {
            continue;
        };
        let line =
            crate::finding::Position::of_offset(file.text(), leak.looping.range().start).line;
        g.push(file.evidence(
            inner.range().start,
            format!("`{name}` also starts a goroutine here whose loop (line {line}) never exits: each start of `{name}` leaves it behind too"),
        ));
    }
}

/// The context in scope at `at` (outside the leaking loop) that the loop never
/// waits on, unless it is one that never ends (`context.Background()`).
fn ignored_context(file: &GoFile, at: &GoNode, looping: &GoNode) -> Option<String> {
    let ctx = context_in_scope_outside(file, at, Some(looping))?;
    let name = ctx.split('.').next().unwrap_or(&ctx);
    let never_ends = decls::lookup(at, name).is_some_and(|d| {
        d.value.is_some_and(|v| {
            let t = v.text();
            t.ends_with(".Background()") || t.ends_with(".TODO()")
        }) || (d.kind == decls::DeclKind::Param
            && d.ident
                .ancestors()
                .find(|a| {
                    matches!(
                        a.kind().as_ref(),
                        "function_declaration" | "method_declaration"
                    )
                })
                .filter(|f| {
                    f.field("parameters")
                        .is_some_and(|p| p.range().contains(&d.ident.range().start))
                })
                .is_some_and(|f| crate::analysis::context::only_never_done_passed(file, &f, name)))
    });
    (!never_ends).then_some(ctx)
}

/// A context `func` waits on (`<-ctx.Done()`) that always holds
/// `context.Background()` or `context.TODO()`: such a wait never ends the loop.
fn never_done_context(file: &GoFile, func: &GoNode) -> Option<String> {
    func.dfs()
        .filter(|n| n.kind() == "call_expression" && n.text().ends_with(".Done()"))
        .find_map(|call| {
            let ctx = call
                .field("function")?
                .field("operand")
                .filter(|o| o.kind() == "identifier")?;
            crate::analysis::context::never_done(file, &ctx).then(|| ctx.text().to_string())
        })
}

/// One thing a leaked goroutine keeps reachable.
struct Pin {
    name: String,
    /// Its type as written, when known.
    ty: Option<String>,
    /// True when it may hold state that grows (an owner struct, a map, a
    /// slice, a value of unknown type); false for a number, a string, a
    /// duration, a writer or logger of the standard library, a function.
    grows: bool,
    offset: usize,
}

/// What the goroutine started at `go_stmt` keeps alive: the variables its
/// function literal captures from the starting function (its receiver, its
/// parameters and locals), or the receiver and arguments of a named function.
fn pins(file: &GoFile, go_stmt: &GoNode) -> Vec<Pin> {
    let Some(call) = go_stmt.children().find(|c| c.kind() == "call_expression") else {
        return vec![];
    };
    let types = Resolver::new(file);
    let mut out: Vec<Pin> = vec![];
    let add = |ident: &GoNode, out: &mut Vec<Pin>| {
        let name = ident.text().to_string();
        if name == "_" || out.iter().any(|p| p.name == name) {
            return;
        }
        let Some(d) = decls::lookup(ident, &name) else {
            return; // package-level: alive anyway
        };
        let ty =
            d.ty.as_ref()
                .map(|t| t.text().to_string())
                .or_else(|| types.type_of_ident(ident, &name));
        // `t := time.NewTicker(d)`: made by the standard library.
        let std_made = ty.is_none()
            && d.value.as_ref().is_some_and(|v| {
                v.kind() == "call_expression"
                    && v.field("function")
                        .and_then(|f| f.field("operand"))
                        .is_some_and(|o| is_std_qualifier(file, &o.text()))
            });
        let grows = !std_made && ty.as_deref().is_none_or(|t| may_grow(file, &types, t));
        out.push(Pin {
            name,
            ty,
            grows,
            offset: d.ident.range().start,
        });
    };
    let Some(mut callee) = call.field("function") else {
        return out;
    };
    // `go f()` where the local `f` always holds a literal or a method value.
    if callee.kind() == "identifier" {
        if let Some(v) = decls::fixed_value(go_stmt, &callee.text()) {
            callee = v;
        }
    }
    if callee.kind() == "func_literal" {
        let lit = callee.range();
        let mut n = 0;
        for id in callee.dfs().filter(|x| x.kind() == "identifier") {
            n += 1;
            if n > 400 {
                break;
            }
            let name = id.text();
            if out.iter().any(|p| p.name == name) {
                continue;
            }
            // Captured: declared outside the literal.
            if let Some(d) = decls::lookup(&id, &name) {
                if !(lit.start <= d.ident.range().start && d.ident.range().end <= lit.end) {
                    add(&id, &mut out);
                }
            }
        }
    } else if callee.kind() == "selector_expression" {
        if let Some(op) = callee.field("operand").filter(|o| o.kind() == "identifier") {
            add(&op, &mut out);
        }
    }
    if let Some(args) = call.field("arguments") {
        for a in args.named_children().filter(|a| a.kind() == "identifier") {
            add(&a, &mut out);
        }
    }
    out
}

/// True when `pkg` is the local name of an import of the standard library.
fn is_std_qualifier(file: &GoFile, pkg: &str) -> bool {
    file.imports
        .iter()
        .find(|i| i.local_name() == pkg)
        .is_some_and(|i| !i.path.split('/').next().unwrap_or_default().contains('.'))
}

/// Whether a value of type `ty` may hold state that grows.
fn may_grow(file: &GoFile, types: &Resolver, ty: &str) -> bool {
    let t = ty.trim().trim_start_matches('*').trim();
    if t.starts_with("map[") || t.starts_with("[]") {
        return true;
    }
    if t.starts_with("func") || t.starts_with("chan") || t.starts_with("<-chan") {
        return false;
    }
    if crate::analysis::types::is_predeclared(t) {
        return false;
    }
    if let Some((pkg, _)) = t.split_once('.') {
        // A type of the standard library (a writer, a logger, a duration, a
        // connection) holds what it holds, not the owner's growing state.
        return !is_std_qualifier(file, pkg);
    }
    match types.underlying(t) {
        Some(u) if u == t => true,
        Some(u) => {
            u.starts_with("struct")
                || u.starts_with("map[")
                || u.starts_with("[]")
                || !crate::analysis::types::is_predeclared(&u)
        }
        None => true,
    }
}

/// What the goroutine keeps alive, as evidence: each value that may grow, or
/// else one line naming what it keeps (nothing that grows).
fn pin_evidence(file: &GoFile, go_stmt: &GoNode, pinned: &[Pin], g: &mut Grounds) {
    let growing: Vec<&Pin> = pinned.iter().filter(|p| p.grows).collect();
    for p in &growing {
        let ty =
            p.ty.as_deref()
                .map(|t| format!(" (`{t}`)"))
                .unwrap_or_default();
        g.push(file.evidence(
            p.offset,
            format!(
                "the goroutine keeps `{}`{ty} alive for as long as it runs",
                p.name
            ),
        ));
    }
    if growing.is_empty() {
        let names: Vec<String> = pinned.iter().map(|p| format!("`{}`", p.name)).collect();
        let what = if names.is_empty() {
            "the goroutine captures nothing of its starter: only its own stack stays alive"
                .to_string()
        } else {
            format!(
                "the goroutine keeps only {} alive: nothing that grows",
                names.join(", ")
            )
        };
        g.push(file.evidence(go_stmt.range().start, what));
    }
}

/// The confidence and evidence of a leak found at `go_stmt`: the repeat path,
/// what the goroutine keeps alive, the context it ignores, and the loop.
fn grade(
    file: &GoFile,
    go_stmt: &GoNode,
    loop_file: &GoFile,
    leak: &Leak,
    repeat: Option<&callers::Repeat>,
    ignored: Option<&str>,
) -> Grounds {
    use crate::finding::Confidence::{High, Low, Medium};
    let pinned = pins(file, go_stmt);
    let grows = pinned.iter().any(|p| p.grows);
    let mut level = repeat.map_or(Low, |r| level_of(r, grows, &leak.why));
    // A loop that ignores a context in scope is worth a look wherever some path
    // may start it again (a library's API at least: exported-ness alone in a
    // module built into its own programs is no such path); started only a
    // bounded number of times (from `main`), it outlives nothing that the
    // process does not: low.
    let may_repeat = repeat.is_some_and(|r| r.strength > callers::Strength::Weak);
    if ignored.is_some() && may_repeat && level < Medium {
        level = Medium;
    }
    let mut g = Grounds::new(level);
    if let Some(r) = repeat {
        push_path(&mut g, r, &leak.why);
    }
    pin_evidence(file, go_stmt, &pinned, &mut g);
    if let Some(ctx) = ignored {
        g.push(file.evidence(
            leak.looping.range().start,
            format!("`{ctx}` is in scope, but this loop never waits on it"),
        ));
    }
    g.push(loop_file.evidence(leak.looping.range().start, leak.why.clone()));
    if std::ptr::eq(file, loop_file) {
        nested_leaks(file, &leak.func, &mut g);
    }
    // A comment that says the goroutine is meant to live as long as the
    // process lowers the confidence one level (it never silences alone), but
    // not a start on each pass of an endless loop of its own function (an
    // accept loop): that starts one per pass, whatever a comment says of one.
    let per_pass = go_stmt
        .ancestors()
        .take_while(|a| {
            !matches!(
                a.kind().as_ref(),
                "function_declaration" | "method_declaration" | "func_literal"
            )
        })
        .any(|a| a.kind() == "for_statement" && is_endless(&a));
    if let Some((offset, phrase)) =
        documented_as_process_long(file, go_stmt, loop_file, &leak.func).filter(|_| !per_pass)
    {
        g.push(file.evidence(
            offset,
            format!("a comment says it is meant to live as long as the process (\"{phrase}\"): confidence lowered one level"),
        ));
        g.confidence = Some(match level {
            High => Medium,
            _ => Low,
        });
    }
    g
}

/// The confidence a repeat gives a leak whose loop is kept going as `why`
/// says: high when a repeating path is shown; medium when it is shown only
/// through a call whose receiver's type is unknown, or when only a library's
/// API makes it repeatable and the goroutine keeps something that may grow
/// (high when that API makes values that have a stop method and the loop has
/// no way out at all: each value made and stopped leaves a goroutine behind);
/// low otherwise.
fn level_of(repeat: &callers::Repeat, grows: bool, why: &str) -> crate::finding::Confidence {
    use crate::finding::Confidence::{High, Low, Medium};
    match repeat.strength {
        callers::Strength::Shown => High,
        callers::Strength::Api if grows && outlives_value_stop(repeat, why) => High,
        callers::Strength::Unsure => Medium,
        callers::Strength::Api if grows => Medium,
        _ => Low,
    }
}

/// True when the API that repeats the start makes values with a stop method
/// ([`callers::Repeat::value_stop`]) that cannot end the loop: it has no way
/// out at all.
fn outlives_value_stop(repeat: &callers::Repeat, why: &str) -> bool {
    repeat.value_stop.is_some() && why == NO_WAY_OUT
}

/// The repeat's path as evidence, and the value's stop method the goroutine
/// outlives when that raises the finding.
fn push_path(g: &mut Grounds, repeat: &callers::Repeat, why: &str) {
    for e in &repeat.path {
        g.push(e.clone());
    }
    if let Some((_, stop)) = repeat.value_stop.as_ref() {
        if repeat.strength == callers::Strength::Api && outlives_value_stop(repeat, why) {
            g.push(stop.clone());
        }
    }
}

/// Phrases with which a comment accepts that something outlives its caller and
/// ends only with the process: the object is made to be long-lived, or the
/// loop is left to die with the process. A comment that only describes the
/// lifetime ("rescans for as long as the process runs") accepts nothing. Such
/// a comment lowers a finding's confidence; it never silences one.
const PROCESS_LONG: &[&str] = &[
    "long-lived",
    "long lived",
    "exit with the process",
    "exits with the process",
    "die with the process",
    "dies with the process",
    "end with the process",
    "ends with the process",
    "no stop function is needed",
];

/// Where a comment says the goroutine is meant to live as long as the
/// process, and the phrase: the doc comment of the function that starts it,
/// of its named goroutine function, or the comment right above the `go`
/// statement. `func` is the goroutine's function, declared in `func_file`.
fn documented_as_process_long(
    file: &GoFile,
    go_stmt: &GoNode,
    func_file: &GoFile,
    func: &GoNode,
) -> Option<(usize, &'static str)> {
    let text = file.text();
    let mut comments = vec![(go_stmt.range().start, scope::comment_above(text, go_stmt))];
    if let Some(f) = scope::enclosing_function(go_stmt).filter(|f| f.kind() != "func_literal") {
        comments.push((f.range().start, scope::comment_above(text, &f)));
    }
    if func.kind() != "func_literal" && std::ptr::eq(file, func_file) {
        comments.push((
            func.range().start,
            scope::comment_above(func_file.text(), func),
        ));
    }
    comments.iter().find_map(|(at, c)| {
        let words = c
            .to_lowercase()
            .replace("//", " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        PROCESS_LONG
            .iter()
            .find(|p| words.contains(*p))
            .map(|p| (*at, *p))
    })
}

/// `go func() { defer wg.Done(); s.loop(x) }()`: a literal whose only
/// statement besides its defers calls a function, whose loop the goroutine runs.
fn delegated_call<'r>(go_stmt: &GoNode<'r>) -> Option<GoNode<'r>> {
    let call = go_stmt.children().find(|c| c.kind() == "call_expression")?;
    let lit = call
        .field("function")
        .filter(|f| f.kind() == "func_literal")?;
    let stmts: Vec<GoNode> = decls::statements(&lit.field("body")?)
        .into_iter()
        .filter(|s| s.kind() != "defer_statement")
        .collect();
    match &stmts[..] {
        [only] if only.kind() == "expression_statement" => only
            .named_children()
            .next()
            .filter(|c| c.kind() == "call_expression"),
        _ => None,
    }
}

/// `go s.loop()` (or `go loop(x)`, or a literal that only calls it) whose
/// function another file of the package, or another package of the module,
/// declares: the loop is judged in that file and the finding stays at the `go`
/// statement, where the goroutine starts again and again. Report-only: the
/// sleeps to rewrite are in the callee, which other callers may share.
fn leak_in_callee(file: &GoFile, go_stmt: &GoNode, call: &GoNode) -> Outcome {
    let delegated = go_stmt
        .children()
        .find(|c| c.kind() == "call_expression")
        .is_none_or(|c| c.range() != call.range());
    if call
        .field("function")
        .is_none_or(|f| f.kind() == "func_literal")
    {
        return Outcome::Silent;
    }
    let root = file
        .module
        .as_ref()
        .map(|m| m.root.clone())
        .unwrap_or_default();
    // The callee's loop, judged once per run however many `go` statements run it.
    let found = callers::resolve_callee_with(
        file,
        call,
        Some(("gm003-callee-loop", "")),
        &mut |gf, decl| {
            let leak = find_leak(gf, decl, None)?;
            Some((
                callers::here(gf, &leak.looping, &root),
                gf.evidence(leak.looping.range().start, leak.why.clone()),
            ))
        },
    );
    let Some((looping, loop_evidence)) = found else {
        return Outcome::Silent;
    };
    let Some(repeat) =
        crate::profile::stage("GM003 callers", || callers::repeat_path(file, go_stmt))
    else {
        return Outcome::Silent;
    };
    let pinned = crate::profile::stage("GM003 pins", || pins(file, go_stmt));
    let grows = pinned.iter().any(|p| p.grows);
    let mut g = Grounds::new(level_of(&repeat, grows, &loop_evidence.what));
    push_path(&mut g, &repeat, &loop_evidence.what);
    pin_evidence(file, go_stmt, &pinned, &mut g);
    g.push(loop_evidence);
    let why_no_fix = if delegated {
        "the goroutine's function literal calls the function that loops"
    } else {
        "the loop is in another file"
    };
    Outcome::report_only(Some(format!(
        "it can be started again and again ({}); its loop at {looping} never exits; \
         no automatic fix: {why_no_fix}",
        repeat.why
    )))
    .graded(g)
}

/// The fix of one leak: its sleeps wait on a context too, the one in scope or
/// a new first parameter of the function that starts the goroutine.
fn plan<'r>(file: &GoFile, go_stmt: &GoNode<'r>, leak: &Leak<'r>, by_value_stop: bool) -> Outcome {
    if let Some(ch) = leak.sleeps.iter().find_map(|s| match s {
        Sleep::Wait { channel, .. } => Some(channel),
        _ => None,
    }) {
        return Outcome::report_only(Some(format!(
            "no automatic fix: the loop waits on `{ch}`, which nothing in the package closes; close it where its owner stops and return when the receive reports it closed (`v, ok := <-{ch}`), or wait on a done channel beside it"
        )));
    }
    if returns_values(&leak.func) {
        return Outcome::report_only(Some(
            "no automatic fix: the goroutine's function returns values, so a bare `return` cannot stop it".into(),
        ));
    }
    let anchor = sleep_node(&leak.sleeps[0]);
    // A context made inside the leaking loop lives one pass (`ctx, cancel :=
    // context.WithTimeout(...)` per request, often cancelled before the sleep):
    // waiting on it would end the goroutine after its first pass, not stop it.
    let in_scope = context_in_scope_outside(file, &anchor, Some(&leak.looping));
    let passed_over = by_value_stop && in_scope.is_some();
    if let Some(ctx) = in_scope.filter(|_| !by_value_stop) {
        // A request's context (`r.Context()`) ends when the handler returns:
        // right for a goroutine that works for that request (the catalogue's
        // `process`), wrong for one the handler leaves running on purpose (a
        // port forward's poller). The edit is offered, never applied unasked.
        let request = ctx.ends_with(".Context()");
        let plan = FixPlan {
            edits: sleep_edits(file.text(), &leak.sleeps, &format!("{ctx}.Done()")),
            applicability: Some(if request {
                Applicability::Unsafe
            } else {
                Applicability::Safe
            }),
            ..FixPlan::default()
        };
        if request {
            return Outcome::Report {
                grounds: Grounds::default(),
                message: Some(format!(
                    "the fix ends the goroutine with the request (`{ctx}` is done when the handler returns): right only if it must not outlive the request"
                )),
                fix: Some(plan),
            };
        }
        return Outcome::fix(plan);
    }
    // No context in scope. The value the goroutine belongs to, when its type
    // has a stop method, gets a done channel that method closes: the fix
    // maintainers merge.
    let advice = match owner_fix(file, go_stmt, leak) {
        Ok((fix, stop)) => {
            let message = match stop {
                OwnerStop::Starter => {
                    "the fix waits on the channel its starter already closes to end it".into()
                }
                OwnerStop::Method if passed_over => "the fix gives its owner a done channel that the owner's stop method closes (a context the caller hands in is not ended by that method)".into(),
                OwnerStop::Method => "no context in scope: the fix gives its owner a done channel that the owner's stop method closes".into(),
                OwnerStop::Closed if passed_over => "the fix waits on the channel the owner's stop method already closes (a context the caller hands in is not ended by that method)".into(),
                OwnerStop::Closed => "no context in scope: the fix waits on the channel the owner's stop method already closes".into(),
            };
            return Outcome::Report {
                grounds: Grounds::default(),
                message: Some(message),
                fix: Some(fix),
            };
        }
        Err(advice) if !advice.is_empty() => advice,
        Err(_) => "give the goroutine a way to stop (a context its callers cancel, or a channel its owner closes when it is done)".to_string(),
    };
    if by_value_stop {
        return Outcome::report_only(Some(format!(
            "no automatic fix: the value's own stop method must end the goroutine, and {advice}"
        )));
    }
    // Otherwise the function that starts (or is) the goroutine gets a context,
    // when every caller has a real one to pass.
    let owner = if leak.func.kind() == "func_literal" {
        match scope::enclosing_function(go_stmt) {
            Some(f) => f,
            None => {
                return Outcome::report_only(Some(format!(
                    "no context in scope and no automatic fix: {advice}"
                )))
            }
        }
    } else {
        leak.func.clone()
    };
    match callers::add_context_parameter(file, &owner) {
        // An import added to a file the parser only partly read could break it.
        Ok(_) if !file.error_ranges.is_empty() => Outcome::report_only(Some(
            "no context in scope and no automatic fix: the file is only partly parsed".into(),
        )),
        Ok(change) => {
            let mut edits = sleep_edits(
                file.text(),
                &leak.sleeps,
                &format!("{}.Done()", change.param),
            );
            edits.extend(change.edits);
            let name = callers::function_name(&owner).unwrap_or_default();
            let sites = match change.call_sites {
                0 => "it has no caller in the module".to_string(),
                1 => "its caller passes its own context".to_string(),
                n => format!("each of its {n} callers passes its own context"),
            };
            Outcome::Report {
                grounds: Grounds::default(),
                message: Some(format!(
                    "no context in scope: the fix adds `{} context.Context` as the first parameter of `{name}`, and {sites}",
                    change.param,
                )),
                fix: Some(FixPlan {
                    edits,
                    imports: change.imports,
                    applicability: Some(Applicability::Unsafe),
                    extra_files: change.extra_files,
                    ..FixPlan::default()
                }),
            }
        }
        Err(reason) => Outcome::report_only(Some(format!(
            "no context in scope and no automatic fix: {reason}; {advice}"
        ))),
    }
}

/// A call that passes `context.TODO()` as the first argument of a function of
/// the module whose goroutine stops only when that context is done: the
/// goroutine it starts cannot stop, so the leak is reported here, where a real
/// context must be wired in. This is where the finding of a fix that added a
/// `ctx` parameter moves to when a caller had no context of its own.
fn todo_call(file: &GoFile, call: &GoNode) -> Outcome {
    let Some(first) = call
        .field("arguments")
        .and_then(|a| a.named_children().find(|c| c.kind() != "comment"))
    else {
        return Outcome::Silent;
    };
    let is_todo = first.kind() == "call_expression"
        && first.field("arguments").is_some_and(|a| a.text() == "()")
        && first.field("function").is_some_and(|f| {
            f.kind() == "selector_expression"
                && f.field("field").is_some_and(|n| n.text() == "TODO")
                && f.field("operand").is_some_and(|o| {
                    o.kind() == "identifier" && scope::names_context_package(file, &f, &o.text())
                })
        });
    if !is_todo {
        return Outcome::Silent;
    }
    let in_go = call.parent().is_some_and(|p| p.kind() == "go_statement");
    let Some(leaked) = callers::resolve_callee_with(
        file,
        call,
        Some(("gm003-todo-callee", if in_go { "go" } else { "call" })),
        &mut |gf, callee| {
            let param = first_param_name(callee)?;
            let name = callers::function_name(callee).unwrap_or_default();
            // The callee is the goroutine (`go f(context.TODO())`), or starts one.
            if in_go {
                return find_leak(gf, callee, Some(&param)).map(|_| name);
            }
            let body = callee.field("body")?;
            decls::own_nodes(&body)
                .into_iter()
                .filter(|n| n.kind() == "go_statement")
                .find(|g| {
                    goroutine_function(g).is_some_and(|f| {
                        // A named goroutine function sees the context under its own name.
                        let inner = if f.kind() == "func_literal" {
                            Some(param.clone())
                        } else {
                            passed_as(g, &param).and_then(|i| nth_param_name(&f, i))
                        };
                        inner.is_some_and(|p| find_leak(gf, &f, Some(&p)).is_some())
                    })
                })
                .map(|_| name)
        },
    ) else {
        return Outcome::Silent;
    };
    let Some(repeat) = callers::repeat_path(file, call) else {
        return Outcome::Silent;
    };
    // Graded whatever the goroutine keeps: the context it was meant to end
    // with is never cancelled.
    let mut g = Grounds::new(level_of(&repeat, true, ""));
    for e in &repeat.path {
        g.push(e.clone());
    }
    g.push(file.evidence(
        first.range().start,
        "`context.TODO()` is never cancelled: the goroutine it is given cannot stop",
    ));
    Outcome::report_only(Some(format!(
        "the goroutine `{leaked}` starts here cannot stop: it is given `context.TODO()`, which is never cancelled, and this call can run again and again ({}); a real context must be wired here",
        repeat.why
    )))
    .graded(g)
}

/// The name of a function's first parameter when it is a `context.Context`.
fn first_param_name(func: &GoNode) -> Option<String> {
    let list = func.field("parameters")?;
    let first = list
        .named_children()
        .find(|c| c.kind() == "parameter_declaration")?;
    let ty = first.field("type")?;
    if !ty.text().ends_with(".Context") {
        return None;
    }
    let name = first
        .children()
        .find(|c| c.kind() == "identifier")
        .map(|n| n.text().to_string());
    name
}

/// The position of `name` among the arguments of a `go` statement's call.
fn passed_as(go_stmt: &GoNode, name: &str) -> Option<usize> {
    let call = go_stmt.children().find(|c| c.kind() == "call_expression")?;
    call.field("arguments")?
        .named_children()
        .filter(|c| c.kind() != "comment")
        .position(|a| a.kind() == "identifier" && a.text() == name)
}

fn nth_param_name(func: &GoNode, i: usize) -> Option<String> {
    let list = func.field("parameters")?;
    decls::params_of(&list, decls::DeclKind::Param)
        .into_iter()
        .nth(i)
        .map(|d| d.name)
}

/// The function a `go` statement runs, when this file declares it: a function
/// literal, a function `f` of the file, or a method `x.m` the file declares
/// once (or on `x`'s declared type).
pub fn goroutine_function<'r>(go_stmt: &GoNode<'r>) -> Option<GoNode<'r>> {
    let call = go_stmt.children().find(|c| c.kind() == "call_expression")?;
    let callee = call.field("function")?;
    match callee.kind().as_ref() {
        "func_literal" => Some(callee),
        "identifier" => {
            let name = callee.text();
            if decls::lookup(go_stmt, &name).is_some() {
                // A local function value: the literal or method value it always holds.
                let value = decls::fixed_value(go_stmt, &name)?;
                return match value.kind().as_ref() {
                    "func_literal" => Some(value),
                    "selector_expression" => method_of(go_stmt, &value),
                    _ => None,
                };
            }
            decls::function_named(go_stmt, &name)
        }
        "selector_expression" => method_of(go_stmt, &callee),
        _ => None,
    }
}

/// The method `x.m` names, when the file declares it once (or on `x`'s declared type).
fn method_of<'r>(at: &GoNode<'r>, selector: &GoNode<'r>) -> Option<GoNode<'r>> {
    let method = selector.field("field")?.text().to_string();
    let operand = selector.field("operand")?;
    let candidates = decls::methods_named(at, &method);
    let declared = operand_type(at, &operand);
    if candidates.len() == 1 {
        let only = candidates.into_iter().next()?;
        // `go w.mailer.Start(ctx)` in this file's `(*Worker).Start`, with
        // `mailer` declared as another package's type, or another named type of
        // this package (not an interface this file declares, which the file's
        // type may satisfy): it runs that type's `Start`, not this file's.
        let other = declared.as_ref().is_some_and(|t| {
            let text = t.text();
            let text = text.trim_start_matches('*');
            match decls::base_type_name(t) {
                _ if text.contains('.') => true,
                None => false,
                Some(name) => {
                    decls::receiver_of(&only).is_some_and(|(_, r)| r != name)
                        && decls::type_spec(at, &name)
                            .and_then(|s| s.field("type"))
                            .is_none_or(|k| k.kind() != "interface_type")
                }
            }
        });
        return (!other).then_some(only);
    }
    let ty = declared.and_then(|t| decls::base_type_name(&t))?;
    candidates
        .into_iter()
        .find(|m| decls::receiver_of(m).is_some_and(|(_, t)| t == ty))
}

/// The declared type of a method call's operand, as this file writes it: a
/// variable's (`w`), or a field's of a variable whose struct type this file
/// declares (`w.mailer`).
fn operand_type<'r>(at: &GoNode<'r>, operand: &GoNode<'r>) -> Option<GoNode<'r>> {
    match operand.kind().as_ref() {
        "identifier" => decls::lookup(at, &operand.text()).and_then(|d| d.ty),
        "selector_expression" => {
            let base = operand
                .field("operand")
                .filter(|o| o.kind() == "identifier")?;
            let field = operand.field("field")?.text().to_string();
            let owner = decls::lookup(at, &base.text())
                .and_then(|d| d.ty)
                .and_then(|t| decls::base_type_name(&t))?;
            decls::struct_field_type(at, &owner, &field)
        }
        _ => None,
    }
}

/// The first endless loop in `func`'s own code that sleeps and has no way out.
/// With `ignoring` set, the loop's waits on that context (`case <-ctx.Done()`,
/// `if ctx.Err() != nil`) do not count as ways out: the question is then whether
/// the goroutine stops any other way.
pub fn find_leak<'r>(file: &GoFile, func: &GoNode<'r>, ignoring: Option<&str>) -> Option<Leak<'r>> {
    let body = func.field("body")?;
    decls::own_nodes(&body)
        .into_iter()
        .filter(|n| n.kind() == "for_statement")
        .find_map(|looping| {
            let ranged = timer_range(file, &looping);
            let endless = ranged.is_some() || is_endless(&looping);
            if !endless && !failure_only_condition(file, &looping) {
                return None;
            }
            let (mut sleeps, error_only) =
                sleeps_without_exit(file, &looping, ranged.is_some(), ignoring)?;
            if let Some(r) = ranged {
                sleeps.insert(0, r);
            }
            let waits = sleeps.iter().find_map(|s| match s {
                Sleep::Wait { channel, .. } => Some(channel.clone()),
                _ => None,
            });
            let why = if let Some(ch) = waits {
                format!("this loop waits on `{ch}`, which nothing in the package closes: no return, break or close ends it")
            } else if !endless {
                "this loop's condition reads state that only its failure path changes: no stop method of its owner touches it".to_string()
            } else if error_only {
                "this loop returns only when something fails: its owner's stop method touches nothing the loop uses".to_string()
            } else {
                NO_WAY_OUT.to_string()
            };
            Some(Leak {
                func: func.clone(),
                looping,
                sleeps,
                why,
            })
        })
}

/// `for range t.C { }` or `for v := range time.Tick(d) { }`: a loop that waits
/// on a timer's channel, which is never closed, so it never ends by itself.
fn timer_range<'r>(file: &GoFile, looping: &GoNode<'r>) -> Option<Sleep<'r>> {
    let clause = looping.children().find(|c| c.kind() == "range_clause")?;
    let right = clause.field("right")?;
    let body = looping.field("body")?;
    if !is_timer_channel(file, &right) || body.named_children().next().is_none() {
        return None;
    }
    let var = match clause.field("left") {
        None => None,
        Some(left) => {
            let names: Vec<GoNode> = left.named_children().collect();
            let [name] = names.as_slice() else {
                return None; // `for _, x := range ch` does not compile
            };
            if name.text() == "_" {
                None
            } else {
                // The fix declares the variable: a `time` channel delivers a `time.Time`.
                let time = std_time_name(file, &right)?;
                Some((name.text().to_string(), format!("{time}.Time")))
            }
        }
    };
    // `range time.NewTicker(d).C`: the range reads the channel of a ticker made
    // once, where it stands; the fix must make it once too, before the loop.
    let made = (right.kind() == "selector_expression")
        .then(|| {
            let maker = right
                .field("operand")
                .filter(|o| o.kind() == "call_expression")?;
            let field = right.field("field")?.text().to_string();
            let std =
                is_time_call(file, &maker, "NewTicker") || is_time_call(file, &maker, "NewTimer");
            Some((maker.text().to_string(), field, std))
        })
        .flatten();
    Some(Sleep::Range {
        looping: looping.clone(),
        channel: right.text().to_string(),
        var,
        made,
    })
}

/// The local name of the `time` import when `ch` surely is a channel of the
/// standard library's timers (`time.Tick(d)`, a `*time.Ticker`'s or
/// `*time.Timer`'s `C`), so its values are `time.Time`.
fn std_time_name(file: &GoFile, ch: &GoNode) -> Option<String> {
    let time = file
        .imports_of("time")
        .find(|i| !matches!(i.alias.as_deref(), Some("_" | ".")))?
        .local_name()
        .to_string();
    let mentions_time = |n: &GoNode| {
        let t = n.text();
        t.starts_with(&format!("{time}.")) || t.starts_with(&format!("*{time}."))
    };
    let ok = match ch.kind().as_ref() {
        "call_expression" => is_time_call(file, ch, "Tick"),
        "selector_expression" => ch.field("operand").is_some_and(|o| {
            (o.kind() == "call_expression"
                && (is_time_call(file, &o, "NewTicker") || is_time_call(file, &o, "NewTimer")))
                || o.kind() == "identifier"
                    && decls::lookup(&o, &o.text()).is_some_and(|d| {
                        d.ty.as_ref().is_some_and(mentions_time)
                            || d.value.as_ref().is_some_and(mentions_time)
                    })
        }),
        _ => false,
    };
    ok.then_some(time)
}

/// `for { }`, `for true { }`, or a `for init; ; post { }` with no condition.
fn is_endless(looping: &GoNode) -> bool {
    let header: Vec<GoNode> = looping
        .children()
        .filter(|c| c.is_named() && c.kind() != "block" && c.kind() != "comment")
        .collect();
    match header.as_slice() {
        [] => true,
        [h] if h.kind() == "true" => true,
        [h] if h.kind() == "for_clause" => h.field("condition").is_none(),
        _ => false,
    }
}

/// The loop's sleeps, when it has at least one and no way out.
fn sleeps_without_exit<'r>(
    file: &GoFile,
    looping: &GoNode<'r>,
    paced: bool,
    ignoring: Option<&str>,
) -> Option<(Vec<Sleep<'r>>, bool)> {
    let own_label = looping
        .parent()
        .filter(|p| p.kind() == "labeled_statement")
        .and_then(|p| p.field("label"))
        .map(|l| l.text().to_string());
    let body = looping.field("body")?;
    let nodes = decls::own_nodes(&body);
    let inner_labels: Vec<String> = nodes
        .iter()
        .filter(|n| n.kind() == "labeled_statement")
        .filter_map(|n| n.field("label"))
        .map(|l| l.text().to_string())
        .collect();
    let mut sleeps = vec![];
    let waits_on_ignored = |n: &GoNode| {
        let Some(ctx) = ignoring else { return false };
        let done = format!("{ctx}.Done()");
        let err = format!("{ctx}.Err()");
        n.ancestors()
            .take_while(|a| a.range() != looping.range())
            .any(|a| match a.kind().as_ref() {
                "communication_case" => a
                    .field("communication")
                    .is_some_and(|c| c.text().contains(&done)),
                "if_statement" => a
                    .field("condition")
                    .is_some_and(|c| c.text().contains(&done) || c.text().contains(&err)),
                _ => false,
            })
            || n.text() == format!("<-{done}")
    };
    let mut error_exits = 0;
    for n in &nodes {
        if waits_on_ignored(n) {
            continue;
        }
        match n.kind().as_ref() {
            "return_statement" if on_error_path(n, looping) => error_exits += 1,
            "return_statement" | "goto_statement" => return None,
            "break_statement" => match label_of(n) {
                Some(l) if inner_labels.contains(&l) => {}
                Some(_) => return None,
                None => {
                    if breaks_target(n).is_some_and(|t| t.range() == looping.range()) {
                        return None;
                    }
                }
            },
            "continue_statement" => {
                if let Some(l) = label_of(n) {
                    if Some(&l) != own_label.as_ref() && !inner_labels.contains(&l) {
                        return None;
                    }
                }
            }
            "call_expression" => {
                if ends_goroutine(n) {
                    return None;
                }
                if is_time_call(file, n, "Sleep") {
                    if let Some(stmt) = whole_statement(n) {
                        let callee = n.field("function")?;
                        sleeps.push(Sleep::Call {
                            stmt,
                            time: callee.field("operand")?.text().to_string(),
                            duration: inner_args(n),
                        });
                    }
                }
            }
            "unary_expression" if is_receive(n) => {
                let channel = n.field("operand")?;
                let in_select = n.parent().is_some_and(|p| p.kind() == "receive_statement")
                    && n.ancestors()
                        .nth(1)
                        .is_some_and(|c| c.kind() == "communication_case");
                if is_done_channel(&channel) {
                    return None;
                }
                if is_timer_channel(file, &channel) {
                    if in_select {
                        let select = n.ancestors().nth(2)?;
                        if !sleeps
                            .iter()
                            .any(|s| matches!(s, Sleep::Select { stmt } if stmt.range() == select.range()))
                        {
                            sleeps.push(Sleep::Select { stmt: select });
                        }
                    } else if let Some(stmt) = whole_statement(n) {
                        sleeps.push(Sleep::Receive {
                            stmt,
                            channel: channel.text().to_string(),
                        });
                    }
                } else if !in_select {
                    // A worker paced by its input stops when the input is closed;
                    // a field nothing in the package closes never is.
                    if !never_closed(file, &channel) {
                        return None;
                    }
                    let stmt = n
                        .ancestors()
                        .take_while(|a| a.range() != looping.range())
                        .find(|a| {
                            a.kind().ends_with("_statement") || a.kind() == "short_var_declaration"
                        })?;
                    sleeps.push(Sleep::Wait {
                        stmt,
                        channel: channel.text().to_string(),
                    });
                }
            }
            "range_clause" if ranges_over_channel(file, n) => {
                return None;
            }
            _ => {}
        }
    }
    // A loop whose only `return` is on an error path ends when something
    // fails, not when its owner is stopped: a leak when the owner has a stop
    // method that touches nothing the loop uses (a heartbeat that outlives
    // `Deregister`), a way out otherwise.
    if error_exits > 0 && !outlives_owner_stop(file, looping) {
        return None;
    }
    (paced || !sleeps.is_empty()).then_some((sleeps, error_exits > 0))
}

/// True when `ret` is in the body of an `if` (inside `looping`) that tests an
/// error (`if err != nil { ... return }`).
fn on_error_path(ret: &GoNode, looping: &GoNode) -> bool {
    ret.ancestors()
        .take_while(|a| a.range() != looping.range())
        .filter(|a| a.kind() == "if_statement")
        .any(|i| {
            i.field("condition").is_some_and(|c| {
                let t = c.text();
                t.contains("!= nil") && t.to_ascii_lowercase().contains("err")
            }) && i.field("consequence").is_some_and(|b| {
                b.range().start <= ret.range().start && ret.range().end <= b.range().end
            })
        })
}

/// The receiver (name, type) of the method `at` is in, looking through
/// function literals.
fn owning_receiver(at: &GoNode) -> Option<(String, String)> {
    let method = at.ancestors().find(|a| a.kind() == "method_declaration")?;
    let (name, ty) = decls::receiver_of(&method)?;
    Some((name.filter(|n| n != "_")?, ty))
}

/// The methods of type `ty` this file declares whose names are in `names`.
fn methods_of<'r>(file: &'r GoFile, ty: &str, names: &[&str]) -> Vec<GoNode<'r>> {
    file.root
        .root()
        .children()
        .filter(|d| {
            d.kind() == "method_declaration"
                && d.field("name")
                    .is_some_and(|n| names.contains(&n.text().as_ref()))
                && decls::receiver_of(d).is_some_and(|(_, t)| t == ty)
        })
        .collect()
}

/// True when type `ty` has a life-ending method (`Close`, `Stop`...) that is
/// not among `here` (declared in another file of the package, or promoted).
fn stop_elsewhere(file: &GoFile, ty: &str, here: &[GoNode]) -> bool {
    let types = Resolver::new(file);
    LIFECYCLE_ENDS.iter().any(|m| {
        types.has_method(ty, m)
            && !here
                .iter()
                .any(|h| h.field("name").is_some_and(|n| n.text() == *m))
    })
}

/// The fields and methods of `recv` that `node` names (`recv.f`, `recv.m()`).
fn members_named(node: &GoNode, recv: &str) -> Vec<String> {
    let mut out: Vec<String> = node
        .dfs()
        .filter(|n| n.kind() == "selector_expression")
        .filter(|n| {
            n.field("operand")
                .is_some_and(|o| o.kind() == "identifier" && o.text() == recv)
        })
        // A mutex every method locks says nothing about what they share.
        .filter(|n| {
            !n.parent().is_some_and(|p| {
                p.kind() == "selector_expression"
                    && p.field("field").is_some_and(|f| {
                        matches!(f.text().as_ref(), "Lock" | "Unlock" | "RLock" | "RUnlock")
                    })
            })
        })
        .filter_map(|n| n.field("field").map(|f| f.text().to_string()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// True when the loop's owner (the receiver of the method it runs in) has a
/// method of this file that ends its life (`Close`, `Stop`, `Deregister`...)
/// and that method touches nothing the loop uses: stopping the owner leaves
/// the loop running.
fn outlives_owner_stop(file: &GoFile, looping: &GoNode) -> bool {
    let Some((recv, ty)) = owning_receiver(looping) else {
        return false;
    };
    let used = members_named(looping, &recv);
    let stops = methods_of(file, &ty, LIFECYCLE_ENDS);
    if stop_elsewhere(file, &ty, &stops) {
        return false;
    }
    // A stop method that closes or stops something (a connection, a listener, a
    // client) makes the loop's next call fail, which its error path returns on.
    let closes_something = stops.iter().any(|m| {
        m.dfs().any(|n| {
            n.kind() == "call_expression"
                && n.field("function").is_some_and(|f| {
                    let t = f.text();
                    t == "close"
                        || t.ends_with(".Close")
                        || t.ends_with(".close")
                        || t.ends_with(".Stop")
                        || t.ends_with("cancel")
                })
        })
    });
    !stops.is_empty()
        && !closes_something
        && stops.iter().all(|m| {
            let Some((Some(r), _)) = decls::receiver_of(m) else {
                return false;
            };
            let touched = members_named(m, &r);
            !touched.iter().any(|t| used.contains(t))
        })
}

/// `for c.available() { ... }` (or `for !c.failed`): a loop whose condition
/// reads its owner's state, which only the owner's failure path changes: no
/// method of the owner's type in this file that ends its life (`Close`,
/// `Stop`...) or otherwise sounds like stopping it touches what the condition
/// reads.
fn failure_only_condition(file: &GoFile, looping: &GoNode) -> bool {
    let header: Vec<GoNode> = looping
        .children()
        .filter(|c| c.is_named() && c.kind() != "block" && c.kind() != "comment")
        .collect();
    let [cond] = header.as_slice() else {
        return false;
    };
    let inner = if cond.kind() == "unary_expression"
        && cond.field("operator").is_some_and(|o| o.text() == "!")
    {
        match cond.field("operand") {
            Some(o) => o,
            None => return false,
        }
    } else {
        cond.clone()
    };
    let (operand, member, call) = match inner.kind().as_ref() {
        "call_expression" => {
            let Some(f) = inner
                .field("function")
                .filter(|f| f.kind() == "selector_expression")
            else {
                return false;
            };
            if inner.field("arguments").is_none_or(|a| a.text() != "()") {
                return false;
            }
            match (f.field("operand"), f.field("field")) {
                (Some(o), Some(m)) => (o, m.text().to_string(), true),
                _ => return false,
            }
        }
        "selector_expression" => match (inner.field("operand"), inner.field("field")) {
            (Some(o), Some(m)) => (o, m.text().to_string(), false),
            _ => return false,
        },
        _ => return false,
    };
    if operand.kind() != "identifier" {
        return false;
    }
    let Some(ty) = decls::lookup(looping, &operand.text())
        .and_then(|d| d.ty)
        .map(|t| t.text().trim_start_matches('*').trim().to_string())
    else {
        return false;
    };
    let mut fields = vec![member.clone()];
    if call {
        let Some(m) = methods_of(file, &ty, &[member.as_str()]).into_iter().next() else {
            return false;
        };
        let Some((Some(r), _)) = decls::receiver_of(&m) else {
            return false;
        };
        fields.extend(members_named(&m, &r));
    }
    // Every method of the type in this file that names what the condition reads
    // and is not the loop's own: one that sounds like ending the value stops it.
    let own = scope::enclosing_function(looping).map(|f| f.range());
    let stopping = |name: &str| {
        let n = name.to_ascii_lowercase();
        [
            "close",
            "stop",
            "shutdown",
            "terminate",
            "deregister",
            "unregister",
            "cancel",
            "kill",
            "quit",
            "exit",
            "disable",
        ]
        .iter()
        .any(|w| n.contains(w))
    };
    let methods: Vec<GoNode> = file
        .root
        .root()
        .children()
        .filter(|d| {
            d.kind() == "method_declaration" && decls::receiver_of(d).is_some_and(|(_, t)| t == ty)
        })
        .collect();
    if methods.is_empty() || stop_elsewhere(file, &ty, &methods_of(file, &ty, LIFECYCLE_ENDS)) {
        return false; // the type's methods are elsewhere: nothing to tell
    }
    // `for c.active`: a method that writes `c.active = false` (or `true` for
    // `for !c.failed`) ends the loop whatever its name, unless the loop itself
    // calls it (its own failure path: `c.fail()` on an error).
    if !call {
        let ending = if inner.range() == cond.range() {
            "false"
        } else {
            "true"
        };
        let loop_calls: Vec<String> = scope::enclosing_function(looping)
            .map(|f| {
                f.dfs()
                    .filter(|n| n.kind() == "call_expression")
                    .filter_map(|c| {
                        c.field("function")?
                            .field("field")
                            .map(|x| x.text().to_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let ends_it = methods.iter().any(|m| {
            Some(m.range()) != own
                && m.field("name")
                    .is_some_and(|n| !loop_calls.contains(&n.text().to_string()))
                && decls::receiver_of(m).is_some_and(|(r, _)| {
                    r.is_some_and(|r| {
                        let target = format!("{r}.{member}");
                        m.dfs().any(|a| {
                            a.kind() == "assignment_statement"
                                && a.field("left").is_some_and(|l| l.text() == target.as_str())
                                && a.field("right").is_some_and(|v| v.text() == ending)
                        })
                    })
                })
        });
        if ends_it {
            return false;
        }
    }
    !methods.iter().any(|m| {
        Some(m.range()) != own
            && m.field("name").is_some_and(|n| stopping(&n.text()))
            && decls::receiver_of(m).is_some_and(|(r, _)| {
                r.is_some_and(|r| members_named(m, &r).iter().any(|x| fields.contains(x)))
            })
    })
}

fn label_of(n: &GoNode) -> Option<String> {
    n.children()
        .find(|c| c.kind() == "label_name")
        .map(|l| l.text().to_string())
}

/// The statement an unlabelled `break` leaves.
fn breaks_target<'r>(brk: &GoNode<'r>) -> Option<GoNode<'r>> {
    brk.ancestors().find(|a| {
        matches!(
            a.kind().as_ref(),
            "for_statement"
                | "expression_switch_statement"
                | "type_switch_statement"
                | "select_statement"
        ) || scope::is_function(a)
    })
}

fn ends_goroutine(call: &GoNode) -> bool {
    let Some(f) = call.field("function") else {
        return false;
    };
    match f.kind().as_ref() {
        "identifier" => f.text() == "panic",
        "selector_expression" => f
            .field("field")
            .is_some_and(|n| ENDING_CALLS.contains(&n.text().as_ref())),
        _ => false,
    }
}

fn is_receive(n: &GoNode) -> bool {
    n.field("operator").is_some_and(|o| o.text() == "<-")
}

/// The expression statement `n` stands as, if any.
fn whole_statement<'r>(n: &GoNode<'r>) -> Option<GoNode<'r>> {
    n.parent().filter(|p| p.kind() == "expression_statement")
}

/// The text between a call's parentheses.
fn inner_args(call: &GoNode) -> String {
    call.field("arguments")
        .map(|a| {
            let t = a.text();
            t[1..t.len() - 1].trim().to_string()
        })
        .unwrap_or_default()
}

/// `time.F(...)` for the `time` import, whatever its local name.
fn is_time_call(file: &GoFile, call: &GoNode, func: &str) -> bool {
    let Some(callee) = call.field("function") else {
        return false;
    };
    callee.kind() == "selector_expression"
        && callee.field("field").is_some_and(|f| f.text() == func)
        && callee.field("operand").is_some_and(|o| {
            o.kind() == "identifier" && scope::names_import(file, &callee, &o.text(), "time")
        })
}

/// `x.Done()`: a context's or a done channel's.
fn is_done_channel(channel: &GoNode) -> bool {
    channel.kind() == "call_expression"
        && channel
            .field("function")
            .and_then(|f| f.field("field"))
            .is_some_and(|f| f.text() == "Done")
}

fn names_timer(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("tick") || t.contains("timer")
}

/// A channel that only ever delivers the time: `time.After(d)`, `time.Tick(d)`,
/// a ticker's or timer's `C` (field or clock-interface method), or a variable
/// holding one of these.
fn is_timer_channel(file: &GoFile, ch: &GoNode) -> bool {
    match ch.kind().as_ref() {
        "call_expression" => {
            if is_time_call(file, ch, "After") || is_time_call(file, ch, "Tick") {
                return true;
            }
            // `t.C()` or `t.Chan()` of a clock library's Ticker or Timer, or of an
            // accessor that hands out a ticker's channel.
            ch.field("arguments").is_some_and(|a| a.text() == "()")
                && ch
                    .field("function")
                    .filter(|f| f.kind() == "selector_expression")
                    .is_some_and(|f| {
                        f.field("field")
                            .is_some_and(|n| n.text() == "C" || n.text() == "Chan")
                            && f.field("operand").is_some_and(|o| holds_timer(file, &o))
                    })
        }
        "selector_expression" => {
            ch.field("field").is_some_and(|n| n.text() == "C")
                && ch.field("operand").is_some_and(|o| holds_timer(file, &o))
        }
        "identifier" => decls::lookup(ch, &ch.text())
            .and_then(|d| d.value)
            .is_some_and(|v| is_timer_channel(file, &v)),
        "parenthesized_expression" => ch
            .children()
            .find(|c| c.is_named())
            .is_some_and(|c| is_timer_channel(file, &c)),
        _ => false,
    }
}

/// A `*time.Ticker`/`*time.Timer` (or a clock library's): by declaration when
/// there is one, else by name (`ticker`, `s.refreshTimer`).
fn holds_timer(file: &GoFile, x: &GoNode) -> bool {
    match x.kind().as_ref() {
        "identifier" => match decls::lookup(x, &x.text()) {
            Some(d) => {
                let by_type = d.ty.as_ref().is_some_and(|t| names_timer(&t.text()));
                let by_value = d.value.as_ref().is_some_and(|v| {
                    v.kind() == "call_expression"
                        && v.field("function").is_some_and(|f| {
                            let name = match f.kind().as_ref() {
                                "selector_expression" => {
                                    f.field("field").map(|n| n.text().to_string())
                                }
                                _ => Some(f.text().to_string()),
                            };
                            name.is_some_and(|n| n == "NewTicker" || n == "NewTimer")
                        })
                });
                by_type || by_value || (d.ty.is_none() && d.value.is_none() && names_timer(&d.name))
            }
            None => {
                let _ = file;
                names_timer(&x.text())
            }
        },
        "selector_expression" => x.field("field").is_some_and(|f| names_timer(&f.text())),
        // `time.NewTicker(d).C`: a ticker made where it is read.
        "call_expression" => {
            is_time_call(file, x, "NewTicker") || is_time_call(file, x, "NewTimer")
        }
        _ => false,
    }
}

/// A `range` that may read a channel (which ends when the channel is closed,
/// a way out): not one with two variables (a channel gives one value), not one
/// over a timer's channel (never closed), not one over a value whose declared
/// type, here or anywhere in the package, is a map, slice, array, string or number.
fn ranges_over_channel(file: &GoFile, clause: &GoNode) -> bool {
    if clause
        .field("left")
        .is_some_and(|l| l.named_children().count() > 1)
    {
        return false;
    }
    let Some(right) = clause.field("right") else {
        return true;
    };
    if is_timer_channel(file, &right) {
        return false;
    }
    let types = Resolver::new(file);
    if let Some(t) = types.type_of(&right) {
        let u = types.underlying(&t).unwrap_or(t);
        let u = u.trim_start_matches('*').trim();
        if u.starts_with("map[") || u.starts_with('[') || crate::analysis::types::is_predeclared(u)
        {
            return false;
        }
        if u.starts_with("chan") || u.starts_with("<-chan") {
            return true;
        }
    }
    may_be_channel(file, &right)
}

/// False only when `expr` surely is not a channel: a literal, a `make` of
/// something else, or a name declared with another type.
fn may_be_channel(file: &GoFile, expr: &GoNode) -> bool {
    match expr.kind().as_ref() {
        "int_literal"
        | "interpreted_string_literal"
        | "raw_string_literal"
        | "composite_literal"
        | "slice_expression"
        | "binary_expression" => false,
        "call_expression" => {
            let Some(f) = expr.field("function") else {
                return true;
            };
            match f.text().as_ref() {
                "make" => expr
                    .field("arguments")
                    .and_then(|a| a.children().find(|c| c.is_named()))
                    .is_none_or(|t| t.kind() == "channel_type"),
                "len" | "cap" | "min" | "max" | "append" => false,
                _ => {
                    if f.kind() == "identifier" {
                        match decls::function_named(expr, &f.text()).and_then(|d| d.field("result"))
                        {
                            Some(r) => r.text().contains("chan"),
                            None => true,
                        }
                    } else {
                        !is_time_call(file, expr, "Duration")
                    }
                }
            }
        }
        "identifier" => match decls::lookup(expr, &expr.text()) {
            Some(Decl { ty: Some(t), .. }) => t.text().contains("chan"),
            Some(Decl {
                value: Some(v),
                index,
                ..
            }) => {
                // `a, b := f()` — the type of the second result is unknown.
                let multi = v.kind() == "call_expression" && index > 0;
                multi || may_be_channel(file, &v)
            }
            _ => true,
        },
        "selector_expression" => {
            let Some(field) = expr.field("field") else {
                return true;
            };
            let declared = field_types(file, &field.text());
            declared.is_empty() || declared.iter().any(|t| t.contains("chan"))
        }
        _ => true,
    }
}

/// The declared types (as written) of the struct fields named `field` in `file`.
fn field_types(file: &GoFile, field: &str) -> Vec<String> {
    file.root
        .root()
        .dfs()
        .filter(|f| f.kind() == "field_declaration")
        .filter(|f| {
            f.children()
                .any(|c| c.kind() == "field_identifier" && c.text() == field)
        })
        .filter_map(|f| f.field("type").map(|t| t.text().to_string()))
        .collect()
}

/// True when `ch` is a channel field (`w.jobs`, declared `chan` in this file)
/// that no file of the package closes or hands elsewhere: every use of the
/// field (`.jobs`) is a receive, a send, a `make` into it or a `len`/`cap`.
/// Any other use (`close(w.jobs)`, passed on, assigned away) may close it.
fn never_closed(file: &GoFile, ch: &GoNode) -> bool {
    if ch.kind() != "selector_expression" {
        return false;
    }
    let Some(field) = ch.field("field").map(|f| f.text().to_string()) else {
        return false;
    };
    let declared_chan = field_types(file, &field);
    if declared_chan.is_empty() || !declared_chan.iter().all(|t| t.contains("chan")) {
        return false;
    }
    let files = file.package();
    let own = files.canonical(file.path);
    let Some(dir) = own.parent() else {
        return false;
    };
    let mut texts = vec![file.text().to_string()];
    for e in files.go_files(dir) {
        if e.name.ends_with("_test.go") || files.canonical(&e.path) == own {
            continue;
        }
        match files
            .read(&e.path)
            .and_then(|b| crate::source::SourceText::decode(&b).ok())
        {
            Some(s) => texts.push(s.text),
            None => return false,
        }
    }
    let needle = format!(".{field}");
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    texts.iter().all(|t| {
        t.match_indices(&needle).all(|(i, _)| {
            let after = &t[i + needle.len()..];
            if after.starts_with(ident) {
                return true; // `.jobsDone`: another name
            }
            // The operand before the dot: `w`, `s.pool`, `x[i]`...
            let before = t[..i].trim_end_matches(|c: char| ident(c) || c == '.');
            let before = before.trim_end();
            let after = after.trim_start();
            before.ends_with("<-")
                || after.starts_with("<-")
                || after.starts_with("= make(")
                || before.ends_with("len(")
                || before.ends_with("cap(")
        })
    })
}

fn returns_values(func: &GoNode) -> bool {
    let Some(result) = func.field("result") else {
        return false;
    };
    // Named results allow a bare `return`.
    !(result.kind() == "parameter_list"
        && result
            .children()
            .filter(|p| p.kind() == "parameter_declaration")
            .all(|p| p.children().any(|c| c.kind() == "identifier")))
}

fn sleep_node<'r>(s: &Sleep<'r>) -> GoNode<'r> {
    match s {
        Sleep::Call { stmt, .. }
        | Sleep::Receive { stmt, .. }
        | Sleep::Select { stmt }
        | Sleep::Wait { stmt, .. } => stmt.clone(),
        // The loop's body: the context lookup must see what the loop sees.
        Sleep::Range { looping, .. } => looping.field("body").unwrap_or(looping.clone()),
    }
}

/// The edits turning every sleep into a wait that also returns once `done`
/// (a channel expression: `ctx.Done()`, `s.done`) is ready.
pub fn sleep_edits(text: &str, sleeps: &[Sleep], done: &str) -> Vec<Edit> {
    let mut edits = vec![];
    for s in sleeps {
        if let Sleep::Range {
            looping,
            channel,
            var,
            made,
        } = s
        {
            let Some(body) = looping.field("body") else {
                continue;
            };
            let ind = exprs::indentation(text, looping.range().start);
            // `range time.Tick(d)`, `range time.NewTicker(d).C` or `range s.ticks()`
            // evaluates its call once; a `select` in the loop would call it at every
            // turn (a new ticker per pass, none stopped), so what the call makes is
            // kept in a variable first, and a ticker made there is stopped on return.
            let mut channel = channel.clone();
            if looping
                .children()
                .find(|c| c.kind() == "range_clause")
                .and_then(|c| c.field("right"))
                .is_some_and(|r| r.dfs().any(|n| n.kind() == "call_expression"))
            {
                let anchor = looping
                    .parent()
                    .filter(|p| p.kind() == "labeled_statement")
                    .unwrap_or(looping.clone());
                let line_start = text[..anchor.range().start]
                    .rfind('\n')
                    .map_or(0, |i| i + 1);
                if !text[line_start..anchor.range().start].trim().is_empty() {
                    continue;
                }
                let func = scope::enclosing_function(looping);
                let taken = |n: &str| {
                    func.as_ref()
                        .is_some_and(|f| f.dfs().any(|x| x.kind() == "identifier" && x.text() == n))
                };
                let names: &[&str] = match made {
                    Some(_) => &["ticker", "tk", "tkr"],
                    None => &["tick", "ticks", "tickCh"],
                };
                let Some(name) = names.iter().copied().find(|n| !taken(n)) else {
                    continue;
                };
                match made {
                    Some((maker, field, std)) => {
                        let stop = match std {
                            true => format!("{ind}defer {name}.Stop()\n"),
                            false => String::new(),
                        };
                        edits.push(Edit::new(
                            line_start,
                            line_start,
                            format!("{ind}{name} := {maker}\n{stop}"),
                        ));
                        channel = format!("{name}.{field}");
                    }
                    None => {
                        edits.push(Edit::new(
                            line_start,
                            line_start,
                            format!("{ind}{name} := {channel}\n"),
                        ));
                        channel = name.to_string();
                    }
                }
            }
            let (decl, case) = match var {
                Some((v, ty)) => (
                    format!("\n{ind}\tvar {v} {ty}"),
                    format!("{v} = <-{channel}"),
                ),
                None => (String::new(), format!("<-{channel}")),
            };
            let open = body.range().start + 1;
            // Comments in the loop's header, or after its `{`, describe the wait:
            // they move to the case.
            let mut notes: Vec<String> = looping
                .dfs()
                .filter(|c| c.kind() == "comment" && c.range().end <= body.range().start)
                .map(|c| c.text().to_string())
                .collect();
            let line_rest = &text[open..line_end(text, open)];
            let end = match line_rest.trim_start().starts_with("//") {
                true => {
                    notes.push(line_rest.trim().to_string());
                    open + line_rest.trim_end().len()
                }
                false => open,
            };
            // A `//` comment must come last on its line.
            notes.sort_by_key(|n| n.starts_with("//"));
            if notes.iter().filter(|n| n.starts_with("//")).count() > 1 {
                continue;
            }
            let comment: String = notes.iter().map(|n| format!(" {n}")).collect();
            edits.push(Edit::new(
                looping.range().start,
                end,
                format!("for {{{decl}\n{ind}\tselect {{\n{ind}\tcase <-{done}:\n{ind}\t\treturn\n{ind}\tcase {case}:{comment}\n{ind}\t}}"),
            ));
            continue;
        }
        let stmt = sleep_node(s);
        let r = stmt.range();
        let ind = crate::analysis::exprs::indentation(text, r.start);
        let done = format!("case <-{done}:\n{ind}\treturn\n{ind}");
        // A comment trailing the sleep describes the wait: it moves to the timer's case.
        let line_rest = &text[r.end..line_end(text, r.end)];
        let (end, comment) = match line_rest.trim_start().starts_with("//") {
            true => (
                r.end + line_rest.trim_end().len(),
                format!(" {}", line_rest.trim()),
            ),
            false => (r.end, String::new()),
        };
        match s {
            Sleep::Call { time, duration, .. } => edits.push(Edit::new(
                r.start,
                end,
                format!("select {{\n{ind}{done}case <-{time}.After({duration}):{comment}\n{ind}}}"),
            )),
            Sleep::Receive { channel, .. } => edits.push(Edit::new(
                r.start,
                end,
                format!("select {{\n{ind}{done}case <-{channel}:{comment}\n{ind}}}"),
            )),
            Sleep::Range { .. } | Sleep::Wait { .. } => {}
            Sleep::Select { stmt } => {
                let Some(first) = stmt
                    .children()
                    .find(|c| matches!(c.kind().as_ref(), "communication_case" | "default_case"))
                else {
                    continue;
                };
                let at = first.range().start;
                edits.push(Edit::new(at, at, done));
            }
        }
    }
    edits
}

/// The value a leaking goroutine belongs to: started in its type's
/// constructor or in a method of its type, and reaching it inside the loop.
struct Owner<'r> {
    /// The owner's type, declared in this file as a struct.
    ty: String,
    /// The struct's field list.
    fields: GoNode<'r>,
    /// How the loop's code names the value (`s` in `func (s *Server) loop()`,
    /// or the variable a function literal captures).
    inside: String,
    /// How the starter names it, and the statement that makes it there
    /// (`s := &Server{...}`), when the starter makes it.
    outside: String,
    made_by: Option<GoNode<'r>>,
    /// The method of this file that stops the value (`Close`, `Stop`, `Shutdown`),
    /// taking nothing but perhaps a context.
    stop: Option<GoNode<'r>>,
    /// A stop-named method that takes what to end (`Deregister(ctx, id)`): it
    /// ends one start of several, not the value.
    ends_one: Option<String>,
}

/// The methods the owner fix closes its done channel in, in order of preference.
const STOP_METHODS: &[&str] = LIFECYCLE_ENDS;

/// The owner of the goroutine `go_stmt` starts, when it has one this file
/// declares: the starter's pointer receiver (or a `&T{...}` local of the
/// starter) that the goroutine's function literal uses, or whose method the
/// goroutine runs.
fn owner_of<'r>(go_stmt: &GoNode<'r>, leak: &Leak<'r>) -> Option<Owner<'r>> {
    let top = go_stmt.ancestors().last()?;
    let starter = scope::enclosing_function(go_stmt)?;
    if starter.kind() == "func_literal" {
        return None;
    }
    let call = go_stmt.children().find(|c| c.kind() == "call_expression")?;
    let callee = call.field("function")?;
    let uses = |n: &GoNode, name: &str| {
        n.dfs()
            .any(|x| x.kind() == "identifier" && x.text() == name)
    };
    let (inside, outside) = if callee.kind() == "func_literal" {
        let candidates: Vec<Decl> = decls::visible_decls(go_stmt)
            .into_iter()
            .filter(|d| d.kind == decls::DeclKind::Receiver || d.kind == decls::DeclKind::Local)
            .collect();
        let d = candidates.into_iter().find(|d| {
            d.name != "_"
                && uses(&callee, &d.name)
                && match d.kind {
                    decls::DeclKind::Receiver => {
                        d.ty.as_ref().is_some_and(|t| t.text().starts_with('*'))
                    }
                    _ => d.value.as_ref().is_some_and(|v| v.text().starts_with('&')),
                }
        })?;
        (d.name.clone(), d.name)
    } else if leak.func.kind() == "method_declaration" && callee.kind() == "selector_expression" {
        let (rname, _) = decls::receiver_of(&leak.func)?;
        let rname = rname.filter(|r| r != "_")?;
        let recv_ty = leak.func.field("receiver")?.text().to_string();
        if !recv_ty.contains('*') {
            return None; // a value receiver gets a copy: a field set later is not seen
        }
        let op = callee
            .field("operand")
            .filter(|o| o.kind() == "identifier")?;
        (rname, op.text().to_string())
    } else {
        return None;
    };
    let d = decls::lookup(go_stmt, &outside)?;
    let (ty, made_by) = match d.kind {
        decls::DeclKind::Receiver => {
            let t = d.ty.as_ref()?.text().to_string();
            if !t.starts_with('*') {
                return None;
            }
            (t.trim_start_matches('*').trim().to_string(), None)
        }
        decls::DeclKind::Local => {
            let v = d.value.as_ref()?;
            let lit = v
                .children()
                .find(|c| c.kind() == "composite_literal")
                .filter(|_| v.kind() == "unary_expression" && v.text().starts_with('&'))?;
            let t = lit.field("type")?.text().to_string();
            let stmt = d.ident.ancestors().find(|a| {
                a.kind() == "short_var_declaration"
                    || a.kind() == "var_declaration"
                    || a.kind() == "assignment_statement"
            })?;
            (t, Some(stmt))
        }
        _ => return None,
    };
    if !ty.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None; // generic or qualified
    }
    let spec = top
        .dfs()
        .find(|n| n.kind() == "type_spec" && n.field("name").is_some_and(|x| x.text() == ty))?;
    let fields = spec
        .field("type")
        .filter(|t| t.kind() == "struct_type")?
        .children()
        .find(|c| c.kind() == "field_declaration_list")?;
    // A stop that takes what to end (`Deregister(ctx, instance)`) ends one
    // of several starts, and one channel for the owner would stop them all.
    let stops: Vec<GoNode> = STOP_METHODS
        .iter()
        .filter_map(|m| {
            top.children().find(|d| {
                d.kind() == "method_declaration"
                    && d.field("name").is_some_and(|n| n.text() == *m)
                    && decls::receiver_of(d).is_some_and(|(_, t)| t == ty)
            })
        })
        .collect();
    let stop = stops.iter().find(|d| callers::ends_value(d)).cloned();
    let ends_one = stops
        .iter()
        .find(|d| !callers::ends_value(d))
        .and_then(|d| d.field("name"))
        .map(|n| n.text().to_string());
    Some(Owner {
        ty,
        fields,
        inside,
        outside,
        made_by,
        stop,
        ends_one,
    })
}

/// The fix that gives the owner a way to stop its goroutine: a `done` channel
/// (or one its stop method already closes) that every sleep of the loop also
/// waits on, closed once in the type's existing `Close`/`Stop`/`Shutdown`:
/// closing the value now also ends its goroutine (safe). A type with no stop
/// method gets no edit (a new `Close` that no caller calls changes nothing):
/// Err then says what to do by hand, and why no edit is made.
fn owner_fix<'r>(
    file: &GoFile,
    go_stmt: &GoNode<'r>,
    leak: &Leak<'r>,
) -> Result<(FixPlan, OwnerStop), String> {
    let Some(owner) = owner_of(go_stmt, leak) else {
        return Err(String::new());
    };
    let text = file.text();
    let types = Resolver::new(file);
    let declared = channel_fields(&owner.fields);
    // The starter's own way to end it (a returned cancel that closes a field,
    // `close(w.stopped)`): the loop only has to wait on that channel.
    if let Some(starter) = scope::enclosing_function(go_stmt) {
        if let Some(field) = declared
            .iter()
            .find(|f| starter_closes_later(&starter, go_stmt, &owner.outside, f))
        {
            let starter_name = callers::function_name(&starter).unwrap_or_default();
            let plan = FixPlan {
                edits: sleep_edits(text, &leak.sleeps, &format!("{}.{field}", owner.inside)),
                applicability: Some(Applicability::Safe),
                description: Some(format!(
                    "the goroutine also waits on `{field}`, the channel `{starter_name}` closes to end it: closing it now ends the goroutine"
                )),
                ..FixPlan::default()
            };
            return Ok((plan, OwnerStop::Starter));
        }
    }
    let Some(stop) = owner.stop.as_ref() else {
        if let Some(m) = owner.ends_one.as_ref() {
            return Err(format!(
                "`{ty}.{m}` ends one of the goroutines `{ty}` starts, not `{ty}` itself, so one done channel for the value would stop them all: give each start its own channel or context, closed where that start ends",
                ty = owner.ty
            ));
        }
        if let Some(m) = STOP_METHODS.iter().find(|m| types.has_method(&owner.ty, m)) {
            return Err(format!(
                "`{}.{m}` is declared in another file: close a done channel there and wait on it beside each sleep",
                owner.ty
            ));
        }
        return Err(format!(
            "`{ty}` has no `Close`, `Stop` or `Shutdown`, and a new one that no caller calls would change nothing: give `{ty}` a `done chan struct{{}}` field, wait on it beside each sleep (`case <-{inside}.done: return`), close it in a stop method, and call that method where the `{ty}` is dropped",
            ty = owner.ty,
            inside = owner.inside,
        ));
    };
    let stop_name = callers::function_name(stop).unwrap_or_default();
    let Some(r) = decls::receiver_of(stop)
        .and_then(|(r, _)| r)
        .filter(|r| r != "_")
    else {
        return Err(format!(
            "`{stop_name}` has no receiver name to reach a field by"
        ));
    };
    // A channel the stop method already closes, itself or through a method of
    // the type it calls (`c.shutdown()`): the loop only has to wait on it.
    let top = go_stmt.ancestors().last();
    let helpers: Vec<GoNode> = top
        .iter()
        .flat_map(|t| t.children())
        .filter(|d| {
            d.kind() == "method_declaration"
                && decls::receiver_of(d).is_some_and(|(_, t)| t == owner.ty)
                && callers::function_name(d)
                    .is_some_and(|m| stop.text().contains(&format!("{r}.{m}(")))
        })
        .collect();
    let reused = declared.iter().find_map(|name| {
        let by_helper = helpers.iter().any(|h| {
            decls::receiver_of(h)
                .and_then(|(hr, _)| hr)
                .is_some_and(|hr| closes(h, &hr, name))
        });
        (closes(stop, &r, name) || by_helper).then(|| name.clone())
    });
    let stop_kind = if reused.is_some() {
        OwnerStop::Closed
    } else {
        OwnerStop::Method
    };
    let mut edits = vec![];
    let mut imports = vec![];
    let field = match reused {
        Some(f) => f,
        None => {
            let taken =
                |n: &str| owner_has_field(&owner.fields, n) || types.has_method(&owner.ty, n);
            let Some(name) = ["done", "stop", "quit", "stopCh"]
                .into_iter()
                .find(|n| !taken(n) && !taken(&format!("{n}Once")) && !taken(&format!("{n}Make")))
            else {
                return Err("no free field name for a done channel".into());
            };
            // Closed through a `sync.Once`: a stop method called twice, or from
            // two goroutines at once, closes it once.
            let (sync_pkg, sync_alias) =
                crate::imports::choose_name(&file.root, "sync", &file.imports);
            imports.push(crate::imports::ImportRequest {
                path: "sync".into(),
                alias: sync_alias,
            });
            // The field, in a block of its own so gofmt's alignment of the others stays.
            let fr = owner.fields.range();
            if !text[fr.clone()].contains('\n') {
                return Err(format!("`{}` is declared on one line", owner.ty));
            }
            let Some(close_brace) = text[fr.clone()].rfind('}').map(|i| fr.start + i) else {
                return Err("the struct has no closing brace".into());
            };
            let line_start = text[..close_brace].rfind('\n').map_or(0, |i| i + 1);
            if !text[line_start..close_brace].trim().is_empty() {
                return Err(format!(
                    "`{}`'s closing brace is not on a line of its own",
                    owner.ty
                ));
            }
            // A blank line before it when fields precede (its own alignment block).
            let prev_blank =
                text[..line_start].ends_with("\n\n") || text[..line_start].ends_with("{\n");
            let lead = if prev_blank { "" } else { "\n" };
            // gofmt aligns the types after the longest name.
            let pad = " ".repeat("Once".len() + 1);
            // Not made with the value: made once, by whichever of the starter
            // and the stop method runs first, so neither reads the field while
            // the other writes it (and a stop before the start ends the loop
            // at once).
            let lazy = owner.made_by.is_none();
            let (doc, make_field) = if lazy {
                let starter = scope::enclosing_function(go_stmt)
                    .and_then(|f| callers::function_name(&f))
                    .unwrap_or_else(|| "the starter".into());
                (
                    format!("\t// {name} is closed by {stop_name} to stop the background loop; {starter}\n\t// or {stop_name}, whichever runs first, makes it.\n"),
                    format!("\t{name}Make {sync_pkg}.Once\n"),
                )
            } else {
                (
                    format!("\t// {name} is closed by {stop_name} to stop the background loop.\n"),
                    String::new(),
                )
            };
            edits.push(Edit::new(
                line_start,
                line_start,
                format!("{lead}{doc}\t{name}{pad}chan struct{{}}\n{make_field}\t{name}Once {sync_pkg}.Once\n"),
            ));
            // Made where the value is made, or before the goroutine starts.
            match &owner.made_by {
                Some(stmt) => {
                    let end = stmt.range().end;
                    let ind = exprs::indentation(text, stmt.range().start);
                    edits.push(Edit::new(
                        end,
                        end,
                        format!("\n{ind}{}.{name} = make(chan struct{{}})", owner.outside),
                    ));
                }
                None => {
                    let at = go_stmt.range().start;
                    let ind = exprs::indentation(text, at);
                    let o = &owner.outside;
                    edits.push(Edit::new(
                        at,
                        at,
                        format!("{o}.{name}Make.Do(func() {{ {o}.{name} = make(chan struct{{}}) }})\n{ind}"),
                    ));
                }
            }
            // Closed once, however often the stop method runs.
            let body = stop.field("body").ok_or("the stop method has no body")?;
            let open = body.range().start + 1;
            if !text[open..].starts_with('\n') {
                return Err(format!("`{stop_name}` is written on one line"));
            }
            let ind = "\t";
            let close = if lazy {
                format!("{ind}{r}.{name}Make.Do(func() {{ {r}.{name} = make(chan struct{{}}) }})\n{ind}{r}.{name}Once.Do(func() {{ close({r}.{name}) }})\n")
            } else {
                format!("{ind}if {r}.{name} != nil {{\n{ind}\t{r}.{name}Once.Do(func() {{ close({r}.{name}) }})\n{ind}}}\n")
            };
            edits.push(Edit::new(open + 1, open + 1, close));
            name.to_string()
        }
    };
    edits.extend(sleep_edits(
        text,
        &leak.sleeps,
        &format!("{}.{field}", owner.inside),
    ));
    let plan = FixPlan {
        edits,
        imports,
        applicability: Some(Applicability::Safe),
        description: Some(format!(
            "the goroutine also waits on `{field}`, a channel `{}.{stop_name}` closes: closing the value now ends its goroutine",
            owner.ty
        )),
        ..FixPlan::default()
    };
    Ok((plan, stop_kind))
}

/// Who closes the channel the owner fix waits on.
enum OwnerStop {
    /// The function that starts the goroutine, through the stop it hands back.
    Starter,
    /// The owner type's stop method (`Close`, `Stop`, `Shutdown`), through a
    /// channel the fix adds.
    Method,
    /// The owner type's stop method, through a channel it already closes.
    Closed,
}

/// The channel fields of a struct's field list (`stopped chan struct{}`).
fn channel_fields(fields: &GoNode) -> Vec<String> {
    fields
        .children()
        .filter(|c| c.kind() == "field_declaration")
        .filter(|f| {
            f.field("type")
                .is_some_and(|t| t.text().starts_with("chan "))
        })
        .flat_map(|f| {
            f.children()
                .filter(|c| c.kind() == "field_identifier")
                .map(|n| n.text().to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// True when the struct's field list declares `name`, of any type.
fn owner_has_field(fields: &GoNode, name: &str) -> bool {
    fields
        .dfs()
        .any(|n| n.kind() == "field_identifier" && n.text() == name)
}

/// True when `func` closes the field `field` of the value it calls `recv`
/// (`close(recv.field)`, anywhere in it, closures included).
fn closes(func: &GoNode, recv: &str, field: &str) -> bool {
    !closing_calls(func, recv, field).is_empty()
}

/// The `close(recv.field)` calls in `func`, closures included.
fn closing_calls<'r>(func: &GoNode<'r>, recv: &str, field: &str) -> Vec<GoNode<'r>> {
    let target = format!("{recv}.{field}");
    func.dfs()
        .filter(|n| {
            n.kind() == "call_expression"
                && n.field("function").is_some_and(|f| f.text() == "close")
                && n.field("arguments").is_some_and(|a| {
                    a.named_children()
                        .find(|c| c.kind() != "comment")
                        .is_some_and(|c| crate::analysis::pools::unparen(&c).text() == target)
                })
        })
        .collect()
}

/// True when the starter closes `recv.field` only later, in a closure it
/// hands back or stores (`return func() { close(w.stopped); t.Stop() }`), not
/// as it runs: a channel closed before or as the starter returns (`close(ready)`,
/// `defer close(started)`) signals something else, and waiting on it would end
/// the goroutine at once.
fn starter_closes_later(starter: &GoNode, go_stmt: &GoNode, recv: &str, field: &str) -> bool {
    let calls = closing_calls(starter, recv, field);
    !calls.is_empty()
        && calls.iter().all(|call| {
            let in_closure = call
                .ancestors()
                .take_while(|a| a.range() != starter.range())
                .any(|a| a.kind() == "func_literal");
            let in_goroutine = go_stmt.range().start <= call.range().start
                && call.range().end <= go_stmt.range().end;
            let deferred_literal = call
                .ancestors()
                .take_while(|a| a.range() != starter.range())
                .any(|a| a.kind() == "defer_statement");
            in_closure && !in_goroutine && !deferred_literal
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::context::context_in_scope;
    use crate::finding::apply_edits;
    use std::path::Path;

    fn leak_in(src: &str) -> Option<String> {
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let go = f.root.root().dfs().find(|n| n.kind() == "go_statement")?;
        let leak = find_leak(&f, &goroutine_function(&go)?, None)?;
        let ctx = context_in_scope(&f, &sleep_node(&leak.sleeps[0])).unwrap_or("ctx".into());
        Some(apply_edits(
            src,
            &sleep_edits(src, &leak.sleeps, &format!("{ctx}.Done()")),
        ))
    }

    const HEAD: &str = "package p\n\nimport (\n\t\"context\"\n\t\"time\"\n)\n\n";

    #[test]
    fn sleep_becomes_select_on_the_context_in_scope() {
        let src = format!("{HEAD}func f(c context.Context) {{\n\tgo func() {{\n\t\tfor {{\n\t\t\ttime.Sleep(time.Second) // pace\n\t\t\twork()\n\t\t}}\n\t}}()\n}}\n");
        let out = leak_in(&src).unwrap();
        assert!(out.contains("\t\t\tselect {\n\t\t\tcase <-c.Done():\n\t\t\t\treturn\n\t\t\tcase <-time.After(time.Second): // pace\n\t\t\t}\n\t\t\twork()\n"), "{out}");
    }

    #[test]
    fn ways_out() {
        for body in [
            "time.Sleep(1)\n\t\t\treturn",
            "time.Sleep(1)\n\t\t\tbreak",
            "time.Sleep(1)\n\t\t\t<-quit",
            "time.Sleep(1)\n\t\t\tfor v := range ch { use(v) }",
            "select {\n\t\t\tcase <-ctx.Done():\n\t\t\tcase <-time.After(1):\n\t\t\t}",
            "time.Sleep(1)\n\t\t\tpanic(x)",
            "work()",
        ] {
            let src = format!(
                "{HEAD}func f() {{\n\tgo func() {{\n\t\tfor {{\n\t\t\t{body}\n\t\t}}\n\t}}()\n}}\n"
            );
            assert!(leak_in(&src).is_none(), "{body}");
        }
    }

    #[test]
    fn no_ways_out() {
        for body in [
            "time.Sleep(1)\n\t\t\tswitch { case x: break }",
            "time.Sleep(1)\n\t\t\tfor _, v := range []int{1} { if v > 0 { break } }",
            "select {\n\t\t\tcase v := <-in:\n\t\t\t\tuse(v)\n\t\t\tcase <-time.After(1):\n\t\t\t}",
            "<-ticker.C\n\t\t\twork()",
            // Two variables: never a channel. A declared map or slice: not one either.
            "time.Sleep(1)\n\t\t\tfor _, c := range names() { use(c) }",
            "time.Sleep(1)\n\t\t\tfor k := range table { use(k) }",
            "time.Sleep(1)\n\t\t\tfor i := range list { use(i) }",
        ] {
            let src = format!("{HEAD}var table = map[string]int{{}}\n\nfunc f(ticker *time.Ticker, list []int) {{\n\tgo func() {{\n\t\tfor {{\n\t\t\t{body}\n\t\t}}\n\t}}()\n}}\n");
            assert!(leak_in(&src).is_some(), "{body}");
        }
    }

    #[test]
    fn ranges_over_timer_channels() {
        for (head, body) in [
            ("for range ticker.C {", "work()"),
            ("for range time.NewTicker(time.Second).C {", "work()"),
            ("for now := range time.Tick(time.Second) {", "use(now)"),
        ] {
            let src = format!("{HEAD}func f(ticker *time.Ticker) {{\n\tgo func() {{\n\t\t{head}\n\t\t\t{body}\n\t\t}}\n\t}}()\n}}\n");
            let out = leak_in(&src).unwrap_or_else(|| panic!("{head}"));
            assert!(out.contains("case <-ctx.Done():"), "{out}");
        }
        // The tick's variable is declared, and `time.Tick` is called once.
        let src = format!("{HEAD}func f() {{\n\tgo func() {{\n\t\tfor now := range time.Tick(time.Second) {{\n\t\t\tuse(now)\n\t\t}}\n\t}}()\n}}\n");
        let out = leak_in(&src).unwrap();
        assert!(
            out.contains(
                "\t\ttick := time.Tick(time.Second)\n\t\tfor {\n\t\t\tvar now time.Time\n"
            ),
            "{out}"
        );
        assert!(out.contains("case now = <-tick:"), "{out}");
        // A ticker made in the range's header is made once, before the loop, and
        // stopped on return: never a new ticker per pass in the `select`.
        let src = format!("{HEAD}func f() {{\n\tgo func() {{\n\t\tfor range time.NewTicker(time.Second).C {{\n\t\t\twork()\n\t\t}}\n\t}}()\n}}\n");
        let out = leak_in(&src).unwrap();
        assert!(
            out.contains(
                "\t\tticker := time.NewTicker(time.Second)\n\t\tdefer ticker.Stop()\n\t\tfor {\n"
            ),
            "{out}"
        );
        assert!(out.contains("case <-ticker.C:"), "{out}");
        assert!(!out.contains("case <-time.NewTicker"), "{out}");
        // A way out inside the ranged loop, or a range over a channel that is not a timer's.
        for (head, body) in [
            ("for range ticker.C {", "if done() { return }"),
            ("for v := range events {", "use(v)\n\t\t\ttime.Sleep(1)"),
        ] {
            let src = format!("{HEAD}func f(ticker *time.Ticker, events chan int) {{\n\tgo func() {{\n\t\t{head}\n\t\t\t{body}\n\t\t}}\n\t}}()\n}}\n");
            assert!(leak_in(&src).is_none(), "{head}");
        }
    }
}
