//! CPython's single-byte source codecs (cp437, cp850, cp1252, iso8859_*, koi8_*, mac_*...)
//! against the `python3` on `PATH`: every byte of every such codec, under every name and
//! spelling of a name a cookie may use, must decode to what CPython decodes it to, or be
//! refused by both; and a sanitized copy is encoded back as CPython encodes it.
#![allow(clippy::unwrap_used, reason = "a test fails loudly")]

use std::process::Command;

/// One of CPython's single-byte codecs that leave ASCII as it is.
struct Charmap {
    module: String,
    /// Its names, in the spellings a cookie may use, with whether CPython finds it by each
    /// (`csHPRoman8` is listed among the aliases, but no lookup can find it).
    spellings: Vec<(String, bool)>,
    /// What each of the bytes 0x80 to 0xFF decodes to (`None`: refused).
    decoded: Vec<Option<String>>,
    /// The characters of the defined bytes, encoded back by CPython (where two bytes decode to
    /// one character, it encodes to one of them).
    back: Vec<u8>,
}

/// CPython's single-byte codecs that leave ASCII as it is, and the modules of those whose tables
/// move ASCII (EBCDIC and friends).
fn cpython_charmaps() -> (Vec<Charmap>, Vec<String>) {
    let script = r#"
import codecs, encodings, encodings.aliases, importlib, json, pkgutil
ascii = "".join(map(chr, range(128)))
out = {"codecs": [], "moved": []}
for info in sorted(pkgutil.iter_modules(encodings.__path__), key=lambda m: m.name):
    try:
        module = importlib.import_module("encodings." + info.name)
    except Exception:
        continue
    table = getattr(module, "decoding_table", None)
    if not (isinstance(table, str) and len(table) == 256):
        continue
    if table[:128] != ascii:
        out["moved"].append(info.name)
        continue
    names = [info.name] + sorted(a for a, c in encodings.aliases.aliases.items() if c == info.name)
    spellings = []
    for name in names:
        for spelling in (name, name.replace("_", "-").upper()):
            try:
                known = codecs.lookup(spelling).name == codecs.lookup(info.name).name
            except LookupError:
                known = False
            spellings.append([spelling, known])
    decoded = []
    for byte in range(0x80, 0x100):
        try:
            decoded.append(bytes([byte]).decode(info.name))
        except UnicodeDecodeError:
            decoded.append(None)
    back = "".join(d for d in decoded if d is not None).encode(info.name).hex()
    out["codecs"].append([info.name, spellings, decoded, back])
print(json.dumps(out))
"#;
    let out = Command::new("python3")
        .args(["-I", "-c", script])
        .output()
        .expect("python3 on PATH (the test suite's requirement)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = |v: &serde_json::Value| v.as_str().unwrap().to_string();
    let codecs = doc["codecs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Charmap {
            module: text(&c[0]),
            spellings: c[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| (text(&s[0]), s[1].as_bool().unwrap()))
                .collect(),
            decoded: c[2]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().map(String::from))
                .collect(),
            back: hex_bytes(c[3].as_str().unwrap()),
        })
        .collect();
    let moved = doc["moved"].as_array().unwrap().iter().map(text).collect();
    (codecs, moved)
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

/// What pysbx decodes `byte` to inside a string literal of a file declaring `label`.
fn pysbx_decodes(label: &str, byte: u8) -> Option<String> {
    let head = format!("# coding: {label}\nx = '");
    let source = [head.as_bytes(), &[byte], b"'\n"].concat();
    let text = pysbx_analysis::decode_source(&source).ok()?;
    let body = text.strip_prefix(head.as_str()).unwrap().strip_suffix("'\n").unwrap();
    Some(body.to_string())
}

#[test]
fn every_byte_of_every_single_byte_codec_decodes_as_in_cpython() {
    let (codecs, _) = cpython_charmaps();
    assert!(codecs.len() >= 60, "CPython 3.11 has 62 such codecs, found {}", codecs.len());
    let mut disagreements = Vec::new();
    let mut checked = 0;
    for codec in &codecs {
        for (label, known) in &codec.spellings {
            for (byte, want) in (0x80..=0xff).zip(&codec.decoded) {
                checked += 1;
                let got = pysbx_decodes(label, byte);
                let want = if *known { want.clone() } else { None };
                if got != want {
                    let module = &codec.module;
                    disagreements.push(format!(
                        "{module} as {label}, 0x{byte:02x}: pysbx {got:?}, CPython {want:?}"
                    ));
                }
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {checked} disagree: {:?}",
        disagreements.len(),
        &disagreements[..disagreements.len().min(10)]
    );
}

#[test]
fn a_sanitized_copy_is_encoded_back_as_cpython_encodes_it() {
    let (codecs, _) = cpython_charmaps();
    for codec in &codecs {
        let module = &codec.module;
        let defined: Vec<u8> = (0x80..=0xffu8)
            .zip(&codec.decoded)
            .filter(|(_, d)| d.is_some())
            .map(|(b, _)| b)
            .collect();
        let head = format!("# coding: {module}\nx = '");
        let original = [head.as_bytes(), &defined, b"'\n"].concat();
        let text = pysbx_analysis::decode_source(&original).unwrap();
        let again = pysbx_analysis::encode_like_source(&original, &text).unwrap();
        // Read back, the copy is the same text (the decoding agrees with CPython's, above).
        assert_eq!(pysbx_analysis::decode_source(&again).unwrap(), text, "{module}");
        // Byte for byte as CPython encodes it, but for ASCII: CPython writes some ASCII
        // punctuation of mac_arabic and mac_farsi as the high bytes that decode to it too; the
        // copy keeps ASCII as it is.
        let cpython = [head.as_bytes(), &codec.back, b"'\n"].concat();
        let differing = again.iter().zip(&cpython).filter(|(a, c)| a != c);
        assert!(
            again.len() == cpython.len() && differing.clone().all(|(a, _)| a.is_ascii()),
            "{module}: {:?}",
            differing.collect::<Vec<_>>()
        );
        // A character the codec has no byte for is refused, never written as something else.
        assert!(pysbx_analysis::encode_like_source(&original, "x = '\u{1F600}'\n").is_err());
    }
}

#[test]
fn codecs_that_move_ascii_stay_unknown() {
    // CPython reads a script's first lines as ASCII before switching to the declared codec, and
    // an imported module's whole text in the codec: under these codecs the two readings differ,
    // so pysbx reads neither and says so.
    let (_, moved) = cpython_charmaps();
    assert!(moved.iter().any(|m| m == "cp037"), "{moved:?}");
    for module in &moved {
        let err = pysbx_analysis::decode_source(format!("# coding: {module}\nx = 1\n").as_bytes())
            .unwrap_err();
        assert_eq!(err.message, format!("unknown encoding: {module}"));
    }
}
