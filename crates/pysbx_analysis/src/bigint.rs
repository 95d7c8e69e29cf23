//! Integers past 64 bits, for the folds that turn them into bytes and back: a payload kept as
//! one large integer literal and decoded with `(N).to_bytes(L, "big")`, or bytes read as an
//! integer with `int.from_bytes` and written back.
//!
//! A literal keeps its digits as written and is converted to bytes only when a fold asks for
//! them (most large literals in real code are constants nothing decodes), once: the result is
//! kept beside the digits (by `num_bigint`). Decimal conversion costs time quadratic in the
//! number of digits, so
//! decimal digits are limited to [`MAX_DECIMAL_DIGITS`] (Python 3.11 and later refuse decimal
//! literals past 4,300 digits), and to [`MAX_DECIMAL_DIGITS_PER_FILE`] in all in one file;
//! the other bases convert in linear time and are limited only by the folder's longest
//! constant and budget.

use std::cell::OnceCell;

use crate::fold::MAX_CONST_LEN;

/// The most decimal digits of one integer converted (about 8 KiB of bytes).
pub(crate) const MAX_DECIMAL_DIGITS: usize = 20_000;
/// The most decimal digits converted in one file (the folding budget keeps the count).
pub(crate) const MAX_DECIMAL_DIGITS_PER_FILE: usize = 64 * 1024;

/// An integer that does not fit in an `i64`.
#[derive(Debug)]
pub(crate) struct BigInt {
    negative: bool,
    /// The digits as written (no sign, prefix or underscore) and their base, when not yet
    /// converted.
    digits: Option<(u32, Box<str>)>,
    /// The magnitude, big-endian without leading zero bytes; `None` inside when the digits
    /// are past the limits.
    magnitude: OnceCell<Option<Box<[u8]>>>,
}

impl BigInt {
    /// An integer literal as Python reads it (`123...`, `0x...`, `0o...`, `0b...`, underscores
    /// between digits), without sign. `None` for anything else.
    pub(crate) fn from_literal(text: &str) -> Option<Self> {
        let lower = text.get(..2).map(str::to_ascii_lowercase);
        let (radix, body) = match lower.as_deref() {
            Some("0x") => (16, &text[2..]),
            Some("0o") => (8, &text[2..]),
            Some("0b") => (2, &text[2..]),
            _ => (10, text),
        };
        Self::from_digits(false, radix, body)
    }

    /// What `int(text, base)` reads from a string (surrounding whitespace, a sign, the base's
    /// prefix, underscores between digits), for bases 2, 8, 10 and 16. `None` for anything else.
    pub(crate) fn parse(text: &str, base: i64) -> Option<Self> {
        let radix = u32::try_from(base).ok().filter(|b| matches!(b, 2 | 8 | 10 | 16))?;
        let t = text.trim();
        let (negative, t) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let prefix = match radix {
            16 => "0x",
            8 => "0o",
            2 => "0b",
            _ => "",
        };
        let t = match t.get(..2) {
            Some(p) if !prefix.is_empty() && p.eq_ignore_ascii_case(prefix) => {
                // `int("0x_ff", 16)`: one underscore may follow the prefix.
                t[2..].strip_prefix('_').unwrap_or(&t[2..])
            }
            _ => t,
        };
        Self::from_digits(negative, radix, t)
    }

    /// Digits in `radix` with single underscores between them.
    fn from_digits(negative: bool, radix: u32, text: &str) -> Option<Self> {
        if text.is_empty() || text.starts_with('_') || text.ends_with('_') || text.contains("__") {
            return None;
        }
        let digits: String = text.chars().filter(|c| *c != '_').collect();
        if !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        Some(Self { negative, digits: Some((radix, digits.into())), magnitude: OnceCell::new() })
    }

    /// The integer of a sign and a big-endian magnitude: an `i64` when it fits.
    pub(crate) fn from_magnitude(negative: bool, magnitude: &[u8]) -> Result<i64, Self> {
        let start = magnitude.iter().position(|b| *b != 0).unwrap_or(magnitude.len());
        let magnitude = &magnitude[start..];
        if magnitude.len() <= 8 {
            let mut v: u64 = 0;
            for b in magnitude {
                v = v << 8 | u64::from(*b);
            }
            if negative {
                if v <= 1 << 63 {
                    #[expect(clippy::cast_possible_wrap, reason = "-(2**63) wraps to itself")]
                    return Ok((v as i64).wrapping_neg());
                }
            } else if let Ok(v) = i64::try_from(v) {
                return Ok(v);
            }
        }
        let cell = OnceCell::new();
        let _ = cell.set(Some(Box::from(magnitude)));
        Err(Self { negative: negative && !magnitude.is_empty(), digits: None, magnitude: cell })
    }

    /// `-n`.
    pub(crate) fn negated(&self) -> Self {
        Self {
            negative: !self.negative,
            digits: self.digits.clone(),
            magnitude: self.magnitude.clone(),
        }
    }

    /// The magnitude, big-endian without leading zeros, converted on first use; `None` past the
    /// limits.
    pub(crate) fn magnitude(&self) -> Option<&[u8]> {
        self.magnitude
            .get_or_init(|| {
                let (radix, digits) = self.digits.as_ref()?;
                convert(*radix, digits.as_bytes())
            })
            .as_deref()
    }

    /// Whether a conversion reads decimal digits, and how many digits it reads (what it costs
    /// the folding budget; nothing once converted).
    pub(crate) fn cost(&self) -> (bool, usize) {
        match (&self.digits, self.magnitude.get()) {
            (Some((radix, d)), None) => (*radix == 10, d.len()),
            _ => (false, 0),
        }
    }

    /// `n.bit_length()`.
    pub(crate) fn bit_length(&self) -> Option<u64> {
        let m = self.magnitude()?;
        let first = m.first().map_or(0, |b| 8 - b.leading_zeros());
        Some(u64::try_from(m.len().saturating_sub(1)).ok()? * 8 + u64::from(first))
    }

    /// `n.to_bytes(length, byteorder, signed=...)`: `None` where Python raises
    /// `OverflowError` (a negative number unsigned, or one that needs more bytes).
    pub(crate) fn to_bytes(&self, length: usize, big: bool, signed: bool) -> Option<Vec<u8>> {
        if length > MAX_CONST_LEN || (self.negative && !signed) {
            return None;
        }
        let m = self.magnitude()?;
        if m.len() > length {
            return None;
        }
        let mut out = vec![0u8; length];
        out[length - m.len()..].copy_from_slice(m);
        if self.negative {
            // Two's complement: invert and add one; the result must have its top bit set.
            for b in &mut out {
                *b = !*b;
            }
            for b in out.iter_mut().rev() {
                let (v, carry) = b.overflowing_add(1);
                *b = v;
                if !carry {
                    break;
                }
            }
            if out.first().is_none_or(|b| *b < 0x80) {
                return None;
            }
        } else if signed && out.first().is_some_and(|b| *b >= 0x80) {
            return None;
        }
        if !big {
            out.reverse();
        }
        Some(out)
    }
}

/// `int.from_bytes(b, byteorder, signed=...)` of any length.
pub(crate) fn from_bytes(b: &[u8], big: bool, signed: bool) -> Result<i64, BigInt> {
    let mut be: Vec<u8> = if big { b.to_vec() } else { b.iter().rev().copied().collect() };
    let negative = signed && be.first().is_some_and(|x| *x >= 0x80);
    if negative {
        // The magnitude of a negative two's complement number: invert and add one.
        for x in &mut be {
            *x = !*x;
        }
        for x in be.iter_mut().rev() {
            let (v, carry) = x.overflowing_add(1);
            *x = v;
            if !carry {
                break;
            }
        }
    }
    BigInt::from_magnitude(negative, &be)
}

/// Digits (ASCII, valid in `radix`) to a big-endian magnitude without leading zeros. Decimal
/// digits past [`MAX_DECIMAL_DIGITS`] and magnitudes longer than the folder's longest constant
/// give `None`.
fn convert(radix: u32, digits: &[u8]) -> Option<Box<[u8]>> {
    let bits_per_digit = match radix {
        16 => 4,
        8 => 3,
        2 => 1,
        10 if digits.len() <= MAX_DECIMAL_DIGITS => 0,
        _ => return None,
    };
    // A power-of-two base converts in linear time: its length is known before converting.
    if digits.len().saturating_mul(bits_per_digit) / 8 > MAX_CONST_LEN {
        return None;
    }
    let n = num_bigint::BigUint::parse_bytes(digits, radix)?;
    let be = if n.bits() == 0 { Vec::new() } else { n.to_bytes_be() };
    (be.len() <= MAX_CONST_LEN).then(|| be.into_boxed_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn literals_convert_in_every_base() {
        // 2**64 + 1
        let n = BigInt::from_literal("18446744073709551617").unwrap();
        assert_eq!(hex(n.magnitude().unwrap()), "010000000000000001");
        assert_eq!(n.bit_length(), Some(65));
        let n = BigInt::from_literal("0x1_0000_0000_0000_0001").unwrap();
        assert_eq!(hex(n.magnitude().unwrap()), "010000000000000001");
        let n = BigInt::from_literal("0o2000000000000000000001").unwrap();
        assert_eq!(hex(n.magnitude().unwrap()), "010000000000000001");
        let n = BigInt::from_literal(&format!("0b1{}1", "0".repeat(63))).unwrap();
        assert_eq!(hex(n.magnitude().unwrap()), "010000000000000001");
        assert!(BigInt::from_literal("12a").is_none());
        assert!(BigInt::from_literal("1__2").is_none());
    }

    #[test]
    fn to_bytes_follows_python() {
        // int.from_bytes(b"print('hi')", "big")
        let n = BigInt::from_literal("135939986443043937815439145").unwrap();
        assert_eq!(n.to_bytes(11, true, false).unwrap(), b"print('hi')");
        assert_eq!(n.to_bytes(12, false, false).unwrap(), b")'ih'(tnirp\0");
        assert!(n.to_bytes(10, true, false).is_none(), "OverflowError");
        let neg = n.negated();
        assert!(neg.to_bytes(11, true, false).is_none(), "negative unsigned");
        // (-2**71).to_bytes(9, "big", signed=True) == b"\x80" + 8 zero bytes
        let m = BigInt::from_literal("2361183241434822606848").unwrap().negated();
        assert_eq!(hex(&m.to_bytes(9, true, true).unwrap()), "800000000000000000");
        assert!(m.to_bytes(8, true, true).is_none());
        // 2**71 does not fit signed in 9 bytes.
        let p = BigInt::from_literal("2361183241434822606848").unwrap();
        assert!(p.to_bytes(9, true, true).is_none());
        assert_eq!(hex(&p.to_bytes(9, true, false).unwrap()), "800000000000000000");
    }

    #[test]
    fn from_bytes_round_trips() {
        let Err(n) = from_bytes(b"import os; os.system('id')", true, false) else {
            panic!("too long for an i64")
        };
        assert_eq!(n.to_bytes(26, true, false).unwrap(), b"import os; os.system('id')");
        assert!(matches!(from_bytes(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 5], true, false), Ok(5)));
        assert!(matches!(from_bytes(&[0xff; 12], true, true), Ok(-1)));
        let Err(n) = from_bytes(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0], true, true) else { panic!() };
        assert_eq!(hex(&n.to_bytes(9, true, true).unwrap()), "800000000000000000");
    }

    #[test]
    fn parse_reads_what_int_reads() {
        let n = BigInt::parse(" 0x7072696e74282768692729 ", 16).unwrap();
        assert_eq!(n.to_bytes(11, true, false).unwrap(), b"print('hi')");
        assert!(BigInt::parse("0x12", 10).is_none());
        assert!(BigInt::parse("-", 10).is_none());
    }

    #[test]
    fn decimal_digits_are_limited() {
        let n = BigInt::from_literal(&"9".repeat(MAX_DECIMAL_DIGITS + 1)).unwrap();
        assert!(n.magnitude().is_none());
        let n = BigInt::from_literal(&"9".repeat(MAX_DECIMAL_DIGITS)).unwrap();
        assert!(n.magnitude().is_some());
    }
}
