//! The module a file belongs to: the nearest `go.mod` above it, its module path
//! and its `go` version (which decides whether a fix may use `slices`, `clear`...).

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
}

impl GoVersion {
    pub const fn new(major: u32, minor: u32) -> Self {
        GoVersion { major, minor }
    }

    /// `1.21`, `1.21.3`, `1.22rc1` and `go1.21` all parse; the patch level is ignored.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().trim_start_matches("go");
        let mut parts = s.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor_text: String = parts
            .next()
            .unwrap_or("0")
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let minor = minor_text.parse().ok()?;
        Some(GoVersion { major, minor })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// The folder holding `go.mod`.
    pub root: PathBuf,
    pub path: String,
    pub go_version: Option<GoVersion>,
    /// The modules it requires `// indirect` (ones the build imports through
    /// a dependency only), each with its 1-based line.
    pub indirect: Vec<(String, usize)>,
}

impl Module {
    pub fn parse(root: PathBuf, go_mod: &str) -> Module {
        let mut path = String::new();
        let mut go_version = None;
        let mut indirect = vec![];
        for (n, full) in go_mod.lines().enumerate() {
            let (line, comment) = full.split_once("//").unwrap_or((full, ""));
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("module ") {
                path = rest.trim().trim_matches('"').to_string();
            } else if let Some(rest) = line.strip_prefix("go ") {
                go_version = GoVersion::parse(rest);
            } else if comment.trim() == "indirect" {
                // `require m v // indirect`, or `m v // indirect` in a block.
                let words: Vec<&str> = line.split_whitespace().collect();
                let module = match words.as_slice() {
                    ["require", m, _] | [m, _] => Some(*m),
                    _ => None,
                };
                indirect.extend(module.map(|m| (m.to_string(), n + 1)));
            }
        }
        Module {
            root,
            path,
            go_version,
            indirect,
        }
    }

    /// The import path of the package in `dir` (a folder inside the module).
    pub fn import_path_of(&self, dir: &Path) -> Option<String> {
        let rel = dir.strip_prefix(&self.root).ok()?;
        let mut out = self.path.clone();
        for part in rel.components() {
            let part = part.as_os_str().to_str()?;
            if self.path == "std" && out == "std" {
                // The standard library's packages have no `std/` prefix.
                out = part.to_string();
                continue;
            }
            out.push('/');
            out.push_str(part);
        }
        Some(out)
    }

    /// True for GOROOT/src (`module std`) and GOROOT/src/cmd (`module cmd`).
    pub fn is_standard_library(&self) -> bool {
        self.path == "std" || self.path == "cmd"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_mod() {
        let m = Module::parse(
            PathBuf::from("/m"),
            "// comment\nmodule example.com/svc\n\ngo 1.22.3\n\ntoolchain go1.23.0\n",
        );
        assert_eq!(m.path, "example.com/svc");
        assert_eq!(m.go_version, Some(GoVersion::new(1, 22)));
        assert!(m.indirect.is_empty());
        let m = Module::parse(
            PathBuf::from("/m"),
            "module example.com/svc

require example.org/kit v1.2.0

require (
	example.org/web v0.3.0
	example.org/limit v0.7.0 // indirect
)

require example.org/log v1.0.0 // indirect
",
        );
        assert_eq!(
            m.indirect,
            vec![
                ("example.org/limit".to_string(), 7),
                ("example.org/log".to_string(), 10)
            ]
        );
        assert_eq!(
            m.import_path_of(Path::new("/m/internal/cache")).as_deref(),
            Some("example.com/svc/internal/cache")
        );
    }

    #[test]
    fn standard_library_paths() {
        let m = Module::parse(PathBuf::from("/go/src"), "module std\n\ngo 1.27\n");
        assert!(m.is_standard_library());
        assert_eq!(
            m.import_path_of(Path::new("/go/src/runtime/debug"))
                .as_deref(),
            Some("runtime/debug")
        );
    }

    #[test]
    fn versions_compare() {
        assert!(GoVersion::parse("1.21rc2").unwrap() >= GoVersion::new(1, 21));
        assert!(GoVersion::parse("1.9").unwrap() < GoVersion::new(1, 21));
        assert_eq!(GoVersion::parse("go1.20"), Some(GoVersion::new(1, 20)));
    }
}
