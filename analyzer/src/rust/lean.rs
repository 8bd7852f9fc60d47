//! A file parsed as `syn` parses it, less the bodies of test code: the analysis leaves test-only
//! items out (`syntax::is_test`), so parsing their bodies (often a fifth of a real crate's source,
//! in inline `#[cfg(test)] mod tests { … }`) is work thrown away. A test-only function keeps its
//! attributes and signature with an empty body; a test-only inline module keeps its attributes and
//! name with no items. Their tokens are still lexed (and checked for nesting depth) but not parsed,
//! so a syntax error inside them no longer costs the rest of the file. Everything else is exactly
//! the `syn::File` that `syn::parse_file` gives, with inline modules parsed by the same rule.
//!
//! # Complexity
//! O(tokens): a skipped body is stepped over as one token group.

use proc_macro2::Delimiter;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Block, File, Item, ItemFn, ItemMod, Signature, Token, Visibility, token};

use super::syntax::is_test;

/// A `syn::File` whose test-only items carry no body.
pub(crate) struct LeanFile(pub(crate) File);

impl Parse for LeanFile {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_inner)?;
        let items = items(input)?;
        Ok(LeanFile(File {
            shebang: None,
            attrs,
            items,
        }))
    }
}

/// Items up to the end of `input`.
fn items(input: ParseStream<'_>) -> syn::Result<Vec<Item>> {
    let mut items = Vec::new();
    while !input.is_empty() {
        items.push(item(input)?);
    }
    Ok(items)
}

/// One item: a test-only function or inline module without its body, an inline module by this
/// same rule, anything else as syn parses it.
fn item(input: ParseStream<'_>) -> syn::Result<Item> {
    let ahead = input.fork();
    let attrs = ahead.call(Attribute::parse_outer)?;
    let _: Visibility = ahead.parse()?;
    let test = is_test(&attrs);
    if is_inline_module(&ahead.fork()) {
        return inline_module(input, test).map(Item::Mod);
    }
    if test && ahead.parse::<Signature>().is_ok() && ahead.peek(token::Brace) {
        return test_fn(input).map(Item::Fn);
    }
    input.parse()
}

/// Whether `ahead` (a fork past an item's attributes and visibility, which this moves) starts
/// `unsafe? mod name {`: a module declared with `;` is left to syn.
fn is_inline_module(ahead: ParseStream<'_>) -> bool {
    let _: Option<Token![unsafe]> = ahead.parse().unwrap_or_default();
    ahead.parse::<Token![mod]>().is_ok()
        && ahead
            .call(<syn::Ident as syn::ext::IdentExt>::parse_any)
            .is_ok()
        && ahead.peek(token::Brace)
}

/// An inline module (`mod name { … }`), its items read by [`items`], or none at all when a test
/// module's.
fn inline_module(input: ParseStream<'_>, test: bool) -> syn::Result<ItemMod> {
    let mut attrs = input.call(Attribute::parse_outer)?;
    let vis = input.parse()?;
    let unsafety = input.parse()?;
    let mod_token = input.parse()?;
    let ident = input.call(syn::ext::IdentExt::parse_any)?;
    let (brace_token, items) = if test {
        (skip_braces(input)?, Vec::new())
    } else {
        let content;
        let brace_token = syn::braced!(content in input);
        attrs.extend(content.call(Attribute::parse_inner)?);
        (brace_token, items(&content)?)
    };
    Ok(ItemMod {
        attrs,
        vis,
        unsafety,
        mod_token,
        ident,
        content: Some((brace_token, items)),
        semi: None,
    })
}

/// A test function with its attributes and signature, and an empty body.
fn test_fn(input: ParseStream<'_>) -> syn::Result<ItemFn> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis = input.parse()?;
    let sig = input.parse()?;
    let brace_token = skip_braces(input)?;
    Ok(ItemFn {
        attrs,
        vis,
        sig,
        block: Box::new(Block {
            brace_token,
            stmts: Vec::new(),
        }),
    })
}

/// Steps over one `{ … }` group without parsing what it holds.
fn skip_braces(input: ParseStream<'_>) -> syn::Result<token::Brace> {
    input.step(|cursor| match cursor.group(Delimiter::Brace) {
        Some((_, span, rest)) => Ok((token::Brace { span }, rest)),
        None => Err(cursor.error("expected `{`")),
    })
}
