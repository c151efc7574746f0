//! Procedural macros of `kubricate`. Use them through `kubricate` (`kubricate::SecretSet`, ...).

use proc_macro::TokenStream;

/// Declares a secret set. See `kubricate::SecretSet`.
#[proc_macro_derive(SecretSet, attributes(secret_set, secret))]
pub fn derive_secret_set(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}

/// Declares a set of statically known resources. See `kubricate::Resources`.
#[proc_macro_derive(Resources, attributes(resource))]
pub fn derive_resources(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}

/// Declares stacks with compile-time checked secret injection.
#[proc_macro]
pub fn stack(input: TokenStream) -> TokenStream {
    input
}
