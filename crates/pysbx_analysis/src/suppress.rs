//! Suppression comments: `# pysbx: ignore[PSB101, exec-builtin]` (rule ids or names) and
//! bandit's `# nosec` (everything) or `# nosec B602, B603` (rules whose `bandit` list names
//! one of them), on any line a finding spans. Read from the token stream, so a `#` inside a
//! string is never taken for a comment. A bare `# pysbx: ignore` names nothing and suppresses
//! nothing. What suppressed nothing is listed for the `unused_suppression` check.

use std::collections::BTreeMap;

use pysbx_rules::Rule;
use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_source_file::LineIndex;
use ruff_text_size::{Ranged, TextRange};

#[derive(Debug, PartialEq, Eq)]
enum Directive {
    /// Rule ids or names.
    Ignore(Vec<String>),
    /// `# nosec` with no test ids.
    NosecAll,
    /// Bandit test ids.
    Nosec(Vec<String>),
}

/// One directive where it was written, with what it has suppressed so far.
#[derive(Debug)]
struct Entry {
    directive: Directive,
    /// The comment's byte range in the source.
    range: TextRange,
    /// Per name of an `Ignore` or id of a `Nosec` (one flag for `NosecAll`): whether it
    /// suppressed a finding.
    used: Vec<bool>,
}

/// A suppression, or one name in it, that suppressed nothing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unused {
    /// The comment's byte range in the source.
    pub(crate) range: TextRange,
    /// 1-based line of the comment.
    pub(crate) line: u32,
    /// What suppressed nothing, as written: `PSB101`, `exec-builtin`, `nosec`, `nosec B602`.
    pub(crate) subject: String,
}

/// The directives of one file, by 1-based line.
#[derive(Debug, Default)]
pub(crate) struct Suppressions {
    by_line: BTreeMap<u32, Vec<Entry>>,
}

impl Suppressions {
    /// The directives of the file's comments. The line index is built only once a comment
    /// holds a directive (most files have none).
    pub(crate) fn from_tokens(tokens: &Tokens, source: &str) -> Self {
        let mut by_line: BTreeMap<u32, Vec<Entry>> = BTreeMap::new();
        let mut index: Option<LineIndex> = None;
        for token in tokens.iter().filter(|t| t.kind() == TokenKind::Comment) {
            let Some(text) =
                source.get(token.range().start().to_usize()..token.range().end().to_usize())
            else {
                continue;
            };
            let directives = parse_comment(text);
            if !directives.is_empty() {
                let index = index.get_or_insert_with(|| LineIndex::from_source_text(source));
                let line = u32::try_from(index.line_index(token.start()).get()).unwrap_or(u32::MAX);
                by_line.entry(line).or_default().extend(directives.into_iter().map(|directive| {
                    let names = match &directive {
                        Directive::Ignore(names) | Directive::Nosec(names) => names.len(),
                        Directive::NosecAll => 1,
                    };
                    Entry { directive, range: token.range(), used: vec![false; names] }
                }));
            }
        }
        Self { by_line }
    }

    /// Whether the file has no directive at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.by_line.is_empty()
    }

    /// Whether a finding of `rule` spanning lines `first..=last` is suppressed; every
    /// directive (or name in one) that suppresses it is marked used.
    pub(crate) fn suppress(&mut self, rule: &Rule, first: u32, last: u32) -> bool {
        let mut suppressed = false;
        for entry in self.by_line.range_mut(first..=last).flat_map(|(_, e)| e) {
            match &entry.directive {
                Directive::Ignore(names) => {
                    for (name, used) in names.iter().zip(entry.used.iter_mut()) {
                        if *name == rule.id || *name == rule.name {
                            *used = true;
                            suppressed = true;
                        }
                    }
                }
                Directive::NosecAll => {
                    entry.used.fill(true);
                    suppressed = true;
                }
                Directive::Nosec(ids) => {
                    for (id, used) in ids.iter().zip(entry.used.iter_mut()) {
                        if rule.bandit.iter().any(|b| b == id) {
                            *used = true;
                            suppressed = true;
                        }
                    }
                }
            }
        }
        suppressed
    }

    /// Whether a `# pysbx: ignore[...]` on `line` names `rule` (marking the name used).
    /// `# nosec` does not count: a bare `# nosec` that suppressed nothing must not silence
    /// its own report.
    pub(crate) fn ignore_names(&mut self, rule: &Rule, line: u32) -> bool {
        let mut named = false;
        for entry in self.by_line.get_mut(&line).into_iter().flatten() {
            if let Directive::Ignore(names) = &entry.directive {
                for (name, used) in names.iter().zip(entry.used.iter_mut()) {
                    if *name == rule.id || *name == rule.name {
                        *used = true;
                        named = true;
                    }
                }
            }
        }
        named
    }

    /// The directives, and names in directives, that suppressed nothing. A name is judged
    /// only when it names one of `rules` (by id or name, or for a bandit id, through a rule's
    /// `bandit` list): a name of a rule left out of this run cannot have been used, which does
    /// not make it wrong.
    pub(crate) fn unused(&self, rules: &[&Rule]) -> Vec<Unused> {
        let mut out = Vec::new();
        for (&line, entries) in &self.by_line {
            for entry in entries {
                let mut push = |subject: String| {
                    out.push(Unused { range: entry.range, line, subject });
                };
                match &entry.directive {
                    Directive::Ignore(names) => {
                        for (name, used) in names.iter().zip(&entry.used) {
                            if !used && rules.iter().any(|r| r.id == *name || r.name == *name) {
                                push(name.clone());
                            }
                        }
                    }
                    Directive::NosecAll => {
                        if entry.used.iter().all(|u| !u) {
                            push("nosec".to_string());
                        }
                    }
                    Directive::Nosec(ids) => {
                        for (id, used) in ids.iter().zip(&entry.used) {
                            if !used && rules.iter().any(|r| r.bandit.iter().any(|b| b == id)) {
                                push(format!("nosec {id}"));
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

fn parse_comment(text: &str) -> Vec<Directive> {
    let mut out = Vec::new();
    for segment in text.split('#').map(str::trim) {
        if let Some(rest) = segment.strip_prefix("pysbx:") {
            let rest = rest.trim_start();
            if let Some(list) = rest.strip_prefix("ignore") {
                let list = list.trim_start();
                if let Some(inner) = list.strip_prefix('[').and_then(|l| l.split(']').next()) {
                    let names: Vec<String> = inner
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                    if !names.is_empty() {
                        out.push(Directive::Ignore(names));
                    }
                }
            }
        } else if let Some(rest) = segment
            .get(..5)
            .filter(|p| p.eq_ignore_ascii_case("nosec"))
            .and_then(|_| segment.get(5..))
        {
            if rest.chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let ids: Vec<String> = rest
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| {
                    w.len() > 1
                        && w.starts_with(['B', 'b'])
                        && w[1..].chars().all(|c| c.is_ascii_digit())
                })
                .map(str::to_ascii_uppercase)
                .collect();
            out.push(if ids.is_empty() { Directive::NosecAll } else { Directive::Nosec(ids) });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives() {
        assert_eq!(
            parse_comment("# pysbx: ignore[PSB101, exec-builtin]"),
            vec![Directive::Ignore(vec!["PSB101".into(), "exec-builtin".into()])]
        );
        assert_eq!(parse_comment("# pysbx: ignore"), vec![]);
        assert_eq!(parse_comment("#nosec"), vec![Directive::NosecAll]);
        assert_eq!(
            parse_comment("# noqa: E501 # nosec B602,b603"),
            vec![Directive::Nosec(vec!["B602".into(), "B603".into()])]
        );
        assert_eq!(parse_comment("# nosecurity here"), vec![]);
        assert_eq!(parse_comment("# a nosec in prose"), vec![]);
    }
}
