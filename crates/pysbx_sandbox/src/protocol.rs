//! The guard pipe's framing: a 4-byte big-endian length, a JSON header, and, when the header
//! has `blob`, that many raw bytes (module sources travel undecoded).

use std::io::{Read, Write};

/// Largest header or blob accepted (a module larger than this is refused, not buffered).
pub(crate) const MAX_FRAME: usize = 64 * 1024 * 1024;

/// Reads one frame; `Ok(None)` at a clean end of stream.
pub(crate) fn read_frame(
    r: &mut impl Read,
) -> std::io::Result<Option<(serde_json::Value, Vec<u8>)>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let n = u32::from_be_bytes(len) as usize;
    if n > MAX_FRAME {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "frame too large"));
    }
    let mut header = vec![0u8; n];
    r.read_exact(&mut header)?;
    let header: serde_json::Value = serde_json::from_slice(&header)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    let blob_len = header.get("blob").and_then(serde_json::Value::as_u64).unwrap_or(0) as usize;
    if blob_len > MAX_FRAME {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "blob too large"));
    }
    let mut blob = vec![0u8; blob_len];
    r.read_exact(&mut blob)?;
    Ok(Some((header, blob)))
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
        let (h, b) = read_frame(&mut r).unwrap().unwrap();
        assert_eq!(h["t"], "gate");
        assert_eq!(h["blob"], 9);
        assert_eq!(b, b"print(1)\n");
        let (h, b) = read_frame(&mut r).unwrap().unwrap();
        assert_eq!(h["t"], "hello");
        assert!(b.is_empty());
        assert!(read_frame(&mut r).unwrap().is_none());
    }

    #[test]
    fn oversized_frames_are_refused() {
        let mut bytes = (u32::MAX).to_be_bytes().to_vec();
        bytes.extend_from_slice(b"{}");
        assert!(read_frame(&mut bytes.as_slice()).is_err());
    }
}
