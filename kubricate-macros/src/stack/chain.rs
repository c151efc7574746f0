//! Reading `c.secrets("X").for_name("Y").inject(..).into_resource("r")` chains, without changing them:
//! for the checks `stack!` makes from syntax alone (a chain without `.inject()`, two literal chains of
//! one block defining the same variable).

use proc_macro2::Span;
use syn::{Expr, LitStr};

use super::strategy::{self, Kind};

/// One `X.secrets(..)...` chain as written.
pub struct Chain {
    /// The secret, when a string literal.
    pub secret: Option<LitStr>,
    /// The whole argument of `secrets(..)`, for messages.
    pub secret_text: String,
    /// `for_name(..)`: `Some(None)` when not a literal.
    pub for_name: Option<Option<LitStr>>,
    /// Whether an `inject*` method is called.
    pub injected: bool,
    /// The strategy, when `.inject()` (`Some(None)`) or `.inject(kind {..})` (`Some(Some(kind))`).
    pub kind: Option<Option<Kind>>,
    /// The container, when written as literals (`.inject()` is container 0).
    pub container: Option<(bool, String)>,
    pub explicit_path: bool,
    /// `into_resource(..)`: `Some(None)` when not a literal.
    pub resource: Option<Option<LitStr>>,
}

pub fn lit_str(expr: &Expr) -> Option<LitStr> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.clone()),
        Expr::Group(g) => lit_str(&g.expr),
        Expr::Paren(p) => lit_str(&p.expr),
        _ => None,
    }
}

/// Reads `expr` as an injection chain; `None` when it is not one.
pub fn read(expr: &Expr) -> Option<Chain> {
    let Expr::MethodCall(mc) = expr else {
        return None;
    };
    let method = mc.method.to_string();
    if (method == "secrets" || method == "secret") && mc.args.len() == 1 {
        let arg = mc.args.first()?;
        return Some(Chain {
            secret: lit_str(arg),
            secret_text: quote::ToTokens::to_token_stream(arg).to_string(),
            for_name: None,
            injected: false,
            kind: None,
            container: None,
            explicit_path: false,
            resource: None,
        });
    }
    let mut chain = read(&mc.receiver)?;
    let first = mc.args.first();
    match method.as_str() {
        "for_name" => chain.for_name = Some(first.and_then(lit_str)),
        "into_resource" => chain.resource = Some(first.and_then(lit_str)),
        m if m.starts_with("inject") => {
            chain.injected = true;
            match (m, first) {
                ("inject", None) => {
                    chain.kind = Some(None);
                    chain.container = Some((false, "0".to_owned()));
                }
                ("inject", Some(arg)) => {
                    if let Ok(call) = strategy::read(arg) {
                        chain.kind = call.kind.map(Some);
                        chain.container = call.container;
                        chain.explicit_path = call.explicit_path;
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
    Some(chain)
}

/// (variable, container, resource) of an `env` injection written with literals only.
pub type EnvIdentity = (String, String, Option<String>);

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
    let (init, which) = chain.container.clone()?;
    let container = format!(
        "{}{which}",
        if init {
            "init container "
        } else {
            "container "
        }
    );
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
