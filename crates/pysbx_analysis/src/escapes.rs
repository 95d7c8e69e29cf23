//! Python's `unicode_escape` and `raw_unicode_escape` codecs, as source encodings.
//!
//! Both are text codecs, so Python accepts them in a coding cookie, and both hide code from a
//! reader: in a file declared `# coding: unicode_escape`, `\x0a` is a newline, so what looks like
//! one comment line runs as several statements. The source is decoded as Python decodes it and
//! scanned as Python runs it. Every byte that is not part of an escape is latin-1.

use crate::decode::CodecFailure;

fn hex_value(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |acc, &d| Some(acc * 16 + char::from(d).to_digit(16)?))
}

/// How many hex digits follow an escape's letter, and what a shorter escape is called.
fn hex_width(letter: u8) -> (usize, &'static str) {
    match letter {
        b'x' => (2, "truncated \\xXX escape"),
        b'u' => (4, "truncated \\uXXXX escape"),
        _ => (8, "truncated \\UXXXXXXXX escape"),
    }
}

/// Decodes `count` hex digits after an escape's letter at `i` (`\x`, `\u`, `\U`).
fn hex_escape(
    bytes: &[u8],
    i: usize,
    count: usize,
    truncated: &'static str,
) -> Result<char, &'static str> {
    let digits = bytes.get(i + 2..i + 2 + count).ok_or(truncated)?;
    let value = hex_value(digits).ok_or(truncated)?;
    char::from_u32(value).ok_or("illegal Unicode character")
}

/// Decodes `unicode_escape` bytes: the escapes of a Python string literal.
pub(crate) fn decode_unicode_escape(bytes: &[u8]) -> Result<String, CodecFailure> {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte != b'\\' {
            out.push(char::from(byte));
            i += 1;
            continue;
        }
        let fail = |out: String, reason| CodecFailure { at: i, reason, decoded: out };
        let Some(&letter) = bytes.get(i + 1) else {
            return Err(fail(out, "\\ at end of string"));
        };
        let simple = match letter {
            b'\n' => Some(None),
            b'\\' => Some(Some('\\')),
            b'\'' => Some(Some('\'')),
            b'"' => Some(Some('"')),
            b'a' => Some(Some('\u{7}')),
            b'b' => Some(Some('\u{8}')),
            b'f' => Some(Some('\u{c}')),
            b'n' => Some(Some('\n')),
            b'r' => Some(Some('\r')),
            b't' => Some(Some('\t')),
            b'v' => Some(Some('\u{b}')),
            _ => None,
        };
        if let Some(c) = simple {
            out.extend(c);
            i += 2;
            continue;
        }
        match letter {
            b'0'..=b'7' => {
                let digits =
                    bytes[i + 1..].iter().take(3).take_while(|d| (b'0'..=b'7').contains(d)).count();
                let value = bytes[i + 1..i + 1 + digits]
                    .iter()
                    .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                // At most 0o777: always a character.
                out.extend(char::from_u32(value));
                i += 1 + digits;
            }
            b'x' | b'u' | b'U' => {
                let (count, truncated) = hex_width(letter);
                match hex_escape(bytes, i, count, truncated) {
                    Ok(c) => out.push(c),
                    Err(reason) => return Err(fail(out, reason)),
                }
                i += 2 + count;
            }
            b'N' => {
                let malformed = "malformed \\N character escape";
                if bytes.get(i + 2) != Some(&b'{') {
                    return Err(fail(out, malformed));
                }
                let Some(close) = bytes[i + 3..].iter().position(|&b| b == b'}') else {
                    return Err(fail(out, malformed));
                };
                let name = std::str::from_utf8(&bytes[i + 3..i + 3 + close]).unwrap_or_default();
                let Some(c) = unicode_names2::character(name) else {
                    return Err(fail(out, "unknown Unicode character name"));
                };
                out.push(c);
                i += 4 + close;
            }
            _ => {
                // An unknown escape keeps its backslash, as in a string literal.
                out.push('\\');
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Decodes `raw_unicode_escape` bytes: only `\uXXXX` and `\UXXXXXXXX` are escapes, and only
/// after an odd run of backslashes (in an even run every backslash is itself).
pub(crate) fn decode_raw_unicode_escape(bytes: &[u8]) -> Result<String, CodecFailure> {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(char::from(bytes[i]));
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|&&b| b == b'\\').count();
        let letter = bytes.get(i + run).copied();
        if run % 2 == 0 || !matches!(letter, Some(b'u' | b'U')) {
            out.extend(std::iter::repeat_n('\\', run));
            i += run;
            continue;
        }
        out.extend(std::iter::repeat_n('\\', run - 1));
        i += run - 1;
        let (count, truncated) = hex_width(letter.unwrap_or(b'U'));
        match hex_escape(bytes, i, count, truncated) {
            Ok(c) => out.push(c),
            Err(reason) => return Err(CodecFailure { at: i, reason, decoded: out }),
        }
        i += 2 + count;
    }
    Ok(out)
}

/// Appends `c` as `\xXX`, `\uXXXX` or `\UXXXXXXXX`, whichever is shortest.
fn push_escaped(out: &mut Vec<u8>, c: char) {
    let code = u32::from(c);
    let escape = if code < 0x100 {
        format!("\\x{code:02x}")
    } else if code < 0x1_0000 {
        format!("\\u{code:04x}")
    } else {
        format!("\\U{code:08x}")
    };
    out.extend_from_slice(escape.as_bytes());
}

/// Encodes text so that `unicode_escape` decodes it back: ASCII as itself, backslashes doubled,
/// every other character as an escape.
pub(crate) fn encode_unicode_escape(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.extend_from_slice(b"\\\\"),
            c if c.is_ascii() => out.push(c as u8),
            c => push_escaped(&mut out, c),
        }
    }
    out
}

/// Encodes text so that `raw_unicode_escape` decodes it back: latin-1 characters as their byte,
/// others as `\u`/`\U` escapes; an odd run of backslashes before a `u` or `U` ends in `\u005c`,
/// so that it is not read as an escape.
pub(crate) fn encode_raw_unicode_escape(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let run = chars[i..].iter().take_while(|&&c| c == '\\').count();
            let before_u = matches!(chars.get(i + run), Some('u' | 'U'));
            if run % 2 == 1 && before_u {
                out.extend(std::iter::repeat_n(b'\\', run - 1));
                out.extend_from_slice(b"\\u005c");
            } else {
                out.extend(std::iter::repeat_n(b'\\', run));
            }
            i += run;
            continue;
        }
        match u8::try_from(u32::from(c)) {
            Ok(byte) => out.push(byte),
            Err(_) => push_escaped(&mut out, c),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_escape_decodes_what_python_decodes() {
        // Expected values from CPython's `bytes.decode("unicode_escape")`.
        let cases: &[(&[u8], &str)] = &[
            (b"x = 1 # \\x0aimport os", "x = 1 # \nimport os"),
            (b"\\u0041\\U00000042\\103", "ABC"),
            (b"\\777", "\u{1ff}"),
            (b"\\q \\8", "\\q \\8"),
            (b"a\\\nb", "ab"),
            (b"\\\\x41", "\\x41"),
            (b"\\N{LATIN SMALL LETTER A}", "a"),
            (b"caf\xe9", "caf\u{e9}"),
            (b"\\t\\n\\r\\'\\\"", "\t\n\r'\""),
        ];
        for (bytes, text) in cases {
            assert_eq!(decode_unicode_escape(bytes).unwrap(), *text, "{bytes:?}");
        }
    }

    #[test]
    fn unicode_escape_refuses_what_python_refuses() {
        for (bytes, reason) in [
            (b"ok\\".as_slice(), "\\ at end of string"),
            (b"\\x4", "truncated \\xXX escape"),
            (b"\\u00", "truncated \\uXXXX escape"),
            (b"\\U00110000", "illegal Unicode character"),
            (b"\\N{NO SUCH NAME AT ALL}", "unknown Unicode character name"),
            (b"\\Nx", "malformed \\N character escape"),
            (b"\\ud800", "illegal Unicode character"),
        ] {
            let failure = decode_unicode_escape(bytes).unwrap_err();
            assert_eq!(failure.reason, reason, "{bytes:?}");
        }
        let failure = decode_unicode_escape(b"ab\\x4").unwrap_err();
        assert_eq!((failure.at, failure.decoded.as_str()), (2, "ab"));
    }

    #[test]
    fn raw_unicode_escape_decodes_what_python_decodes() {
        // Expected values from CPython's `bytes.decode("raw_unicode_escape")`.
        let cases: &[(&[u8], &str)] = &[
            (b"x = 1 # \\u000aimport os", "x = 1 # \nimport os"),
            (b"\\\\u0041", "\\\\u0041"),
            (b"\\\\\\u0041", "\\\\A"),
            (b"\\x41 \\n \\", "\\x41 \\n \\"),
            (b"\\U0001F600", "\u{1f600}"),
            (b"caf\xe9", "caf\u{e9}"),
        ];
        for (bytes, text) in cases {
            assert_eq!(decode_raw_unicode_escape(bytes).unwrap(), *text, "{bytes:?}");
        }
        assert_eq!(
            decode_raw_unicode_escape(b"\\u00").unwrap_err().reason,
            "truncated \\uXXXX escape"
        );
    }

    #[test]
    fn encodings_round_trip() {
        for text in [
            "x = 1\n",
            "s = '\\n\\u0041' + r'\\\\u' + '\\\\\\u'\n",
            "caf\u{e9} \u{263a} \u{1f600} \u{202e}\n",
            "\\",
            "\\U\\u",
        ] {
            let escaped = encode_unicode_escape(text);
            assert_eq!(decode_unicode_escape(&escaped).unwrap(), text, "{escaped:?}");
            let raw = encode_raw_unicode_escape(text);
            assert_eq!(decode_raw_unicode_escape(&raw).unwrap(), text, "{raw:?}");
        }
    }
}
