//! A file parsed as `syn` parses it, less the bodies of test code: the analysis leaves test-only
//! items out (`syntax::is_test`), so parsing their bodies (often a fifth of a real crate's source,
//! in inline `#[cfg(test)] mod tests { … }`) is work thrown away. A test-only function keeps its
//! attributes and signature with an empty body; a test-only inline module keeps its attributes and
//! name with no items. Their tokens are still lexed (and checked for nesting depth) but not parsed,
//! so a syntax error inside them no longer costs the rest of the file. The values of `const` and
//! `static` items are kept as tokens, unparsed, for the same reason: the analysis reads their
//! names, types and mutability only (a `const _: () = { … };` block, whose items it reads, is
//! parsed). Everything else is exactly the items of the `syn::File` that `syn::parse_file`
//! gives, with inline modules parsed by the same rule; the top-level items are handed over one at
//! a time as they are parsed ([`for_each_item`]), never gathered into a tree of the whole file.
//!
//! # Complexity
//! O(tokens): a skipped body is stepped over as one token group.

use proc_macro2::Delimiter;
use syn::parse::ParseStream;
use syn::parse::discouraged::Speculative;
use syn::{Attribute, Block, Item, ItemFn, ItemMod, Signature, Token, Visibility, token};

use super::syntax::is_test;

/// Parses a file's inner attributes, then its items one at a time, handing each to `each` as
/// soon as it is parsed instead of keeping the file's tree: the caller reads an item while it is
/// fresh in the cache and drops it before the next is parsed, so that the allocator hands the same
/// memory to the next item. Returns the inner attributes.
pub(crate) fn for_each_item(
    input: ParseStream<'_>,
    each: &mut dyn FnMut(Item),
) -> syn::Result<Vec<Attribute>> {
    let attrs = input.call(Attribute::parse_inner)?;
    while !input.is_empty() {
        each(item(input)?);
    }
    Ok(attrs)
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
/// same rule, a `const` or `static` without its value (see [`value_item`]), anything else as syn
/// parses it.
fn item(input: ParseStream<'_>) -> syn::Result<Item> {
    let ahead = input.fork();
    let attrs = ahead.call(Attribute::parse_outer)?;
    let vis: Visibility = ahead.parse()?;
    let test = is_test(&attrs);
    if is_inline_module(&ahead.fork()) {
        return inline_module(input, test).map(Item::Mod);
    }
    let sig = ahead.fork();
    if test && sig.parse::<Signature>().is_ok() && sig.peek(token::Brace) {
        return test_fn(input).map(Item::Fn);
    }
    if let Some(item) = value_item(&ahead, attrs, vis)? {
        input.advance_to(&ahead);
        return Ok(item);
    }
    input.parse()
}

/// A `const` or `static` item whose value is not a block, read from `ahead` (past the item's
/// `attrs` and `vis`), its value kept as tokens: the analysis reads the name, type and mutability
/// of such an item, never its value, and a generated table can be a large share of a crate
/// (rust-analyzer's list of lints is 0.7 MB of its 13 MB). `None` for anything else, `const _: ()
/// = { … };` included (the items of its block are read); `ahead` may have moved then.
fn value_item(
    ahead: ParseStream<'_>,
    attrs: Vec<Attribute>,
    vis: Visibility,
) -> syn::Result<Option<Item>> {
    /// What comes before the name, and the name, as syn reads each kind.
    enum Head {
        Static(Token![static], syn::StaticMutability, syn::Ident),
        Const(Token![const], syn::Ident),
    }
    let head = if ahead.peek(Token![static]) {
        Head::Static(ahead.parse()?, ahead.parse()?, ahead.parse()?)
    } else if ahead.peek(Token![const])
        && (ahead.peek2(syn::Ident) || ahead.peek2(Token![_]))
        && ahead.peek3(Token![:])
    {
        Head::Const(ahead.parse()?, ahead.call(syn::ext::IdentExt::parse_any)?)
    } else {
        return Ok(None);
    };
    let colon_token = ahead.parse()?;
    let ty = ahead.parse()?;
    let Some((eq_token, expr, semi_token)) = value(ahead)? else {
        return Ok(None);
    };
    Ok(Some(match head {
        Head::Static(static_token, mutability, ident) => Item::Static(syn::ItemStatic {
            attrs,
            vis,
            static_token,
            mutability,
            ident,
            colon_token,
            ty,
            eq_token,
            expr,
            semi_token,
        }),
        Head::Const(const_token, ident) => Item::Const(syn::ItemConst {
            attrs,
            vis,
            const_token,
            ident,
            generics: syn::Generics::default(),
            colon_token,
            ty,
            eq_token,
            expr,
            semi_token,
        }),
    }))
}

/// An item's `= value;`.
type Value = (Token![=], Box<syn::Expr>, Token![;]);

/// `= value;`, the value's tokens as an [`Expr::Verbatim`](syn::Expr::Verbatim); `None` when
/// there is no `=` or the value starts with a block.
fn value(input: ParseStream<'_>) -> syn::Result<Option<Value>> {
    if !input.peek(Token![=]) || input.peek2(token::Brace) {
        return Ok(None);
    }
    let eq_token = input.parse()?;
    let tokens = input.step(|cursor| {
        let mut tokens = Vec::new();
        let mut rest = *cursor;
        while let Some((tree, next)) = rest.token_tree() {
            if matches!(&tree, proc_macro2::TokenTree::Punct(p) if p.as_char() == ';') {
                return Ok((
                    tokens.into_iter().collect::<proc_macro2::TokenStream>(),
                    rest,
                ));
            }
            tokens.push(tree);
            rest = next;
        }
        Err(cursor.error("expected `;`"))
    })?;
    let semi_token = input.parse()?;
    Ok(Some((
        eq_token,
        Box::new(syn::Expr::Verbatim(tokens)),
        semi_token,
    )))
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
