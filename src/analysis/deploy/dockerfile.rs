//! Dockerfiles: the stages, what the image builds and runs (`go build` targets,
//! `-o` outputs, `COPY --from` sources, `ENTRYPOINT`/`CMD`), whether it sets
//! `GOMEMLIMIT`, and the edit that adds `ENV GOMEMLIMIT=...` to the final stage.

use std::path::{Path, PathBuf};

use super::MainPackage;
use crate::finding::Edit;

/// `go build` / `go install` flags that take a separate value.
const FLAGS_WITH_VALUE: &[&str] = &[
    "-o",
    "-ldflags",
    "-gcflags",
    "-asmflags",
    "-gccgoflags",
    "-tags",
    "-mod",
    "-modfile",
    "-p",
    "-installsuffix",
    "-pkgdir",
    "-buildmode",
    "-compiler",
    "-overlay",
    "-pgo",
    "-toolexec",
    "-covermode",
    "-coverpkg",
    "-C",
];

/// Arguments that ask a command-line program for its usage or version.
const HELP_WORDS: &[&str] = &[
    "--help",
    "-help",
    "-h",
    "help",
    "--version",
    "-version",
    "version",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-case keyword: `FROM`, `RUN`, `ENV`...
    pub keyword: String,
    /// The arguments, continuation lines joined with a space.
    pub args: String,
    /// Byte offset of the instruction's first line.
    pub line_start: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// The `AS name` of its `FROM`.
    pub name: Option<String>,
    pub instructions: Vec<Instruction>,
}

impl Stage {
    /// The image (or earlier stage) its `FROM` builds on, past the flags
    /// (`FROM --platform=$BUILDPLATFORM golang:1.22 AS build` gives `golang:1.22`).
    pub fn base(&self) -> Option<&str> {
        self.instructions
            .first()?
            .args
            .split_whitespace()
            .find(|w| !w.starts_with("--"))
    }
}

#[derive(Debug, Clone)]
pub struct Dockerfile {
    pub path: PathBuf,
    pub text: String,
    pub stages: Vec<Stage>,
    /// The defaults of the `ARG`s before the first `FROM`, which a stage's
    /// `ARG NAME` takes in.
    pub global_args: Vec<(String, String)>,
}

impl Dockerfile {
    pub fn parse(path: &Path, text: &str) -> Dockerfile {
        let mut stages: Vec<Stage> = vec![];
        let mut global_args = vec![];
        for ins in instructions(text) {
            if ins.keyword == "ARG" && stages.is_empty() {
                global_args.extend(assignments(&ins));
            }
            if ins.keyword == "FROM" {
                let words: Vec<&str> = ins.args.split_whitespace().collect();
                let name = words
                    .iter()
                    .position(|w| w.eq_ignore_ascii_case("as"))
                    .and_then(|i| words.get(i + 1))
                    .map(|s| s.to_string());
                stages.push(Stage {
                    name,
                    instructions: vec![ins],
                });
            } else if let Some(stage) = stages.last_mut() {
                stage.instructions.push(ins);
            }
        }
        Dockerfile {
            path: path.to_path_buf(),
            text: text.to_string(),
            stages,
            global_args,
        }
    }

    /// The Go images the stages build with, each with the offset of its
    /// `FROM` and the Go release its tag names (`golang:1.14.14`,
    /// `docker.io/library/golang:1.22-alpine`): None for a tag that names
    /// none (`golang:alpine`, `golang:1`, `golang:${GO_VERSION}`: the newest
    /// release, or one the build chooses).
    pub fn go_images(&self) -> Vec<(usize, Option<crate::gomod::GoVersion>)> {
        self.stages
            .iter()
            .filter_map(|s| Some((s.instructions.first()?, s.base()?)))
            .filter_map(|(from, image)| {
                let image = image.split('@').next().unwrap_or(image);
                let (repo, tag) = match image.rsplit_once(':') {
                    Some((r, t)) if !t.contains('/') => (r, t),
                    _ => (image, ""),
                };
                if repo.rsplit('/').next() != Some("golang") {
                    return None;
                }
                // A release is `major.minor`; `1` alone floats with the newest.
                let version = tag
                    .split_once('.')
                    .filter(|(major, minor)| {
                        !major.is_empty()
                            && major.bytes().all(|b| b.is_ascii_digit())
                            && minor.starts_with(|c: char| c.is_ascii_digit())
                    })
                    .and_then(|_| crate::gomod::GoVersion::parse(tag));
                Some((from.line_start, version))
            })
            .collect()
    }

    /// True when an instruction (not a comment) mentions `GOMEMLIMIT`.
    pub fn sets_gomemlimit(&self) -> bool {
        self.stages
            .iter()
            .flat_map(|s| &s.instructions)
            .any(|i| i.args.contains("GOMEMLIMIT"))
    }

    /// True when the image says it is a long-running service: it `EXPOSE`s a
    /// port, has a `HEALTHCHECK` or declares a `VOLUME`. An image of a one-shot
    /// tool (a migration, an index clean-up, a load generator) declares none.
    /// An image whose default command only asks for help (`CMD ["--help"]`)
    /// packages a command-line tool, whatever ports it exposes.
    /// The file names `go build -o PATH` gives in this file's `RUN`s
    /// (`/out/gate-controller` gives `gate-controller`).
    pub fn build_outputs(&self) -> Vec<String> {
        let mut out: Vec<String> = vec![];
        for b in go_builds(&self.steps()) {
            let Some(name) = b.output.as_deref().map(base_name) else {
                continue;
            };
            if !name.is_empty() && !name.contains('$') && !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    pub fn is_service_image(&self) -> bool {
        !self.default_command_asks_for_help()
            && self
                .stages
                .iter()
                .flat_map(|s| &s.instructions)
                .any(is_service_mark)
    }

    /// True when the image whose `ENTRYPOINT`/`CMD` is at offset `run` (the
    /// final image when None) starts its program under the Delve debugger
    /// (`CMD dlv --headless ... exec /bin/app`): an image for debugging the
    /// program, not the one its deployments run. Each `FROM ... AS` stage is
    /// its own image: a later `debug` target's `dlv` says nothing of the
    /// `release` target that runs the program itself.
    pub fn runs_under_debugger(&self, run: Option<usize>) -> bool {
        let stage = match run {
            Some(offset) => self.stages.iter().rev().find(|s| {
                s.instructions
                    .first()
                    .is_some_and(|from| from.line_start <= offset)
            }),
            None => self.stages.last(),
        };
        stage.is_some_and(|s| {
            s.instructions
                .iter()
                .filter(|i| matches!(i.keyword.as_str(), "CMD" | "ENTRYPOINT"))
                .any(|i| {
                    i.args
                        .split(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | '"' | ','))
                        .any(|w| w.rsplit('/').next() == Some("dlv"))
                })
        })
    }

    /// True when the final image's default arguments (its last `CMD`) only
    /// ask the program for its usage or version: users run the image with
    /// their own command line each time, as they would run a CLI.
    pub fn default_command_asks_for_help(&self) -> bool {
        let Some(cmd) = self
            .stages
            .last()
            .and_then(|s| s.instructions.iter().rev().find(|i| i.keyword == "CMD"))
        else {
            return false;
        };
        let words = exec_words(&cmd.args);
        !words.is_empty() && words.iter().all(|w| HELP_WORDS.contains(&w.as_str()))
    }

    /// True when the image's default command is a program alone, with no
    /// argument, given by `CMD` (`CMD ["/usr/local/bin/pint"]`, past an init
    /// wrapper: `tini --`). An `ENTRYPOINT` program takes its arguments when the
    /// image runs (`docker run image serve`, a manifest's `args:`), so it says
    /// nothing of what runs by default.
    pub fn runs_without_arguments(&self) -> bool {
        let Some(last) = self.stages.last() else {
            return false;
        };
        let words = |k: &str| {
            last.instructions
                .iter()
                .rev()
                .find(|i| i.keyword == k)
                .map(|i| exec_words(&i.args))
        };
        // An ENTRYPOINT that names a program (not an init wrapper waiting
        // for one, `tini --`) takes the arguments instead.
        if words("ENTRYPOINT").is_some_and(|e| !super::command::of_exec(&e).runs_args) {
            return false;
        }
        words("CMD").is_some_and(|c| {
            let p = super::command::of_exec(&c);
            p.run.len() == 1 && p.args.is_empty() && !p.runs_args && !p.args_are_script
        })
    }

    /// True when the file's name says the image is for tests, CI, development
    /// or building (`Dockerfile.test`, `e2e.Dockerfile`, `Dockerfile.builder`):
    /// not the image that runs in production.
    pub fn is_tooling_image(&self) -> bool {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        name.split(['.', '-', '_']).any(|w| {
            matches!(
                w,
                "test"
                    | "tests"
                    | "e2e"
                    | "ci"
                    | "dev"
                    | "devel"
                    | "devcontainer"
                    | "builder"
                    | "lint"
                    | "docs"
                    | "check"
                    | "bench"
                    | "benchmark"
            )
        })
    }

    /// What this Dockerfile says about the main package `pkg`. `contexts` are the
    /// folders its build context may be, most likely first (a compose file's
    /// `build.context`, the Dockerfile's folder and the folders above it); `read`
    /// reads a file of the context (an entrypoint script the image copies).
    ///
    /// - [`Tie::Library`] when it builds the package with `-buildmode=c-shared`,
    ///   `c-archive` or `plugin`: its `main` never runs;
    /// - [`Tie::Runs`] when `ENTRYPOINT`/`CMD` (or a script they start) executes
    ///   the package's binary (as the program, not an argument: `run_programs`): the folder's name, or the `-o` name a build of the
    ///   package gives it, followed through `COPY` renames;
    /// - [`Tie::Builds`] when a `go build`/`go install` names the package (a path
    ///   from the right `WORKDIR` or `cd`, a `./cmd/...` pattern, its import path)
    ///   and the image neither starts another binary it builds nor writes many
    ///   binaries (a tool box with no entrypoint for this one);
    /// - [`Tie::None`] otherwise.
    pub fn tie(
        &self,
        pkg: &MainPackage,
        contexts: &[PathBuf],
        read: &dyn Fn(&Path) -> Option<String>,
    ) -> Tie {
        self.tie_site(pkg, contexts, read).0
    }

    /// [`Dockerfile::tie`], with where it shows: the byte offset of the
    /// `ENTRYPOINT`/`CMD` that runs the package (for [`Tie::Runs`]) or of the
    /// `RUN` that builds it, and what is there.
    pub fn tie_site(
        &self,
        pkg: &MainPackage,
        contexts: &[PathBuf],
        read: &dyn Fn(&Path) -> Option<String>,
    ) -> (Tie, Option<(usize, String)>) {
        let (tie, site, _) = self.tie_names(pkg, contexts, read);
        (tie, site)
    }

    /// [`Dockerfile::tie_site`], with the names this Dockerfile's own builds
    /// give the package's binary (`go build -o /out/keeper ./cmd/operator`,
    /// after the image's renames), whatever it runs.
    pub fn tie_names(
        &self,
        pkg: &MainPackage,
        contexts: &[PathBuf],
        read: &dyn Fn(&Path) -> Option<String>,
    ) -> (Tie, Option<(usize, String)>, Vec<String>) {
        let steps = self.steps();
        let copies = copies(&steps);
        let mut names = pkg.binaries.clone();
        let mut others = vec![];
        let mut built = None;
        let mut written = 0;
        let mut builds = go_builds(&steps);
        builds.extend(make_builds(&steps, &copies, contexts, read));
        for b in builds {
            for t in &b.targets {
                let m = target_match(t, &b.cwd, &copies, contexts, pkg);
                if b.is_library() {
                    if m {
                        return (Tie::Library, None, vec![]);
                    }
                    continue;
                }
                if !b.writes() {
                    continue;
                }
                written += if t.contains("...") { 2 } else { 1 };
                let name = b
                    .output_name()
                    .unwrap_or_else(|| base_name(t.trim_end_matches('/')));
                if m {
                    built.get_or_insert((
                        b.line_start,
                        match &b.make {
                            Some(m) => {
                                format!("RUN make {m} builds it (go build {t} in its recipe)")
                            }
                            None => format!(
                                "RUN go {} {t} builds it",
                                if b.install { "install" } else { "build" }
                            ),
                        },
                    ));
                    names.push(name);
                } else if !t.contains("...") {
                    others.push(name);
                }
            }
        }
        // What this Dockerfile itself builds from another package is that
        // package's binary, whatever name another build gives this one (a test
        // script's `go build -o bin/demo-server cmd/sidecar/main.go`).
        let built_here: Vec<String> = names[pkg.binaries.len()..].to_vec();
        names.retain(|n| {
            !n.is_empty() && n != "." && (built_here.contains(n) || !others.contains(n))
        });
        others.retain(|n| !n.is_empty() && n != "." && !names.contains(n));
        let links = links(&steps);
        follow_renames(&mut names, &copies, &links);
        follow_renames(&mut others, &copies, &links);
        // The name a copy or link gives another package's binary here
        // (`COPY --from=b /src/localmodel-manager /manager`) is that one's in
        // this image, however this package's folder is named (`cmd/manager`).
        let mut own = built_here.clone();
        follow_renames(&mut own, &copies, &links);
        names.retain(|n| own.contains(n) || !others.contains(n));
        // A name the image gives another of its programs by a link (`RUN ln -s
        // hyperfed controller-manager`) is that program here, whatever package
        // shares the name (`cmd/controller-manager`, built elsewhere).
        let before = names.clone();
        names.retain(|n| {
            !links.iter().any(|(target, link)| {
                names_binary(link, n) && !before.iter().any(|m| names_binary(target, m))
            })
        });
        let given: Vec<String> = names
            .iter()
            .filter(|n| !pkg.binaries.contains(n))
            .cloned()
            .collect();
        // An image that neither builds, copies nor fetches a file (no
        // `RUN` at all) runs what its base image holds (`FROM
        // cockroachdb/cockroach` with an `ENTRYPOINT` for `cockroach`),
        // whatever package shares that program's name. One that downloads
        // the project's release (`RUN curl ... | tar`) may well run it.
        if copies.is_empty() && written == 0 && !steps.iter().any(|s| s.ins.keyword == "RUN") {
            return (Tie::None, None, given);
        }
        let run = self.run_programs(&steps, &copies, contexts, read);
        let runs = |list: &[String]| {
            run.iter()
                .find(|(w, _)| list.iter().any(|n| names_binary(w, n)))
                .map(|(_, off)| *off)
        };
        if let Some(off) = runs(&names) {
            let site = steps.iter().find(|s| s.ins.line_start == off).map(|s| {
                let words = exec_words(&s.ins.args).join(" ");
                (
                    s.ins.line_start,
                    format!("{} {words} runs it", s.ins.keyword),
                )
            });
            return (Tie::Runs, site, given);
        }
        if built.is_none() || runs(&others).is_some() || written > 1 {
            return (Tie::None, None, given);
        }
        (Tie::Builds, built, given)
    }

    /// The names among `names` that this image makes links to another of
    /// its programs (`RUN ln -s hyper /lvmd` for `lvmd`): a container of the
    /// image that runs `/lvmd` runs `hyper`, not a package named `lvmd`.
    pub fn linked_to_others(&self, names: &[String]) -> Vec<String> {
        let steps = self.steps();
        links(&steps)
            .into_iter()
            .filter(|(target, link)| {
                names.iter().any(|n| names_binary(link, n))
                    && !names.iter().any(|n| names_binary(target, n))
            })
            .map(|(_, link)| link)
            .collect()
    }

    /// The ports the image exposes, with the offset of their `EXPOSE`.
    pub fn exposed_ports(&self) -> Vec<(u16, usize)> {
        self.stages
            .iter()
            .flat_map(|s| &s.instructions)
            .filter(|i| i.keyword == "EXPOSE")
            .flat_map(|i| {
                i.args
                    .split_whitespace()
                    .filter_map(|w| w.split('/').next()?.parse::<u16>().ok())
                    .map(move |p| (p, i.line_start))
            })
            .collect()
    }

    /// True when the image holds many programs and says which to run only on
    /// the command line (`docker run image /nsqd`): its final stage has no
    /// `ENTRYPOINT` or `CMD`, and it builds the whole tree (`make`, or a `go
    /// build`/`go install` of a `...` pattern) or copies a folder of binaries
    /// from another stage.
    pub fn is_multi_binary_without_command(&self) -> bool {
        let Some(last) = self.stages.last() else {
            return false;
        };
        if last
            .instructions
            .iter()
            .any(|i| i.keyword == "ENTRYPOINT" || i.keyword == "CMD")
        {
            return false;
        }
        let steps = self.steps();
        let whole = steps.iter().filter(|s| s.ins.keyword == "RUN").any(|s| {
            let words = shell_words(&s.ins.args);
            words.iter().any(|w| w == "make")
                || (words.iter().any(|w| w == "go") && words.iter().any(|w| w.ends_with("...")))
        });
        let folder_copy = copies(&steps)
            .iter()
            .any(|c| c.from.is_some() && c.sources.iter().any(|s| s.ends_with("bin/")));
        whole || folder_copy
    }

    /// The 1-based line of a byte offset of the file.
    pub fn line_of(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1
    }

    /// The first `EXPOSE` of an image whose default command only asks for
    /// help (`ENTRYPOINT ["tool"]`, `CMD ["--help"]`, `EXPOSE 8888`): the port
    /// of a server subcommand the image is also meant for, as (offset, text).
    pub fn port_beside_help(&self) -> Option<(usize, String)> {
        if !self.default_command_asks_for_help() {
            return None;
        }
        self.stages
            .iter()
            .flat_map(|s| &s.instructions)
            .find(|i| i.keyword == "EXPOSE")
            .map(|i| (i.line_start, format!("EXPOSE {}", i.args.trim())))
    }

    /// The instructions that say the image serves: `EXPOSE` and `HEALTHCHECK`
    /// (strong), `VOLUME` (weak: a tool may keep its data there too), as
    /// (offset, text, strong). The ports of several `EXPOSE` lines are one
    /// mark, at the first. None when the default command asks for help.
    pub fn service_marks(&self) -> Vec<(usize, String, bool)> {
        self.service_marks_at(None)
    }

    /// The stages that make the images running the command of the stage
    /// holding `offset`: that stage, the stages it is built `FROM` (by name),
    /// and the later stages built from it that keep its command (no
    /// `ENTRYPOINT`/`CMD` of their own). All stages when `offset` is None.
    fn stage_chain(&self, offset: Option<usize>) -> Vec<usize> {
        let all = || (0..self.stages.len()).collect();
        let Some(offset) = offset else {
            return all();
        };
        let Some(start) = self.stages.iter().rposition(|s| {
            s.instructions
                .first()
                .is_some_and(|from| from.line_start <= offset)
        }) else {
            return all();
        };
        let base_of = |k: usize| -> Option<usize> {
            let base = self.stages[k].base()?;
            self.stages[..k].iter().rposition(|s| {
                s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(base))
            })
        };
        let mut chain = vec![start];
        let mut at = start;
        while let Some(i) = base_of(at).filter(|i| !chain.contains(i)) {
            chain.push(i);
            at = i;
        }
        let mut heirs = vec![start];
        for k in start + 1..self.stages.len() {
            let keeps_command = !self.stages[k]
                .instructions
                .iter()
                .any(|i| matches!(i.keyword.as_str(), "ENTRYPOINT" | "CMD"));
            if keeps_command && base_of(k).is_some_and(|b| heirs.contains(&b)) {
                heirs.push(k);
            }
        }
        chain.extend(heirs.into_iter().skip(1));
        chain
    }

    /// [`Dockerfile::service_marks`] of the image whose `ENTRYPOINT`/`CMD` is
    /// at `run` (its stage and the stages it is built from): in a Dockerfile
    /// of several targets, the server stage's `EXPOSE` is not the CLI stage's.
    pub fn service_marks_at(&self, run: Option<usize>) -> Vec<(usize, String, bool)> {
        if self.default_command_asks_for_help() {
            return vec![];
        }
        let chain = self.stage_chain(run);
        // (offset, keyword, arguments)
        let mut marks: Vec<(usize, &str, String)> = vec![];
        for i in self
            .stages
            .iter()
            .enumerate()
            .filter(|(k, _)| chain.contains(k))
            .flat_map(|(_, s)| &s.instructions)
        {
            let k = i.keyword.as_str();
            if !is_service_mark(i) {
                continue;
            }
            match marks.iter_mut().find(|m| k == "EXPOSE" && m.1 == "EXPOSE") {
                Some(m) => {
                    m.2.push(' ');
                    m.2.push_str(&i.args);
                }
                None => marks.push((i.line_start, k, i.args.clone())),
            }
        }
        let exposes = marks.iter().any(|m| m.1 == "EXPOSE");
        let self_check = self.health_check_runs_entrypoint();
        marks
            .into_iter()
            .map(|(off, k, args)| {
                let mut shown: String = args.chars().take(60).collect();
                if k == "EXPOSE" && shown.len() < args.len() {
                    // Whole ports only.
                    shown.truncate(shown.rfind(' ').unwrap_or(shown.len()));
                    shown.push_str(" ...");
                }
                // A check that asks the program itself (`app ping`) with no
                // port exposed may be a client's command as well as a
                // server's: weak, like a volume.
                let strong = match k {
                    "VOLUME" => false,
                    "HEALTHCHECK" => exposes || !self_check,
                    _ => true,
                };
                let why = if k == "HEALTHCHECK" && !strong {
                    ": the program checks itself and no port is exposed, as a client's image may do"
                } else {
                    ""
                };
                (off, format!("{k} {shown}{why}"), strong)
            })
            .collect()
    }

    /// True when the final stage's `HEALTHCHECK` runs the program its
    /// `ENTRYPOINT` runs (`HEALTHCHECK CMD ["/bin/app", "ping"]` beside
    /// `ENTRYPOINT ["/bin/app"]`).
    fn health_check_runs_entrypoint(&self) -> bool {
        let Some(last) = self.stages.last() else {
            return false;
        };
        let find = |k: &str| last.instructions.iter().rev().find(|i| i.keyword == k);
        let (Some(check), Some(entry)) = (find("HEALTHCHECK"), find("ENTRYPOINT")) else {
            return false;
        };
        let args = check.args.trim_start();
        // The options before `CMD` (`--interval=30s`).
        let Some(i) = args.find("CMD") else {
            return false;
        };
        let checked = instruction_programs(&args[i + 3..]).run;
        let entry = instruction_programs(&entry.args).run;
        checked
            .first()
            .zip(entry.first())
            .is_some_and(|(c, e)| base_name(c) == base_name(e))
    }

    /// Where the image builds with cgo on a CUDA (GPU) base: the program's
    /// memory is then mostly the C libraries' and the device's, which
    /// `GOMEMLIMIT` does not count, and every process it starts inherits the
    /// variable. The offset of the `CGO_ENABLED=1` and the base image.
    pub fn cgo_gpu_runner(&self) -> Option<(usize, String)> {
        let cuda = self.stages.iter().find_map(|s| {
            let image = s.base()?.to_ascii_lowercase();
            (image.contains("cuda") || image.contains("nvidia/")).then_some(image)
        })?;
        let cgo = self.stages.iter().flat_map(|s| &s.instructions).find(|i| {
            (i.keyword == "ENV" || i.keyword == "ARG" || i.keyword == "RUN")
                && i.args.replace(' ', "").contains("CGO_ENABLED=1")
        })?;
        Some((
            cgo.line_start,
            format!("CGO_ENABLED=1 on the CUDA base {cuda}"),
        ))
    }

    /// Every instruction with the stage it belongs to and the folder it runs in
    /// (`WORKDIR`, inherited from a stage named in `FROM`).
    fn steps(&self) -> Vec<Step<'_>> {
        let mut out = vec![];
        // Each named stage's folder and `ENV`s, which a stage built from it keeps.
        let mut stage_dirs: Vec<(Option<String>, String, Vec<(String, String)>)> = vec![];
        for (index, stage) in self.stages.iter().enumerate() {
            let from = stage.base().unwrap_or("");
            let parent = stage_dirs
                .iter()
                .rev()
                .find(|(n, _, _)| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(from)));
            let mut cwd = parent.map_or_else(|| "/".to_string(), |(_, d, _)| d.clone());
            let mut env: Vec<(String, String)> =
                parent.map(|(_, _, e)| e.clone()).unwrap_or_default();
            let mut vars = env.clone();
            for ins in &stage.instructions {
                let ins = match ins.keyword.as_str() {
                    "RUN" | "COPY" | "ADD" | "WORKDIR" | "ENTRYPOINT" | "CMD" => {
                        match substitute(&ins.args, &vars) {
                            Some(args) => std::borrow::Cow::Owned(Instruction {
                                args,
                                ..ins.clone()
                            }),
                            None => std::borrow::Cow::Borrowed(ins),
                        }
                    }
                    _ => std::borrow::Cow::Borrowed(ins),
                };
                match ins.keyword.as_str() {
                    "WORKDIR" => cwd = join_image(&cwd, unquote(ins.args.trim())),
                    "ARG" => {
                        for (n, v) in assignments(&ins) {
                            let v = if v.is_empty() {
                                self.global_args
                                    .iter()
                                    .rev()
                                    .find(|(g, _)| *g == n)
                                    .map(|(_, d)| d.clone())
                                    .unwrap_or_default()
                            } else {
                                v
                            };
                            vars.push((n, v));
                        }
                    }
                    "ENV" => {
                        let set = assignments(&ins);
                        env.extend(set.iter().cloned());
                        vars.extend(set);
                    }
                    _ => {}
                }
                out.push(Step {
                    stage: index,
                    cwd: cwd.clone(),
                    ins,
                });
            }
            stage_dirs.push((stage.name.clone(), cwd, env));
        }
        out
    }

    /// The base names of the programs the image's `ENTRYPOINT` and `CMD` run
    /// (see `run_programs`).
    pub fn run_program_names(
        &self,
        contexts: &[PathBuf],
        read: &dyn Fn(&Path) -> Option<String>,
    ) -> Vec<String> {
        let steps = self.steps();
        let copies = copies(&steps);
        let mut out: Vec<String> = vec![];
        for (p, _) in self.run_programs(&steps, &copies, contexts, read) {
            let name = base_name(&p);
            if !name.is_empty() && !name.contains('$') && !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    /// The programs the image's `ENTRYPOINT` and `CMD` run, each with the
    /// offset of the instruction that starts it: the executable word after
    /// wrappers (`tini --`, `gosu USER`, `sh -c "exec ..."`), `CMD` only when
    /// there is no `ENTRYPOINT` or it waits for a program (`tini --`, a script
    /// that runs `"$@"`): otherwise `CMD` holds the entrypoint's arguments. The
    /// commands of an entrypoint script the image copies from the context
    /// count, and so do absolute paths given to a script as arguments (`/entry.sh
    /// /bin/relay`); a plain word argument (`weed server`) never does.
    fn run_programs(
        &self,
        steps: &[Step<'_>],
        copies: &[CopyIns],
        contexts: &[PathBuf],
        read: &dyn Fn(&Path) -> Option<String>,
    ) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = vec![];
        for stage in 0..self.stages.len() {
            let last = |k: &str| {
                steps
                    .iter()
                    .filter(|s| s.stage == stage && s.ins.keyword == k)
                    .last()
            };
            let (entry, cmd) = (last("ENTRYPOINT"), last("CMD"));
            // The command lines the image runs: (words, offset, the arguments it gets).
            let mut pending: Vec<(super::command::Programs, usize, Vec<String>)> = vec![];
            let cmd_words = cmd.map(|c| exec_words(&c.ins.args)).unwrap_or_default();
            let cmd_programs = cmd.map(|c| (instruction_programs(&c.ins.args), c.ins.line_start));
            match entry {
                Some(e) => {
                    let shell_form = !e.ins.args.trim_start().starts_with('[');
                    let p = instruction_programs(&e.ins.args);
                    // A shell-form ENTRYPOINT ignores CMD.
                    let args = if shell_form { vec![] } else { cmd_words };
                    if (p.runs_args || p.run.is_empty()) && !shell_form {
                        if let Some((cp, off)) = cmd_programs {
                            pending.push((cp, off, vec![]));
                        }
                    }
                    pending.push((p, e.ins.line_start, args));
                }
                None => {
                    if let Some((cp, off)) = cmd_programs {
                        pending.push((cp, off, vec![]));
                    }
                }
            }
            while let Some((p, off, extra)) = pending.pop() {
                let mut args = p.args.clone();
                args.extend(extra.iter().cloned());
                for prog in &p.run {
                    if out.iter().any(|(w, o)| w == prog && *o == off) {
                        continue;
                    }
                    out.push((prog.clone(), off));
                    let Some(text) = self.script_text(prog, copies, contexts, read) else {
                        if prog.ends_with(".sh") {
                            // An unknown script: a binary's path given to it.
                            for a in args.iter().filter(|a| a.starts_with('/')) {
                                out.push((a.clone(), off));
                            }
                        }
                        continue;
                    };
                    let sp = super::command::of_script(&text);
                    for a in args.iter().filter(|a| a.starts_with('/')) {
                        out.push((a.clone(), off));
                    }
                    if sp.runs_args && !args.is_empty() {
                        pending.push((super::command::of_exec(&args), off, vec![]));
                    }
                    out.extend(sp.run.into_iter().map(|w| (w, off)));
                }
            }
        }
        out
    }

    /// The text of the script `prog` when the image copies it from the context.
    fn script_text(
        &self,
        prog: &str,
        copies: &[CopyIns],
        contexts: &[PathBuf],
        read: &dyn Fn(&Path) -> Option<String>,
    ) -> Option<String> {
        if prog.starts_with('-') || prog.starts_with('$') {
            return None;
        }
        let wanted = base_name(prog);
        for c in copies {
            for src in &c.sources {
                let dest = if c.dest_dir {
                    format!("{}/{}", c.dest.trim_end_matches('/'), base_name(src))
                } else {
                    c.dest.clone()
                };
                if base_name(&dest) != wanted {
                    continue;
                }
                let rel = match &c.from {
                    None => Some(src.clone()),
                    Some(_) if src.starts_with('/') => image_to_context(src, copies),
                    Some(_) => None,
                };
                let Some(rel) = rel else { continue };
                if let Some(text) = contexts
                    .iter()
                    .find_map(|ctx| read(&normalize(&ctx.join(&rel))))
                {
                    return Some(text);
                }
            }
        }
        None
    }

    /// The edit adding `ENV GOMEMLIMIT=<mib>MiB` (with a comment line above) to
    /// the final stage, before its first `ENTRYPOINT` or `CMD`, else at its end.
    pub fn env_edit(&self, mib: u64, comment: &str) -> Option<Edit> {
        let last = self.stages.last()?;
        let target = last
            .instructions
            .iter()
            .find(|i| i.keyword == "ENTRYPOINT" || i.keyword == "CMD");
        let lines = format!("# {comment}\nENV GOMEMLIMIT={mib}MiB\n");
        Some(match target {
            Some(ins) => Edit::new(ins.line_start, ins.line_start, lines),
            None => {
                let end = self.text.len();
                let sep = if self.text.ends_with('\n') || self.text.is_empty() {
                    ""
                } else {
                    "\n"
                };
                Edit::new(end, end, format!("{sep}{lines}"))
            }
        })
    }
}

/// What a Dockerfile says about one main package (see [`Dockerfile::tie`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tie {
    None,
    Builds,
    Runs,
    Library,
}

struct Step<'a> {
    stage: usize,
    cwd: String,
    /// The instruction, with the values its stage's `ARG` defaults and
    /// `ENV`s give its variables written in (`go build ./cmd/${CMD}` after
    /// `ARG CMD=agent` reads `go build ./cmd/agent`).
    ins: std::borrow::Cow<'a, Instruction>,
}

/// The `NAME=value` pairs of an `ARG` or `ENV` instruction (`ENV NAME value`
/// too), values unquoted; a bare `ARG NAME` gives an empty value (the
/// global default, if any, is taken by the caller).
fn assignments(ins: &Instruction) -> Vec<(String, String)> {
    let words = shell_words(&ins.args);
    if ins.keyword == "ENV" && words.len() == 2 && !words[0].contains('=') {
        return vec![(words[0].clone(), words[1].clone())];
    }
    words
        .iter()
        .filter(|w| !w.starts_with('-'))
        .map(|w| match w.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => (w.to_string(), String::new()),
        })
        .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .collect()
}

/// `args` with each `$NAME` and `${NAME}` of `vars` (whose value is known,
/// plain and not empty) replaced by its value.
fn substitute(args: &str, vars: &[(String, String)]) -> Option<String> {
    if !args.contains('$') {
        return None;
    }
    let mut out = args.to_string();
    let mut changed = false;
    for (name, value) in vars.iter().rev() {
        if value.is_empty() || value.contains('$') || value.contains(char::is_whitespace) {
            continue;
        }
        let braced = format!("${{{name}}}");
        if out.contains(&braced) {
            out = out.replace(&braced, value);
            changed = true;
        }
        let bare = format!("${name}");
        let mut rest = out.as_str();
        let mut rewritten = String::new();
        while let Some(i) = rest.find(&bare) {
            let after = rest[i + bare.len()..].chars().next();
            rewritten.push_str(&rest[..i]);
            if after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                rewritten.push_str(&bare);
            } else {
                rewritten.push_str(value);
                changed = true;
            }
            rest = &rest[i + bare.len()..];
        }
        rewritten.push_str(rest);
        out = rewritten;
    }
    changed.then_some(out)
}

/// A `COPY` or `ADD`: its sources (context paths, or image paths of another
/// stage with `--from`) and its destination in the image.
struct CopyIns {
    /// The stage it belongs to.
    stage: usize,
    from: Option<String>,
    sources: Vec<String>,
    dest: String,
    dest_dir: bool,
}

fn copies(steps: &[Step<'_>]) -> Vec<CopyIns> {
    let mut out = vec![];
    for s in steps {
        if s.ins.keyword != "COPY" && s.ins.keyword != "ADD" {
            continue;
        }
        let mut from = None;
        let mut words = vec![];
        for w in exec_words(&s.ins.args) {
            if let Some(f) = w.strip_prefix("--") {
                if let Some(v) = f.strip_prefix("from=") {
                    from = Some(v.to_string());
                }
                continue;
            }
            words.push(w);
        }
        if words.len() < 2 {
            continue;
        }
        let dest_raw = words.pop().unwrap_or_default();
        // A context path is relative to the context whatever it starts with
        // (`COPY /script/entry.sh /` copies the context's `script/entry.sh`);
        // another stage's path (`--from`) is that image's.
        let sources: Vec<String> = words
            .into_iter()
            .filter(|w| !w.contains("://"))
            .map(|w| match &from {
                None if w.starts_with('/') && w != "/" => w.trim_start_matches('/').to_string(),
                _ => w,
            })
            .collect();
        if sources.is_empty() {
            continue;
        }
        let dest_dir = dest_raw.ends_with('/') || dest_raw == "." || sources.len() > 1;
        out.push(CopyIns {
            stage: s.stage,
            from,
            dest: join_image(&s.cwd, &dest_raw),
            dest_dir,
            sources,
        });
    }
    // A destination several copies of one stage write to is a folder that
    // holds them all (`COPY start.sh /home/app` and `COPY app /home/app`), not
    // one file; other stages are other images.
    let dests: Vec<(usize, String)> = out.iter().map(|c| (c.stage, c.dest.clone())).collect();
    for c in out.iter_mut() {
        let same = dests
            .iter()
            .filter(|(stage, d)| *stage == c.stage && *d == c.dest)
            .count();
        if same > 1 {
            c.dest_dir = true;
        }
    }
    out
}

/// The context path (relative, `/`-separated) that the image path `path` holds,
/// through the `COPY`s from the context; None when no copy puts it there.
fn image_to_context(path: &str, copies: &[CopyIns]) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for c in copies.iter().filter(|c| c.from.is_none()) {
        for src in &c.sources {
            // `COPY cmd/manager/*.go ./`: that folder's Go files, and so its
            // package, land in the destination.
            let go_files_of = src
                .strip_suffix("/*.go")
                .filter(|d| !d.contains('*') && !d.contains('$'));
            let src = go_files_of.unwrap_or(src);
            if src.contains('*') || src.contains('$') {
                continue;
            }
            // A folder's contents land in the destination; a file lands in it
            // when it is a folder (`COPY go.mod go.sum ./` puts `/app/go.mod`
            // there, and says nothing of what `/app` itself holds).
            let places = if !c.dest_dir || go_files_of.is_some() {
                vec![c.dest.clone()]
            } else if looks_like_file(src) {
                vec![join_image(&c.dest, &base_name(src))]
            } else {
                vec![c.dest.clone(), join_image(&c.dest, &base_name(src))]
            };
            for img in places {
                let rest = if path == img {
                    Some("")
                } else if img == "/" {
                    path.strip_prefix('/')
                } else {
                    path.strip_prefix(&img).and_then(|r| r.strip_prefix('/'))
                };
                let Some(rest) = rest else { continue };
                // The deepest place wins; at the same depth the later copy,
                // which writes over the earlier one.
                if best.as_ref().is_some_and(|(len, _)| *len > img.len()) {
                    continue;
                }
                let src = src.trim_start_matches("./").trim_end_matches('/');
                let rel = match (src, rest) {
                    ("" | ".", r) => r.to_string(),
                    (s, "") => s.to_string(),
                    (s, r) => format!("{s}/{r}"),
                };
                best = Some((img.len(), rel));
            }
        }
    }
    best.map(|(_, rel)| rel)
}

/// True when a `COPY` source names a file rather than a folder, by its name:
/// `go.mod`, `main.go`, `config.yaml`, `Makefile`. A folder name with a dot
/// (`pkg.v2`) is taken for a file, which only loses the folder's contents.
fn looks_like_file(src: &str) -> bool {
    let name = base_name(src.trim_end_matches('/'));
    if src.ends_with('/') || name.is_empty() || name == "." || name == ".." {
        return false;
    }
    let dotted = name.chars().skip(1).any(|c| c == '.');
    dotted
        || matches!(
            name.as_str(),
            "Makefile" | "LICENSE" | "VERSION" | "Dockerfile"
        )
}

/// True when the `go build` target `t`, run in image folder `cwd`, names `pkg`
/// (itself, or a pattern covering it).
fn target_match(
    t: &str,
    cwd: &str,
    copies: &[CopyIns],
    contexts: &[PathBuf],
    pkg: &MainPackage,
) -> bool {
    let (base, pattern) = match t.strip_suffix("/...") {
        Some(b) => (b, true),
        None if t == "..." => (".", true),
        None => (t, false),
    };
    if base.contains("...") || base.contains('$') {
        return false;
    }
    // Go files are always paths (`go build -o app cmd/app/main.go`).
    let files_folder = super::build::go_files_folder(base);
    if !(base.starts_with('.') || base.starts_with('/') || files_folder.is_some()) {
        // An import path, with an optional `@version`.
        let base = base.split('@').next().unwrap_or(base);
        let named = if pattern {
            super::gocode::is_under(&pkg.import_path, base)
        } else {
            base == pkg.import_path
        };
        if named {
            return true;
        }
        // GOPATH mode (no go.mod; the golang images' GOPATH is /go): the
        // import path is the folder under /go/src/ that a COPY fills
        // (`WORKDIR /go/src/github.com/acme/app`, `COPY cmd/ cmd/`).
        let Some(rel) = image_to_context(&join_image("/go/src", base), copies) else {
            return false;
        };
        return contexts.iter().any(|c| {
            let p = normalize(&c.join(&rel));
            if pattern {
                pkg.dir.starts_with(&p)
            } else {
                p == pkg.dir
            }
        });
    }
    let folder = files_folder.unwrap_or(base);
    let img = join_image(cwd, folder);
    // No copy puts the sources there (a bind mount of the context, `ADD` of a
    // URL): a relative target is then read from the context's root.
    let rel = match image_to_context(&img, copies) {
        Some(rel) => rel,
        None if !folder.starts_with('/') => join_image("/", folder)[1..].to_string(),
        None => return false,
    };
    contexts.iter().any(|c| {
        let p = normalize(&c.join(&rel));
        if pattern {
            pkg.dir.starts_with(&p)
        } else {
            p == pkg.dir
        }
    })
}

/// Adds the names `COPY` gives a binary whose name is in `names`
/// (`COPY --from=build /out/orders /app` adds `app`), and those of the links
/// made to it (`RUN ln -s hyper /lvmd` adds `lvmd`: a program that reads
/// the name it is started by runs as that one).
fn follow_renames(names: &mut Vec<String>, copies: &[CopyIns], links: &[(String, String)]) {
    for _ in 0..3 {
        let mut added = false;
        for (target, link) in links {
            if !names.contains(link) && names.iter().any(|n| names_binary(target, n)) {
                names.push(link.clone());
                added = true;
            }
        }
        for c in copies.iter().filter(|c| !c.dest_dir) {
            let dest = base_name(&c.dest);
            if dest.is_empty() || names.contains(&dest) {
                continue;
            }
            if c.sources
                .iter()
                .any(|s| names.iter().any(|n| names_binary(s, n)))
            {
                names.push(dest);
                added = true;
            }
        }
        if !added {
            break;
        }
    }
}

/// True when an instruction says the image serves: `EXPOSE`, `VOLUME`, or a
/// `HEALTHCHECK` that checks something (`HEALTHCHECK NONE` turns off the base
/// image's check: a short-lived job's image says so).
fn is_service_mark(i: &Instruction) -> bool {
    match i.keyword.as_str() {
        "EXPOSE" | "VOLUME" => true,
        "HEALTHCHECK" => !i.args.trim().eq_ignore_ascii_case("none"),
        _ => false,
    }
}

/// Words of a binary's file name that say which build it is, not what it is:
/// `orders-linux-amd64`, `vmagent-prod`, `api-${TARGETARCH}`, `etcd-v3.6`.
const VARIANT_WORDS: &[&str] = &[
    "linux", "amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64", "loong64", "mips64le",
    "x86", "x64", "aarch64", "static", "prod", "release", "debug", "race", "bin", "nightly",
    "latest", "musl", "gnu", "cgo", "nocgo", "v1", "v2",
];

/// Words of an image's name that say what it is built on, not what it runs:
/// `antrea/antrea-controller-ubuntu`, `acme/operator-ubi9`.
const BASE_WORDS: &[&str] = &[
    "windows",
    "ubuntu",
    "debian",
    "alpine",
    "distroless",
    "ubi",
    "ubi8",
    "ubi9",
    "rhel",
];

/// True when the path or command word `word` is the binary `binary`: its base
/// name is the binary's name, maybe with `.exe` or platform and variant words
/// after it.
pub fn names_binary(word: &str, binary: &str) -> bool {
    if binary.is_empty() {
        return false;
    }
    let w = base_name(unquote(word));
    let w = w.strip_suffix(".exe").unwrap_or(&w);
    // A folder's underscore is an image's hyphen (`cmd/metrics_exporter`
    // runs as `/metrics-exporter`).
    if w == binary || (w.contains('-') && binary.contains('_') && w == binary.replace('_', "-")) {
        return true;
    }
    let Some(rest) = w
        .strip_prefix(binary)
        .and_then(|r| r.strip_prefix(['-', '_', '.']))
    else {
        return false;
    };
    rest.split(['-', '_', '.']).enumerate().all(|(i, t)| {
        let t = t.find('$').map_or(t, |i| &t[..i]);
        // A glob after a variant word (`COPY proxy-linux-* /proxy`).
        (t == "*" && i > 0)
            || t.is_empty()
            || VARIANT_WORDS.contains(&t)
            || BASE_WORDS.contains(&t)
            || t.bytes().all(|b| b.is_ascii_digit())
            || (t.starts_with('v') && t.len() > 1 && t[1..].bytes().all(|b| b.is_ascii_digit()))
    })
}

fn unquote(s: &str) -> &str {
    s.trim_matches(|c| c == '"' || c == '\'')
}

/// `p` joined to the image folder `cwd` (unless absolute), with `.` and `..` resolved.
fn join_image(cwd: &str, p: &str) -> String {
    let full = if p.starts_with('/') {
        p.to_string()
    } else {
        format!("{cwd}/{p}")
    };
    let mut parts: Vec<&str> = vec![];
    for seg in full.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// A host path with `.` and `..` resolved without touching the disk.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn base_name(p: &str) -> String {
    let p = p.trim_end_matches('/');
    p.rsplit('/').next().unwrap_or(p).to_string()
}

/// A go build or go install command.
struct GoBuild {
    /// Offset of the `RUN` instruction.
    line_start: usize,
    /// The image folder it runs in (after `cd` and `-C`).
    cwd: String,
    install: bool,
    /// Package arguments (`.` when none is given).
    targets: Vec<String>,
    output: Option<String>,
    buildmode: Option<String>,
    /// The make targets whose recipe runs it (`RUN make build`), when a
    /// Makefile's build rather than the `RUN` itself.
    make: Option<String>,
}

impl GoBuild {
    /// Whether it writes executables: `go install`, `-o` a folder, or `go build`
    /// of one package (of several it only compiles).
    fn writes(&self) -> bool {
        self.install
            || self.output.as_ref().is_some_and(|o| o.ends_with('/'))
            || (self.targets.len() == 1 && !self.targets[0].contains("..."))
    }

    fn is_library(&self) -> bool {
        matches!(
            self.buildmode.as_deref(),
            Some("c-shared" | "c-archive" | "plugin" | "archive" | "shared")
        )
    }

    fn output_name(&self) -> Option<String> {
        self.output
            .as_ref()
            .filter(|o| !o.ends_with('/'))
            .map(|o| base_name(o))
    }
}

fn is_separator(w: &str) -> bool {
    matches!(
        w,
        "&&" | "||" | ";" | "|" | "then" | "do" | "else" | "(" | ")" | "{" | "}" | "exec"
    )
}

/// The words of a shell command line, with `;`, `(` and `)` split off and
/// quotes removed: a quoted string is one word (`-ldflags "-X a.b=c -s -w"`
/// gives the flag its one value), and `$(...)` stays inside its word, spaces
/// and all.
pub(super) fn shell_words(line: &str) -> Vec<String> {
    let mut out = vec![];
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    // Parentheses opened inside the current word (`$(GO)`, `$(shell x)`).
    let mut depth = 0usize;
    let mut chars = line.chars().peekable();
    let flush = |word: &mut String, in_word: &mut bool, out: &mut Vec<String>| {
        if *in_word {
            out.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"') | None, '\\') => {
                in_word = true;
                if let Some(d) = chars.next() {
                    word.push(d);
                }
            }
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            // A command substitution is one word, spaces and all (`-X
            // v=$(shell git describe --tags)`, a quote closed before it).
            (None, c) if c.is_whitespace() && depth > 0 && word.contains("$(") => word.push(c),
            (None, c) if c.is_whitespace() => {
                flush(&mut word, &mut in_word, &mut out);
                depth = 0;
            }
            (None, '(') if in_word => {
                depth += 1;
                word.push(c);
            }
            (None, ')') if depth > 0 => {
                depth -= 1;
                word.push(c);
            }
            (None, '(' | ')' | ';') => {
                flush(&mut word, &mut in_word, &mut out);
                depth = 0;
                out.push(c.to_string());
            }
            (None, c) => {
                in_word = true;
                word.push(c);
            }
        }
    }
    flush(&mut word, &mut in_word, &mut out);
    out
}

/// The `go build` flag at `words[*j]` (`-o`, `--o=x`): its name in one-dash
/// form and its value, unquoted, from `-flag=value` or, for a flag that takes
/// one, the next word (`*j` is then moved onto it); None for a word that is
/// no flag. The one reading of `go build` flags: Dockerfiles, Makefiles and
/// scripts.
pub(super) fn go_flag(words: &[String], j: &mut usize) -> Option<(String, Option<String>)> {
    let flag = words.get(*j)?.strip_prefix('-')?;
    let name = format!("-{}", flag.trim_start_matches('-'));
    let (name, inline) = match name.split_once('=') {
        Some((n, v)) => (n.to_string(), Some(v.to_string())),
        None => (name, None),
    };
    let value = if inline.is_none() && FLAGS_WITH_VALUE.contains(&name.as_str()) {
        *j += 1;
        words.get(*j).cloned()
    } else {
        inline
    };
    Some((name, value.map(|v| unquote(&v).to_string())))
}

/// One shell command of a `RUN` step: its words (up to the next `&&`, `;`,
/// `|`...) and the folder it runs in (`WORKDIR`, then any `cd` before it in
/// the same `RUN`).
struct RunCommand<'s> {
    line_start: usize,
    cwd: String,
    words: &'s [String],
}

/// Splits every `RUN` step of `steps` that `wanted` accepts (by its text)
/// into its commands, for `f`.
fn for_each_run_command(
    steps: &[Step<'_>],
    wanted: impl Fn(&str) -> bool,
    mut f: impl FnMut(RunCommand<'_>),
) {
    for s in steps
        .iter()
        .filter(|s| s.ins.keyword == "RUN" && wanted(&s.ins.args))
    {
        let words = shell_words(&s.ins.args);
        let mut cwd = s.cwd.clone();
        let mut start = 0;
        while start < words.len() {
            let end = (start..words.len())
                .find(|&j| is_separator(&words[j]))
                .unwrap_or(words.len());
            let command = &words[start..end];
            if command.first().map(String::as_str) == Some("cd") {
                if let Some(d) = command.get(1) {
                    cwd = join_image(&cwd, d);
                }
            }
            if !command.is_empty() {
                f(RunCommand {
                    line_start: s.ins.line_start,
                    cwd: cwd.clone(),
                    words: command,
                });
            }
            start = end + 1;
        }
    }
}

/// The links `RUN ln [-s] TARGET LINK` makes, as (target, link) base names
/// (`ln -s hyper /lvmd` gives (`hyper`, `lvmd`)): the same program under
/// another name, which a multi-call binary reads (`os.Args[0]`) to choose
/// what it runs.
fn links(steps: &[Step<'_>]) -> Vec<(String, String)> {
    let mut out = vec![];
    for_each_run_command(
        steps,
        |a| a.contains("ln "),
        |c| {
            let w = c.words;
            if w.first().map(String::as_str) != Some("ln") {
                return;
            }
            let args: Vec<&String> = w[1..].iter().filter(|x| !x.starts_with('-')).collect();
            let [target, link] = args[..] else {
                return;
            };
            let target_name = base_name(target);
            let link_name = if link.ends_with('/') {
                target_name.clone()
            } else {
                base_name(link)
            };
            let plain = |n: &str| !n.is_empty() && !n.contains('$') && n != "." && n != "..";
            if plain(&target_name) && plain(&link_name) && target_name != link_name {
                out.push((target_name, link_name));
            }
        },
    );
    out
}

/// The `go build` and `go install` commands of the `RUN` steps, each with the
/// folder it runs in (`WORKDIR`, then any `cd` before it in the same `RUN`).
fn go_builds(steps: &[Step<'_>]) -> Vec<GoBuild> {
    let mut out = vec![];
    for_each_run_command(
        steps,
        |_| true,
        |c| {
            let words = c.words;
            let mut i = 0;
            while i < words.len() {
                let w = words[i].as_str();
                // `xx-go` (tonistiigi/xx) is `go` set up to cross-compile.
                let is_go = w == "go" || w.ends_with("/go") || w == "xx-go";
                let verb = words.get(i + 1).map(String::as_str);
                if !(is_go && matches!(verb, Some("build" | "install"))) {
                    i += 1;
                    continue;
                }
                let mut cmd = GoBuild {
                    line_start: c.line_start,
                    cwd: c.cwd.clone(),
                    install: verb == Some("install"),
                    targets: vec![],
                    output: None,
                    buildmode: None,
                    make: None,
                };
                let mut j = i + 2;
                while j < words.len() {
                    let w = words[j].as_str();
                    if w == "\\" {
                        break;
                    }
                    if let Some((name, value)) = go_flag(words, &mut j) {
                        match name.as_str() {
                            "-o" => cmd.output = value,
                            "-buildmode" => cmd.buildmode = value,
                            "-C" => {
                                if let Some(d) = value {
                                    cmd.cwd = join_image(&cmd.cwd, &d);
                                }
                            }
                            _ => {}
                        }
                    } else {
                        cmd.targets.push(w.to_string());
                    }
                    j += 1;
                }
                if cmd.targets.is_empty() {
                    cmd.targets.push(".".to_string());
                }
                out.push(cmd);
                i = j;
            }
        },
    );
    out
}

/// The builds a `RUN make TARGET...` runs (`RUN GOOS=linux make build`): the
/// recipes of those targets in the Makefile of the context folder the `RUN`'s
/// folder holds (through the `COPY`s), read as the build model reads
/// Makefiles (`build::make_target_builds`), each run where its recipe runs
/// in the image. `make -C DIR`/`-f FILE` and `make` of the default goal are
/// left out.
fn make_builds(
    steps: &[Step<'_>],
    copies: &[CopyIns],
    contexts: &[PathBuf],
    read: &dyn Fn(&Path) -> Option<String>,
) -> Vec<GoBuild> {
    let mut out = vec![];
    for_each_run_command(
        steps,
        |args| args.contains("make"),
        |c| {
            // `GOOS=linux make build`: assignments before the command.
            let words: Vec<&str> = c
                .words
                .iter()
                .map(String::as_str)
                .skip_while(|w| w.contains('=') && !w.starts_with('-'))
                .collect();
            if !matches!(words.first(), Some(&("make" | "gmake"))) {
                return;
            }
            let mut targets = vec![];
            let mut overrides = vec![];
            let mut elsewhere = false;
            for a in &words[1..] {
                if a.starts_with("-C")
                    || a.starts_with("-f")
                    || a.starts_with("--directory")
                    || a.starts_with("--file")
                    || a.starts_with("--makefile")
                {
                    elsewhere = true;
                } else if let Some((k, v)) = a.split_once('=').filter(|_| !a.starts_with('-')) {
                    overrides.push((k.to_string(), v.to_string()));
                } else if !a.starts_with('-') && !a.contains('$') {
                    targets.push(a.to_string());
                }
            }
            if elsewhere || targets.is_empty() {
                return;
            }
            let Some(rel) = image_to_context(&c.cwd, copies) else {
                return;
            };
            let Some(text) = contexts
                .iter()
                .find_map(|ctx| read(&normalize(&ctx.join(&rel).join("Makefile"))))
            else {
                return;
            };
            for (sub, target, output) in
                super::build::make_target_builds(&text, &targets, &overrides)
            {
                let at = if sub.is_empty() {
                    c.cwd.clone()
                } else {
                    join_image(&c.cwd, &sub)
                };
                out.push(GoBuild {
                    line_start: c.line_start,
                    cwd: at,
                    install: false,
                    targets: vec![target],
                    output,
                    buildmode: None,
                    make: Some(targets.join(" ")),
                });
            }
        },
    );
    out
}

/// The words of an exec-form (`["/app", "-x"]`) or shell-form argument list.
fn exec_words(args: &str) -> Vec<String> {
    let t = args.trim();
    if let Some(inner) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return inner
            .split(',')
            .map(|w| w.trim().trim_matches('"').to_string())
            .filter(|w| !w.is_empty())
            .collect();
    }
    t.split_whitespace().map(str::to_string).collect()
}

/// The programs of an `ENTRYPOINT` or `CMD`: exec form as a list, shell form
/// as the script `/bin/sh -c` runs.
fn instruction_programs(args: &str) -> super::command::Programs {
    if args.trim_start().starts_with('[') {
        super::command::of_exec(&exec_words(args))
    } else {
        super::command::of_script(args)
    }
}

/// The instructions of a Dockerfile, with line continuations joined and
/// comment lines (also inside continuations) skipped.
fn instructions(text: &str) -> Vec<Instruction> {
    let mut out = vec![];
    let mut current: Option<Instruction> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        let (body, continues) = match trimmed.strip_suffix('\\') {
            Some(b) => (b.trim(), true),
            None => (trimmed, false),
        };
        match current.as_mut() {
            Some(ins) => {
                if !body.is_empty() {
                    ins.args.push(' ');
                    ins.args.push_str(body);
                }
            }
            None => {
                if body.is_empty() {
                    continue;
                }
                let (keyword, args) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
                current = Some(Instruction {
                    keyword: keyword.to_ascii_uppercase(),
                    args: args.trim().to_string(),
                    line_start: start,
                });
            }
        }
        if !continues {
            if let Some(ins) = current.take() {
                out.push(ins);
            }
        }
    }
    out.extend(current);
    out
}

/// True for the file names Docker and its users give Dockerfiles:
/// `Dockerfile`, `Dockerfile.prod`, `Dockerfile-exporter`, `api.Dockerfile`
/// (any case).
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let not_one = [".dockerignore", ".md", ".txt", ".bak", ".orig", ".swp"];
    if not_one.iter().any(|s| lower.ends_with(s)) {
        return false;
    }
    // Podman and Buildah call it a Containerfile, named the same ways.
    ["dockerfile", "containerfile"].iter().any(|base| {
        lower == *base
            || lower.starts_with(&format!("{base}."))
            || lower.starts_with(&format!("{base}-"))
            || lower.starts_with(&format!("{base}_"))
            || lower.ends_with(&format!(".{base}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::apply_edits;
    use crate::package::Files;

    const MULTI: &str = "\
# syntax=docker/dockerfile:1
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -trimpath \\
    -ldflags='-s -w' -o /out/orders ./services/orders

FROM gcr.io/distroless/static
COPY --from=build /out/orders /orders
USER nonroot
ENTRYPOINT [\"/orders\", \"-listen=:8080\"]
";

    /// The tie of `text` (a Dockerfile at the root of a repository `/r`) to the
    /// main package in `/r/<rel>` of module `example.com/r`; `scripts` are
    /// files of the context.
    fn tie_of(text: &str, rel: &str, scripts: &[(&str, &str)]) -> Tie {
        let d = Dockerfile::parse(Path::new("/r/Dockerfile"), text);
        let pkg = MainPackage::new(
            &Files::default(),
            &Path::new("/r").join(rel),
            Path::new("/r"),
            "example.com/r",
        );
        let read = |p: &Path| {
            scripts
                .iter()
                .find(|(name, _)| Path::new("/r").join(name) == p)
                .map(|(_, t)| t.to_string())
        };
        d.tie(&pkg, &[PathBuf::from("/r")], &read)
    }

    #[test]
    fn ties_what_it_builds_and_runs() {
        let d = Dockerfile::parse(Path::new("Dockerfile"), MULTI);
        assert_eq!(d.stages.len(), 2);
        assert_eq!(d.stages[0].name.as_deref(), Some("build"));
        assert!(!d.sets_gomemlimit() && !d.is_service_image());
        assert_eq!(tie_of(MULTI, "services/orders", &[]), Tie::Runs);
        assert_eq!(tie_of(MULTI, "services/billing", &[]), Tie::None);
        assert_eq!(tie_of(MULTI, "", &[]), Tie::None);
        // A toolchain image beside the code builds and runs nothing.
        assert_eq!(
            tie_of("FROM golang:1.23\nRUN apt-get update\n", "", &[]),
            Tie::None
        );
    }

    #[test]
    fn go_files_are_paths_and_its_own_builds_decide() {
        // `go build -o NAME cmd/x/main.go` builds cmd/x: the image runs it.
        let files = "FROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o server cmd/api/main.go && go build -o worker cmd/jobs/main.go\nFROM alpine\nCOPY --from=build /src/server /usr/bin/server\nCMD [\"server\"]\n";
        assert_eq!(tie_of(files, "cmd/api", &[]), Tie::Runs);
        assert_eq!(tie_of(files, "cmd/jobs", &[]), Tie::None);
        assert_eq!(tie_of(files, "cmd/other", &[]), Tie::None);
    }

    #[test]
    fn an_image_that_defaults_to_help_is_a_tool() {
        let tool = "FROM alpine\nCOPY site /usr/bin/site\nVOLUME /work\nEXPOSE 1414\nENTRYPOINT [\"/usr/bin/site\"]\nCMD [ \"--help\" ]\n";
        assert!(!Dockerfile::parse(Path::new("Dockerfile"), tool).is_service_image());
        let shell_form = tool.replace("CMD [ \"--help\" ]", "CMD version");
        assert!(!Dockerfile::parse(Path::new("Dockerfile"), &shell_form).is_service_image());
        // A server whose default arguments do real work is a service.
        let server = tool.replace(
            "CMD [ \"--help\" ]",
            "CMD [\"serve\", \"--help-url=/docs\"]",
        );
        assert!(Dockerfile::parse(Path::new("Dockerfile"), &server).is_service_image());
        // Only the final stage's command counts.
        let staged = format!("FROM golang AS b\nCMD [\"--help\"]\n{}", server);
        assert!(Dockerfile::parse(Path::new("Dockerfile"), &staged).is_service_image());
    }

    #[test]
    fn a_program_alone_by_cmd_runs_without_arguments() {
        let d = |t: &str| Dockerfile::parse(Path::new("Dockerfile"), t);
        assert!(d("FROM a\nCMD [\"/usr/local/bin/pint\"]\n").runs_without_arguments());
        assert!(d("FROM a\nCMD /usr/local/bin/pint\n").runs_without_arguments());
        assert!(
            d("FROM a\nENTRYPOINT [\"tini\", \"--\"]\nCMD [\"/pint\"]\n").runs_without_arguments()
        );
        assert!(!d("FROM a\nCMD [\"/pint\", \"watch\"]\n").runs_without_arguments());
        // An entrypoint takes its arguments when the image runs.
        assert!(!d("FROM a\nENTRYPOINT [\"/directpv\"]\n").runs_without_arguments());
        // Only the final stage counts.
        assert!(
            !d("FROM a AS b\nCMD [\"/x\"]\nFROM c\nCMD [\"/x\", \"serve\"]\n")
                .runs_without_arguments()
        );
    }

    #[test]
    fn resolves_build_paths_from_the_working_folder() {
        // `.` from a WORKDIR that the copy maps to a package folder.
        let text = "FROM golang AS b\nWORKDIR /src\nCOPY . .\nWORKDIR /src/cmd/api\nRUN go build -o /out/svc .\nFROM scratch\nCOPY --from=b /out/svc /svc\n";
        assert_eq!(tie_of(text, "cmd/api", &[]), Tie::Builds);
        assert_eq!(tie_of(text, "", &[]), Tie::None);
        // `cd` inside the RUN, and `-C`.
        let text =
            "FROM golang\nCOPY ./ /go/src/app/\nRUN cd /go/src/app/tools/gen && go build -o /gen\n";
        assert_eq!(tie_of(text, "tools/gen", &[]), Tie::Builds);
        // GOPATH mode: an import path under /go/src/ that the copies fill.
        let text = "FROM golang:1.12 AS b\nWORKDIR /go/src/github.com/acme/keeper\nCOPY pkg/ pkg/\nCOPY cmd/ cmd/\nRUN go build -o keeper github.com/acme/keeper/cmd/manager\nFROM alpine\nWORKDIR /bin\nCOPY --from=b /go/src/github.com/acme/keeper/keeper .\nENTRYPOINT [\"/bin/keeper\"]\n";
        assert_eq!(tie_of(text, "cmd/manager", &[]), Tie::Runs);
        assert_eq!(tie_of(text, "cmd/other", &[]), Tie::None);
        // Commands on continued lines, each after a `;\`.
        let text = "FROM golang AS b\nWORKDIR /app\nCOPY . .\nRUN set -e ;\\\n    go test ./pkg/...;\\\n    cd cmd/costd;\\\n    GOOS=linux \\\n    go build -o /go/bin/app\nFROM alpine\nCOPY --from=b /go/bin/app /go/bin/app\nENTRYPOINT [\"/go/bin/app\"]\n";
        assert_eq!(tie_of(text, "cmd/costd", &[]), Tie::Runs);
        // The module files copied first, for the download cache, then the rest.
        let text = "FROM golang:1.22 AS build\nWORKDIR /app\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o main\nFROM gcr.io/distroless/static\nCOPY --from=build /app/main /app/main\nEXPOSE 8080\nENTRYPOINT [\"/app/main\"]\n";
        assert_eq!(tie_of(text, "", &[]), Tie::Runs);
        let one = text.replace("COPY go.mod go.sum ./", "COPY go.mod ./");
        assert_eq!(tie_of(&one, "", &[]), Tie::Runs);
        let after = text.replace("COPY . .\n", "").replace(
            "RUN go mod download\n",
            "COPY . .\nCOPY go.mod go.sum ./\nRUN go mod download\n",
        );
        assert_eq!(tie_of(&after, "", &[]), Tie::Runs);
        assert_eq!(tie_of(text, "cmd/other", &[]), Tie::None);
        let text = "FROM golang\nWORKDIR /w\nCOPY . .\nRUN go build -C cmd/worker -o /bin/worker\n";
        assert_eq!(tie_of(text, "cmd/worker", &[]), Tie::Builds);
        // A quoted flag value is one word: `-s -w` inside it are not flags,
        // nor `main.rev=...` a package.
        let text = "FROM golang\nADD backend /b/backend\nWORKDIR /b/backend\nRUN v=\"$(/x/ver.sh)\" && go build -o svc -ldflags \"-X main.rev=${v} -s -w\" ./app\n";
        assert_eq!(tie_of(text, "backend/app", &[]), Tie::Builds);
        assert_eq!(
            shell_words("go build -ldflags '-X a=b' $(GO_FLAGS) (cd x; y)"),
            [
                "go",
                "build",
                "-ldflags",
                "-X a=b",
                "$(GO_FLAGS)",
                "(",
                "cd",
                "x",
                ";",
                "y",
                ")"
            ]
        );
        // An import path, with a version.
        let text = "FROM golang\nRUN go install example.com/r/cmd/tool@v1.2.0\n";
        assert_eq!(tie_of(text, "cmd/tool", &[]), Tie::Builds);
        assert_eq!(tie_of(text, "cmd/other", &[]), Tie::None);
    }

    #[test]
    fn patterns_cover_the_packages_below_them_only() {
        let text = "FROM golang\nWORKDIR /src\nCOPY . .\nRUN go install ./cmd/...\n";
        assert_eq!(
            tie_of(text, "cmd/one", &[]),
            Tie::None,
            "many tools, no entrypoint"
        );
        let with_entry = format!("{text}ENTRYPOINT [\"/go/bin/one\"]\n");
        assert_eq!(tie_of(&with_entry, "cmd/one", &[]), Tie::Runs);
        assert_eq!(
            tie_of(&with_entry, "", &[]),
            Tie::None,
            "the main beside cmd/"
        );
        assert_eq!(tie_of(&with_entry, "cmd/two", &[]), Tie::None);
        // `go build` of a pattern only compiles: it writes no binary.
        let text = "FROM golang\nWORKDIR /src\nCOPY . .\nRUN go build ./...\n";
        assert_eq!(tie_of(text, "cmd/one", &[]), Tie::None);
    }

    #[test]
    fn build_outputs_are_the_names_go_build_writes() {
        let d = Dockerfile::parse(
            Path::new("Dockerfile"),
            "FROM golang AS b\nRUN CGO_ENABLED=0 go build -o /out/gate-controller . && go build -o \"$BIN\" ./cmd/x\nRUN go test -o t.test ./...\n",
        );
        assert_eq!(d.build_outputs(), vec!["gate-controller".to_string()]);
    }

    #[test]
    fn an_image_that_starts_another_binary_is_not_this_ones() {
        let text = "FROM golang\nWORKDIR /src\nCOPY . .\nRUN go build -o /bin/api ./cmd/api && go build -o /bin/migrate ./cmd/migrate\nENTRYPOINT [\"/bin/api\"]\n";
        assert_eq!(tie_of(text, "cmd/api", &[]), Tie::Runs);
        assert_eq!(tie_of(text, "cmd/migrate", &[]), Tie::None);
    }

    #[test]
    fn an_image_that_adds_nothing_runs_its_base_images_program() {
        // Nothing copied, built or fetched: `cockroach` is the base image's.
        let text = "FROM cockroachdb/cockroach:v24\nEXPOSE 26257\nENTRYPOINT [\"/cockroach/cockroach\", \"start\"]\n";
        assert_eq!(tie_of(text, "internal/ci/cockroach", &[]), Tie::None);
        // A release fetched by `RUN` may be the project's own.
        let text = "FROM debian\nRUN curl -sL https://example.org/cockroach.tgz | tar xz -C /cockroach\nENTRYPOINT [\"/cockroach/cockroach\", \"start\"]\n";
        assert_eq!(tie_of(text, "cmd/cockroach", &[]), Tie::Runs);
    }

    #[test]
    fn only_the_program_executed_runs() {
        // `server` is an argument of the entrypoint, not a program.
        let text = "FROM alpine\nCOPY weed /usr/bin/weed\nEXPOSE 80\nENTRYPOINT [\"/usr/bin/weed\"]\nCMD [\"server\", \"-dir=/data\"]\n";
        assert_eq!(tie_of(text, "cmd/server", &[]), Tie::None);
        assert_eq!(tie_of(text, "cmd/weed", &[]), Tie::Runs);
        // A wrapper waiting for its program takes it from CMD.
        let text = "FROM alpine\nCOPY server /bin/server\nENTRYPOINT [\"/sbin/tini\", \"-g\", \"--\"]\nCMD [\"/bin/server\"]\n";
        assert_eq!(tie_of(text, "cmd/server", &[]), Tie::Runs);
        let text = "FROM alpine\nCOPY api /bin/api\nCMD sh -c \"exec /bin/api --name server\"\n";
        assert_eq!(tie_of(text, "cmd/api", &[]), Tie::Runs);
        assert_eq!(tie_of(text, "cmd/server", &[]), Tie::None);
        // A script's case label and its program's subcommand are not programs.
        let text = "FROM alpine\nCOPY run.sh /run.sh\nENTRYPOINT [\"/run.sh\"]\nCMD [\"server\"]\n";
        let script = (
            "run.sh",
            "#!/bin/sh\ncase \"$1\" in\n  server) exec /usr/bin/hub server ;;\nesac\n",
        );
        assert_eq!(tie_of(text, "cmd/server", &[script]), Tie::None);
        assert_eq!(tie_of(text, "cmd/hub", &[script]), Tie::Runs);
        // A script that runs its arguments runs CMD.
        let script = ("run.sh", "#!/bin/sh\nset -e\nexec \"$@\"\n");
        assert_eq!(tie_of(text, "cmd/server", &[script]), Tie::Runs);
    }

    #[test]
    fn the_marks_of_a_target_are_those_of_its_stages() {
        let d = Dockerfile::parse(
            Path::new("Dockerfile"),
            "FROM golang:1.22 AS build\nRUN go build -o /out/ ./cmd/...\n\
             FROM alpine AS base\nCOPY --from=build /out/ /usr/bin/\n\
             FROM base AS server\nEXPOSE 7000\nENTRYPOINT [\"/usr/bin/rookd\"]\n\
             FROM base AS cli\nENTRYPOINT [\"/usr/bin/rook\"]\n\
             FROM server AS release\nHEALTHCHECK CMD [\"/usr/bin/rookd\", \"ping\"]\n",
        );
        let at = |needle: &str| d.text.find(needle).unwrap();
        let marks = |run: usize| -> Vec<String> {
            d.service_marks_at(Some(run))
                .into_iter()
                .map(|m| m.1.split(':').next().unwrap().to_string())
                .collect()
        };
        // The server target and the release built from it (which keeps its
        // command) serve; the CLI target, built beside it, does not.
        assert_eq!(
            marks(at("ENTRYPOINT [\"/usr/bin/rookd")),
            [
                "EXPOSE 7000",
                "HEALTHCHECK CMD [\"/usr/bin/rookd\", \"ping\"]"
            ]
        );
        assert!(marks(at("ENTRYPOINT [\"/usr/bin/rook\"]")).is_empty());
    }

    #[test]
    fn ports_of_several_expose_lines_are_one_mark() {
        let d = Dockerfile::parse(
            Path::new("Dockerfile"),
            "FROM alpine\nEXPOSE 80\nVOLUME /data\nEXPOSE 443/tcp\n",
        );
        let marks: Vec<String> = d.service_marks().into_iter().map(|m| m.1).collect();
        assert_eq!(marks, ["EXPOSE 80 443/tcp", "VOLUME /data"]);
        // A check that runs the image's own program, with no port exposed, is weak.
        let strong = |text: &str| -> Vec<bool> {
            let d = Dockerfile::parse(Path::new("Dockerfile"), text);
            d.service_marks().into_iter().map(|m| m.2).collect()
        };
        let cli =
            "FROM scratch\nHEALTHCHECK CMD [\"/bin/tool\", \"ping\"]\nENTRYPOINT [\"/bin/tool\"]\n";
        assert_eq!(strong(cli), [false]);
        assert_eq!(strong(&format!("{cli}EXPOSE 8000\n")), [true, true]);
        let other = "FROM alpine\nHEALTHCHECK --interval=5s CMD wget -qO- http://localhost/ping\nENTRYPOINT [\"/bin/tool\"]\n";
        assert_eq!(strong(other), [true]);
    }

    #[test]
    fn shared_libraries_and_plugins_never_run_main() {
        let text = "FROM golang\nWORKDIR /src\nCOPY . .\nRUN go build -buildmode=c-shared -o /out/libhook.so ./hook\n";
        assert_eq!(tie_of(text, "hook", &[]), Tie::Library);
    }

    #[test]
    fn entrypoint_scripts_and_renamed_binaries() {
        let text = "FROM alpine\nCOPY dist/agent-linux-amd64 /usr/bin/agent\nCOPY scripts/start.sh /start.sh\nEXPOSE 80\nENTRYPOINT [\"/start.sh\"]\n";
        let script = (
            "scripts/start.sh",
            "#!/bin/sh\nset -e\n# agentless comment\nexec agent --config /etc/agent.yaml \"$@\"\n",
        );
        assert_eq!(tie_of(text, "cmd/agent", &[script]), Tie::Runs);
        assert_eq!(
            tie_of(text, "cmd/agent", &[]),
            Tie::None,
            "the script is unknown"
        );
        // The binary as the script's argument.
        let text = "FROM alpine\nCOPY --from=b /src/relay-linux-${TARGETARCH} /bin/relay\nENTRYPOINT [\"/bin/entrypoint.sh\", \"/bin/relay\"]\n";
        assert_eq!(tie_of(text, "cmd/relay", &[]), Tie::Runs);
        // Several copies into one destination: a folder, not a rename.
        let text = "FROM alpine\nCOPY scripts/start.sh /home/app\nCOPY dist/vaultd /home/app\nENTRYPOINT [\"/home/app/start.sh\"]\n";
        let script = (
            "scripts/start.sh",
            "#!/bin/sh\n/home/app/prep.sh\nexec /home/app/vaultd -c x\n",
        );
        assert_eq!(tie_of(text, "cmd/vaultd", &[script]), Tie::Runs);
        // In two stages, the same destination is two images' renames.
        let text = "FROM golang AS b\nRUN go build -o /o/full ./cmd/full && go build -o /o/lite ./cmd/lite\nFROM alpine AS full\nCOPY --from=b /o/full /usr/bin/svc\nCMD [\"svc\"]\nFROM alpine AS lite\nCOPY --from=b /o/lite /usr/bin/svc\nCMD [\"svc\"]\n";
        assert_eq!(tie_of(text, "cmd/lite", &[]), Tie::Runs);
        // A renamed output.
        let text = "FROM golang AS b\nWORKDIR /s\nCOPY . .\nRUN go build -o /o/x ./cmd/ledger\nFROM scratch\nCOPY --from=b /o/x /app\nCMD [\"/app\"]\n";
        assert_eq!(tie_of(text, "cmd/ledger", &[]), Tie::Runs);
        assert!(names_binary("/go/bin/jaeger-linux", "jaeger"));
        assert!(names_binary("vmagent-linux-${TARGETARCH}-prod", "vmagent"));
        assert!(!names_binary("jaeger-query", "jaeger"));
        assert!(names_binary("/metrics-exporter", "metrics_exporter"));
        // An image named for its base as well (`antrea/antrea-controller-ubuntu`).
        assert!(names_binary(
            "antrea/antrea-controller-ubuntu",
            "antrea-controller"
        ));
        assert!(names_binary("acme/operator-ubi9", "operator"));
        assert!(!names_binary("acme/operator-ubuntu-tools", "operator"));
        assert!(!names_binary("/metrics_exporter", "metrics-exporter-v2x"));
        assert!(names_binary("proxy-server-linux-*", "proxy-server"));
        assert!(!names_binary("proxy-*", "proxy"));
        assert!(!names_binary("/bin/entrypoint.sh", "entrypoint-x"));
    }

    #[test]
    fn generic_build_and_comments_do_not_set_the_limit() {
        let text = "FROM golang:1.22\n# ENV GOMEMLIMIT=1GiB\nRUN go build ./...\nCMD app\n";
        let d = Dockerfile::parse(Path::new("Dockerfile"), text);
        assert!(!d.sets_gomemlimit());
        let d = Dockerfile::parse(
            Path::new("Dockerfile"),
            "FROM golang:1.22\nRUN go build -o /bin/ ./...\nENV GOMEMLIMIT=900MiB\n",
        );
        assert!(d.sets_gomemlimit());
        for (name, tooling) in [
            ("Dockerfile.test", true),
            ("e2e.Dockerfile", true),
            ("Dockerfile.builder", true),
            ("Dockerfile", false),
            ("Dockerfile.release", false),
        ] {
            let d = Dockerfile::parse(Path::new(name), "FROM x\n");
            assert_eq!(d.is_tooling_image(), tooling, "{name}");
        }
    }

    #[test]
    fn env_goes_before_the_final_entrypoint() {
        let d = Dockerfile::parse(Path::new("Dockerfile"), MULTI);
        let e = d.env_edit(921, "90% of 1g").unwrap();
        let out = apply_edits(MULTI, &[e]);
        assert!(out
            .contains("USER nonroot\n# 90% of 1g\nENV GOMEMLIMIT=921MiB\nENTRYPOINT [\"/orders\""));
        let d = Dockerfile::parse(Path::new("Dockerfile"), "FROM scratch\nCOPY app /");
        let out = apply_edits(&d.text, &[d.env_edit(460, "c").unwrap()]);
        assert_eq!(
            out,
            "FROM scratch\nCOPY app /\n# c\nENV GOMEMLIMIT=460MiB\n"
        );
    }

    #[test]
    fn arg_defaults_and_links_name_what_the_image_runs() {
        // `ARG CMD=quotad` writes the package into the build and the copy.
        let quota = "FROM golang:1.22 AS b\nWORKDIR /src\nARG CMD=quotad\nCOPY cmd/${CMD}/ cmd/${CMD}/\nRUN go build -o quota-steward ./cmd/${CMD}\nFROM scratch\nCOPY --from=b /src/quota-steward /steward\nENTRYPOINT [\"/steward\"]\n";
        assert_eq!(tie_of(quota, "cmd/quotad", &[]), Tie::Runs);
        // Its `/steward` is quotad's, not a package named `steward`.
        assert_eq!(tie_of(quota, "cmd/steward", &[]), Tie::None);
        // With no default, the variable names nothing.
        let open = quota.replace("ARG CMD=quotad", "ARG CMD");
        assert_eq!(tie_of(&open, "cmd/quotad", &[]), Tie::None);
        // A global default taken in by the stage's bare `ARG`.
        let global = format!("ARG CMD=quotad\n{open}");
        assert_eq!(tie_of(&global, "cmd/quotad", &[]), Tie::Runs);

        let hyper = "FROM golang:1.22 AS b\nRUN go build -o /out/hyper ./cmd/hyper\nFROM debian\nCOPY --from=b /out/hyper /hyper\nRUN ln -s hyper /watcher && ln -sf /hyper /keeper\nENTRYPOINT [\"/hyper\"]\n";
        let d = Dockerfile::parse(Path::new("/r/Dockerfile"), hyper);
        let pkg = |rel: &str| {
            MainPackage::new(
                &Files::default(),
                &Path::new("/r").join(rel),
                Path::new("/r"),
                "example.com/r",
            )
        };
        let (tie, _, given) = d.tie_names(&pkg("cmd/hyper"), &[PathBuf::from("/r")], &|_| None);
        assert_eq!(tie, Tie::Runs);
        assert!(given.contains(&"watcher".to_string()) && given.contains(&"keeper".to_string()));
        assert_eq!(
            d.linked_to_others(&["watcher".to_string()]),
            vec!["watcher".to_string()]
        );
        assert!(d.linked_to_others(&["hyper".to_string()]).is_empty());
        assert_eq!(tie_of(hyper, "cmd/watcher", &[]), Tie::None);
    }

    #[test]
    fn a_later_debug_stage_is_its_own_image() {
        let text = "FROM base AS release\nCOPY app-linux /bin/app\nEXPOSE 80\nENTRYPOINT [\"/bin/app\"]\nFROM debug AS debug\nCOPY app-debug /bin/app\nENTRYPOINT [\"/dlv\", \"exec\", \"/bin/app\"]\n";
        let d = Dockerfile::parse(Path::new("/r/Dockerfile"), text);
        let release = text.find("ENTRYPOINT").unwrap();
        let debug = text.rfind("ENTRYPOINT").unwrap();
        assert!(!d.runs_under_debugger(Some(release)));
        assert!(d.runs_under_debugger(Some(debug)));
        assert!(d.runs_under_debugger(None));
    }

    #[test]
    fn dockerfile_names() {
        for n in [
            "Dockerfile",
            "dockerfile",
            "Dockerfile.prod",
            "Dockerfile-exporter",
            "api.Dockerfile",
            "Containerfile",
            "manager.Containerfile",
            "Containerfile.ubi",
        ] {
            assert!(is_dockerfile_name(n), "{n}");
        }
        for n in [
            "Dockerfile.dockerignore",
            "Dockerfile.md",
            "docker-compose.yml",
            "Containerfile.dockerignore",
            "containerfiles.go",
        ] {
            assert!(!is_dockerfile_name(n), "{n}");
        }
    }
}
