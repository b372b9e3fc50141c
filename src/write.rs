//! Writing a fixed file without ever losing the original: the new bytes go to a
//! temporary file in the same folder, which then replaces the original by rename,
//! keeping its permissions. The file is re-read first, so a change made by someone
//! else since we read it is never overwritten.

use std::fs;
use std::io::Write;
use std::path::Path;

#[derive(Debug)]
pub enum WriteError {
    ReadOnly,
    ChangedSinceRead,
    Io(std::io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::ReadOnly => write!(f, "file is read-only, not changed"),
            WriteError::ChangedSinceRead => {
                write!(
                    f,
                    "file changed or vanished since it was read, not overwritten"
                )
            }
            WriteError::Io(e) => write!(f, "could not write ({e}); the original is intact"),
        }
    }
}

pub fn write_atomic(path: &Path, original: &[u8], new: &[u8]) -> Result<(), WriteError> {
    // Write through a symlink to its target rather than replacing the link.
    let target = fs::canonicalize(path).map_err(|_| WriteError::ChangedSinceRead)?;
    let meta = fs::metadata(&target).map_err(|_| WriteError::ChangedSinceRead)?;
    if meta.permissions().readonly() {
        return Err(WriteError::ReadOnly);
    }
    unchanged(&target, original)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".gomemfix-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(WriteError::Io)?;
    tmp.write_all(new).map_err(WriteError::Io)?;
    tmp.as_file().sync_all().map_err(WriteError::Io)?;
    fs::set_permissions(tmp.path(), meta.permissions()).map_err(WriteError::Io)?;
    // Again just before the rename, after the slow sync: the window for a change
    // to slip in between check and replace is as short as rename allows.
    unchanged(&target, original)?;
    tmp.persist(&target).map_err(|e| WriteError::Io(e.error))?;
    Ok(())
}

fn unchanged(target: &Path, original: &[u8]) -> Result<(), WriteError> {
    match fs::read(target) {
        Ok(current) if current == original => Ok(()),
        _ => Err(WriteError::ChangedSinceRead),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn replaces_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.go");
        fs::write(&p, b"old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"old", b"new").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1);
    }

    #[test]
    fn refuses_changed_and_read_only_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.go");
        fs::write(&p, b"someone else's edit").unwrap();
        assert!(matches!(
            write_atomic(&p, b"old", b"new"),
            Err(WriteError::ChangedSinceRead)
        ));
        fs::write(&p, b"old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o444)).unwrap();
        assert!(matches!(
            write_atomic(&p, b"old", b"new"),
            Err(WriteError::ReadOnly)
        ));
        assert_eq!(fs::read(&p).unwrap(), b"old");
    }
}
