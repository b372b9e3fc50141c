//! The fixes are only worth having if the fixed code builds: copy every fixture
//! module and `examples/`, check the `--diff` applies with `git apply`, run
//! `fix --unsafe-fixes`, then require `go vet ./...` and `gofmt -l` to pass and a
//! second run to change nothing. Needs Go (see README); fails without it. The
//! `--diff` applied with `patch -p1` (`git apply` where `patch` is not installed)
//! must give exactly the files `fix` writes.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn vet_all(root: &Path, when: &str) {
    if let Err(e) = common::go_vet_modules(&common::go_modules_under(root)) {
        panic!("go vet failed {when}:\n{e}");
    }
}

fn gofmt_clean(root: &Path, when: &str) {
    let out = Command::new(common::gofmt_binary())
        .arg("-l")
        .arg(root)
        .output()
        .expect("run gofmt");
    assert!(
        out.status.success(),
        "gofmt failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // gofmt writes LF: a CRLF file is judged on its LF form (gomemfix keeps CRLF).
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|path| {
            let bytes = std::fs::read(path).unwrap();
            if !bytes.windows(2).any(|w| w == b"\r\n") {
                return true;
            }
            let lf = tempfile::Builder::new().suffix(".go").tempfile().unwrap();
            std::fs::write(
                lf.path(),
                String::from_utf8_lossy(&bytes).replace("\r\n", "\n"),
            )
            .unwrap();
            let o = Command::new(common::gofmt_binary())
                .arg("-l")
                .arg(lf.path())
                .output()
                .unwrap();
            !o.stdout.is_empty()
        })
        .map(str::to_string)
        .collect();
    assert!(
        listed.is_empty(),
        "gofmt -l lists files {when}:\n{}",
        listed.join("\n")
    );
}

fn gomemfix(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(common::gomemfix_bin())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run gomemfix")
}

/// What both tests below check, made once while either runs: a copy of the
/// fixtures and `examples/` as they are (`pristine`), its `fix --unsafe-fixes
/// --diff`, and a second copy after `fix --unsafe-fixes` (`fixed`). Each run of
/// gomemfix over the tree costs ~8 s of CPU in CI's build, and the two tests
/// did the same two runs each (the tests start together: 4 threads, sorted
/// names). The last test to let go of it removes the copies.
struct Fixed {
    tmp: tempfile::TempDir,
    pristine: PathBuf,
    fixed: PathBuf,
    diff: std::process::Output,
    fix: std::process::Output,
}

fn fixed_tree() -> std::sync::Arc<Fixed> {
    use std::sync::{Arc, Mutex, Weak};
    static SHARED: Mutex<Weak<Fixed>> = Mutex::new(Weak::new());
    // Held while the copies are made, so the other test waits for them.
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(made) = shared.upgrade() {
        return made;
    }
    let tmp = tempfile::tempdir().unwrap();
    let copy = |to: &Path| {
        common::copy_tree(&common::fixtures_dir(), &to.join("fixtures"));
        common::copy_tree(
            &common::manifest_dir().join("examples"),
            &to.join("examples"),
        );
    };
    let pristine = tmp.path().join("pristine");
    let fixed = tmp.path().join("fixed");
    copy(&pristine);
    copy(&fixed);
    let diff = gomemfix(&["fix", "--unsafe-fixes", "--diff", "."], &pristine);
    let fix = gomemfix(&["fix", "--unsafe-fixes", "."], &fixed);
    let made = Arc::new(Fixed {
        tmp,
        pristine,
        fixed,
        diff,
        fix,
    });
    *shared = Arc::downgrade(&made);
    made
}

#[test]
fn fixed_code_compiles_is_gofmt_clean_and_stable() {
    let t = fixed_tree();
    let root = &t.pristine;
    vet_all(root, "before fixing");
    gofmt_clean(root, "before fixing");

    let diff = &t.diff;
    assert_eq!(
        diff.status.code(),
        Some(1),
        "--diff exits 1 when there is a diff: {}",
        String::from_utf8_lossy(&diff.stderr)
    );
    let patch = t.tmp.path().join("gomemfix-fixtures.patch");
    std::fs::write(&patch, &diff.stdout).unwrap();
    let apply = Command::new("git")
        .args(["apply", "--check", "-p1"])
        .arg(&patch)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        apply.status.success(),
        "git apply --check: {}",
        String::from_utf8_lossy(&apply.stderr)
    );

    let root = &t.fixed;
    let fix = &t.fix;
    assert_ne!(
        fix.status.code(),
        Some(2),
        "fix failed: {}",
        String::from_utf8_lossy(&fix.stderr)
    );
    vet_all(root, "after fixing");
    gofmt_clean(root, "after fixing");

    let again = gomemfix(&["fix", "--unsafe-fixes", "--diff", "."], root);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        "",
        "a second run changed something"
    );
    assert_eq!(again.status.code(), Some(0));
    // What is left after fixing is report-only: nothing `fix` could still apply.
    let left = gomemfix(&["check", "--format", "json", "."], root);
    let left: serde_json::Value = serde_json::from_slice(&left.stdout).expect("json");
    for f in left.as_array().unwrap() {
        assert!(f["fix"].is_null(), "still fixable after fixing: {f}");
    }
}

/// Every file below `dir` (relative path, bytes), sorted.
fn tree_contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().filter_map(|e| e.ok()) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// `patch` when it is installed. Without it (Debian has it, a slim image may
/// not) `git apply`, which the clean clone needs anyway, is the check: the diff
/// must still apply and give what `fix` writes.
fn patch_command() -> Command {
    if Command::new("patch")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let mut cmd = Command::new("patch");
        cmd.args(["-p1", "--batch", "--no-backup-if-mismatch"]);
        cmd
    } else {
        eprintln!("no `patch` on this machine: applying the diff with `git apply -p1`");
        let mut cmd = Command::new("git");
        cmd.args(["apply", "-p1", "-"]);
        cmd
    }
}

#[test]
fn diff_applied_with_patch_p1_gives_what_fix_writes() {
    let t = fixed_tree();
    let tmp = tempfile::tempdir().unwrap();
    let patched = tmp.path().join("patched");
    common::copy_tree(&t.pristine, &patched);
    let before = tree_contents(&patched);

    let diff = &t.diff;
    assert_eq!(
        diff.status.code(),
        Some(1),
        "--diff exits 1 when there is a diff: {}",
        String::from_utf8_lossy(&diff.stderr)
    );
    let mut apply = patch_command();
    let mut child = apply
        .current_dir(&patched)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run patch (or git apply)");
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&diff.stdout).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{:?} rejected the diff:\n{}{}",
        apply,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let fix = &t.fix;
    assert_ne!(
        fix.status.code(),
        Some(2),
        "fix failed: {}",
        String::from_utf8_lossy(&fix.stderr)
    );
    let after_patch = tree_contents(&patched);
    let after_fix = tree_contents(&t.fixed);
    assert_ne!(after_fix, before, "fix changed nothing: the check is empty");
    let names = |t: &[(PathBuf, Vec<u8>)]| t.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&after_patch),
        names(&after_fix),
        "the patched tree holds other files than the fixed one"
    );
    for ((path, patched), (_, fixed)) in after_patch.iter().zip(&after_fix) {
        assert!(
            patched == fixed,
            "{}: the patched file differs from what fix wrote",
            path.display()
        );
    }
}

/// GM009 counts a local array in a function's frame only when the compiler keeps
/// it on the stack. The compiler says which variables it moves to the heap
/// (`go build -gcflags=-m`): none of the arrays gomemfix counts may be among them.
#[test]
fn gm009_frames_agree_with_the_compilers_escape_analysis() {
    use gomemfix::analysis::frames::frame_slots;
    use gomemfix::finding::Position;
    use gomemfix::gofile::GoFile;

    let dir = common::fixtures_dir().join("GM009");
    let out = common::run_go(&mut common::go(&["build", "-gcflags=-m", "."], &dir));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let diag = String::from_utf8_lossy(&out.stderr).into_owned();
    // `./file.go:LINE:COL: moved to heap: NAME`
    let moved: Vec<(String, usize, String)> = diag
        .lines()
        .filter_map(|l| {
            let (place, name) = l.split_once(": moved to heap: ")?;
            let mut parts = place.trim_start_matches("./").split(':');
            let file = parts.next()?.to_string();
            let line = parts.next()?.parse().ok()?;
            Some((file, line, name.trim().to_string()))
        })
        .collect();
    assert!(
        moved
            .iter()
            .any(|(f, _, n)| f == "neg_sliced_escaping.go" && n == "indent"),
        "the oracle itself: fmt's arguments move the array to the heap\n{diag}"
    );
    let mut counted = 0;
    for path in common::go_files(&dir) {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let file = GoFile::parse(&path, &text, None);
        for func in file.root.root().dfs().filter(|n| {
            matches!(
                n.kind().as_ref(),
                "function_declaration" | "method_declaration" | "func_literal"
            )
        }) {
            let first = Position::of_offset(&text, func.range().start).line;
            let last = Position::of_offset(&text, func.range().end).line;
            for slot in frame_slots(&file, &func) {
                counted += 1;
                let on_heap = moved
                    .iter()
                    .any(|(f, l, n)| *f == name && (first..=last).contains(l) && *n == slot.name);
                assert!(
                    !on_heap,
                    "{name}:{first}: gomemfix counts `{}` in the frame, the compiler moves it to the heap",
                    slot.name
                );
            }
        }
    }
    assert!(
        counted >= 5,
        "the fixtures count arrays in frames ({counted})"
    );
}

/// GM009 sizes a frame as the compiler lays it out: variables of different
/// arms of a `switch` or `if` share one slot (the compiler merges the slots of
/// locals never live together), so the frame gomemfix counts for a function
/// never exceeds the one the compiler gives it (`go build -gcflags=-S` prints
/// `locals=` per function), and a fixture shows the sum would. Functions whose
/// arrays the compiler drops as dead code (its frame smaller than any of them)
/// say nothing about layout and are left out.
#[test]
fn gm009_frame_sizes_stay_within_the_compilers_frames() {
    use gomemfix::analysis::frames::{frame_size, frame_slots};
    use gomemfix::gofile::GoFile;
    use std::collections::BTreeMap;

    let dir = common::fixtures_dir().join("GM009");
    let out = common::run_go(&mut common::go(&["build", "-gcflags=-S", "."], &dir));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `example.com/fixtures/gm009.(*T).name STEXT size=... locals=0x448 ...`
    let mut locals: BTreeMap<String, u64> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stderr).lines() {
        let Some((name, rest)) = line.split_once(" STEXT ") else {
            continue;
        };
        let Some(hex) = rest
            .split_whitespace()
            .find_map(|w| w.strip_prefix("locals=0x"))
        else {
            continue;
        };
        let short = name.rsplit_once("gm009.").map_or(name, |(_, s)| s);
        locals.insert(short.to_string(), u64::from_str_radix(hex, 16).unwrap());
    }
    let mut compared = 0;
    let mut summed_over = false;
    for path in common::go_files(&dir) {
        let text = std::fs::read_to_string(&path).unwrap();
        let file = GoFile::parse(&path, &text, None);
        for func in file.root.root().children().filter(|n| {
            matches!(
                n.kind().as_ref(),
                "function_declaration" | "method_declaration"
            )
        }) {
            let name = func.field("name").unwrap().text().to_string();
            let key = match func.field("receiver") {
                None => name,
                Some(r) => {
                    let ty = r.field("type").or_else(|| {
                        r.children()
                            .find(|c| c.kind() == "parameter_declaration")
                            .and_then(|p| p.field("type"))
                    });
                    let ty = ty.unwrap().text().to_string();
                    match ty.strip_prefix('*') {
                        Some(t) => format!("(*{t}).{name}"),
                        None => format!("{ty}.{name}"),
                    }
                }
            };
            let slots = frame_slots(&file, &func);
            if slots.is_empty() {
                continue;
            }
            let Some(&compiler) = locals.get(&key) else {
                continue;
            };
            // The compiler drops an array nothing reads (`_ = local`, a store
            // never loaded): a question of dead code, not of layout.
            if slots
                .iter()
                .map(|s| s.size)
                .min()
                .is_some_and(|m| compiler < m)
            {
                continue;
            }
            compared += 1;
            let ours = frame_size(&slots);
            assert!(
                ours <= compiler,
                "{}: gomemfix counts {ours} bytes in `{key}`'s frame, the compiler's frame is {compiler}",
                path.display()
            );
            let sum: u64 = slots.iter().map(|s| s.size).sum();
            summed_over |= sum > compiler;
        }
    }
    assert!(compared >= 5, "functions compared: {compared}");
    assert!(
        summed_over,
        "a fixture (neg_switch_cases.go) has arms whose sum exceeds the compiler's frame"
    );
}
