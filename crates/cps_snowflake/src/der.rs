//! A minimal DER (ASN.1) reader and writer for the RSA key structures in [`crate::keys`], and
//! base64 (standard alphabet, padded). Small on purpose: single-byte tags, definite lengths of at
//! most four bytes, no recursion. Every read is bounds-checked, so hostile bytes give an error
//! with an offset, never a panic.

pub const SEQUENCE: u8 = 0x30;
pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;

/// Why the bytes could not be read, and at which offset into them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DerError {
    pub at: usize,
    pub what: String,
}

fn fail<T>(at: usize, what: impl Into<String>) -> Result<T, DerError> {
    Err(DerError {
        at,
        what: what.into(),
    })
}

/// One element: its tag, where it starts, and its content bytes.
#[derive(Clone, Copy, Debug)]
pub struct Tlv<'a> {
    pub tag: u8,
    /// Offset of the tag byte in the outermost buffer.
    pub start: usize,
    /// Offset of the first content byte in the outermost buffer.
    pub content_start: usize,
    pub content: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// A reader over this element's content (for constructed types).
    pub fn reader(&self) -> Reader<'a> {
        Reader {
            bytes: self.content,
            pos: 0,
            base: self.content_start,
        }
    }
}

/// Reads elements one after another from a byte slice. Offsets in errors and in [`Tlv`] are
/// relative to the outermost buffer (`base` carries the slice's position in it).
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            pos: 0,
            base: 0,
        }
    }

    /// A reader over `bytes`, which sit at offset `base` of the outermost buffer.
    pub fn at(bytes: &'a [u8], base: usize) -> Reader<'a> {
        Reader {
            bytes,
            pos: 0,
            base,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// The absolute offset of the next element.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub fn peek_tag(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The next element, whatever its tag.
    pub fn any(&mut self) -> Result<Tlv<'a>, DerError> {
        let start = self.offset();
        let Some(&tag) = self.bytes.get(self.pos) else {
            return fail(start, "the data ends where another element should start");
        };
        if tag & 0x1f == 0x1f {
            return fail(
                start,
                "an element with a multi-byte tag (not a key structure)",
            );
        }
        let mut p = self.pos + 1;
        let Some(&first) = self.bytes.get(p) else {
            return fail(self.base + p, "the data ends inside an element's length");
        };
        p += 1;
        let len = if first < 0x80 {
            usize::from(first)
        } else if first == 0x80 {
            return fail(
                self.base + p - 1,
                "an indefinite length (BER, not DER) is not allowed in a key",
            );
        } else {
            let n = usize::from(first & 0x7f);
            if n > 4 {
                return fail(
                    self.base + p - 1,
                    format!("a length of {n} bytes is too large for a key"),
                );
            }
            let mut len = 0usize;
            for _ in 0..n {
                let Some(&b) = self.bytes.get(p) else {
                    return fail(self.base + p, "the data ends inside an element's length");
                };
                len = (len << 8) | usize::from(b);
                p += 1;
            }
            len
        };
        let available = self.bytes.len() - p;
        if len > available {
            return fail(
                start,
                format!(
                    "an element says it has {len} bytes, but only {available} follow (the key is cut short)"
                ),
            );
        }
        let content = &self.bytes[p..p + len];
        self.pos = p + len;
        Ok(Tlv {
            tag,
            start,
            content_start: self.base + p,
            content,
        })
    }

    /// The next element, which must have `tag`.
    pub fn expect(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>, DerError> {
        let at = self.offset();
        match self.peek_tag() {
            None => fail(at, format!("the data ends where {what} should start")),
            Some(t) if t != tag => fail(
                at,
                format!("expected {what} ({}), found {}", tag_name(tag), tag_name(t)),
            ),
            Some(_) => self.any(),
        }
    }

    /// Fails when anything is left.
    pub fn finish(&self, what: &str) -> Result<(), DerError> {
        if self.is_empty() {
            Ok(())
        } else {
            fail(
                self.offset(),
                format!(
                    "{} unexpected bytes after {what}",
                    self.bytes.len() - self.pos
                ),
            )
        }
    }
}

pub fn tag_name(tag: u8) -> String {
    match tag {
        SEQUENCE => "a SEQUENCE".into(),
        INTEGER => "an INTEGER".into(),
        BIT_STRING => "a BIT STRING".into(),
        OCTET_STRING => "an OCTET STRING".into(),
        NULL => "NULL".into(),
        OID => "an OBJECT IDENTIFIER".into(),
        0x31 => "a SET".into(),
        t => format!("tag 0x{t:02x}"),
    }
}

/// An INTEGER's content as an unsigned big-endian number without leading zeros; an error for
/// an empty or negative value.
pub fn unsigned<'a>(t: &Tlv<'a>, what: &str) -> Result<&'a [u8], DerError> {
    let c = t.content;
    match c.first() {
        None => fail(t.start, format!("{what} is an empty INTEGER")),
        Some(&b) if b & 0x80 != 0 => fail(t.start, format!("{what} is negative")),
        Some(_) => {
            let zeros = c.iter().take_while(|&&b| b == 0).count();
            Ok(&c[zeros..])
        }
    }
}

/// The number of significant bits of an unsigned big-endian number.
pub fn bit_len(n: &[u8]) -> u32 {
    let n = &n[n.iter().take_while(|&&b| b == 0).count()..];
    match n.first() {
        None => 0,
        Some(&b) => {
            let bytes = u32::try_from(n.len()).unwrap_or(u32::MAX / 8);
            bytes.saturating_mul(8) - b.leading_zeros()
        }
    }
}

/// Dotted form of an OID's content (`1.2.840.113549.1.1.1`); `None` when it is malformed.
pub fn oid_string(content: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    let mut open = false;
    for &b in content {
        if v > (u64::MAX >> 7) {
            return None;
        }
        v = (v << 7) | u64::from(b & 0x7f);
        open = b & 0x80 != 0;
        if !open {
            if arcs.is_empty() {
                let (a, rest) = match v {
                    0..=39 => (0, v),
                    40..=79 => (1, v - 40),
                    _ => (2, v - 80),
                };
                arcs.push(a);
                arcs.push(rest);
            } else {
                arcs.push(v);
            }
            v = 0;
        }
    }
    if open || arcs.is_empty() {
        return None;
    }
    Some(
        arcs.iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join("."),
    )
}

// ---- writer ----

/// One element with the shortest length encoding (DER).
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// A SEQUENCE of already-encoded elements.
pub fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(SEQUENCE, &parts.concat())
}

/// An INTEGER holding an unsigned big-endian number, minimally encoded.
pub fn integer(n: &[u8]) -> Vec<u8> {
    let n = &n[n.iter().take_while(|&&b| b == 0).count()..];
    let mut content = Vec::with_capacity(n.len() + 1);
    if n.first().is_none_or(|&b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(n);
    tlv(INTEGER, &content)
}

// ---- base64 ----

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((v >> (18 - 6 * i)) & 0x3f) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn is_base64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='
}

fn sextet(b: u8) -> Option<u32> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decodes base64 without whitespace. Padding is optional at the end; `=` elsewhere, a lone
/// sixth bit group and any other character are errors at the index of the character.
pub fn base64_decode(chars: &[u8]) -> Result<Vec<u8>, (usize, String)> {
    let data_len = chars.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    let pad = chars.len() - data_len;
    if pad > 2 {
        return Err((data_len, "too many `=` padding characters".into()));
    }
    let mut out = Vec::with_capacity(data_len / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut n = 0u8;
    for (i, &b) in chars[..data_len].iter().enumerate() {
        let Some(v) = sextet(b) else {
            let what = if b == b'=' {
                "`=` inside the base64 text (padding belongs only at the end)".to_string()
            } else if b == b'-' || b == b'_' {
                format!(
                    "`{}` is URL-safe base64; PEM uses the standard alphabet (`+` and `/`)",
                    char::from(b)
                )
            } else {
                format!("{} is not a base64 character", show_byte(b))
            };
            return Err((i, what));
        };
        acc = (acc << 6) | v;
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    match n {
        0 => {}
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => {
            return Err((
                data_len.saturating_sub(1),
                "the base64 text has a stray last character (a character is missing or extra)"
                    .into(),
            ))
        }
    }
    if pad > 0 && !(n + pad as u8).is_multiple_of(4) {
        return Err((
            data_len,
            "the `=` padding does not fit the text's length".into(),
        ));
    }
    Ok(out)
}

fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("`{}`", char::from(b))
    } else {
        format!("byte 0x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for len in 0..40usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let text = base64_encode(&bytes);
            assert_eq!(text.len() % 4, 0);
            assert_eq!(base64_decode(text.as_bytes()).unwrap(), bytes);
            let unpadded = text.trim_end_matches('=');
            assert_eq!(base64_decode(unpadded.as_bytes()).unwrap(), bytes);
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert!(base64_decode(b"Zm9v=YmFy").is_err());
        assert!(base64_decode(b"Zm9vY").is_err());
        assert!(base64_decode(b"Zm8===").is_err());
        assert!(base64_decode(b"Zm9-").is_err());
    }

    #[test]
    fn lengths_and_integers() {
        assert_eq!(tlv(OCTET_STRING, &[1; 5]), [4, 5, 1, 1, 1, 1, 1]);
        assert_eq!(&tlv(OCTET_STRING, &[0; 200])[..3], &[4, 0x81, 200]);
        assert_eq!(&tlv(OCTET_STRING, &[0; 300])[..4], &[4, 0x82, 1, 44]);
        assert_eq!(integer(&[0, 0, 1]), [2, 1, 1]);
        assert_eq!(integer(&[0x80]), [2, 2, 0, 0x80]);
        assert_eq!(integer(&[]), [2, 1, 0]);
        assert_eq!(bit_len(&[0, 1, 0]), 9);
        assert_eq!(bit_len(&[0x80, 0]), 16);
        assert_eq!(
            oid_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 1]).as_deref(),
            Some("1.2.840.113549.1.1.1")
        );
        assert_eq!(oid_string(&[0x2a, 0x86]), None);
        assert_eq!(oid_string(&[0xff; 20]), None);
    }

    #[test]
    fn reader_refuses_bad_lengths() {
        assert!(Reader::new(&[0x30, 0x85, 1, 1, 1, 1, 1]).any().is_err());
        assert!(Reader::new(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff])
            .any()
            .is_err());
        assert!(Reader::new(&[0x30, 0x80, 0, 0]).any().is_err());
        assert!(Reader::new(&[0x30, 0x03, 1]).any().is_err());
        assert!(Reader::new(&[0x1f, 0x01, 0]).any().is_err());
        let ok = [0x30, 0x03, 0x02, 0x01, 0x05];
        let seq = Reader::new(&ok).any().unwrap();
        let mut r = seq.reader();
        let i = r.expect(INTEGER, "n").unwrap();
        assert_eq!(i.content_start, 4);
        assert_eq!(unsigned(&i, "n").unwrap(), &[5]);
        assert!(r.finish("n").is_ok());
    }
}
