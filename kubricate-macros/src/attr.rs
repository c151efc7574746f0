//! Shared attribute parsing: `key = value` lists with errors on unknown, repeated and malformed keys.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr, Path};

/// Collects errors so a macro reports every problem of its input at once.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    pub fn into_result(self) -> syn::Result<()> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    pub fn take(&mut self) -> Option<syn::Error> {
        self.0.take()
    }
}

/// A connector given as a string id or as a type (whose name is its default id).
#[derive(Clone)]
pub enum ConnectorRef {
    Id(LitStr),
    Type(Path),
}

impl ConnectorRef {
    pub fn id(&self) -> String {
        match self {
            ConnectorRef::Id(l) => l.value(),
            ConnectorRef::Type(p) => p
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default(),
        }
    }

    pub fn parse(meta: &ParseNestedMeta<'_>) -> syn::Result<ConnectorRef> {
        let input = meta.value()?;
        if input.peek(LitStr) {
            Ok(ConnectorRef::Id(input.parse()?))
        } else {
            Ok(ConnectorRef::Type(input.parse()?))
        }
    }
}

/// Calls `f` for each `key = value` of every attribute named `name`, rejecting repeated keys.
pub fn for_each_key(
    attrs: &[Attribute],
    name: &str,
    errors: &mut Errors,
    mut f: impl FnMut(&str, &ParseNestedMeta<'_>) -> syn::Result<()>,
) {
    let mut seen: Vec<String> = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident(name)) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            if seen.contains(&key) {
                return Err(
                    meta.error(format!("`{key}` is given twice in #[{name}(..)]; keep one"))
                );
            }
            seen.push(key.clone());
            f(&key, &meta)
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
}
