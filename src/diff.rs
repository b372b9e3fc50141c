//! Unified diffs that `git apply` and `patch -p1` accept.

use similar::TextDiff;

/// The diff of one file, with `a/` and `b/` prefixes on `display` (a relative path).
pub fn unified(display: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = TextDiff::from_lines(old, new);
    let mut out = format!("diff --git a/{display} b/{display}\n");
    out.push_str(
        &diff
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{display}"), &format!("b/{display}"))
            .to_string(),
    );
    out
}

/// A patch coloured as `git diff` colours it on a terminal: file headers bold,
/// hunk headers cyan, removed lines red, added lines green. Lines keep their text,
/// so stripping the escapes gives the patch back.
pub fn colorize(patch: &str) -> String {
    let mut out = String::with_capacity(patch.len() + patch.len() / 4);
    // `--- a/x` is a header before a file's first hunk, a removed line after it.
    let mut in_header = false;
    for line in patch.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        if body.starts_with("diff --git ") {
            in_header = true;
        } else if body.starts_with("@@") {
            in_header = false;
        }
        let style = if in_header {
            "\x1b[1m"
        } else if body.starts_with("@@") {
            "\x1b[36m"
        } else if body.starts_with('-') {
            "\x1b[31m"
        } else if body.starts_with('+') {
            "\x1b[32m"
        } else {
            ""
        };
        if style.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(style);
            out.push_str(body);
            out.push_str("\x1b[0m");
            out.push_str(nl);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_like_git() {
        let d = unified("a.go", "a\nb\n", "a\nc\n");
        let c = colorize(&d);
        assert!(c.contains("\x1b[31m-b\x1b[0m\n"), "{c:?}");
        assert!(c.contains("\x1b[32m+c\x1b[0m\n"), "{c:?}");
        assert!(c.contains("\x1b[1m+++ b/a.go\x1b[0m\n"), "{c:?}");
        assert!(c.contains("\x1b[36m@@ -1,2 +1,2 @@\x1b[0m\n"), "{c:?}");
        assert!(c.contains("\n a\n"), "context lines stay plain: {c:?}");
        let plain: String = c
            .replace("\x1b[0m", "")
            .replace("\x1b[1m", "")
            .replace("\x1b[36m", "")
            .replace("\x1b[31m", "")
            .replace("\x1b[32m", "");
        assert_eq!(plain, d);
    }

    #[test]
    fn has_git_headers() {
        let d = unified("x/a.go", "a\nb\nc\n", "a\nc\n");
        assert!(
            d.starts_with(
                "diff --git a/x/a.go b/x/a.go\n--- a/x/a.go\n+++ b/x/a.go\n@@ -1,3 +1,2 @@\n"
            ),
            "{d}"
        );
        assert!(d.contains("\n-b\n"));
        assert_eq!(unified("a", "same", "same"), "");
    }
}
