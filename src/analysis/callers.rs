//! Changing a function's signature across its module: add a `ctx
//! context.Context` first parameter and pass a context at every call, in every
//! file and package of the module (GM003's fix when no context is in scope).
//!
//! Without a type checker this is done only where the call sites can all be
//! found by name: refused for closures, `main`/`init`, functions with `//export`
//! or `//go:linkname`, exported functions of packages other modules may import,
//! functions used as values, and methods whose name another method, field or
//! interface of the module also uses (the method might satisfy an interface).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::analysis::{context, decls};
use crate::finding::{Edit, Evidence, FileEdit, Position};
use crate::gofile::{GoFile, GoNode};
use crate::imports::{choose_name, ImportRequest};
use crate::package::Files;
use crate::source::{is_generated, SourceText};

/// The name given to the new parameter.
pub const PARAM: &str = "ctx";

/// What adding the parameter takes.
#[derive(Debug, Default)]
pub struct ContextParam {
    /// The new parameter's name, to use inside the function.
    pub param: String,
    /// Edits to the function's own file (the signature and its calls there).
    pub edits: Vec<Edit>,
    pub imports: Vec<ImportRequest>,
    /// Calls in the module's other files.
    pub extra_files: Vec<FileEdit>,
    pub call_sites: usize,
}

/// One place a function or method is named (see [`for_each_use`]).
pub struct Use<'r> {
    /// The identifier, or for a qualified call or a method the selector.
    pub node: GoNode<'r>,
    /// False for a method call whose receiver's type could not be read.
    pub resolved: bool,
}

/// The declared name of a function or method (None for a literal).
pub fn function_name(func: &GoNode) -> Option<String> {
    match func.kind().as_ref() {
        "function_declaration" | "method_declaration" => {
            func.field("name").map(|n| n.text().to_string())
        }
        _ => None,
    }
}

/// Plans the new first parameter of `func` (declared in `file`) and the
/// context passed at each of its calls; Err says why it cannot be done safely.
pub fn add_context_parameter(file: &GoFile, func: &GoNode) -> Result<ContextParam, String> {
    let files = file.package();
    let Some(name) = function_name(func) else {
        return Err("the goroutine is started inside a closure, whose callers cannot be found; pass it a context by hand".into());
    };
    let is_method = func.kind() == "method_declaration";
    if !is_method && (name == "main" || name == "init") {
        return Err(format!(
            "`{name}` cannot take parameters; create a context there and pass it to the goroutine"
        ));
    }
    if has_directive(file.text(), func) {
        return Err(format!(
            "`{name}` carries a //export or //go:linkname directive"
        ));
    }
    let Some(module) = file.module.clone() else {
        return Err("no go.mod above the file, so the callers cannot all be found".into());
    };
    let own_path = files.canonical(file.path);
    let own_dir = own_path.parent().map(Path::to_path_buf).unwrap_or_default();
    let exported = name.starts_with(|c: char| c.is_uppercase());
    if exported && !private_package(&files.canonical(&module.root), &own_dir, &file.package_name) {
        return Err(format!(
            "`{name}` is exported from a package other modules may import, and changing its signature would break their calls"
        ));
    }
    if func
        .dfs()
        .any(|n| n.kind() == "identifier" && n.text() == PARAM)
    {
        return Err(format!("`{PARAM}` already names something in `{name}`"));
    }
    // Two declarations of one function in a package compile only under
    // different build constraints (`x_windows.go` and `x_unix.go`): changing
    // one signature and the shared callers would break the other platforms' build.
    if let Some(at) = declared_elsewhere(file, func, &module.root) {
        return Err(format!(
            "`{name}` is declared again in {at}, a file of the package another build compiles; its signature and the shared callers' arguments must change in every such file together"
        ));
    }
    if is_method {
        if let Some(at) = interface_declaring(files, &module.root, &name) {
            return Err(format!(
                "an interface of the module declares a method `{name}` ({at}); changing the signature would break the types that satisfy it"
            ));
        }
    }

    // A file that imports the context package already (the standard one, or
    // `golang.org/x/net/context`, whose `Context` is the same type) names it so.
    let ctx_import = crate::analysis::scope::CONTEXT_PACKAGES
        .iter()
        .find(|p| {
            file.imports_of(p)
                .any(|i| !matches!(i.alias.as_deref(), Some("_" | ".")))
        })
        .copied()
        .unwrap_or("context");
    let (ctx_pkg, ctx_alias) = choose_name(&file.root, ctx_import, &file.imports);
    let mut plan = ContextParam {
        param: PARAM.to_string(),
        ..ContextParam::default()
    };
    let params = func
        .field("parameters")
        .ok_or("the function has no parameter list")?;
    plan.edits.push(insert_first(
        file.text(),
        &params,
        &format!("{PARAM} {ctx_pkg}.Context"),
    ));
    plan.imports.push(ImportRequest {
        path: ctx_import.into(),
        alias: ctx_alias,
    });

    let mut failure: Option<String> = None;
    let mut no_context: Vec<String> = vec![];
    let scan = for_each_use(file, func, true, &mut |gf, uses| {
        let path = gf.path;
        let is_own = files.canonical(path) == own_path;
        let text = gf.text();
        let mut sites = vec![];
        for u in uses {
            let here = here(gf, &u.node, &module.root);
            if !u.resolved {
                failure = Some(format!(
                    "the receiver of the call at {here} cannot be resolved to a type, so it may be another type's `{name}`"
                ));
                return false;
            }
            match called_by(&u.node) {
                Some(call) => sites.push(call),
                None => {
                    failure = Some(format!("`{name}` is used as a value at {here}"));
                    return false;
                }
            }
        }
        if !is_own && is_generated(text) {
            failure = Some(format!(
                "{} calls it and is generated",
                shown(files, path, &module.root)
            ));
            return false;
        }
        if sites
            .iter()
            .any(|c| gf.near_parse_error(c.range().start, c.range().end))
        {
            failure = Some(format!(
                "{} is only partly parsed",
                shown(files, path, &module.root)
            ));
            return false;
        }
        let mut edits = vec![];
        for call in &sites {
            let inside = is_own
                && func.range().start <= call.range().start
                && call.range().end <= func.range().end;
            let arg = if inside {
                PARAM.to_string()
            } else if let Some(ctx) = context::context_in_scope(gf, call) {
                ctx
            } else {
                // A `context.TODO()` here would never be cancelled: the diff
                // would hide the leak, not stop it.
                no_context.push(here(gf, call, &module.root));
                continue;
            };
            let Some(args) = call.field("arguments") else {
                continue;
            };
            edits.push(insert_first(text, &args, &arg));
        }
        plan.call_sites += edits.len();
        if is_own {
            plan.edits.extend(edits);
        } else {
            plan.extra_files.push(FileEdit {
                path: path.to_path_buf(),
                edits,
                imports: vec![],
            });
        }
        true
    });
    scan?;
    if let Some(f) = failure {
        return Err(f);
    }
    if !no_context.is_empty() {
        let n = no_context.len();
        return Err(format!(
            "{} ha{} no context to pass to `{name}`, and a `context.TODO()` would never end",
            no_context.join(", "),
            if n == 1 { "s" } else { "ve" },
        ));
    }
    Ok(plan)
}

/// Where another file of `func`'s package declares the same function (or the
/// same receiver type's method of that name), if one does. Go allows that only
/// when the two files are built under different constraints (GOOS/GOARCH file
/// suffixes or `//go:build` lines), so each declaration is one build's.
fn declared_elsewhere(file: &GoFile, func: &GoNode, root: &Path) -> Option<String> {
    let files = file.package();
    let name = function_name(func)?;
    let recv = if func.kind() == "method_declaration" {
        Some(decls::receiver_of(func)?.1)
    } else {
        None
    };
    let own_path = files.canonical(file.path);
    let own_dir = own_path.parent().map(Path::to_path_buf).unwrap_or_default();
    let all = module_files(files, root);
    for &i in files_naming(files, root, &name).iter() {
        let path = &all[i];
        let canonical = files.canonical(path);
        if canonical == own_path || canonical.parent() != Some(own_dir.as_path()) {
            continue;
        }
        let Some(text) = files
            .read(path)
            .and_then(|b| SourceText::decode(&b).ok())
            .map(|s| s.text)
        else {
            continue;
        };
        let gf = GoFile::parse_in(files, path, &text, None);
        if gf.package_name != file.package_name {
            continue;
        }
        let found = gf.root.root().children().find(|n| {
            n.kind() == func.kind()
                && n.field("name").is_some_and(|f| f.text() == name)
                && (recv.is_none() || decls::receiver_of(n).map(|(_, t)| t) == recv)
        });
        if let Some(n) = found {
            return Some(here(&gf, &n, root));
        }
    }
    None
}

/// True when [`for_each_use`] sees every call of the declared function or
/// method `func`: its name is unexported (no other package can name it), it is
/// not `main` or `init` (the runtime calls those), it carries no `//export` or
/// `//go:linkname` directive, and, for a method, no interface of the module
/// declares a method of that name (a call through the interface is not
/// matched to it). Uses as values are still the caller's to check.
pub fn callers_all_in_view(file: &GoFile, func: &GoNode) -> bool {
    let Some(name) = function_name(func) else {
        return false;
    };
    let Some(module) = file.module.as_ref() else {
        return false;
    };
    let is_method = func.kind() == "method_declaration";
    name.starts_with(|c: char| c.is_lowercase() || c == '_')
        && (is_method || !matches!(name.as_str(), "main" | "init"))
        && !has_directive(file.text(), func)
        && (!is_method || interface_declaring(file.package(), &module.root, &name).is_none())
}

/// Where an interface type of the module declares a method `name`, if one does.
fn interface_declaring(files: &Files, root: &Path, name: &str) -> Option<String> {
    let all = module_files(files, root);
    for &i in files_naming(files, root, name).iter() {
        let path = &all[i];
        let Some(text) = files
            .read(path)
            .and_then(|b| SourceText::decode(&b).ok())
            .map(|s| s.text)
        else {
            continue;
        };
        if !text.contains(name) || !text.contains("interface") {
            continue;
        }
        let gf = GoFile::parse_in(files, path, &text, None);
        let found = gf.root.root().dfs().find(|n| {
            n.kind() == "method_elem" && n.field("name").is_some_and(|f| f.text() == name)
        });
        if let Some(n) = found {
            return Some(here(&gf, &n, root));
        }
    }
    None
}

/// How far [`repeats`] follows callers up before it stops proving anything.
const MAX_CALLER_DEPTH: usize = 6;

/// Keyed fields whose function command frameworks run once per process, in
/// place of `main`: cobra's `Run`/`RunE` (and their pre/post hooks), urfave/cli's `Action`.
const COMMAND_FIELDS: &[&str] = &[
    "Run",
    "RunE",
    "PreRun",
    "PreRunE",
    "PersistentPreRun",
    "PersistentPreRunE",
    "Action",
    "Before",
];

/// Functions that take a function value and run it once per process: cobra's
/// `OnInitialize` hooks run before the command, as `main`'s own code would.
const ONCE_RUNNERS: &[&str] = &["OnInitialize"];

/// Functions and methods that register a function to run once per request or
/// message: `net/http`'s and the common routers' handler registrations, message
/// subscriptions. A function value given to one of them runs again and again.
const PER_REQUEST_REGISTRARS: &[&str] = &[
    "HandleFunc",
    "Handle",
    "HandlerFunc",
    "GET",
    "POST",
    "PUT",
    "DELETE",
    "PATCH",
    "HEAD",
    "OPTIONS",
    "Any",
    "Get",
    "Post",
    "Put",
    "Delete",
    "Patch",
    "Subscribe",
    "QueueSubscribe",
];

/// How well a start is shown to run again and again, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// Only circumstantial: exported from an application module, handed to
    /// code of unknown behaviour, or too many calls away from `main` to tell.
    Weak,
    /// The public API of a library module: other modules may call it any
    /// number of times, though none is seen doing so.
    Api,
    /// A path that repeats is shown, but through a method call whose
    /// receiver's type is not read from the code: it may be another type's
    /// method of the same name.
    Unsure,
    /// A path that repeats is shown: a loop, a handler or per-request
    /// callback, or a create-after-close pair.
    Shown,
}

/// Why the code at a point can run again and again, and the path that shows it.
#[derive(Debug, Clone)]
pub struct Repeat {
    pub strength: Strength,
    /// One sentence, for the message.
    pub why: String,
    /// The call sites from the start outward, then the place that repeats.
    pub path: Vec<Evidence>,
    /// The map whose keys the start is kept once per, when a function on the
    /// path looks the key up first (see [`once_per_key`]).
    pub per_key: Option<String>,
    /// The package variable whose one instance a function on the path hands
    /// back once it is made (see [`singleton_guard`]).
    pub singleton: Option<String>,
    /// The flag a start runs behind and sets (`if !s.started { ...; s.started
    /// = true }`, see [`started_flag`]): every later caller finds it running.
    pub started_flag: Option<String>,
    /// The method that ends the value the start belongs to (`App.Shutdown`:
    /// the receiver of the nearest method on the path, or what its nearest
    /// constructor makes, see [`own_value_stop`]), as `T.M` and its
    /// declaration. A goroutine it cannot stop is left behind by each value
    /// made and stopped.
    pub value_stop: Option<(String, Evidence)>,
}

impl Repeat {
    /// Lowers the repeat to `strength` at most, saying why: `but` is added to
    /// the message's reason and `at` to the path.
    pub fn weaken(&mut self, strength: Strength, but: &str, at: Evidence) {
        self.strength = self.strength.min(strength);
        self.why = format!("{}, but {but}", self.why);
        self.path.push(at);
    }

    fn new(strength: Strength, why: String, at: Evidence) -> Repeat {
        Repeat {
            strength,
            why,
            path: vec![at],
            per_key: None,
            singleton: None,
            started_flag: None,
            value_stop: None,
        }
    }
}

/// Library or application: whether a module's exported API is meant for other
/// modules to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleKind {
    /// Its top folder holds an importable package, or it has no `main` of its own.
    Library,
    /// It is built into its own `main` packages (at its top, or under `cmd/`
    /// and the like), and its top folder holds no importable package.
    Application,
}

/// Folders whose `main` packages are examples or test scaffolding, not what the
/// module is built into.
const NOT_PRODUCT_DIRS: &[&str] = &[
    "example",
    "examples",
    "_examples",
    "testdata",
    "test",
    "tests",
    "internal/testing",
    "hack",
];

/// Whether the module rooted at `root` is a library or an application (once per run).
pub fn module_kind(files: &Files, root: &Path) -> ModuleKind {
    if top_library(files, root) || !has_own_main(files, root) {
        ModuleKind::Library
    } else {
        ModuleKind::Application
    }
}

/// The package clause of a file a normal build compiles.
fn package_clause(f: &Files, path: &Path) -> Option<String> {
    let text = f
        .read(path)
        .and_then(|b| SourceText::decode(&b).ok())
        .map(|s| s.text)?;
    if crate::analysis::build::never_built(&text) {
        return None;
    }
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("package "))
        .map(|p| p.split_whitespace().next().unwrap_or_default().to_string())
}

/// Whether the module's top folder holds an importable package (once per run).
fn top_library(files: &Files, root: &Path) -> bool {
    let root = files.canonical(root);
    *files.memo("module-top-library", &root, "", |f| {
        f.go_files(&root).iter().any(|e| {
            !e.name.ends_with("_test.go") && package_clause(f, &e.path).is_some_and(|p| p != "main")
        })
    })
}

/// Whether the module rooted at `root` has a `main` package of its own
/// (outside examples and test scaffolding, see [`NOT_PRODUCT_DIRS`]): a
/// program it is built into, whose calls of the module's exported API say how
/// often that API runs (once per run).
pub fn has_own_main(files: &Files, root: &Path) -> bool {
    let root = files.canonical(root);
    *files.memo("module-own-main", &root, "", |f| {
        module_files(f, &root).iter().any(|p| {
            let rel = p.strip_prefix(&root).unwrap_or(p);
            let rel_dir = rel.parent().map(|d| d.to_string_lossy().replace('\\', "/"));
            let scaffolding = rel_dir.as_deref().is_some_and(|d| {
                NOT_PRODUCT_DIRS.iter().any(|x| {
                    d == *x
                        || d.starts_with(&format!("{x}/"))
                        || d.contains(&format!("/{x}/"))
                        || d.ends_with(&format!("/{x}"))
                })
            });
            !scaffolding
                && !p.to_string_lossy().ends_with("_test.go")
                && package_clause(f, p).is_some_and(|p| p == "main")
        })
    })
}

/// Why the code at `at` can run again and again during the process' life, or
/// None when it runs a bounded number of times: in `init`, in `main` (or a
/// command's `Run` function that stands in for it), inside a `sync.Once`'s `Do`,
/// in a package-level variable's initialiser, or in a function whose every
/// non-test caller in the module is one of those (followed a few calls up).
pub fn repeats(file: &GoFile, at: &GoNode) -> Option<String> {
    repeat_path(file, at).map(|r| r.why)
}

/// [`repeats`] with its strength and path: of all the ways the code at `at`
/// is reached, the best shown.
pub fn repeat_path(file: &GoFile, at: &GoNode) -> Option<Repeat> {
    let mut seen = vec![];
    let r = repeats_at(file, at, 0, &mut seen)?;
    Some(capped_per_key(file, at, r))
}

/// However often its function runs, code at `at` kept once per key of a map
/// (looked up first, stored after) runs once per key, not once per call: the
/// repeat is weak at most, with the guard as evidence.
fn capped_per_key(file: &GoFile, at: &GoNode, mut r: Repeat) -> Repeat {
    if let Some((guard, map)) = once_per_key(at) {
        r.per_key = Some(map.clone());
        let line = Position::of_offset(file.text(), guard.range().start).line;
        r.weaken(
            Strength::Weak,
            &format!("it starts at most once per key of `{map}` (the `if` at line {line} starts it only for a key not seen before)"),
            file.evidence(
                guard.range().start,
                format!("it starts at most once per key of `{map}`: this `if` starts it only for a key not in `{map}`, where the new value is then stored"),
            ),
        );
    }
    r
}

/// A start guarded by a map: the function holding `at` looks its key up first
/// (`v, ok := m[k]`) and returns when it is there (`if ok { return v }`), or
/// starts only when it is not (`if !ok { ... }`), and stores the new value in
/// the same map (`m[k] = v`). The `if` and the map's name, when so.
pub fn once_per_key<'r>(at: &GoNode<'r>) -> Option<(GoNode<'r>, String)> {
    let func = at.ancestors().find(|a| {
        matches!(
            a.kind().as_ref(),
            "function_declaration" | "method_declaration"
        )
    })?;
    let body = func.field("body")?;
    // `v, ok := m[k]` or `v, ok = m[k]`: the name of `ok` and the map's.
    let lookups: Vec<(String, String)> = body
        .dfs()
        .filter(|n| {
            matches!(
                n.kind().as_ref(),
                "short_var_declaration" | "assignment_statement"
            )
        })
        .filter_map(|n| {
            let left: Vec<GoNode> = n.field("left")?.named_children().collect();
            let right: Vec<GoNode> = n.field("right")?.named_children().collect();
            match (left.as_slice(), right.as_slice()) {
                ([_, ok], [idx])
                    if ok.kind() == "identifier" && idx.kind() == "index_expression" =>
                {
                    let m = idx.field("operand")?;
                    Some((ok.text().to_string(), m.text().to_string()))
                }
                _ => None,
            }
        })
        .collect();
    if lookups.is_empty() {
        return None;
    }
    let stores = |map: &str| {
        body.dfs().any(|n| {
            n.kind() == "assignment_statement"
                && n.field("left").is_some_and(|l| {
                    l.named_children().any(|t| {
                        t.kind() == "index_expression"
                            && t.field("operand").is_some_and(|o| o.text() == map)
                    })
                })
        })
    };
    let found = body
        .dfs()
        .filter(|n| n.kind() == "if_statement")
        .find_map(|i| {
            let cond = i.field("condition")?;
            let (name, negated) = match cond.kind().as_ref() {
                "identifier" => (cond.text().to_string(), false),
                "unary_expression" if cond.field("operator").is_some_and(|o| o.text() == "!") => {
                    let o = cond.field("operand").filter(|o| o.kind() == "identifier")?;
                    (o.text().to_string(), true)
                }
                _ => return None,
            };
            let (_, map) = lookups.iter().find(|(ok, _)| *ok == name)?;
            // A map made by this call guards nothing across calls.
            if decls::lookup(&i, map).is_some_and(|d| d.kind == decls::DeclKind::Local) {
                return None;
            }
            let then = i.field("consequence")?;
            let inside =
                then.range().start <= at.range().start && at.range().end <= then.range().end;
            let guards = if negated {
                inside
            } else {
                i.range().end <= at.range().start
                    && then.dfs().any(|n| n.kind() == "return_statement")
            };
            (guards && stores(map)).then(|| (i.clone(), map.clone()))
        });
    found
}

/// Keeps the stronger of two answers (the first when equal).
fn stronger(a: Option<Repeat>, b: Option<Repeat>) -> Option<Repeat> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.strength > a.strength { b } else { a }),
        (a, b) => a.or(b),
    }
}

fn repeats_at(
    file: &GoFile,
    at: &GoNode,
    depth: usize,
    seen: &mut Vec<(PathBuf, usize)>,
) -> Option<Repeat> {
    let files = file.package();
    if let Some(l) = repeating_loop(file, at) {
        let shown = first_line(&l.text());
        return Some(Repeat::new(
            Strength::Shown,
            format!("it runs in a loop ({shown})"),
            file.evidence(
                l.range().start,
                format!("runs again and again in this loop (`{shown}`)"),
            ),
        ));
    }
    let Some(func) = crate::analysis::scope::enclosing_function(at) else {
        return None; // a package-level variable's initialiser runs once
    };
    if func.kind() == "func_literal" {
        return literal_repeats(file, &func, depth, seen);
    }
    let name = function_name(&func)?;
    let is_method = func.kind() == "method_declaration";
    if !is_method && (name == "init" || (name == "main" && file.package_name == "main")) {
        return None;
    }
    // It parses the command line, as only a `main` (or what stands in for it) does.
    if parses_flags(file, &func, 1) {
        return None;
    }
    if depth >= MAX_CALLER_DEPTH {
        return Some(Repeat::new(
            Strength::Weak,
            format!("its callers are more than {MAX_CALLER_DEPTH} calls away from `main`"),
            file.evidence(func.range().start, format!("`{name}` is more than {MAX_CALLER_DEPTH} calls away from `main`: how often it runs is not shown")),
        ));
    }
    // `if hedge && ... { start }` with `hedge` a parameter: a caller passing
    // `false` there never reaches the start.
    let guards = flag_guards(&func, at);
    let key = (files.canonical(file.path), func.range().start);
    if seen.contains(&key) {
        CUTS.with(|c| c.set(c.get() + 1));
        return None; // recursion: the first visit decides
    }
    // Answered before in this run (at this depth, and without a recursion cut):
    // the module's files are noted as read, as computing it would have.
    let memo = file.module.as_ref().filter(|_| guards.is_empty()).map(|m| {
        files.memo("gm003-repeats", &files.canonical(&m.root), "", |_| {
            std::sync::Mutex::new(std::collections::HashMap::<
                (PathBuf, usize, usize),
                Option<Repeat>,
            >::new())
        })
    });
    let memo_key = (key.0.clone(), key.1, depth);
    if let Some(m) = &memo {
        let hit = m
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&memo_key)
            .cloned();
        if let Some(answer) = hit {
            // The word index read every file of the module: asking it notes them.
            if let Some(module) = &file.module {
                if files.tracks() {
                    let _ = files_naming(files, &module.root, "");
                }
            }
            return with_value_stop(file, &func, at, answer);
        }
    }
    seen.push(key);
    let cuts_before = CUTS.with(|c| c.get());
    let answer = function_repeats(file, &func, &name, is_method, &guards, depth, seen);
    if let Some(m) = &memo {
        if CUTS.with(|c| c.get()) == cuts_before {
            m.lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(memo_key, answer.clone());
        }
    }
    with_value_stop(file, &func, at, answer)
}

/// The answer for `at` in `func`, with the stop method of the value the start
/// belongs to: the one nearest the start on its path (a method's receiver, a
/// constructor's value). A function that may hand back a value it made before
/// reaching `at` (see [`returns_earlier_value`]) does not make a new one per
/// call: the value's stop then says nothing about how many are left behind.
///
/// A function that hands back the one instance a package variable keeps
/// (`if instance != nil { return instance }` before `at`, `instance = x`
/// after) starts `at` once per process however often it is called: the
/// repeat is weak at most, with the guard as evidence.
fn with_value_stop(
    file: &GoFile,
    func: &GoNode,
    at: &GoNode,
    answer: Option<Repeat>,
) -> Option<Repeat> {
    answer.map(|mut r| {
        // Once per function: asked again at each path through it.
        let own = file.memo("own-value-stop", &func.range().start.to_string(), || {
            own_value_stop(file, func)
        });
        if let Some(stop) = own.as_ref() {
            r.value_stop = stop.clone();
        }
        if r.value_stop.is_some() && returns_earlier_value(func, at) {
            r.value_stop = None;
        }
        if let Some((ret, var)) = singleton_guard(file, func, at) {
            r.strength = r.strength.min(Strength::Weak);
            let name = function_name(func).unwrap_or_default();
            r.why = format!(
                "{}, but `{name}` hands back the instance `{var}` keeps once it is made, so it starts this once per process",
                r.why
            );
            r.path.push(file.evidence(
                ret,
                format!("`{name}` returns the instance `{var}` keeps when there is one: it starts this at most once per process"),
            ));
            r.singleton = Some(var);
        }
        let flagged = started_flag(func, at)
            .map(|(g, f)| (g, f, "sets it in the same block", false))
            .or_else(|| {
                // A kept instance handed back (above) is the same guard, said once.
                r.singleton.is_none().then_some(())?;
                returns_once_set(file, func, at).map(|(g, f, cleared)| match cleared {
                    false => (g, f, "returns here once it is set, which this function does and nothing in the package undoes", false),
                    true => (g, f, "returns here once it is set", true),
                })
            });
        if let Some((guard, flag, how, cleared)) = flagged {
            if cleared {
                // Cleared elsewhere, it may start again after each clear: the
                // repeat stands, but the callers in between share one start.
                r.path.push(file.evidence(
                    guard,
                    format!("starts only while `{flag}` is unset, and {how}; the package clears it again elsewhere, so it may start again after each clear"),
                ));
            } else {
                r.strength = r.strength.min(Strength::Weak);
                r.why = format!(
                    "{}, but the start runs only while `{flag}` says it has not, and sets it",
                    r.why
                );
                r.path.push(file.evidence(
                    guard,
                    format!("starts only while `{flag}` is unset, and {how}: once per value that holds the flag (once per process for a package variable)"),
                ));
            }
            r.started_flag = Some(flag);
        }
        r
    })
}

/// An `if !flag { ... flag = true ... }` around `at` within `func`: a start
/// guarded by a flag it sets (`if !s.started { go s.loop(); s.started = true
/// }`), usually under a lock. Where the `if` starts, and the flag as written.
fn started_flag(func: &GoNode, at: &GoNode) -> Option<(usize, String)> {
    let guard = at
        .ancestors()
        .take_while(|a| a.range() != func.range())
        .find(|a| a.kind() == "if_statement")?;
    let flag = unset_flag(&guard.field("condition")?)?;
    if !matches!(flag.kind().as_ref(), "identifier" | "selector_expression") {
        return None;
    }
    let flag = flag.text().to_string();
    let sets = guard.field("consequence")?.dfs().any(|n| {
        n.kind() == "assignment_statement"
            && n.field("left").is_some_and(|l| l.text() == flag.as_str())
            && n.field("right").is_some_and(|r| r.text() == "true")
    });
    sets.then_some((guard.range().start, flag))
}

/// A hand-made once: an `if` of `func`'s own body, before `at`, that only
/// returns when a value is already set (`if c.hub != nil { return }`, `if
/// s.started { return }`), where `func` itself sets that value (`c.hub = h`,
/// `s.started = true`) and no file of the package clears it again (`.hub =
/// nil`, `.started = false`): what follows runs once per value holding it
/// (once per process for a package variable). Where the `if` starts, the
/// value as written, and whether some file clears it (then the start may run
/// again after each clear, but is still shared by the callers in between).
fn returns_once_set(file: &GoFile, func: &GoNode, at: &GoNode) -> Option<(usize, String, bool)> {
    let body = func.field("body")?;
    let guard = decls::statements(&body).into_iter().find_map(|st| {
        if st.kind() != "if_statement" || st.range().end > at.range().start {
            return None;
        }
        if st.field("initializer").is_some() {
            return None;
        }
        let then = st.field("consequence")?;
        let stmts = decls::statements(&then);
        if stmts.len() != 1 || stmts[0].kind() != "return_statement" {
            return None;
        }
        let cond = st.field("condition")?;
        let (value, nil) = match cond.kind().as_ref() {
            "binary_expression"
                if cond.field("operator").is_some_and(|o| o.text() == "!=")
                    && cond.field("right").is_some_and(|r| r.text() == "nil") =>
            {
                (cond.field("left")?, true)
            }
            "selector_expression" | "identifier" => (cond.clone(), false),
            _ => return None,
        };
        Some((st.range().start, value, nil))
    });
    let (start, value, nil) = guard?;
    // The receiver's field, or a package variable (no local declares it).
    let field = match value.kind().as_ref() {
        "selector_expression" => {
            let operand = value.field("operand")?;
            let receiver = decls::receiver_of(func).and_then(|(n, _)| n)?;
            if operand.kind() != "identifier" || operand.text() != receiver.as_str() {
                return None;
            }
            format!(".{}", value.field("field")?.text())
        }
        "identifier" if decls::lookup(&value, &value.text()).is_none() => value.text().to_string(),
        _ => return None,
    };
    let flag = value.text().to_string();
    let sets = body.dfs().any(|n| {
        n.kind() == "assignment_statement"
            && n.field("left").is_some_and(|l| l.text() == flag.as_str())
            && n.field("right").is_some_and(|r| match nil {
                true => r.text() != "nil",
                false => r.text() == "true",
            })
    });
    if !sets {
        return None;
    }
    // Cleared anywhere in the package, it may be set (and the start run) again.
    let cleared = package_assigns(file, &field, if nil { "nil" } else { "false" }, None)?;
    Some((start, flag, cleared))
}

/// Whether a file of `file`'s package (tests aside) assigns `value` to
/// `target` (a package variable, or `.field` of any value): `target = nil`.
/// `skip` is a byte range of `file` not to read (the block that makes the
/// value, whose error paths may clear it before anything starts). None when
/// a file cannot be read.
fn package_assigns(
    file: &GoFile,
    target: &str,
    value: &str,
    skip: Option<std::ops::Range<usize>>,
) -> Option<bool> {
    let files = file.package();
    let own = files.canonical(file.path);
    let dir = own.parent()?;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let assigns = |t: &str, skip: Option<&std::ops::Range<usize>>| {
        t.match_indices(target).any(|(i, _)| {
            let before_ok = target.starts_with('.') || !t[..i].ends_with(ident);
            let after = &t[i + target.len()..];
            before_ok
                && skip.is_none_or(|r| !r.contains(&i))
                && !after.starts_with(ident)
                && after.trim_start().strip_prefix('=').is_some_and(|r| {
                    !r.starts_with('=')
                        && r.trim_start().starts_with(value)
                        && !r.trim_start()[value.len()..].starts_with(ident)
                })
        })
    };
    if assigns(file.text(), skip.as_ref()) {
        return Some(true);
    }
    for e in files.go_files(dir) {
        if e.name.ends_with("_test.go") || files.canonical(&e.path) == own {
            continue;
        }
        let text = files.read(&e.path)?;
        if assigns(&String::from_utf8_lossy(&text), None) {
            return Some(true);
        }
    }
    Some(false)
}

/// The flag a condition requires to be unset: `!flag`, `flag == false`, or
/// either beside other conditions (`active && !c.running`: the start still
/// needs the flag unset).
fn unset_flag<'r>(cond: &GoNode<'r>) -> Option<GoNode<'r>> {
    let op = cond.field("operator").map(|o| o.text().to_string());
    let flag = match (cond.kind().as_ref(), op.as_deref()) {
        ("parenthesized_expression", _) => return unset_flag(&cond.named_children().next()?),
        ("unary_expression", Some("!")) => cond.field("operand")?,
        ("binary_expression", Some("=="))
            if cond.field("right").is_some_and(|r| r.text() == "false") =>
        {
            cond.field("left")?
        }
        ("binary_expression", Some("&&")) => {
            return unset_flag(&cond.field("left")?).or_else(|| unset_flag(&cond.field("right")?))
        }
        _ => return None,
    };
    Some(flag)
}

/// The guard of a singleton `func` makes at `at`: a `return v` before `at`
/// in `func`'s own body, `v` a package variable (no local declares it) that
/// `func` also assigns (`v = x`); or the block `at` is in, `if v == nil {
/// ... v = x ... }` (a double-checked lock's inner block too), when nothing
/// else in the package sets `v` back to nil. The guard and the variable's name.
fn singleton_guard(file: &GoFile, func: &GoNode, at: &GoNode) -> Option<(usize, String)> {
    returned_singleton(func, at)
        .map(|(ret, name)| (ret.range().start, name))
        .or_else(|| nil_guarded_construction(file, func, at))
}

/// `at` inside `if v == nil { ... v = x ... }` in `func`, `v` a package
/// variable nothing else in the package sets back to nil: the block runs
/// while there is no instance, and makes it.
fn nil_guarded_construction(file: &GoFile, func: &GoNode, at: &GoNode) -> Option<(usize, String)> {
    let body = func.field("body")?;
    let (guard, name) = at
        .ancestors()
        .take_while(|a| a.range() != body.range())
        .filter(|a| a.kind() == "if_statement")
        .find_map(|ifs| {
            let cond = ifs.field("condition")?;
            if cond.kind() != "binary_expression" || cond.field("operator")?.text() != "==" {
                return None;
            }
            let (l, r) = (cond.field("left")?, cond.field("right")?);
            let v = match (l.text() == "nil", r.text() == "nil") {
                (false, true) => l,
                (true, false) => r,
                _ => return None,
            };
            let name = v.text().to_string();
            if v.kind() != "identifier" || decls::lookup(&v, &name).is_some() {
                return None;
            }
            let block = ifs.field("consequence")?;
            let makes = decls::own_nodes(&block).iter().any(|a| {
                a.kind() == "assignment_statement"
                    && a.field("left")
                        .is_some_and(|l| l.named_children().any(|x| x.text() == name))
                    && a.field("right").is_some_and(|r| r.text() != "nil")
            });
            makes.then(|| (ifs.clone(), name))
        })?;
    let block = guard.field("consequence")?.range();
    (!package_assigns(file, &name, "nil", Some(block))?).then_some((guard.range().start, name))
}

/// A `return v` before `at` in `func`'s own body, `v` a package variable
/// (no local declares it) that `func` also assigns (`v = x`): the return and
/// the variable's name.
fn returned_singleton<'r>(func: &GoNode<'r>, at: &GoNode) -> Option<(GoNode<'r>, String)> {
    let body = func.field("body")?;
    let own = decls::own_nodes(&body);
    own.iter().find_map(|n| {
        if n.kind() != "return_statement" || n.range().end > at.range().start {
            return None;
        }
        let v = n
            .named_children()
            .next()
            .and_then(|l| l.named_children().next())
            .filter(|v| v.kind() == "identifier")?;
        let name = v.text().to_string();
        if name == "nil" || decls::lookup(&v, &name).is_some() {
            return None;
        }
        let assigned = own.iter().any(|a| {
            a.kind() == "assignment_statement"
                && a.field("left")
                    .is_some_and(|l| l.named_children().any(|x| x.text() == name))
        });
        assigned.then(|| (n.clone(), name))
    })
}

thread_local! {
    /// The registries (folder, variable, depth) this thread is answering.
    static REGISTRIES: std::cell::RefCell<Vec<(PathBuf, String, usize)>> =
        const { std::cell::RefCell::new(Vec::new()) };
    /// How many times a walk up the callers stopped at a function it was already
    /// in: an answer computed across such a cut depends on the walk, and is not kept.
    static CUTS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The part of [`repeats_at`] that depends only on the function `func` (named
/// `name`, declared in `file`): its callers in the module, and whether other
/// modules or a host may call it.
fn function_repeats(
    file: &GoFile,
    func: &GoNode,
    name: &str,
    is_method: bool,
    guards: &[(usize, bool)],
    depth: usize,
    seen: &mut Vec<(PathBuf, usize)>,
) -> Option<Repeat> {
    let files = file.package();
    let name = name.to_string();
    let Some(module) = file.module.clone() else {
        return Some(Repeat::new(
            Strength::Weak,
            format!("`{name}` has no go.mod above it, so its callers are unknown"),
            file.evidence(
                func.range().start,
                format!("`{name}` has no go.mod above it: its callers are unknown"),
            ),
        ));
    };
    let own_dir = files
        .canonical(file.path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    // Other modules can call it: exported, in an importable package, and for a
    // method, on an exported type.
    let exported_type = !is_method
        || decls::receiver_of(&func)
            .is_some_and(|(_, t)| t.starts_with(|c: char| c.is_uppercase()));
    let open = name.starts_with(|c: char| c.is_uppercase())
        && exported_type
        && !private_package(&files.canonical(&module.root), &own_dir, &file.package_name);
    let c_exported = !is_method && has_export_directive(file.text(), &func);
    let mut callers = 0;
    let mut best: Option<Repeat> = None;
    let scan = for_each_use(file, &func, false, &mut |gf, uses| {
        // Test-support code (a package importing `testing`) runs under `go test` only.
        if gf.imports_of("testing").next().is_some() {
            return true;
        }
        for u in uses {
            let call = called_by(&u.node);
            if call.as_ref().is_some_and(|c| flag_rules_out(c, guards)) {
                continue;
            }
            callers += 1;
            let why = match &call {
                Some(call) => {
                    let inner = repeats_at(gf, call, depth + 1, seen);
                    let pair = created_after_close(gf, call, &name, inner.as_ref());
                    stronger(inner, pair).map(|r| capped_per_key(gf, call, r))
                }
                None => value_repeats(gf, &u.node, &format!("`{name}`"), depth, seen),
            };
            let Some(mut why) = why else { continue };
            let how = if call.is_some() { "called" } else { "used" };
            // `x.Run()` with `x` of a type the code does not say may be
            // another type's `Run`: the path it shows is not proof.
            let unsure = !u.resolved && why.strength == Strength::Shown;
            if unsure {
                why.strength = Strength::Unsure;
            }
            why.why = format!(
                "`{name}` is {how} at {}, where {}",
                here(gf, &u.node, &module.root),
                why.why
            );
            let site = gf.evidence(u.node.range().start, format!("`{name}` is {how} here"));
            // The registration itself says more than "used here" on its line.
            if why
                .path
                .first()
                .is_none_or(|e| e.path != site.path || e.line != site.line)
            {
                why.path.insert(0, site);
            }
            if unsure {
                why.path.insert(
                    1,
                    gf.evidence(
                        u.node.range().start,
                        format!("the receiver's type here is not read from the code: this may be another type's `{name}`"),
                    ),
                );
            }
            best = stronger(best.take(), Some(why));
            if best.as_ref().is_some_and(|b| b.strength == Strength::Shown) {
                return false;
            }
        }
        true
    });
    if let Err(why) = scan {
        return stronger(
            best,
            Some(Repeat::new(
                Strength::Weak,
                why.clone(),
                file.evidence(func.range().start, why),
            )),
        );
    }
    if best.as_ref().is_some_and(|b| b.strength == Strength::Shown) {
        return best;
    }
    // A handler runs once per request, however it is registered (an unexported
    // function that nothing names is never registered).
    if callers > 0 || is_method || name.starts_with(|c: char| c.is_uppercase()) {
        if let Some(kind) = handler_signature(file, &func) {
            return Some(Repeat::new(
                Strength::Shown,
                format!("`{name}` is {kind}, which runs once per request"),
                file.evidence(
                    func.range().start,
                    format!("`{name}` is {kind}: it runs once per request"),
                ),
            ));
        }
    }
    if c_exported {
        return stronger(
            best,
            Some(Repeat::new(
                Strength::Api,
                format!("`{name}` is exported to C (`//export`), so the program that loads it may call it any number of times"),
                file.evidence(func.range().start, format!("`{name}` is exported to C: its host may call it any number of times")),
            )),
        );
    }
    if !open {
        return best;
    }
    // A module built into programs of its own that calls this itself, each
    // call shown to run a bounded number of times (every path above ends in
    // `main`, `init` or the like), shows how often it runs: being exported
    // adds no evidence, whether the module's top folder is importable or not.
    // Calls from tests are not among them (a start repeated only under `go
    // test` is no leak of the program). A library with no program of its own,
    // an API its own module never calls, or one whose calls are not all shown
    // bounded (a value handed to a registry) is left to other modules' callers.
    if callers > 0 && best.is_none() && has_own_main(files, &module.root) {
        return None;
    }
    let library = module_kind(files, &module.root) == ModuleKind::Library;
    let (strength, whose) = if library && defines_process_flags(files, &module, &own_dir) {
        (
            Strength::Weak,
            "a package that defines the process' command-line flags (a command's, not a library's)",
        )
    } else if library {
        (Strength::Api, "a library package")
    } else {
        (
            Strength::Weak,
            "a package of an application module (one built into its own `main` packages)",
        )
    };
    // A method of an exported type: every value of it that other modules make
    // may start it again.
    let api = if is_method {
        Some(format!(
            "`{name}` is an exported method of {whose}, so code outside the module may call it on any number of values"
        ))
    } else if callers == 0 {
        Some(format!(
            "`{name}` is exported from {whose}, so code outside the module may call it any number of times"
        ))
    } else if returns_instance(&func) {
        // Its own module makes one, but it is a constructor: it returns the instance
        // the goroutine serves, and other modules may make any number of them.
        Some(format!(
            "`{name}` is exported from {whose} and returns a new value its goroutine serves, so code outside the module may make any number of them"
        ))
    } else {
        None
    };
    let Some(api) = api else { return best };
    stronger(
        best,
        Some(Repeat::new(
            strength,
            api.clone(),
            file.evidence(func.range().start, api),
        )),
    )
}

/// Functions of the standard `flag` package that define a flag of the process'
/// command line.
const FLAG_DEFINERS: &[&str] = &[
    "Bool",
    "BoolVar",
    "BoolFunc",
    "Duration",
    "DurationVar",
    "Float64",
    "Float64Var",
    "Func",
    "Int",
    "Int64",
    "Int64Var",
    "IntVar",
    "String",
    "StringVar",
    "TextVar",
    "Uint",
    "Uint64",
    "Uint64Var",
    "UintVar",
    "Var",
];

/// True when the package in folder `dir` defines flags of the process' command
/// line as it loads (the standard `flag` package's, in `init` or a package-level
/// variable): a command's package, since every program importing it would get
/// its flags. Its exported API is the command's, not a library's (once per run).
fn defines_process_flags(files: &Files, module: &Arc<crate::gomod::Module>, dir: &Path) -> bool {
    *files.memo("defines-flags", dir, "", |f| {
        f.go_files(dir).iter().any(|e| {
            if e.name.ends_with("_test.go") {
                return false;
            }
            let Some(text) = f.read(&e.path).and_then(|b| SourceText::decode(&b).ok()) else {
                return false;
            };
            if !text.text.contains("\"flag\"") {
                return false;
            }
            let gf = GoFile::parse_in(f, &e.path, &text.text, Some(module.clone()));
            let Some(flag) = gf
                .imports_of("flag")
                .next()
                .map(|i| i.local_name().to_string())
            else {
                return false;
            };
            let root = gf.root.root();
            let defines = root.children().any(|d| {
                let at_load = d.kind() == "var_declaration"
                    || (d.kind() == "function_declaration"
                        && d.field("name").is_some_and(|n| n.text() == "init"));
                at_load
                    && d.dfs().any(|n| {
                        n.kind() == "call_expression"
                            && n.field("function").is_some_and(|fun| {
                                fun.kind() == "selector_expression"
                                    && fun.field("operand").is_some_and(|o| {
                                        o.kind() == "identifier" && o.text() == flag.as_str()
                                    })
                                    && fun
                                        .field("field")
                                        .is_some_and(|x| FLAG_DEFINERS.contains(&x.text().as_ref()))
                            })
                    })
            });
            defines
        })
    })
}

/// Methods that end a value's life: a goroutine its value runs should stop with them.
pub const LIFECYCLE_ENDS: &[&str] = &[
    "Close",
    "Stop",
    "Shutdown",
    "Terminate",
    "Deregister",
    "Unregister",
];

/// True when the stop method `decl` ends its value: it takes nothing but
/// perhaps a context (`Close()`, `Shutdown(ctx)`). One that takes what to end
/// (`Deregister(ctx, instance)`) ends one of several starts.
pub fn ends_value(decl: &GoNode) -> bool {
    decl.field("parameters").is_some_and(|list| {
        list.children()
            .filter(|c| c.kind() == "parameter_declaration")
            .all(|p| {
                p.field("type")
                    .is_some_and(|t| t.text().ends_with("Context"))
            })
    })
}

/// The value whose life the code of `func` (declared in `file`) belongs to,
/// when it says: a method's receiver, or what a constructor (a function
/// returning an instance) makes. Then the method that ends such a value, if
/// its type has one (see [`value_stop`]); None when `func` says nothing.
fn own_value_stop(file: &GoFile, func: &GoNode) -> Option<Option<(String, Evidence)>> {
    let types: Vec<String> = if func.kind() == "method_declaration" {
        decls::receiver_of(func)
            .map(|(_, t)| t)
            .into_iter()
            .collect()
    } else if returns_instance(func) {
        made_types(file, func)
    } else {
        return None;
    };
    let module = file.module.as_ref()?;
    let files = file.package();
    let dir = files
        .canonical(file.path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Some(
        types
            .iter()
            .find_map(|t| value_stop(files, module, &dir, t)),
    )
}

/// The method of type `ty` (of the package in folder `dir`) that ends its
/// values ([`LIFECYCLE_ENDS`], by [`ends_value`]), as `T.M` and its
/// declaration (once per run and type).
fn value_stop(
    files: &Files,
    module: &Arc<crate::gomod::Module>,
    dir: &Path,
    ty: &str,
) -> Option<(String, Evidence)> {
    let ty = crate::analysis::types::base_type_name(ty);
    if !ty.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None; // another package's type
    }
    let found = files.memo("value-stop", dir, &ty, |f| {
        LIFECYCLE_ENDS.iter().find_map(|m| {
            method_decl(f, module, dir, &ty, m, &mut |gf, decl| {
                ends_value(decl).then(|| {
                    let what = format!("{ty}.{m}");
                    let ev = gf.evidence(
                        decl.range().start,
                        format!("`{what}` ends a `{ty}`, but not this goroutine: each value made and stopped leaves one behind"),
                    );
                    (what, ev)
                })
            })
        })
    });
    (*found).clone()
}

/// The types of the values the constructor `func` makes: its first result's
/// declared type, and the types of what its `return` statements hand back
/// (the concrete type behind an interface result, `return &pool{p}`).
fn made_types(file: &GoFile, func: &GoNode) -> Vec<String> {
    let mut out = vec![];
    if let Some(result) = func.field("result") {
        let first = if result.kind() == "parameter_list" {
            result
                .named_children()
                .find(|p| p.kind() == "parameter_declaration")
                .and_then(|p| p.field("type"))
                .map(|t| t.text().to_string())
        } else {
            Some(result.text().to_string())
        };
        out.extend(first.filter(|t| t != "error"));
    }
    let types = crate::analysis::types::Resolver::new(file);
    if let Some(body) = func.field("body") {
        for ret in decls::own_nodes(&body)
            .into_iter()
            .filter(|n| n.kind() == "return_statement")
        {
            let value = ret
                .named_children()
                .next()
                .and_then(|l| l.named_children().next());
            if let Some(t) = value.and_then(|v| types.type_of(&v)) {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    out
}

/// True when `func` may return a value before `at` other than on a failure:
/// `if instance != nil { return instance }`, `if v, ok := m[k]; ok { return v }`.
/// A memoising function hands back what it made before, so how often `at` runs
/// is not once per call. A bare `return` (a guard of a function with no
/// results), a `return nil, ...`, and a failure's return (`if err != nil {
/// return nil, err }`, returning the value the condition tests) are not.
fn returns_earlier_value(func: &GoNode, at: &GoNode) -> bool {
    let Some(body) = func.field("body") else {
        return false;
    };
    decls::own_nodes(&body).into_iter().any(|n| {
        n.kind() == "return_statement"
            && n.range().end <= at.range().start
            && n.named_children()
                .next()
                .and_then(|l| l.named_children().next())
                .is_some_and(|v| v.text() != "nil")
            && !failure_return(&n)
    })
}

/// `return ..., err` in the body of an `if` testing `err != nil`: the value
/// the condition tests is what it returns last, as its function's `error`
/// (`if instance != nil { return instance }` hands back a value, it fails nothing).
fn failure_return(ret: &GoNode) -> bool {
    let returns_error = crate::analysis::scope::enclosing_function(ret)
        .and_then(|f| f.field("result"))
        .is_some_and(|r| {
            let last = if r.kind() == "parameter_list" {
                r.named_children()
                    .filter(|p| p.kind() == "parameter_declaration")
                    .last()
                    .and_then(|p| p.field("type"))
            } else {
                Some(r)
            };
            last.is_some_and(|t| t.text() == "error")
        });
    if !returns_error {
        return false;
    }
    let Some(last) = ret
        .named_children()
        .next()
        .and_then(|l| l.named_children().last())
        .filter(|l| l.kind() == "identifier")
    else {
        return false;
    };
    let test = format!("{} != nil", last.text());
    ret.ancestors()
        .find(|a| a.kind() == "if_statement")
        .and_then(|i| i.field("condition"))
        .is_some_and(|c| c.text().split("&&").any(|t| t.trim() == test))
}

/// The boolean parameters of `func` that must hold a value for `at` to run:
/// `at` is in the body of an `if` whose condition is `p`, `!p`, or one of those
/// joined to others by `&&`. Each as (parameter position, value needed).
fn flag_guards(func: &GoNode, at: &GoNode) -> Vec<(usize, bool)> {
    let Some(list) = func.field("parameters") else {
        return vec![];
    };
    let params = decls::params_of(&list, decls::DeclKind::Param);
    let mut out = vec![];
    for i in at.ancestors().take_while(|a| a.range() != func.range()) {
        if i.kind() != "if_statement" {
            continue;
        }
        let Some(then) = i.field("consequence") else {
            continue;
        };
        if !(then.range().start <= at.range().start && at.range().end <= then.range().end) {
            continue;
        }
        let Some(cond) = i.field("condition") else {
            continue;
        };
        let mut terms = vec![cond];
        while let Some(t) = terms.pop() {
            match t.kind().as_ref() {
                "binary_expression" if t.field("operator").is_some_and(|o| o.text() == "&&") => {
                    terms.extend(t.field("left"));
                    terms.extend(t.field("right"));
                }
                "parenthesized_expression" => terms.extend(t.named_children()),
                "identifier" | "unary_expression" => {
                    let (ident, value) = if t.kind() == "identifier" {
                        (t.clone(), true)
                    } else if t.field("operator").is_some_and(|o| o.text() == "!") {
                        match t.field("operand").filter(|o| o.kind() == "identifier") {
                            Some(o) => (o, false),
                            None => continue,
                        }
                    } else {
                        continue;
                    };
                    let name = ident.text();
                    // The parameter itself, not a local that shadows it.
                    let is_param = decls::lookup(&ident, &name)
                        .is_some_and(|d| d.kind == decls::DeclKind::Param);
                    if let Some(pos) = params.iter().position(|p| {
                        p.name == name && p.ty.as_ref().is_some_and(|t| t.text() == "bool")
                    }) {
                        if is_param {
                            out.push((pos, value));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// A start that no call reaches: `at` runs only when a boolean parameter of
/// its unexported function holds a value (`if enable && ... { go ... }`), and
/// every use of the function in the module is a call passing the literal
/// other value (`ctrl.debug(false)`). The first such call, as evidence.
pub fn start_ruled_out(file: &GoFile, at: &GoNode) -> Option<Evidence> {
    let func = crate::analysis::scope::enclosing_function(at)?;
    let name = function_name(&func)?;
    if name.starts_with(|c: char| c.is_uppercase()) {
        return None;
    }
    let guards = flag_guards(&func, at);
    if guards.is_empty() {
        return None;
    }
    let mut first = None;
    let mut other = false;
    let scan = for_each_use(file, &func, false, &mut |gf, uses| {
        for u in uses {
            match called_by(&u.node) {
                Some(call) if flag_rules_out(&call, &guards) => {
                    if first.is_none() {
                        first = Some(gf.evidence(
                            call.range().start,
                            format!("`{name}` is called here with a constant that rules out the start, as at every call in the module: the goroutine never starts"),
                        ));
                    }
                }
                _ => {
                    other = true;
                    return false;
                }
            }
        }
        true
    });
    if scan.is_err() || other {
        return None;
    }
    first
}

/// True when `call` passes a literal `true` or `false` where a guard of the
/// callee needs the other value: along this call the guarded code never runs.
fn flag_rules_out(call: &GoNode, guards: &[(usize, bool)]) -> bool {
    if guards.is_empty() {
        return false;
    }
    let Some(args) = call.field("arguments") else {
        return false;
    };
    let args: Vec<GoNode> = args
        .named_children()
        .filter(|c| c.kind() != "comment")
        .collect();
    guards.iter().any(|(pos, needed)| {
        args.get(*pos).is_some_and(|a| match a.kind().as_ref() {
            "true" => !needed,
            "false" => *needed,
            _ => false,
        })
    })
}

/// `//export f` (cgo) in the comment block right above `func`.
fn has_export_directive(text: &str, func: &GoNode) -> bool {
    text[..func.range().start]
        .lines()
        .rev()
        .map(str::trim)
        .take_while(|l| l.starts_with("//"))
        .any(|l| l.starts_with("//export "))
}

/// "an HTTP handler" when `func` takes an `http.ResponseWriter` and an
/// `*http.Request`; "an RPC handler" for a method taking a context and a
/// `*...Request` and returning a result and an error (a generated service's).
fn handler_signature(file: &GoFile, func: &GoNode) -> Option<&'static str> {
    let list = func.field("parameters")?;
    let types: Vec<String> = list
        .named_children()
        .filter(|p| p.kind() == "parameter_declaration")
        .flat_map(|p| {
            let n = p
                .children()
                .filter(|c| c.kind() == "identifier")
                .count()
                .max(1);
            let t = p
                .field("type")
                .map(|t| t.text().to_string())
                .unwrap_or_default();
            std::iter::repeat_n(t, n)
        })
        .collect();
    let http = file
        .imports_of("net/http")
        .next()
        .map(|i| i.local_name().to_string());
    if let Some(h) = http {
        if types.iter().any(|t| *t == format!("{h}.ResponseWriter"))
            && types.iter().any(|t| *t == format!("*{h}.Request"))
        {
            return Some("an HTTP handler");
        }
    }
    if func.kind() == "method_declaration"
        && types.len() == 2
        && types[0].ends_with("context.Context")
        && types[1].starts_with('*')
        && types[1].ends_with("Request")
        && func.field("result").is_some_and(|r| {
            let t = r.text();
            t.starts_with('(') && t.trim_end_matches(')').ends_with("error") && t.contains(',')
        })
    {
        return Some("an RPC handler");
    }
    None
}

/// A create-after-close pair: the call at `call` (of `name`) makes a value
/// kept in a field or package variable (`s.cache = newCache()`), and code of
/// the same file closes or drops what that field held (`s.cache.Close()`,
/// `s.cache = nil`) where a new make can follow on the same owner: each close
/// and re-create starts one more goroutine. It counts when
/// - the make's own function closes the old value first (a restart);
/// - a function that closes it then calls the make's function (a reconnect
///   through a helper);
/// - the make's function, not the owner's constructor, can itself run again
///   and again (`inner`, the repeat of the call, is the API of a library or a
///   host's, or shown).
///
/// A make in the owner's constructor (the function that builds the owner,
/// `o := &T{...}`, then sets `o.field`) pairs with a close in the owner's
/// destructor: once per owner, so the repeat is the constructor's (`inner`).
fn created_after_close(
    gf: &GoFile,
    call: &GoNode,
    name: &str,
    inner: Option<&Repeat>,
) -> Option<Repeat> {
    let list = call.parent().filter(|p| p.kind() == "expression_list")?;
    let stmt = list
        .parent()
        .filter(|s| s.kind() == "assignment_statement")?;
    if stmt.field("right")?.range() != list.range() {
        return None;
    }
    let target = stmt.field("left")?.named_children().next()?;
    let field = match target.kind().as_ref() {
        "selector_expression" => target.field("field")?.text().to_string(),
        "identifier" => {
            // A package-level variable: not declared in the function.
            if decls::lookup(&target, &target.text()).is_some() {
                return None;
            }
            target.text().to_string()
        }
        _ => return None,
    };
    let func = crate::analysis::scope::enclosing_function(call)?;
    let func_name = function_name(&func)?;
    if func_name == "init" || func_name == "main" {
        return None;
    }
    let is_field = |t: &str| t == field || t.ends_with(&format!(".{field}"));
    let closes: Vec<GoNode> = gf
        .root
        .root()
        .dfs()
        .filter(|n| {
            if n.range().start == call.range().start {
                return false;
            }
            match n.kind().as_ref() {
                "call_expression" => n.field("function").is_some_and(|f| {
                    f.kind() == "selector_expression"
                        && f.field("field").is_some_and(|m| {
                            matches!(m.text().as_ref(), "Close" | "Stop" | "Shutdown")
                        })
                        && f.field("operand").is_some_and(|o| is_field(&o.text()))
                }),
                "assignment_statement" => {
                    n.field("right").is_some_and(|r| r.text() == "nil")
                        && n.field("left").is_some_and(|l| is_field(&l.text()))
                }
                _ => false,
            }
        })
        .collect();
    let line = |n: &GoNode| Position::of_offset(gf.text(), n.range().start).line;
    // The value closed: the call's receiver, or what is set to nil.
    let closed = |c: &GoNode| {
        let t = if c.kind() == "call_expression" {
            c.field("function").and_then(|f| f.field("operand"))
        } else {
            c.field("left")
        };
        t.map(|t| t.text().to_string()).unwrap_or_default()
    };
    // A restart: this function closes the same value, then makes it again.
    if let Some(c) = closes.iter().find(|c| {
        c.range().start < call.range().start
            && closed(c) == target.text()
            && crate::analysis::scope::enclosing_function(c)
                .is_some_and(|f| f.range() == func.range())
    }) {
        let what = first_line(&c.text());
        return Some(Repeat::new(
            Strength::Shown,
            format!(
                "`{func_name}` closes or drops `{field}` at line {} (`{what}`) and then makes it again with `{name}`: one more goroutine per restart",
                line(c)
            ),
            gf.evidence(
                c.range().start,
                format!("`{field}` is closed or dropped here (`{what}`), and `{func_name}` then makes it again with `{name}`"),
            ),
        ));
    }
    // Made once per owner in its constructor: the close is the owner's end.
    if target.kind() == "selector_expression"
        && target
            .field("operand")
            .filter(|o| o.kind() == "identifier")
            .is_some_and(|o| builds_owner(&func, &o.text(), call))
    {
        return None;
    }
    // A function that closes it and then calls this one to make it again.
    let calls_back = |c: &GoNode| {
        crate::analysis::scope::enclosing_function(c).is_some_and(|f| {
            f.range() != func.range()
                && f.dfs().any(|n| {
                    n.kind() == "call_expression"
                        && n.range().start > c.range().end
                        && n.field("function")
                            .is_some_and(|g| match g.kind().as_ref() {
                                "identifier" => g.text() == func_name,
                                "selector_expression" => {
                                    g.field("field").is_some_and(|x| x.text() == func_name)
                                }
                                _ => false,
                            })
                })
        })
    };
    if let Some(c) = closes.iter().find(|c| calls_back(c)) {
        let what = first_line(&c.text());
        let closer = crate::analysis::scope::enclosing_function(c)
            .and_then(|f| function_name(&f))
            .unwrap_or_else(|| "a function literal".into());
        return Some(Repeat::new(
            Strength::Shown,
            format!(
                "`{closer}` closes or drops `{field}` at line {} (`{what}`) and then calls `{func_name}`, which makes it again with `{name}`: one more goroutine per close and re-create",
                line(c)
            ),
            gf.evidence(
                c.range().start,
                format!("`{field}` is closed or dropped here (`{what}`), then `{func_name}` is called to make it again with `{name}`"),
            ),
        ));
    }
    // Otherwise the make's function must itself be shown to run again.
    let c = closes.first()?;
    if inner.is_none_or(|r| r.strength < Strength::Api || r.strength == Strength::Unsure) {
        return None;
    }
    let what = first_line(&c.text());
    Some(Repeat::new(
        Strength::Shown,
        format!(
            "`{field}` is closed or dropped at line {} (`{what}`) and made again by `{name}` in `{func_name}`, which can run again: one more goroutine per close and re-create",
            line(c)
        ),
        gf.evidence(
            c.range().start,
            format!("`{field}` is closed or dropped here (`{what}`), and made again where `{name}` is called"),
        ),
    ))
}

/// True when `func` builds the value `owner` itself before `before`
/// (`owner := &T{...}`, `owner = T{...}`, `owner := new(T)`, `var owner T`):
/// it is that owner's constructor.
fn builds_owner(func: &GoNode, owner: &str, before: &GoNode) -> bool {
    let Some(body) = func.field("body") else {
        return false;
    };
    let builds = |v: &GoNode| {
        let v = if v.kind() == "unary_expression"
            && v.field("operator").is_some_and(|o| o.text() == "&")
        {
            match v.field("operand") {
                Some(o) => o,
                None => return false,
            }
        } else {
            v.clone()
        };
        match v.kind().as_ref() {
            "composite_literal" => true,
            "call_expression" => v.field("function").is_some_and(|f| f.text() == "new"),
            _ => false,
        }
    };
    let built =
        body.dfs()
            .filter(|n| n.range().end <= before.range().start)
            .any(|n| match n.kind().as_ref() {
                "short_var_declaration" | "assignment_statement" => {
                    let (Some(l), Some(r)) = (n.field("left"), n.field("right")) else {
                        return false;
                    };
                    let left: Vec<GoNode> = l.named_children().collect();
                    let right: Vec<GoNode> = r.named_children().collect();
                    left.len() == right.len()
                        && left.iter().zip(&right).any(|(a, b)| {
                            a.kind() == "identifier" && a.text() == owner && builds(b)
                        })
                }
                "var_spec" => {
                    let named = n
                        .children()
                        .any(|c| c.kind() == "identifier" && c.text() == owner);
                    // `var o T` holds a zero T of its own; `var o *T` holds none.
                    named
                        && match n.field("value") {
                            Some(v) => v.named_children().any(|x| builds(&x)),
                            None => n.field("type").is_some_and(|t| t.kind() != "pointer_type"),
                        }
                }
                _ => false,
            });
    built
}

/// True when `func` returns something other than an `error`: a constructor.
fn returns_instance(func: &GoNode) -> bool {
    let Some(result) = func.field("result") else {
        return false;
    };
    let types: Vec<String> = if result.kind() == "parameter_list" {
        result
            .named_children()
            .filter(|p| p.kind() == "parameter_declaration")
            .filter_map(|p| p.field("type").map(|t| t.text().to_string()))
            .collect()
    } else {
        vec![result.text().to_string()]
    };
    types.iter().any(|t| t != "error" && t != "bool")
}

/// True when `func` itself (or a function of its file it calls, `depth` calls
/// down) calls `flag.Parse()` or pflag's: it reads the process' command line.
fn parses_flags(file: &GoFile, func: &GoNode, depth: usize) -> bool {
    let Some(body) = func.field("body") else {
        return false;
    };
    decls::own_nodes(&body).iter().any(|n| {
        if n.kind() != "call_expression" {
            return false;
        }
        let Some(f) = n.field("function") else {
            return false;
        };
        match f.kind().as_ref() {
            "selector_expression" => {
                f.field("field").is_some_and(|x| x.text() == "Parse")
                    && f.field("operand").is_some_and(|o| {
                        ["flag", "github.com/spf13/pflag"]
                            .iter()
                            .any(|p| crate::analysis::scope::names_import(file, &o, &o.text(), p))
                    })
            }
            "identifier" if depth > 0 => decls::function_named(n, &f.text())
                .is_some_and(|g| parses_flags(file, &g, depth - 1)),
            _ => false,
        }
    })
}

/// A function literal runs once when it is called where it stands, deferred,
/// passed to a `sync.Once`'s `Do`, or registered as a command's `Run`.
fn literal_repeats(
    file: &GoFile,
    lit: &GoNode,
    depth: usize,
    seen: &mut Vec<(PathBuf, usize)>,
) -> Option<Repeat> {
    let parent = lit.parent()?;
    match parent.kind().as_ref() {
        "call_expression"
            if parent
                .field("function")
                .is_some_and(|f| f.range() == lit.range()) =>
        {
            repeats_at(file, &parent, depth, seen)
        }
        "parenthesized_expression" => literal_repeats(file, &parent, depth, seen),
        "expression_list" => match assigned_name(&parent, lit) {
            // `f := func() {...}`: it runs where `f` is called or passed.
            Some((name, func)) => {
                let body = func.field("body")?;
                let uses: Vec<GoNode> = body
                    .dfs()
                    .filter(|n| {
                        n.kind() == "identifier"
                            && n.text() == name
                            && n.range().start > lit.range().end
                    })
                    .collect();
                let mut best = None;
                for u in &uses {
                    let r = match called_by(u) {
                        Some(call) => repeats_at(file, &call, depth, seen),
                        None => value_repeats(file, u, &format!("`{name}`"), depth, seen),
                    };
                    best = stronger(best, r);
                    if best.as_ref().is_some_and(|b| b.strength == Strength::Shown) {
                        break;
                    }
                }
                best
            }
            None => match returned_runnable_repeats(file, lit, depth, seen) {
                Some(answer) => answer,
                None => literal_value_repeats(file, lit, depth, seen),
            },
        },
        _ => literal_value_repeats(file, lit, depth, seen),
    }
}

/// A function literal that a named function returns (`func (s *Syncer)
/// Runnable() manager.RunnableFunc { return func(ctx) error { ... } }`),
/// where every use of that function in the module hands its result straight
/// to a controller-runtime manager's `Add`: the literal runs once per `Add`
/// call, so as often as those calls run (the strongest of them). None when
/// some use does anything else: the caller's own answer then stands.
fn returned_runnable_repeats(
    file: &GoFile,
    lit: &GoNode,
    depth: usize,
    seen: &mut Vec<(PathBuf, usize)>,
) -> Option<Option<Repeat>> {
    let ret = lit
        .parent()?
        .parent()
        .filter(|r| r.kind() == "return_statement")?;
    let func = crate::analysis::scope::enclosing_function(&ret)?;
    if func.kind() == "func_literal" {
        return None;
    }
    let mut added = 0;
    let mut other = false;
    let mut best: Option<Repeat> = None;
    let scan = for_each_use(file, &func, false, &mut |gf, uses| {
        if gf.imports_of("testing").next().is_some() {
            return true;
        }
        for u in uses {
            // The call's result is the argument of the call that takes it.
            let taker = called_by(&u.node)
                .and_then(|call| call.parent())
                .filter(|p| p.kind() == "argument_list")
                .and_then(|p| p.parent());
            let Some(add) = taker.and_then(|t| manager_add_of(gf, &t)) else {
                other = true;
                return false;
            };
            added += 1;
            best = stronger(best.take(), repeats_at(gf, &add, depth + 1, seen));
        }
        true
    });
    if scan.is_err() || other || added == 0 {
        return None;
    }
    Some(best)
}

/// The controller-runtime manager's `Add` call that takes `arg`'s value as
/// its runnable: `arg` is that call (`mgr.Add(r)`, with `r` its argument), or
/// the `RunnableFunc(f)` conversion of controller-runtime handed to it. The
/// manager is known by structure: a variable made by `ctrl.NewManager` or
/// `manager.New`, or declared as controller-runtime's `Manager`.
fn manager_add_of<'r>(file: &GoFile, call: &GoNode<'r>) -> Option<GoNode<'r>> {
    let is_add = |c: &GoNode| {
        c.kind() == "call_expression"
            && c.field("arguments")
                .is_some_and(|a| a.named_children().filter(|x| x.kind() != "comment").count() == 1)
            && c.field("function")
                .filter(|f| f.kind() == "selector_expression")
                .is_some_and(|f| {
                    f.field("field").is_some_and(|n| n.text() == "Add")
                        && f.field("operand")
                            .is_some_and(|x| is_runnable_manager(file, &x))
                })
    };
    if is_add(call) {
        return Some(call.clone());
    }
    // `manager.RunnableFunc(f)`: a conversion, handed on to `Add`.
    let converts = call
        .field("function")
        .filter(|f| f.kind() == "selector_expression")
        .is_some_and(|f| {
            f.field("field").is_some_and(|n| n.text() == "RunnableFunc")
                && f.field("operand")
                    .is_some_and(|q| names_controller_runtime(file, &q))
        });
    if !converts {
        return None;
    }
    let outer = call
        .parent()
        .filter(|p| p.kind() == "argument_list")?
        .parent()?;
    is_add(&outer).then_some(outer)
}

/// An import of controller-runtime (its root package, or `pkg/manager`) that
/// the identifier `q` names, no local shadowing it.
fn names_controller_runtime(file: &GoFile, q: &GoNode) -> bool {
    q.kind() == "identifier"
        && decls::lookup(q, &q.text()).is_none()
        && file.imports.iter().any(|i| {
            i.local_name() == q.text()
                && (i.path == "sigs.k8s.io/controller-runtime"
                    || i.path == "sigs.k8s.io/controller-runtime/pkg/manager")
        })
}

/// A controller-runtime manager: a variable (or a field of a struct this
/// file declares) declared as its `Manager` type, or a variable made by
/// `ctrl.NewManager(...)` / `manager.New(...)`.
fn is_runnable_manager(file: &GoFile, x: &GoNode) -> bool {
    let manager_type = |t: &GoNode| {
        let t = t.text();
        let t = t.trim_start_matches('*');
        t.split_once('.').is_some_and(|(q, name)| {
            name == "Manager"
                && file.imports.iter().any(|i| {
                    i.local_name() == q
                        && (i.path == "sigs.k8s.io/controller-runtime"
                            || i.path == "sigs.k8s.io/controller-runtime/pkg/manager")
                })
        })
    };
    match x.kind().as_ref() {
        "identifier" => decls::lookup(x, &x.text()).is_some_and(|d| {
            d.ty.as_ref().is_some_and(manager_type)
                || (d.index == 0
                    && d.value.as_ref().is_some_and(|v| {
                        v.kind() == "call_expression"
                            && v.field("function")
                                .filter(|f| f.kind() == "selector_expression")
                                .is_some_and(|f| {
                                    f.field("operand")
                                        .is_some_and(|q| names_controller_runtime(file, &q))
                                        && f.field("field").is_some_and(|n| {
                                            n.text() == "NewManager" || n.text() == "New"
                                        })
                                })
                    }))
        }),
        "selector_expression" => {
            let (Some(base), Some(field)) = (x.field("operand"), x.field("field")) else {
                return false;
            };
            base.kind() == "identifier"
                && decls::lookup(&base, &base.text())
                    .and_then(|d| d.ty)
                    .and_then(|t| decls::base_type_name(&t))
                    .and_then(|owner| decls::struct_field_type(x, &owner, &field.text()))
                    .is_some_and(|t| manager_type(&t))
        }
        _ => false,
    }
}

/// A function literal used as a value: as [`value_repeats`] tells, and when that
/// shows no repeat, an HTTP handler by its signature (as [`function_repeats`]
/// takes a named one) runs once per request, however it is registered or returned.
fn literal_value_repeats(
    file: &GoFile,
    lit: &GoNode,
    depth: usize,
    seen: &mut Vec<(PathBuf, usize)>,
) -> Option<Repeat> {
    let r = value_repeats(file, lit, "the function literal", depth, seen);
    if r.as_ref().is_some_and(|r| r.strength == Strength::Shown) {
        return r; // where it is registered says more
    }
    match handler_signature(file, lit) {
        Some(kind) => Some(Repeat::new(
            Strength::Shown,
            format!("the function literal is {kind}, which runs once per request"),
            file.evidence(
                lit.range().start,
                format!("this function literal is {kind}: it runs once per request"),
            ),
        )),
        None => r,
    }
}

/// `name := lit` (or `name = lit`) in a function: the name and that function.
fn assigned_name<'r>(list: &GoNode<'r>, lit: &GoNode<'r>) -> Option<(String, GoNode<'r>)> {
    let stmt = list.parent()?;
    if !matches!(
        stmt.kind().as_ref(),
        "short_var_declaration" | "assignment_statement"
    ) {
        return None;
    }
    if stmt.field("right")?.range() != list.range() {
        return None;
    }
    let i = list
        .named_children()
        .position(|c| c.range() == lit.range())?;
    let left = stmt.field("left")?.named_children().nth(i)?;
    if left.kind() != "identifier" {
        return None;
    }
    let func = crate::analysis::scope::enclosing_function(&stmt)?;
    Some((left.text().to_string(), func))
}

/// A function used as a value (not called where it is named): once when it is
/// given to a `sync.Once`'s `Do` or is a command's `Run`/`Action` field; as often
/// as the wrapping call when it is given to `sync.OnceFunc` and its siblings;
/// once per request when it is registered as a handler or subscription, or
/// given to a function of the module that calls it in a loop; and, without
/// proof, any number of times when it is handed to code whose use of it is not
/// known (a registry, a retry helper of another module).
fn value_repeats(
    file: &GoFile,
    value: &GoNode,
    name: &str,
    depth: usize,
    seen: &mut Vec<(PathBuf, usize)>,
) -> Option<Repeat> {
    let Some(parent) = value.parent() else {
        return Some(Repeat::new(
            Strength::Weak,
            "it is used as a value".into(),
            file.evidence(
                value.range().start,
                "used as a value: how often it runs is not shown",
            ),
        ));
    };
    if parent.kind() == "argument_list" {
        if let Some(call) = parent.parent() {
            let runner = call
                .field("function")
                .map(|f| f.field("field").unwrap_or(f))
                .is_some_and(|f| ONCE_RUNNERS.contains(&f.text().as_ref()));
            if runner || is_once_do(file, &call) {
                return None;
            }
            // `reflect.TypeOf(m.Start)` reads the method's type (a generated
            // mock's recorder does): nothing calls it.
            let type_of = call.field("function").is_some_and(|f| {
                file.imports_of("reflect")
                    .any(|i| f.text() == format!("{}.TypeOf", i.local_name()))
            });
            if type_of {
                return None;
            }
            // `sync.OnceFunc(f)` (or `OnceValue`, `OnceValues`) calls `f` at most
            // once per wrapper it makes: as often as that call runs.
            if is_once_wrapper(file, &call) {
                return repeats_at(file, &call, depth, seen);
            }
            // Given to a function of the module that calls it where it stands (not
            // in a loop, not stored, not in a closure): it runs once per call of that.
            if calls_parameter_once(file, &call, value) {
                return repeats_at(file, &call, depth, seen);
            }
            // Added to a controller-runtime manager (`mgr.Add(r)`, or through the
            // `manager.RunnableFunc(f)` conversion): the manager runs each runnable
            // once when it starts, so it runs as often as the `Add` call.
            if let Some(add) = manager_add_of(file, &call) {
                return repeats_at(file, &add, depth, seen);
            }
            let callee = call
                .field("function")
                .map(|f| f.text().to_string())
                .unwrap_or_default();
            let registrar = call
                .field("function")
                .map(|f| f.field("field").unwrap_or(f))
                .is_some_and(|f| PER_REQUEST_REGISTRARS.contains(&f.text().as_ref()));
            if registrar {
                return Some(Repeat::new(
                    Strength::Shown,
                    format!("it is passed to `{callee}`, which calls it once per request"),
                    file.evidence(call.range().start, format!("{name} is registered with `{callee}`: it runs once per request or message")),
                ));
            }
            // Kept by a registry of the module: it runs where the module takes it
            // out of that registry and calls it.
            if let Some(r) = registry_repeats(file, &call, value, name, depth, seen) {
                return Some(r);
            }
            if let Some(l) = calls_parameter_in_loop(file, &call, value) {
                return Some(Repeat::new(
                    Strength::Shown,
                    format!("it is passed to `{callee}`, which calls it in a loop ({l})"),
                    file.evidence(
                        call.range().start,
                        format!("{name} is passed to `{callee}`, which calls it in a loop ({l})"),
                    ),
                ));
            }
        }
    }
    let keyed = match parent.kind().as_ref() {
        "literal_element" => parent.parent().filter(|p| p.kind() == "keyed_element"),
        "keyed_element" => Some(parent.clone()),
        _ => None,
    };
    if let Some(k) = keyed {
        let key = k.named_children().next().map(|c| c.text().to_string());
        // A command's `Run`, or a plugin's initialiser (`Init`, `InitFn`) in a
        // registration that `init` or a package-level variable makes.
        let registered_init = || {
            crate::analysis::scope::enclosing_function(&k).is_none_or(|f| {
                f.kind() == "function_declaration" && function_name(&f).as_deref() == Some("init")
            })
        };
        if key.is_some_and(|key| {
            COMMAND_FIELDS.contains(&key.as_str()) || (key.starts_with("Init") && registered_init())
        }) {
            return None;
        }
    }
    // The same registration by assignment: `app.Action = geth`, `cmd.RunE = run`.
    if let Some(assign) = parent
        .parent()
        .filter(|a| parent.kind() == "expression_list" && a.kind() == "assignment_statement")
    {
        let on_right = assign
            .field("right")
            .is_some_and(|r| r.range() == parent.range());
        let right: Vec<_> = parent.named_children().collect();
        let left: Vec<_> = assign
            .field("left")
            .map(|l| l.named_children().collect())
            .unwrap_or_default();
        let target = right
            .iter()
            .position(|r| r.range() == value.range())
            .and_then(|i| (left.len() == right.len()).then(|| left[i].clone()));
        if on_right
            && target.is_some_and(|t| {
                t.kind() == "selector_expression"
                    && t.field("field")
                        .is_some_and(|f| COMMAND_FIELDS.contains(&f.text().as_ref()))
            })
        {
            return None;
        }
    }
    let holder = match parent.kind().as_ref() {
        "argument_list" => parent
            .parent()
            .and_then(|c| c.field("function"))
            .map(|f| format!("it is passed to `{}`", f.text())),
        "literal_element" | "keyed_element" => parent
            .parent()
            .filter(|k| k.kind() == "keyed_element")
            .and_then(|k| k.named_children().next())
            .map(|key| format!("it is stored as `{}`", key.text())),
        _ => None,
    }
    .unwrap_or_else(|| format!("it is used as a value ({})", first_line(&parent.text())));
    Some(Repeat::new(
        Strength::Weak,
        format!("{holder}, which may call it any number of times"),
        file.evidence(
            value.range().start,
            format!("{holder}: how often that calls it is not shown"),
        ),
    ))
}

/// How many methods of a registry a value may pass through before one keeps
/// it (`Add` wrapping it for `AddCtx`), and how many `var r = pkg.R` aliases
/// are followed to the registry variable.
const MAX_REGISTRY_HOPS: usize = 3;

/// A function value handed to a registry, `R.M(key, f)`, where the method `M`
/// (of the module) keeps it in a map or slice field of its receiver, directly or
/// through another method of its type: it runs where the module takes a value
/// out of the same variable `R` (by a method of that type which reads the field,
/// `Get`, `Lookup`) and calls it. The strongest answer among those call sites,
/// shown as the registration, the call site, then its path; None when none of
/// them shows more than an unknown holder would (a dispatcher that only `main`
/// calls leaves the value as unknown as before).
fn registry_repeats(
    file: &GoFile,
    call: &GoNode,
    value: &GoNode,
    name: &str,
    depth: usize,
    seen: &mut Vec<(PathBuf, usize)>,
) -> Option<Repeat> {
    let callee = call.field("function")?;
    if callee.kind() != "selector_expression" {
        return None;
    }
    let op = callee.field("operand")?;
    let index = call.field("arguments").and_then(|a| {
        a.named_children()
            .filter(|c| c.kind() != "comment")
            .position(|c| c.range() == value.range())
    })?;
    let (var_dir, var) = registry_variable(file, &op)?;
    let module = file.module.clone()?;
    let files = file.package();
    let (type_dir, type_name) = variable_type(files, &module, &var_dir, &var)?;
    let method = callee.field("field")?.text().to_string();
    let stored = files.memo(
        "gm003-registry-store",
        &type_dir,
        &format!("{type_name} {method} {index}"),
        |f| {
            method_decl(
                f,
                &module,
                &type_dir,
                &type_name,
                &method,
                &mut |gf, decl| stored_field(gf, decl, index, MAX_REGISTRY_HOPS),
            )
        },
    );
    let (field, ty, dir) = (*stored).clone()?;
    let getters = field_getters(files, &module, &dir, &ty, &field);
    if getters.is_empty() {
        return None;
    }
    let sites = invoke_sites(files, &module, &var_dir, &var, &getters);
    let shown_var = var_shown(&var_dir, &var);
    let registration = file.evidence(
        call.range().start,
        format!(
            "{name} is registered with `{}`, which keeps it in the `{field}` field of `{shown_var}` (a `{ty}`)",
            callee.text()
        ),
    );
    // What runs the registry's values, once per registry variable and depth
    // (whichever registration asks first). A registry reached again while this
    // walk answers it is cut there, and an answer made across a cut is not kept.
    let memo = files.memo("gm003-registry-answers", &var_dir, "", |_| {
        std::sync::Mutex::new(std::collections::HashMap::<(String, usize), Option<Repeat>>::new())
    });
    let memo_key = (var.clone(), depth);
    let walking = (var_dir.clone(), var.clone(), depth);
    if REGISTRIES.with(|r| r.borrow().contains(&walking)) {
        CUTS.with(|c| c.set(c.get() + 1));
        return None;
    }
    let known = memo
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&memo_key)
        .cloned();
    let answer = match known {
        Some(answer) => {
            // Computing it read the module's files: asking notes them.
            if files.tracks() {
                let _ = files_naming(files, &module.root, "");
            }
            answer
        }
        None => {
            REGISTRIES.with(|r| r.borrow_mut().push(walking.clone()));
            let cuts_before = CUTS.with(|c| c.get());
            let answer = dispatched_repeats(files, &module, &sites, &shown_var, depth, seen);
            REGISTRIES.with(|r| r.borrow_mut().retain(|w| *w != walking));
            if CUTS.with(|c| c.get()) == cuts_before {
                memo.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(memo_key, answer.clone());
            }
            answer
        }
    };
    let mut r = answer?;
    r.why = format!(
        "it is kept in `{shown_var}` by `{}`, and {}",
        callee.text(),
        r.why
    );
    r.path.insert(0, registration);
    Some(r)
}

/// The registry variable as its package's folder names it (`config.Registry`).
fn var_shown(var_dir: &Path, var: &str) -> String {
    match var_dir.file_name() {
        Some(d) => format!("{}.{var}", d.to_string_lossy()),
        None => var.to_string(),
    }
}

/// The strongest repeat among the call sites `sites` of values taken out of
/// the registry `var`: that site, then its path.
fn dispatched_repeats(
    files: &Files,
    module: &Arc<crate::gomod::Module>,
    sites: &[(PathBuf, usize, String)],
    var: &str,
    depth: usize,
    seen: &mut Vec<(PathBuf, usize)>,
) -> Option<Repeat> {
    let mut best: Option<Repeat> = None;
    for (path, offset, getter) in sites.iter() {
        let text = match files.read(path).and_then(|b| SourceText::decode(&b).ok()) {
            Some(s) => s.text,
            None => continue,
        };
        let gf = GoFile::parse_in(files, path, &text, Some(module.clone()));
        let Some(site) = gf
            .root
            .root()
            .dfs()
            .find(|n| n.kind() == "call_expression" && n.range().start == *offset)
        else {
            continue;
        };
        let rr = repeats_at(&gf, &site, depth + 1, seen);
        let Some(mut r) = rr else {
            continue;
        };
        if r.strength == Strength::Weak {
            continue;
        }
        let at = here(&gf, &site, &module.root);
        r.why = format!(
            "{at} calls what `{getter}` takes from there, where {}",
            r.why
        );
        let invoke = gf.evidence(
            site.range().start,
            format!("what `{getter}` takes from `{var}` is called here"),
        );
        if r.path
            .first()
            .is_none_or(|e| e.path != invoke.path || e.line != invoke.line)
        {
            r.path.insert(0, invoke);
        }
        best = stronger(best, Some(r));
        if best.as_ref().is_some_and(|b| b.strength == Strength::Shown) {
            break;
        }
    }
    best
}

/// When the method `decl` keeps its parameter at `index` in a map or slice
/// field of its receiver (`r.f[k] = p`, `r.f = append(r.f, p)`), or hands it
/// (or a closure using it) to another method of the receiver that does: the
/// field, the receiver's type and the canonical folder declaring it.
fn stored_field(
    gf: &GoFile,
    decl: &GoNode,
    index: usize,
    hops: usize,
) -> Option<(String, String, PathBuf)> {
    if decl.kind() != "method_declaration" {
        return None;
    }
    let (recv, ty) = decls::receiver_of(decl)?;
    let recv = recv?;
    let param = decls::params_of(&decl.field("parameters")?, decls::DeclKind::Param)
        .into_iter()
        .nth(index)?
        .name;
    let body = decl.field("body")?;
    let uses_param = |n: &GoNode| {
        n.dfs()
            .any(|i| i.kind() == "identifier" && i.text() == param)
    };
    // `recv.f`, the field's name.
    let own_field = |n: &GoNode| -> Option<String> {
        (n.kind() == "selector_expression"
            && n.field("operand")
                .is_some_and(|o| o.kind() == "identifier" && o.text() == recv))
        .then(|| n.field("field").map(|f| f.text().to_string()))
        .flatten()
    };
    let dir = gf.package().canonical(gf.path).parent()?.to_path_buf();
    for n in body.dfs() {
        if n.kind() == "assignment_statement" {
            let (Some(left), Some(right)) = (n.field("left"), n.field("right")) else {
                continue;
            };
            let Some(target) = left.named_children().next() else {
                continue;
            };
            if !uses_param(&right) {
                continue;
            }
            let field = match target.kind().as_ref() {
                "index_expression" => target.field("operand").and_then(|o| own_field(&o)),
                // `r.f = append(r.f, p)`
                _ => own_field(&target).filter(|_| {
                    right.named_children().next().is_some_and(|c| {
                        c.kind() == "call_expression"
                            && c.field("function").is_some_and(|f| f.text() == "append")
                    })
                }),
            };
            if let Some(field) = field {
                return Some((field, ty, dir));
            }
        }
    }
    if hops == 0 {
        return None;
    }
    for c in body.dfs().filter(|n| n.kind() == "call_expression") {
        if !c
            .field("function")
            .is_some_and(|f| f.field("operand").is_some_and(|o| o.text() == recv))
        {
            continue;
        }
        let Some(j) = c.field("arguments").and_then(|a| {
            a.named_children()
                .filter(|x| x.kind() != "comment")
                .position(|x| uses_param(&x))
        }) else {
            continue;
        };
        let found = resolve_callee_with(gf, &c, None, &mut |g, d| {
            stored_field(g, d, j, hops - 1).filter(|(_, t, _)| *t == ty)
        });
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The package variable an expression names (`R`, `pkg.R`), as its canonical
/// folder and name, past aliases (`var r = pkg.R`); None for a local variable.
fn registry_variable(file: &GoFile, op: &GoNode) -> Option<(PathBuf, String)> {
    let files = file.package();
    let module = file.module.clone()?;
    let (dir, name) = match op.kind().as_ref() {
        "identifier" => {
            let name = op.text().to_string();
            if decls::lookup(op, &name).is_some()
                || file.imports.iter().any(|i| i.local_name() == name)
            {
                return None;
            }
            (files.canonical(file.path).parent()?.to_path_buf(), name)
        }
        "selector_expression" => {
            let q = op.field("operand")?;
            if q.kind() != "identifier" || decls::lookup(op, &q.text()).is_some() {
                return None;
            }
            (
                import_dir(file, &q.text())?,
                op.field("field")?.text().to_string(),
            )
        }
        _ => return None,
    };
    let mut at = (dir, name);
    for _ in 0..MAX_REGISTRY_HOPS {
        match alias_of(files, &module, &at.0, &at.1) {
            Some(next) => at = next,
            None => break,
        }
    }
    Some(at)
}

/// The declaration of the method `name` of type `ty` in folder `dir`, handed
/// (with its file) to `visit`.
fn method_decl<T>(
    files: &Files,
    module: &Arc<crate::gomod::Module>,
    dir: &Path,
    ty: &str,
    name: &str,
    visit: &mut dyn FnMut(&GoFile, &GoNode) -> Option<T>,
) -> Option<T> {
    for path in declaring_files(files, dir, name) {
        let Some(text) = files.read(&path).and_then(|b| SourceText::decode(&b).ok()) else {
            continue;
        };
        let gf = GoFile::parse_in(files, &path, &text.text, Some(module.clone()));
        let decl = gf.root.root().children().find(|d| {
            d.kind() == "method_declaration"
                && d.field("name").is_some_and(|n| n.text() == name)
                && decls::receiver_of(d).is_some_and(|(_, t)| t == ty)
        });
        if let Some(decl) = decl {
            return visit(&gf, &decl);
        }
    }
    None
}

/// The type of the package variable `var` of folder `dir`, as the canonical
/// folder declaring the type and its base name: from its declared type, a
/// composite literal (`&T{...}`), or the result of the module function whose
/// call makes it (`var R = registry.New[T]("x")`). Once per run.
fn variable_type(
    files: &Files,
    module: &Arc<crate::gomod::Module>,
    dir: &Path,
    var: &str,
) -> Option<(PathBuf, String)> {
    let found = files.memo("gm003-registry-var-type", dir, var, |f| {
        // A type as written in `gf` (`*pkg.T[X]`): its folder and base name.
        let named = |gf: &GoFile, t: &str| -> Option<(PathBuf, String)> {
            let t = t
                .trim()
                .trim_start_matches('(')
                .trim_start_matches('*')
                .trim();
            let t = t.split(['[', ')', ',', ' ']).next().unwrap_or(t);
            match t.split_once('.') {
                Some((q, n)) => Some((import_dir(gf, q)?, n.to_string())),
                None => Some((f.canonical(gf.path).parent()?.to_path_buf(), t.to_string())),
            }
        };
        with_package_var(f, module, dir, var, |gf, spec| {
            if let Some(t) = spec.field("type") {
                return named(gf, &t.text());
            }
            let mut value = spec
                .field("value")
                .and_then(|v| v.named_children().next())?;
            if value.kind() == "unary_expression" {
                value = value.field("operand")?;
            }
            if value.kind() == "composite_literal" {
                return named(gf, &value.field("type")?.text());
            }
            // The constructor's result type, in its own file. A generic call
            // (`pkg.New[T](x)`) parses as a conversion to a generic type.
            let mut func = match value.kind().as_ref() {
                "call_expression" => value.field("function")?,
                "type_conversion_expression" => value.field("type")?,
                _ => return None,
            };
            while matches!(func.kind().as_ref(), "index_expression" | "generic_type") {
                let inner = func.named_children().next()?;
                func = inner;
            }
            let (fdir, fname) = match func.kind().as_ref() {
                "qualified_type" => (
                    import_dir(gf, &func.field("package")?.text())?,
                    func.field("name")?.text().to_string(),
                ),
                "identifier" | "type_identifier" => (
                    f.canonical(gf.path).parent()?.to_path_buf(),
                    func.text().to_string(),
                ),
                "selector_expression" => (
                    import_dir(gf, &func.field("operand")?.text())?,
                    func.field("field")?.text().to_string(),
                ),
                _ => return None,
            };
            for path in declaring_files(f, &fdir, &fname) {
                let Some(t) = f.read(&path).and_then(|b| SourceText::decode(&b).ok()) else {
                    continue;
                };
                let cf = GoFile::parse_in(f, &path, &t.text, Some(module.clone()));
                let decl = cf.root.root().children().find(|d| {
                    d.kind() == "function_declaration"
                        && d.field("name").is_some_and(|n| n.text() == fname)
                });
                if let Some(decl) = decl {
                    return named(&cf, &decl.field("result")?.text());
                }
            }
            None
        })
    });
    (*found).clone()
}

/// The canonical folder of the module package `file` imports as `local`.
fn import_dir(file: &GoFile, local: &str) -> Option<PathBuf> {
    let module = file.module.as_ref()?;
    let imp = file.imports.iter().find(|i| i.local_name() == local)?;
    let rel = imp.path.strip_prefix(module.path.as_str())?;
    let rel = rel.strip_prefix('/').unwrap_or(rel);
    Some(file.package().canonical(&module.root.join(rel)))
}

/// When the package variable `name` of folder `dir` is declared as another
/// package's variable (`var registry = config.Registry`): that one (once per run).
fn alias_of(
    files: &Files,
    module: &Arc<crate::gomod::Module>,
    dir: &Path,
    name: &str,
) -> Option<(PathBuf, String)> {
    let found = files.memo("gm003-registry-alias", dir, name, |f| {
        with_package_var(f, module, dir, name, |gf, spec| {
            let value = spec.field("value").and_then(|v| v.named_children().next());
            value
                .filter(|v| v.kind() == "selector_expression")
                .and_then(|v| {
                    let q = v.field("operand").filter(|q| q.kind() == "identifier")?;
                    Some((
                        import_dir(gf, &q.text())?,
                        v.field("field")?.text().to_string(),
                    ))
                })
        })
    });
    (*found).clone()
}

/// The first package-level `var` spec named `name` in the non-test files of
/// folder `dir` (parsed through the run's shared trees), handed to `visit`
/// with its file: what `visit` makes of it, or None when no file declares it.
fn with_package_var<R>(
    f: &Files,
    module: &Arc<crate::gomod::Module>,
    dir: &Path,
    name: &str,
    visit: impl Fn(&GoFile, &GoNode) -> Option<R>,
) -> Option<R> {
    for e in f.go_files(dir) {
        if e.name.ends_with("_test.go") {
            continue;
        }
        let Some(text) = f.read(&e.path).and_then(|b| SourceText::decode(&b).ok()) else {
            continue;
        };
        if !text.text.contains("var") || !mentions_word(&text.text, name) {
            continue;
        }
        let gf = GoFile::parse_in(f, &e.path, &text.text, Some(module.clone()));
        let spec = gf
            .root
            .root()
            .children()
            .filter(|d| d.kind() == "var_declaration")
            .flat_map(|d| {
                d.dfs()
                    .filter(|s| s.kind() == "var_spec")
                    .collect::<Vec<_>>()
            })
            .find(|s| s.field("name").is_some_and(|n| n.text() == name));
        if let Some(spec) = spec {
            return visit(&gf, &spec);
        }
    }
    None
}

/// The methods of type `ty` (declared in folder `dir`) that hand out what its
/// field `field` holds: a method with results that reads `r.field[...]` or
/// ranges over `r.field` (once per run).
fn field_getters(
    files: &Files,
    module: &Arc<crate::gomod::Module>,
    dir: &Path,
    ty: &str,
    field: &str,
) -> Arc<Vec<String>> {
    files.memo(
        "gm003-registry-getters",
        dir,
        &format!("{ty} {field}"),
        |f| {
            let mut out = vec![];
            for e in f.go_files(dir) {
                if e.name.ends_with("_test.go") {
                    continue;
                }
                let Some(text) = f.read(&e.path).and_then(|b| SourceText::decode(&b).ok()) else {
                    continue;
                };
                if !mentions_word(&text.text, field) {
                    continue;
                }
                let gf = GoFile::parse_in(f, &e.path, &text.text, Some(module.clone()));
                for m in gf
                    .root
                    .root()
                    .children()
                    .filter(|d| d.kind() == "method_declaration")
                {
                    let Some((Some(recv), t)) = decls::receiver_of(&m) else {
                        continue;
                    };
                    if t != ty || m.field("result").is_none() {
                        continue;
                    }
                    let Some(body) = m.field("body") else {
                        continue;
                    };
                    let own = |n: &GoNode| {
                        n.kind() == "selector_expression"
                            && n.field("operand").is_some_and(|o| o.text() == recv)
                            && n.field("field").is_some_and(|x| x.text() == field)
                    };
                    let reads = body.dfs().any(|n| match n.kind().as_ref() {
                        "index_expression" => {
                            n.field("operand").is_some_and(|o| own(&o))
                                && !n.parent().is_some_and(|p| {
                                    p.kind() == "expression_list"
                                        && p.parent().is_some_and(|a| {
                                            a.kind() == "assignment_statement"
                                                && a.field("left")
                                                    .is_some_and(|l| l.range() == p.range())
                                        })
                                })
                        }
                        "range_clause" => n.field("right").is_some_and(|r| own(&r)),
                        _ => false,
                    });
                    if reads {
                        if let Some(n) = function_name(&m) {
                            out.push(n);
                        }
                    }
                }
            }
            out
        },
    )
}

/// The module's calls of what a getter takes out of the registry variable
/// `var` (of folder `var_dir`): `R.Get(k)(...)`, or `f, err := R.Get(k)` then
/// `f(...)` later in the function. As (file, call's offset, getter), once per run.
fn invoke_sites(
    files: &Files,
    module: &Arc<crate::gomod::Module>,
    var_dir: &Path,
    var: &str,
    getters: &[String],
) -> Arc<Vec<(PathBuf, usize, String)>> {
    let key = format!("{var} {}", getters.join(","));
    files.memo("gm003-registry-invokes", var_dir, &key, |f| {
        let all = module_files(f, &module.root);
        let mut out = vec![];
        // The variable's own name, then aliases of it found on the way.
        let mut words: Vec<String> = vec![var.to_string()];
        let mut done: Vec<usize> = vec![];
        let mut w = 0;
        while w < words.len() && w <= MAX_REGISTRY_HOPS {
            let word = words[w].clone();
            w += 1;
            for i in files_naming(f, &module.root, &word) {
                if done.contains(&i) {
                    continue;
                }
                done.push(i);
                let path = &all[i];
                if path.to_string_lossy().ends_with("_test.go") {
                    continue;
                }
                let Some(text) = f.read(path).and_then(|b| SourceText::decode(&b).ok()) else {
                    continue;
                };
                // Only a file that calls a getter, or may declare an alias (`var r = pkg.R`,
                // as gofmt ends its line), is parsed.
                let calls = getters
                    .iter()
                    .any(|g| text.text.contains(&format!(".{g}(")));
                let alias = text.text.contains(&format!(".{word}\n"));
                if !calls && !alias || crate::analysis::build::never_built(&text.text) {
                    continue;
                }
                let gf = GoFile::parse_in(f, path, &text.text, Some(module.clone()));
                for n in gf.root.root().dfs() {
                    // `var r = pkg.R`: its uses name `r`.
                    if n.kind() == "var_spec" && words.len() <= MAX_REGISTRY_HOPS {
                        if let Some(alias) = n.field("name").map(|x| x.text().to_string()) {
                            let same = n
                                .field("value")
                                .and_then(|v| v.named_children().next())
                                .is_some_and(|v| {
                                    v.text().ends_with(&format!(".{var}")) || v.text() == var
                                })
                                && crate::analysis::scope::enclosing_function(&n).is_none();
                            if same && !words.contains(&alias) {
                                words.push(alias);
                            }
                        }
                        continue;
                    }
                    if n.kind() != "call_expression" {
                        continue;
                    }
                    let Some(sel) = n
                        .field("function")
                        .filter(|s| s.kind() == "selector_expression")
                    else {
                        continue;
                    };
                    let Some(getter) = sel
                        .field("field")
                        .map(|x| x.text().to_string())
                        .filter(|g| getters.contains(g))
                    else {
                        continue;
                    };
                    let Some(op) = sel.field("operand") else {
                        continue;
                    };
                    if registry_variable(&gf, &op).is_none_or(|(d, v)| d != var_dir || v != var) {
                        continue;
                    }
                    for site in invocations(&n) {
                        out.push((path.clone(), site, getter.clone()));
                    }
                }
            }
        }
        out
    })
}

/// Where the value a call returns (its first result) is called:
/// `get(k)(...)`, or `f, err := get(k)` (or `=`) then `f(...)` later in the function.
fn invocations(get: &GoNode) -> Vec<usize> {
    let Some(parent) = get.parent() else {
        return vec![];
    };
    if parent.kind() == "call_expression"
        && parent
            .field("function")
            .is_some_and(|f| f.range() == get.range())
    {
        return vec![parent.range().start];
    }
    let Some(stmt) = parent.parent().filter(|s| {
        parent.kind() == "expression_list"
            && matches!(
                s.kind().as_ref(),
                "short_var_declaration" | "assignment_statement"
            )
            && s.field("right")
                .is_some_and(|r| r.range() == parent.range())
    }) else {
        return vec![];
    };
    let Some(f) = stmt
        .field("left")
        .and_then(|l| l.named_children().next())
        .filter(|l| l.kind() == "identifier")
        .map(|l| l.text().to_string())
    else {
        return vec![];
    };
    let Some(func) = crate::analysis::scope::enclosing_function(&stmt) else {
        return vec![];
    };
    let after = stmt.range().end;
    func.dfs()
        .filter(|n| {
            n.kind() == "call_expression"
                && n.range().start > after
                && n.field("function")
                    .is_some_and(|x| x.kind() == "identifier" && x.text() == f)
        })
        .map(|n| n.range().start)
        .collect()
}

/// The loop in which the function of the module that `call` calls runs the
/// function value `value` is passed as (`for { ... f() ... }`), if any.
fn calls_parameter_in_loop(file: &GoFile, call: &GoNode, value: &GoNode) -> Option<String> {
    let index = call.field("arguments").and_then(|a| {
        a.named_children()
            .filter(|c| c.kind() != "comment")
            .position(|c| c.range() == value.range())
    })?;
    resolve_callee(file, call, &mut |gf, callee| {
        let list = callee.field("parameters")?;
        let param = decls::params_of(&list, decls::DeclKind::Param)
            .into_iter()
            .nth(index)?;
        let body = callee.field("body")?;
        let found = body
            .dfs()
            .filter(|n| n.kind() == "identifier" && n.text() == param.name)
            .filter(|u| called_by(u).is_some())
            .find_map(|u| repeating_loop(gf, &u))
            .map(|l| first_line(&l.text()));
        found
    })
}

/// True when `call` passes `value` to a function of the module whose every use
/// of that parameter is a plain call in its own body, outside any repeating loop.
fn calls_parameter_once(file: &GoFile, call: &GoNode, value: &GoNode) -> bool {
    let Some(index) = call.field("arguments").and_then(|a| {
        a.named_children()
            .filter(|c| c.kind() != "comment")
            .position(|c| c.range() == value.range())
    }) else {
        return false;
    };
    resolve_callee(file, call, &mut |gf, callee| {
        let list = callee.field("parameters")?;
        if list.text().contains("...") {
            return None;
        }
        let param = decls::params_of(&list, decls::DeclKind::Param)
            .into_iter()
            .nth(index)?;
        let body = callee.field("body")?;
        let uses: Vec<GoNode> = body
            .dfs()
            .filter(|n| n.kind() == "identifier" && n.text() == param.name)
            .collect();
        // A `return` before the call (`if v, ok := cache[k]; ok { return v }`)
        // makes it conditional: a memoising helper calls it once per key, not
        // once per call, and nothing says how often.
        // A failure's return (`if err != nil { return nil, err }`, returning
        // the value the condition tests) leaves the call running on every
        // call that succeeds so far.
        let returns_before = |u: &GoNode| {
            body.dfs().any(|n| {
                n.kind() == "return_statement"
                    && n.range().end <= u.range().start
                    && crate::analysis::scope::enclosing_function(&n)
                        .is_some_and(|f| f.range() == callee.range())
                    && !failure_return(&n)
            })
        };
        let once = uses.iter().all(|u| {
            called_by(u).is_some_and(|c| !c.parent().is_some_and(|p| p.kind() == "go_statement"))
                && crate::analysis::scope::enclosing_function(u)
                    .is_some_and(|f| f.range() == callee.range())
                && repeating_loop(gf, u).is_none()
                && !crate::analysis::scope::in_loop(u)
                && !returns_before(u)
        });
        once.then(|| "once".to_string())
    })
    .is_some()
}

/// `sync.OnceFunc(f)`, `sync.OnceValue(f)` or `sync.OnceValues(f)`, by the
/// file's import of `sync`.
fn is_once_wrapper(file: &GoFile, call: &GoNode) -> bool {
    let Some(f) = call
        .field("function")
        .filter(|f| f.kind() == "selector_expression")
    else {
        return false;
    };
    let named = f
        .field("field")
        .is_some_and(|n| matches!(n.text().as_ref(), "OnceFunc" | "OnceValue" | "OnceValues"));
    named
        && f.field("operand").is_some_and(|o| {
            o.kind() == "identifier"
                && crate::analysis::scope::names_import(file, &o, &o.text(), "sync")
        })
}

/// `x.Do(f)` where `x` is a `sync.Once` (by its declared type, wherever the
/// package declares it).
fn is_once_do(file: &GoFile, call: &GoNode) -> bool {
    let Some(f) = call
        .field("function")
        .filter(|f| f.kind() == "selector_expression")
    else {
        return false;
    };
    if f.field("field").is_none_or(|n| n.text() != "Do") {
        return false;
    }
    let Some(operand) = f.field("operand") else {
        return false;
    };
    let types = crate::analysis::types::Resolver::new(file);
    let Some(ty) = types.type_of(&operand) else {
        return false;
    };
    let ty = ty.trim_start_matches('*');
    let Some((pkg, name)) = ty.split_once('.') else {
        return false;
    };
    name == "Once" && crate::analysis::scope::names_import(file, &operand, pkg, "sync")
}

/// The loop around `at` in its own function that makes it run again and again:
/// an endless or conditional `for`, or a `range` over a channel (by its declared
/// type); a `range` over a collection or a counted loop runs a bounded number of times.
fn repeating_loop<'r>(file: &GoFile, at: &GoNode<'r>) -> Option<GoNode<'r>> {
    for a in at.ancestors() {
        if crate::analysis::scope::is_function(&a) {
            return None;
        }
        if a.kind() != "for_statement" {
            continue;
        }
        // The range expression (`for range ticks(d)`) and a for clause's
        // initializer run once per loop, not once per pass.
        let runs_once = a.children().any(|c| {
            let once = match c.kind().as_ref() {
                "range_clause" => c.field("right"),
                "for_clause" => c.field("initializer"),
                _ => None,
            };
            once.is_some_and(|o| {
                o.range().start <= at.range().start && at.range().end <= o.range().end
            })
        });
        if runs_once {
            continue;
        }
        let header: Vec<GoNode> = a
            .children()
            .filter(|c| c.is_named() && c.kind() != "block" && c.kind() != "comment")
            .collect();
        let repeats = match header.as_slice() {
            [] => true,
            // A range over a channel runs once per value received: per request,
            // per message. A range over a collection is bounded by it.
            [h] if h.kind() == "range_clause" => h.field("right").is_some_and(|r| {
                let file_types = crate::analysis::types::Resolver::new(file);
                file_types.type_of(&r).is_some_and(|t| {
                    let u = file_types.underlying(&t).unwrap_or(t);
                    u.starts_with("chan") || u.starts_with("<-chan")
                })
            }),
            [h] if h.kind() == "for_clause" => {
                h.field("condition").is_none() || h.field("initializer").is_none()
            }
            _ => true,
        };
        if repeats {
            return Some(a);
        }
    }
    None
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    match line.strip_suffix('{') {
        Some(l) => format!("{}{{...}}", l),
        None => line.to_string(),
    }
}

/// `path:line` of `n` in `gf`, the path relative to `root` (the module's).
pub fn here(gf: &GoFile, n: &GoNode, root: &Path) -> String {
    let p = Position::of_offset(gf.text(), n.range().start);
    format!("{}:{}", shown(gf.package(), gf.path, root), p.line)
}

/// Finds the declaration of the function or method `call` calls, in this
/// package or another package of the module, and hands it (with its file) to
/// `visit`; None when it cannot be found or `visit` returns None.
pub fn resolve_callee(
    file: &GoFile,
    call: &GoNode,
    visit: &mut dyn FnMut(&GoFile, &GoNode) -> Option<String>,
) -> Option<String> {
    resolve_callee_with(file, call, None, visit)
}

/// [`resolve_callee`], with the answer kept once per run for each declaring
/// file and callee when `memo` names it (the memo's kind, and what else the
/// answer depends on): `visit` must then depend only on the declaration it is
/// given and that key, not on the call.
pub fn resolve_callee_with<T: Clone + Send + Sync + 'static>(
    file: &GoFile,
    call: &GoNode,
    memo: Option<(&'static str, &str)>,
    visit: &mut dyn FnMut(&GoFile, &GoNode) -> Option<T>,
) -> Option<T> {
    let files = file.package();
    let callee = call.field("function")?;
    let own_dir = files.canonical(file.path).parent()?.to_path_buf();
    let module = file.module.clone();
    let dir_of_import = |local: &str| -> Option<PathBuf> {
        let module = module.as_ref()?;
        let imp = file.imports.iter().find(|i| i.local_name() == local)?;
        let rel = imp.path.strip_prefix(module.path.as_str())?;
        let rel = rel.strip_prefix('/').unwrap_or(rel);
        Some(files.canonical(&module.root.join(rel)))
    };
    let (dir, package, name, recv): (PathBuf, Option<String>, String, Option<String>) =
        match callee.kind().as_ref() {
            "identifier" => {
                if decls::lookup(&callee, &callee.text()).is_some() {
                    return None;
                }
                (
                    own_dir,
                    Some(file.package_name.clone()),
                    callee.text().to_string(),
                    None,
                )
            }
            "selector_expression" => {
                let op = callee.field("operand")?;
                let name = callee.field("field")?.text().to_string();
                let is_pkg = op.kind() == "identifier"
                    && decls::lookup(&op, &op.text()).is_none()
                    && file.imports.iter().any(|i| i.local_name() == op.text());
                if is_pkg {
                    (dir_of_import(&op.text())?, None, name, None)
                } else {
                    // A variable declared with its type (a receiver, a parameter)
                    // says it without the package's index.
                    let declared = (op.kind() == "identifier")
                        .then(|| decls::lookup(&op, &op.text()))
                        .flatten()
                        .and_then(|d| d.ty)
                        .map(|t| t.text().to_string())
                        .and_then(|t| {
                            let t = t.trim_start_matches('*').trim();
                            let t = t.split('[').next().unwrap_or(t);
                            t.chars()
                                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                                .then(|| match t.split_once('.') {
                                    Some((p, n)) => (p.to_string(), n.to_string()),
                                    None => (String::new(), t.to_string()),
                                })
                        });
                    let (pkg, base) = match declared {
                        Some(d) => d,
                        None => {
                            let types = crate::analysis::types::Resolver::new(file);
                            receiver_type(&types, &op)?
                        }
                    };
                    if pkg.is_empty() {
                        (own_dir, Some(file.package_name.clone()), name, Some(base))
                    } else {
                        (dir_of_import(&pkg)?, None, name, Some(base))
                    }
                }
            }
            _ => return None,
        };
    let paths = declaring_files(files, &dir, &name);
    for path in paths {
        let is_own = files.canonical(&path) == files.canonical(file.path);
        let text = if is_own {
            file.text().to_string()
        } else {
            match files.read(&path).and_then(|b| SourceText::decode(&b).ok()) {
                Some(s) => s.text,
                None => continue,
            }
        };
        // Only a file that declares it (as gofmt writes a declaration) is parsed.
        let declares = match &recv {
            // `func (c *Base) name(`, or a generic base `func (c *Base[K]) name(`:
            // a folder of controllers each declaring `Run` parses only the one.
            Some(base) => {
                let method = text.contains(&format!("{base}) {name}("))
                    || text.contains(&format!("{base}) {name}["));
                let generic = text.contains(&format!("{base}["))
                    && (text.contains(&format!("]) {name}("))
                        || text.contains(&format!("]) {name}[")));
                method || generic
            }
            None => {
                text.contains(&format!("func {name}(")) || text.contains(&format!("func {name}["))
            }
        };
        if !declares {
            continue;
        }
        fn declared_in<'t>(
            top: GoNode<'t>,
            recv: &Option<String>,
            name: &str,
        ) -> Option<GoNode<'t>> {
            top.children().find(|d| match (recv, d.kind().as_ref()) {
                (None, "function_declaration") => d.field("name").is_some_and(|n| n.text() == name),
                (Some(base), "method_declaration") => {
                    d.field("name").is_some_and(|n| n.text() == name)
                        && decls::receiver_of(d).is_some_and(|(_, t)| t == *base)
                }
                _ => false,
            })
        }
        // This file is parsed already.
        if is_own {
            if package.as_ref().is_some_and(|p| *p != file.package_name) {
                continue;
            }
            if let Some(decl) = declared_in(file.root.root(), &recv, &name) {
                return visit(file, &decl);
            }
            continue;
        }
        let mut answer = |f: &Files| -> Option<Option<T>> {
            let mut gf = GoFile::parse_in(f, &path, &text, file.module.clone());
            gf.files = f.clone();
            if package.as_ref().is_some_and(|p| *p != gf.package_name) {
                return None;
            }
            let decl = declared_in(gf.root.root(), &recv, &name)?;
            Some(visit(&gf, &decl))
        };
        let found = match memo {
            Some((kind, extra)) => {
                let key = format!("{package:?} {recv:?} {name} {extra}");
                (*files.memo(kind, &files.canonical(&path), &key, |f| answer(f))).clone()
            }
            None => answer(files),
        };
        if let Some(found) = found {
            return found;
        }
    }
    None
}

/// The non-test files of folder `dir` that declare a function or method named
/// `name` (a line `func name(`, `func (r T) name(`, as gofmt writes them), from
/// an index of the folder's declarations made once per run.
fn declaring_files(files: &Files, dir: &Path, name: &str) -> Vec<PathBuf> {
    let dir = files.canonical(dir);
    let index = files.memo("folder-funcs", &dir, "", |f| {
        let mut index: std::collections::HashMap<String, Vec<PathBuf>> =
            std::collections::HashMap::new();
        for e in f.go_files(&dir) {
            if e.name.ends_with("_test.go") {
                continue;
            }
            let Some(text) = f.read(&e.path).and_then(|b| SourceText::decode(&b).ok()) else {
                continue;
            };
            for line in text.text.lines() {
                let Some(rest) = line.strip_prefix("func ") else {
                    continue;
                };
                // Past a receiver: its closing parenthesis and a space.
                let rest = match rest.strip_prefix('(') {
                    Some(r) => match r.find(") ") {
                        Some(i) => &r[i + 2..],
                        None => continue,
                    },
                    None => rest,
                };
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                let v = index.entry(rest[..end].to_string()).or_default();
                if v.last() != Some(&e.path) {
                    v.push(e.path.clone());
                }
            }
        }
        index
    });
    index.get(name).cloned().unwrap_or_default()
}

/// The package qualifier ("" for this package, the quoted import path for a
/// package the file does not import) and base name of the type of a method
/// call's receiver, when its declaration says it.
fn receiver_type(
    types: &crate::analysis::types::Resolver,
    op: &GoNode,
) -> Option<(String, String)> {
    let t = types.type_of(op)?;
    let t = t.trim_start_matches('*').trim();
    // A type this file cannot name (see `Resolver::naming_foreign`): its
    // qualifier is its import path, in quotes.
    if let Some(quoted) = t.strip_prefix('"') {
        let (path, rest) = quoted.split_once('"')?;
        let base = rest.strip_prefix('.')?;
        let base = base.split('[').next().unwrap_or(base);
        if !base.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        return Some((format!("\"{path}\""), base.to_string()));
    }
    let t = t.split('[').next().unwrap_or(t);
    if !t
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    Some(match t.split_once('.') {
        Some((p, n)) => (p.to_string(), n.to_string()),
        None => (String::new(), t.to_string()),
    })
}

/// Calls `visit` once per module file that uses the function or method `func`
/// (declared in `file`), with the uses in it: the identifier (or, for a
/// qualified call or a method, the selector) that names it. Methods are matched
/// by name and, where the receiver's type can be read, by type. `visit` returns
/// false to stop. Unless `for_fix`, `_test.go` files are left out, and so are
/// unresolved method calls in files of other packages that do not import this one.
pub fn for_each_use(
    file: &GoFile,
    func: &GoNode,
    for_fix: bool,
    visit: &mut dyn FnMut(&GoFile, &[Use]) -> bool,
) -> Result<(), String> {
    let files = file.package();
    let Some(name) = function_name(func) else {
        return Err("a function literal has no name to find its callers by".into());
    };
    let Some(module) = file.module.clone() else {
        return Err("no go.mod above the file, so the callers cannot all be found".into());
    };
    let is_method = func.kind() == "method_declaration";
    let recv_type = if is_method {
        decls::receiver_of(func).map(|(_, t)| t)
    } else {
        None
    };
    let exported = name.starts_with(|c: char| c.is_uppercase());
    let own_path = files.canonical(file.path);
    let own_dir = own_path.parent().map(Path::to_path_buf).unwrap_or_default();
    let import_path = file.package_import_path();
    // Another package names a function of this one through its import; when
    // only the callers matter (not a fix), a method's callers there hold
    // values of its type only if they import it too (see below).
    let quoted_import = import_path.as_ref().map(|ip| format!("\"{ip}\""));
    let all = module_files(files, &module.root);
    for &i in files_naming(files, &module.root, &name).iter() {
        let path = &all[i];
        if !for_fix && path.to_string_lossy().ends_with("_test.go") {
            continue;
        }
        let is_own = files.canonical(path) == own_path;
        let text = if is_own {
            file.text().to_string()
        } else {
            match files.read(path).and_then(|b| SourceText::decode(&b).ok()) {
                Some(s) => s.text,
                None => continue,
            }
        };
        // A file no normal build compiles (a `wireinject` injector, a `tools.go`,
        // an `ignore`d generator) calls nothing in the program.
        if !for_fix && crate::analysis::build::never_built(&text) {
            continue;
        }
        let dir = files
            .canonical(path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        // Read before parsing: a file of another folder that does not import this
        // package cannot name its functions, and (for the callers) its method
        // calls are not counted.
        if dir != own_dir
            && (!is_method || !for_fix)
            && quoted_import
                .as_ref()
                .is_none_or(|q| !text.contains(q.as_str()))
        {
            continue;
        }
        let gf = crate::profile::stage("callers parse", || {
            GoFile::parse_in(files, path, &text, Some(module.clone()))
        });
        let same_package = dir == own_dir && gf.package_name == file.package_name;
        if is_method && !same_package && !exported {
            continue;
        }
        let qualifier: Option<String> = if same_package || is_method {
            None
        } else {
            let Some(ip) = &import_path else { continue };
            let Some(imp) = gf.imports_of(ip).next() else {
                continue;
            };
            if imp.alias.as_deref() == Some(".") {
                return Err(format!(
                    "{} dot-imports the package",
                    shown(files, path, &module.root)
                ));
            }
            Some(imp.local_name().to_string())
        };
        let imports_own = import_path
            .as_deref()
            .is_some_and(|ip| gf.imports_of(ip).next().is_some());
        // A receiver of a type this file cannot name (a local a function of the
        // package made, `cmd := newCommand()` giving an `*exec.Cmd`) is still
        // known not to be this method's.
        let types = is_method.then(|| crate::analysis::types::Resolver::new(&gf).naming_foreign());
        let mut uses = vec![];
        for n in gf.root.root().dfs() {
            match n.kind().as_ref() {
                "selector_expression"
                    if (is_method || qualifier.is_some())
                        && n.field("field").is_some_and(|f| f.text() == name) =>
                {
                    if let Some(q) = &qualifier {
                        let ok = n.field("operand").is_some_and(|o| {
                            o.kind() == "identifier"
                                && o.text() == q.as_str()
                                && decls::lookup(&n, q).is_none()
                        });
                        if !ok {
                            continue;
                        }
                        uses.push(Use {
                            node: n.clone(),
                            resolved: true,
                        });
                        continue;
                    }
                    // A method: a package's function (`worker.Run(...)`, `worker`
                    // an import no local shadows) is not a use of it.
                    if n.field("operand").is_some_and(|o| {
                        o.kind() == "identifier"
                            && gf.imports.iter().any(|i| i.local_name() == o.text())
                            && decls::lookup(&n, &o.text()).is_none()
                    }) {
                        continue;
                    }
                    // Another type's method of the same name is not a use.
                    let rt = recv_type.as_deref().unwrap_or_default();
                    let resolved = match n
                        .field("operand")
                        .and_then(|op| receiver_type(types.as_ref()?, &op))
                    {
                        Some((pkg, base)) => {
                            let same = if pkg.is_empty() {
                                same_package
                            } else if let Some(path) = pkg.strip_prefix('"') {
                                import_path.as_deref() == path.strip_suffix('"')
                            } else {
                                import_path.as_deref().is_some_and(|ip| {
                                    gf.imports_of(ip).any(|i| i.local_name() == pkg)
                                })
                            };
                            if same && base == rt {
                                true
                            } else if pkg.is_empty()
                                && types
                                    .as_ref()
                                    .and_then(|t| t.type_decl(&base))
                                    .is_some_and(|d| !d.embedded.is_empty())
                            {
                                // A struct that embeds others may have the method promoted.
                                false
                            } else {
                                continue;
                            }
                        }
                        // Unresolved: a file of another package that does not import
                        // this one rarely holds its values; the fix still refuses it.
                        None if !for_fix && !same_package && !imports_own => continue,
                        // What another module's function returns (`exec.Command(...)`,
                        // or a local it initialises) is a type of that module.
                        None if n
                            .field("operand")
                            .is_some_and(|op| made_outside_module(&gf, &op, &module.path)) =>
                        {
                            continue
                        }
                        None => false,
                    };
                    uses.push(Use {
                        node: n.clone(),
                        resolved,
                    });
                }
                "identifier" if !is_method && same_package && n.text() == name => {
                    let declaring = n
                        .parent()
                        .is_some_and(|p| p.kind() == "function_declaration");
                    if declaring
                        || is_literal_key(&n)
                        || declares_local(&n)
                        || decls::lookup(&n, &name).is_some()
                    {
                        continue;
                    }
                    uses.push(Use {
                        node: n.clone(),
                        resolved: true,
                    });
                }
                _ => {}
            }
        }
        if !uses.is_empty() && !visit(&gf, &uses) {
            break;
        }
    }
    Ok(())
}

/// True when the identifier `n` is itself declared where it stands (`start :=
/// time.Now()`, `var start T`, a parameter or a range variable named like the
/// function): a new local that shadows the function, not a use of it.
fn declares_local(n: &GoNode) -> bool {
    let Some(parent) = n.parent() else {
        return false;
    };
    match parent.kind().as_ref() {
        "var_spec" | "const_spec" | "parameter_declaration" => {
            parent.field("name").is_some_and(|x| x.range() == n.range())
                || parent
                    .field_children("name")
                    .any(|x| x.range() == n.range())
        }
        "expression_list" => parent.parent().is_some_and(|g| {
            matches!(g.kind().as_ref(), "short_var_declaration" | "range_clause")
                && g.field("left").is_some_and(|l| l.range() == parent.range())
        }),
        "range_clause" => parent.field("left").is_some_and(|l| l.range() == n.range()),
        _ => false,
    }
}

/// True when `op` is a call of a function of a package outside the module
/// (`module` its path), as `exec.Command(path)`, or a local such a call
/// initialises (`cmd := exec.Command(path)`, `c, err := dial.New(addr)`): its
/// type is declared outside the module, so none of the module's methods is
/// called on it. Not when an argument is itself a call or a literal, which a
/// generic helper (`lo.Must(newServer())`) may hand back as it is.
fn made_outside_module(gf: &GoFile, op: &GoNode, module: &str) -> bool {
    let call = match op.kind().as_ref() {
        "call_expression" => Some(op.clone()),
        "identifier" => decls::lookup(op, &op.text())
            .filter(|d| d.ty.is_none())
            .and_then(|d| d.value)
            .filter(|v| v.kind() == "call_expression"),
        _ => None,
    };
    let Some(call) = call else {
        return false;
    };
    let Some(fun) = call
        .field("function")
        .filter(|f| f.kind() == "selector_expression")
    else {
        return false;
    };
    let Some(pkg) = fun.field("operand").filter(|o| o.kind() == "identifier") else {
        return false;
    };
    let local = pkg.text();
    if decls::lookup(&pkg, &local).is_some() {
        return false;
    }
    let Some(import) = gf.imports.iter().find(|i| i.local_name() == local) else {
        return false;
    };
    let inside = import.path == module || import.path.starts_with(&format!("{module}/"));
    // A value handed in may come back (`lo.Must(newServer())`); one that another
    // module's call chain made (`template.Must(template.New("x").Parse(s))`) is
    // that module's too.
    let passes_values = call.field("arguments").is_some_and(|a| {
        a.named_children().any(|x| match x.kind().as_ref() {
            "call_expression" => !chain_made_outside(gf, &x, module),
            "composite_literal" | "unary_expression" => true,
            _ => false,
        })
    });
    !inside && !passes_values
}

/// True when the call `call`, or the call at the root of its method chain
/// (`template.New("x").Parse(s)`), is another module's function as
/// [`made_outside_module`] tells it.
fn chain_made_outside(gf: &GoFile, call: &GoNode, module: &str) -> bool {
    let operand = call
        .field("function")
        .filter(|f| f.kind() == "selector_expression")
        .and_then(|f| f.field("operand"));
    match operand {
        Some(inner) if inner.kind() == "call_expression" => chain_made_outside(gf, &inner, module),
        _ => made_outside_module(gf, call, module),
    }
}

/// The positions (in [`module_files`]) of the module's files whose text holds
/// `word` as a whole identifier, as [`mentions_word`] tells it: from an index of
/// every file's words, made once per run and module, so a search for callers
/// reads only the files that may hold one.
fn files_naming(files: &Files, root: &Path, word: &str) -> Vec<usize> {
    let root = files.canonical(root);
    let index = files.memo("module-words", &root, "", |f| {
        let mut index: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, path) in module_files(f, &root).iter().enumerate() {
            let Some(text) = f.read(path).and_then(|b| SourceText::decode(&b).ok()) else {
                continue;
            };
            // Only words that may name a function: not numbers.
            let mut words: Vec<&str> = text
                .text
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| w.chars().next().is_some_and(|c| !c.is_ascii_digit()))
                .collect();
            words.sort_unstable();
            words.dedup();
            for w in words {
                match index.get_mut(w) {
                    Some(v) => v.push(i),
                    None => {
                        index.insert(w.to_string(), vec![i]);
                    }
                }
            }
        }
        index
    });
    index.get(word).cloned().unwrap_or_default()
}

/// True when `text` holds `word` as a whole identifier (not inside a longer
/// one: `Start` is not in `StartTime`): the cheap test before a file is parsed.
pub fn mentions_word(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        !text[..i].chars().next_back().is_some_and(ident)
            && !text[i + word.len()..].chars().next().is_some_and(ident)
    })
}

/// True when `id` is the key of a keyed element (`sync.Pool{New: ...}`): a
/// struct field's name, never a use of a function (a function value cannot
/// be a map key, and an array index must be a constant).
fn is_literal_key(id: &GoNode) -> bool {
    let Some(parent) = id.parent() else {
        return false;
    };
    let (element, keyed) = match parent.kind().as_ref() {
        "literal_element" => (parent.clone(), parent.parent()),
        "keyed_element" => (id.clone(), Some(parent.clone())),
        _ => return false,
    };
    keyed.is_some_and(|k| {
        k.kind() == "keyed_element"
            && k.named_children()
                .find(|c| c.kind() != "comment")
                .is_some_and(|first| first.range() == element.range())
    })
}

/// The call expression `callee` is the function of, if any. A generic function
/// called with explicit type arguments (`limiter.New[string](n)`) is called too:
/// the parser reads `New[string]` as an index or an instantiation, and a function
/// cannot be indexed.
pub(crate) fn called_by<'r>(callee: &GoNode<'r>) -> Option<GoNode<'r>> {
    let mut callee = callee.clone();
    let mut parent = callee.parent()?;
    let instantiates = match parent.kind().as_ref() {
        "index_expression" => parent.field("operand"),
        "type_instantiation_expression" | "generic_type" => parent.field("type"),
        _ => None,
    }
    .is_some_and(|f| f.range() == callee.range());
    if instantiates {
        callee = parent.clone();
        parent = parent.parent()?;
    }
    (parent.kind() == "call_expression"
        && parent
            .field("function")
            .is_some_and(|f| f.range() == callee.range()))
    .then_some(parent)
}

/// Inserts `item` first in a parameter or argument list, as gofmt lays it out.
fn insert_first(text: &str, list: &GoNode, item: &str) -> Edit {
    let r = list.range();
    let open = r.start + 1;
    let empty = !list
        .children()
        .any(|c| c.is_named() && c.kind() != "comment");
    if empty {
        return Edit::new(open, r.end - 1, item.to_string());
    }
    if text[open..].starts_with('\n') {
        let first = list
            .children()
            .find(|c| c.is_named())
            .map_or(open, |c| c.range().start);
        let ind = crate::analysis::exprs::indentation(text, first);
        return Edit::new(open, open, format!("\n{ind}{item},"));
    }
    Edit::new(open, open, format!("{item}, "))
}

/// `//export f` or `//go:linkname` in the comment block right above `func`.
fn has_directive(text: &str, func: &GoNode) -> bool {
    let before = &text[..func.range().start];
    for line in before.lines().rev() {
        let line = line.trim();
        if !line.starts_with("//") {
            break;
        }
        if line.starts_with("//export ") || line.starts_with("//go:linkname") {
            return true;
        }
    }
    false
}

/// Only code of this module can import a `main` package or one under `internal/`;
/// a package under the module's top `cmd/` folder serves its command, by the
/// layout Go's module documentation describes (`root` is the module's canonical root).
fn private_package(root: &Path, dir: &Path, package: &str) -> bool {
    package == "main"
        || dir.strip_prefix(root).is_ok_and(|rel| {
            rel.components()
                .next()
                .is_some_and(|c| c.as_os_str() == "cmd")
                || rel.components().any(|c| c.as_os_str() == "internal")
        })
}

fn shown(files: &Files, path: &Path, root: &Path) -> String {
    let path = files.canonical(path);
    path.strip_prefix(files.canonical(root))
        .unwrap_or(&path)
        .display()
        .to_string()
}

/// The `.go` files of the module rooted at `root`, without nested modules,
/// `vendor/` and `testdata/`; listed once per run.
pub fn module_files(files: &Files, root: &Path) -> Arc<Vec<PathBuf>> {
    let root = files.canonical(root);
    files.memo("module-files", &root, "", |f| {
        f.go_tree(&root)
            .iter()
            .filter(|p| {
                p.extension().is_some_and(|x| x == "go")
                    && !p
                        .ancestors()
                        .skip(1)
                        .take_while(|d| *d != root.as_path())
                        .any(|d| f.exists(&d.join("go.mod")))
            })
            .cloned()
            .collect::<Vec<PathBuf>>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::apply_edits;

    fn first_list(src: &str, kind: &str, item: &str) -> String {
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let list = f.root.root().dfs().find(|n| n.kind() == kind).unwrap();
        apply_edits(src, &[insert_first(src, &list, item)])
    }

    #[test]
    fn a_local_named_like_the_function_declares_rather_than_uses_it() {
        let src = "package p\nfunc start() {}\nfunc f(start int) {\n\tvar begin, start = 1, 2\n\tfor start := range []int{} { _ = start }\n\tstart := begin\n\t_ = start\n\tstart()\n}\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let starts: Vec<bool> = f
            .root
            .root()
            .dfs()
            .filter(|n| n.kind() == "identifier" && n.text() == "start")
            .map(|n| declares_local(&n))
            .collect();
        // The function's own name, the parameter, the var name, the range
        // variable, its use, `start :=`, `_ = start`, `start()`.
        assert_eq!(
            starts,
            [false, true, true, true, false, true, false, false],
            "{starts:?}"
        );
    }

    #[test]
    fn inserts_first_parameter_and_argument() {
        assert_eq!(
            first_list(
                "package p\nfunc f() {}\n",
                "parameter_list",
                "ctx context.Context"
            ),
            "package p\nfunc f(ctx context.Context) {}\n"
        );
        assert_eq!(
            first_list(
                "package p\nfunc f(a int) {}\n",
                "parameter_list",
                "ctx context.Context"
            ),
            "package p\nfunc f(ctx context.Context, a int) {}\n"
        );
        assert_eq!(
            first_list(
                "package p\nvar _ = f(\n\t1,\n\t2,\n)\n",
                "argument_list",
                "ctx"
            ),
            "package p\nvar _ = f(\n\tctx,\n\t1,\n\t2,\n)\n"
        );
    }

    #[test]
    fn directives_and_private_packages() {
        let src = "package p\n\n//export f\nfunc f() {}\n";
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let func = f
            .root
            .root()
            .dfs()
            .find(|n| n.kind() == "function_declaration")
            .unwrap();
        assert!(has_directive(src, &func));
        assert!(private_package(
            Path::new("/m"),
            Path::new("/m/internal/x"),
            "x"
        ));
        assert!(private_package(
            Path::new("/m"),
            Path::new("/m/cmd/app"),
            "main"
        ));
        assert!(!private_package(
            Path::new("/m"),
            Path::new("/m/pkg/x"),
            "x"
        ));
        // A command's own package, but not a library folder that happens to be named cmd.
        assert!(private_package(
            Path::new("/m"),
            Path::new("/m/cmd/ctr/commands"),
            "commands"
        ));
        assert!(!private_package(
            Path::new("/m"),
            Path::new("/m/pkg/cmd/util"),
            "util"
        ));
    }
}
