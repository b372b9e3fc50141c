//! Which walked files a run keeps: `exclude` globs from `gomemfix.toml`, and
//! `--shard K/N`, which splits the file list into N stable parts so a CI matrix
//! can share a large monorepo. A file's shard depends only on its path relative
//! to the folder gomemfix runs in, so every job of the matrix agrees, and the N
//! shards cover every file exactly once.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use globset::GlobSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based, as a CI matrix counts.
    pub index: usize,
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}`: expected K/N, e.g. 2/4"))?;
        let parse = |x: &str| x.trim().parse::<usize>().ok().filter(|v| *v > 0);
        match (parse(k), parse(n)) {
            (Some(index), Some(count)) if index <= count => Ok(Shard { index, count }),
            _ => Err(format!("`{s}`: expected K/N with 1 <= K <= N")),
        }
    }
}

impl Shard {
    /// True when the file at `key` (a relative path with `/` separators) is in this shard.
    pub fn contains(&self, key: &str) -> bool {
        (fnv1a(key.as_bytes()) % self.count as u64) as usize == self.index - 1
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[derive(Debug, Clone, Default)]
pub struct FileFilter {
    /// Globs and the folder they are relative to (the config file's).
    pub exclude: Option<(PathBuf, GlobSet)>,
    pub shard: Option<Shard>,
}

impl FileFilter {
    pub fn is_empty(&self) -> bool {
        self.exclude.is_none() && self.shard.is_none()
    }

    /// Whether to read `path` (as walked), given the run's `base` folder.
    /// `path` is as walked (relative to `cwd`), `shown` as reports show it (the
    /// shard key, so a file is in the same shard from any folder).
    pub fn keeps(&self, path: &Path, cwd: &Path, shown: &Path) -> bool {
        if let Some((root, globs)) = &self.exclude {
            let abs = std::fs::canonicalize(path).unwrap_or_else(|_| cwd.join(path));
            if let Ok(rel) = abs.strip_prefix(root) {
                // A glob may name the file or any folder above it (`gen` or `gen/**`).
                if rel
                    .ancestors()
                    .any(|a| !a.as_os_str().is_empty() && globs.is_match(a))
                {
                    return false;
                }
            }
        }
        if let Some(shard) = &self.shard {
            if !shard.contains(&crate::walk::unix_path(shown)) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_k_of_n() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        assert!("0/4".parse::<Shard>().is_err());
        assert!("5/4".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }

    #[test]
    fn shards_partition_the_files() {
        let files: Vec<String> = (0..500).map(|i| format!("pkg{}/f{i}.go", i % 7)).collect();
        for n in 1..=6 {
            for f in &files {
                let owners = (1..=n)
                    .filter(|k| {
                        Shard {
                            index: *k,
                            count: n,
                        }
                        .contains(f)
                    })
                    .count();
                assert_eq!(owners, 1, "{f} in {owners} of {n} shards");
            }
        }
        // Spread: no shard of 4 is empty or holds most of the files.
        for k in 1..=4 {
            let n = files
                .iter()
                .filter(|f| Shard { index: k, count: 4 }.contains(f))
                .count();
            assert!((60..=190).contains(&n), "shard {k}/4 holds {n} of 500");
        }
    }
}
