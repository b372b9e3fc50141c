//! Places in a document as the protocol counts them (line and character, in
//! UTF-16 code units unless the client agreed to UTF-8) against the byte
//! offsets findings and edits carry; file URIs against paths.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, Uri};

/// Line starts of one text, for offset ↔ position in the agreed encoding.
pub struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
    utf8: bool,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str, utf8: bool) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines { text, starts, utf8 }
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = &self.text[start..floor_boundary(self.text, offset)];
        let character = if self.utf8 {
            column.len()
        } else {
            column.encode_utf16().count()
        };
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, start: usize, end: usize) -> Range {
        Range::new(self.position(start), self.position(end))
    }

    /// The byte offset of a position; past a line's end is its end (before
    /// its newline), past the last line the text's end.
    pub fn offset(&self, p: Position) -> usize {
        let Some(&start) = self.starts.get(p.line as usize) else {
            return self.text.len();
        };
        let end = self
            .starts
            .get(p.line as usize + 1)
            .map_or(self.text.len(), |&next| next - 1);
        let line = &self.text[start..end];
        let mut units = 0;
        for (i, c) in line.char_indices() {
            if units >= p.character as usize {
                return start + i;
            }
            units += if self.utf8 {
                c.len_utf8()
            } else {
                c.len_utf16()
            };
        }
        end
    }

    /// The byte offset where line `n` (0-based) starts; the text's end past the last.
    pub fn line_start(&self, n: usize) -> usize {
        self.starts.get(n).copied().unwrap_or(self.text.len())
    }

    /// The whole of line `n` (0-based), without its newline.
    pub fn line_range(&self, n: usize) -> Range {
        let start = self.line_start(n);
        let end = self
            .starts
            .get(n + 1)
            .map_or(self.text.len(), |&next| next - 1);
        self.range(start, end.max(start))
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The path a `file:` URI names; None for other schemes.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let rest = s.strip_prefix("file://")?;
    // `file:///p` or `file://localhost/p`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let mut bytes = vec![];
    let raw = rest.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' && i + 2 < raw.len() {
            let hex = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                bytes.push(b);
                i += 3;
                continue;
            }
        }
        bytes.push(raw[i]);
        i += 1;
    }
    use std::os::unix::ffi::OsStringExt;
    Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

/// The `file:` URI of an absolute path, every byte outside the unreserved set
/// and `/` percent-encoded (as VS Code and Neovim write them).
pub fn uri_of(path: &Path) -> Uri {
    use std::os::unix::ffi::OsStrExt;
    let mut s = String::from("file://");
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.parse().expect("a percent-encoded file URI parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_unless_utf8() {
        let text = "a\n\u{e9}\u{1f600}x\n";
        let x = text.find('x').unwrap();
        assert_eq!(Lines::new(text, false).position(x), Position::new(1, 3));
        assert_eq!(Lines::new(text, true).position(x), Position::new(1, 6));
        for utf8 in [false, true] {
            let l = Lines::new(text, utf8);
            assert_eq!(l.offset(l.position(x)), x);
            assert_eq!(l.offset(Position::new(1, 99)), text.len() - 1);
            assert_eq!(l.offset(Position::new(9, 0)), text.len());
        }
    }

    #[test]
    fn uris_round_trip() {
        let p = Path::new("/tmp/a dir/ü.go");
        let uri = uri_of(p);
        assert_eq!(uri.as_str(), "file:///tmp/a%20dir/%C3%BC.go");
        assert_eq!(path_of(&uri).unwrap(), p);
    }
}
