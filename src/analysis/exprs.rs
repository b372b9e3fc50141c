//! Small questions about expressions that several rules ask: is it a plain
//! variable or field chain, are two expressions the same, where does it start.

use crate::gofile::GoNode;
use crate::imports::line_start;

/// The identifier a selector chain starts from: `s` in `s.a.m`.
pub fn root_node<'r>(e: &GoNode<'r>) -> GoNode<'r> {
    let mut cur = e.clone();
    while let Some(op) = cur.field("operand") {
        cur = op;
    }
    cur
}

/// A node's named children, comments left out (the operands of an expression
/// list, the sides of an assignment).
pub fn items<'r>(node: &GoNode<'r>) -> Vec<GoNode<'r>> {
    node.named_children()
        .filter(|c| c.kind() != "comment")
        .collect()
}

/// A call's arguments, comments left out.
pub fn call_args<'r>(call: &GoNode<'r>) -> Vec<GoNode<'r>> {
    call.field("arguments")
        .map(|a| items(&a))
        .unwrap_or_default()
}

/// `text` without whitespace, to compare code written with different spacing.
pub fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// An identifier or a chain of field selections on one: no calls, no indexing.
pub fn is_stable(e: &GoNode) -> bool {
    match e.kind().as_ref() {
        "identifier" => true,
        "selector_expression" => e.field("operand").is_some_and(|o| is_stable(&o)),
        _ => false,
    }
}

/// True when `a` and `b` are the same code, spacing aside.
pub fn same_expr(a: &GoNode, b: &GoNode) -> bool {
    squash(&a.text()) == squash(&b.text())
}

/// The first line of a piece of code, cut at 40 characters, for a message.
pub fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() > 40 {
        format!("{}...", line.chars().take(40).collect::<String>())
    } else {
        line.to_string()
    }
}

/// The indentation (leading spaces and tabs) of the line holding `offset`.
pub fn indentation(text: &str, offset: usize) -> String {
    let start = line_start(text, offset);
    text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// The called function's name (`f` in `f()`, `x.f()` or `(x.f)()`).
pub fn called_name(n: &GoNode) -> Option<String> {
    if n.kind() != "call_expression" {
        return None;
    }
    let mut f = n.field("function")?;
    while f.kind() == "parenthesized_expression" {
        let inner = f.named_children().next()?;
        f = inner;
    }
    match f.kind().as_ref() {
        "identifier" => Some(f.text().to_string()),
        "selector_expression" => Some(f.field("field")?.text().to_string()),
        _ => None,
    }
}
