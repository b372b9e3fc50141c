//! Compose files (`compose.yaml`, `docker-compose.yml` and their `.override`/
//! `.prod` variants): each service's build context and Dockerfile, image,
//! memory limit (`mem_limit` or `deploy.resources.limits.memory`) and whether its
//! `environment` or `env_file` sets `GOMEMLIMIT`.

use crate::package::Files;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::quantity;

#[derive(Deserialize)]
struct RawCompose {
    services: Option<BTreeMap<String, Option<RawService>>>,
}

#[derive(Deserialize)]
struct RawService {
    build: Option<Value>,
    image: Option<String>,
    command: Option<Value>,
    entrypoint: Option<Value>,
    mem_limit: Option<Value>,
    deploy: Option<RawDeploy>,
    environment: Option<Value>,
    env_file: Option<Value>,
    restart: Option<Value>,
}

#[derive(Deserialize)]
struct RawDeploy {
    resources: Option<RawResources>,
}

#[derive(Deserialize)]
struct RawResources {
    limits: Option<RawLimits>,
}

#[derive(Deserialize)]
struct RawLimits {
    memory: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// The build context (absolute when the compose file's path is), if it builds.
    pub context: Option<PathBuf>,
    /// The Dockerfile it names (`build.dockerfile`), resolved in the context.
    pub dockerfile: Option<PathBuf>,
    /// The image it runs, as written.
    pub image: Option<String>,
    /// The programs its `entrypoint` and `command` run (`command::of_exec`):
    /// with an `entrypoint`, `command` holds its arguments unless it waits for
    /// a program (`tini --`) or a script (`/bin/sh -c`).
    pub programs: Vec<String>,
    /// The first word of `command` starts with `-`: the image has an entrypoint
    /// that takes it as arguments.
    pub command_is_flags: bool,
    /// No `entrypoint`, so `command` may be the arguments of the image's own
    /// entrypoint, which is not known here.
    pub command_only: bool,
    /// The memory limit as written (`mem_limit: 1g`), and in bytes when it parses.
    pub memory_limit: Option<(String, Option<u64>)>,
    pub sets_gomemlimit: bool,
    /// `restart: always` or `unless-stopped`: it is meant to keep running
    /// (`on-failure` also fits a job that retries until it succeeds).
    pub keeps_running: bool,
}

#[derive(Debug, Clone)]
pub struct ComposeFile {
    pub path: PathBuf,
    pub services: Vec<Service>,
}

/// True for the names Compose looks for, and the variants people keep beside them.
pub fn is_compose_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some(stem) = lower
        .strip_suffix(".yml")
        .or_else(|| lower.strip_suffix(".yaml"))
    else {
        return false;
    };
    ["compose", "docker-compose"]
        .iter()
        .any(|base| stem == *base || stem.starts_with(&format!("{base}.")))
}

impl ComposeFile {
    pub fn parse(files: &Files, path: &Path, text: &str) -> Option<ComposeFile> {
        let raw: RawCompose = serde_saphyr::from_str(text).ok()?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let services = raw
            .services?
            .into_iter()
            .filter_map(|(name, s)| s.map(|s| service(files, dir, name, s)))
            .collect();
        Some(ComposeFile {
            path: path.to_path_buf(),
            services,
        })
    }
}

fn service(files: &Files, dir: &Path, name: String, s: RawService) -> Service {
    let (context, dockerfile) = match &s.build {
        Some(Value::String(ctx)) => (Some(dir.join(ctx)), None),
        Some(Value::Object(b)) => {
            let ctx = dir.join(b.get("context").and_then(Value::as_str).unwrap_or("."));
            let df = b
                .get("dockerfile")
                .and_then(Value::as_str)
                .map(|f| ctx.join(f));
            (Some(ctx), df)
        }
        _ => (None, None),
    };
    let list = |v: &Option<Value>| -> Option<Vec<String>> {
        match v.as_ref()? {
            Value::String(t) => Some(super::command::split(t)),
            Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
            ),
            _ => None,
        }
    };
    let (entrypoint, command) = (list(&s.entrypoint), list(&s.command));
    let mut programs = vec![];
    match &entrypoint {
        Some(e) => {
            let p = super::command::of_exec(e);
            programs.extend(p.run.iter().cloned());
            if let Some(c) = &command {
                if p.args_are_script {
                    if let Some(script) = c.first() {
                        programs.extend(super::command::of_script(script).run);
                    }
                } else if p.runs_args {
                    programs.extend(super::command::of_exec(c).run);
                }
            }
        }
        None => {
            if let Some(c) = &command {
                programs.extend(super::command::of_exec(c).run);
            }
        }
    }
    let command_is_flags = command
        .as_ref()
        .and_then(|c| c.first())
        .is_some_and(|w| w.starts_with('-'));
    let limit = s
        .deploy
        .and_then(|d| d.resources)
        .and_then(|r| r.limits)
        .and_then(|l| l.memory)
        .or(s.mem_limit);
    let memory_limit = limit.map(|v| {
        let text = match v {
            Value::String(t) => t,
            other => other.to_string(),
        };
        let bytes = quantity::docker_bytes(interpolation_default(&text));
        (text, bytes)
    });
    let in_environment = match &s.environment {
        Some(Value::Object(map)) => map.contains_key("GOMEMLIMIT"),
        Some(Value::Array(items)) => items.iter().any(|i| {
            i.as_str()
                .is_some_and(|t| t == "GOMEMLIMIT" || t.starts_with("GOMEMLIMIT="))
        }),
        _ => false,
    };
    let env_files: Vec<String> = match &s.env_file {
        Some(Value::String(f)) => vec![f.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .or_else(|| i.get("path").and_then(Value::as_str).map(str::to_string))
            })
            .collect(),
        _ => vec![],
    };
    let in_env_file = env_files.iter().any(|f| {
        files.read_to_string(&dir.join(f)).is_some_and(|t| {
            t.lines().any(|l| {
                l.trim_start()
                    .trim_start_matches("export ")
                    .starts_with("GOMEMLIMIT")
            })
        })
    });
    Service {
        name,
        context,
        dockerfile,
        image: s.image,
        programs,
        command_is_flags,
        command_only: entrypoint.is_none() && command.is_some(),
        memory_limit,
        sets_gomemlimit: in_environment || in_env_file,
        keeps_running: s
            .restart
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|r| matches!(r.trim(), "always" | "unless-stopped")),
    }
}

/// `${MEM:-1g}` and `${MEM-1g}` stand for `1g` when the variable is unset.
fn interpolation_default(text: &str) -> &str {
    let t = text.trim();
    match t.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        Some(inner) => inner
            .split_once(":-")
            .or_else(|| inner.split_once('-'))
            .map_or(t, |(_, d)| d),
        None => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "compose.yaml",
            "docker-compose.yml",
            "docker-compose.prod.yaml",
            "compose.override.yml",
        ] {
            assert!(is_compose_name(n), "{n}");
        }
        assert!(!is_compose_name("composer.json") && !is_compose_name("deploy.yaml"));
    }

    #[test]
    fn reads_services() {
        let text = "\
x-common: &common
  restart: always
services:
  api:
    <<: *common
    build:
      context: ./api
      dockerfile: build/Dockerfile
    mem_limit: 1g
    environment:
      - LOG=info
  worker:
    image: acme/worker
    command: [\"/worker\", \"-q\"]
    deploy:
      resources:
        limits:
          memory: ${WORKER_MEM:-512m}
    environment:
      GOMEMLIMIT: 400MiB
  db:
";
        let f = ComposeFile::parse(&Files::default(), Path::new("/r/compose.yaml"), text).unwrap();
        let api = &f.services[0];
        assert_eq!(api.name, "api");
        assert_eq!(api.context.as_deref(), Some(Path::new("/r/./api")));
        assert_eq!(
            api.dockerfile.as_deref(),
            Some(Path::new("/r/./api/build/Dockerfile"))
        );
        assert_eq!(api.memory_limit, Some(("1g".into(), Some(1 << 30))));
        assert!(!api.sets_gomemlimit);
        let worker = &f.services[1];
        assert_eq!(worker.memory_limit.as_ref().unwrap().1, Some(512 << 20));
        assert!(worker.sets_gomemlimit);
        assert_eq!(worker.image.as_deref(), Some("acme/worker"));
        assert_eq!(worker.programs, vec!["/worker"]);
        assert_eq!(f.services.len(), 2);
    }
}
