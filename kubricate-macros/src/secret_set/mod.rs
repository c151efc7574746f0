//! `#[derive(SecretSet)]`: parse (attributes → [`parse::SecretSetModel`]) then expand (model → impls).

mod expand;
mod parse;

pub fn derive(input: syn::DeriveInput) -> proc_macro2::TokenStream {
    let (model, problems) = parse::SecretSetModel::from_input(&input);
    let mut out = expand::expand(&model);
    if let Err(e) = problems {
        out.extend(e.into_compile_error());
    }
    out
}
