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

#[cfg(test)]
mod tests {
    use super::*;

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
