//! `#[derive(SecretSet)]`: parse (attributes → [`parse::SecretSetModel`]) then expand (model → impls).

mod expand;
mod parse;

pub fn derive(input: syn::DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let model = parse::SecretSetModel::from_input(&input)?;
    Ok(expand::expand(&model))
}
