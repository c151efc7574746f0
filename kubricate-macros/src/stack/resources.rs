//! Resource ids of a stack whose resources `stack!` can see in its chain (`Stack::from_template(Type, ..)`,
//! `Stack::from_static(name, Struct { .. })`), checked by types: `.into_resource("id")`,
//! `set_default_resource_id("id")` and `.override(json!({ "id": .. }))` become field accesses on the
//! resources' ids struct (`ids::<R>().id`, a misspelt id is rustc's "no field"), an injection's resource
//! goes through `workload(..)` (its kind must have a pod template), and a stack whose injections name no
//! resource calls `one_workload::<R>()`, whose bounds require exactly one workload. A stack built
//! otherwise (a template in a variable, a generic template, `Stack::from_resources`) is checked at run
//! time with the same words.
use std::collections::VecDeque;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
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
    /// The resources type.
    fn tokens(&self) -> TokenStream {
        match self {
            ResourcesOf::Template(p) => quote!(<#p as ::kubricate::Template>::Output),
            ResourcesOf::Static(p) => quote!(#p),
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

/// What the chain `expr` says about its resources, read before the chain is rewritten; `None` when
/// `expr` is not a stack chain, `Some(None)` when it is one whose resources are not known.
pub fn prepare(expr: &Expr, generics: &[Ident]) -> Option<Option<Prepared>> {
    let Some(res) = root(expr, generics)? else {
        return Some(None);
    };
    let mut closures = Vec::new();
    let mut e = expr;
    while let Expr::MethodCall(mc) = e {
        if mc.method == "use_secrets" || mc.method == "use_secrets_any" {
            if let Some(Expr::Closure(closure)) = mc.args.iter().nth(1) {
                let mut scan = Scan::default();
                scan.visit_expr(&closure.body);
                closures.push(scan);
            }
        }
        e = &mc.receiver;
    }
    Some(Some(Prepared {
        res: res.tokens(),
        closures: closures.into(),
    }))
}

/// The resources of one stack chain and what its `use_secrets` closures say about them.
pub struct Prepared {
    res: TokenStream,
    closures: VecDeque<Scan>,
}

/// `ids::<R>().field`, the field spanned on the literal; `None` when no identifier spells the id.
fn id_field(res: &TokenStream, id: &LitStr) -> Option<TokenStream> {
    let field = crate::case::field_ident(&id.value(), id.span())?;
    Some(quote_spanned!(id.span()=> ::kubricate::__private::ids::<#res>().#field))
}

/// The id of a workload: `workload(ids::<R>().field)`, which requires a pod template.
fn workload_id(res: &TokenStream, id: &LitStr) -> Option<Expr> {
    let field = id_field(res, id)?;
    syn::parse2(quote_spanned!(id.span()=> ::kubricate::__private::checks::workload(#field))).ok()
}

/// Rewrites the resource ids of one closure, in the order [`Scan`] read them.
struct Apply<'a> {
    res: &'a TokenStream,
    explicit: VecDeque<bool>,
}

impl VisitMut for Apply<'_> {
    fn visit_expr_method_call_mut(&mut self, mc: &mut syn::ExprMethodCall) {
        let m = mc.method.to_string();
        if m == "into_resource" || m == "set_default_resource_id" {
            if let Some(id) = mc.args.first().and_then(lit_str) {
                let explicit = m == "into_resource" && self.explicit.pop_front().unwrap_or(false);
                let new = if explicit {
                    id_field(self.res, &id)
                        .and_then(|f| syn::parse2::<Expr>(quote_spanned!(id.span()=> #f.id())).ok())
                } else {
                    workload_id(self.res, &id)
                };
                if let (Some(new), Some(arg)) = (new, mc.args.first_mut()) {
                    *arg = new;
                }
            }
        }
        syn::visit_mut::visit_expr_method_call_mut(self, mc);
    }
}

/// `tokens`, every token spanned at `span`.
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut ng = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                ng.set_span(span);
                tt = proc_macro2::TokenTree::Group(ng);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// Rewrites the chain `expr` (already visited by the walker) with what [`prepare`] read.
pub fn apply(expr: &mut Expr, mut prepared: Prepared) {
    let res = prepared.res.clone();
    let mut e = expr;
    while let Expr::MethodCall(mc) = e {
        let m = mc.method.to_string();
        if m == "r#override" || m == "override_with" {
            if let Some(arg) = mc.args.first_mut() {
                let uses: Vec<TokenStream> = match &*arg {
                    Expr::Macro(mac) => json_object_keys(&mac.mac.tokens)
                        .iter()
                        .filter_map(|key| id_field(&res, key))
                        .map(|f| quote!(let _ = #f;))
                        .collect(),
                    _ => Vec::new(),
                };
                if !uses.is_empty() {
                    if let Ok(new) = syn::parse2::<Expr>(quote!({ #(#uses)* #arg })) {
                        *arg = new;
                    }
                }
            }
        }
        if m == "use_secrets" || m == "use_secrets_any" {
            if let Some(Expr::Closure(closure)) = mc.args.iter_mut().nth(1) {
                if let Some(scan) = prepared.closures.pop_front() {
                    let mut apply = Apply {
                        res: &res,
                        explicit: scan.into.iter().map(|(_, explicit)| *explicit).collect(),
                    };
                    apply.visit_expr_mut(&mut closure.body);
                    if let (false, false, false, Some(secret)) = (
                        scan.any_into,
                        scan.any_default,
                        scan.unknown_target,
                        &scan.first_secret,
                    ) {
                        let body = &closure.body;
                        // rustc reports an unsatisfied bound of a call at its type argument:
                        // spanned on the secret, it points at the injection that needs a workload.
                        let res = respan(res.clone(), secret.span());
                        let check = quote_spanned!(secret.span()=>
                            ::kubricate::__private::checks::one_workload::<#res>();
                        );
                        if let Ok(new) = syn::parse2::<Expr>(quote!({ #check #body })) {
                            *closure.body = new;
                        }
                    }
                }
            }
        }
        e = &mut mc.receiver;
    }
}
