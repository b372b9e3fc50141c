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
