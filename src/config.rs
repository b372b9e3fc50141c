//! `gomemfix.toml`: project settings. Each file uses the nearest one at or above
//! it, up to the repository root (the first folder holding `.git`); `extend`
//! inherits another file's settings, the nearer file winning key by key.
//! Flags on the command line win over every file.
//!
//! ```toml
//! select = ["GM005", "GM010"]     # ids, names or id prefixes
//! ignore = ["GM008"]
//! exclude = ["gen/**", "**/*_mock.go"]   # globs, relative to this file's folder
//! unsafe-fixes = false
//! confidence = "medium"          # also show findings the tool is less sure of
//!
//! [rules.GM009]
//! frame-threshold = 4096          # bytes of local arrays that make a frame large
//!
//! [rules.GM006]
//! memory-limit = "1Gi"            # the container's limit (1Gi, 512Mi, 1g)
//! memlimit-fixed = true           # Kubernetes: a fixed 90% of limits.memory (default: resourceFieldRef)
//! include-test-apps = true        # also report test, e2e, bench, demo, example apps
//! ```
//!
//! The file is read with toml's spanned document model, so every error names the
//! file, the line and the key.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::finding::Confidence;
pub use crate::options::RuleOptions;

pub const FILE_NAME: &str = "gomemfix.toml";

/// `[rules.ID]` keys each rule accepts; values land in [`RuleOptions`] under
/// the same key, where the rule's helpers read them.
const OPTION_KEYS: &[(&str, &str)] = &[
    ("GM009", "frame-threshold"),
    ("GM006", "memory-limit"),
    ("GM006", "memlimit-from-resource"),
    ("GM006", "memlimit-fixed"),
    ("GM006", "include-test-apps"),
];

const TOP_KEYS: &[&str] = &[
    "extend",
    "select",
    "ignore",
    "exclude",
    "per-file-ignores",
    "unsafe-fixes",
    "confidence",
    "rules",
];

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub exclude: Vec<String>,
    pub unsafe_fixes: Option<bool>,
    /// The lowest confidence shown and fixed (default `high`).
    pub confidence: Option<Confidence>,
    pub options: RuleOptions,
    /// Line of each top-level key, for later errors (an unknown rule in `select`).
    pub lines: BTreeMap<String, usize>,
    /// `extend = "../gomemfix.toml"`: the file this one inherits from, as written.
    pub extend: Option<PathBuf>,
    /// `per-file-ignores`: glob (relative to [`Config::per_file_root`]) → rule ids.
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    /// The folder `exclude` globs are relative to: that of the file that set them
    /// (an extended file's, when this one sets none). None: this file's.
    pub exclude_root: Option<PathBuf>,
    /// The folder `per-file-ignores` globs are relative to, likewise.
    pub per_file_root: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The nearest `gomemfix.toml` at or above `start`, stopping at the repository root.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() {
        start.as_path()
    } else {
        start.parent()?
    };
    loop {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir.join(".git").exists() {
            return None;
        }
        dir = dir.parent()?;
    }
}

impl Config {
    /// Reads a config file and the files it `extend`s, the nearer winning key by
    /// key (a list replaces the inherited one; `[rules.ID]` settings merge).
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        Config::load_chain(path, &mut vec![])
    }

    fn load_chain(path: &Path, seen: &mut Vec<PathBuf>) -> anyhow::Result<Config> {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if seen.contains(&key) {
            anyhow::bail!("{}: `extend` goes round in a circle", path.display());
        }
        seen.push(key);
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let config = Config::parse(path, &text)?;
        let Some(extend) = &config.extend else {
            return Ok(config);
        };
        let folder = path.parent().unwrap_or(Path::new("."));
        let parent_path = folder.join(extend);
        if !parent_path.is_file() {
            anyhow::bail!(
                "{}: `extend`: {} is not a file",
                config.locate("extend"),
                parent_path.display()
            );
        }
        let parent = Config::load_chain(&parent_path, seen)?;
        Ok(parent.overlaid_by(config))
    }

    /// `self` (an extended file) with `child`'s keys on top.
    fn overlaid_by(self, child: Config) -> Config {
        let parent_folder = |c: &Config| {
            c.path
                .as_ref()
                .and_then(|p| p.parent())
                .map(Path::to_path_buf)
        };
        let (exclude, exclude_root) =
            if child.exclude.is_empty() && !child.lines.contains_key("exclude") {
                let root = self.exclude_root.clone().or_else(|| parent_folder(&self));
                (self.exclude.clone(), root)
            } else {
                (child.exclude.clone(), child.exclude_root.clone())
            };
        let (per_file_ignores, per_file_root) = if child.lines.contains_key("per-file-ignores") {
            (child.per_file_ignores.clone(), child.per_file_root.clone())
        } else {
            let root = self.per_file_root.clone().or_else(|| parent_folder(&self));
            (self.per_file_ignores.clone(), root)
        };
        let mut options = self.options.clone();
        options.extend(&child.options);
        Config {
            path: child.path,
            select: child.select.or(self.select),
            ignore: child.ignore.or(self.ignore),
            exclude,
            unsafe_fixes: child.unsafe_fixes.or(self.unsafe_fixes),
            confidence: child.confidence.or(self.confidence),
            options,
            lines: child.lines,
            extend: child.extend,
            per_file_ignores,
            exclude_root,
            per_file_root,
        }
    }

    /// The rule ids `per-file-ignores` turns off for `file` (a glob may name the
    /// file, its path, or a folder above it).
    pub fn ignored_for(&self, file: &Path) -> Vec<String> {
        if self.per_file_ignores.is_empty() {
            return vec![];
        }
        let Some(root) = self.per_file_root.clone().or_else(|| {
            self.path
                .as_ref()
                .and_then(|p| p.parent())
                .map(Path::to_path_buf)
        }) else {
            return vec![];
        };
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        let abs = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
        let Ok(rel) = abs.strip_prefix(&root) else {
            return vec![];
        };
        let mut out = vec![];
        for (glob, ids) in &self.per_file_ignores {
            let Ok(g) = Glob::new(glob) else { continue };
            let m = g.compile_matcher();
            let hit = rel
                .ancestors()
                .any(|a| !a.as_os_str().is_empty() && m.is_match(a))
                || rel.file_name().is_some_and(|n| m.is_match(n));
            if hit {
                out.extend(ids.iter().cloned());
            }
        }
        out.sort();
        out.dedup();
        out
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let err = |span: std::ops::Range<usize>, message: String| ConfigError {
            path: path.to_path_buf(),
            line: line_of(span.start),
            message,
        };
        let doc = DeTable::parse(text).map_err(|e| {
            err(
                e.span().unwrap_or(0..0),
                format!("invalid TOML: {}", e.message().trim()),
            )
        })?;
        let mut config = Config {
            path: Some(path.to_path_buf()),
            ..Config::default()
        };
        for (key, value) in doc.get_ref() {
            let name = key.get_ref().as_ref();
            config
                .lines
                .insert(name.to_string(), line_of(key.span().start));
            match name {
                "select" => config.select = Some(strings(name, value, &err)?),
                "ignore" => config.ignore = Some(strings(name, value, &err)?),
                "exclude" => {
                    let globs = strings(name, value, &err)?;
                    for g in &globs {
                        Glob::new(g).map_err(|e| {
                            err(value.span(), format!("`exclude`: bad glob `{g}`: {e}"))
                        })?;
                    }
                    config.exclude = globs;
                }
                "unsafe-fixes" => match value.get_ref().as_bool() {
                    Some(b) => config.unsafe_fixes = Some(b),
                    None => {
                        return Err(err(
                            value.span(),
                            format!(
                                "`unsafe-fixes` must be true or false, not {}",
                                value.get_ref().type_str()
                            ),
                        ))
                    }
                },
                "confidence" => match value.get_ref().as_str().and_then(Confidence::parse) {
                    Some(c) => config.confidence = Some(c),
                    None => {
                        return Err(err(
                            value.span(),
                            "`confidence` must be \"high\", \"medium\" or \"low\"".into(),
                        ))
                    }
                },
                "rules" => config.options = rule_options(value, &err)?,
                "extend" => match value.get_ref().as_str() {
                    Some(p) if !p.trim().is_empty() => config.extend = Some(PathBuf::from(p)),
                    _ => {
                        return Err(err(
                            value.span(),
                            "`extend` must be the path of another gomemfix.toml, e.g. \"../gomemfix.toml\"".into(),
                        ))
                    }
                },
                "per-file-ignores" => {
                    let table = value.get_ref().as_table().ok_or_else(|| {
                        err(
                            value.span(),
                            "`per-file-ignores` must be a table of glob = [rule ids]".into(),
                        )
                    })?;
                    for (glob, ids) in table {
                        let g = glob.get_ref().as_ref();
                        Glob::new(g).map_err(|e| {
                            err(glob.span(), format!("`per-file-ignores`: bad glob `{g}`: {e}"))
                        })?;
                        let list = strings(&format!("per-file-ignores.\"{g}\""), ids, &err)?;
                        config.per_file_ignores.push((g.to_string(), list));
                    }
                }
                other => {
                    return Err(err(
                        key.span(),
                        format!("unknown key `{other}` (known: {})", TOP_KEYS.join(", ")),
                    ))
                }
            }
        }
        Ok(config)
    }

    /// The `exclude` globs, matched against paths relative to the config's folder.
    pub fn exclude_set(&self) -> Option<(PathBuf, GlobSet)> {
        if self.exclude.is_empty() {
            return None;
        }
        let root = match &self.exclude_root {
            Some(r) => r.clone(),
            None => self.path.as_ref()?.parent()?.to_path_buf(),
        };
        let mut b = GlobSetBuilder::new();
        for g in &self.exclude {
            b.add(Glob::new(g).ok()?);
        }
        Some((root, b.build().ok()?))
    }

    /// Where an error about `key` should point: `gomemfix.toml:3`.
    pub fn locate(&self, key: &str) -> String {
        match (&self.path, self.lines.get(key)) {
            (Some(p), Some(l)) => format!("{}:{l}", p.display()),
            (Some(p), None) => p.display().to_string(),
            _ => "the command line".into(),
        }
    }
}

type ErrFn<'a> = dyn Fn(std::ops::Range<usize>, String) -> ConfigError + 'a;

fn strings(key: &str, value: &Spanned<DeValue>, err: &ErrFn) -> Result<Vec<String>, ConfigError> {
    let not_list = || {
        err(
            value.span(),
            format!(
                "`{key}` must be a list of strings, not {}",
                value.get_ref().type_str()
            ),
        )
    };
    let items = value.get_ref().as_array().ok_or_else(not_list)?;
    items
        .iter()
        .map(|item| {
            item.get_ref().as_str().map(str::to_string).ok_or_else(|| {
                err(
                    item.span(),
                    format!(
                        "`{key}` must be a list of strings; found {}",
                        item.get_ref().type_str()
                    ),
                )
            })
        })
        .collect()
}

fn rule_options(value: &Spanned<DeValue>, err: &ErrFn) -> Result<RuleOptions, ConfigError> {
    let mut options = RuleOptions::default();
    let table = value.get_ref().as_table().ok_or_else(|| {
        err(
            value.span(),
            "`rules` must be a table: `[rules.GM009]`".to_string(),
        )
    })?;
    for (rule, settings) in table {
        let rule_id = rule.get_ref().as_ref().to_ascii_uppercase();
        let known: Vec<&str> = OPTION_KEYS
            .iter()
            .filter(|(r, _)| *r == rule_id)
            .map(|(_, k)| *k)
            .collect();
        if known.is_empty() {
            let with: Vec<&str> = OPTION_KEYS.iter().map(|(r, _)| *r).collect();
            return Err(err(
                rule.span(),
                format!(
                    "`rules.{}`: this rule takes no options (rules with options: {})",
                    rule.get_ref(),
                    with.join(", ")
                ),
            ));
        }
        let settings_table = settings.get_ref().as_table().ok_or_else(|| {
            err(
                settings.span(),
                format!("`rules.{}` must be a table", rule.get_ref()),
            )
        })?;
        for (key, v) in settings_table {
            let k = key.get_ref().as_ref();
            let full = format!("rules.{}.{k}", rule.get_ref());
            match (rule_id.as_str(), k) {
                ("GM009", "frame-threshold") => {
                    options.set(k, size(&full, v, err)?.to_string());
                }
                ("GM006", "memory-limit") => {
                    let text = match v.get_ref() {
                        DeValue::String(s) => s.to_string(),
                        DeValue::Integer(_) => size(&full, v, err)?.to_string(),
                        other => {
                            return Err(err(
                                v.span(),
                                format!("`{full}` must be a size, not {}", other.type_str()),
                            ))
                        }
                    };
                    if crate::analysis::deploy::quantity::kubernetes_bytes(&text)
                        .or_else(|| crate::analysis::deploy::quantity::docker_bytes(&text))
                        .is_none()
                    {
                        return Err(err(
                            v.span(),
                            format!("`{full}`: `{text}` is not a size (examples: 1Gi, 512Mi, 1g)"),
                        ));
                    }
                    options.set(k, text);
                }
                ("GM006", "memlimit-from-resource" | "memlimit-fixed" | "include-test-apps") => {
                    match v.get_ref().as_bool() {
                        Some(true) => options.set(k, "true"),
                        Some(false) => {}
                        None => {
                            return Err(err(v.span(), format!("`{full}` must be true or false")))
                        }
                    }
                }
                _ => {
                    return Err(err(
                        key.span(),
                        format!("unknown key `{full}` (known: {})", known.join(", ")),
                    ))
                }
            }
        }
    }
    Ok(options)
}

/// A byte count: an integer, or a string with a unit as GOMEMLIMIT takes them
/// (`B`, `KiB`, `MiB`, `GiB`, `TiB`).
fn size(key: &str, value: &Spanned<DeValue>, err: &ErrFn) -> Result<u64, ConfigError> {
    let bad = |why: String| err(value.span(), format!("`{key}`: {why}"));
    match value.get_ref() {
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            let n = u64::from_str_radix(&digits, i.radix())
                .map_err(|_| bad(format!("must be a positive number of bytes, not {i}")))?;
            if n == 0 {
                return Err(bad("must be more than 0".into()));
            }
            Ok(n)
        }
        DeValue::String(s) => parse_size(s).ok_or_else(|| {
            bad(format!(
                "`{s}` is not a size; write bytes (4096) or a size such as \"512KiB\", \"900MiB\", \"2GiB\""
            ))
        }),
        other => Err(bad(format!("must be a size, not {}", other.type_str()))),
    }
}

pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let mult: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(mult).filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("gomemfix.toml"), text)
    }

    #[test]
    fn reads_every_key() {
        let c = parse(
            "select = [\"GM005\"]\nignore = [\"GM008\"]\nexclude = [\"gen/**\"]\nunsafe-fixes = true\n\n[rules.GM009]\nframe-threshold = 8_192\n\n[rules.GM006]\nmemory-limit = \"900Mi\"\nmemlimit-from-resource = true\n",
        )
        .unwrap();
        assert_eq!(c.select, Some(vec!["GM005".into()]));
        assert_eq!(c.ignore, Some(vec!["GM008".into()]));
        assert_eq!(c.exclude, vec!["gen/**".to_string()]);
        assert_eq!(c.unsafe_fixes, Some(true));
        assert_eq!(c.options.get("frame-threshold"), Some("8192"));
        assert_eq!(c.options.get("memory-limit"), Some("900Mi"));
        assert!(c.options.is_set("memlimit-from-resource"));
        assert_eq!(c.lines["ignore"], 2);
    }

    #[test]
    fn errors_name_the_key_and_line() {
        let e = parse("select = [\"GM005\"]\n\nselct = []\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.to_string()
                .starts_with("gomemfix.toml:3: unknown key `selct`"),
            "{e}"
        );

        let e = parse("select = [\"GM005\"]\nunsafe-fixes = \"yes\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "gomemfix.toml:2: `unsafe-fixes` must be true or false, not string"
        );

        let e = parse("[rules.GM009]\nframe-threshold = 1\nframe = 2\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("`rules.GM009.frame`"), "{e}");

        let e = parse("\n[rules.GM006]\nmemory-limit = \"lots\"\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("rules.GM006.memory-limit"), "{e}");

        let e = parse("[rules.GM005]\nx = 1\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("takes no options"), "{e}");

        let e = parse("select = [\"GM005\",\n  3]\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("`select`"), "{e}");

        let e = parse("a = = 1\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.starts_with("invalid TOML"), "{e}");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("512KiB"), Some(512 * 1024));
        assert_eq!(parse_size("2GiB"), Some(2 << 30));
        assert_eq!(parse_size("2GB"), None);
        assert_eq!(parse_size("0"), None);
    }

    #[test]
    fn discovery_stops_at_the_repository_root() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        let pkg = repo.join("svc/pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        // Above the repository root: never read.
        std::fs::write(dir.path().join(FILE_NAME), "select = []\n").unwrap();
        assert_eq!(discover(&pkg), None);
        std::fs::write(repo.join(FILE_NAME), "").unwrap();
        let found = discover(&pkg).unwrap();
        assert_eq!(found, std::fs::canonicalize(repo.join(FILE_NAME)).unwrap());
        std::fs::write(pkg.join(FILE_NAME), "").unwrap();
        std::fs::write(pkg.join("x.go"), "package pkg\n").unwrap();
        assert!(discover(&pkg.join("x.go")).is_some());
        assert_eq!(
            discover(&pkg).unwrap(),
            std::fs::canonicalize(pkg.join(FILE_NAME)).unwrap()
        );
    }
}
