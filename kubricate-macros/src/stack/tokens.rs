//! Token-level reading for `stack!`: the body is walked as token trees, not parsed into a syntax tree,
//! so that everything the macro does not rewrite reaches rustc (and rust-analyzer) exactly as written,
//! and expanding a hundred stacks costs what reading their tokens costs.

use std::cell::OnceCell;

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};

use super::strategy::Call;

/// One token tree with its identifier text read once: comparing a `proc_macro2::Ident` with a string
/// asks the compiler for its text every time.
pub struct Tok {
    pub tt: TokenTree,
    pub word: Option<String>,
    /// A literal's text as written (`"NAME"`), read once: every pass reads the secret names.
    lit: Option<String>,
    /// A group's tokens, read once: every pass over the body (the walk, the block checks, the
    /// resource scan) reads the same trees, and each read of a group's stream is a round trip to
    /// the compiler inside a proc macro.
    inner: OnceCell<Vec<Tok>>,
    /// The argument group of `.inject(kind { .. })` read as a strategy, once: the block checks,
    /// the resource scan and the rewrite all need it, and reading it is a `syn` parse
    /// ([`chain::strategy_of`](super::chain::strategy_of)).
    pub(super) strategy: OnceCell<Option<syn::Result<Call>>>,
}

impl Tok {
    pub fn new(tt: TokenTree) -> Tok {
        let (word, lit) = match &tt {
            TokenTree::Ident(i) => (Some(i.to_string()), None),
            TokenTree::Literal(l) => (None, Some(l.to_string())),
            _ => (None, None),
        };
        Tok {
            tt,
            word,
            lit,
            inner: OnceCell::new(),
            strategy: OnceCell::new(),
        }
    }

    /// A group's tokens (none for any other token).
    pub fn inner(&self) -> &[Tok] {
        self.inner.get_or_init(|| match &self.tt {
            TokenTree::Group(g) => toks(g.stream()),
            _ => Vec::new(),
        })
    }

    /// A group's stream, as the compiler holds it (empty for any other token).
    pub fn stream(&self) -> TokenStream {
        match &self.tt {
            TokenTree::Group(g) => g.stream(),
            _ => TokenStream::new(),
        }
    }

    pub fn span(&self) -> Span {
        self.tt.span()
    }

    pub fn is(&self, word: &str) -> bool {
        self.word.as_deref() == Some(word)
    }

    pub fn punct(&self, ch: char) -> bool {
        matches!(&self.tt, TokenTree::Punct(p) if p.as_char() == ch)
    }

    pub fn joint(&self, ch: char) -> bool {
        matches!(&self.tt, TokenTree::Punct(p) if p.as_char() == ch && p.spacing() == Spacing::Joint)
    }

    pub fn group(&self, delimiter: Delimiter) -> Option<&Group> {
        match &self.tt {
            TokenTree::Group(g) if g.delimiter() == delimiter => Some(g),
            _ => None,
        }
    }

    /// An identifier that can end an operand (`c`, `self`), not a keyword that starts an expression.
    pub fn operand_word(&self) -> bool {
        self.word.as_deref().is_some_and(|w| !is_keyword(w))
    }
}

pub fn toks(ts: TokenStream) -> Vec<Tok> {
    ts.into_iter().map(Tok::new).collect()
}

pub fn stream(toks: &[Tok]) -> TokenStream {
    toks.iter().map(|t| t.tt.clone()).collect()
}

/// Rust's keywords (one list, in `case`): an operand never ends with one of them.
pub use crate::case::is_keyword;

/// `::` at `toks[i]` (two `:` puncts, the first joint).
pub fn path_sep(toks: &[Tok], i: usize) -> bool {
    i + 1 < toks.len() && toks[i].joint(':') && toks[i + 1].punct(':')
}

/// The parts of `toks` between top-level `sep` puncts (the separators dropped); a trailing empty
/// part is kept only when `keep_empty_tail`.
pub fn split(toks: &[Tok], sep: char) -> Vec<&[Tok]> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if t.punct(sep) && !(sep == ':' && (t.joint(':') || (i > 0 && toks[i - 1].joint(':')))) {
            parts.push(&toks[start..i]);
            start = i + 1;
        }
    }
    if start < toks.len() {
        parts.push(&toks[start..]);
    }
    parts
}

/// The only token of `toks`, looking through invisible groups (a `$e:expr` of a `macro_rules!`).
pub fn single(toks: &[Tok]) -> Option<&Tok> {
    match toks {
        [t] => match t.group(Delimiter::None) {
            Some(_) => single(t.inner()),
            None => Some(t),
        },
        _ => None,
    }
}

/// A string literal as written: its value and the span of its token.
#[derive(Clone)]
pub struct Str {
    value: String,
    span: Span,
}

impl Str {
    pub fn value(&self) -> String {
        self.value.clone()
    }

    pub fn span(&self) -> Span {
        self.span
    }
}

/// A string literal token (`"NAME"`, `r"NAME"`), read.
pub fn lit_str(toks: &[Tok]) -> Option<Str> {
    let t = single(toks)?;
    let (TokenTree::Literal(l), Some(text)) = (&t.tt, t.lit.as_deref()) else {
        return None;
    };
    // The common `"NAME"` is read here; escapes, raw strings and suffixes go through syn. (A byte
    // loop: the macro crate is built without optimisation, where a `contains([..])` over chars
    // cost more than the rest of reading the literal.)
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        if !inner.bytes().any(|b| b == b'\\' || b == b'"') {
            return Some(Str {
                value: inner.to_owned(),
                span: l.span(),
            });
        }
    }
    if !(text.starts_with('"') || text.starts_with('r')) {
        return None;
    }
    let lit = syn::parse2::<syn::LitStr>(TokenStream::from(t.tt.clone())).ok()?;
    Some(Str {
        value: lit.value(),
        span: lit.span(),
    })
}

/// `a::b::C` as written: identifiers joined by `::` (a leading `::` allowed), nothing else.
pub fn path_words(toks: &[Tok]) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut i = usize::from(path_sep(toks, 0)) * 2;
    loop {
        words.push(toks.get(i)?.word.clone()?);
        i += 1;
        if i == toks.len() {
            return Some(words);
        }
        if !path_sep(toks, i) {
            return None;
        }
        i += 2;
    }
}

pub fn ident(word: &str, span: Span) -> TokenTree {
    TokenTree::Ident(Ident::new(word, span))
}

pub fn dot(span: Span) -> TokenTree {
    let mut p = Punct::new('.', Spacing::Alone);
    p.set_span(span);
    TokenTree::Punct(p)
}

pub fn group(delimiter: Delimiter, inner: TokenStream, span: Span) -> TokenTree {
    let mut g = Group::new(delimiter, inner);
    g.set_span(span);
    TokenTree::Group(g)
}

/// The tokens of `ts`, every one spanned at `span` (groups too).
pub fn respan(ts: TokenStream, span: Span) -> TokenStream {
    ts.into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                tt = group(g.delimiter(), respan(g.stream(), span), span);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Vec<Tok> {
        toks(s.parse().unwrap_or_default())
    }

    #[test]
    fn splits_at_top_level_only() {
        let v = t("a, f(b, c), [d, e] , g");
        let parts = split(&v, ',');
        assert_eq!(parts.len(), 4);
        assert_eq!(stream(parts[1]).to_string(), "f (b , c)");
        let v = t("a::b: c");
        assert_eq!(split(&v, ':').len(), 2);
    }

    #[test]
    fn reads_literals_and_paths() {
        assert_eq!(
            lit_str(&t("\"A_B\"")).map(|l| l.value()).as_deref(),
            Some("A_B")
        );
        assert!(lit_str(&t("12")).is_none() && lit_str(&t("x")).is_none());
        assert_eq!(
            lit_str(&t(r#""a\"b""#)).map(|l| l.value()).as_deref(),
            Some("a\"b")
        );
        assert_eq!(
            lit_str(&t(r##"r#"x"y"#"##)).map(|l| l.value()).as_deref(),
            Some("x\"y")
        );
        assert_eq!(
            path_words(&t("::a::B")),
            Some(vec!["a".to_owned(), "B".to_owned()])
        );
        assert_eq!(path_words(&t("a::B()")), None);
    }
}
