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
    if let Some(why) = leaves_empty_construct(&stmt, file) {
        return Outcome::report_only(Some(why.into()));
    }
    match removal(file.text(), &stmt, Some(file)) {
        Some(edit) => Outcome::fix(FixPlan {
            edits: vec![edit],
            ..FixPlan::default()
        }),
        None => Outcome::report_only(Some(
            "no automatic fix: the statement shares its line with other code".into(),
        )),
    }
}

/// Why deleting `stmt` would leave code no reviewer merges: it is all that an
/// `if` or a loop holds, and that `if` cannot go with it (its condition calls a
/// function, or it has an `else`), or the loop would spin or tick with an empty
/// body (`for range time.Tick(d) {}`). None when the removal leaves nothing empty
/// or takes its emptied holder along ([`emptied_holder`]).
fn leaves_empty_construct(stmt: &GoNode, file: &GoFile) -> Option<&'static str> {
    if emptied_holder(stmt, Some(file)).is_some() {
        return None;
    }
    let mut block = stmt.parent()?;
    if block.kind() == "statement_list" {
        block = block.parent()?;
    }
    if block.kind() != "block" || crate::analysis::decls::statements(&block).len() != 1 {
        return None;
    }
    match block.parent()?.kind().as_ref() {
        "if_statement" => Some(
            "no automatic fix: the call is all its `if` holds, and the `if` cannot go with it \
             (its condition calls a function, or it has an else); remove or rework the branch by hand",
        ),
        "for_statement" => Some(
            "no automatic fix: the call is all its loop holds, and an empty loop would be left; \
             remove the loop (or the goroutine running it) by hand",
        ),
        _ => None,
    }
}

/// The edit deleting `stmt`, or None when it does not stand on lines of its own
/// (block comments before it on its line count as its own) or its removal would leave a label without a statement. When `stmt` is all
/// that an `if` without side effects or an `init` function holds, the `if` or
/// the function goes with it: an empty `if debug {}` or `func init() {}` is litter.
pub fn statement_removal(text: &str, stmt: &GoNode) -> Option<Edit> {
    removal(text, stmt, None)
}

/// [`statement_removal`], with the file when there is one: its imports tell a
/// call of a standard function without side effects (`os.Getenv`) in an `if`'s
/// condition.
fn removal(text: &str, stmt: &GoNode, file: Option<&GoFile>) -> Option<Edit> {
    if let Some(holder) = emptied_holder(stmt, file) {
        return removal(text, &holder, file);
    }
    let parent = stmt.parent()?;
    if parent.kind() == "labeled_statement" {
        return None;
    }
    let r = stmt.range();
    let start = line_start(text, r.start);
    // Only indentation before it, or a block comment that explains it
    // (`/* let the shard go */ runtime.GC()`): that goes with the line.
    let before = &text[start..r.start];
    if !before.trim().is_empty() && (before.contains("//") || !only_comments(before)) {
        return None;
    }
    let rest_of_line = &text[r.end..line_end(text, r.end)];
    if !only_comments(rest_of_line) {
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
    } else if prev_blank && (next_closes || end >= text.len()) {
        // Nor one left before a closing brace or at the end of the file.
        start = line_start(text, start - 1);
    }
    Some(Edit::new(start, end, ""))
}

/// True when `rest` (the rest of a line) holds nothing but comments: block
/// comments closed on the line, then at most one line comment.
fn only_comments(rest: &str) -> bool {
    let mut rest = rest.trim();
    while let Some(after) = rest.strip_prefix("/*") {
        match after.find("*/") {
            Some(close) => rest = after[close + 2..].trim(),
            None => return false,
        }
    }
    rest.is_empty() || rest.starts_with("//")
}

/// The `if` statement or `init` function that would be left empty by removing
/// `stmt`, its only statement: an `if` with no `else`, no init statement and a
/// condition without side effects, or a plain `func init()`.
fn emptied_holder<'r>(stmt: &GoNode<'r>, file: Option<&GoFile>) -> Option<GoNode<'r>> {
    let mut block = stmt.parent()?;
    if block.kind() == "statement_list" {
        block = block.parent()?;
    }
    if block.kind() != "block" {
        return None;
    }
    let statements = crate::analysis::decls::statements(&block).len();
    if statements != 1 {
        return None;
    }
    let holder = block.parent()?;
    match holder.kind().as_ref() {
        "if_statement" => {
            let plain = holder.field("alternative").is_none()
                && holder.field("initializer").is_none()
                && holder
                    .field("consequence")
                    .is_some_and(|c| c.range() == block.range())
                && holder
                    .field("condition")
                    .is_some_and(|c| side_effect_free(&c, file));
            plain.then_some(holder)
        }
        "function_declaration" => {
            let is_init = holder.field("name").is_some_and(|n| n.text() == "init")
                && holder
                    .field("parameters")
                    .is_some_and(|p| p.named_children().next().is_none());
            is_init.then_some(holder)
        }
        _ => None,
    }
}

/// True when evaluating `expr` changes nothing: no calls (but `len`, `cap` and
/// `os.Getenv`), no channel receives.
fn side_effect_free(expr: &GoNode, file: Option<&GoFile>) -> bool {
    expr.dfs().all(|n| match n.kind().as_ref() {
        "call_expression" => n.field("function").is_some_and(|f| {
            matches!(f.text().as_ref(), "len" | "cap") || reads_environment(&f, file)
        }),
        "unary_expression" => n.field("operator").is_none_or(|o| o.text() != "<-"),
        _ => true,
    })
}

/// `os.Getenv` (under the name the file imports `os` by): it only reads.
fn reads_environment(f: &GoNode, file: Option<&GoFile>) -> bool {
    let Some(file) = file else {
        return false;
    };
    f.kind() == "selector_expression"
        && f.field("field").is_some_and(|x| x.text() == "Getenv")
        && f.field("operand").is_some_and(|o| {
            o.kind() == "identifier" && scope::names_import(file, f, &o.text(), "os")
        })
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
    fn removes_a_trailing_block_comment_with_its_statement() {
        let src = "package p\n\nfunc f() {\n\ta()\n\trt.GC() /* why */\n\tb()\n}\n";
        assert_eq!(
            remove(src, "rt.GC").unwrap(),
            "package p\n\nfunc f() {\n\ta()\n\tb()\n}\n"
        );
        let shared = "package p\n\nfunc f() {\n\trt.GC() /* why */; b()\n}\n";
        assert_eq!(remove(shared, "rt.GC"), None);
    }

    #[test]
    fn leaves_no_empty_if_nor_init() {
        let src =
            "package p\n\nfunc f() {\n\ta()\n\tif debug && n > 0 {\n\t\trt.GC()\n\t}\n\tb()\n}\n";
        assert_eq!(
            remove(src, "rt.GC").unwrap(),
            "package p\n\nfunc f() {\n\ta()\n\tb()\n}\n"
        );
        // A condition that does something stays, and so does its block.
        let calls = "package p\n\nfunc f() {\n\tif ready() {\n\t\trt.GC()\n\t}\n}\n";
        assert_eq!(
            remove(calls, "rt.GC").unwrap(),
            "package p\n\nfunc f() {\n\tif ready() {\n\t}\n}\n"
        );
        let init = "package p\n\nimport \"runtime\"\n\nfunc init() {\n\truntime.MemProfileRate = 1\n}\n\nfunc g() {}\n";
        let f = GoFile::parse(Path::new("a.go"), init, None);
        let at = init.find("runtime.MemProfileRate").unwrap();
        let node = f
            .root
            .root()
            .dfs()
            .find(|n| n.range().start == at && n.kind() == "assignment_statement")
            .unwrap();
        let out = apply_edits(init, &[statement_removal(init, &node).unwrap()]);
        assert_eq!(out, "package p\n\nimport \"runtime\"\n\nfunc g() {}\n");
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
