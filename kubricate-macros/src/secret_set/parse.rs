//! The validated model of a `#[derive(SecretSet)]` enum.

use proc_macro2::Span;
use syn::{DeriveInput, Ident, LitStr, Path};

use crate::attr::{for_each_key, ConnectorRef, Errors};
use crate::case::{is_env_name, screaming_snake};

pub struct SecretSetModel {
    pub ident: Ident,
    pub vis: syn::Visibility,
    pub secrets: Vec<SecretModel>,
}

pub struct SecretModel {
    pub variant: Ident,
    pub name: String,
    /// Where the name is written (the `name = ".."` literal or the variant).
    pub span: Span,
    pub provider: Option<Path>,
    pub provider_id: Option<LitStr>,
    pub connector: Option<String>,
    /// Where the provider comes from: `None` for the set's default, else the secret's own path as
    /// text. Secrets in a row with equal options share one entry of the derive's table.
    pub provider_key: Option<String>,
}

#[derive(Default, Clone)]
struct Options {
    name: Option<LitStr>,
    provider: Option<Path>,
    provider_id: Option<LitStr>,
    connector: Option<ConnectorRef>,
}

const SET_KEYS: &str = "provider, provider_id or connector";
const SECRET_KEYS: &str = "name, provider, provider_id or connector";

fn parse_options(
    attrs: &[syn::Attribute],
    attr_name: &str,
    allow_name: bool,
    errors: &mut Errors,
) -> Options {
    let mut o = Options::default();
    for_each_key(attrs, attr_name, errors, |key, meta| {
        let hint = |e: syn::Error, example: &str| {
            syn::Error::new(
                e.span(),
                format!(
                    "malformed `{key}` in #[{attr_name}(..)]: expected `{key} = {example}` ({e})"
                ),
            )
        };
        match key {
            "name" if allow_name => {
                o.name = Some(
                    meta.value()
                        .and_then(|v| v.parse())
                        .map_err(|e| hint(e, "\"SECRET_NAME\""))?,
                )
            }
            "provider" => {
                o.provider = Some(
                    meta.value()
                        .and_then(|v| v.parse())
                        .map_err(|e| hint(e, "OpaqueSecretProvider"))?,
                )
            }
            "provider_id" => {
                o.provider_id = Some(
                    meta.value()
                        .and_then(|v| v.parse())
                        .map_err(|e| hint(e, "\"provider-id\""))?,
                )
            }
            "connector" => {
                o.connector =
                    Some(ConnectorRef::parse(meta).map_err(|e| hint(e, "\"EnvConnector\""))?)
            }
            _ => {
                let expected = if allow_name { SECRET_KEYS } else { SET_KEYS };
                return Err(meta.error(format!(
                    "unknown key `{key}` in #[{attr_name}(..)]; expected {expected}"
                )));
            }
        }
        Ok(())
    });
    o
}

impl SecretSetModel {
    /// The model, as complete as the input allows, and every problem found: the derive expands the
    /// model even when there are problems, so that one bad attribute gives one error, not one more
    /// at every use of the set.
    pub fn from_input(input: &DeriveInput) -> (SecretSetModel, syn::Result<()>) {
        let mut errors = Errors::default();
        let empty = SecretSetModel {
            ident: input.ident.clone(),
            vis: input.vis.clone(),
            secrets: Vec::new(),
        };
        let syn::Data::Enum(data) = &input.data else {
            return (empty, Err(syn::Error::new(
                Span::call_site(),
                "#[derive(SecretSet)] goes on an enum with one variant per secret, e.g. `enum AppSecrets { DatabaseUrl, ApiKey }`",
            )));
        };
        if !input.generics.params.is_empty() {
            errors.push(syn::Error::new_spanned(
                &input.generics,
                "a SecretSet enum cannot be generic",
            ));
        }
        let defaults = parse_options(&input.attrs, "secret_set", false, &mut errors);
        let mut secrets: Vec<SecretModel> = Vec::new();
        let mut names: Vec<(String, Span)> = Vec::new();
        for v in &data.variants {
            if !matches!(v.fields, syn::Fields::Unit) {
                errors.push(syn::Error::new_spanned(&v.fields, format!("secret `{}` must be a unit variant (no fields): a variant only names a secret", v.ident)));
            }
            let o = parse_options(&v.attrs, "secret", true, &mut errors);
            let (name, span) = match &o.name {
                Some(lit) => (lit.value(), lit.span()),
                None => (screaming_snake(&v.ident.to_string()), v.ident.span()),
            };
            if !is_env_name(&name) {
                errors.push(syn::Error::new(
                    span,
                    format!("secret name `{name}` is not a valid environment variable name (letters, digits and `_`, not starting with a digit)"),
                ));
            }
            if let Some((_, first)) = names.iter().find(|(n, _)| *n == name) {
                let mut e = syn::Error::new(span, format!("secret name `{name}` is declared twice in this SecretSet; give each secret a unique name"));
                e.combine(syn::Error::new(
                    *first,
                    format!("`{name}` is first declared here"),
                ));
                errors.push(e);
            }
            names.push((name.clone(), span));
            let provider_key = o.provider.as_ref().map(|p| quote::quote!(#p).to_string());
            let provider = o.provider.clone().or_else(|| defaults.provider.clone());
            let provider_id = o.provider_id.clone().or_else(|| {
                if o.provider.is_some() {
                    None
                } else {
                    defaults.provider_id.clone()
                }
            });
            let connector = o
                .connector
                .as_ref()
                .or(defaults.connector.as_ref())
                .map(ConnectorRef::id);
            secrets.push(SecretModel {
                variant: v.ident.clone(),
                name,
                span,
                provider,
                provider_id,
                connector,
                provider_key,
            });
        }
        (SecretSetModel { secrets, ..empty }, errors.into_result())
    }
}
