//! Kubernetes manifests: the containers of workloads (Deployment, StatefulSet,
//! DaemonSet, ReplicaSet, Job, CronJob, Pod), their `resources.limits.memory` and
//! `env`, the ConfigMaps that set `GOMEMLIMIT`, and the in-place edit that adds a
//! `GOMEMLIMIT` entry to a container's `env`.
//!
//! Reading uses a real YAML parser (serde-saphyr, with source spans); writing is a
//! text insertion at the place the spans point to, so comments, key order and
//! indentation stay as they were. Every edit is checked by parsing the result.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::quantity;
use crate::finding::{apply_edits, Edit};

const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// Kinds of other API groups whose `spec.template.spec` is a pod kept
/// running: (API group, kind). Knative's `Service` (a revision's
/// Deployment) and `ContainerSource` (a Deployment its controller makes).
const POD_TEMPLATE_KINDS: &[(&str, &str)] = &[
    ("serving.knative.dev", "Service"),
    ("sources.knative.dev", "ContainerSource"),
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KindOnly {
    kind: Option<String>,
    api_version: Option<String>,
}

#[derive(Deserialize)]
struct RawWorkload {
    metadata: Option<RawMeta>,
    spec: Option<RawSpec>,
}

#[derive(Deserialize)]
struct RawMeta {
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSpec {
    containers: Option<Vec<Spanned<RawContainer>>>,
    template: Option<Box<RawTemplate>>,
    job_template: Option<Box<RawTemplate>>,
}

#[derive(Deserialize)]
struct RawTemplate {
    spec: Option<RawSpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawContainer {
    name: Option<String>,
    image: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    command: Option<Vec<Value>>,
    #[serde(default, deserialize_with = "lenient")]
    args: Option<Vec<Value>>,
    env: Option<Spanned<Vec<Spanned<RawEnv>>>>,
    #[serde(default, deserialize_with = "lenient")]
    env_from: Option<Vec<RawEnvFrom>>,
    /// Read as any value: a Helm template's `resources: {{ toYaml ... }}`
    /// masks to a scalar, which must not cost the whole document.
    resources: Option<Value>,
}

/// A field read as `T` when it is one, else as absent: a Helm template's
/// `args: {{ toYaml .Values.args | nindent 8 }}` masks to a scalar, which must
/// not cost the whole document (and the other containers in it).
fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let v = Value::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

#[derive(Deserialize)]
struct RawEnv {
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEnvFrom {
    config_map_ref: Option<RawMeta>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConfigMap {
    metadata: Option<RawMeta>,
    data: Option<BTreeMap<String, Value>>,
    string_data: Option<BTreeMap<String, Value>>,
}

/// Where a container's `env` list stands in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvSite {
    /// No `env` key.
    Missing,
    /// A block sequence; the byte offsets of each item's first key.
    Block(Vec<usize>),
    /// `env: []`: the byte range of the brackets.
    EmptyFlow(usize, usize),
    /// A non-empty flow sequence (`env: [{name: A, value: b}]`): not edited.
    Flow,
}

#[derive(Debug, Clone)]
pub struct Container {
    /// `Deployment orders`.
    pub workload: String,
    pub name: String,
    pub image: String,
    /// `command` and `args`, as text.
    pub command: Vec<String>,
    /// The programs `command` runs (with `args` when `command` waits for a
    /// program or a script, `sh -c`); none without `command`: `args` are the
    /// image entrypoint's arguments, unless the first is a program's path
    /// (`is_program_path`). A script the repository holds is read for the
    /// programs it runs where the manifest is tied (`script_programs`).
    pub programs: Vec<String>,
    /// `command` is a shell given its script inline (`[bash, -c]` with the
    /// script in `args`): the container runs what the script runs and
    /// nothing else, the image's entrypoint included (see `says_what_runs`).
    pub inline_script: bool,
    /// `resources.limits.memory` as written, and in bytes when it parses.
    pub memory_limit: Option<(String, Option<u64>)>,
    /// An `env` entry named `GOMEMLIMIT`.
    pub sets_gomemlimit: bool,
    /// `env` entries whose value is a ko image reference (`APISERVER_RA_IMAGE:
    /// ko://example.com/acme/cmd/adapter`): images the program is handed to
    /// run (a controller that makes pods of them). (name, import path)
    pub ko_env: Vec<(String, String)>,
    /// ConfigMaps it takes all keys of (`envFrom`; Secrets are not counted:
    /// they hold credentials, not runtime settings).
    pub env_from: Vec<String>,
    /// Byte offset of the container mapping's first key, and that key's column.
    pub start: usize,
    pub key_column: usize,
    pub env: EnvSite,
    /// Index of the YAML document in the file, and of the container in its pod spec.
    pub doc: usize,
    pub path: Vec<String>,
    pub index: usize,
}

impl Container {
    /// True when the manifest itself says what the container runs: a
    /// `command` naming programs, or a shell script given inline (which runs
    /// only what it names, perhaps nothing but `sleep`). Otherwise the image's
    /// entrypoint runs, and names are all there is to go by.
    pub fn says_what_runs(&self) -> bool {
        !self.programs.is_empty() || self.inline_script
    }
}

#[derive(Debug, Clone)]
pub struct Manifest {
    pub path: PathBuf,
    pub text: String,
    pub containers: Vec<Container>,
    /// ConfigMaps (and Secrets, by name) whose data has a `GOMEMLIMIT` key.
    pub maps_setting_limit: Vec<String>,
    /// Every ConfigMap defined in the file, by name.
    pub maps_seen: Vec<String>,
}

/// One YAML document of a multi-document file: its text and where it starts.
#[derive(Debug, Clone, Copy)]
pub struct DocSpan {
    pub start: usize,
    pub end: usize,
}

/// The documents of a YAML stream, split at `---` and `...` lines (a line that
/// starts with them is always a marker: block content at the top is indented).
pub fn documents(text: &str) -> Vec<DocSpan> {
    let mut out = vec![];
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let here = offset;
        offset += line.len();
        let marker = |m: &str| {
            line.strip_prefix(m)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']))
        };
        if marker("---") || marker("...") {
            out.push(DocSpan { start, end: here });
            start = offset;
        }
    }
    out.push(DocSpan {
        start,
        end: text.len(),
    });
    out
}

/// A YAML document read as `T`. A key written twice keeps its last value, as
/// Kubernetes' own reader (sigs.k8s.io/yaml, go-yaml v2 unstrict) does: a
/// Deployment that repeats `imagePullPolicy:` applies, so it must not read as
/// no workload; a masked Helm template shows both of two `{{ if }}` blocks that
/// each write a key.
fn read<T: serde::de::DeserializeOwned>(doc: &str) -> Result<T, serde_saphyr::Error> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins,
    };
    serde_saphyr::from_str_with_options(doc, options)
}

/// True when a document of YAML stream `text` writes a key twice (it reads
/// only with [`read`]'s last-value policy).
fn repeats_a_key(text: &str) -> bool {
    documents(text)
        .iter()
        .any(|d| serde_saphyr::from_str::<Value>(&text[d.start..d.end]).is_err())
}

/// How many documents of YAML stream `text` do not read (empty ones read).
pub(super) fn unreadable_documents(text: &str) -> usize {
    documents(text)
        .iter()
        .filter(|d| read::<Value>(&text[d.start..d.end]).is_err())
        .count()
}

impl Manifest {
    /// Reads every workload and ConfigMap of a YAML file. None when no document
    /// is a Kubernetes workload (a compose file, a CI config, a Helm template;
    /// a Helm template's masked text is read by this too).
    pub fn parse(path: &Path, text: &str) -> Option<Manifest> {
        if !text.contains("kind:") {
            return None;
        }
        let mut containers = vec![];
        let mut maps_setting_limit = vec![];
        let mut maps_seen = vec![];
        for (doc_index, span) in documents(text).iter().enumerate() {
            let doc = &text[span.start..span.end];
            let Ok(Some(head)) = read::<Option<KindOnly>>(doc) else {
                continue;
            };
            let kind = head.kind.unwrap_or_default();
            if kind == "ConfigMap" || kind == "Secret" {
                if let Ok(Some(map)) = read::<Option<RawConfigMap>>(doc) {
                    let has = [&map.data, &map.string_data]
                        .iter()
                        .any(|d| d.as_ref().is_some_and(|d| d.contains_key("GOMEMLIMIT")));
                    let name = map.metadata.and_then(|m| m.name).unwrap_or_default();
                    if kind == "ConfigMap" {
                        maps_seen.push(name.clone());
                    }
                    if has {
                        maps_setting_limit.push(name);
                    }
                }
                continue;
            }
            let group = head.api_version.as_deref().unwrap_or("");
            let group = group.split('/').next().unwrap_or("");
            if !WORKLOAD_KINDS.contains(&kind.as_str())
                && !POD_TEMPLATE_KINDS.contains(&(group, kind.as_str()))
            {
                continue;
            }
            let Ok(Some(w)) = read::<Option<RawWorkload>>(doc) else {
                continue;
            };
            let workload = format!(
                "{kind} {}",
                w.metadata.and_then(|m| m.name).unwrap_or_default()
            );
            let (pod, path) = match (kind.as_str(), w.spec) {
                ("Pod", Some(spec)) => (Some(spec), vec!["spec"]),
                ("CronJob", Some(spec)) => (
                    spec.job_template
                        .and_then(|t| t.spec)
                        .and_then(|s| s.template)
                        .and_then(|t| t.spec),
                    vec!["spec", "jobTemplate", "spec", "template", "spec"],
                ),
                (_, Some(spec)) => (
                    spec.template.and_then(|t| t.spec),
                    vec!["spec", "template", "spec"],
                ),
                _ => (None, vec![]),
            };
            let Some(list) = pod.and_then(|p| p.containers) else {
                continue;
            };
            for (index, c) in list.into_iter().enumerate() {
                containers.push(container(
                    doc, span.start, &workload, doc_index, &path, index, c,
                ));
            }
        }
        if containers.is_empty() && maps_seen.is_empty() && maps_setting_limit.is_empty() {
            return None;
        }
        Some(Manifest {
            path: path.to_path_buf(),
            text: text.to_string(),
            containers,
            maps_setting_limit,
            maps_seen,
        })
    }

    /// The edit adding a `GOMEMLIMIT` entry to container `c`'s `env` (creating
    /// the list when there is none), checked by parsing the result: every
    /// document must read as before plus that one entry, and every comment line
    /// must still be there. None when the text is laid out in a way this does
    /// not edit (a non-empty flow sequence, tabs, an anchor).
    pub fn add_env_edit(&self, c: &Container, value: &EnvValue) -> Option<Edit> {
        let text = &self.text;
        let edit = match &c.env {
            EnvSite::Flow => return None,
            EnvSite::Block(items) => {
                let first = *items.first()?;
                let ls = line_start(text, first);
                let dash_prefix = &text[ls..first];
                if !dash_prefix.trim_start().starts_with('-') || dash_prefix.contains('\t') {
                    return None;
                }
                let item_col = first - ls;
                // Last in the list, after the last entry's own lines and the
                // comments at the list's column below it: the entries keep
                // their places (a chart's tests and a patch may read them by
                // index), and a comment speaking of the lines above it
                // ("uncomment to trace the two lines above") still does.
                let last = *items.last()?;
                let dash_col = dash_prefix.len() - dash_prefix.trim_start().len();
                let at = comments_after(text, block_end(text, last, dash_col), dash_col);
                Edit::new(
                    at,
                    at,
                    after_last_line(text, at, value.item(dash_prefix, item_col)),
                )
            }
            EnvSite::EmptyFlow(s, e) => {
                let dash_col = c.key_column + sequence_indent(text, c);
                let prefix = format!("{}- ", " ".repeat(dash_col));
                let item = value.item(&prefix, dash_col + 2);
                // `env: []` becomes `env:` and the block below it.
                let before = text[..*s].trim_end_matches(' ');
                Edit::new(
                    before.len(),
                    *e,
                    format!("\n{}", item.trim_end_matches('\n')),
                )
            }
            EnvSite::Missing => {
                let dash_col = c.key_column + sequence_indent(text, c);
                let prefix = format!("{}- ", " ".repeat(dash_col));
                let item = value.item(&prefix, dash_col + 2);
                let block = format!("{}env:\n{item}", " ".repeat(c.key_column));
                // Before `resources:` and the comments written over it at its
                // column (`# TODO: set the limits` belongs to that key).
                let at = key_line(text, c, "resources")
                    .map(|at| comments_before(text, at, c.key_column))
                    .unwrap_or_else(|| block_end(text, c.start, c.key_column.saturating_sub(1)));
                Edit::new(at, at, after_last_line(text, at, block))
            }
        };
        self.verify(c, &edit, value).then_some(edit)
    }

    /// A comment inside container `c`'s `env` block list that says its
    /// entries are made by something else (`# DO NOT MODIFY: the values
    /// below are filled by the ping source controller`): (line, comment).
    /// What the list's own comment says of it is evidence about where an
    /// entry belongs, not about whether one is needed.
    pub fn env_managed_elsewhere(&self, c: &Container) -> Option<(usize, String)> {
        let EnvSite::Block(items) = &c.env else {
            return None;
        };
        let text = &self.text;
        let (first, last) = (*items.first()?, *items.last()?);
        let ls = line_start(text, first);
        let dash_col = text[ls..first].len() - text[ls..first].trim_start().len();
        let end = comments_after(text, block_end(text, last, dash_col), dash_col);
        lines_from(&text[..end], ls).find_map(|(offset, line)| {
            let comment = line.trim();
            let lower = comment.to_ascii_lowercase();
            (comment.starts_with('#')
                && indent_of(line) >= dash_col
                && MANAGED_MARKS.iter().any(|m| lower.contains(m)))
            .then(|| {
                let line = text[..offset].matches('\n').count() + 1;
                (line, comment.to_string())
            })
        })
    }

    fn verify(&self, c: &Container, edit: &Edit, value: &EnvValue) -> bool {
        let after = apply_edits(&self.text, std::slice::from_ref(edit));
        reads_as_before_plus_entry(&self.text, &after, c, value)
            && comments_kept(&self.text, &after)
    }
}

/// True when every document of `after` parses and reads as `before`'s plus
/// `value` in the `env` of container `c` (the list made when missing), the
/// other entries in their order.
pub(super) fn reads_as_before_plus_entry(
    before: &str,
    after: &str,
    c: &Container,
    value: &EnvValue,
) -> bool {
    let parse_all = |t: &str| -> Option<Vec<Value>> {
        documents(t)
            .iter()
            .map(|d| read::<Value>(&t[d.start..d.end]).ok())
            .collect()
    };
    let (Some(mut expected), Some(got)) = (parse_all(before), parse_all(after)) else {
        return false;
    };
    // Read with a repeated key's last value, an edit that writes a second
    // `env:` would pass: what had no repeated key must not gain one.
    if repeats_a_key(after) && !repeats_a_key(before) {
        return false;
    }
    let Some(list) = env_list(&mut expected, c).and_then(|l| l.as_array().cloned()) else {
        return false;
    };
    // Exactly one entry added, `value`, the others kept in their order: last
    // in a list (`add_env_edit`), or first in what earlier fixes made.
    (0..=list.len()).rev().any(|i| {
        let mut with = list.clone();
        with.insert(i, value.as_json());
        let mut e = expected.clone();
        match env_list(&mut e, c) {
            Some(env) => *env = Value::Array(with),
            None => return false,
        }
        e == got
    })
}

/// The `env` of container `c` in the parsed documents `docs`, made an empty
/// list when missing or null; None when the container is not there or its
/// `env` is no list.
fn env_list<'v>(docs: &'v mut [Value], c: &Container) -> Option<&'v mut Value> {
    let mut node = docs.get_mut(c.doc)?;
    for key in &c.path {
        node = node.get_mut(key.as_str())?;
    }
    let container = node
        .get_mut("containers")
        .and_then(|l| l.get_mut(c.index))
        .and_then(Value::as_object_mut)?;
    let env = container
        .entry("env")
        .or_insert_with(|| Value::Array(vec![]));
    if env.is_null() {
        *env = Value::Array(vec![]);
    }
    env.is_array().then_some(env)
}

/// True when every comment line of `before` is still in `after`.
pub(super) fn comments_kept(before: &str, after: &str) -> bool {
    let comments = |t: &str| -> Vec<String> {
        let mut v: Vec<String> = t
            .lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .map(|l| l.trim().to_string())
            .collect();
        v.sort();
        v
    };
    let (b, a) = (comments(before), comments(after));
    b.iter().all(|c| a.binary_search(c).is_ok())
}

/// The `GOMEMLIMIT` entry to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// `value: "<mib>MiB"`, with a comment naming where it came from.
    Fixed { mib: u64, comment: String },
    /// `valueFrom.resourceFieldRef.resource: limits.memory`: says where it
    /// comes from itself, so it carries no comment.
    FromLimit,
}

impl EnvValue {
    /// The list item's lines: `dash_prefix` opens the first, `col` indents the rest.
    pub(super) fn item(&self, dash_prefix: &str, col: usize) -> String {
        let pad = " ".repeat(col);
        match self {
            EnvValue::Fixed { mib, comment } => format!(
                "{dash_prefix}name: GOMEMLIMIT\n{pad}value: \"{mib}MiB\" # {comment}\n"
            ),
            EnvValue::FromLimit => format!(
                "{dash_prefix}name: GOMEMLIMIT\n{pad}valueFrom:\n{pad}  resourceFieldRef:\n{pad}    resource: limits.memory\n"
            ),
        }
    }

    pub(super) fn as_json(&self) -> Value {
        match self {
            EnvValue::Fixed { mib, .. } => {
                serde_json::json!({"name": "GOMEMLIMIT", "value": format!("{mib}MiB")})
            }
            EnvValue::FromLimit => serde_json::json!({
                "name": "GOMEMLIMIT",
                "valueFrom": {"resourceFieldRef": {"resource": "limits.memory"}}
            }),
        }
    }
}

/// True when a word is a program's path: absolute or `./`, naming a script
/// (`.sh`) or a file with no extension (`/registration-operator`), not a
/// flag, an assignment or a folder (`/data/`).
fn is_program_path(word: &str) -> bool {
    let w = word.trim();
    let Some(rest) = w.strip_prefix('/').or_else(|| w.strip_prefix("./")) else {
        return false;
    };
    let base = rest.rsplit('/').next().unwrap_or(rest);
    !base.is_empty()
        && !w.contains(|c: char| c.is_whitespace() || c == '=' || c == '$' || c == '{')
        && (base.ends_with(".sh") || !base.contains('.'))
}

fn container(
    doc: &str,
    base: usize,
    workload: &str,
    doc_index: usize,
    path: &[&str],
    index: usize,
    c: Spanned<RawContainer>,
) -> Container {
    let start = base + c.referenced.span().byte_offset().unwrap_or(0) as usize;
    let key_column = c.referenced.column().saturating_sub(1) as usize;
    let raw = c.value;
    let words = |v: &Option<Vec<Value>>| -> Vec<String> {
        v.iter()
            .flatten()
            .map(|w| match w {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    };
    let mut command = words(&raw.command);
    let args = words(&raw.args);
    let mut inline_script = false;
    let programs = if command.is_empty() {
        // `args` alone are the image entrypoint's arguments, unless the first
        // is a program's path (`args: [/app/start.sh, --flag]`): an image with
        // no entrypoint runs it, and no entrypoint takes a program as its
        // first argument but one that runs it (`tini`).
        match args.first() {
            Some(first) if is_program_path(first) => super::command::of_exec(&args).run,
            _ => vec![],
        }
    } else {
        let p = super::command::of_exec(&command);
        inline_script = p.inline_script;
        let mut run = p.run;
        if p.args_are_script {
            if let Some(script) = args.first() {
                inline_script = true;
                run.extend(super::command::of_script(script).run);
            }
        } else if p.runs_args {
            run.extend(super::command::of_exec(&args).run);
        }
        run
    };
    command.extend(args);
    let memory_limit = raw
        .resources
        .as_ref()
        .and_then(|r| r.get("limits")?.get("memory"))
        .filter(|m| !m.is_null())
        .cloned()
        .map(|m| {
            let text = match m {
                Value::String(s) => s,
                other => other.to_string(),
            };
            let bytes = quantity::kubernetes_bytes(&text);
            (text, bytes)
        });
    let ko_env: Vec<(String, String)> = raw
        .env
        .iter()
        .flat_map(|l| &l.value)
        .filter_map(|e| {
            let v = e.value.value.as_deref()?.trim();
            let p = v.strip_prefix("ko://")?.trim_end_matches('/');
            Some((e.value.name.clone().unwrap_or_default(), p.to_string()))
        })
        .collect();
    let (env, sets_gomemlimit) = match raw.env {
        None => (EnvSite::Missing, false),
        Some(list) => {
            let at = list.referenced.span().byte_offset().unwrap_or(0) as usize;
            let sets = list
                .value
                .iter()
                .any(|e| e.value.name.as_deref() == Some("GOMEMLIMIT"));
            let site = if doc[at..].starts_with('[') {
                if list.value.is_empty() {
                    let len = list.referenced.span().byte_len().unwrap_or(1) as usize;
                    let close = doc[at..].find(']').map_or(at + len, |i| at + i + 1);
                    EnvSite::EmptyFlow(base + at, base + close)
                } else {
                    EnvSite::Flow
                }
            } else if list.value.is_empty() {
                // `env:` with nothing after it (null): treat as missing key text-wise.
                EnvSite::Flow
            } else {
                EnvSite::Block(
                    list.value
                        .iter()
                        .map(|e| base + e.referenced.span().byte_offset().unwrap_or(0) as usize)
                        .collect(),
                )
            };
            (site, sets)
        }
    };
    let env_from = raw
        .env_from
        .iter()
        .flatten()
        .filter_map(|e| e.config_map_ref.as_ref().and_then(|r| r.name.clone()))
        .collect();
    Container {
        workload: workload.to_string(),
        name: raw.name.unwrap_or_default(),
        image: raw.image.unwrap_or_default(),
        command,
        programs,
        inline_script,
        memory_limit,
        sets_gomemlimit,
        ko_env,
        env_from,
        start,
        key_column,
        env,
        doc: doc_index,
        path: path.iter().map(|s| s.to_string()).collect(),
        index,
    }
}

/// `lines` to insert at `at`, opened with a newline when `at` ends a last line
/// that has none.
fn after_last_line(text: &str, at: usize, lines: String) -> String {
    if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
        format!("\n{}", lines.trim_end_matches('\n'))
    } else {
        lines
    }
}

/// What a comment says when the lines it sits among are written by a
/// program, not by hand.
const MANAGED_MARKS: &[&str] = &[
    "do not modify",
    "do not edit",
    "don't modify",
    "don't edit",
    "filled by",
    "filled in by",
    "populated by",
    "overwritten by",
    "overridden by",
    "replaced by",
    "managed by",
    "injected by",
];

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The offset just after the last content line of the block that starts at `at`:
/// it ends before the first later line, not blank and not a comment, indented at
/// `col` or less.
fn block_end(text: &str, at: usize, col: usize) -> usize {
    let next = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    let mut end = next;
    for (offset, line) in lines_from(text, next) {
        let content = line.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if indent_of(line) <= col {
            break;
        }
        end = offset + line.len();
    }
    if end == text.len() && !text.ends_with('\n') {
        // The block is the file's last line and has no newline: the edit adds one.
        return end;
    }
    end
}

/// Past the comment lines from `at` on indented at `col` or more (blank lines
/// between them too): the end of the last one, or `at`.
fn comments_after(text: &str, at: usize, col: usize) -> usize {
    let mut end = at;
    for (offset, line) in lines_from(text, at) {
        let content = line.trim();
        if content.starts_with('#') && indent_of(line) >= col {
            end = offset + line.len();
        } else if !content.is_empty() {
            break;
        }
    }
    end
}

/// The start of the comment lines at column `col` directly above the line
/// starting at `at` (no blank line between), or `at` when there are none.
fn comments_before(text: &str, at: usize, col: usize) -> usize {
    let mut start = at;
    while start > 0 {
        let prev = line_start(text, start - 1);
        let line = &text[prev..start];
        if !(line.trim().starts_with('#') && indent_of(line) == col) {
            break;
        }
        start = prev;
    }
    start
}

/// The lines of `text` from offset `from` (a line's start) on, each with its
/// start offset and its newline.
fn lines_from(text: &str, from: usize) -> impl Iterator<Item = (usize, &str)> {
    text[from..]
        .split_inclusive('\n')
        .scan(from, |offset, line| {
            let start = *offset;
            *offset += line.len();
            Some((start, line))
        })
}

/// The start of the line holding key `key` of container `c`, when at its column.
fn key_line(text: &str, c: &Container, key: &str) -> Option<usize> {
    for (i, (offset, line)) in lines_from(text, line_start(text, c.start)).enumerate() {
        let content = line.trim();
        if i == 0 || content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = indent_of(line);
        if indent < c.key_column {
            return None;
        }
        if indent == c.key_column && content.starts_with(&format!("{key}:")) {
            return Some(offset);
        }
    }
    None
}

/// How far this file indents a block sequence under its key: the container's
/// dash column minus the `containers:` key column (0 or 2 in practice).
fn sequence_indent(text: &str, c: &Container) -> usize {
    let ls = line_start(text, c.start);
    let prefix = &text[ls..c.start];
    let Some(dash) = prefix.find('-') else {
        return 2;
    };
    let mut at = ls;
    while at > 0 {
        let prev = line_start(text, at - 1);
        let line = &text[prev..at];
        if line.trim_start().starts_with("containers:") {
            return dash.saturating_sub(indent_of(line));
        }
        at = prev;
    }
    2
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "\
# The orders service.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  template:
    spec:
      containers:
        - name: orders # the Go service
          image: ghcr.io/acme/orders:1.4
          env:
            - name: LOG_LEVEL
              value: info
            # more settings come from the ConfigMap
          resources:
            limits:
              memory: 1Gi
        - name: proxy
          image: envoyproxy/envoy:v1.30
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: shared
data:
  GOMEMLIMIT: 500MiB
";

    fn fixed(mib: u64) -> EnvValue {
        EnvValue::Fixed {
            mib,
            comment: "c".into(),
        }
    }

    #[test]
    fn reads_containers_limits_and_maps() {
        let m = Manifest::parse(Path::new("k.yaml"), TWO).unwrap();
        assert_eq!(m.containers.len(), 2);
        let c = &m.containers[0];
        assert_eq!(
            (c.workload.as_str(), c.name.as_str()),
            ("Deployment orders", "orders")
        );
        assert_eq!(c.memory_limit, Some(("1Gi".into(), Some(1 << 30))));
        assert!(!c.sets_gomemlimit);
        assert!(matches!(c.env, EnvSite::Block(ref v) if v.len() == 1));
        assert_eq!(m.containers[1].env, EnvSite::Missing);
        assert_eq!(m.maps_setting_limit, vec!["shared"]);
    }

    #[test]
    fn a_key_written_twice_keeps_its_last_value() {
        // `kubectl apply` takes this Deployment (the second pull policy wins);
        // reading it as no workload lost the container and what runs it.
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: probe\nspec:\n  template:\n    spec:\n      containers:\n        - name: probe\n          image: registry.example/team/probe:v1\n          imagePullPolicy: Always\n          args: [\"--v=2\"]\n          imagePullPolicy: IfNotPresent\n          resources:\n            limits:\n              memory: 64Mi\n";
        let m = Manifest::parse(Path::new("d.yaml"), text).expect("a workload");
        assert_eq!(m.containers.len(), 1);
        assert_eq!(m.containers[0].name, "probe");
        assert_eq!(
            m.containers[0].memory_limit,
            Some(("64Mi".into(), Some(64 << 20)))
        );
        let e = m
            .add_env_edit(&m.containers[0], &fixed(57))
            .expect("an edit");
        assert!(apply_edits(text, &[e]).contains("- name: GOMEMLIMIT"));
        // An `env:` holding only comments reads as no list; a second `env:`
        // key below it would be a repeated key the file did not have.
        let null_env = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: probe\nspec:\n  template:\n    spec:\n      containers:\n      - name: probe\n        image: registry.example/team/probe:v1\n        env:\n          # - name: TRACE\n          #   value: \"1\"\n        resources:\n          limits:\n            memory: 64Mi\n";
        let m = Manifest::parse(Path::new("d.yaml"), null_env).expect("a workload");
        assert!(m.add_env_edit(&m.containers[0], &fixed(57)).is_none());
    }

    #[test]
    fn adds_last_to_an_existing_env_list() {
        let m = Manifest::parse(Path::new("k.yaml"), TWO).unwrap();
        let e = m.add_env_edit(&m.containers[0], &fixed(921)).unwrap();
        let out = apply_edits(TWO, &[e]);
        assert!(out.contains(
            "          env:\n            - name: LOG_LEVEL\n              value: info\n            # more settings come from the ConfigMap\n            - name: GOMEMLIMIT\n              value: \"921MiB\" # c\n          resources:"
        ), "{out}");
    }

    #[test]
    fn a_new_env_goes_above_the_comments_of_resources() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: keeper\nspec:\n  template:\n    spec:\n      containers:\n      - name: keeper\n        image: acme/keeper\n        # ports the probe uses\n        ports:\n        - containerPort: 80\n        # TODO: size these for production.\n        # See the capacity notes.\n        resources:\n          limits:\n            memory: 64Mi\n";
        let m = Manifest::parse(Path::new("k.yaml"), text).unwrap();
        let edit = m
            .add_env_edit(&m.containers[0], &EnvValue::FromLimit)
            .unwrap();
        let after = apply_edits(text, &[edit]);
        assert!(
            after.contains(
                "        - containerPort: 80\n        env:\n        - name: GOMEMLIMIT\n"
            ),
            "{after}"
        );
        assert!(
            after.contains("              resource: limits.memory\n        # TODO: size these for production.\n        # See the capacity notes.\n        resources:\n"),
            "{after}"
        );
    }

    #[test]
    fn comments_after_the_last_entry_stay_with_it() {
        // A comment may speak of the lines above it ("the two lines above"),
        // and entries commented out stay where they are: the new entry goes
        // after them, last in the list, and the entries keep their indices.
        let text = "kind: Pod\nspec:\n  containers:\n  - name: api\n    env:\n    # read by the config loader\n    - name: A\n      value: b\n    # uncomment to trace the two lines above\n    # - name: TRACE\n  # the pod's settings\n    resources: {limits: {memory: 1Gi}}\n";
        let m = Manifest::parse(Path::new("p.yaml"), text).unwrap();
        let out = apply_edits(
            text,
            &[m.add_env_edit(&m.containers[0], &EnvValue::FromLimit)
                .unwrap()],
        );
        assert_eq!(
            out,
            "kind: Pod\nspec:\n  containers:\n  - name: api\n    env:\n    # read by the config loader\n    - name: A\n      value: b\n    # uncomment to trace the two lines above\n    # - name: TRACE\n    - name: GOMEMLIMIT\n      valueFrom:\n        resourceFieldRef:\n          resource: limits.memory\n  # the pod's settings\n    resources: {limits: {memory: 1Gi}}\n"
        );
    }

    #[test]
    fn adds_to_a_list_at_an_end_of_file_without_newline() {
        let text = "kind: Pod\nspec:\n  containers:\n  - name: api\n    resources: {limits: {memory: 1Gi}}\n    env:\n    - name: A\n      value: b";
        let m = Manifest::parse(Path::new("p.yaml"), text).unwrap();
        let out = apply_edits(
            text,
            &[m.add_env_edit(&m.containers[0], &fixed(921)).unwrap()],
        );
        assert!(
            out.ends_with("    env:\n    - name: A\n      value: b\n    - name: GOMEMLIMIT\n      value: \"921MiB\" # c"),
            "{out}"
        );
    }

    #[test]
    fn leaves_flow_lists_alone() {
        let text = "kind: Pod\nspec:\n  containers:\n  - {name: api, image: api, env: [{name: A, value: b}]}\n";
        let m = Manifest::parse(Path::new("p.yaml"), text).unwrap();
        assert_eq!(m.containers[0].env, EnvSite::Flow);
        assert!(m.add_env_edit(&m.containers[0], &fixed(1)).is_none());
    }

    #[test]
    fn splits_documents() {
        let d = documents("a: 1\n---\nb: 2\n--- # x\nc: 3\n...\n");
        assert_eq!(d.len(), 4);
        assert_eq!((d[1].start, d[1].end), (9, 14));
    }

    #[test]
    fn not_kubernetes() {
        assert!(Manifest::parse(Path::new("c.yml"), "services:\n  api:\n    image: x\n").is_none());
        assert!(Manifest::parse(Path::new("t.yaml"), "kind: {{ .Values.kind }}\n").is_none());
    }

    #[test]
    fn args_that_start_with_a_program_run_it() {
        assert!(is_program_path("/registration-operator"));
        assert!(is_program_path("/kube-ovn/start-controller.sh"));
        assert!(is_program_path("./manager"));
        assert!(!is_program_path("--leader-elect"));
        assert!(!is_program_path("/etc/config.yaml"));
        assert!(!is_program_path("serve"));
        assert!(!is_program_path("/opt/${NAME}"));
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: op\nspec:\n  template:\n    spec:\n      containers:\n      - name: op\n        image: acme/op\n        args: [\"/op\", \"run\"]\n      - name: side\n        image: acme/side\n        args: [\"--v=2\"]\n";
        let m = Manifest::parse(Path::new("/r/op.yaml"), text).unwrap();
        assert_eq!(m.containers[0].programs, vec!["/op".to_string()]);
        assert!(m.containers[1].programs.is_empty());
    }

    #[test]
    fn knative_kinds_hold_a_pod_and_ko_images_in_env_are_read() {
        let text = "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: display\nspec:\n  template:\n    spec:\n      containers:\n      - image: ko://example.com/x/cmd/display\n        env:\n        - name: HELPER_IMAGE\n          value: ko://example.com/x/cmd/helper\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: plain\nspec:\n  ports: []\n---\napiVersion: example.org/v1\nkind: Service\nmetadata:\n  name: other\nspec:\n  template:\n    spec:\n      containers:\n      - image: acme/other\n";
        let m = Manifest::parse(Path::new("/r/k.yaml"), text).unwrap();
        assert_eq!(m.containers.len(), 1);
        assert_eq!(m.containers[0].workload, "Service display");
        assert_eq!(
            m.containers[0].ko_env,
            vec![(
                "HELPER_IMAGE".to_string(),
                "example.com/x/cmd/helper".to_string()
            )]
        );
    }

    #[test]
    fn an_env_list_whose_comment_says_a_program_fills_it() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: acme/a\n        env:\n        - name: X\n          value: y\n        # DO NOT MODIFY: the values below are filled by the controller\n        - name: Z\n          value: ''\n      - name: b\n        image: acme/b\n        env:\n        # tuning\n        - name: X\n          value: y\n";
        let m = Manifest::parse(Path::new("/r/a.yaml"), text).unwrap();
        let (line, comment) = m.env_managed_elsewhere(&m.containers[0]).unwrap();
        assert_eq!(line, 14);
        assert!(comment.starts_with("# DO NOT MODIFY"));
        assert!(m.env_managed_elsewhere(&m.containers[1]).is_none());
    }
}
