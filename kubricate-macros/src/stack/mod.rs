//! `stack!`: stacks written in ordinary Rust, with the `use_secrets` wiring checked at compile time.
//!
//! Parsing ([`parse`]) reads the stack-building chains into a model and rewrites `inject(kind {..})`
//! into the runtime call; expansion ([`expand`]) turns each fact to verify into a `const` check.

mod expand;
mod parse;

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, FnArg, Item, Pat, Stmt};

use parse::{manager_set, Analysis, Scope, StackChain};

/// `override` is a reserved word; the docs write `.override(..)`, the runtime method is `r#override`.
fn raw_override(input: TokenStream) -> TokenStream {
    input
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Ident(i) if i == "override" => {
                TokenTree::Ident(proc_macro2::Ident::new_raw("override", i.span()))
            }
            TokenTree::Group(g) => {
                let mut ng = proc_macro2::Group::new(g.delimiter(), raw_override(g.stream()));
                ng.set_span(g.span());
                TokenTree::Group(ng)
            }
            other => other,
        })
        .collect()
}

struct Walker<'a> {
    analysis: &'a mut Analysis,
    scope: Scope,
}

impl Walker<'_> {
    fn chain(&mut self, expr: &mut Expr) -> Option<Option<parse::ResourcesOf>> {
        let mut chain = StackChain {
            resources: None,
            blocks: Vec::new(),
            override_keys: Vec::new(),
        };
        let res = self.analysis.stack_chain(expr, &self.scope, &mut chain)?;
        if !chain.blocks.is_empty() || !chain.override_keys.is_empty() {
            chain.resources = res.clone();
            self.analysis.stacks.push(chain);
        }
        Some(res)
    }
}

impl VisitMut for Walker<'_> {
    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        let name = match &local.pat {
            Pat::Ident(p) => Some(p.ident.clone()),
            Pat::Type(t) => match &*t.pat {
                Pat::Ident(p) => Some(p.ident.clone()),
                _ => None,
            },
            _ => None,
        };
        if let Some(init) = &mut local.init {
            if let Some(res) = self.chain(&mut init.expr) {
                if let Some(name) = name {
                    self.scope.stacks.push((name, res));
                }
                return;
            }
        }
        visit_mut::visit_local_mut(self, local);
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if self.chain(expr).is_some() {
            return;
        }
        visit_mut::visit_expr_mut(self, expr);
    }

    // Items nested in a function have their own scope: `stack!` does not look inside them.
    fn visit_item_mut(&mut self, _item: &mut Item) {}
}

fn starts_items(input: &TokenStream) -> bool {
    match input.clone().into_iter().next() {
        Some(TokenTree::Punct(p)) => p.as_char() == '#',
        Some(TokenTree::Ident(i)) => ["pub", "fn", "const", "async", "unsafe", "extern"]
            .iter()
            .any(|k| i == k),
        _ => false,
    }
}

pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input = raw_override(input);
    let mut analysis = Analysis::default();
    if starts_items(&input) {
        let file: syn::File = syn::parse2(input)?;
        let mut out = TokenStream::new();
        for mut item in file.items {
            let Item::Fn(f) = &mut item else {
                analysis.errors.push(syn::Error::new_spanned(
                    &item,
                    "stack! holds functions that build stacks, e.g. `pub fn api() -> Stack { .. }`",
                ));
                continue;
            };
            let mut scope = Scope::default();
            for input in &f.sig.inputs {
                if let FnArg::Typed(pt) = input {
                    if let (Pat::Ident(p), Some(set)) = (&*pt.pat, manager_set(&pt.ty)) {
                        scope.managers.push((p.ident.clone(), set));
                    }
                }
            }
            let before = analysis.stacks.len();
            Walker {
                analysis: &mut analysis,
                scope,
            }
            .visit_block_mut(&mut f.block);
            // Checks are consts; a generic function's parameters cannot appear in them.
            if f.sig.generics.params.is_empty() {
                let checks: Vec<TokenStream> = analysis.stacks[before..]
                    .iter()
                    .enumerate()
                    .flat_map(|(i, stack)| expand::checks(stack, before + i))
                    .collect();
                for (i, c) in checks.into_iter().enumerate() {
                    f.block.stmts.insert(i, Stmt::Item(syn::parse2(c)?));
                }
            }
            out.extend(quote!(#item));
        }
        if let Some(e) = analysis.errors.take() {
            out.extend(e.to_compile_error());
        }
        Ok(out)
    } else {
        let mut expr: Expr = syn::parse2(input)?;
        Walker {
            analysis: &mut analysis,
            scope: Scope::default(),
        }
        .visit_expr_mut(&mut expr);
        let checks: Vec<TokenStream> = analysis
            .stacks
            .iter()
            .enumerate()
            .flat_map(|(i, stack)| expand::checks(stack, i))
            .collect();
        let errors = analysis.errors.take().map(|e| e.to_compile_error());
        Ok(quote!({ #errors #(#checks)* #expr }))
    }
}
