//! `#[derive(Resources)]`: a struct of `Resource<Kind>` fields declares resource ids and kinds.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, GenericArgument, Ident, PathArguments, Type};

use crate::attr::{for_each_key, Errors};
use crate::case::lower_camel;

struct Field {
    ident: Ident,
    id: String,
    kind: Type,
}

fn kind_of(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Resource" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

fn parse(input: &DeriveInput) -> syn::Result<Vec<Field>> {
    let mut errors = Errors::default();
    let syn::Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            Span::call_site(),
            "#[derive(Resources)] goes on a struct whose fields are `Resource<Kind>`",
        ));
    };
    let syn::Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &data.fields,
            "#[derive(Resources)] needs named fields: each field name is a resource id",
        ));
    };
    if !input.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &input.generics,
            "a Resources struct cannot be generic",
        ));
    }
    let mut fields: Vec<Field> = Vec::new();
    for f in &named.named {
        let Some(ident) = f.ident.clone() else {
            continue;
        };
        let mut id_lit = None;
        for_each_key(&f.attrs, "resource", &mut errors, |key, meta| {
            match key {
                "id" => id_lit = Some(meta.value()?.parse::<syn::LitStr>()?),
                _ => {
                    return Err(meta.error(format!(
                        "unknown key `{key}` in #[resource(..)]; expected id"
                    )))
                }
            }
            Ok(())
        });
        let (id, span) = match &id_lit {
            Some(l) => (l.value(), l.span()),
            None => (lower_camel(&ident.to_string()), ident.span()),
        };
        if id.is_empty() {
            errors.push(syn::Error::new(span, "a resource id cannot be empty"));
        }
        if fields.iter().any(|x| x.id == id) {
            errors.push(syn::Error::new(
                span,
                format!("resource id `{id}` is declared twice; ids must be unique in a stack"),
            ));
        }
        match kind_of(&f.ty) {
            Some(kind) => fields.push(Field { ident, id, kind: kind.clone() }),
            None => errors.push(syn::Error::new_spanned(
                &f.ty,
                format!("field `{ident}` must be a `Resource<Kind>` (e.g. `Resource<kinds::Deployment>`), so its kind is known at compile time"),
            )),
        }
    }
    errors.into_result()?;
    Ok(fields)
}

/// The impls, or the errors with a stub impl, so one bad attribute is one error (not one more at every
/// use of the type as `Resources`; the pattern of `clap_derive`'s dummies).
pub fn derive(input: DeriveInput) -> TokenStream {
    match expand(&input) {
        Ok(out) => out,
        Err(e) => {
            let ident = &input.ident;
            let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
            let error = e.into_compile_error();
            quote! {
                #error
                #[automatically_derived]
                impl #impl_g ::kubricate::Resources for #ident #ty_g #where_g {
                    const RESOURCES: &'static [::kubricate::ResourceDecl] = &[];
                    type Ids = ();
                    const IDS: &'static () = &();
                    type Workloads = ::kubricate::kinds::count::Zero;
                    fn into_resources(self) -> ::kubricate::ResourceMap {
                        ::kubricate::ResourceMap::new()
                    }
                }
            }
        }
    }
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let fields = parse(input)?;
    let ident = &input.ident;
    let decls = fields.iter().map(|f| {
        let id = &f.id;
        let kind = &f.kind;
        quote_spanned!(kind.span()=> ::kubricate::ResourceDecl { id: #id, kind: <#kind as ::kubricate::Kind>::KIND })
    });
    let inserts = fields.iter().map(|f| {
        let id = &f.id;
        let field = &f.ident;
        quote!(map.insert(::std::string::String::from(#id), self.#field.into_manifest());)
    });
    let n = fields.len();
    let vis = &input.vis;
    let ids_ident = quote::format_ident!("{}Ids", ident);
    // A field per id an identifier spells (`type` as `r#type`); others (`my-app`) are checked at run time.
    let id_fields: Vec<(Ident, &Field)> = fields
        .iter()
        .filter_map(|f| Some((crate::case::field_ident(&f.id, f.ident.span())?, f)))
        .collect();
    let id_decls = id_fields.iter().map(|(name, f)| {
        let kind = &f.kind;
        let doc = format!("`{}`.", f.id);
        quote!(#[doc = #doc] pub #name: ::kubricate::ResourceId<#kind>)
    });
    let id_values = id_fields.iter().map(|(name, f)| {
        let id = &f.id;
        quote!(#name: ::kubricate::ResourceId::new(#id))
    });
    let kinds = fields.iter().map(|f| &f.kind);
    let mut workloads = quote!(::kubricate::kinds::count::Zero);
    for kind in kinds.rev() {
        workloads = quote!(::kubricate::kinds::count::Sum<<#kind as ::kubricate::Kind>::Workloads, #workloads>);
    }
    let ids_doc = format!("The resource ids of [`{ident}`], one field per id, typed by kind (`#[derive(Resources)]`).");
    Ok(quote! {
        #[doc = #ids_doc]
        #[allow(non_snake_case)]
        #[derive(Debug, Clone, Copy)]
        #vis struct #ids_ident {
            #(#id_decls,)*
        }

        #[automatically_derived]
        impl ::kubricate::Resources for #ident {
            const RESOURCES: &'static [::kubricate::ResourceDecl] = &[#(#decls),*];
            type Ids = #ids_ident;
            const IDS: &'static #ids_ident = &#ids_ident { #(#id_values,)* };
            type Workloads = #workloads;
            fn into_resources(self) -> ::kubricate::ResourceMap {
                let mut map = ::kubricate::ResourceMap::with_capacity(#n);
                #(#inserts)*
                map
            }
        }
    })
}
