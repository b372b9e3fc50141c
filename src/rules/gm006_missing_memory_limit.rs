//! GM006: a Go service that runs in a container with a memory limit, and
//! nothing tells the Go runtime about that limit.
//!
//! The pattern finds `func main()` in `package main`; this module drops mains no
//! Linux build compiles, empty mains, C libraries and plugins, and test, e2e,
//! bench, demo and example apps (unless `include-test-apps`); it asks
//! `deploy::gocode` whether the package or a module package it imports sets the
//! limit, and `deploy` for the Dockerfiles (and ko builds), Kubernetes
//! manifests, Helm chart workloads and compose files tied to this very package, staying silent when there are none or when
//! `GOMEMLIMIT` is set for the service anywhere in the repository. The fix is the
//! best the evidence allows: an `env` entry in the Kubernetes manifest, else
//! `ENV` in the Dockerfile when compose gives the limit, else
//! `debug.SetMemoryLimit` at the top of `main`. It reads no file itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::analysis::deploy::folders::test_app_folder;
use crate::analysis::deploy::helm::ChartFix;
use crate::analysis::deploy::kubernetes::EnvValue;
use crate::analysis::deploy::{self, gocode, quantity, Evidence, MainPackage};
use crate::analysis::std_deps;
use crate::finding::{Edit, FileEdit};
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::gomod::GoVersion;
use crate::imports::{choose_name, line_end, ImportRequest};
use crate::outcome::{FixPlan, Grounds, Outcome};

/// A package built as a C library (`import "C"` with `//export` functions):
/// its `main` is the empty one `-buildmode=c-shared` requires and never runs.
fn is_c_library(files: &[&str]) -> bool {
    let imports_c = files
        .iter()
        .any(|t| gocode::imports_of(t).iter().any(|i| i == "C"));
    imports_c
        && files
            .iter()
            .any(|t| t.lines().any(|l| l.starts_with("//export ")))
}

/// The entry point: see the module documentation.
pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    let name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if file.package_name != "main" || file.is_test_file || !gocode::linux_builds(&name, file.text())
    {
        return Outcome::Silent;
    }
    // A main that does nothing (a `go:generate` anchor, a c-shared library's) runs no service.
    if m.get_node().field("body").is_some_and(|b| {
        b.children()
            .all(|c| matches!(c.kind().as_ref(), "{" | "}" | "comment"))
    }) {
        return Outcome::Silent;
    }
    let dir = match file.path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let files = file.package();
    let dir = files.canonical(&dir);
    let (root, module_path) = match &file.module {
        Some(m) => (files.canonical(&m.root), m.path.clone()),
        None => (
            deploy::gopath_project_root(files, &dir)
                .map(|d| files.canonical(&d))
                .unwrap_or_else(|| dir.clone()),
            String::new(),
        ),
    };
    let me = files.canonicalize(file.path);
    let package = gocode::package_files(files, &dir);
    if package
        .iter()
        .any(|f| f.package != "main" && !f.package.is_empty())
    {
        return Outcome::Silent; // the folder's package is not `main` (a `go run` helper)
    }
    let siblings: Vec<(PathBuf, String)> = package
        .iter()
        .filter(|f| Some(&f.path) != me.as_ref())
        .map(|f| (f.path.clone(), f.text.clone()))
        .collect();
    // A `func main` that needs a custom tag (`//go:build next`) beside one a
    // plain `go build` compiles is not in the package the images build
    // (`package_files`): the plain main carries the finding.
    if !package
        .iter()
        .any(|f| f.path.file_name() == file.path.file_name())
    {
        return Outcome::Silent;
    }
    let texts: Vec<&str> = std::iter::once(file.text())
        .chain(siblings.iter().map(|(_, t)| t.as_str()))
        .collect();
    if is_c_library(&texts) {
        return Outcome::Silent;
    }
    // A CNI plug-in (`skel.PluginMainFuncs`) is exec'd once per pod by the
    // container runtime and exits: no service, whatever image holds it,
    // unless the package also waits to be stopped (a daemon mode).
    if gocode::one_shot_plugin(files, &dir).is_some()
        && gocode::runs_until_stopped(files, &dir).is_none()
    {
        return Outcome::Silent;
    }
    let main = MainPackage::new(files, &dir, &root, &module_path);
    if gocode::main_text_handles_limit(file.text()).is_some()
        || gocode::limit_set_in_code(files, &dir, &root, &module_path).is_some()
    {
        return Outcome::Silent;
    }
    let ev = deploy::evidence_for(files, &main);
    let mut main = main;
    main.binaries.extend(ev.names_given.iter().cloned());
    if ev.library_build.is_some() || ev.limit_set_in.is_some() {
        return Outcome::Silent;
    }
    let test_app = (!file.options.is_set("include-test-apps"))
        .then(|| test_app_folder(&main.repo_rel_dir()))
        .flatten();
    let handler = gocode::limit_set_in_handler(files, &dir, &root, &module_path);
    let Some(mut grounds) = grade(files, &ev, handler) else {
        return Outcome::Silent;
    };
    // A chart container tied by its name or image alone, to a program whose
    // release builds it only for the archives while the images hold other
    // builds: the chart runs one of those (a product's CLI `chatbeacon`
    // beside the agent its image holds), most likely.
    let chart_only = !ev.chart_workloads.is_empty()
        && ev.dockerfiles.is_empty()
        && ev.ko_images.is_empty()
        && ev.containers.is_empty()
        && ev.services.is_empty();
    let archive_only = chart_only
        .then(|| deploy::build::archive_only_for(files, &main.repo_root, &dir, &main.import_path))
        .flatten();
    if let Some((path, line, what)) = archive_only {
        if grounds.confidence == Some(crate::finding::Confidence::High) {
            grounds.confidence = Some(crate::finding::Confidence::Medium);
        }
        grounds.push(crate::finding::Evidence {
            path,
            line,
            what: format!(
                "{what}: the chart that names it may run one of those (lowers confidence)"
            ),
        });
    }
    let hints = gocode::limit_hints(files, &dir, &module_path);
    if let Some((path, line, what)) = hints.library_call {
        grounds.confidence = Some(crate::finding::Confidence::Low);
        grounds.push(crate::finding::Evidence { path, line, what });
    }
    if let Some((path, line, what)) = file
        .module
        .as_deref()
        .and_then(gocode::module_requires_limit_library)
    {
        grounds.confidence = Some(crate::finding::Confidence::Low);
        grounds.push(crate::finding::Evidence { path, line, what });
    }
    if let Some((path, line, what)) = hints.gc_percent {
        if grounds.confidence == Some(crate::finding::Confidence::High) {
            grounds.confidence = Some(crate::finding::Confidence::Medium);
        }
        grounds.push(crate::finding::Evidence { path, line, what });
    }
    let old_go = go_without_limits(
        files,
        &ev,
        &main,
        file.module.as_ref().and_then(|m| m.go_version),
    );
    if let Some(item) = old_go.clone() {
        grounds.push(item);
    }
    let deployed_only_by_tests = (!file.options.is_set("include-test-apps") && test_app.is_none())
        .then(|| tests_deploy_it(&ev, &main.repo_root))
        .flatten();
    if let Some((path, folder)) = deployed_only_by_tests {
        grounds.confidence = Some(crate::finding::Confidence::Low);
        grounds.push(crate::finding::Evidence {
            path,
            line: 1,
            what: format!(
                "every image and manifest that runs it is in a test or benchmark folder ({folder}/) by its name (lowers confidence)"
            ),
        });
    }
    if let Some(folder) = test_app {
        grounds.confidence = Some(crate::finding::Confidence::Low);
        grounds.push(file.evidence(
            m.get_node().range().start,
            format!(
                "it is in {folder}/, a test, mock, fake, example, demo or documentation app's folder by its name"
            ),
        ));
    }
    if old_go.is_some() {
        // The claim is then "upgrade Go, then set a limit", which readers of
        // real code split on (by finding, 7 true and 4 false over batches
        // 10-25): not sure enough for the default set.
        if grounds.confidence == Some(crate::finding::Confidence::High) {
            grounds.confidence = Some(crate::finding::Confidence::Medium);
        }
        // Neither edit would do anything on that Go (SetMemoryLimit would not
        // even compile).
        let (major, minor) = (FIRST_GO_WITH_LIMITS.major, FIRST_GO_WITH_LIMITS.minor);
        return Outcome::report_only(Some(format!(
            "no automatic fix: the Go that builds it has no memory limit; upgrade to Go {major}.{minor} or later first"
        )))
        .graded(grounds);
    }
    run_graded(file, m, &ev, &main, &root, &siblings).graded(grounds)
}

/// When every file that runs or builds the program in a container (its
/// Dockerfiles, manifests, compose files, charts, ko builds) sits in a folder
/// whose name says test or benchmark (`benchmark/manifests/`,
/// `test/e2e/images/`): a harness's image, not the service's. The first such
/// file and its folder.
fn tests_deploy_it(ev: &Evidence, repo_root: &Path) -> Option<(PathBuf, String)> {
    let mut files: Vec<PathBuf> = ev.dockerfiles.iter().map(|d| d.path.clone()).collect();
    files.extend(ev.containers.iter().map(|t| t.manifest.path.clone()));
    files.extend(ev.services.iter().map(|s| s.file.path.clone()));
    files.extend(
        ev.chart_workloads
            .iter()
            .chain(&ev.chart_opt_in)
            .map(|(p, _, _)| p.clone()),
    );
    files.extend(ev.ko_images.iter().map(|(p, _, _)| p.clone()));
    // Tests and benchmarks only: a project may keep its install manifests
    // under `examples/`.
    let folder_of = |p: &Path| {
        let rel = p.parent()?.strip_prefix(repo_root).ok()?;
        test_app_folder(&rel.to_string_lossy().replace('\\', "/")).filter(|f| {
            let name = f.rsplit('/').next().unwrap_or(f).to_ascii_lowercase();
            name.starts_with("bench") || name.starts_with("e2e") || name.contains("test")
        })
    };
    let first = files.first()?.clone();
    let folder = folder_of(&first)?;
    files
        .iter()
        .all(|p| folder_of(p).is_some())
        .then_some((first, folder))
}

/// Go learnt memory limits in 1.19 (`GOMEMLIMIT`, `debug.SetMemoryLimit`).
const FIRST_GO_WITH_LIMITS: GoVersion = GoVersion::new(1, 19);

/// Evidence that the program is built with a Go that has no memory limit to
/// set. From its images: every Go image its Dockerfiles build with names a
/// release older than 1.19 (`FROM golang:1.14`); an image that floats
/// (`golang:alpine`) says nothing. Or, when no Dockerfile builds it (the
/// binary is built outside Docker and copied in), from CI: the module's `go`
/// line is older than 1.19 and every Go the repository's workflows install
/// (`setup-go`'s `go-version`, each value of its matrix, `go-version-file:
/// go.mod`) is too. `go.mod`'s `go` line alone is the oldest Go the module
/// accepts, not the one that builds it. The harm is the same; the remedy
/// starts with a Go upgrade, so the finding offers no edit. (Readers of real
/// code split on such findings: over batches 10-25, 7 true (nps, dtm,
/// ssl_exporter, wave, go-shadowsocks2, orchestrator, harbor-operator) and 4
/// false (ion-sfu x3, sshportal), so they are medium.)
fn go_without_limits(
    files: &crate::package::Files,
    ev: &Evidence,
    main: &MainPackage,
    module_go: Option<GoVersion>,
) -> Option<crate::finding::Evidence> {
    let images: Vec<(&deploy::dockerfile::Dockerfile, usize, Option<GoVersion>)> = ev
        .dockerfiles
        .iter()
        .flat_map(|d| {
            d.go_images()
                .into_iter()
                .map(move |(off, v)| (&**d, off, v))
        })
        .collect();
    if images.is_empty() {
        return ci_go_without_limits(files, main, module_go?);
    }
    if images.iter().any(|(_, _, v)| v.is_none()) {
        return None;
    }
    let (d, off, version) = images.into_iter().max_by_key(|(_, _, v)| *v)?;
    let version = version?;
    (version < FIRST_GO_WITH_LIMITS).then(|| crate::finding::Evidence {
        path: d.path.clone(),
        line: d.line_of(off),
        what: format!(
            "its image is built with Go {}.{}, which has no memory limit to set (GOMEMLIMIT and debug.SetMemoryLimit came in Go 1.19): Go must be upgraded first",
            version.major, version.minor
        ),
    })
}

/// The CI half of [`go_without_limits`]: the newest Go the workflows install,
/// when it and the module's `go` line are both older than 1.19.
fn ci_go_without_limits(
    files: &crate::package::Files,
    main: &MainPackage,
    module_go: GoVersion,
) -> Option<crate::finding::Evidence> {
    use deploy::build::CiGoVersion;
    if module_go >= FIRST_GO_WITH_LIMITS {
        return None;
    }
    let builds = deploy::build::repo_builds(files, &main.repo_root);
    // The workflows of the nearest folder above the package that has any
    // (GitHub runs those of the repository's top).
    let root = builds
        .ci_go
        .iter()
        .map(|ci| &ci.root)
        .filter(|r| main.dir.starts_with(r))
        .max_by_key(|r| r.components().count())?;
    let mut newest: Option<(&deploy::build::CiGo, GoVersion)> = None;
    for ci in builds.ci_go.iter().filter(|ci| &ci.root == root) {
        let version = match ci.go {
            CiGoVersion::Exact(v) => v,
            CiGoVersion::FromGoMod => module_go,
            CiGoVersion::Floating => return None,
        };
        if newest.is_none_or(|(_, n)| version > n) {
            newest = Some((ci, version));
        }
    }
    let (ci, version) = newest?;
    (version < FIRST_GO_WITH_LIMITS).then(|| crate::finding::Evidence {
        path: ci.path.clone(),
        line: ci.line,
        what: format!(
            "CI builds it with Go {}.{} at most, and its go.mod says go {}.{}: that Go has no memory limit to set (GOMEMLIMIT and debug.SetMemoryLimit came in Go 1.19): Go must be upgraded first",
            version.major, version.minor, module_go.major, module_go.minor
        ),
    })
}

/// The confidence of a finding, and its evidence; None when there is too
/// little to report (see the rule's documentation, "Evidence and confidence").
///
/// - high: an image or manifest runs this binary (an `ENTRYPOINT`/`CMD` that
///   names it, a Deployment, StatefulSet, DaemonSet or Pod container, a compose
///   service) and it serves (it or a module package it calls listens, or the
///   image has `EXPOSE`/`HEALTHCHECK`) or is kept running (a Deployment,
///   StatefulSet or DaemonSet that names it, a compose `restart: always`);
/// - medium: one of the two is weaker (a Dockerfile that only builds it, an
///   image whose default command asks for help, a `VOLUME` alone, `main`
///   waiting to be stopped, a Job);
/// - low: the evidence above, in a test, mock, fake, example, demo or documentation app's
///   folder, or in a CUDA image built with cgo (memory outside the Go heap).
fn grade(
    files: &crate::package::Files,
    ev: &Evidence,
    handler: Option<gocode::Site>,
) -> Option<Grounds> {
    use crate::finding::{Confidence, Evidence as Item};
    let mut items: Vec<Item> = vec![];
    let mut runs = false;
    let mut strong_mark = false;
    let mut reportable = false;
    let mut gpu = None;
    let mut help_only = false;
    let mut debug_only = false;
    // A memory limit on a workload that runs continuously says as much as a port.
    let mut limited_service = false;
    // A workload or compose service that restarts it whenever it stops.
    let mut kept_running = false;
    for (d, (tie, site)) in ev.dockerfiles.iter().zip(&ev.ties) {
        // Or runs a program of subcommands with none, whose root command
        // does nothing of its own: it prints its usage and exits too.
        let bare = ev.root_runs_nothing && d.runs_without_arguments();
        let help = d.default_command_asks_for_help() || bare;
        let run_at = site
            .as_ref()
            .filter(|_| *tie == deploy::dockerfile::Tie::Runs)
            .map(|(off, _)| *off);
        let debugger = d.runs_under_debugger(run_at);
        if let Some((off, what)) = site {
            let what = if bare {
                format!("{what}, with no subcommand, and its root command runs none of its own: it prints its usage and exits (lowers confidence)")
            } else if help {
                format!("{what}, but its default command only asks for help")
            } else if debugger {
                format!("{what}, under the dlv debugger: an image for debugging it, not for running it (lowers confidence)")
            } else {
                what.clone()
            };
            items.push(Item {
                path: d.path.clone(),
                line: d.line_of(*off),
                what,
            });
        }
        runs |= *tie == deploy::dockerfile::Tie::Runs && !help && !debugger;
        debug_only |= debugger && *tie == deploy::dockerfile::Tie::Runs;
        // The marks of the image that runs it: its stage and those it is
        // built from (a CLI target beside a server target exposes nothing).
        let marks = d.service_marks_at(run_at);
        // A Dockerfile stamped from one template for every program of its
        // folder exposes the template's port, tool or service alike.
        let stamped = !marks.is_empty() && deploy::stamped_from_template(files, d);
        reportable |= !marks.is_empty() || ev.listens.is_some() || ev.runs_until_stopped.is_some();
        // An image that asks for help by default, of a program that listens:
        // a command-line tool with a server subcommand, most likely.
        help_only |= help && marks.is_empty();
        // Or whose image exposes that subcommand's port: the same, said by the image.
        if let Some((off, what)) = d.port_beside_help() {
            reportable = true;
            items.push(Item {
                path: d.path.clone(),
                line: d.line_of(off),
                what: format!("{what}: the port of a server subcommand, beside a default command that asks for help"),
            });
        }
        for (off, what, strong) in marks {
            strong_mark |= strong && !stamped;
            // A weak health check says why it is weak instead.
            let what = if stamped {
                format!("{what}: the same in every Dockerfile stamped from one template beside it, tool or service alike (lowers confidence)")
            } else if strong || what.starts_with("VOLUME") {
                format!("{what}: the image serves")
            } else {
                what
            };
            items.push(Item {
                path: d.path.clone(),
                line: d.line_of(off),
                what,
            });
        }
        if gpu.is_none() {
            gpu = d.cgo_gpu_runner().map(|(off, what)| Item {
                path: d.path.clone(),
                line: d.line_of(off),
                what: format!("{what}: most of its memory is outside the Go heap, which GOMEMLIMIT does not count"),
            });
        }
    }
    // A ko image runs the package's binary as its entrypoint, and declares
    // no port: the program (or a workload) says whether it serves.
    for (path, line, what) in &ev.ko_images {
        runs = true;
        reportable |= ev.listens.is_some() || ev.runs_until_stopped.is_some();
        items.push(Item {
            path: path.clone(),
            line: *line,
            what: what.clone(),
        });
    }
    // A chart's Deployment, StatefulSet or DaemonSet that names it keeps it
    // running, as a plain manifest's does.
    for (path, line, what) in &ev.chart_workloads {
        runs = true;
        reportable = true;
        kept_running = true;
        items.push(Item {
            path: path.clone(),
            line: *line,
            what: what.clone(),
        });
    }
    // One the chart's defaults leave off runs it where an install turns it
    // on: it does not say the program is kept running, so the program must
    // serve for the finding to be high (an opt-in DaemonSet of a CLI, or of
    // a controller whose framework waits, is medium).
    for (path, line, what) in &ev.chart_opt_in {
        runs = true;
        reportable = true;
        items.push(Item {
            path: path.clone(),
            line: *line,
            what: format!("{what}, a workload the chart's default values leave off"),
        });
    }
    for t in &ev.containers {
        let c = t.container();
        let kind = c.workload.split(' ').next().unwrap_or("");
        let long_running = matches!(
            kind,
            "Deployment"
                | "StatefulSet"
                | "DaemonSet"
                | "ReplicaSet"
                | "Pod"
                | "ReplicationController"
                // Knative's (`kubernetes::POD_TEMPLATE_KINDS`): a Deployment each.
                | "Service"
                | "ContainerSource"
        );
        runs |= long_running;
        // A Deployment, StatefulSet or DaemonSet keeps its containers running:
        // what it runs by name is a long-lived service, port or not (a Pod
        // may be a one-off; a workload tied only as the one nearby may run
        // something else).
        let kept = t.named && long_running && kind != "Pod";
        reportable |= c.memory_limit.is_some() || (long_running && ev.listens.is_some()) || kept;
        kept_running |= kept;
        limited_service |= long_running && c.memory_limit.is_some();
        let limit = c
            .memory_limit
            .as_ref()
            .map(|(text, _)| format!(", limits.memory {text}"))
            .unwrap_or_default();
        items.push(Item {
            path: t.manifest.path.clone(),
            line: t.manifest.text[..c.start.min(t.manifest.text.len())]
                .matches('\n')
                .count()
                + 1,
            what: format!("{} runs it as {}{limit}", c.workload, container_label(c)),
        });
    }
    for s in &ev.services {
        let svc = s.service();
        runs = true;
        // A service restarted whenever it stops is meant to keep running.
        reportable |= svc.memory_limit.is_some() || svc.keeps_running;
        limited_service |= svc.memory_limit.is_some();
        kept_running |= svc.keeps_running;
        let limit = svc
            .memory_limit
            .as_ref()
            .map(|(text, _)| format!(", memory limit {text}"))
            .unwrap_or_default();
        let restart = if svc.keeps_running && svc.memory_limit.is_none() {
            ", restarted whenever it stops"
        } else {
            ""
        };
        items.push(Item {
            path: s.file.path.clone(),
            line: deploy::line_of_key(files, &s.file.path, &svc.name),
            what: format!("compose service {} runs it{limit}{restart}", svc.name),
        });
    }
    if !reportable {
        return None;
    }
    for (path, line, what) in ev.listens.iter().chain(&ev.runs_until_stopped) {
        items.push(Item {
            path: path.clone(),
            line: *line,
            what: what.clone(),
        });
    }
    for (path, line, what) in ev.limits_elsewhere.iter().chain(&handler) {
        let why = if what.contains("handler") {
            format!("{what}: an operator's call, not the service's startup, so no limit is set when it starts")
        } else {
            what.clone()
        };
        items.push(Item {
            path: path.clone(),
            line: *line,
            what: why,
        });
    }
    // Waiting to be stopped (`select {}`, a signal) says it is long-lived but
    // not that it serves: a demo client that publishes until killed waits
    // too. It makes a finding of an image that runs it, at medium.
    let serves = ev.listens.is_some() || strong_mark || limited_service || kept_running;
    let mut confidence = if runs && serves {
        Confidence::High
    } else if (help_only || debug_only) && !runs {
        Confidence::Low
    } else {
        Confidence::Medium
    };
    // A ConfigMap no file defines may set GOMEMLIMIT: at most medium.
    for (path, line, name) in &ev.unknown_env_maps {
        if confidence == Confidence::High {
            confidence = Confidence::Medium;
        }
        items.push(Item {
            path: path.clone(),
            line: *line,
            what: format!(
                "its env comes from ConfigMap {name}, which no file read defines: it may set GOMEMLIMIT (lowers confidence)"
            ),
        });
    }
    if let Some(item) = gpu {
        confidence = Confidence::Low;
        items.push(item);
    }
    let mut g = Grounds::new(confidence);
    for i in items {
        g.push(i);
    }
    Some(g)
}

/// The finding's message and fix, once it is graded.
fn run_graded(
    file: &GoFile,
    m: &GoMatch,
    ev: &Evidence,
    main: &MainPackage,
    root: &Path,
    siblings: &[(PathBuf, String)],
) -> Outcome {
    let files = file.package();
    let repo_root = main.repo_root.as_path();
    // Relative to the module, else to the repository (a Dockerfile above a
    // nested module), never absolute.
    let shown = |p: &Path| {
        p.strip_prefix(root)
            .or_else(|_| p.strip_prefix(repo_root))
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| p.file_name().map(PathBuf::from).unwrap_or_default())
            .to_string_lossy()
            .into_owned()
    };
    let ev = ev.clone();
    let siblings = siblings.to_vec();
    let note = describe(&ev, &shown);
    let charts = deploy::helm::chart_fixes(files, main, ev.builds_image());
    if let Some(outcome) = kubernetes_fix(file, main, &ev, &charts, &note, &shown) {
        return outcome;
    }
    // A chart runs it but is not edited: the finding says why (a release's
    // copy of the chart is never edited, so it needs no word).
    let skipped: Vec<String> = charts
        .iter()
        .filter(|c| match c {
            ChartFix::Skip { path, .. } | ChartFix::Edit { path, .. } => {
                release_of(main, path).is_none()
            }
        })
        .map(|c| match c {
            ChartFix::Skip { path, why, .. } => format!("{}: {why}", shown(path)),
            // Only `--memlimit-fixed` leaves an edit out (see `kubernetes_fix`).
            ChartFix::Edit { path, .. } => format!(
                "{}: with --memlimit-fixed; a chart's memory limit comes from the values of each install, which a fixed value would not follow",
                shown(path)
            ),
        })
        .collect();
    let outcome = other_fix(file, m, &ev, &note, &shown, &siblings);
    if skipped.is_empty() {
        return outcome;
    }
    let why = format!("the Helm chart is not edited ({})", skipped.join("; "));
    match outcome {
        Outcome::Report {
            grounds,
            message,
            fix: Some(mut plan),
        } => {
            plan.description = Some(match plan.description {
                Some(d) => format!("{d}; {why}"),
                None => why,
            });
            Outcome::Report {
                grounds,
                message,
                fix: Some(plan),
            }
        }
        Outcome::Report {
            grounds,
            message,
            fix: None,
        } => Outcome::Report {
            grounds,
            message: Some(format!("{}; {why}", message.unwrap_or(note))),
            fix: None,
        },
        other => other,
    }
}

/// `container NAME`, or `its container` for one with no name (Knative's).
fn container_label(c: &deploy::kubernetes::Container) -> String {
    if c.name.is_empty() {
        "its container".to_string()
    } else {
        format!("container {}", c.name)
    }
}

/// The Dockerfile `ENV` or `debug.SetMemoryLimit` fix, when no manifest or
/// chart takes the entry.
fn other_fix(
    file: &GoFile,
    m: &GoMatch,
    ev: &Evidence,
    note: &str,
    shown: &dyn Fn(&Path) -> String,
    siblings: &[(PathBuf, String)],
) -> Outcome {
    let files = file.package();
    let note = note.to_string();
    let compose_limit = ev
        .services
        .iter()
        .filter_map(|s| {
            let svc = s.service();
            let (text, bytes) = svc.memory_limit.clone()?;
            let mib = bytes.and_then(quantity::go_limit_mib)?;
            Some((mib, text, svc.name.clone(), shown(&s.file.path)))
        })
        .min();
    if let Some((mib, text, service, compose)) = &compose_limit {
        let comment = format!("90% of mem limit {text} of service {service} in {compose}");
        let named: Vec<PathBuf> = ev
            .services
            .iter()
            .filter_map(|s| {
                let svc = s.service();
                let p = svc
                    .dockerfile
                    .clone()
                    .or_else(|| svc.context.as_ref().map(|c| c.join("Dockerfile")))?;
                Some(files.canonical(&p))
            })
            .collect();
        let mut targets: Vec<_> = ev
            .dockerfiles
            .iter()
            .filter(|d| named.contains(&d.path))
            .collect();
        if targets.is_empty() {
            targets = ev.dockerfiles.iter().collect();
        }
        let extra_files: Vec<FileEdit> = targets
            .iter()
            .filter_map(|d| {
                Some(FileEdit {
                    path: d.path.clone(),
                    edits: vec![d.env_edit(*mib, &comment)?],
                    imports: vec![],
                })
            })
            .collect();
        if !extra_files.is_empty() {
            let names: Vec<String> = extra_files.iter().map(|f| shown(&f.path)).collect();
            return Outcome::Report {
                grounds: Grounds::default(),
                message: Some(note),
                fix: Some(FixPlan {
                    extra_files,
                    description: Some(format!(
                        "Set ENV GOMEMLIMIT={mib}MiB (90% of the {text} compose limit) in the final stage of {}",
                        names.join(", ")
                    )),
                    ..FixPlan::default()
                }),
            };
        }
    }
    // In the Go code: with the limit compose gives, else the one the user gave.
    let given = file.options.get("memory-limit").and_then(|s| {
        let mib = quantity::kubernetes_bytes(s)
            .and_then(quantity::go_limit_mib)
            .or_else(|| quantity::docker_bytes(s).and_then(quantity::go_limit_mib))?;
        Some((mib, s.to_string(), "--memory-limit".to_string()))
    });
    let size = compose_limit
        .map(|(mib, text, service, compose)| (mib, text, format!("service {service} in {compose}")))
        .or(given);
    let Some((mib, text, source)) = size else {
        return Outcome::report_only(Some(format!(
            "{note}; no memory limit is known: pass --memory-limit SIZE (the container's limit) for a debug.SetMemoryLimit fix"
        )));
    };
    match set_memory_limit_plan(file, m.get_node(), &siblings, mib, &text, &source) {
        Some(plan) => Outcome::Report {
            grounds: Grounds::default(),
            message: Some(note),
            fix: Some(plan),
        },
        None => Outcome::report_only(Some(format!(
            "{note}; no automatic fix: runtime/debug cannot be imported here"
        ))),
    }
}

/// The edits adding `GOMEMLIMIT` to every Go container with a memory limit,
/// and to the containers of the Helm charts that run it.
fn kubernetes_fix(
    file: &GoFile,
    main: &MainPackage,
    ev: &Evidence,
    charts: &[ChartFix],
    note: &str,
    shown: &dyn Fn(&Path) -> String,
) -> Option<Outcome> {
    let limited: Vec<_> = ev
        .containers
        .iter()
        .filter(|t| t.container().memory_limit.is_some())
        .collect();
    let from_resource = !file.options.is_set("memlimit-fixed");
    let chart_edits = from_resource && charts.iter().any(|c| matches!(c, ChartFix::Edit { .. }));
    if limited.is_empty() && !chart_edits {
        return None;
    }
    // The catalogue's Kubernetes form reads the limit when the container
    // starts, so an edited limit needs no second edit; a fixed 90% keeps
    // headroom but goes stale when the limit is edited.
    let mut by_file: BTreeMap<PathBuf, Vec<Edit>> = BTreeMap::new();
    let mut problems = vec![];
    let mut what = vec![];
    // Copies of the manifests as a release shipped (`deploy/v4.13.4/`) are
    // evidence, not what a fix edits.
    let mut releases: BTreeSet<String> = BTreeSet::new();
    let release_of = |p: &Path| release_of(main, p);
    // An entry that reads the limit, in the base a kustomize patch changes,
    // follows any limit the patch sets: the patches of the base's workload
    // and container (a test overlay's, a resources patch) are left alone.
    let patch =
        |t: &deploy::TiedContainer| deploy::is_kustomize_patch(file.package(), &t.manifest.path);
    let key =
        |t: &deploy::TiedContainer| (t.container().workload.clone(), t.container().name.clone());
    let bases: Vec<(String, String)> = if from_resource {
        limited
            .iter()
            .filter(|t| release_of(&t.manifest.path).is_none() && !patch(t))
            .map(|t| key(t))
            .collect()
    } else {
        vec![]
    };
    for t in limited {
        let c = t.container();
        if let Some(r) = release_of(&t.manifest.path) {
            releases.insert(r);
            continue;
        }
        if bases.contains(&key(t)) && patch(t) {
            continue;
        }
        // A container whose `command` runs a program no build of this one
        // makes cannot run it as the manifest stands: evidence that the
        // project deploys it, not a file a fix should touch.
        if deploy::command_runs_another(c, &main.binaries) {
            problems.push(format!(
                "container {} in {} runs `{}`, a name no build gives this program: edit the manifest that runs it",
                c.name,
                shown(&t.manifest.path),
                c.programs.first().map(String::as_str).unwrap_or("")
            ));
            continue;
        }
        // A rendered release manifest is overwritten from its sources at the
        // next render: the edit belongs there.
        if let Some((by, line)) = deploy::rendered_by(file.package(), main, &t.manifest.path) {
            problems.push(format!(
                "{} is rendered by {}:{line} from other manifests: edit its source",
                shown(&t.manifest.path),
                shown(&by)
            ));
            continue;
        }
        // An env list whose own comment says a program fills it is rewritten
        // by that program: the entry belongs where it makes the list.
        if let Some((line, comment)) = t.manifest.env_managed_elsewhere(c) {
            problems.push(format!(
                "the env list of container {} in {} says it is filled by something else ({}:{line}: `{comment}`): add GOMEMLIMIT where that list is made",
                c.name,
                shown(&t.manifest.path),
                shown(&t.manifest.path)
            ));
            continue;
        }
        let (text, bytes) = c.memory_limit.clone()?;
        let value = if from_resource {
            EnvValue::FromLimit
        } else {
            match bytes.and_then(quantity::go_limit_mib) {
                Some(mib) => EnvValue::Fixed {
                    mib,
                    comment: format!("90% of limits.memory {text}"),
                },
                None => {
                    problems.push(format!(
                        "limits.memory `{text}` of container {} is not a usable size{}",
                        c.name,
                        if text.ends_with('m') {
                            " (`m` is milli: did you mean Mi?)"
                        } else {
                            ""
                        }
                    ));
                    continue;
                }
            }
        };
        match t.manifest.add_env_edit(c, &value) {
            Some(e) => {
                by_file.entry(t.manifest.path.clone()).or_default().push(e);
                what.push(format!(
                    "container {} in {}",
                    c.name,
                    shown(&t.manifest.path)
                ));
            }
            None => problems.push(format!(
                "the env list of container {} in {} is not a block list this tool edits",
                c.name,
                shown(&t.manifest.path)
            )),
        }
    }
    // A chart's limit is in its values, set again at each install
    // (`toYaml .Values.resources`): only an entry that reads it when the
    // container starts follows it, so `--memlimit-fixed` leaves charts alone.
    let mut in_charts = vec![];
    let mut unedited_chart: Option<String> = None;
    for c in charts {
        match c {
            ChartFix::Edit { path, .. } if !from_resource => problems.push(format!(
                "Helm template {}: with --memlimit-fixed; a chart's memory limit comes from the values of each install, which a fixed value would not follow",
                shown(path)
            )),
            ChartFix::Edit { path, .. } | ChartFix::Skip { path, .. }
                if release_of(path).is_some() =>
            {
                releases.extend(release_of(path));
            }
            ChartFix::Edit {
                path,
                edit,
                container,
            } => {
                by_file.entry(path.clone()).or_default().push(edit.clone());
                in_charts.push(format!(
                    "container {container} in Helm template {}",
                    shown(path)
                ));
            }
            ChartFix::Skip { path, why, needed } => {
                let what = if path.file_name().is_some_and(|n| n == "values.yaml") {
                    "Helm values"
                } else if path.extension().is_some_and(|e| e == "tgz") {
                    "packaged Helm chart"
                } else {
                    "Helm template"
                };
                let problem = format!("{what} {}: {why}", shown(path));
                if *needed {
                    unedited_chart.get_or_insert_with(|| problem.clone());
                }
                problems.push(problem)
            }
        }
    }
    // A chart that needs the entry and cannot take it: an edit of the other
    // manifests alone would leave the chart's installs (often the documented
    // ones) without it, a half fix.
    if let Some(chart) = unedited_chart {
        return Some(Outcome::report_only(Some(format!(
            "{note}; no automatic fix: {chart}, and an edit of the other manifests alone would leave the chart's installs without GOMEMLIMIT"
        ))));
    }
    if !releases.is_empty() {
        let shown: Vec<&str> = releases.iter().map(String::as_str).take(2).collect();
        let more = releases.len().saturating_sub(2);
        problems.push(format!(
            "the copies of {} release{} ({}{}): what shipped is not rewritten",
            releases.len(),
            if releases.len() == 1 { "" } else { "s" },
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    if by_file.is_empty() {
        return Some(Outcome::report_only(Some(format!(
            "{note}; no automatic fix: {}",
            problems.join("; ")
        ))));
    }
    let mut parts = vec![];
    if !what.is_empty() {
        let how = if from_resource {
            "from resourceFieldRef limits.memory"
        } else {
            "at 90% of its memory limit"
        };
        parts.push(format!("{how} in the env of {}", what.join(", ")));
    }
    if !in_charts.is_empty() {
        parts.push(format!(
            "from resourceFieldRef limits.memory in the env of {}",
            in_charts.join(", ")
        ));
    }
    let mut description = format!("Set GOMEMLIMIT {}", parts.join("; and "));
    if !problems.is_empty() {
        description = format!("{description}; not edited: {}", problems.join("; "));
    }
    Some(Outcome::Report {
        grounds: Grounds::default(),
        message: Some(note.to_string()),
        fix: Some(FixPlan {
            extra_files: by_file
                .into_iter()
                .map(|(path, edits)| FileEdit {
                    path,
                    edits,
                    imports: vec![],
                })
                .collect(),
            description: Some(description),
            ..FixPlan::default()
        }),
    })
}

/// The release folder (`deploy/v4.13.4`) holding `path`, when it is one:
/// a copy of what that version shipped, which a fix leaves as it is.
fn release_of(main: &MainPackage, path: &Path) -> Option<String> {
    path.strip_prefix(&main.repo_root)
        .ok()
        .and_then(|r| deploy::folders::release_folder(&r.to_string_lossy()))
}

/// What ties the package to a container, for the message.
fn describe(ev: &Evidence, shown: &dyn Fn(&Path) -> String) -> String {
    if let Some(t) = ev
        .containers
        .iter()
        .find(|t| t.container().memory_limit.is_some())
    {
        let c = t.container();
        let limit = c.memory_limit.as_ref().map_or("", |l| l.0.as_str());
        return format!(
            "it runs as {} of {} in {}, limits.memory {limit}",
            container_label(c),
            c.workload,
            shown(&t.manifest.path)
        );
    }
    if let Some(s) = ev
        .services
        .iter()
        .find(|s| s.service().memory_limit.is_some())
    {
        let svc = s.service();
        let limit = svc.memory_limit.as_ref().map_or("", |l| l.0.as_str());
        return format!(
            "it runs as service {} in {}, memory limit {limit}",
            svc.name,
            shown(&s.file.path)
        );
    }
    if ev.dockerfiles.is_empty() && ev.ko_images.is_empty() {
        if let Some(t) = ev.containers.first() {
            let c = t.container();
            return format!(
                "it runs as {} of {} in {}",
                container_label(c),
                c.workload,
                shown(&t.manifest.path)
            );
        }
    }
    if ev.dockerfiles.is_empty() && ev.ko_images.is_empty() {
        if let Some((path, _, what)) = ev.chart_workloads.first().or(ev.chart_opt_in.first()) {
            return format!("{what} ({})", shown(path));
        }
    }
    let mut files: Vec<String> = ev.dockerfiles.iter().map(|d| shown(&d.path)).collect();
    let mut ko: Vec<String> = vec![];
    for (path, _, _) in &ev.ko_images {
        if !ko.contains(&shown(path)) {
            ko.push(shown(path));
        }
    }
    if !ko.is_empty() {
        files.push(format!("ko ({})", ko.join(", ")));
    }
    let serving = if ev.dockerfiles.iter().any(|d| d.is_service_image()) {
        ""
    } else if ev.listens.is_some() {
        // Only the program's code says it is a service (see `Evidence::listens`).
        " and the program listens for connections"
    } else if ev.services.iter().any(|s| s.service().keeps_running) {
        " and a compose service restarts it whenever it stops"
    } else {
        ""
    };
    format!("its image is built by {}{serving}", files.join(", "))
}

/// `debug.SetMemoryLimit(<mib> * 1024 * 1024)` as the first statement of `main`.
fn set_memory_limit_plan(
    file: &GoFile,
    func: &GoNode,
    siblings: &[(PathBuf, String)],
    mib: u64,
    limit_text: &str,
    source: &str,
) -> Option<FixPlan> {
    const PATH: &str = "runtime/debug";
    if !std_deps::can_import(file, PATH) {
        return None;
    }
    let body = func.field("body")?;
    let (mut name, mut alias) = choose_name(&file.root, PATH, &file.imports);
    if alias.is_none()
        && !file.imports.iter().any(|i| i.path == PATH)
        && siblings.iter().any(|(_, t)| declares_top_level(t, &name))
    {
        let mut candidate = "rtdebug".to_string();
        let mut n = 2;
        while file.text().contains(&candidate)
            || siblings
                .iter()
                .any(|(_, t)| declares_top_level(t, &candidate))
        {
            candidate = format!("rtdebug{n}");
            n += 1;
        }
        name = candidate.clone();
        alias = Some(candidate);
    }
    let stmt = format!(
        "{name}.SetMemoryLimit({mib} * 1024 * 1024) // 90% of the container's {limit_text} memory limit ({source})"
    );
    let text = file.text();
    let r = body.range();
    let edit = if text[r.start..r.end].trim() == "{}" {
        Edit::new(r.start, r.end, format!("{{\n\t{stmt}\n}}"))
    } else {
        let at = line_end(text, r.start);
        Edit::new(at, at, format!("\t{stmt}\n"))
    };
    Some(FixPlan {
        edits: vec![edit],
        imports: vec![ImportRequest {
            path: PATH.to_string(),
            alias,
        }],
        description: Some(format!(
            "Call debug.SetMemoryLimit with {mib} MiB (90% of {limit_text}) at the top of main"
        )),
        ..FixPlan::default()
    })
}

/// True when a top-level declaration of the Go source `text` declares `name`.
fn declares_top_level(text: &str, name: &str) -> bool {
    if !text.contains(name) {
        return false;
    }
    let f = GoFile::parse(Path::new("x.go"), text, None);
    let root = f.root.root();
    let declared = root.children().any(|decl| match decl.kind().as_ref() {
        "function_declaration" => decl.field("name").is_some_and(|n| n.text() == name),
        "var_declaration" | "const_declaration" | "type_declaration" => decl.dfs().any(|n| {
            matches!(n.kind().as_ref(), "identifier" | "type_identifier")
                && n.text() == name
                && n.parent().is_some_and(|p| {
                    matches!(p.kind().as_ref(), "var_spec" | "const_spec" | "type_spec")
                })
        }),
        _ => false,
    });
    declared
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_libraries() {
        assert!(is_c_library(&["package main\n\nimport \"C\"\n\n//export Add\nfunc Add(a, b C.int) C.int { return a + b }\n\nfunc main() {}\n"]));
        assert!(!is_c_library(&[
            "package main\n\nimport \"C\"\n\nfunc main() { C.puts(nil) }\n"
        ]));
    }

    #[test]
    fn top_level_declarations() {
        assert!(declares_top_level(
            "package main\nvar debug = flag.Bool(\"d\", false, \"\")\n",
            "debug"
        ));
        assert!(declares_top_level(
            "package main\nfunc debug() {}\n",
            "debug"
        ));
        assert!(!declares_top_level(
            "package main\nfunc f() { debug := 1; _ = debug }\n",
            "debug"
        ));
    }
}
