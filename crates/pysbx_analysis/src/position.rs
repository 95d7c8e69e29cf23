//! Lines and columns of many offsets in one forward pass, so that a file with a hundred
//! thousand findings on one ten-megabyte line costs one pass, not one pass per finding.
//! Line breaks are `\n`, `\r\n` and a lone `\r`; columns count code points, 1-based.

/// Where an offset is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pos {
    pub(crate) line: u32,
    pub(crate) column: u32,
    /// Byte offset of the first character of the line.
    pub(crate) line_start: usize,
}

/// The positions of `offsets`, keyed by offset and sorted (offsets beyond the source are
/// clamped to its end).
pub(crate) fn positions(source: &str, mut offsets: Vec<usize>) -> Vec<(usize, Pos)> {
    offsets.sort_unstable();
    offsets.dedup();
    let bytes = source.as_bytes();
    let mut out = Vec::with_capacity(offsets.len());
    let (mut at, mut line, mut line_start, mut column) = (0usize, 1u32, 0usize, 0u32);
    for &target in &offsets {
        let to = target.min(bytes.len());
        while let Some(off) = memchr::memchr2(b'\n', b'\r', &bytes[at..to]) {
            let brk = at + off;
            let next = if bytes[brk] == b'\r' && bytes.get(brk + 1) == Some(&b'\n') {
                brk + 2
            } else {
                brk + 1
            };
            line = line.saturating_add(1);
            line_start = next;
            column = 0;
            at = next;
            if at >= to {
                break;
            }
        }
        if to > at {
            let chars = bytes[at..to].iter().filter(|b| (**b & 0xc0) != 0x80).count();
            column = column.saturating_add(u32::try_from(chars).unwrap_or(u32::MAX));
            at = to;
        }
        out.push((target, Pos { line, column: column.saturating_add(1), line_start }));
    }
    out
}

/// Looks an offset up in the result of [`positions`].
pub(crate) fn find(table: &[(usize, Pos)], offset: usize) -> Pos {
    match table.binary_search_by_key(&offset, |(o, _)| *o) {
        Ok(i) => table[i].1,
        Err(_) => Pos { line: 1, column: 1, line_start: 0 },
    }
}

/// The whole lines from `line_start` through the line holding `end` (exclusive end offset),
/// at most `max_lines` lines and `max_bytes` bytes (cut at a character boundary).
pub(crate) fn snippet(
    source: &str,
    line_start: usize,
    end: usize,
    max_lines: usize,
    max_bytes: usize,
) -> &str {
    let bytes = source.as_bytes();
    let start = line_start.min(bytes.len());
    let window_end = bytes.len().min(start.saturating_add(max_bytes));
    let last = end.saturating_sub(1).max(start);
    let mut cut = start;
    let mut lines = 0;
    loop {
        let line_end =
            memchr::memchr2(b'\n', b'\r', &bytes[cut..window_end]).map_or(window_end, |i| cut + i);
        lines += 1;
        if line_end >= last || lines >= max_lines || line_end >= window_end {
            cut = line_end;
            break;
        }
        cut = if bytes[line_end] == b'\r' && bytes.get(line_end + 1) == Some(&b'\n') {
            line_end + 2
        } else {
            line_end + 1
        };
        if cut >= window_end {
            cut = window_end;
            break;
        }
    }
    let mut stop = cut.min(window_end);
    while !source.is_char_boundary(stop) {
        stop -= 1;
    }
    &source[start..stop]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_positions() {
        let src = "ab\r\ncé\rd\nxyz";
        let table = positions(src, vec![0, 1, 4, 6, 7, 8, 11, 13, 99]);
        let at = |o| {
            let p = find(&table, o);
            (p.line, p.column, p.line_start)
        };
        assert_eq!(at(0), (1, 1, 0));
        assert_eq!(at(1), (1, 2, 0));
        assert_eq!(at(4), (2, 1, 4));
        assert_eq!(at(7), (2, 3, 4));
        assert_eq!(at(8), (3, 1, 8));
        assert_eq!(at(11), (4, 2, 10));
        assert_eq!(at(13), (4, 4, 10));
        assert_eq!(at(99), (4, 4, 10));
    }

    #[test]
    fn snippets_are_whole_lines_capped() {
        let src = "a = 1\nb = f(\n  1,\n  2)\nc = 3\n";
        let start = src.find("b =").unwrap();
        let end = src.find("2)").unwrap() + 2;
        assert_eq!(snippet(src, start, end, 5, 2048), "b = f(\n  1,\n  2)");
        let long = format!("x = [{}]\n", "1,\n".repeat(20));
        assert_eq!(snippet(&long, 0, long.len() - 1, 5, 2048).lines().count(), 5);
        let wide = format!("s = '{}'\n", "é".repeat(3000));
        let cut = snippet(&wide, 0, wide.len() - 1, 5, 2048);
        assert!(cut.len() <= 2048 && cut.starts_with("s = '"));
    }
}
