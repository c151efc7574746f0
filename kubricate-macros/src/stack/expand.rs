//! Code generation of `stack!`: one `const` check per fact the compiler must verify, each spanned on
//! the user's token so the error points there.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::LitStr;

use super::parse::{ContainerLit, InjectionChain, StackChain, StrategyState, UseSecrets};

/// The same hash as `kubricate::__private::checks::fnv1a`, computed once here instead of in the const evaluator.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// One check, spanned on the user's token: when it fails, rustc points there.
fn check(span: Span, call: TokenStream) -> TokenStream {
    quote_spanned!(span=> ::kubricate::__private::checks::enforce(#call);)
}

/// A `const` item evaluating `checks` in order (the first failure is reported).
fn item(checks: &[TokenStream]) -> TokenStream {
    quote!(const _: () = { #(#checks)* };)
}

fn opt_lit(l: Option<&LitStr>) -> TokenStream {
    match l {
        Some(l) => quote!(::core::option::Option::Some(#l)),
        None => quote!(::core::option::Option::None),
    }
}

/// The `checks::Inj` value describing one injection, when its secret is a literal.
fn inj_tokens(
    block: &UseSecrets,
    set: Option<&syn::Ident>,
    chain: &InjectionChain,
) -> Option<TokenStream> {
    let secret = chain.secret.as_ref()?;
    let target = chain.for_name.as_ref().unwrap_or(secret);
    let target_hash = fnv1a(&target.value());
    let provider = match set {
        Some(set) => quote!(::kubricate::__private::checks::provider_of(&#set, #secret)),
        None => quote!(::core::option::Option::None),
    };
    let (kind, key, container, init, explicit_path) = match &chain.strategy {
        StrategyState::Spec(spec) => {
            let variant = syn::Ident::new(spec.kind.variant(), Span::call_site());
            let container = match &spec.container {
                ContainerLit::Index(i) => {
                    quote!(::kubricate::__private::checks::Container::Index(#i))
                }
                ContainerLit::Name(n) => {
                    quote!(::kubricate::__private::checks::Container::Name(#n))
                }
                ContainerLit::Unknown => {
                    quote!(::kubricate::__private::checks::Container::Name(
                        "\u{0}dynamic"
                    ))
                }
            };
            (
                quote!(::core::option::Option::Some(::kubricate::strategy::StrategyKind::#variant)),
                opt_lit(spec.key.as_ref()),
                container,
                spec.init,
                spec.explicit_path,
            )
        }
        _ => (
            quote!(::core::option::Option::None),
            quote!(::core::option::Option::None),
            quote!(::kubricate::__private::checks::Container::Index(0)),
            false,
            false,
        ),
    };
    let resource = opt_lit(chain.resource.as_ref());
    let default_resource = opt_lit(block.default_resource.as_ref());
    Some(quote! {
        ::kubricate::__private::checks::Inj {
            secret: #secret,
            target: #target,
            target_hash: #target_hash,
            provider: #provider,
            kind: #kind,
            key: #key,
            resource: #resource,
            default_resource: #default_resource,
            container: #container,
            init: #init,
            explicit_path: #explicit_path,
        }
    })
}

/// Every check of one stack chain, in source order. `index` makes the names of the chain's consts
/// unique within the function that holds them.
///
/// The stack's resource set and each block's secret set are evaluated once, into consts. The facts of
/// each injection (`checks::Inj`, which looks the secret's provider up in its set) go into one table
/// per chain, also evaluated once. All checks of one injection share one `const` item, each check
/// spanned on its own token: rustc's cost is mostly per item, and an injection with two mistakes
/// reports the first, then the next once it is fixed.
pub fn checks(stack: &StackChain, index: usize) -> Vec<TokenStream> {
    let mut out = Vec::new();
    let table = format_ident!("__KUBRICATE_INJECTIONS_{}", index);
    let env_table = format_ident!("__KUBRICATE_ENV_INJECTIONS_{}", index);
    let res_const = format_ident!("__KUBRICATE_RESOURCES_{}", index);
    let allow = quote!(#[allow(dead_code, non_upper_case_globals)]);
    let res = stack.resources.as_ref().map(|r| {
        let tokens = r.tokens();
        out.push(
            quote!(#allow const #res_const: ::kubricate::__private::checks::ResInfo = #tokens;),
        );
        quote!(#res_const)
    });
    let mut entries: Vec<TokenStream> = Vec::new();
    // Positions in `entries` of the injections the duplicate check compares, in source order.
    let mut env_entries: Vec<usize> = Vec::new();
    if let Some(res) = &res {
        let keys: Vec<TokenStream> = stack
            .override_keys
            .iter()
            .map(|key| {
                check(
                    key.span(),
                    quote!(::kubricate::__private::checks::override_target(&#res, #key)),
                )
            })
            .collect();
        if !keys.is_empty() {
            out.push(item(&keys));
        }
    }
    for (b, block) in stack.blocks.iter().enumerate() {
        let set = block.set.as_ref().map(|ty| {
            let name = format_ident!("__KUBRICATE_SET_{}_{}", index, b);
            out.push(quote!(#allow const #name: ::kubricate::__private::checks::SetInfo = ::kubricate::__private::checks::SetInfo::of::<#ty>();));
            name
        });
        if let (Some(res), Some(default)) = (&res, &block.default_resource) {
            out.push(item(&[check(
                default.span(),
                quote!(::kubricate::__private::checks::resource_exists(&#res, #default, false)),
            )]));
        }
        for chain in &block.chains {
            let Some(secret) = &chain.secret else {
                continue;
            };
            let Some(inj) = inj_tokens(block, set.as_ref(), chain) else {
                continue;
            };
            let at = entries.len();
            entries.push(inj);
            let inj = quote!(#table[#at]);
            let mut checks = Vec::new();
            if let Some(set) = &set {
                checks.push(check(
                    secret.span(),
                    quote!(::kubricate::__private::checks::secret_declared(&#set, #secret)),
                ));
            }
            let key_dynamic = matches!(&chain.strategy, StrategyState::Spec(s) if s.key_dynamic);
            let opaque = matches!(chain.strategy, StrategyState::Opaque);
            if !opaque && !key_dynamic {
                let span = match &chain.strategy {
                    StrategyState::Spec(s) => s.span,
                    _ => chain.inject_span,
                };
                checks.push(check(
                    span,
                    quote!(::kubricate::__private::checks::strategy_fits(&#inj)),
                ));
            }
            let explicit_path =
                matches!(&chain.strategy, StrategyState::Spec(s) if s.explicit_path);
            if let Some(res) = &res {
                match &chain.resource {
                    Some(r) => checks.push(check(
                        r.span(),
                        quote!(::kubricate::__private::checks::resource_exists(&#res, #r, #explicit_path)),
                    )),
                    None if !chain.dynamic => checks.push(check(
                        chain.inject_span,
                        quote!(::kubricate::__private::checks::resource_resolvable(&#res, &#inj)),
                    )),
                    None => {}
                }
            }
            if !opaque && !chain.dynamic {
                let span = chain.for_name.as_ref().unwrap_or(secret).span();
                let res_arg = match &res {
                    Some(r) => quote!(::core::option::Option::Some(&#r)),
                    None => quote!(::core::option::Option::None),
                };
                let n = env_entries.len();
                if n > 0 {
                    checks.push(check(
                        span,
                        quote!(::kubricate::__private::checks::not_duplicated(#res_arg, &#env_table[#n], #env_table.split_at(#n).0)),
                    ));
                }
                env_entries.push(at);
            }
            if !checks.is_empty() {
                out.push(item(&checks));
            }
        }
    }
    if !entries.is_empty() {
        let ty = quote!(&[::kubricate::__private::checks::Inj]);
        out.push(quote!(#allow const #table: #ty = &[#(#entries),*];));
        if env_entries.len() > 1 {
            out.push(quote!(#allow const #env_table: #ty = &[#(#table[#env_entries]),*];));
        }
    }
    out
}
