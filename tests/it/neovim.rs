//! A real editor in CI: headless Neovim (Debian's package; scripts/test
//! installs it when missing) with the README's snippet opens a file with a
//! GM005 loop, receives gomemfix's diagnostic, applies the quick fix through
//! its own LSP client and writes the file, which must equal what
//! `gomemfix fix` writes. Without `nvim` the test fails under CI and is
//! skipped (saying so) elsewhere.

use std::process::Command;
use std::time::Duration;

use crate::common;

fn nvim_version() -> Option<String> {
    let out = Command::new("nvim").arg("--version").output().ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    })
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

#[test]
fn neovim_applies_the_quick_fix() {
    let Some(version) = nvim_version() else {
        assert!(
            !in_ci(),
            "nvim is missing: scripts/test installs it (apt-get install neovim)"
        );
        eprintln!("neovim_applies_the_quick_fix: skipped, no nvim on PATH");
        return;
    };
    let data = common::manifest_dir().join("tests/data/neovim");
    let fixture = common::fixtures_dir().join("GM005");
    let tmp = tempfile::tempdir().unwrap();
    let (editor, cli) = (tmp.path().join("editor"), tmp.path().join("cli"));
    for dir in [&editor, &cli] {
        std::fs::create_dir_all(dir).unwrap();
        for name in ["go.mod", "pos_textbook.go"] {
            std::fs::copy(fixture.join(name), dir.join(name)).unwrap();
        }
    }
    // The snippet runs `gomemfix server` from PATH: the one just built.
    let bin_dir = common::gomemfix_bin().parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let mut child = Command::new("nvim")
        .args(["--headless", "-i", "NONE", "-u"])
        .arg(data.join("gomemfix.lua"))
        .arg("pos_textbook.go")
        .arg("-c")
        .arg(format!(
            "luafile {}",
            data.join("apply_quickfix.lua").display()
        ))
        .current_dir(&editor)
        .env("PATH", path)
        .env("HOME", tmp.path())
        .env("XDG_CONFIG_HOME", tmp.path().join("config"))
        .env("XDG_DATA_HOME", tmp.path().join("data"))
        .env("XDG_STATE_HOME", tmp.path().join("state"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start nvim");
    let status = wait(&mut child, Duration::from_secs(60));
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        status,
        Some(0),
        "{version}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let ran = common::gomemfix(
        &cli,
        &["fix", "--unsafe-fixes", "--no-cache", "pos_textbook.go"],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let by_editor = std::fs::read_to_string(editor.join("pos_textbook.go")).unwrap();
    let by_cli = std::fs::read_to_string(cli.join("pos_textbook.go")).unwrap();
    assert!(!by_editor.contains("runtime.GC()"), "{by_editor}");
    assert_eq!(by_editor, by_cli);
}

/// The README's Neovim section shows the snippet this test runs, as it is.
#[test]
fn readme_shows_the_tested_snippet() {
    let snippet =
        std::fs::read_to_string(common::manifest_dir().join("tests/data/neovim/gomemfix.lua"))
            .unwrap();
    let readme = std::fs::read_to_string(common::manifest_dir().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("```lua\n{snippet}```")),
        "README.md's Neovim section differs from tests/data/neovim/gomemfix.lua"
    );
}

/// The exit code, or None (the process killed) past `limit`.
fn wait(child: &mut std::process::Child, limit: Duration) -> Option<i32> {
    let start = std::time::Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
