//! Sanitizing until a fresh analysis of the output has nothing left to change.
//!
//! One pass is idempotent in the usual case, but removing code can change what the analysis
//! concludes about the code that stays: a stripped `with` block that held `name = "os"` no
//! longer makes `import_module(name)` a constant import. Only the analysis can tell, so this
//! loop takes it as a function: analyse the output, sanitize again, until a round makes no
//! edit. Every round only replaces code with inert stubs, so the loop ends; it is bounded by
//! [`MAX_ROUNDS`] all the same.
//!
//! The edits of all rounds are composed into edits on the original source, so the result
//! reads like a single pass: applying [`Sanitized::edits`] to the input gives the output.

use pysbx_rules::{Finding, RuleSet};

use crate::{AppliedEdit, RewriteError, Sanitized, sanitize};

/// The most rounds [`sanitize_until_stable`] runs before giving up.
pub const MAX_ROUNDS: u32 = 8;

/// Sanitizes `source` with `findings` (its analysis), then re-analyses the output with
/// `analyze` and sanitizes again until a round changes nothing.
///
/// Edits are in the coordinates of `source`; an edit of a later round that replaces an
/// earlier one's text takes its place. Skipped findings of every round are listed with
/// their round.
///
/// # Errors
/// As [`sanitize`], and [`RewriteError::Internal`] when the output still changes after
/// [`MAX_ROUNDS`] rounds.
pub fn sanitize_until_stable(
    source: &str,
    findings: &[Finding],
    rules: &RuleSet,
    mut analyze: impl FnMut(&str) -> Vec<Finding>,
) -> Result<Sanitized, RewriteError> {
    let mut result = sanitize(source, findings, rules)?;
    let mut round = 0;
    while result.changed() {
        if round == MAX_ROUNDS {
            return Err(RewriteError::Internal {
                line: 1,
                column: 1,
                message: format!("the output still changes after {MAX_ROUNDS} rounds"),
            });
        }
        round += 1;
        let current = result.output.clone();
        let next = sanitize(&current, &analyze(&current), rules)?;
        if !next.changed() {
            result.skipped.extend(next.skipped.into_iter().map(|mut s| {
                s.round = round;
                s
            }));
            break;
        }
        let mapped: Vec<(usize, usize, AppliedEdit)> = next
            .edits
            .into_iter()
            .map(|edit| {
                let start = to_original(&result.edits, edit.start as usize, Side::Start);
                let end = to_original(&result.edits, edit.end as usize, Side::End);
                match (start, end) {
                    (Some(start), Some(end)) => Ok((start, end, edit)),
                    _ => Err(RewriteError::Internal {
                        line: edit.line,
                        column: 1,
                        message: "a later round edited inside an earlier replacement".to_string(),
                    }),
                }
            })
            .collect::<Result<_, _>>()?;
        for (start, end, mut edit) in mapped {
            // The new edit replaces every earlier edit inside its range.
            result.edits.retain(|e| !(e.start as usize >= start && e.end as usize <= end));
            if result.edits.iter().any(|e| (e.start as usize) < end && start < e.end as usize) {
                return Err(RewriteError::Internal {
                    line: edit.line,
                    column: 1,
                    message: "edits of two rounds overlap partially".to_string(),
                });
            }
            edit.round = round;
            edit.original = source[start..end].to_string();
            edit.start = to_u32(start);
            edit.end = to_u32(end);
            result.edits.push(edit);
        }
        result.edits.sort_by_key(|e| e.start);
        result.skipped.extend(next.skipped.into_iter().map(|mut s| {
            s.round = round;
            s
        }));
        result.output = next.output;
    }
    if compose(source, &result.edits) != result.output {
        return Err(RewriteError::Internal {
            line: 1,
            column: 1,
            message: "composed edits do not reproduce the output".to_string(),
        });
    }
    Ok(result)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Start,
    End,
}

/// Maps an offset in the text produced by `edits` (sorted, on the original) back to the
/// original. `None` when it falls strictly inside a replacement: only a whole replacement
/// can be replaced again.
fn to_original(edits: &[AppliedEdit], offset: usize, side: Side) -> Option<usize> {
    let mut shift: isize = 0;
    for edit in edits {
        let current_start = edit.start as usize as isize + shift;
        let current_end = current_start + edit.replacement.len() as isize;
        let at = offset as isize;
        let before = match side {
            Side::Start => at <= current_start,
            Side::End => at <= current_start && at < current_end,
        };
        if before {
            break;
        }
        if at >= current_end {
            shift += edit.replacement.len() as isize - (edit.end - edit.start) as isize;
            continue;
        }
        return None;
    }
    usize::try_from(offset as isize - shift).ok()
}

/// Applies sorted, non-overlapping edits to `source`.
fn compose(source: &str, edits: &[AppliedEdit]) -> String {
    let mut out = String::with_capacity(source.len());
    let mut cursor = 0;
    for edit in edits {
        out.push_str(source.get(cursor..edit.start as usize).unwrap_or_default());
        out.push_str(&edit.replacement);
        cursor = edit.end as usize;
    }
    out.push_str(source.get(cursor..).unwrap_or_default());
    out
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pysbx_rules::{Action, FindingLocation};

    fn edit(start: u32, end: u32, replacement: &str) -> AppliedEdit {
        AppliedEdit {
            finding: 0,
            rule: 0,
            round: 0,
            also: Vec::new(),
            action: Action::Stub,
            start,
            end,
            original: String::new(),
            replacement: replacement.to_string(),
            line: 1,
        }
    }

    #[test]
    fn offsets_map_back_through_earlier_replacements() {
        // "abcdefgh" with "cd" -> "XYZW" gives "abXYZWefgh".
        let edits = [edit(2, 4, "XYZW")];
        assert_eq!(to_original(&edits, 1, Side::Start), Some(1));
        assert_eq!(to_original(&edits, 2, Side::Start), Some(2));
        assert_eq!(to_original(&edits, 3, Side::Start), None);
        assert_eq!(to_original(&edits, 6, Side::End), Some(4));
        assert_eq!(to_original(&edits, 7, Side::Start), Some(5));
        assert_eq!(to_original(&edits, 5, Side::End), None);
        assert_eq!(compose("abcdefgh", &edits), "abXYZWefgh");
    }

    fn finding(rules: &RuleSet, id: &str, source: &str, needle: &str) -> Vec<Finding> {
        source
            .match_indices(needle)
            .map(|(start, _)| Finding {
                rule: rules.index_of(id).unwrap(),
                start: u32::try_from(start).unwrap(),
                end: u32::try_from(start + needle.len()).unwrap(),
                location: FindingLocation::default(),
                message: String::new(),
                subject: String::new(),
                snippet: String::new(),
                snippet_start: 0,
            })
            .collect()
    }

    #[test]
    fn later_rounds_compose_into_edits_on_the_original() {
        let mut rules = RuleSet::new();
        pysbx_rules::load_rules_from_str(
            "rules:\n  - {id: TST1, name: a, severity: low, action: stub, message: m, match: {reference: x.a}}\n  - {id: TST2, name: b, severity: low, action: strip, message: m, match: {reference: x.b}}\n",
            std::path::Path::new("t.yaml"),
            "t",
            &mut rules,
        )
        .unwrap();
        // Round 0 stubs `a(1)`; the stand-in analysis then flags `b` only once `a(1)` is
        // gone (as removing code can unveil a finding), and round 1 strips its statement,
        // which holds round 0's stub.
        let source = "v = 0\nw = b + a(1)\nz = 2\n";
        let first = finding(&rules, "TST1", source, "a(1)");
        let mut analyses = 0;
        let result = sanitize_until_stable(source, &first, &rules, |text| {
            analyses += 1;
            if text.contains("w = b + a(1)") {
                Vec::new()
            } else {
                // Once stripped, the only `b +` left is quoted in a blocked object's message.
                finding(&rules, "TST2", text, "b +")
            }
        })
        .unwrap();
        assert_eq!(analyses, 2);
        assert_eq!(result.output, format!("v = 0\n{}\nz = 2\n", result.edits[0].replacement));
        assert_eq!(result.edits.len(), 1);
        assert_eq!((result.edits[0].round, result.edits[0].action), (1, Action::Strip));
        assert_eq!(result.edits[0].original, "w = b + a(1)");
        assert_eq!((result.edits[0].start, result.edits[0].end), (6, 18));
        assert_eq!(compose(source, &result.edits), result.output);
    }
}
