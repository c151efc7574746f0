//! Procedural macros of `kubricate`. Use them through `kubricate` (`kubricate::SecretSet`,
//! `kubricate::Resources`, `kubricate::stack!`), whose documentation shows them in use.
//!
//! Each macro parses its input into a validated model (reporting every problem with the span of the
//! offending token), then expands the model; parsing and code generation live in separate modules.

mod attr;
mod case;
mod registry;
mod resources;
mod secret_set;
mod stack;

use proc_macro::TokenStream;

/// Declares a secret set. See `kubricate::SecretSet`.
#[proc_macro_derive(SecretSet, attributes(secret_set, secret))]
pub fn derive_secret_set(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    secret_set::derive(input).into()
}

/// Declares a set of statically known resources. See `kubricate::Resources`.
#[proc_macro_derive(Resources, attributes(resource))]
pub fn derive_resources(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    resources::derive(input).into()
}

/// Makes a struct of named secret managers a registry. See `kubricate::IntoManagers`.
#[proc_macro_derive(IntoManagers, attributes(manager))]
pub fn derive_into_managers(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    registry::derive(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Declares stacks with compile-time checked secret injection. See `kubricate::stack!`.
#[proc_macro]
pub fn stack(input: TokenStream) -> TokenStream {
    stack::expand(input.into()).into()
}

/// `stack!` as an attribute on one function (which rustfmt then formats). See `kubricate::stack_fn`.
#[proc_macro_attribute]
pub fn stack_fn(attr: TokenStream, item: TokenStream) -> TokenStream {
    stack::expand_attribute(attr.into(), item.into()).into()
}
