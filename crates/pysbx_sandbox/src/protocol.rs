//! The guard pipe's framing: a 4-byte big-endian length, a JSON header, and, when the header
//! has `blob`, that many raw bytes (module sources travel undecoded).

use std::io::{Read, Write};

/// Largest header or blob accepted (a module larger than this is refused, not buffered).
pub(crate) const MAX_FRAME: usize = 64 * 1024 * 1024;

/// How a read of the guard's channel went wrong.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FrameError {
    /// The channel could not be read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// What came is no record of the guard's, nor a whole one the program wrote: the program
    /// wrote into the channel out of step with its records, or inside one of them.
    #[error("{0}")]
    Broken(String),
    /// The stream ended inside a frame: the writer's process ended in the middle of a record
    /// (a record the program wrote on its own out of step is caught by what followed it).
    #[error("the channel ended inside a record's {0}")]
    Cut(&'static str),
}

fn broken(why: impl Into<String>) -> FrameError {
    FrameError::Broken(why.into())
}

/// Reads one frame; `Ok(None)` at a clean end of stream.
///
/// `secret` is the token the guard's records carry once it is configured (empty before). The
/// program can write on the channel too, and a frame of its own that is whole and in step is
/// harmless (the caller drops it, as it lacks the token); what this reader refuses is a frame
/// that cannot be one of the guard's nor the program's whole: a header byte the guard's
/// encoder never writes (it writes printable ASCII: a record of the guard's swallowed into a
/// header shows its length's zero byte at once), a header that is not JSON, a stream cut in
/// the middle of a frame (as [`FrameError::Cut`]), and a frame without the token that holds it (a record of the
/// guard's swallowed into a forged frame's header or its announced blob). Each would hide
/// the guard's records that followed.
pub(crate) fn read_frame(
    r: &mut impl Read,
    secret: &str,
) -> Result<Option<(serde_json::Value, Vec<u8>)>, FrameError> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < len.len() {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(FrameError::Cut("length")),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let n = u32::from_be_bytes(len) as usize;
    if n > MAX_FRAME {
        return Err(broken(format!("a record's header announced as {n} bytes")));
    }
    let mut header = Vec::new();
    read_checked(r, n, "header", |chunk| {
        if let Some(b) = chunk.iter().find(|b| !(0x20..=0x7e).contains(*b)) {
            return Err(broken(format!("byte 0x{b:02x} in a record's header")));
        }
        header.extend_from_slice(chunk);
        Ok(())
    })?;
    // A header that holds the guard's secret is the guard's record (or one swallowed into a
    // forged header, below) and is read whole, once. Any other is the program's: only its
    // `blob` is read, to skip the data it announces, and nothing else of it is kept (made into
    // a JSON tree, `[0,0,...]` of 64 MiB would take gigabytes).
    let holds_secret =
        !secret.is_empty() && header.windows(secret.len()).any(|w| w == secret.as_bytes());
    if secret.is_empty() || holds_secret {
        let header: serde_json::Value =
            serde_json::from_slice(&lone_surrogates_as_text(&header))
                .map_err(|e| broken(format!("a record's header is not JSON: {e}")))?;
        if !secret.is_empty()
            && header.get("token").and_then(serde_json::Value::as_str) != Some(secret)
        {
            return Err(broken("a record of the guard's inside a header without its token"));
        }
        let blob_len = header.get("blob").and_then(serde_json::Value::as_u64).unwrap_or(0);
        let blob_len = usize::try_from(blob_len).unwrap_or(usize::MAX);
        if blob_len > MAX_FRAME {
            return Err(broken(format!("a record's data announced as {blob_len} bytes")));
        }
        // Read whole, unchecked: a module's source, which the guard sends as it is.
        let mut blob = vec![0u8; blob_len];
        return match r.read_exact(&mut blob) {
            Ok(()) => Ok(Some((header, blob))),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(FrameError::Cut("data")),
            Err(e) => Err(e.into()),
        };
    }
    // Forged: its header is dropped (an empty one is handed on, which the caller drops as it
    // lacks the token), and its blob is read only to find the guard's token in it (where the
    // end of one chunk and the start of the next meet too).
    let envelope: Envelope = serde_json::from_slice(&lone_surrogates_as_text(&header))
        .map_err(|e| broken(format!("a record's header is not JSON: {e}")))?;
    let blob_len = usize::try_from(envelope.blob.unwrap_or(0)).unwrap_or(usize::MAX);
    if blob_len > MAX_FRAME {
        return Err(broken(format!("a record's data announced as {blob_len} bytes")));
    }
    let mut tail: Vec<u8> = Vec::new();
    read_checked(r, blob_len, "data", |chunk| {
        tail.extend_from_slice(chunk);
        if tail.windows(secret.len()).any(|w| w == secret.as_bytes()) {
            return Err(broken("a record of the guard's inside the data of one without its token"));
        }
        let keep = tail.len().min(secret.len().saturating_sub(1));
        tail.drain(..tail.len() - keep);
        Ok(())
    })?;
    Ok(Some((serde_json::Value::Object(serde_json::Map::new()), Vec::new())))
}

/// The header with every escape of a lone surrogate (`\udcff`) written as text instead: the
/// guard's encoder escapes the characters of a `str` one by one, and a path of bytes that are
/// not UTF-8 holds one per such byte (Python's `surrogateescape`: `b"pkg\xff"` is
/// `"pkg\udcff"`), which is no character and which serde_json refuses. Such a surrogate
/// (U+DC80 to U+DCFF) becomes the text `\xff`, as Python shows the byte; any other lone one
/// its own escape as text (`\ud800`). A pair that makes one character is left as it is.
fn lone_surrogates_as_text(header: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let hex = |at: usize| -> Option<u32> {
        let digits = header.get(at..at + 4)?;
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    let escape_at = |at: usize| -> Option<u32> {
        (header.get(at) == Some(&b'\\') && header.get(at + 1) == Some(&b'u')).then_some(())?;
        hex(at + 2)
    };
    if !header.windows(3).any(|w| w[0] == b'\\' && w[1] == b'u' && matches!(w[2], b'd' | b'D')) {
        return std::borrow::Cow::Borrowed(header);
    }
    let mut out = Vec::with_capacity(header.len() + 8);
    let mut i = 0;
    while i < header.len() {
        if header[i] != b'\\' {
            out.push(header[i]);
            i += 1;
            continue;
        }
        match escape_at(i) {
            Some(0xD800..=0xDBFF)
                if escape_at(i + 6).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low)) =>
            {
                out.extend_from_slice(&header[i..i + 12]);
                i += 12;
            }
            Some(lone @ 0xDC80..=0xDCFF) => {
                out.extend_from_slice(format!("\\\\x{:02x}", lone & 0xFF).as_bytes());
                i += 6;
            }
            Some(lone @ 0xD800..=0xDFFF) => {
                out.extend_from_slice(format!("\\\\u{lone:04x}").as_bytes());
                i += 6;
            }
            Some(_) => {
                out.extend_from_slice(&header[i..i + 6]);
                i += 6;
            }
            // Any other escape (`\\`, `\"`): both bytes, so that an escaped backslash
            // before a `u` is not read as the start of an escape.
            None => {
                out.extend_from_slice(&header[i..(i + 2).min(header.len())]);
                i += 2;
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// What a forged header is read for: the data it announces, to be skipped. Other fields (and
/// a header that is no object) are skipped unread; a repeated `blob` counts by its last value,
/// as in a JSON tree.
#[derive(Default)]
struct Envelope {
    blob: Option<u64>,
}

impl<'de> serde::Deserialize<'de> for Envelope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Skim { blob_field: false })
    }
}

/// Reads a JSON value keeping nothing but one unsigned integer: the value itself where it is
/// `blob`'s (`blob_field`), or, at the top, the `blob` field of an object. Containers are
/// walked through without being kept.
struct Skim {
    blob_field: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for Skim {
    type Value = Envelope;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Envelope, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Skim {
    type Value = Envelope;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_u64<E>(self, v: u64) -> Result<Envelope, E> {
        Ok(Envelope { blob: self.blob_field.then_some(v) })
    }
    fn visit_i64<E>(self, v: i64) -> Result<Envelope, E> {
        Ok(Envelope { blob: u64::try_from(v).ok().filter(|_| self.blob_field) })
    }
    fn visit_f64<E>(self, _: f64) -> Result<Envelope, E> {
        Ok(Envelope::default())
    }
    fn visit_bool<E>(self, _: bool) -> Result<Envelope, E> {
        Ok(Envelope::default())
    }
    fn visit_str<E>(self, _: &str) -> Result<Envelope, E> {
        Ok(Envelope::default())
    }
    fn visit_unit<E>(self) -> Result<Envelope, E> {
        Ok(Envelope::default())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Envelope, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Envelope::default())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
        let mut blob = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if !self.blob_field && key == "blob" {
                blob = map.next_value_seed(Skim { blob_field: true })?.blob;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(Envelope { blob })
    }
}

/// How much of a header or blob is read at a time (and checked as it comes).
const CHUNK: usize = 64 * 1024;

/// Reads exactly `n` bytes, handing each chunk to `take` as it arrives.
fn read_checked(
    r: &mut impl Read,
    n: usize,
    what: &'static str,
    mut take: impl FnMut(&[u8]) -> Result<(), FrameError>,
) -> Result<(), FrameError> {
    let mut buf = vec![0u8; n.min(CHUNK)];
    let mut left = n;
    while left > 0 {
        let want = left.min(buf.len());
        match r.read(&mut buf[..want]) {
            Ok(0) => return Err(FrameError::Cut(what)),
            Ok(k) => {
                take(&buf[..k])?;
                left -= k;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Writes one frame; `blob` is announced in the header as `blob`.
pub(crate) fn write_frame(
    w: &mut impl Write,
    mut header: serde_json::Value,
    blob: &[u8],
) -> std::io::Result<()> {
    if !blob.is_empty()
        && let Some(obj) = header.as_object_mut()
    {
        obj.insert("blob".into(), blob.len().into());
    }
    let bytes = serde_json::to_vec(&header)?;
    let len = u32::try_from(bytes.len())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "frame too large"))?;
    let mut buf = Vec::with_capacity(4 + bytes.len() + blob.len());
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(&bytes);
    buf.extend_from_slice(blob);
    w.write_all(&buf)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_are_read_as_text() {
        let parse = |text: &str| -> serde_json::Value {
            serde_json::from_slice(&lone_surrogates_as_text(text.as_bytes())).expect("JSON")
        };
        // A byte that is not UTF-8, as Python's surrogateescape makes it, shown as Python shows it.
        assert_eq!(parse(r#"{"path":"/tmp/pkg\udcff/m.py"}"#)["path"], "/tmp/pkg\\xff/m.py");
        assert_eq!(parse(r#"["\ud800x"]"#)[0], "\\ud800x");
        // A pair is one character; an escaped backslash before `u` is no escape.
        assert_eq!(parse(r#"["\ud83d\ude00"]"#)[0], "\u{1F600}");
        assert_eq!(parse(r#"["\\udcff"]"#)[0], "\\udcff");
        assert_eq!(parse(r#"["\"\u00e9"]"#)[0], "\"\u{e9}");
        // A high surrogate last, cut short.
        assert_eq!(parse(r#"["a\udbff"]"#)[0], "a\\udbff");
    }

    #[test]
    fn frames_round_trip_with_and_without_blob() {
        let mut buf = Vec::new();
        write_frame(&mut buf, serde_json::json!({"t": "gate", "path": "/x.py"}), b"print(1)\n")
            .unwrap();
        write_frame(&mut buf, serde_json::json!({"t": "hello"}), b"").unwrap();
        let mut r = buf.as_slice();
        let (h, b) = read_frame(&mut r, "").unwrap().unwrap();
        assert_eq!(h["t"], "gate");
        assert_eq!(h["blob"], 9);
        assert_eq!(b, b"print(1)\n");
        let (h, b) = read_frame(&mut r, "").unwrap().unwrap();
        assert_eq!(h["t"], "hello");
        assert!(b.is_empty());
        assert!(read_frame(&mut r, "").unwrap().is_none());
    }

    #[test]
    fn oversized_frames_are_refused() {
        let mut bytes = (u32::MAX).to_be_bytes().to_vec();
        bytes.extend_from_slice(b"{}");
        assert!(read_frame(&mut bytes.as_slice(), "").is_err());
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn frame(header: &serde_json::Value, blob: &[u8]) -> Vec<u8> {
        let mut buf = Vec::new();
        write_frame(&mut buf, header.clone(), blob).unwrap();
        buf
    }

    fn broken_by(bytes: &[u8]) -> String {
        match read_frame(&mut { bytes }, SECRET) {
            Err(FrameError::Broken(why)) => why,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn a_whole_frame_the_program_wrote_is_read_past() {
        let mut bytes = frame(&serde_json::json!({"t": "event"}), b"forged data");
        bytes.extend(frame(&serde_json::json!({"t": "event", "token": SECRET}), b""));
        let mut r = bytes.as_slice();
        let (h, blob) = read_frame(&mut r, SECRET).unwrap().unwrap();
        // Not kept: the caller gets an empty header, which it drops for want of the token.
        assert_eq!(h, serde_json::json!({}));
        assert!(blob.is_empty());
        let (h, _) = read_frame(&mut r, SECRET).unwrap().unwrap();
        assert_eq!(h["token"], SECRET);
        assert!(read_frame(&mut r, SECRET).unwrap().is_none());
    }

    /// A forged header is read for its `blob` and `token` only, whatever its shape: an array
    /// of a million numbers, a scalar, fields of other types or repeated, nested containers.
    /// None is made into a JSON tree (a 64 MiB array of zeros once took 2.5 GB), and the data a
    /// forged header announces is still read past.
    #[test]
    fn a_forged_header_of_any_shape_is_read_past_without_being_kept() {
        let array = format!("[{}0]", "0,".repeat(1_000_000));
        let shapes = [
            array.as_str(),
            "\"text\"",
            "17",
            "null",
            r#"{"blob": "3", "token": 5, "t": "event"}"#,
            r#"{"blob": [1, [2, {"a": 3}]], "token": {"x": [0, 0]}}"#,
            r#"{"token": "x", "token": "y", "blob": 4, "blob": 0}"#,
        ];
        for shape in shapes {
            let mut bytes = u32::try_from(shape.len()).unwrap().to_be_bytes().to_vec();
            bytes.extend(shape.as_bytes());
            bytes.extend(frame(&serde_json::json!({"t": "end", "token": SECRET}), b""));
            let mut r = bytes.as_slice();
            let (h, blob) = read_frame(&mut r, SECRET).unwrap().unwrap();
            assert_eq!(h, serde_json::json!({}), "{}", &shape[..shape.len().min(40)]);
            assert!(blob.is_empty());
            let (h, _) = read_frame(&mut r, SECRET).unwrap().unwrap();
            assert_eq!(h["t"], "end", "{}", &shape[..shape.len().min(40)]);
        }
        // The data a forged header announces is read past to the guard's next record.
        let mut bytes = frame(&serde_json::json!({"t": "x", "blob": 6, "extra": [1, 2]}), b"");
        bytes.extend(b"forged");
        bytes.extend(frame(&serde_json::json!({"t": "end", "token": SECRET}), b""));
        let mut r = bytes.as_slice();
        assert_eq!(read_frame(&mut r, SECRET).unwrap().unwrap().0, serde_json::json!({}));
        assert_eq!(read_frame(&mut r, SECRET).unwrap().unwrap().0["t"], "end");
    }

    #[test]
    fn a_record_of_the_guards_swallowed_by_the_programs_frame_breaks_the_channel() {
        let guards = frame(&serde_json::json!({"t": "event", "token": SECRET}), b"");
        // Into a header: a length written alone, the guard's record read as the header.
        let mut bytes = 40u32.to_be_bytes().to_vec();
        bytes.extend(&guards);
        assert!(broken_by(&bytes).contains("byte 0x00"), "{}", broken_by(&bytes));
        // Into a forged frame's announced data, anywhere in it (across a chunk's end too).
        for before in [0, 10, CHUNK - 5] {
            let announced = before + guards.len() + 3;
            let mut bytes = frame(&serde_json::json!({"t": "x", "blob": announced}), b"");
            bytes.extend(vec![b'a'; before]);
            bytes.extend(&guards);
            bytes.extend(b"pad");
            assert!(broken_by(&bytes).contains("inside the data"), "{before}");
        }
        // A header that is not JSON, and a stream cut inside a frame.
        let mut bytes = 4u32.to_be_bytes().to_vec();
        bytes.extend(b"{x}!");
        assert!(broken_by(&bytes).contains("not JSON"));
        let whole = frame(&serde_json::json!({"t": "x", "token": SECRET}), b"data");
        for cut in [2, 6, whole.len() - 1] {
            let read = read_frame(&mut &whole[..cut], SECRET);
            assert!(matches!(read, Err(FrameError::Cut(_))), "{cut}: {read:?}");
        }
    }
}
