//! Bad input never loses a file and never stops the run: each case runs the built
//! binary over a scratch folder holding the bad file next to a good one that has a
//! fixable finding, and checks the message, the exit code (2 only at the end, after
//! the good file was still handled) and that nothing was changed that should not be.

use crate::common::{self, Ran};

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use gomemfix::write::{write_atomic, WriteError};

/// A GM008 site with a safe fix: `fix` removes the standing rate (its `init`
/// and the import go with it).
const GOOD: &str = "package p\n\nimport \"runtime\"\n\nvar cache []byte\n\nfunc init() {\n\truntime.MemProfileRate = 1\n}\n";
const GOOD_FIXED: &str = "package p\n\nvar cache []byte\n";

/// A scratch folder with `good.go` (a fixable finding) in it.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("good.go"), GOOD).unwrap();
    dir
}

fn read(p: impl AsRef<Path>) -> Vec<u8> {
    fs::read(p).unwrap()
}

/// The good file was fixed although another file was bad.
fn assert_good_fixed(dir: &Path, r: &Ran) {
    assert_eq!(
        String::from_utf8(read(dir.join("good.go"))).unwrap(),
        GOOD_FIXED,
        "good.go should still be fixed; stderr:\n{}",
        r.stderr
    );
}

fn is_root() -> bool {
    let probe = tempfile::NamedTempFile::new().unwrap();
    probe.as_file().metadata().unwrap().uid() == 0
}

#[test]
fn invalid_utf8_is_reported_and_skipped() {
    let dir = scratch();
    let bad = b"package p\n\nfunc f() { s := \"\xff\xfe\" ; _ = s }\n".to_vec();
    fs::write(dir.path().join("latin1.go"), &bad).unwrap();
    let r = common::gomemfix(dir.path(), &["check", "."]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("latin1.go") && r.stderr.contains("not valid UTF-8"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.contains("good.go"),
        "findings still printed: {}",
        r.stdout
    );
    let r = common::gomemfix(dir.path(), &["fix", "."]);
    assert_eq!(r.code, 2);
    assert_good_fixed(dir.path(), &r);
    assert_eq!(read(dir.path().join("latin1.go")), bad);
}

#[test]
fn binary_file_named_go_is_reported_and_skipped() {
    let dir = scratch();
    let bad: Vec<u8> = (0u8..=255).cycle().take(4096).collect();
    fs::write(dir.path().join("blob.go"), &bad).unwrap();
    let r = common::gomemfix(dir.path(), &["fix", "."]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("blob.go") && r.stderr.contains("binary"),
        "{}",
        r.stderr
    );
    assert_good_fixed(dir.path(), &r);
    assert_eq!(read(dir.path().join("blob.go")), bad);
}

#[test]
fn syntax_errors_block_fixes_near_them_but_not_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    // A GC in a loop (GM005) in a function the parser cannot read, and one in a
    // clean function. `runtime` stays in use, so neither fix needs an import edit.
    let text = "package p\n\nimport \"runtime\"\n\nvar n = runtime.NumCPU()\n\nfunc broken() {\n\tfor i := 0; i < n; i++ {\n\t\tstep(i)\n\t\truntime.GC()\n\t}\n\tx := [}\n}\n\nfunc work() {}\n\nfunc clean() {\n\tfor i := 0; i < n; i++ {\n\t\twork()\n\t\truntime.GC()\n\t}\n}\n";
    let path = dir.path().join("broken.go");
    fs::write(&path, text).unwrap();
    let r = common::gomemfix(dir.path(), &["check", "--format", "json", "."]);
    assert_eq!(r.code, 1, "findings, no error: {}", r.stderr);
    // The place is named, with the code the parser could not place.
    assert!(
        r.stderr
            .contains("broken.go:12:2: parsed only in part: syntax error, cannot parse `x := [}`"),
        "{}",
        r.stderr
    );
    let entries: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let found: Vec<(&str, u64, bool)> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                !f["fix"].is_null(),
            )
        })
        .collect();
    // Both findings are reported, only the one away from the error offers a fix; the
    // error itself is an entry of its own (GM000), in position order, without a fix.
    assert_eq!(
        found,
        vec![
            ("GM005", 10, false),
            ("GM000", 12, false),
            ("GM005", 20, true)
        ],
        "{}",
        r.stdout
    );
    let err = &entries[1];
    assert_eq!(err["name"], "syntax-error");
    assert_eq!(
        (err["column"].as_u64(), err["severity"].as_str()),
        (Some(2), Some("warning"))
    );

    let r = common::gomemfix(dir.path(), &["fix", "--unsafe-fixes", "."]);
    assert_eq!(r.code, 1, "the site near the error remains: {}", r.stderr);
    let after = String::from_utf8(read(&path)).unwrap();
    let broken_fn = &text[text.find("func broken").unwrap()..text.find("func work").unwrap()];
    assert!(
        after.contains(broken_fn),
        "the broken function is untouched:\n{after}"
    );
    assert_eq!(
        after,
        text.replace("\t\twork()\n\t\truntime.GC()\n", "\t\twork()\n")
    );
}

#[test]
fn empty_file_is_fine() {
    let dir = scratch();
    fs::write(dir.path().join("empty.go"), b"").unwrap();
    let r = common::gomemfix(dir.path(), &["fix", "."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert_good_fixed(dir.path(), &r);
    assert_eq!(read(dir.path().join("empty.go")), b"");
}

/// 20 MB of generated table code, as `go generate` writes it.
fn big_table(header: bool) -> String {
    let mut s = String::with_capacity(21 << 20);
    if header {
        s.push_str("// Code generated by tablegen. DO NOT EDIT.\n\n");
    }
    s.push_str("package p\n\nvar table = [...]uint32{\n");
    let mut i: u64 = 0;
    while s.len() < 20 << 20 {
        s.push_str(&format!(
            "\t0x{:08x}, 0x{:08x}, 0x{:08x}, 0x{:08x},\n",
            i,
            i ^ 0x5a5a,
            i * 7,
            i * 13
        ));
        i += 4;
    }
    s.push_str("}\n");
    s
}

#[test]
fn twenty_megabyte_files_are_skipped_fast() {
    let dir = scratch();
    let generated = big_table(true);
    fs::write(dir.path().join("zz_table.go"), &generated).unwrap();
    let started = Instant::now();
    let r = common::gomemfix(dir.path(), &["fix", "."]);
    let took = started.elapsed();
    // A generated file is not ours to touch: skipped without a word, even when huge.
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_good_fixed(dir.path(), &r);

    // A huge hand-written file is over the size limit: reported, skipped, run goes on.
    let dir = scratch();
    let plain = big_table(false);
    fs::write(dir.path().join("huge.go"), &plain).unwrap();
    let started = Instant::now();
    let r = common::gomemfix(dir.path(), &["fix", "."]);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("huge.go") && r.stderr.contains("--max-file-size"),
        "{}",
        r.stderr
    );
    assert_good_fixed(dir.path(), &r);
    assert_eq!(read(dir.path().join("huge.go")), plain.as_bytes());

    // With the limit raised it is read; the prefilter sees no rule can match.
    let started = Instant::now();
    let r = common::gomemfix(
        dir.path(),
        &["check", "--max-file-size", "67108864", "huge.go"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Generous: a debug build on a loaded 2-core machine (1.3 s CPU when idle).
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// A file with thousands of sites of one rule (an unmarked generated file):
/// the rule is not run there, the run says so once, and the other rules and
/// files are analysed as usual. Sites times bytes is what is bounded, so a
/// hand-written file with a few findings is never affected.
#[test]
fn a_file_dense_with_one_rules_sites_is_bounded_and_reported() {
    let dir = scratch();
    let mut dense = String::from("package dense\n\nimport \"runtime\"\n");
    for i in 0..3000 {
        dense.push_str(&format!(
            "\nfunc f{i}(x int) int {{\n\tif x > {i} {{\n\t\truntime.GC()\n\t}}\n\treturn x\n}}\n"
        ));
    }
    fs::create_dir_all(dir.path().join("dense")).unwrap();
    fs::write(dir.path().join("dense/dense.go"), &dense).unwrap();
    fs::create_dir_all(dir.path().join("loop")).unwrap();
    fs::write(
        dir.path().join("loop/loop.go"),
        "package loop\n\nimport \"runtime\"\n\nfunc Churn(n int) {\n\tfor i := 0; i < n; i++ {\n\t\truntime.GC()\n\t}\n}\n",
    )
    .unwrap();
    let r = common::gomemfix(dir.path(), &["check", "--confidence", "low", "."]);
    let skipped: Vec<&str> = r.stderr.lines().filter(|l| l.contains("not run")).collect();
    assert_eq!(skipped.len(), 1, "{}", r.stderr);
    assert!(
        skipped[0].contains("dense.go")
            && skipped[0].contains("GM010 not run: 3000 candidate sites")
            && skipped[0].contains("Code generated"),
        "{}",
        r.stderr
    );
    // The loop elsewhere is still found (GM005), and nothing of dense.go is.
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("loop.go") && r.stdout.contains("GM005"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("dense.go"), "{}", r.stdout);
}

#[test]
fn crlf_and_bom_are_kept_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = |s: &str| s.replace('\n', "\r\n");
    // A trailing comment with odd spacing and a tab-aligned block outside the edit.
    let tail = "\n// keep   this\t spacing\nvar (\n\ta   = 1\n\tbcd = 2\n)\n";
    let orig = format!("\u{feff}{}{}", crlf(GOOD), crlf(tail));
    let want = format!("\u{feff}{}{}", crlf(GOOD_FIXED), crlf(tail));
    fs::write(dir.path().join("bom_crlf.go"), &orig).unwrap();
    // A file with mixed endings is kept as it is outside the edit too.
    let mixed = GOOD.replacen("var cache []byte\n", "var cache []byte\r\n", 1);
    let mixed_want = GOOD_FIXED.replacen("var cache []byte\n", "var cache []byte\r\n", 1);
    fs::write(dir.path().join("mixed.go"), &mixed).unwrap();
    let r = common::gomemfix(dir.path(), &["fix", "."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        String::from_utf8(read(dir.path().join("bom_crlf.go"))).unwrap(),
        want
    );
    assert_eq!(
        String::from_utf8(read(dir.path().join("mixed.go"))).unwrap(),
        mixed_want
    );
}

#[test]
fn read_only_file_is_reported_and_left_alone() {
    let dir = scratch();
    let ro = dir.path().join("ro.go");
    fs::write(&ro, GOOD).unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o444)).unwrap();
    // Root could write it anyway: gomemfix refuses on the mode bits, not on EACCES.
    let r = common::gomemfix(dir.path(), &["fix", "."]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("ro.go") && r.stderr.contains("read-only"),
        "{}",
        r.stderr
    );
    assert_eq!(read(&ro), GOOD.as_bytes());
    assert_good_fixed(dir.path(), &r);
}

#[test]
fn file_changed_or_deleted_after_reading_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.go");
    // Changed by someone else between our read (GOOD) and our write.
    fs::write(&p, "package p // edited meanwhile\n").unwrap();
    let e = write_atomic(&p, GOOD.as_bytes(), GOOD_FIXED.as_bytes()).unwrap_err();
    assert!(matches!(e, WriteError::ChangedSinceRead), "{e}");
    assert_eq!(read(&p), b"package p // edited meanwhile\n");
    // Deleted meanwhile: not recreated.
    fs::remove_file(&p).unwrap();
    let e = write_atomic(&p, GOOD.as_bytes(), GOOD_FIXED.as_bytes()).unwrap_err();
    assert!(matches!(e, WriteError::ChangedSinceRead), "{e}");
    assert!(!p.exists());
    // Nothing left behind.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    assert!(e.to_string().contains("not overwritten"));
}

#[test]
fn symlink_loops_do_not_hang_the_walk() {
    let dir = scratch();
    std::os::unix::fs::symlink("loop.go", dir.path().join("loop.go")).unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("sub/up")).unwrap();
    std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();
    std::os::unix::fs::symlink("b", dir.path().join("a")).unwrap();
    // Named on the command line, the loop is an error that names it.
    let r = common::gomemfix(dir.path(), &["check", "loop.go", "good.go"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("loop.go"), "{}", r.stderr);
    assert!(r.stdout.contains("good.go"), "{}", r.stdout);
    // Links are not followed while walking, so a loop is never entered.
    let started = Instant::now();
    let r = common::gomemfix(dir.path(), &["fix", "."]);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_good_fixed(dir.path(), &r);
}

/// A FIFO (or socket, or device) named `.go` is never opened: reading it would
/// block the run until someone writes to it.
#[test]
fn fifos_are_reported_not_read() {
    let dir = scratch();
    let made = Command::new("mkfifo")
        .arg(dir.path().join("pipe.go"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let started = Instant::now();
    // Named on the command line: an error that says what it is.
    let r = common::gomemfix(dir.path(), &["check", "pipe.go", "good.go"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("pipe.go: not a regular file"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("good.go"), "{}", r.stdout);
    // Met while walking: reported once, and the rest is still fixed.
    let r = common::gomemfix(dir.path(), &["fix", "."]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.matches("pipe.go").count(), 1, "{}", r.stderr);
    assert_good_fixed(dir.path(), &r);
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// The user tests run the binary as when they are root, who reads through mode
/// 000: nobody (uid and gid 65534), owning the scratch folder, and from a copy of
/// the binary that nobody may run wherever the checkout is.
struct Unprivileged {
    _bin_dir: tempfile::TempDir,
    bin: PathBuf,
}

const NOBODY: u32 = 65534;

impl Unprivileged {
    fn new(scratch: &Path) -> Unprivileged {
        let bin_dir = tempfile::tempdir().unwrap();
        fs::set_permissions(bin_dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let bin = bin_dir.path().join("gomemfix");
        fs::copy(common::gomemfix_bin(), &bin).unwrap();
        fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
        chown_tree(scratch, NOBODY);
        Unprivileged {
            _bin_dir: bin_dir,
            bin,
        }
    }

    fn gomemfix(&self, dir: &Path, args: &[&str]) -> Ran {
        use std::os::unix::process::CommandExt;
        // Set as root, uid and gid also drop root's supplementary groups.
        let out = Command::new(&self.bin)
            .args(args)
            .current_dir(dir)
            .uid(NOBODY)
            .gid(NOBODY)
            .output()
            .expect("run gomemfix as nobody");
        Ran::of(out)
    }
}

fn chown_tree(path: &Path, id: u32) {
    std::os::unix::fs::lchown(path, Some(id), Some(id)).unwrap();
    if fs::symlink_metadata(path).unwrap().is_dir() {
        for e in fs::read_dir(path).unwrap() {
            chown_tree(&e.unwrap().path(), id);
        }
    }
}

#[test]
fn unreadable_directory_is_reported_and_the_rest_fixed() {
    let dir = scratch();
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::write(locked.join("inner.go"), GOOD).unwrap();
    // As root, the run is made as nobody, for whom mode 000 means unreadable.
    let unprivileged = is_root().then(|| Unprivileged::new(dir.path()));
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let r = match &unprivileged {
        Some(u) => u.gomemfix(dir.path(), &["fix", "."]),
        None => common::gomemfix(dir.path(), &["fix", "."]),
    };
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    assert_good_fixed(dir.path(), &r);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("locked"), "{}", r.stderr);
    assert_eq!(read(locked.join("inner.go")), GOOD.as_bytes());
}

#[test]
fn missing_path_exits_2_and_names_it() {
    let dir = scratch();
    let r = common::gomemfix(dir.path(), &["fix", "no/such/dir", "good.go"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no/such/dir"), "{}", r.stderr);
    assert_good_fixed(dir.path(), &r);
}

#[test]
fn invalid_pattern_yaml_names_file_and_line() {
    let dir = scratch();
    let pats = dir.path().join("rules");
    fs::create_dir(&pats).unwrap();
    fs::write(
        pats.join("mine.yml"),
        "id: MINE1\nlanguage: go\nmessage: m\nrule:\n  pattern: [unclosed\n",
    )
    .unwrap();
    let r = common::gomemfix(dir.path(), &["check", "--patterns", "rules", "."]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("mine.yml"), "{}", r.stderr);
    assert!(r.stderr.contains("line"), "{}", r.stderr);
    assert_eq!(read(dir.path().join("good.go")), GOOD.as_bytes());
}

#[test]
fn unknown_rule_in_select_is_an_error() {
    let dir = scratch();
    let r = common::gomemfix(dir.path(), &["fix", "--select", "GM005,NOPE42", "."]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("NOPE42"), "{}", r.stderr);
    assert_eq!(read(dir.path().join("good.go")), GOOD.as_bytes());
}

#[test]
fn overlapping_fixes_from_two_rules_are_resolved_and_said() {
    // A GM010 site, whose (unsafe) fix rewrites the call.
    const RELEASE: &str = "package p\n\nimport \"runtime\"\n\nvar cache []byte\n\nfunc release() {\n\tcache = nil\n\truntime.GC()\n}\n";
    const RELEASED: &str = "package p\n\nimport \"runtime/debug\"\n\nvar cache []byte\n\nfunc release() {\n\tcache = nil\n\tdebug.FreeOSMemory()\n}\n";
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("good.go"), RELEASE).unwrap();
    let pats = dir.path().join("rules");
    fs::create_dir(&pats).unwrap();
    // A user rule whose fix edits exactly the node GM010 rewrites.
    fs::write(
        pats.join("usr.yml"),
        "id: USR1\nlanguage: go\nmessage: mine\nrule:\n  pattern:\n    context: \"func _() { runtime.GC() }\"\n    selector: call_expression\nfix: runtime.GC() /* forced */\n",
    )
    .unwrap();
    let r = common::gomemfix(
        dir.path(),
        &["fix", "--unsafe-fixes", "--patterns", "rules", "."],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // One of the two wins; the file is the result of exactly one edit, and the
    // other rule's fix is named as set aside.
    assert_eq!(
        String::from_utf8(read(dir.path().join("good.go"))).unwrap(),
        RELEASED,
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("USR1") && r.stderr.contains("GM010") && r.stderr.contains("overlap"),
        "{}",
        r.stderr
    );
}

/// Mounts a tiny tmpfs at `dir` (root in a privileged container); false when impossible.
fn mount_tiny_tmpfs(dir: &Path) -> bool {
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success())
}

fn fill_up(dir: &Path) {
    let filler = dir.join("filler");
    let mut f = fs::File::create(&filler).unwrap();
    let block = vec![b'x'; 1024];
    use std::io::Write;
    while f.write_all(&block).is_ok() && f.flush().is_ok() {}
    let _ = f.sync_all();
}

/// Padding so the fixed file no longer fits where it must be written.
fn padded_good() -> (String, PathBuf) {
    let pad = format!("\n// {}\n", "padding ".repeat(400));
    (format!("{GOOD}{pad}"), PathBuf::from("good.go"))
}

#[test]
fn disk_full_on_write_keeps_the_original() {
    let (orig, name) = padded_good();
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("mnt");
    fs::create_dir(&mnt).unwrap();
    if mount_tiny_tmpfs(&mnt) {
        fs::write(mnt.join(&name), &orig).unwrap();
        fill_up(&mnt);
        let r = common::gomemfix(&mnt, &["fix", "."]);
        let after = read(mnt.join(&name));
        let leftovers: Vec<_> = fs::read_dir(&mnt)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        let _ = Command::new("umount").arg(&mnt).status();
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains("good.go") && r.stderr.contains("original is intact"),
            "{}",
            r.stderr
        );
        assert_eq!(after, orig.as_bytes());
        assert_eq!(leftovers.len(), 2, "no temporary file left: {leftovers:?}");
    } else {
        eprintln!("cannot mount a tmpfs here; simulating a full disk with a file-size limit");
    }
    // Everywhere: a file-size limit makes the write fail (EFBIG) the same way.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(&name), &orig).unwrap();
    fs::write(dir.path().join("small.go"), GOOD).unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 2; exec \"$0\" fix .")
        .arg(common::gomemfix_bin())
        .current_dir(dir.path())
        .output()
        .unwrap();
    let r = Ran::of(out);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("original is intact"), "{}", r.stderr);
    assert_eq!(read(dir.path().join(&name)), orig.as_bytes());
    // The small file fits under the limit and is still fixed.
    assert_eq!(read(dir.path().join("small.go")), GOOD_FIXED.as_bytes());
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
}

/// Go 1.26's `new(expr)` and Go 1.27's generic methods are parsed: a GC in a loop
/// next to each is reported, and nothing says the file was parsed only in part.
#[test]
fn go_1_26_and_1_27_syntax_is_analysed_without_warning() {
    let dir = tempfile::tempdir().unwrap();
    let text = "package p\n\nimport \"runtime\"\n\ntype Rand struct{ n int }\n\ntype intType interface{ ~int | ~int64 }\n\n// N is a generic method (Go 1.27).\nfunc (r *Rand) N[Int intType](n Int) Int {\n\tfor i := 0; i < 3; i++ {\n\t\tr.n++\n\t\truntime.GC()\n\t}\n\treturn n\n}\n\ntype state struct{ id *int }\n\nfunc (s *state) next() int { return *s.id + 1 }\n\n// advance uses new with an expression (Go 1.26).\nfunc advance(s *state) {\n\tfor i := 0; i < 3; i++ {\n\t\ts.id = new(s.next())\n\t\truntime.GC()\n\t}\n}\n";
    fs::write(dir.path().join("go127.go"), text).unwrap();
    let r = common::gomemfix(
        dir.path(),
        &["check", "--select", "GM005", "--format", "json", "."],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr, "", "no warning");
    let entries: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let found: Vec<(&str, u64)> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(found, vec![("GM005", 13), ("GM005", 26)], "{}", r.stdout);
}

/// A real syntax error is named in every format, and the exit code stays that of
/// the findings: a warning, not an error.
#[test]
fn syntax_errors_show_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    // No finding at all: the only thing to say is where the parser gave up.
    let text = "package p\n\nimport \"runtime\"\n\nfunc f() {\n\truntime.GC()\n\tx := 1 +* }\n}\n";
    fs::write(dir.path().join("bad.go"), text).unwrap();
    let check = |format: &str| {
        common::gomemfix(
            dir.path(),
            &["check", "--select", "GM005", "--format", format, "."],
        )
    };

    let text_run = check("text");
    assert_eq!(
        text_run.code, 0,
        "a syntax error alone is no finding: {}",
        text_run.stderr
    );
    let line = text_run
        .stderr
        .lines()
        .find(|l| l.contains("parsed only in part"))
        .unwrap_or_else(|| panic!("no warning: {}", text_run.stderr));
    assert!(line.starts_with("gomemfix: warning: bad.go:7:"), "{line}");

    let sarif: serde_json::Value = serde_json::from_str(&check("sarif").stdout).unwrap();
    let inv = &sarif["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true);
    let note = &inv["toolExecutionNotifications"][0];
    assert_eq!(note["level"], "warning");
    assert_eq!(note["descriptor"]["id"], "GM000");
    let loc = &note["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "bad.go");
    assert_eq!(loc["region"]["startLine"], 7);
    assert!(note["message"]["text"]
        .as_str()
        .unwrap()
        .contains("cannot parse `+* }`"));
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 0);

    let json: serde_json::Value = serde_json::from_str(&check("json").stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1, "{json}");
    assert_eq!(
        (json[0]["rule"].as_str(), json[0]["line"].as_u64()),
        (Some("GM000"), Some(7))
    );

    let gh = check("github").stdout;
    assert!(
        gh.starts_with("::warning file=bad.go,line=7,")
            && gh.contains("title=GM000 [syntax-error]::"),
        "{gh}"
    );

    let md = check("markdown").stdout;
    assert!(
        md.contains("### Parsed only in part\n\n- `bad.go:7:"),
        "{md}"
    );

    // A JSON report with the entry in it is a valid baseline, and the entry is not debt.
    fs::write(dir.path().join("base.json"), check("json").stdout).unwrap();
    let r = common::gomemfix(
        dir.path(),
        &["check", "--select", "GM005", "--baseline", "base.json", "."],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);

    // stdin mode says it too.
    let mut child = Command::new(common::gomemfix_bin())
        .args(["check", "--select", "GM005", "--stdin-filename", "bad.go"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = Ran::of(child.wait_with_output().unwrap());
    assert!(
        out.stderr.contains("bad.go:7:") && out.stderr.contains("parsed only in part"),
        "{}",
        out.stderr
    );
}

/// A file broken in many places (a type checker's testdata) gets one warning
/// line, naming its first place and counting the rest; the formats keep each.
#[test]
fn a_file_broken_in_many_places_is_one_warning_line() {
    let dir = tempfile::tempdir().unwrap();
    // A collection in a loop, so the file is parsed (files no rule can fire
    // on are not), then twelve broken functions.
    let mut text = String::from(
        "package p\n\nimport \"runtime\"\n\nfunc clean(n int) {\n\tfor i := 0; i < n; i++ {\n\t\twork(i)\n\t\truntime.GC()\n\t}\n}\n\nfunc work(int) {}\n\n",
    );
    for i in 0..12 {
        text.push_str(&format!("func f{i}() {{\n\tx := [}}\n}}\n\n"));
    }
    fs::write(dir.path().join("broken.go"), &text).unwrap();
    let r = common::gomemfix(dir.path(), &["check", "--format", "json", "."]);
    let warnings: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("parsed only in part"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", r.stderr);
    assert!(
        warnings[0].starts_with("gomemfix: warning: broken.go:15:2: ")
            && warnings[0].ends_with("(and 11 more places in this file)"),
        "{}",
        warnings[0]
    );
    let entries: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let gm000 = entries
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["rule"] == "GM000")
        .count();
    assert_eq!(gm000, 12, "every place stays in the JSON");
}
