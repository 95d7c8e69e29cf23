//! Source decoding as CPython does it (PEP 263 and PEP 3120): a UTF-8 BOM, a coding cookie on
//! line 1 or 2, UTF-8 by default. Every failure carries the line and column of the first bad byte.

use std::borrow::Cow;
use std::sync::LazyLock;

use crate::error::{SourceError, SourceErrorKind};

/// The cookie as CPython's tokenizer and PEP 263 define it.
static COOKIE: LazyLock<Option<regex::bytes::Regex>> =
    LazyLock::new(|| regex::bytes::Regex::new(r"^[ \t\x0c]*#.*?coding[:=][ \t]*([-\w.]+)").ok());

/// Decodes a Python source file to text.
///
/// Honours a UTF-8 byte order mark, and a `# -*- coding: X -*-` cookie on line 1, or on line 2
/// when line 1 holds only a comment or whitespace. Without a cookie the source is UTF-8.
/// Known encodings, under CPython's names for them: UTF-8, latin-1, ASCII, UTF-7,
/// `unicode_escape`, `raw_unicode_escape`, CPython's single-byte codecs that leave ASCII as it
/// is (cp1252, cp437, iso8859_*, koi8_*, mac_*..., by CPython's own tables), and the WHATWG
/// multibyte encodings (shift_jis, euc-jp, gbk, big5...) through `encoding_rs`.
///
/// # Errors
/// A [`SourceErrorKind::Decode`] error when the encoding is unknown, a BOM contradicts the
/// cookie, a byte is invalid in the encoding (positioned at that byte), or the text contains
/// a NUL character ("source code cannot contain null bytes", as CPython says).
pub fn decode_source(bytes: &[u8]) -> Result<Cow<'_, str>, SourceError> {
    let (bom, body) = match bytes.strip_prefix(b"\xef\xbb\xbf") {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let cookie = find_cookie(body);
    let text = match &cookie {
        None => decode_utf8(body, None)?,
        Some((label, line)) => {
            if bom && normal_name(label) != "utf-8" {
                return Err(error(format!("encoding problem: {label} with BOM"), *line, 1));
            }
            match Codec::named(label) {
                Some(Codec::Utf8) => decode_utf8(body, Some(label))?,
                Some(Codec::Latin1) => Cow::Owned(body.iter().map(|&b| char::from(b)).collect()),
                Some(Codec::Ascii) => decode_ascii(body)?,
                Some(Codec::Utf7) => own_codec(crate::utf7::decode(body), label)?,
                Some(Codec::UnicodeEscape) => {
                    own_codec(crate::escapes::decode_unicode_escape(body), label)?
                }
                Some(Codec::RawUnicodeEscape) => {
                    own_codec(crate::escapes::decode_raw_unicode_escape(body), label)?
                }
                Some(Codec::Charmap(charmap)) => charmap.decode(body, label)?,
                None => decode_other(body, label, *line)?,
            }
        }
    };
    if let Some(at) = memchr::memchr(0, text.as_bytes()) {
        let (line, column) = position_after(&text[..at]);
        return Err(error("source code cannot contain null bytes".to_string(), line, column));
    }
    Ok(text)
}

/// Encodes `text` the way `original` was encoded: the same byte order mark, and the encoding its
/// coding cookie declares. A sanitized copy of a file declared `big5` must still be big5, or
/// CPython reads the copy's UTF-8 as big5 and refuses it.
///
/// # Errors
/// A message when `text` holds a character the declared encoding cannot represent.
pub fn encode_like_source(original: &[u8], text: &str) -> Result<Vec<u8>, String> {
    let (bom, body) = match original.strip_prefix(b"\xef\xbb\xbf") {
        Some(rest) => (true, rest),
        None => (false, original),
    };
    let mut out = if bom { b"\xef\xbb\xbf".to_vec() } else { Vec::new() };
    let Some((label, _)) = find_cookie(body) else {
        out.extend_from_slice(text.as_bytes());
        return Ok(out);
    };
    match Codec::named(&label) {
        Some(Codec::Utf8) => out.extend_from_slice(text.as_bytes()),
        Some(Codec::Ascii) => {
            if !text.is_ascii() {
                return Err(format!(
                    "the text holds characters the declared {label} cannot encode"
                ));
            }
            out.extend_from_slice(text.as_bytes());
        }
        Some(Codec::Utf7) => out.extend(crate::utf7::encode(text)),
        Some(Codec::UnicodeEscape) => out.extend(crate::escapes::encode_unicode_escape(text)),
        Some(Codec::RawUnicodeEscape) => {
            out.extend(crate::escapes::encode_raw_unicode_escape(text));
        }
        Some(Codec::Latin1) => {
            for c in text.chars() {
                let byte = u8::try_from(u32::from(c))
                    .map_err(|_| format!("{c:?} cannot be encoded in the declared {label}"))?;
                out.push(byte);
            }
        }
        Some(Codec::Charmap(charmap)) => charmap.encode(text, &label, &mut out)?,
        None => {
            let encoding =
                encoding_for_label(&label).ok_or_else(|| format!("unknown encoding: {label}"))?;
            let (bytes, _, unmappable) = encoding.encode(text);
            if unmappable {
                return Err(format!(
                    "the text holds characters the declared {label} cannot encode"
                ));
            }
            out.extend_from_slice(&bytes);
        }
    }
    Ok(out)
}

/// The codecs decoded and encoded here rather than through `encoding_rs`.
#[derive(Debug, Clone, Copy)]
enum Codec {
    Utf8,
    Latin1,
    Ascii,
    Utf7,
    UnicodeEscape,
    RawUnicodeEscape,
    Charmap(Charmap),
}

impl Codec {
    /// The codec a cookie names, found as CPython finds it: the tokenizer's own names for
    /// UTF-8 and latin-1 ([`normal_name`]), then the codec registry's, under any of its names
    /// (module names and `encodings.aliases`, compared as `encodings.normalize_encoding` leaves
    /// them; the table is generated from CPython, see `crate::charmaps`).
    fn named(label: &str) -> Option<Self> {
        match normal_name(label).as_str() {
            "utf-8" => return Some(Self::Utf8),
            "iso-8859-1" => return Some(Self::Latin1),
            _ => {}
        }
        let normal = python_normal_encoding(&label.to_ascii_lowercase());
        let module = [normal.clone(), normal.replace('.', "_")].into_iter().find_map(|n| {
            let names = crate::charmaps::NAMES;
            let at = names.binary_search_by(|(name, _)| name.cmp(&n.as_str())).ok()?;
            names.get(at).map(|(_, module)| *module)
        })?;
        Some(match module {
            "utf_8" => Self::Utf8,
            // `charmap` without a mapping decodes each byte as the code point of its value.
            "latin_1" | "charmap" => Self::Latin1,
            "ascii" => Self::Ascii,
            "utf_7" => Self::Utf7,
            "unicode_escape" => Self::UnicodeEscape,
            "raw_unicode_escape" => Self::RawUnicodeEscape,
            other => Self::Charmap(Charmap::of_module(other)?),
        })
    }
}

/// One of CPython's single-byte codecs that leave ASCII as it is (cp437, cp850, cp1252,
/// iso8859_*, koi8_*, mac_*...), decoded by its own table rather than WHATWG's: the WHATWG
/// tables differ from CPython's (its `iso-8859-9` is windows-1254; its windows-1252 defines the
/// bytes CPython refuses) and lack the DOS code pages.
#[derive(Debug, Clone, Copy)]
struct Charmap {
    /// The characters of bytes 0x80 to 0xFF, `\u{fffe}` for a byte the codec does not define.
    upper: &'static str,
}

impl Charmap {
    /// The table of the codec CPython implements in `encodings.<module>`.
    fn of_module(module: &str) -> Option<Self> {
        let tables = crate::charmaps::CHARMAPS;
        let at = tables.binary_search_by(|(name, _)| name.cmp(&module)).ok()?;
        let (_, upper) = tables.get(at)?;
        Some(Self { upper })
    }

    /// The characters of bytes 0x80 to 0xFF, by index.
    fn table(&self) -> [char; 128] {
        let mut table = ['\u{fffe}'; 128];
        for (slot, c) in table.iter_mut().zip(self.upper.chars()) {
            *slot = c;
        }
        table
    }

    fn decode<'b>(&self, body: &[u8], label: &str) -> Result<Cow<'b, str>, SourceError> {
        let upper = self.table();
        let mut out = String::with_capacity(body.len());
        for (at, &byte) in body.iter().enumerate() {
            let c = if byte < 0x80 { char::from(byte) } else { upper[usize::from(byte - 0x80)] };
            if c == '\u{fffe}' {
                let (line, column) = position_after(&out);
                return Err(error(
                    format!(
                        "'{label}' codec can't decode byte 0x{byte:02x} in position {at}: \
                         character maps to <undefined>"
                    ),
                    line,
                    column,
                ));
            }
            out.push(c);
        }
        Ok(Cow::Owned(out))
    }

    fn encode(&self, text: &str, label: &str, out: &mut Vec<u8>) -> Result<(), String> {
        let upper = self.table();
        for c in text.chars() {
            let byte = if c.is_ascii() {
                u8::try_from(u32::from(c)).ok()
            } else {
                // Of two bytes that decode to one character (cp1006's 0xB1 and 0xB2), the
                // last, as CPython's encoder picks it; either reads back the same.
                upper
                    .iter()
                    .rposition(|&u| u == c && u != '\u{fffe}')
                    .and_then(|i| u8::try_from(i + 0x80).ok())
            };
            out.push(
                byte.ok_or_else(|| format!("{c:?} cannot be encoded in the declared {label}"))?,
            );
        }
        Ok(())
    }
}

/// `encodings.normalize_encoding` of a lowercased name: runs of characters other than ASCII
/// letters, digits and `.` become one `_`, none at either end.
fn python_normal_encoding(lower: &str) -> String {
    let mut out = String::with_capacity(lower.len());
    let mut punct = false;
    for c in lower.chars() {
        if c.is_alphanumeric() || c == '.' {
            if punct && !out.is_empty() {
                out.push('_');
            }
            if c.is_ascii() {
                out.push(c);
            }
            punct = false;
        } else {
            punct = true;
        }
    }
    out
}

fn error(message: String, line: u32, column: u32) -> SourceError {
    SourceError { kind: SourceErrorKind::Decode, message, line, column }
}

/// Returns the declared encoding and the line it is on.
fn find_cookie(body: &[u8]) -> Option<(String, u32)> {
    let re = COOKIE.as_ref()?;
    let (first, rest) = split_line(body);
    if let Some(c) = re.captures(first).and_then(|c| c.get(1)) {
        return Some((String::from_utf8_lossy(c.as_bytes()).into_owned(), 1));
    }
    let blank_or_comment = first
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\x0c' | b'\r' | b'\n'))
        .is_none_or(|b| *b == b'#');
    if !blank_or_comment {
        return None;
    }
    let (second, _) = split_line(rest);
    re.captures(second)
        .and_then(|c| c.get(1))
        .map(|c| (String::from_utf8_lossy(c.as_bytes()).into_owned(), 2))
}

/// The first line (without its terminator) and what follows it.
fn split_line(bytes: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr2(b'\n', b'\r', bytes) {
        Some(i) => {
            let skip = if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
            (&bytes[..i], &bytes[i + skip..])
        }
        None => (bytes, &[]),
    }
}

/// CPython's `get_normal_name`: `utf_8`, `UTF-8-sig`... are `utf-8`; `latin-1` and friends are
/// `iso-8859-1`.
fn normal_name(label: &str) -> String {
    let lower: String = label
        .chars()
        .take(64)
        .map(|c| if c == '_' { '-' } else { c.to_ascii_lowercase() })
        .collect();
    if lower == "utf-8" || lower.starts_with("utf-8-") || lower == "utf8" {
        return "utf-8".to_string();
    }
    for latin in ["latin-1", "iso-8859-1", "iso-latin-1", "latin1", "iso8859-1", "l1"] {
        if lower == latin || lower.strip_prefix(latin).is_some_and(|r| r.starts_with('-')) {
            return "iso-8859-1".to_string();
        }
    }
    lower
}

fn decode_utf8<'b>(body: &'b [u8], declared: Option<&str>) -> Result<Cow<'b, str>, SourceError> {
    match std::str::from_utf8(body) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(e) => {
            let good = e.valid_up_to();
            let prefix = std::str::from_utf8(&body[..good]).unwrap_or_default();
            let (line, column) = position_after(prefix);
            let byte = body.get(good).copied().unwrap_or_default();
            let message = match declared {
                None => format!(
                    "Non-UTF-8 code starting with '\\x{byte:02x}', but no encoding declared; \
                     see https://peps.python.org/pep-0263/ for details"
                ),
                Some(label) => format!("'{label}' codec can't decode byte 0x{byte:02x}"),
            };
            Err(error(message, line, column))
        }
    }
}

fn decode_ascii(body: &[u8]) -> Result<Cow<'_, str>, SourceError> {
    match body.iter().position(|b| !b.is_ascii()) {
        None => Ok(Cow::Borrowed(std::str::from_utf8(body).unwrap_or_default())),
        Some(at) => {
            let prefix = std::str::from_utf8(&body[..at]).unwrap_or_default();
            let (line, column) = position_after(prefix);
            Err(error(format!("'ascii' codec can't decode byte 0x{:02x}", body[at]), line, column))
        }
    }
}

/// A byte one of pysbx's own codecs (UTF-7, the escape codecs) cannot decode: its offset, what
/// is wrong, and the text decoded before it (which places it in lines).
#[derive(Debug)]
pub(crate) struct CodecFailure {
    pub(crate) at: usize,
    pub(crate) reason: &'static str,
    pub(crate) decoded: String,
}

/// The text one of pysbx's own codecs decoded, or its failure as a positioned decode error.
fn own_codec<'b>(
    decoded: Result<String, CodecFailure>,
    label: &str,
) -> Result<Cow<'b, str>, SourceError> {
    decoded.map(Cow::Owned).map_err(|failure| {
        let (line, column) = position_after(&failure.decoded);
        let message = format!(
            "'{label}' codec can't decode byte at offset {}: {}",
            failure.at, failure.reason
        );
        error(message, line, column)
    })
}

/// The `encoding_rs` encoding a coding cookie names, trying `_` and `-` spellings as Python's
/// codec lookup does.
fn encoding_for_label(label: &str) -> Option<&'static encoding_rs::Encoding> {
    let python = python_alias(label);
    [label.to_string(), label.replace('_', "-"), label.replace('-', "_")]
        .iter()
        .map(String::as_str)
        .chain(python)
        .find_map(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
}

/// The WHATWG label of a multibyte encoding Python names otherwise (`cp932`, `big5hkscs`...): the code
/// pages whose WHATWG tables are the same, or a superset (WHATWG's `big5` is Big5-HKSCS).
fn python_alias(label: &str) -> Option<&'static str> {
    let normal: String =
        label.chars().filter(|c| *c != '-' && *c != '_').map(|c| c.to_ascii_lowercase()).collect();
    Some(match normal.as_str() {
        "cp932" | "932" | "ms932" | "mskanji" => "shift_jis",
        "cp936" | "936" | "ms936" => "gbk",
        "cp949" | "949" | "ms949" | "uhc" => "euc-kr",
        "cp950" | "950" | "ms950" | "big5hkscs" | "hkscs" => "big5",
        "iso2022jp" | "csiso2022jp" => "iso-2022-jp",
        _ => return None,
    })
}

fn decode_other<'b>(
    body: &'b [u8],
    label: &str,
    cookie_line: u32,
) -> Result<Cow<'b, str>, SourceError> {
    let Some(encoding) = encoding_for_label(label) else {
        return Err(error(format!("unknown encoding: {label}"), cookie_line, 1));
    };
    if encoding == encoding_rs::UTF_8 {
        return decode_utf8(body, Some(label));
    }
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity =
        decoder.max_utf8_buffer_length_without_replacement(body.len()).unwrap_or(body.len());
    let mut out = String::with_capacity(capacity);
    let mut input = body;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(input, &mut out, true);
        match result {
            encoding_rs::DecoderResult::InputEmpty => return Ok(Cow::Owned(out)),
            encoding_rs::DecoderResult::OutputFull => {
                input = &input[read..];
                out.reserve(input.len().max(16) * 4);
            }
            encoding_rs::DecoderResult::Malformed(bad, _) => {
                // `out` holds exactly the text before the malformed sequence.
                let (line, column) = position_after(&out);
                let at = (body.len() - input.len() + read).saturating_sub(usize::from(bad));
                let byte = body.get(at).copied().unwrap_or_default();
                return Err(error(
                    format!("'{label}' codec can't decode byte 0x{byte:02x}"),
                    line,
                    column,
                ));
            }
        }
    }
}

/// The 1-based line and column of the position just after `prefix`.
/// Line breaks are `\n`, `\r\n` and a lone `\r`, as in Python.
pub(crate) fn position_after(prefix: &str) -> (u32, u32) {
    let bytes = prefix.as_bytes();
    let mut line: u32 = 1;
    let mut start = 0;
    let mut i = 0;
    while let Some(off) = memchr::memchr2(b'\n', b'\r', &bytes[i..]) {
        let at = i + off;
        if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
            i = at + 2;
        } else {
            i = at + 1;
        }
        line = line.saturating_add(1);
        start = i;
    }
    let column = u32::try_from(prefix[start..].chars().count()).unwrap_or(u32::MAX);
    (line, column.saturating_add(1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn encoding_back_keeps_the_declared_encoding_and_the_bom() {
        let big5 = b"# -*- coding: big5 -*-\ns = '\xa4\x40'\n";
        let text = super::decode_source(big5).expect("big5 decodes");
        assert_eq!(super::encode_like_source(big5, &text).expect("encodes"), big5.to_vec());
        let edited = text.replace("s = ", "t = ");
        let back = super::encode_like_source(big5, &edited).expect("encodes");
        assert_eq!(super::decode_source(&back).expect("decodes"), edited);
        let latin1 = b"# coding: latin-1\nx = '\xe9'\n";
        let text = super::decode_source(latin1).expect("latin-1 decodes");
        assert_eq!(super::encode_like_source(latin1, &text).expect("encodes"), latin1.to_vec());
        let bom = b"\xef\xbb\xbfx = 1\n";
        assert_eq!(super::encode_like_source(bom, "x = 1\n").expect("encodes"), bom.to_vec());
        assert!(
            super::encode_like_source(b"# coding: ascii\n", "# coding: ascii\n\u{e9}").is_err()
        );
    }

    use super::*;

    #[test]
    fn plain_utf8_is_borrowed() {
        let text = decode_source("x = 'é'\n".as_bytes()).unwrap();
        assert!(matches!(text, Cow::Borrowed(_)));
        assert_eq!(text, "x = 'é'\n");
    }

    #[test]
    fn bom_is_stripped() {
        let text = decode_source(b"\xef\xbb\xbfx = 1\n").unwrap();
        assert_eq!(text, "x = 1\n");
    }

    #[test]
    fn bom_contradicting_cookie_is_an_error() {
        let err = decode_source(b"\xef\xbb\xbf# coding: latin-1\nx = 1\n").unwrap_err();
        assert_eq!(err.kind, SourceErrorKind::Decode);
        assert!(err.message.contains("with BOM"), "{err}");
    }

    #[test]
    fn latin1_cookie_on_line_one() {
        let text = decode_source(b"# -*- coding: latin-1 -*-\ns = '\xe9\x80'\n").unwrap();
        assert_eq!(text, "# -*- coding: latin-1 -*-\ns = '\u{e9}\u{80}'\n");
    }

    #[test]
    fn cookie_on_line_two_after_a_comment_line() {
        let text = decode_source(
            b"#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-1 :\ns = '\xe9'\n",
        )
        .unwrap();
        assert!(text.ends_with("s = '\u{e9}'\n"));
    }

    #[test]
    fn cookie_on_line_two_after_code_is_ignored() {
        let err = decode_source(b"x = 1\n# coding: latin-1\ns = '\xe9'\n").unwrap_err();
        assert_eq!((err.line, err.column), (3, 6), "{err}");
        assert!(err.message.contains("no encoding declared"), "{err}");
    }

    #[test]
    fn cp1252_via_encoding_rs() {
        let text = decode_source(b"# coding: cp1252\ns = '\x80'\n").unwrap();
        assert!(text.contains('\u{20ac}'));
    }

    #[test]
    fn underscore_labels_are_accepted() {
        let text = decode_source(b"# coding: iso_8859_15\ns = '\xa4'\n").unwrap();
        assert!(text.contains('\u{20ac}'));
    }

    #[test]
    fn invalid_utf8_points_at_the_byte() {
        let err = decode_source(b"a = 1\nb = '\xff'\n").unwrap_err();
        assert_eq!(err.kind, SourceErrorKind::Decode);
        assert_eq!((err.line, err.column), (2, 6));
    }

    #[test]
    fn invalid_ascii_points_at_the_byte() {
        let err = decode_source(b"# coding: ascii\n\n  x = '\xc3\xa9'\n").unwrap_err();
        assert_eq!((err.line, err.column), (3, 8), "{err}");
    }

    #[test]
    fn invalid_multibyte_in_declared_encoding_points_at_the_byte() {
        // 0x81 0x20 is not a valid Shift_JIS sequence.
        let err = decode_source(b"# coding: shift_jis\nx = '\x81\x20'\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert_eq!(err.column, 6, "{err}");
    }

    #[test]
    fn utf7_source_is_read_as_python_runs_it() {
        // `+AAo-` is a newline in UTF-7: what looks like a comment runs as a statement.
        let source =
            b"# -*- coding: utf-7 -*-\nx = 1  # +AAo-import os+ADs- os.system(+ACI-id+ACI-)\n";
        let text = decode_source(source).unwrap();
        assert_eq!(text, "# -*- coding: utf-7 -*-\nx = 1  # \nimport os; os.system(\"id\")\n");
        for label in ["utf_7", "UTF7", "u7", "unicode-1-1-utf-7"] {
            let source = format!("# coding: {label}\nx = +ACI-a+ACI-\n");
            assert_eq!(
                decode_source(source.as_bytes()).unwrap(),
                format!("# coding: {label}\nx = \"a\"\n")
            );
        }
        // The sanitizer writes such a file back in UTF-7, and it decodes to the same text.
        let back = encode_like_source(source, &text).unwrap();
        assert_eq!(decode_source(&back).unwrap(), text);
        let err = decode_source(b"# coding: utf-7\nok = 1\nx = +AGF-\n").unwrap_err();
        assert_eq!((err.line, err.column), (3, 5));
        assert!(err.message.contains("non-zero padding bits"), "{}", err.message);
    }

    #[test]
    fn escape_codec_sources_are_read_as_python_runs_them() {
        for (label, hidden) in [("unicode_escape", "\\x0a"), ("raw_unicode_escape", "\\u000a")] {
            let source = format!("# coding: {label}\nx = 1  # {hidden}import os\n");
            let text = decode_source(source.as_bytes()).unwrap();
            assert_eq!(text, format!("# coding: {label}\nx = 1  # \nimport os\n"));
            let back = encode_like_source(source.as_bytes(), &text).unwrap();
            assert_eq!(decode_source(&back).unwrap(), text, "{label}");
        }
        let err = decode_source(b"# coding: unicode_escape\nok = 1\nx = '\\x4'\n").unwrap_err();
        assert_eq!((err.line, err.column), (3, 6));
        assert!(err.message.contains("truncated \\xXX escape"), "{}", err.message);
    }

    #[test]
    fn python_names_of_whatwg_encodings_are_known() {
        // Expected values from CPython's `bytes.decode(label)`.
        for (label, bytes, text) in [
            ("mac_roman", b"\x8e".as_slice(), "\u{e9}"),
            ("cp932", b"\x82\xa0", "\u{3042}"),
            ("cp936", b"\xc4\xe3", "\u{4f60}"),
            ("cp949", b"\xb0\xa1", "\u{ac00}"),
            ("cp950", b"\xa4\xa4", "\u{4e2d}"),
            ("big5hkscs", b"\xa4\xa4", "\u{4e2d}"),
            ("iso2022_jp", b"\x1b$B$\"\x1b(B", "\u{3042}"),
            ("cp874", b"\xa1", "\u{e01}"),
            ("mac_cyrillic", b"\x80", "\u{410}"),
        ] {
            let source = [format!("# coding: {label}\nx = '").as_bytes(), bytes, b"'\n"].concat();
            let decoded = decode_source(&source).unwrap_or_else(|e| panic!("{label}: {e:?}"));
            assert_eq!(decoded, format!("# coding: {label}\nx = '{text}'\n"), "{label}");
        }
    }

    #[test]
    fn unknown_encoding_names_the_cookie_line() {
        let err = decode_source(b"\n# coding: klingon\nx = 1\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(err.message, "unknown encoding: klingon");
    }

    #[test]
    fn nul_byte_is_rejected_with_cpython_message() {
        let err = decode_source(b"x = 1\ny = '\x00'\n").unwrap_err();
        assert_eq!(err.message, "source code cannot contain null bytes");
        assert_eq!((err.line, err.column), (2, 6));
    }

    #[test]
    fn positions_count_code_points_and_all_line_breaks() {
        assert_eq!(position_after(""), (1, 1));
        assert_eq!(position_after("éé"), (1, 3));
        assert_eq!(position_after("a\r\nb\rc\nxy"), (4, 3));
    }
}
