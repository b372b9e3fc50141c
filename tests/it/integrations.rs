//! The drop-in integrations run as their hosts run them: every step of
//! `action.yml` with the runner's bash flags, inputs and `$GITHUB_OUTPUT`, and
//! every hook of `.pre-commit-hooks.yaml` with pre-commit's file passing.
//! The binary under test is first on PATH, so the action's install step finds it.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(common::manifest_dir().join(path)).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// PATH with the freshly built gomemfix first.
fn path_with_binary() -> String {
    let bin = common::gomemfix_bin();
    format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn multi_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(
        &common::manifest_dir().join("tests/data/multi"),
        &dir.path().join("multi"),
    );
    dir
}

/// Replaces the `${{ ... }}` expressions the action uses; any other is an error.
fn expand(
    text: &str,
    inputs: &BTreeMap<String, String>,
    steps: &BTreeMap<String, BTreeMap<String, String>>,
) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("${{") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find("}}").expect("closed expression") + at;
        let expr = rest[at + 3..end].trim();
        let value = if let Some(name) = expr.strip_prefix("inputs.") {
            inputs
                .get(name)
                .cloned()
                .unwrap_or_else(|| panic!("no input {name}"))
        } else if expr == "github.action_path" {
            common::manifest_dir().display().to_string()
        } else if expr == "github.action_ref" || expr == "github.action_repository" {
            // A checkout of a branch, as `uses: ./` gives: no release to download.
            String::new()
        } else if let Some(rest) = expr.strip_prefix("steps.") {
            let (id, name) = rest.split_once(".outputs.").expect("steps.ID.outputs.NAME");
            steps[id].get(name).cloned().unwrap_or_default()
        } else {
            panic!("action.yml uses an expression this test does not know: {expr}")
        };
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn run_action(workspace: &Path, given: &[(&str, &str)]) -> BTreeMap<String, String> {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let mut inputs: BTreeMap<String, String> = action["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["default"].as_str().unwrap_or("").to_string()))
        .collect();
    for (k, v) in given {
        assert!(inputs.contains_key(*k), "action.yml has no input {k}");
        inputs.insert(k.to_string(), v.to_string());
    }
    let mut steps: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (i, step) in action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        if let Some(uses) = step["uses"].as_str() {
            // Another action (the build cache): the runner's business, and only
            // ever conditional here.
            assert!(uses.starts_with("actions/cache@"), "step {i}: {uses}");
            assert!(step["if"].is_string(), "step {i} runs only for a build");
            continue;
        }
        assert_eq!(step["shell"], "bash", "step {i}");
        assert!(
            step.get("if").is_none(),
            "step {i}: this test runs every bash step"
        );
        let script = step["run"].as_str().unwrap();
        assert!(
            !script.contains("${{"),
            "step {i} pastes an expression into its script; pass it through env"
        );
        let outputs_file = workspace.join(format!(".github_output_{i}"));
        std::fs::write(&outputs_file, "").unwrap();
        let mut cmd = Command::new("bash");
        // What the runner runs for `shell: bash`.
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(workspace)
            .env("PATH", path_with_binary())
            .env("GITHUB_OUTPUT", &outputs_file)
            .env("GITHUB_PATH", workspace.join(".github_path"))
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TEMP", workspace.join(".runner_temp"))
            .env("GITHUB_ACTIONS", "true")
            .env("CI", "true");
        if let Some(env) = step["env"].as_object() {
            for (k, v) in env {
                cmd.env(k, expand(v.as_str().unwrap(), &inputs, &steps));
            }
        }
        let o = cmd.output().unwrap();
        assert!(
            o.status.success(),
            "step {i} ({}) failed:\n{}\n{}",
            step["name"],
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        if let Some(id) = step["id"].as_str() {
            let written = std::fs::read_to_string(&outputs_file).unwrap();
            let map = written
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            steps.insert(id.to_string(), map);
        }
    }
    action["outputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                expand(v["value"].as_str().unwrap(), &inputs, &steps),
            )
        })
        .collect()
}

#[test]
fn the_github_action_writes_sarif_a_patch_and_a_body() {
    let work = multi_copy();
    let dir = work.path();
    // A path with a space in it stays one path.
    std::fs::create_dir_all(dir.join("my svc")).unwrap();
    std::fs::write(dir.join("my svc/clean.go"), "package svc\n\nfunc F() {}\n").unwrap();
    let outputs = run_action(
        dir,
        // Gating is tests/it/action_steps.rs's; this run is for the outputs.
        &[
            ("paths", "multi\nmy svc\n"),
            ("unsafe-fixes", "true"),
            ("fail-on", "none"),
        ],
    );
    assert_eq!(outputs["findings"], "true");
    assert_eq!(outputs["has-fixes"], "true");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(&outputs["sarif"])).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    let body = std::fs::read_to_string(dir.join(&outputs["body"])).unwrap();
    assert!(body.starts_with("## gomemfix: 3 memory fixes"), "{body}");
    // The bot's next step: apply the patch.
    let apply = Command::new("git")
        .args(["apply", &outputs["patch"]])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        apply.status.success(),
        "{}",
        String::from_utf8_lossy(&apply.stderr)
    );
    let after = Command::new(common::gomemfix_bin())
        .args([
            "check",
            "--format",
            "json",
            "--select",
            "GM005,GM008,GM010",
            "multi",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&after.stdout).trim(), "[]");

    // A clean tree: no findings, an empty patch.
    let clean = tempfile::tempdir().unwrap();
    std::fs::write(clean.path().join("ok.go"), "package ok\n\nfunc F() {}\n").unwrap();
    let outputs = run_action(clean.path(), &[("args", "--select GM005")]);
    assert_eq!(outputs["findings"], "false");
    assert_eq!(outputs["has-fixes"], "false");
}

#[test]
fn pre_commit_hooks_run_on_the_files_pre_commit_passes() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().unwrap();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["gomemfix", "gomemfix-fix"]);
    for h in hooks {
        // pre-commit otherwise splits the files over parallel runs, which would
        // race on cross-file fixes (a Dockerfile, callers in other files).
        assert_eq!(h["require_serial"], true, "{}", h["id"]);
    }
    let work = multi_copy();
    let dir = work.path();
    // pre-commit passes the staged files its `types` select, relative to the repo root.
    let staged = |dir: &Path| -> Vec<PathBuf> {
        common::go_files(dir)
            .into_iter()
            .map(|p| p.strip_prefix(dir).unwrap().to_path_buf())
            .collect()
    };
    let run_hook = |hook: &Value| {
        assert_eq!(hook["language"], "rust");
        assert_eq!(hook["types"], serde_json::json!(["go"]));
        let entry: Vec<&str> = hook["entry"].as_str().unwrap().split_whitespace().collect();
        let args: Vec<String> = hook["args"]
            .as_array()
            .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        Command::new(entry[0])
            .args(&entry[1..])
            .args(&args)
            .args(staged(dir))
            .current_dir(dir)
            .env("PATH", path_with_binary())
            .output()
            .unwrap()
    };
    let check = run_hook(&hooks[0]);
    assert_eq!(check.status.code(), Some(1), "findings fail the commit");
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(text.contains("multi/svc/cache.go:23:2: GM010"), "{text}");
    let before = std::fs::read_to_string(dir.join("multi/svc/cache.go")).unwrap();
    let fix = run_hook(&hooks[1]);
    assert_ne!(
        fix.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&fix.stderr)
    );
    let after = std::fs::read_to_string(dir.join("multi/svc/cache.go")).unwrap();
    assert_eq!(
        before, after,
        "GM010's and GM005's fixes are unsafe: not applied"
    );
    let prof = std::fs::read_to_string(dir.join("multi/prof/prof.go")).unwrap();
    assert!(
        !prof.contains("MemProfileRate"),
        "GM008's safe fix is: {prof}"
    );
    // What is left after the safe fixes is what needs --unsafe-fixes or a person.
    let again = run_hook(&hooks[0]);
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(text.contains("GM010") && !text.contains("GM008"), "{text}");
}
