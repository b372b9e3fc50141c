//! `gomemfix server` driven over stdio as an editor drives it: a small JSON-RPC
//! client starts the built binary once per scenario, opens fixtures, and
//! checks diagnostics, code actions (each applied to the files and compared
//! with what `gomemfix fix` writes), hover, commands and shutdown.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::common;

const WAIT: Duration = Duration::from_secs(20);

/// A client of one server process.
struct Lsp {
    child: Child,
    stdin: ChildStdin,
    incoming: mpsc::Receiver<Value>,
    /// Notifications and server requests not consumed yet, in arrival order.
    stash: Vec<Value>,
    next_id: i64,
    /// The edits the server asked us to apply (`workspace/applyEdit`).
    applied: Vec<Value>,
}

impl Lsp {
    fn start(root: &Path, options: Value) -> Lsp {
        Lsp::start_with(root, options, false)
    }

    /// `snippets`: the client takes LSP 3.18 snippet edits in workspace edits.
    fn start_with(root: &Path, options: Value, snippets: bool) -> Lsp {
        let mut child = Command::new(common::gomemfix_bin())
            .arg("server")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start gomemfix server");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || loop {
            let mut len = None;
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    len = v.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; len.expect("a Content-Length header")];
            stdout.read_exact(&mut body).unwrap();
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        });
        let mut lsp = Lsp {
            child,
            stdin,
            incoming,
            stash: vec![],
            next_id: 0,
            applied: vec![],
        };
        let caps = json!({
            "workspace": {"applyEdit": true,
                          "workspaceEdit": {"documentChanges": true, "snippetEditSupport": snippets},
                          "didChangeWatchedFiles": {"dynamicRegistration": false}},
            "textDocument": {"publishDiagnostics": {"relatedInformation": true}},
        });
        let init = lsp.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": caps,
                   "initializationOptions": options}),
        );
        let caps = &init["result"]["capabilities"];
        assert_eq!(caps["positionEncoding"], "utf-16", "{init}");
        assert_eq!(caps["textDocumentSync"]["change"], 1, "full sync: {init}");
        assert_eq!(
            caps["executeCommandProvider"]["commands"],
            json!(["gomemfix.fixAll"])
        );
        lsp.notify("initialized", json!({}));
        lsp
    }

    fn send(&mut self, msg: Value) {
        self.send_all(&[msg]);
    }

    /// Messages in one write, so that they reach the server together.
    fn send_all(&mut self, msgs: &[Value]) {
        let mut bytes = vec![];
        for msg in msgs {
            let body = serde_json::to_vec(msg).unwrap();
            write!(bytes, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
            bytes.extend(body);
        }
        self.stdin.write_all(&bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self) -> Value {
        let msg = self
            .incoming
            .recv_timeout(WAIT)
            .expect("the server answers in time");
        // The server asks the client to apply an edit: it is applied (recorded).
        if msg["method"] == "workspace/applyEdit" {
            self.applied.push(msg["params"]["edit"].clone());
            let id = msg["id"].clone();
            self.send(json!({"jsonrpc": "2.0", "id": id, "result": {"applied": true}}));
        }
        msg
    }

    /// The whole response (`result` or `error`) to a request.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let msg = self.next();
            if msg["id"] == id && msg.get("method").is_none() {
                return msg;
            }
            self.stash.push(msg);
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> (Option<i64>, Vec<Value>) {
        let is_ours = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        let msg = match self.stash.iter().position(is_ours) {
            Some(i) => self.stash.remove(i),
            None => loop {
                let m = self.next();
                if is_ours(&m) {
                    break m;
                }
                self.stash.push(m);
            },
        };
        let p = &msg["params"];
        (
            p["version"].as_i64(),
            p["diagnostics"].as_array().unwrap().clone(),
        )
    }

    fn open(&mut self, path: &Path) -> String {
        let uri = uri_of(path);
        let text = std::fs::read_to_string(path).unwrap();
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "go", "version": 1, "text": text}}),
        );
        uri
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.send(change(uri, version, text));
    }

    fn code_actions(&mut self, uri: &str, range: Value, only: Option<&str>) -> Vec<Value> {
        let mut context = json!({"diagnostics": []});
        if let Some(kind) = only {
            context["only"] = json!([kind]);
        }
        let r = self.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range, "context": context}),
        );
        r["result"].as_array().cloned().unwrap_or_default()
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        drop(self.stdin);
        let status = self.child.wait().unwrap();
        assert!(
            status.success(),
            "the server exits 0 after shutdown and exit"
        );
    }
}

fn change(uri: &str, version: i64, text: &str) -> Value {
    json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
           "params": {"textDocument": {"uri": uri, "version": version},
                      "contentChanges": [{"text": text}]}})
}

fn uri_of(path: &Path) -> String {
    let mut s = String::from("file://");
    for b in path.to_str().unwrap().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

fn path_of(uri: &str) -> PathBuf {
    let raw = uri.strip_prefix("file://").unwrap().as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            out.push(
                u8::from_str_radix(std::str::from_utf8(&raw[i + 1..i + 3]).unwrap(), 16).unwrap(),
            );
            i += 3;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    PathBuf::from(String::from_utf8(out).unwrap())
}

/// The byte offset of an LSP position (UTF-16 characters).
fn offset(text: &str, pos: &Value) -> usize {
    let line = pos["line"].as_u64().unwrap() as usize;
    let character = pos["character"].as_u64().unwrap() as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let rest = &text[start.min(text.len())..];
    let mut units = 0;
    for (i, c) in rest.char_indices() {
        if units >= character || c == '\n' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

fn apply_text_edits(text: &str, edits: &[Value]) -> String {
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            let text_of = e["newText"].as_str().unwrap();
            (
                offset(text, &e["range"]["start"]),
                offset(text, &e["range"]["end"]),
                text_of,
            )
        })
        .collect();
    spans.sort_by_key(|s| (s.0, s.1));
    let mut out = String::new();
    let mut at = 0;
    for (s, e, t) in spans {
        assert!(s >= at, "overlapping edits: {edits:?}");
        out.push_str(&text[at..s]);
        out.push_str(t);
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

/// A workspace edit applied: each file it touches and its new text (the open
/// document's text from `open`, other files from disk).
fn apply_workspace_edit(
    edit: &Value,
    open: &BTreeMap<String, String>,
) -> BTreeMap<PathBuf, String> {
    let mut per_file: Vec<(String, Vec<Value>)> = vec![];
    if let Some(changes) = edit["changes"].as_object() {
        for (uri, edits) in changes {
            per_file.push((uri.clone(), edits.as_array().unwrap().clone()));
        }
    }
    if let Some(dcs) = edit["documentChanges"].as_array() {
        for dc in dcs {
            let uri = dc["textDocument"]["uri"].as_str().unwrap().to_string();
            per_file.push((uri, dc["edits"].as_array().unwrap().clone()));
        }
    }
    per_file
        .into_iter()
        .map(|(uri, edits)| {
            let path = path_of(&uri);
            let old = match open.get(&uri) {
                Some(t) => t.clone(),
                None => std::fs::read_to_string(&path).unwrap(),
            };
            (path, apply_text_edits(&old, &edits))
        })
        .collect()
}

fn whole_file() -> Value {
    json!({"start": {"line": 0, "character": 0}, "end": {"line": 100000, "character": 0}})
}

/// A copy of a fixture folder in a temporary folder (canonical, as the
/// server names files it edits).
fn copy(from: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path())
        .unwrap()
        .join(from.file_name().unwrap());
    common::copy_tree(from, &root);
    (tmp, root)
}

/// What `gomemfix fix ARGS FILE` writes, run on a fresh copy of `dir`: each
/// file it changed (paths as in `dir`) and its new text.
fn fixed_by_cli(dir: &Path, file: &Path, args: &[&str]) -> BTreeMap<PathBuf, String> {
    let (_tmp, copy_root) = copy(dir);
    let rel = file.strip_prefix(dir).unwrap();
    let mut all = vec!["fix", "--no-cache"];
    all.extend(args);
    all.push(rel.to_str().unwrap());
    let ran = common::gomemfix(&copy_root, &all);
    assert!(ran.code == 0 || ran.code == 1, "{}", ran.stderr);
    let mut out = BTreeMap::new();
    for f in files_below(&copy_root) {
        let rel = f.strip_prefix(&copy_root).unwrap();
        // A file that is not text (a packaged chart, `x.tgz`) is never edited.
        let Ok(after) = std::fs::read_to_string(&f) else {
            continue;
        };
        let before = std::fs::read_to_string(dir.join(rel)).ok();
        if before.as_deref() != Some(after.as_str()) && !rel.starts_with(".gomemfix_cache") {
            out.insert(dir.join(rel), after);
        }
    }
    out
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Opens `file`, checks its diagnostics, and compares fix-all (and a lone
/// finding's quick fix) with what `gomemfix fix --unsafe-fixes FILE` writes on
/// a copy of `rule_dir`; closes it after. True when the fix changed something.
fn fixes_match_cli(lsp: &mut Lsp, rule_dir: &Path, file: &Path) -> bool {
    let uri = lsp.open(file);
    let (_, diags) = lsp.diagnostics(&uri);
    let rule = rule_dir.file_name().unwrap().to_str().unwrap();
    assert!(
        diags.iter().any(|d| d["code"] == rule),
        "{}: no {rule} diagnostic: {diags:?}",
        file.display()
    );
    for d in diags.iter().filter(|d| d["code"] == rule) {
        let sev = d["severity"].as_i64().unwrap();
        assert_eq!(sev, 2, "high confidence is a warning: {d}");
        assert!(d["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .contains(&format!("patterns/{}", d["code"].as_str().unwrap())));
    }
    let text = std::fs::read_to_string(file).unwrap();
    let open: BTreeMap<String, String> = [(uri.clone(), text.clone())].into();
    let expected = fixed_by_cli(rule_dir, file, &["--unsafe-fixes"]);
    let fix_all = lsp.code_actions(&uri, whole_file(), Some("source.fixAll.gomemfix"));
    let got = match fix_all.as_slice() {
        [] => BTreeMap::new(),
        [one] => {
            assert_eq!(one["kind"], "source.fixAll.gomemfix");
            apply_workspace_edit(&one["edit"], &open)
        }
        more => panic!("one fix-all action, not {more:?}"),
    };
    assert_eq!(
        got,
        expected,
        "{}: fix-all vs `gomemfix fix`",
        file.display()
    );
    // A lone finding's quick fix, on this file alone, is the whole of `fix`.
    let actions = lsp.code_actions(&uri, whole_file(), Some("quickfix"));
    let fixes: Vec<&Value> = actions
        .iter()
        .filter(|a| !a["title"].as_str().unwrap().contains("suppress"))
        .collect();
    for a in &fixes {
        let title = a["title"].as_str().unwrap();
        assert_eq!(a["kind"], "quickfix");
        let preferred = a["isPreferred"].as_bool().unwrap();
        assert_eq!(!preferred, title.ends_with("(unsafe)"), "{title}");
    }
    if let ([d], [a]) = (diags.as_slice(), fixes.as_slice()) {
        assert_eq!(a["diagnostics"][0]["code"], d["code"]);
        let alone = apply_workspace_edit(&a["edit"], &open);
        if alone.keys().all(|p| p == file) {
            assert_eq!(alone, expected, "{}: the quick fix", file.display());
        }
    }
    lsp.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let (_, cleared) = lsp.diagnostics(&uri);
    assert!(cleared.is_empty());
    !expected.is_empty()
}

/// Every rule with a fix: fix-all in the editor writes what `gomemfix fix`
/// writes, on its first positive fixtures up to one that the fix changes.
#[test]
fn every_fix_in_the_editor_is_what_fix_writes() {
    let fixtures = common::fixtures_dir();
    let (_tmp, root) = copy(&fixtures);
    let mut lsp = Lsp::start(&root, json!({"unsafe-fixes": true}));
    for rule in [
        "GM001", "GM002", "GM003", "GM004", "GM005", "GM006", "GM008", "GM009", "GM010",
    ] {
        let dir = root.join(rule);
        let pos: Vec<PathBuf> = common::go_files(&dir)
            .into_iter()
            .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with("pos_"))
            .take(3)
            .collect();
        let fixed = pos.iter().any(|file| fixes_match_cli(&mut lsp, &dir, file));
        assert!(fixed, "{rule}: no fixture fixed through the server");
    }
    lsp.shutdown();
}

/// GM003's fix adds a context parameter and passes the callers' own context in
/// another package (internal/watch's start, internal/api's caller), GM006's sets
/// GOMEMLIMIT in the deployment manifest: the workspace edit holds those files.
/// Saving the manifest re-publishes the main package's diagnostics.
#[test]
fn cross_file_fixes_edit_the_other_files() {
    let fixtures = common::fixtures_dir();
    let (_tmp, gm003) = copy(&fixtures.join("GM003"));
    let mut lsp = Lsp::start(&gm003, json!({"unsafe-fixes": true}));
    let watch = gm003.join("internal/watch/pos_watch.go");
    assert!(fixes_match_cli(&mut lsp, &gm003, &watch));
    let uri = lsp.open(&watch);
    let _ = lsp.diagnostics(&uri);
    let actions = lsp.code_actions(&uri, whole_file(), Some("source.fixAll"));
    let touched: Vec<String> = actions[0]["edit"]["changes"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    for other in ["internal/api/watch.go"] {
        assert!(
            touched.contains(&uri_of(&gm003.join(other))),
            "{other} not in {touched:?}"
        );
    }
    lsp.shutdown();

    let (_tmp, svc) = copy(&fixtures.join("modules/deploysvc"));
    let mut lsp = Lsp::start(&svc, json!({"unsafe-fixes": true}));
    let main = svc.join("cmd/api/main.go");
    let uri = lsp.open(&main);
    let (_, diags) = lsp.diagnostics(&uri);
    let gm006: Vec<&Value> = diags.iter().filter(|d| d["code"] == "GM006").collect();
    assert_eq!(gm006.len(), 1, "{diags:?}");
    let related = gm006[0]["relatedInformation"].as_array().unwrap();
    assert!(
        related.iter().any(|r| r["location"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("k8s/api.yaml")),
        "the manifest is evidence: {related:?}"
    );
    let actions = lsp.code_actions(&uri, gm006[0]["range"].clone(), Some("quickfix"));
    let fix = actions
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("GM006: Set GOMEMLIMIT")
        })
        .expect("GM006's quick fix");
    let text = std::fs::read_to_string(&main).unwrap();
    let edited = apply_workspace_edit(&fix["edit"], &[(uri.clone(), text)].into());
    let expected = fixed_by_cli(&svc, &main, &["--unsafe-fixes", "--select", "GM006"]);
    assert_eq!(edited, expected);
    // The manifest saved with the fix: GM006 is gone from main.go.
    for (path, new_text) in &edited {
        std::fs::write(path, new_text).unwrap();
    }
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&svc.join("k8s/api.yaml")), "type": 2}]}),
    );
    let (_, after) = lsp.diagnostics(&uri);
    assert!(after.iter().all(|d| d["code"] != "GM006"), "{after:?}");
    lsp.shutdown();
}

const LOOP: &str = "package p\n\nimport \"runtime\"\n\nfunc drain(items []int) {\n\tfor _, it := range items {\n\t\tprocess(it)\n\t\truntime.GC()\n\t}\n}\n\nfunc process(int) {}\n";

/// The protocol round: confidence and its settings, debounced changes (latest
/// wins), a broken file keeping its diagnostics, suppression, hover,
/// executeCommand with applyEdit, errors, shutdown.
#[test]
fn protocol_round() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    std::fs::write(root.join("go.mod"), "module example.com/p\n\ngo 1.22\n").unwrap();
    let low = common::fixtures_dir().join("GM005/low_gc_switch.go");
    std::fs::copy(&low, root.join("low.go")).unwrap();
    std::fs::write(root.join("loop.go"), LOOP).unwrap();
    let mut lsp = Lsp::start(&root, json!({"confidence": "low"}));

    // The client's `confidence = "low"` shows what the default hides, as hints
    // or information.
    let low_uri = lsp.open(&root.join("low.go"));
    let (_, diags) = lsp.diagnostics(&low_uri);
    assert!(!diags.is_empty());
    assert!(
        diags
            .iter()
            .all(|d| d["severity"] == 3 || d["severity"] == 4),
        "{diags:?}"
    );
    // gomemfix.toml wins over the client, and is read again when it changes.
    std::fs::write(root.join("gomemfix.toml"), "confidence = \"high\"\n").unwrap();
    lsp.notify("workspace/didChangeWatchedFiles", json!({"changes": []}));
    let (_, diags) = lsp.diagnostics(&low_uri);
    assert_eq!(diags, Vec::<Value>::new());
    std::fs::remove_file(root.join("gomemfix.toml")).unwrap();

    let uri = lsp.open(&root.join("loop.go"));
    let (version, diags) = lsp.diagnostics(&uri);
    assert_eq!(version, Some(1));
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = diags[0].clone();
    assert_eq!(
        (d["code"].as_str(), d["severity"].as_i64()),
        (Some("GM005"), Some(2))
    );
    assert_eq!(d["range"]["start"], json!({"line": 7, "character": 2}));
    assert_eq!(d["source"], "gomemfix");

    // Hover on the finding is `gomemfix explain GM005`.
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 7, "character": 5}}),
    );
    let explain = common::gomemfix(&root, &["explain", "GM005"]).stdout;
    assert_eq!(hover["result"]["contents"]["value"], explain);
    assert_eq!(hover["result"]["range"], d["range"]);
    let nothing = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(nothing["result"], Value::Null);

    // Three quick changes are analysed once, at the last version.
    let moved = LOOP.replace("func drain", "// drains\nfunc drain");
    lsp.send_all(&[
        change(&uri, 2, &LOOP.replace("process(it)", "process(it + 1)")),
        change(&uri, 3, &LOOP.replace("process(it)", "process(it + 2)")),
        change(&uri, 4, &moved),
    ]);
    let (version, diags) = lsp.diagnostics(&uri);
    assert_eq!(version, Some(4));
    assert_eq!(diags[0]["range"]["start"]["line"], 8);
    // A broken declaration keeps its last good diagnostics...
    let broken = moved.replace("runtime.GC()", "runtime.GC(");
    lsp.change(&uri, 5, &broken);
    let (version, kept) = lsp.diagnostics(&uri);
    assert_eq!((version, &kept), (Some(5), &diags));
    // ...and outside it the file says what it says now.
    let elsewhere = moved
        .replace("\t\truntime.GC()\n", "")
        .replace("func process(int) {}", "func process(int) {");
    lsp.change(&uri, 6, &elsewhere);
    let (version, now) = lsp.diagnostics(&uri);
    assert_eq!((version, now), (Some(6), vec![]));

    // Suppressing the finding inserts the directive; the diagnostic goes.
    lsp.change(&uri, 7, &moved);
    let _ = lsp.diagnostics(&uri);
    let actions = lsp.code_actions(&uri, diags[0]["range"].clone(), None);
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(titles.iter().any(|t| t.ends_with("(unsafe)")), "{titles:?}");
    let suppress = actions
        .iter()
        .find(|a| a["title"] == "GM005: suppress on this line (//gomemfix:ignore)")
        .unwrap_or_else(|| panic!("{titles:?}"));
    let open: BTreeMap<String, String> = [(uri.clone(), moved.clone())].into();
    let edited = apply_workspace_edit(&suppress["edit"], &open);
    let silenced = &edited[&root.join("loop.go")];
    assert!(
        silenced
            .contains("\t\tprocess(it)\n\t\t//gomemfix:ignore GM005 reason\n\t\truntime.GC()\n"),
        "{silenced}"
    );
    lsp.change(&uri, 8, silenced);
    let (_, diags) = lsp.diagnostics(&uri);
    assert_eq!(diags, Vec::<Value>::new());

    // Saved as it was, then fixed by command: the server asks for the edit.
    std::fs::write(root.join("loop.go"), LOOP).unwrap();
    lsp.change(&uri, 9, LOOP);
    lsp.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}, "text": LOOP}),
    );
    let (version, diags) = lsp.diagnostics(&uri);
    assert_eq!((version, diags.len()), (Some(9), 1));
    let none = lsp.request(
        "workspace/executeCommand",
        json!({"command": "gomemfix.fixAll", "arguments": [uri]}),
    );
    // GM005's fix is unsafe and unsafe fixes are off: nothing to apply.
    assert_eq!(none["result"], Value::Null);
    assert!(lsp.applied.is_empty());
    lsp.shutdown();

    let mut lsp = Lsp::start_with(&root, json!({"unsafe-fixes": true}), true);
    let uri = lsp.open(&root.join("loop.go"));
    let (_, diags) = lsp.diagnostics(&uri);
    // A client that takes snippets gets the reason as a placeholder.
    let actions = lsp.code_actions(&uri, diags[0]["range"].clone(), Some("quickfix"));
    let suppress = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().contains("suppress"))
        .unwrap();
    let change = &suppress["edit"]["documentChanges"][0];
    assert_eq!(change["textDocument"], json!({"uri": uri, "version": 1}));
    assert_eq!(
        change["edits"][0]["snippet"],
        json!({"kind": "snippet", "value": "\t\t//gomemfix:ignore GM005 ${1:reason}\n"})
    );
    assert_eq!(
        change["edits"][0]["range"]["start"],
        json!({"line": 7, "character": 0})
    );
    let done = lsp.request(
        "workspace/executeCommand",
        json!({"command": "gomemfix.fixAll", "arguments": [uri]}),
    );
    assert_eq!(done["result"], Value::Null, "{done}");
    assert_eq!(lsp.applied.len(), 1);
    let open: BTreeMap<String, String> = [(uri.clone(), LOOP.to_string())].into();
    let edited = apply_workspace_edit(&lsp.applied[0], &open);
    let expected = fixed_by_cli(&root, &root.join("loop.go"), &["--unsafe-fixes"]);
    assert_eq!(edited, expected);
    let bad = lsp.request(
        "workspace/executeCommand",
        json!({"command": "nope", "arguments": []}),
    );
    assert_eq!(bad["error"]["code"], -32602);
    let unknown = lsp.request("textDocument/definition", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    lsp.shutdown();
}

/// Bad client settings are said, not fatal.
#[test]
fn bad_settings_are_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let mut lsp = Lsp::start(tmp.path(), json!({"confidence": "sure"}));
    let msg = loop {
        let m = lsp.next();
        if m["method"] == "window/showMessage" {
            break m;
        }
    };
    let text = msg["params"]["message"].as_str().unwrap();
    assert!(text.contains("confidence"), "{text}");
    lsp.shutdown();
}

/// The README's VS Code, Helix and Zed settings parse, start `gomemfix server`,
/// and their initialization options are accepted (no message, diagnostics).
#[test]
fn readme_editor_settings_are_accepted() {
    let readme = std::fs::read_to_string(common::manifest_dir().join("README.md")).unwrap();
    let at = readme.find("### In the editor: `gomemfix server`").unwrap();
    let section = &readme[at..];
    let section = &section[..section[4..].find("\n### ").unwrap() + 4];
    let blocks = |fence: &str| -> Vec<String> {
        section
            .split(&format!("```{fence}\n"))
            .skip(1)
            .map(|b| b[..b.find("```").unwrap()].to_string())
            .collect()
    };
    let json_blocks = blocks("json");
    let toml_blocks = blocks("toml");
    assert_eq!((json_blocks.len(), toml_blocks.len()), (2, 1));
    let vscode: Value = serde_json::from_str(&json_blocks[0]).unwrap();
    let zed: Value = serde_json::from_str(&json_blocks[1]).unwrap();
    let helix: toml::Table = toml::from_str(&toml_blocks[0]).unwrap();
    let helix = serde_json::to_value(helix).unwrap();
    let commands = [
        (
            &vscode["glspc.server.command"],
            &vscode["glspc.server.commandArguments"],
            &vscode["glspc.server.initializationOptions"],
        ),
        (
            &helix["language-server"]["gomemfix"]["command"],
            &helix["language-server"]["gomemfix"]["args"],
            &helix["language-server"]["gomemfix"]["config"],
        ),
        (
            &zed["lsp"]["gomemfix"]["binary"]["path"],
            &zed["lsp"]["gomemfix"]["binary"]["arguments"],
            &zed["lsp"]["gomemfix"]["initialization_options"],
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    std::fs::write(root.join("go.mod"), "module example.com/p\n\ngo 1.22\n").unwrap();
    std::fs::write(root.join("loop.go"), LOOP).unwrap();
    for (command, args, options) in commands {
        assert_eq!((command, args), (&json!("gomemfix"), &json!(["server"])));
        assert!(options.is_object(), "{options}");
        let mut lsp = Lsp::start(&root, options.clone());
        let uri = lsp.open(&root.join("loop.go"));
        let (_, diags) = lsp.diagnostics(&uri);
        assert_eq!(diags.len(), 1);
        assert!(
            !lsp.stash
                .iter()
                .any(|m| m["method"] == "window/showMessage"),
            "{:?}",
            lsp.stash
        );
        lsp.shutdown();
    }
}
