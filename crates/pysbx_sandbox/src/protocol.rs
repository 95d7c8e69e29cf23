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
    let header: serde_json::Value = serde_json::from_slice(&header)
        .map_err(|e| broken(format!("a record's header is not JSON: {e}")))?;
    let blob_len = header.get("blob").and_then(serde_json::Value::as_u64).unwrap_or(0);
    let blob_len = usize::try_from(blob_len).unwrap_or(usize::MAX);
    if blob_len > MAX_FRAME {
        return Err(broken(format!("a record's data announced as {blob_len} bytes")));
    }
    let genuine = secret.is_empty()
        || header.get("token").and_then(serde_json::Value::as_str) == Some(secret);
    if genuine {
        // Read whole, unchecked: a module's source, which the guard sends as it is.
        let mut blob = vec![0u8; blob_len];
        return match r.read_exact(&mut blob) {
            Ok(()) => Ok(Some((header, blob))),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(FrameError::Cut("data")),
            Err(e) => Err(e.into()),
        };
    }
    // Forged: its header is dropped by the caller, and its blob is read only to find the
    // guard's token in it (where the end of one chunk and the start of the next meet too).
    if header.to_string().contains(secret) {
        return Err(broken("a record of the guard's inside a header without its token"));
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
    Ok(Some((header, Vec::new())))
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
        assert_eq!(h["t"], "event");
        assert!(h.get("token").is_none() && blob.is_empty());
        let (h, _) = read_frame(&mut r, SECRET).unwrap().unwrap();
        assert_eq!(h["token"], SECRET);
        assert!(read_frame(&mut r, SECRET).unwrap().is_none());
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
