//! The review and bot workflows: every `--format` on one multi-rule module
//! (insta snapshots in tests/snapshots/), SARIF checked against the SARIF 2.1.0
//! schema, GitHub workflow commands read back the way the runner reads them, the
//! Markdown PR body, `gomemfix.toml` precedence, stdin mode, baselines, shards,
//! and the commands `action.yml` and `.pre-commit-hooks.yaml` declare.

use crate::common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A copy of tests/data outside any repository, made once per test run: a run
/// inside this repository would show paths from its root (`tests/data/multi/...`),
/// and the snapshots must not depend on where the sources sit.
fn data() -> PathBuf {
    static COPY: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    COPY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        common::copy_tree(&common::manifest_dir().join("tests/data"), dir.path());
        dir
    })
    .path()
    .to_path_buf()
}

fn gomemfix(args: &[&str], dir: &Path) -> Output {
    Command::new(common::gomemfix_bin())
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .output()
        .unwrap()
}

fn gomemfix_stdin(args: &[&str], dir: &Path, input: &[u8]) -> Output {
    let mut child = Command::new(common::gomemfix_bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// A copy of the multi-rule module in a fresh git-less folder of its own.
fn multi_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&data().join("multi"), &dir.path().join("multi"));
    dir
}

fn snap(name: &str, value: &str) {
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!(name, value);
    });
}

/// Rules other issues add must not change these snapshots.
const ALL: &[&str] = &[
    "--select",
    "GM005,GM008,GM010",
    "--report-unused-suppressions",
    "--show-suppressed",
];

#[test]
fn every_format_on_the_multi_rule_module() {
    let dir = data();
    for (format, extra) in [
        ("text", &["--color", "never"][..]),
        ("json", &[][..]),
        ("sarif", &[][..]),
        ("github", &[][..]),
        ("markdown", &[][..]),
    ] {
        let mut args = vec!["check", "--format", format];
        args.extend(extra);
        args.extend(ALL);
        args.push("multi");
        let o = gomemfix(&args, &dir);
        assert_eq!(o.status.code(), Some(1), "{format}: {}", stderr(&o));
        snap(&format!("check_{format}"), &stdout(&o));
    }
    // The bot's run: PR body on stdout, patch in a file.
    let out = tempfile::tempdir().unwrap();
    let patch = out.path().join("fix.patch");
    let patch_report = format!("patch={}", patch.display());
    let o = gomemfix(
        &[
            "fix",
            "--diff",
            "--unsafe-fixes",
            "--format",
            "markdown",
            "--report",
            &patch_report,
            "--select",
            "GM005,GM008,GM010",
            "multi",
        ],
        &dir,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    snap("fix_diff_markdown", &stdout(&o));
    snap("fix_diff_patch", &std::fs::read_to_string(&patch).unwrap());
    // Text review of a dry run: the patch on stdout, the summary on stderr.
    let select = ["--select", "GM005,GM008,GM010"];
    let o = gomemfix(&[&["fix", "--diff", "multi"][..], &select].concat(), &dir);
    assert_eq!(stdout(&o), {
        let safe = gomemfix(
            &[&["fix", "--diff", "--format", "text", "multi"][..], &select].concat(),
            &dir,
        );
        stdout(&safe)
    });
    snap("fix_diff_text_stderr", &stderr(&o));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = data();
    let plain = stdout(&gomemfix(&["check", "multi"], &dir));
    assert!(!plain.contains('\x1b'), "a pipe gets no colour");
    let forced = stdout(&gomemfix(&["check", "--color", "always", "multi"], &dir));
    assert!(forced.contains("\x1b["), "--color always colours");
    let o = Command::new(common::gomemfix_bin())
        .args(["check", "--color", "always", "multi"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        stdout(&o).contains("\x1b["),
        "an explicit flag wins over NO_COLOR"
    );
}

/// Validates SARIF logs against the published SARIF 2.1.0 schema with the
/// `jsonschema` package of .go/'s Python (tests/data/validate_sarif.py): one
/// error line per problem, empty when every log is valid.
fn sarif_schema_errors(logs: &[serde_json::Value]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(common::python());
    cmd.arg(data().join("validate_sarif.py"))
        .arg(data().join("sarif-schema-2.1.0.json"));
    for (i, log) in logs.iter().enumerate() {
        let path = tmp.path().join(format!("log{i}.sarif"));
        std::fs::write(&path, log.to_string()).unwrap();
        cmd.arg(path);
    }
    let out = cmd.output().expect("run validate_sarif.py");
    let errors = String::from_utf8_lossy(&out.stdout).into_owned();
    match out.status.code() {
        Some(0) => assert!(errors.is_empty()),
        Some(1) => assert!(!errors.is_empty()),
        _ => panic!(
            "validate_sarif.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
    errors
}

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    let dir = data();
    let mut logs = vec![];
    let mut runs = vec![];
    for args in [
        vec!["check", "--format", "sarif", "multi"],
        vec![
            "check",
            "--format",
            "sarif",
            "--show-suppressed",
            "--report-unused-suppressions",
            "multi",
        ],
        vec!["fix", "--diff", "--format", "sarif", "multi"],
        vec!["check", "--format", "sarif", "multi/prof/nothing-here"],
        // Every rule's fixtures, cross-file fixes included.
        vec!["check", "--format", "sarif", "../fixtures"],
    ] {
        let o = gomemfix(&args, &dir);
        let log: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", stdout(&o)));
        // Every location, cross-file fixes' too, is relative to the checkout.
        let text = log.to_string();
        assert!(!text.contains("\"uri\":\"/"), "{args:?}: an absolute uri");
        logs.push(log);
        runs.push(format!("log{}: {args:?}", runs.len()));
    }
    let errors = sarif_schema_errors(&logs);
    assert!(errors.is_empty(), "{}\n{errors}", runs.join("\n"));
    // And a negative control: the validator does reject a broken log.
    let mut bad: serde_json::Value =
        serde_json::from_slice(&gomemfix(&["check", "--format", "sarif", "multi"], &dir).stdout)
            .unwrap();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        serde_json::json!(0);
    assert!(sarif_schema_errors(&[bad]).contains("startLine"));
}

#[test]
fn sarif_carries_rules_locations_and_fixes() {
    let o = gomemfix(&["check", "--format", "sarif", "multi"], &data());
    let log: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let gm010 = rules.iter().find(|r| r["id"] == "GM010").unwrap();
    assert_eq!(gm010["name"], "gc-without-free-os-memory");
    assert!(gm010["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("## Why is this bad?"));
    assert_eq!(gm010["defaultConfiguration"]["level"], "warning");
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "GM010")
        .unwrap();
    assert_eq!(
        rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "GM010"
    );
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "multi/svc/cache.go");
    assert_eq!(loc["region"]["startLine"], 23);
    let change = &result["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "multi/svc/cache.go");
    let inserted: Vec<&str> = change["replacements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["insertedContent"]["text"].as_str().unwrap())
        .collect();
    assert!(inserted.contains(&"debug.FreeOSMemory"), "{inserted:?}");
}

/// Reads a workflow command back as the Actions runner does: split off `::kind `,
/// the properties up to the next `::`, each `key=value` on `,`, then unescape.
fn parse_command(line: &str) -> (String, Vec<(String, String)>, String) {
    let rest = line.strip_prefix("::").expect("a workflow command");
    let (head, message) = rest.split_once("::").expect("`::` before the message");
    let (kind, props) = head.split_once(' ').unwrap_or((head, ""));
    let unescape_data = |s: &str| {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%25", "%")
    };
    let unescape_prop = |s: &str| {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    };
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').expect("key=value");
            (k.to_string(), unescape_prop(v))
        })
        .collect();
    (kind.to_string(), props, unescape_data(message))
}

#[test]
fn github_commands_survive_the_runners_parsing() {
    // A path with the characters the runner splits on, and a message with a comma.
    let nasty = "we,ird:dir/50%.go";
    let dir = tree(&[(
        nasty,
        "package p\n\nimport \"runtime\"\n\nfunc f(work func()) {\n\tfor {\n\t\twork()\n\t\truntime.GC()\n\t}\n}\n\nfunc g() {\n\tcache = nil\n\truntime.GC()\n}\n\nvar cache []byte\n",
    )]);
    let json: serde_json::Value =
        serde_json::from_slice(&gomemfix(&["check", "--format", "json", "."], dir.path()).stdout)
            .unwrap();
    let o = gomemfix(&["check", "--format", "github", "."], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    let findings = json.as_array().unwrap();
    assert_eq!(lines.len(), findings.len());
    for (line, f) in lines.iter().zip(findings) {
        assert!(!line.contains('\n'));
        let (kind, props, message) = parse_command(line);
        assert_eq!(kind, "warning");
        let get = |k: &str| props.iter().find(|(key, _)| key == k).unwrap().1.clone();
        assert_eq!(get("file"), nasty);
        assert_eq!(get("line"), f["line"].to_string());
        assert_eq!(get("col"), f["column"].to_string());
        assert_eq!(get("endLine"), f["end_line"].to_string());
        assert_eq!(get("endColumn"), f["end_column"].to_string());
        assert_eq!(
            get("title"),
            format!(
                "{} [{}]",
                f["rule"].as_str().unwrap(),
                f["name"].as_str().unwrap()
            )
        );
        let first = message.lines().next().unwrap();
        assert_eq!(first, f["message"].as_str().unwrap());
        assert!(message.contains('\n'), "the fix is on a second line");
    }
}

#[test]
fn markdown_body_holds_each_files_diff_in_details() {
    let work = multi_copy();
    let patch = work.path().join("fix.patch");
    let o = gomemfix(
        &[
            "fix",
            "--diff",
            "--unsafe-fixes",
            "--format",
            "markdown",
            "--report",
            &format!("patch={}", patch.display()),
            "multi",
        ],
        work.path(),
    );
    let body = stdout(&o);
    let patch = std::fs::read_to_string(&patch).unwrap();
    assert!(body.contains("| Rule | Findings | Fixed |"), "{body}");
    // One <details> per changed file, whose fenced diff is that file's part of the patch.
    let files: Vec<&str> = patch
        .lines()
        .filter_map(|l| l.strip_prefix("diff --git a/"))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(files.len(), 2);
    let mut rebuilt = String::new();
    for file in &files {
        let open = format!("<details>\n<summary><code>{file}</code>");
        let at = body
            .find(&open)
            .unwrap_or_else(|| panic!("no details for {file}:\n{body}"));
        let block = &body[at..];
        let block = &block[..block.find("</details>").unwrap()];
        let start = block.find("```diff\n").unwrap() + "```diff\n".len();
        let end = block[start..].find("\n```\n").unwrap() + start + 1;
        rebuilt.push_str(&block[start..end]);
    }
    assert_eq!(rebuilt, patch);
    // The patch applies: the bot's `git apply` step.
    let check = Command::new("git")
        .args(["apply", "--check", "fix.patch"])
        .current_dir(work.path())
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn config_is_found_and_the_command_line_wins() {
    let buggy = std::fs::read_to_string(data().join("multi/svc/cache.go")).unwrap();
    let prof = std::fs::read_to_string(data().join("multi/prof/prof.go")).unwrap();
    let dir = tree(&[
        ("repo/go.mod", "module example.com/r\n\ngo 1.22\n"),
        ("repo/svc/cache.go", &buggy),
        ("repo/prof/prof.go", &prof),
        ("repo/gen/prof.go", &prof),
        (
            "repo/gomemfix.toml",
            "select = [\"GM005\", \"GM008\"]\nexclude = [\"gen\"]\nunsafe-fixes = true\n",
        ),
        // Above the repository root: must not be read.
        ("gomemfix.toml", "select = [\"GM010\"]\n"),
    ]);
    std::fs::create_dir_all(dir.path().join("repo/.git")).unwrap();
    let repo = dir.path().join("repo");
    let rules_in = |o: &Output| -> BTreeSet<(String, String)> {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|_| panic!("{}{}", stdout(o), stderr(o)));
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["path"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let pair = |r: &str, p: &str| (r.to_string(), p.to_string());
    // The file's select and exclude apply, found from a subfolder too.
    let o = gomemfix(&["check", "--format", "json", "."], &repo);
    assert_eq!(
        rules_in(&o),
        BTreeSet::from([pair("GM005", "svc/cache.go"), pair("GM008", "prof/prof.go")])
    );
    let o = gomemfix(&["check", "--format", "json", "svc"], &repo);
    assert_eq!(
        rules_in(&o),
        BTreeSet::from([pair("GM005", "svc/cache.go")])
    );
    // --select and --exclude on the command line replace the file's lists.
    let o = gomemfix(
        &["check", "--format", "json", "--select", "GM010", "."],
        &repo,
    );
    assert_eq!(
        rules_in(&o),
        BTreeSet::from([pair("GM010", "svc/cache.go")])
    );
    let o = gomemfix(
        &["check", "--format", "json", "--exclude", "svc/**", "."],
        &repo,
    );
    assert_eq!(
        rules_in(&o),
        BTreeSet::from([pair("GM008", "prof/prof.go"), pair("GM008", "gen/prof.go")])
    );
    // unsafe-fixes = true in the file; --no-unsafe-fixes wins.
    let with = stdout(&gomemfix(&["fix", "--diff", "svc"], &repo));
    assert!(with.contains("-\t\truntime.GC()"), "{with}");
    let without = stdout(&gomemfix(
        &["fix", "--diff", "--no-unsafe-fixes", "svc"],
        &repo,
    ));
    assert!(!without.contains("-\t\truntime.GC()"), "{without}");
    // --config names another file.
    std::fs::write(dir.path().join("other.toml"), "select = [\"GM008\"]\n").unwrap();
    let o = gomemfix(
        &[
            "check",
            "--format",
            "json",
            "--config",
            "../other.toml",
            "svc",
        ],
        &repo,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Errors name the file, the line and the key.
    std::fs::write(
        repo.join("gomemfix.toml"),
        "select = [\"GM005\"]\n\n[rules.GM009]\nframe-treshold = 10\n",
    )
    .unwrap();
    let o = gomemfix(&["check", "."], &repo);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("gomemfix.toml:4: unknown key `rules.GM009.frame-treshold`"),
        "{}",
        stderr(&o)
    );
    std::fs::write(repo.join("gomemfix.toml"), "ignore = [\"GM999\"]\n").unwrap();
    let o = gomemfix(&["check", "."], &repo);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("gomemfix.toml:1: `ignore`: unknown rule `GM999`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn stdin_and_file_modes_give_the_same_fix() {
    let work = multi_copy();
    let module = work.path().join("multi");
    let files = common::go_files(&module);
    let originals: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let mut from_stdin = vec![];
    for (file, original) in files.iter().zip(&originals) {
        let rel = file.strip_prefix(work.path()).unwrap().to_str().unwrap();
        let o = gomemfix_stdin(
            &["fix", "--unsafe-fixes", "--stdin-filename", rel],
            work.path(),
            original,
        );
        assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
        from_stdin.push(o.stdout);
        // check reads stdin as that path, too.
        let c = gomemfix_stdin(
            &["check", "--format", "json", "--stdin-filename", rel],
            work.path(),
            original,
        );
        let v: serde_json::Value = serde_json::from_slice(&c.stdout).unwrap();
        assert!(v.as_array().unwrap().iter().all(|f| f["path"] == rel));
    }
    let o = gomemfix(&["fix", "--unsafe-fixes", "multi"], work.path());
    assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
    for (file, stdin_out) in files.iter().zip(&from_stdin) {
        assert_eq!(
            String::from_utf8_lossy(&std::fs::read(file).unwrap()),
            String::from_utf8_lossy(stdin_out),
            "{}",
            file.display()
        );
    }
    assert_ne!(originals[1], from_stdin[1], "the fixture has fixes");
}

#[test]
fn stdin_leaves_fixes_that_edit_other_files_to_a_tree_run() {
    let fixtures = common::manifest_dir().join("tests/fixtures");
    // GM003: the fix would add a `ctx` parameter and update callers in other files.
    // GM006: the fix edits the Dockerfile only.
    for (dir, rel) in [
        ("GM003", "internal/cache/pos_generic_per_request.go"),
        ("GM006", "billing/pos_main.go"),
    ] {
        let root = fixtures.join(dir);
        let original = std::fs::read(root.join(rel)).unwrap();
        let fixed = gomemfix_stdin(
            &["fix", "--unsafe-fixes", "--stdin-filename", rel],
            &root,
            &original,
        );
        assert_eq!(fixed.status.code(), Some(1), "{dir}: {}", stderr(&fixed));
        assert_eq!(
            fixed.stdout, original,
            "{dir}: the file comes back unchanged"
        );
        assert!(
            stderr(&fixed).contains("run `gomemfix fix` on the tree"),
            "{dir}: {}",
            stderr(&fixed)
        );
        let diff = gomemfix_stdin(
            &["fix", "--diff", "--unsafe-fixes", "--stdin-filename", rel],
            &root,
            &original,
        );
        assert_eq!(diff.status.code(), Some(1), "{dir}: findings remain");
        assert!(stdout(&diff).is_empty(), "{dir}: {}", stdout(&diff));
        let check = gomemfix_stdin(
            &["check", "--format", "json", "--stdin-filename", rel],
            &root,
            &original,
        );
        let v: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
        let found = v.as_array().unwrap();
        assert!(
            found.iter().any(|f| f["rule"] == dir && f["fix"].is_null()),
            "{dir}: {found:?}"
        );
    }
}

#[test]
fn baseline_holds_old_findings_across_line_moves() {
    let work = multi_copy();
    let dir = work.path();
    for format in ["json", "sarif"] {
        let o = gomemfix(&["check", "--format", format, "multi"], dir);
        std::fs::write(dir.join(format!("baseline.{format}")), &o.stdout).unwrap();
    }
    // Unrelated edits move every line; one new finding appears.
    let cache = dir.join("multi/svc/cache.go");
    let text = std::fs::read_to_string(&cache).unwrap();
    let moved = text.replacen(
        "var cache",
        "// Limit is how much the cache may hold.\nconst Limit = 1 << 20\n\nvar cache",
        1,
    ) + "\n// Reset forgets everything.\nfunc Reset() {\n\tcache = map[string][]byte{}\n\truntime.GC()\n}\n";
    std::fs::write(&cache, moved).unwrap();
    for format in ["json", "sarif"] {
        let baseline = format!("baseline.{format}");
        let o = gomemfix(
            &[
                "check",
                "--format",
                "json",
                "--baseline",
                &baseline,
                "multi",
            ],
            dir,
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let left: Vec<(String, u64)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().into(),
                    f["line"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(left, vec![("GM010".to_string(), 43)], "{format}");
        let text = stdout(&gomemfix(&["check", "--baseline", &baseline, "multi"], dir));
        assert!(text.contains("3 in the baseline"), "{text}");
        // fix touches only the new finding.
        let diff = stdout(&gomemfix(
            &[
                "fix",
                "--diff",
                "--unsafe-fixes",
                "--baseline",
                &baseline,
                "multi",
            ],
            dir,
        ));
        assert_eq!(diff.matches("\n-\t").count(), 1, "{diff}");
        assert!(diff.contains("+\tdebug.FreeOSMemory()"), "{diff}");
    }
    assert_eq!(
        gomemfix(&["check", "--baseline", "nope.json", "multi"], dir)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn shards_cover_every_file_exactly_once() {
    let body =
        "package p\n\nimport \"runtime\"\n\nfunc F{}() {{\n\tfor {{\n\t\tstep()\n\t\truntime.GC()\n\t}}\n}}\n";
    let files: Vec<(String, String)> = (0..40)
        .map(|i| {
            (
                format!("pkg{}/f{i}.go", i % 5),
                body.replace("F{}", &format!("F{i}"))
                    .replace("{{", "{")
                    .replace("}}", "}"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = tree(&refs);
    let paths = |args: &[&str]| -> Vec<String> {
        let o = gomemfix(args, dir.path());
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect()
    };
    let all: BTreeSet<String> = paths(&["check", "--format", "json", "."])
        .into_iter()
        .collect();
    assert_eq!(all.len(), 40);
    for n in [1, 2, 3, 7] {
        let mut seen: Vec<String> = vec![];
        for k in 1..=n {
            let shard = format!("{k}/{n}");
            let part = paths(&["check", "--format", "json", "--shard", &shard, "."]);
            // Stable: the same shard twice is the same list.
            assert_eq!(
                part,
                paths(&["check", "--format", "json", "--shard", &shard, "."])
            );
            seen.extend(part);
        }
        seen.sort();
        assert_eq!(seen, all.iter().cloned().collect::<Vec<_>>(), "{n} shards");
    }
    let bad = gomemfix(&["check", "--shard", "4/3", "."], dir.path());
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn unused_suppressions_only_when_asked() {
    let dir = data();
    let quiet = stdout(&gomemfix(&["check", "--format", "json", "multi"], &dir));
    assert!(!quiet.contains("GM100"));
    let loud = stdout(&gomemfix(
        &[
            "check",
            "--format",
            "json",
            "--report-unused-suppressions",
            "multi",
        ],
        &dir,
    ));
    assert!(loud.contains("\"GM100\""), "{loud}");
    let text = stdout(&gomemfix(&["check", "--color", "never", "multi"], &dir));
    assert!(
        text.contains("1 suppressed (list them with --show-suppressed)"),
        "{text}"
    );
}

/// A finding's message leads with one short clause a reviewer reads first (the
/// harm), under 120 characters; what follows a `; ` is detail. Checked over
/// every rule's fixtures at every confidence.
#[test]
fn every_message_leads_with_a_short_clause() {
    let mut long = vec![];
    for dir in crate::common::rule_dirs() {
        let ran = crate::common::gomemfix(&dir, crate::common::EVERY_FINDING_AS_JSON);
        let findings: Vec<serde_json::Value> =
            serde_json::from_str(&ran.stdout).expect("JSON findings");
        for f in &findings {
            let message = f["message"].as_str().unwrap_or_default();
            let head = message.split("; ").next().unwrap_or_default();
            if head.chars().count() >= 120 {
                long.push(format!("{}: {head}", f["rule"]));
            }
        }
    }
    long.sort();
    long.dedup();
    assert!(
        long.is_empty(),
        "first clauses of 120 characters or more:\n{}",
        long.join("\n")
    );
}
