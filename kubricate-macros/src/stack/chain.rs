//! Reading one statement `c.secrets("X").for_name("Y").inject(..).into_resource("r");` from its tokens,
//! without changing it: for the checks `stack!` makes from syntax alone (a chain without `.inject()`,
//! two literal chains of one block defining the same variable).

use proc_macro2::{Delimiter, Span};

use super::strategy::{self, Kind};
use super::tokens::{is_keyword, lit_str, Str, Tok};

/// One `X.secrets(..)...` chain as written. Tokens are borrowed, not collected into streams: a
/// stream is a round trip to the compiler, and only a message needs one.
pub struct Chain<'a> {
    /// The secret, when a string literal.
    pub secret: Option<Str>,
    /// The parenthesized argument of `secrets(..)`, for messages.
    pub secret_arg: &'a Tok,
    /// `for_name(..)`: `Some(None)` when not a literal.
    pub for_name: Option<Option<Str>>,
    /// Whether an `inject*` method is called.
    pub injected: bool,
    /// The strategy, when `.inject()` (`Some(None)`) or `.inject(kind {..})` (`Some(Some(kind))`).
    pub kind: Option<Option<Kind>>,
    /// The container, when written as literals (`.inject()` is container 0).
    pub container: Option<(bool, String)>,
    pub explicit_path: bool,
    /// `into_resource(..)`: `Some(None)` when not a literal.
    pub resource: Option<Option<Str>>,
    /// The statement's tokens, for the span of a message about the whole chain.
    pub tokens: &'a [Tok],
}

/// `. method (args)` at `toks[i]`: the method's name and the parenthesized group.
pub fn segment(toks: &[Tok], i: usize) -> Option<(&str, &Tok)> {
    if !toks.get(i)?.punct('.') {
        return None;
    }
    let method = toks.get(i + 1)?.word.as_deref()?;
    let args = toks.get(i + 2)?;
    args.group(Delimiter::Parenthesis)?;
    Some((method, args))
}

/// The strategy call an `.inject(args)` argument means, when it reads as one; read once per
/// argument group, whichever pass asks first.
pub fn strategy_of(args: &Tok) -> Option<&syn::Result<strategy::Call>> {
    args.strategy
        .get_or_init(|| {
            let expr = syn::parse2::<syn::Expr>(args.stream()).ok()?;
            Some(strategy::read(&expr))
        })
        .as_ref()
}

/// Reads the statement `stmt` (without its `;`) as an injection chain; `None` when it is not one.
pub fn read(stmt: &[Tok]) -> Option<Chain<'_>> {
    // A statement that ends in a block (`if .. { .. }`, an item) and the chain after it share one
    // `;`-separated part: the chain starts after the last top-level block.
    let start = stmt
        .iter()
        .rposition(|t| t.group(Delimiter::Brace).is_some())
        .map_or(0, |i| i + 1);
    let mut stmt = &stmt[start..];
    while stmt.len() >= 2 && stmt[0].punct('#') && stmt[1].group(Delimiter::Bracket).is_some() {
        stmt = &stmt[2..];
    }
    let at = (1..stmt.len())
        .find(|&i| segment(stmt, i).is_some_and(|(m, _)| m == "secrets" || m == "secret"))?;
    // The receiver is an operand: `let x = ..`, `return ..` and the like are not chain statements.
    if stmt[..at].iter().any(|t| {
        t.punct('=')
            || t.word
                .as_deref()
                .is_some_and(|w| w != "mut" && is_keyword(w))
    }) {
        return None;
    }
    let (_, args) = segment(stmt, at)?;
    let mut chain = Chain {
        secret: lit_str(args.inner()),
        secret_arg: args,
        for_name: None,
        injected: false,
        kind: None,
        container: None,
        explicit_path: false,
        resource: None,
        tokens: stmt,
    };
    let mut i = at + 3;
    while i < stmt.len() {
        let (method, args) = segment(stmt, i)?;
        let first = args.inner().split(|t| t.punct(',')).next().unwrap_or(&[]);
        match method {
            "for_name" => chain.for_name = Some(lit_str(first)),
            "into_resource" => chain.resource = Some(lit_str(first)),
            m if m.starts_with("inject") => {
                chain.injected = true;
                if m == "inject" && args.inner().is_empty() {
                    chain.kind = Some(None);
                    chain.container = Some((false, "0".to_owned()));
                } else if m == "inject" {
                    if let Some(Ok(call)) = strategy_of(args) {
                        chain.kind = call.kind.map(Some);
                        chain.container = call.container.clone();
                        chain.explicit_path = call.explicit_path;
                    }
                }
            }
            _ => {}
        }
        i += 3;
    }
    Some(chain)
}

/// (variable, container (init container?, which), resource) of an `env` injection written with
/// literals only.
pub type EnvIdentity = (String, (bool, String), Option<String>);

/// The identity of a variable a chain defines, when every part of it is a literal: (variable,
/// container, resource). Two sibling chains with one identity define one variable twice.
pub fn env_identity(chain: &Chain) -> Option<EnvIdentity> {
    let secret = chain.secret.as_ref()?.value();
    if !matches!(chain.kind, Some(None) | Some(Some(Kind::Env))) || chain.explicit_path {
        return None;
    }
    let target = match &chain.for_name {
        None => secret,
        Some(Some(l)) => l.value(),
        Some(None) => return None,
    };
    // Compared as read; written out (`init container 0`) only for a message.
    let container = chain.container.clone()?;
    let resource = match &chain.resource {
        None => None,
        Some(Some(l)) => Some(l.value()),
        Some(None) => return None,
    };
    Some((target, container, resource))
}

/// Where a duplicate is reported: the variable's name as written.
pub fn target_span(chain: &Chain) -> Span {
    match (&chain.for_name, &chain.secret) {
        (Some(Some(l)), _) => l.span(),
        (_, Some(s)) => s.span(),
        _ => Span::call_site(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tokens::toks;
    use super::*;

    #[test]
    fn a_strategy_argument_is_read_once_for_every_pass() {
        let body = toks(
            "c.secrets(\"A\").inject(env { container_index: 1 })"
                .parse()
                .unwrap(),
        );
        let (_, args) = segment(&body, 4).expect("the inject segment");
        let first = strategy_of(args).expect("a strategy") as *const _;
        let second = strategy_of(args).expect("a strategy") as *const _;
        assert_eq!(
            first, second,
            "the second pass reuses the first one's reading"
        );
        let chain = read(&body).expect("a chain");
        assert_eq!(chain.kind, Some(Some(Kind::Env)));
        assert_eq!(chain.container, Some((false, "1".to_owned())));
    }
}
