//! Text edits in ruff's shape: sorted by start, non-overlapping, applied by splicing.
//!
//! Several findings often aim at nested nodes (a stub on a call inside a statement another
//! rule strips). The outermost edit wins, because it replaces everything the inner ones
//! would; the inner ones are reported as skipped. Findings aimed at the very same node with
//! the same action share one edit.

use pysbx_rules::Action;
use ruff_text_size::TextRange;

use crate::SkipReason;

/// One replacement the sanitizer intends to make.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub(crate) range: TextRange,
    pub(crate) action: Action,
    /// The finding whose rule the replacement names.
    pub(crate) finding: usize,
    /// Other findings the same replacement resolves.
    pub(crate) also: Vec<usize>,
    pub(crate) replacement: String,
}

/// Sorts edits, merges same-node duplicates and drops edits overlapping an earlier, wider
/// one. Returns the kept edits (sorted by start) and the dropped findings.
pub(crate) fn resolve_overlaps(
    mut planned: Vec<Planned>,
) -> (Vec<Planned>, Vec<(usize, SkipReason)>) {
    planned.sort_by_key(|p| {
        (p.range.start(), std::cmp::Reverse(p.range.end()), action_rank(p.action), p.finding)
    });
    let mut kept: Vec<Planned> = Vec::with_capacity(planned.len());
    let mut skipped = Vec::new();
    for edit in planned {
        match kept.last_mut() {
            Some(last) if last.range == edit.range && last.action == edit.action => {
                last.also.push(edit.finding);
                last.also.extend(edit.also);
            }
            Some(last) if edit.range.start() < last.range.end() || last.range == edit.range => {
                let by = last.finding;
                skipped.push((edit.finding, SkipReason::Covered { by }));
                skipped.extend(edit.also.into_iter().map(|f| (f, SkipReason::Covered { by })));
            }
            _ => kept.push(edit),
        }
    }
    for edit in &mut kept {
        edit.also.sort_unstable();
        edit.also.dedup();
    }
    (kept, skipped)
}

/// At one range, a strip (the statement goes) wins over a stub.
fn action_rank(action: Action) -> u8 {
    match action {
        Action::Strip => 0,
        Action::Stub => 1,
        Action::Report => 2,
    }
}

/// Splices sorted, non-overlapping edits into `source`.
pub(crate) fn apply(source: &str, edits: &[Planned]) -> String {
    let mut out = String::with_capacity(source.len());
    let mut cursor = 0usize;
    for edit in edits {
        let start = usize::from(edit.range.start());
        let end = usize::from(edit.range.end());
        out.push_str(&source[cursor..start]);
        out.push_str(&edit.replacement);
        cursor = end;
    }
    out.push_str(&source[cursor..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_text_size::TextSize;

    fn planned(start: u32, end: u32, action: Action, finding: usize, text: &str) -> Planned {
        Planned {
            range: TextRange::new(TextSize::new(start), TextSize::new(end)),
            action,
            finding,
            also: Vec::new(),
            replacement: text.to_string(),
        }
    }

    #[test]
    fn outermost_wins_and_nested_are_skipped() {
        let (kept, skipped) = resolve_overlaps(vec![
            planned(4, 6, Action::Stub, 0, "S"),
            planned(0, 10, Action::Strip, 1, "pass"),
            planned(12, 14, Action::Stub, 2, "T"),
        ]);
        assert_eq!(kept.iter().map(|k| k.finding).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(skipped, vec![(0, SkipReason::Covered { by: 1 })]);
    }

    #[test]
    fn same_node_same_action_merges_and_strip_beats_stub() {
        let (kept, skipped) = resolve_overlaps(vec![
            planned(0, 5, Action::Stub, 3, "S3"),
            planned(0, 5, Action::Stub, 1, "S1"),
            planned(0, 5, Action::Strip, 2, "pass"),
        ]);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].finding, 2);
        assert_eq!(
            skipped,
            vec![(1, SkipReason::Covered { by: 2 }), (3, SkipReason::Covered { by: 2 })]
        );
        let (kept, _) = resolve_overlaps(vec![
            planned(0, 5, Action::Stub, 3, "S3"),
            planned(0, 5, Action::Stub, 1, "S1"),
        ]);
        assert_eq!((kept[0].finding, kept[0].also.clone()), (1, vec![3]));
        assert_eq!(kept[0].replacement, "S1");
    }

    #[test]
    fn splicing_replaces_only_the_ranges() {
        let src = "a = f(1); b = g(2)";
        let edits =
            [planned(4, 8, Action::Stub, 0, "X"), planned(10, 18, Action::Strip, 1, "pass")];
        assert_eq!(apply(src, &edits), "a = X; pass");
    }
}
