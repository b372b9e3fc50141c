//! The repository's build model: which names its builds give the binary of
//! each main package, outside the Dockerfiles (which `dockerfile` reads), and
//! which Dockerfiles and build contexts its image builds use.
//!
//! Read once per repository (memoised by its root):
//! - Makefiles (`Makefile`, `GNUmakefile`, `*.mk`): variables (`=`, `:=`, `?=`,
//!   `+=`, expanded recursively, `$(if ...)`, `$(shell which X)`), rules and
//!   their recipes, pattern rules (`bin/%: ; go build -o $@ ./cmd/$*`), `$@`,
//!   `$*`, `$(@F)`; builds run in a toolchain container (`docker run -v
//!   $(CURDIR):/src -w /src/cmd/x ... go build`) and the images recipes build
//!   (`docker build -f FILE CONTEXT`);
//! - shell scripts (`*.sh`): `go build`/`go install` with `-o`, after `cd`
//!   (in a subshell or not);
//! - goreleaser (`.goreleaser.yml` and its variants): `builds:` (`main`, `dir`,
//!   `binary`), `dockers:` (`dockerfile`) and `kos:` (ko images of a build);
//! - ko: `ko build`/`ko publish` in Makefile recipes and scripts, and
//!   `.ko.yaml` `builds:` (`dir`, `main`): images whose entrypoint is the
//!   package's binary (`--bare` names them by `KO_DOCKER_REPO`);
//! - the recipes of the targets a Dockerfile's `RUN make TARGET` runs
//!   (`make_target_builds`, for `dockerfile`);
//! - promu (`.promu.yml`, the Prometheus projects'): `build: binaries:` (`name`, `path`);
//! - `docker-bake.hcl`: each target's `context` and `dockerfile`;
//! - GitHub workflows (`.github/workflows/*.yml`): the images they build
//!   (`docker/build-push-action`, `docker build -f`);
//! - Dockerfiles and compose files anywhere below a deployment folder
//!   (`docker/targets/x.Dockerfile`, `docker/NAME/Dockerfile`,
//!   `tools/docker/compose.yml`), which the folder search of `deploy` does not reach.
//!
//! All hand-written: the Makefile and HCL subsets read here are a few line
//! shapes (assignments, rule heads, tab-indented recipes; `key = "value"` in a
//! block), a parser crate for either would add more to the CI build than this
//! whole module, and none evaluates variables the way the rules need anyway.
//! goreleaser files are YAML, read with serde-saphyr like the compose files.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::gocode::Site;
use crate::package::Files;

/// Folders never walked.
const SKIP: &[&str] = &[
    "vendor",
    "node_modules",
    "testdata",
    "third_party",
    "target",
];

/// Deepest folder walked below the repository root.
const MAX_DEPTH: usize = 6;

/// Largest build file read.
const MAX_FILE: u64 = 512 * 1024;

/// One build found: run in `cwd`, it builds `target` (a folder relative to
/// `cwd`, or an import path; `%` stands for a pattern rule's stem) into a file
/// named `output` (a path; `%` again the stem).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Build {
    cwd: PathBuf,
    target: String,
    output: String,
}

/// An image `ko` builds from a main package (`ko build ./cmd/x` in a Makefile
/// or script, a build of `.ko.yaml`, goreleaser's `kos:`): ko images hold
/// that one program as their entrypoint. The package is `target`, a folder
/// relative to `cwd` or an import path, as in [`Build`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct KoImage {
    cwd: PathBuf,
    target: String,
    /// Where it is said: the file, its 1-based line, and what it says.
    site: Site,
}

/// The repository's builds and image build inputs.
#[derive(Debug, Default)]
pub struct RepoBuilds {
    builds: Vec<Build>,
    ko: Vec<KoImage>,
    /// goreleaser builds that no `dockers:` or `kos:` entry puts in an image,
    /// while entries that name their builds (`ids:`) put others in one: the
    /// release ships them as archives (a CLI beside the agent the image runs).
    archive_only: Vec<(Build, Site)>,
    /// Dockerfiles found below deployment folders, and those goreleaser and bake
    /// name, each with the build context a bake target gives it (if any).
    pub dockerfiles: Vec<(PathBuf, Option<PathBuf>)>,
    /// Compose files found below deployment folders (`tools/docker/compose.yml`
    /// beside the Dockerfile there).
    pub composes: Vec<PathBuf>,
    /// The Go each CI job installs to build the repository (see [`CiGo`]).
    pub ci_go: Vec<CiGo>,
}

/// The Go release a CI job installs: a GitHub workflow's `actions/setup-go`
/// `go-version` (each value of the matrix it names), or `go-version-file`; a
/// Travis CI file's `go:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiGo {
    /// The folder holding `.github/` (or `.travis.yml`).
    pub root: PathBuf,
    /// The workflow and the 1-based line of the setting.
    pub path: PathBuf,
    pub line: usize,
    pub go: CiGoVersion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiGoVersion {
    /// A release line (`1.17`, `1.17.x`, `~1.17`, `go1.17.3`).
    Exact(crate::gomod::GoVersion),
    /// The `go` line of the module's `go.mod` (`go-version-file: go.mod`).
    FromGoMod,
    /// Whatever is newest, or a value this reader cannot follow (`stable`,
    /// `>=1.17`, `^1.17`, an expression that is not a matrix key).
    Floating,
}

/// The repository's build model, read once per run.
pub fn repo_builds(files: &Files, repo_root: &Path) -> Arc<RepoBuilds> {
    files.memo_summary("repo-builds", repo_root, "", |f| read_repo(f, repo_root))
}

/// The names the repository's builds give the binary of the main package in
/// `dir` (import path `import_path`), besides its folder's name.
pub fn names_for(
    files: &Files,
    repo_root: &Path,
    _module_root: &Path,
    dir: &Path,
    import_path: &str,
) -> Vec<String> {
    names_in(&repo_builds(files, repo_root), dir, import_path)
}

/// Where the repository's ko builds make an image of the main package in
/// `dir` (import path `import_path`): an image whose entrypoint is its binary.
pub fn ko_images_for(files: &Files, repo_root: &Path, dir: &Path, import_path: &str) -> Vec<Site> {
    let model = repo_builds(files, repo_root);
    let mut out: Vec<Site> = vec![];
    for k in &model.ko {
        let b = Build {
            cwd: k.cwd.clone(),
            target: k.target.clone(),
            output: String::new(),
        };
        if target_stem(&b, dir, import_path).is_some_and(|s| s.is_empty()) && !out.contains(&k.site)
        {
            out.push(k.site.clone());
        }
    }
    out
}

/// Where a goreleaser config builds the main package in `dir` only for its
/// archives, while its images hold other builds (see `RepoBuilds::archive_only`).
pub fn archive_only_for(
    files: &Files,
    repo_root: &Path,
    dir: &Path,
    import_path: &str,
) -> Option<Site> {
    let model = repo_builds(files, repo_root);
    model
        .archive_only
        .iter()
        .find(|(b, _)| target_stem(b, dir, import_path).is_some_and(|s| s.is_empty()))
        .map(|(_, site)| site.clone())
}

/// [`names_for`] over a build model.
fn names_in(model: &RepoBuilds, dir: &Path, import_path: &str) -> Vec<String> {
    let mut out = vec![];
    for b in &model.builds {
        let Some(stem) = target_stem(b, dir, import_path) else {
            continue;
        };
        let output = b.output.replace('%', &stem);
        let Some(name) = binary_name(&output) else {
            continue;
        };
        // A name another build gives another package (the Makefile's
        // `-o bin/demo-server ./cmd/demo-server` beside a test script's
        // `-o bin/demo-server cmd/sidecar/main.go`) says nothing about this one.
        // (The same line read from several folders, as scripts and `$(CURDIR)`
        // recipes are, is one build: its target is written alike.)
        let contested = model.builds.iter().any(|o| {
            o.target != b.target
                && target_stem(o, dir, import_path).is_none()
                && !o.output.contains('%')
                && binary_name(&o.output).as_deref() == Some(name.as_str())
        });
        if !contested && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The folder whose package a `go build` argument naming Go files builds:
/// a file stands for its folder's package (`cmd/operator/main.go`), and so
/// does a shell glob of a folder's files (`./cmd/loadtester/*`, `cmd/x/*.go`,
/// which the shell expands to them); one with no folder (`main.go`, `*.go`)
/// for the package the build runs in. None for a package path or pattern.
pub(super) fn go_files_folder(arg: &str) -> Option<&str> {
    let (folder, file) = arg.rsplit_once('/').unwrap_or((".", arg));
    let files = file.ends_with(".go") || file == "*";
    files.then_some(if folder.is_empty() { "/" } else { folder })
}

/// When build `b` builds the package in `dir`: the pattern stem (`""` for a
/// plain build).
fn target_stem(b: &Build, dir: &Path, import_path: &str) -> Option<String> {
    let t = b.target.trim_end_matches('/');
    // `${PKG}/cmd/nginx`, the module's path from the environment: the
    // package whose import path ends so.
    if let Some(rest) = under_variable(t) {
        return (!b.output.is_empty()
            && !rest.contains("...")
            && import_path.ends_with(&format!("/{rest}")))
        .then(String::new);
    }
    // `go build -o FILE P/...` writes one binary only when the pattern
    // matches one package, else it fails: a main package under P is it.
    if let Some(pre) = t.strip_suffix("/...") {
        if b.output.is_empty() || b.output.contains('%') || pre.contains("...") {
            return None;
        }
        let under = if pre.starts_with('.') || pre.starts_with('/') {
            dir.starts_with(normalize(&b.cwd.join(pre)))
        } else {
            gocode_under(import_path, pre)
        };
        return under.then(String::new);
    }
    // Go files are always paths (`go build -o bin/keda cmd/operator/main.go`).
    let files_folder = go_files_folder(t);
    let is_path = t.starts_with('.') || t.starts_with('/') || files_folder.is_some();
    if !is_path {
        // An import path (maybe with a version or a pattern stem).
        let t = t.split('@').next().unwrap_or(t);
        return match t.split_once('%') {
            Some((pre, post)) => import_path
                .strip_prefix(pre)
                .and_then(|r| r.strip_suffix(post))
                .filter(|s| !s.is_empty() && !s.contains('/'))
                .map(str::to_string),
            None => (t == import_path).then(String::new),
        };
    }
    let t = files_folder.unwrap_or(t);
    match t.split_once('%') {
        Some((pre, post)) => {
            let base = normalize(&b.cwd.join(pre.trim_end_matches('/')));
            let rel = dir.strip_prefix(&base).ok()?;
            let rel = rel.to_string_lossy();
            let stem = rel
                .strip_suffix(post.trim_start_matches('/'))
                .unwrap_or(&rel);
            let stem = stem.trim_end_matches('/');
            (!stem.is_empty() && !stem.contains('/')).then(|| stem.to_string())
        }
        None => (normalize(&b.cwd.join(t)) == dir).then(String::new),
    }
}

/// The rest of a build argument after one leading variable and a `/`
/// (`${PKG}/cmd/nginx` gives `cmd/nginx`), when no other variable follows.
fn under_variable(w: &str) -> Option<&str> {
    let r = w.strip_prefix('$')?;
    let r = match r.strip_prefix('{') {
        Some(inner) => &inner[inner.find('}')? + 1..],
        None => r.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_'),
    };
    let rest = r.strip_prefix('/')?;
    (!rest.is_empty() && !rest.contains('$') && !rest.starts_with('.')).then_some(rest)
}

/// True when import path `path` is `prefix` or below it.
fn gocode_under(path: &str, prefix: &str) -> bool {
    super::gocode::is_under(path, prefix)
}

/// The binary name of an output path: its base name, cut at the first
/// variable that no build model expands (`etcd-${VERSION}` is `etcd`, and
/// goreleaser's `proxy-{{.Os}}-{{.Arch}}` is `proxy`).
fn binary_name(output: &str) -> Option<String> {
    // `go build -o /dev/null ./...` checks that it compiles, naming nothing.
    if output.trim() == "/dev/null" {
        return None;
    }
    let base = output.trim_end_matches('/').rsplit('/').next()?;
    let base = base.split('$').next().unwrap_or("");
    let base = base.split("{{").next().unwrap_or("");
    let base = base.trim_end_matches(['-', '_', '.']);
    let base = base.strip_suffix(".exe").unwrap_or(base);
    (!base.is_empty() && !base.contains(['%', '*', '{', '(', '"', '\''])).then(|| base.to_string())
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// True when a shell script hands its arguments to `go build` (`exec go
/// build -ldflags "$FLAGS" "$@"`): a Makefile that runs it with `-o $@
/// cmd/x/main.go` builds as `go build` would.
fn wraps_go_build(text: &str) -> bool {
    logical_lines(text).iter().any(|l| {
        let l = l.trim();
        let l = l.strip_prefix("exec ").unwrap_or(l).trim_start();
        (l.starts_with("go build ") || l.starts_with("go install "))
            && (l.ends_with("\"$@\"") || l.ends_with("$@"))
    })
}

/// A Makefile's text with each call of a `go build` wrapper script (see
/// [`wraps_go_build`]), as the Makefile in `dir` names it, written as `go
/// build`.
fn unwrap_go_build(text: &str, dir: &Path, wrappers: &[PathBuf]) -> String {
    let mut out = text.to_string();
    for w in wrappers {
        let Ok(rel) = w.strip_prefix(dir) else {
            continue;
        };
        let rel = rel.to_string_lossy();
        for spelled in [
            format!("./{rel}"),
            format!("$(CURDIR)/{rel}"),
            rel.to_string(),
        ] {
            // Only where the script is the command: after a tab, a space or a
            // shell separator, before a space.
            let mut rewritten = String::new();
            let mut rest = out.as_str();
            while let Some(i) = rest.find(&spelled) {
                let before = rest[..i].chars().last();
                let after = rest[i + spelled.len()..].chars().next();
                rewritten.push_str(&rest[..i]);
                if before.is_none_or(|c| c.is_whitespace() || ";&|(@".contains(c))
                    && after.is_some_and(|c| c == ' ')
                {
                    rewritten.push_str("go build");
                } else {
                    rewritten.push_str(&spelled);
                }
                rest = &rest[i + spelled.len()..];
            }
            rewritten.push_str(rest);
            out = rewritten;
        }
    }
    out
}

fn read_repo(files: &Files, root: &Path) -> RepoBuilds {
    let mut model = RepoBuilds::default();
    // Makefiles are read after the walk, once the wrapper scripts are known.
    let mut makefiles: Vec<(String, PathBuf, PathBuf)> = vec![];
    let mut wrappers: Vec<PathBuf> = vec![];
    let mut stack = vec![(root.to_path_buf(), 0usize, false)];
    while let Some((dir, depth, deploy_folder)) = stack.pop() {
        let Some(entries) = files.read_dir(&dir) else {
            continue;
        };
        for e in entries.iter() {
            let name = e.name.as_str();
            if e.is_dir && name == ".github" {
                // CI workflows name the Dockerfiles they publish, wherever
                // they are (`.github/Dockerfile`, which this walk does not enter).
                workflows(files, &dir, &mut model);
            }
            if e.is_dir {
                if depth < MAX_DEPTH && !name.starts_with('.') && !SKIP.contains(&name) {
                    let lower = name.to_ascii_lowercase();
                    let deploy = deploy_folder
                        || lower.starts_with("docker")
                        || super::deploy_folder_rank(&lower).is_some()
                        || matches!(lower.as_str(), "images" | "packaging" | "package" | "dist");
                    stack.push((e.path.clone(), depth + 1, deploy));
                }
                continue;
            }
            if !e.is_file || files.metadata(&e.path).is_none_or(|m| m.len > MAX_FILE) {
                continue;
            }
            let lower = name.to_ascii_lowercase();
            // A deployment folder the evidence search does not read itself
            // (`package/`, `images/` at the top), or any below one.
            let unsearched = deploy_folder
                && (depth >= 2
                    || dir.file_name().is_some_and(|d| {
                        super::deploy_folder_rank(&d.to_string_lossy()).is_none()
                    }));
            if name == ".travis.yml" {
                if let Some(text) = files.read_to_string(&e.path) {
                    model
                        .ci_go
                        .extend(travis_go(&text).into_iter().map(|(line, go)| CiGo {
                            root: files.canonical(&dir),
                            path: e.path.clone(),
                            line,
                            go,
                        }));
                }
            } else if super::dockerfile::is_dockerfile_name(name) {
                if unsearched {
                    model.dockerfiles.push((files.canonical(&e.path), None));
                }
            } else if super::compose::is_compose_name(name) {
                if deploy_folder && depth >= 2 {
                    model.composes.push(files.canonical(&e.path));
                }
            } else if lower == "makefile" || lower == "gnumakefile" || lower.ends_with(".mk") {
                if let Some(text) = files.read_to_string(&e.path) {
                    makefiles.push((text, dir.clone(), e.path.clone()));
                }
            } else if lower.ends_with(".sh") || lower.ends_with(".bash") {
                if let Some(text) = files.read_to_string(&e.path) {
                    if wraps_go_build(&text) {
                        wrappers.push(e.path.clone());
                    }
                    if text.contains("ko build") || text.contains("ko publish") {
                        // Run from the repository root, mostly (as below).
                        let (named, ko) = lines_ko(&numbered_lines(&text), root, &e.path);
                        model.builds.extend(named);
                        model.ko.extend(ko);
                    }
                    // Scripts run from the repository root, mostly, or
                    // from the folder above their scripts/ folder, or
                    // their own: each is tried (a build is taken only
                    // where its target is a main package's folder).
                    let mut cwds = vec![root.to_path_buf(), dir.clone()];
                    cwds.extend(dir.parent().map(Path::to_path_buf));
                    cwds.sort();
                    cwds.dedup();
                    for cwd in &cwds {
                        model.builds.extend(name_tables(&text, cwd));
                    }
                    if text.contains("go build") || text.contains("go install") {
                        for cwd in &cwds {
                            model.builds.extend(shell_builds(&text, cwd));
                        }
                    }
                }
            } else if depth <= 2 && is_goreleaser_name(&lower) {
                if let Some(text) = files.read_to_string(&e.path) {
                    goreleaser(&text, &dir, &e.path, &mut model, &|p| {
                        files.read_to_string(p)
                    });
                }
            } else if depth <= 2 && matches!(lower.as_str(), ".ko.yaml" | ".ko.yml") {
                if let Some(text) = files.read_to_string(&e.path) {
                    model.ko.extend(ko_config(&text, &dir, &e.path));
                }
            } else if depth <= 2 && matches!(lower.as_str(), ".promu.yml" | ".promu.yaml") {
                if let Some(text) = files.read_to_string(&e.path) {
                    model.builds.extend(promu(&text, &dir));
                }
            } else if lower == "docker-bake.hcl" || lower.ends_with(".bake.hcl") {
                if let Some(text) = files.read_to_string(&e.path) {
                    for (dockerfile, context) in bake_targets(&text, &dir) {
                        model.dockerfiles.push((dockerfile, Some(context)));
                    }
                }
            }
        }
    }
    makefiles.sort();
    for (text, dir, path) in makefiles {
        let text = unwrap_go_build(&text, &dir, &wrappers);
        let (builds, images) = makefile(&text, &dir, root);
        model.builds.extend(builds);
        let (named, ko) = makefile_ko(&text, &dir, &path);
        model.builds.extend(named);
        model.ko.extend(ko);
        // Make runs where the Makefile that includes the module is: the
        // nearest folder above with a `Makefile`, else the repository's top.
        let make_dir = path
            .ancestors()
            .skip(1)
            .take_while(|d| d.starts_with(root))
            .find(|d| files.is_file(&d.join("Makefile")))
            .unwrap_or(root);
        let (named, ko) = oci_build_images(&text, make_dir, &path);
        model.builds.extend(named);
        model.ko.extend(ko);
        model
            .dockerfiles
            .extend(images.into_iter().filter(|(df, _)| files.is_file(df)));
    }
    model.dockerfiles.sort();
    model.dockerfiles.dedup();
    model
}

/// The Dockerfile (`-f`, if given) and build context of a `docker build` or
/// `docker buildx build` command line (also `podman build`).
fn docker_build(line: &str) -> Option<(Option<String>, String)> {
    let words = super::dockerfile::shell_words(line);
    let i = words
        .iter()
        .position(|w| matches!(base(w).as_str(), "docker" | "podman"))?;
    let rest = &words[i + 1..];
    let build = match rest.first().map(String::as_str) {
        Some("build") => &rest[1..],
        Some("buildx") if rest.get(1).is_some_and(|w| w == "build") => &rest[2..],
        _ => return None,
    };
    let mut file = None;
    let mut positional = vec![];
    let mut j = 0;
    while j < build.len() {
        let w = build[j].as_str();
        if matches!(w, "&&" | "||" | ";" | "|") {
            break;
        }
        if w == "-f" || w == "--file" {
            file = build.get(j + 1).cloned();
            j += 2;
            continue;
        }
        if let Some(f) = w.strip_prefix("--file=") {
            file = Some(f.to_string());
        } else if w.starts_with('-') {
            // Flags with a value (`-t name`, `--build-arg A=b`).
            if !w.contains('=')
                && !matches!(
                    w,
                    "--push" | "--load" | "--pull" | "--no-cache" | "-q" | "--quiet" | "--rm"
                )
            {
                j += 1;
            }
        } else {
            positional.push(w);
        }
        j += 1;
    }
    match positional[..] {
        [context] => Some((file, context.to_string())),
        _ => None,
    }
}

/// The images the GitHub workflows of the repository at `root` build.
fn workflows(files: &Files, root: &Path, model: &mut RepoBuilds) {
    let folder = root.join(".github").join("workflows");
    for e in files.read_dir(&folder).iter().flat_map(|es| es.iter()) {
        let lower = e.name.to_ascii_lowercase();
        if !e.is_file
            || !(lower.ends_with(".yml") || lower.ends_with(".yaml"))
            || files.metadata(&e.path).is_none_or(|m| m.len > MAX_FILE)
        {
            continue;
        }
        if let Some(text) = files.read_to_string(&e.path) {
            model.dockerfiles.extend(workflow_images(&text, root));
            model
                .ci_go
                .extend(workflow_go(&text).into_iter().map(|(line, go)| CiGo {
                    root: files.canonical(root),
                    path: e.path.clone(),
                    line,
                    go,
                }));
        }
    }
}

/// Each Go release a workflow's `setup-go` steps install, with its line:
/// `go-version: 1.17.x`, `go-version-file: go.mod`, and for `go-version: ${{
/// matrix.go }}` each value of the `go:` list of the same file (`go: [1.16,
/// 1.17]`, or one `- 1.17` per line). Read by line (a YAML reader gives no
/// line numbers; the keys are this specific).
fn workflow_go(text: &str) -> Vec<(usize, CiGoVersion)> {
    let mut out = vec![];
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start().trim_start_matches("- ").trim_start();
        if let Some(file) = t.strip_prefix("go-version-file:") {
            let file = file.split(" #").next().unwrap_or("").trim();
            let file = file.trim_matches(|c| c == '"' || c == '\'');
            let go = if file == "go.mod" || file.ends_with("/go.mod") {
                CiGoVersion::FromGoMod
            } else {
                CiGoVersion::Floating
            };
            out.push((i + 1, go));
            continue;
        }
        let Some(value) = t.strip_prefix("go-version:") else {
            continue;
        };
        let value = value.split(" #").next().unwrap_or("").trim();
        match value
            .strip_prefix("${{")
            .and_then(|v| v.trim().strip_prefix("matrix."))
        {
            Some(rest) => {
                let key: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
                let values = matrix_values(&lines, &key);
                if values.is_empty() {
                    out.push((i + 1, CiGoVersion::Floating));
                }
                out.extend(values);
            }
            // A list of releases on the key itself (`go-version: [1.16, 1.17]`
            // is not what setup-go takes, but a matrix key named so is).
            None if value.starts_with('[') => {
                out.extend(flow_list(value).map(|v| (i + 1, ci_go_version(v))))
            }
            None => out.push((i + 1, ci_go_version(value))),
        }
    }
    out
}

/// Each Go release a Travis CI file (`.travis.yml`) installs, with its line:
/// its `go:` key, a scalar or a list, at the top or in a job of its matrix
/// (`master`, `tip` or a value this reader cannot follow: floating).
fn travis_go(text: &str) -> Vec<(usize, CiGoVersion)> {
    let lines: Vec<&str> = text.lines().collect();
    matrix_values(&lines, "go")
}

/// The values of the matrix key `key` (`go: [1.16, 1.17]`, or a block list
/// below `go:`), each with its line; the key may appear once in the file.
fn matrix_values(lines: &[&str], key: &str) -> Vec<(usize, CiGoVersion)> {
    let mut out = vec![];
    let head = format!("{key}:");
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let Some(value) = t.strip_prefix(&head) else {
            continue;
        };
        let value = value.split(" #").next().unwrap_or("").trim();
        if value.starts_with('[') {
            out.extend(flow_list(value).map(|v| (i + 1, ci_go_version(v))));
        } else if value.is_empty() {
            let indent = line.len() - t.len();
            for (j, item) in lines.iter().enumerate().skip(i + 1) {
                let it = item.trim_start();
                if it.is_empty() || it.starts_with('#') {
                    continue;
                }
                if item.len() - it.len() < indent || !it.starts_with("- ") {
                    break;
                }
                out.push((j + 1, ci_go_version(it[2..].trim())));
            }
        } else if !value.starts_with("${{") {
            out.push((i + 1, ci_go_version(value)));
        }
    }
    out
}

fn flow_list(value: &str) -> impl Iterator<Item = &str> {
    value
        .trim_start_matches('[')
        .split(']')
        .next()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// `1.17`, `'1.17.x'`, `~1.17`, `go1.17.3`: that release line; `stable`,
/// `^1.17`, `>=1.17` or anything else: floating.
fn ci_go_version(value: &str) -> CiGoVersion {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    let v = v.strip_prefix('~').unwrap_or(v);
    let v = v.strip_suffix(".x").unwrap_or(v);
    if !v.starts_with(|c: char| c.is_ascii_digit() || c == 'g') {
        return CiGoVersion::Floating;
    }
    match crate::gomod::GoVersion::parse(v) {
        Some(g)
            if v.trim_start_matches("go")
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.') =>
        {
            CiGoVersion::Exact(g)
        }
        _ => CiGoVersion::Floating,
    }
}

/// The `(dockerfile, context)` of each image a GitHub workflow in the
/// repository at `root` builds: a `docker/build-push-action` step's `file`
/// and `context` (the repository's root when not given), or a `docker build`
/// / `docker buildx build` command line's `-f` and context. Values that are
/// expressions (`${{ matrix.file }}`) are left out.
fn workflow_images(text: &str, root: &Path) -> Vec<(PathBuf, Option<PathBuf>)> {
    let mut out = vec![];
    if !text.contains("docker") {
        return out;
    }
    let Ok(v) = serde_saphyr::from_str::<Value>(text) else {
        return out;
    };
    let plain = |s: &str| !s.contains("${{") && !s.contains('$') && !s.trim().is_empty();
    let mut push = |file: Option<&str>, context: Option<&str>| {
        let context = context.unwrap_or(".");
        if !plain(context) || file.is_some_and(|f| !plain(f)) {
            return;
        }
        let ctx = normalize(&root.join(context));
        // `file` is relative to the working folder (the root), not the context.
        let df = match file {
            Some(f) => normalize(&root.join(f)),
            None => ctx.join("Dockerfile"),
        };
        out.push((df, Some(ctx)));
    };
    let jobs = v.get("jobs").and_then(Value::as_object);
    for job in jobs.into_iter().flat_map(|j| j.values()) {
        let steps = job.get("steps").and_then(Value::as_array);
        for step in steps.into_iter().flatten() {
            let uses = step.get("uses").and_then(Value::as_str).unwrap_or("");
            if uses.starts_with("docker/build-push-action") {
                let with = step.get("with");
                let field = |k: &str| with.and_then(|w| w.get(k)).and_then(Value::as_str);
                push(field("file"), field("context"));
            }
            let Some(run) = step.get("run").and_then(Value::as_str) else {
                continue;
            };
            for line in logical_lines(run) {
                if let Some((file, context)) = docker_build(&line) {
                    push(file.as_deref(), Some(&context));
                }
            }
        }
    }
    out
}

fn is_goreleaser_name(lower: &str) -> bool {
    matches!(
        lower,
        ".goreleaser.yml" | ".goreleaser.yaml" | "goreleaser.yml" | "goreleaser.yaml"
    )
}

/// Lines with `\`-continuations joined.
fn logical_lines(text: &str) -> Vec<String> {
    numbered_lines(text).into_iter().map(|(_, l)| l).collect()
}

/// [`logical_lines`], each with the 1-based number of its first line.
fn numbered_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut first = 0;
    for (n, line) in text.lines().enumerate() {
        if cur.is_empty() {
            first = n + 1;
        }
        match line.strip_suffix('\\') {
            Some(body) => {
                cur.push_str(body);
                cur.push(' ');
            }
            None => {
                cur.push_str(line);
                out.push((first, std::mem::take(&mut cur)));
            }
        }
    }
    if !cur.is_empty() {
        out.push((first, cur));
    }
    out
}

/// The builds a Makefile in folder `dir` runs.
#[cfg(test)]
fn makefile_builds(text: &str, dir: &Path) -> Vec<Build> {
    makefile(text, dir, dir).0
}

/// The builds a Makefile in folder `dir` of the repository at `root` runs,
/// and the images it builds (`docker build -f FILE CONTEXT`, with the context).
/// `$(CURDIR)` is the folder make runs in: the Makefile's own, or a folder
/// above it up to the repository's root for one run with `make -f
/// sub/Makefile` from there (each is kept; the caller keeps the Dockerfiles
/// that are there, and a build's path that is no main package names none).
fn makefile(text: &str, dir: &Path, root: &Path) -> (Vec<Build>, Vec<(PathBuf, Option<PathBuf>)>) {
    let lines = logical_lines(text);
    let vars = makefile_vars(&lines);
    let recipes = recipes_by_target(&lines);
    let mut out = vec![];
    let mut images = vec![];
    let mut curdirs: Vec<PathBuf> = vec![];
    for d in dir.ancestors() {
        curdirs.push(d.to_path_buf());
        if d == root || !d.starts_with(root) {
            break;
        }
    }
    let at = |line: &str, curdir: &Path| {
        let d = curdir.to_string_lossy();
        line.replace("$(CURDIR)", &d).replace("${CURDIR}", &d)
    };
    // The folders a line may run in: the root only matters where it is named.
    let curdirs_of = |line: &str| -> Vec<PathBuf> {
        if line.contains("CURDIR") {
            curdirs.clone()
        } else {
            vec![dir.to_path_buf()]
        }
    };
    let mut targets: Vec<String> = vec![];
    for l in &lines {
        if let Some(recipe) = l.strip_prefix('\t') {
            // Make's own prefixes: `@` (silent), `-` (ignore errors), `+`.
            let recipe = recipe.trim_start().trim_start_matches(['@', '-', '+']);
            let line = expand(recipe, &vars, 0).replace("$$", "$");
            if line.contains("build") {
                for curdir in &curdirs_of(&line) {
                    if let Some((file, context)) = docker_build(&at(&line, curdir)) {
                        let ctx = normalize(&curdir.join(&context));
                        let df = match file {
                            Some(f) => normalize(&curdir.join(f)),
                            None => ctx.join("Dockerfile"),
                        };
                        images.push((df, Some(ctx)));
                    }
                }
            }
            // `OUT=. NAME=$@ $(MAKE) build`: the called target's builds, with
            // those variables set for it.
            for t in &targets {
                let t_exp = expand(t, &vars, 0);
                if let Some((overrides, called)) = sub_make(recipe, &t_exp) {
                    let mut sub_vars = vars.clone();
                    for (k, v) in overrides {
                        let v = expand(&v, &vars, 0);
                        sub_vars.insert(k, v);
                    }
                    for c in &called {
                        for r in recipes.get(c).into_iter().flatten() {
                            let line = expand(r, &sub_vars, 0).replace("$@", c).replace("$$", "$");
                            out.extend(command_builds(&line, dir));
                        }
                    }
                }
            }
            if !(recipe.contains("go build")
                || recipe.contains("go install")
                || recipe.contains("$(GO"))
            {
                continue;
            }
            for t in &targets {
                let t_exp = expand(t, &vars, 0);
                let line = expand(recipe, &vars, 0)
                    .replace("$(@F)", &base(&t_exp))
                    .replace("$@", &t_exp)
                    .replace("$*", "%")
                    .replace("$$", "$");
                for curdir in &curdirs_of(&line) {
                    out.extend(command_builds(&at(&line, curdir), curdir));
                }
            }
            continue;
        }
        if l.trim().is_empty() || l.trim_start().starts_with('#') {
            continue;
        }
        if assignment(l).is_some() || is_conditional(l) {
            continue;
        }
        targets = match rule_head(l) {
            Some((ts, inline)) => {
                if let Some(recipe) = inline {
                    for t in &ts {
                        let t_exp = expand(t, &vars, 0);
                        let line = expand(&recipe, &vars, 0)
                            .replace("$@", &t_exp)
                            .replace("$*", "%");
                        out.extend(command_builds(&line, dir));
                    }
                }
                ts
            }
            None => vec![],
        };
    }
    out.dedup();
    (out, images)
}

/// A conditional directive (`ifeq ($(REPRO),1)`, `else`, `endif`): inside a
/// rule it picks recipe lines, and the rule goes on past it.
fn is_conditional(line: &str) -> bool {
    matches!(
        line.split_whitespace().next(),
        Some("ifeq" | "ifneq" | "ifdef" | "ifndef" | "else" | "endif")
    )
}

/// A Makefile's variables (`=`, `:=`, `?=`, `+=`), unexpanded.
fn makefile_vars(lines: &[String]) -> BTreeMap<String, String> {
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    // Inside a rule, a tab starts a recipe line; outside one (before the first
    // rule, or after an assignment or a blank line), a tab-indented line is
    // read as any other (`ifeq ($(OS),windows)` / `\tBINARY=app.exe`).
    let mut in_rule = false;
    let mut conditions: Vec<Option<bool>> = vec![];
    for l in lines {
        let trimmed = l.trim();
        if trimmed.is_empty() {
            in_rule = false;
            continue;
        }
        if trimmed.starts_with('#') || (l.starts_with('\t') && in_rule) {
            continue;
        }
        let directive = ["ifeq", "ifneq", "ifdef", "ifndef", "else", "endif"]
            .iter()
            .find(|d| trimmed == **d || trimmed.starts_with(&format!("{d} ")));
        if let Some(d) = directive {
            // `ifdef X` is decided by what is defined so far; `ifeq` is not
            // read (both of its branches count).
            let name = trimmed[d.len()..].trim();
            match *d {
                "ifdef" => conditions.push(Some(vars.contains_key(name))),
                "ifndef" => conditions.push(Some(!vars.contains_key(name))),
                "ifeq" | "ifneq" => conditions.push(None),
                "else" => {
                    if let Some(Some(c)) = conditions.last_mut() {
                        *c = !*c;
                    }
                }
                _ => {
                    conditions.pop();
                }
            }
            continue;
        }
        if !l.starts_with('\t') {
            in_rule = assignment(l).is_none() && rule_head(l).is_some();
        }
        if conditions.iter().any(|c| *c == Some(false)) {
            continue;
        }
        if let Some((name, op, value)) = assignment(l) {
            let value = value.trim().to_string();
            match op {
                "?=" => {
                    vars.entry(name).or_insert(value);
                }
                "+=" => {
                    let e = vars.entry(name).or_default();
                    if !e.is_empty() {
                        e.push(' ');
                    }
                    e.push_str(&value);
                }
                _ => {
                    vars.insert(name, value);
                }
            }
        }
    }
    vars
}

/// The builds `make TARGET...` runs with the Makefile `text`, from the
/// Makefile's folder: each as (the folder it runs in, relative to the
/// Makefile's, `/`-separated, `""` for its own; the package; the output path).
/// Read as [`makefile`] reads recipes (variables, `$@`, a recipe that runs
/// make again with variables set), and following the targets' prerequisites
/// that are plain targets of the file, one level. `overrides` are the
/// variables set on make's command line (`make OUTPUT=/out/app build`), which
/// win over the file's. A build whose output is still a variable gives none
/// (the package's folder names it).
pub(super) fn make_target_builds(
    text: &str,
    targets: &[String],
    overrides: &[(String, String)],
) -> Vec<(String, String, Option<String>)> {
    let lines = logical_lines(text);
    let mut vars = makefile_vars(&lines);
    for (k, v) in overrides {
        vars.insert(k.clone(), v.clone());
    }
    let recipes = recipes_by_target(&lines);
    let here = Path::new("/");
    let mut called: Vec<String> = targets.to_vec();
    for l in &lines {
        if l.starts_with('\t') || assignment(l).is_some() {
            continue;
        }
        if let Some((ts, _)) = rule_head(l) {
            if ts.iter().any(|t| targets.contains(t)) {
                let rest = &l[l.find(':').map_or(l.len(), |i| i + 1)..];
                let prereqs = rest.split(';').next().unwrap_or("");
                for p in prereqs.split_whitespace() {
                    let p = expand(p, &vars, 0);
                    if recipes.contains_key(&p) && !called.contains(&p) {
                        called.push(p);
                    }
                }
            }
        }
    }
    let mut out = vec![];
    for t in &called {
        for r in recipes.get(t).into_iter().flatten() {
            let line = automatic(&expand(r, &vars, 0), t);
            let mut builds = command_builds(&line, here);
            if let Some((overrides, subs)) = sub_make(r, t) {
                let mut sub_vars = vars.clone();
                for (k, v) in overrides {
                    let v = expand(&v, &vars, 0);
                    sub_vars.insert(k, v);
                }
                for c in &subs {
                    for r in recipes.get(c).into_iter().flatten() {
                        let line = automatic(&expand(r, &sub_vars, 0), c);
                        builds.extend(command_builds(&line, here));
                    }
                }
            }
            // A build whose package is still a variable names nothing (it
            // must not make its output another package's).
            for b in builds.into_iter().filter(|b| !b.target.contains('$')) {
                let rel = b.cwd.to_string_lossy().trim_start_matches('/').to_string();
                let output = (!b.output.contains('$')).then_some(b.output);
                out.push((rel, b.target, output));
            }
        }
    }
    out.dedup();
    out
}

/// A recipe line with make's automatic variables of target `t` replaced:
/// `$@`, `$(@D)` (its folder) and `$(@F)` (its file name); `$$` is `$`.
fn automatic(line: &str, t: &str) -> String {
    let dir = match t.rsplit_once('/') {
        Some((d, _)) => d,
        None => ".",
    };
    line.replace("$(@D)", dir)
        .replace("$(@F)", &base(t))
        .replace("$@", t)
        .replace("$$", "$")
}

/// The recipe lines of each plain target (no `%`), make's prefixes dropped.
fn recipes_by_target(lines: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut targets: Vec<String> = vec![];
    for l in lines {
        if let Some(recipe) = l.strip_prefix('\t') {
            let recipe = recipe.trim_start().trim_start_matches(['@', '-', '+']);
            for t in &targets {
                out.entry(t.clone()).or_default().push(recipe.to_string());
            }
            continue;
        }
        if l.trim().is_empty()
            || l.trim_start().starts_with('#')
            || assignment(l).is_some()
            || is_conditional(l)
        {
            continue;
        }
        targets = rule_head(l)
            .map(|(ts, _)| ts.into_iter().filter(|t| !t.contains('%')).collect())
            .unwrap_or_default();
    }
    out
}

/// A recipe that runs make again in the same folder with variables set on its
/// command line (`OUTPUT_DIR=. BINARY_NAME=$@ $(MAKE) build`): those
/// assignments (`$@` as the calling target `target`) and the targets called.
/// None for any other line, and for `make -C DIR` / `-f FILE` (another folder's
/// or file's rules).
fn sub_make(recipe: &str, target: &str) -> Option<(Vec<(String, String)>, Vec<String>)> {
    let words = super::dockerfile::shell_words(recipe);
    let at = words
        .iter()
        .position(|w| w == "$(MAKE)" || w == "${MAKE}" || w == "make")?;
    let mut overrides = vec![];
    for w in &words[..at] {
        let (k, v) = w.split_once('=')?;
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        overrides.push((k.to_string(), v.replace("$@", target)));
    }
    let mut called = vec![];
    for w in &words[at + 1..] {
        if matches!(w.as_str(), "&&" | "||" | ";" | "|") {
            break;
        }
        if w == "-C" || w == "-f" || w.starts_with("--directory") || w.starts_with("--file") {
            return None;
        }
        if w.starts_with('-') {
            continue;
        }
        match w.split_once('=') {
            Some((k, v)) => overrides.push((k.to_string(), v.replace("$@", target))),
            None => called.push(w.clone()),
        }
    }
    (!called.is_empty()).then_some((overrides, called))
}

/// `NAME = value` (with `:=`, `::=`, `?=`, `+=`, an optional `export`).
fn assignment(line: &str) -> Option<(String, &'static str, &str)> {
    let l = line.trim_start();
    let l = l.strip_prefix("export ").unwrap_or(l).trim_start();
    let l = l.strip_prefix("override ").unwrap_or(l).trim_start();
    let end = l
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .unwrap_or(l.len());
    if end == 0 {
        return None;
    }
    let name = &l[..end];
    let rest = l[end..].trim_start();
    for op in ["::=", ":=", "?=", "+=", "!=", "="] {
        if let Some(v) = rest.strip_prefix(op) {
            let op: &'static str = match op {
                "?=" => "?=",
                "+=" => "+=",
                "!=" => return None, // a shell command's output: unknown
                _ => "=",
            };
            return Some((name.to_string(), op, v));
        }
    }
    None
}

/// A rule's targets, and the recipe after `;` on the same line.
fn rule_head(line: &str) -> Option<(Vec<String>, Option<String>)> {
    if line.starts_with([' ', '.']) && !line.starts_with("./") {
        return None;
    }
    let i = line.find(':')?;
    if line[i..].starts_with(":=") || line[i..].starts_with("::=") {
        return None;
    }
    let targets: Vec<String> = line[..i].split_whitespace().map(str::to_string).collect();
    if targets.is_empty() {
        return None;
    }
    let rest = &line[i + 1..];
    let inline = rest.split_once(';').map(|(_, r)| r.to_string());
    Some((targets, inline))
}

/// `$(NAME)` and `${NAME}` replaced by their values, recursively; `$(shell ...)`,
/// functions and unknown names left as they are.
pub(super) fn expand(text: &str, vars: &BTreeMap<String, String>, depth: usize) -> String {
    if depth > 6 || !text.contains('$') {
        return text.to_string();
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let close = match after.chars().next() {
            Some('(') => ')',
            Some('{') => '}',
            _ => {
                out.push('$');
                rest = after;
                continue;
            }
        };
        // The matching close, over nested references (`$(if $(TAGS),...)`).
        let open = if close == ')' { '(' } else { '{' };
        let mut level = 0;
        let matching = after.char_indices().find_map(|(k, c)| {
            if c == open {
                level += 1;
            } else if c == close {
                level -= 1;
                if level == 0 {
                    return Some(k);
                }
            }
            None
        });
        match matching {
            Some(j) => {
                let name = &after[1..j];
                match vars.get(name) {
                    // A command's output is not known: a bare reference
                    // stands for a command with quotes of its own, which
                    // would unbalance the recipe's (`$(shell go version |
                    // awk '{print $$3}')`).
                    Some(v)
                        if !name.contains(' ')
                            && v.trim_start().starts_with("$(shell ")
                            && v.contains(['\'', '"']) =>
                    {
                        out.push_str("$(shell)")
                    }
                    Some(v) if !name.contains(' ') => out.push_str(&expand(v, vars, depth + 1)),
                    // `$(if COND,THEN,ELSE)`: COND is empty when it names only
                    // variables nobody sets (`$(if $(GOBUILDTAGS),-tags ...)`).
                    None if name.starts_with("if ") => {
                        let args = split_args(&name[3..]);
                        let cond = expand(args.first().map_or("", |c| c.trim()), vars, depth + 1);
                        let unset = cond.trim().is_empty()
                            || (cond.trim().starts_with("$(") && cond.trim().ends_with(')'))
                            || (cond.trim().starts_with("${") && cond.trim().ends_with('}'));
                        let branch = if unset { args.get(2) } else { args.get(1) };
                        out.push_str(&expand(branch.map_or("", |b| b.as_str()), vars, depth + 1));
                    }
                    // `$(shell which docker)` is the path of `docker`.
                    None if name.starts_with("shell which ") => {
                        out.push_str(name["shell which ".len()..].trim())
                    }
                    _ => out.push_str(&rest[i..i + 1 + j + 1]),
                }
                rest = &after[j + 1..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The comma-separated arguments of a make function, commas inside nested
/// references kept.
fn split_args(text: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut level = 0;
    for c in text.chars() {
        match c {
            '(' | '{' => level += 1,
            ')' | '}' => level -= 1,
            ',' if level == 0 => {
                out.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    out
}

fn base(p: &str) -> String {
    p.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(p)
        .to_string()
}

/// The builds of one command line run in `cwd`: each `go build`/`go install`
/// with `-o` (a plain build names its binary after the folder, which the
/// caller knows already), after any `cd` before it on the line.
fn command_builds(line: &str, cwd: &Path) -> Vec<Build> {
    let mut cwd = cwd.to_path_buf();
    let mut out = vec![];
    let words = super::dockerfile::shell_words(line);
    let mut i = 0;
    let mut at_start = true;
    while i < words.len() {
        let w = words[i].as_str();
        if matches!(
            w,
            "&&" | "||" | ";" | "|" | "(" | ")" | "then" | "do" | "else"
        ) {
            at_start = true;
            i += 1;
            continue;
        }
        if at_start && (w == "cd" || w == "pushd") {
            if let Some(d) = words.get(i + 1).filter(|d| !d.contains('$')) {
                cwd = normalize(&cwd.join(d));
            }
        }
        // A build in a toolchain container: `docker run -v HOST:/src -w
        // /src/cmd/api golang go build ...` runs in HOST/cmd/api.
        if matches!(base(w).as_str(), "docker" | "podman")
            && words.get(i + 1).is_some_and(|v| v == "run")
        {
            if let Some(d) = container_workdir(&words[i + 2..], &cwd) {
                cwd = d;
            }
        }
        at_start = false;
        let is_go = w == "go" || w.ends_with("/go") || w == "xx-go" || w == "$(GO)" || w == "${GO}";
        let verb = words.get(i + 1).map(String::as_str);
        if !(is_go && matches!(verb, Some("build" | "install"))) {
            i += 1;
            continue;
        }
        let mut output = None;
        let mut targets = vec![];
        let mut run_cwd = cwd.clone();
        let mut j = i + 2;
        while j < words.len() {
            let w = words[j].as_str();
            if matches!(w, "&&" | "||" | ";" | "|" | ")") {
                break;
            }
            if let Some((name, value)) = super::dockerfile::go_flag(&words, &mut j) {
                match name.as_str() {
                    "-o" => output = value,
                    "-C" => {
                        if let Some(d) = value {
                            run_cwd = normalize(&run_cwd.join(d));
                        }
                    }
                    _ => {}
                }
            } else if !w.starts_with('$') || w.starts_with("$(") || under_variable(w).is_some() {
                targets.push(w.to_string());
            }
            j += 1;
        }
        if targets.is_empty() {
            targets.push(".".to_string());
        }
        if let (Some(o), [t]) = (output, &targets[..]) {
            // A pattern builds one file only when it matches one package
            // (`go build -o bin/acme-controller ./cmd/...`): see `target_stem`.
            let one_pattern = t.ends_with("/...") && t.matches("...").count() == 1;
            if !o.ends_with('/') && (!t.contains("...") || one_pattern) {
                out.push(Build {
                    cwd: run_cwd,
                    target: t.clone(),
                    output: o,
                });
            }
        }
        i = j;
    }
    out
}

/// The host folder a `docker run` (its words after `run`, up to the command
/// it runs) works in: its `-w` inside a `-v HOST:DIR` bind mount, HOST read
/// from `cwd` (`$(PWD)`, `` `pwd` `` and `.` being `cwd` itself).
fn container_workdir(words: &[String], cwd: &Path) -> Option<PathBuf> {
    let mut mounts = vec![];
    let mut workdir = None;
    let mut j = 0;
    while j < words.len() {
        let w = words[j].as_str();
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f, Some(v.to_string())),
            _ => (w, None),
        };
        if !flag.starts_with('-') {
            break; // the image: what follows is the command
        }
        let takes = matches!(
            flag,
            "-v" | "--volume"
                | "-w"
                | "--workdir"
                | "-e"
                | "--env"
                | "--platform"
                | "--name"
                | "-u"
                | "--user"
                | "--network"
                | "--entrypoint"
                | "--mount"
        );
        let value = match inline {
            Some(v) => Some(v),
            None if takes => {
                j += 1;
                words.get(j).cloned()
            }
            None => None,
        };
        match (flag, value) {
            ("-v" | "--volume", Some(v)) => {
                let mut parts = v.split(':');
                if let (Some(host), Some(dir)) = (parts.next(), parts.next()) {
                    mounts.push((host.to_string(), dir.to_string()));
                }
            }
            ("-w" | "--workdir", Some(v)) => workdir = Some(v),
            _ => {}
        }
        j += 1;
    }
    let workdir = workdir?;
    mounts.iter().find_map(|(host, dir)| {
        let rest = workdir.strip_prefix(dir.trim_end_matches('/'))?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        let host = match host.as_str() {
            "." | "$(PWD)" | "${PWD}" | "$PWD" | "$(pwd)" | "`pwd`" => cwd.to_path_buf(),
            h if h.starts_with('/') => PathBuf::from(h),
            h if !h.contains('$') && !h.is_empty() => cwd.join(h),
            _ => return None,
        };
        Some(normalize(&host.join(rest.trim_start_matches('/'))))
    })
}

/// The builds of a shell script run from `root`, following `cd` and the
/// subshells `(...)` that undo it.
/// The name tables of a build script: a shell array whose entries give each
/// binary its package's folder (`TARGETS=(` / `acme-api=cmd/api` /
/// `acme-worker=cmd/worker` / `)`), which the script's `go build -o
/// "$out/$name" "$pkg/$(source_of $name)"` reads. Each entry is a build of
/// that folder (from the repository root) under that name; a folder no main
/// package is in matches none (see `target_stem`).
fn name_tables(text: &str, root: &Path) -> Vec<Build> {
    let mut out = vec![];
    let mut entries: Option<Vec<Build>> = None;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('#') || l.is_empty() {
            continue;
        }
        match entries.as_mut() {
            None => {
                if l.ends_with("=(") && shell_assignment(l.trim_end_matches('(')).is_some() {
                    entries = Some(vec![]);
                }
            }
            Some(list) => {
                if l.starts_with(')') {
                    // Two entries at least: a table, not one setting.
                    if list.len() >= 2 {
                        out.append(list);
                    }
                    entries = None;
                    continue;
                }
                let entry = l.trim_matches(['"', '\'']);
                let Some((name, folder)) = entry.split_once('=') else {
                    entries = None;
                    continue;
                };
                let folder = folder.trim_start_matches("./").trim_end_matches('/');
                let plain = |w: &str| {
                    !w.is_empty()
                        && w.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
                };
                if !plain(name) || name.contains('/') || !plain(folder) || folder.contains("..") {
                    entries = None;
                    continue;
                }
                list.push(Build {
                    cwd: root.to_path_buf(),
                    target: format!("./{folder}"),
                    output: name.to_string(),
                });
            }
        }
    }
    out
}

fn shell_builds(text: &str, root: &Path) -> Vec<Build> {
    let mut out = vec![];
    let mut cwd = root.to_path_buf();
    let mut saved: Vec<PathBuf> = vec![];
    // The script's plain variables (`out="$PWD/_output/app"`, `pkg="example.com/app"`),
    // first value kept: a later one is mostly a variant (`out="${out}-${GOOS}"`).
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for line in logical_lines(text) {
        let l = line.trim();
        if l.starts_with('#') {
            continue;
        }
        if let Some((name, value)) = shell_assignment(l) {
            let value = value.replace("$PWD", "${PWD}");
            let mut here = vars.clone();
            here.insert("PWD".to_string(), cwd.to_string_lossy().into_owned());
            let value = expand(&value, &here, 0);
            vars.entry(name).or_insert(value);
            continue;
        }
        let expanded;
        let l = if l.contains('$') && !vars.is_empty() {
            let mut here = vars.clone();
            here.insert("PWD".to_string(), cwd.to_string_lossy().into_owned());
            expanded = expand(&braced_shell_vars(l, &here), &here, 0);
            expanded.as_str()
        } else {
            l
        };
        for w in super::dockerfile::shell_words(l) {
            match w.as_str() {
                "(" => saved.push(cwd.clone()),
                ")" => {
                    if let Some(c) = saved.pop() {
                        cwd = c;
                    }
                }
                _ => {}
            }
        }
        let first = l.trim_start_matches(['(', ' ']);
        if let Some(d) = first
            .strip_prefix("cd ")
            .or_else(|| first.strip_prefix("pushd "))
        {
            let d = d.split([';', '&', '|', ' ']).next().unwrap_or("");
            let d = d.trim_matches(['"', '\'']);
            if !d.is_empty() && !d.contains('$') && !l.contains("go build") {
                cwd = normalize(&cwd.join(d));
            }
        }
        if l.contains("go build") || l.contains("go install") {
            out.extend(command_builds(l, &cwd));
        }
    }
    out
}

/// A plain shell assignment `name=value` (or `export`/`local`/`readonly`
/// before it) whose value is a literal with variables at most, unquoted; None
/// for a command's output (`$(...)`, backquotes) or a default (`${X:-y}`).
pub(super) fn shell_assignment(line: &str) -> Option<(String, String)> {
    let l = ["export ", "local ", "readonly "]
        .iter()
        .find_map(|p| line.strip_prefix(p))
        .unwrap_or(line)
        .trim_start();
    let (name, value) = l.split_once('=')?;
    if name.is_empty()
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        || name.starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    let value = value.trim();
    let value = match value.chars().next() {
        Some(q @ ('"' | '\'')) => value.strip_prefix(q)?.strip_suffix(q)?,
        _ if value.contains(char::is_whitespace) => return None,
        _ => value,
    };
    if value.contains("$(") || value.contains('`') || value.contains(":-") {
        return None;
    }
    Some((name.to_string(), value.to_string()))
}

/// `$NAME` written as `${NAME}` for the names in `vars`, so `expand` reads it.
pub(super) fn braced_shell_vars(line: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..end];
        if end > 0 && vars.contains_key(name) {
            out.push_str(&format!("${{{name}}}"));
        } else {
            out.push('$');
            out.push_str(name);
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// goreleaser's `builds:` (each `main` package, in `dir`, named `binary`) and
/// the Dockerfiles its `dockers:` build.
/// `read` reads a file the config names (a `dockers:` entry's Dockerfile).
fn goreleaser(
    text: &str,
    root: &Path,
    path: &Path,
    model: &mut RepoBuilds,
    read: &dyn Fn(&Path) -> Option<String>,
) {
    let Ok(v) = serde_saphyr::from_str::<Value>(text) else {
        return;
    };
    let str_of = |b: &Value, k: &str| b.get(k).and_then(Value::as_str).map(str::to_string);
    // `kos:` publish a ko image of a build (`build: ID`, else the first),
    // named by its repository's last element when `bare`.
    let builds: Vec<&Value> = v
        .get("builds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    for k in v.get("kos").and_then(Value::as_array).into_iter().flatten() {
        let build = match str_of(k, "build") {
            Some(id) => builds
                .iter()
                .find(|b| str_of(b, "id").as_deref() == Some(id.as_str()))
                .copied(),
            None => builds.first().copied(),
        };
        let dir = str_of(k, "working_dir")
            .or_else(|| build.and_then(|b| str_of(b, "dir")))
            .unwrap_or_else(|| ".".to_string());
        let main = str_of(k, "main")
            .or_else(|| build.and_then(|b| str_of(b, "main")))
            .unwrap_or_else(|| ".".to_string());
        let main = main.strip_suffix("/main.go").unwrap_or(&main);
        let main = if main.starts_with('.') || main.starts_with('/') {
            main.to_string()
        } else {
            format!("./{main}")
        };
        let cwd = normalize(&root.join(&dir));
        let line = line_of(text, "kos:");
        if k.get("bare").and_then(Value::as_bool) == Some(true) {
            let repos: Vec<String> = str_of(k, "repository")
                .into_iter()
                .chain(
                    k.get("repositories")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|r| r.as_str().map(str::to_string)),
                )
                .collect();
            for r in repos {
                if let Some(name) = repository_name(&r) {
                    model.builds.push(Build {
                        cwd: cwd.clone(),
                        target: main.clone(),
                        output: name,
                    });
                }
            }
        }
        model.ko.push(KoImage {
            cwd,
            target: main.clone(),
            site: (
                path.to_path_buf(),
                line,
                format!("goreleaser's kos: publish a ko image of {main}, which runs its binary"),
            ),
        });
    }
    // A `builds:` entry as a build: its `dir`, its `main` package (a
    // `main.go` names its folder) and its `binary` (else its `id`).
    let build_of = |b: &Value| -> Option<Build> {
        let dir = str_of(b, "dir").unwrap_or_else(|| ".".to_string());
        let main = str_of(b, "main").unwrap_or_else(|| ".".to_string());
        let main = main.strip_suffix("/main.go").unwrap_or(&main).to_string();
        let main = if main.starts_with('.') || main.starts_with('/') {
            main
        } else {
            format!("./{main}")
        };
        Some(Build {
            cwd: normalize(&root.join(&dir)),
            target: main,
            output: str_of(b, "binary").or_else(|| str_of(b, "id"))?,
        })
    };
    model
        .builds
        .extend(builds.iter().filter_map(|b| build_of(b)));
    // The builds images hold: each `dockers:` entry's `ids:`, or, for an
    // entry that names none (its context then holds every build's binary),
    // the builds whose binary its Dockerfile names; each `kos:` entry's `build:`.
    let mut in_images: Vec<String> = vec![];
    let mut every_build_in_images = false;
    for key in ["dockers", "dockers_v2"] {
        for d in v.get(key).and_then(Value::as_array).into_iter().flatten() {
            let dockerfile = str_of(d, "dockerfile").map(|f| normalize(&root.join(f)));
            if let Some(f) = &dockerfile {
                model.dockerfiles.push((f.clone(), None));
            }
            let ids: Vec<String> = d
                .get("ids")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect();
            if !ids.is_empty() {
                in_images.extend(ids);
                continue;
            }
            let Some(text) = dockerfile.as_deref().and_then(read) else {
                every_build_in_images = true;
                continue;
            };
            // What it copies in and runs (a `LABEL` naming the project's
            // repository says nothing).
            let words: Vec<&str> = text
                .lines()
                .filter(|l| {
                    let first = l.split_whitespace().next().unwrap_or("");
                    ["COPY", "ADD", "ENTRYPOINT", "CMD"]
                        .iter()
                        .any(|k| first.eq_ignore_ascii_case(k))
                })
                .flat_map(|l| {
                    l.split(|c: char| c.is_whitespace() || matches!(c, '/' | '"' | '[' | ']' | ','))
                })
                .collect();
            for b in &builds {
                let (Some(id), Some(binary)) = (
                    str_of(b, "id"),
                    str_of(b, "binary").or_else(|| str_of(b, "id")),
                ) else {
                    continue;
                };
                if words.contains(&binary.as_str()) {
                    in_images.push(id);
                }
            }
        }
    }
    for k in v.get("kos").and_then(Value::as_array).into_iter().flatten() {
        match str_of(k, "build") {
            Some(id) => in_images.push(id),
            None => every_build_in_images = true,
        }
    }
    if in_images.is_empty() || every_build_in_images {
        return;
    }
    for b in &builds {
        let (Some(id), Some(build)) = (str_of(b, "id"), build_of(b)) else {
            continue;
        };
        if in_images.contains(&id) {
            continue;
        }
        let binary = build.output.clone();
        model.archive_only.push((
            build,
            (
                path.to_path_buf(),
                line_of(text, &format!("id: {id}")),
                format!(
                    "goreleaser builds it ({binary}, build {id}) for the release archives only; its images hold other builds"
                ),
            ),
        ));
    }
}

/// promu's (the Prometheus projects' build tool) `build: binaries:`, each a
/// `name` built from the package at `path`, run in the folder of the file
/// (`promu crossbuild` writes them to `.build/OS-ARCH/NAME`, which the
/// projects' Dockerfiles copy).
fn promu(text: &str, dir: &Path) -> Vec<Build> {
    let Ok(v) = serde_saphyr::from_str::<Value>(text) else {
        return vec![];
    };
    v.get("build")
        .and_then(|b| b.get("binaries"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|b| {
            let name = b.get("name").and_then(Value::as_str)?;
            let path = b.get("path").and_then(Value::as_str).unwrap_or(".");
            let target = if path.starts_with('.') || path.starts_with('/') {
                path.to_string()
            } else {
                format!("./{path}")
            };
            Some(Build {
                cwd: dir.to_path_buf(),
                target,
                output: name.to_string(),
            })
        })
        .collect()
}

/// The 1-based line of the first line of `text` that starts with `key`
/// (after indentation and a list's `- `), or 1.
fn line_of(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().trim_start_matches("- ").starts_with(key))
        .map_or(1, |i| i + 1)
}

/// The last element of an image repository without registry or tag
/// (`ghcr.io/acme/orders` is `orders`), when it holds no variable.
fn repository_name(repo: &str) -> Option<String> {
    let repo = repo.trim().trim_matches(['"', '\'']);
    let name = super::image_name(repo);
    (!name.is_empty() && !name.contains(['$', '{', '('])).then(|| name.to_ascii_lowercase())
}

/// ko's flags that take a value as the next word (the others are switches,
/// or take theirs after `=`).
const KO_FLAGS_WITH_VALUE: &[&str] = &[
    "-t",
    "--tags",
    "--platform",
    "--image-label",
    "--image-annotation",
    "--image-refs",
    "--image-user",
    "--sbom",
    "--sbom-dir",
    "--oci-layout-path",
    "--tarball",
    "-j",
    "--jobs",
];

/// The packages a `ko build` (or `ko publish`, its old name) on a command
/// line makes images of, each with the image's name when it is not the
/// package's last element (ko's default, `-B` and `-P` all end the image name
/// with it): with `--bare`, the image is `KO_DOCKER_REPO` itself, set on the
/// line (`KO_DOCKER_REPO=ghcr.io/acme/orders ko build --bare ./cmd/server`
/// names it `orders`). A package is a path (`./cmd/x`, `.`) or an import path
/// (`ko://` or not).
fn ko_command(line: &str) -> Vec<(String, Option<String>)> {
    let words = super::dockerfile::shell_words(line);
    let mut out = vec![];
    let mut start = 0;
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        if matches!(w, "&&" | "||" | ";" | "|" | "(" | ")") {
            start = i + 1;
            i += 1;
            continue;
        }
        let is_ko = base(w) == "ko" || matches!(w, "$(KO)" | "${KO}");
        if !(is_ko
            && matches!(
                words.get(i + 1).map(String::as_str),
                Some("build" | "publish")
            ))
        {
            i += 1;
            continue;
        }
        let repo = words[start..i]
            .iter()
            .find_map(|a| a.strip_prefix("KO_DOCKER_REPO="))
            .map(str::to_string);
        let mut bare = false;
        let mut targets = vec![];
        let mut j = i + 2;
        while j < words.len() {
            let a = words[j].as_str();
            if matches!(a, "&&" | "||" | ";" | "|" | ")") {
                break;
            }
            if a.starts_with('-') {
                let (flag, inline) = match a.split_once('=') {
                    Some((f, v)) => (f, Some(v)),
                    None => (a, None),
                };
                if flag == "--bare" {
                    bare = inline.is_none_or(|v| v != "false");
                }
                if inline.is_none() && KO_FLAGS_WITH_VALUE.contains(&flag) {
                    j += 1;
                }
            } else if let Some(t) = ko_package(a) {
                targets.push(t);
            }
            j += 1;
        }
        let name = if bare {
            repo.as_deref().and_then(repository_name)
        } else {
            None
        };
        out.extend(targets.into_iter().map(|t| (t, name.clone())));
        i = j;
    }
    out
}

/// A word of a ko command line that names a package: a path, or an import
/// path (`ko://` or not: its first element is a domain).
fn ko_package(word: &str) -> Option<String> {
    let w = word.strip_prefix("ko://").unwrap_or(word);
    let first = w.split('/').next().unwrap_or("");
    let is_path = w.starts_with('.') || w.starts_with('/');
    let is_import = w.contains('/') && first.contains('.') && !first.starts_with('.');
    ((is_path || is_import) && !w.contains(['$', '=', '*'])).then(|| w.to_string())
}

/// The ko builds of command lines (numbered) run in `cwd` of file `path`:
/// the names `--bare` gives their images, and the images.
fn lines_ko(lines: &[(usize, String)], cwd: &Path, path: &Path) -> (Vec<Build>, Vec<KoImage>) {
    let mut named = vec![];
    let mut images = vec![];
    for (n, line) in lines {
        if !line.contains("build") && !line.contains("publish") {
            continue;
        }
        for (target, name) in ko_command(line) {
            if let Some(name) = name {
                named.push(Build {
                    cwd: cwd.to_path_buf(),
                    target: target.clone(),
                    output: name,
                });
            }
            let what = format!("`ko build {target}` makes its image, which runs its binary");
            images.push(KoImage {
                cwd: cwd.to_path_buf(),
                target,
                site: (path.to_path_buf(), *n, what),
            });
        }
    }
    (named, images)
}

/// [`lines_ko`] over a Makefile's recipes, its variables expanded.
fn makefile_ko(text: &str, dir: &Path, path: &Path) -> (Vec<Build>, Vec<KoImage>) {
    if !text.contains("ko") && !text.contains("KO") {
        return (vec![], vec![]);
    }
    let numbered = numbered_lines(text);
    let lines: Vec<String> = numbered.iter().map(|(_, l)| l.clone()).collect();
    let vars = makefile_vars(&lines);
    let recipes: Vec<(usize, String)> = numbered
        .iter()
        .filter_map(|(n, l)| {
            let r = l.strip_prefix('\t')?.trim_start();
            let r = r.trim_start_matches(['@', '-', '+']);
            Some((*n, expand(r, &vars, 0).replace("$$", "$")))
        })
        .collect();
    lines_ko(&recipes, dir, path)
}

/// The images the shared `oci-build` make module (cert-manager's
/// makefile-modules) builds with ko, one per build name, from the variables a
/// project's `make/00_mod.mk` sets: `go_NAME_main_dir := ./cmd` (below
/// `go_NAME_mod_dir`), the package, and `oci_NAME_image_name :=
/// quay.io/acme/thing`, the image, whose entrypoint is the package's binary
/// (named here by the image's last element, as charts name it). The paths
/// start where make runs, `make_dir`.
fn oci_build_images(text: &str, make_dir: &Path, path: &Path) -> (Vec<Build>, Vec<KoImage>) {
    if !text.contains("_main_dir") || !text.contains("oci_") {
        return (vec![], vec![]);
    }
    let numbered = numbered_lines(text);
    let lines: Vec<String> = numbered.iter().map(|(_, l)| l.clone()).collect();
    let vars = makefile_vars(&lines);
    let (mut builds, mut images) = (vec![], vec![]);
    for (key, main_dir) in &vars {
        let Some(name) = key
            .strip_prefix("go_")
            .and_then(|k| k.strip_suffix("_main_dir"))
        else {
            continue;
        };
        let Some(image) = vars.get(&format!("oci_{name}_image_name")) else {
            continue;
        };
        let main_dir = expand(main_dir, &vars, 0);
        let image = expand(image, &vars, 0);
        if main_dir.contains('$') || image.contains('$') {
            continue;
        }
        let mod_dir = vars
            .get(&format!("go_{name}_mod_dir"))
            .map(|d| expand(d, &vars, 0))
            .unwrap_or_else(|| ".".to_string());
        let cwd = normalize(&make_dir.join(mod_dir.trim()));
        let target = main_dir.trim().to_string();
        let line = numbered
            .iter()
            .find(|(_, l)| {
                l.trim_start()
                    .starts_with(&format!("oci_{name}_image_name"))
            })
            .map_or(1, |(n, _)| *n);
        if let Some(binary) = repository_name(&image) {
            builds.push(Build {
                cwd: cwd.clone(),
                target: target.clone(),
                output: binary,
            });
        }
        images.push(KoImage {
            cwd,
            target,
            site: (
                path.to_path_buf(),
                line,
                format!("the oci-build make module makes a ko image of it, {image}, which runs its binary"),
            ),
        });
    }
    (builds, images)
}

/// The builds of a `.ko.yaml` in `dir`: each of its `builds:` (`dir`,
/// `main`) is a package ko makes images of.
fn ko_config(text: &str, dir: &Path, path: &Path) -> Vec<KoImage> {
    let Ok(v) = serde_saphyr::from_str::<Value>(text) else {
        return vec![];
    };
    let str_of = |b: &Value, k: &str| b.get(k).and_then(Value::as_str).map(str::to_string);
    let mut out = vec![];
    for b in v
        .get("builds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let folder = str_of(b, "dir").unwrap_or_else(|| ".".to_string());
        let main = str_of(b, "main").unwrap_or_else(|| ".".to_string());
        let line = text
            .lines()
            .position(|l| {
                let l = l.trim_start().trim_start_matches("- ");
                l.strip_prefix("main:")
                    .is_some_and(|v| v.trim().trim_matches(['"', '\'']) == main)
            })
            .map_or_else(|| line_of(text, "builds:"), |i| i + 1);
        let main = main.strip_suffix("/main.go").unwrap_or(&main).to_string();
        let target = match ko_package(&main) {
            Some(t) => t,
            None => format!("./{main}"),
        };
        out.push(KoImage {
            cwd: normalize(&dir.join(folder)),
            target: target.clone(),
            site: (
                path.to_path_buf(),
                line,
                format!("ko builds its image (.ko.yaml builds {target}), which runs its binary"),
            ),
        });
    }
    out
}

/// The `(dockerfile, context)` of each target of a bake file in `dir`.
fn bake_targets(text: &str, dir: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut out = vec![];
    let mut context: Option<String> = None;
    let mut dockerfile: Option<String> = None;
    let mut depth = 0i32;
    let value = |l: &str, key: &str| -> Option<String> {
        let rest = l.strip_prefix(key)?.trim_start().strip_prefix('=')?.trim();
        let v = rest.strip_prefix('"')?.split('"').next()?;
        (!v.contains("${")).then(|| v.to_string())
    };
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('#') || l.starts_with("//") {
            continue;
        }
        if depth == 1 {
            if let Some(v) = value(l, "context") {
                context = Some(v);
            }
            if let Some(v) = value(l, "dockerfile") {
                dockerfile = Some(v);
            }
        }
        depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
        if depth == 0 && (context.is_some() || dockerfile.is_some()) {
            let ctx = normalize(&dir.join(context.take().unwrap_or_else(|| ".".to_string())));
            let df = dockerfile
                .take()
                .unwrap_or_else(|| "Dockerfile".to_string());
            out.push((normalize(&ctx.join(df)), ctx));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(builds: &[Build], dir: &str, import: &str) -> Vec<String> {
        let model = RepoBuilds {
            builds: builds.to_vec(),
            ..RepoBuilds::default()
        };
        model
            .builds
            .iter()
            .filter_map(|b| {
                let stem = target_stem(b, Path::new(dir), import)?;
                binary_name(&b.output.replace('%', &stem))
            })
            .collect()
    }

    #[test]
    fn workflows_say_which_go_ci_installs() {
        use crate::gomod::GoVersion;
        let v = |major, minor| CiGoVersion::Exact(GoVersion::new(major, minor));
        let text = "jobs:\n  build:\n    strategy:\n      matrix:\n        go: [1.16, '1.17.x']\n    steps:\n      - uses: actions/setup-go@v5\n        with:\n          go-version: ${{ matrix.go }}\n  lint:\n    steps:\n      - uses: actions/setup-go@v5\n        with:\n          go-version: \"1.17.x\" # pinned\n";
        assert_eq!(
            workflow_go(text),
            vec![(5, v(1, 16)), (5, v(1, 17)), (14, v(1, 17))]
        );
        let block = "    strategy:\n      matrix:\n        golang:\n          - 1.18\n          - ~1.20\n    steps:\n      - uses: actions/setup-go@v4\n        with:\n          go-version: ${{ matrix.golang }}\n";
        assert_eq!(workflow_go(block), vec![(4, v(1, 18)), (5, v(1, 20))]);
        for floating in ["stable", "'>=1.17'", "^1.17", "${{ env.GO }}", "oldstable"] {
            let text = format!("      - uses: actions/setup-go@v5\n        with:\n          go-version: {floating}\n");
            assert_eq!(
                workflow_go(&text),
                vec![(3, CiGoVersion::Floating)],
                "{floating}"
            );
        }
        let file = "        with:\n          go-version-file: go.mod\n";
        assert_eq!(workflow_go(file), vec![(2, CiGoVersion::FromGoMod)]);
        let other = "        with:\n          go-version-file: .go-version\n";
        assert_eq!(workflow_go(other), vec![(2, CiGoVersion::Floating)]);
    }

    #[test]
    fn travis_files_say_which_go_ci_installs() {
        use crate::gomod::GoVersion;
        let v = |major, minor| CiGoVersion::Exact(GoVersion::new(major, minor));
        let list = "language: go\n\ngo:\n  - \"1.13\"\n  - 1.14.x\n\ninstall:\n  - go get ./...\n";
        assert_eq!(travis_go(list), vec![(4, v(1, 13)), (5, v(1, 14))]);
        assert_eq!(travis_go("go: 1.12.x\n"), vec![(1, v(1, 12))]);
        // A job on the newest Go says nothing about which one builds releases.
        let tip = "go:\n  - 1.12.x\n  - master\n";
        assert_eq!(
            travis_go(tip),
            vec![(2, v(1, 12)), (3, CiGoVersion::Floating)]
        );
        assert!(travis_go("language: go\nscript: make test\n").is_empty());
    }

    #[test]
    fn name_tables_of_scripts_name_their_folders_packages() {
        let text = "#!/bin/bash\nTARGETS=(\n  acme-api=cmd/api\n  acme-worker=./cmd/worker/\n)\nONE=(\n  solo=cmd/solo\n)\nFLAGS=(\n  -v\n  -x\n)\n";
        let builds = name_tables(text, Path::new("/r"));
        assert_eq!(names(&builds, "/r/cmd/api", "x/cmd/api"), vec!["acme-api"]);
        assert_eq!(
            names(&builds, "/r/cmd/worker", "x/cmd/worker"),
            vec!["acme-worker"]
        );
        // A one-entry array is a setting, not a table; flags name nothing.
        assert!(names(&builds, "/r/cmd/solo", "x/cmd/solo").is_empty());
        assert_eq!(builds.len(), 2);
    }

    #[test]
    fn makefile_rules_and_patterns() {
        let mk = "BIN_DIR ?= bin\nAPP := app-server\nGO=go\n\n$(BIN_DIR)/%: FORCE\n\t$(GO) build -o $@ ./apps/$*\n\nbuild: $(APP)\n$(APP):\n\tcd cmd && go build -o ../out/$(APP) ./server\n";
        let b = makefile_builds(mk, Path::new("/r"));
        assert_eq!(
            names(&b, "/r/apps/billing", "x/apps/billing"),
            vec!["billing"]
        );
        assert_eq!(
            names(&b, "/r/cmd/server", "x/cmd/server"),
            vec!["app-server"]
        );
        assert!(names(&b, "/r/cmd/other", "x/cmd/other").is_empty());
    }

    #[test]
    fn tab_indented_assignments_in_a_conditional_are_variables() {
        let mk = "OS?=linux\nifeq ($(OS),windows)\n\tBINARY=plug.exe\nelse\n\tBINARY=plug\nendif\n\ndefault: bin/$(BINARY)\n\nbin/$(BINARY): go.mod\n\tOUT=ignored go build -o $@ ./cmd/\n";
        let vars = makefile_vars(&logical_lines(mk));
        assert_eq!(vars.get("BINARY").map(String::as_str), Some("plug"));
        assert!(
            !vars.contains_key("OUT"),
            "a recipe's assignment is no variable"
        );
        let flags = "FLAGS = -mod=vendor\nifdef EXTRA\n\tFLAGS += $(EXTRA)\nelse\n\tFLAGS += -trimpath\nendif\n";
        let vars = makefile_vars(&logical_lines(flags));
        assert_eq!(
            vars.get("FLAGS").map(String::as_str),
            Some("-mod=vendor -trimpath")
        );
        let b = makefile_builds(mk, Path::new("/r"));
        assert_eq!(names(&b, "/r/cmd", "x/cmd"), vec!["plug"]);
    }

    #[test]
    fn a_script_that_hands_its_arguments_to_go_build_builds_as_go_build() {
        let script = "#!/bin/sh\nset -e\nFLAGS=\"-X main.v=$(git describe)\"\nexec go build -ldflags \"$FLAGS\" \"$@\"\n";
        assert!(wraps_go_build(script));
        assert!(!wraps_go_build("#!/bin/sh\ngo build ./...\n"));
        let mk = "canary:\n\t./scripts/build-with-flags.sh -o $@ cmd/canary/main.go\n";
        let text = unwrap_go_build(
            mk,
            Path::new("/r"),
            &[PathBuf::from("/r/scripts/build-with-flags.sh")],
        );
        assert_eq!(text, "canary:\n\tgo build -o $@ cmd/canary/main.go\n");
        let b = makefile_builds(&text, Path::new("/r"));
        assert_eq!(names(&b, "/r/cmd/canary", "x/cmd/canary"), vec!["canary"]);
    }

    #[test]
    fn conditionals_inside_a_recipe_and_shell_values_keep_its_builds() {
        let mk = "GO_VERSION := $(shell go version | awk '{print substr($$3, 3, 4)}')\n\
            LDFLAGS := -X main.goVersion=${GO_VERSION}\n\
            release:\n\
            ifeq ($(REPRO),1)\n\
            \tgo build -ldflags '$(LDFLAGS) -s' -o bin/gatekeeper ./cmd/gate\n\
            else\n\
            \tgo build -ldflags '$(LDFLAGS)' -o bin/gatekeeper ./cmd/gate\n\
            endif\n";
        let b = makefile_builds(mk, Path::new("/r"));
        assert_eq!(names(&b, "/r/cmd/gate", "x/cmd/gate"), vec!["gatekeeper"]);
    }

    #[test]
    fn a_name_two_packages_are_built_under_is_neither_ones() {
        let mk = "all:\n\tgo build -o bin/relay ./cmd/relay\n\tgo build -o bin/relay cmd/probe/main.go\n\tgo build -o bin/probe ./cmd/probe\n";
        let model = RepoBuilds {
            builds: makefile_builds(mk, Path::new("/r")),
            ..RepoBuilds::default()
        };
        // `relay` is claimed by two packages: it names neither.
        assert_eq!(
            names_in(&model, Path::new("/r/cmd/probe"), "x/cmd/probe"),
            vec!["probe"]
        );
        assert!(names_in(&model, Path::new("/r/cmd/relay"), "x/cmd/relay").is_empty());
    }

    #[test]
    fn a_build_of_go_files_builds_their_folder() {
        let mk = "build:\n\tgo build -ldflags $(LDFLAGS) -o bin/keeper cmd/operator/main.go\n";
        let b = makefile_builds(mk, Path::new("/r"));
        assert_eq!(
            names(&b, "/r/cmd/operator", "x/cmd/operator"),
            vec!["keeper"]
        );
        assert!(names(&b, "/r/cmd/other", "x/cmd/other").is_empty());
        // A file of the folder the build runs in: the package at the root.
        let b = makefile_builds(
            "manager:\n\tgo build -o bin/manager_${ARCH} main.go\n",
            Path::new("/r"),
        );
        assert_eq!(names(&b, "/r", "x"), vec!["manager"]);
        assert!(names(&b, "/r/cmd/main", "x/cmd/main").is_empty());
    }

    #[test]
    fn a_command_substitution_is_one_word() {
        // A variable expanded inside a quoted flag value closes the quote
        // before `$(shell ...)` (`-X v.date='$(shell date +'%F %T')'`): the
        // substitution is one word, spaces and all, and the build still
        // names its binary.
        let mk = "DATE := $(shell date -u +'%Y-%m-%d %H:%M')\nLDFLAGS := -X main.date='$(DATE)' -X main.commit=\"$(shell git rev-parse HEAD)\"\n\nrelay:\n\tgo build -ldflags \"$(LDFLAGS)\" -o bin/relayd ./cmd/relay\n";
        let b = makefile_builds(mk, Path::new("/r"));
        assert_eq!(names(&b, "/r/cmd/relay", "x/cmd/relay"), vec!["relayd"]);
        assert_eq!(
            crate::analysis::deploy::dockerfile::shell_words(
                "go build -X a=\"$(git log -1 --format='%h %s')\" ."
            ),
            vec!["go", "build", "-X", "a=$(git log -1 --format='%h %s')", "."]
        );
    }

    #[test]
    fn a_recipe_that_runs_make_again_with_variables_set() {
        // The target runs make on another target with variables on its command
        // line: that target's build gives the binary the caller's name.
        let mk = "OUTPUT_DIR?=_output\nBINARY_NAME?=gateway-$(OS)\n\ngateway:\n\tOUTPUT_DIR=. BINARY_NAME=$@ $(MAKE) build\n\n.PHONY: build\nbuild:\n\t@mkdir -p $(OUTPUT_DIR)\n\tCGO_ENABLED=0 go build -o \"$(OUTPUT_DIR)/$(BINARY_NAME)\" ./cmd/gatewayd\n\nother:\n\t$(MAKE) -C sub build\n";
        let b = makefile_builds(mk, Path::new("/r"));
        let got = names(&b, "/r/cmd/gatewayd", "x/cmd/gatewayd");
        assert!(got.contains(&"gateway".to_string()), "{got:?}");
        assert_eq!(sub_make("$(MAKE) -C sub build", "other"), None);
        assert_eq!(sub_make("go build ./...", "x"), None);
    }

    #[test]
    fn makefiles_that_build_in_containers_and_build_images() {
        let mk = "BUILDPATH=$(CURDIR)\nCTR=/work\nDOCKERCMD=$(shell which docker)\nNAME=acme_api\n\ncompile_api:\n\t@$(DOCKERCMD) run --rm -v $(BUILDPATH):$(CTR) -w $(CTR)/src/api golang:1.22 /usr/local/go/bin/go build --ldflags \"-w -s\" -o $(CTR)/make/api/$(NAME)\n\nimage_api:\n\t$(DOCKERCMD) build --pull -f $(CURDIR)/make/api/Dockerfile -t acme/api:dev .\n";
        let (b, images) = makefile(mk, Path::new("/r"), Path::new("/r"));
        assert_eq!(names(&b, "/r/src/api", "x/src/api"), vec!["acme_api"]);
        assert_eq!(
            images,
            vec![(
                PathBuf::from("/r/make/api/Dockerfile"),
                Some(PathBuf::from("/r"))
            )]
        );
        // `$(if ...)` of a variable nobody sets takes its else branch.
        let vars: BTreeMap<String, String> = [("T".to_string(), "x".to_string())].into();
        assert_eq!(
            expand("a $(if $(TAGS),-tags \"$(TAGS)\",) b", &vars, 0),
            "a  b"
        );
        assert_eq!(expand("$(if $(T),-tags $(T),none)", &vars, 0), "-tags x");
        // A Makefile run from above with `make -f`: $(CURDIR) may be any folder up to the root.
        let (_, images) = makefile(mk, Path::new("/r/make/x"), Path::new("/r"));
        assert!(images.contains(&(
            PathBuf::from("/r/make/api/Dockerfile"),
            Some(PathBuf::from("/r"))
        )));
    }

    #[test]
    fn shell_scripts_follow_cd_in_subshells() {
        let sh = "#!/bin/sh\nout=bin\n(\n  cd ./server\n  go build -trimpath \\\n    -o=\"../${out}/stored\" . || return 2\n) || return 2\n(\n  cd ./ctl\n  go build -o \"../${out}/storectl\" .\n)\ngo build -o bin/tool-${VERSION} ./tools/tool\n";
        let b = shell_builds(sh, Path::new("/r"));
        assert_eq!(names(&b, "/r/server", "x/server"), vec!["stored"]);
        assert_eq!(names(&b, "/r/ctl", "x/ctl"), vec!["storectl"]);
        assert_eq!(names(&b, "/r/tools/tool", "x/tools/tool"), vec!["tool"]);
    }

    /// The build model of goreleaser config `y` at `/r`, its Dockerfiles read by `read`.
    fn read_goreleaser(y: &str, read: &dyn Fn(&Path) -> Option<String>) -> RepoBuilds {
        let mut m = RepoBuilds::default();
        goreleaser(
            y,
            Path::new("/r"),
            Path::new("/r/.goreleaser.yml"),
            &mut m,
            read,
        );
        m
    }

    /// The binaries of the archive-only builds of `m`.
    fn archived(m: &RepoBuilds) -> Vec<&str> {
        m.archive_only
            .iter()
            .map(|(b, _)| b.output.as_str())
            .collect()
    }

    #[test]
    fn goreleaser_builds_and_dockers() {
        let y = "builds:\n  - id: srv\n    main: ./cmd/server\n    binary: acme-server-{{.Os}}-{{.Arch}}\n  - id: cli\n    dir: tools\n    main: ./ctl/main.go\n    binary: acmectl\ndockers:\n  - dockerfile: build/release.Dockerfile\n    ids: [srv]\n";
        let m = read_goreleaser(y, &|_| None);
        assert_eq!(
            names(&m.builds, "/r/cmd/server", "x/cmd/server"),
            vec!["acme-server"]
        );
        assert_eq!(
            names(&m.builds, "/r/tools/ctl", "x/tools/ctl"),
            vec!["acmectl"]
        );
        assert_eq!(
            m.dockerfiles,
            vec![(PathBuf::from("/r/build/release.Dockerfile"), None)]
        );
        // `cli` is in no image that `ids:` names: an archive-only build.
        assert_eq!(archived(&m), vec!["acmectl"]);
    }

    #[test]
    fn the_oci_build_module_makes_ko_images_of_its_builds() {
        let mk = "build_names := manager webhook\n\ngo_manager_main_dir := ./cmd\ngo_manager_mod_dir := .\noci_manager_image_name := quay.io/acme/cert-thing\ngo_webhook_main_dir := ./cmd/webhook\noci_webhook_image_name := $(IMAGE_REPO)/webhook\n";
        let (builds, ko) = oci_build_images(mk, Path::new("/r"), Path::new("/r/make/00_mod.mk"));
        assert_eq!(names(&builds, "/r/cmd", "x/cmd"), vec!["cert-thing"]);
        // An image name left to a variable the file does not set says nothing.
        assert_eq!(ko.len(), 1);
        assert_eq!((ko[0].target.as_str(), ko[0].site.1), ("./cmd", 5));
    }

    #[test]
    fn archive_only_builds_from_what_an_image_copies() {
        // No `ids:`: the image holds what its Dockerfile copies and runs. A
        // `RUN adduser ... acme` or a label naming the project does not count.
        let y = "builds:\n  - id: agent\n    main: ./cmd/agent\n    binary: acme-agent\n  - id: cli\n    main: ./cmd/cli\n    binary: acme\ndockers:\n  - dockerfile: build/Dockerfile\n";
        let dockerfile = "FROM alpine\nLABEL org.opencontainers.image.source=https://github.com/x/acme\nCOPY acme-agent /usr/local/bin/acme-agent\nRUN adduser -S acme\nENTRYPOINT /usr/local/bin/acme-agent\n";
        let read =
            |p: &Path| (p == Path::new("/r/build/Dockerfile")).then(|| dockerfile.to_string());
        let m = read_goreleaser(y, &read);
        assert_eq!(archived(&m), vec!["acme"]);
        // A Dockerfile that cannot be read may hold every build: none is archive-only.
        let m = read_goreleaser(y, &|_| None);
        assert!(m.archive_only.is_empty());
    }

    #[test]
    fn workflow_images_and_contexts() {
        let y = "on: push\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          file: .github/images/Dockerfile\n          push: true\n      - uses: docker/build-push-action@v6\n        with:\n          file: ${{ matrix.file }}\n      - run: |\n          docker buildx build --platform linux/amd64 -t x/y:1 -f deploy/relay.Dockerfile --push services/relay\n          docker build -t z .\n";
        assert_eq!(
            workflow_images(y, Path::new("/r")),
            vec![
                (
                    PathBuf::from("/r/.github/images/Dockerfile"),
                    Some(PathBuf::from("/r"))
                ),
                (
                    PathBuf::from("/r/deploy/relay.Dockerfile"),
                    Some(PathBuf::from("/r/services/relay"))
                ),
                (PathBuf::from("/r/Dockerfile"), Some(PathBuf::from("/r"))),
            ]
        );
    }

    #[test]
    fn promu_binaries_are_named_builds() {
        let yml = "go:\n  version: 1.22\nrepository:\n  path: example.com/relay\nbuild:\n  binaries:\n    - name: relay-agent\n      path: ./cmd/agent\n    - name: relay-hub\n      path: cmd/hub\n  flags: -a -tags netgo\n";
        let builds = promu(yml, Path::new("/r"));
        let got: Vec<(&str, &str)> = builds
            .iter()
            .map(|b| (b.target.as_str(), b.output.as_str()))
            .collect();
        assert_eq!(
            got,
            [("./cmd/agent", "relay-agent"), ("./cmd/hub", "relay-hub")]
        );
        assert!(builds.iter().all(|b| b.cwd == Path::new("/r")));
        assert!(promu("build:\n  flags: -a\n", Path::new("/r")).is_empty());
    }

    #[test]
    fn go_file_arguments_build_their_folder() {
        assert_eq!(
            go_files_folder("cmd/operator/main.go"),
            Some("cmd/operator")
        );
        assert_eq!(
            go_files_folder("./cmd/loadtester/*"),
            Some("./cmd/loadtester")
        );
        assert_eq!(go_files_folder("cmd/x/*.go"), Some("cmd/x"));
        assert_eq!(go_files_folder("main.go"), Some("."));
        assert_eq!(go_files_folder("*.go"), Some("."));
        assert_eq!(go_files_folder("/main.go"), Some("/"));
        assert_eq!(go_files_folder("./cmd/server"), None);
        assert_eq!(go_files_folder("./..."), None);
        assert_eq!(go_files_folder("example.com/app/cmd/server"), None);
    }

    #[test]
    fn ko_builds_name_bare_images_by_their_repository() {
        let mk = "REG ?= ghcr.io/acme\nKO ?= $(shell go env GOPATH)/bin/ko\n\nimg:\n\t@KO_DOCKER_REPO=$(REG)/tollgate $(KO) build --bare --platform linux/amd64 \\\n\t\t./cmd/gate/\n\ncli:\n\tKO_DOCKER_REPO=$(REG) ko build -B ./cmd/gatectl && ko resolve -f config/\n";
        let (named, images) = makefile_ko(mk, Path::new("/r"), Path::new("/r/Makefile"));
        assert_eq!(names(&named, "/r/cmd/gate", "x/cmd/gate"), vec!["tollgate"]);
        // Without --bare the image ends with the package's own name: nothing new.
        assert!(names(&named, "/r/cmd/gatectl", "x/cmd/gatectl").is_empty());
        let targets: Vec<(&str, usize)> = images
            .iter()
            .map(|k| (k.target.as_str(), k.site.1))
            .collect();
        assert_eq!(targets, vec![("./cmd/gate/", 5), ("./cmd/gatectl", 9)]);
        // A platform is a flag's value, an import path a package.
        assert_eq!(
            ko_command("ko build --platform linux/arm64 example.com/acme/cmd/gate"),
            vec![("example.com/acme/cmd/gate".to_string(), None)]
        );
        assert!(ko_command("ko resolve -f config/").is_empty());
    }

    #[test]
    fn ko_config_and_goreleaser_kos() {
        let ko = "builds:\n  - id: warden\n    main: ./cmd/warden\n  - id: root\n    dir: svc\n    main: .\n";
        let images = ko_config(ko, Path::new("/r"), Path::new("/r/.ko.yaml"));
        let got: Vec<(PathBuf, &str, usize)> = images
            .iter()
            .map(|k| (k.cwd.clone(), k.target.as_str(), k.site.1))
            .collect();
        assert_eq!(
            got,
            vec![
                (PathBuf::from("/r"), "./cmd/warden", 3),
                (PathBuf::from("/r/svc"), ".", 6)
            ]
        );
        let y = "builds:\n  - id: srv\n    main: ./cmd/server\n    binary: srv\nkos:\n  - build: srv\n    repositories: [ghcr.io/acme/relay]\n    bare: true\n";
        let m = read_goreleaser(y, &|_| None);
        assert_eq!(
            names_in(&m, Path::new("/r/cmd/server"), "x/cmd/server"),
            vec!["relay", "srv"]
        );
        assert_eq!(m.ko.len(), 1);
        assert_eq!(
            (m.ko[0].target.as_str(), m.ko[0].site.1),
            ("./cmd/server", 5)
        );
    }

    #[test]
    fn make_targets_an_image_runs() {
        let mk = "BIN := bin/app\n\nall: api\napi: gen\n\tgo build -o $(BIN) ./cmd/api\ngen:\n\tcd tools && go build -o ../bin/gen ./gen\nworker:\n\tgo build -o $(BIN) ./cmd/worker\n";
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            make_target_builds(mk, &["api".to_string()], &[]),
            vec![
                (String::new(), "./cmd/api".to_string(), some("bin/app")),
                ("tools".to_string(), "./gen".to_string(), some("../bin/gen")),
            ]
        );
        assert!(make_target_builds(mk, &["clean".to_string()], &[]).is_empty());
        // Variables on make's command line win over the file's.
        let over = [("BIN".to_string(), "/out/api-server".to_string())];
        assert_eq!(
            make_target_builds(mk, &["api".to_string()], &over)[0].2,
            some("/out/api-server")
        );
        // A target named for its output, built from its own folder; a build
        // of a package still named by a variable gives nothing.
        let mk = "GO_FLAGS := -trimpath\n.PHONY: cmd/canary/canary\ncanary: cmd/canary/canary\ncmd/canary/canary:\n\tgo build $(GO_FLAGS) -o $@ ./$(@D)\nodd:\n\tgo build -o bin/odd ./$(PKG)\n";
        assert_eq!(
            make_target_builds(mk, &["canary".to_string()], &[]),
            vec![(
                String::new(),
                "./cmd/canary".to_string(),
                some("cmd/canary/canary")
            )]
        );
        assert!(make_target_builds(mk, &["odd".to_string()], &[]).is_empty());
    }

    #[test]
    fn bake_contexts() {
        let hcl = "group \"default\" { targets = [\"api\"] }\n\ntarget \"api\" {\n  context = \"services/api\"\n  dockerfile = \"../../images/api.Dockerfile\"\n  tags = [\"x\"]\n}\n";
        assert_eq!(
            bake_targets(hcl, Path::new("/r")),
            vec![(
                PathBuf::from("/r/images/api.Dockerfile"),
                PathBuf::from("/r/services/api")
            )]
        );
    }

    #[test]
    fn a_pattern_or_a_module_variable_names_one_package() {
        let b = |target: &str, output: &str| Build {
            cwd: PathBuf::from("/r/multi"),
            target: target.to_string(),
            output: output.to_string(),
        };
        let dir = Path::new("/r/multi/cmd/mc-controller");
        let ip = "example.com/r/multi/cmd/mc-controller";
        assert_eq!(
            target_stem(&b("example.com/r/multi/cmd/...", "bin/mc"), dir, ip),
            Some(String::new())
        );
        assert_eq!(
            target_stem(&b("./cmd/...", "bin/mc"), dir, ip),
            Some(String::new())
        );
        assert_eq!(target_stem(&b("./other/...", "bin/mc"), dir, ip), None);
        // ko builds every package of a pattern: not this one name.
        assert_eq!(target_stem(&b("./cmd/...", ""), dir, ip), None);
        assert_eq!(
            target_stem(&b("${PKG}/cmd/mc-controller", "bin/mc"), dir, ip),
            Some(String::new())
        );
        assert_eq!(
            target_stem(&b("${PKG}/cmd/controller", "bin/mc"), dir, ip),
            None
        );
        assert_eq!(under_variable("$PKG/cmd/x"), Some("cmd/x"));
        assert_eq!(under_variable("${A}/${B}/x"), None);
        let built = command_builds("go build -o bin/mc ./cmd/...", Path::new("/r/multi"));
        assert_eq!(built.len(), 1);
        assert!(command_builds("go build -o bin/ ./cmd/...", Path::new("/r")).is_empty());
    }
}
