//! A sliding window over a reader, for walks over a whole file's structure (Ogg pages,
//! MPEG audio frames) in bounded memory: the unit being looked at and a little more.

use std::io::{self, Read};

/// The bytes a search looks at in one go.
const SEARCH_BYTES: usize = 64 * 1024;

/// A window of a reader's bytes: `data()` from the current position, `fill` for more.
pub(crate) struct Window<R> {
    reader: R,
    buffer: Vec<u8>,
    start: usize,
    /// The reader's offset of `buffer[0]`.
    buffer_offset: u64,
    at_end: bool,
}

impl<R: Read> Window<R> {
    pub(crate) fn new(reader: R, capacity: usize) -> Self {
        Window {
            reader,
            buffer: Vec::with_capacity(capacity),
            start: 0,
            buffer_offset: 0,
            at_end: false,
        }
    }

    pub(crate) fn data(&self) -> &[u8] {
        &self.buffer[self.start..]
    }

    /// The reader's offset of `data()[0]`: the bytes consumed and skipped so far.
    pub(crate) fn position(&self) -> u64 {
        self.buffer_offset + self.start as u64
    }

    pub(crate) fn consume(&mut self, bytes: usize) {
        self.start = (self.start + bytes).min(self.buffer.len());
    }

    /// Makes at least `wanted` bytes available unless the reader ends first.
    pub(crate) fn fill(&mut self, wanted: usize) -> io::Result<()> {
        if self.buffer.len() - self.start >= wanted || self.at_end {
            return Ok(());
        }
        self.buffer.drain(..self.start);
        self.buffer_offset += self.start as u64;
        self.start = 0;
        let mut chunk = [0u8; 16 * 1024];
        while self.buffer.len() < wanted {
            match self.reader.read(&mut chunk) {
                Ok(0) => {
                    self.at_end = true;
                    break;
                }
                Ok(read) => self.buffer.extend_from_slice(&chunk[..read]),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// Moves to the first place, from the current position on, where `len` bytes satisfy
    /// `is_match`, reading a window at a time (the last `len - 1` bytes of one kept for the
    /// next); false, with everything consumed, when there is none.
    pub(crate) fn find(&mut self, len: usize, is_match: impl Fn(&[u8]) -> bool) -> io::Result<bool> {
        loop {
            self.fill(SEARCH_BYTES.max(len))?;
            let data = self.data();
            if let Some(found) = data.windows(len).position(&is_match) {
                self.consume(found);
                return Ok(true);
            }
            if self.at_end {
                self.consume(data.len());
                return Ok(false);
            }
            self.consume(data.len() + 1 - len);
        }
    }

    /// The reader has ended: `data()` is all that is left.
    pub(crate) fn at_end(&self) -> bool {
        self.at_end
    }

    /// Moves `bytes` forward, reading past what the window holds if need be (a long tag).
    pub(crate) fn skip(&mut self, mut bytes: u64) -> io::Result<()> {
        loop {
            let held = self.data().len() as u64;
            if bytes <= held {
                self.consume(bytes as usize);
                return Ok(());
            }
            bytes -= held;
            self.start = self.buffer.len();
            self.fill(16 * 1024)?;
            if self.data().is_empty() {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_stops_at_a_match_across_windows_or_consumes_everything() {
        // A pattern straddling the first 64 KiB window, placed by hand.
        let mut bytes = vec![0u8; 200_000];
        let at = SEARCH_BYTES - 2;
        bytes[at..at + 4].copy_from_slice(b"ABCD");
        let mut window = Window::new(&bytes[..], 1024);
        assert!(window.find(4, |b| b == b"ABCD").unwrap());
        assert_eq!(window.position(), at as u64);
        assert_eq!(&window.data()[..4], b"ABCD");
        // Searching on from one byte later finds nothing and ends at the end.
        window.consume(1);
        assert!(!window.find(4, |b| b == b"ABCD").unwrap());
        assert_eq!(window.position(), bytes.len() as u64);
        // A match in the last bytes, and a reader shorter than the pattern.
        let tail = [&[1u8; 10][..], b"XY"].concat();
        let mut window = Window::new(&tail[..], 16);
        assert!(window.find(2, |b| b.eq_ignore_ascii_case(b"xy")).unwrap());
        assert_eq!(window.position(), 10);
        assert!(!Window::new(&b"X"[..], 16).find(2, |b| b == b"XY").unwrap());
    }
}
