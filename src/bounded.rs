//! Reading a file a user pointed dockcert at, safely: bounded in size, never blocking, regular
//! files only.
//!
//! `audit`, `inspect`, `verify` and `import-ca` read whatever is there, often in a directory the
//! user did not make. A `cert.pem` that is a FIFO would block `open(2)` forever, one that is a
//! symlink to `/dev/zero` would be read until memory runs out, a 200 MB file would be held in
//! memory whole. So every certificate, key, `daemon.json`, context or inventory read goes through
//! [`read`]: the file is opened `O_NONBLOCK` (a FIFO without a writer opens at once instead of
//! waiting), checked with `fstat` on the open descriptor (no race between the check and the read),
//! refused unless it is a regular file, refused above [`MAX_FILE_SIZE`], and read with the same cap
//! (a file growing meanwhile cannot get past it). Symlinks are followed as `open(2)` follows them
//! (the layouts allow a symlinked `ca.pem`); a loop is `ELOOP`, reported like any other error.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The largest file dockcert reads: far above any real PEM bundle, key or configuration file
/// (a CA bundle of every public root is about 200 KiB).
pub const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// The contents of the regular file at `path`, at most [`MAX_FILE_SIZE`] bytes. The error says in
/// words what is wrong (a FIFO, a device, too large, a symlink loop, no permission); callers add
/// the path.
pub fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    read_capped(path.as_ref(), MAX_FILE_SIZE)
}

/// Like [`read`] with another cap: dockcert's own state (the inventory of a large fleet, a
/// journal) may be larger than any certificate.
pub fn read_capped(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let file = open_capped(path, cap)?;
    let size = file.metadata()?.len();
    let mut bytes = Vec::with_capacity(size.min(cap) as usize);
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(cap));
    }
    Ok(bytes)
}

/// The cap on dockcert's own state files (the inventory of a large fleet, a journal), which may
/// grow past [`MAX_FILE_SIZE`] but never to this.
pub const MAX_STATE_SIZE: u64 = 256 * 1024 * 1024;

/// Reads one of dockcert's own state files as text, with [`MAX_STATE_SIZE`] as the cap.
pub fn read_state_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    String::from_utf8(read_capped(path.as_ref(), MAX_STATE_SIZE)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

/// Like [`read`], as UTF-8 text.
pub fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    String::from_utf8(read(path.as_ref())?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

/// Opens `path` for reading without blocking and only if it is a regular file of at most
/// [`MAX_FILE_SIZE`] bytes.
pub fn open(path: &Path) -> io::Result<File> {
    open_capped(path, MAX_FILE_SIZE)
}

fn open_capped(path: &Path, cap: u64) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOCTTY)
        .open(path)
        .map_err(explain_open_error)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    let what = if kind.is_file() {
        None
    } else if kind.is_fifo() {
        Some("a named pipe (FIFO)")
    } else if kind.is_char_device() {
        Some("a character device")
    } else if kind.is_block_device() {
        Some("a block device")
    } else if kind.is_socket() {
        Some("a socket")
    } else if kind.is_dir() {
        Some("a directory")
    } else {
        Some("not a regular file")
    };
    if let Some(what) = what {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {what}, not a regular file; dockcert reads only regular files"),
        ));
    }
    if meta.len() > cap {
        return Err(too_large(cap));
    }
    Ok(file)
}

fn too_large(cap: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "it is larger than {} MiB, far more than any certificate, key or configuration file; \
             dockcert does not read it",
            cap / (1024 * 1024)
        ),
    )
}

/// Names the two open errors people meet with hostile trees in words.
fn explain_open_error(err: io::Error) -> io::Error {
    match err.raw_os_error() {
        Some(libc::ELOOP) => io::Error::new(
            err.kind(),
            "it is a symbolic link loop (or a chain of too many links)",
        ),
        Some(libc::ENXIO) => io::Error::new(
            err.kind(),
            "it is a socket or a device without a driver, not a regular file",
        ),
        _ => err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_regular_file_without_blocking() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("cert.pem");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = read(&fifo).unwrap_err().to_string();
        assert!(err.contains("named pipe"), "{err}");
        let err = read(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(err.contains("character device"), "{err}");
        let err = read(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("directory"), "{err}");
    }

    #[test]
    fn caps_the_size_and_names_loops() {
        let tmp = tempfile::tempdir().unwrap();
        let big = tmp.path().join("big.pem");
        let file = File::create(&big).unwrap();
        file.set_len(MAX_FILE_SIZE + 1).unwrap();
        let err = read(&big).unwrap_err().to_string();
        assert!(err.contains("larger than 1 MiB"), "{err}");
        file.set_len(MAX_FILE_SIZE).unwrap();
        assert_eq!(read(&big).unwrap().len() as u64, MAX_FILE_SIZE);

        let a = tmp.path().join("a");
        std::os::unix::fs::symlink(tmp.path().join("b"), &a).unwrap();
        std::os::unix::fs::symlink(&a, tmp.path().join("b")).unwrap();
        let err = read(&a).unwrap_err().to_string();
        assert!(err.contains("symbolic link loop"), "{err}");
    }
}
