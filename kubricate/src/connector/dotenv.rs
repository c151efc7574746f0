//! The `.env` reader: the grammar of Node's dotenv 16, which the reference framework reads `.env` with.
//!
//! dotenvy (used before) follows shell rules instead: it expands `$VAR` and `${VAR}` in unquoted and
//! double-quoted values (0.15 has no switch to turn that off), keeps the first of two duplicate keys
//! and reports value errors at "line 0". So the file is read here, with dotenv 16's own `LINE`
//! expression (`lib/main.js`) and the steps of its `parse()`:
//!
//! - `KEY=VALUE`, `KEY = VALUE`, `KEY: VALUE` and an `export ` prefix; keys are `[A-Za-z0-9_.-]+`;
//! - values in `'…'`, `"…"` or `` `…` `` keep everything between the quotes, over several lines too;
//!   only a double-quoted value turns `\n` and `\r` into line breaks; nothing is ever expanded;
//! - an unquoted value ends at `#` (the rest of the line is a comment) and is trimmed;
//! - the last of two duplicate keys wins.
//!
//! Where dotenv 16 silently skips a line or keeps a broken quote as part of the value, this reader
//! refuses the file instead, naming the line ([`DotenvProblem`]): a line that is not an assignment,
//! a value that opens a quote it does not close (or writes text after the closing quote), and a quoted
//! value that runs on past a line ending in `\'` (dotenv takes the quote as escaped and swallows the
//! following lines into the value).
//! Values that pass are exactly the ones dotenv 16 returns: `dotenv_table.json` (named cases) and
//! `dotenv_fuzz.json` (600 seeded random files), produced by running dotenv 16.6.1 itself
//! (`scripts/dotenv-table.js`), hold the expected results the tests compare with.
//!
//! One difference is left: JavaScript also treats U+2028 and U+2029 as line ends; here only `\n`,
//! `\r\n` and `\r` end a line.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex_lite::Regex;
use zeroize::Zeroizing;

/// One variable of a `.env` file.
pub(crate) struct DotenvEntry {
    pub key: String,
    pub value: Zeroizing<String>,
}

/// A parsed `.env` file: the variables (the last of duplicates) and what deserves a warning.
#[derive(Default)]
pub(crate) struct DotenvFile {
    pub entries: Vec<DotenvEntry>,
    /// Messages naming keys and lines, never values.
    pub warnings: Vec<String>,
    /// Key -> index in `entries`.
    index: HashMap<String, usize>,
}

impl DotenvFile {
    /// The value of `key` (ASCII case ignored if `case_insensitive`).
    pub fn get(&self, key: &str, case_insensitive: bool) -> Option<&DotenvEntry> {
        if let Some(&i) = self.index.get(key) {
            return self.entries.get(i);
        }
        if !case_insensitive {
            return None;
        }
        self.entries
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    }
}

/// Why a `.env` file was refused; always with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DotenvProblem {
    /// A line that is neither an assignment, a comment nor blank (dotenv 16 skips it silently).
    #[error(
        "line {line}: not a `KEY=VALUE` assignment (keys are letters, digits, `_`, `.` and `-`)"
    )]
    NotAnAssignment {
        /// The line.
        line: usize,
    },
    /// A value opens a quote that is not closed at the end of the value.
    #[error("line {line}: the value of `{key}` opens a {quote} quote that is not closed, or has text after its closing quote; close the quote, or put the whole value in another kind of quotes")]
    UnclosedQuote {
        /// The line of the key.
        line: usize,
        /// The key.
        key: String,
        /// `single`, `double` or `backtick`.
        quote: &'static str,
    },
    /// A quoted value spans lines because a line ends in `\` before a quote, which dotenv reads as an
    /// escaped quote: the value runs on into the following lines.
    #[error("line {line}: the {quote}-quoted value of `{key}` has a `\\` before the quote at the end of a line, so the value runs on into the next lines; remove the `\\` or use another kind of quotes")]
    EscapedClosingQuote {
        /// The line of the key.
        line: usize,
        /// The key.
        key: String,
        /// `single`, `double` or `backtick`.
        quote: &'static str,
    },
    /// The file is not UTF-8.
    #[error("line {line}: not valid UTF-8; save the file as UTF-8 (binary values can come from a FileConnector)")]
    NotUtf8 {
        /// The line of the first invalid byte.
        line: usize,
    },
}

/// `LINE` of dotenv 16.6.1, with JavaScript's `\s`, `\w` and `.` spelled out (regex-lite's are
/// ASCII-only) and each kind of value in its own group (2: `'`, 3: `"`, 4: `` ` ``, 5: unquoted), which
/// does not change what matches: the engine is leftmost-first like JavaScript's.
fn line_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        const S: &str = "[\\t\\n\\x0B\\x0C\\r \u{a0}\u{1680}\u{2000}-\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}\u{feff}]";
        const DOT: &str = "[^\\n\\r\u{2028}\u{2029}]";
        let pattern = format!(
            "(?m)^{S}*(?:export{S}+)?([A-Za-z0-9_.-]+)(?:{S}*={S}*?|:{S}+?)(?:({S}*'(?:\\\\'|[^'])*')|({S}*\"(?:\\\\\"|[^\"])*\")|({S}*`(?:\\\\`|[^`])*`)|([^#\\r\\n]+))?{S}*(?:#{DOT}*)?$"
        );
        #[allow(clippy::expect_used)] // a constant pattern, covered by every test of this module
        Regex::new(&pattern).expect("the dotenv LINE pattern compiles")
    })
}

/// JavaScript's `String.prototype.trim`: Unicode white space, line ends and U+FEFF.
fn js_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// Parses a `.env` file's bytes.
pub(crate) fn parse(bytes: &[u8]) -> Result<DotenvFile, DotenvProblem> {
    let text = std::str::from_utf8(bytes).map_err(|e| DotenvProblem::NotUtf8 {
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
    })?;
    // dotenv: `lines.replace(/\r\n?/mg, '\n')`. A lone `\r` ends a line there too.
    let mut src = Zeroizing::new(String::with_capacity(text.len()));
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            chars.next_if_eq(&'\n');
            src.push('\n');
        } else {
            src.push(c);
        }
    }
    // Positions only grow, so line numbers are counted on from the last one (linear in the file).
    let mut counted = (0usize, 1usize); // (position, its line)
    let mut line_of = |pos: usize| {
        let (from, line) = counted;
        let line = line + src[from..pos].bytes().filter(|&b| b == b'\n').count();
        counted = (pos, line);
        line
    };

    let mut file = DotenvFile::default();
    let mut covered_to = 0; // end of the last match
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new(); // key -> (entry index, line)
    for caps in line_regex().captures_iter(&src) {
        let (Some(whole), Some(key)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        check_skipped(&src[covered_to..whole.start()], line_of(covered_to))?;
        covered_to = whole.end();
        let line = line_of(key.start());
        let key = key.as_str().to_owned();

        let raw = caps
            .get(2)
            .or_else(|| caps.get(3))
            .or_else(|| caps.get(4))
            .or_else(|| caps.get(5));
        let unquoted = caps.get(5).is_some();
        let value = js_trim(raw.map_or("", |m| m.as_str()));
        let first = value.chars().next();
        let quote = match first {
            Some('\'') => Some("single"),
            Some('"') => Some("double"),
            Some('`') => Some("backtick"),
            _ => None,
        };
        if let (true, Some(quote)) = (unquoted, quote) {
            return Err(DotenvProblem::UnclosedQuote { line, key, quote });
        }
        if let (false, Some(quote), Some(q)) = (unquoted, quote, first) {
            // `KEY='abc\'` followed by lines holding `'`: dotenv takes `\'` as an escape and the
            // value swallows those lines. A quote escaped right before a line end is that mistake.
            if value.contains(&format!("\\{q}\n")) {
                return Err(DotenvProblem::EscapedClosingQuote { line, key, quote });
            }
        }
        if unquoted {
            if let Some(m) = raw {
                // `KEY=abc#def` is `abc` in dotenv: worth a word, since it is rarely meant.
                let after = &src[m.end()..whole.end()];
                let glued = !m.as_str().ends_with(|c: char| c.is_whitespace());
                if after.starts_with('#') && glued {
                    file.warnings.push(format!(
                        "line {line}: the unquoted value of `{key}` ends at `#` (the rest of the line is a comment); quote the value if `#` belongs to it"
                    ));
                }
            }
        }
        // `value.replace(/^(['"`])([\s\S]*)\1$/mg, '$2')`: the value is one match of it when quoted.
        let mut value = match first {
            Some(q @ ('\'' | '"' | '`')) if value.len() >= 2 && value.ends_with(q) => {
                Zeroizing::new(value[1..value.len() - 1].to_owned())
            }
            _ => Zeroizing::new(value.to_owned()),
        };
        if first == Some('"') {
            value = expand_newlines(&value);
        }

        // As in a JavaScript object: the key keeps its first place, the last value wins.
        match seen.get_mut(&key) {
            Some((index, earlier)) => {
                file.warnings.push(format!(
                    "`{key}` is set on line {earlier} and again on line {line}; the last one (line {line}) is used"
                ));
                *earlier = line;
                if let Some(entry) = file.entries.get_mut(*index) {
                    entry.value = value;
                }
            }
            None => {
                seen.insert(key.clone(), (file.entries.len(), line));
                file.entries.push(DotenvEntry { key, value });
            }
        }
    }
    check_skipped(&src[covered_to..], line_of(covered_to))?;
    file.index = seen.into_iter().map(|(k, (i, _))| (k, i)).collect();
    Ok(file)
}

/// dotenv's `replace(/\\n/g, '\n').replace(/\\r/g, '\r')`, in one pass into a buffer of the input's
/// size (the result is never longer), so no partial copy of the value is freed unzeroed.
fn expand_newlines(value: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(value.len()));
    let mut rest = value;
    while let Some(i) = rest.find("\\n") {
        out.push_str(&rest[..i]);
        out.push('\n');
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    // `\r` is replaced after `\n`, on the result, exactly as dotenv chains the two replaces.
    let first = out;
    let mut out = Zeroizing::new(String::with_capacity(first.len()));
    let mut rest = first.as_str();
    while let Some(i) = rest.find("\\r") {
        out.push_str(&rest[..i]);
        out.push('\r');
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}

/// Text between two assignments may hold only blank lines and comments.
fn check_skipped(text: &str, first_line: usize) -> Result<(), DotenvProblem> {
    for (i, l) in text.split('\n').enumerate() {
        let l = js_trim(l);
        if !l.is_empty() && !l.starts_with('#') {
            return Err(DotenvProblem::NotAnAssignment {
                line: first_line + i,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn values(src: &str) -> Vec<(String, String)> {
        parse(src.as_bytes())
            .unwrap_or_else(|e| panic!("{src:?}: {e}"))
            .entries
            .into_iter()
            .map(|e| (e.key, e.value.to_string()))
            .collect()
    }

    /// One case of the reference table: what dotenv 16.6.1 returned for `input`, or the line this
    /// reader refuses it at.
    #[derive(serde::Deserialize)]
    struct Case {
        name: String,
        input: String,
        /// dotenv 16's result (key order as JavaScript's object keeps it).
        node: serde_json::Map<String, serde_json::Value>,
        /// When set, this reader refuses the input at this line instead.
        #[serde(default)]
        refuse_line: Option<usize>,
    }

    #[test]
    fn reads_every_case_of_the_reference_table_as_dotenv_16_does() {
        let cases: Vec<Case> =
            serde_json::from_str(include_str!("dotenv_table.json")).expect("the table is JSON");
        assert!(cases.len() >= 40, "the table lost cases");
        for case in cases {
            match (parse(case.input.as_bytes()), case.refuse_line) {
                (Ok(file), None) => {
                    let mut ours: Vec<(String, String)> = file
                        .entries
                        .into_iter()
                        .map(|e| (e.key, e.value.to_string()))
                        .collect();
                    let mut node: Vec<(String, String)> = case
                        .node
                        .into_iter()
                        .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
                        .collect();
                    ours.sort();
                    node.sort();
                    assert_eq!(ours, node, "case `{}`: {:?}", case.name, case.input);
                }
                (Err(e), Some(line)) => {
                    assert!(
                        e.to_string().starts_with(&format!("line {line}:")),
                        "case `{}`: {e}",
                        case.name
                    );
                }
                (Ok(_), Some(line)) => {
                    panic!("case `{}` should be refused at line {line}", case.name)
                }
                (Err(e), None) => panic!("case `{}` refused: {e}", case.name),
            }
        }
    }

    #[test]
    fn agrees_with_dotenv_16_on_random_inputs_it_accepts() {
        #[derive(serde::Deserialize)]
        struct Random {
            input: String,
            node: serde_json::Map<String, serde_json::Value>,
        }
        let cases: Vec<Random> =
            serde_json::from_str(include_str!("dotenv_fuzz.json")).expect("the table is JSON");
        let mut accepted = 0;
        for case in &cases {
            let Ok(file) = parse(case.input.as_bytes()) else {
                continue;
            };
            accepted += 1;
            let mut ours: Vec<(String, String)> = file
                .entries
                .into_iter()
                .map(|e| (e.key, e.value.to_string()))
                .collect();
            let mut node: Vec<(String, String)> = case
                .node
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect();
            ours.sort();
            node.sort();
            assert_eq!(ours, node, "{:?}", case.input);
        }
        // About half the random files are accepted (the rest hold a junk line or an unclosed quote,
        // as generated), so the comparison is not vacuous.
        assert!(accepted >= 250, "{accepted} of {}", cases.len());
    }

    #[test]
    fn dollar_signs_are_never_expanded() {
        assert_eq!(
            values("A=Xk9$mP2qL7vR\nB=\"p@ss$word\"\nC=${HOME}\nD='$PATH'\n"),
            [
                ("A".into(), "Xk9$mP2qL7vR".into()),
                ("B".into(), "p@ss$word".into()),
                ("C".into(), "${HOME}".into()),
                ("D".into(), "$PATH".into())
            ]
        );
    }

    #[test]
    fn the_last_duplicate_wins_with_a_warning_naming_both_lines() {
        let file = parse(b"A=CANARY-first\n# c\nA=second\n").unwrap();
        assert_eq!(file.entries.len(), 1);
        assert_eq!(*file.entries[0].value, "second");
        assert_eq!(
            file.warnings,
            ["`A` is set on line 1 and again on line 3; the last one (line 3) is used"]
        );
    }

    #[test]
    fn refusals_name_the_real_line_and_never_the_value() {
        for (src, line) in [
            ("A=1\n\nB='CANARY-x\nC=3\n", 3),
            ("A=1\nB=\"CANARY\"tail\n", 2),
            ("A=1\n# ok\nCANARY-no-equals\n", 3),
            ("A=\"multi\nline\"\nCANARY here\n", 3),
            ("A=1\r\nB=2\r\n\r\nCANARY\r\n", 4),
        ] {
            let e = parse(src.as_bytes())
                .err()
                .unwrap_or_else(|| panic!("{src:?}"));
            let msg = e.to_string();
            assert!(msg.starts_with(&format!("line {line}:")), "{src:?}: {msg}");
            assert!(!msg.contains("CANARY"), "{msg}");
        }
        let e = parse(b"A=1\nB=\xff\xfe\n").err().unwrap();
        assert_eq!(e, DotenvProblem::NotUtf8 { line: 2 });
    }

    #[test]
    fn a_hash_ending_an_unquoted_value_is_a_warning() {
        let file = parse(b"A=abc#CANARY\nB=abc # comment\n").unwrap();
        assert_eq!(*file.entries[0].value, "abc");
        assert_eq!(file.warnings.len(), 1, "{:?}", file.warnings);
        assert!(file.warnings[0].starts_with("line 1:") && !file.warnings[0].contains("CANARY"));
    }

    /// A `.env` line that this reader (and dotenv 16) reads back as `value`, if there is one.
    fn quote(key: &str, value: &str) -> Option<String> {
        let plain = !value.is_empty()
            && !value.contains(['\n', '\r', '#'])
            && js_trim(value) == value
            && !value.starts_with(['\'', '"', '`']);
        if plain {
            return Some(format!("{key}={value}\n"));
        }
        if value.contains('\r')
            && !value.contains('"')
            && !value.contains("\\n")
            && !value.contains("\\r")
            && !value.ends_with('\\')
        {
            return Some(format!("{key}=\"{}\"\n", value.replace('\r', "\\r")));
        }
        if value.contains('\r') {
            return None;
        }
        for q in ['\'', '`', '"'] {
            let escapes = q == '"' && (value.contains("\\n") || value.contains("\\r"));
            // `\` right before the closing quote would escape it.
            if !value.contains(q) && !escapes && !value.ends_with('\\') {
                return Some(format!("{key}={q}{value}{q}\n"));
            }
        }
        None
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "[ -~\\t\\n\\r'\"`#=$\\\\\u{a0}\u{feff}é]{0,200}") {
            let _ = parse(text.as_bytes());
        }

        #[test]
        fn every_value_round_trips_through_quoting(
            values in proptest::collection::vec("[ -~\\t\\n\\r\u{e9}\u{1f511}]{1,40}", 1..6)
        ) {
            let mut src = String::new();
            let mut expected = Vec::new();
            for (i, v) in values.iter().enumerate() {
                if let Some(line) = quote(&format!("K{i}"), v) {
                    src.push_str(&line);
                    expected.push((format!("K{i}"), v.clone()));
                }
            }
            let file = parse(src.as_bytes()).map_err(|e| TestCaseError::fail(format!("{src:?}: {e}")))?;
            let got: Vec<(String, String)> = file.entries.into_iter().map(|e| (e.key, e.value.to_string())).collect();
            prop_assert_eq!(got, expected, "{:?}", src);
        }

        #[test]
        fn ordinary_values_always_have_a_quoting(v in "[ -~\u{e9}]{1,40}") {
            // Printable text with at most two of the three quote characters can always be written,
            // unless it must be quoted and ends in `\` (which would escape the closing quote).
            let quotes = ['\'', '"', '`'].iter().filter(|q| v.contains(**q)).count();
            if quotes < 3 && !v.ends_with('\\') {
                prop_assert!(quote("K", &v).is_some() || (v.contains("\\n") || v.contains("\\r")), "{:?}", v);
            }
        }
    }
}
