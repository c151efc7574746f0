//! `#[derive(IntoManagers)]`: a struct of named secret managers is a registry whose names the compiler
//! checks (a misspelt field does not compile).

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::DeriveInput;

use crate::attr::{for_each_key, Errors};

pub fn derive(input: DeriveInput) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let syn::Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            Span::call_site(),
            "#[derive(IntoManagers)] goes on a struct whose fields are secret managers",
        ));
    };
    let syn::Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &data.fields,
            "#[derive(IntoManagers)] needs named fields: each field name names a manager",
        ));
    };
    let mut entries = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for f in &named.named {
        let Some(ident) = &f.ident else { continue };
        let mut name_lit: Option<syn::LitStr> = None;
        for_each_key(&f.attrs, "manager", &mut errors, |key, meta| {
            match key {
                "name" => name_lit = Some(meta.value()?.parse()?),
                _ => {
                    return Err(meta.error(format!(
                        "unknown key `{key}` in #[manager(..)]; expected name"
                    )))
                }
            }
            Ok(())
        });
        let (name, span) = match &name_lit {
            Some(l) => (l.value(), l.span()),
            None => (
                ident.to_string().trim_start_matches("r#").to_owned(),
                ident.span(),
            ),
        };
        if names.contains(&name) {
            errors.push(syn::Error::new(
                span,
                format!("manager name `{name}` is used twice; names must be unique in a registry"),
            ));
        }
        names.push(name.clone());
        entries.push(quote!((::std::string::String::from(#name), ::kubricate::AnySecretManager::from(self.#ident))));
    }
    errors.into_result()?;
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics ::kubricate::IntoManagers for #ident #ty_generics #where_clause {
            fn into_managers(self) -> ::std::vec::Vec<(::std::string::String, ::kubricate::AnySecretManager)> {
                ::std::vec![#(#entries),*]
            }
        }
    })
}
