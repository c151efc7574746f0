//! Code generation of `#[derive(SecretSet)]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::LitStr;

use super::parse::{SecretModel, SecretSetModel};

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
    let same_options = |a: &SecretModel, b: &SecretModel| {
        a.provider_key == b.provider_key
            && a.provider_id.as_ref().map(LitStr::value)
                == b.provider_id.as_ref().map(LitStr::value)
            && a.connector == b.connector
    };
    let runs = model.secrets.chunk_by(same_options).map(|run| {
        let (count, s) = (run.len(), &run[0]);
        let provider = match &s.provider {
            // Spanned on the user's path, so a type that is not a provider is reported there.
            Some(p) => quote_spanned!(p.span()=>
                ::core::option::Option::Some(&<#p as ::kubricate::ProviderType>::INFO)),
            None => quote!(::core::option::Option::None),
        };
        let provider_id = opt_str(s.provider_id.as_ref().map(LitStr::value));
        let connector = opt_str(s.connector.clone());
        quote!((#count, ::kubricate::SecretOptions {
            provider: #provider, provider_id: #provider_id, connector: #connector
        }))
    });
    let arms = model.secrets.iter().map(|s| {
        let v = &s.variant;
        let name = &s.name;
        quote!(Self::#v { .. } => #name,)
    });
    let names_ty = quote::format_ident!("{}Names", ident);
    let vis = &model.vis;
    // `Provider => { field "NAME" ... }` per run of fields whose secrets have one provider
    // type, in declaration order, for `__secret_names!`.
    let grouped = |fields: Vec<(&SecretModel, TokenStream)>| {
        let runs = fields.chunk_by(|(a, ..), (b, ..)| a.provider_key == b.provider_key);
        let runs = runs.map(|run| {
            let provider = match &run[0].0.provider {
                Some(p) => quote!(#p),
                None => quote!(::kubricate::provider::AnyProvider),
            };
            let fields = run.iter().map(|(s, field)| {
                let name = &s.name;
                quote!(#field #name)
            });
            quote!(#provider => { #(#fields)* })
        });
        runs.collect::<TokenStream>()
    };
    let mut seen: Vec<&str> = Vec::new();
    let by_name = grouped(
        model
            .secrets
            .iter()
            .filter_map(|s| {
                // A name declared twice is reported by the parser; one field keeps rustc quiet about it.
                let field = crate::case::field_ident(&s.name, s.span)?;
                if seen.contains(&s.name.as_str()) {
                    return None;
                }
                seen.push(&s.name);
                Some((s, quote!(#field)))
            })
            .collect(),
    );
    // The same names by variant (`c.secrets(AppSecrets::DatabaseUrl)` inside `stack!`): one field per
    // variant, so a typed name flows into the typed chain like a string literal does.
    let variants_ty = quote::format_ident!("{}Variants", ident);
    let by_variant = grouped(
        model
            .secrets
            .iter()
            .map(|s| {
                let v = &s.variant;
                (s, quote!(#v))
            })
            .collect(),
    );
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
