//! The Go grammar's corpus tests (grammar/tree-sitter-go/test/corpus/*.txt), run as
//! `tree-sitter test` runs them: each example is parsed and its tree, as an
//! S-expression, must equal the expected one. Upstream's corpus must keep passing and
//! our additions (additions.txt) pin the syntax the patched grammar adds.

use std::fs;
use std::path::{Path, PathBuf};

struct Example {
    file: PathBuf,
    line: usize,
    name: String,
    input: String,
    expected: String,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("grammar/tree-sitter-go/test/corpus")
}

/// A line of at least three `c` characters, optionally followed by a suffix
/// (tree-sitter allows `===|suffix` so that inputs may contain `===` lines).
fn is_rule(line: &str, c: char) -> bool {
    line.trim_end().len() >= 3 && line.chars().take(3).all(|x| x == c)
}

/// Splits a corpus file into examples: `===` header, name, `===`, input, `---`,
/// expected S-expression.
fn examples(file: &Path) -> Vec<Example> {
    let text = fs::read_to_string(file).unwrap();
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = vec![];
    let mut i = 0;
    while i < lines.len() {
        if !is_rule(lines[i], '=') {
            i += 1;
            continue;
        }
        let header = i;
        let mut j = i + 1;
        while j < lines.len() && !is_rule(lines[j], '=') {
            j += 1;
        }
        assert!(
            j < lines.len(),
            "{}:{}: unclosed header",
            file.display(),
            header + 1
        );
        let name_lines: Vec<&str> = lines[header + 1..j]
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect();
        assert!(
            name_lines.iter().all(|l| !l.starts_with(':')),
            "{}:{}: attributes are not supported by this runner",
            file.display(),
            header + 1
        );
        let body_start = j + 1;
        let mut end = body_start;
        while end < lines.len() && !is_rule(lines[end], '=') {
            end += 1;
        }
        let divider = (body_start..end)
            .rev()
            .find(|&k| is_rule(lines[k], '-'))
            .unwrap_or_else(|| panic!("{}:{}: no `---` divider", file.display(), header + 1));
        out.push(Example {
            file: file.to_path_buf(),
            line: header + 1,
            name: name_lines.join(" "),
            // tree-sitter drops the newline that ends the input before the divider.
            input: lines[body_start..divider].join("\n"),
            expected: lines[divider + 1..end].join("\n"),
        });
        i = end;
    }
    out
}

/// One space between tokens, none after `(` or before `)`; `;` comment lines dropped.
fn normalize(sexp: &str) -> String {
    let no_comments: Vec<&str> = sexp
        .lines()
        .filter(|l| !l.trim_start().starts_with(';'))
        .collect();
    let joined = no_comments
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    joined.replace("( ", "(").replace(" )", ")")
}

/// Removes `field_name: ` prefixes, for expectations written without fields.
fn strip_fields(sexp: &str) -> String {
    sexp.split(' ')
        .filter(|tok| {
            !(tok.ends_with(':')
                && tok[..tok.len() - 1]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn has_fields(expected: &str) -> bool {
    expected.split(' ').any(|tok| {
        tok.len() > 1
            && tok.ends_with(':')
            && tok[..tok.len() - 1]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

fn parse_sexp(input: &str) -> String {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_go::LANGUAGE.into())
        .expect("the Go grammar loads");
    let tree = parser.parse(input, None).expect("a tree");
    tree.root_node().to_sexp()
}

fn run_corpus(files: &[&str]) {
    let mut failures = vec![];
    let mut count = 0;
    for name in files {
        let path = corpus_dir().join(name);
        let examples = examples(&path);
        assert!(!examples.is_empty(), "{} holds no examples", path.display());
        for ex in examples {
            count += 1;
            let expected = normalize(&ex.expected);
            let mut actual = normalize(&parse_sexp(&ex.input));
            if !has_fields(&expected) {
                actual = strip_fields(&actual);
            }
            if actual != expected {
                failures.push(format!(
                    "{}:{}: {}\n  expected: {expected}\n  actual:   {actual}",
                    ex.file.display(),
                    ex.line,
                    ex.name
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} corpus examples differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Upstream tree-sitter-go 0.25.0's own corpus, unchanged.
#[test]
fn upstream_corpus_still_passes() {
    run_corpus(&[
        "declarations.txt",
        "errors.txt",
        "expressions.txt",
        "literals.txt",
        "source_files.txt",
        "statements.txt",
        "types.txt",
    ]);
}

/// What grammar/tree-sitter-go/README.md lists as added: one example or more each.
#[test]
fn additions_parse_as_intended() {
    run_corpus(&["additions.txt"]);
}

#[test]
fn runner_sees_a_wrong_expectation() {
    // The runner itself must be able to fail: a tree with one node renamed differs.
    let input = "package p\n";
    let actual = normalize(&parse_sexp(input));
    assert_eq!(
        actual,
        "(source_file (package_clause (package_identifier)))"
    );
    assert_ne!(
        actual,
        normalize("(source_file (package_clause (identifier)))")
    );
    assert_eq!(
        strip_fields("(a name: (b) type: (c))"),
        "(a (b) (c))",
        "fields are stripped when the expectation has none"
    );
}
