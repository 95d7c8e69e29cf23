//! The escape-decoding source codecs (`utf-7`, `unicode_escape`, `raw_unicode_escape`) against
//! CPython's own: thousands of generated file bodies, dense in escapes and their edge cases, are
//! decoded by `decode_source` and by the `python3` on `PATH`, and must agree on every one — the
//! same text, or both refuse. CPython's side counts a text it cannot compile (a lone surrogate,
//! a NUL character) as refused, as its tokenizer does.
#![allow(clippy::unwrap_used, reason = "a test fails loudly")]

use std::io::Write;
use std::process::{Command, Stdio};

mod support;
use support::Xorshift;

/// A body of up to eleven pieces of `alphabet`, the bytes that matter to the codec.
fn body(generator: &mut Xorshift, alphabet: &[&[u8]]) -> Vec<u8> {
    let pieces = generator.next() % 12;
    (0..pieces).flat_map(|_| generator.pick(alphabet).to_vec()).collect()
}

/// What CPython makes of each body under `codec`: the text, or `None` when it refuses.
fn cpython(codec: &str, bodies: &[Vec<u8>]) -> Vec<Option<String>> {
    let script = r#"
import json, sys
codec = sys.argv[1]
for line in sys.stdin:
    data = bytes.fromhex(line.strip())
    try:
        text = data.decode(codec)
        text.encode("utf-8")
        if "\x00" in text:
            raise ValueError("NUL")
        print(json.dumps(text))
    except (UnicodeError, ValueError):
        print("null")
"#;
    let mut child = Command::new("python3")
        .args(["-I", "-W", "ignore", "-c", script, codec])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 on PATH (the test suite's requirement)");
    let mut input = String::new();
    for body in bodies {
        for byte in body {
            input.push_str(&format!("{byte:02x}"));
        }
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Option<String>> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), bodies.len());
    lines
}

fn agree_with_cpython(codec: &str, alphabet: &[&[u8]], fixed: &[&[u8]], seed: u64) {
    let mut generator = Xorshift(seed);
    let mut bodies: Vec<Vec<u8>> = fixed.iter().map(|b| b.to_vec()).collect();
    bodies.extend((0..20_000).map(|_| body(&mut generator, alphabet)));
    let expected = cpython(codec, &bodies);
    let cookie = format!("# coding: {codec}\n");
    let mut disagreements = Vec::new();
    for (body, want) in bodies.iter().zip(&expected) {
        let source = [cookie.as_bytes(), body].concat();
        let got = pysbx_analysis::decode_source(&source)
            .ok()
            .map(|text| text.strip_prefix(cookie.as_str()).unwrap().to_string());
        if &got != want {
            disagreements.push(format!(
                "{:?}: pysbx {got:?}, CPython {want:?}",
                String::from_utf8_lossy(body)
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} bodies decode differently under {codec}:\n{}",
        disagreements.len(),
        bodies.len(),
        disagreements.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn utf7_decodes_as_cpython_does() {
    let alphabet: &[&[u8]] = &[
        b"+",
        b"-",
        b"+-",
        b"A",
        b"AA",
        b"AAo",
        b"2D3",
        b"3gA",
        b"ACI",
        b"/",
        b"9",
        b"z",
        b"x",
        b" ",
        b"\n",
        b".",
        b"!",
        b"\\",
        b"~",
        b"\xe9",
        b"\x00",
        b"+2D3eAA-",
        b"+AGE",
        b"+AGF",
    ];
    let fixed: &[&[u8]] = &[b"+", b"a+", b"+-", b"+AAo-", b"+2D0-", b"+2D3-+3gA-", b"+AGEAYgBjZ-"];
    agree_with_cpython("utf-7", alphabet, fixed, 0x9e37_79b9_7f4a_7c15);
}

#[test]
fn unicode_escape_decodes_as_cpython_does() {
    let alphabet: &[&[u8]] = &[
        b"\\",
        b"\\\\",
        b"x",
        b"u",
        b"U",
        b"N",
        b"{",
        b"}",
        b"0",
        b"7",
        b"8",
        b"a",
        b"f",
        b"F",
        b"g",
        b"n",
        b"t",
        b"'",
        b"\"",
        b"\n",
        b"\r",
        b" ",
        b"\xe9",
        b"\x00",
        b"00",
        b"0a",
        b"d800",
        b"0010ffff",
        b"00110000",
        b"{LF}",
        b"{LATIN SMALL LETTER A}",
        b"{latin small letter e}",
        b"{NO SUCH}",
        b"q",
    ];
    let fixed: &[&[u8]] = &[
        b"\\",
        b"\\x0a",
        b"\\777",
        b"\\N{LINE FEED}",
        b"\\N{NEW LINE}",
        b"\\N{EMPTY SET}",
        b"\\N{CJK UNIFIED IDEOGRAPH-4E00}",
        b"\\N{HANGUL SYLLABLE GAG}",
        b"\\N{}",
        b"\\N",
        b"\\ud83d\\ude00",
        b"\\U0001f600",
    ];
    agree_with_cpython("unicode_escape", alphabet, fixed, 0x2545_f491_4f6c_dd1d);
}

#[test]
fn raw_unicode_escape_decodes_as_cpython_does() {
    let alphabet: &[&[u8]] = &[
        b"\\",
        b"\\\\",
        b"u",
        b"U",
        b"x",
        b"0",
        b"a",
        b"A",
        b"000a",
        b"0041",
        b"d800",
        b"dc00",
        b"0010ffff",
        b"00110000",
        b"\n",
        b" ",
        b"\xe9",
        b"\x00",
        b"g",
    ];
    let fixed: &[&[u8]] = &[b"\\", b"\\u000a", b"\\\\u000a", b"\\\\\\u000a", b"\\U0001f600"];
    agree_with_cpython("raw_unicode_escape", alphabet, fixed, 0xd1b5_4a32_d192_ed03);
}
