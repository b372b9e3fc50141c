//! Helm charts as a place for GM006's fix: which chart of the repository runs
//! a binary, which container of its workload templates runs it, and the text
//! edit that adds a `GOMEMLIMIT` entry first in that container's `env` list.
//!
//! A template is not YAML: the edit is placed by reading its lines and the
//! nesting of its `{{ if }}`/`{{ with }}`/`{{ range }}` actions, and checked by
//! masking the template (each action a placeholder scalar, lines holding only
//! actions dropped) before and after: both must parse, and read the same but
//! for the one added entry.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::kubernetes::{Container, EnvValue, Manifest};
use super::{dockerfile, image_name, image_repository, is_sidecar, mentions, Chart, MainPackage};
use crate::finding::{apply_edits, Edit};
use crate::package::Files;

/// Kinds of workload that keep a service running: a chart of one such
/// template is the service's when nothing names it.
const SERVICE_KINDS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet"];

/// Kinds of workload whose templates are edited when the chart is tied by a
/// name or a command: a chart may run its binary as a CronJob by default
/// (`kind: CronJob` in values, a Deployment on request).
const EDITED_KINDS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];

/// What the fix does with one chart that runs the binary.
#[derive(Debug, Clone)]
pub enum ChartFix {
    /// The edit of template `path`, for the container named `container`.
    Edit {
        path: PathBuf,
        edit: Edit,
        container: String,
    },
    /// No edit of chart (or template) `path`, and why. `needed` when the
    /// chart gives the container of a long-running workload (not a Job) a
    /// memory limit and says nothing of GOMEMLIMIT, but its env list is not
    /// one this tool edits: its installs would go without the entry that an
    /// edit of other manifests adds.
    Skip {
        path: PathBuf,
        why: String,
        needed: bool,
    },
}

/// How a chart ties to a binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChartTie {
    /// Its `name`, an image repository of its values, or the image a
    /// workload container runs names the binary.
    Named,
    /// A container of its workload templates runs it by `command`.
    Commanded,
    /// The repository's one service binary and its one chart, whose one
    /// Deployment/StatefulSet/DaemonSet template runs it.
    OnlyOne,
}

/// True when `chart` runs `main`'s binary by the evidence this module reads
/// (see `chart_tie`): `limit_set_elsewhere` then counts a `GOMEMLIMIT` the
/// chart sets, as the fix's second run must.
pub(super) fn runs(files: &Files, chart: &Chart, main: &MainPackage) -> bool {
    chart_tie(files, chart, main, true).is_some()
}

/// A folder whose name says it holds tests or examples: its charts and
/// mains are not the service's.
fn left_out(main: &MainPackage, dir: &Path) -> bool {
    in_test_app_folder(main, dir, false)
}

/// [`left_out`] for a chart's folder: Kubernetes projects keep developer
/// scripts in `hack/`, and some their install chart too
/// (`hack/k8s/helm/NAME`): a chart there is the project's, unlike a test or
/// example app's.
fn chart_left_out(main: &MainPackage, dir: &Path) -> bool {
    in_test_app_folder(main, dir, true)
}

fn in_test_app_folder(main: &MainPackage, dir: &Path, chart: bool) -> bool {
    let rel = dir.strip_prefix(&main.repo_root).unwrap_or(dir);
    let rel: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|c| !chart || c != "hack")
        .collect();
    super::folders::test_app_folder(&rel.join("/")).is_some()
}

fn bins(main: &MainPackage) -> Vec<String> {
    main.binaries
        .iter()
        .map(|b| b.to_ascii_lowercase())
        .collect()
}

/// The chart's `name` (from Chart.yaml, its top-level key).
fn chart_name(files: &Files, chart: &Chart) -> Option<String> {
    let text = files.read_to_string(&chart.dir.join("Chart.yaml"))?;
    let v = yaml_value(&text)?;
    v.get("name")?.as_str().map(str::to_string)
}

/// The packaged copy of `chart` in its parent folder (see [`is_package_of`]).
fn packaged_copy(files: &Files, chart: &Chart) -> Option<PathBuf> {
    let parent = chart.dir.parent()?;
    let mut names: Vec<String> = chart_name(files, chart).into_iter().collect();
    names.extend(
        chart
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned()),
    );
    files
        .read_dir(parent)?
        .iter()
        .find(|e| e.is_file && is_package_of(&e.name, &names))
        .map(|e| e.path.clone())
}

/// True when `file` is a packaged chart of one of `names` (the chart's
/// `name`, its folder's): `NAME-VERSION.tgz`, `x-v0.0.0.tgz` or `x-1.2.3.tgz`.
fn is_package_of(file: &str, names: &[String]) -> bool {
    let Some(stem) = file.strip_suffix(".tgz") else {
        return false;
    };
    names.iter().any(|n| {
        stem.strip_prefix(n.as_str())
            .and_then(|v| v.strip_prefix('-'))
            .is_some_and(|v| {
                v.trim_start_matches('v')
                    .starts_with(|c: char| c.is_ascii_digit())
            })
    })
}

/// The chart's values.yaml, parsed once per run: every main of the
/// repository asks each chart whether it runs it.
fn values_of(files: &Files, chart: &Chart) -> Arc<Value> {
    files.memo("helm-values", &chart.dir, "", |f| {
        f.read_to_string(&chart.dir.join("values.yaml"))
            .and_then(|t| yaml_value(&t))
            .unwrap_or(Value::Null)
    })
}

/// The chart's named templates (`{{ define "acme.image" }}...{{ end }}`, in
/// `_helpers.tpl` or any file of `templates/`), each name with its body, read
/// once per run.
type Defines = BTreeMap<String, String>;

fn defines_of(files: &Files, chart: &Chart) -> Arc<Defines> {
    files.memo("helm-defines", &chart.dir, "", |f| {
        let mut out = Defines::new();
        for entry in f
            .read_dir(&chart.dir.join("templates"))
            .iter()
            .flat_map(|es| es.iter())
        {
            let helper = [".tpl", ".yaml", ".yml"]
                .iter()
                .any(|x| entry.name.ends_with(x));
            if !entry.is_file
                || !helper
                || f.metadata(&entry.path)
                    .is_none_or(|m| m.len > super::MAX_DEPLOY_FILE)
            {
                continue;
            }
            if let Some(text) = f.read_to_string(&entry.path) {
                if text.contains("define") {
                    out.extend(defines_in(&text));
                }
            }
        }
        out
    })
}

/// The named templates a template file defines, each with its body (the text
/// between its `define` and the `end` that closes it).
fn defines_in(text: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    // The name being read, where its body starts, and the blocks open in it.
    let mut open: Option<(String, usize, usize)> = None;
    let mut at = 0;
    while let Some(start) = text[at..].find("{{").map(|i| at + i) {
        let Some(end) = text[start..].find("}}").map(|i| start + i + 2) else {
            break;
        };
        let action = &text[start..end];
        match (&mut open, control(action)) {
            (None, Some("open")) => {
                let inner = action
                    .trim_start_matches("{{")
                    .trim_start_matches('-')
                    .trim();
                if let Some(rest) = inner.strip_prefix("define") {
                    if let Some(name) = rest.trim().split('"').nth(1) {
                        open = Some((name.to_string(), end, 0));
                    }
                }
            }
            (Some((_, _, depth)), Some("open")) => *depth += 1,
            (Some((_, _, depth)), Some("end")) if *depth > 0 => *depth -= 1,
            (Some((name, body, _)), Some("end")) => {
                out.push((std::mem::take(name), text[*body..start].to_string()));
                open = None;
            }
            _ => {}
        }
        at = end;
    }
    out
}

/// An image expression with the bodies of the named templates it renders
/// with the chart's own values (`{{ include "acme.image" . }}`, `{{ template
/// "acme.image" $ }}`) written after it, two levels deep: where those read
/// `.Values.image.repository`, the image is that value's. A helper handed
/// other data (`(dict "image" .Values.api.image)`) names its values itself.
fn with_helpers(expr: &str, defines: &Defines) -> String {
    let mut out = expr.to_string();
    let mut todo = vec![(expr.to_string(), 0)];
    while let Some((text, depth)) = todo.pop() {
        for keyword in ["include \"", "template \""] {
            for (i, _) in text.match_indices(keyword) {
                let rest = &text[i + keyword.len()..];
                let Some((name, after)) = rest.split_once('"') else {
                    continue;
                };
                // The data it is handed: the chart's own (`.` or `$`) or other.
                let arg = after
                    .trim_start()
                    .split(|c: char| c.is_whitespace() || matches!(c, '}' | ')' | '-' | '|'))
                    .next()
                    .unwrap_or("");
                let root = arg == "." || arg == "$";
                if let Some(body) = defines.get(name).filter(|_| root) {
                    out.push('\n');
                    out.push_str(body);
                    if depth < 1 {
                        todo.push((body.clone(), depth + 1));
                    }
                }
            }
        }
    }
    out
}

/// A chart file's YAML as Helm reads it: a key written twice takes its last
/// value (`service:` twice in one values file), where a strict parser would
/// refuse the whole file.
fn yaml_value(text: &str) -> Option<Value> {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins,
    };
    serde_saphyr::from_str_with_options(text, options).ok()
}

/// Every `repository` (and string `image`) value of the chart's values, and
/// the `name` of an `image` object (`image: {name: orders}`, its registry
/// and namespace given apart).
fn image_repositories(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("repository" | "image", Value::String(s)) if !s.is_empty() => {
                        out.push(s.clone())
                    }
                    ("image", Value::Object(o)) => {
                        if let Some(Value::String(s)) = o.get("name") {
                            out.push(s.clone());
                        }
                        image_repositories(x, out);
                    }
                    _ => image_repositories(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| image_repositories(x, out)),
        _ => {}
    }
}

/// An image named for one of `bins`: a known sidecar's name only when it is
/// the binary's very name (`acme/postgres-operator` runs `postgres-operator`).
fn names_bin(image: &str, bins: &[String]) -> bool {
    let name = image_name(image);
    bins.iter().any(|b| name == b)
        || (!is_sidecar(image) && bins.iter().any(|b| dockerfile::names_binary(name, b)))
}

/// True when the chart sits inside another Go module of the repository than
/// `main`'s (a folder below the repository's root with its own `go.mod`, not
/// holding `main`'s module) whose own root or `cmd/` holds a `main` package:
/// that module's program is what its chart runs. Monorepos of several
/// operators (`lifecycle-operator/`, `metrics-operator/`, each a module with
/// its `chart/`) build every binary as `/manager`, so a `command:` naming it
/// says nothing of which operator a chart deploys.
fn in_other_program_module(files: &Files, chart_dir: &Path, main: &MainPackage) -> bool {
    let Some(module) = chart_dir
        .ancestors()
        .take_while(|d| d.starts_with(&main.repo_root) && *d != main.repo_root)
        .find(|d| files.is_file(&d.join("go.mod")))
    else {
        return false;
    };
    if main.module_root.starts_with(module) {
        return false;
    }
    let has_main = |dir: &Path| {
        files.read_dir(dir).is_some_and(|es| {
            es.iter().any(|e| {
                e.is_file
                    && e.name.ends_with(".go")
                    && !e.name.ends_with("_test.go")
                    && declares_main(files, &e.path)
            })
        })
    };
    has_main(module)
        || has_main(&module.join("cmd"))
        || files
            .read_dir(&module.join("cmd"))
            .is_some_and(|es| es.iter().any(|e| e.is_dir && has_main(&e.path)))
}

/// True when exactly one workload container across all the repository's
/// charts bears the name `name`: such a name says which program runs there,
/// where every service's `server` or every operator's `manager` says nothing.
fn only_container_named(files: &Files, main: &MainPackage, name: &str) -> bool {
    chart_container_names(files, main).get(name) == Some(&1)
}

/// How many workload containers of the repository's charts bear each
/// (literal, lower-case) name; counted once per run.
fn chart_container_names(files: &Files, main: &MainPackage) -> Arc<BTreeMap<String, usize>> {
    files.memo_summary("chart-container-names", &main.repo_root, "", |f| {
        let mut counts = BTreeMap::new();
        for chart in &super::repo_index(f, &main.repo_root).charts {
            for (path, _) in workload_templates(f, chart, EDITED_KINDS) {
                if let Some((masked, m)) = parsed_template(f, &path).as_ref() {
                    for c in &m.containers {
                        *counts.entry(container_name(masked, c)).or_insert(0) += 1;
                    }
                }
            }
        }
        counts
    })
}

/// A template container's name as written, lower case (`manager`; a name
/// made by an action keeps its placeholder).
fn container_name(masked: &Masked, c: &Container) -> String {
    masked
        .literal(&c.name)
        .trim_matches('"')
        .to_ascii_lowercase()
}

/// The chart's `name`, else its folder's: how findings and fixes call it.
fn chart_label(files: &Files, chart: &Chart) -> String {
    chart_name(files, chart).unwrap_or_else(|| {
        chart
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    })
}

/// How `chart` runs `main`'s binary, if it does. A chart in a test or example
/// folder runs it only for `limits` (the search for a `GOMEMLIMIT` already
/// set: a limit the maintainers set anywhere says they know), never as
/// evidence that it is deployed.
fn chart_tie(files: &Files, chart: &Chart, main: &MainPackage, limits: bool) -> Option<ChartTie> {
    if (!limits && chart_left_out(main, &chart.dir))
        || in_other_program_module(files, &chart.dir, main)
    {
        return None;
    }
    let bins = bins(main);
    let index = super::repo_index(files, &main.repo_root);
    let values = values_of(files, chart);
    let defines = defines_of(files, chart);
    let mut repos = vec![];
    image_repositories(&values, &mut repos);
    let named = chart_name(files, chart)
        .is_some_and(|n| bins.iter().any(|b| mentions(&n.to_ascii_lowercase(), b)))
        || repos.iter().any(|r| names_bin(r, &bins));
    if named {
        return Some(ChartTie::Named);
    }
    // A container of a workload template that runs the binary by its
    // `command`, or whose image, as written or as the values give it
    // (`{{ .Values.basic.controller_image_name }}`), is named for it.
    let (mut imaged, mut commanded) = (false, false);
    for (path, _) in workload_templates(files, chart, EDITED_KINDS) {
        let parsed = parsed_template(files, &path);
        let Some((masked, m)) = parsed.as_ref() else {
            continue;
        };
        for c in &m.containers {
            match commands(masked, c, &bins, &values, &index) {
                Some(true) => commanded = true,
                Some(false) => {}
                None => {
                    let literal = masked.literal(&c.image);
                    let literal = literal.trim_matches('"');
                    let name = container_name(masked, c);
                    imaged |= (image_name(literal).len() > 1 && names_bin(literal, &bins))
                        || values_images(masked, c, &values, &defines)
                            .iter()
                            .any(|r| names_bin(r, &bins))
                        // A container named as the binary (`manager`), the
                        // only one of that name in the repository's charts,
                        // as a plain manifest's container ties by its name;
                        // which containers run it is `container_runs`'s to say.
                        || (bins.contains(&name) && only_container_named(files, main, &name));
                }
            }
        }
    }
    if imaged {
        return Some(ChartTie::Named);
    }
    if commanded {
        return Some(ChartTie::Commanded);
    }
    // No name says so: the repository's one chart and one service binary.
    let charts: Vec<_> = index
        .charts
        .iter()
        .filter(|c| !chart_left_out(main, &c.dir))
        .collect();
    if charts.len() != 1
        || charts[0].dir != chart.dir
        || workload_templates(files, chart, EDITED_KINDS).len() != 1
        || workload_templates(files, chart, SERVICE_KINDS).len() != 1
    {
        return None;
    }
    let mains = service_mains(files, main);
    (mains.len() == 1 && mains[0] == main.dir).then_some(ChartTie::OnlyOne)
}

/// True when the Go file at `path` is of `package main` and declares `func main()`.
fn declares_main(files: &Files, path: &Path) -> bool {
    files.read_to_string(path).is_some_and(|t| {
        super::gocode::package_clause(&t) == Some("main") && t.contains("\nfunc main()")
    })
}

/// The folders of the repository holding a `package main` with a `func main`
/// (at most two: the question is whether there is only one), leaving out
/// folders `left_out` names (tests, examples) and what is never built.
fn service_mains(files: &Files, main: &MainPackage) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![(main.repo_root.clone(), 0)];
    while let Some((dir, depth)) = stack.pop() {
        if out.len() > 1 {
            break;
        }
        let Some(entries) = files.read_dir(&dir) else {
            continue;
        };
        let mut is_main = false;
        for e in entries.iter() {
            if e.is_dir {
                if depth < 8
                    && !e.name.starts_with(['.', '_'])
                    && !super::SKIP_FOLDERS.contains(&e.name.as_str())
                    && e.name != "testdata"
                    && !left_out(main, &e.path)
                {
                    stack.push((e.path.clone(), depth + 1));
                }
                continue;
            }
            if is_main || !e.name.ends_with(".go") || e.name.ends_with("_test.go") {
                continue;
            }
            is_main = declares_main(files, &e.path);
        }
        if is_main {
            out.push(files.canonical(&dir));
        }
    }
    out
}

/// The chart's templates (YAML files under `templates/`, two levels deep).
fn template_files(files: &Files, chart: &Chart) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![(chart.dir.join("templates"), 0)];
    while let Some((dir, depth)) = stack.pop() {
        let Some(entries) = files.read_dir(&dir) else {
            continue;
        };
        for e in entries.iter() {
            if e.is_dir && depth < 2 {
                stack.push((e.path.clone(), depth + 1));
            } else if e.is_file && (e.name.ends_with(".yaml") || e.name.ends_with(".yml")) {
                out.push(e.path.clone());
            }
        }
    }
    out.sort();
    out
}

/// Templates holding a workload of one of `kinds`, with their text.
fn workload_templates(files: &Files, chart: &Chart, kinds: &[&str]) -> Vec<(PathBuf, String)> {
    template_files(files, chart)
        .into_iter()
        .filter(|p| {
            files
                .metadata(p)
                .is_some_and(|m| m.len <= super::MAX_DEPLOY_FILE)
        })
        .filter_map(|p| Some((p.clone(), files.read_to_string(&p)?)))
        .filter(|(_, t)| {
            t.lines().any(|l| {
                l.strip_prefix("kind:")
                    .is_some_and(|k| kinds.contains(&k.trim()))
            })
        })
        .collect()
}

/// A template masked and parsed, once per run: every main package of the
/// repository asks the same charts whether they run it.
fn parsed_template(files: &Files, path: &Path) -> Arc<Option<(Masked, Manifest)>> {
    files.memo("helm-template", path, "", |f| {
        let text = f.read_to_string(path)?;
        let masked = mask_for_reading(&text);
        let m = Manifest::parse(path, &masked.text)?;
        Some((masked, m))
    })
}

/// The charts of the repository that run `main`'s binary (see `chart_tie`),
/// each with how, and the container of each workload template that runs it
/// (template path, text, masked text, container).
type ChartContainers = Vec<(Chart, ChartTie, Vec<(PathBuf, String, Masked, Container)>)>;

/// [`chart_containers_of`], once per run for a main, its names and whether
/// the repository builds its image: the evidence, the limit search and the
/// fix all ask.
fn chart_containers(
    files: &Files,
    main: &MainPackage,
    builds_image: bool,
    limits: bool,
) -> Arc<ChartContainers> {
    let key = format!("{}|{builds_image}|{limits}", main.binaries.join(","));
    files.memo("helm-chart-containers", &main.dir, &key, |f| {
        chart_containers_of(f, main, builds_image, limits)
    })
}

fn chart_containers_of(
    files: &Files,
    main: &MainPackage,
    builds_image: bool,
    limits: bool,
) -> ChartContainers {
    let index = super::repo_index(files, &main.repo_root);
    let bins = bins(main);
    let mut out = vec![];
    for chart in &index.charts {
        let Some(tie) = chart_tie(files, chart, main, limits) else {
            continue;
        };
        let kinds = if tie == ChartTie::OnlyOne {
            SERVICE_KINDS
        } else {
            EDITED_KINDS
        };
        let templates = workload_templates(files, chart, kinds);
        let name = chart_name(files, chart)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let values = values_of(files, chart);
        let defines = defines_of(files, chart);
        // An image named for the binary after the project's name ties it
        // only when the repository builds an image of the binary and the
        // chart is not inside another program's folder.
        let prefix_tie = builds_image && !in_other_program_folder(files, &chart.dir, main);
        // The images of the chart's containers that are not sidecars, across
        // its workloads: a chart of one program has one (its Linux and
        // Windows DaemonSets run the same image).
        let mut images = BTreeSet::new();
        for (path, _) in &templates {
            if let Some((masked, m)) = parsed_template(files, path).as_ref() {
                for c in m
                    .containers
                    .iter()
                    .filter(|c| !is_hook(&masked.text, c.start))
                {
                    let literal = masked.literal(&c.image).trim_matches('"').to_string();
                    let mut named = values_images(masked, c, &values, &defines);
                    if image_name(&literal).len() > 1 {
                        named.push(literal);
                    }
                    if !named.iter().any(|i| is_sidecar(i)) {
                        images.insert(named.iter().map(|i| image_repository(i).to_string()).min());
                    }
                }
            }
        }
        let one_image = images.len() == 1;
        let mut found = vec![];
        for (path, text) in &templates {
            let parsed = parsed_template(files, path);
            let Some((masked, m)) = parsed.as_ref() else {
                continue;
            };
            // A Helm hook (`helm.sh/hook: pre-delete`) is a one-off task of
            // the install, never the service, whatever binary it runs.
            let kinds: Vec<&Container> = m
                .containers
                .iter()
                .filter(|c| kinds.contains(&c.workload.split(' ').next().unwrap_or("")))
                .filter(|c| !is_hook(&masked.text, c.start))
                .collect();
            let non_sidecars: Vec<&&Container> = kinds
                .iter()
                .filter(|c| {
                    // The image as written, or as the values give it.
                    !is_sidecar(&masked.literal(&c.image))
                        && !values_images(masked, c, &values, &defines)
                            .iter()
                            .any(|i| is_sidecar(i))
                })
                .collect();
            for c in &kinds {
                let runs = match tie {
                    ChartTie::OnlyOne => {
                        non_sidecars.len() == 1
                            && std::ptr::eq(*non_sidecars[0], *c)
                            && commands(masked, c, &bins, &values, &index) != Some(false)
                    }
                    ChartTie::Commanded => {
                        commands(masked, c, &bins, &values, &index) == Some(true)
                    }
                    ChartTie::Named => {
                        container_runs(
                            masked,
                            c,
                            &bins,
                            &name,
                            &values,
                            &defines,
                            builds_image,
                            &index,
                            prefix_tie,
                            &|image, container| {
                                !only_container_named(files, main, container)
                                    || super::another_folders_image(files, main, image)
                            },
                        ) || (one_image
                            && non_sidecars.len() == 1
                            && std::ptr::eq(*non_sidecars[0], *c)
                            && sole_container_of_named_chart(
                                files, main, &bins, &name, masked, c, &values, &defines, &index,
                            ))
                    }
                };
                if runs {
                    found.push((path.clone(), text.clone(), masked.clone(), (*c).clone()));
                    // One container per template: two edits of one file
                    // would each be checked alone.
                    break;
                }
            }
        }
        out.push((chart.clone(), tie, found));
    }
    out
}

/// The workload templates of each chart that runs `main` (chart folder,
/// template), each with whether the container there that runs it sets
/// `GOMEMLIMIT` in its own `env`, under an `{{ if }}` or not: an opt-in the
/// chart ships is the project's way to set it.
pub(super) fn tied_container_limits(
    files: &Files,
    main: &MainPackage,
    builds_image: bool,
) -> Vec<(PathBuf, PathBuf, bool)> {
    chart_containers(files, main, builds_image, true)
        .iter()
        .flat_map(|(chart, _, found)| {
            found
                .iter()
                .map(move |(path, _, _, c)| (chart.dir.clone(), path.clone(), c.sets_gomemlimit))
        })
        .collect()
}

/// True when a container of the chart template at `path` sets `GOMEMLIMIT`
/// in its own `env`: the variable there is that container's.
pub(super) fn container_sets_limit(files: &Files, path: &Path) -> bool {
    parsed_template(files, path)
        .as_ref()
        .as_ref()
        .is_some_and(|(_, m)| m.containers.iter().any(|c| c.sets_gomemlimit))
}

/// True when the template's YAML document holding 0-based `line` is wrapped
/// in a conditional the chart's own values leave off (`{{- if
/// .Values.daemonset.enabled }}` with `daemonset: {enabled: false}`, or the
/// key absent; `and` of such paths when any is off): an install with the
/// chart's defaults deploys no such workload. Values that did not parse say
/// nothing.
fn off_by_default(text: &str, line: usize, values: &Value) -> bool {
    if !values.is_object() {
        return false;
    }
    let offset: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let offset = offset.min(text.len());
    let start = text[..offset].rfind("\n---").map_or(0, |i| i + 4);
    let Some(first) = text[start..]
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return false;
    };
    let Some(cond) = first
        .strip_prefix("{{")
        .map(|r| r.trim_start_matches('-').trim_start())
        .and_then(|r| r.strip_prefix("if "))
        .and_then(|r| r.split("}}").next())
    else {
        return false;
    };
    let words: Vec<&str> = cond.trim_end_matches('-').split_whitespace().collect();
    let paths = match words.as_slice() {
        [_] => &words[..],
        ["and", rest @ ..] if !rest.is_empty() => rest,
        _ => return false,
    };
    let Some(paths) = paths
        .iter()
        .map(|w| w.strip_prefix(".Values."))
        .collect::<Option<Vec<&str>>>()
    else {
        return false;
    };
    paths.iter().any(|p| match value_at(values, p) {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    })
}

/// True when the YAML document of `text` holding `offset` is a Helm hook
/// (its `helm.sh/hook` annotation).
fn is_hook(text: &str, offset: usize) -> bool {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind("\n---").map_or(0, |i| i + 4);
    let end = text[offset..]
        .find("\n---")
        .map_or(text.len(), |i| offset + i);
    text[start..end].contains("helm.sh/hook")
}

/// Where a chart of the repository runs `main`'s binary in a workload that
/// keeps it running (a Deployment, StatefulSet or DaemonSet template), tied
/// by positive evidence: its name or values image repository names the
/// binary, or a container's `command` runs it (not as the one chart and one
/// service, which says nothing of what the image holds). Those the chart's
/// default values leave off (`off_by_default`) come second: an install
/// deploys them only when asked to.
pub fn chart_workloads(
    files: &Files,
    main: &MainPackage,
    builds_image: bool,
) -> (Vec<super::gocode::Site>, Vec<super::gocode::Site>) {
    let (mut out, mut opt_in) = (vec![], vec![]);
    for (chart, tie, found) in chart_containers(files, main, builds_image, false).iter() {
        if *tie == ChartTie::OnlyOne {
            continue;
        }
        let values = values_of(files, chart);
        for (path, text, masked, c) in found {
            let kind = c.workload.split(' ').next().unwrap_or("");
            if !SERVICE_KINDS.contains(&kind) {
                continue;
            }
            let line = masked.lines.get(
                masked.text[..c.start.min(masked.text.len())]
                    .matches('\n')
                    .count(),
            );
            let off = line.is_some_and(|&l| off_by_default(text, l, &values));
            let shown = chart_label(files, &chart);
            let container = masked.unmask(&c.name).replace("{{ .Chart.Name }}", &shown);
            let list = if off { &mut opt_in } else { &mut out };
            list.push((
                path.clone(),
                line.map_or(1, |l| l + 1),
                format!("Helm chart {shown} runs it in a {kind} as container {container}"),
            ));
        }
    }
    (out, opt_in)
}

/// The edits (or why none) that add `GOMEMLIMIT` to the containers of the
/// repository's charts that run `main`'s binary (not those in a test or
/// example folder).
pub fn chart_fixes(files: &Files, main: &MainPackage, builds_image: bool) -> Vec<ChartFix> {
    let mut out = vec![];
    for (chart, _, found) in chart_containers(files, main, builds_image, false).iter() {
        let values = values_of(files, chart);
        if found.is_empty() {
            continue;
        }
        let templates_dir = chart.dir.join("templates");
        // A template that sets it for another container's env says nothing
        // of this one's (`limit_set_elsewhere` read it so); one that sets it
        // otherwise (a helper, an include) may apply here.
        if let Some(f) = chart.sets_limit.iter().find(|f| {
            f.starts_with(&templates_dir)
                && (found.iter().any(|(t, ..)| t == *f) || !container_sets_limit(files, f))
        }) {
            out.push(ChartFix::Skip {
                path: f.clone(),
                why: "its templates already mention GOMEMLIMIT".into(),
                needed: false,
            });
            continue;
        }
        // A values file that shows GOMEMLIMIT (an example under `extraEnvs`,
        // commented out) leaves it to each install's values: an entry in the
        // template as well would define it twice where an install sets it.
        if let Some(line) = files
            .read_to_string(&chart.dir.join("values.yaml"))
            .and_then(|t| t.lines().position(|l| l.contains("GOMEMLIMIT")))
        {
            out.push(ChartFix::Skip {
                path: chart.dir.join("values.yaml"),
                why: format!(
                    "its values.yaml shows GOMEMLIMIT (line {}) as an entry installs give in their own values: one in the template too would be defined twice",
                    line + 1
                ),
                needed: false,
            });
            continue;
        }
        // A chart also kept packaged beside its folder (`charts/latest/x/`
        // and `charts/latest/x-v0.0.0.tgz`, which the project's checks compare)
        // takes an edit only with a new package, which this tool cannot make.
        if let Some(package) = packaged_copy(files, chart) {
            out.push(ChartFix::Skip {
                path: package,
                why: "the chart is also kept packaged here, and an edit of its templates leaves the package stale: edit the templates and run `helm package`".into(),
                needed: true,
            });
            continue;
        }
        let chart_shown = chart_label(files, chart);
        for (path, text, masked, c) in found {
            let path = path.clone();
            let name = masked
                .unmask(&c.name)
                .replace("{{ .Chart.Name }}", &chart_shown);
            if let Err(why) = limit_by_default(text, masked, c, &values) {
                out.push(ChartFix::Skip {
                    path,
                    why: format!("container {name}: {why}"),
                    needed: false,
                });
                continue;
            }
            out.push(match env_edit(text, masked, c) {
                Ok(edit) => ChartFix::Edit {
                    path,
                    edit,
                    container: name,
                },
                Err(why) => ChartFix::Skip {
                    path,
                    why: format!("container {name}: {why}"),
                    // A Job's run (a migration) ends before memory matters.
                    needed: matches!(
                        c.workload.split(' ').next(),
                        Some("Deployment" | "StatefulSet" | "DaemonSet")
                    ),
                },
            });
        }
    }
    out
}

/// Ok when the chart gives container `c` a memory limit by default: written in
/// the template, or in the values its `resources:` reads (`{{- toYaml
/// .Values.resources | nindent 12 }}` with `resources.limits.memory` set). A
/// chart that leaves the limit to each install (`resources: {}`, the limits
/// commented out) would have `limits.memory` read the node's memory, and its
/// maintainers would rather not ship that.
fn limit_by_default(
    text: &str,
    masked: &Masked,
    c: &Container,
    values: &Value,
) -> Result<(), String> {
    if c.memory_limit.is_some() {
        return Ok(());
    }
    let first = masked
        .lines
        .get(
            masked.text[..c.start.min(masked.text.len())]
                .matches('\n')
                .count(),
        )
        .copied()
        .unwrap_or(0);
    let lines: Vec<&str> = text.lines().collect();
    let Some(r) = (first + 1..lines.len()).find(|&n| {
        let t = lines[n].trim_start();
        t.starts_with("resources:") && indent(lines[n]) == c.key_column
    }) else {
        return Err("it has no resources: of its own, so no memory limit to read".into());
    };
    // The values the resources come from: a `{{- with .Values.x.resources }}`
    // right above the key (its body writes `.`), the key's line, or the
    // action lines right below it up to the block's `end` (what follows the
    // `end`, a `{{- if .Values.x.port }}`, belongs to the next key).
    let with_above = r.checked_sub(1).map(|a| lines[a].trim_start()).filter(|l| {
        l.starts_with("{{") && l.trim_start_matches(['{', '-', ' ']).starts_with("with ")
    });
    let below = lines[r + 1..]
        .iter()
        .copied()
        .take_while(|l| l.trim_start().starts_with("{{"))
        .take_while(|l| control(l.trim()) != Some("end"));
    let reads: Vec<String> = with_above
        .into_iter()
        .chain(std::iter::once(lines[r]))
        .chain(below)
        .flat_map(values_paths)
        .collect();
    let Some(path) = reads.first() else {
        return Err("its resources: are written by the template with no memory limit".into());
    };
    let node = value_at(values, path);
    let memory = node.get("limits").and_then(|l| l.get("memory"));
    match memory {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(()),
        Some(Value::Number(_)) => Ok(()),
        _ => Err(format!(
            "the chart sets no memory limit by default (`.Values.{path}` has no limits.memory), so limits.memory would read the node's memory; set GOMEMLIMIT where installs set a limit"
        )),
    }
}

/// True when container `c` of a template runs one of `bins`: its image's
/// literal text names it, or the values its image reads (`.Values.image`,
/// `.Values.api.image.repository`) hold a repository naming it, or its name
/// (literal, or `.Chart.Name` when the chart is named for it) does and its
/// image is not known to be another.
fn container_runs(
    masked: &Masked,
    c: &Container,
    bins: &[String],
    chart: &str,
    values: &Value,
    defines: &Defines,
    builds_image: bool,
    index: &super::RepoIndex,
    prefix_tie: bool,
    // Whether a container's image name, or its own name, says another
    // program's (see the name tie below).
    elsewhere: &dyn Fn(&str, &str) -> bool,
) -> bool {
    if let Some(runs) = commands(masked, c, bins, values, index) {
        return runs;
    }
    let literal = masked.literal(&c.image);
    if image_name(literal.trim_matches('"')).len() > 1 && names_bin(literal.trim_matches('"'), bins)
    {
        return true;
    }
    // The image's own name, when the template writes it, says what runs;
    // values before it are a registry (`{{ .Values.registry }}/front:...`).
    let unmasked = masked.unmask(&c.image);
    if let Some(name) = super::literal_image_name(&unmasked).filter(|_| unmasked.contains('/')) {
        let name = name.to_ascii_lowercase();
        return names_bin(&name, bins)
            || (!is_sidecar(&name) && bins.iter().any(|b| mentions(&name, b)));
    }
    let repos = values_images(masked, c, values, defines);
    if !repos.is_empty() {
        // Or the project's prefix before it (`gresearch/armada-scheduler`
        // for `scheduler`, not `armada-scheduler-ingester`), when the
        // repository builds an image of the binary. Or, on the same terms, a
        // container named as the binary's very name (`manager` running the
        // project's `kong/kong-operator`, whose build makes `/manager`), as a
        // plain manifest's container ties, when no other container of the
        // repository's charts bears that name and its image is not named for
        // a folder beside the package's (`src/adservice/`): another program's.
        let literal = container_name(masked, c);
        return repos.iter().any(|r| {
            names_bin(r, bins)
                || (prefix_tie
                    && !is_sidecar(r)
                    && (bins.iter().any(|b| prefixed_name(image_name(r), b))
                        || (bins.contains(&literal) && !elsewhere(image_name(r), &literal))))
        });
    }
    // Its name, when nothing else says: the binary's very name, or a name
    // holding it as a part (`loki-write`) when the repository builds an image
    // of the binary (else `kubeshark-front` runs an image built elsewhere).
    let name = masked.unmask(&c.name);
    let literal = masked.literal(&c.name).to_ascii_lowercase();
    let exact = bins.iter().any(|b| dockerfile::names_binary(&literal, b))
        || (name.trim() == "{{ .Chart.Name }}" && bins.iter().any(|b| b == chart));
    let named = bins.iter().any(|b| mentions(&literal, b));
    let chart_named = name.contains(".Chart.Name") && bins.iter().any(|b| mentions(chart, b));
    exact || (builds_image && (named || chart_named))
}

/// True when a folder above `chart_dir`, below the repository's top, holds a
/// main package other than `main`'s: the chart is that program's.
fn in_other_program_folder(files: &Files, chart_dir: &Path, main: &MainPackage) -> bool {
    chart_dir
        .ancestors()
        .skip(1)
        .take_while(|d| d.starts_with(&main.repo_root) && *d != main.repo_root)
        .filter(|d| *d != main.dir)
        .any(|d| {
            files.read_dir(d).is_some_and(|entries| {
                entries.iter().any(|e| {
                    e.is_file
                        && e.name.ends_with(".go")
                        && !e.name.ends_with("_test.go")
                        && declares_main(files, &e.path)
                })
            })
        })
}

/// True when an image's name is the binary's after the project's name and a
/// dash (`armada-scheduler` for `scheduler`).
fn prefixed_name(image: &str, bin: &str) -> bool {
    let image = image.to_ascii_lowercase();
    !bin.is_empty()
        && image
            .strip_suffix(&bin.to_ascii_lowercase())
            .is_some_and(|p| p.len() > 1 && p.ends_with('-'))
}

/// The image repositories the values give container `c` (`image: {{
/// .Values.image.repository }}:...`, or an image object handed to a helper).
fn values_images(masked: &Masked, c: &Container, values: &Value, defines: &Defines) -> Vec<String> {
    let mut repos = vec![];
    for path in values_paths(&with_helpers(&masked.unmask(&c.image), defines)) {
        // `image.tag`, `image.digest` name a version, not an image.
        let last = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        if last.contains("tag") || last.contains("digest") || last.contains("version") {
            continue;
        }
        let node = value_at(values, &path);
        match node {
            Value::String(s) if !s.is_empty() => repos.push(s.clone()),
            Value::Object(o) => {
                image_repositories(node, &mut repos);
                // The image object itself (`.Values.image` handed to a
                // helper) names its image by `name`.
                if let Some(Value::String(name)) = o.get("name") {
                    repos.push(name.clone());
                }
            }
            _ => {}
        }
    }
    repos
}

/// True when a chart that bears the binary's very name (`secrets-store-csi-driver`
/// for `cmd/secrets-store-csi-driver`), and runs one image besides sidecars,
/// runs container `c` as its workload's one container that is not a known sidecar, under an image named otherwise
/// (`registry.k8s.io/csi-secrets-store/driver`), and no program of the
/// module or repository bears that image's name (`cmd/driver`, `driver/`): the chart of
/// the program, whose image the project names for its registry.
fn sole_container_of_named_chart(
    files: &Files,
    main: &MainPackage,
    bins: &[String],
    chart: &str,
    masked: &Masked,
    c: &Container,
    values: &Value,
    defines: &Defines,
    index: &super::RepoIndex,
) -> bool {
    if !bins.iter().any(|b| b == chart) || commands(masked, c, bins, values, index) == Some(false) {
        return false;
    }
    let mut images = values_images(masked, c, values, defines);
    let literal = masked.literal(&c.image);
    if image_name(literal.trim_matches('"')).len() > 1 {
        images.push(literal.trim_matches('"').to_string());
    }
    !images.is_empty()
        && images.iter().all(|i| {
            let name = image_name(i).to_ascii_lowercase();
            !is_sidecar(i)
                && !name.is_empty()
                && [&main.module_root, &main.repo_root].iter().all(|root| {
                    !files.is_dir(&root.join("cmd").join(&name)) && !files.is_dir(&root.join(&name))
                })
        })
}

/// Whether the programs container `c`'s `command` runs, as the template
/// writes them, are one of `bins`; None without a command (or with one only
/// actions write): the image's entrypoint runs.
fn commands(
    masked: &Masked,
    c: &Container,
    bins: &[String],
    values: &Value,
    index: &super::RepoIndex,
) -> Option<bool> {
    // A program the template writes, or one the values give
    // (`- {{ .Values.operatorCommand }}` with `operatorCommand: /manager`).
    let programs: Vec<String> = c
        .programs
        .iter()
        .filter_map(|p| {
            let literal = masked.literal(p);
            // What is left of an action alone (`- {{ .Values.cmd }}` reads
            // as a one-key map, `{"": null}`) is no program name.
            if literal
                .replace("null", "")
                .chars()
                .any(|c| c.is_alphanumeric())
            {
                return Some(literal);
            }
            let paths = values_paths(&masked.unmask(p));
            let [path] = paths.as_slice() else {
                return None;
            };
            value_at(values, path)
                .as_str()
                .filter(|v| !v.trim().is_empty())
                .map(str::to_string)
        })
        .collect();
    if programs.is_empty() {
        return None;
    }
    // A script of the repository runs what it runs (`start-controller.sh`
    // execs `./acme-controller`).
    let programs = super::expand_scripts(index, &programs);
    Some(
        programs
            .iter()
            .any(|p| bins.iter().any(|b| dockerfile::names_binary(p, b))),
    )
}

/// The value at the `.Values` path `a.b.c` (Null where a key is missing).
fn value_at<'v>(values: &'v Value, path: &str) -> &'v Value {
    path.split('.')
        .try_fold(values, |node, key| node.get(key))
        .unwrap_or(&Value::Null)
}

/// The `.Values.a.b` paths an expression reads.
fn values_paths(s: &str) -> Vec<String> {
    s.match_indices(".Values.")
        .map(|(i, m)| {
            s[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.' || *c == '-')
                .collect::<String>()
                .trim_end_matches('.')
                .to_string()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// A template with each action replaced by a placeholder scalar, the lines
/// that hold only actions dropped, and so are those of an `{{ else }}` branch:
/// the first branch of each conditional is the template read (both at once
/// may set a key twice: `checksum/config` from one file or the other).
#[derive(Debug, Clone)]
pub struct Masked {
    pub text: String,
    /// The original line (0-based) of each line of `text`.
    pub lines: Vec<usize>,
    /// Each action's text and byte range in the original.
    pub actions: Vec<(String, usize, usize)>,
    /// How its action-only lines were written.
    mode: ActionLines,
}

fn placeholder(i: usize) -> String {
    format!("_tpl{i}_")
}

impl Masked {
    /// `s` with its placeholders back as the actions they stand for.
    pub fn unmask(&self, s: &str) -> String {
        let mut out = s.to_string();
        for (i, (a, _, _)) in self.actions.iter().enumerate().rev() {
            out = out.replace(&placeholder(i), a);
        }
        out
    }

    /// `s` without its placeholders: what the template writes itself.
    pub fn literal(&self, s: &str) -> String {
        let mut out = s.to_string();
        for i in (0..self.actions.len()).rev() {
            out = out.replace(&placeholder(i), "");
        }
        out
    }
}

/// Masks the actions of template `text` (see `Masked`), dropping the lines
/// that hold only actions: what the callers that look at actions and keys of
/// a few lines use.
pub fn mask(text: &str) -> Masked {
    mask_as(text, ActionLines::Dropped)
}

/// [`mask`] for reading a whole template's workloads: when a document then
/// fails to read, and writing each action-only line that renders a block at a
/// known indent (`{{ include "x.labels" . | indent 6 }}`) as a key at that
/// column reads more documents, that masking (the template's own keys may go
/// on below such a block, `app: x` at column 8, which read as a mapping under
/// no key once the line is gone).
pub fn mask_for_reading(text: &str) -> Masked {
    let dropped = mask(text);
    let unread = super::kubernetes::unreadable_documents(&dropped.text);
    if unread == 0 {
        return dropped;
    }
    let keyed = mask_as(text, ActionLines::IndentedKeys);
    if super::kubernetes::unreadable_documents(&keyed.text) < unread {
        keyed
    } else {
        dropped
    }
}

/// How [`mask_as`] writes a line that holds only actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ActionLines {
    Dropped,
    /// As a key (`      _tpl3_:`) at the column its block is indented to.
    IndentedKeys,
}

/// The column an action-only line renders its block at: the `indent N` or
/// `nindent N` of an action that writes YAML.
fn block_column(actions: &[(String, usize, usize)]) -> Option<usize> {
    actions.iter().find_map(|(a, _, _)| {
        let words: Vec<&str> = a.trim_end_matches("}}").split_whitespace().collect();
        words
            .windows(2)
            .find(|w| w[0] == "indent" || w[0] == "nindent")
            .and_then(|w| w[1].parse::<usize>().ok())
    })
}

fn mask_as(text: &str, mode: ActionLines) -> Masked {
    let mut out = String::new();
    let mut lines = vec![];
    let mut actions = vec![];
    let mut line = String::new();
    let (mut has_action, mut has_text) = (false, false);
    let (mut line_no, mut first_line) = (0, 0);
    // For each open block, whether it is past its first branch.
    let mut branches: Vec<bool> = vec![];
    let mut in_else = false;
    // The first action of the current line.
    let mut line_actions = 0;
    let keyed = |line_actions: usize, actions: &[(String, usize, usize)]| {
        (mode == ActionLines::IndentedKeys)
            .then(|| block_column(&actions[line_actions..]))
            .flatten()
            .map(|col| format!("{}{}:", " ".repeat(col), placeholder(line_actions)))
    };
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with("{{") {
            let end = action_end(text, i + 2);
            let action = &text[i..end];
            line_no += action.matches('\n').count();
            // A control action writes nothing: in a flow list split by one
            // (`args: ["serve"` / `{{- if .x }}, "--mcp"` / `{{- end }}]`) a
            // placeholder would stand where no value can.
            // A block written after a key (`env: {{ toYaml . | nindent 12 }}`)
            // is the key's value on the lines below: the key reads as empty,
            // not as a scalar where a list or map belongs.
            let block_value = action.contains("nindent") && line.trim_end().ends_with(':');
            if control(action).is_none() && !block_value {
                line.push_str(&placeholder(actions.len()));
            }
            actions.push((action.to_string(), i, end));
            match control(action) {
                Some("open") => branches.push(false),
                Some("else") => {
                    if let Some(b) = branches.last_mut() {
                        *b = true;
                    }
                }
                Some("end") => {
                    branches.pop();
                }
                _ => {}
            }
            has_action = true;
            i = end;
            continue;
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        if ch == '\n' {
            if (!has_action || has_text) && !in_else {
                out.push_str(&item_key(&line));
                out.push('\n');
                lines.push(first_line);
            } else if let Some(key) = (!in_else).then(|| keyed(line_actions, &actions)).flatten() {
                out.push_str(&key);
                out.push('\n');
                lines.push(first_line);
            }
            line_actions = actions.len();
            line.clear();
            (has_action, has_text, in_else) = (false, false, false);
            line_no += 1;
            first_line = line_no;
        } else {
            if !ch.is_whitespace() {
                has_text = true;
                in_else |= branches.iter().any(|b| *b);
            }
            line.push(ch);
        }
        i += ch.len_utf8();
    }
    if !line.is_empty() && (!has_action || has_text) && !in_else {
        out.push_str(&item_key(&line));
        lines.push(first_line);
    }
    Masked {
        text: out,
        lines,
        actions,
        mode,
    }
}

/// The end of the action whose text starts at `from` (just past `{{`): past
/// the first `}}` outside its string literals (`{{ tpl "{{ .Values.x }}" . }}`
/// holds one in a string), or the end of the text.
fn action_end(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut quote: Option<u8> = None;
    let mut k = from;
    while k < bytes.len() {
        let b = bytes[k];
        match quote {
            Some(b'"') if b == b'\\' => k += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'`' => quote = Some(b),
            None if bytes[k..].starts_with(b"}}") => return k + 2,
            None => {}
        }
        k += 1;
    }
    text.len()
}

/// A list item that is only actions (`- {{ toYaml $c | nindent 10 }}`) may
/// be a mapping the template goes on with (`labelSelector:` below it): it is
/// masked as a mapping entry, `- _tpl1_: ~`, which reads either way.
fn item_key(line: &str) -> String {
    let body = line.trim_start();
    let Some(rest) = body.strip_prefix("- ") else {
        return line.to_string();
    };
    let mut r = rest.trim();
    while let Some(after) = r.strip_prefix("_tpl") {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        match after[digits..].strip_prefix('_') {
            Some(next) if digits > 0 => r = next.trim_start(),
            _ => return line.to_string(),
        }
    }
    if r.is_empty() && !rest.trim().is_empty() {
        format!("{}: ~", line.trim_end())
    } else {
        line.to_string()
    }
}

/// True when action-only `line` writes YAML that may hold keys of a mapping
/// whose keys are at column `col`: it renders values (`toYaml`, `include`,
/// `tpl`, `template`) indented to that column (`nindent 10`), or, with no
/// indent function, starts there.
fn emits_keys(line: &str, col: usize) -> bool {
    let writes = mask(line).actions.iter().any(|(a, _, _)| {
        let inner = a
            .trim_start_matches("{{")
            .trim_start_matches('-')
            .trim_start();
        // `{{ $name := include ... }}` sets a variable and writes nothing.
        let assigns = inner.starts_with('$')
            && inner
                .split_whitespace()
                .nth(1)
                .is_some_and(|w| w == ":=" || w == "=");
        !assigns
            && ["toYaml", "include", "tpl", "template"]
                .iter()
                .any(|w| inner.contains(w))
    });
    if !writes {
        return false;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let indented = words
        .windows(2)
        .find(|w| w[0] == "indent" || w[0] == "nindent")
        .and_then(|w| w[1].trim_end_matches("}}").parse::<usize>().ok());
    match indented {
        Some(n) => n == col,
        None => indent(line) == col,
    }
}

/// The control action an action is: opens a block, continues it, ends it.
fn control(action: &str) -> Option<&'static str> {
    let inner = action
        .trim_start_matches("{{")
        .trim_end_matches("}}")
        .trim_matches('-')
        .trim();
    let word = inner.split_whitespace().next().unwrap_or("");
    match word {
        "if" | "with" | "range" | "define" | "block" => Some("open"),
        "else" => Some("else"),
        "end" => Some("end"),
        _ => None,
    }
}

/// The blocks open at `offset` (each by the index of the action that opened
/// it, or of its latest `else`), with the keyword of each; None when the
/// template's blocks do not balance.
fn open_blocks(masked: &Masked, offset: usize) -> Option<Vec<(usize, String)>> {
    let mut stack: Vec<(usize, String)> = vec![];
    for (i, (a, start, _)) in masked.actions.iter().enumerate() {
        if *start >= offset {
            break;
        }
        match control(a) {
            Some("open") => {
                let word = a
                    .trim_start_matches("{{")
                    .trim_start_matches('-')
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_string();
                stack.push((i, word));
            }
            Some("else") => {
                let (_, word) = stack.pop()?;
                stack.push((i, word));
            }
            Some("end") => {
                stack.pop()?;
            }
            _ => {}
        }
    }
    Some(stack)
}

/// The action opening the innermost block open at `offset` that is not
/// one of `outer`, as text for a message.
fn inner_block(masked: &Masked, offset: usize, outer: &Option<Vec<(usize, String)>>) -> String {
    let outer = outer.clone().unwrap_or_default();
    open_blocks(masked, offset)
        .unwrap_or_default()
        .iter()
        .rev()
        .find(|b| !outer.contains(b))
        .and_then(|(i, _)| masked.actions.get(*i))
        .map_or("a block".to_string(), |(a, _, _)| format!("`{}`", a.trim()))
}

/// Whether the template's blocks balance.
fn balanced(masked: &Masked) -> bool {
    open_blocks(masked, usize::MAX).is_some_and(|s| s.is_empty())
}

/// Byte offsets of the starts of each line of `text`.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i <= text.len())
        .collect()
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The edit adding the `GOMEMLIMIT` entry to container `c` (found in the
/// masked template) of template `text`, checked by `verify`; or why not.
fn env_edit(text: &str, masked: &Masked, c: &Container) -> Result<Edit, String> {
    if !balanced(masked) {
        return Err("the template's {{ if }}/{{ end }} blocks do not pair up".into());
    }
    let starts = line_starts(text);
    let line_text = |n: usize| {
        let s = starts[n];
        let e = starts.get(n + 1).copied().unwrap_or(text.len());
        text[s..e].trim_end_matches('\n')
    };
    let masked_line = masked.text[..c.start.min(masked.text.len())]
        .matches('\n')
        .count();
    let first = *masked
        .lines
        .get(masked_line)
        .ok_or("not found in the template")?;
    let col = c.key_column;
    let action_only = |n: usize| {
        let l = line_text(n);
        let m = mask(l);
        !l.trim().is_empty() && m.text.trim().is_empty()
    };
    let container_blocks = open_blocks(masked, starts[first]);
    // The container's lines: up to the first content line left of its keys.
    let mut env_lines = vec![];
    let mut resources = None;
    let mut last = first;
    let mut key_source = None;
    let mut last_at_col = first;
    for n in first + 1..starts.len() {
        let l = line_text(n);
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if action_only(n) {
            // Below a key with no value of its own (`args:`) it is that
            // key's value; after an item of a list at the keys' column
            // (`env:` then `- name: A`, `{{ toYaml .Values.extraEnvs }}`)
            // it writes more items of that list.
            let at_col = line_text(last_at_col).trim();
            let value_of_key = last > first && last == last_at_col && at_col.ends_with(':');
            let list_goes_on = last_at_col > first && at_col.starts_with("- ");
            if key_source.is_none() && !value_of_key && !list_goes_on && emits_keys(l, col) {
                key_source = Some(t.to_string());
            }
            continue;
        }
        if indent(l) < col {
            break;
        }
        last = n;
        if indent(l) == col {
            last_at_col = n;
        }
        if indent(l) == col {
            if t == "env:" || t.starts_with("env:") {
                env_lines.push(n);
            } else if t.starts_with("resources:") && resources.is_none() {
                resources = Some(n);
            }
        }
    }
    if text.contains('\t') {
        return Err("the template is indented with tabs".into());
    }
    if let Some(a) = key_source {
        return Err(format!(
            "some of its keys come from `{a}`, which may hold an env: of its own"
        ));
    }
    let value = EnvValue::FromLimit;
    let edit = match env_lines[..] {
        [] => {
            let r = resources.ok_or("it has neither an env: nor a resources: key line")?;
            // Before the actions that open the block `resources:` sits in.
            let mut at_line = r;
            while open_blocks(masked, starts[at_line]) != container_blocks
                && at_line > first + 1
                && action_only(at_line - 1)
            {
                at_line -= 1;
            }
            if open_blocks(masked, starts[at_line]) != container_blocks {
                return Err(format!(
                    "it has no env: key, and its resources: key sits inside {}",
                    inner_block(masked, starts[r], &container_blocks)
                ));
            }
            if line_text(at_line - 1).trim_end().ends_with("-}}") {
                return Err(
                    "the line above its resources: key trims the line break after it".into(),
                );
            }
            let dash_col = col + sequence_indent(text, &starts, first);
            let item = value.item(&format!("{}- ", " ".repeat(dash_col)), dash_col + 2);
            Edit::new(
                starts[at_line],
                starts[at_line],
                format!("{}env:\n{item}", " ".repeat(col)),
            )
        }
        [n] => {
            let l = line_text(n).trim();
            if l != "env:" && !l.trim_start_matches("env:").trim_start().starts_with('#') {
                let what = l.trim_start_matches("env:").trim();
                return Err(format!("its env list is built by `{what}`"));
            }
            if open_blocks(masked, starts[n]) != container_blocks {
                return Err(format!(
                    "its env: key sits inside {}",
                    inner_block(masked, starts[n], &container_blocks)
                ));
            }
            // The list's items: the first literal one gives their column; one
            // outside a `range` must be there (else the list is built by actions).
            let mut item_col = None;
            let mut builder = None;
            for k in n + 1..=last.max(n) {
                let l = line_text(k);
                let t = l.trim();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                if action_only(k) {
                    if builder.is_none() {
                        let m = mask(l);
                        builder = m
                            .actions
                            .iter()
                            .map(|(a, _, _)| a.as_str())
                            .find(|a| {
                                ["toYaml", "include", "tpl", "template", "range"]
                                    .iter()
                                    .any(|w| a.contains(w))
                            })
                            .map(|a| a.trim().to_string());
                    }
                    continue;
                }
                if indent(l) < col || (indent(l) == col && !t.starts_with("- ")) {
                    break;
                }
                let in_range = open_blocks(masked, starts[k])
                    .unwrap_or_default()
                    .iter()
                    .skip(container_blocks.as_ref().map_or(0, Vec::len))
                    .any(|(_, w)| w == "range");
                if t.starts_with("- ") && !in_range {
                    item_col = Some(indent(l));
                    break;
                }
            }
            let Some(item_col) = item_col else {
                return Err(match builder {
                    Some(b) => format!("its env list is built by `{b}`"),
                    None => "its env list has no entry of its own".into(),
                });
            };
            // Last of the template's own entries: after the last literal
            // entry, or the first end of a block after it that is back in
            // the container's own blocks (not in an `{{ if }}` of its own),
            // before the entries a values list renders (`{{ toYaml
            // .Values.extraEnv }}`), which may set the variable themselves.
            // The entries before keep their indices (a chart's tests may
            // read them so).
            let line_end = |k: usize| starts.get(k + 1).copied().unwrap_or(text.len());
            let literal = |k: usize| {
                let t = line_text(k).trim();
                !t.is_empty() && !t.starts_with('#') && !action_only(k)
            };
            let mut list_end = n;
            let mut seen_item = false;
            for k in n + 1..starts.len() {
                let l = line_text(k);
                if literal(k) {
                    if indent(l) < item_col
                        || (indent(l) == item_col && !l.trim().starts_with("- "))
                    {
                        break;
                    }
                    seen_item |= indent(l) == item_col;
                }
                if seen_item {
                    list_end = k;
                }
            }
            // Where the next literal line from `k + 1` on starts an entry or
            // ends the list: an entry's boundary.
            let boundary = |k: usize| {
                (k + 1..=list_end)
                    .find(|&j| literal(j))
                    .is_none_or(|j| indent(line_text(j)) == item_col)
            };
            // The first such end from the last literal line of the list on.
            let last_literal = (n + 1..=list_end).rev().find(|&k| literal(k));
            let valid = |k: usize| {
                let t = line_text(k).trim();
                !t.is_empty()
                    && !t.starts_with('#')
                    && boundary(k)
                    && open_blocks(masked, line_end(k)) == container_blocks
            };
            let Some(k) = last_literal.and_then(|l| (l..=list_end).find(|&k| valid(k))) else {
                return Err(
                    "its env list has no entry that ends outside a block of its own".into(),
                );
            };
            let at = line_end(k);
            let item = value.item(&format!("{}- ", " ".repeat(item_col)), item_col + 2);
            let item = if at == text.len() && !text.ends_with('\n') {
                format!("\n{}", item.trim_end_matches('\n'))
            } else {
                item
            };
            Edit::new(at, at, item)
        }
        _ => return Err("it has several env: key lines (one per branch)".into()),
    };
    let after = apply_edits(text, std::slice::from_ref(&edit));
    if verify(text, &after, c, &value) {
        Ok(edit)
    } else {
        Err(
            "the edited template, its actions masked, does not read as before plus the entry"
                .into(),
        )
    }
}

/// How far the template indents the containers list under `containers:`.
fn sequence_indent(text: &str, starts: &[usize], first: usize) -> usize {
    let line = |n: usize| {
        let e = starts.get(n + 1).copied().unwrap_or(text.len());
        &text[starts[n]..e]
    };
    let dash = indent(line(first));
    (0..first)
        .rev()
        .map(line)
        .find(|l| l.trim_start().starts_with("containers:"))
        .map_or(2, |l| dash.saturating_sub(indent(l)))
}

/// True when `after` is `before` with one entry, `value`, added first to the
/// env of container `c` (as found in `before`'s masked text): both masked
/// templates parse, every document reads as before but for that entry, the
/// actions are the same, and every comment line is kept.
pub fn verify(before: &str, after: &str, c: &Container, value: &EnvValue) -> bool {
    // Read as the template was read for its container, both the same way.
    let mb = mask_for_reading(before);
    let ma = mask_as(after, mb.mode);
    let texts = |m: &Masked| -> Vec<String> { m.actions.iter().map(|a| a.0.clone()).collect() };
    if texts(&mb) != texts(&ma) {
        return false;
    }
    // Masking shows both branches of an `if`: the added lines must be whole
    // lines with no action, at a place inside the same blocks as the
    // container, so that they are rendered whenever it is.
    let prefix = before
        .bytes()
        .zip(after.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let prefix = before[..prefix].rfind('\n').map_or(0, |i| i + 1);
    let suffix = before[prefix..]
        .bytes()
        .rev()
        .zip(after[prefix..].bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let added = &after[prefix..after.len() - suffix];
    let Some(first) = mb
        .lines
        .get(mb.text[..c.start.min(mb.text.len())].matches('\n').count())
        .and_then(|&n| line_starts(before).get(n).copied())
    else {
        return false;
    };
    if before.len() - suffix != prefix
        || added.contains("{{")
        || open_blocks(&mb, prefix) != open_blocks(&mb, first)
    {
        return false;
    }
    super::kubernetes::reads_as_before_plus_entry(&mb.text, &ma.text, c, value)
        && super::kubernetes::comments_kept(before, after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_written_twice_takes_its_last_value() {
        let v = yaml_value("service:\n  enabled: false\nport: 80\nservice:\n  type: ClusterIP\n")
            .unwrap();
        assert_eq!(
            value_at(&v, "service.type"),
            &Value::String("ClusterIP".into())
        );
        assert_eq!(value_at(&v, "port").as_u64(), Some(80));
    }

    #[test]
    fn a_workload_the_default_values_leave_off() {
        let values = yaml_value("daemonset:\n  enabled: false\nagent:\n  enabled: true\nimage:\n  repository: acme/agent\n").unwrap();
        let doc = |cond: &str| {
            format!("# agent\n{cond}\napiVersion: apps/v1\nkind: DaemonSet\nspec:\n  template:\n    spec:\n      containers:\n        - name: agent\n")
        };
        let off = |cond: &str| off_by_default(&doc(cond), 8, &values);
        assert!(off("{{- if .Values.daemonset.enabled -}}"));
        assert!(off("{{ if .Values.missing.key }}"));
        assert!(off(
            "{{- if and .Values.agent.enabled .Values.daemonset.enabled }}"
        ));
        assert!(!off("{{- if .Values.agent.enabled }}"));
        assert!(!off(
            "{{- if and .Values.agent.enabled .Values.image.repository }}"
        ));
        // Conditions it does not read, and no condition, say nothing.
        assert!(!off(
            "{{- if or .Values.daemonset.enabled .Values.agent.enabled }}"
        ));
        assert!(!off("{{- if not .Values.agent.enabled }}"));
        assert!(!off("# none"));
        // Values that did not parse say nothing either.
        assert!(!off_by_default(
            &doc("{{- if .Values.daemonset.enabled }}"),
            8,
            &Value::Null
        ));
        // Only the document holding the container counts.
        let two = format!(
            "{}---\n{}",
            doc("{{- if .Values.daemonset.enabled }}"),
            doc("{{- if .Values.agent.enabled }}")
        );
        assert!(!off_by_default(&two, 18, &values));
        assert!(off_by_default(&two, 8, &values));
    }

    const TEMPLATE: &str = "\
{{- if .Values.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"relay.fullname\" . }}
spec:
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"
          env:
          {{- if .Values.debug }}
            - name: RELAY_DEBUG
              value: \"1\"
          {{- end }}
            - name: RELAY_PORT
              value: {{ .Values.port | quote }}
          {{- with .Values.extraEnv }}
            {{- toYaml . | nindent 12 }}
          {{- end }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
{{- end }}
";

    fn container(text: &str) -> (Masked, Container) {
        let m = mask(text);
        let parsed = Manifest::parse(Path::new("t.yaml"), &m.text).expect("masked parses");
        let c = parsed.containers[0].clone();
        (m, c)
    }

    #[test]
    fn masking_drops_action_lines_and_keeps_the_rest() {
        let m = mask(TEMPLATE);
        assert!(m.text.starts_with("apiVersion: apps/v1\n"), "{}", m.text);
        assert!(m.text.contains("        - name: _tpl2_\n"));
        assert!(m.text.contains("image: \"_tpl3_:_tpl4_\"\n"));
        assert!(!m.text.contains("toYaml"));
        // The masked line 0 is the template's line 1 (line 0 held only an action).
        assert_eq!(m.lines[0], 1);
        assert_eq!(m.unmask("_tpl2_"), "{{ .Chart.Name }}");
        assert_eq!(m.literal("\"_tpl3_:_tpl4_\""), "\":\"");
    }

    #[test]
    fn a_package_is_the_charts_name_and_a_version() {
        let names = ["relay".to_string(), "hookrelay".to_string()];
        assert!(is_package_of("relay-v0.0.0.tgz", &names));
        assert!(is_package_of("hookrelay-1.4.2.tgz", &names));
        // Another chart's package, a longer name, or no version: not this one's.
        assert!(!is_package_of("relay-proxy-v1.0.0.tgz", &names));
        assert!(!is_package_of("relayd-v1.0.0.tgz", &names));
        assert!(!is_package_of("relay-latest.tgz", &names));
        assert!(!is_package_of("relay-v1.0.0.tar", &names));
    }

    #[test]
    fn a_block_include_that_deeper_keys_go_on_from_reads_as_a_key() {
        // With the include's line dropped, `app:` (column 8) and
        // `annotations:` (column 6) under `metadata:` do not read as YAML.
        let t = "kind: Deployment\nspec:\n  template:\n    metadata:\n{{ include \"x.labels\" . | indent 6 }}\n        app: relay\n{{- if .Values.podAnnotations }}\n      annotations:\n{{ toYaml .Values.podAnnotations | indent 8 }}\n{{- end }}\n    spec:\n      containers:\n        - name: relay\n          image: acme/relay\n";
        assert_eq!(
            super::super::kubernetes::unreadable_documents(&mask_as(t, ActionLines::Dropped).text),
            1
        );
        let m = mask_for_reading(t);
        assert!(
            m.text.contains("      _tpl0_:\n        app: relay\n"),
            "{}",
            m.text
        );
        let parsed = Manifest::parse(Path::new("t.yaml"), &m.text).expect("reads");
        assert_eq!(parsed.containers[0].name, "relay");
        // The masked line of `app:` is still the template's line 5 (0-based).
        assert_eq!(
            m.lines[m
                .text
                .lines()
                .position(|l| l.contains("app: relay"))
                .unwrap()],
            5
        );
        // A template that reads with the lines dropped keeps them dropped.
        assert!(!mask_for_reading(TEMPLATE).text.contains("_tpl0_:"));
        // The plain masking, which callers reading a few lines' actions use,
        // never parses: the include's line stays dropped.
        assert!(!mask(t).text.contains("_tpl0_:"));
    }

    /// `t` masked, and parsed as a manifest.
    fn masked_manifest(t: &str) -> (Masked, Manifest) {
        let m = mask(t);
        let parsed = Manifest::parse(Path::new("t.yaml"), &m.text).expect("masked parses");
        (m, parsed)
    }

    #[test]
    fn values_written_on_the_key_line_keep_the_containers() {
        // `resources:` and `args:` filled by a flow value on their own line
        // (`| toJson`), and an args item that is only an action: each masks to
        // a scalar or a one-key mapping where the parser expects a list or a map.
        let t = "\
kind: Deployment
spec:
  template:
    spec:
      containers:
      - name: sidecar
        image: {{ .Values.proxy.image }}
        args: {{ .Values.proxy.args | toJson }}
        resources: {{ .Values.proxy.resources | toJson }}
      - name: manager
        args:
        - --leader-elect
        {{- with include \"locks\" . }}
        - {{ . }}
        {{- end }}
        command:
        - /keeper
        image: {{ .Values.image }}
        resources: {{- toYaml .Values.resources | nindent 10 }}
";
        let (m, parsed) = masked_manifest(t);
        let names: Vec<_> = parsed.containers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["sidecar", "manager"], "{}", m.text);
        assert!(parsed.containers[1].command.iter().any(|w| w == "/keeper"));
    }

    #[test]
    fn a_flow_list_split_by_a_block_keeps_its_items() {
        let t = "\
kind: Deployment
spec:
  template:
    spec:
      containers:
      - name: api
        image: {{ .Values.image }}
        args: [\"serve\"
        {{- if .Values.mcp }}, \"--mcp\", {{ .Values.port | quote }}
        {{- end }}
        ]
";
        let (m, parsed) = masked_manifest(t);
        assert_eq!(parsed.containers.len(), 1, "{}", m.text);
        assert_eq!(parsed.containers[0].command[0], "serve");
    }

    #[test]
    fn a_block_after_a_key_leaves_the_key_empty() {
        let t = "\
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"
        {{- with .Values.env }}
          env: {{ toYaml . | nindent 12 }}
        {{- end }}
";
        let (m, parsed) = masked_manifest(t);
        assert!(
            m.text.lines().any(|l| l.trim_end() == "          env:"),
            "{}",
            m.text
        );
        assert_eq!(parsed.containers.len(), 1, "{}", m.text);
    }

    #[test]
    fn an_action_holding_braces_in_a_string_is_one_action() {
        let m = mask("a: 1\n{{- if tpl \"{{ .Values.affinity }}\" . | contains \"terms\" }}\nb: 2\n{{- end }}\n");
        assert_eq!(m.text, "a: 1\nb: 2\n");
    }

    #[test]
    fn a_multi_line_action_is_one_placeholder() {
        let m = mask("a: {{ include \"x\"\n  (dict \"k\" .) }}\nb: 1\n");
        assert_eq!(m.text, "a: _tpl0_\nb: 1\n");
        assert_eq!(m.lines, vec![0, 2]);
    }

    #[test]
    fn adds_last_in_env_at_the_items_column() {
        // After the last literal entry outside a block of its own, before
        // the entries the values render.
        let (m, c) = container(TEMPLATE);
        let e = env_edit(TEMPLATE, &m, &c).unwrap();
        let out = apply_edits(TEMPLATE, &[e]);
        assert!(out.contains(
            "              value: {{ .Values.port | quote }}\n            - name: GOMEMLIMIT\n              valueFrom:\n                resourceFieldRef:\n                  resource: limits.memory\n          {{- with .Values.extraEnv }}\n"
        ), "{out}");
        // The last literal entry inside an `if`: after its `end`.
        let t = TEMPLATE.replace(
            "          {{- end }}\n            - name: RELAY_PORT\n              value: {{ .Values.port | quote }}\n",
            "          {{- end }}\n",
        );
        let (m, c) = container(&t);
        let out = apply_edits(&t, &[env_edit(&t, &m, &c).unwrap()]);
        assert!(out.contains(
            "              value: \"1\"\n          {{- end }}\n            - name: GOMEMLIMIT\n"
        ), "{out}");
    }

    #[test]
    fn the_verifier_takes_only_the_one_entry() {
        let (_, c) = container(TEMPLATE);
        let good = TEMPLATE.replace(
            "          env:\n",
            "          env:\n            - name: GOMEMLIMIT\n              valueFrom:\n                resourceFieldRef:\n                  resource: limits.memory\n",
        );
        assert!(verify(TEMPLATE, &good, &c, &EnvValue::FromLimit));
        // Under the `if`: a different list once masked? No, but an action moved.
        let moved = TEMPLATE.replace("          {{- if .Values.debug }}\n", "").replace(
            "          env:\n",
            "          env:\n          {{- if .Values.debug }}\n            - name: GOMEMLIMIT\n              valueFrom:\n                resourceFieldRef:\n                  resource: limits.memory\n",
        );
        assert!(!verify(TEMPLATE, &moved, &c, &EnvValue::FromLimit));
        // A second entry, or one at another indentation that parses otherwise.
        let two = good.replace(
            "            - name: RELAY_PORT\n",
            "            - name: EXTRA\n            - name: RELAY_PORT\n",
        );
        assert!(!verify(TEMPLATE, &two, &c, &EnvValue::FromLimit));
        let shallow = TEMPLATE.replace(
            "          env:\n",
            "          env:\n          - name: GOMEMLIMIT\n",
        );
        assert!(!verify(TEMPLATE, &shallow, &c, &EnvValue::FromLimit));
        // A lost comment.
        let with_comment =
            TEMPLATE.replace("          env:\n", "          # settings\n          env:\n");
        let (_, c2) = container(&with_comment);
        assert!(!verify(&with_comment, &good, &c2, &EnvValue::FromLimit));
        // Not YAML once masked.
        assert!(!verify(
            TEMPLATE,
            &good.replace("kind: Deployment", "kind: [Deployment"),
            &c,
            &EnvValue::FromLimit
        ));
    }

    #[test]
    fn a_chart_with_no_default_memory_limit_is_left_alone() {
        let text = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: relay\n        image: {{ .Values.image }}\n        env:\n        - name: A\n          value: b\n        resources:\n          {{- toYaml .Values.relay.resources | nindent 10 }}\n";
        let (masked, c) = container(text);
        let unset: Value = serde_saphyr::from_str("relay:\n  resources: {}\n").unwrap();
        let why = limit_by_default(text, &masked, &c, &unset).unwrap_err();
        assert!(
            why.contains("`.Values.relay.resources` has no limits.memory"),
            "{why}"
        );
        let set: Value =
            serde_saphyr::from_str("relay:\n  resources:\n    limits:\n      memory: 512Mi\n")
                .unwrap();
        assert!(limit_by_default(text, &masked, &c, &set).is_ok());
        // Written in the template itself.
        let literal = text.replace(
            "          {{- toYaml .Values.relay.resources | nindent 10 }}\n",
            "          limits:\n            memory: 1Gi\n",
        );
        let (masked, c) = container(&literal);
        assert!(limit_by_default(&literal, &masked, &c, &unset).is_ok());
    }

    #[test]
    fn hooks_are_told_by_their_own_document() {
        let text = "kind: Deployment\nspec: {}\n---\nkind: Job\nmetadata:\n  annotations:\n    helm.sh/hook: pre-delete\nspec: {}\n";
        assert!(!is_hook(text, text.find("spec").unwrap()));
        assert!(is_hook(text, text.find("kind: Job").unwrap() + 5));
        assert!(!is_hook("kind: Job\nspec: {}\n", 3));
    }

    #[test]
    fn resources_written_in_a_with_block_are_read_from_its_values() {
        // The `with` names the values; the `if` after the block's `end`
        // belongs to the next key and says nothing about memory.
        let text = "kind: DaemonSet\nspec:\n  template:\n    spec:\n      containers:\n      - name: relay\n        image: {{ .Values.image }}\n        {{- with .Values.relay.resources }}\n        resources:\n          {{- toYaml . | nindent 10 }}\n        {{- end }}\n        {{- if .Values.relay.metrics.port }}\n        ports:\n        - containerPort: {{ .Values.relay.metrics.port }}\n        {{- end }}\n";
        let (masked, c) = container(text);
        let unset: Value =
            serde_saphyr::from_str("relay:\n  resources: {}\n  metrics:\n    port: 9100\n")
                .unwrap();
        let why = limit_by_default(text, &masked, &c, &unset).unwrap_err();
        assert!(
            why.contains("`.Values.relay.resources` has no limits.memory"),
            "{why}"
        );
        let set: Value = serde_saphyr::from_str(
            "relay:\n  resources:\n    limits:\n      memory: 64Mi\n  metrics:\n    port: 9100\n",
        )
        .unwrap();
        assert!(limit_by_default(text, &masked, &c, &set).is_ok());
    }

    #[test]
    fn a_list_built_by_to_yaml_is_left_alone() {
        let text = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: relay\n        image: {{ .Values.image }}\n        env:\n          {{- toYaml .Values.env | nindent 10 }}\n        resources: {}\n";
        let (m, c) = container(text);
        let why = env_edit(text, &m, &c).unwrap_err();
        assert!(why.contains("toYaml .Values.env"), "{why}");
    }

    #[test]
    fn an_env_key_inside_a_with_block_is_left_alone() {
        let text = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: relay\n        image: {{ .Values.image }}\n        {{- with .Values.env }}\n        env:\n        - name: A\n          value: b\n        {{- end }}\n        resources: {}\n";
        let (m, c) = container(text);
        let why = env_edit(text, &m, &c).unwrap_err();
        assert!(why.contains("inside `{{- with .Values.env }}`"), "{why}");
    }

    #[test]
    fn a_new_env_goes_before_resources_outside_its_block() {
        let text = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: relay\n          image: {{ .Values.image }}\n          {{- with .Values.resources }}\n          resources:\n            {{- toYaml . | nindent 12 }}\n          {{- end }}\n";
        let (m, c) = container(text);
        let out = apply_edits(text, &[env_edit(text, &m, &c).unwrap()]);
        assert!(out.contains("          image: {{ .Values.image }}\n          env:\n            - name: GOMEMLIMIT\n              valueFrom:\n                resourceFieldRef:\n                  resource: limits.memory\n          {{- with .Values.resources }}\n"), "{out}");
    }

    #[test]
    fn an_else_branch_is_masked_out() {
        // Both branches at once would set `checksum` twice.
        let m = mask("a:\n  {{- if .Values.x }}\n  checksum: {{ .Values.x }}\n  {{- else }}\n  checksum: none\n  {{- end }}\n");
        assert_eq!(m.text, "a:\n  checksum: _tpl1_\n");
        assert_eq!(m.lines, vec![0, 2]);
    }

    #[test]
    fn an_item_of_actions_alone_may_go_on_as_a_mapping() {
        let m = mask("l:\n  - {{ toYaml $c | nindent 4 | trim }}\n    extra: 1\n  - plain\n");
        assert_eq!(m.text, "l:\n  - _tpl0_: ~\n    extra: 1\n  - plain\n");
        assert!(serde_saphyr::from_str::<Value>(&m.text).is_ok());
    }

    #[test]
    fn keys_written_by_an_action_may_hold_an_env() {
        let text = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: relay\n        image: {{ .Values.image }}\n        {{- include \"relay.extras\" . | nindent 8 }}\n        resources: {}\n";
        let (m, c) = container(text);
        let why = env_edit(text, &m, &c).unwrap_err();
        assert!(why.contains("relay.extras"), "{why}");
        // Setting a variable writes nothing.
        let var = text.replace(
            "{{- include \"relay.extras\" . | nindent 8 }}",
            "{{- $extras := include \"relay.extras\" . }}",
        );
        let (m, c) = container(&var);
        assert!(env_edit(&var, &m, &c).is_ok());
        // A value's lines, deeper than the keys, are that value's.
        let value = text.replace(
            "        {{- include \"relay.extras\" . | nindent 8 }}\n",
            "        securityContext:\n          {{- toYaml .Values.sc | nindent 10 }}\n",
        );
        let (m, c) = container(&value);
        assert!(env_edit(&value, &m, &c).is_ok());
    }

    #[test]
    fn a_cron_job_template_is_edited_at_its_depth() {
        let text = "kind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: sweep\n              image: {{ .Values.image }}\n              resources:\n                {{- toYaml .Values.resources | nindent 16 }}\n";
        let (m, c) = container(text);
        assert_eq!(c.path, ["spec", "jobTemplate", "spec", "template", "spec"]);
        let out = apply_edits(text, &[env_edit(text, &m, &c).unwrap()]);
        assert!(out.contains("              env:\n                - name: GOMEMLIMIT\n                  valueFrom:\n"), "{out}");
    }

    #[test]
    fn image_helpers_are_read_with_the_charts_values() {
        let tpl = "{{/* the image */}}\n{{- define \"x.image\" -}}\n{{- if .Values.image.registry -}}\n{{ .Values.image.registry }}/{{ .Values.image.repository }}\n{{- else -}}\n{{ .Values.image.repository }}\n{{- end -}}\n{{- end -}}\n{{ define \"x.outer\" }}{{ include \"x.image\" . }}{{ end }}\n";
        let defines: Defines = defines_in(tpl).into_iter().collect();
        assert_eq!(defines.keys().collect::<Vec<_>>(), ["x.image", "x.outer"]);
        // The body runs to the `end` that closes the define, not the if's.
        assert!(defines["x.image"].trim_end().ends_with("{{- end -}}"));
        assert!(!defines["x.image"].contains("define"));
        let paths = |expr: &str| values_paths(&with_helpers(expr, &defines));
        assert!(
            paths("{{ include \"x.image\" . | quote }}").contains(&"image.repository".to_string())
        );
        assert!(paths("{{ template \"x.image\" $ }}").contains(&"image.repository".to_string()));
        // Through a helper that includes it.
        assert!(paths("{{ include \"x.outer\" . }}").contains(&"image.repository".to_string()));
        // Handed other data, the helper's `.Values` are not the chart's own.
        assert_eq!(
            paths("{{ include \"x.image\" .Values.sidecar }}"),
            ["sidecar"]
        );
        assert!(paths("{{ include \"y.image\" . }}").is_empty());
    }

    #[test]
    fn values_paths_of_an_image() {
        assert_eq!(
            values_paths("{{ include \"x.image\" (dict \"image\" .Values.api.image \"ctx\" .) }}"),
            vec!["api.image"]
        );
    }
}
