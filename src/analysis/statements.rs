//! Removing a whole statement the way a person would: the line goes, a trailing
//! comment on it goes, a comment above that only explains it goes, and no double
//! blank line is left behind for gofmt to complain about.

use crate::analysis::scope;
use crate::finding::Edit;
use crate::gofile::{GoFile, GoMatch, GoNode};
use crate::imports::{line_end, line_start};
use crate::outcome::{FixPlan, Outcome};

/// Deletes the statement the match stands as.
pub fn remove_statement(file: &GoFile, m: &GoMatch) -> Outcome {
    let node: &GoNode = m.get_node();
    let Some(stmt) = scope::as_statement(node) else {
        return Outcome::report_only(Some(
            "no automatic fix: the call is not a statement of its own".into(),
        ));
    };
    match statement_removal(file.text(), &stmt) {
        Some(edit) => Outcome::fix(FixPlan {
            edits: vec![edit],
            ..FixPlan::default()
        }),
        None => Outcome::report_only(Some(
            "no automatic fix: the statement shares its line with other code".into(),
        )),
    }
}

/// The edit deleting `stmt`, or None when it does not stand on lines of its own
/// or its removal would leave a label without a statement.
pub fn statement_removal(text: &str, stmt: &GoNode) -> Option<Edit> {
    let parent = stmt.parent()?;
    if parent.kind() == "labeled_statement" {
        return None;
    }
    let r = stmt.range();
    let start = line_start(text, r.start);
    if !text[start..r.start].trim().is_empty() {
        return None;
    }
    let rest_of_line = &text[r.end..line_end(text, r.end)];
    let rest = rest_of_line.trim();
    if !(rest.is_empty() || rest.starts_with("//")) {
        return None;
    }
    let mut end = line_end(text, r.end);
    let mut start = start;
    // A comment block right above, with nothing but a blank line or the block's end
    // after the statement, explains this statement alone: it goes too.
    let next_line = &text[end..line_end(text, end)];
    let next_is_gap = next_line.trim().is_empty() || next_line.trim_start().starts_with('}');
    let mut comment_start = start;
    while comment_start > 0 {
        let prev_start = line_start(text, comment_start - 1);
        let prev = text[prev_start..comment_start].trim();
        if prev.starts_with("//") && !prev.starts_with("//go:") && !prev.contains("gomemfix") {
            comment_start = prev_start;
        } else {
            break;
        }
    }
    if next_is_gap && comment_start < start {
        start = comment_start;
    }
    // No two blank lines in a row afterwards, and no blank line left opening a block.
    let prev_line = if start > 0 {
        text[line_start(text, start - 1)..start].trim()
    } else {
        ""
    };
    let prev_blank = start > 0 && prev_line.is_empty();
    let prev_opens = prev_line.ends_with('{') || prev_line.ends_with(':');
    let next_blank = end < text.len() && next_line.trim().is_empty();
    let next_closes = next_line.trim_start().starts_with('}');
    if (prev_blank || prev_opens) && next_blank {
        end = line_end(text, end);
    } else if prev_blank && next_closes {
        start = line_start(text, start - 1);
    }
    Some(Edit::new(start, end, ""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::apply_edits;
    use std::path::Path;

    fn remove(src: &str, target: &str) -> Option<String> {
        let f = GoFile::parse(Path::new("a.go"), src, None);
        let at = src.find(target).unwrap();
        let node = f
            .root
            .root()
            .dfs()
            .find(|n| n.range().start == at && n.kind() == "expression_statement")?;
        statement_removal(src, &node).map(|e| apply_edits(src, &[e]))
    }

    #[test]
    fn removes_line_and_trailing_comment() {
        let src = "package p\n\nfunc f() {\n\ta()\n\trt.GC() // BUG?\n\tb()\n}\n";
        assert_eq!(
            remove(src, "rt.GC").unwrap(),
            "package p\n\nfunc f() {\n\ta()\n\tb()\n}\n"
        );
    }

    #[test]
    fn removes_explaining_comment_and_double_blank() {
        let src =
            "package p\n\nfunc f() {\n\ta()\n\n\t// Free memory now.\n\trt.GC()\n\n\tb()\n}\n";
        assert_eq!(
            remove(src, "rt.GC").unwrap(),
            "package p\n\nfunc f() {\n\ta()\n\n\tb()\n}\n"
        );
    }

    #[test]
    fn keeps_group_comment_and_refuses_shared_line() {
        let src = "package p\n\nfunc f() {\n\t// Step two.\n\trt.GC()\n\tb()\n}\n";
        assert_eq!(
            remove(src, "rt.GC").unwrap(),
            "package p\n\nfunc f() {\n\t// Step two.\n\tb()\n}\n"
        );
        assert_eq!(
            remove("package p\n\nfunc f() {\n\ta(); rt.GC()\n}\n", "rt.GC"),
            None
        );
    }
}
