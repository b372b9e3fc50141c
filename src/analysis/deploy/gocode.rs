//! The Go side of a main package's deployment: which files of a folder a Linux
//! build compiles (build constraints and file-name suffixes), and whether the
//! package, or any package of its module that it imports directly or not, sets
//! the runtime's memory limit (`debug.SetMemoryLimit`, `os.Setenv("GOMEMLIMIT")`,
//! or a library that sets it from the cgroup such as `automemlimit`).
//!
//! Package folders are read once per run and cached by path.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::package::Files;

/// Libraries that set the runtime's memory limit when imported (for side
/// effects or to call): a package importing one handles the limit.
const LIMIT_LIBRARIES: &[&str] = &["github.com/KimMachineGun/automemlimit"];

/// Most packages followed through the import graph of one main.
const MAX_PACKAGES: usize = 20_000;

/// Operating systems Go knows: a constraint or file-name suffix naming one other
/// than linux is false for a Linux build.
const GOOS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

const GOARCH: &[&str] = &[
    "386", "amd64", "arm", "arm64", "loong64", "mips", "mipsle", "mips64", "mips64le", "ppc64",
    "ppc64le", "riscv64", "s390x", "wasm",
];

/// Tags no build of a service sets: `go run`/`go generate` helpers and tool lists.
const NEVER_SET: &[&str] = &["ignore", "none", "tools", "generate", "gccgo"];

/// One Go source file of a package folder.
#[derive(Debug, Clone)]
pub struct GoSource {
    pub path: PathBuf,
    pub text: String,
    /// The name in its `package` clause.
    pub package: String,
}

/// The non-test `.go` files of `dir` that a Linux build compiles, sorted by
/// name (in a `main` package, those a plain `go build` compiles).
pub fn package_files(files: &Files, dir: &Path) -> Arc<Vec<GoSource>> {
    files.memo("linux-package-files", dir, "", |f| {
        linux_package_files(f, dir)
    })
}

fn linux_package_files(files: &Files, dir: &Path) -> Vec<GoSource> {
    let mut out = vec![];
    if let Some(entries) = files.read_dir(dir) {
        for e in entries.iter() {
            let p = e.path.clone();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !name.ends_with(".go") || name.ends_with("_test.go") || name.starts_with(['.', '_'])
            {
                continue;
            }
            let Some(text) = files.read_to_string(&p) else {
                continue;
            };
            if !linux_builds(name, &text) {
                continue;
            }
            let text = without_data_lines(text);
            let package = package_clause(&text).unwrap_or("").to_string();
            out.push(GoSource {
                path: p,
                text,
                package,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    // Beside a `func main` that a plain `go build` compiles, a file that needs a
    // custom tag (`//go:build next`) is in no image's build: not in the package.
    let plain = |f: &GoSource| {
        let name = f.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        plain_build_compiles(name, &f.text)
    };
    if out
        .iter()
        .any(|f| plain(f) && f.text.contains("func main()"))
    {
        out.retain(plain);
    }
    out
}

/// A large file kept for the package's scans with its table rows blanked: an
/// indented line of numbers and punctuation only (`\t14: 0x1f,`) holds no call,
/// import, string or declaration that a scan reads, and a main package of
/// generated lookup tables held them by the megabyte for every question asked
/// of it. Lines keep their numbers (each blanked line stays as `\n`).
fn without_data_lines(text: String) -> String {
    const LARGE: usize = 64 << 10;
    if text.len() < LARGE {
        return text;
    }
    let is_data = |l: &str| {
        l.starts_with([' ', '\t'])
            && l.bytes().any(|b| b.is_ascii_digit())
            && l.bytes()
                .all(|b| b.is_ascii_hexdigit() || b" \t\r,:{}[]xX.-+_".contains(&b))
    };
    let mut out = String::with_capacity(text.len() / 4);
    for line in text.split_inclusive('\n') {
        if is_data(line.trim_end_matches('\n')) {
            out.push('\n');
        } else {
            out.push_str(line);
        }
    }
    out.shrink_to_fit();
    out
}

/// The package name of a Go source, read from its first `package` line.
pub fn package_clause(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("package "))
        .map(|rest| rest.split_whitespace().next().unwrap_or(""))
}

/// True when some Linux build compiles the file `name` with source `text`: its
/// file-name suffix names no other OS, and its build constraint can be true with
/// `linux` and `unix` set, every other OS false, and `ignore`, `none`, `tools`
/// and `generate` unset (other tags may be either).
pub fn linux_builds(name: &str, text: &str) -> bool {
    let stem = name.strip_suffix(".go").unwrap_or(name);
    let parts: Vec<&str> = stem.split('_').collect();
    if parts.len() >= 2 {
        let last = parts[parts.len() - 1];
        let before = parts[parts.len() - 2];
        let os = if GOARCH.contains(&last) && parts.len() >= 3 {
            Some(before)
        } else {
            Some(last)
        };
        if os.is_some_and(|os| GOOS.contains(&os) && os != "linux") {
            return false;
        }
    }
    crate::analysis::build::may_hold(text, &linux_value)
}

/// True when a plain Linux `go build` (no `-tags`) compiles the file: as
/// [`linux_builds`], with every tag that is not an architecture, `cgo` or a
/// toolchain's unset (`//go:build next` needs `-tags next`).
pub fn plain_build_compiles(name: &str, text: &str) -> bool {
    linux_builds(name, text)
        && crate::analysis::build::may_hold(text, &|tag: &str| {
            linux_value(tag).or_else(|| {
                (!(GOARCH.contains(&tag) || tag == "cgo" || tag == "gccgo")).then_some(false)
            })
        })
}

/// The value a Linux build gives a tag, or None when a build may set it either way.
fn linux_value(tag: &str) -> Option<bool> {
    if tag == "linux" || tag == "unix" || tag == "gc" || tag.starts_with("go1.") {
        return Some(true);
    }
    if GOOS.contains(&tag) || NEVER_SET.contains(&tag) {
        return Some(false);
    }
    None
}

/// A place in a Go file: the file, its 1-based line, and what is there.
pub type Site = (PathBuf, usize, String);

/// What a package's code does about the memory limit, and what it imports.
#[derive(Debug, Clone, Default)]
struct Scan {
    /// `file: what` when the package sets the limit.
    sets: Option<(PathBuf, String)>,
    /// A `debug.SetMemoryLimit` that sets a limit in a request handler (an
    /// operator's call), which does not set it at startup.
    handler_sets: Option<Site>,
    /// Where the package listens for connections (the first place found),
    /// and whether that is inside a goroutine.
    listens: Option<(Site, bool)>,
    /// The package waits for a termination signal (`signal.Notify`,
    /// `signal.NotifyContext` of `os/signal`).
    signals: bool,
    /// Port numbers in address literals (`":4150"`, `"0.0.0.0:8080"`), each
    /// with its first place.
    ports: Vec<(u16, Site)>,
    /// When the package mentions `GOMEMLIMIT` in code (reads or logs it).
    mentions_variable: Option<PathBuf>,
    imports: Vec<String>,
}

fn scan(files: &Files, dir: &Path) -> Arc<Scan> {
    files.memo("limit-scan", dir, "", |f| scan_package(f, dir))
}

fn scan_package(files: &Files, dir: &Path) -> Scan {
    let mut s = Scan::default();
    for f in package_files(files, dir).iter() {
        let imports = imports_of(&f.text);
        if s.sets.is_none() {
            if let Some(lib) = imports
                .iter()
                .find(|i| LIMIT_LIBRARIES.iter().any(|l| is_under(i, l)))
            {
                s.sets = Some((f.path.clone(), format!("imports {lib}")));
            } else {
                match limit_calls(&f.text) {
                    LimitCall::Startup(what) => s.sets = Some((f.path.clone(), what)),
                    LimitCall::Handler(line, what) if s.handler_sets.is_none() => {
                        s.handler_sets = Some((f.path.clone(), line, what))
                    }
                    _ => {}
                }
            }
        }
        if s.listens.is_none() {
            if let Some((line, what, in_go)) = listens_in(&f.text, &imports) {
                s.listens = Some(((f.path.clone(), line, what), in_go));
            }
        }
        if !s.signals {
            if let Some(name) = import_name(&f.text, "os/signal") {
                s.signals = code_lines(&f.text).any(|l| {
                    l.contains(&format!("{name}.Notify("))
                        || l.contains(&format!("{name}.NotifyContext("))
                });
            }
        }
        for (port, line) in address_ports(&f.text) {
            if !s.ports.iter().any(|(p, _)| *p == port) {
                s.ports
                    .push((port, (f.path.clone(), line, format!("address :{port}"))));
            }
        }
        if s.mentions_variable.is_none() && code_lines(&f.text).any(|l| l.contains("GOMEMLIMIT")) {
            s.mentions_variable = Some(f.path.clone());
        }
        s.imports.extend(imports);
    }
    s.imports.sort();
    s.imports.dedup();
    s
}

/// What a file of a main package does about the limit, from its text alone:
/// imports a library that sets it, sets it, or reads `GOMEMLIMIT` to handle it.
/// The rule asks this of the file it is given (whose text a fix may have
/// changed since it was read from disk).
pub fn main_text_handles_limit(text: &str) -> Option<String> {
    if let Some(lib) = imports_of(text)
        .iter()
        .find(|i| LIMIT_LIBRARIES.iter().any(|l| is_under(i, l)))
    {
        return Some(format!("imports {lib}"));
    }
    if let LimitCall::Startup(what) = limit_calls(text) {
        return Some(what);
    }
    code_lines(text)
        .any(|l| l.contains("GOMEMLIMIT"))
        .then(|| "handles GOMEMLIMIT".to_string())
}

pub fn is_under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The lines of Go source with `//` comments cut off (block comments are rare
/// around these calls and are not removed).
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .filter(|l| !l.trim().is_empty())
}

/// What a file's code does to the limit (see [`limit_calls`]).
#[derive(Debug, Clone, PartialEq, Eq)]
enum LimitCall {
    None,
    /// Sets it where startup code may run it.
    Startup(String),
    /// Sets it only in a request handler: the line and what is there.
    Handler(usize, String),
}

/// The name the file gives an import (its alias, else the path's last element),
/// when it imports `path`.
fn import_name(text: &str, path: &str) -> Option<String> {
    let quoted_path = format!("\"{path}\"");
    for line in text.lines() {
        let l = line.split("//").next().unwrap_or("").trim();
        let l = l.strip_prefix("import").map(str::trim).unwrap_or(l);
        let l = l.trim_start_matches('(').trim();
        if let Some(alias) = l.strip_suffix(quoted_path.as_str()) {
            let alias = alias.trim();
            return Some(if alias.is_empty() {
                path.rsplit('/').next().unwrap_or(path).to_string()
            } else {
                alias.to_string()
            });
        }
        if l.starts_with("func ") {
            break;
        }
    }
    None
}

/// Where a file sets the runtime's memory limit: a call of `runtime/debug`'s
/// `SetMemoryLimit` (resolved through the file's imports: a method or another
/// package's function of that name does not count) with an argument that sets
/// a limit (a negative one only reads it), or `os.Setenv("GOMEMLIMIT", ...)`.
/// A call inside a request handler (a function taking an `http.ResponseWriter`,
/// an `*http.Request`, a `...Request` message or RPC `Params`) is an operator's
/// knob, not the service's startup: it is [`LimitCall::Handler`].
fn limit_calls(text: &str) -> LimitCall {
    if !text.contains("SetMemoryLimit") && !text.contains("GOMEMLIMIT") {
        return LimitCall::None;
    }
    let debug = import_name(text, "runtime/debug");
    let mut handler = None;
    let mut func_sig = "";
    for (n, raw) in text.lines().enumerate() {
        if raw.starts_with("func ") {
            func_sig = raw;
        }
        let line = raw.split("//").next().unwrap_or("");
        if line.contains("Setenv(\"GOMEMLIMIT\"") {
            return LimitCall::Startup("sets GOMEMLIMIT with os.Setenv".to_string());
        }
        let Some(debug) = debug.as_deref().filter(|d| *d != "_") else {
            continue;
        };
        let call = format!("{debug}.SetMemoryLimit(");
        let mut rest = line;
        while let Some(i) = rest.find(&call) {
            let before = rest[..i].chars().last();
            let arg = rest[i + call.len()..].trim_start();
            let qualified = !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.');
            if qualified && !arg.starts_with('-') {
                if is_handler_signature(func_sig) {
                    handler.get_or_insert((
                        n + 1,
                        format!("{debug}.SetMemoryLimit in a request handler"),
                    ));
                } else {
                    return LimitCall::Startup("calls debug.SetMemoryLimit".to_string());
                }
            }
            rest = &rest[i + 1..];
        }
    }
    match handler {
        Some((line, what)) => LimitCall::Handler(line, what),
        None => LimitCall::None,
    }
}

/// True when a `func` line is a request handler's: it takes an
/// `http.ResponseWriter`, an `*http.Request`, an RPC request message
/// (`*pb.SetLimitRequest`) or RPC parameters (`rc.Params`).
fn is_handler_signature(sig: &str) -> bool {
    let params = match sig.find(')') {
        // A method: the parameters follow the receiver.
        Some(i) if sig.starts_with("func (") => &sig[i + 1..],
        _ => sig,
    };
    params.contains("ResponseWriter")
        || params.contains("http.Request")
        || params.contains("Request)")
        || params.contains("Request,")
        || params.contains("Params)")
        || params.contains("Params,")
}

/// Address literals of the loopback interface, as a listener's argument.
/// For each line of a Go source: whether it runs in a goroutine, a `go`
/// statement or a line of a `go func` literal up to the `}` that closes it
/// (gofmt's indentation). What follows the literal runs in the foreground
/// again: `go s.debugServer()` then `srv.Serve(l)` serves in `main`'s stead.
fn goroutine_lines(text: &str) -> Vec<bool> {
    let mut out = vec![];
    let mut open: Option<usize> = None;
    for line in text.lines() {
        if line.starts_with("func ") || line.starts_with('}') {
            open = None;
            out.push(false);
            continue;
        }
        let raw = line.split("//").next().unwrap_or("");
        let code = raw.trim();
        let indent = raw.len() - raw.trim_start().len();
        if let Some(at) = open {
            if indent == at && code.starts_with('}') {
                open = None;
            }
            out.push(true);
            continue;
        }
        if code.starts_with("go func") && code.ends_with('{') {
            open = Some(indent);
        }
        out.push(code.starts_with("go "));
    }
    out
}

const LOOPBACK: [&str; 3] = ["\"localhost:", "\"127.0.0.1:", "\"[::1]:"];

/// Where a file listens for connections, by the packages it imports: `net/http`
/// (`ListenAndServe`, a `Server`'s `Serve`), `net` (`Listen`), gRPC
/// (`NewServer`), and server frameworks that listen for their caller (gin's
/// `Run`, echo's `Start`, fiber's and fasthttp's, dskit's `server.New`, a plugin
/// SDK's `ServeUnix`/`ServeTCP`). The line and what listens.
fn listens_in(text: &str, imports: &[String]) -> Option<(usize, String, bool)> {
    listen_sites(text, imports).into_iter().next()
}

/// Every place [`listens_in`] would report, in order: (0-based line, what and
/// its function's call needle after a NUL, in a goroutine).
fn listen_sites(text: &str, imports: &[String]) -> Vec<(usize, String, bool)> {
    let mut out = vec![];
    let mut wanted: Vec<(String, &'static str)> = vec![];
    let mut add = |path: &'static str, calls: &[&'static str]| {
        if let Some(name) = imports
            .iter()
            .any(|i| i == path)
            .then(|| import_name(text, path))
            .flatten()
        {
            for c in calls {
                let needle = if c.starts_with('.') {
                    c.to_string()
                } else {
                    format!("{name}.{c}")
                };
                wanted.push((needle, path_label(path)));
            }
        }
    };
    add(
        "net/http",
        &["ListenAndServe(", "ListenAndServeTLS(", "Serve(", "Server{"],
    );
    add(
        "net",
        &[
            "Listen(",
            "ListenTCP(",
            "ListenUDP(",
            "ListenPacket(",
            "ListenUnix(",
        ],
    );
    add("google.golang.org/grpc", &["NewServer("]);
    add(
        "github.com/valyala/fasthttp",
        &["ListenAndServe(", "Serve(", "Server{"],
    );
    for (path, calls) in [
        ("github.com/gin-gonic/gin", &[".Run("][..]),
        ("github.com/labstack/echo/v4", &[".Start("][..]),
        ("github.com/gofiber/fiber/v2", &[".Listen("][..]),
        // A controller-runtime manager serves its metrics endpoint (and the
        // health probes and webhooks it is given) from `Start` until stopped.
        ("sigs.k8s.io/controller-runtime", &["NewManager("][..]),
        ("sigs.k8s.io/controller-runtime/pkg/manager", &["New("][..]),
        // Kubernetes' generic API server (aggregated API servers, metrics
        // adapters) serves its secure port from `PrepareRun().Run(...)`.
        ("k8s.io/apiserver/pkg/server", &[".PrepareRun("][..]),
        ("github.com/grafana/dskit/server", &["New("][..]),
        ("github.com/weaveworks/common/server", &["New("][..]),
        (
            "github.com/docker/go-plugins-helpers/sdk",
            &[".ServeUnix(", ".ServeTCP("][..],
        ),
    ] {
        add(path, calls);
    }
    if wanted.is_empty() {
        return out;
    }
    let first_func = text
        .find("\nfunc ")
        .map_or(0, |i| text[..i].lines().count());
    // Whether the line is in a goroutine (a listener beside the work, such as
    // a job's metrics).
    let in_goroutine = goroutine_lines(text);
    let mut func = String::new();
    let lines: Vec<&str> = text.lines().collect();
    for (n, line) in text.lines().enumerate().skip(first_func) {
        if line.starts_with("func ") {
            func = func_call_needle(line);
        }
        let code = line.split("//").next().unwrap_or("");
        // A listener on the loopback interface (`"localhost:6060"`, a pprof or
        // debug port) is reachable only from inside the container: no service.
        if LOOPBACK.iter().any(|l| code.contains(l)) {
            continue;
        }
        // An `http.Server{` literal whose `Addr:` field, on the lines below,
        // is on the loopback interface.
        if code.trim_end().ends_with("Server{") {
            let addr = lines[n + 1..]
                .iter()
                .take(8)
                .take_while(|l| !l.trim_start().starts_with('}'))
                .find(|l| l.trim_start().starts_with("Addr:"));
            if addr.is_some_and(|l| LOOPBACK.iter().any(|lb| l.contains(lb))) {
                continue;
            }
        }
        if let Some((needle, label)) = wanted.iter().find(|(w, _)| code.contains(w.as_str())) {
            // Only when an address option is set (`if opts.metricsAddr != "" {`,
            // empty meaning disabled): an opt-in endpoint beside the program's
            // work, not what it is for.
            if opt_in_block(&lines, n) {
                continue;
            }
            let call = needle.trim_start_matches('.').trim_end_matches(['(', '{']);
            out.push((
                n + 1,
                format!("listens for connections ({label} {call})\u{0}{func}"),
                in_goroutine[n],
            ));
        }
    }
    out
}

/// The line `n` sits in a block opened by `if x != "" {`, itself or through
/// the blocks around it up to its function (`if addr != "" { go func() {
/// http.ListenAndServe(addr, nil) }() }`), read from gofmt's indentation: each
/// opener is the nearest line above that is indented less.
fn opt_in_block(lines: &[&str], n: usize) -> bool {
    let indent = |l: &str| l.len() - l.trim_start_matches('\t').len();
    let Some(mut own) = lines.get(n).map(|l| indent(l)) else {
        return false;
    };
    let mut end = n;
    while own > 0 {
        let Some(i) = lines[..end]
            .iter()
            .rposition(|l| !l.trim().is_empty() && indent(l) < own)
        else {
            return false;
        };
        if opt_in_opener(lines[i]) {
            return true;
        }
        own = indent(lines[i]);
        end = i;
    }
    false
}

/// `if x != "" {` and its kin: a block that runs only when an option is set.
fn opt_in_opener(l: &str) -> bool {
    {
        let t = l.trim();
        // `!= ""` of an address, or `> 0` / `!= 0` of a port: zero means off.
        // A switch that turns it on (`if cfg.ListenerEnabled {`) too.
        let switch = t
            .strip_prefix("if ")
            .and_then(|c| c.strip_suffix(" {"))
            .is_some_and(|c| {
                c.chars()
                    .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '.')
                    && (c.ends_with("Enabled") || c.ends_with("Enable"))
            });
        let off_value =
            switch || t.contains(r#"!= """#) || t.ends_with("> 0 {") || t.ends_with("!= 0 {");
        t.starts_with("if ") && t.ends_with('{') && off_value && !t.contains("else")
    }
}

/// The ports of the address literals of a Go source (`":4150"`,
/// `"0.0.0.0:4151"`, `"localhost:8080"`), with their lines.
fn address_ports(text: &str) -> Vec<(u16, usize)> {
    let mut out = vec![];
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find(':') {
            let after = &rest[i + 1..];
            let digits: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
            let closes = after[digits.len()..].starts_with('"');
            // What is before the colon, back to the opening quote: empty, a
            // host name or an IP address.
            let host = rest[..i].rsplit('"').next().unwrap_or("");
            let opened = rest[..i].contains('"')
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if closes && opened && (2..=5).contains(&digits.len()) {
                if let Ok(p) = digits.parse::<u16>() {
                    if p >= 80 {
                        out.push((p, n + 1));
                    }
                }
            }
            rest = after;
        }
    }
    out
}

/// The first place where the main package in `dir`, or a module package it
/// imports, writes an address with one of `ports`: (port, place).
pub fn port_in_code(
    files: &Files,
    dir: &Path,
    module_root: &Path,
    module_path: &str,
    ports: &[u16],
) -> Option<(u16, Site)> {
    let mut found = None;
    walk_module_imports(files, dir, module_root, module_path, &mut |s| {
        found = s.ports.iter().find(|(p, _)| ports.contains(p)).cloned();
        found.is_some()
    });
    found
}

/// A short name for a listening package: `net/http`, `grpc`, `gin`.
fn path_label(path: &'static str) -> &'static str {
    match path {
        "net/http" | "net" => path,
        p if p.ends_with("/v2") || p.ends_with("/v4") => {
            let p = &p[..p.len() - 3];
            p.rsplit('/').next().unwrap_or(p)
        }
        p => p.rsplit('/').next().unwrap_or(p),
    }
}

/// The folder of the module's package `import` (None for another module's).
fn module_folder(import: &str, module_path: &str, module_root: &Path) -> Option<PathBuf> {
    let rel = if import == module_path {
        ""
    } else {
        import.strip_prefix(module_path)?.strip_prefix('/')?
    };
    Some(module_root.join(rel))
}

/// Where the main package in `dir`, or a package of its module that it imports
/// (directly or not), listens for connections; None when none does. A main
/// whose framework listens for it in an imported package serves as surely as
/// one that calls `ListenAndServe` itself.
///
/// A listener started in a goroutine serves only while the rest of `main`
/// runs (a batch job's metrics port): it counts when some package of the
/// closure waits for a termination signal too.
///
/// The package itself and the module packages it imports directly are read
/// whole. A listener in `main` started in a goroutine (a batch job's metrics
/// port) counts when `main` also waits for a termination signal; one in an
/// imported package counts when `main` calls that package outside a goroutine
/// (`server.New(addr).Run()`, not `go httpserver.Serve()`). Deeper, only what
/// `main` reaches through its calls counts (`reached_listener`): a listener
/// elsewhere in the import graph may belong to a subcommand or a helper the
/// program never starts (a CLI that imports the server's packages for their
/// types, or runs the server only as a subcommand's action).
pub fn listens(files: &Files, dir: &Path, module_root: &Path, module_path: &str) -> Option<Site> {
    let own = scan(files, dir);
    let signals = own.signals || signals_in_imported(files, &own, dir, module_root, module_path);
    if let Some(((path, line, what), in_go)) = &own.listens {
        if !in_go || signals {
            let what = what.split('\u{0}').next().unwrap_or(what);
            return Some((path.clone(), *line, what.to_string()));
        }
    }
    listens_from_main(files, dir, module_root, module_path)
}

/// True when the main package in `dir` is a program of subcommands (a
/// `Commands:` list, `AddCommand(`, `Subcommands:`) and nothing `main` runs
/// without one listens: its root command's own action does not, whatever a
/// subcommand's does (`listens` may find that one).
pub fn root_command_listens_not(
    files: &Files,
    dir: &Path,
    module_root: &Path,
    module_path: &str,
) -> bool {
    let subcommands = package_files(files, dir).iter().any(|f| {
        code_lines(&f.text).any(|l| {
            let t = l.trim();
            t.starts_with("Commands:")
                || t.starts_with("Subcommands:")
                || t.contains(".AddCommand(")
        })
    });
    subcommands && listens_from_main(files, dir, module_root, module_path).is_none()
}

/// Where what `main` runs listens: a module package's function it calls
/// outside goroutines, or started in one while it waits for a signal, and
/// what those call in turn; the root command's own action counts, a
/// subcommand's does not.
fn listens_from_main(
    files: &Files,
    dir: &Path,
    module_root: &Path,
    module_path: &str,
) -> Option<Site> {
    let own = scan(files, dir);
    let signals = own.signals || signals_in_imported(files, &own, dir, module_root, module_path);
    if module_path.is_empty() {
        return None;
    }
    for imp in &own.imports {
        let Some(next) = module_folder(imp, module_path, module_root) else {
            continue;
        };
        if next == dir || !files.is_dir(&next) {
            continue;
        }
        let Some(((path, line, what), _)) = &scan(files, &next).listens else {
            continue;
        };
        let (what, method) = what.split_once('\u{0}').unwrap_or((what, ""));
        // `main` calls the function that listens (a method by its name, a
        // function through the package's name), outside a goroutine.
        let exported = method
            .trim_start_matches('.')
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase());
        // Not from a command literal's action (`Action: func(c *cli.Context)
        // error { keyservice.Run(...) }`) of a program with subcommands: that
        // runs only when the subcommand is asked for.
        let fs = funcs(files, dir);
        let called_in_foreground = exported
            && fs.iter().map(|f| own_action(&fs, f)).any(|f| {
                f.imports
                    .iter()
                    .find(|(_, path)| path == imp)
                    .is_some_and(|(name, _)| {
                        if method.starts_with('.') {
                            code_calls(&f.foreground, method)
                        } else {
                            code_calls(&f.foreground, &format!("{name}.{method}"))
                        }
                    })
            });
        // Or `go server.ListenAndServe(...)` in `main`, which then waits for
        // a termination signal: the listener serves for the program's life.
        let started_in_goroutine = exported
            && signals
            && !method.starts_with('.')
            && package_files(files, dir).iter().any(|f| {
                import_name(&f.text, imp)
                    .is_some_and(|name| main_starts_goroutine(&f.text, &format!("{name}.{method}")))
            });
        if called_in_foreground || started_in_goroutine {
            return Some((path.clone(), *line, what.to_string()));
        }
    }
    // Deeper: what `main` calls, and what that calls in turn, outside goroutines.
    let mut seen = HashSet::new();
    let main = funcs(files, dir)
        .iter()
        .find(|f| f.needle == "main(")
        .map(with_root_action)?;
    if let Some(site) = &main.listens {
        return Some(site.clone());
    }
    seen.insert((dir.to_path_buf(), main.needle.clone()));
    let (path, line, what) = reached_listener(
        files,
        dir,
        module_root,
        module_path,
        &main.foreground,
        &main.imports,
        0,
        &mut seen,
    )?;
    Some((
        path,
        line,
        format!("{what}, which main reaches through its calls"),
    ))
}

/// True when a module package that `main` imports directly asks for
/// termination signals (`signal.Notify`): a signal-handler helper
/// (`stopCh := signals.SetupSignalHandler()`) or a server package that stops
/// on them, either way a program meant to run until it is stopped.
fn signals_in_imported(
    files: &Files,
    own: &Scan,
    dir: &Path,
    module_root: &Path,
    module_path: &str,
) -> bool {
    !module_path.is_empty()
        && own.imports.iter().any(|imp| {
            module_folder(imp, module_path, module_root).is_some_and(|next| {
                next != dir && files.is_dir(&next) && scan(files, &next).signals
            })
        })
}

/// True when `func main` in `text` starts `callee` (a call needle,
/// `server.ListenAndServe(`) as a goroutine of its own (`go
/// server.ListenAndServe(port, stopCh)`), not in a `go func` literal.
fn main_starts_goroutine(text: &str, callee: &str) -> bool {
    let mut in_main = false;
    for line in text.lines() {
        if line.starts_with("func ") || line.starts_with('}') {
            in_main = line.starts_with("func main()");
            continue;
        }
        let code = line.split("//").next().unwrap_or("").trim();
        if in_main
            && code
                .strip_prefix("go ")
                .is_some_and(|rest| rest.trim_start().starts_with(callee))
        {
            return true;
        }
    }
    false
}

/// Plug-in skeletons that a runtime execs once per operation and that hand
/// the program's whole run to the framework: (import path, the entry
/// function's name prefix, what runs it).
const ONE_SHOT_PLUGINS: &[(&str, &str, &str)] = &[(
    "github.com/containernetworking/cni/pkg/skel",
    "PluginMain",
    "the CNI plug-in skeleton: the container runtime execs the binary once for each network operation on a pod, with the request on stdin, and it exits when that is done",
)];

/// Where the main package in `dir` hands control to a one-shot plug-in
/// skeleton (`skel.PluginMainFuncs(...)` of the CNI library, by import path,
/// whatever name the file gives it): a command run once per call, not a
/// service, whatever image holds the binary.
pub fn one_shot_plugin(files: &Files, dir: &Path) -> Option<Site> {
    for f in package_files(files, dir).iter() {
        for (import, prefix, what) in ONE_SHOT_PLUGINS {
            let Some(name) = import_name(&f.text, import) else {
                continue;
            };
            let needle = format!("{name}.{prefix}");
            for (n, line) in f.text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                let Some(at) = code.find(&needle) else {
                    continue;
                };
                let before = code[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let call: String = code[at..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                    .collect();
                if !code[at + call.len()..].trim_start().starts_with('(') {
                    continue;
                }
                return Some((f.path.clone(), n + 1, format!("main calls {call}: {what}")));
            }
        }
    }
    None
}

/// Where the main package in `dir` waits to be stopped rather than for its
/// work to end: `select {}` (it blocks forever), or, in a file that asks for
/// termination signals (`signal.Notify(ch, ...)`, `signal.NotifyContext`), a
/// statement of `func main` itself that only waits on a channel (`<-done`,
/// `<-ctx.Done()`, `sig := <-ch` of the channel `Notify` fills) outside
/// goroutines (a helper started with `go` that waits to exit is no such wait). A program that
/// runs until it is stopped is a daemon, whatever it serves (a chat bridge
/// that only dials out, a broker whose listeners its library opens). A
/// `select` with cases, or a receive in a goroutine, is not such a wait.
pub fn runs_until_stopped(files: &Files, dir: &Path) -> Option<Site> {
    // `func main` and the package's own functions it calls by name outside
    // goroutines, its root command's action included (`run(params)` from a
    // `Run:` literal, not `go stopOnInterrupt(ch)`): where the program's
    // foreground may wait.
    let package = package_files(files, dir);
    let main_body = funcs(files, dir)
        .iter()
        .find(|f| f.needle == "main(")
        .map(|f| with_root_action(f).foreground)
        .unwrap_or_default();
    let waits_here = |line: &str| {
        line.starts_with("func main()")
            || line
                .strip_prefix("func ")
                .filter(|rest| !rest.starts_with('('))
                .and_then(|rest| rest.split('(').next())
                .is_some_and(|name| {
                    !name.is_empty()
                        && name != "init"
                        && code_calls(&main_body, &format!("{name}("))
                })
    };
    for f in package.iter() {
        let signal = import_name(&f.text, "os/signal");
        let notify: Vec<String> = signal
            .as_ref()
            .map(|name| {
                code_lines(&f.text)
                    .filter_map(|l| {
                        let i = l.find(&format!("{name}.Notify("))?;
                        let arg = &l[i + name.len() + ".Notify(".len()..];
                        let ch: String = arg
                            .trim_start()
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                            .collect();
                        Some(ch)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let asks = signal.as_ref().is_some_and(|name| {
            !notify.is_empty()
                || code_lines(&f.text).any(|l| l.contains(&format!("{name}.NotifyContext(")))
        });
        // Inside `func main` (or a function of the package it calls),
        // outside goroutines.
        let mut in_main = false;
        let in_goroutine = goroutine_lines(&f.text);
        for (n, line) in f.text.lines().enumerate() {
            if line.starts_with("func ") || line.starts_with('}') {
                in_main = line.starts_with("func ") && waits_here(line);
                continue;
            }
            let code = line.split("//").next().unwrap_or("").trim();
            if !in_main || in_goroutine[n] {
                continue;
            }
            if code == "select {}" {
                return Some((
                    f.path.clone(),
                    n + 1,
                    "blocks forever (select {}): it runs until stopped".to_string(),
                ));
            }
            // `<-quit` of a channel `main` makes and nothing else names:
            // nothing can send on it or close it, so it blocks forever.
            if let Some(ch) = code.strip_prefix("<-").map(str::trim) {
                let word = |l: &str| {
                    l.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .filter(|w| *w == ch)
                        .count()
                };
                let made = code_lines(&f.text)
                    .any(|l| l.trim_start().starts_with(&format!("{ch} := make(chan ")));
                let named: usize = code_lines(&f.text).map(word).sum();
                if !ch.is_empty() && made && named == 2 {
                    return Some((
                        f.path.clone(),
                        n + 1,
                        format!("blocks forever (<-{ch} of a channel nothing sends on or closes): it runs until stopped"),
                    ));
                }
            }
            if !asks {
                continue;
            }
            let received = match code.split_once("<-") {
                Some((before, ch)) => {
                    let before = before.trim();
                    let ch = ch.trim();
                    let plain = !ch.is_empty()
                        && ch
                            .chars()
                            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '(' | ')'));
                    if !plain {
                        None
                    } else if before.is_empty() {
                        Some(ch)
                    } else {
                        // `sig := <-ch` of the channel `Notify` fills.
                        let assigned = before
                            .strip_suffix(":=")
                            .or_else(|| before.strip_suffix('='))
                            .is_some_and(|v| {
                                v.trim().chars().all(|c| c.is_alphanumeric() || c == '_')
                            });
                        (assigned && notify.iter().any(|n| n == ch)).then_some(ch)
                    }
                }
                None => None,
            };
            if let Some(ch) = received {
                return Some((
                    f.path.clone(),
                    n + 1,
                    format!("waits for a termination signal (<-{ch}): it runs until stopped"),
                ));
            }
        }
    }
    None
}

/// Deepest chain of calls followed from `main` to a listener: `main` calls
/// `parca.Run`, which calls the server's `ListenAndServe`, which listens.
const MAX_CALL_DEPTH: usize = 6;

/// A top-level function of a package, read for the calls it makes.
#[derive(Debug, Clone)]
struct Func {
    /// How a caller writes a call of it: `.Name(` for a method, `Name(` for a function.
    needle: String,
    exported: bool,
    /// Its body's code outside goroutines (not in a `go func` literal, not a `go` statement).
    foreground: String,
    /// Its file's imports: (name used in the file, path).
    imports: Vec<(String, String)>,
    /// Where its body listens outside a goroutine, or in one it starts and
    /// then waits on (see `serves_from_goroutine`).
    listens: Option<Site>,
    /// The bodies of its command literals' own actions (`RunE: func(...) {`,
    /// `Run:`, `Action:`), and where they listen: the program's action when
    /// the command has no subcommands (see `func_index`).
    action: String,
    action_listens: Option<Site>,
    /// It adds subcommands (`AddCommand(`, `Subcommands:`, `Commands:`): its
    /// actions run only when asked for.
    adds_subcommands: bool,
}

fn funcs(files: &Files, dir: &Path) -> Arc<Vec<Func>> {
    files.memo("func-index", dir, "", |f| func_index(f, dir))
}

/// The top-level functions of the package in `dir` (gofmt's layout: a body
/// ends at the first line that is `}`).
fn func_index(files: &Files, dir: &Path) -> Vec<Func> {
    package_files(files, dir)
        .iter()
        .flat_map(|f| file_funcs(&f.path, &f.text))
        .collect()
}

/// The top-level functions of one file (`func_index`).
fn file_funcs(path: &Path, text: &str) -> Vec<Func> {
    let mut out = vec![];
    let paths = imports_of(text);
    let imports: Vec<(String, String)> = paths
        .iter()
        .filter_map(|p| Some((import_name(text, p)?, p.clone())))
        .collect();
    let (go_sites, sites): (Vec<_>, Vec<_>) = listen_sites(text, &paths)
        .into_iter()
        .map(|(line, what, in_go)| {
            let what = what.split('\u{0}').next().unwrap_or(&what).to_string();
            (line, what, in_go)
        })
        .partition(|(_, _, in_go)| *in_go);
    let sites: Vec<(usize, String)> = sites.into_iter().map(|(l, w, _)| (l, w)).collect();
    // The current function, and where a goroutine it starts listens.
    let mut current: Option<(Func, Option<Site>)> = None;
    let in_goroutine = goroutine_lines(text);
    // The indentation of a composite literal's field that spans lines,
    // such as a function literal (`RunE: func(cmd *cobra.Command, ...)
    // error {`): a callback its owner calls later, if ever (a command-line
    // framework's subcommand action), not a call this function makes.
    let mut in_field_func: Option<(usize, bool)> = None;
    // The indentation of a line that opens a list of subcommands
    // (`Commands: []*cli.Command{`): the actions below it run only when
    // their subcommand is asked for.
    let mut in_subcommands: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("func ") {
            out.extend(current.take().map(serves_from_goroutine));
            in_subcommands = None;
            in_field_func = None;
            let needle = func_call_needle(line);
            let exported = needle
                .trim_start_matches('.')
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase());
            current = Some((
                Func {
                    needle,
                    exported,
                    foreground: String::new(),
                    imports: imports.clone(),
                    listens: None,
                    action: String::new(),
                    action_listens: None,
                    adds_subcommands: false,
                },
                None,
            ));
            continue;
        }
        let Some((func, go_listens)) = current.as_mut() else {
            continue;
        };
        if line.starts_with('}') {
            out.extend(current.take().map(serves_from_goroutine));
            continue;
        }
        let code = line.split("//").next().unwrap_or("");
        let trimmed = code.trim_start();
        let indent = code.len() - trimmed.len();
        // `app.Commands = []cli.Command{...}` (urfave/cli v1) adds them too.
        if [
            "AddCommand(",
            "Subcommands:",
            "Commands:",
            ".Commands = ",
            ".Subcommands = ",
        ]
        .iter()
        .any(|k| trimmed.contains(k))
        {
            func.adds_subcommands = true;
            if in_subcommands.is_none() && trimmed.ends_with('{') {
                in_subcommands = Some(indent);
            }
        } else if in_subcommands.is_some_and(|open| indent <= open && !trimmed.is_empty()) {
            in_subcommands = None;
        }
        let in_sub = in_subcommands.is_some_and(|open| indent > open);
        if let Some((open, action)) = in_field_func {
            if indent == open && trimmed.starts_with(['}', ')']) {
                in_field_func = None;
            } else if action && !trimmed.starts_with("go ") {
                func.action.push_str(code);
                func.action.push('\n');
                if func.action_listens.is_none() {
                    if let Some((_, what)) = sites.iter().find(|(l, _)| *l == n + 1) {
                        func.action_listens = Some((path.to_path_buf(), n + 1, what.clone()));
                    }
                }
            }
            continue;
        }
        if is_field_func(trimmed) {
            let key = trimmed.split(':').next().unwrap_or("");
            in_field_func = Some((indent, !in_sub && matches!(key, "RunE" | "Run" | "Action")));
            continue;
        }
        // `cmd.RunE = func(cmd *cobra.Command, args []string) error {`: the
        // action set after the literal, a callback like the field's.
        if let Some(key) = assigned_action(trimmed) {
            in_field_func = Some((indent, !in_sub && matches!(key, "RunE" | "Run" | "Action")));
            continue;
        }
        // `Action: serve,`: a command's action named, not called here; the
        // root command's (outside a list of subcommands) runs by default.
        if is_action_reference(trimmed) {
            if !in_sub {
                func.action.push_str(code);
                func.action.push('\n');
            }
            continue;
        }
        if in_goroutine[n] {
            if go_listens.is_none() {
                if let Some((_, what, _)) = go_sites.iter().find(|(l, _, _)| *l == n + 1) {
                    *go_listens = Some((path.to_path_buf(), n + 1, what.clone()));
                }
            }
            continue;
        }
        func.foreground.push_str(code);
        func.foreground.push('\n');
        if func.listens.is_none() {
            if let Some((_, what)) = sites.iter().find(|(l, _)| *l == n + 1) {
                func.listens = Some((path.to_path_buf(), n + 1, what.clone()));
            }
        }
    }
    out.extend(current.map(serves_from_goroutine));
    // A command declared as a package variable (`var rootCmd = &cobra.Command{
    // RunE: func(...) error { ... } }`, cobra's generated layout) runs its action
    // from the function that executes it (`func Execute() { rootCmd.Execute() }`).
    for (name, action, listens) in var_command_actions(path, text, &sites) {
        let runs =
            [".Execute(", ".ExecuteC(", ".ExecuteContext(", ".Run("].map(|m| format!("{name}{m}"));
        for func in out.iter_mut() {
            if runs.iter().any(|r| code_calls(&func.foreground, r)) {
                func.action.push_str(&action);
                if func.action_listens.is_none() {
                    func.action_listens = listens.clone();
                }
            }
        }
    }
    out
}

/// A function that starts its listener in a goroutine and then waits in its
/// own body (`go func() { srv.ListenAndServe() }()` and then `select { case
/// <-ctx.Done(): ... }`, `<-errCh`, `wg.Wait()`) serves for as long as it
/// runs, as one that calls `ListenAndServe` itself does. One that starts the
/// goroutine and returns (a test helper, a debug endpoint beside other work)
/// does not listen by this.
fn serves_from_goroutine((mut func, go_listens): (Func, Option<Site>)) -> Func {
    if func.listens.is_none() && waits_in(&func.foreground) {
        func.listens = go_listens;
    }
    func
}

/// True when `code` (a function's foreground) blocks on a channel or a wait:
/// a receive statement or assignment, a `select` (gofmt's `select {`), or a
/// `.Wait()` call.
fn waits_in(code: &str) -> bool {
    code.lines().any(|l| {
        let t = l.trim();
        t.starts_with("<-")
            || t.starts_with("return <-")
            || t.contains(" = <-")
            || t.contains(":= <-")
            || t == "select {"
            || t.contains(".Wait()")
    })
}

/// The actions of the command literals that top-level variables hold
/// (`var rootCmd = &cobra.Command{`, `var app = &cli.App{`): each variable's
/// name, its own action's code (a `RunE:`/`Run:`/`Action:` function literal
/// at the literal's first level, or the function it names), and where that
/// code listens.
fn var_command_actions(
    path: &Path,
    text: &str,
    sites: &[(usize, String)],
) -> Vec<(String, String, Option<Site>)> {
    let mut out = vec![];
    let mut block: Option<(String, String, Option<Site>)> = None;
    // The indentation of the action literal being read.
    let mut in_action: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        if block.is_none() {
            let Some(rest) = line.strip_prefix("var ") else {
                continue;
            };
            let Some((name, value)) = rest.split_once(" = &") else {
                continue;
            };
            if line.trim_end().ends_with('{')
                && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                && value.contains('.')
            {
                block = Some((name.to_string(), String::new(), None));
            }
            continue;
        }
        if line.starts_with('}') {
            out.extend(block.take());
            in_action = None;
            continue;
        }
        let Some((_, action, listens)) = block.as_mut() else {
            continue;
        };
        let code = line.split("//").next().unwrap_or("");
        let trimmed = code.trim_start();
        let indent = code.len() - trimmed.len();
        if let Some(open) = in_action {
            if indent == open && trimmed.starts_with('}') {
                in_action = None;
            } else {
                action.push_str(code);
                action.push('\n');
                if listens.is_none() {
                    if let Some((_, what)) = sites.iter().find(|(l, _)| *l == n + 1) {
                        *listens = Some((path.to_path_buf(), n + 1, what.clone()));
                    }
                }
            }
            continue;
        }
        // The literal's own fields only (one level in, as gofmt indents them).
        if indent != 1 {
            continue;
        }
        let key = trimmed.split(':').next().unwrap_or("");
        if !matches!(key, "RunE" | "Run" | "Action") {
            continue;
        }
        if is_field_func(trimmed) {
            in_action = Some(indent);
        } else if is_action_reference(trimmed) {
            // `RunE: runServer,`: that function is called.
            let value = trimmed
                .split_once(':')
                .map_or("", |(_, v)| v.trim().trim_end_matches(','));
            action.push_str(&format!("{value}()\n"));
        }
    }
    out
}

/// The root command's own action, when `main` builds it or calls the function
/// that does (`newCommand().Execute()` of a command built with `RunE:
/// func(...) {`, or `Action: startServer,`): it runs when no subcommand is
/// named, so it is part of what `main` sets going. The actions in its list of
/// subcommands never are (`file_funcs` leaves them out), nor is a
/// subcommand's constructor, called deeper or beside an `AddCommand` in
/// `main` (`root.AddCommand(newServeCmd())`), or a builder `main` hands to a
/// dispatcher among others.
fn with_root_action(func: &Func) -> Func {
    let mut f = func.clone();
    if !f.action.is_empty() {
        f.foreground.push_str(&f.action);
        if f.listens.is_none() {
            f.listens = f.action_listens.clone();
        }
    }
    f
}

/// `func` with its command's action ([`with_root_action`]), unless the
/// package hands what it builds to `AddCommand` (`root.AddCommand(newDaemonCommand())`):
/// a subcommand's action runs only when that subcommand is named.
fn own_action(all: &[Func], func: &Func) -> Func {
    let subcommand = all.iter().any(|f| {
        f.foreground
            .lines()
            .filter(|l| l.contains("AddCommand("))
            .any(|l| code_calls(l, &func.needle))
    });
    if subcommand {
        func.clone()
    } else {
        with_root_action(func)
    }
}

/// True when a line sets a command literal's action to a named function
/// (`Action: serve,`, `RunE: cmd.runServer,`).
fn is_action_reference(trimmed: &str) -> bool {
    let Some((key, value)) = trimmed.split_once(':') else {
        return false;
    };
    let value = value.trim().trim_end_matches(',');
    matches!(key, "RunE" | "Run" | "Action")
        && !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

/// True when a line opens a composite literal's field whose value spans the
/// lines below: `Action: func(c *cli.Context) error {`, `Run:
/// builder.NewRunFunc(` with a function literal on the next line.
/// The field of `x.RunE = func(...) ... {` (a command's action assigned
/// after its literal): `RunE`, `Run`, `Action` or `PreRunE`...; None for any
/// other line.
fn assigned_action(trimmed: &str) -> Option<&str> {
    let (left, right) = trimmed.split_once(" = ")?;
    let (recv, key) = left.rsplit_once('.')?;
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
    (ident(recv) && ident(key) && (key.contains("Run") || key == "Action"))
        .then_some(())
        .filter(|_| right.starts_with("func(") && trimmed.ends_with('{'))
        .map(|_| key)
}

fn is_field_func(trimmed: &str) -> bool {
    let Some((key, rest)) = trimmed.split_once(':') else {
        return false;
    };
    !key.is_empty()
        && key.chars().all(|c| c.is_alphanumeric() || c == '_')
        && rest.starts_with(' ')
        && !rest.trim().is_empty()
        && (trimmed.ends_with('{') || trimmed.ends_with('('))
}

/// True when `code` calls `needle`: a method `.Run(` anywhere, a function
/// `Run(` or `pkg.Run(` not as part of a longer name or selector.
fn code_calls(code: &str, needle: &str) -> bool {
    // A function value handed on (`entrypoint.New(cli.Run).Main()`, a task
    // list `srv.ListenAndServe,`) is called by what it is handed to.
    let name = needle.trim_end_matches('(');
    // Or assigned where its owner will call it (`cmd.RunE = c.run`).
    let assigned = |i: usize, after: &str| {
        let line_start = code[..i].rfind('\n').map_or(0, |n| n + 1);
        let before = &code[line_start..i];
        after.lines().next().is_none_or(|l| l.trim().is_empty())
            && (before.contains(" = ") || before.contains(" := "))
    };
    let as_value = |i: usize, after: &str| {
        after.starts_with([',', ')']) || after.trim_end().is_empty() || assigned(i, after)
    };
    if needle.starts_with('.') {
        return code.contains(needle)
            || code
                .match_indices(name)
                .any(|(i, _)| as_value(i, &code[i + name.len()..]));
    }
    let standalone = |i: usize| {
        !code[..i]
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
    };
    code.match_indices(needle).any(|(i, _)| standalone(i))
        || code
            .match_indices(name)
            .any(|(i, _)| standalone(i) && as_value(i, &code[i + name.len()..]) && i > 0)
}

/// True when `code` calls `needle` (`Run(`, `.Run(`, `pkg.Run(`), not only
/// names it as a value.
fn code_calls_directly(code: &str, needle: &str) -> bool {
    if needle.starts_with('.') {
        return code.contains(needle);
    }
    code.match_indices(needle).any(|(i, _)| {
        !code[..i]
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
            || needle.contains('.')
    })
}

/// A listener that `code` (the foreground of a function of the package in
/// `dir`) reaches through its calls: a function of the same package, or an
/// exported one of a module package its file imports and names in `code`,
/// that listens or calls on to one that does, at most `MAX_CALL_DEPTH` calls
/// away.
#[allow(clippy::too_many_arguments)]
fn reached_listener(
    files: &Files,
    dir: &Path,
    module_root: &Path,
    module_path: &str,
    code: &str,
    imports: &[(String, String)],
    depth: usize,
    seen: &mut HashSet<(PathBuf, String)>,
) -> Option<Site> {
    if depth >= MAX_CALL_DEPTH {
        return None;
    }
    // Each callee with whether `code` calls it (`serve()`), not only hands it
    // on as a value (`[]Builder{scan.Command, serve.Command}`: one of several
    // a dispatcher picks from).
    let mut callees: Vec<(PathBuf, Func, bool)> = vec![];
    let fields = field_packages(files, dir);
    for f in funcs(files, dir).iter() {
        if code_calls(code, &f.needle) && method_of(code, &f.needle, &fields, None) {
            let direct = code_calls_directly(code, &f.needle);
            callees.push((dir.to_path_buf(), f.clone(), direct));
        }
    }
    for (name, path) in imports {
        let Some(next) = module_folder(path, module_path, module_root) else {
            continue;
        };
        if next == dir || !code_calls(code, &format!("{name}.")) || !files.is_dir(&next) {
            continue;
        }
        for f in funcs(files, &next).iter().filter(|f| f.exported) {
            let needle = if f.needle.starts_with('.') {
                f.needle.clone()
            } else {
                format!("{name}.{}", f.needle)
            };
            let called = code_calls(code, &needle)
                && (!f.needle.starts_with('.') || method_of(code, &f.needle, &fields, Some(name)));
            if called {
                callees.push((next.clone(), f.clone(), code_calls_directly(code, &needle)));
            }
        }
    }
    for (d, f, direct) in callees {
        if !seen.insert((d.clone(), f.needle.clone())) {
            continue;
        }
        // Only when `main` adds no subcommands itself: `root.AddCommand(
        // cli.Serve())` calls subcommands' constructors too; and only for a
        // command `main` builds by calling it, not one of the builders it
        // hands to a dispatcher.
        let f = if depth == 0 && direct && !code.contains("AddCommand(") {
            with_root_action(&f)
        } else {
            f
        };
        if let Some(site) = &f.listens {
            return Some(site.clone());
        }
        if let Some(site) = reached_listener(
            files,
            &d,
            module_root,
            module_path,
            &f.foreground,
            &f.imports,
            depth + 1,
            seen,
        ) {
            return Some(site);
        }
    }
    None
}

/// The struct fields the package in `dir` declares with a type of another
/// package (`stats clistats.Client` gives `("stats", Some("clistats"))`), and
/// those of its own types (`srv *Server` gives `("srv", None)`).
fn field_packages(files: &Files, dir: &Path) -> Arc<Vec<(String, Option<String>)>> {
    files.memo("field-packages", dir, "", |f| {
        let mut out = vec![];
        for file in package_files(f, dir).iter() {
            let mut in_struct = false;
            for line in file.text.lines() {
                if line.starts_with("type ") && line.trim_end().ends_with("struct {") {
                    in_struct = true;
                    continue;
                }
                if line.starts_with('}') {
                    in_struct = false;
                }
                if !in_struct {
                    continue;
                }
                // gofmt's one level of indentation: `\tname, other *pkg.Type`.
                let Some(decl) = line.strip_prefix('\t').filter(|l| !l.starts_with('\t')) else {
                    continue;
                };
                let decl = decl.split("//").next().unwrap_or("").trim();
                let Some((names, ty)) = decl.split_once(' ') else {
                    continue;
                };
                let ty = ty.trim().trim_start_matches('*');
                let ident =
                    |t: &str| !t.is_empty() && t.chars().all(|c| c.is_alphanumeric() || c == '_');
                let pkg = match ty.split_once('.') {
                    Some((q, t)) if ident(q) && ident(t.split(['[', ' ']).next().unwrap_or("")) => {
                        Some(q.to_string())
                    }
                    None if ident(ty.split(['[', ' ']).next().unwrap_or("")) => None,
                    _ => continue,
                };
                for n in names.split(',').map(str::trim).filter(|n| ident(n)) {
                    out.push((n.to_string(), pkg.clone()));
                }
            }
        }
        out
    })
}

/// False when every call of the method `needle` (`.Start(`) in `code` is made
/// on a field whose declared type belongs to a package other than `owner`
/// (`None`: the caller's own): `r.stats.Start()` of a `stats clistats.Client`
/// field is that package's `Start`, not a `Start` of the caller's module
/// found by its name. A call on anything else (a variable, a field of the
/// caller's own types) may be it.
fn method_of(
    code: &str,
    needle: &str,
    fields: &[(String, Option<String>)],
    owner: Option<&str>,
) -> bool {
    if !needle.starts_with('.') || !code.contains(needle) {
        return true;
    }
    code.match_indices(needle).any(|(i, _)| {
        let chain: String = code[..i]
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let Some((_, field)) = chain.rsplit_once('.') else {
            return true;
        };
        let decls: Vec<&Option<String>> = fields
            .iter()
            .filter(|(n, _)| n == field)
            .map(|(_, p)| p)
            .collect();
        decls.is_empty()
            || decls
                .iter()
                .any(|p| p.as_deref().is_none_or(|q| Some(q) == owner))
    })
}

/// How a caller calls the function a `func` line declares: `.Run(` for a
/// method `func (s *Server) Run()`, `.NewServer(` for a function (the caller
/// puts the package's name before it).
fn func_call_needle(line: &str) -> String {
    let rest = line.trim_start_matches("func ").trim_start();
    let (rest, method) = match rest.strip_prefix('(') {
        Some(r) => (
            r.split_once(')')
                .map_or("", |(_, after)| after.trim_start()),
            true,
        ),
        None => (rest, false),
    };
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if method {
        format!(".{name}(")
    } else {
        format!("{name}(")
    }
}

/// A `debug.SetMemoryLimit` in a request handler of the main package or a
/// package of its module that it imports: seen, but not setting the limit at startup.
pub fn limit_set_in_handler(
    files: &Files,
    dir: &Path,
    module_root: &Path,
    module_path: &str,
) -> Option<Site> {
    let mut found = None;
    walk_module_imports(files, dir, module_root, module_path, &mut |s| {
        found = s.handler_sets.clone();
        found.is_some()
    });
    found
}

/// Visits the package in `dir` and each package of its module that it imports,
/// directly or not, breadth first, until `visit` returns true.
fn walk_module_imports(
    files: &Files,
    dir: &Path,
    module_root: &Path,
    module_path: &str,
    visit: &mut dyn FnMut(&Scan) -> bool,
) {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut queue: VecDeque<PathBuf> = VecDeque::from([dir.to_path_buf()]);
    seen.insert(dir.to_path_buf());
    while let Some(d) = queue.pop_front() {
        let s = scan(files, &d);
        if visit(&s) {
            return;
        }
        if module_path.is_empty() || seen.len() > MAX_PACKAGES {
            continue;
        }
        for imp in &s.imports {
            let Some(next) = module_folder(imp, module_path, module_root) else {
                continue;
            };
            if seen.insert(next.clone()) && files.is_dir(&next) {
                queue.push_back(next);
            }
        }
    }
}

/// The import paths of a Go source file.
pub fn imports_of(text: &str) -> Vec<String> {
    let mut out = vec![];
    let mut in_block = false;
    for line in text.lines() {
        let l = line.split("//").next().unwrap_or("").trim();
        if in_block {
            if l.starts_with(')') {
                in_block = false;
                continue;
            }
            if let Some(p) = quoted(l) {
                out.push(p);
            }
            continue;
        }
        let Some(rest) = l.strip_prefix("import") else {
            if l.starts_with("func ") || l.starts_with("type ") || l.starts_with("var ") {
                break;
            }
            continue;
        };
        let rest = rest.trim_start();
        if rest.starts_with('(') {
            in_block = true;
            if let Some(p) = quoted(&rest[1..]) {
                out.push(p);
            }
        } else if let Some(p) = quoted(rest) {
            out.push(p);
        }
    }
    out
}

fn quoted(l: &str) -> Option<String> {
    let (start, q) = l.char_indices().find(|(_, c)| *c == '"' || *c == '`')?;
    let rest = &l[start + 1..];
    let end = rest.find(q)?;
    Some(rest[..end].to_string())
}

/// Where `module`'s go.mod requires, `// indirect`, a library that
/// sets the memory limit when imported (`automemlimit`): since Go 1.17 a
/// go.mod lists every module whose packages the module's build imports, so a
/// dependency imports it (a server framework whose `run` sets the limit from
/// the cgroup), and this program may well have its limit set. A direct
/// requirement is the module's own import, which `limit_set_in_code` follows
/// from this program (another program of the module may be the one using it).
pub fn module_requires_limit_library(module: &crate::gomod::Module) -> Option<Site> {
    module.indirect.iter().find_map(|(required, line)| {
        let lib = LIMIT_LIBRARIES.iter().find(|l| required == *l)?;
        Some((
            module.root.join("go.mod"),
            *line,
            format!(
                "the module requires {lib} (indirect), which sets the Go memory limit when imported: a dependency imports it and may set the limit for this program (lowers confidence)"
            ),
        ))
    })
}

/// Hints in the main package's own files that its memory is already looked
/// after, which the rule cannot confirm: a call into another module whose
/// name says it sets a memory limit (`mem.WatchMemoryLimit(...)`,
/// `memlimit.SetGoMemLimitWithOpts(...)`: that code is not in the
/// repository), and `debug.SetGCPercent`, with which the program tunes its
/// collector itself. Each as where and what.
#[derive(Debug, Default, Clone)]
pub struct LimitHints {
    pub library_call: Option<Site>,
    pub gc_percent: Option<Site>,
}

pub fn limit_hints(files: &Files, dir: &Path, module_path: &str) -> LimitHints {
    let mut out = LimitHints::default();
    for f in package_files(files, dir).iter() {
        let imports = imports_of(&f.text);
        let names: Vec<(String, String)> = imports
            .iter()
            .filter(|i| {
                // Another module's package (not the standard library's, not this module's).
                i.split('/').next().is_some_and(|h| h.contains('.'))
                    && (module_path.is_empty() || !is_under(i, module_path))
            })
            .filter_map(|i| Some((import_name(&f.text, i)?, i.clone())))
            .collect();
        let debug = import_name(&f.text, "runtime/debug");
        for (n, line) in f.text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if out.library_call.is_none() {
                for (name, path) in &names {
                    let Some(call) = qualified_call(code, name) else {
                        continue;
                    };
                    let lower = call.to_ascii_lowercase();
                    let says = |s: &str| s.contains("memorylimit") || s.contains("memlimit");
                    if says(&lower) || says(&path.to_ascii_lowercase()) {
                        out.library_call = Some((
                            f.path.clone(),
                            n + 1,
                            format!("calls `{name}.{call}` of {path}, which by its name may set the Go memory limit; its code is not in the repository (lowers confidence)"),
                        ));
                        break;
                    }
                }
            }
            if out.gc_percent.is_none() {
                if let Some(d) = &debug {
                    if qualified_call(code, d).as_deref() == Some("SetGCPercent") {
                        out.gc_percent = Some((
                            f.path.clone(),
                            n + 1,
                            format!(
                                "`{}`: the program tunes its collector itself (lowers confidence)",
                                code.trim()
                            ),
                        ));
                    }
                }
            }
        }
    }
    out
}

/// The function `pkg.F(` that `code` calls on package name `pkg`, if any.
fn qualified_call(code: &str, pkg: &str) -> Option<String> {
    let needle = format!("{pkg}.");
    let mut from = 0;
    while let Some(i) = code[from..].find(&needle) {
        let at = from + i;
        let before = code[..at].chars().next_back();
        from = at + needle.len();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let rest = &code[from..];
        let ident: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !ident.is_empty() && rest[ident.len()..].starts_with('(') {
            return Some(ident);
        }
    }
    None
}

/// Where the limit is set for the main package in `dir` of the module at
/// `module_root` with path `module_path`: its own files (which may also read
/// `GOMEMLIMIT` to handle it), or any package of the module it imports,
/// directly or not. `file: what` for the message, or None.
pub fn limit_set_in_code(
    files: &Files,
    dir: &Path,
    module_root: &Path,
    module_path: &str,
) -> Option<String> {
    let own = scan(files, dir);
    if let Some(p) = &own.mentions_variable {
        return Some(format!("{} handles GOMEMLIMIT", p.display()));
    }
    let mut found = None;
    walk_module_imports(files, dir, module_root, module_path, &mut |s| {
        found = s
            .sets
            .as_ref()
            .map(|(p, what)| format!("{} {what}", p.display()));
        found.is_some()
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_lines_are_blanked_in_large_files() {
        let mut text = String::from("package main\n\nvar weights = map[rune]int{\n");
        while text.len() < 70 << 10 {
            text.push_str("\t0x4e00: 12,\n\t0x4e01: 0x3f,\n");
        }
        text.push_str("}\n\nfunc main() {\n\thttp.ListenAndServe(\":8080\", nil)\n\t_ = 1\n}\n");
        let lines = text.lines().count();
        let kept = without_data_lines(text.clone());
        assert_eq!(kept.lines().count(), lines, "line numbers are kept");
        assert!(kept.len() < text.len() / 10);
        assert!(kept.contains("func main() {\n\thttp.ListenAndServe(\":8080\", nil)\n\t_ = 1\n}\n"));
        assert!(kept.starts_with("package main\n\nvar weights = map[rune]int{\n\n"));
        let small = "package main\n\t1,\n".to_string();
        assert_eq!(
            without_data_lines(small.clone()),
            small,
            "small files are kept whole"
        );
    }

    #[test]
    fn build_constraints_a_linux_build_can_satisfy() {
        let f = |c: &str| linux_builds("main.go", &format!("{c}\n\npackage main\n"));
        assert!(!f("//go:build ignore"));
        assert!(!f("//go:build none"));
        assert!(!f("//go:build windows"));
        assert!(!f("//go:build darwin || freebsd"));
        assert!(!f("//go:build !unix"));
        assert!(!f("// +build tools"));
        assert!(!f("//go:build linux && ignore"));
        assert!(f("//go:build linux"));
        assert!(f("//go:build !windows"));
        assert!(f("//go:build integration"));
        assert!(f("//go:build (linux || darwin) && amd64"));
        assert!(f("// +build linux,cgo darwin"));
        assert!(f("// not a constraint"));
        assert!(!linux_builds("main_windows.go", "package main\n"));
        assert!(!linux_builds("svc_darwin_arm64.go", "package main\n"));
        assert!(linux_builds("svc_linux_amd64.go", "package main\n"));
        assert!(linux_builds("main_test_helper.go", "package main\n"));
    }

    #[test]
    fn a_receive_from_a_channel_nothing_else_names_blocks_forever() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let main = "package main\n\nfunc main() {\n\tgo watch()\n\tquit := make(chan struct{})\n\t<-quit\n}\n";
        std::fs::write(root.join("main.go"), main).unwrap();
        let at = runs_until_stopped(&Files::default(), root).map(|(_, l, _)| l);
        assert_eq!(at, Some(6));
        // A channel handed to the work may be closed by it: the program ends.
        let dir = tempfile::tempdir().unwrap();
        let handed = main
            .replace("go watch()", "go watch(quit)")
            .replace("\tquit := make(chan struct{})\n", "");
        let handed = handed.replace(
            "func main() {\n",
            "func main() {\n\tquit := make(chan struct{})\n",
        );
        std::fs::write(dir.path().join("main.go"), handed).unwrap();
        assert_eq!(runs_until_stopped(&Files::default(), dir.path()), None);
    }

    #[test]
    fn limit_hints_name_the_call() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("main.go"),
            "package main\n\nimport (\n\t\"runtime/debug\"\n\tkit \"example.org/kit/mem\"\n\t\"example.com/app/internal/mem\"\n)\n\nfunc main() {\n\tmem.SetMemoryLimit(1)\n\tkit.WatchMemoryLimit(nil)\n\tdebug.SetGCPercent(20)\n}\n",
        )
        .unwrap();
        let files = Files::default();
        let h = limit_hints(&files, root, "example.com/app");
        let (_, line, what) = h.library_call.expect("the other module's call");
        assert_eq!(line, 11);
        assert!(what.contains("kit.WatchMemoryLimit"), "{what}");
        assert_eq!(h.gc_percent.map(|(_, l, _)| l), Some(12));
        assert_eq!(qualified_call("x := notkit.Run()", "kit"), None);
        assert_eq!(qualified_call("kit.Config.Run()", "kit"), None);
    }

    #[test]
    fn limit_calls_that_read_do_not_count() {
        let sets = |body: &str| {
            matches!(
                limit_calls(&format!("package x\n\nimport \"runtime/debug\"\n\n{body}")),
                LimitCall::Startup(_)
            )
        };
        assert!(!sets("\tdebug.SetMemoryLimit(-1)\n"));
        assert!(!sets("\tprev := debug.SetMemoryLimit( -1 )\n"));
        assert!(!sets("// debug.SetMemoryLimit(1 << 30)\n"));
        assert!(!sets("func SetMemoryLimit(n int64) int64 {\n"));
        assert!(sets(
            "func run() {\n\tdebug.SetMemoryLimit(int64(*limit))\n}\n"
        ));
        assert!(sets("\t_ = os.Setenv(\"GOMEMLIMIT\", v)\n"));
        // Another package's function of the same name, a method of that name.
        let other = "package x\n\nimport \"example.com/m/lib/debug\"\n\nfunc f() { debug.SetMemoryLimit(1 << 30) }\n";
        assert_eq!(limit_calls(other), LimitCall::None);
        let method = "package x\n\nimport \"runtime/debug\"\n\nfunc f(c *Ctl) { c.debug.SetMemoryLimit(1 << 30) }\n";
        assert_eq!(limit_calls(method), LimitCall::None);
        // An alias.
        let alias = "package x\n\nimport rtdebug \"runtime/debug\"\n\nfunc f() { rtdebug.SetMemoryLimit(1 << 30) }\n";
        assert!(matches!(limit_calls(alias), LimitCall::Startup(_)));
        // An operator's RPC.
        let rpc = "package admin\n\nimport (\n\t\"context\"\n\t\"runtime/debug\"\n)\n\nfunc (s *Admin) SetLimit(ctx context.Context, req *pb.SetLimitRequest) (*pb.Reply, error) {\n\tdebug.SetMemoryLimit(req.Bytes)\n\treturn nil, nil\n}\n";
        assert!(matches!(limit_calls(rpc), LimitCall::Handler(9, _)));
    }

    #[test]
    fn calls_in_goroutines_do_not_block() {
        let calls = |text: &str, needle: &str| {
            file_funcs(Path::new("main.go"), text)
                .iter()
                .map(with_root_action)
                .any(|f| code_calls(&f.foreground, needle))
        };
        let bg = "package main\n\nimport \"x/lib/httpserver\"\n\nfunc main() {\n\tgo httpserver.Serve(addrs)\n\tbackup()\n}\n";
        assert!(!calls(bg, "httpserver.Serve("));
        let fg = "package main\n\nimport \"x/internal/server\"\n\nfunc main() {\n\tserver.New(\":80\").Run()\n}\n";
        assert!(calls(fg, ".Run("));
        assert!(!calls(fg, "xserver.Run("));
        let lit = "package main\n\nfunc main() {\n\tgo func() {\n\t\tserver.Run()\n\t}()\n}\n";
        assert!(!calls(lit, "server.Run("));
        // A subcommand's action (urfave/cli's `app.Commands = ...`) runs only
        // when asked for; the root action of a program without subcommands always.
        let sub = "package main\n\nfunc main() {\n\tapp := cli.NewApp()\n\tapp.Commands = []cli.Command{\n\t\t{\n\t\t\tName: \"serve\",\n\t\t\tAction: func(c *cli.Context) error {\n\t\t\t\treturn server.Run()\n\t\t\t},\n\t\t},\n\t}\n\tapp.Run(os.Args)\n}\n";
        assert!(!calls(sub, "server.Run("));
        let root = "package main\n\nfunc main() {\n\tapp := &cli.App{\n\t\tName: \"keepd\",\n\t\tAction: func(c *cli.Context) error {\n\t\t\treturn server.Run()\n\t\t},\n\t}\n\tapp.Run(os.Args)\n}\n";
        assert!(calls(root, "server.Run("));
        assert_eq!(func_call_needle("func (s *Server) Run() {"), ".Run(");
        assert_eq!(
            func_call_needle("func NewTCPListener(name string) {"),
            "NewTCPListener("
        );
    }

    #[test]
    fn a_method_called_on_another_packages_field_is_not_ours() {
        let fields = vec![
            ("stats".to_string(), Some("clistats".to_string())),
            ("srv".to_string(), None),
        ];
        // `r.stats` is a `clistats` value: its `Start` is that package's.
        assert!(!method_of("\tr.stats.Start()\n", ".Start(", &fields, None));
        assert!(method_of(
            "\tr.stats.Start()\n",
            ".Start(",
            &fields,
            Some("clistats")
        ));
        // A field of the package's own type, a variable, or an unknown field may be it.
        assert!(method_of("\ta.srv.Start()\n", ".Start(", &fields, None));
        assert!(method_of("\tsrv.Start(ctx)\n", ".Start(", &fields, None));
        assert!(method_of(
            "\tr.stats.Start()\n\tr.api.Start()\n",
            ".Start(",
            &fields,
            None
        ));
    }

    #[test]
    fn field_values_are_not_calls() {
        assert!(is_field_func(
            "RunE: func(cmd *cobra.Command, args []string) error {"
        ));
        assert!(is_field_func("Run: builder.NewRunFunc("));
        assert!(!is_field_func("Addr: addr,"));
        assert!(!is_field_func("default:"));
        assert!(!is_field_func("case x: {"));
        assert!(code_calls("\treturn srv.Serve()\n", ".Serve("));
        assert!(code_calls("\tapp.Run(cfg)\n", "app.Run("));
        assert!(!code_calls("\tmyapp.Run(cfg)\n", "app.Run("));
        assert!(!code_calls("\tx.serve(1)\n", "serve("));
    }

    #[test]
    fn ports_of_address_literals() {
        let text = "package x\n\nvar o = Options{\n\tTCPAddress: \"0.0.0.0:4150\",\n\tHTTP: \":4151\", // http\n\tT: \"12:30\",\n\tU: \"http://x:9090/metrics\",\n}\n";
        assert_eq!(address_ports(text), vec![(4150, 4), (4151, 5)]);
    }

    #[test]
    fn listening_by_import() {
        let http = "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.ListenAndServe(\":80\", nil)\n}\n";
        assert_eq!(
            listens_in(http, &imports_of(http)).map(|(l, _, g)| (l, g)),
            Some((6, false))
        );
        let gin = "package web\n\nimport \"github.com/gin-gonic/gin\"\n\nfunc Run() {\n\tr := gin.Default()\n\tr.Run(\":80\")\n}\n";
        assert!(listens_in(gin, &imports_of(gin)).is_some_and(|(_, w, _)| w.contains("gin")));
        let metrics = "package main\n\nimport \"net/http\"\n\nfunc main() {\n\tgo func() {\n\t\t_ = http.ListenAndServe(\":9102\", nil)\n\t}()\n\twork()\n}\n";
        assert_eq!(
            listens_in(metrics, &imports_of(metrics)).map(|(_, _, g)| g),
            Some(true)
        );
        // What follows a goroutine's literal runs in the foreground again.
        let after = "package server\n\nimport \"net/http\"\n\nfunc (s *Srv) Start() {\n\tgo func() {\n\t\tlog.Print(\"debug\")\n\t}()\n\tgo s.grpc()\n\tsrv := &http.Server{Handler: s.mux}\n\tsrv.Serve(s.l)\n}\n";
        assert_eq!(
            listen_sites(after, &imports_of(after))
                .iter()
                .map(|(l, _, g)| (*l, *g))
                .collect::<Vec<_>>(),
            vec![(10, false)]
        );
        assert!(file_funcs(Path::new("s.go"), after)[0].listens.is_some());
        assert_eq!(
            goroutine_lines(after),
            vec![false, false, false, false, false, true, true, true, true, false, false, false]
        );
        // A client of net/http does not listen.
        let client =
            "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.Get(\"http://x\")\n}\n";
        assert!(listens_in(client, &imports_of(client)).is_none());
        // A controller-runtime manager serves its metrics (and probes,
        // webhooks) from Start: making one is the listener.
        let mgr = "package sub\n\nimport ctrl \"sigs.k8s.io/controller-runtime\"\n\nfunc run() error {\n\tmgr, err := ctrl.NewManager(cfg, ctrl.Options{})\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn mgr.Start(ctrl.SetupSignalHandler())\n}\n";
        assert!(listens_in(mgr, &imports_of(mgr))
            .is_some_and(|(l, w, _)| l == 6 && w.contains("NewManager")));
        let api = "package server\n\nimport genericapiserver \"k8s.io/apiserver/pkg/server\"\n\nfunc (o Options) Run(ctx context.Context) error {\n\tcfg := genericapiserver.NewRecommendedConfig(codecs)\n\treturn o.server(cfg).GenericAPIServer.PrepareRun().RunWithContext(ctx)\n}\n";
        assert!(listens_in(api, &imports_of(api)).is_some_and(|(l, _, _)| l == 7));
    }

    #[test]
    fn a_package_variables_command_runs_its_action_from_execute() {
        // cobra's generated layout: the root command is a package variable,
        // run by Execute; its subcommands' actions are not the root's.
        let text = "package cmd\n\nimport (\n\t\"net/http\"\n\n\t\"github.com/spf13/cobra\"\n)\n\nvar serveCmd = &cobra.Command{\n\tUse: \"serve\",\n\tRunE: func(cmd *cobra.Command, args []string) error {\n\t\treturn http.ListenAndServe(\":80\", nil)\n\t},\n}\n\nvar rootCmd = &cobra.Command{\n\tUse: \"tool\",\n\tRunE: runRoot,\n}\n\nfunc Execute() {\n\trootCmd.Execute()\n}\n\nfunc runRoot(cmd *cobra.Command, args []string) error {\n\treturn nil\n}\n";
        let fs = file_funcs(Path::new("root.go"), text);
        let execute = fs.iter().find(|f| f.needle == "Execute(").unwrap();
        assert!(execute.action.contains("runRoot()"), "{}", execute.action);
        assert!(execute.action_listens.is_none());
        let actions = var_command_actions(Path::new("root.go"), text, &[(12, "listens".into())]);
        assert_eq!(actions.len(), 2);
        assert_eq!(actions[0].0, "serveCmd");
        assert!(actions[0].1.contains("ListenAndServe") && actions[0].2.is_some());
    }

    #[test]
    fn imports() {
        let text = "package main\n\nimport \"fmt\"\nimport (\n\t_ \"github.com/KimMachineGun/automemlimit\" // sets it\n\tx \"example.com/m/internal/limits\"\n)\n\nfunc main() {}\n";
        assert_eq!(
            imports_of(text),
            vec![
                "fmt",
                "github.com/KimMachineGun/automemlimit",
                "example.com/m/internal/limits"
            ]
        );
    }

    #[test]
    fn a_cni_plugin_hands_its_run_to_the_skeleton() {
        let dir = std::env::temp_dir().join(format!("gm006-cni-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("main.go"),
            "package main\n\nimport (\n\tcni \"github.com/containernetworking/cni/pkg/skel\"\n)\n\nfunc main() {\n\t// skel.PluginMain in a comment\n\tcni.PluginMainFuncs(cni.CNIFuncs{}, \"x\")\n}\n",
        )
        .unwrap();
        let files = Files::default();
        let site = one_shot_plugin(&files, &dir).unwrap();
        assert_eq!(site.1, 9);
        std::fs::write(
            dir.join("main.go"),
            "package main\n\nimport \"example.com/skel\"\n\nfunc main() {\n\tskel.PluginMain()\n}\n",
        )
        .unwrap();
        assert!(one_shot_plugin(&Files::default(), &dir).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
