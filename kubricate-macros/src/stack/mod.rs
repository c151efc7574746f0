//! `stack!`: stacks written in ordinary Rust, with the `use_secrets` wiring checked by the compiler.
//!
//! The body is walked as token trees ([`tokens`]); every token the macro does not rewrite reaches
//! rustc, and rust-analyzer, exactly as written, and half-typed code is walked like finished code.
//! Wherever they appear (loops, `if`s, nested blocks, closures, helper functions, `let`-split chains):
//! - `c.secrets("NAME")` becomes `c.secret(c.__names.NAME)` (inside a `use_secrets` closure `|c|`,
//!   `c.secret(__kubricate_names.NAME)`, the names read once before the body; another receiver `X`
//!   is evaluated once: `X.secret_by(|n| n.NAME)`): a field access on the names the injector's own set hands out, so
//!   rustc resolves the set from the type of `X` and a misspelt name is its "no field `NAME`", with
//!   "a field with a similar name exists";
//!
//! rust-analyzer completes inside the body as in plain Rust because of three rules the rewrites keep
//! (it expands the macro twice, with and without a marker at the cursor, and lines the two up by
//! text offset): nothing is inserted before a token the user wrote (checks go after the code they
//! check), a receiver is never moved or wrapped, and half-typed code is rewritten like finished code.
//! - `.inject(kind { .. })` becomes the typed strategy call (`.inject_env(strategy::env()..)`, ...),
//!   whose bounds check the strategy and `key` against the secret's provider type.
//!
//! What only syntax shows is checked here (a chain without `.inject()`, two literal chains of one
//! block defining one variable, strategy options); resource ids become field accesses on the
//! resources' ids struct through [`resources`].
//! A run-time set (`use_secrets_any`, or `use_secrets` on a parameter typed `&SecretManager`) or a
//! generic one (a type parameter of the function) keeps its string names, checked when the stack is
//! built, with the same words.

mod chain;
mod resources;
mod strategy;
mod tokens;

use std::rc::Rc;

use proc_macro2::{Delimiter, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};

use crate::attr::Errors;
use tokens::{dot, group, ident, lit_str, path_words, split, stream, toks, Tok};

/// What the walker knows where it is.
#[derive(Clone, Default)]
struct Ctx {
    /// Inside a closure given a run-time set (`use_secrets_any`, a `&SecretManager` parameter).
    run_time_set: bool,
    /// The enclosing function takes its secret set as a type parameter.
    generic_set: bool,
    /// Type parameters of the enclosing function.
    generics: Rc<[String]>,
    /// Parameters of the enclosing function typed as a run-time set's manager and never rebound.
    dynamic_params: Rc<[String]>,
    /// The resources type of the stack chain whose `use_secrets` closure this is.
    resources: Option<Rc<TokenStream>>,
    /// The `use_secrets` closure's parameter (`c` of `|c|`), whose names the closure reads once into
    /// [`names_local`] before its body; `None` where that parameter is rebound or not a plain name.
    names_of: Option<Rc<str>>,
}

/// The local that holds a `use_secrets` closure's names (`let __kubricate_names = c.__names;`):
/// reading the field once per closure, rather than once per injection, saves rustc a field
/// lookup through the injector per `c.secrets(..)`. Mixed-site, so no user name can clash with it.
/// (Also the parameter of `X.secret_by(|__kubricate_names| ..)`.) Made once per expansion, by
/// [`Walker::names_local`]: each injection inside such a closure names it.
fn names_local() -> Ident {
    Ident::new("__kubricate_names", Span::mixed_site())
}

impl Ctx {
    fn string_names(&self) -> bool {
        self.run_time_set || self.generic_set
    }
}

#[derive(Default)]
struct Walker {
    errors: Errors,
    /// How many rewrites were made so far: a walk that adds none gives its input back untouched.
    rewrites: usize,
    /// [`names_local`], once made.
    names_local: Option<Ident>,
}

/// Whether a type parameter of the signature `sig` (its text) is the secret set
/// (`SecretManager<S>`, `Injector<S>`, `S: SecretSet`).
fn takes_generic_set(sig: &str, params: &[String]) -> bool {
    if params.is_empty() {
        return false;
    }
    let in_manager = ["SecretManager", "Injector"].iter().any(|ty| {
        sig.match_indices(ty).any(|(at, _)| {
            let rest = &sig[at + ty.len()..];
            let args = rest.trim_start().strip_prefix('<').unwrap_or("");
            let args = args.split('>').next().unwrap_or("");
            params.iter().any(|p| {
                args.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == p)
            })
        })
    });
    sig.contains("SecretSet") || in_manager
}

/// Whether the type `ty` is the manager of a run-time set: `SecretManager`, `SecretManager<Dynamic>`,
/// behind `&`/`&mut` or not.
fn is_dynamic_manager(ty: &[Tok]) -> bool {
    let mut ty = ty;
    loop {
        match ty {
            [amp, rest @ ..] if amp.punct('&') => ty = rest,
            [tick, _, rest @ ..] if tick.punct('\'') => ty = rest,
            [m, rest @ ..] if m.is("mut") => ty = rest,
            _ => break,
        }
    }
    let is_manager =
        |p: &[Tok]| path_words(p).is_some_and(|w| w.last().is_some_and(|l| l == "SecretManager"));
    if is_manager(ty) {
        return true;
    }
    let Some(open) = ty.iter().position(|t| t.punct('<')) else {
        return false;
    };
    match ty.split_last() {
        Some((close, inner)) if close.punct('>') => {
            is_manager(&ty[..open])
                && path_words(&inner[open + 1..])
                    .is_some_and(|w| w.last().is_some_and(|l| l == "Dynamic"))
        }
        _ => false,
    }
}

/// Whether `body` binds `name` again (`let m`, `for m in`, `|m|`, `ref m`, `m @ ..`).
fn rebinds(body: &[Tok], name: &str) -> bool {
    // A plain loop: this reads every token of every closure body, and the macro crate is built
    // without optimisation, where iterator adapters and closures cost several times a loop.
    for (i, t) in body.iter().enumerate() {
        if let TokenTree::Group(_) = &t.tt {
            if rebinds(t.inner(), name) {
                return true;
            }
            continue;
        }
        if !t.is(name) {
            continue;
        }
        if i > 0 {
            let b = &body[i - 1];
            if b.is("let") || b.is("for") || b.is("ref") || b.punct('|') {
                return true;
            }
            if b.is("mut") && (i < 2 || !body[i - 2].punct('&')) {
                return true;
            }
        }
        if body.get(i + 1).is_some_and(|n| n.punct('@')) {
            return true;
        }
    }
    false
}

/// The type parameters of the generics `<..>` starting at `toks[open]`, and the index after `>`.
fn generics(toks: &[Tok], open: usize) -> (Vec<String>, usize) {
    let mut params = Vec::new();
    let mut depth = 0usize;
    for i in open..toks.len() {
        let t = &toks[i];
        if t.punct('<') {
            depth += 1;
        } else if t.punct('>') && !(i > 0 && toks[i - 1].joint('-')) {
            depth -= 1;
            if depth == 0 {
                return (params, i + 1);
            }
        } else if depth == 1
            && t.operand_word()
            && (toks[i - 1].punct('<') || toks[i - 1].punct(','))
        {
            params.push(t.word.clone().unwrap_or_default());
        }
    }
    (params, toks.len())
}

/// `Set::Variant` as a secret name: a path of two or more segments whose last two are UpperCamelCase
/// (a type and a variant; a `const` is SCREAMING_CASE, a module lower case). Parenthesized,
/// `(Type::Variant)` keeps the plain `SecretRef` form, for a hand-written `SecretRef` enum.
fn set_variant(arg: &[Tok]) -> Option<(TokenStream, Ident)> {
    let words = path_words(arg)?;
    let camel = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().any(|c| c.is_ascii_lowercase())
    };
    let [.., ty, variant] = words.as_slice() else {
        return None;
    };
    if !camel(variant) || !camel(ty) || ty == "Self" {
        return None;
    }
    let TokenTree::Ident(v) = &arg.last()?.tt else {
        return None;
    };
    Some((stream(&arg[..arg.len() - 3]), v.clone()))
}

impl Walker {
    /// [`names_local`], made once per expansion.
    fn names_local(&mut self) -> Ident {
        self.names_local.get_or_insert_with(names_local).clone()
    }

    /// A token as it goes out: groups walked, `override` (a reserved word the docs write as a method)
    /// as the raw identifier the runtime method is.
    fn token(&mut self, t: &Tok, ctx: &Ctx) -> TokenTree {
        match &t.tt {
            TokenTree::Group(g) => {
                let inner = self.walk(t.inner(), ctx, g.delimiter() == Delimiter::Brace);
                // A group with nothing rewritten inside goes out as it came in: rebuilding it would
                // cost a round trip to the compiler for each of the body's many groups.
                match inner {
                    Some(inner) => group(g.delimiter(), inner, g.span()),
                    None => t.tt.clone(),
                }
            }
            TokenTree::Ident(i) if t.is("override") => {
                self.rewrites += 1;
                TokenTree::Ident(Ident::new_raw("override", i.span()))
            }
            other => other.clone(),
        }
    }

    /// The tokens of `input` with every rewrite made; `None` when none was (the input stands).
    fn walk(&mut self, toks: &[Tok], ctx: &Ctx, block: bool) -> Option<TokenStream> {
        let before = self.rewrites;
        if block {
            self.check_block(toks);
        }
        let mut out: Vec<TokenTree> = Vec::with_capacity(toks.len() + 8);
        // The current statement's injection writes to an explicit `target_path`.
        let mut explicit_path = false;
        let mut i = 0;
        while i < toks.len() {
            let t = &toks[i];
            if t.punct(';') {
                explicit_path = false;
            }
            if t.is("fn") {
                if let Some(end) = self.item_fn(toks, i, ctx, &mut out) {
                    i = end;
                    continue;
                }
            }
            if t.is("Stack") {
                if let Some(end) = self.stack_chain(toks, i, ctx, &mut out) {
                    i = end;
                    continue;
                }
            }
            if let Some((method, args)) = chain::segment(toks, i) {
                if self.method(
                    &toks[..i],
                    &toks[i..i + 3],
                    method,
                    args,
                    ctx,
                    &mut out,
                    &mut explicit_path,
                ) {
                    i += 3;
                    continue;
                }
            }
            out.push(self.token(t, ctx));
            i += 1;
        }
        if self.rewrites == before {
            return None;
        }
        Some(out.into_iter().collect())
    }

    /// [`walk`](Self::walk), or the input itself when nothing was rewritten.
    fn walk_or(&mut self, toks: &[Tok], ctx: &Ctx, block: bool) -> TokenStream {
        self.walk(toks, ctx, block).unwrap_or_else(|| stream(toks))
    }

    /// `fn name<..>(params) .. { body }` at `toks[i]`: the body walked knowing the parameters; the
    /// index after the body, or `None` when `toks[i..]` is not a function with a body.
    fn item_fn(
        &mut self,
        toks: &[Tok],
        i: usize,
        ctx: &Ctx,
        out: &mut Vec<TokenTree>,
    ) -> Option<usize> {
        toks.get(i + 1)?.word.as_ref()?;
        let mut j = i + 2;
        let mut params = Vec::new();
        if toks.get(j)?.punct('<') {
            (params, j) = generics(toks, j);
        }
        let inputs = toks.get(j)?;
        inputs.group(Delimiter::Parenthesis)?;
        let body_at = (j + 1..toks.len())
            .take_while(|&k| !toks[k].punct(';'))
            .find(|&k| toks[k].group(Delimiter::Brace).is_some())?;
        let body = &toks[body_at];
        let body_toks = body.inner();
        let dynamic: Vec<String> = split(inputs.inner(), ',')
            .into_iter()
            .filter_map(|param| {
                let colon = param.iter().position(|t| t.punct(':'))?;
                let pat = match &param[..colon] {
                    [name] | [_, name] => name.word.clone()?,
                    _ => return None,
                };
                (is_dynamic_manager(&param[colon + 1..]) && !rebinds(body_toks, &pat))
                    .then_some(pat)
            })
            .collect();
        let signature = stream(&toks[i..body_at]).to_string();
        let inner = Ctx {
            run_time_set: ctx.run_time_set,
            generic_set: takes_generic_set(&signature, &params),
            generics: params.into(),
            dynamic_params: dynamic.into(),
            resources: None,
            names_of: None,
        };
        for t in &toks[i..body_at] {
            out.push(t.tt.clone());
        }
        match self.walk(body_toks, &inner, true) {
            Some(walked) => out.push(group(Delimiter::Brace, walked, body.span())),
            None => out.push(body.tt.clone()),
        }
        Some(body_at + 1)
    }

    /// A chain rooted at `Stack::from_template(Type, ..)` / `Stack::from_static(.., Struct { .. })` at
    /// `toks[i]`: its `use_secrets` closures and overrides walked knowing the resources type.
    fn stack_chain(
        &mut self,
        toks: &[Tok],
        i: usize,
        ctx: &Ctx,
        out: &mut Vec<TokenTree>,
    ) -> Option<usize> {
        let (mut j, res) = resources::root(toks, i, &ctx.generics)?;
        let res = Rc::new(res?);
        for t in &toks[i..j] {
            out.push(self.token(t, ctx));
        }
        while let Some((method, args)) = chain::segment(toks, j) {
            match method {
                "use_secrets" | "use_secrets_any" => {
                    let args = self.use_secrets(method, args, ctx, Some(&res));
                    out.extend([toks[j].tt.clone(), toks[j + 1].tt.clone(), args]);
                }
                "override" | "r#override" | "override_with" => {
                    let walked = self.walk_or(args.inner(), ctx, false);
                    let args =
                        match resources::override_args(&res, args.inner(), walked, args.span()) {
                            Ok(checked) => {
                                self.rewrites += 1;
                                checked
                            }
                            Err(walked) => group(Delimiter::Parenthesis, walked, args.span()),
                        };
                    out.push(toks[j].tt.clone());
                    out.push(self.token(&toks[j + 1], ctx));
                    out.push(args);
                }
                _ => {
                    let mut explicit = false;
                    let seg = &toks[j..j + 3];
                    if !self.method(&toks[..j], seg, method, args, ctx, out, &mut explicit) {
                        for t in seg {
                            out.push(self.token(t, ctx));
                        }
                    }
                }
            }
            j += 3;
        }
        Some(j)
    }

    /// The arguments of `.use_secrets(manager, |c| body)`: the closure walked with what it is given
    /// (a run-time set keeps string names) and, for a stack whose resources are known, the body's
    /// resource ids checked.
    fn use_secrets(
        &mut self,
        method: &str,
        args: &Tok,
        ctx: &Ctx,
        res: Option<&Rc<TokenStream>>,
    ) -> TokenTree {
        let inner = args.inner();
        let comma = inner.iter().position(|t| t.punct(','));
        let manager = &inner[..comma.unwrap_or(inner.len())];
        let mut m = manager;
        while let [first, rest @ ..] = m {
            if first.punct('&') || first.is("mut") {
                m = rest;
            } else {
                break;
            }
        }
        let run_time = method == "use_secrets_any"
            || matches!(m, [p] if p.word.as_ref().is_some_and(|w| ctx.dynamic_params.contains(w)));
        let mut body_ctx = Ctx {
            run_time_set: ctx.run_time_set || run_time,
            resources: res.cloned().or_else(|| ctx.resources.clone()),
            names_of: None,
            ..ctx.clone()
        };
        let mut out = self.walk_or(manager, ctx, false);
        let Some(comma) = comma else {
            return group(Delimiter::Parenthesis, out, args.span());
        };
        out.extend([inner[comma].tt.clone()]);
        let closure = &inner[comma + 1..];
        // `move |c| body` / `|c: &mut Injector<_>| body`: the parameters end at the second `|`.
        let open = closure.iter().position(|t| t.punct('|'));
        let close = open.and_then(|o| (o + 1..closure.len()).find(|&k| closure[k].punct('|')));
        // A closure with a return type (`|c| -> () { .. }`) is left as it is: its body is not an
        // expression the check could follow.
        let typed_return = close.is_some_and(|c| closure.get(c + 1).is_some_and(|t| t.punct('-')));
        let (Some(close), Some(res), false) = (close, res, typed_return) else {
            out.extend(self.walk_or(closure, &body_ctx, false));
            return group(Delimiter::Parenthesis, out, args.span());
        };
        let (header, body) = closure.split_at(close + 1);
        out.extend(stream(header));
        // `|c|` (or `move |c|`) whose `c` the body does not rebind: its names are read once.
        let param = match header {
            [m, open, p, close] if m.is("move") && open.punct('|') && close.punct('|') => Some(p),
            [open, p, close] if open.punct('|') && close.punct('|') => Some(p),
            _ => None,
        };
        let param = param
            .filter(|p| p.operand_word() && p.word.as_deref().is_some_and(|w| !rebinds(body, w)));
        body_ctx.names_of = param.and_then(|p| p.word.as_deref()).map(Rc::from);
        let walked = self.walk_or(body, &body_ctx, false);
        // The check goes after the body, and the block around it is there whether or not a check
        // is: what precedes the cursor must not depend on the body (a half-typed name changes
        // what the scan finds), or rust-analyzer's two expansions (with and without its marker) do
        // not line up.
        let check = resources::Scan::of(body).workload_check(res);
        self.rewrites += 1;
        let hoist = param.map(|p| {
            // The parameter as the user wrote it (its span resolves to their binding).
            let (local, p) = (self.names_local(), &p.tt);
            quote!(let #local = #p.__names;)
        });
        out.extend(quote!({ #hoist #walked; #check }));
        group(Delimiter::Parenthesis, out, args.span())
    }

    /// Rewrites `. method (args)` (the tokens `seg`, after the tokens `before`) into `out` when it
    /// is a form the macro checks; `false` to leave it to the plain walk.
    #[allow(clippy::too_many_arguments)]
    fn method(
        &mut self,
        before: &[Tok],
        seg: &[Tok],
        method: &str,
        args: &Tok,
        ctx: &Ctx,
        out: &mut Vec<TokenTree>,
        explicit_path: &mut bool,
    ) -> bool {
        let method_span = seg[1].tt.span();
        match method {
            "use_secrets" | "use_secrets_any" => {
                let args = self.use_secrets(method, args, ctx, None);
                out.extend([seg[0].tt.clone(), seg[1].tt.clone(), args]);
                true
            }
            "secrets" if !ctx.string_names() => self.secret_name(before, seg, args, ctx, out),
            "inject" if !args.inner().is_empty() => {
                let Some(call) = chain::strategy_of(args) else {
                    return false;
                };
                self.rewrites += 1;
                out.push(seg[0].tt.clone());
                match call {
                    Ok(call) => {
                        *explicit_path |= call.explicit_path;
                        out.push(TokenTree::Ident(call.method.clone()));
                        out.push(group(
                            Delimiter::Parenthesis,
                            call.args.clone(),
                            args.span(),
                        ));
                    }
                    Err(e) => {
                        // Reported once; `inject_as(..)` keeps rustc from adding an arity error.
                        self.errors.push(e.clone());
                        out.push(ident("inject_as", method_span));
                        let strategy = quote!(::kubricate::strategy::Strategy::ImagePullSecret);
                        out.push(group(Delimiter::Parenthesis, strategy, args.span()));
                    }
                }
                true
            }
            "into_resource" | "set_default_resource_id" => {
                let (Some(res), Some(id)) = (&ctx.resources, lit_str(args.inner())) else {
                    return false;
                };
                let explicit = method == "into_resource" && *explicit_path;
                let Some(new) = resources::resource_id(res, &id, explicit) else {
                    return false;
                };
                self.rewrites += 1;
                out.extend([seg[0].tt.clone(), seg[1].tt.clone()]);
                out.push(group(Delimiter::Parenthesis, new, args.span()));
                true
            }
            _ => false,
        }
    }

    /// `X.secrets("NAME")` → `X.secret(X.names().NAME)`, `X.secrets(Set::Variant)` →
    /// `X.secret(<Set as SecretSet>::VARIANTS.Variant)`; `false` to leave the call as it is.
    /// `before` are the tokens before the call (its receiver ends them).
    fn secret_name(
        &mut self,
        before: &[Tok],
        seg: &[Tok],
        args: &Tok,
        ctx: &Ctx,
        out: &mut Vec<TokenTree>,
    ) -> bool {
        let method_span = seg[1].tt.span();
        // Spanned on the user's `secrets`, so an error about the chain (an unsatisfied bound of
        // `.inject()`) points at the chain; the field carries the literal's span.
        let secret = ident("secret", method_span);
        let arg = args.inner();
        if let Some((set, variant)) = set_variant(arg) {
            let inner = quote_spanned!(variant.span()=> <#set as ::kubricate::SecretSet>::VARIANTS.#variant);
            out.extend([seg[0].tt.clone(), secret]);
            out.push(group(Delimiter::Parenthesis, inner, args.span()));
            self.rewrites += 1;
            return true;
        }
        let Some(lit) = lit_str(arg) else {
            return false;
        };
        let name = lit.value();
        if !crate::case::is_env_name(&name) {
            self.errors.push(syn::Error::new(
                lit.span(),
                format!("secret `{name}` cannot be declared in a secret set: a secret name is letters, digits and `_`, not starting with a digit"),
            ));
            return false;
        }
        // `self`, `crate`, ...: no field can spell them; the string form checks them at run time.
        let Some(field) = crate::case::field_ident(&name, lit.span()) else {
            return false;
        };
        // A variable (the usual `c`) is read twice at no cost: `c.secret(c.__names.NAME)`, which
        // type-checks like the plain call. Anything else is evaluated once (below).
        let n = before.len();
        let simple = n >= 1
            && before[n - 1].operand_word()
            && !(n >= 2 && (before[n - 2].punct('.') || before[n - 2].punct(':')));
        if simple {
            let receiver = &before[n - 1];
            // Inside the closure whose names were read once, those; else the receiver's own.
            let inner: TokenStream = match ctx.names_of.as_deref() {
                Some(p) if receiver.is(p) => [
                    TokenTree::Ident(self.names_local()),
                    dot(method_span),
                    TokenTree::Ident(field),
                ]
                .into_iter()
                .collect(),
                _ => [
                    receiver.tt.clone(),
                    dot(method_span),
                    ident("__names", method_span),
                    dot(method_span),
                    TokenTree::Ident(field),
                ]
                .into_iter()
                .collect(),
            };
            out.extend([seg[0].tt.clone(), secret]);
            out.push(group(Delimiter::Parenthesis, inner, args.span()));
            self.rewrites += 1;
            return true;
        }
        // Anything else (`self.c`, `helper(c)`) is evaluated once: `X.secret_by(|n| n.NAME)`. The
        // receiver stays where it was, untouched, so that what precedes the cursor is the same text
        // with and without rust-analyzer's completion marker, and the IDE completes after it.
        let n = self.names_local();
        let inner = quote_spanned!(method_span=> |#n| #n.#field);
        out.extend([seg[0].tt.clone(), ident("secret_by", method_span)]);
        out.push(group(Delimiter::Parenthesis, inner, args.span()));
        self.rewrites += 1;
        true
    }

    /// The checks of one block's statements that only syntax shows.
    fn check_block(&mut self, toks: &[Tok]) {
        let mut parts = split(toks, ';');
        // The part after the last `;` is the block's value, not a statement.
        if !toks.last().is_some_and(|t| t.punct(';')) {
            parts.pop();
        }
        let mut seen: Vec<(chain::EnvIdentity, String)> = Vec::new();
        for stmt in parts {
            let Some(c) = chain::read(stmt) else {
                continue;
            };
            if !c.injected {
                let name = c
                    .secret
                    .as_ref()
                    .map_or_else(|| "the secret".to_owned(), |s| format!("`{}`", s.value()));
                self.errors.push(syn::Error::new_spanned(
                    stream(c.tokens),
                    format!("no injection strategy defined for secret {name}: the chain `.secrets({})` never calls `.inject()`; add `.inject()`", c.secret_arg.stream()),
                ));
                continue;
            }
            let Some(identity) = chain::env_identity(&c) else {
                continue;
            };
            let secret = c.secret.as_ref().map(|s| s.value()).unwrap_or_default();
            if let Some((_, first)) = seen.iter().find(|(i, _)| *i == identity) {
                let (target, (init, which), resource) = &identity;
                let kind = if *init { "init container" } else { "container" };
                let container = format!("{kind} {which}");
                let place = match resource {
                    Some(r) => format!("{container} of resource `{r}`"),
                    None => container,
                };
                let msg = if *first == secret {
                    format!("secret `{secret}` is injected twice as `{target}` into {place}; rename one with .for_name(\"...\") or remove the duplicate")
                } else {
                    format!("env var `{target}` is defined twice (by secrets `{first}` and `{secret}`) in {place}; rename one with .for_name(\"...\") or remove the duplicate")
                };
                self.errors
                    .push(syn::Error::new(chain::target_span(&c), msg));
            } else {
                seen.push((identity, secret));
            }
        }
    }
}

/// Whether the input is items (`pub fn ..`) rather than one expression.
fn starts_items(input: &TokenStream) -> bool {
    match input.clone().into_iter().next() {
        Some(TokenTree::Punct(p)) => p.as_char() == '#',
        Some(TokenTree::Ident(i)) => {
            let w = i.to_string();
            [
                "pub", "fn", "const", "async", "unsafe", "extern", "use", "struct", "enum", "impl",
                "mod", "static", "type", "trait",
            ]
            .contains(&w.as_str())
        }
        _ => false,
    }
}

pub fn expand(input: TokenStream) -> TokenStream {
    let items = starts_items(&input);
    let mut walker = Walker::default();
    let out = walker.walk_or(&toks(input), &Ctx::default(), false);
    let errors = walker.errors.take().map(|e| e.to_compile_error());
    if items {
        quote!(#out #errors)
    } else {
        quote!({ #errors #out })
    }
}

/// `#[stack_fn]` on a function: the same as writing it inside `stack! { .. }`.
pub fn expand_attribute(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut out = expand(item);
    if let Some(t) = attr.into_iter().next() {
        out.extend(
            syn::Error::new(t.span(), "`#[stack_fn]` takes no arguments").to_compile_error(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(s: &str) -> String {
        expand(s.parse().unwrap_or_default()).to_string()
    }

    #[test]
    fn rewrites_names_and_strategies_anywhere() {
        let out = expand_str(
            r#"fn f(m: &SecretManager<S>) { for x in y { if a { c.secrets("A_B").inject(env { container_index: 1 }); } } }"#,
        );
        assert!(out.contains("c . secret (c . __names . A_B)"), "{out}");
        assert!(out.contains("inject_env"), "{out}");
        let out = expand_str(r#"fn f() { self.inj.secrets("A").inject(); }"#);
        assert!(
            out.contains("self . inj . secret_by (| __kubricate_names | __kubricate_names . A)"),
            "{out}"
        );
    }

    #[test]
    fn run_time_sets_keep_strings() {
        let out = expand_str(
            r#"fn f(m: &SecretManager) { s.use_secrets(m, |c| { c.secrets("A").inject(); }) }"#,
        );
        assert!(out.contains("c . secrets (\"A\")"), "{out}");
        let out = expand_str(
            r#"fn f(m: &SecretManager) { let m = x; s.use_secrets(m, |c| { c.secrets("A").inject(); }) }"#,
        );
        assert!(out.contains("names"), "{out}");
        let out =
            expand_str(r#"fn f<S: SecretSet>(m: &SecretManager<S>) { c.secrets("A").inject(); }"#);
        assert!(out.contains("c . secrets (\"A\")"), "{out}");
    }
}

#[cfg(test)]
mod timing {
    #[test]
    #[ignore]
    fn expand_bench_stacks() {
        let dir = std::env::var("STACKS_DIR").unwrap_or_default();
        let mut inputs = Vec::new();
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            if let Some(at) = text.find("stack! {") {
                let body = &text[at + 8..text.rfind('}').unwrap_or(text.len())];
                inputs.push(body.to_owned());
            }
        }
        let start = std::time::Instant::now();
        let mut n = 0;
        for s in &inputs {
            let ts: proc_macro2::TokenStream = s.parse().unwrap_or_default();
            n += super::expand(ts).into_iter().count();
        }
        eprintln!(
            "{} stacks expanded in {:?} ({n} tokens)",
            inputs.len(),
            start.elapsed()
        );
        let start = std::time::Instant::now();
        let mut m = 0;
        for s in &inputs {
            let ts: proc_macro2::TokenStream = s.parse().unwrap_or_default();
            m += ts.into_iter().count();
        }
        eprintln!("parse only: {:?} ({m} tokens)", start.elapsed());
    }
}
