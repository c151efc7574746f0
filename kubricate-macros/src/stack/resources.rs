//! Resource ids of a stack whose resources `stack!` can see at the root of its chain
//! (`Stack::from_template(Type, ..)`, `Stack::from_static(name, Struct { .. })`), checked by types:
//! `.into_resource("id")`, `set_default_resource_id("id")` and `.override(json!({ "id": .. }))` become
//! field accesses on the resources' ids struct (`ids::<R>().id`, a misspelt id is rustc's "no field"),
//! an injection's resource goes through `workload(..)` (its kind must have a pod template), and a
//! `use_secrets` closure whose injections name no resource calls `one_workload::<R>()`, whose bounds
//! require exactly one workload. A stack built otherwise (a template in a variable, a generic
//! template, `Stack::from_resources`) is checked at run time with the same words.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};

use super::chain::{segment, strategy_of};
use super::tokens::{lit_str, path_sep, path_words, respan, split, stream, Str, Tok};

/// The resources type of a stack chain whose root is `toks[i..]`, and where the root ends; `None`
/// when `toks[i..]` is not `Stack::from_template(..)` / `Stack::from_static(..)`, `Some((end, None))`
/// when it is one whose resources the tokens do not tell.
pub fn root(toks: &[Tok], i: usize, generics: &[String]) -> Option<(usize, Option<TokenStream>)> {
    if !toks[i].is("Stack") || !path_sep(toks, i + 1) {
        return None;
    }
    let ctor = toks.get(i + 3)?;
    let args = toks.get(i + 4)?;
    args.group(Delimiter::Parenthesis)?;
    let args = split(args.inner(), ',');
    // A type path, not a value: `SimpleApp`, `templates::Web` (a variable holding a template is not one).
    let type_path = |p: &[Tok]| {
        let words = path_words(p)?;
        let last = words.last()?;
        let upper = last.starts_with(|c: char| c.is_uppercase());
        let generic = words.len() == 1 && generics.contains(last);
        (upper && !generic).then(|| stream(p))
    };
    let res = if ctor.is("from_template") {
        args.first()
            .and_then(|p| type_path(p))
            .map(|p| quote!(<#p as ::kubricate::Template>::Output))
    } else if ctor.is("from_static") {
        args.get(1).and_then(|arg| match arg.split_last() {
            Some((body, path)) if body.group(Delimiter::Brace).is_some() => type_path(path),
            _ => None,
        })
    } else {
        return None;
    };
    Some((i + 5, res))
}

/// What one `use_secrets` closure body says about resources, read before it is rewritten.
#[derive(Default)]
pub struct Scan {
    any_into: bool,
    any_default: bool,
    /// The first injected secret, for the message of the workload check.
    first_secret: Option<Str>,
    /// A strategy that may not need a workload (`target_path`, or a run-time value).
    unknown_target: bool,
}

impl Scan {
    pub fn of(body: &[Tok]) -> Scan {
        let mut scan = Scan::default();
        scan.read(body);
        scan
    }

    fn read(&mut self, toks: &[Tok]) {
        for (i, t) in toks.iter().enumerate() {
            if let Some((method, args)) = segment(toks, i) {
                match method {
                    "into_resource" => self.any_into = true,
                    "set_default_resource_id" => self.any_default = true,
                    "secrets" | "secret" if self.first_secret.is_none() => {
                        self.first_secret = lit_str(args.inner());
                    }
                    "inject_as" => self.unknown_target = true,
                    "inject" if !args.inner().is_empty() => match strategy_of(args) {
                        Some(Ok(call)) if call.kind.is_some() && !call.explicit_path => {}
                        _ => self.unknown_target = true,
                    },
                    _ => {}
                }
            }
            if let TokenTree::Group(_) = &t.tt {
                self.read(t.inner());
            }
        }
    }

    /// `one_workload::<R>();`, spanned on the first secret (rustc reports an unsatisfied bound of a
    /// call at its type argument), when no injection of the closure names its resource.
    pub fn workload_check(&self, res: &TokenStream) -> Option<TokenStream> {
        if self.any_into || self.any_default || self.unknown_target {
            return None;
        }
        let span = self.first_secret.as_ref()?.span();
        let res = respan(res.clone(), span);
        Some(quote_spanned!(span=> ::kubricate::__private::checks::one_workload::<#res>();))
    }
}

/// `ids::<R>().field`, the field spanned on the literal; `None` when no identifier spells the id.
fn id_field(res: &TokenStream, id: &Str) -> Option<TokenStream> {
    let field = crate::case::field_ident(&id.value(), id.span())?;
    Some(quote_spanned!(id.span()=> ::kubricate::__private::ids::<#res>().#field))
}

/// The argument of `.into_resource("id")` (`explicit`: the chain writes to a `target_path`, so any
/// kind will do) or of `set_default_resource_id("id")`: a checked id, or `None` to keep the literal.
pub fn resource_id(res: &TokenStream, id: &Str, explicit: bool) -> Option<TokenStream> {
    let field = id_field(res, id)?;
    Some(if explicit {
        quote_spanned!(id.span()=> #field.id())
    } else {
        quote_spanned!(id.span()=> ::kubricate::__private::checks::workload(#field))
    })
}

/// The keys of the object in `json!({ "id": .. })`, when `arg` is that macro call.
fn json_object_keys(arg: &[Tok]) -> Vec<Str> {
    let mut keys = Vec::new();
    let [path @ .., bang, body] = arg else {
        return keys;
    };
    let is_json = path_words(path).is_some_and(|w| w.last().is_some_and(|l| l == "json"));
    let (true, true, Some(_)) = (is_json, bang.punct('!'), body.group(Delimiter::Parenthesis))
    else {
        return keys;
    };
    let [object] = body.inner() else {
        return keys;
    };
    if object.group(Delimiter::Brace).is_none() {
        return keys;
    }
    for entry in split(object.inner(), ',') {
        if let [key, colon, ..] = entry {
            if colon.punct(':') {
                keys.extend(lit_str(std::slice::from_ref(key)));
            }
        }
    }
    keys
}

/// The argument list of `.override(json!({ "id": .. }))` (`args`, and `walked`, the same tokens
/// with the walk's rewrites) with every literal id checked first:
/// `{ let _ = ids::<R>().id; ..; json!(..) }`; `Err(walked)`, untouched, when there is nothing to
/// check.
pub fn override_args(
    res: &TokenStream,
    args: &[Tok],
    walked: TokenStream,
    span: Span,
) -> Result<TokenTree, TokenStream> {
    let Some(first) = split(args, ',').into_iter().next() else {
        return Err(walked);
    };
    let uses: Vec<TokenStream> = json_object_keys(first)
        .iter()
        .filter_map(|key| id_field(res, key))
        .map(|f| quote!(let _ = #f;))
        .collect();
    if uses.is_empty() {
        return Err(walked);
    }
    let args = walked;
    // The checks follow the argument (see `Walker::use_secrets` on why nothing may precede it).
    let value = proc_macro2::Ident::new("__kubricate_patch", Span::mixed_site());
    Ok(super::tokens::group(
        Delimiter::Parenthesis,
        quote!({ let #value = #args; #(#uses)* #value }),
        span,
    ))
}
