//! `gomemfix server`: a language server (LSP over stdin and stdout) showing in
//! the editor what `gomemfix check` says, with its fixes as code actions and
//! the rules' docs on hover.
//!
//! Built on `lsp-server` and `lsp-types`, as rust-analyzer is: lsp-server is
//! synchronous (a reader and a writer thread, channels, a loop we own), so no
//! async runtime comes into the build and nothing here is async; the two crates
//! add six small crates to a clean build. tower-lsp would bring tokio and
//! futures for a server whose work is CPU-bound analysis on one thread anyway.
//!
//! One module a concern: this loop reads the client and keeps the open
//! documents (full text sync, changes debounced); `worker` analyses off the
//! loop, latest wins; `diagnostics` runs the `check` pipeline on a document;
//! `actions` makes quick fixes, fix-all and suppressions; `hover` shows
//! `explain`; `config` merges gomemfix.toml with the client's settings;
//! `lines` converts offsets to protocol positions.

mod actions;
mod config;
mod diagnostics;
mod hover;
mod lines;
mod worker;

use std::collections::HashMap;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams, ExecuteCommandOptions, ExecuteCommandParams, HoverParams,
    HoverProviderCapability, InitializeParams, MessageType, NumberOrString, PositionEncodingKind,
    SaveOptions, ServerCapabilities, ShowMessageParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use serde_json::{json, Value};

use worker::{Doc, Job, Req, Shared};

/// How long typing must pause before a changed document is analysed.
const DEBOUNCE: Duration = Duration::from_millis(200);

pub fn run() -> anyhow::Result<i32> {
    let (connection, io_threads) = Connection::stdio();
    let (id, params) = connection.initialize_start()?;
    let init: InitializeParams = serde_json::from_value(params.clone())?;
    let utf8 = init
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref())
        .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
    let client = actions::Client {
        utf8,
        snippets: params.pointer("/capabilities/workspace/workspaceEdit/snippetEditSupport")
            == Some(&Value::Bool(true)),
    };
    let (settings, problem) = match config::client_config(init.initialization_options.as_ref()) {
        Ok(c) => (c, None),
        Err(e) => (crate::config::Config::default(), Some(e)),
    };
    connection.initialize_finish(
        id,
        json!({
            "capabilities": capabilities(utf8),
            "serverInfo": {"name": "gomemfix", "version": env!("CARGO_PKG_VERSION")},
        }),
    )?;
    if let Some(e) = problem {
        show(&connection, MessageType::ERROR, format!("gomemfix: {e}"));
    }
    let watch = init
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false);
    if watch {
        watch_files(&connection);
    }
    let shared = Arc::new(Shared::default());
    let out = connection.sender.clone();
    let (jobs, worker) = worker::spawn(
        Box::new(move |m| {
            // The client is gone: the main loop ends too.
            let _ = out.send(m);
        }),
        shared.clone(),
        client,
        settings,
    )?;
    let mut server = Server {
        connection: &connection,
        jobs,
        shared,
        docs: HashMap::new(),
        due: HashMap::new(),
    };
    server.main_loop()?;
    drop(server);
    // An analysis still running is not waited for long: the process ends and
    // takes it along (its result has no reader any more).
    let give_up = Instant::now() + Duration::from_secs(1);
    while !worker.is_finished() && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(10));
    }
    if worker.is_finished() {
        drop(connection);
        io_threads.join()?;
    }
    Ok(0)
}

fn capabilities(utf8: bool) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(if utf8 {
            PositionEncodingKind::UTF8
        } else {
            PositionEncodingKind::UTF16
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(true),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::new(actions::FIX_ALL_KIND),
            ]),
            resolve_provider: Some(false),
            ..CodeActionOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![actions::FIX_ALL_COMMAND.into()],
            ..ExecuteCommandOptions::default()
        }),
        ..ServerCapabilities::default()
    }
}

/// Asks the client to report changes to the files findings depend on: Go
/// files and go.mod (GM003's callers), deployment files (GM006), configs.
fn watch_files(connection: &Connection) {
    let globs = [
        "**/*.go",
        "**/go.mod",
        "**/gomemfix.toml",
        "**/*Dockerfile*",
        "**/*.{yaml,yml,json,toml}",
    ];
    let watchers: Vec<Value> = globs.iter().map(|g| json!({"globPattern": g})).collect();
    let req = Request::new(
        RequestId::from("gomemfix/watch".to_string()),
        "client/registerCapability".into(),
        json!({"registrations": [{
            "id": "gomemfix-watch",
            "method": "workspace/didChangeWatchedFiles",
            "registerOptions": {"watchers": watchers},
        }]}),
    );
    let _ = connection.sender.send(req.into());
}

fn show(connection: &Connection, typ: MessageType, message: String) {
    let params = ShowMessageParams { typ, message };
    let _ = connection
        .sender
        .send(Notification::new("window/showMessage".into(), params).into());
}

struct Server<'c> {
    connection: &'c Connection,
    jobs: mpsc::Sender<Job>,
    shared: Arc<Shared>,
    docs: HashMap<Uri, Doc>,
    /// Documents changed and not analysed yet, with when to.
    due: HashMap<Uri, Instant>,
}

impl Server<'_> {
    fn main_loop(&mut self) -> anyhow::Result<()> {
        loop {
            let wait = self
                .due
                .values()
                .min()
                .map_or(Duration::from_secs(3600), |d| {
                    d.saturating_duration_since(Instant::now())
                });
            let msg = match self.connection.receiver.recv_timeout(wait) {
                Ok(m) => Some(m),
                Err(e) if e.is_timeout() => None,
                Err(_) => return Ok(()),
            };
            self.flush_due();
            match msg {
                None | Some(Message::Response(_)) => {}
                Some(Message::Request(req)) => {
                    if self.connection.handle_shutdown(&req)? {
                        return Ok(());
                    }
                    self.request(req);
                }
                Some(Message::Notification(n)) => {
                    if n.method == "exit" {
                        return Ok(());
                    }
                    self.notification(n);
                }
            }
        }
    }

    fn flush_due(&mut self) {
        let now = Instant::now();
        let ready: Vec<Uri> = self
            .due
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(u, _)| u.clone())
            .collect();
        for uri in ready {
            self.due.remove(&uri);
            self.analyze(&uri, false);
        }
    }

    fn analyze(&self, uri: &Uri, fresh: bool) {
        if let Some(doc) = self.docs.get(uri) {
            let _ = self.jobs.send(Job::Analyze {
                doc: doc.clone(),
                fresh,
            });
        }
    }

    /// Every open document again: a file around them changed on disk.
    fn refresh_all(&mut self) {
        self.due.clear();
        let uris: Vec<Uri> = self.docs.keys().cloned().collect();
        for uri in uris {
            self.analyze(&uri, true);
        }
    }

    fn respond(&self, r: Response) {
        let _ = self.connection.sender.send(r.into());
    }

    fn request(&mut self, req: Request) {
        let id = req.id.clone();
        let (uri, job) = match req.method.as_str() {
            "textDocument/codeAction" => {
                match serde_json::from_value::<CodeActionParams>(req.params) {
                    Ok(p) => (
                        p.text_document.uri,
                        Req::CodeAction {
                            range: p.range,
                            only: p.context.only,
                        },
                    ),
                    Err(e) => return self.bad_params(id, e),
                }
            }
            "textDocument/hover" => match serde_json::from_value::<HoverParams>(req.params) {
                Ok(p) => (
                    p.text_document_position_params.text_document.uri,
                    Req::Hover(p.text_document_position_params.position),
                ),
                Err(e) => return self.bad_params(id, e),
            },
            "workspace/executeCommand" => {
                let p = match serde_json::from_value::<ExecuteCommandParams>(req.params) {
                    Ok(p) => p,
                    Err(e) => return self.bad_params(id, e),
                };
                let uri = p
                    .arguments
                    .first()
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse::<Uri>().ok());
                match uri {
                    Some(uri) if p.command == actions::FIX_ALL_COMMAND => (uri, Req::FixAll),
                    _ => {
                        return self.respond(Response::new_err(
                            id,
                            ErrorCode::InvalidParams as i32,
                            format!(
                                "unknown command or arguments: {} (known: {} with a document URI)",
                                p.command,
                                actions::FIX_ALL_COMMAND
                            ),
                        ))
                    }
                }
            }
            other => {
                return self.respond(Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("gomemfix server does not handle {other}"),
                ))
            }
        };
        match self.docs.get(&uri) {
            Some(doc) => {
                let _ = self.jobs.send(Job::Request {
                    id,
                    doc: doc.clone(),
                    req: job,
                });
            }
            // Not a document open here (not Go, or not a file).
            None => self.respond(Response::new_ok(id, Value::Null)),
        }
    }

    fn bad_params(&self, id: RequestId, e: serde_json::Error) {
        self.respond(Response::new_err(
            id,
            ErrorCode::InvalidParams as i32,
            e.to_string(),
        ));
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) else {
                    return;
                };
                let d = p.text_document;
                let Some(path) = lines::path_of(&d.uri) else {
                    return;
                };
                if d.language_id != "go" && path.extension().is_none_or(|x| x != "go") {
                    return;
                }
                self.set(Doc {
                    uri: d.uri.clone(),
                    path,
                    version: d.version,
                    text: Arc::new(d.text),
                });
                self.analyze(&d.uri, false);
            }
            "textDocument/didChange" => {
                let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) else {
                    return;
                };
                let uri = p.text_document.uri;
                // Full sync: the last change is the whole text.
                let (Some(doc), Some(change)) = (
                    self.docs.get(&uri).cloned(),
                    p.content_changes.into_iter().last(),
                ) else {
                    return;
                };
                self.set(Doc {
                    version: p.text_document.version,
                    text: Arc::new(change.text),
                    ..doc
                });
                self.due.insert(uri, Instant::now() + DEBOUNCE);
            }
            "textDocument/didSave" => {
                let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(n.params) else {
                    return;
                };
                let uri = p.text_document.uri;
                if let (Some(doc), Some(text)) = (self.docs.get(&uri).cloned(), p.text) {
                    if *doc.text != text {
                        self.set(Doc {
                            version: doc.version,
                            text: Arc::new(text),
                            ..doc
                        });
                    }
                }
                // The saved file is on disk now: its package's other files and
                // the mains it deploys may say otherwise.
                self.refresh_all();
            }
            "textDocument/didClose" => {
                let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) else {
                    return;
                };
                let uri = p.text_document.uri;
                if self.docs.remove(&uri).is_some() {
                    self.due.remove(&uri);
                    self.shared.versions.lock().unwrap().remove(&uri);
                    let _ = self.jobs.send(Job::Close(uri));
                }
            }
            "workspace/didChangeWatchedFiles" => self.refresh_all(),
            "workspace/didChangeConfiguration" => {
                // Only settings of ours: clients send `{}` on start.
                let Some(ours) = n.params.pointer("/settings/gomemfix") else {
                    return;
                };
                match config::client_config(Some(ours)) {
                    Ok(c) => {
                        let _ = self.jobs.send(Job::Settings(c));
                        self.refresh_all();
                    }
                    Err(e) => show(
                        self.connection,
                        MessageType::ERROR,
                        format!("gomemfix: {e}"),
                    ),
                }
            }
            "$/cancelRequest" => {
                if let Some(id) = n.params.get("id").cloned() {
                    let id = match serde_json::from_value::<NumberOrString>(id) {
                        Ok(NumberOrString::Number(i)) => RequestId::from(i),
                        Ok(NumberOrString::String(s)) => RequestId::from(s),
                        Err(_) => return,
                    };
                    self.shared.cancelled.lock().unwrap().insert(id);
                }
            }
            _ => {}
        }
    }

    /// Records a document's newest version.
    fn set(&mut self, doc: Doc) {
        self.shared
            .versions
            .lock()
            .unwrap()
            .insert(doc.uri.clone(), doc.version);
        self.docs.insert(doc.uri.clone(), doc);
    }
}
