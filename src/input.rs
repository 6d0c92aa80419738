//! Reading files distlab does not trust: every input file is read through
//! [`read_text`], which stops at a size limit (so `/dev/zero` or a runaway
//! file is an error, not an out-of-memory abort) and can insist on a regular
//! file (for a path named *inside* another file, where a device, a FIFO or a
//! directory is never what was meant). The limits are documented in
//! `docs/inputs.md`.

use std::io::Read;
use std::path::Path;

/// Largest scenario file read: 1 MiB (the shipped ones are under 8 KiB).
pub const SCENARIO_LIMIT: u64 = 1 << 20;
/// Largest replay, failure or session file read: 64 MiB.
pub const REPLAY_LIMIT: u64 = 64 << 20;
/// Largest history file read by `check-history`: 256 MiB.
pub const HISTORY_LIMIT: u64 = 256 << 20;

/// What kind of file a path may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Named on the command line: any readable file, including a pipe
    /// (`<(...)`) or a device, read up to the limit.
    Named,
    /// Named inside another file: a regular file only (after following
    /// symbolic links).
    Regular,
}

/// Why a file could not be read. `Display` never shows the file's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// The operating system refused (missing file, no permission, ...).
    Io(String),
    /// Not a regular file where one is required.
    NotRegular(&'static str),
    /// More than the limit.
    TooLarge(u64),
    /// Not UTF-8: the text up to the first bad byte, and its offset.
    NotUtf8 {
        /// The valid prefix (the caller may show it for a file it trusts).
        prefix: String,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(reason) => f.write_str(reason),
            ReadError::NotRegular(kind) => write!(f, "not a regular file (it is {kind})"),
            ReadError::TooLarge(limit) => {
                write!(f, "larger than {}, the limit for this file", size(*limit))
            }
            ReadError::NotUtf8 { offset, .. } => {
                write!(f, "not valid UTF-8 (byte {offset})")
            }
        }
    }
}

/// A byte count in words: `1 MiB`, `64 MiB`, `512 bytes`.
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// Read `path` as UTF-8 text of at most `limit` bytes.
pub fn read_text(path: &Path, kind: Kind, limit: u64) -> Result<String, ReadError> {
    if kind == Kind::Regular {
        let meta = std::fs::metadata(path).map_err(io_error)?;
        let file_type = meta.file_type();
        if !file_type.is_file() {
            return Err(ReadError::NotRegular(describe_type(&file_type)));
        }
    }
    let file = std::fs::File::open(path).map_err(io_error)?;
    let mut bytes = Vec::new();
    // Read one byte past the limit: a file that grows, or a device that
    // never ends, stops here.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..offset]).into_owned();
        ReadError::NotUtf8 { prefix, offset }
    })
}

fn io_error(e: std::io::Error) -> ReadError {
    let reason = e.to_string();
    // "No such file or directory (os error 2)" reads better without the code.
    let reason = match reason.find(" (os error") {
        Some(i) => reason[..i].to_string(),
        None => reason,
    };
    ReadError::Io(reason)
}

fn describe_type(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("distlab-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn a_file_within_the_limit_is_read() {
        let path = temp("small.txt", b"hello");
        assert_eq!(read_text(&path, Kind::Regular, 5).unwrap(), "hello");
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let path = temp("big.txt", b"hello!");
        assert_eq!(
            read_text(&path, Kind::Named, 5),
            Err(ReadError::TooLarge(5))
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_endless_device_stops_at_the_limit() {
        let zero = Path::new("/dev/zero");
        assert_eq!(
            read_text(zero, Kind::Named, 1 << 20),
            Err(ReadError::TooLarge(1 << 20))
        );
        assert_eq!(
            read_text(zero, Kind::Regular, 1 << 20),
            Err(ReadError::NotRegular("a character device"))
        );
    }

    #[test]
    fn a_directory_is_not_a_regular_file() {
        let dir = std::env::temp_dir();
        assert_eq!(
            read_text(&dir, Kind::Regular, 10),
            Err(ReadError::NotRegular("a directory"))
        );
    }

    #[test]
    fn sizes_read_in_words() {
        assert_eq!(size(1 << 20), "1 MiB");
        assert_eq!(size(64 << 20), "64 MiB");
        assert_eq!(size(2048), "2 KiB");
        assert_eq!(size(5), "5 bytes");
    }
}
