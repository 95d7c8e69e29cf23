//! GitHub's `primaryLocationLineHash`: the per-line rolling hash with which code scanning
//! recognises the same alert across commits, computed as github/codeql-action's
//! `src/fingerprints.ts` computes it when a SARIF file has no fingerprint of its own.
//!
//! The file is read as UTF-16 code units (JavaScript string semantics). Spaces and tabs are
//! dropped, `\r\n` and a lone `\r` become `\n`. The hash of a line covers the 100 kept units
//! from the line's first kept unit on, so it survives re-indentation and lines inserted above
//! it, and changes when the line or the few lines after it change. After the text comes the
//! unit 65535 (so a trailing newline opens one last line) and zeros to fill the window. A hash
//! value seen before in the file gets the suffix `:2`, `:3`... instead of `:1`.
//! `fixtures/sarif/line_hash_reference.py` restates the algorithm and derived the test values.

use std::collections::HashMap;

const BLOCK_SIZE: usize = 100;
const MOD: u64 = 37;
const EOF_UNIT: u16 = 65535;

/// The `primaryLocationLineHash` of the lines a file's findings start on, by line number (1 is
/// the first line). A report keeps these rather than [`line_hashes`] of every line: the files
/// with findings of a large scan hold millions of lines, tens of bytes each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineHashes {
    /// Sorted by line, one entry per line.
    by_line: Vec<(u32, String)>,
}

impl LineHashes {
    /// The hashes of `lines` (1-based; repeats and lines past the end are dropped) in
    /// `source`, computed as [`line_hashes`] does for the whole file.
    #[must_use]
    pub fn of(source: &str, lines: impl IntoIterator<Item = u32>) -> Self {
        let mut wanted: Vec<u32> = lines.into_iter().filter(|&l| l >= 1).collect();
        wanted.sort_unstable();
        wanted.dedup();
        Self { by_line: hashed(source, Some(&wanted)) }
    }

    /// The hashes kept as `(line, hash)` pairs, as [`Self::from_pairs`] takes them back.
    #[must_use]
    pub fn pairs(&self) -> &[(u32, String)] {
        &self.by_line
    }

    /// Hashes kept before (a cache entry's), sorted again by line.
    #[must_use]
    pub fn from_pairs(mut by_line: Vec<(u32, String)>) -> Self {
        by_line.sort_unstable_by_key(|(line, _)| *line);
        by_line.dedup_by_key(|(line, _)| *line);
        Self { by_line }
    }

    /// Adds the hashes of `other` (of the same source) for lines not kept here.
    pub fn extend(&mut self, other: LineHashes) {
        let mut pairs = std::mem::take(&mut self.by_line);
        pairs.extend(other.by_line);
        *self = Self::from_pairs(pairs);
    }

    /// The hash of line `line` (1-based), if it was kept.
    #[must_use]
    pub fn get(&self, line: u32) -> Option<&str> {
        let at = self.by_line.binary_search_by_key(&line, |(l, _)| *l).ok()?;
        Some(self.by_line[at].1.as_str())
    }
}

/// `primaryLocationLineHash` for every line of `source`: index 0 is line 1.
///
/// Pass the file's text as decoded, including a byte-order mark if the file has one, so the
/// values equal those codeql-action would compute from the file on disk. A text ending with a
/// line break has one more entry than it has lines (the empty line after the last break).
/// The caller computes this while the source is in memory; the report keeps no sources. Only
/// files with findings need it.
#[must_use]
pub fn line_hashes(source: &str) -> Vec<String> {
    hashed(source, None).into_iter().map(|(_, hash)| hash).collect()
}

/// The hashes of the lines of `source` that `wanted` lists (sorted; all when `None`), each
/// with its line number. The suffixes count every line's hash, kept or not.
fn hashed(source: &str, wanted: Option<&[u32]>) -> Vec<(u32, String)> {
    let mut hasher = LineHasher::new(wanted);
    for unit in source.encode_utf16() {
        hasher.process(unit);
    }
    hasher.finish()
}

/// The rolling state of the hash over one file.
struct LineHasher<'w> {
    /// The lines whose hashes are kept, sorted; every line's when `None`.
    wanted: Option<&'w [u32]>,
    window: [u16; BLOCK_SIZE],
    /// For each window slot holding the first kept unit of a line, that line's number.
    line_numbers: [Option<u32>; BLOCK_SIZE],
    hash: u64,
    first_mod: u64,
    index: usize,
    line: u32,
    line_start: bool,
    prev_cr: bool,
    counts: HashMap<u64, u32>,
    /// Hashes by line number; each line is output exactly once, in order.
    out: Vec<(u32, String)>,
}

impl<'w> LineHasher<'w> {
    fn new(wanted: Option<&'w [u32]>) -> Self {
        // 37^100 in wrapping 64-bit arithmetic: the weight of the unit leaving the window.
        let first_mod = (0..BLOCK_SIZE).fold(1_u64, |acc, _| acc.wrapping_mul(MOD));
        Self {
            wanted,
            window: [0; BLOCK_SIZE],
            line_numbers: [None; BLOCK_SIZE],
            hash: 0,
            first_mod,
            index: 0,
            line: 0,
            line_start: true,
            prev_cr: false,
            counts: HashMap::new(),
            out: Vec::new(),
        }
    }

    fn output(&mut self) {
        if let Some(line) = self.line_numbers[self.index].take() {
            let count = self.counts.entry(self.hash).or_insert(0);
            *count += 1;
            if self.wanted.is_none_or(|w| w.binary_search(&line).is_ok()) {
                self.out.push((line, format!("{:x}:{count}", self.hash)));
            }
        }
    }

    fn update(&mut self, current: u16) {
        let begin = self.window[self.index];
        self.window[self.index] = current;
        // Signed and unsigned wrapping arithmetic give the same 64 bits; the TypeScript
        // prints the value as unsigned.
        self.hash = MOD
            .wrapping_mul(self.hash)
            .wrapping_add(u64::from(current))
            .wrapping_sub(self.first_mod.wrapping_mul(u64::from(begin)));
        self.index = (self.index + 1) % BLOCK_SIZE;
    }

    fn process(&mut self, unit: u16) {
        let mut current = unit;
        if current == u16::from(b' ')
            || current == u16::from(b'\t')
            || (self.prev_cr && current == u16::from(b'\n'))
        {
            self.prev_cr = false;
            return;
        }
        if current == u16::from(b'\r') {
            current = u16::from(b'\n');
            self.prev_cr = true;
        } else {
            self.prev_cr = false;
        }
        self.output();
        if self.line_start {
            self.line_start = false;
            self.line += 1;
            self.line_numbers[self.index] = Some(self.line);
        }
        if current == u16::from(b'\n') {
            self.line_start = true;
        }
        self.update(current);
    }

    fn finish(mut self) -> Vec<(u32, String)> {
        self.process(EOF_UNIT);
        for _ in 0..BLOCK_SIZE {
            self.output();
            self.update(0);
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::{LineHashes, line_hashes};

    #[test]
    fn keeps_only_the_lines_asked_for() {
        let source = "a = 1\nexec(x)\n\nexec(y)\n";
        let all = line_hashes(source);
        let kept = LineHashes::of(source, [4, 2, 2, 0, 99]);
        assert_eq!(kept.pairs().len(), 2);
        assert_eq!(kept.get(2), Some(all[1].as_str()));
        assert_eq!(kept.get(4), Some(all[3].as_str()));
        assert_eq!(kept.get(1), None);
        let mut merged = LineHashes::of(source, [4]);
        merged.extend(LineHashes::of(source, [1, 4]));
        assert_eq!(merged.pairs().iter().map(|(l, _)| *l).collect::<Vec<_>>(), [1, 4]);
        assert_eq!(merged.get(1), Some(all[0].as_str()));
        let back = LineHashes::from_pairs(kept.pairs().iter().rev().cloned().collect());
        assert_eq!(back, kept);
    }

    /// Values printed by `fixtures/sarif/line_hash_reference.py` for the same inputs.
    #[test]
    fn matches_the_reference_implementation() {
        let cases: &[(&str, &[&str])] = &[
            ("", &["c129715d7a2bc9a3:1"]),
            ("x = 1", &["d38b34bb229aa761:1"]),
            ("x = 1\n", &["8e00d41f0ebba6bf:1", "c129715d7a2bc9a3:1"]),
            ("a\na\n", &["ee4468fa4a9bc719:1", "243cbaa4685aab12:1", "c129715d7a2bc9a3:1"]),
            (
                "\n\n\n",
                &[
                    "4e5d562094661a0d:1",
                    "5b5d4caf73a13177:1",
                    "3c5bef55b72b93c9:1",
                    "c129715d7a2bc9a3:1",
                ],
            ),
            (
                "import os\r\nos.system(cmd)\r\n",
                &["60bba3790536403e:1", "4ac41e078a0c3213:1", "c129715d7a2bc9a3:1"],
            ),
            ("a\rb\r\nc", &["7b3788cf31b92be9:1", "e461f42c548ac762:1", "188ff2f224477a1e:1"]),
            (
                "  exec(x)\n\texec(x)\n",
                &["8d520efab5f6fafb:1", "8f87f776738c0d8f:1", "c129715d7a2bc9a3:1"],
            ),
            (
                "s = '\u{1F600}'\nprint(s)\n",
                &["68d19fe5ed89e07f:1", "5ebb91d5469ce6a:1", "c129715d7a2bc9a3:1"],
            ),
        ];
        for (source, expected) in cases {
            assert_eq!(line_hashes(source), *expected, "source {source:?}");
        }
        let long = format!("{}\n{}\n", "v".repeat(120), "w".repeat(30));
        assert_eq!(
            line_hashes(&long),
            ["62658f4ec3fb0828:1", "7bb38a61eb6c877:1", "c129715d7a2bc9a3:1"]
        );
    }

    #[test]
    fn matches_the_reference_on_the_emitter_fixture() {
        assert_eq!(
            line_hashes(crate::test_support::APP),
            [
                "23264aa955b83f4e:1",
                "53526ae23e953358:1",
                "12c94cad0c6fd94e:1",
                "fb577440573e0b2d:1",
                "1da64a733209e7ff:1",
                "c129715d7a2bc9a3:1",
            ]
        );
    }

    #[test]
    fn identical_windows_are_numbered() {
        // Reference: lines 1-71 share one hash, suffixed :1 to :71.
        let hashes = line_hashes(&"a\n".repeat(120));
        assert_eq!(hashes.len(), 121);
        assert_eq!(hashes[0], "83d4df87b9db256:1");
        assert_eq!(hashes[1], "83d4df87b9db256:2");
        assert_eq!(hashes[70], "83d4df87b9db256:71");
        assert_eq!(hashes[71], "83d4df87bc2a422:1");
        assert_eq!(hashes[119], "243cbaa4685aab12:1");
        assert_eq!(hashes[120], "c129715d7a2bc9a3:1");
    }

    #[test]
    fn inserting_lines_above_keeps_the_hash() {
        let before = "import os\nos.system(cmd)\nprint('done')\n";
        let after = "import os\n# a comment\n\nx = 1\nos.system(cmd)\nprint('done')\n";
        assert_eq!(line_hashes(before)[1], line_hashes(after)[4]);
    }

    #[test]
    fn reindenting_keeps_the_hash() {
        let flat = "exec(x)\nprint(1)\n";
        let nested = "    exec(x)\n\tprint(1)\n";
        assert_eq!(line_hashes(flat), line_hashes(nested));
    }

    #[test]
    fn changing_the_flagged_line_changes_the_hash() {
        let before = "import os\nos.system(cmd)\nprint('done')\n";
        let after = "import os\nos.system(other)\nprint('done')\n";
        assert_ne!(line_hashes(before)[1], line_hashes(after)[1]);
        // The line above covers the changed line in its window too; the line below does not.
        assert_ne!(line_hashes(before)[0], line_hashes(after)[0]);
        assert_eq!(line_hashes(before)[2], line_hashes(after)[2]);
    }
}
