//! Calls inside macro invocations: a macro's tokens are split at top-level `,` `;` `=` and `=>`
//! and each piece that parses as an expression is analyzed like code (the name before a lone `=`
//! is a binding, not an expression) (`format!`, `vec!`,
//! `assert_eq!`, `tokio::join!`, `select!` arms…). Pieces that do not parse are searched for
//! bracketed groups that do; anything else is skipped silently. Tokens that are not a plain list
//! of expressions but parse whole as a block's statements (`try_stream! { while let Some(m) =
//! s.next().await? { yield m; } }`, whose `=` would otherwise split a `while let`) are read as
//! those statements instead; the items among them are left out.

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::parse::Parser;
use syn::{Expr, Stmt};

/// Deepest group nesting searched inside one macro.
const MAX_GROUP_DEPTH: u32 = 16;

/// The code found in a macro invocation's tokens.
pub(crate) struct MacroCode {
    /// The expressions, in order (none when `stmts` holds the code).
    pub exprs: Vec<Expr>,
    /// The statements, when the tokens parse whole as a block's statements and are not a plain
    /// list of expressions.
    pub stmts: Vec<Stmt>,
    /// Whether the tokens were read whole: a plain comma-separated list of expressions, or
    /// statements (`false` for `select!` arms, item syntax, or any piece that does not parse).
    pub plain: bool,
}

/// The code found in a macro invocation's tokens.
pub(crate) fn macro_exprs(mac: &syn::Macro) -> MacroCode {
    // Rocket's `uri!(route)` names a route to build a URI for; it calls nothing.
    if mac.tokens.is_empty() || mac.path.segments.last().is_some_and(|s| s.ident == "uri") {
        return MacroCode {
            exprs: Vec::new(),
            stmts: Vec::new(),
            plain: true,
        };
    }
    let mut out = Out {
        exprs: Vec::new(),
        plain: true,
    };
    split(mac.tokens.clone(), 0, &mut out);
    if !out.plain
        && let Ok(stmts) = syn::Block::parse_within.parse2(mac.tokens.clone())
    {
        return MacroCode {
            exprs: Vec::new(),
            stmts: stmts
                .into_iter()
                .filter(|s| !matches!(s, Stmt::Item(_)))
                .collect(),
            plain: true,
        };
    }
    MacroCode {
        exprs: out.exprs,
        stmts: Vec::new(),
        plain: out.plain,
    }
}

/// What the split has found so far.
struct Out {
    exprs: Vec<Expr>,
    plain: bool,
}

fn split(ts: TokenStream, depth: u32, out: &mut Out) {
    if depth > MAX_GROUP_DEPTH {
        out.plain = false;
        return;
    }
    let mut chunk: Vec<TokenTree> = Vec::new();
    let mut prev_joint = false;
    let mut iter = ts.into_iter().peekable();
    while let Some(tt) = iter.next() {
        let mut sep = false;
        let mut named = false;
        if let TokenTree::Punct(p) = &tt {
            let c = p.as_char();
            sep = match c {
                ',' | ';' => true,
                '=' if !prev_joint => match p.spacing() {
                    Spacing::Alone => {
                        // `name = value` (a `format!` named argument, a `select!` binding): the
                        // name is not an expression.
                        named = true;
                        true
                    }
                    Spacing::Joint => {
                        let arrow =
                            matches!(iter.peek(), Some(TokenTree::Punct(q)) if q.as_char() == '>');
                        if arrow {
                            iter.next();
                        }
                        arrow
                    }
                },
                _ => false,
            };
            prev_joint = p.spacing() == Spacing::Joint && !sep;
        } else {
            prev_joint = false;
        }
        if sep && depth == 0 && !matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
            out.plain = false;
        }
        if named {
            // The name is the last token; what precedes it (a `select!` arm's body without a
            // comma) is still code.
            chunk.pop();
            flush(&mut chunk, depth, out);
        } else if sep {
            flush(&mut chunk, depth, out);
        } else {
            chunk.push(tt);
        }
    }
    flush(&mut chunk, depth, out);
}

fn flush(chunk: &mut Vec<TokenTree>, depth: u32, out: &mut Out) {
    if chunk.is_empty() {
        return;
    }
    // A lone literal (the format string) holds no call.
    if chunk.len() == 1 && matches!(chunk[0], TokenTree::Literal(_)) {
        chunk.clear();
        return;
    }
    // A lone name (`format!("{}", x)`, `vec![handler]`) is a path expression: built directly,
    // as syn would parse it, without a token buffer (macro arguments are most of them).
    if let [TokenTree::Ident(name)] = chunk.as_slice()
        && !is_keyword(name)
    {
        out.exprs.push(Expr::Path(syn::ExprPath {
            attrs: Vec::new(),
            qself: None,
            path: syn::Path::from(name.clone()),
        }));
        chunk.clear();
        return;
    }
    // The groups are kept aside (a group's clone shares its tokens) so that the stream handed
    // to syn is its only owner and is not copied token by token again.
    let groups: Vec<proc_macro2::Group> = chunk
        .iter()
        .filter_map(|tt| match tt {
            TokenTree::Group(g) => Some(g.clone()),
            _ => None,
        })
        .collect();
    let ts: TokenStream = chunk.drain(..).collect();
    match syn::parse2::<Expr>(ts) {
        Ok(e) => out.exprs.push(e),
        Err(_) => {
            out.plain = false;
            for g in groups {
                split(g.stream(), depth + 1, out);
            }
        }
    }
}

/// Whether `name` is a Rust keyword (strict or reserved, any edition), which syn parses as
/// something other than a path (`true`, `return`, `self`…) or not at all.
fn is_keyword(name: &proc_macro2::Ident) -> bool {
    const KEYWORDS: [&str; 52] = [
        "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
        "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
        "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv",
        "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try",
        "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
    ];
    KEYWORDS.iter().any(|k| name == k) || name == "_"
}
