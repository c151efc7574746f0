//! `stack!`: stacks written in ordinary Rust, with the `use_secrets` wiring checked by the compiler.
//!
//! The macro rewrites, wherever they appear in its body (loops, `if`s, nested blocks, closures, helper
//! functions, `let`-split chains):
//! - `c.secrets("NAME")` into `c.secret(c.names().NAME)` (another receiver `X` is evaluated once:
//!   `{ let c = injector(X); c.secret(c.names().NAME) }`): a field access on the
//!   names the injector's own set hands out, so rustc resolves the set from the type of `X` and a
//!   misspelt name is its "no field `NAME`", with "a field with a similar name exists";
//! - `.inject(kind { .. })` into the typed strategy call (`.inject_env(strategy::env()..)`, ...), whose
//!   bounds check the strategy and `key` against the secret's provider type.
//!
//! What only syntax shows is checked here (a chain without `.inject()`, two literal chains of one
//! block defining one variable, strategy options); resource ids become field accesses on the
//! resources' ids struct through [`resources`].
//! A run-time set (`use_secrets_any`) or a generic one (a type parameter of the function) keeps its
//! string names, checked when the stack is built with the same words.

mod chain;
mod resources;
mod strategy;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Ident, Stmt};

use crate::attr::Errors;

/// `override` is a reserved word; the docs write `.override(..)`, the runtime method is `r#override`.
fn raw_override(input: TokenStream) -> TokenStream {
    input
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Ident(i) if i == "override" => {
                TokenTree::Ident(proc_macro2::Ident::new_raw("override", i.span()))
            }
            TokenTree::Group(g) => {
                let mut ng = proc_macro2::Group::new(g.delimiter(), raw_override(g.stream()));
                ng.set_span(g.span());
                TokenTree::Group(ng)
            }
            other => other,
        })
        .collect()
}

#[derive(Default)]
struct Walker {
    errors: Errors,
    /// Type parameters of the enclosing function.
    generics: Vec<Ident>,
    /// The enclosing function takes its secret set as a type parameter: names stay strings.
    generic_set: bool,
    /// Depth inside closures given to `use_secrets_any` (a run-time set: names stay strings).
    any_depth: usize,
    /// Parameters of the enclosing function typed as a run-time set's manager (`&SecretManager`,
    /// `&SecretManager<Dynamic>`) and never rebound in its body: `use_secrets` on one of them keeps
    /// its string names, checked at run time, as `use_secrets_any` does.
    dynamic_params: Vec<Ident>,
}

/// Whether a type parameter of `sig` is the secret set (`SecretManager<S>`, `Injector<S>`, `S: SecretSet`).
fn takes_generic_set(sig: &syn::Signature) -> bool {
    let params: Vec<String> = sig
        .generics
        .type_params()
        .map(|p| p.ident.to_string())
        .collect();
    if params.is_empty() {
        return false;
    }
    let text = quote!(#sig).to_string();
    let bounded = text.contains("SecretSet");
    let in_manager = ["SecretManager", "Injector"].iter().any(|ty| {
        text.match_indices(ty).any(|(at, _)| {
            let rest = &text[at + ty.len()..];
            let args = rest.trim_start().strip_prefix('<').unwrap_or("");
            let args = args.split('>').next().unwrap_or("");
            params.iter().any(|p| {
                args.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == p)
            })
        })
    });
    bounded || in_manager
}

/// Whether `ty` is the manager of a run-time set: `SecretManager`, `SecretManager<Dynamic>`, behind
/// `&`/`&mut` or not.
fn is_dynamic_manager(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => is_dynamic_manager(&r.elem),
        syn::Type::Paren(p) => is_dynamic_manager(&p.elem),
        syn::Type::Group(g) => is_dynamic_manager(&g.elem),
        syn::Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            if last.ident != "SecretManager" {
                return false;
            }
            match &last.arguments {
                syn::PathArguments::None => true,
                syn::PathArguments::AngleBracketed(a) => {
                    a.args.len() == 1
                        && matches!(a.args.first(), Some(syn::GenericArgument::Type(syn::Type::Path(t)))
                            if t.path.segments.last().is_some_and(|s| s.ident == "Dynamic"))
                }
                syn::PathArguments::Parenthesized(_) => false,
            }
        }
        _ => false,
    }
}

/// The identifiers a block binds anywhere (`let`, closure parameters, patterns of `for`/`match`).
#[derive(Default)]
struct Bindings(Vec<Ident>);

impl<'ast> syn::visit::Visit<'ast> for Bindings {
    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        self.0.push(p.ident.clone());
        syn::visit::visit_pat_ident(self, p);
    }
}

/// The parameters of `f` that are run-time sets' managers, unless rebound in its body.
fn dynamic_params(f: &syn::ItemFn) -> Vec<Ident> {
    let mut bound = Bindings::default();
    syn::visit::Visit::visit_block(&mut bound, &f.block);
    f.sig
        .inputs
        .iter()
        .filter_map(|arg| match arg {
            syn::FnArg::Typed(t) if is_dynamic_manager(&t.ty) => match &*t.pat {
                syn::Pat::Ident(p) if !bound.0.contains(&p.ident) => Some(p.ident.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// `Set::Variant` as a secret name: a path of two or more segments whose last two are UpperCamelCase
/// (a type and a variant; a `const` is SCREAMING_CASE, a module lower case). Parenthesized,
/// `(Type::Variant)` keeps the plain `SecretRef` form, for a hand-written `SecretRef` enum.
fn set_variant(arg: &Expr) -> Option<(syn::Path, Ident)> {
    let Expr::Path(p) = arg else { return None };
    if p.qself.is_some() || p.path.segments.len() < 2 {
        return None;
    }
    let camel = |i: &Ident| {
        let s = i.to_string();
        s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().any(|c| c.is_ascii_lowercase())
    };
    let mut set = p.path.clone();
    let variant = set.segments.pop()?.into_value();
    set.segments.pop_punct();
    let ty = set.segments.last()?;
    if !camel(&variant.ident)
        || !variant.arguments.is_none()
        || !camel(&ty.ident)
        || ty.ident == "Self"
    {
        return None;
    }
    Some((set, variant.ident))
}

impl Walker {
    /// Whether `mc` gives a run-time set's manager to its closure: `use_secrets_any(..)`, or
    /// `use_secrets(m, ..)` with `m` (or `&m`) a parameter typed `&SecretManager`.
    fn run_time_set(&self, mc: &syn::ExprMethodCall) -> bool {
        if mc.method == "use_secrets_any" {
            return true;
        }
        if mc.method != "use_secrets" {
            return false;
        }
        let mut arg = mc.args.first();
        while let Some(Expr::Reference(r)) = arg {
            arg = Some(&r.expr);
        }
        matches!(arg, Some(Expr::Path(p)) if p.path.get_ident().is_some_and(|i| self.dynamic_params.contains(i)))
    }

    /// `X.secrets("NAME")` → the typed form; `None` to leave the call as it is.
    fn typed_secret(&mut self, mc: &syn::ExprMethodCall) -> Option<Expr> {
        if self.any_depth > 0 || self.generic_set || mc.method != "secrets" || mc.args.len() != 1 {
            return None;
        }
        let arg = mc.args.first()?;
        if let Some((set, variant)) = set_variant(arg) {
            // `c.secrets(AppSecrets::DatabaseUrl)`: the set's names by variant, typed by provider.
            let secret = Ident::new("secret", mc.method.span());
            let receiver = &mc.receiver;
            return syn::parse2(quote_spanned! {variant.span()=>
                #receiver.#secret(<#set as ::kubricate::SecretSet>::VARIANTS.#variant)
            })
            .ok();
        }
        let lit = chain::lit_str(arg)?;
        let name = lit.value();
        if !crate::case::is_env_name(&name) {
            self.errors.push(syn::Error::new(
                lit.span(),
                format!("secret `{name}` cannot be declared in a secret set: a secret name is letters, digits and `_`, not starting with a digit"),
            ));
            return None;
        }
        // `self`, `crate`, ...: no field can spell them; the string form checks them at run time.
        let field = crate::case::field_ident(&name, lit.span())?;
        let receiver = &mc.receiver;
        // Spanned on the user's `secrets`, so an error about the chain (an unsatisfied bound of
        // `.inject()`) points at the chain, not at the whole macro; the field carries the literal's.
        let secret = Ident::new("secret", mc.method.span());
        // A variable (the usual `c`) is read twice at no cost: `c.secret(c.names().NAME)`, which
        // type-checks like the plain call. Anything else is evaluated once, into a reborrow.
        if let Expr::Path(p) = &**receiver {
            if p.qself.is_none() && p.path.get_ident().is_some() {
                return syn::parse2(quote_spanned! {mc.method.span()=>
                    #receiver.#secret(#receiver.names().#field)
                })
                .ok();
            }
        }
        let c = Ident::new("__kubricate_injector", Span::mixed_site());
        syn::parse2(quote_spanned! {mc.method.span()=>
            {
                let #c = ::kubricate::__private::injector(#receiver);
                #c.#secret(#c.names().#field)
            }
        })
        .ok()
    }

    /// The checks of one block's statements that only syntax shows.
    fn check_block(&mut self, block: &syn::Block) {
        let mut seen: Vec<(chain::EnvIdentity, String)> = Vec::new();
        for stmt in &block.stmts {
            let Stmt::Expr(expr, Some(_)) = stmt else {
                continue;
            };
            let Some(c) = chain::read(expr) else {
                continue;
            };
            if !c.injected {
                let name = c
                    .secret
                    .as_ref()
                    .map_or_else(|| "the secret".to_owned(), |s| format!("`{}`", s.value()));
                self.errors.push(syn::Error::new_spanned(
                    expr,
                    format!("no injection strategy defined for secret {name}: the chain `.secrets({})` never calls `.inject()`; add `.inject()`", c.secret_text),
                ));
                continue;
            }
            let Some(identity) = chain::env_identity(&c) else {
                continue;
            };
            let secret = c.secret.as_ref().map(|s| s.value()).unwrap_or_default();
            if let Some((_, first)) = seen.iter().find(|(i, _)| *i == identity) {
                let (target, container, resource) = &identity;
                let place = match resource {
                    Some(r) => format!("{container} of resource `{r}`"),
                    None => container.clone(),
                };
                let msg = if *first == secret {
                    format!("secret `{secret}` is injected twice as `{target}` into {place}; rename one with .for_name(\"...\") or remove the duplicate")
                } else {
                    format!("env var `{target}` is defined twice (by secrets `{first}` and `{secret}`) in {place}; rename one with .for_name(\"...\") or remove the duplicate")
                };
                self.errors
                    .push(syn::Error::new(chain::target_span(&c), msg));
            } else {
                seen.push((identity, secret));
            }
        }
    }
}

impl VisitMut for Walker {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        self.check_block(block);
        visit_mut::visit_block_mut(self, block);
    }

    fn visit_item_fn_mut(&mut self, f: &mut syn::ItemFn) {
        let dynamic = dynamic_params(f);
        let saved = (
            std::mem::take(&mut self.generics),
            self.generic_set,
            std::mem::replace(&mut self.dynamic_params, dynamic),
        );
        self.generics = f
            .sig
            .generics
            .type_params()
            .map(|p| p.ident.clone())
            .collect();
        self.generic_set = takes_generic_set(&f.sig);
        visit_mut::visit_item_fn_mut(self, f);
        (self.generics, self.generic_set, self.dynamic_params) = saved;
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Some(prepared) = resources::prepare(expr, &self.generics) {
            // The chain's receivers are the same chain: visit their arguments only.
            let mut e = &mut *expr;
            while let Expr::MethodCall(mc) = e {
                let any = self.run_time_set(mc);
                self.any_depth += usize::from(any);
                for arg in mc.args.iter_mut() {
                    self.visit_expr_mut(arg);
                }
                self.any_depth -= usize::from(any);
                e = &mut mc.receiver;
            }
            visit_mut::visit_expr_mut(self, e);
            if let Some(prepared) = prepared {
                resources::apply(expr, prepared);
            }
            return;
        }
        if let Expr::MethodCall(mc) = expr {
            if self.run_time_set(mc) {
                self.visit_expr_mut(&mut mc.receiver);
                self.any_depth += 1;
                for arg in mc.args.iter_mut() {
                    self.visit_expr_mut(arg);
                }
                self.any_depth -= 1;
                return;
            }
        }
        visit_mut::visit_expr_mut(self, expr);
        let Expr::MethodCall(mc) = expr else {
            return;
        };
        if mc.method == "inject" && mc.args.len() == 1 {
            if let Some(arg) = mc.args.first() {
                match strategy::read(arg) {
                    Ok(call) => {
                        mc.method = call.method;
                        let args = call.args;
                        mc.args = syn::parse_quote!(#args);
                    }
                    Err(e) => {
                        // Reported once; `inject()` keeps rustc from adding an arity error.
                        self.errors.push(e);
                        mc.method = Ident::new("inject_as", mc.method.span());
                        mc.args =
                            syn::parse_quote!(::kubricate::strategy::Strategy::ImagePullSecret);
                    }
                }
            }
        } else if let Some(typed) = self.typed_secret(mc) {
            *expr = typed;
        }
    }
}

fn starts_items(input: &TokenStream) -> bool {
    match input.clone().into_iter().next() {
        Some(TokenTree::Punct(p)) => p.as_char() == '#',
        Some(TokenTree::Ident(i)) => [
            "pub", "fn", "const", "async", "unsafe", "extern", "use", "struct", "enum", "impl",
            "mod", "static", "type", "trait",
        ]
        .iter()
        .any(|k| i == k),
        _ => false,
    }
}

pub fn expand(input: TokenStream) -> TokenStream {
    let input = raw_override(input);
    let mut walker = Walker::default();
    if starts_items(&input) {
        // Input that does not parse is given back as it is: rustc reports the syntax error itself,
        // and an IDE can still complete inside a half-written body.
        let Ok(file) = syn::parse2::<syn::File>(input.clone()) else {
            return input;
        };
        let mut out = TokenStream::new();
        for mut item in file.items {
            walker.visit_item_mut(&mut item);
            out.extend(quote!(#item));
        }
        if let Some(e) = walker.errors.take() {
            out.extend(e.to_compile_error());
        }
        out
    } else {
        let Ok(mut expr) = syn::parse2::<Expr>(input.clone()) else {
            return input;
        };
        walker.visit_expr_mut(&mut expr);
        let errors = walker.errors.take().map(|e| e.to_compile_error());
        quote!({ #errors #expr })
    }
}
