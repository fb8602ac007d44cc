//! Structure from fuzzer bytes: a small, dependency-free reader in the spirit of
//! `arbitrary::Unstructured`. The harnesses use it (not `arbitrary` itself) so the
//! regression tests, which replay the committed inputs through the very same harness
//! code, build in CI without adding `arbitrary` to the workspace's dev-dependencies.
//!
//! Reads past the end give zeros, so every byte string is a valid input.

pub struct Reader<'a> {
    data: &'a [u8],
}

#[allow(dead_code)]
impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn remaining(&self) -> usize {
        self.data.len()
    }

    /// The next `n` bytes (fewer at the end).
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.data.split_at(n.min(self.data.len()));
        self.data = tail;
        head
    }

    fn le<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let head = self.bytes(N);
        out[..head.len()].copy_from_slice(head);
        out
    }

    pub fn u8(&mut self) -> u8 {
        self.le::<1>()[0]
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.le())
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.le())
    }
    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.le())
    }
    pub fn i16(&mut self) -> i16 {
        i16::from_le_bytes(self.le())
    }
    pub fn i32(&mut self) -> i32 {
        i32::from_le_bytes(self.le())
    }
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// A value in `0..n` (`n` > 0), from as few bytes as `n` needs.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0);
        let raw = if n <= 1 << 8 {
            self.u8() as usize
        } else if n <= 1 << 16 {
            self.u16() as usize
        } else {
            self.u32() as usize
        };
        raw % n
    }

    /// A value in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn choose<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}
