//! Identifiers that read as others: a letter of another script that looks like a Latin one.
//!
//! Python accepts any letter in a name and folds only compatibility forms (NFKC: a fullwidth
//! `ｅｖａｌ` is `eval`), so `rеquests` with a Cyrillic `е` (U+0435) is a different module
//! from `requests`, and `vеrify` a different function from `verify`, that no reader tells
//! apart. Reported, after the folding Python does, is a name that mixes Latin letters with
//! such look-alikes, or one made only of look-alikes (`ехес`, all Cyrillic). The look-alikes
//! are the letters of Cyrillic, Greek, Armenian and Cherokee that are drawn as a Latin letter
//! in common fonts; Greek letters that science writes in names (`α`, `ρ`, `ν`, `μ`, `Δ`) are
//! not among them, and a name in another script that uses any letter without a Latin twin
//! (`привет`, `данные`) is that script's word, not a disguise.

use unicode_normalization::UnicodeNormalization;

/// The Latin letter `c` is drawn like, if it is a look-alike of another script.
fn latin_twin(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic.
        'а' => 'a',
        'е' => 'e',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'у' => 'y',
        'х' => 'x',
        'ѕ' => 's',
        'і' => 'i',
        'ј' => 'j',
        'ԁ' => 'd',
        'һ' => 'h',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'ӏ' => 'l',
        'А' => 'A',
        'В' => 'B',
        'Е' => 'E',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' => 'O',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'Х' => 'X',
        'Ѕ' => 'S',
        'І' => 'I',
        'Ј' => 'J',
        'Ү' => 'Y',
        'Ԁ' => 'D',
        // Greek: the capitals drawn as Latin ones, and omicron and the lunate sigma.
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Ζ' => 'Z',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        'ο' => 'o',
        'ϲ' => 'c',
        'ϳ' => 'j',
        // Armenian.
        'օ' => 'o',
        'ս' => 'u',
        'ո' => 'n',
        'հ' => 'h',
        'զ' => 'q',
        // Cherokee capitals.
        'Ꭺ' => 'A',
        'Ᏼ' => 'B',
        'Ꮯ' => 'C',
        'Ꭰ' => 'D',
        'Ꭼ' => 'E',
        'Ꮐ' => 'G',
        'Ꮋ' => 'H',
        'Ꭻ' => 'J',
        'Ꮶ' => 'K',
        'Ꮮ' => 'L',
        'Ꮇ' => 'M',
        'Ꮲ' => 'P',
        'Ꭱ' => 'R',
        'Ꮪ' => 'S',
        'Ꭲ' => 'T',
        'Ꮤ' => 'W',
        'Ꮓ' => 'Z',
        _ => return None,
    })
}

/// Whether `c` is a Latin letter (ASCII or the Latin blocks up to Latin Extended Additional).
fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic()
        || matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}') && c.is_alphabetic()
}

/// Why the identifier `name` (as written) reads as another name, or `None`: the name as
/// Python folds it, then each look-alike letter with its code point and the Latin letter it
/// passes for (`rеquests (U+0435 for e)`).
#[must_use]
pub(crate) fn disguise(name: &str) -> Option<String> {
    if name.is_ascii() {
        return None;
    }
    let folded: String = name.nfkc().collect();
    let (mut latin, mut other) = (false, false);
    let mut twins: Vec<(char, char)> = Vec::new();
    for c in folded.chars() {
        if let Some(twin) = latin_twin(c) {
            if !twins.iter().any(|(seen, _)| *seen == c) {
                twins.push((c, twin));
            }
        } else if is_latin(c) {
            latin = true;
        } else if c.is_alphabetic() {
            other = true;
        }
    }
    // Mixed with Latin letters, or a name of look-alikes alone; a word of another script
    // (any letter without a twin) is read as that script's.
    if twins.is_empty() || (other && !latin) || (!latin && folded.chars().count() < 2) {
        return None;
    }
    let list: Vec<String> =
        twins.iter().map(|(c, t)| format!("U+{:04X} for {t}", u32::from(*c))).collect();
    Some(format!("{folded} ({})", list.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::disguise;

    #[test]
    fn latin_names_with_a_look_alike_are_disguised() {
        assert_eq!(disguise("rеquests").as_deref(), Some("rеquests (U+0435 for e)"));
        assert!(disguise("vеrify_signature").is_some());
        assert!(disguise("оs").is_some());
        // Only look-alikes: Cyrillic `ехес` reads as `exec`.
        assert_eq!(
            disguise("ехес").as_deref(),
            Some("ехес (U+0435 for e, U+0445 for x, U+0441 for c)")
        );
        // A Greek omicron inside a Latin name.
        assert!(disguise("fοo").is_some());
    }

    #[test]
    fn other_scripts_and_science_are_not_disguises() {
        assert_eq!(disguise("requests"), None);
        // Words of another script that use letters without a Latin twin.
        assert_eq!(disguise("привет"), None);
        assert_eq!(disguise("данные"), None);
        assert_eq!(disguise("сеть"), None);
        // Greek letters science writes in names, alone and beside Latin ones.
        for name in ["α", "ρ_air", "Δt", "λ_max", "μ", "σ2", "ν0", "θ"] {
            assert_eq!(disguise(name), None, "{name}");
        }
        // Latin letters outside ASCII (French, German, Turkish, Vietnamese).
        for name in ["café", "größe", "kullanıcı", "người"] {
            assert_eq!(disguise(name), None, "{name}");
        }
        // Fullwidth Latin folds to ASCII, as Python folds it: the name is `eval` itself.
        assert_eq!(disguise("ｅｖａｌ"), None);
    }
}
