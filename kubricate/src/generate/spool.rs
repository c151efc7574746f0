//! The rendered output of one `generate` run, held until it is known to be complete.
//!
//! `generate` builds, renders and writes one stack at a time, so that its memory depends on the
//! largest stack rather than on the number of stacks. But nothing may be half-written: a stack that
//! fails to build, late in the run, must leave stdout empty and the output directory untouched. So the
//! text of each file goes into a [`Spool`] as soon as its stack is rendered: in memory up to
//! [`Spool::MEMORY_LIMIT`], then in a temporary file readable only by this process (unlinked at once
//! on Unix, so a killed run leaves nothing behind; manifests hold Secret references, never values). Once every stack has
//! rendered, the spool is streamed to stdout or handed to the safe writer, one file at a time.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::generate::write::error::OutputError;

/// One output file: a path relative to the output directory, and its YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Path relative to the output directory (see [`OutputMode`](crate::generate::layout::OutputMode)).
    pub path: PathBuf,
    /// YAML documents separated by `---` lines.
    pub content: String,
    /// Number of documents (resources) in `content`.
    pub documents: usize,
}

/// One file in the spool: where its text is.
#[derive(Debug, Clone)]
struct Entry {
    path: PathBuf,
    documents: usize,
    start: u64,
    len: u64,
}

/// The files a run rendered, their text in memory or in a temporary file (see the module comment).
///
/// The text is one byte stream, files one after another: the first `file_len` bytes are in the
/// temporary file, the rest in `mem`, which also serves as the file's write buffer (it is flushed to
/// the file whenever it would pass the limit), so that a large run makes few large writes.
#[derive(Debug)]
pub struct Spool {
    entries: Vec<Entry>,
    mem: Vec<u8>,
    file: Option<File>,
    /// Where the temporary file was created (already unlinked on Unix; removed on drop elsewhere).
    file_path: Option<PathBuf>,
    file_len: u64,
    limit: usize,
    /// The entry still being appended to (the flat mode's one file grows with every stack).
    open: bool,
}

/// A file's path and document count, as [`Spool::files`] lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpooledFile<'a> {
    /// Path relative to the output directory.
    pub path: &'a Path,
    /// Number of documents (resources) in it.
    pub documents: usize,
    /// Its size in bytes.
    pub bytes: u64,
}

/// A new temporary file only this process can read, removed from the directory at once where the
/// system allows it (Unix: the open file lives on, nameless, until the spool is dropped), else when
/// the spool is dropped. Std only: the examples and users' binaries carry no tempfile crate.
fn temporary_file() -> io::Result<(File, PathBuf)> {
    let dir = std::env::temp_dir();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for attempt in 0..64u32 {
        let path = dir.join(format!(
            ".kubricate-spool-{}-{nanos}-{attempt}",
            std::process::id()
        ));
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(file) => {
                #[cfg(unix)]
                let _ = std::fs::remove_file(&path);
                return Ok((file, path));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::ErrorKind::AlreadyExists.into())
}

fn spool_error(source: io::Error) -> OutputError {
    OutputError::Spool {
        dir: std::env::temp_dir(),
        source,
    }
}

/// Longest piece [`Spool::stream`] hands over at once.
const CHUNK: usize = 64 << 10;

impl Drop for Spool {
    fn drop(&mut self) {
        // Closed first, so that systems which cannot remove an open file can remove it now.
        self.file = None;
        if let Some(path) = self.file_path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Default for Spool {
    fn default() -> Self {
        Spool::with_limit(Spool::MEMORY_LIMIT)
    }
}

impl Spool {
    /// Text kept in memory before the spool moves to a temporary file: small runs never touch the
    /// disk, and a large one stays far under the 64 MiB the scale benchmark allows at 20,000 stacks.
    pub const MEMORY_LIMIT: usize = 8 << 20;

    /// An empty spool.
    pub fn new() -> Spool {
        Spool::default()
    }

    /// An empty spool that moves to a temporary file past `limit` bytes (tests use a tiny one).
    pub(crate) fn with_limit(limit: usize) -> Spool {
        Spool {
            entries: Vec::new(),
            mem: Vec::new(),
            file: None,
            file_path: None,
            file_len: 0,
            limit,
            open: false,
        }
    }

    /// Bytes spooled so far.
    fn total(&self) -> u64 {
        self.file_len + self.mem.len() as u64
    }

    fn append(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        if self.mem.len() + bytes.len() > self.limit {
            let file = match &mut self.file {
                Some(f) => f,
                None => {
                    let (f, path) = temporary_file().map_err(spool_error)?;
                    self.file_path = Some(path);
                    self.file.insert(f)
                }
            };
            file.write_all(&self.mem).map_err(spool_error)?;
            file.write_all(bytes).map_err(spool_error)?;
            self.file_len += (self.mem.len() + bytes.len()) as u64;
            self.mem.clear();
        } else {
            self.mem.extend_from_slice(bytes);
        }
        Ok(())
    }

    /// Adds a complete file.
    pub fn push(&mut self, file: &RenderedFile) -> Result<(), OutputError> {
        self.open = false;
        self.push_part(&file.path, &file.content, file.documents)?;
        self.open = false;
        Ok(())
    }

    /// Appends `text` holding `documents` documents to the file at `path`: to the last file if it is
    /// still open at that path, else to a new one, which stays open for more.
    pub(crate) fn push_part(
        &mut self,
        path: &Path,
        text: &str,
        documents: usize,
    ) -> Result<(), OutputError> {
        let start = self.total();
        self.append(text.as_bytes())?;
        match self.entries.last_mut() {
            Some(e) if self.open && e.path == path => {
                e.len += text.len() as u64;
                e.documents += documents;
            }
            _ => self.entries.push(Entry {
                path: path.to_path_buf(),
                documents,
                start,
                len: text.len() as u64,
            }),
        }
        self.open = true;
        Ok(())
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The files in the order they were rendered.
    pub fn files(&self) -> impl ExactSizeIterator<Item = SpooledFile<'_>> + '_ {
        self.entries.iter().map(|e| SpooledFile {
            path: &e.path,
            documents: e.documents,
            bytes: e.len,
        })
    }

    /// Path of file `i`.
    pub(crate) fn path(&self, i: usize) -> &Path {
        &self.entries[i].path
    }

    /// Hands the bytes `start .. start + len` of the stream to `f`, in pieces of at most [`CHUNK`]
    /// bytes: first the part in the temporary file, then the part in memory.
    fn each_piece<E: From<OutputError>>(
        &self,
        start: u64,
        len: u64,
        buf: &mut Vec<u8>,
        f: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let end = start + len;
        if let (Some(file), true) = (&self.file, start < self.file_len) {
            let mut file = file;
            file.seek(SeekFrom::Start(start)).map_err(spool_error)?;
            let mut left = end.min(self.file_len) - start;
            while left > 0 {
                buf.clear();
                file.take(left.min(CHUNK as u64))
                    .read_to_end(buf)
                    .map_err(spool_error)?;
                if buf.is_empty() {
                    return Err(spool_error(io::ErrorKind::UnexpectedEof.into()).into());
                }
                left -= buf.len() as u64;
                f(buf)?;
            }
        }
        if end > self.file_len {
            // Offsets past `file_len` are in `mem`, which holds the stream's tail.
            let from =
                usize::try_from(start.max(self.file_len) - self.file_len).unwrap_or(usize::MAX);
            let to = usize::try_from(end - self.file_len).unwrap_or(usize::MAX);
            for piece in self.mem.get(from..to).unwrap_or_default().chunks(CHUNK) {
                f(piece)?;
            }
        }
        Ok(())
    }

    /// The text of file `i`, into `buf` (cleared first).
    pub(crate) fn read(&self, i: usize, buf: &mut Vec<u8>) -> Result<(), OutputError> {
        buf.clear();
        let e = &self.entries[i];
        let mut scratch = Vec::new();
        self.each_piece(e.start, e.len, &mut scratch, &mut |piece: &[u8]| {
            buf.extend_from_slice(piece);
            Ok::<(), OutputError>(())
        })
    }

    /// Every document as one `---`-separated stream (what `generate --stdout` prints, the same bytes
    /// as [`to_stream`](crate::generate::to_stream) of the files), handed to `write` in pieces of
    /// at most 64 KiB. Files without documents contribute nothing.
    pub fn stream<E: From<OutputError>>(
        &self,
        mut write: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut buf = Vec::new();
        for (i, e) in self.entries.iter().filter(|e| e.documents > 0).enumerate() {
            if i > 0 {
                write(b"---\n")?;
            }
            self.each_piece(e.start, e.len, &mut buf, &mut write)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::layout::to_stream;

    fn file(p: &str, c: &str, documents: usize) -> RenderedFile {
        RenderedFile {
            path: PathBuf::from(p),
            content: c.into(),
            documents,
        }
    }

    fn streamed(s: &Spool) -> String {
        let mut out = Vec::new();
        s.stream(|b| {
            out.extend_from_slice(b);
            Ok::<(), OutputError>(())
        })
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The same files in memory and in a temporary file (a limit of 0 moves at the first byte, 7 in
    /// the middle of a file) give the stream `to_stream` gives and each file's text back.
    #[test]
    fn memory_and_file_spools_stream_and_read_the_same_bytes() {
        let big = "k: ".to_owned() + &"x".repeat(200_000) + "\n";
        let files = vec![
            file("a.yml", "a: 1\n---\nb: 'é'\n", 2),
            file("empty.yml", "", 0),
            file("big.yml", &big, 1),
            file("c/d.yml", "d: \"$X\"\n", 1),
        ];
        for limit in [usize::MAX, 0, 7] {
            let mut s = Spool::with_limit(limit);
            for f in &files {
                s.push(f).unwrap();
            }
            assert_eq!(s.file.is_some(), limit != usize::MAX);
            assert_eq!(
                s.total(),
                files.iter().map(|f| f.content.len() as u64).sum::<u64>()
            );
            assert_eq!(streamed(&s), to_stream(&files), "limit {limit}");
            let mut buf = Vec::new();
            for (i, f) in files.iter().enumerate() {
                s.read(i, &mut buf).unwrap();
                assert_eq!(
                    buf,
                    f.content.as_bytes(),
                    "limit {limit}, {}",
                    f.path.display()
                );
                assert_eq!(s.path(i), f.path);
            }
            let listed: Vec<(&Path, usize, u64)> =
                s.files().map(|f| (f.path, f.documents, f.bytes)).collect();
            assert_eq!(listed[2], (Path::new("big.yml"), 1, big.len() as u64));
        }
    }

    #[test]
    fn parts_of_one_open_file_join_and_a_complete_file_closes_it() {
        // Limit 8: the first part stays in memory, the second flushes both to the file, the third
        // stays in memory again: one file's text on both sides.
        let mut s = Spool::with_limit(8);
        s.push_part(Path::new("stacks.yml"), "a: 1\n", 1).unwrap();
        s.push_part(Path::new("stacks.yml"), "---\nb: 2\n", 1)
            .unwrap();
        s.push_part(Path::new("stacks.yml"), "---\nc\n", 1).unwrap();
        assert_eq!((s.file_len, s.mem.len()), (14, 6));
        assert_eq!(s.len(), 1);
        assert_eq!(streamed(&s), "a: 1\n---\nb: 2\n---\nc\n");
        let mut buf = Vec::new();
        s.read(0, &mut buf).unwrap();
        assert_eq!(buf, b"a: 1\n---\nb: 2\n---\nc\n");
        s.push(&file("stacks.yml", "d: 3\n", 1)).unwrap();
        s.push_part(Path::new("stacks.yml"), "e: 4\n", 1).unwrap();
        assert_eq!(s.len(), 3, "a pushed file is never appended to");
        assert_eq!(
            streamed(&s),
            "a: 1\n---\nb: 2\n---\nc\n---\nd: 3\n---\ne: 4\n"
        );
    }

    #[test]
    fn an_error_of_the_writer_stops_the_stream() {
        let mut s = Spool::with_limit(0);
        s.push(&file("a.yml", "a: 1\n", 1)).unwrap();
        s.push(&file("b.yml", "b: 1\n", 1)).unwrap();
        let mut calls = 0;
        let r = s.stream(|_| {
            calls += 1;
            Err(OutputError::Spool {
                dir: PathBuf::from("/x"),
                source: io::ErrorKind::BrokenPipe.into(),
            })
        });
        assert!(r.is_err());
        assert_eq!(calls, 1);
    }
}
