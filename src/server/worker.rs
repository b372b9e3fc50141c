//! The analysis thread: the main loop hands it jobs and goes back to reading
//! the client, so typing is never blocked by an analysis. Latest wins: of the
//! jobs waiting, only the newest analysis of each document is done, one whose
//! document has changed again since is dropped before and after it runs, and a
//! request on an outdated text or one the client cancelled is answered with an
//! error instead of a result.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionKind, Diagnostic, MessageType, Position, PublishDiagnosticsParams, Range,
    ShowMessageParams, Uri,
};
use serde_json::json;

use crate::config::Config;

use super::actions::{self, Client};
use super::config::SettingsCache;
use super::diagnostics::{analyze, diagnostics, Analyzed};
use super::hover;

/// One version of an open document.
#[derive(Clone)]
pub struct Doc {
    pub uri: Uri,
    pub path: PathBuf,
    pub version: i32,
    pub text: Arc<String>,
}

pub enum Job {
    /// Analyse and publish; `fresh`: even when this version was analysed
    /// already (a file around it changed on disk).
    Analyze {
        doc: Doc,
        fresh: bool,
    },
    Close(Uri),
    Request {
        id: RequestId,
        doc: Doc,
        req: Req,
    },
    /// New client settings (`workspace/didChangeConfiguration`).
    Settings(Config),
}

pub enum Req {
    CodeAction {
        range: Range,
        only: Option<Vec<CodeActionKind>>,
    },
    Hover(Position),
    /// `workspace/executeCommand` gomemfix.fixAll: the edit goes to the client
    /// as a `workspace/applyEdit` request.
    FixAll,
}

/// What the main loop and the worker both see.
#[derive(Default)]
pub struct Shared {
    /// The newest version of each open document.
    pub versions: Mutex<HashMap<Uri, i32>>,
    pub cancelled: Mutex<HashSet<RequestId>>,
}

impl Shared {
    fn is_current(&self, doc: &Doc) -> bool {
        self.versions.lock().unwrap().get(&doc.uri) == Some(&doc.version)
    }
}

/// Where the worker's messages go: the connection's writer.
pub type Out = Box<dyn Fn(Message) + Send>;

pub fn spawn(
    out: Out,
    shared: Arc<Shared>,
    client: Client,
    settings: Config,
) -> std::io::Result<(mpsc::Sender<Job>, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name("gomemfix-analysis".into())
        .stack_size(crate::cli::WORKER_STACK)
        .spawn(move || {
            let mut w = Worker {
                out,
                shared,
                client,
                settings: SettingsCache::new(settings),
                last: HashMap::new(),
                good: HashMap::new(),
                told: HashSet::new(),
                next_request: 0,
            };
            w.run(rx);
        })?;
    Ok((tx, handle))
}

struct Worker {
    out: Out,
    shared: Arc<Shared>,
    client: Client,
    settings: SettingsCache,
    /// The latest analysis of each document.
    last: HashMap<Uri, Arc<Analyzed>>,
    /// The diagnostics of each document's latest analysis that parsed whole,
    /// at their places in that version.
    good: HashMap<Uri, Vec<Diagnostic>>,
    /// Messages shown once (a broken gomemfix.toml).
    told: HashSet<String>,
    next_request: u64,
}

impl Worker {
    fn run(&mut self, rx: mpsc::Receiver<Job>) {
        while let Ok(first) = rx.recv() {
            let mut batch: Vec<Option<Job>> = vec![Some(first)];
            batch.extend(rx.try_iter().map(Some));
            // Latest wins: only the last analysis of each document is run,
            // fresh if any of those it replaces was.
            let mut newest: HashMap<Uri, (usize, bool)> = HashMap::new();
            for (i, job) in batch.iter().enumerate() {
                if let Some(Job::Analyze { doc, fresh }) = job {
                    let e = newest.entry(doc.uri.clone()).or_insert((i, false));
                    *e = (i, e.1 || *fresh);
                }
            }
            for (i, job) in batch.iter_mut().enumerate() {
                match job.take().expect("each job once") {
                    Job::Analyze { doc, .. } => {
                        let (last, fresh) = newest[&doc.uri];
                        if last == i {
                            self.publish(&doc, fresh);
                        }
                    }
                    Job::Close(uri) => {
                        self.last.remove(&uri);
                        self.good.remove(&uri);
                        self.send_diagnostics(uri, vec![], None);
                    }
                    Job::Request { id, doc, req } => self.answer(id, &doc, req),
                    Job::Settings(config) => {
                        self.settings.set_client(config);
                        self.last.clear();
                    }
                }
            }
        }
    }

    /// The analysis of this version of the document, reused when it was made.
    fn analysis(&mut self, doc: &Doc, fresh: bool) -> Option<Arc<Analyzed>> {
        if let Some(a) = self.last.get(&doc.uri) {
            if !fresh && a.version == doc.version && a.client_text == doc.text {
                return Some(a.clone());
            }
        }
        let settings = match self.settings.for_file(&doc.path) {
            Ok(s) => s,
            Err(e) => {
                self.tell(MessageType::WARNING, format!("gomemfix: {e}"));
                return None;
            }
        };
        let a = Arc::new(analyze(settings, &doc.path, doc.version, doc.text.clone()));
        self.last.insert(doc.uri.clone(), a.clone());
        Some(a)
    }

    fn publish(&mut self, doc: &Doc, fresh: bool) {
        if !self.shared.is_current(doc) {
            return;
        }
        let Some(a) = self.analysis(doc, fresh) else {
            self.send_diagnostics(doc.uri.clone(), vec![], Some(doc.version));
            return;
        };
        let mut diags = diagnostics(&a, self.client.utf8);
        // A file that does not parse keeps its last good diagnostics in the
        // declarations the parser gave up in (the engine reports nothing
        // there); elsewhere its findings are as fresh as ever.
        if a.parsed {
            self.good.insert(doc.uri.clone(), diags.clone());
        } else if let Some(good) = self.good.get(&doc.uri) {
            let kept: Vec<Diagnostic> = good
                .iter()
                .filter(|d| {
                    let line = d.range.start.line;
                    a.broken.iter().any(|&(s, e)| s <= line && line <= e)
                        && !diags
                            .iter()
                            .any(|n| n.code == d.code && n.range.start.line == line)
                })
                .cloned()
                .collect();
            diags.extend(kept);
        }
        let shown = diags;
        // Typed over while it ran: the newer version's job will publish.
        if self.shared.is_current(doc) {
            self.send_diagnostics(doc.uri.clone(), shown, Some(doc.version));
        }
    }

    fn answer(&mut self, id: RequestId, doc: &Doc, req: Req) {
        if self.shared.cancelled.lock().unwrap().remove(&id) {
            return self.error(id, ErrorCode::RequestCanceled, "cancelled");
        }
        if !self.shared.is_current(doc) {
            return self.error(id, ErrorCode::ContentModified, "the document changed");
        }
        let Some(a) = self.analysis(doc, false) else {
            return self.send(Response::new_ok(id, serde_json::Value::Null).into());
        };
        let result = match req {
            Req::CodeAction { range, only } => json!(actions::code_actions(
                &a,
                &doc.uri,
                range,
                only.as_deref(),
                self.client,
                &mut self.settings,
            )),
            Req::Hover(at) => json!(hover::hover(&a, at, self.client.utf8)),
            Req::FixAll => {
                if let Some(edit) = actions::fix_all(&a, &doc.uri, &mut self.settings) {
                    self.next_request += 1;
                    let apply = Request::new(
                        RequestId::from(format!("gomemfix/applyEdit/{}", self.next_request)),
                        "workspace/applyEdit".into(),
                        json!({"label": "gomemfix: fix all", "edit": edit}),
                    );
                    self.send(apply.into());
                }
                serde_json::Value::Null
            }
        };
        self.send(Response::new_ok(id, result).into());
    }

    fn error(&self, id: RequestId, code: ErrorCode, message: &str) {
        self.send(Response::new_err(id, code as i32, message.into()).into());
    }

    fn send_diagnostics(&self, uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Notification::new("textDocument/publishDiagnostics".into(), params).into());
    }

    fn tell(&mut self, typ: MessageType, message: String) {
        if self.told.insert(message.clone()) {
            let params = ShowMessageParams { typ, message };
            self.send(Notification::new("window/showMessage".into(), params).into());
        }
    }

    fn send(&self, m: Message) {
        (self.out)(m);
    }
}
