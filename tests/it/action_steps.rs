//! action.yml's own logic, step by step with the runner's environment: the
//! install step takes the release binary of the tag the action is used at (a
//! fake `curl` serves it: no network), falls back to a cached build when there
//! is none, the analysis runs gomemfix exactly once per job, and `fail-on` fails
//! the job on findings, on a non-empty patch, or never.

use crate::common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn action() -> Value {
    let text = std::fs::read_to_string(common::manifest_dir().join("action.yml")).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

fn step(id: &str) -> Value {
    action()["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step {id}"))
        .clone()
}

fn write_script(path: &Path, body: &str) {
    std::fs::write(path, body).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs one step's script as the runner would, with `env` for its `env:` block.
fn run_step(
    step: &Value,
    dir: &Path,
    path: &str,
    env: &BTreeMap<&str, String>,
) -> (bool, String, BTreeMap<String, String>, String) {
    let outputs = dir.join("github_output");
    let github_path = dir.join("github_path");
    std::fs::write(&outputs, "").unwrap();
    std::fs::write(&github_path, "").unwrap();
    std::fs::create_dir_all(dir.join("runner_temp")).unwrap();
    let mut cmd = Command::new("bash");
    cmd.args([
        "--noprofile",
        "--norc",
        "-eo",
        "pipefail",
        "-c",
        step["run"].as_str().unwrap(),
    ])
    .current_dir(dir)
    .env_clear()
    .env("PATH", path)
    .env("HOME", dir)
    .env("GITHUB_OUTPUT", &outputs)
    .env("GITHUB_PATH", &github_path)
    .env("GITHUB_SERVER_URL", "https://github.com")
    .env("RUNNER_OS", "Linux")
    .env("RUNNER_ARCH", "X64")
    .env("RUNNER_TEMP", dir.join("runner_temp"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    let out = std::fs::read_to_string(&outputs).unwrap();
    let map = out
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        map,
        std::fs::read_to_string(&github_path).unwrap(),
    )
}

/// A folder with only the tools the install step needs, and a fake curl that
/// serves `archive` for `url` (and fails for any other URL), logging each call.
fn tools(dir: &Path, url: &str, archive: Option<&Path>) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in [
        "bash",
        "tar",
        "gzip",
        "mkdir",
        "cut",
        "sha256sum",
        "find",
        "sort",
        "xargs",
        "cat",
        "cp",
    ] {
        let real = Command::new("bash")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap();
        let real = String::from_utf8(real.stdout).unwrap();
        std::os::unix::fs::symlink(real.trim(), bin.join(tool)).unwrap();
    }
    let serve = match archive {
        Some(a) => format!(
            "if [ \"$url\" = \"{url}\" ]; then cp \"{}\" \"$out\"; exit 0; fi\n",
            a.display()
        ),
        None => String::new(),
    };
    write_script(
        &bin.join("curl"),
        &format!(
            "#!/bin/bash\n# fake curl: -fsSL --retry 3 -o OUT URL\nout=\"\"\nurl=\"\"\nwhile [ $# -gt 0 ]; do case \"$1\" in -o) out=\"$2\"; shift 2;; -*) shift;; *) url=\"$1\"; shift;; esac; done\necho \"$url\" >> \"{log}\"\n{serve}exit 22\n",
            log = dir.join("curl.log").display()
        ),
    );
    bin.display().to_string()
}

#[test]
fn the_release_binary_of_the_actions_tag_is_used() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    // The release archive: a gomemfix that says its version.
    let stage = dir.join("stage");
    std::fs::create_dir_all(&stage).unwrap();
    write_script(
        &stage.join("gomemfix"),
        "#!/bin/bash\necho gomemfix 0.1.0\n",
    );
    let archive = dir.join("gomemfix-x86_64-unknown-linux-musl.tar.gz");
    let ok = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(&stage)
        .arg(".")
        .status()
        .unwrap();
    assert!(ok.success());
    let url = "https://github.com/gomemfix/gomemfix/releases/download/v0.1.0/gomemfix-x86_64-unknown-linux-musl.tar.gz";
    let path = tools(dir, url, Some(&archive));
    let env = BTreeMap::from([
        ("ACTION_PATH", common::manifest_dir().display().to_string()),
        ("ACTION_REF", "v0.1.0".to_string()),
        ("ACTION_REPOSITORY", "gomemfix/gomemfix".to_string()),
        ("GOMEMFIX_VERSION", String::new()),
    ]);
    let (ok, log, outputs, github_path) = run_step(&step("get"), dir, &path, &env);
    assert!(ok, "{log}");
    assert_eq!(outputs["source"], "release", "{log}");
    assert!(
        log.contains("gomemfix 0.1.0"),
        "the downloaded binary ran: {log}"
    );
    let added = PathBuf::from(github_path.trim());
    assert!(added.join("gomemfix").is_file(), "{github_path}");
    assert_eq!(
        std::fs::read_to_string(dir.join("curl.log"))
            .unwrap()
            .trim(),
        url
    );
}

#[test]
fn without_a_release_the_checkout_is_built_with_a_cache_key() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let path = tools(dir, "", None);
    let env = BTreeMap::from([
        ("ACTION_PATH", common::manifest_dir().display().to_string()),
        ("ACTION_REF", "v9.9.9".to_string()),
        ("ACTION_REPOSITORY", "gomemfix/gomemfix".to_string()),
        ("GOMEMFIX_VERSION", String::new()),
    ]);
    let (ok, log, outputs, _) = run_step(&step("get"), dir, &path, &env);
    assert!(ok, "{log}");
    assert_eq!(outputs["source"], "build");
    assert_eq!(outputs["key"].len(), 20, "{outputs:?}");
    assert!(log.contains("no gomemfix release binary"), "{log}");
    // The same sources give the same key (the cache hits next time).
    let again = tempfile::tempdir().unwrap();
    let path = tools(again.path(), "", None);
    let (_, _, outputs2, _) = run_step(&step("get"), again.path(), &path, &env);
    assert_eq!(outputs2["key"], outputs["key"]);
    // A version asked for by name that has no release is an error, not a build.
    let named = tempfile::tempdir().unwrap();
    let path = tools(named.path(), "", None);
    let mut env = env.clone();
    env.insert("GOMEMFIX_VERSION", "v9.9.9".into());
    let (ok, log, _, _) = run_step(&step("get"), named.path(), &path, &env);
    assert!(!ok, "{log}");
    assert!(log.contains("::error::no gomemfix release binary"), "{log}");
}

#[test]
fn the_analysis_runs_once_per_job() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    common::copy_tree(
        &common::manifest_dir().join("tests/data/multi"),
        &dir.join("my code"),
    );
    // A gomemfix that logs each call, then runs the real one.
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    write_script(
        &bin.join("gomemfix"),
        &format!(
            "#!/bin/bash\necho \"$*\" >> \"{}\"\nexec \"{}\" \"$@\"\n",
            dir.join("calls.log").display(),
            common::gomemfix_bin().display()
        ),
    );
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let env = BTreeMap::from([
        ("INPUT_PATHS", "my code\n".to_string()),
        ("INPUT_ARGS", "--select GM005,GM008,GM010".to_string()),
        ("INPUT_UNSAFE", "true".to_string()),
        ("INPUT_FAIL_ON", "none".to_string()),
        ("OUT_DIR", "out".to_string()),
    ]);
    let (ok, log, outputs, _) = run_step(&step("run"), dir, &path, &env);
    assert!(ok, "{log}");
    let calls = std::fs::read_to_string(dir.join("calls.log")).unwrap();
    assert_eq!(calls.lines().count(), 1, "{calls}");
    assert!(
        calls.ends_with("--select GM005,GM008,GM010 --unsafe-fixes -- my code\n"),
        "{calls}"
    );
    assert_eq!(outputs["findings"], "true");
    assert_eq!(outputs["has-fixes"], "true");
    for f in ["gomemfix.sarif", "gomemfix.patch", "gomemfix.md"] {
        assert!(dir.join("out").join(f).is_file(), "{f}");
    }
    // The annotations went to the log.
    assert!(log.contains("::warning file=my code/"), "{log}");
}

#[test]
fn fail_on_gates_the_job_after_writing_every_output() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    common::copy_tree(
        &common::manifest_dir().join("tests/data/multi"),
        &dir.join("multi"),
    );
    std::fs::create_dir_all(dir.join("clean")).unwrap();
    std::fs::write(
        dir.join("clean/go.mod"),
        "module example.com/clean\n\ngo 1.22\n",
    )
    .unwrap();
    std::fs::write(dir.join("clean/c.go"), "package c\n\nfunc F() {}\n").unwrap();
    let path = format!(
        "{}:{}",
        common::gomemfix_bin().parent().unwrap().display(),
        std::env::var("PATH").unwrap()
    );
    let run = |paths: &str, args: &str, fail_on: &str| {
        let mut env = BTreeMap::from([
            ("INPUT_PATHS", paths.to_string()),
            ("INPUT_ARGS", args.to_string()),
            ("INPUT_UNSAFE", "false".to_string()),
            ("OUT_DIR", "out".to_string()),
        ]);
        if !fail_on.is_empty() {
            env.insert("INPUT_FAIL_ON", fail_on.to_string());
        }
        let _ = std::fs::remove_dir_all(dir.join("out"));
        let (ok, log, outputs, _) = run_step(&step("run"), dir, &path, &env);
        // Whatever the verdict, every output was written first.
        if outputs.contains_key("sarif") {
            assert!(dir.join("out/gomemfix.sarif").is_file(), "{log}");
            assert!(outputs.contains_key("findings") && outputs.contains_key("has-fixes"));
        }
        (ok, log, outputs)
    };
    // Safe fixes (GM008, GM010); a finding whose fix is unsafe, so no patch
    // without `unsafe-fixes` (GM005); nothing. The default is `findings`.
    let fixable = ("multi", "--select GM008,GM010");
    let report_only = ("multi", "--select GM005");
    let clean = ("clean", "");
    for ((paths, args), fail_on, fails, findings, has_fixes) in [
        (fixable, "", true, true, true),
        (fixable, "findings", true, true, true),
        (fixable, "fixable", true, true, true),
        (fixable, "none", false, true, true),
        (report_only, "", true, true, false),
        (report_only, "fixable", false, true, false),
        (report_only, "none", false, true, false),
        (clean, "", false, false, false),
        (clean, "fixable", false, false, false),
    ] {
        let (ok, log, outputs) = run(paths, args, fail_on);
        let what = format!("{paths} {args} with fail-on `{fail_on}`");
        assert_eq!(ok, !fails, "{what}: {log}");
        assert!(outputs.contains_key("sarif"), "{what}: {log}");
        if fails {
            assert!(log.contains("::error::gomemfix: "), "{log}");
        }
        assert_eq!(outputs["findings"] == "true", findings, "{what}: {log}");
        assert_eq!(outputs["has-fixes"] == "true", has_fixes, "{what}: {log}");
    }
    // A value it does not know fails before running anything.
    let (ok, log, outputs) = run("clean", "", "always");
    assert!(!ok);
    assert!(log.contains("::error::fail-on: `always`"), "{log}");
    assert!(outputs.is_empty(), "{outputs:?}");
}
