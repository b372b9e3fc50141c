//! Loading a file's bytes as Go source text, and writing text back the way it came.
//!
//! Rules and fixes work on a normalised text: no byte-order mark and `\n` line
//! endings. [`SourceText::encode`] restores both, so a fix on a CRLF file with a
//! BOM changes only the bytes of the edit.

use std::fmt;

const UTF8_BOM: &str = "\u{feff}";
/// Files larger than this are reported and skipped unless the user raises it.
/// A parsed file takes about 55 MB of memory per MiB of source (the syntax tree
/// and the indexes over it), so 4 MiB keeps one file's analysis near 230 MB;
/// Go files that size are generated (transpiled C, opcode tables), not
/// hand-written (the largest of the audit corpus and GOROOT/src are).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceText {
    /// BOM removed, CRLF turned into LF when the whole file used CRLF.
    pub text: String,
    pub bom: bool,
    pub crlf: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    Binary,
    NotUtf8 { offset: usize },
    TooLarge { size: u64, limit: u64 },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Binary => write!(f, "binary file (contains NUL bytes), skipped"),
            LoadError::NotUtf8 { offset } => {
                write!(
                    f,
                    "not valid UTF-8 (first bad byte at offset {offset}), skipped"
                )
            }
            LoadError::TooLarge { size, limit } => write!(
                f,
                "file is {size} bytes, over the {limit}-byte limit (--max-file-size), skipped"
            ),
        }
    }
}

impl SourceText {
    pub fn decode(bytes: &[u8]) -> Result<Self, LoadError> {
        if memchr::memchr(0, bytes).is_some() {
            return Err(LoadError::Binary);
        }
        let text = std::str::from_utf8(bytes).map_err(|e| LoadError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        let (bom, text) = match text.strip_prefix(UTF8_BOM) {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        // Only a file that uses CRLF throughout is normalised; a mixed file is
        // kept as it is (tree-sitter treats a stray `\r` as white space), so
        // writing it back cannot change a line the fix did not touch.
        let lf = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        let crlf_count = memchr::memmem::find_iter(text.as_bytes(), b"\r\n").count();
        let crlf = lf > 0 && lf == crlf_count;
        let text = if crlf {
            text.replace("\r\n", "\n")
        } else {
            text.to_string()
        };
        Ok(SourceText { text, bom, crlf })
    }

    /// The bytes to write for `text` (a normalised text, such as a fixed version of `self.text`).
    pub fn encode(&self, text: &str) -> Vec<u8> {
        let mut out = String::with_capacity(text.len() + text.len() / 32 + 3);
        if self.bom {
            out.push_str(UTF8_BOM);
        }
        if self.crlf {
            out.push_str(&text.replace('\n', "\r\n"));
        } else {
            out.push_str(text);
        }
        out.into_bytes()
    }
}

/// True when the text starts, after white space and comments (build
/// constraints, a licence), with a `package` clause, as every Go file does. A
/// template, a script or a text file named `.go` does not. An empty file (or
/// one of comments only) holds nothing to analyse, and is no mistake either:
/// see [`is_blank`].
pub fn starts_with_package(text: &str) -> bool {
    after_comments(text).is_some_and(|rest| {
        rest.strip_prefix("package")
            .is_some_and(|r| r.starts_with(|c: char| c.is_whitespace() || c == '/'))
    })
}

/// True when the text holds nothing but white space and comments (a block
/// comment left open counts as comment to the end).
pub fn is_blank(text: &str) -> bool {
    after_comments(text).is_none_or(str::is_empty)
}

/// The text from its first token on, past white space and comments; None when a
/// block comment is left open.
fn after_comments(text: &str) -> Option<&str> {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |i| &r[i..]);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = &r[r.find("*/")? + 2..];
        } else {
            return Some(rest);
        }
    }
}

/// `// Code generated ... DO NOT EDIT.` on a line of its own before the package clause,
/// as `go generate` documents it.
pub fn is_generated(text: &str) -> bool {
    for line in text.lines() {
        let line = line.trim_end();
        if line.starts_with("package ") {
            return false;
        }
        if line.starts_with("// Code generated ") && line.ends_with(" DO NOT EDIT.") {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_bom_round_trip() {
        let bytes = b"\xef\xbb\xbfpackage p\r\n\r\nfunc f() {}\r\n";
        let src = SourceText::decode(bytes).unwrap();
        assert!(src.bom && src.crlf);
        assert_eq!(src.text, "package p\n\nfunc f() {}\n");
        assert_eq!(src.encode(&src.text), bytes.to_vec());
    }

    #[test]
    fn mixed_line_endings_are_left_alone() {
        let bytes = b"package p\r\nfunc f() {}\n";
        let src = SourceText::decode(bytes).unwrap();
        assert!(!src.crlf);
        assert_eq!(src.encode(&src.text), bytes.to_vec());
    }

    #[test]
    fn rejects_binary_and_bad_utf8() {
        assert_eq!(SourceText::decode(b"pa\0ck"), Err(LoadError::Binary));
        assert_eq!(
            SourceText::decode(b"package p\n\xff"),
            Err(LoadError::NotUtf8 { offset: 10 })
        );
    }

    #[test]
    fn package_clause_first() {
        assert!(starts_with_package("package p\n"));
        assert!(starts_with_package(
            "// Copyright x\n\n//go:build linux\n\n/* doc\n*/ package p // c\n"
        ));
        assert!(!starts_with_package("{{ define \"x\" }}package p\n"));
        assert!(!starts_with_package("#!/bin/sh\necho hi\n"));
        assert!(!starts_with_package("// only a comment\n"));
        assert!(!starts_with_package("packages p\n"));
        assert!(!starts_with_package("/* unclosed package p\n"));
        assert!(is_blank("") && is_blank("// c\n/* d */\n") && !is_blank("x"));
    }

    #[test]
    fn generated_header() {
        assert!(is_generated(
            "// Code generated by stringer. DO NOT EDIT.\n\npackage p\n"
        ));
        assert!(!is_generated(
            "package p\n// Code generated by x. DO NOT EDIT.\n"
        ));
        assert!(!is_generated("// Code generated by hand\npackage p\n"));
    }
}
