//! The scan's readers of single values: varints, byte strings, ids, and
//! the `Any` values and JSON that items carry.

use yrs::encoding::read::Read;

use super::{BlockId, CLIENT_LIMIT, MAX_ANY_DEPTH, Result, Scan, malformed, refuse};

impl<'a> Scan<'a> {
    /// An unsigned varint of at most ten bytes. Read here rather than with
    /// yrs's generic reader: the scan reads a few per block, and this is
    /// most of its time.
    #[inline(always)]
    pub(super) fn var(&mut self) -> Result<u64> {
        // Most are one byte: clocks and lengths of keystrokes, small ids.
        if let Some(&byte) = self.cursor.buf.get(self.cursor.next)
            && byte < 0x80
        {
            self.cursor.next += 1;
            return Ok(u64::from(byte));
        }
        self.var_long()
    }

    /// A varint of two bytes or more. Client ids, random 32-bit numbers,
    /// take five; with eight bytes at hand, one load finds the end and
    /// three shifts join the seven-bit groups.
    #[inline(never)]
    pub(super) fn var_long(&mut self) -> Result<u64> {
        let buf = self.cursor.buf;
        let mut at = self.cursor.next;
        if let Some(bytes) = buf.get(at..at + 8) {
            let word = u64::from_le_bytes(bytes.try_into().expect("eight bytes"));
            let ends = !word & 0x8080_8080_8080_8080;
            if ends != 0 {
                let bits = ends.trailing_zeros() + 1;
                let word = if bits == 64 {
                    word
                } else {
                    word & ((1 << bits) - 1)
                };
                let mut x = word & 0x7f7f_7f7f_7f7f_7f7f;
                x = (x & 0x007f_007f_007f_007f) | ((x & 0x7f00_7f00_7f00_7f00) >> 1);
                x = (x & 0x0000_3fff_0000_3fff) | ((x & 0x3fff_0000_3fff_0000) >> 2);
                x = (x & 0x0000_0000_0fff_ffff) | ((x & 0x0fff_ffff_0000_0000) >> 4);
                self.cursor.next = at + (bits / 8) as usize;
                return Ok(x);
            }
        }
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let Some(&byte) = buf.get(at) else {
                return Err(malformed("unexpected end of buffer"));
            };
            at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                self.cursor.next = at;
                return Ok(value);
            }
            shift += 7;
            if shift > 63 {
                return Err(malformed("integer longer than ten bytes"));
            }
        }
    }

    pub(super) fn u8(&mut self) -> Result<u8> {
        self.cursor.read_u8().map_err(malformed)
    }

    pub(super) fn remaining(&self) -> usize {
        self.cursor.buf.len() - self.cursor.next
    }

    /// A count of things that each take at least one byte.
    pub(super) fn count(&mut self) -> Result<u64> {
        let n = self.var()?;
        if n > self.remaining() as u64 + 1 {
            return Err(malformed(format!(
                "declares {n} items, {} bytes remain",
                self.remaining()
            )));
        }
        Ok(n)
    }

    pub(super) fn bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.var()?;
        let len = usize::try_from(len).map_err(malformed)?;
        if len > self.remaining() {
            return Err(malformed(format!(
                "declares {len} bytes, {} remain",
                self.remaining()
            )));
        }
        let start = self.cursor.next;
        self.cursor.next += len;
        Ok(&self.cursor.buf[start..start + len])
    }

    pub(super) fn string(&mut self) -> Result<&'a str> {
        std::str::from_utf8(self.bytes()?).map_err(|_| malformed("string is not UTF-8"))
    }

    #[inline]
    pub(super) fn client(&mut self) -> Result<u64> {
        let client = self.var()?;
        if client >= CLIENT_LIMIT {
            return Err(refuse(format!(
                "client id {client} is not a 53-bit integer"
            )));
        }
        Ok(client)
    }

    #[inline]
    pub(super) fn clock(&mut self) -> Result<u64> {
        let clock = self.var()?;
        if clock > u64::from(u32::MAX) {
            return Err(refuse(format!("clock {clock} out of range")));
        }
        Ok(clock)
    }

    /// A signed varint (6 bits, then 7 per byte). yrs reads them with a
    /// shift past 64 bits after ten bytes and negates `i64::MIN` (overflow
    /// panics wherever overflow checks are on). Yjs writes integers of at
    /// most 31 bits this way and reads larger ones inexactly, so the server
    /// and its clients would hold different values: past 53 bits is refused.
    pub(super) fn integer(&mut self) -> Result<()> {
        let mut byte = self.u8()?;
        let mut magnitude = u128::from(byte & 0x3f);
        let mut shift = 6;
        while byte & 0x80 != 0 {
            if shift > 62 {
                return Err(refuse("integer longer than ten bytes"));
            }
            byte = self.u8()?;
            magnitude |= u128::from(byte & 0x7f) << shift;
            shift += 7;
        }
        if magnitude >= 1 << 53 {
            return Err(refuse("integer past 53 bits"));
        }
        Ok(())
    }

    #[inline(always)]
    pub(super) fn id(&mut self) -> Result<BlockId> {
        let client = self.client()?;
        let clock = self.clock()?;
        Ok((client, clock as u32))
    }

    pub(super) fn json(&mut self) -> Result<serde_json::Value> {
        let text = self.string()?;
        // serde_json refuses nesting deeper than 128 without recursing further.
        serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| refuse(format!("JSON content: {e}")))
    }

    /// Reads one value; a string comes back, to be checked by the caller.
    pub(super) fn any(&mut self, depth: usize) -> Result<Option<&'a str>> {
        if depth > MAX_ANY_DEPTH {
            return Err(refuse(format!("values nested deeper than {MAX_ANY_DEPTH}")));
        }
        match self.u8()? {
            116 => drop(self.bytes()?),
            117 => {
                for _ in 0..self.count()? {
                    self.any(depth + 1)?;
                }
            }
            118 => {
                for _ in 0..self.count()? {
                    self.string()?;
                    self.any(depth + 1)?;
                }
            }
            119 => return Ok(Some(self.string()?)),
            120 | 121 | 126 | 127 => {}
            122 | 123 => drop(self.cursor.read_exact(8).map_err(malformed)?),
            124 => drop(self.cursor.read_exact(4).map_err(malformed)?),
            125 => self.integer()?,
            other => return Err(malformed(format!("unknown value tag {other}"))),
        }
        Ok(None)
    }
}
