//! Decompression of constant data, for folding `zlib.decompress(b64decode("..."))` and its
//! kin: the most common wrapper of an obfuscated payload. Output is bounded by the size of a
//! folded constant, so a compression bomb folds to nothing rather than to gigabytes.

use std::io::Read;

use crate::fold::MAX_CONST_LEN;

/// The container a compressed constant is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// zlib's own header and checksum (`zlib.decompress(data)`, `wbits` 9 to 15).
    Zlib,
    /// A bare deflate stream (`wbits` -9 to -15).
    Raw,
    /// gzip members (`gzip.decompress`, `wbits` 25 to 31).
    Gzip,
    /// zlib or gzip, whichever header the data has (`wbits` 41 to 47).
    Auto,
    /// bzip2 streams (`bz2.decompress`).
    Bzip2,
    /// xz, or the legacy `.lzma` format (`lzma.decompress` with its default `FORMAT_AUTO`).
    Lzma,
}

impl Format {
    /// The format `zlib.decompress`'s `wbits` selects, as CPython reads it.
    pub(crate) fn from_wbits(wbits: i64) -> Option<Self> {
        match wbits {
            0 | 9..=15 => Some(Self::Zlib),
            -15..=-9 => Some(Self::Raw),
            25..=31 => Some(Self::Gzip),
            41..=47 => Some(Self::Auto),
            _ => None,
        }
    }
}

/// The memory an lzma dictionary may take while folding (the presets use at most 64 MiB).
const LZMA_MEMORY_LIMIT_KIB: u32 = 96 << 10;

/// `data` decompressed, or `None` when it is not valid in `format` or decompresses to more
/// than [`MAX_CONST_LEN`] bytes.
pub(crate) fn decompress(format: Format, data: &[u8]) -> Option<Vec<u8>> {
    let format = match format {
        Format::Auto if data.starts_with(&[0x1f, 0x8b]) => Format::Gzip,
        Format::Auto => Format::Zlib,
        other => other,
    };
    let mut out = Vec::new();
    let limit = MAX_CONST_LEN as u64 + 1;
    let read = match format {
        Format::Zlib => flate2::read::ZlibDecoder::new(data).take(limit).read_to_end(&mut out),
        Format::Raw => flate2::read::DeflateDecoder::new(data).take(limit).read_to_end(&mut out),
        Format::Gzip | Format::Auto => {
            flate2::read::MultiGzDecoder::new(data).take(limit).read_to_end(&mut out)
        }
        Format::Bzip2 => bzip2::read::MultiBzDecoder::new(data).take(limit).read_to_end(&mut out),
        Format::Lzma if data.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) => {
            lzma_rust2::XzReader::new_mem_limit(data, true, LZMA_MEMORY_LIMIT_KIB)
                .take(limit)
                .read_to_end(&mut out)
        }
        Format::Lzma => lzma_rust2::LzmaReader::new_mem_limit(data, LZMA_MEMORY_LIMIT_KIB, None)
            .ok()?
            .take(limit)
            .read_to_end(&mut out),
    };
    (read.is_ok() && out.len() <= MAX_CONST_LEN).then_some(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn each_format_round_trips() {
        let text = b"import os; os.system('id')".repeat(3);
        assert_eq!(decompress(Format::Zlib, &zlib(&text)).as_deref(), Some(&text[..]));
        assert_eq!(decompress(Format::Auto, &zlib(&text)).as_deref(), Some(&text[..]));
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        g.write_all(&text).unwrap();
        let gz = g.finish().unwrap();
        assert_eq!(decompress(Format::Gzip, &gz).as_deref(), Some(&text[..]));
        assert_eq!(decompress(Format::Auto, &gz).as_deref(), Some(&text[..]));
        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        d.write_all(&text).unwrap();
        assert_eq!(decompress(Format::Raw, &d.finish().unwrap()).as_deref(), Some(&text[..]));
        let mut b = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        b.write_all(&text).unwrap();
        assert_eq!(decompress(Format::Bzip2, &b.finish().unwrap()).as_deref(), Some(&text[..]));
        let mut xz = Vec::new();
        let mut w =
            lzma_rust2::XzWriter::new(&mut xz, lzma_rust2::XzOptions::with_preset(1)).unwrap();
        w.write_all(&text).unwrap();
        w.finish().unwrap();
        assert_eq!(decompress(Format::Lzma, &xz).as_deref(), Some(&text[..]));
    }

    #[test]
    fn bombs_and_garbage_do_not_fold() {
        let bomb = zlib(&vec![0u8; MAX_CONST_LEN + 1]);
        assert!(bomb.len() < 1024);
        assert_eq!(decompress(Format::Zlib, &bomb), None);
        let fits = zlib(&vec![b'a'; MAX_CONST_LEN]);
        assert_eq!(decompress(Format::Zlib, &fits).map(|v| v.len()), Some(MAX_CONST_LEN));
        assert_eq!(decompress(Format::Zlib, b"not zlib"), None);
        assert_eq!(decompress(Format::Lzma, b"not lzma either"), None);
        assert_eq!(Format::from_wbits(-15), Some(Format::Raw));
        assert_eq!(Format::from_wbits(31), Some(Format::Gzip));
        assert_eq!(Format::from_wbits(47), Some(Format::Auto));
        assert_eq!(Format::from_wbits(8), None);
    }
}
