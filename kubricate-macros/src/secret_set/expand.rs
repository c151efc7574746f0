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
    // One `const` per provider type, named by every secret it delivers: rustc resolves
    // `<P as ProviderType>::INFO` once per type instead of once per secret.
    let mut providers: Vec<(String, TokenStream)> = Vec::new();
    let provider_const = |i: usize| quote::format_ident!("__KUBRICATE_PROVIDER_{}", i);
    for s in &model.secrets {
        if let Some(p) = &s.provider {
            let key = quote!(#p).to_string();
            if !providers.iter().any(|(k, _)| *k == key) {
                let c = provider_const(providers.len());
                // Spanned on the user's path, so a type that is not a provider is reported there.
                let def = quote_spanned!(p.span()=>
                    const #c: ::core::option::Option<&'static ::kubricate::ProviderInfo> =
                        ::core::option::Option::Some(&<#p as ::kubricate::ProviderType>::INFO);
                );
                providers.push((key, def));
            }
        }
    }
    let provider_defs = providers.iter().map(|(_, def)| def);
    let decls = model.secrets.iter().map(|s| {
        let name = &s.name;
        let provider = match &s.provider {
            Some(p) => {
                let key = quote!(#p).to_string();
                let i = providers.iter().position(|(k, _)| *k == key).unwrap_or(0);
                let c = provider_const(i);
                quote!(#c)
            }
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
        quote!(Self::#v { .. } => #name,)
    });
    let names_ty = quote::format_ident!("{}Names", ident);
    let vis = &model.vis;
    let mut seen: Vec<&str> = Vec::new();
    let mut fields = Vec::new();
    let mut values = Vec::new();
    for s in &model.secrets {
        // A name declared twice is reported by the parser; one field keeps rustc quiet about it.
        let Some(field) = crate::case::field_ident(&s.name, s.span) else {
            continue;
        };
        if seen.contains(&s.name.as_str()) {
            continue;
        }
        seen.push(&s.name);
        let provider = match &s.provider {
            Some(p) => quote!(#p),
            None => quote!(::kubricate::provider::AnyProvider),
        };
        let doc = format!("`{}`", s.name);
        let name = &s.name;
        fields.push(quote!(#[doc = #doc] pub #field: ::kubricate::SecretName<#provider, #ident>,));
        values.push(quote!(#field: ::kubricate::SecretName { __name: #name, __types: ::core::marker::PhantomData },));
    }
    // The same names by variant (`c.secrets(AppSecrets::DatabaseUrl)` inside `stack!`): one field per
    // variant, so a typed name flows into the typed chain like a string literal does.
    let variants_ty = quote::format_ident!("{}Variants", ident);
    let variant_fields = model.secrets.iter().map(|s| {
        let v = &s.variant;
        let provider = match &s.provider {
            Some(p) => quote!(#p),
            None => quote!(::kubricate::provider::AnyProvider),
        };
        let doc = format!("`{}::{}`: `{}`", ident, v, s.name);
        quote!(#[doc = #doc] pub #v: ::kubricate::SecretName<#provider, #ident>,)
    });
    let variant_values = model.secrets.iter().map(|s| {
        let v = &s.variant;
        let name = &s.name;
        quote!(#v: ::kubricate::SecretName { __name: #name, __types: ::core::marker::PhantomData },)
    });
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
            const SECRETS: &'static [::kubricate::SecretDecl] = {
                #(#provider_defs)*
                &[#(#decls),*]
            };
            type Names = #names_ty;
            const NAMES: &'static #names_ty = &#names_ty { #(#values)* };
            type Variants = #variants_ty;
            const VARIANTS: &'static #variants_ty = &#variants_ty { #(#variant_values)* };
        }

        #[doc = #variants_doc]
        #[allow(non_snake_case)]
        #vis struct #variants_ty {
            #(#variant_fields)*
        }

        #[doc = #struct_doc]
        #[allow(non_snake_case)]
        #vis struct #names_ty {
            #(#fields)*
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
