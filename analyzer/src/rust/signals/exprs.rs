//! Small, bounded helpers over expressions and tokens: literal text, receiver names, handler
//! paths of router chains.

use proc_macro2::{TokenStream, TokenTree};
use syn::{Expr, Lit, Path};

pub(super) use super::super::syntax::ident_text;
use super::vocab::ROUTER_METHODS;

/// Deepest token nesting of a macro whose tokens are searched for clues.
pub(super) const MAX_MACRO_NESTING: usize = 32;
/// Most steps taken along a method-call chain by the small chain helpers.
pub(super) const MAX_CHAIN: usize = 64;

/// `expr` without parentheses, references, invisible groups and no-argument conversions
/// (`.as_str()`, `.to_string()`, …).
pub(super) fn strip(mut expr: &Expr) -> &Expr {
    for _ in 0..MAX_CHAIN {
        expr = match expr {
            Expr::Paren(p) => &p.expr,
            Expr::Reference(r) => &r.expr,
            Expr::Group(g) => &g.expr,
            Expr::MethodCall(m)
                if m.args.is_empty()
                    && ["as_str", "to_string", "to_owned", "into", "as_ref", "clone"]
                        .iter()
                        .any(|n| m.method == n) =>
            {
                &m.receiver
            }
            _ => return expr,
        };
    }
    expr
}

/// The value of a string literal token.
pub(super) fn token_str(token: &TokenTree) -> Option<String> {
    match token {
        TokenTree::Literal(lit) => match Lit::new(lit.clone()) {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// The first string literal at the top level of a token stream (`format!("…", …)`).
pub(super) fn first_token_str(tokens: &TokenStream) -> Option<String> {
    tokens.clone().into_iter().find_map(|t| token_str(&t))
}

/// The string an expression visibly holds: a literal, or a `format!`-like macro's template.
pub(super) fn literal_text(expr: &Expr) -> Option<String> {
    match strip(expr) {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        Expr::Macro(m) => {
            let name = m.mac.path.segments.last()?.ident.to_string();
            matches!(name.as_str(), "format" | "concat" | "indoc" | "formatdoc")
                .then(|| first_token_str(&m.mac.tokens))
                .flatten()
        }
        _ => None,
    }
}

/// The lowercase identifiers along a receiver chain, innermost last
/// (`self.consumer.stream()` → `["stream", "consumer", "self"]`).
pub(super) fn chain_names(mut expr: &Expr) -> Vec<String> {
    let mut names = Vec::new();
    for _ in 0..8 {
        expr = match expr {
            Expr::Path(p) => {
                if let Some(s) = p.path.segments.last() {
                    names.push(s.ident.to_string().to_ascii_lowercase());
                }
                break;
            }
            Expr::Field(f) => {
                if let syn::Member::Named(id) = &f.member {
                    names.push(id.to_string().to_ascii_lowercase());
                }
                &f.base
            }
            Expr::MethodCall(m) => {
                names.push(m.method.to_string().to_ascii_lowercase());
                &m.receiver
            }
            Expr::Call(c) => {
                if let Expr::Path(p) = &*c.func
                    && let Some(s) = p.path.segments.last()
                {
                    names.push(s.ident.to_string().to_ascii_lowercase());
                }
                break;
            }
            Expr::Try(t) => &t.expr,
            Expr::Await(a) => &a.base,
            Expr::Paren(p) => &p.expr,
            Expr::Reference(r) => &r.expr,
            _ => break,
        };
    }
    names
}

/// Whether a receiver is named like a message consumer (`certain`) or possibly like a stream.
pub(super) fn names_match(expr: &Expr, words: &[&str], exact: &[&str]) -> bool {
    chain_names(expr)
        .iter()
        .any(|n| words.iter().any(|w| n.contains(w)) || exact.contains(&n.as_str()))
}

/// A screaming-case single identifier (`COUNTER`, `CACHE_2`): by convention a static.
pub(super) fn is_screaming(path: &Path) -> bool {
    let Some(ident) = path.get_ident() else {
        return false;
    };
    let s = ident.to_string();
    s.len() >= 2
        && s.chars().any(|c| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Whether an expression (after stripping) is a screaming-case path.
pub(super) fn is_screaming_expr(expr: &Expr) -> bool {
    matches!(strip(expr), Expr::Path(p) if is_screaming(&p.path))
}

/// A path that names a handler function (not a closure, not a constructor call).
pub(super) fn handler_path(expr: &Expr) -> Option<&Path> {
    match strip(expr) {
        Expr::Path(p) if p.qself.is_none() => Some(&p.path),
        _ => None,
    }
}

/// The function a job closure runs: the first call in its body to a path other than a
/// wrapper (`|| job()`, `|_, _| Box::pin(async move { job().await })`), or a path handed over
/// directly (`run(job)`).
pub(super) fn closure_call_target(expr: &Expr) -> Option<&Path> {
    let mut todo: Vec<&Expr> = vec![expr];
    let mut seen = 0;
    while let Some(e) = todo.pop() {
        seen += 1;
        if seen > 64 {
            return None;
        }
        match strip(e) {
            Expr::Path(p) if p.qself.is_none() && seen == 1 => return Some(&p.path),
            Expr::Closure(c) => todo.push(&c.body),
            Expr::Async(a) => todo.extend(a.block.stmts.iter().rev().filter_map(stmt_expr)),
            Expr::Block(b) => todo.extend(b.block.stmts.iter().rev().filter_map(stmt_expr)),
            Expr::Await(a) => todo.push(&a.base),
            Expr::Call(c) => match &*c.func {
                Expr::Path(p)
                    if !p.path.segments.iter().any(|s| {
                        matches!(
                            s.ident.to_string().as_str(),
                            "Box" | "Arc" | "pin" | "spawn"
                        )
                    }) =>
                {
                    return Some(&p.path);
                }
                _ => todo.extend(c.args.iter().rev()),
            },
            _ => {}
        }
    }
    None
}

/// The expression of a statement, if it is one.
fn stmt_expr(s: &syn::Stmt) -> Option<&Expr> {
    match s {
        syn::Stmt::Expr(e, _) => Some(e),
        _ => None,
    }
}

/// Whether a method chain calls one of `names` (`scheduler.every(1.minutes()).run(…)`).
pub(super) fn chain_has_method(mut expr: &Expr, names: &[&str]) -> bool {
    for _ in 0..MAX_CHAIN {
        match strip(expr) {
            Expr::MethodCall(m) => {
                if names.iter().any(|n| m.method == n) {
                    return true;
                }
                expr = &m.receiver;
            }
            _ => return false,
        }
    }
    false
}

/// A single plural name (`subscribers`, `items`): a collection walked, not a stream polled.
pub(super) fn is_plural_path(expr: &Expr) -> bool {
    matches!(strip(expr), Expr::Path(p) if p.path.get_ident().is_some_and(|id| {
        let name = id.to_string();
        name.len() > 3 && name.ends_with('s') && !name.ends_with("ss")
    }))
}

/// The handler paths of a method router (`get(h)`, `post(h).get(h2)`, `web::get().to(h)`,
/// `on(MethodFilter::GET, h)`), in source order.
pub(super) fn router_handlers(mut expr: &Expr) -> Vec<Path> {
    let mut found = Vec::new();
    for _ in 0..MAX_CHAIN {
        match strip(expr) {
            Expr::MethodCall(m) => {
                if ROUTER_METHODS.iter().any(|n| m.method == n) {
                    found.extend(m.args.last().and_then(handler_path).cloned());
                }
                expr = &m.receiver;
            }
            Expr::Call(c) => {
                let is_router = match &*c.func {
                    Expr::Path(p) => p
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| ROUTER_METHODS.iter().any(|n| s.ident == n)),
                    _ => false,
                };
                if is_router {
                    found.extend(c.args.last().and_then(handler_path).cloned());
                }
                break;
            }
            _ => break,
        }
    }
    found.reverse();
    found
}

/// Whether a method chain is built from actix-web's `web::resource(…)`, `web::get()`, `Route`.
pub(super) fn is_actix_chain(mut expr: &Expr) -> bool {
    for _ in 0..MAX_CHAIN {
        match strip(expr) {
            Expr::MethodCall(m) => expr = &m.receiver,
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else {
                    return false;
                };
                return p.path.segments.iter().any(|s| {
                    ["web", "resource", "route", "Route", "Resource", "scope"]
                        .iter()
                        .any(|n| s.ident == n)
                }) || p.path.get_ident().is_some_and(|id| {
                    ["get", "post", "put", "delete", "patch", "head", "method"]
                        .iter()
                        .any(|n| id == n)
                });
            }
            _ => return false,
        }
    }
    false
}

/// Whether a filter chain mentions warp (`warp::path(…)`, `warp::path!(…)`, `warp::get()`).
pub(super) fn mentions_warp(expr: &Expr) -> bool {
    let mut work: Vec<&Expr> = vec![expr];
    let mut steps = 0;
    while let Some(e) = work.pop() {
        steps += 1;
        if steps > MAX_CHAIN {
            return false;
        }
        match strip(e) {
            Expr::MethodCall(m) => {
                work.push(&m.receiver);
                work.extend(m.args.iter());
            }
            Expr::Call(c) => {
                work.push(&c.func);
                work.extend(c.args.iter());
            }
            Expr::Path(p) if p.path.segments.first().is_some_and(|s| s.ident == "warp") => {
                return true;
            }
            Expr::Macro(m)
                if m.mac
                    .path
                    .segments
                    .first()
                    .is_some_and(|s| s.ident == "warp") =>
            {
                return true;
            }
            _ => {}
        }
    }
    false
}
