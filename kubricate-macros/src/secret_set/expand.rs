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
    let decls = model.secrets.iter().map(|s| {
        let name = &s.name;
        let provider = match &s.provider {
            // Spanned on the user's path, so a type that is not a provider is reported there.
            Some(p) => quote_spanned!(p.span()=> ::core::option::Option::Some(&<#p as ::kubricate::ProviderType>::INFO)),
            None => quote!(::core::option::Option::None),
        };
        let provider_id = opt_str(s.provider_id.as_ref().map(|l| l.value()));
        let connector = opt_str(s.connector.clone());
        quote! {
            ::kubricate::SecretDecl { name: #name, provider: #provider, provider_id: #provider_id, connector: #connector }
        }
    });
    let arms = model.secrets.iter().map(|s| {
        let v = &s.variant;
        let name = &s.name;
        quote!(Self::#v => #name,)
    });
    // The checks of `stack!` look names up in const evaluation, where a scan of a large set, once per
    // injection, was most of a crate's check time; this order lets them binary-search instead.
    let mut by_name: Vec<u32> = (0..model.secrets.len() as u32).collect();
    by_name.sort_by(|a, b| {
        model.secrets[*a as usize]
            .name
            .as_bytes()
            .cmp(model.secrets[*b as usize].name.as_bytes())
    });
    quote! {
        #[automatically_derived]
        impl ::kubricate::SecretSet for #ident {
            const NAME: &'static str = #set_name;
            const SECRETS: &'static [::kubricate::SecretDecl] = &[#(#decls),*];
            const BY_NAME: &'static [u32] = &[#(#by_name),*];
        }

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
