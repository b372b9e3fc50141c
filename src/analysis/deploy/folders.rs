//! Folder names that say what a folder holds: test, example, demo,
//! documentation and developer-tool apps, whose services nobody deploys as
//! they are.

/// Folder names that hold test, end-to-end, benchmark, demo, example and
/// documentation apps (a tutorial's guestbook):
/// a main below one is likely not a service anyone deploys with a memory
/// limit, so its finding is low confidence (unless the `include-test-apps`
/// option asks for them). A name alone never silences the rule.
const TEST_APP_FOLDERS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "testutil",
    "e2e",
    "integration",
    "example",
    "examples",
    "demo",
    "demos",
    "docs",
    // Kubernetes projects' folder of developer scripts and tools.
    "hack",
];

/// The folder of `repo_rel_path` named as a release (`v4.13.4`, `1.2`,
/// `v2.0.0-rc.1`): a copy of the manifests or chart as that version shipped
/// (`deploy/v4.13.4/`, `charts/v4.9.0/`). It is evidence of how the program
/// runs, but a fix edits the current copy, not what was released.
pub fn release_folder(repo_rel_path: &str) -> Option<String> {
    let parts: Vec<&str> = repo_rel_path.split('/').collect();
    // The last part is the file itself.
    let folders = &parts[..parts.len().saturating_sub(1)];
    folders
        .iter()
        .position(|p| is_version(p))
        .map(|i| parts[..=i].join("/"))
}

fn is_version(name: &str) -> bool {
    let v = name.strip_prefix('v').unwrap_or(name);
    let core = v.split(['-', '+']).next().unwrap_or(v);
    let nums: Vec<&str> = core.split('.').collect();
    nums.len() >= 2
        && nums
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
fn is_test_app(repo_rel_dir: &str) -> bool {
    test_app_folder(repo_rel_dir).is_some()
}

/// The folder (repository-relative) whose name says it holds a test, mock,
/// fake, example, demo or documentation app: `tests/`, `test-server/`, `mocks/`,
/// `fake-registry/`, `loadtest_app/`, `demo-server/`.
pub fn test_app_folder(repo_rel_dir: &str) -> Option<String> {
    let parts: Vec<&str> = repo_rel_dir.split('/').collect();
    let i = parts.iter().position(|part| {
        let p = part.to_ascii_lowercase();
        let words: Vec<&str> = p.split(['-', '_', '.']).collect();
        TEST_APP_FOLDERS.contains(&p.as_str())
            || p.starts_with("bench")
            || p.starts_with("e2e")
            || words.iter().any(|w| {
                matches!(
                    *w,
                    "test"
                        | "tests"
                        | "testing"
                        | "mock"
                        | "mocks"
                        | "fake"
                        | "fakes"
                        | "stub"
                        | "stubs"
                        | "dummy"
                        | "e2e"
                        | "testserver"
                        | "mockserver"
                        | "loadtest"
                        | "webtest"
                        | "perftest"
                        | "stresstest"
                        | "soaktest"
                        | "apitest"
                        | "integrationtest"
                        | "integrationtests"
                        | "smoketest"
                        | "smoketests"
                        | "systemtest"
                        | "itest"
                        | "interop"
                        | "conformance"
                        | "demo"
                        | "demos"
                        | "example"
                        | "examples"
                        | "sample"
                        | "samples"
                        | "tutorial"
                        | "tutorials"
                        | "quickstart"
                )
            })
            || p.starts_with("mock")
            || p.starts_with("fake")
    })?;
    Some(parts[..=i].join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_folders() {
        assert_eq!(
            release_folder("deploy/v4.13.4/csi-nfs-node.yaml").as_deref(),
            Some("deploy/v4.13.4")
        );
        assert_eq!(
            release_folder("charts/v4.9.0/csi-driver-nfs/templates/node.yaml").as_deref(),
            Some("charts/v4.9.0")
        );
        assert_eq!(
            release_folder("deploy/1.2/app.yaml").as_deref(),
            Some("deploy/1.2")
        );
        assert_eq!(
            release_folder("deploy/v2.0.0-rc.1/app.yaml").as_deref(),
            Some("deploy/v2.0.0-rc.1")
        );
        for current in [
            "deploy/csi-nfs-node.yaml",
            "charts/latest/x/templates/a.yaml",
            "deploy/v2/app.yaml",
            "api/v1alpha1/app.yaml",
            "v1.2.yaml",
        ] {
            assert_eq!(release_folder(current), None, "{current}");
        }
    }

    #[test]
    fn test_apps() {
        for d in [
            "tests/apps/echo",
            "test/e2e/app",
            "examples/hello",
            "benchmarks/load",
            "internal/e2e-suite/app",
            "demo",
            "cmd/loadgen-tests/x",
            "tools/test-server",
            "internal/mocks/registry",
            "cmd/fake-oidc",
            "hack/mockserver",
            "pkg/cmd/webtest",
            "sidecar/cmd/demo-server",
            "cmd/example_consumer",
            "docs/tutorial/v1/images/guestbook",
            "site/tutorials/shop",
            "deploy/quickstart-app",
            "hack/azurite",
        ] {
            assert!(is_test_app(d), "{d}");
        }
        for d in [
            "",
            "cmd/api",
            "services/contest",
            "internal/latest",
            "cmd/attestor",
            "cmd/democratic",
            "services/resample",
            "cmd/docserver",
            "cmd/doc",
            "cmd/hacker",
        ] {
            assert!(!is_test_app(d), "{d}");
        }
        assert_eq!(
            test_app_folder("tools/test-server/cmd").as_deref(),
            Some("tools/test-server")
        );
    }
}
