//! GM006's rule options, through the binary: `--memory-limit` turns the
//! report-only finding of a Dockerfile-only service into a `debug.SetMemoryLimit`
//! fix that must compile; Kubernetes manifests get `resourceFieldRef` entries
//! unless `--memlimit-fixed` asks for 90% of the limit. Both runs must be
//! stable on a second run.

use crate::common;

use std::path::Path;
use std::process::Command;

fn gomemfix(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(common::gomemfix_bin())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run gomemfix")
}

fn fixture_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    common::copy_tree(&common::fixtures_dir().join("GM006"), tmp.path());
    tmp
}

#[test]
fn memory_limit_flag_gives_a_go_fix_that_compiles() {
    let tmp = fixture_copy();
    let root = tmp.path();
    let args = [
        "fix",
        "--unsafe-fixes",
        "--select",
        "GM006",
        "--memory-limit",
        "1Gi",
    ];
    let mut diff_args = args.to_vec();
    diff_args.push("--diff");
    let diff = gomemfix(&diff_args, root);
    let text = String::from_utf8_lossy(&diff.stdout);
    assert!(
        text.contains(
            "+\tdebug.SetMemoryLimit(921 * 1024 * 1024) // 90% of the container's 1Gi memory limit (--memory-limit)"
        ),
        "{text}"
    );
    // Evidence beats the flag: compose's 256M for notifier, the manifests' own limits.
    assert!(text.contains("SetMemoryLimit(230 * 1024 * 1024)"), "{text}");
    assert!(
        text.contains("+            - name: GOMEMLIMIT\n+              valueFrom:\n+                resourceFieldRef:\n+                  resource: limits.memory\n"),
        "{text}"
    );

    let fix = gomemfix(&args, root);
    assert_ne!(
        fix.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&fix.stderr)
    );
    let vet = common::run_go(&mut common::go(&["vet", "./..."], root));
    assert!(
        vet.status.success(),
        "{}",
        String::from_utf8_lossy(&vet.stderr)
    );
    let fmt = Command::new(common::gofmt_binary())
        .arg("-l")
        .arg(root)
        .output()
        .unwrap();
    assert!(
        fmt.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&fmt.stdout)
    );
    let again = gomemfix(&diff_args, root);
    assert_eq!(String::from_utf8_lossy(&again.stdout), "");
    // Every default finding is fixed but three (those with no edit to offer, a
    // service built with a Go that has no memory limit, fixtures oldgo and
    // ciold, are medium): includedenv's chart needs the entry and cannot take
    // it, so no manifest is edited (a half fix), and so does packagedchart's,
    // kept packaged beside its folder; stalescaffold's one manifest runs a
    // program no build makes.
    let check = gomemfix(&["check", "--select", "GM006", "--format", "json"], root);
    let left: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let left: Vec<String> = left
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        left,
        [
            "includedenv/cmd/plannerd/pos_main.go",
            "packagedchart/cmd/mountally/pos_main.go",
            "stalescaffold/cmd/pos_main.go"
        ]
    );
}

#[test]
fn manifests_take_the_limit_by_resource_field_ref_unless_fixed_is_asked() {
    // inventory/ alone (a module with its Deployment, limits.memory 512Mi):
    // three runs over all of GM006's fixtures took 26 s of CI, and the rules
    // tests fix every fixture anyway.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    common::copy_tree(
        &common::fixtures_dir().join("GM006/inventory"),
        &root.join("inventory"),
    );
    let run = |extra: &[&str]| {
        let mut args = vec!["fix", "--unsafe-fixes", "--select", "GM006", "--diff"];
        args.extend_from_slice(extra);
        String::from_utf8_lossy(&gomemfix(&args, root).stdout).to_string()
    };
    let by_ref = "+            - name: GOMEMLIMIT\n+              valueFrom:\n+                resourceFieldRef:\n+                  resource: limits.memory\n";
    for text in [run(&[]), run(&["--memlimit-from-resource"])] {
        assert!(text.contains(by_ref), "{text}");
        assert!(!text.contains("value: \"460MiB\""), "{text}");
    }
    let fixed = run(&["--memlimit-fixed"]);
    assert!(fixed.contains("value: \"460MiB\""), "{fixed}");
    assert!(!fixed.contains("resourceFieldRef"), "{fixed}");
}

#[test]
fn bad_memory_limit_is_a_usage_error() {
    let tmp = fixture_copy();
    let out = gomemfix(&["check", "--memory-limit", "lots"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--memory-limit lots"));
}

#[test]
fn test_apps_are_low_confidence_unless_asked() {
    // testapps/ alone (a repository of its own: go.mod, Dockerfiles, manifests):
    // each of the four runs took ~2.3 s of CPU over all of GM006's fixtures,
    // which the rules tests check anyway.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    common::copy_tree(
        &common::fixtures_dir().join("GM006/testapps"),
        &root.join("testapps"),
    );
    let echo = "testapps/tests/apps/echo/low_main.go";
    let out = gomemfix(&["check", "--select", "GM006", "--format", "json"], root);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(echo), "{text}");
    // Below the default bar, not silent: the folder's name alone lowers it.
    let out = gomemfix(
        &[
            "check",
            "--select",
            "GM006",
            "--format",
            "json",
            "--confidence",
            "low",
        ],
        root,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(echo), "{text}");
    let out = gomemfix(
        &[
            "check",
            "--select",
            "GM006",
            "--format",
            "json",
            "--include-test-apps",
        ],
        root,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(echo), "{text}");
    // The same from gomemfix.toml.
    std::fs::write(
        root.join("gomemfix.toml"),
        "[rules.GM006]\ninclude-test-apps = true\n",
    )
    .unwrap();
    let out = gomemfix(&["check", "--select", "GM006", "--format", "json"], root);
    assert!(String::from_utf8_lossy(&out.stdout).contains(echo));
}
