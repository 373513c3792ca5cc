//! Reading the files a user hands the program: scenarios, their `extends`
//! parents, plans, and the manifests of sweep folders that `--resume` and
//! `merge` compare.
//!
//! Every such file must be a regular file of at most [`MAX_INPUT_BYTES`]
//! (1 MiB; the largest shipped scenario is a few KiB). Anything else — a
//! directory, a device such as `/dev/zero`, a FIFO, a huge file — is
//! refused at once, before a byte is read, so that no input can make the
//! program read without limit or wait forever.

use std::io::Read;
use std::path::Path;

/// Largest input file read whole (scenario, plan, manifest): 1 MiB.
pub const MAX_INPUT_BYTES: u64 = 1 << 20;

/// The text of an input file, or why it cannot be used (a message without
/// the path, for the caller to place after it).
pub fn read_text(path: &Path) -> std::result::Result<String, String> {
    let mut file = open(path, Some(MAX_INPUT_BYTES))?;
    let mut bytes = Vec::new();
    // A regular file may still grow while read, or be a kernel file whose
    // size shows 0: never read more than the cap plus one byte.
    (&mut file)
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_large(None));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        format!(
            "is not UTF-8 text (byte 0x{:02x} at line {line}, column {col}); save it as UTF-8",
            e.as_bytes()[at]
        )
    })
}

/// Whether `path` is a regular file holding exactly `expected` (at most
/// `expected.len() + 1` bytes are read).
pub fn holds(path: &Path, expected: &[u8]) -> bool {
    let Ok(file) = open_regular(path) else {
        return false;
    };
    let mut found = Vec::with_capacity(expected.len() + 1);
    file.take(expected.len() as u64 + 1)
        .read_to_end(&mut found)
        .is_ok()
        && found == expected
}

/// Whether two regular files have the same bytes, compared in chunks (for
/// files of any size, such as a large `design.csv`).
pub fn same_bytes(a: &Path, b: &Path) -> std::result::Result<bool, String> {
    let (fa, fb) = (open_regular(a)?, open_regular(b)?);
    let (la, lb) = (
        fa.metadata()
            .map_err(|e| format!("cannot read: {e}"))?
            .len(),
        fb.metadata()
            .map_err(|e| format!("cannot read: {e}"))?
            .len(),
    );
    if la != lb {
        return Ok(false);
    }
    let (mut ra, mut rb) = (std::io::BufReader::new(fa), std::io::BufReader::new(fb));
    let (mut xa, mut xb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = read_full(&mut ra, &mut xa)?;
        let m = read_full(&mut rb, &mut xb)?;
        if n != m || xa[..n] != xb[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

/// Fill `buf` as far as the reader allows; the count read (0 at the end).
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::result::Result<usize, String> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("cannot read: {e}")),
        }
    }
    Ok(n)
}

/// Open a file for reading after checking that it is a regular file (of any
/// size: for streamed CSV files). The check comes before opening, since
/// opening a FIFO waits for a writer.
pub fn open_regular(path: &Path) -> std::result::Result<std::fs::File, String> {
    open(path, None)
}

fn open(path: &Path, cap: Option<u64>) -> std::result::Result<std::fs::File, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    check(&meta, cap)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // Should the path be swapped for a FIFO after the check, opening it
        // must not wait for a writer either.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(path)
        .map_err(|e| format!("cannot read: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("cannot read: {e}"))?;
    check(&meta, cap)?;
    Ok(file)
}

/// A regular file, of at most `cap` bytes if given.
fn check(meta: &std::fs::Metadata, cap: Option<u64>) -> std::result::Result<(), String> {
    if !meta.is_file() {
        return Err(format!(
            "is {}, not a regular file; allowed: {}",
            describe(&meta.file_type()),
            if cap.is_some() {
                "a regular file of at most 1 MiB"
            } else {
                "a regular file"
            }
        ));
    }
    if cap.is_some_and(|cap| meta.len() > cap) {
        return Err(too_large(Some(meta.len())));
    }
    Ok(())
}

fn too_large(len: Option<u64>) -> String {
    let size = match len {
        Some(n) => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        None => "more than 1 MiB".into(),
    };
    format!("is too large ({size}); allowed: a regular file of at most 1 MiB")
}

fn describe(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("s.toml");
        std::fs::write(&ok, "[run]\nseed = 1\n").unwrap();
        assert_eq!(read_text(&ok).unwrap(), "[run]\nseed = 1\n");
        assert_eq!(
            read_text(dir.path()).unwrap_err(),
            "is a directory, not a regular file; allowed: a regular file of at most 1 MiB"
        );
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'#'; (MAX_INPUT_BYTES + 1) as usize]).unwrap();
        assert_eq!(
            read_text(&big).unwrap_err(),
            "is too large (1.0 MiB); allowed: a regular file of at most 1 MiB"
        );
        let exact = dir.path().join("exact.toml");
        std::fs::write(&exact, vec![b'#'; MAX_INPUT_BYTES as usize]).unwrap();
        assert_eq!(read_text(&exact).unwrap().len() as u64, MAX_INPUT_BYTES);
        let latin1 = dir.path().join("l.toml");
        std::fs::write(&latin1, b"# ok\n# caf\xe9\n").unwrap();
        assert_eq!(
            read_text(&latin1).unwrap_err(),
            "is not UTF-8 text (byte 0xe9 at line 2, column 6); save it as UTF-8"
        );
        assert!(
            read_text(&dir.path().join("absent.toml"))
                .unwrap_err()
                .starts_with("cannot read: No such file")
        );
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_refused_at_once() {
        assert_eq!(
            read_text(Path::new("/dev/zero")).unwrap_err(),
            "is a character device, not a regular file; allowed: a regular file of at most 1 MiB"
        );
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.toml");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a node.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_eq!(
            read_text(&fifo).unwrap_err(),
            "is a FIFO (named pipe), not a regular file; allowed: a regular file of at most 1 MiB"
        );
    }
}
