//! How deeply a file nests, measured on its tokens before `syn` parses it: syn (and the visitors
//! after it) recurse once per level, so a hostile file of 100,000 nested parentheses, closures or
//! `Vec<Vec<…>>` would overflow even the analysis threads' large stacks and abort the whole run.
//! A file nesting deeper than [`MAX_NESTING`] is skipped with a diagnostic instead.

use proc_macro2::TokenStream;

use syn::parse::Parser;

use super::lean;

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

/// Parses a file as `syn::parse_file` does (a byte-order mark and a `#!` line are skipped), less
/// the bodies of test code (`lean`) and less its doc comments, refusing it when it nests deeper
/// than [`MAX_NESTING`] (measured on the text before lexing, so the tokens are not walked or
/// copied twice). Each top-level item goes to `each` as soon as it is parsed
/// ([`lean::for_each_item`]), not into a tree of the whole file; the file's inner attributes are
/// returned. On an error the items already handed over are all there was before it: the caller
/// discards what it made of them.
///
/// Doc comments (`///`, `//!`, `/** */`, `/*! */`) are lexed as plain comments: the analysis
/// never reads them, and as doc comments each would become a `#[doc = "…"]` attribute of four
/// tokens that syn then parses. The walk that measures the nesting finds them (it knows where
/// strings and comments are); their marker byte (the third `/`, the `!`, the second `*`) becomes
/// a space in a copy of the text, so every line and column stays where it was.
pub(crate) fn parse_items(
    text: &str,
    each: &mut dyn FnMut(syn::Item),
) -> Result<Vec<syn::Attribute>, Unparsed> {
    let (tokens, _shebang) = lex(text)?;
    items_of(tokens, each)
}

/// [`parse_items`] on a file's tokens.
fn items_of(
    tokens: TokenStream,
    each: &mut dyn FnMut(syn::Item),
) -> Result<Vec<syn::Attribute>, Unparsed> {
    (|input: syn::parse::ParseStream<'_>| lean::for_each_item(input, each))
        .parse2(tokens)
        .map_err(Unparsed::Syntax)
}

/// The whole file [`parse_items`] reads, as one tree.
#[cfg(test)]
pub(crate) fn parse_file(text: &str) -> Result<syn::File, Unparsed> {
    let (tokens, shebang) = lex(text)?;
    let mut items = Vec::new();
    let attrs = items_of(tokens, &mut |item| items.push(item))?;
    Ok(syn::File {
        shebang,
        attrs,
        items,
    })
}

/// The tokens of a file (its doc comments lexed as plain ones) and its `#!` line, or why it is
/// not parsed.
fn lex(text: &str) -> Result<(TokenStream, Option<String>), Unparsed> {
    let mut body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut shebang = None;
    let mut first_line = 1;
    if body.starts_with("#!") && !body[2..].trim_start().starts_with('[') {
        let end = body.find('\n').unwrap_or(body.len());
        shebang = Some(body[..end].to_string());
        body = &body[end..];
        first_line = 0;
    }
    let mut docs = Vec::new();
    if let Some((line, column, depth)) = walk(body, MAX_NESTING, &mut docs) {
        return Err(Unparsed::TooDeep(line + 1 - first_line, column, depth));
    }
    let plain;
    if !docs.is_empty() {
        let mut bytes = body.as_bytes().to_vec();
        for at in docs {
            bytes[at] = b' ';
        }
        // An ASCII byte became another: still UTF-8, and the fallback never fails.
        plain = String::from_utf8(bytes).unwrap_or_else(|_| body.to_string());
        body = &plain;
    }
    let tokens: TokenStream = body
        .parse()
        .map_err(|e: proc_macro2::LexError| Unparsed::Syntax(syn::Error::new(e.span(), e)))?;
    Ok((tokens, shebang))
}

/// Nesting counters of one delimiter level.
#[derive(Clone, Copy)]
struct Level {
    /// Depth of the level itself.
    depth: usize,
    /// Open `<` in the current statement.
    angles: usize,
    /// `|` seen in the current statement (two make a closure's parameters).
    pipes: usize,
    /// Prefix operators in a run.
    prefix: usize,
}

impl Level {
    fn now(&self) -> usize {
        self.depth + self.angles + self.pipes / 2 + self.prefix
    }
}

/// The deepest nesting of Rust source `text` when it exceeds `cap`, with the 1-based line and
/// column where it did; `None` when it stays within `cap`.
///
/// A level is a delimiter (`(`, `[`, `{`), or, within one statement at one delimiter level, an
/// open `<`, a closure's `|…|` (two `|`), or a prefix operator in a run (`!`, `-`, `*`, `&`).
/// Comments, string, character and raw string literals are skipped as the lexer skips them.
/// Records in `docs` where each doc comment's marker byte is (the byte that makes `//`, `/*` a
/// doc comment: `///`'s third `/`, `//!`'s and `/*!`'s `!`, `/**`'s second `*`).
/// No recursion and no allocation besides the stack of open delimiters and `docs`. The walk classifies
/// bytes by a table, steps over white space and words in runs and over literals and comments with
/// `memchr`, and does not count lines: the line and column are counted only once the cap is passed.
///
/// # Complexity
/// O(n) for a text of n bytes.
fn walk(text: &str, cap: usize, docs: &mut Vec<usize>) -> Option<(usize, usize, usize)> {
    let b = text.as_bytes();
    let n = b.len();
    let mut i = 0usize;
    // Where the cap was passed, as a line and column: counted only then, so that the walk
    // itself does not track lines.
    let at = |i: usize, depth: usize| {
        let before = &b[..i];
        let line = 1 + memchr::memchr_iter(b'\n', before).count();
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
        Some((line, text[line_start..i].chars().count() + 1, depth))
    };
    let mut stack = vec![Level {
        depth: 0,
        angles: 0,
        pipes: 0,
        prefix: 0,
    }];
    // Skips to the end of a quoted literal opened before `j` (escapes honoured unless raw,
    // `hashes` closing `#`s for a raw string); returns the index after it.
    let skip_quoted = |mut j: usize, raw: bool, hashes: usize| {
        loop {
            let Some(off) = (if raw {
                memchr::memchr(b'"', &b[j..])
            } else {
                memchr::memchr2(b'"', b'\\', &b[j..])
            }) else {
                return n;
            };
            j += off;
            if b[j] == b'\\' {
                j += 2;
                if j >= n {
                    return n;
                }
                continue;
            }
            if j + hashes < n && b[j + 1..=j + hashes].iter().all(|&c| c == b'#') {
                return j + 1 + hashes;
            }
            j += 1;
        }
    };
    while i < n {
        let c = b[i];
        match CLASS[c as usize] {
            SPACE => {
                i += 1;
                while i < n && CLASS[b[i] as usize] == SPACE {
                    i += 1;
                }
            }
            WORD => {
                let top = stack.last_mut().expect("the file level stays");
                top.prefix = 0;
                let start = i;
                i += 1;
                while i < n && CLASS[b[i] as usize] == WORD {
                    i += 1;
                }
                // String and character literals with a prefix: b"…", c"…", r"…", r#"…"#, br…, cr…
                let word = &b[start..i];
                if word.len() > 2 {
                    continue;
                }
                match (word, b.get(i).copied()) {
                    (b"b" | b"c", Some(b'"')) => i = skip_quoted(i + 1, false, 0),
                    (b"r" | b"br" | b"cr", Some(b'"' | b'#')) => {
                        let hashes = b[i..].iter().take_while(|&&h| h == b'#').count();
                        if b.get(i + hashes) == Some(&b'"') {
                            i = skip_quoted(i + hashes + 1, true, hashes);
                        }
                    }
                    (b"b", Some(b'\'')) => {
                        i += 1;
                        if b.get(i) == Some(&b'\\') {
                            i += 1;
                        }
                        i += 1;
                        while i < n && b[i] != b'\'' && b[i] != b'\n' {
                            i += 1;
                        }
                        i += 1;
                    }
                    _ => {}
                }
            }
            _ => {
                let top = stack.last_mut().expect("the file level stays");
                match c {
                    b'/' if b.get(i + 1) == Some(&b'/') => {
                        // `///` (not `////`) and `//!` are doc comments, as the lexer reads them.
                        match (b.get(i + 2), b.get(i + 3)) {
                            (Some(b'/'), next) if next != Some(&b'/') => docs.push(i + 2),
                            (Some(b'!'), _) => docs.push(i + 2),
                            _ => {}
                        }
                        // Line and doc comments are much of real source: skip to the newline.
                        i = memchr::memchr(b'\n', &b[i..]).map_or(n, |at| i + at);
                    }
                    b'/' if b.get(i + 1) == Some(&b'*') => {
                        // `/**` (not `/***` nor `/**/`) and `/*!` open doc comments.
                        match (b.get(i + 2), b.get(i + 3)) {
                            (Some(b'*'), next) if !matches!(next, Some(b'*' | b'/')) => {
                                docs.push(i + 2);
                            }
                            (Some(b'!'), _) => docs.push(i + 2),
                            _ => {}
                        }
                        let mut open = 1usize;
                        i += 2;
                        while i < n && open > 0 {
                            match (b[i], b.get(i + 1)) {
                                (b'/', Some(b'*')) => (open, i) = (open + 1, i + 2),
                                (b'*', Some(b'/')) => (open, i) = (open - 1, i + 2),
                                _ => i += 1,
                            }
                        }
                    }
                    b'"' => {
                        top.prefix = 0;
                        i = skip_quoted(i + 1, false, 0);
                    }
                    b'\'' => {
                        top.prefix = 0;
                        // A character literal ('x', '\n', '\u{…}') or a lifetime / label ('a).
                        if b.get(i + 1) == Some(&b'\\') {
                            i += 2;
                            while i < n && b[i] != b'\'' && b[i] != b'\n' {
                                i += 1;
                            }
                            i += 1;
                        } else {
                            let width = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                            if b.get(i + 1 + width) == Some(&b'\'') {
                                i += 2 + width;
                            } else {
                                i += 1;
                            }
                        }
                    }
                    b'(' | b'[' | b'{' => {
                        let depth = top.now() + 1;
                        top.prefix = 0;
                        if depth > cap {
                            return at(i, depth);
                        }
                        stack.push(Level {
                            depth,
                            angles: 0,
                            pipes: 0,
                            prefix: 0,
                        });
                        i += 1;
                    }
                    b')' | b']' | b'}' => {
                        if stack.len() > 1 {
                            stack.pop();
                        }
                        if let Some(outer) = stack.last_mut() {
                            outer.prefix = 0;
                        }
                        i += 1;
                    }
                    _ => {
                        match c {
                            b';' => (top.angles, top.pipes, top.prefix) = (0, 0, 0),
                            b'<' => top.angles += 1,
                            b'>' => top.angles = top.angles.saturating_sub(1),
                            b'|' => top.pipes += 1,
                            b'!' | b'-' | b'*' | b'&' => top.prefix += 1,
                            _ => top.prefix = 0,
                        }
                        let now = top.now();
                        if now > cap {
                            return at(i, now);
                        }
                        i += 1;
                    }
                }
            }
        }
    }
    None
}

/// Byte classes of [`walk`]: white space, identifier and number characters (any byte
/// of a multi-byte character counts as one), and everything else.
const SPACE: u8 = 1;
const WORD: u8 = 2;
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            SPACE
        } else if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 {
            WORD
        } else {
            0
        };
        c += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    fn too_deep(text: &str, cap: usize) -> Option<(usize, usize, usize)> {
        walk(text, cap, &mut Vec::new())
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

    #[test]
    fn literals_and_comments_do_not_nest() {
        let opens = "(".repeat(300);
        for text in [
            format!("const S: &str = \"{opens}\\\"{opens}\";"),
            format!("const R: &str = r#\"{opens}\"{opens}\"#;"),
            format!("const B: &[u8] = br##\"{opens}\"#\"##;"),
            format!("// {opens}\nfn f() {{}}"),
            format!("/* /* {opens} */ {opens} */ fn f() {{}}"),
            format!(
                "fn f<'a>(x: &'a str) -> char {{ let _ = ['(', '\\'', b'[']; '{{' }} // {opens}"
            ),
        ] {
            assert_eq!(too_deep(&text, 100), None, "{text}");
        }
        // What follows a literal still counts, on the right line and column.
        let text = format!("const S: &str = \"a\nb\";\nfn f() {{ {opens} }}");
        assert_eq!(too_deep(&text, 100), Some((3, 109, 101)));
    }

    #[test]
    fn doc_comments_are_lexed_as_plain_comments_and_nothing_moves() {
        let text = "//! crate docs\n/*! inner block */\n/// outer\n/** block */\n#[inline]\nfn f() {\n    /// on a statement\n    let s = \"/// not a doc\";\n}\n/**/ //// plain\n/*** plain */ fn g() {}\n";
        let mut docs = Vec::new();
        assert_eq!(walk(text, 100, &mut docs), None);
        let marks: Vec<&str> = docs.iter().map(|&at| &text[at - 2..at + 1]).collect();
        assert_eq!(marks, ["//!", "/*!", "///", "/**", "///"]);
        let Ok(file) = parse_file(text) else {
            panic!("the file parses");
        };
        assert!(file.attrs.is_empty(), "no inner doc attributes");
        let [syn::Item::Fn(f), syn::Item::Fn(g)] = file.items.as_slice() else {
            panic!("two functions");
        };
        // The one attribute that is not a doc comment stays; lines and columns do not move.
        assert_eq!(f.attrs.len(), 1);
        assert!(f.attrs[0].path().is_ident("inline"));
        let at = f.sig.ident.span().start();
        assert_eq!((at.line, at.column), (6, 3));
        let at = g.sig.ident.span().start();
        assert_eq!((at.line, at.column), (11, 17));
        // A string that looks like a doc comment is a string.
        let Some(syn::Stmt::Local(local)) = f.block.stmts.first() else {
            panic!("a let statement");
        };
        assert!(local.attrs.is_empty());
        let Some(init) = &local.init else {
            panic!("an initializer");
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = &*init.expr
        else {
            panic!("a string literal");
        };
        assert_eq!(s.value(), "/// not a doc");
    }
}
