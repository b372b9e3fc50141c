//! Deployment evidence for a Go `main` package: the Dockerfiles, Kubernetes
//! manifests and compose files that build or run it, found in the package's
//! folder and every folder above it up to the module root (and in the usual
//! deployment subfolders of those: `deploy/`, `k8s/`...).
//!
//! A file in the package's own folder belongs to it; a file further up (shared
//! by several services) belongs to it only when it builds the package or runs
//! its binary: the program executed (`command`), never an argument of another
//! program, a volume path or a service's name. Files are read through the run's package view (`crate::package`) and
//! parsed once per run, since many mains share a root.

pub mod build;
pub mod command;
pub mod compose;
pub mod dockerfile;
pub mod folders;
pub mod gocode;
pub mod helm;
pub mod kubernetes;
pub mod quantity;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::package::Files;

use compose::ComposeFile;
use dockerfile::{Dockerfile, Tie};
use kubernetes::Manifest;

/// Subfolders where projects keep deployment files, searched two levels deep.
const DEPLOY_FOLDERS: &[&str] = &[
    "deploy",
    "deployment",
    "deployments",
    "k8s",
    "kube",
    "kubernetes",
    "kustomize",
    "manifests",
    "docker",
    "build",
    "ops",
    "compose",
    "docker-compose",
    "contrib",
    "infra",
    "dockerfiles",
    "containers",
    // kubebuilder's and operator-sdk's layout: `config/manager/manager.yaml`.
    "config",
    "manager",
];

/// Folders never searched for deployment files that set the limit.
const SKIP_FOLDERS: &[&str] = &[
    "vendor",
    "node_modules",
    "testdata",
    "target",
    "third_party",
];

/// Images that are not the Go service when they sit beside it in a pod.
const SIDECAR_IMAGES: &[&str] = &[
    "nginx",
    "envoy",
    "istio",
    "linkerd",
    "redis",
    "memcached",
    "postgres",
    "mysql",
    "mariadb",
    "mongo",
    "busybox",
    "alpine",
    "fluent",
    "datadog",
    "otel",
    "opentelemetry",
    "jaeger",
    "prometheus",
    "cloud-sql-proxy",
    "cloudsql",
    "oauth2-proxy",
    "vault",
    "consul",
    "haproxy",
    "traefik",
    "caddy",
    "varnish",
    // Kubernetes' own helpers beside a CSI driver or a controller.
    "csi-node-driver-registrar",
    "livenessprobe",
    "kube-rbac-proxy",
];

/// Largest deployment file read; bigger ones are not hand-written configuration.
const MAX_DEPLOY_FILE: u64 = 2 * 1024 * 1024;

/// The Go main package the evidence is for.
#[derive(Debug, Clone)]
pub struct MainPackage {
    /// The package's folder (canonical).
    pub dir: PathBuf,
    /// The module root (canonical).
    pub module_root: PathBuf,
    /// The repository root: the highest folder above the module root that holds
    /// a `go.mod`, stopping at the one holding `.git` (the module root when none
    /// does); with no `.git` at all, the folder above that one when it holds a
    /// repository's top files (`.gitignore`, `.github`: a checkout without its
    /// `.git` whose module is `backend/`). The last folder searched.
    pub repo_root: PathBuf,
    /// The package folder relative to the module root, `/`-separated, `""` at the root.
    pub rel_dir: String,
    /// The package's import path.
    pub import_path: String,
    /// The binary `go build` makes: the folder's name, or the module path's last element.
    pub binary: String,
    /// Every name the repository's builds give its binary: `binary` first, then
    /// the `-o` names of Makefiles, goreleaser and build scripts (`build::names_for`).
    pub binaries: Vec<String>,
    /// The highest folder whose own files and deployment subfolders are searched:
    /// the folder holding `.git` when it is above `repo_root` (a monorepo whose
    /// `deploy/` sits at the top while its modules are in subfolders), else
    /// `repo_root`.
    pub top: PathBuf,
}

impl MainPackage {
    pub fn new(files: &Files, dir: &Path, module_root: &Path, module_path: &str) -> MainPackage {
        let rel_dir = dir
            .strip_prefix(module_root)
            .map(|r| {
                r.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default();
        let binary = if rel_dir.is_empty() {
            // `go build` names the binary after the last element that is not `/vN`.
            let mut parts = module_path.rsplit('/');
            let last = parts.next().unwrap_or(module_path);
            let is_major = last.len() > 1
                && last.starts_with('v')
                && last[1..].bytes().all(|b| b.is_ascii_digit());
            if is_major {
                parts.next().unwrap_or(last).to_string()
            } else {
                last.to_string()
            }
        } else {
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let import_path = if rel_dir.is_empty() {
            module_path.to_string()
        } else if module_path.is_empty() {
            rel_dir.clone()
        } else {
            format!("{module_path}/{rel_dir}")
        };
        let mut repo_root = repo_root(files, module_root);
        let top = git_top(files, &repo_root).unwrap_or_else(|| repo_root.clone());
        // Modules below the top of their checkout whose Helm charts sit at
        // the top (`modules/api/go.mod` beside `charts/dashboard/`): the top
        // is the repository, as it is for a copy without `.git`.
        if top != repo_root
            && chart_within(files, &top, 3, &repo_root)
            && !chart_within(files, &repo_root, 4, &top)
        {
            repo_root = top.clone();
        }
        let mut binaries = vec![binary.clone()];
        for n in build::names_for(files, &repo_root, module_root, dir, &import_path) {
            if !n.is_empty() && !binaries.contains(&n) {
                binaries.push(n);
            }
        }
        MainPackage {
            dir: dir.to_path_buf(),
            module_root: module_root.to_path_buf(),
            repo_root,
            rel_dir,
            import_path,
            binary,
            binaries,
            top,
        }
    }

    /// The package folder relative to the repository root, `/`-separated.
    pub fn repo_rel_dir(&self) -> String {
        self.dir
            .strip_prefix(&self.repo_root)
            .map(|r| {
                r.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default()
    }
}

/// True when a Helm chart (a `Chart.yaml`) is at most `levels` folders below
/// `dir`, outside `skip` and hidden, vendored and test-data folders.
fn chart_within(files: &Files, dir: &Path, levels: usize, skip: &Path) -> bool {
    let mut stack = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = stack.pop() {
        let Some(entries) = files.read_dir(&d) else {
            continue;
        };
        for e in entries.iter() {
            if e.is_file && e.name == "Chart.yaml" && depth > 0 {
                return true;
            }
            if e.is_dir
                && depth < levels
                && e.path != skip
                && !e.name.starts_with('.')
                && !SKIP_FOLDERS.contains(&e.name.as_str())
            {
                stack.push((e.path.clone(), depth + 1));
            }
        }
    }
    false
}

/// The top of a project with no go.mod at or above `dir` (GOPATH mode, a dep
/// or glide project): the folder holding `.git`, or the project's dependency
/// manifest (`Gopkg.toml`). It stands for the module root: `go build` ran
/// there, and its Dockerfiles and manifests are there.
pub fn gopath_project_root(files: &Files, dir: &Path) -> Option<PathBuf> {
    if dir
        .ancestors()
        .take(10)
        .any(|d| files.is_file(&d.join("go.mod")))
    {
        return None;
    }
    dir.ancestors()
        .take(10)
        .find(|d| {
            files.exists(&d.join(".git"))
                || GOPATH_PROJECT_FILES
                    .iter()
                    .any(|m| files.is_file(&d.join(m)))
        })
        .map(Path::to_path_buf)
}

fn repo_root(files: &Files, module_root: &Path) -> PathBuf {
    let mut best = module_root.to_path_buf();
    for d in module_root.ancestors().take(10) {
        let is_repo = files.exists(&d.join(".git"));
        if files.is_file(&d.join("go.mod")) {
            best = d.to_path_buf();
        }
        if is_repo {
            return best;
        }
    }
    // A checkout without `.git` (an archive, a copy) whose modules sit in a
    // subfolder (`backend/go.mod`, or `modules/api/go.mod` beside the other
    // modules of a workspace, whose folder has a `.dockerignore` of its own):
    // the highest folder above, up to three levels, that holds what a
    // repository's top holds is the repository's top.
    best.ancestors()
        .skip(1)
        .take(3)
        .filter(|up| CHECKOUT_MARKERS.iter().any(|m| files.exists(&up.join(m))))
        .last()
        .map_or(best.clone(), Path::to_path_buf)
}

/// The dependency manifests at the top of a GOPATH-era project (dep, glide,
/// godep).
const GOPATH_PROJECT_FILES: &[&str] = &["Gopkg.toml", "glide.yaml", "Godeps/Godeps.json"];

/// Files at the top of a repository, beside its code: a folder above the
/// highest `go.mod` that holds one is the repository's top (when no `.git` says so).
const CHECKOUT_MARKERS: &[&str] = &[".gitignore", ".github", ".gitlab-ci.yml", ".dockerignore"];

/// The folder holding `.git` at or above `from`, within ten levels.
fn git_top(files: &Files, from: &Path) -> Option<PathBuf> {
    from.ancestors()
        .take(10)
        .find(|d| files.exists(&d.join(".git")))
        .map(Path::to_path_buf)
}

/// A container of a manifest that runs the package.
#[derive(Debug, Clone)]
pub struct TiedContainer {
    pub manifest: Arc<Manifest>,
    pub index: usize,
    /// Tied by a name (its container, image, command or workload names the
    /// binary), not only as the one workload near the package.
    pub named: bool,
}

impl TiedContainer {
    pub fn container(&self) -> &kubernetes::Container {
        &self.manifest.containers[self.index]
    }
}

/// A compose service that builds or runs the package.
#[derive(Debug, Clone)]
pub struct TiedService {
    pub file: Arc<ComposeFile>,
    pub index: usize,
}

impl TiedService {
    pub fn service(&self) -> &compose::Service {
        &self.file.services[self.index]
    }
}

#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Names the tied or untied Dockerfiles' own builds give the binary
    /// beyond `MainPackage::binaries` (see `evidence_for`): the rule reads the
    /// package by them too.
    pub names_given: Vec<String>,
    pub dockerfiles: Vec<Arc<Dockerfile>>,
    /// For each of `dockerfiles`: how it ties to the package, and where (the
    /// offset of the instruction that runs or builds it, and what it says).
    pub ties: Vec<(Tie, Option<(usize, String)>)>,
    pub containers: Vec<TiedContainer>,
    pub services: Vec<TiedService>,
    /// Where `GOMEMLIMIT` is already set for the package, if anywhere.
    pub limit_set_in: Option<PathBuf>,
    /// A Dockerfile that builds the package as a C library or plugin (its
    /// `main` never runs).
    pub library_build: Option<PathBuf>,
    /// Where the repository's ko builds make an image of the package (`ko
    /// build ./cmd/x`, `.ko.yaml`, goreleaser's `kos:`): an image whose
    /// entrypoint is its binary, as a Dockerfile's that runs it.
    pub ko_images: Vec<gocode::Site>,
    /// Where a Helm chart of the repository runs the package in a workload
    /// that keeps it running, tied by a name or a command (`helm::chart_workloads`).
    pub chart_workloads: Vec<gocode::Site>,
    /// The same, for workloads the chart's default values leave off (`{{ if
    /// .Values.agent.enabled }}` with `enabled: false`): they run it only
    /// where an install turns them on, so they do not say it is kept running.
    pub chart_opt_in: Vec<gocode::Site>,
    /// Where the package, or a package of its module it imports, listens.
    pub listens: Option<gocode::Site>,
    /// Limits seen that do not apply to this package, and why: (file, line, what).
    pub limits_elsewhere: Vec<gocode::Site>,
    /// Where the package waits to be stopped (`select {}`, a wait for a
    /// termination signal): it runs until stopped.
    pub runs_until_stopped: Option<gocode::Site>,
    /// The program is made of subcommands and its root command runs nothing
    /// that listens (`gocode::root_command_listens_not`) or waits: an image that
    /// runs it with no argument prints its usage.
    pub root_runs_nothing: bool,
    /// `envFrom` ConfigMaps of a tied container that no file read defines:
    /// they may set `GOMEMLIMIT` (made elsewhere, by hand or by a tool), so
    /// the finding is less sure. (manifest, line of the container, map name)
    pub unknown_env_maps: Vec<gocode::Site>,
}

impl Evidence {
    /// True when the repository builds an image of the package (a Dockerfile
    /// that builds or runs it, a ko build): a manifest may then run it under
    /// an image or container name of the project's choosing.
    pub fn builds_image(&self) -> bool {
        !self.dockerfiles.is_empty() || !self.ko_images.is_empty()
    }

    /// True when something says the package runs as a service in a container
    /// with a memory limit the Go runtime should know: a Dockerfile that builds
    /// or runs it in an image that serves (a port, a health check, a volume) or
    /// whose program serves until signalled, or a manifest or compose service
    /// with a memory limit.
    pub fn is_containerised(&self) -> bool {
        self.dockerfiles
            .iter()
            .any(|d| d.is_service_image() || self.listens.is_some())
            || (!self.ko_images.is_empty() && self.listens.is_some())
            || self
                .containers
                .iter()
                .any(|c| c.container().memory_limit.is_some())
            || self
                .services
                .iter()
                .any(|s| s.service().memory_limit.is_some())
    }
}

/// Gathers the evidence for `main`.
pub fn evidence_for(files: &Files, main: &MainPackage) -> Evidence {
    let mut docker: Vec<(Arc<Dockerfile>, bool)> = vec![];
    let mut manifests: Vec<(Arc<Manifest>, bool)> = vec![];
    let mut composes: Vec<Arc<ComposeFile>> = vec![];
    for (folder, own) in search_folders(files, main) {
        for file in deployment_files(files, &folder) {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match cached(files, &file, &name) {
                Some(Parsed::Docker(d)) => docker.push((d, own)),
                Some(Parsed::Kube(m)) => manifests.push((m, own)),
                Some(Parsed::Compose(c)) => composes.push(c),
                None => {}
            }
        }
    }
    // The install manifests a project keeps as examples (`examples/NAME/`):
    // Kubernetes workloads only, tied only by a `command` that runs the
    // binary (below), never by a name or as the one workload there.
    let mut examples: Vec<PathBuf> = vec![];
    for folder in example_folders(files, main) {
        for file in deployment_files(files, &folder) {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if let Some(Parsed::Kube(m)) = cached(files, &file, &name) {
                if !manifests.iter().any(|(o, _)| o.path == m.path) {
                    examples.push(m.path.clone());
                    manifests.push((m, false));
                }
            }
        }
    }
    // Dockerfiles the build model finds further away (nested below docker/,
    // named by goreleaser or a bake file, with the context bake gives them).
    let model = build::repo_builds(files, &main.repo_root);
    let mut bake_context: Vec<(PathBuf, PathBuf)> = vec![];
    for (path, ctx) in &model.dockerfiles {
        if let Some(ctx) = ctx {
            bake_context.push((path.clone(), ctx.clone()));
        }
        if docker.iter().any(|(d, _)| &d.path == path) {
            continue;
        }
        if let Some(Parsed::Docker(d)) = cached(files, path, "Dockerfile") {
            docker.push((d, false));
        }
    }
    for path in &model.composes {
        if composes.iter().any(|c| &c.path == path) {
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(Parsed::Compose(c)) = cached(files, path, &name) {
            composes.push(c);
        }
    }
    // The Go-templated manifests the repository embeds (an operator's, which
    // it renders and applies): tied, as examples are, only by a `command` or
    // `args` that runs the binary (`args: ["/registration", "controller"]`).
    let index = repo_index(files, &main.repo_root);
    for path in &index.embedded {
        if manifests.iter().any(|(m, _)| &m.path == path) {
            continue;
        }
        if let Some(m) = embedded_manifest(files, path) {
            examples.push(m.path.clone());
            manifests.push((m, false));
        }
    }
    // A container whose command is a script of the repository runs what
    // the script runs.
    for (m, _) in manifests.iter_mut() {
        *m = with_scripts_read(&index, m);
    }
    let mut ev = Evidence::default();
    let mut names_given: Vec<String> = vec![];
    // What the Dockerfiles that build or run other packages name their binaries.
    let mut other_builds: Vec<String> = vec![];
    // This package's names that an image of another program makes links to
    // that program (`RUN ln -s hyper /lvmd`): the image's `/lvmd` is not it.
    let mut linked_away: Vec<String> = vec![];
    for (d, _) in docker.iter().filter(|(d, _)| !d.is_tooling_image()) {
        let mut contexts: Vec<PathBuf> = bake_context
            .iter()
            .filter(|(p, _)| *p == d.path)
            .map(|(_, c)| c.clone())
            .collect();
        contexts.extend(contexts_of(files, &d.path, main));
        let (tie, site, given) = d.tie_names(main, &contexts, &|p| read_context_file(files, p));
        if tie != Tie::Library {
            names_given.extend(given.iter().cloned());
        }
        match tie {
            Tie::Library => ev.library_build = Some(d.path.clone()),
            Tie::Runs | Tie::Builds => {
                ev.dockerfiles.push(d.clone());
                ev.ties.push((tie, site));
            }
            Tie::None => {
                if let Some(site) = run_by_port(files, main, d) {
                    ev.dockerfiles.push(d.clone());
                    ev.ties.push((Tie::Builds, Some(site)));
                } else {
                    // What it builds and what it runs are other programs
                    // (but for the names it gives this one).
                    other_builds
                        .extend(d.build_outputs().into_iter().filter(|o| !given.contains(o)));
                    other_builds
                        .extend(d.run_program_names(&contexts, &|p| read_context_file(files, p)));
                    linked_away.extend(d.linked_to_others(&main.binaries));
                }
            }
        }
    }
    // The names the Dockerfiles' own builds give the binary (an image that
    // builds it and a health check, running neither: `-o /out/keeper`) tie
    // the manifests that run it by them, unless another package's build
    // claims the name too.
    names_given.retain(|n| !other_builds.contains(n));
    names_given.sort();
    names_given.dedup();
    let widened;
    let main = if names_given.is_empty() {
        main
    } else {
        let mut m = main.clone();
        m.binaries.extend(names_given.iter().cloned());
        widened = m;
        &widened
    };
    ev.names_given = names_given;
    ev.ko_images = build::ko_images_for(files, &main.repo_root, &main.dir, &main.import_path);
    // A container handed the package's ko image in its env (`ADAPTER_IMAGE:
    // ko://example.com/acme/cmd/adapter`): ko builds that image when it
    // resolves the manifest, and the program there runs it.
    for (m, _) in &manifests {
        for c in &m.containers {
            for (name, _) in c.ko_env.iter().filter(|(_, p)| *p == main.import_path) {
                let line = m.text[..c.start.min(m.text.len())].matches('\n').count() + 1;
                let site = (
                    m.path.clone(),
                    line,
                    format!(
                        "{} hands its ko image to container {} as env {name}: ko builds it, and that program runs it",
                        c.workload, c.name
                    ),
                );
                if !ev.ko_images.contains(&site) {
                    ev.ko_images.push(site);
                }
            }
        }
    }
    // No image of the package, and every name it has is a link to another
    // program in an image that makes it: a manifest or chart running that
    // name runs the other program (a multi-call binary's image).
    if ev.dockerfiles.is_empty()
        && ev.ko_images.is_empty()
        && main
            .binaries
            .iter()
            .all(|b| linked_away.iter().any(|l| dockerfile::names_binary(l, b)))
    {
        return ev;
    }
    (ev.chart_workloads, ev.chart_opt_in) = helm::chart_workloads(files, main, ev.builds_image());
    let in_examples = |p: &Path| examples.iter().any(|e| e == p);
    tie_containers(files, main, &manifests, &mut ev);
    ev.containers.retain(|t| {
        !in_examples(&t.manifest.path)
            || t.container()
                .programs
                .iter()
                .any(|p| main.binaries.iter().any(|b| dockerfile::names_binary(p, b)))
    });
    if ev.containers.is_empty() && !ev.dockerfiles.is_empty() {
        let deployed: Vec<(Arc<Manifest>, bool)> = manifests
            .iter()
            .filter(|(m, _)| !in_examples(&m.path))
            .cloned()
            .collect();
        other_builds.retain(|b| !main.binaries.contains(b));
        tie_the_only_workload(main, &deployed, &other_builds, &mut ev);
    }
    tie_services(files, main, &composes, &mut ev);
    // Dockerfiles a tied service names count too, wherever they are.
    for s in &ev.services.clone() {
        let svc = s.service();
        let path = svc
            .dockerfile
            .clone()
            .or_else(|| svc.context.as_ref().map(|c| c.join("Dockerfile")));
        if let Some(path) = path {
            let path = files.canonical(&path);
            if ev.dockerfiles.iter().all(|d| d.path != path) {
                if let Some(Parsed::Docker(d)) = cached(files, &path, "Dockerfile") {
                    ev.dockerfiles.push(d);
                    ev.ties.push((Tie::Builds, None));
                }
            }
        }
    }
    if !ev.dockerfiles.is_empty()
        || !ev.ko_images.is_empty()
        || !ev.chart_workloads.is_empty()
        || !ev.chart_opt_in.is_empty()
        || !ev.containers.is_empty()
        || !ev.services.is_empty()
    {
        ev.listens = gocode::listens(files, &main.dir, &main.module_root, module_path_of(main));
        ev.runs_until_stopped = gocode::runs_until_stopped(files, &main.dir);
        // Neither listening nor waiting to be stopped (`runs_until_stopped`).
        ev.root_runs_nothing = ev.runs_until_stopped.is_none()
            && ev.dockerfiles.iter().any(|d| d.runs_without_arguments())
            && gocode::root_command_listens_not(
                files,
                &main.dir,
                &main.module_root,
                module_path_of(main),
            );
    }
    let index = repo_index(files, &main.repo_root);
    let all_maps: Vec<&str> = manifests
        .iter()
        .flat_map(|(m, _)| m.maps_setting_limit.iter().map(String::as_str))
        .chain(
            index
                .generated_maps
                .iter()
                .filter(|m| m.1)
                .map(|m| m.0.as_str()),
        )
        .collect();
    let seen_maps: Vec<&str> = manifests
        .iter()
        .flat_map(|(m, _)| m.maps_seen.iter().map(String::as_str))
        .chain(index.generated_maps.iter().map(|m| m.0.as_str()))
        .collect();
    ev.limit_set_in = ev
        .dockerfiles
        .iter()
        .find(|d| d.sets_gomemlimit())
        .map(|d| d.path.clone())
        .or_else(|| {
            ev.containers
                .iter()
                .find(|t| {
                    let c = t.container();
                    c.sets_gomemlimit || c.env_from.iter().any(|n| all_maps.contains(&n.as_str()))
                })
                .map(|t| t.manifest.path.clone())
        })
        .or_else(|| {
            ev.services
                .iter()
                .find(|s| s.service().sets_gomemlimit)
                .map(|s| s.file.path.clone())
        })
        .or_else(|| {
            // The names the tied images' own builds give it (`go build -o
            // /out/gate-controller`): a start script execs it by that name.
            let mut names = main.binaries.clone();
            names.extend(ev.dockerfiles.iter().flat_map(|d| d.build_outputs()));
            let builds_image = ev.builds_image();
            limit_set_elsewhere(files, main, &names, builds_image, &mut ev.limits_elsewhere)
        });
    // A ConfigMap defined nowhere on the path may set it: not known either way.
    for t in &ev.containers {
        let c = t.container();
        for n in c
            .env_from
            .iter()
            .filter(|n| !seen_maps.contains(&n.as_str()))
        {
            let line = t.manifest.text[..c.start.min(t.manifest.text.len())]
                .matches('\n')
                .count()
                + 1;
            ev.unknown_env_maps
                .push((t.manifest.path.clone(), line, n.clone()));
        }
    }
    ev
}

/// True when the Dockerfile is one of a set stamped from one template for
/// every program of a folder (`cmd/*/Dockerfile`, each the same text but for
/// its own folder's name, as a Makefile's `sed s/{{APP}}/$app/` writes them):
/// at least two sibling folders hold such a copy. Its `EXPOSE` and
/// `HEALTHCHECK` are then the template's, said of tools and services alike.
pub fn stamped_from_template(files: &Files, d: &dockerfile::Dockerfile) -> bool {
    let (Some(dir), Some(file)) = (d.path.parent(), d.path.file_name()) else {
        return false;
    };
    let (Some(parent), Some(own)) = (dir.parent(), dir.file_name()) else {
        return false;
    };
    let own = own.to_string_lossy();
    if own.len() < 3 {
        return false;
    }
    let norm = |text: &str, name: &str| text.replace(name, "\u{0}");
    let mine = norm(&d.text, &own);
    let Some(entries) = files.read_dir(parent) else {
        return false;
    };
    entries
        .iter()
        .filter(|e| e.is_dir && e.path != dir && e.name.len() >= 3)
        .filter(|e| {
            files
                .read_to_string(&e.path.join(file))
                .is_some_and(|t| t != d.text && norm(&t, &e.name) == mine)
        })
        .take(2)
        .count()
        == 2
}

/// The 1-based line of the first line of the YAML file at `path` whose key is
/// `key` (a compose service's name), or 1.
pub fn line_of_key(files: &Files, path: &Path, key: &str) -> usize {
    files
        .read_to_string(path)
        .and_then(|t| {
            t.lines().position(|l| {
                let l = l.trim_start().trim_start_matches(['"', '\'']);
                l.strip_prefix(key)
                    .is_some_and(|r| r.trim_start_matches(['"', '\'']).starts_with(':'))
            })
        })
        .map_or(1, |i| i + 1)
}

/// A multi-binary image with no command (`docker run image /daemon`) whose
/// `EXPOSE` names this daemon by its port: the package, or a module package it
/// imports, writes an address with one of the exposed ports. The offset of the
/// `EXPOSE` and what ties it.
fn run_by_port(files: &Files, main: &MainPackage, d: &Dockerfile) -> Option<(usize, String)> {
    let exposed = d.exposed_ports();
    if exposed.is_empty() || !d.is_multi_binary_without_command() {
        return None;
    }
    let ports: Vec<u16> = exposed.iter().map(|(p, _)| *p).collect();
    let (port, (path, line, _)) = gocode::port_in_code(
        files,
        &main.dir,
        &main.module_root,
        module_path_of(main),
        &ports,
    )?;
    let off = exposed.iter().find(|(p, _)| *p == port)?.1;
    let shown = path
        .strip_prefix(&main.repo_root)
        .unwrap_or(&path)
        .to_string_lossy()
        .into_owned();
    Some((
        off,
        format!(
            "the image holds several programs and runs none by default; EXPOSE {port} is this one's address ({shown}:{line})"
        ),
    ))
}

/// The module path of `main` (its import path without its folder).
fn module_path_of(main: &MainPackage) -> &str {
    if main.rel_dir.is_empty() {
        &main.import_path
    } else {
        main.import_path
            .strip_suffix(main.rel_dir.as_str())
            .map(|p| p.trim_end_matches('/'))
            .unwrap_or("")
    }
}

/// The folders a Dockerfile's build context may be: its own folder and each
/// one above it up to the repository root and the folder holding that (a
/// context of several checked-out repositories).
fn contexts_of(files: &Files, dockerfile: &Path, main: &MainPackage) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut dir = dockerfile.parent();
    // A Dockerfile beside the `go.mod` of another module (a tool nested in
    // the repository) builds that module from its own folder.
    if let Some(own) = dir.filter(|d| *d != main.module_root && files.is_file(&d.join("go.mod"))) {
        return vec![own.to_path_buf()];
    }
    while let Some(d) = dir {
        out.push(d.to_path_buf());
        if d == main.repo_root || !d.starts_with(&main.repo_root) {
            if let Some(p) = d.parent() {
                out.push(p.to_path_buf());
            }
            break;
        }
        dir = d.parent();
    }
    out
}

/// A small text file of a build context (an entrypoint script), or None.
fn read_context_file(files: &Files, path: &Path) -> Option<String> {
    let meta = files.metadata(path)?;
    if !meta.is_file || meta.len > 64 * 1024 {
        return None;
    }
    files.read_to_string(path)
}

/// A Helm chart of the repository.
#[derive(Debug, Clone)]
struct Chart {
    dir: PathBuf,
    /// The chart's folder name, its `name:` and its values' image repositories.
    names: Vec<String>,
    /// The files of the chart (values or templates) that set `GOMEMLIMIT`.
    sets_limit: Vec<PathBuf>,
    /// The top-level keys of its `values.yaml` (its components, in most charts).
    components: Vec<String>,
}

/// What the whole repository holds that may set the limit for a service.
#[derive(Debug, Default)]
struct RepoIndex {
    /// Dockerfiles, compose files and manifests that mention `GOMEMLIMIT`
    /// outside comments, not inside a chart.
    limit_files: Vec<PathBuf>,
    charts: Vec<Chart>,
    /// Manifests a Makefile or script writes from others (`kustomize build
    /// config/default > config/install.yaml`, `helm template ... >
    /// deploy/all.yaml`), with where: an edit belongs in their sources.
    generated: Vec<(PathBuf, PathBuf, usize)>,
    /// The programs each shell script runs (`command::of_script`), by file
    /// name (`start-controller.sh`); None when scripts of that name differ.
    scripts: std::collections::BTreeMap<String, Option<Vec<String>>>,
    /// YAML files a Go file of the repository embeds (`//go:embed
    /// manifests/hub`): the manifests an operator renders and applies.
    embedded: Vec<PathBuf>,
    /// The ConfigMaps kustomizations generate (`configMapGenerator:`), each
    /// with whether its literals or env files set GOMEMLIMIT.
    generated_maps: Vec<(String, bool)>,
}

/// The ConfigMaps kustomization `text` in folder `dir` generates, each with
/// whether it sets GOMEMLIMIT (a `GOMEMLIMIT=...` literal, or a line of one of
/// its `envs:` files).
fn generated_config_maps(files: &Files, dir: &Path, text: &str) -> Vec<(String, bool)> {
    let Ok(v) = serde_saphyr::from_str::<serde_json::Value>(text) else {
        return vec![];
    };
    let strings = |g: &serde_json::Value, key: &str| -> Vec<String> {
        g.get(key)
            .and_then(|l| l.as_array())
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    };
    let sets = |line: &str| line.trim_start().starts_with("GOMEMLIMIT=");
    v.get("configMapGenerator")
        .and_then(|l| l.as_array())
        .into_iter()
        .flatten()
        .filter_map(|g| {
            let name = g.get("name")?.as_str()?.to_string();
            let by_literal = strings(g, "literals").iter().any(|l| sets(l));
            let by_file = strings(g, "envs").iter().any(|f| {
                files
                    .read_to_string(&dir.join(f))
                    .is_some_and(|t| t.lines().any(sets))
            });
            Some((name, by_literal || by_file))
        })
        .collect()
}

/// The YAML files under the paths a Go file's `//go:embed` lines name, from
/// its folder `dir` (a folder: every YAML file below it, four levels deep).
fn embedded_yaml(files: &Files, dir: &Path, text: &str) -> Vec<PathBuf> {
    let is_yaml = |n: &str| n.ends_with(".yaml") || n.ends_with(".yml");
    let mut out = vec![];
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("//go:embed ") else {
            continue;
        };
        for pattern in rest.split_whitespace() {
            let pattern = pattern.trim_matches(['"', '`']).trim_start_matches("all:");
            if pattern.is_empty() || pattern.contains("..") {
                continue;
            }
            // `dir/*.yaml`: the folder's YAML files.
            let (path, glob) = match pattern.rsplit_once('/') {
                Some((d, f)) if f.contains('*') => (dir.join(d), true),
                _ if pattern.contains('*') => (dir.to_path_buf(), true),
                _ => (dir.join(pattern), false),
            };
            if !glob && files.is_file(&path) {
                if is_yaml(&path.to_string_lossy()) {
                    out.push(files.canonical(&path));
                }
                continue;
            }
            let mut stack = vec![(path, 0)];
            while let Some((d, depth)) = stack.pop() {
                let Some(entries) = files.read_dir(&d) else {
                    continue;
                };
                for e in entries.iter() {
                    if e.is_dir && !glob && depth < 4 && !e.name.starts_with('.') {
                        stack.push((e.path.clone(), depth + 1));
                    } else if e.is_file && is_yaml(&e.name) {
                        out.push(files.canonical(&e.path));
                    }
                }
            }
        }
    }
    out
}

/// An embedded Go-templated manifest (`{{ .RegistrationImage }}`), read
/// through the Helm masker: its containers, at their lines in the file, with
/// nothing to edit (the operator renders it; its limit comes from Go values).
fn embedded_manifest(files: &Files, path: &Path) -> Option<Arc<Manifest>> {
    (*files.memo("embedded-manifest", path, "", |f| {
        let text = f.read_to_string(path)?;
        if !text.contains("kind:") || text.len() as u64 > MAX_DEPLOY_FILE {
            return None;
        }
        let masked = helm::mask_for_reading(&text);
        let mut m = Manifest::parse(path, &masked.text)?;
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        for c in m.containers.iter_mut() {
            let masked_line = masked.text[..c.start.min(masked.text.len())]
                .matches('\n')
                .count();
            let line = masked.lines.get(masked_line).copied().unwrap_or(0);
            c.start = starts.get(line).copied().unwrap_or(0);
            c.memory_limit = None;
            c.env = kubernetes::EnvSite::Flow;
            c.programs = c.programs.iter().map(|p| masked.literal(p)).collect();
            c.name = masked.unmask(&c.name);
            c.workload = masked.unmask(&c.workload);
        }
        m.text = text;
        Some(Arc::new(m))
    }))
    .clone()
}

/// `programs` with each script the repository holds (by file name, one of
/// that name or all alike) replaced by the programs it runs: a container
/// whose command is `/app/start-controller.sh` runs what that script execs
/// (`exec ./acme-controller "$@"`), not the image's entrypoint, whatever the
/// image is named. A script the repository does not hold stays as it is.
fn expand_scripts(index: &RepoIndex, programs: &[String]) -> Vec<String> {
    let mut out = vec![];
    for p in programs {
        let base = p.rsplit('/').next().unwrap_or(p);
        match index.scripts.get(base) {
            Some(Some(runs)) if base.ends_with(".sh") => out.extend(
                runs.iter()
                    .filter(|r| !r.contains("$@") && !r.contains("${@}"))
                    .cloned(),
            ),
            _ => out.push(p.clone()),
        }
    }
    out
}

/// `m` with its containers' scripts read (`expand_scripts`), when any is.
fn with_scripts_read(index: &RepoIndex, m: &Arc<Manifest>) -> Arc<Manifest> {
    let expanded: Vec<Vec<String>> = m
        .containers
        .iter()
        .map(|c| expand_scripts(index, &c.programs))
        .collect();
    if m.containers
        .iter()
        .zip(&expanded)
        .all(|(c, e)| &c.programs == e)
    {
        return m.clone();
    }
    let mut copy = (**m).clone();
    for (c, e) in copy.containers.iter_mut().zip(expanded) {
        c.programs = e;
    }
    Arc::new(copy)
}

/// True when a line of `text` that is not a `#` comment mentions `GOMEMLIMIT`.
fn sets_variable(text: &str) -> bool {
    text.contains("GOMEMLIMIT")
        && text.lines().any(|l| {
            let l = l.trim_start();
            !l.starts_with('#') && l.contains("GOMEMLIMIT")
        })
}

fn repo_index(files: &Files, root: &Path) -> Arc<RepoIndex> {
    files.memo_summary("repo-index", root, "", |f| build_repo_index(f, root))
}

fn build_repo_index(files: &Files, root: &Path) -> RepoIndex {
    let mut limit_files = vec![];
    let mut chart_dirs = vec![];
    let mut generated = vec![];
    let mut generated_maps = vec![];
    let mut scripts: std::collections::BTreeMap<String, Option<Vec<String>>> = Default::default();
    let mut embedded = vec![];
    let mut stack = vec![(root.to_path_buf(), 0)];
    while let Some((dir, depth)) = stack.pop() {
        let Some(entries) = files.read_dir(&dir) else {
            continue;
        };
        // Go files that may embed manifests: in a folder with subfolders or
        // YAML files of its own.
        let may_embed = entries
            .iter()
            .any(|e| e.is_dir || e.name.ends_with(".yaml") || e.name.ends_with(".yml"));
        for e in entries.iter() {
            let p = e.path.clone();
            let name = e.name.clone();
            if may_embed && e.is_file && name.ends_with(".go") && !name.ends_with("_test.go") {
                if let Some(text) = files.read_to_string(&p) {
                    if text.contains("//go:embed") {
                        embedded.extend(embedded_yaml(files, &dir, &text));
                    }
                }
                continue;
            }
            if e.is_dir {
                if depth < 8 && !name.starts_with('.') && !SKIP_FOLDERS.contains(&name.as_str()) {
                    stack.push((p, depth + 1));
                }
                continue;
            }
            if !e.is_file {
                continue;
            }
            if name == "Chart.yaml" {
                chart_dirs.push(dir.clone());
            }
            if matches!(
                name.as_str(),
                "kustomization.yaml" | "kustomization.yml" | "Kustomization"
            ) {
                if let Some(text) = files.read_to_string(&p) {
                    if text.contains("configMapGenerator") {
                        generated_maps.extend(generated_config_maps(files, &dir, &text));
                    }
                }
            }
            if name == "Makefile" || name.ends_with(".mk") || name.ends_with(".sh") {
                if let Some(text) = files.read_to_string(&p) {
                    if name.ends_with(".sh") {
                        let runs = command::of_script(&text).run;
                        scripts
                            .entry(name.clone())
                            .and_modify(|r| {
                                if r.as_ref() != Some(&runs) {
                                    *r = None;
                                }
                            })
                            .or_insert(Some(runs));
                    }
                    for (line, target) in rendered_manifests(&text) {
                        // A target under a folder variable the file does not
                        // set as a literal (`$REPO_ROOT/deploy/x.yaml`, the
                        // repository's top from `$(dirname ...)`): the file
                        // it names from the file's folder or one above it, up
                        // to the top, when one is there.
                        let out = match target.strip_prefix('\u{0}') {
                            Some(rest) => match dir
                                .ancestors()
                                .take_while(|d| d.starts_with(root))
                                .map(|d| d.join(rest))
                                .find(|c| files.is_file(c))
                            {
                                Some(found) => files.canonical(&found),
                                None => continue,
                            },
                            None => files.canonical(&dir.join(target.trim_start_matches("./"))),
                        };
                        generated.push((out, files.canonical(&p), line));
                    }
                }
            }
            let deployment = dockerfile::is_dockerfile_name(&name)
                || name.ends_with(".yaml")
                || name.ends_with(".yml")
                || name.ends_with(".tpl")
                || is_start_script_name(&name);
            if !deployment || files.metadata(&p).map_or(true, |m| m.len > MAX_DEPLOY_FILE) {
                continue;
            }
            if files
                .read_to_string(&p)
                .is_some_and(|text| sets_variable(&text))
            {
                limit_files.push(files.canonical(&p));
            }
        }
    }
    limit_files.sort();
    let charts = chart_dirs
        .into_iter()
        .map(|dir| {
            let dir = files.canonical(&dir);
            let mut names = vec![dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()];
            let field = |file: &str, key: &str| -> Vec<String> {
                files
                    .read_to_string(&dir.join(file))
                    .map(|t| {
                        t.lines()
                            .filter_map(|l| l.trim().strip_prefix(key))
                            .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
                            .filter(|v| !v.is_empty())
                            .collect()
                    })
                    .unwrap_or_default()
            };
            names.extend(field("Chart.yaml", "name:").into_iter().take(1));
            names.extend(field("values.yaml", "repository:"));
            let sets_limit = limit_files
                .iter()
                .filter(|f| f.starts_with(&dir))
                .cloned()
                .collect();
            let components = files
                .read_to_string(&dir.join("values.yaml"))
                .map(|t| {
                    t.lines()
                        .filter(|l| !l.starts_with([' ', '\t', '#', '-']))
                        .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim().to_string()))
                        .filter(|k| !k.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            Chart {
                dir,
                names,
                sets_limit,
                components,
            }
        })
        .collect::<Vec<_>>();
    limit_files.retain(|f| !charts.iter().any(|c| f.starts_with(&c.dir)));
    // A chart a Go file embeds (to install it) is read as a chart.
    embedded.retain(|f| !charts.iter().any(|c| f.starts_with(&c.dir)));
    embedded.sort();
    embedded.dedup();
    RepoIndex {
        limit_files,
        charts,
        generated,
        scripts,
        embedded,
        generated_maps,
    }
}

/// The YAML files a build file's lines render from other manifests (`kustomize
/// build config/default > config/install.yaml`, `helm template x ./chart >
/// deploy/x.yaml`), with their 1-based lines.
fn rendered_manifests(text: &str) -> Vec<(usize, String)> {
    let mut out = vec![];
    // The file's plain variables (`KLUSTERLET_DIR=$DEPLOY_DIR/klusterlet`),
    // first value kept.
    let mut vars: std::collections::BTreeMap<String, String> = Default::default();
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.starts_with('#') {
            continue;
        }
        if let Some((name, value)) = build::shell_assignment(l) {
            let value = build::expand(&build::braced_shell_vars(&value, &vars), &vars, 0);
            vars.entry(name).or_insert(value);
            continue;
        }
        let lower = l.to_ascii_lowercase();
        let renders = (lower.contains("kustomize") && lower.contains(" build"))
            || lower.contains("helm template");
        if !renders {
            continue;
        }
        let Some(i) = l.rfind('>') else { continue };
        let target = l[i + 1..]
            .split_whitespace()
            .next()
            .unwrap_or("")
            .trim_matches(['"', '\'', ';']);
        if !(target.ends_with(".yaml") || target.ends_with(".yml")) {
            continue;
        }
        let target = build::expand(&build::braced_shell_vars(target, &vars), &vars, 0);
        if !target.contains('$') {
            out.push((n + 1, target));
            continue;
        }
        // One unknown folder variable first (`$REPO_ROOT/deploy/x.yaml`):
        // the rest, marked for the caller to find (`\0deploy/x.yaml`).
        let rest = target
            .strip_prefix('$')
            .map(|r| r.trim_start_matches('{'))
            .and_then(|r| {
                let end = r.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
                let r = r[end..].trim_start_matches('}');
                r.strip_prefix('/')
            });
        if let Some(rest) = rest.filter(|r| !r.contains('$') && !r.is_empty()) {
            out.push((n + 1, format!("\u{0}{rest}")));
        }
    }
    out
}

/// Where a Makefile or script renders manifest `path` from others: the build
/// file and its line.
pub fn rendered_by(files: &Files, main: &MainPackage, path: &Path) -> Option<(PathBuf, usize)> {
    let index = repo_index(files, &main.repo_root);
    let path = files.canonical(path);
    index
        .generated
        .iter()
        .find(|(out, _, _)| *out == path)
        .map(|(_, by, line)| (by.clone(), *line))
}

/// True when a `kustomization.yaml` beside the manifest at `path` lists it as
/// a patch (`patches: [{path: ...}]`, `patchesStrategicMerge`): it changes a
/// workload another manifest (its base) defines, and an overlay that uses it
/// keeps the base's `env` entries it does not name.
pub fn is_kustomize_patch(files: &Files, path: &Path) -> bool {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return false;
    };
    let name = name.to_string_lossy();
    let texts: Vec<String> = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .filter_map(|k| files.read_to_string(&dir.join(k)))
        .collect();
    // A template of an overlay whose patches a script enables
    // (`#ENABLE_X - path: manager_image_patch.yaml`): a patch all the same.
    let patch_line = |t: &String| {
        t.lines().any(|l| {
            l.split_once("path:")
                .is_some_and(|(_, p)| p.trim().trim_start_matches("./") == name)
        })
    };
    texts.iter().any(patch_line)
        || texts
            .iter()
            .filter_map(|t| serde_saphyr::from_str::<serde_json::Value>(t).ok())
            .any(|k| {
                let listed = |v: &serde_json::Value| {
                    let p = v
                        .as_str()
                        .or_else(|| v.get("path").and_then(|p| p.as_str()))
                        .unwrap_or("");
                    p.trim_start_matches("./") == name
                };
                ["patches", "patchesStrategicMerge", "patchesJson6902"]
                    .iter()
                    .filter_map(|key| k.get(key).and_then(|l| l.as_array()))
                    .any(|l| l.iter().any(listed))
            })
}

/// Names of the shell scripts that start a program in an image: entrypoints,
/// `*.sh`, and the `run` files of s6 and runit service folders.
fn is_start_script_name(name: &str) -> bool {
    name.ends_with(".sh")
        || name == "run"
        || name.starts_with("entrypoint")
        || name.starts_with("docker-entrypoint")
}

/// True when a script that sets `GOMEMLIMIT` also starts one of `bins` (a
/// line's program, after any `VAR=value` words and an `exec`): the binary runs
/// with the limit in its environment (an s6 `run` file that exports it, then
/// `exec`s the controller). A word elsewhere on a line is an argument.
fn script_starts_with_limit(text: &str, bins: &[String]) -> bool {
    sets_variable(text)
        && text
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#'))
            .any(|l| {
                let program = l
                    .split_whitespace()
                    .find(|w| *w != "exec" && !w.contains('='));
                program.is_some_and(|p| bins.iter().any(|b| dockerfile::names_binary(p, b)))
            })
}

/// A file anywhere in the repository that sets `GOMEMLIMIT` for this service:
/// a Dockerfile that builds or runs it, a manifest container or compose service
/// that names its binary, or the values or templates of a Helm chart named for
/// it (by its folder, its `name`, or an image repository in its values).
fn limit_set_elsewhere(
    files: &Files,
    main: &MainPackage,
    run_as: &[String],
    builds_image: bool,
    not_applying: &mut Vec<gocode::Site>,
) -> Option<PathBuf> {
    let index = repo_index(files, &main.repo_root);
    let bin = main.binary.as_str();
    for f in &index.limit_files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if is_start_script_name(&name) {
            if files
                .read_to_string(f)
                .is_some_and(|t| script_starts_with_limit(&t, run_as))
            {
                return Some(f.clone());
            }
            continue;
        }
        let concerns = match cached(files, f, &name) {
            Some(Parsed::Docker(d)) => {
                d.sets_gomemlimit()
                    && d.tie(main, &contexts_of(files, &d.path, main), &|p| {
                        read_context_file(files, p)
                    }) != Tie::None
            }
            Some(Parsed::Kube(m)) => m
                .containers
                .iter()
                .any(|c| c.sets_gomemlimit && container_named(c, &main.binaries[..1])),
            Some(Parsed::Compose(c)) => c.services.iter().any(|s| {
                s.sets_gomemlimit && service_runs(s, &main.binaries[..1], &entry_images(&[&c]))
            }),
            None => false,
        };
        if concerns {
            return Some(f.clone());
        }
    }
    // The chart containers that run the binary say it themselves.
    let tied = if index.charts.iter().any(|c| !c.sets_limit.is_empty()) {
        helm::tied_container_limits(files, main, builds_image)
    } else {
        vec![]
    };
    if let Some((_, template, _)) = tied.iter().find(|(_, _, sets)| *sets) {
        return Some(template.clone());
    }
    for chart in index.charts.iter().filter(|c| {
        !c.sets_limit.is_empty()
            && (c.names.iter().any(|n| mentions(n, bin)) || helm::runs(files, c, main))
    }) {
        for f in &chart.sets_limit {
            let Some(text) = files.read_to_string(f) else {
                continue;
            };
            // A template whose containers set it in their own env, in a
            // chart where the container that runs the binary is known: it is
            // theirs, and none of them runs the binary (`tied` says so). With
            // the binary's container unknown, it may be that one.
            let template = f.ancestors().any(|a| a.ends_with("templates"));
            let chart_known = tied.iter().any(|(dir, _, _)| *dir == chart.dir);
            if tied.iter().any(|(_, t, _)| t == f)
                || (template && chart_known && helm::container_sets_limit(files, f))
            {
                let line = text
                    .lines()
                    .position(|l| l.contains("GOMEMLIMIT"))
                    .map_or(1, |i| i + 1);
                not_applying.push((
                    f.clone(),
                    line,
                    "GOMEMLIMIT set for another container, not this binary's".to_string(),
                ));
                continue;
            }
            match helm_limit_scope(&text, f, chart, main) {
                HelmScope::Applies => return Some(f.clone()),
                HelmScope::Other(line, what) => not_applying.push((f.clone(), line, what)),
            }
        }
    }
    None
}

enum HelmScope {
    Applies,
    /// Set for another component: the line and why.
    Other(usize, String),
}

/// Keys of Helm values that hold settings for every component of a chart.
const SHARED_VALUE_KEYS: &[&str] = &[
    "global",
    "env",
    "extraEnv",
    "extraEnvVars",
    "podEnv",
    "common",
    "defaults",
    "default",
];

/// Whether the `GOMEMLIMIT` a chart's file sets is for `main`'s binary. In a
/// values file it is when it sits under a key that names the binary, under a
/// key every component shares (`global`, `env`, `extraEnv`...), or at the top;
/// under another component's key (`ingester:` when the binary is `querier`) it
/// is that component's. A template is the binary's unless its file name
/// names another of the chart's components and not the binary.
fn helm_limit_scope(text: &str, path: &Path, chart: &Chart, main: &MainPackage) -> HelmScope {
    let names = &main.binaries;
    let named = |k: &str| names.iter().any(|b| mentions(k, b));
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_values = path.parent().is_some_and(|p| !p.ends_with("templates"))
        && (file.ends_with(".yaml") || file.ends_with(".yml"));
    if !is_values {
        let other = chart
            .components
            .iter()
            .find(|c| !named(c) && c.len() > 2 && file.contains(c.as_str()));
        return match other {
            Some(c) if !named(&file) => HelmScope::Other(
                text.lines()
                    .position(|l| l.contains("GOMEMLIMIT"))
                    .map_or(1, |i| i + 1),
                format!("GOMEMLIMIT in a template for component {c}, not this binary"),
            ),
            _ => HelmScope::Applies,
        };
    }
    let mut first_other = None;
    let mut top_line = 0;
    let mut stack: Vec<(usize, String)> = vec![];
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let key = trimmed
            .trim_start_matches("- ")
            .split_once(':')
            .map(|(k, _)| k.trim().trim_matches(['"', '\'']).to_string());
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        if trimmed.contains("GOMEMLIMIT") && !trimmed.starts_with('#') {
            let top = stack.first().map(|(_, k)| k.as_str());
            let shared = top.is_none_or(|t| SHARED_VALUE_KEYS.contains(&t));
            if shared || stack.iter().any(|(_, k)| named(k)) {
                return HelmScope::Applies;
            }
            // The component's own block: it runs this binary when its image
            // names it, or when it has no image of its own and the chart is
            // named for the binary (`singleBinary:` of the `loki` chart runs loki).
            let block: Vec<&str> = text
                .lines()
                .skip(stack.first().map_or(0, |_| top_line))
                .skip(1)
                .take_while(|l| l.is_empty() || l.starts_with([' ', '\t', '#', '-']))
                .collect();
            let own_image = block.iter().any(|l| {
                let t = l.trim_start();
                t.starts_with("repository:") || t.starts_with("image:")
            });
            let block_names = block.iter().any(|l| {
                let t = l.trim_start();
                (t.starts_with("repository:")
                    || t.starts_with("image:")
                    || t.starts_with("command:"))
                    && names.iter().any(|b| mentions(t, b))
            });
            let chart_named = chart.names.iter().take(2).any(|n| named(n));
            if block_names || (!own_image && chart_named) {
                return HelmScope::Applies;
            }
            if first_other.is_none() {
                first_other = Some((
                    n + 1,
                    format!(
                        "GOMEMLIMIT under {}: is another component's, not this binary's",
                        top.unwrap_or("")
                    ),
                ));
            }
        }
        if let Some(k) = key {
            if indent == 0 {
                top_line = n;
            }
            stack.push((indent, k));
        }
    }
    match first_other {
        Some((line, what)) => HelmScope::Other(line, what),
        None => HelmScope::Applies,
    }
}

/// The package's folder and its deployment subfolders (own), then each folder
/// above it up to the repository's top with theirs.
fn search_folders(files: &Files, main: &MainPackage) -> Vec<(PathBuf, bool)> {
    let mut out = vec![];
    let mut dir = Some(main.dir.as_path());
    let mut own = true;
    while let Some(d) = dir {
        out.push((d.to_path_buf(), own));
        for s in deploy_subfolders(files, d) {
            out.push((s.clone(), own));
            for s2 in deploy_subfolders(files, &s) {
                out.push((s2, own));
            }
            // A kustomize layout keeps each component's manifests up to three
            // levels further down (`deployment/base/gc/gc.yaml`,
            // `manifests/v1beta1/components/controller/controller.yaml`).
            for s2 in nested_folders(files, &s, 3) {
                if !out.iter().any(|(o, _)| o == &s2) {
                    out.push((s2, own));
                }
            }
        }
        if d == main.top || !d.starts_with(&main.top) {
            break;
        }
        dir = d.parent();
        own = false;
    }
    out
}

/// The `examples/` (or `example/`) folders of the package's folder and of each
/// folder above it up to the repository's top, and the folders up to two
/// levels below them; never one that holds the package (an example app's own).
fn example_folders(files: &Files, main: &MainPackage) -> Vec<PathBuf> {
    let mut out = vec![];
    for d in main.dir.ancestors() {
        for e in files.read_dir(d).iter().flat_map(|es| es.iter()) {
            if !e.is_dir
                || !matches!(e.name.as_str(), "examples" | "example")
                || main.dir.starts_with(&e.path)
            {
                continue;
            }
            out.push(e.path.clone());
            out.extend(nested_folders(files, &e.path, 2));
        }
        if d == main.top || !d.starts_with(&main.top) {
            break;
        }
    }
    out
}

/// The folders below `dir`, `levels` deep at most, leaving out hidden ones and
/// Helm charts (a folder with a `Chart.yaml`: its templates are read as a chart).
fn nested_folders(files: &Files, dir: &Path, levels: usize) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = stack.pop() {
        if depth >= levels {
            continue;
        }
        let Some(entries) = files.read_dir(&d) else {
            continue;
        };
        for e in entries
            .iter()
            .filter(|e| e.is_dir && !e.name.starts_with('.'))
        {
            if files.is_file(&e.path.join("Chart.yaml")) || e.name == "templates" {
                continue;
            }
            out.push(e.path.clone());
            stack.push((e.path.clone(), depth + 1));
        }
    }
    out.sort();
    out
}

/// The subfolders of `dir` named as deployment folders are (`deploy/`,
/// `docker/`, in any case: `DOCKER/`), in the order of `DEPLOY_FOLDERS`.
fn deploy_subfolders(files: &Files, dir: &Path) -> Vec<PathBuf> {
    let Some(entries) = files.read_dir(dir) else {
        return vec![];
    };
    let mut found: Vec<(usize, PathBuf)> = entries
        .iter()
        .filter(|e| e.is_dir)
        .filter_map(|e| {
            let rank = deploy_folder_rank(&e.name)?;
            Some((rank, e.path.clone()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// Where a folder's name stands in [`DEPLOY_FOLDERS`]: the name itself, or
/// (after every such name) a name made of words one of which says Kubernetes
/// manifests (`kubernetes-manifests`, `k8s_deploy`, `deploy-manifests`).
pub(super) fn deploy_folder_rank(name: &str) -> Option<usize> {
    let lower = name.to_ascii_lowercase();
    if let Some(rank) = DEPLOY_FOLDERS.iter().position(|f| *f == lower) {
        return Some(rank);
    }
    lower
        .split(['-', '_'])
        .any(|w| MANIFEST_WORDS.contains(&w))
        .then_some(DEPLOY_FOLDERS.len())
}

/// Words of a folder's name that say it holds deployment manifests.
const MANIFEST_WORDS: &[&str] = &[
    "deploy",
    "deployment",
    "deployments",
    "k8s",
    "kubernetes",
    "kustomize",
    "manifests",
];

/// Dockerfiles, compose files and other YAML files directly in `folder`.
fn deployment_files(files: &Files, folder: &Path) -> Vec<PathBuf> {
    let Some(entries) = files.read_dir(folder) else {
        return vec![];
    };
    let mut out: Vec<PathBuf> = entries
        .iter()
        .filter(|e| e.is_file)
        .map(|e| e.path.clone())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with('.')
                && (dockerfile::is_dockerfile_name(name)
                    || name.ends_with(".yaml")
                    || name.ends_with(".yml"))
        })
        .collect();
    out.sort();
    out
}

/// True when `text` names `binary`: a word of it (split at `/`, `:`, `=`, spaces,
/// quotes) is the binary's name, or has it as a `-`/`_`/`.`-separated part.
pub fn mentions(text: &str, binary: &str) -> bool {
    if binary.is_empty() {
        return false;
    }
    text.split(|c: char| c.is_whitespace() || "/:=@,\"'".contains(c))
        .any(|word| word == binary || word.split(['-', '_', '.']).any(|part| part == binary))
}

/// The name an image reference writes itself: its last path segment without
/// tag or digest, when no template action or variable writes any of it
/// (`{{ .Values.registry }}/front:{{ .Values.tag }}` and `dexidp/dex:v2` give
/// `front` and `dex`; `{{ .Values.image }}` and `acme/${NAME}:1` give none).
pub fn literal_image_name(image: &str) -> Option<String> {
    const ACTION: char = '\u{1}';
    let mut text = String::new();
    let mut rest = image.trim().trim_matches(['"', '\'']);
    while let Some(i) = rest.find("{{") {
        text.push_str(&rest[..i]);
        text.push(ACTION);
        rest = rest[i..].find("}}").map_or("", |j| &rest[i + j + 2..]);
    }
    text.push_str(rest);
    let repo = text.split('@').next().unwrap_or("");
    let segment = repo.rsplit('/').next().unwrap_or(repo);
    let name = segment.split(':').next().unwrap_or(segment);
    (!name.is_empty() && !name.contains([ACTION, '$', ' ', '{', '}'])).then(|| name.to_string())
}

/// A container tied to one of `bins` only because its name holds the binary's
/// as a part (`kubeshark-front`), while its image is written with a name of
/// its own that does not (`kubeshark/front`, `dexidp/dex`): that image's
/// program runs there, under the project's name.
fn named_in_part_only(c: &kubernetes::Container, bins: &[String]) -> bool {
    image_named_otherwise(c, bins)
        && bins
            .iter()
            .all(|b| !dockerfile::names_binary(&c.name, &b.to_ascii_lowercase()))
}

/// The container runs no `command` of its own and its image is written with a
/// name that names none of `bins`, under a registry or organisation (a bare
/// `manager` or `controller:latest` is a placeholder kustomize replaces).
fn image_named_otherwise(c: &kubernetes::Container, bins: &[String]) -> bool {
    let Some(image) = literal_image_name(&c.image) else {
        return false;
    };
    if !c.image.contains('/') {
        return false;
    }
    !c.says_what_runs()
        && bins
            .iter()
            .all(|b| !mentions(&image.to_ascii_lowercase(), &b.to_ascii_lowercase()))
}

/// The image's name without registry, path and tag (`ghcr.io/acme/orders:1.4`
/// gives `orders`).
fn image_name(image: &str) -> &str {
    let repo = image_repository(image);
    repo.rsplit('/').next().unwrap_or(repo)
}

/// The image without its digest (`@sha256:…`) and tag (a registry port has a
/// `/` after its `:`).
fn image_repository(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => &image[..i],
        _ => image,
    }
}

/// True when the container's `command` says what runs and it is none of
/// `bins` (`/manager` where every build of the package makes
/// `/spire-controller-manager`): a manifest tied another way (the repository's
/// one workload) that cannot run this binary as it stands, a stale scaffold.
pub fn command_runs_another(c: &kubernetes::Container, bins: &[String]) -> bool {
    // A ko image (`ko://.../cmd/x`) is the package's own, whatever the
    // command (an image patch swaps in the Dockerfile's, which may rename it).
    c.says_what_runs()
        && !c.inline_script
        && !c.image.starts_with("ko://")
        && !container_named(c, bins)
}

/// True when a container runs one of `bins`: its name or its image's name
/// names it, or its `command` executes it (an argument does not count).
fn container_named(c: &kubernetes::Container, bins: &[String]) -> bool {
    // A `command` says what runs: a container `nfd-gc` of the project's image
    // with `command: [nfd-gc]` does not run the image's `nfd`, however its
    // name or image reads.
    if c.says_what_runs() {
        return bins
            .iter()
            .any(|bin| c.programs.iter().any(|p| dockerfile::names_binary(p, bin)));
    }
    // Container and image names are lower case; a root package's binary takes
    // its module's case (`github.com/acme/Gatekeeper` builds `Gatekeeper`).
    bins.iter().map(|b| b.to_ascii_lowercase()).any(|bin| {
        mentions(&c.name, &bin)
            || (!is_sidecar_of(&c.image, bins) && mentions(image_name(&c.image), &bin))
    })
}

/// Images that some compose service runs with a command of flags
/// (`command: -v 9 filer`): they have an entrypoint, so the commands of their
/// services are its arguments (`command: server -ip=s3` runs the entrypoint,
/// not a program `server`).
fn entry_images(composes: &[&Arc<ComposeFile>]) -> Vec<String> {
    composes
        .iter()
        .flat_map(|f| &f.services)
        .filter(|s| s.command_is_flags)
        .filter_map(|s| s.image.clone())
        .collect()
}

/// True when a compose service runs one of `bins`: its `entrypoint` or
/// `command` executes it, or its image is named for it (a repository path,
/// `ghcr.io/acme/orders`, not a well-known third-party image; a bare name only
/// when the service builds it). The service's name, volumes and environment
/// say nothing.
fn service_runs(s: &compose::Service, bins: &[String], entry_images: &[String]) -> bool {
    let entrypoint_known = s.image.as_ref().is_some_and(|i| entry_images.contains(i));
    let image_named = s.image.as_ref().is_some_and(|i| {
        (i.contains('/') || s.context.is_some())
            && !is_sidecar_of(i, bins)
            && bins
                .iter()
                .any(|b| dockerfile::names_binary(image_name(i), &b.to_ascii_lowercase()))
    });
    image_named
        || s.programs.iter().any(|p| {
            // A bare word of `command` given to an image with an entrypoint is its argument.
            !(s.command_only && entrypoint_known && !p.contains('/'))
                && bins.iter().any(|b| dockerfile::names_binary(p, b))
        })
}

/// The import path of the package whose image ko builds for a container
/// (`image: ko://example.com/acme/cmd/api`): ko replaces the reference with
/// the image it builds, whose entrypoint is that package's binary.
fn ko_reference(image: &str) -> Option<&str> {
    image.strip_prefix("ko://").map(|p| p.trim_end_matches('/'))
}

/// The packages whose ko images the manifests' containers name, by workload
/// (kind and name) and container name: a kustomize patch of that container
/// (`manager_image_patch.yaml`, `image: acme/agent:latest`) runs what its
/// base's `image: ko://example.com/acme/cmd/agent` names.
struct KoRefs(Vec<(String, String, String)>);

impl KoRefs {
    fn of(manifests: &[(Arc<Manifest>, bool)]) -> KoRefs {
        let mut refs: Vec<(String, String, String)> = vec![];
        for (m, _) in manifests {
            for c in &m.containers {
                if let Some(p) = ko_reference(&c.image) {
                    let key = (c.workload.clone(), c.name.clone(), p.to_string());
                    if !refs.contains(&key) {
                        refs.push(key);
                    }
                }
            }
        }
        KoRefs(refs)
    }

    /// The package whose ko image `c` runs: its own reference, else the one
    /// reference the same container of the same workload has elsewhere.
    fn package<'a>(&'a self, c: &'a kubernetes::Container) -> Option<&'a str> {
        if let Some(p) = ko_reference(&c.image) {
            return Some(p);
        }
        let mut found = self
            .0
            .iter()
            .filter(|(w, n, _)| *w == c.workload && *n == c.name)
            .map(|(_, _, p)| p.as_str());
        let first = found.next()?;
        found.all(|p| p == first).then_some(first)
    }
}

/// True when the container runs the image ko builds from another package
/// than `main`'s: its names and `command` say nothing (a ko image holds the
/// one program; an overlay that replaces the image keeps the container).
fn runs_other_ko_image(c: &kubernetes::Container, main: &MainPackage, ko: &KoRefs) -> bool {
    ko.package(c).is_some_and(|p| p != main.import_path)
}

/// True when the container runs the image ko builds from `main`'s package:
/// its image is the package's import path (`ko://`, or ko's older bare form
/// with no `command`), or its base's is (`KoRefs`).
fn runs_own_ko_image(c: &kubernetes::Container, main: &MainPackage, ko: &KoRefs) -> bool {
    !main.import_path.is_empty()
        && (ko.package(c) == Some(main.import_path.as_str())
            || (!c.says_what_runs() && c.image == main.import_path))
}

fn tie_containers(
    files: &Files,
    main: &MainPackage,
    manifests: &[(Arc<Manifest>, bool)],
    ev: &mut Evidence,
) {
    let ko = KoRefs::of(manifests);
    let ko = &ko;
    // A name in part ties a container whose image is named otherwise only
    // when the repository builds an image of the binary (which its project
    // may name as it likes).
    let builds_image = ev.builds_image();
    let named = |c: &kubernetes::Container| {
        runs_own_ko_image(c, main, ko)
            || (!runs_other_ko_image(c, main, ko)
                && container_named(c, &main.binaries)
                && (builds_image || !named_in_part_only(c, &main.binaries)))
    };
    // The workload's name ties its container unless that container's
    // `command` (or ko image reference) says what it runs (see `container_named`).
    let workload_named = |c: &kubernetes::Container| {
        let w = c.workload.split(' ').nth(1).unwrap_or("");
        !c.says_what_runs()
            && !runs_other_ko_image(c, main, ko)
            && main.binaries.iter().any(|bin| mentions(w, bin))
            && (builds_image || !image_named_otherwise(c, &main.binaries))
    };
    let mut tied = vec![];
    // Workloads as (file, document), each with its containers' indices.
    let mut workloads: Vec<(&Arc<Manifest>, bool, usize, Vec<usize>)> = vec![];
    for (m, own) in manifests {
        for (i, c) in m.containers.iter().enumerate() {
            match workloads
                .iter_mut()
                .find(|(wm, _, doc, _)| Arc::ptr_eq(wm, m) && *doc == c.doc)
            {
                Some(w) => w.3.push(i),
                None => workloads.push((m, *own, c.doc, vec![i])),
            }
        }
    }
    let own_workloads = workloads.iter().filter(|w| w.1).count();
    for (m, own, _, indices) in &workloads {
        let by_name: Vec<usize> = indices
            .iter()
            .copied()
            .filter(|&i| named(&m.containers[i]))
            .collect();
        let by_workload = workload_named(&m.containers[indices[0]]);
        let named_tie = !by_name.is_empty() || by_workload;
        let chosen = if !by_name.is_empty() {
            by_name
        } else if by_workload || (*own && own_workloads == 1) {
            // The pod is the service's (by its name, or as the one workload in the
            // package's own folder): its one container that is not a known sidecar.
            let main_ones: Vec<usize> = indices
                .iter()
                .copied()
                .filter(|&i| {
                    !is_sidecar_of(&m.containers[i].image, &main.binaries)
                        && !runs_other_ko_image(&m.containers[i], main, ko)
                })
                .collect();
            if main_ones.len() == 1 {
                main_ones
            } else {
                vec![]
            }
        } else {
            vec![]
        };
        tied.extend(chosen.into_iter().map(|index| TiedContainer {
            manifest: (*m).clone(),
            index,
            named: named_tie,
        }));
    }
    drop_other_images(files, &mut tied, main, ko);
    // A kustomize patch (`manager_webhook_patch.yaml`: a container with no
    // image) runs nothing of its own beside a container that names an image,
    // unless it sets the memory limit (`resources.yaml`: where the fix goes).
    if tied.iter().any(|t| !t.container().image.is_empty()) {
        tied.retain(|t| !t.container().image.is_empty() || t.container().memory_limit.is_some());
    }
    ev.containers = tied;
}

/// Ties by a name are weighed against each other. An image named for the
/// binary shows which image runs it: a container tied only by a name whose
/// image is another published one (`acme/orders/pgbouncer` beside
/// `acme/orders`, `ibmcom/orders-redis` beside `acme/orders`) runs that
/// image's program. And a container whose own name or image name is the
/// binary's shows what running it looks like: one tied only by a part of a
/// name (`viz-frontend` for `viz`, beside a container `viz`, or one named for
/// the package's folder: `backend` for a module `viz` in `viz/backend/`) runs
/// something else. A bare image name (`server`, no registry) is a placeholder
/// that a build or kustomize fills in, unless a folder beside the package's
/// (or beside a folder above it) bears that name: then it names that
/// folder's image (`shoppingassistantservice` beside `src/frontend/`),
/// another program's.
fn drop_other_images(
    files: &Files,
    tied: &mut Vec<TiedContainer>,
    main: &MainPackage,
    ko: &KoRefs,
) {
    let bins: Vec<String> = main
        .binaries
        .iter()
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let names = |word: &str| bins.iter().any(|b| dockerfile::names_binary(word, b));
    let folder = main
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let image_runs =
        |c: &kubernetes::Container| runs_own_ko_image(c, main, ko) || names(image_name(&c.image));
    let exact = |c: &kubernetes::Container| {
        !c.programs.is_empty() || names(&c.name) || c.name == folder || image_runs(c)
    };
    if tied.iter().any(|t| image_runs(t.container())) {
        tied.retain(|t| {
            let c = t.container();
            !c.programs.is_empty()
                || image_runs(c)
                || (!c.image.contains('/') && !another_folders_image(files, main, &c.image))
        });
    }
    if tied.iter().any(|t| exact(t.container())) {
        tied.retain(|t| !t.named || exact(t.container()));
    }
}

/// True when `image` (a bare name, `shoppingassistantservice:v1`) is the name
/// of a folder beside the package's or beside a folder above it, up to the
/// repository's top, that is not on the package's path.
pub(super) fn another_folders_image(files: &Files, main: &MainPackage, image: &str) -> bool {
    let name = image_name(image);
    if name.is_empty() || name.contains(['$', '{', '.']) {
        return false;
    }
    main.dir
        .ancestors()
        .skip(1)
        .take_while(|d| d.starts_with(&main.repo_root))
        .map(|d| d.join(name))
        .any(|f| !main.dir.starts_with(&f) && files.is_dir(&f))
}

/// A package whose image a Dockerfile builds, in a repository whose manifests
/// hold one workload: that workload runs the image, whatever its names say,
/// unless its `command` runs a binary another Dockerfile builds from another
/// package (`command: [/nightly]` beside `go build -o /nightly ./cmd/nightly`).
/// A workload is its kind and name, and only one whose containers name an
/// image runs anything: kustomize's patch of it in another file
/// (`config/default/manager_webhook_patch.yaml`, a Deployment whose container
/// has ports and mounts but no image) is no second workload.
fn tie_the_only_workload(
    main: &MainPackage,
    manifests: &[(Arc<Manifest>, bool)],
    other_builds: &[String],
    ev: &mut Evidence,
) {
    let ko = KoRefs::of(manifests);
    let runs_other = |c: &kubernetes::Container| {
        !container_named(c, &main.binaries)
            && c.programs
                .iter()
                .any(|p| other_builds.iter().any(|b| dockerfile::names_binary(p, b)))
    };
    let mut workloads: Vec<&str> = manifests
        .iter()
        .flat_map(|(m, _)| {
            m.containers
                .iter()
                .filter(|c| !c.image.is_empty())
                .map(|c| c.workload.as_str())
        })
        .collect();
    workloads.sort();
    workloads.dedup();
    if workloads.len() != 1 {
        return;
    }
    let candidates: Vec<(&Arc<Manifest>, usize)> = manifests
        .iter()
        .flat_map(|(m, _)| (0..m.containers.len()).map(move |i| (m, i)))
        .filter(|(m, i)| {
            let c = &m.containers[*i];
            !c.image.is_empty()
                && !is_sidecar_of(&c.image, &main.binaries)
                && !runs_other_ko_image(c, main, &ko)
                && !runs_other(c)
                // An inline script says all it runs (`while true; do sleep
                // 30; done` runs no program of ours).
                && !(c.inline_script && !container_named(c, &main.binaries))
        })
        .collect();
    if let [(m, index)] = candidates[..] {
        ev.containers.push(TiedContainer {
            manifest: m.clone(),
            index,
            named: false,
        });
    }
}

/// [`is_sidecar`], unless the image bears one of `bins`' very name: the
/// project's own `acme/vault-k8s` is no `vault` sidecar.
fn is_sidecar_of(image: &str, bins: &[String]) -> bool {
    is_sidecar(image)
        && !bins
            .iter()
            .any(|b| image_name(image).eq_ignore_ascii_case(b))
}

fn is_sidecar(image: &str) -> bool {
    let repo = image_repository(image);
    SIDECAR_IMAGES.iter().any(|s| {
        repo.split('/')
            .any(|seg| seg == *s || seg.starts_with(&format!("{s}-")))
    })
}

fn tie_services(
    files: &Files,
    main: &MainPackage,
    composes: &[Arc<ComposeFile>],
    ev: &mut Evidence,
) {
    let mut named = vec![];
    let mut building = vec![];
    let entry = entry_images(&composes.iter().collect::<Vec<_>>());
    for f in composes {
        for (i, s) in f.services.iter().enumerate() {
            let tied = TiedService {
                file: f.clone(),
                index: i,
            };
            if service_runs(s, &main.binaries, &entry) {
                named.push(tied);
            } else if let Some(ctx) = &s.context {
                let ctx = files.canonical(ctx);
                if !main.dir.starts_with(&ctx) {
                    continue;
                }
                let df = s
                    .dockerfile
                    .clone()
                    .unwrap_or_else(|| ctx.join("Dockerfile"));
                let serves = match cached(files, &df, "Dockerfile") {
                    Some(Parsed::Docker(d)) => {
                        let mut contexts = vec![ctx.clone()];
                        contexts.extend(contexts_of(files, &d.path, main));
                        d.tie(main, &contexts, &|p| read_context_file(files, p)) != Tie::None
                    }
                    _ => false,
                };
                if serves {
                    building.push(tied);
                }
            }
        }
    }
    ev.services = if named.is_empty() { building } else { named };
}

#[derive(Clone)]
enum Parsed {
    Docker(Arc<Dockerfile>),
    Kube(Arc<Manifest>),
    Compose(Arc<ComposeFile>),
}

/// The parsed file at `path`, read and parsed once per run.
fn cached(files: &Files, path: &Path, name: &str) -> Option<Parsed> {
    let meta = files.metadata(path)?;
    if !meta.is_file || meta.len > MAX_DEPLOY_FILE {
        return None;
    }
    (*files.memo("deployment-file", path, name, |f| read(f, path, name))).clone()
}

fn read(files: &Files, path: &Path, name: &str) -> Option<Parsed> {
    let bytes = files.read(path)?;
    let text = crate::source::SourceText::decode(&bytes).ok()?.text;
    let path = files.canonical(path);
    if dockerfile::is_dockerfile_name(name) {
        return Some(Parsed::Docker(Arc::new(Dockerfile::parse(&path, &text))));
    }
    if compose::is_compose_name(name) {
        return ComposeFile::parse(files, &path, &text).map(|c| Parsed::Compose(Arc::new(c)));
    }
    if let Some(m) = Manifest::parse(&path, &text) {
        return Some(Parsed::Kube(Arc::new(m)));
    }
    // A compose file by another name (`docker/compose/fuse.yml`): a top-level
    // `services:` mapping.
    if text.lines().any(|l| l.trim_end() == "services:") {
        return ComposeFile::parse(files, &path, &text).map(|c| Parsed::Compose(Arc::new(c)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty folder for a repository, and its canonical path.
    fn temp_repo() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        (tmp, root)
    }

    /// The main package in `rel` of module `example.com/shop` at `root`.
    fn shop_main(root: &Path, rel: &str) -> MainPackage {
        MainPackage::new(&Files::default(), &root.join(rel), root, "example.com/shop")
    }

    /// Writes `text` at `rel` below `root`, making its folders.
    fn write_file(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn a_start_script_sets_the_limit_only_for_what_it_starts() {
        let bins = vec!["gate-controller".to_string()];
        let s6 = "#!/command/with-contenv sh\nexport GOMEMLIMIT=\"${L}MiB\"\nexec /gate-controller --listen :9000\n";
        assert!(script_starts_with_limit(s6, &bins));
        // Another program started with the limit, or the binary named only in a comment.
        let other = "#!/bin/sh\n# runs beside gate-controller\nexport GOMEMLIMIT=200MiB\nexec /usr/sbin/haproxy -f /etc/haproxy.cfg\nlog-to gate-controller || echo gate-controller\n";
        assert!(!script_starts_with_limit(other, &bins));
        let commented = "#!/bin/sh\n# export GOMEMLIMIT=200MiB\nexec /gate-controller\n";
        assert!(!script_starts_with_limit(commented, &bins));
    }

    #[test]
    fn image_names_drop_registry_tag_and_digest() {
        assert_eq!(image_name("ghcr.io/acme/orders:1.4"), "orders");
        assert_eq!(
            image_name("registry.example.com/shop/catalog@sha256:0123"),
            "catalog"
        );
        assert_eq!(image_name("localhost:5000/orders:v2@sha256:ab"), "orders");
        assert_eq!(image_name("localhost:5000/orders"), "orders");
        assert!(is_sidecar("docker.io/envoyproxy/envoy@sha256:0123"));
    }

    #[test]
    fn mention_rules() {
        assert!(mentions("ghcr.io/acme/orders:1.4", "orders"));
        assert!(mentions("orders-api", "orders"));
        assert!(mentions("/app/orders", "orders"));
        assert!(!mentions("ordersvc", "orders"));
        assert!(!mentions("anything", ""));
    }

    #[test]
    fn sidecars() {
        assert!(is_sidecar("envoyproxy/envoy:v1.30"));
        assert!(is_sidecar("nginx:1.27-alpine"));
        assert!(is_sidecar("gcr.io/istio-release/proxyv2"));
        assert!(!is_sidecar("ghcr.io/acme/orders:1.4"));
        assert!(is_sidecar("hashicorp/vault-k8s:1.7"));
        assert!(!is_sidecar_of(
            "hashicorp/vault-k8s:1.7",
            &["vault-k8s".to_string()]
        ));
        assert!(is_sidecar_of(
            "hashicorp/vault:1.17",
            &["vault-k8s".to_string()]
        ));
    }

    #[test]
    fn binary_names() {
        let m = MainPackage::new(
            &Files::default(),
            Path::new("/m/cmd/api"),
            Path::new("/m"),
            "example.com/svc",
        );
        assert_eq!((m.rel_dir.as_str(), m.binary.as_str()), ("cmd/api", "api"));
        let m = MainPackage::new(
            &Files::default(),
            Path::new("/m"),
            Path::new("/m"),
            "example.com/svc/v2",
        );
        assert_eq!((m.rel_dir.as_str(), m.binary.as_str()), ("", "svc"));
    }

    #[test]
    fn a_monorepo_ties_each_main_to_its_own_files() {
        let (_tmp, root) = temp_repo();
        let write = |rel: &str, text: &str| write_file(&root, rel, text);
        write(
            "deploy/k8s/apps.yaml",
            "kind: Deployment\nmetadata: {name: orders}\nspec:\n  template:\n    spec:\n      containers:\n        - name: main\n          image: acme/orders:1\n          resources: {limits: {memory: 1Gi}}\n---\nkind: Deployment\nmetadata: {name: billing}\nspec:\n  template:\n    spec:\n      containers:\n        - name: main\n          image: acme/billing:1\n          env: [{name: GOMEMLIMIT, value: 900MiB}]\n          resources: {limits: {memory: 1Gi}}\n",
        );
        write(
            "Dockerfile",
            "FROM golang:1.22 AS b\nRUN go build -o /out/billing ./services/billing\nFROM scratch\nCOPY --from=b /out/billing /billing\nENTRYPOINT [\"/billing\"]\n",
        );
        write(
            "services/tool/Dockerfile.dev",
            "FROM golang:1.22\nRUN go build .\n",
        );
        let main = |rel: &str| shop_main(&root, rel);

        let orders = evidence_for(&Files::default(), &main("services/orders"));
        assert!(orders.dockerfiles.is_empty());
        assert_eq!(orders.containers.len(), 1);
        assert_eq!(orders.containers[0].container().image, "acme/orders:1");
        assert!(orders.is_containerised() && orders.limit_set_in.is_none());

        let billing = evidence_for(&Files::default(), &main("services/billing"));
        assert_eq!(billing.dockerfiles.len(), 1);
        assert!(billing.limit_set_in.is_some());

        // A development image beside it (by its name) that copies no source.
        let tool = evidence_for(&Files::default(), &main("services/tool"));
        assert!(tool.dockerfiles.is_empty() && tool.containers.is_empty());

        let cli = evidence_for(&Files::default(), &main("cmd/migrate"));
        assert!(!cli.is_containerised());
    }

    #[test]
    fn an_env_from_config_map_defined_elsewhere_leaves_the_limit_unknown() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        let pod = |map: &str| {
            format!("kind: Pod\nspec:\n  containers:\n  - name: api\n    image: x/api\n    envFrom:\n    - configMapRef: {{name: {map}}}\n    resources: {{limits: {{memory: 1Gi}}}}\n---\nkind: ConfigMap\nmetadata: {{name: local}}\ndata: {{A: b}}\n")
        };
        let main = MainPackage::new(&Files::default(), &root.join("api"), &root, "example.com/x");
        std::fs::create_dir_all(root.join("api")).unwrap();
        std::fs::write(root.join("api/pod.yaml"), pod("elsewhere")).unwrap();
        let ev = evidence_for(&Files::default(), &main);
        assert!(ev.limit_set_in.is_none());
        assert_eq!(ev.unknown_env_maps.len(), 1);
        assert_eq!(ev.unknown_env_maps[0].2, "elsewhere");
        std::fs::write(root.join("api/pod.yaml"), pod("local") + "# x\n").unwrap();
        let ev = evidence_for(&Files::default(), &main);
        assert!(ev.limit_set_in.is_none() && ev.containers.len() == 1);
        assert!(ev.unknown_env_maps.is_empty());
    }

    #[test]
    fn a_checkout_without_git_keeps_its_top_above_the_module() {
        let tmp = tempfile::tempdir().unwrap();
        let top = std::fs::canonicalize(tmp.path()).unwrap().join("board");
        let write = |rel: &str, text: &str| write_file(&top, rel, text);
        write("backend/go.mod", "module example.com/board\n\ngo 1.22\n");
        write("backend/app/main.go", "package main\n\nfunc main() {}\n");
        write(
            "Dockerfile",
            "FROM golang AS b\nADD backend /b/backend\nWORKDIR /b/backend\nRUN go build -o board ./app\nFROM alpine\nCOPY --from=b /b/backend/board /board\nEXPOSE 80\nCMD [\"/board\"]\n",
        );
        let ev = || {
            let files = Files::default();
            let module = top.join("backend");
            let main = MainPackage::new(&files, &module.join("app"), &module, "example.com/board");
            evidence_for(&files, &main)
        };
        // Nothing says the folder above the module is the repository's.
        assert!(ev().dockerfiles.is_empty());
        write(".gitignore", "/board\n");
        assert_eq!(ev().dockerfiles.len(), 1);
    }

    #[test]
    fn an_examples_manifest_ties_only_by_the_command_it_runs() {
        let (_tmp, root) = temp_repo();
        let write = |rel: &str, text: &str| write_file(&root, rel, text);
        write(
            "Dockerfile",
            "FROM golang:1.22\nRUN go build -o /app ./cmd/server\nENTRYPOINT [\"/app\"]\n",
        );
        let pod = |name: &str, command: &str| {
            format!("kind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: {name}\n        image: org/{name}\n{command}        resources: {{limits: {{memory: 1Gi}}}}\n")
        };
        // Named alone, or as the one workload there: not tied.
        write("examples/demo/server.yaml", &pod("server", ""));
        let main = |rel: &str| shop_main(&root, rel);
        let ev = evidence_for(&Files::default(), &main("cmd/server"));
        assert!(ev.containers.is_empty());
        // Its command runs the binary: tied.
        write(
            "examples/demo/server.yaml",
            &pod("web", "        command: [server, --port=80]\n"),
        );
        let ev = evidence_for(&Files::default(), &main("cmd/server"));
        assert_eq!(ev.containers.len(), 1);
    }

    #[test]
    fn the_one_workload_of_a_repository_runs_the_image_its_dockerfile_builds() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        std::fs::create_dir_all(root.join("deploy")).unwrap();
        std::fs::write(
            root.join("Dockerfile"),
            "FROM golang:1.22\nRUN go build -o /app ./cmd/server\nENTRYPOINT [\"/app\"]\n",
        )
        .unwrap();
        std::fs::write(
            root.join("deploy/deployment.yaml"),
            "kind: Deployment\nmetadata: {name: shop}\nspec:\n  template:\n    spec:\n      containers:\n      - name: shop\n        image: org/shop\n        resources: {limits: {memory: 1Gi}}\n",
        )
        .unwrap();
        let main = |rel: &str| shop_main(&root, rel);
        let server = evidence_for(&Files::default(), &main("cmd/server"));
        assert_eq!(server.containers.len(), 1);
        // A tool the image does not build is not tied to the workload.
        let tool = evidence_for(&Files::default(), &main("cmd/tool"));
        assert!(tool.containers.is_empty() && tool.dockerfiles.is_empty());
    }

    #[test]
    fn the_one_workload_is_not_tied_to_an_image_whose_binary_its_command_does_not_run() {
        let (_tmp, root) = temp_repo();
        write_file(
            &root,
            "Dockerfile",
            "FROM golang:1.22\nRUN go build -o /exporter ./cmd/exporter\nENTRYPOINT [\"/exporter\"]\n",
        );
        write_file(
            &root,
            "Dockerfile.nightly",
            "FROM golang:1.22\nRUN go build -o /nightly ./cmd/nightly\nENTRYPOINT [\"/nightly\"]\n",
        );
        write_file(
            &root,
            "deploy/cronjob.yaml",
            "kind: CronJob\nmetadata: {name: compact}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: compact\n            image: org/compact\n            command: [/nightly]\n",
        );
        let nightly = evidence_for(&Files::default(), &shop_main(&root, "cmd/nightly"));
        assert_eq!(nightly.containers.len(), 1);
        // Its command runs the binary Dockerfile.nightly builds, not /exporter.
        let exporter = evidence_for(&Files::default(), &shop_main(&root, "cmd/exporter"));
        assert!(exporter.containers.is_empty());
        assert_eq!(exporter.dockerfiles.len(), 1);
    }

    #[test]
    fn rendered_targets_through_the_scripts_variables() {
        let script = "REPO_ROOT=$(realpath \"$(dirname \"$0\")\"/..)\nOUT=$REPO_ROOT/deploy\nDIR=$OUT/bundle\nhelm template chart/x > $DIR/op.yaml\nkustomize build config/default > config/install.yaml\nhelm template x > $UNKNOWN/$OTHER/y.yaml\n";
        assert_eq!(
            rendered_manifests(script),
            vec![
                (4, "\u{0}deploy/bundle/op.yaml".to_string()),
                (5, "config/install.yaml".to_string())
            ]
        );
    }

    #[test]
    fn scripts_are_replaced_by_what_they_run() {
        let mut index = RepoIndex::default();
        index.scripts.insert(
            "start-controller.sh".to_string(),
            Some(vec![
                "echo".to_string(),
                "./acme-controller".to_string(),
                "$@".to_string(),
            ]),
        );
        index.scripts.insert("twice.sh".to_string(), None);
        let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            expand_scripts(&index, &w(&["/app/start-controller.sh"])),
            w(&["echo", "./acme-controller"])
        );
        // Scripts of that name that differ, and unknown scripts, stay.
        assert_eq!(
            expand_scripts(&index, &w(&["/twice.sh"])),
            w(&["/twice.sh"])
        );
        assert_eq!(
            expand_scripts(&index, &w(&["/other.sh"])),
            w(&["/other.sh"])
        );
    }

    #[test]
    fn a_checkout_without_git_has_its_top_at_the_highest_folder_with_top_files() {
        let (_tmp, root) = temp_repo();
        write_file(&root, "modules/api/go.mod", "module example.com/api\n");
        write_file(&root, "modules/.dockerignore", "*\n");
        let api = root.join("modules/api");
        // Only the workspace folder holds a top file: it is the top.
        assert_eq!(repo_root(&Files::default(), &api), root.join("modules"));
        // The repository's top holds them too: the highest one is the top.
        write_file(&root, ".gitignore", "bin/\n");
        assert_eq!(repo_root(&Files::default(), &api), root);
    }
}
