//! How deeply a file nests, measured on its tokens before `syn` parses it: syn (and the visitors
//! after it) recurse once per level, so a hostile file of 100,000 nested parentheses, closures or
//! `Vec<Vec<…>>` would overflow even the analysis threads' large stacks and abort the whole run.
//! A file nesting deeper than [`MAX_NESTING`] is skipped with a diagnostic instead.

use proc_macro2::{TokenStream, TokenTree};

/// Deepest nesting analyzed. Real code stays within a few hundred levels; the analysis threads'
/// stacks hold at least 20,000 levels of the costliest kind (generic arguments).
pub(crate) const MAX_NESTING: usize = 10_000;

/// Why a file was not parsed.
pub(crate) enum Unparsed {
    /// syn (or the lexer) rejected it.
    Syntax(syn::Error),
    /// It nests deeper than the cap: (line, column, depth).
    TooDeep(usize, usize, usize),
}

/// Parses a file as `syn::parse_file` does (a byte-order mark and a `#!` line are skipped),
/// lexing it once and refusing it when it nests deeper than [`MAX_NESTING`].
pub(crate) fn parse_file(text: &str) -> Result<syn::File, Unparsed> {
    let mut body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut shebang = None;
    if body.starts_with("#!") && !body[2..].trim_start().starts_with('[') {
        let end = body.find('\n').unwrap_or(body.len());
        shebang = Some(body[..end].to_string());
        body = &body[end..];
    }
    let tokens: TokenStream = body
        .parse()
        .map_err(|e: proc_macro2::LexError| Unparsed::Syntax(syn::Error::new(e.span(), e)))?;
    if let Some((line, column, depth)) = deepest(tokens.clone(), MAX_NESTING) {
        return Err(Unparsed::TooDeep(line, column, depth));
    }
    let mut file: syn::File = syn::parse2(tokens).map_err(Unparsed::Syntax)?;
    file.shebang = shebang;
    Ok(file)
}

/// The deepest nesting of `tokens` when it exceeds `cap`, with the line and column where it
/// did; `None` when it stays within `cap`.
///
/// A level is a delimiter (`(`, `[`, `{`), or, within one statement at one delimiter level, an
/// open `<`, a closure's `|…|` (two `|` tokens), or a prefix operator in a run (`!`, `-`, `*`,
/// `&`). Lexing (proc-macro2) and this walk use no recursion.
///
/// # Complexity
/// O(n) for a text of n bytes.
fn deepest(tokens: TokenStream, cap: usize) -> Option<(usize, usize, usize)> {
    // Per open group: its tokens, its depth, and the statement counters of that level.
    struct Level {
        tokens: proc_macro2::token_stream::IntoIter,
        depth: usize,
        angles: usize,
        pipes: usize,
        prefix: usize,
    }
    let level = |tokens: TokenStream, depth: usize| Level {
        tokens: tokens.into_iter(),
        depth,
        angles: 0,
        pipes: 0,
        prefix: 0,
    };
    let mut stack = vec![level(tokens, 0)];
    while let Some(top) = stack.last_mut() {
        let Some(token) = top.tokens.next() else {
            stack.pop();
            continue;
        };
        let here = top.depth + top.angles + top.pipes / 2 + top.prefix;
        match token {
            TokenTree::Group(g) => {
                top.prefix = 0;
                let depth = here + 1;
                if depth > cap {
                    let at = g.span().start();
                    return Some((at.line, at.column + 1, depth));
                }
                stack.push(level(g.stream(), depth));
            }
            TokenTree::Punct(p) => {
                match p.as_char() {
                    ';' => (top.angles, top.pipes, top.prefix) = (0, 0, 0),
                    '<' => top.angles += 1,
                    '>' => top.angles = top.angles.saturating_sub(1),
                    '|' => top.pipes += 1,
                    '!' | '-' | '*' | '&' => top.prefix += 1,
                    _ => top.prefix = 0,
                }
                let now = top.depth + top.angles + top.pipes / 2 + top.prefix;
                if now > cap {
                    let at = p.span().start();
                    return Some((at.line, at.column + 1, now));
                }
            }
            TokenTree::Ident(_) | TokenTree::Literal(_) => top.prefix = 0,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn too_deep(text: &str, cap: usize) -> Option<(usize, usize, usize)> {
        deepest(text.parse().expect("lexes"), cap)
    }

    #[test]
    fn ordinary_code_is_shallow_and_hostile_nesting_is_caught() {
        let ok = "fn f(v: Vec<Vec<u8>>) -> bool { let g = |x: u8| x < 3 && !v.is_empty(); g(1) }";
        assert_eq!(too_deep(ok, 20), None);
        let n = 300;
        for (text, kind) in [
            (
                format!("fn f() {{ {}1{} }}", "(".repeat(n), ")".repeat(n)),
                "parens",
            ),
            (
                format!("type T = {}u8{};", "Vec<".repeat(n), ">".repeat(n)),
                "generics",
            ),
            (
                format!("fn g() {{ let _ = {}0; }}", "|x: i32| ".repeat(n)),
                "closures",
            ),
            (format!("fn h() -> i32 {{ {}1 }}", "-".repeat(n)), "unary"),
            (
                format!("m!{}{}", "[".repeat(n), "]".repeat(n)),
                "macro arguments",
            ),
        ] {
            let found = too_deep(&text, 100);
            assert!(
                found.is_some_and(|(line, _, d)| line == 1 && d > 100),
                "{kind}"
            );
        }
        // Long flat statements are not nesting.
        let flat = format!("const A: [&str; 3000] = [{}];", "&\"x\", ".repeat(3000));
        assert_eq!(too_deep(&flat, 100), None);
        let sum = format!("fn s() -> u32 {{ {}1 }}", "1 + ".repeat(3000));
        assert_eq!(too_deep(&sum, 100), None);
    }
}
