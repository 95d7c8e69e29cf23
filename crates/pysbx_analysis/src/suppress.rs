//! Suppression comments: `# pysbx: ignore[PSB101, exec-builtin]` (rule ids or names) and
//! bandit's `# nosec` (everything) or `# nosec B602, B603` (rules whose `bandit` list names
//! one of them), on any line a finding spans. Read from the token stream, so a `#` inside a
//! string is never taken for a comment. A bare `# pysbx: ignore` names nothing and suppresses
//! nothing.

use std::collections::BTreeMap;

use pysbx_rules::Rule;
use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_source_file::LineIndex;
use ruff_text_size::Ranged;

#[derive(Debug, PartialEq, Eq)]
enum Directive {
    /// Rule ids or names.
    Ignore(Vec<String>),
    /// `# nosec` with no test ids.
    NosecAll,
    /// Bandit test ids.
    Nosec(Vec<String>),
}

/// The directives of one file, by 1-based line.
#[derive(Debug, Default)]
pub(crate) struct Suppressions {
    by_line: BTreeMap<u32, Vec<Directive>>,
}

impl Suppressions {
    pub(crate) fn from_tokens(tokens: &Tokens, source: &str, index: &LineIndex) -> Self {
        let mut by_line: BTreeMap<u32, Vec<Directive>> = BTreeMap::new();
        for token in tokens.iter().filter(|t| t.kind() == TokenKind::Comment) {
            let Some(text) =
                source.get(token.range().start().to_usize()..token.range().end().to_usize())
            else {
                continue;
            };
            let directives = parse_comment(text);
            if !directives.is_empty() {
                let line = u32::try_from(index.line_index(token.start()).get()).unwrap_or(u32::MAX);
                by_line.entry(line).or_default().extend(directives);
            }
        }
        Self { by_line }
    }

    /// Whether a finding of `rule` spanning lines `first..=last` is suppressed.
    pub(crate) fn suppresses(&self, rule: &Rule, first: u32, last: u32) -> bool {
        self.by_line.range(first..=last).flat_map(|(_, d)| d).any(|d| match d {
            Directive::Ignore(names) => names.iter().any(|n| *n == rule.id || *n == rule.name),
            Directive::NosecAll => true,
            Directive::Nosec(ids) => ids.iter().any(|id| rule.bandit.iter().any(|b| b == id)),
        })
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
