//! UTF-7 (RFC 2152), as Python's `utf-7` codec reads and writes it.
//!
//! Python accepts any text codec in a coding cookie, and UTF-7 is a known way to hide code from a
//! reader: in a file declared `# coding: utf-7`, `+AAo-` is a newline, so what looks like one
//! comment line runs as several statements. A scanner that cannot decode the file sees nothing,
//! so the source is decoded as Python decodes it and scanned as Python runs it.

/// The value of a modified-base64 digit (`A`-`Z`, `a`-`z`, `0`-`9`, `+`, `/`).
fn base64_value(byte: u8) -> Option<u32> {
    match byte {
        b'A'..=b'Z' => Some(u32::from(byte - b'A')),
        b'a'..=b'z' => Some(u32::from(byte - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(byte - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

use crate::decode::CodecFailure;

/// A byte that cannot be decoded: its offset in the input and what is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Utf7Error {
    at: usize,
    reason: &'static str,
}

/// A shift sequence being read: where it started (its `+`, and the length of the text decoded
/// before it, so that an error points at the sequence), the bits not yet turned into a UTF-16
/// unit, and a high surrogate waiting for its low half.
#[derive(Default)]
struct Shift {
    start: usize,
    text_start: usize,
    bits: u32,
    count: u32,
    high: Option<u16>,
}

impl Shift {
    fn push(&mut self, value: u32, out: &mut String, at: usize) -> Result<(), Utf7Error> {
        self.bits = (self.bits << 6) | value;
        self.count += 6;
        if self.count >= 16 {
            self.count -= 16;
            let unit = u16::try_from((self.bits >> self.count) & 0xffff).unwrap_or_default();
            self.bits &= (1 << self.count) - 1;
            self.unit(unit, out, at)?;
        }
        Ok(())
    }

    fn unit(&mut self, unit: u16, out: &mut String, at: usize) -> Result<(), Utf7Error> {
        let lone = Utf7Error { at, reason: "unpaired surrogate in shift sequence" };
        match (self.high.take(), unit) {
            (None, 0xd800..=0xdbff) => self.high = Some(unit),
            (None, 0xdc00..=0xdfff) => return Err(lone),
            (None, _) => out.push(char::from_u32(u32::from(unit)).ok_or(lone)?),
            (Some(high), 0xdc00..=0xdfff) => {
                let code =
                    0x10000 + ((u32::from(high) - 0xd800) << 10) + (u32::from(unit) - 0xdc00);
                out.push(char::from_u32(code).ok_or(lone)?);
            }
            (Some(_), _) => return Err(lone),
        }
        Ok(())
    }

    /// Ends the sequence: fewer than six bits may be left, all zero, and no surrogate half.
    fn end(&self, at: usize) -> Result<(), Utf7Error> {
        if self.high.is_some() {
            return Err(Utf7Error { at, reason: "unpaired surrogate in shift sequence" });
        }
        if self.count >= 6 {
            return Err(Utf7Error { at, reason: "partial character in shift sequence" });
        }
        if self.bits != 0 {
            return Err(Utf7Error { at, reason: "non-zero padding bits in shift sequence" });
        }
        Ok(())
    }
}

/// Decodes UTF-7 bytes to text.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, CodecFailure> {
    let mut out = String::with_capacity(bytes.len());
    match decode_into(bytes, &mut out) {
        Ok(()) => Ok(out),
        Err(Utf7Error { at, reason }) => Err(CodecFailure { at, reason, decoded: out }),
    }
}

fn decode_into(bytes: &[u8], out: &mut String) -> Result<(), Utf7Error> {
    let mut shift: Option<Shift> = None;
    // An error inside a shift sequence is reported at the sequence's `+`, as CPython does.
    let at_start = |state: &Shift, out: &mut String, error: Utf7Error| {
        out.truncate(state.text_start);
        Utf7Error { at: state.start, reason: error.reason }
    };
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if let Some(state) = shift.as_mut() {
            if let Some(value) = base64_value(byte) {
                state.push(value, out, i).map_err(|e| at_start(state, out, e))?;
                i += 1;
                continue;
            }
            state.end(i).map_err(|e| at_start(state, out, e))?;
            shift = None;
            if byte == b'-' {
                // The `-` that closes a shift sequence is absorbed.
                i += 1;
                continue;
            }
        }
        if byte >= 0x80 {
            return Err(Utf7Error { at: i, reason: "unexpected special character" });
        }
        if byte == b'+' {
            let opened = Shift { start: i, text_start: out.len(), ..Shift::default() };
            match bytes.get(i + 1) {
                Some(b'-') => {
                    out.push('+');
                    i += 2;
                    continue;
                }
                Some(&next) if base64_value(next).is_some() => shift = Some(opened),
                Some(_) => return Err(Utf7Error { at: i, reason: "ill-formed sequence" }),
                None => shift = Some(opened),
            }
        } else {
            out.push(char::from(byte));
        }
        i += 1;
    }
    if let Some(state) = shift {
        state.end(bytes.len()).map_err(|e| at_start(&state, out, e))?;
    }
    Ok(())
}

/// Encodes text as UTF-7: printable ASCII and line breaks directly (`+` as `+-`), every other
/// run of characters as one shift sequence of UTF-16 in modified base64, closed with `-`.
pub(crate) fn encode(text: &str) -> Vec<u8> {
    let direct =
        |c: char| c.is_ascii() && (c == '\t' || c == '\n' || c == '\r' || (' '..='~').contains(&c));
    let mut out = Vec::with_capacity(text.len());
    let mut units: Vec<u16> = Vec::new();
    let flush = |units: &mut Vec<u16>, out: &mut Vec<u8>| {
        if units.is_empty() {
            return;
        }
        out.push(b'+');
        let (mut bits, mut count) = (0u32, 0u32);
        for unit in units.drain(..) {
            bits = (bits << 16) | u32::from(unit);
            count += 16;
            while count >= 6 {
                count -= 6;
                out.push(BASE64[((bits >> count) & 63) as usize]);
            }
            bits &= (1 << count) - 1;
        }
        if count > 0 {
            out.push(BASE64[((bits << (6 - count)) & 63) as usize]);
        }
        out.push(b'-');
    };
    for c in text.chars() {
        if direct(c) {
            flush(&mut units, &mut out);
            if c == '+' {
                out.extend_from_slice(b"+-");
            } else {
                out.push(c as u8);
            }
        } else {
            let mut buf = [0u16; 2];
            units.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut units, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_python_decodes() {
        // Expected values from CPython's `bytes.decode("utf-7")`.
        assert_eq!(decode(b"x = 1 #+AAo-import os").unwrap(), "x = 1 #\nimport os");
        assert_eq!(decode(b"a+-b").unwrap(), "a+b");
        assert_eq!(decode(b"+AGEAYgBj-").unwrap(), "abc");
        assert_eq!(decode(b"+AGEAYgBj").unwrap(), "abc");
        assert_eq!(decode(b"+AOk- caf+AOk.").unwrap(), "\u{e9} caf\u{e9}.");
        assert_eq!(decode(b"+2D3eAA-").unwrap(), "\u{1f600}");
        assert_eq!(decode(b"plain text\r\n").unwrap(), "plain text\r\n");
        assert_eq!(decode(b"+AGE-").unwrap(), "a");
        assert_eq!(decode(b"a+").unwrap(), "a");
    }

    #[test]
    fn refuses_what_python_refuses() {
        let failure = decode(b"ab\xe9").unwrap_err();
        assert_eq!((failure.at, failure.reason), (2, "unexpected special character"));
        assert_eq!(decode(b"+!").unwrap_err().reason, "ill-formed sequence");
        assert_eq!(decode(b"+AGF-").unwrap_err().reason, "non-zero padding bits in shift sequence");
        assert_eq!(
            decode(b"+AGEAYgBjZ-").unwrap_err().reason,
            "partial character in shift sequence"
        );
        assert_eq!(decode(b"+AG-").unwrap_err().reason, "partial character in shift sequence");
        // CPython decodes a lone surrogate, then cannot compile the text: refused here at once.
        assert_eq!(decode(b"+2D0-").unwrap_err().reason, "unpaired surrogate in shift sequence");
        assert_eq!(decode(b"+3gA-").unwrap_err().reason, "unpaired surrogate in shift sequence");
    }

    #[test]
    fn encoding_round_trips() {
        for text in ["x = 1\n", "a + b\t\r\n", "caf\u{e9} \u{1f600} \u{202e}!", "~\u{7f}\u{0}+", ""]
        {
            let bytes = encode(text);
            assert!(bytes.is_ascii(), "{bytes:?}");
            assert_eq!(decode(&bytes).unwrap(), text);
        }
    }
}
