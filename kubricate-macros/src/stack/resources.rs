//! Resource ids of a stack whose resources `stack!` can see in its chain (`Stack::from_template(Type, ..)`,
//! `Stack::from_static(name, Struct { .. })`): `.into_resource("id")`, `set_default_resource_id("id")`
//! and `.override(json!({ "id": .. }))` name one of its resources, and a stack whose injections
//! name no resource has exactly one workload. Each literal becomes one `const` check calling
//! `kubricate::__private::checks`; a stack built otherwise (a template in a variable, a generic template,
//! `Stack::from_resources`) is checked at run time with the same words.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::visit::Visit;
use syn::{Expr, Ident, LitStr};

use super::chain::{self, lit_str};

/// What the stack's resources are, when they can be told at compile time.
enum ResourcesOf {
    /// `Stack::from_template(T, ..)`: `<T as Template>::Output`.
    Template(syn::Path),
    /// `Stack::from_static(.., S { .. })`: `S`.
    Static(syn::Path),
}

impl ResourcesOf {
    fn tokens(&self) -> TokenStream {
        let name = |p: &syn::Path| {
            p.segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default()
        };
        match self {
            ResourcesOf::Template(p) => {
                let n = name(p);
                quote!(::kubricate::__private::checks::ResInfo::of::<<#p as ::kubricate::Template>::Output>("stack template", #n))
            }
            ResourcesOf::Static(p) => {
                let n = name(p);
                quote!(::kubricate::__private::checks::ResInfo::of::<#p>("static stack", #n))
            }
        }
    }
}

/// A type path, not a value: `SimpleApp`, `templates::Web` (a variable holding a template is not one).
fn type_path<'a>(p: &'a syn::Path, generics: &[Ident]) -> Option<&'a syn::Path> {
    let last = p.segments.last()?;
    let upper = last
        .ident
        .to_string()
        .starts_with(|c: char| c.is_uppercase());
    let generic = p.get_ident().is_some_and(|i| generics.contains(i));
    (upper && !generic).then_some(p)
}

/// The root of a stack chain: its resources, if known; `None` when `expr` is not a stack chain.
fn root(expr: &Expr, generics: &[Ident]) -> Option<Option<ResourcesOf>> {
    match expr {
        Expr::MethodCall(mc) => root(&mc.receiver, generics),
        Expr::Paren(p) => root(&p.expr, generics),
        Expr::Group(g) => root(&g.expr, generics),
        Expr::Call(call) => {
            let Expr::Path(f) = &*call.func else {
                return None;
            };
            let segs: Vec<String> = f
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let n = segs.len();
            if n < 2 || segs[n - 2] != "Stack" {
                return None;
            }
            match segs[n - 1].as_str() {
                "from_template" => Some(call.args.first().and_then(|a| {
                    match a {
                        Expr::Path(p) if p.qself.is_none() => type_path(&p.path, generics)
                            .cloned()
                            .map(ResourcesOf::Template),
                        _ => None,
                    }
                })),
                "from_static" => Some(call.args.iter().nth(1).and_then(|a| {
                    match a {
                        Expr::Struct(s) => type_path(&s.path, generics)
                            .cloned()
                            .map(ResourcesOf::Static),
                        _ => None,
                    }
                })),
                _ => Some(None),
            }
        }
        _ => None,
    }
}

/// What one `use_secrets` closure says about resources.
#[derive(Default)]
struct Scan {
    /// `.into_resource("id")` literals, with whether the chain writes to an explicit `target_path`.
    into: Vec<(LitStr, bool)>,
    /// Any `.into_resource(..)`, literal or not.
    any_into: bool,
    defaults: Vec<LitStr>,
    any_default: bool,
    /// The first injected secret, for the message of the workload check.
    first_secret: Option<LitStr>,
    /// A strategy that may not need a workload (`target_path`, or a run-time value).
    unknown_target: bool,
}

impl<'ast> Visit<'ast> for Scan {
    fn visit_expr_method_call(&mut self, mc: &'ast syn::ExprMethodCall) {
        let m = mc.method.to_string();
        match m.as_str() {
            "into_resource" => {
                self.any_into = true;
                if let Some(id) = mc.args.first().and_then(lit_str) {
                    let explicit =
                        chain::read(&Expr::MethodCall(mc.clone())).is_some_and(|c| c.explicit_path);
                    self.into.push((id, explicit));
                }
            }
            "set_default_resource_id" => {
                self.any_default = true;
                self.defaults.extend(mc.args.first().and_then(lit_str));
            }
            "secrets" | "secret" if self.first_secret.is_none() => {
                self.first_secret = mc.args.first().and_then(lit_str);
            }
            "inject_as" => self.unknown_target = true,
            "inject" => {
                if let Some(arg) = mc.args.first() {
                    match super::strategy::read(arg) {
                        Ok(call) if call.kind.is_some() && !call.explicit_path => {}
                        _ => self.unknown_target = true,
                    }
                }
            }
            _ => {}
        }
        syn::visit::visit_expr_method_call(self, mc);
    }
}

fn check(span: proc_macro2::Span, call: TokenStream) -> TokenStream {
    quote_spanned!(span=> const _: () = ::kubricate::__private::checks::enforce(#call);)
}

fn json_object_keys(tokens: &TokenStream) -> Vec<LitStr> {
    let mut keys = Vec::new();
    let Some(proc_macro2::TokenTree::Group(g)) = tokens.clone().into_iter().next() else {
        return keys;
    };
    if g.delimiter() != proc_macro2::Delimiter::Brace {
        return keys;
    }
    let mut expect_key = true;
    let mut iter = g.stream().into_iter().peekable();
    while let Some(tt) = iter.next() {
        match &tt {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == ',' => expect_key = true,
            proc_macro2::TokenTree::Literal(_) if expect_key => {
                if let Ok(lit) = syn::parse2::<LitStr>(tt.to_token_stream()) {
                    if matches!(iter.peek(), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == ':')
                    {
                        keys.push(lit);
                    }
                }
                expect_key = false;
            }
            _ => expect_key = false,
        }
    }
    keys
}

/// The checks of the stack chain `expr`; `None` when `expr` is not a stack chain (`Some(empty)` when
/// it is one whose resources are not known).
pub fn checks(expr: &Expr, generics: &[Ident]) -> Option<Vec<TokenStream>> {
    let res = root(expr, generics)?;
    let Some(res) = res else {
        return Some(Vec::new());
    };
    // Each check evaluates the resources' facts itself: one `const` item per check, nothing shared,
    // as rustc's cost is mostly per item.
    let info = res.tokens();
    let name = quote!((#info));
    let mut out = Vec::new();
    let mut e = expr;
    while let Expr::MethodCall(mc) = e {
        let m = mc.method.to_string();
        if m == "r#override" || m == "override_with" {
            if let Some(Expr::Macro(mac)) = mc.args.first() {
                for key in json_object_keys(&mac.mac.tokens) {
                    out.push(check(
                        key.span(),
                        quote!(::kubricate::__private::checks::override_target(&#name, #key)),
                    ));
                }
            }
        }
        if m == "use_secrets" || m == "use_secrets_any" {
            if let Some(Expr::Closure(closure)) = mc.args.iter().nth(1) {
                let mut scan = Scan::default();
                scan.visit_expr(&closure.body);
                for d in &scan.defaults {
                    out.push(check(
                        d.span(),
                        quote!(::kubricate::__private::checks::resource_exists(&#name, #d, false)),
                    ));
                }
                for (id, explicit) in &scan.into {
                    out.push(check(
                        id.span(),
                        quote!(::kubricate::__private::checks::resource_exists(&#name, #id, #explicit)),
                    ));
                }
                if let (false, false, false, Some(secret)) = (
                    scan.any_into,
                    scan.any_default,
                    scan.unknown_target,
                    &scan.first_secret,
                ) {
                    out.push(check(
                        secret.span(),
                        quote!(::kubricate::__private::checks::resource_resolvable(&#name, #secret)),
                    ));
                }
            }
        }
        e = &mc.receiver;
    }
    Some(out)
}
