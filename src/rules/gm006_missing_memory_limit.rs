//! GM006: a Go service that runs in a container with a memory limit, and
//! nothing tells the Go runtime about that limit.
//!
//! The pattern finds `func main()` in `package main`; this fixer asks `deploy`
//! for the Dockerfiles, Kubernetes manifests and compose files that run it, and
//! stays silent when there are none or when `GOMEMLIMIT` / `debug.SetMemoryLimit`
//! is already set somewhere. The fix is the best the evidence allows: an `env`
//! entry in the Kubernetes manifest, else `ENV` in the Dockerfile when compose
//! gives the limit, else `debug.SetMemoryLimit` at the top of `main`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::analysis::deploy::kubernetes::EnvValue;
use crate::analysis::deploy::{self, quantity, Evidence, MainPackage};
use crate::analysis::std_deps;
use crate::finding::{Edit, FileEdit};
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::imports::{choose_name, line_end, ImportRequest};
use crate::outcome::{FixPlan, Outcome};

/// Text in a Go file of the package that means the limit is handled already:
/// the call, the variable, or a library that sets it from the cgroup.
const LIMIT_SET_MARKERS: &[&str] = &["SetMemoryLimit", "GOMEMLIMIT", "automemlimit"];

/// True when `marker` occurs on some line before that line's `//` comment: a
/// comment such as `// No GOMEMLIMIT set` is not a limit being set.
fn mentions_in_code(text: &str, marker: &str) -> bool {
    text.contains(marker)
        && text.lines().any(|line| {
            let code = line.split("//").next().unwrap_or("");
            code.contains(marker)
        })
}

/// The entry point: see the module documentation.
pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    if file.package_name != "main" || file.is_test_file || excluded_by_build_tag(file.text()) {
        return Outcome::Silent;
    }
    let dir = match file.path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let (root, module_path) = match &file.module {
        Some(m) => (
            std::fs::canonicalize(&m.root).unwrap_or_else(|_| m.root.clone()),
            m.path.clone(),
        ),
        None => (dir.clone(), String::new()),
    };
    let siblings = package_siblings(file, &dir);
    let Some(siblings) = siblings else {
        return Outcome::Silent; // the folder's package is not `main` (a `go run` helper)
    };
    if LIMIT_SET_MARKERS.iter().any(|k| {
        mentions_in_code(file.text(), k) || siblings.iter().any(|(_, t)| mentions_in_code(t, k))
    }) {
        return Outcome::Silent;
    }
    let main = MainPackage::new(&dir, &root, &module_path);
    let ev = deploy::evidence_for(&main);
    if !ev.is_containerised() || ev.limit_set_in.is_some() {
        return Outcome::Silent;
    }
    let shown = |p: &Path| {
        p.strip_prefix(&root)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    let note = describe(&ev, &shown);
    if let Some(outcome) = kubernetes_fix(file, &ev, &note, &shown) {
        return outcome;
    }
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
        let comment =
            format!("90% of mem limit {text} of service {service} in {compose} (gomemfix GM006)");
        let named: Vec<PathBuf> = ev
            .services
            .iter()
            .filter_map(|s| {
                let svc = s.service();
                let p = svc
                    .dockerfile
                    .clone()
                    .or_else(|| svc.context.as_ref().map(|c| c.join("Dockerfile")))?;
                Some(std::fs::canonicalize(&p).unwrap_or(p))
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
            message: Some(note),
            fix: Some(plan),
        },
        None => Outcome::report_only(Some(format!(
            "{note}; no automatic fix: runtime/debug cannot be imported here"
        ))),
    }
}

/// The edits adding `GOMEMLIMIT` to every Go container with a memory limit.
fn kubernetes_fix(
    _file: &GoFile,
    ev: &Evidence,
    note: &str,
    shown: &dyn Fn(&Path) -> String,
) -> Option<Outcome> {
    let limited: Vec<_> = ev
        .containers
        .iter()
        .filter(|t| t.container().memory_limit.is_some())
        .collect();
    if limited.is_empty() {
        return None;
    }
    let from_resource = _file.options.is_set("memlimit-from-resource");
    let mut by_file: BTreeMap<PathBuf, Vec<Edit>> = BTreeMap::new();
    let mut problems = vec![];
    let mut what = vec![];
    for t in limited {
        let c = t.container();
        let (text, bytes) = c.memory_limit.clone()?;
        let value = if from_resource {
            EnvValue::FromLimit {
                comment: format!(
                    "limits.memory ({text}) in bytes, follows resizes (gomemfix GM006)"
                ),
            }
        } else {
            match bytes.and_then(quantity::go_limit_mib) {
                Some(mib) => EnvValue::Fixed {
                    mib,
                    comment: format!("90% of limits.memory {text} (gomemfix GM006)"),
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
    if by_file.is_empty() {
        return Some(Outcome::report_only(Some(format!(
            "{note}; no automatic fix: {}",
            problems.join("; ")
        ))));
    }
    let how = if from_resource {
        "from resourceFieldRef limits.memory"
    } else {
        "at 90% of its memory limit"
    };
    Some(Outcome::Report {
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
            description: Some(format!(
                "Set GOMEMLIMIT {how} in the env of {}",
                what.join(", ")
            )),
            ..FixPlan::default()
        }),
    })
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
            "it runs as container {} of {} in {}, limits.memory {limit}",
            c.name,
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
    let files: Vec<String> = ev.dockerfiles.iter().map(|d| shown(&d.path)).collect();
    format!("its image is built by {}", files.join(", "))
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

/// The other non-test Go files of the package's folder with their text, or
/// None when the folder's package is not `main` (the file is a `go run` script
/// beside a library).
fn package_siblings(file: &GoFile, dir: &Path) -> Option<Vec<(PathBuf, String)>> {
    let me = std::fs::canonicalize(file.path).ok();
    let mut out = vec![];
    let entries = std::fs::read_dir(dir).ok()?;
    for e in entries.filter_map(|e| e.ok()) {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !name.ends_with(".go") || name.ends_with("_test.go") || Some(&p) == me.as_ref() {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        if excluded_by_build_tag(&text) {
            continue;
        }
        match package_clause(&text) {
            Some("main") => out.push((p, text)),
            Some(_) => return None,
            None => {}
        }
    }
    Some(out)
}

/// The package name of a Go source, read from its first `package` line.
fn package_clause(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("package "))
        .map(|rest| rest.split_whitespace().next().unwrap_or(""))
}

/// A `//go:build ignore` (or other never-true) constraint: a generator run with
/// `go run`, not a service.
fn excluded_by_build_tag(text: &str) -> bool {
    text.lines()
        .take_while(|l| !l.starts_with("package "))
        .any(|l| {
            let l = l.trim();
            (l.starts_with("//go:build") || l.starts_with("// +build"))
                && l.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == "ignore" || w == "tools" || w == "generate")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_tags_and_packages() {
        assert!(excluded_by_build_tag("//go:build ignore\n\npackage main\n"));
        assert!(!excluded_by_build_tag("//go:build linux\n\npackage main\n"));
        assert_eq!(package_clause("// x\npackage main // y\n"), Some("main"));
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

#[cfg(test)]
mod marker_tests {
    use super::mentions_in_code;

    #[test]
    fn comments_do_not_count_as_a_limit() {
        assert!(!mentions_in_code(
            "// No GOMEMLIMIT set\nfunc main() {}\n",
            "GOMEMLIMIT"
        ));
        assert!(mentions_in_code(
            "\tdebug.SetMemoryLimit(n) // cap\n",
            "SetMemoryLimit"
        ));
        assert!(mentions_in_code(
            "\tv := os.Getenv(\"GOMEMLIMIT\")\n",
            "GOMEMLIMIT"
        ));
    }
}
