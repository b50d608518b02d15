//! A small DER reader with the strictness of Go's `golang.org/x/crypto/cryptobyte`: definite,
//! minimal lengths, single-byte tags, minimal INTEGERs, BOOLEANs that are 0x00 or 0xff. Go's
//! certificate parser reads extension values with cryptobyte, so the Go-faithful verifier reads
//! them with this; x509-parser still parses the certificate itself.

/// Universal and context tags, as the single identifier octet.
pub(crate) mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const OID: u8 = 0x06;
    pub const UTF8_STRING: u8 = 0x0c;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    pub const NUMERIC_STRING: u8 = 0x12;
    pub const PRINTABLE_STRING: u8 = 0x13;
    pub const T61_STRING: u8 = 0x14;
    pub const IA5_STRING: u8 = 0x16;
    pub const BMP_STRING: u8 = 0x1e;

    /// `[n]` primitive.
    pub const fn context(n: u8) -> u8 {
        0x80 | n
    }
    /// `[n]` constructed.
    pub const fn context_constructed(n: u8) -> u8 {
        0xa0 | n
    }
}

/// A cursor over DER bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Der<'a>(pub &'a [u8]);

impl<'a> Der<'a> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The next element's tag, without reading it.
    pub fn peek_tag(&self) -> Option<u8> {
        self.0.first().copied()
    }

    /// Reads any element: its tag, its contents and the whole element.
    pub fn read_any(&mut self) -> Option<(u8, &'a [u8], &'a [u8])> {
        let bytes = self.0;
        let (&tag, rest) = bytes.split_first()?;
        // High tag numbers (0x1f) are not used in certificates; cryptobyte rejects them too.
        if tag & 0x1f == 0x1f {
            return None;
        }
        let (&first, rest) = rest.split_first()?;
        let (len, header, rest) = if first < 0x80 {
            (usize::from(first), 2, rest)
        } else {
            let count = usize::from(first & 0x7f);
            // Indefinite length (0x80) and lengths over four octets are not DER.
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            let mut len = 0usize;
            for &b in &rest[..count] {
                len = (len << 8) | usize::from(b);
            }
            // Minimal encoding: no leading zero octet, no long form below 128.
            if rest[0] == 0 || len < 0x80 {
                return None;
            }
            (len, 2 + count, &rest[count..])
        };
        if rest.len() < len {
            return None;
        }
        let full = &bytes[..header + len];
        let content = &rest[..len];
        self.0 = &rest[len..];
        Some((tag, content, full))
    }

    /// Reads an element with the given tag: its contents.
    pub fn read(&mut self, want: u8) -> Option<&'a [u8]> {
        let mut copy = *self;
        let (tag, content, _) = copy.read_any()?;
        if tag != want {
            return None;
        }
        *self = copy;
        Some(content)
    }

    /// Reads an element with the given tag if it is next: `Some(None)` when absent, `None` when
    /// malformed.
    pub fn read_optional(&mut self, want: u8) -> Option<Option<&'a [u8]>> {
        if self.peek_tag() == Some(want) {
            self.read(want).map(Some)
        } else {
            Some(None)
        }
    }

    /// A DER BOOLEAN (0x00 or 0xff).
    pub fn read_bool(&mut self) -> Option<bool> {
        match self.read(tag::BOOLEAN)? {
            [0x00] => Some(false),
            [0xff] => Some(true),
            _ => None,
        }
    }

    /// An INTEGER that fits in an i64 (cryptobyte's ReadASN1Integer into an int).
    pub fn read_small_int(&mut self) -> Option<i64> {
        let bytes = self.read(tag::INTEGER)?;
        if !minimal_integer(bytes) || bytes.len() > 8 {
            return None;
        }
        let mut value: i64 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
        for &b in bytes {
            value = (value << 8) | i64::from(b);
        }
        Some(value)
    }

    /// An INTEGER of any size: its content octets (minimal two's complement).
    pub fn read_big_int(&mut self) -> Option<&'a [u8]> {
        let bytes = self.read(tag::INTEGER)?;
        minimal_integer(bytes).then_some(bytes)
    }

    /// An OBJECT IDENTIFIER: its content octets, checked as cryptobyte does.
    pub fn read_oid(&mut self) -> Option<&'a [u8]> {
        let bytes = self.read(tag::OID)?;
        valid_oid(bytes).then_some(bytes)
    }

    /// A BIT STRING: (unused bits, bytes), checked as cryptobyte does.
    pub fn read_bit_string(&mut self) -> Option<(u8, &'a [u8])> {
        let bytes = self.read(tag::BIT_STRING)?;
        let (&unused, data) = bytes.split_first()?;
        if unused > 7 || (data.is_empty() && unused != 0) {
            return None;
        }
        if let Some(&last) = data.last()
            && last & ((1u8 << unused) - 1) != 0
        {
            return None;
        }
        Some((unused, data))
    }
}

/// INTEGER content octets in minimal two's complement form (cryptobyte's checkASN1Integer).
pub(crate) fn minimal_integer(bytes: &[u8]) -> bool {
    match bytes {
        [] => false,
        [_] => true,
        [0x00, next, ..] => next & 0x80 != 0,
        [0xff, next, ..] => next & 0x80 == 0,
        _ => true,
    }
}

/// OID content octets as Go 1.19's cryptobyte accepts them (`readBase128Int`): every component at
/// most five octets and below 2^31, the last one complete. (It does not insist on minimal
/// components: a leading 0x80 octet passes.)
fn valid_oid(bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return false;
    }
    let mut rest = bytes;
    while !rest.is_empty() {
        let mut value: u32 = 0;
        let mut done = false;
        for _ in 0..5 {
            let Some((&b, tail)) = rest.split_first() else {
                return false;
            };
            if value >= 1 << 24 {
                return false;
            }
            rest = tail;
            value = (value << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                done = true;
                break;
            }
        }
        if !done {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_must_be_minimal() {
        assert!(Der(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]).read_any().is_none());
        assert!(Der(&[0x04, 0x80, 0x00, 0x00]).read_any().is_none());
        let mut der = Der(&[0x04, 0x02, 1, 2, 0x05, 0x00]);
        assert_eq!(der.read(tag::OCTET_STRING), Some(&[1u8, 2][..]));
        assert_eq!(der.read(tag::NULL), Some(&[][..]));
        assert!(der.is_empty());
    }

    #[test]
    fn integers_and_booleans() {
        assert_eq!(Der(&[0x02, 0x01, 0xff]).read_small_int(), Some(-1));
        assert_eq!(Der(&[0x02, 0x02, 0x00, 0x80]).read_small_int(), Some(128));
        assert_eq!(Der(&[0x02, 0x02, 0x00, 0x7f]).read_small_int(), None);
        assert_eq!(Der(&[0x01, 0x01, 0x01]).read_bool(), None);
        assert_eq!(Der(&[0x01, 0x01, 0xff]).read_bool(), Some(true));
    }

    #[test]
    fn oids_and_bit_strings() {
        assert!(Der(&[0x06, 0x03, 0x55, 0x1d, 0x13]).read_oid().is_some());
        assert!(Der(&[0x06, 0x02, 0x55, 0x80]).read_oid().is_none());
        // Go 1.19's cryptobyte does not insist on minimal components.
        assert!(Der(&[0x06, 0x02, 0x80, 0x01]).read_oid().is_some());
        assert!(
            Der(&[0x06, 0x05, 0x55, 0xff, 0xff, 0xff, 0x7f])
                .read_oid()
                .is_some()
        );
        assert!(
            Der(&[0x06, 0x06, 0x55, 0x88, 0x80, 0x80, 0x80, 0x00])
                .read_oid()
                .is_none()
        );
        assert_eq!(
            Der(&[0x03, 0x02, 0x05, 0xa0]).read_bit_string(),
            Some((5, &[0xa0u8][..]))
        );
        assert!(Der(&[0x03, 0x02, 0x05, 0xa1]).read_bit_string().is_none());
    }
}
