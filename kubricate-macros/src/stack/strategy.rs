//! The strategy syntax of `.inject(kind { option: value, .. })`, turned into the typed call of the
//! injection chain (`.inject_env(::kubricate::strategy::env().container_index(1))`, ...), whose bounds
//! check the strategy and `key` against the secret's provider type. The method name carries the span of
//! the user's `kind`, so rustc reports an unsupported strategy there.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, Ident};

use crate::attr::Errors;

/// A strategy kind as written in `.inject(kind { .. })`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Env,
    EnvFrom,
    ImagePullSecret,
    Volume,
}

const KINDS: [Kind; 4] = [
    Kind::Env,
    Kind::EnvFrom,
    Kind::ImagePullSecret,
    Kind::Volume,
];

const CONTAINER: [&str; 4] = [
    "container_index",
    "container_name",
    "init_container_index",
    "init_container_name",
];

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Env => "env",
            Kind::EnvFrom => "env_from",
            Kind::ImagePullSecret => "image_pull_secret",
            Kind::Volume => "volume",
        }
    }

    /// The options each kind takes besides the container, in the order they are documented. Each is
    /// a method of the runtime builder (`EnvStrategy::target_path`, ...), except `key` (an argument
    /// of `inject_env_key`), `mount_path` (of `strategy::volume`) and `items` (`.item(k, p)` each).
    fn own_options(self) -> &'static [&'static str] {
        match self {
            Kind::Env => &["key", "target_path"],
            Kind::EnvFrom => &["prefix"],
            Kind::ImagePullSecret => &[],
            Kind::Volume => &["mount_path", "items", "default_mode", "volume_name"],
        }
    }

    fn options(self) -> Vec<&'static str> {
        let mut all = Vec::new();
        if self != Kind::ImagePullSecret {
            all.extend(CONTAINER);
        }
        all.extend(self.own_options());
        all
    }
}

/// `containerIndex`, `container-index` and `ContainerIndex` all mean `container_index`.
fn loose(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The candidate `written` most likely means: same letters ignoring case and `_`, or one edit away.
pub fn near_miss<'a>(written: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let w = loose(written);
    candidates
        .iter()
        .find(|c| loose(c) == w)
        .or_else(|| {
            candidates
                .iter()
                .find(|c| edit_distance(&loose(c), &w) <= 2)
        })
        .copied()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn did_you_mean(s: Option<&str>) -> String {
    s.map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// What `.inject(arg)` becomes: the method to call and its arguments.
pub struct Call {
    pub method: Ident,
    pub args: TokenStream,
    /// The strategy (`None`: a run-time value passed to `inject_as`), for the duplicate check.
    pub kind: Option<Kind>,
    /// The container, when written as literals: `(init, index or name)`.
    pub container: Option<(bool, String)>,
    /// `target_path` is given: the injection needs no pod template.
    pub explicit_path: bool,
}

fn lit_str(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        Expr::Group(g) => lit_str(&g.expr),
        Expr::Paren(p) => lit_str(&p.expr),
        _ => None,
    }
}

fn lit_int(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse::<usize>().ok().map(|n| n.to_string()),
        Expr::Group(g) => lit_int(&g.expr),
        _ => None,
    }
}

/// Reads `kind` or `kind { option: value, .. }`; any other expression is a run-time strategy value.
pub fn read(arg: &Expr) -> syn::Result<Call> {
    let (path, fields): (&syn::Path, Vec<(&syn::Member, &Expr)>) = match arg {
        Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => (&p.path, Vec::new()),
        Expr::Struct(s) if s.path.get_ident().is_some() => {
            if let Some(rest) = &s.rest {
                return Err(syn::Error::new_spanned(
                    rest,
                    "`..` is not supported in a strategy; list the options you set",
                ));
            }
            (
                &s.path,
                s.fields.iter().map(|f| (&f.member, &f.expr)).collect(),
            )
        }
        // `strategy::env().container_index(1)`, a variable, ...: checked at run time.
        other => {
            return Ok(Call {
                method: Ident::new("inject_as", other.span()),
                args: other.to_token_stream(),
                kind: None,
                container: None,
                explicit_path: false,
            })
        }
    };
    let name = path.to_token_stream().to_string();
    let span = path.span();
    let Some(kind) = KINDS.into_iter().find(|k| k.name() == name) else {
        let names: Vec<&str> = KINDS.iter().map(|k| k.name()).collect();
        return Err(syn::Error::new(
            span,
            format!(
                "unknown strategy `{name}`; expected `env`, `env_from`, `image_pull_secret` or `volume`{}",
                did_you_mean(near_miss(&name, &names))
            ),
        ));
    };
    let mut errors = Errors::default();
    let mut calls = Vec::new();
    let mut key: Option<&Expr> = None;
    let mut mount_path: Option<&Expr> = None;
    let mut container = Some((false, "0".to_owned()));
    let mut containers = 0;
    let mut explicit_path = false;
    for (member, value) in fields {
        let syn::Member::Named(opt) = member else {
            errors.push(syn::Error::new_spanned(
                member,
                "strategy options are named, e.g. `container_index: 1`",
            ));
            continue;
        };
        let o = opt.to_string();
        let options = kind.options();
        if !options.contains(&o.as_str()) {
            let takes = if options.is_empty() {
                "takes no options".to_owned()
            } else {
                format!("takes: {}", options.join(", "))
            };
            let hint = match near_miss(&o, &options) {
                Some(m) => did_you_mean(Some(m)),
                None => KINDS
                    .iter()
                    .find(|k| k.options().contains(&o.as_str()))
                    .map(|k| format!("; `{o}` is an option of `{}`", k.name()))
                    .unwrap_or_default(),
            };
            errors.push(syn::Error::new(
                opt.span(),
                format!(
                    "option `{o}` does not belong to the `{}` strategy; `{}` {takes}{hint}",
                    kind.name(),
                    kind.name()
                ),
            ));
            continue;
        }
        match o.as_str() {
            "container_index" | "init_container_index" => {
                containers += 1;
                container = lit_int(value).map(|i| (o.starts_with("init"), i));
                calls.push(quote_spanned!(opt.span()=> .#opt(#value)));
            }
            "container_name" | "init_container_name" => {
                containers += 1;
                container = lit_str(value).map(|n| (o.starts_with("init"), format!("`{n}`")));
                calls.push(quote_spanned!(opt.span()=> .#opt(#value)));
            }
            "key" => key = Some(value),
            "mount_path" => mount_path = Some(value),
            "items" => {
                let Expr::Array(items) = value else {
                    errors.push(syn::Error::new_spanned(value, "`items` is a list of (key, path) pairs, e.g. `items: [(\"tls.crt\", \"cert.pem\")]`"));
                    continue;
                };
                for item in &items.elems {
                    match item {
                        Expr::Tuple(t) if t.elems.len() == 2 => {
                            let (k, p) = (&t.elems[0], &t.elems[1]);
                            calls.push(quote_spanned!(item.span()=> .item(#k, #p)));
                        }
                        other => errors.push(syn::Error::new_spanned(
                            other,
                            "each item is a `(key, path)` pair",
                        )),
                    }
                }
            }
            other => {
                explicit_path |= other == "target_path";
                calls.push(quote_spanned!(opt.span()=> .#opt(#value)));
            }
        }
    }
    if containers > 1 {
        errors.push(syn::Error::new(span, "give at most one of container_index, container_name, init_container_index, init_container_name"));
    }
    let ctor = match kind {
        Kind::Env => quote_spanned!(span=> ::kubricate::strategy::env()),
        Kind::EnvFrom => quote_spanned!(span=> ::kubricate::strategy::env_from()),
        Kind::ImagePullSecret => TokenStream::new(),
        Kind::Volume => match mount_path {
            Some(m) => quote_spanned!(span=> ::kubricate::strategy::volume(#m)),
            None => {
                errors.push(syn::Error::new(span, "the `volume` strategy needs `mount_path`, e.g. `volume { mount_path: \"/etc/tls\" }`"));
                TokenStream::new()
            }
        },
    };
    errors.into_result()?;
    let (method, args) = match (kind, key) {
        (Kind::Env, Some(key)) => ("inject_env_key", quote!(#key, #ctor #(#calls)*)),
        (Kind::Env, None) => ("inject_env", quote!(#ctor #(#calls)*)),
        (Kind::EnvFrom, _) => ("inject_env_from", quote!(#ctor #(#calls)*)),
        (Kind::ImagePullSecret, _) => ("inject_image_pull_secret", TokenStream::new()),
        (Kind::Volume, _) => ("inject_volume", quote!(#ctor #(#calls)*)),
    };
    if kind == Kind::ImagePullSecret {
        container = None;
    }
    Ok(Call {
        method: format_ident!("{}", method, span = span),
        args,
        kind: Some(kind),
        container,
        explicit_path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses() {
        assert_eq!(
            near_miss("containerIndex", &CONTAINER),
            Some("container_index")
        );
        assert_eq!(near_miss("envFrom", &["env", "env_from"]), Some("env_from"));
        assert_eq!(near_miss("envv", &["env", "env_from"]), Some("env"));
        assert_eq!(near_miss("zzzzzz", &["env"]), None);
    }
}
