//! Byte encoding helpers shared by transactions, headers and blocks.
//!
//! Integers are little-endian and list lengths use Bitcoin's CompactSize
//! (1 byte below 0xfd, else a marker 0xfd/0xfe/0xff and 2/4/8 bytes). Decoding is
//! strict so that every value has exactly one encoding, which keeps hashes unique:
//! non-minimal CompactSize, counts larger than the remaining bytes could hold, and
//! trailing bytes are all errors.

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ended too early.
    #[error("unexpected end of data: needed {needed} more bytes, {remaining} left")]
    UnexpectedEnd {
        /// Bytes the next field needs.
        needed: usize,
        /// Bytes that were left.
        remaining: usize,
    },
    /// Bytes were left over after a complete value.
    #[error("{0} unexpected trailing bytes after the end of the value")]
    TrailingBytes(usize),
    /// A CompactSize used more bytes than needed.
    #[error("non-canonical length prefix: {0} should use a shorter encoding")]
    NonCanonicalCompactSize(u64),
    /// A list claims more items than the remaining bytes could contain.
    #[error("a list claims {count} items but only {remaining} bytes remain")]
    OversizeCount {
        /// The claimed count.
        count: u64,
        /// Bytes left in the input.
        remaining: usize,
    },
    /// Bad hex text (for encodings passed around as hex).
    #[error("not valid hex")]
    NotHex,
}

/// Appends a CompactSize length prefix.
pub(crate) fn write_compact_size(out: &mut Vec<u8>, n: u64) {
    match n {
        0..=0xfc => out.push(n as u8),
        0xfd..=0xffff => {
            out.push(0xfd);
            out.extend_from_slice(&(n as u16).to_le_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0xfe);
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        _ => {
            out.push(0xff);
            out.extend_from_slice(&n.to_le_bytes());
        }
    }
}

/// A cursor over bytes being decoded.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len()
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        if self.bytes.len() < N {
            return Err(DecodeError::UnexpectedEnd {
                needed: N,
                remaining: self.bytes.len(),
            });
        }
        let (head, tail) = self.bytes.split_at(N);
        self.bytes = tail;
        Ok(head.try_into().expect("split at N"))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        self.array().map(u32::from_le_bytes)
    }

    pub(crate) fn i32(&mut self) -> Result<i32, DecodeError> {
        self.array().map(i32::from_le_bytes)
    }

    pub(crate) fn u64(&mut self) -> Result<u64, DecodeError> {
        self.array().map(u64::from_le_bytes)
    }

    fn compact_size(&mut self) -> Result<u64, DecodeError> {
        let [marker] = self.array()?;
        let (value, minimum) = match marker {
            0xfd => (u64::from(u16::from_le_bytes(self.array()?)), 0xfd),
            0xfe => (u64::from(u32::from_le_bytes(self.array()?)), 0x1_0000),
            0xff => (u64::from_le_bytes(self.array()?), 0x1_0000_0000),
            small => return Ok(u64::from(small)),
        };
        if value < minimum {
            return Err(DecodeError::NonCanonicalCompactSize(value));
        }
        Ok(value)
    }

    /// Reads a list length and checks that `count * min_item_size` bytes remain, so a
    /// forged length cannot make the decoder allocate gigabytes.
    pub(crate) fn count(&mut self, min_item_size: usize) -> Result<usize, DecodeError> {
        let count = self.compact_size()?;
        let remaining = self.remaining();
        let fits = usize::try_from(count)
            .ok()
            .and_then(|c| c.checked_mul(min_item_size))
            .is_some_and(|bytes| bytes <= remaining);
        if !fits {
            return Err(DecodeError::OversizeCount { count, remaining });
        }
        Ok(count as usize)
    }

    /// Fails if anything is left.
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        match self.bytes.len() {
            0 => Ok(()),
            n => Err(DecodeError::TrailingBytes(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_size_is_canonical() {
        for n in [
            0u64,
            0xfc,
            0xfd,
            0xffff,
            0x1_0000,
            0xffff_ffff,
            0x1_0000_0000,
        ] {
            let mut out = Vec::new();
            write_compact_size(&mut out, n);
            let mut reader = Reader::new(&out);
            assert_eq!(reader.compact_size(), Ok(n));
            assert_eq!(reader.finish(), Ok(()));
        }
        let mut reader = Reader::new(&[0xfd, 0x10, 0x00]);
        assert_eq!(
            reader.compact_size(),
            Err(DecodeError::NonCanonicalCompactSize(0x10))
        );
        let mut reader = Reader::new(&[0xfe, 0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(
            reader.count(1),
            Err(DecodeError::OversizeCount { .. })
        ));
    }
}
