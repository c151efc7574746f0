//! Reading the `use_secrets` DSL out of ordinary Rust expressions.
//!
//! `stack!` accepts plain Rust (functions or one expression). This module finds the method chains
//! that build stacks (`Stack::from_template(..)...use_secrets(m, |c| { .. })`), reads each
//! `c.secrets(..)` chain into a model, reports what is wrong with it syntactically, and rewrites
//! `inject(kind { .. })` into the runtime builder call `inject_as(..)`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, ExprMethodCall, GenericArgument, Ident, Lit, LitStr, Pat, Type};

use crate::attr::Errors;

/// A strategy kind as written in `.inject(kind { .. })`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Env,
    EnvFrom,
    ImagePullSecret,
    Volume,
}

impl Kind {
    fn from_ident(s: &str) -> Option<Kind> {
        Some(match s {
            "env" => Kind::Env,
            "env_from" => Kind::EnvFrom,
            "image_pull_secret" => Kind::ImagePullSecret,
            "volume" => Kind::Volume,
            _ => return None,
        })
    }

    pub fn variant(self) -> &'static str {
        match self {
            Kind::Env => "Env",
            Kind::EnvFrom => "EnvFrom",
            Kind::ImagePullSecret => "ImagePullSecret",
            Kind::Volume => "Volume",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Env => "env",
            Kind::EnvFrom => "env_from",
            Kind::ImagePullSecret => "image_pull_secret",
            Kind::Volume => "volume",
        }
    }

    /// The options each kind takes, in the order they are documented.
    fn options(self) -> &'static [&'static str] {
        const CONTAINER: [&str; 4] = [
            "container_index",
            "container_name",
            "init_container_index",
            "init_container_name",
        ];
        match self {
            Kind::Env => &[
                CONTAINER[0],
                CONTAINER[1],
                CONTAINER[2],
                CONTAINER[3],
                "key",
                "target_path",
            ],
            Kind::EnvFrom => &[
                CONTAINER[0],
                CONTAINER[1],
                CONTAINER[2],
                CONTAINER[3],
                "prefix",
            ],
            Kind::ImagePullSecret => &[],
            Kind::Volume => &[
                CONTAINER[0],
                CONTAINER[1],
                CONTAINER[2],
                CONTAINER[3],
                "mount_path",
                "items",
                "default_mode",
                "volume_name",
            ],
        }
    }
}

/// Which container an injection names, when it is written as a literal.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ContainerLit {
    Index(usize),
    Name(String),
    /// Not a literal: cannot be compared at compile time.
    Unknown,
}

/// `.inject(kind { options })`.
pub struct StrategySpec {
    pub kind: Kind,
    pub span: Span,
    pub key: Option<LitStr>,
    /// `key` given as an expression that is not a literal: key checks are left to run time.
    pub key_dynamic: bool,
    pub container: ContainerLit,
    pub init: bool,
    pub explicit_path: bool,
}

/// The strategy of an injection as far as the macro can tell.
#[derive(Default)]
pub enum StrategyState {
    /// `.inject()`: the provider's only strategy.
    #[default]
    Default,
    /// `.inject(kind { .. })`.
    Spec(StrategySpec),
    /// `.inject_as(expr)`: a run-time value, checked at run time.
    Opaque,
}

/// One `c.secrets(..)...` statement.
pub struct InjectionChain {
    /// The secret name, when written as a string literal.
    pub secret: Option<LitStr>,
    pub for_name: Option<LitStr>,
    pub strategy: StrategyState,
    pub inject_span: Span,
    pub resource: Option<LitStr>,
    /// `for_name(..)` or `into_resource(..)` is not a literal: duplicate checks are left to run time.
    pub dynamic: bool,
}

/// One `.use_secrets(manager, |c| { .. })` block.
pub struct UseSecrets {
    /// The secret set type, when it can be told (turbofish or a typed function parameter).
    pub set: Option<Type>,
    pub default_resource: Option<LitStr>,
    pub chains: Vec<InjectionChain>,
}

/// What the stack's resources are, when they can be told at compile time.
#[derive(Clone)]
pub enum ResourcesOf {
    /// `Stack::from_template(T, ..)`: `<T as Template>::Output`.
    Template(syn::Path),
    /// `Stack::from_static(.., S { .. })`: `S`.
    Static(syn::Path),
}

impl ResourcesOf {
    pub fn tokens(&self) -> TokenStream {
        match self {
            ResourcesOf::Template(p) => {
                let name = path_name(p);
                quote!(::kubricate::__private::checks::ResInfo::of::<<#p as ::kubricate::Template>::Output>("stack template", #name))
            }
            ResourcesOf::Static(p) => {
                let name = path_name(p);
                quote!(::kubricate::__private::checks::ResInfo::of::<#p>("static stack", #name))
            }
        }
    }
}

fn path_name(p: &syn::Path) -> String {
    p.segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

/// A stack-building chain with its `use_secrets` blocks in order.
pub struct StackChain {
    pub resources: Option<ResourcesOf>,
    pub blocks: Vec<UseSecrets>,
    /// Top-level keys of `.override(json!({ "id": .. }))` patches: resource ids.
    pub override_keys: Vec<LitStr>,
}

/// The string keys at the top level of a `json!({ "k": v, .. })` body.
fn json_object_keys(tokens: &TokenStream) -> Vec<LitStr> {
    let mut keys = Vec::new();
    let Some(proc_macro2::TokenTree::Group(g)) = tokens.clone().into_iter().next() else {
        return keys;
    };
    if g.delimiter() != proc_macro2::Delimiter::Brace {
        return keys;
    }
    let mut expect_key = true;
    let mut iter = g.stream().into_iter().peekable();
    while let Some(tt) = iter.next() {
        match &tt {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == ',' => expect_key = true,
            proc_macro2::TokenTree::Literal(_) if expect_key => {
                if let Ok(lit) = syn::parse2::<LitStr>(tt.to_token_stream()) {
                    if matches!(iter.peek(), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == ':')
                    {
                        keys.push(lit);
                    }
                }
                expect_key = false;
            }
            _ => expect_key = false,
        }
    }
    keys
}

/// Everything `stack!` learns while reading the input.
#[derive(Default)]
pub struct Analysis {
    pub stacks: Vec<StackChain>,
    pub errors: Errors,
}

/// Function parameters and `let` bindings whose types or origins tell the set or resources.
#[derive(Default, Clone)]
pub struct Scope {
    /// parameter name -> secret set type (from `&SecretManager<Set>`).
    pub managers: Vec<(Ident, Type)>,
    /// local name -> resources of the stack bound to it.
    pub stacks: Vec<(Ident, Option<ResourcesOf>)>,
}

/// The `Set` of a `SecretManager<Set>` type (through references).
pub fn manager_set(ty: &Type) -> Option<Type> {
    match ty {
        Type::Reference(r) => manager_set(&r.elem),
        Type::Paren(p) => manager_set(&p.elem),
        Type::Group(g) => manager_set(&g.elem),
        Type::Path(p) => {
            let last = p.path.segments.last()?;
            if last.ident != "SecretManager" {
                return None;
            }
            match &last.arguments {
                syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
                    GenericArgument::Type(t) => Some(t.clone()),
                    _ => None,
                }),
                _ => None,
            }
        }
        _ => None,
    }
}

fn single_ident(expr: &Expr) -> Option<&Ident> {
    match expr {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident(),
        Expr::Reference(r) => single_ident(&r.expr),
        Expr::Paren(p) => single_ident(&p.expr),
        Expr::Group(g) => single_ident(&g.expr),
        _ => None,
    }
}

fn lit_str(expr: &Expr) -> Option<LitStr> {
    match expr {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(s.clone()),
            _ => None,
        },
        Expr::Group(g) => lit_str(&g.expr),
        Expr::Paren(p) => lit_str(&p.expr),
        _ => None,
    }
}

fn lit_usize(expr: &Expr) -> Option<usize> {
    match expr {
        Expr::Lit(l) => match &l.lit {
            Lit::Int(i) => i.base10_parse().ok(),
            _ => None,
        },
        Expr::Group(g) => lit_usize(&g.expr),
        _ => None,
    }
}

impl Analysis {
    /// Reads a stack-building chain; returns what it knows of the stack's resources, or `None` when
    /// `expr` is not a stack chain.
    pub fn stack_chain(
        &mut self,
        expr: &mut Expr,
        scope: &Scope,
        chain: &mut StackChain,
    ) -> Option<Option<ResourcesOf>> {
        match expr {
            Expr::MethodCall(mc) => {
                let resources = self.stack_chain(&mut mc.receiver, scope, chain)?;
                let method = mc.method.to_string();
                if method == "use_secrets" || method == "use_secrets_any" {
                    let block = self.use_secrets(mc, scope);
                    chain.blocks.push(block);
                }
                if method == "r#override" || method == "override_with" {
                    if let Some(Expr::Macro(m)) = mc.args.first() {
                        chain.override_keys.extend(json_object_keys(&m.mac.tokens));
                    }
                }
                Some(resources)
            }
            Expr::Call(call) => {
                let Expr::Path(f) = &*call.func else {
                    return None;
                };
                let segs: Vec<String> = f
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let n = segs.len();
                if n < 2 || segs[n - 2] != "Stack" {
                    return None;
                }
                match segs[n - 1].as_str() {
                    "from_template" => Some(call.args.first().and_then(|a| match a {
                        Expr::Path(p) if p.qself.is_none() => {
                            Some(ResourcesOf::Template(p.path.clone()))
                        }
                        _ => None,
                    })),
                    "from_static" => Some(call.args.iter().nth(1).and_then(|a| match a {
                        Expr::Struct(s) => Some(ResourcesOf::Static(s.path.clone())),
                        _ => None,
                    })),
                    "from_resources" => Some(None),
                    _ => None,
                }
            }
            Expr::Paren(p) => self.stack_chain(&mut p.expr, scope, chain),
            Expr::Group(g) => self.stack_chain(&mut g.expr, scope, chain),
            Expr::Path(_) => {
                let ident = single_ident(expr)?;
                scope
                    .stacks
                    .iter()
                    .rev()
                    .find(|(n, _)| n == ident)
                    .map(|(_, r)| r.clone())
            }
            _ => None,
        }
    }

    fn use_secrets(&mut self, mc: &mut ExprMethodCall, scope: &Scope) -> UseSecrets {
        let turbofish = mc.turbofish.as_ref().and_then(|t| {
            t.args.iter().find_map(|g| match g {
                GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
        });
        let set = turbofish.or_else(|| {
            let ident = mc.args.first().and_then(single_ident)?;
            scope
                .managers
                .iter()
                .find(|(n, _)| n == ident)
                .map(|(_, t)| t.clone())
        });
        let mut block = UseSecrets {
            set,
            default_resource: None,
            chains: Vec::new(),
        };
        let Some(Expr::Closure(closure)) = mc.args.iter_mut().nth(1) else {
            return block;
        };
        let Some(Pat::Ident(param)) = closure.inputs.first() else {
            return block;
        };
        let c = param.ident.clone();
        let stmts: Vec<&mut Expr> = match &mut *closure.body {
            Expr::Block(b) => b
                .block
                .stmts
                .iter_mut()
                .filter_map(|s| match s {
                    syn::Stmt::Expr(e, _) => Some(e),
                    _ => None,
                })
                .collect(),
            other => vec![other],
        };
        for stmt in stmts {
            if let Expr::MethodCall(m) = &*stmt {
                if m.method == "set_default_resource_id" && single_ident(&m.receiver) == Some(&c) {
                    block.default_resource = m.args.first().and_then(lit_str);
                    continue;
                }
            }
            let span = stmt.span();
            let whole = stmt.to_token_stream();
            if let Some(chain) = self.injection(stmt, &c) {
                match chain {
                    Partial {
                        injected: false,
                        secret,
                        ..
                    } => {
                        let shown = secret
                            .as_ref()
                            .map_or_else(|| "..".to_owned(), |s| format!("{:?}", s.value()));
                        let name = secret.as_ref().map_or_else(
                            || "the secret".to_owned(),
                            |s| format!("`{}`", s.value()),
                        );
                        self.errors.push(syn::Error::new_spanned(
                            &whole,
                            format!("no injection strategy defined for secret {name}: the chain `{c}.secrets({shown})` never calls `.inject()`; add `.inject()`"),
                        ));
                    }
                    Partial {
                        secret,
                        for_name,
                        strategy,
                        inject_span,
                        resource,
                        dynamic,
                        ..
                    } => block.chains.push(InjectionChain {
                        secret,
                        for_name,
                        strategy,
                        inject_span: inject_span.unwrap_or(span),
                        resource,
                        dynamic,
                    }),
                }
            }
        }
        block
    }

    /// Reads `c.secrets(..)...`; `None` when the statement is not such a chain.
    fn injection(&mut self, expr: &mut Expr, c: &Ident) -> Option<Partial> {
        let Expr::MethodCall(mc) = expr else {
            return None;
        };
        let method = mc.method.to_string();
        if method == "secrets" && single_ident(&mc.receiver) == Some(c) {
            return Some(Partial {
                secret: mc.args.first().and_then(lit_str),
                ..Partial::default()
            });
        }
        let mut p = self.injection(&mut mc.receiver, c)?;
        match method.as_str() {
            "for_name" => {
                p.for_name = mc.args.first().and_then(lit_str);
                p.dynamic |= p.for_name.is_none();
            }
            "into_resource" => {
                p.resource = mc.args.first().and_then(lit_str);
                p.dynamic |= p.resource.is_none();
            }
            "inject_as" => {
                p.injected = true;
                p.inject_span = Some(mc.method.span());
                // A runtime strategy value: its kind is not known here.
                p.strategy = StrategyState::Opaque;
            }
            "inject" => {
                p.injected = true;
                p.inject_span = Some(mc.method.span());
                match mc.args.len() {
                    0 => {}
                    1 => {
                        if let Some(arg) = mc.args.first() {
                            match self.strategy(arg) {
                                Ok((spec, builder)) => {
                                    p.strategy = StrategyState::Spec(spec);
                                    mc.method = Ident::new("inject_as", mc.method.span());
                                    mc.args.clear();
                                    mc.args.push(builder);
                                }
                                Err(e) => {
                                    // Reported once; `inject()` keeps rustc from adding an arity error.
                                    self.errors.push(e);
                                    mc.args.clear();
                                    p.strategy = StrategyState::Opaque;
                                }
                            }
                        }
                    }
                    _ => self.errors.push(syn::Error::new(
                        mc.args.span(),
                        "`.inject(..)` takes one strategy, e.g. `.inject(env { container_index: 1 })`",
                    )),
                }
            }
            _ => {}
        }
        Some(p)
    }

    /// Reads `kind` or `kind { option: value, .. }` and builds the runtime strategy expression.
    fn strategy(&mut self, arg: &Expr) -> syn::Result<(StrategySpec, Expr)> {
        let (path, fields): (&syn::Path, Vec<(&syn::Member, &Expr)>) = match arg {
            Expr::Path(p) if p.qself.is_none() => (&p.path, Vec::new()),
            Expr::Struct(s) => {
                if let Some(rest) = &s.rest {
                    return Err(syn::Error::new_spanned(rest, "`..` is not supported in a strategy; list the options you set"));
                }
                (&s.path, s.fields.iter().map(|f| (&f.member, &f.expr)).collect())
            }
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    "expected a strategy: `env`, `env_from`, `image_pull_secret` or `volume`, optionally with options, e.g. `env { container_index: 1 }`",
                ))
            }
        };
        let name = path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_else(|| path.to_token_stream().to_string());
        let span = path.span();
        let Some(kind) = Kind::from_ident(&name) else {
            return Err(syn::Error::new(span, format!("unknown strategy `{name}`; expected `env`, `env_from`, `image_pull_secret` or `volume`")));
        };
        let mut spec = StrategySpec {
            kind,
            span,
            key: None,
            key_dynamic: false,
            container: ContainerLit::Index(0),
            init: false,
            explicit_path: false,
        };
        let mut errors = Errors::default();
        let mut calls = Vec::new();
        let mut mount_path: Option<&Expr> = None;
        let mut containers = 0;
        for (member, value) in fields {
            let syn::Member::Named(opt) = member else {
                errors.push(syn::Error::new_spanned(
                    member,
                    "strategy options are named, e.g. `container_index: 1`",
                ));
                continue;
            };
            let o = opt.to_string();
            if !kind.options().contains(&o.as_str()) {
                let takes = if kind.options().is_empty() {
                    "takes no options".to_owned()
                } else {
                    format!("takes: {}", kind.options().join(", "))
                };
                errors.push(syn::Error::new(
                    opt.span(),
                    format!(
                        "option `{o}` does not belong to the `{}` strategy; `{}` {takes}",
                        kind.name(),
                        kind.name()
                    ),
                ));
                continue;
            }
            match o.as_str() {
                "container_index" | "init_container_index" => {
                    containers += 1;
                    spec.init = o.starts_with("init");
                    spec.container =
                        lit_usize(value).map_or(ContainerLit::Unknown, ContainerLit::Index);
                }
                "container_name" | "init_container_name" => {
                    containers += 1;
                    spec.init = o.starts_with("init");
                    spec.container = lit_str(value)
                        .map_or(ContainerLit::Unknown, |l| ContainerLit::Name(l.value()));
                }
                "key" => match lit_str(value) {
                    Some(l) => spec.key = Some(l),
                    None => spec.key_dynamic = true,
                },
                "target_path" => spec.explicit_path = true,
                _ => {}
            }
            match o.as_str() {
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
                _ => calls.push(quote_spanned!(opt.span()=> .#opt(#value))),
            }
        }
        if containers > 1 {
            errors.push(syn::Error::new(span, "give at most one of container_index, container_name, init_container_index, init_container_name"));
        }
        let ctor = match kind {
            Kind::Env => quote_spanned!(span=> ::kubricate::strategy::env()),
            Kind::EnvFrom => quote_spanned!(span=> ::kubricate::strategy::env_from()),
            Kind::ImagePullSecret => {
                quote_spanned!(span=> ::kubricate::strategy::image_pull_secret())
            }
            Kind::Volume => match mount_path {
                Some(m) => quote_spanned!(span=> ::kubricate::strategy::volume(#m)),
                None => {
                    errors.push(syn::Error::new(span, "the `volume` strategy needs `mount_path`, e.g. `volume { mount_path: \"/etc/tls\" }`"));
                    quote!(::kubricate::strategy::volume(""))
                }
            },
        };
        errors.into_result()?;
        let builder: Expr = syn::parse2(quote!(#ctor #(#calls)*))?;
        Ok((spec, builder))
    }
}

/// A `c.secrets(..)` chain read so far.
#[derive(Default)]
struct Partial {
    secret: Option<LitStr>,
    for_name: Option<LitStr>,
    strategy: StrategyState,
    injected: bool,
    inject_span: Option<Span>,
    resource: Option<LitStr>,
    dynamic: bool,
}
