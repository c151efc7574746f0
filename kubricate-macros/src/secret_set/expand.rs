//! Code generation of `#[derive(SecretSet)]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::parse::SecretSetModel;

fn opt_str(s: Option<String>) -> TokenStream {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

pub fn expand(model: &SecretSetModel) -> TokenStream {
    let ident = &model.ident;
    let set_name = ident.to_string();
    // The table is written as the runtime reads it (`SecretTable`): the names as one array of
    // string literals, the options once per run of consecutive secrets that share them. An array of
    // structs, one per secret, costs rustc several times more to check.
    let names = model.secrets.iter().map(|s| &s.name);
    type RunKey<'a> = (&'a Option<String>, Option<String>, &'a Option<String>);
    let mut runs: Vec<(usize, RunKey, TokenStream)> = Vec::new();
    for s in &model.secrets {
        let key = (
            &s.provider_key,
            s.provider_id.as_ref().map(|l| l.value()),
            &s.connector,
        );
        if let Some((count, k, _)) = runs.last_mut() {
            if *k == key {
                *count += 1;
                continue;
            }
        }
        let provider = match &s.provider {
            // Spanned on the user's path, so a type that is not a provider is reported there.
            Some(p) => quote_spanned!(p.span()=>
                ::core::option::Option::Some(&<#p as ::kubricate::ProviderType>::INFO)),
            None => quote!(::core::option::Option::None),
        };
        let provider_id = opt_str(s.provider_id.as_ref().map(|l| l.value()));
        let connector = opt_str(s.connector.clone());
        let options = quote!(::kubricate::SecretOptions {
            provider: #provider, provider_id: #provider_id, connector: #connector
        });
        runs.push((1, key, options));
    }
    let runs = runs
        .iter()
        .map(|(count, _, options)| quote!((#count, #options)));
    let arms = model.secrets.iter().map(|s| {
        let v = &s.variant;
        let name = &s.name;
        quote!(Self::#v { .. } => #name,)
    });
    let names_ty = quote::format_ident!("{}Names", ident);
    let vis = &model.vis;
    let provider_of = |s: &super::parse::SecretModel| match &s.provider {
        Some(p) => quote!(#p),
        None => quote!(::kubricate::provider::AnyProvider),
    };
    // `Provider => { field "NAME" "doc" ... }` per run of secrets with one provider type, in
    // declaration order, for `__secret_names!`.
    let grouped =
        |fields: &mut dyn Iterator<Item = (&super::parse::SecretModel, TokenStream, String)>| {
            let mut out = TokenStream::new();
            let mut run: Option<(&Option<String>, TokenStream, TokenStream)> = None;
            let flush = |run: Option<(&Option<String>, TokenStream, TokenStream)>,
                         out: &mut TokenStream| {
                if let Some((_, p, body)) = run {
                    out.extend(quote!(#p => { #body }));
                }
            };
            for (s, field, doc) in fields {
                let name = &s.name;
                match &mut run {
                    Some((key, _, body)) if *key == &s.provider_key => {
                        body.extend(quote!(#field #name #doc))
                    }
                    _ => {
                        flush(run.take(), &mut out);
                        run = Some((&s.provider_key, provider_of(s), quote!(#field #name #doc)));
                    }
                }
            }
            flush(run, &mut out);
            out
        };
    let mut seen: Vec<&str> = Vec::new();
    let by_name = grouped(&mut model.secrets.iter().filter_map(|s| {
        // A name declared twice is reported by the parser; one field keeps rustc quiet about it.
        let field = crate::case::field_ident(&s.name, s.span)?;
        if seen.contains(&s.name.as_str()) {
            return None;
        }
        seen.push(&s.name);
        Some((s, quote!(#field), format!("`{}`", s.name)))
    }));
    // The same names by variant (`c.secrets(AppSecrets::DatabaseUrl)` inside `stack!`): one field per
    // variant, so a typed name flows into the typed chain like a string literal does.
    let variants_ty = quote::format_ident!("{}Variants", ident);
    let by_variant = grouped(&mut model.secrets.iter().map(|s| {
        let v = &s.variant;
        (s, quote!(#v), format!("`{}::{}`: `{}`", ident, v, s.name))
    }));
    let variants_doc = format!(
        "The secret names of [`{ident}`] by variant, typed by provider (written by `#[derive(SecretSet)]`)."
    );
    let struct_doc = format!(
        "The secret names of [`{ident}`], one field per secret typed by its provider (written by `#[derive(SecretSet)]`)."
    );
    quote! {
        #[automatically_derived]
        impl ::kubricate::SecretSet for #ident {
            const NAME: &'static str = #set_name;
            const SECRETS: ::kubricate::SecretTable = ::kubricate::SecretTable {
                names: &[#(#names),*],
                runs: &[#(#runs),*],
            };
            type Names = #names_ty;
            const NAMES: &'static #names_ty = &#names_ty::__VALUE;
            type Variants = #variants_ty;
            const VARIANTS: &'static #variants_ty = &#variants_ty::__VALUE;
        }

        ::kubricate::__secret_names!(#vis #names_ty for #ident, #struct_doc; #by_name);
        ::kubricate::__secret_names!(#vis #variants_ty for #ident, #variants_doc; #by_variant);

        #[automatically_derived]
        impl ::kubricate::SecretRef for #ident {
            fn secret_name(&self) -> &str {
                match *self {
                    #(#arms)*
                }
            }
        }
    }
}
