//! Table names read from SQL text with a small tokenizer: the names after `FROM`, `JOIN`,
//! `INTO`, `UPDATE` and `TABLE`, without schema qualifiers, quotes or common table expressions.

/// One SQL token; string literals, numbers, operators and placeholders are all [`Tok::Other`].
#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    /// A bare word: keyword or identifier.
    Word(&'a str),
    /// A quoted identifier (`"x"`, `` `x` ``, `[x]`), without its quotes.
    Quoted(&'a str),
    /// `.`
    Dot,
    /// `,`
    Comma,
    /// `(`
    Open,
    /// `)`
    Close,
    /// Anything else.
    Other,
}

/// Words that start a statement.
const STATEMENTS: &[&str] = &[
    "select", "insert", "update", "delete", "with", "replace", "merge", "upsert", "create",
    "alter", "drop", "truncate",
];

/// Words that are never a table name or an alias.
const KEYWORDS: &[&str] = &[
    "select",
    "insert",
    "update",
    "delete",
    "with",
    "replace",
    "merge",
    "upsert",
    "create",
    "alter",
    "drop",
    "truncate",
    "from",
    "join",
    "into",
    "table",
    "where",
    "inner",
    "left",
    "right",
    "full",
    "outer",
    "cross",
    "natural",
    "on",
    "using",
    "group",
    "order",
    "by",
    "limit",
    "offset",
    "having",
    "union",
    "except",
    "intersect",
    "set",
    "values",
    "returning",
    "window",
    "for",
    "lateral",
    "as",
    "default",
    "only",
    "if",
    "not",
    "exists",
    "in",
    "any",
    "all",
    "some",
    "distinct",
    "and",
    "or",
    "is",
    "null",
    "case",
    "when",
    "then",
    "else",
    "end",
    "over",
    "partition",
    "of",
    "nowait",
    "skip",
    "locked",
    "cascade",
    "restrict",
    "conflict",
    "do",
    "nothing",
    "recursive",
    "fetch",
    "next",
    "rows",
    "row",
    "first",
    "straight_join",
    "ignore",
    "low_priority",
    "high_priority",
    "delayed",
    "quick",
    "temporary",
    "temp",
    "unlogged",
    "unique",
    "index",
    "view",
    "materialized",
    "like",
    "between",
    "asc",
    "desc",
    "dual",
    "output",
    "top",
    "matched",
    "use",
    "force",
    "primary",
    "key",
];

/// Whether `word` is a SQL keyword (case-insensitive).
fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// Splits SQL text into tokens, dropping comments and whitespace.
fn tokenize(sql: &str) -> Vec<Tok<'_>> {
    let bytes = sql.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b if b.is_ascii_whitespace() => i += 1,
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b'\'' => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
                toks.push(Tok::Other);
            }
            b'"' | b'`' | b'[' => {
                let close = match b {
                    b'[' => b']',
                    other => other,
                };
                let start = i + 1;
                let mut end = start;
                while end < bytes.len() && bytes[end] != close {
                    end += 1;
                }
                toks.push(Tok::Quoted(sql.get(start..end).unwrap_or("")));
                i = end + 1;
            }
            b'.' => {
                toks.push(Tok::Dot);
                i += 1;
            }
            b',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            b'(' => {
                toks.push(Tok::Open);
                i += 1;
            }
            b')' => {
                toks.push(Tok::Close);
                i += 1;
            }
            b if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                toks.push(Tok::Word(sql.get(start..i).unwrap_or("")));
            }
            b if b.is_ascii_digit() || b == b'$' || b == b'?' || b == b':' || b == b'@' => {
                // Numbers and placeholders ($1, ?, :name, @p1) are one opaque token.
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                toks.push(Tok::Other);
            }
            _ => {
                toks.push(Tok::Other);
                i += 1;
            }
        }
    }
    toks
}

/// The first word of `sql` (after opening parentheses and comments) starts a SQL statement.
pub(super) fn looks_like_sql(sql: &str) -> bool {
    let toks = tokenize(sql);
    let first = toks.iter().find(|t| **t != Tok::Open);
    matches!(first, Some(Tok::Word(w)) if STATEMENTS.iter().any(|s| s.eq_ignore_ascii_case(w)))
}

/// Whether a token is the word `kw` (case-insensitive).
fn is_word(tok: Option<&Tok<'_>>, kw: &str) -> bool {
    matches!(tok, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
}

/// Reads a possibly qualified name at `i` (`orders`, `public.orders`, `"s"."Orders"`) and
/// returns its last part, lowercased, with the index after it.
fn read_name(toks: &[Tok<'_>], mut i: usize) -> Option<(String, usize)> {
    let mut last = match toks.get(i)? {
        Tok::Word(w) if !is_keyword(w) => *w,
        Tok::Quoted(q) if !q.is_empty() => *q,
        _ => return None,
    };
    i += 1;
    while toks.get(i) == Some(&Tok::Dot) {
        match toks.get(i + 1) {
            Some(Tok::Word(w)) => last = w,
            Some(Tok::Quoted(q)) => last = q,
            _ => break,
        }
        i += 2;
    }
    let valid = last
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '$');
    let starts_ok = last
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_');
    (valid && starts_ok).then(|| (last.to_lowercase(), i))
}

/// Skips an optional alias (`AS x`, `x`) at `i`.
fn skip_alias(toks: &[Tok<'_>], mut i: usize) -> usize {
    if is_word(toks.get(i), "as") {
        i += 1;
    }
    match toks.get(i) {
        Some(Tok::Word(w)) if !is_keyword(w) => i + 1,
        Some(Tok::Quoted(_)) => i + 1,
        _ => i,
    }
}

/// Skips words in `skip` (case-insensitive) at `i`.
fn skip_words(toks: &[Tok<'_>], mut i: usize, skip: &[&str]) -> usize {
    while skip.iter().any(|s| is_word(toks.get(i), s)) {
        i += 1;
    }
    i
}

/// Appends the tables named by `sql` to `out` (lowercase, without schema; duplicates are left
/// for the caller to remove). Common table expressions and table functions are not tables.
pub(super) fn sql_tables(sql: &str, out: &mut Vec<String>) {
    let toks = tokenize(sql);
    let mut found: Vec<String> = Vec::new();
    let mut ctes: Vec<String> = Vec::new();
    // For each open parenthesis: whether it follows a function name (`EXTRACT(YEAR FROM d)`).
    let mut parens: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let prev = i.checked_sub(1).and_then(|p| toks.get(p));
        match &toks[i] {
            Tok::Open => {
                let func = match prev {
                    Some(Tok::Word(w)) => !is_keyword(w),
                    Some(Tok::Quoted(_)) => true,
                    _ => false,
                };
                parens.push(func);
            }
            Tok::Close => {
                parens.pop();
            }
            Tok::Word(w) => {
                let in_func = parens.last().copied().unwrap_or(false);
                if w.eq_ignore_ascii_case("from") && !in_func && !is_word(prev, "distinct") {
                    let mut j = skip_words(&toks, i + 1, &["only", "lateral"]);
                    while let Some((name, next)) = read_name(&toks, j) {
                        if toks.get(next) == Some(&Tok::Open) {
                            break; // a table function: generate_series(…), unnest(…)
                        }
                        found.push(name);
                        j = skip_alias(&toks, next);
                        if toks.get(j) != Some(&Tok::Comma) {
                            break;
                        }
                        j += 1;
                    }
                } else if w.eq_ignore_ascii_case("join") {
                    let j = skip_words(&toks, i + 1, &["lateral", "only"]);
                    match read_name(&toks, j) {
                        Some((name, next)) if toks.get(next) != Some(&Tok::Open) => {
                            found.push(name)
                        }
                        _ => {}
                    }
                } else if w.eq_ignore_ascii_case("into")
                    || (w.eq_ignore_ascii_case("update")
                        && !is_word(prev, "for")
                        && !is_word(prev, "do")
                        && !is_word(prev, "on")
                        && !is_word(prev, "key"))
                    || w.eq_ignore_ascii_case("table")
                    || w.eq_ignore_ascii_case("truncate")
                {
                    let j = skip_words(
                        &toks,
                        i + 1,
                        &["only", "table", "if", "not", "exists", "ignore"],
                    );
                    if let Some((name, _)) = read_name(&toks, j) {
                        found.push(name);
                    }
                } else if w.eq_ignore_ascii_case("with") {
                    let j = skip_words(&toks, i + 1, &["recursive"]);
                    if let Some((name, _)) = read_name(&toks, j) {
                        ctes.push(name);
                    }
                } else if w.eq_ignore_ascii_case("as") && toks.get(i + 1) == Some(&Tok::Open) {
                    ctes.extend(cte_name_before(&toks, i));
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.extend(found.into_iter().filter(|t| !ctes.contains(t)));
}

/// The name of a common table expression whose `AS (` is at `as_at`: `name AS (` or
/// `name (cols) AS (`.
fn cte_name_before(toks: &[Tok<'_>], as_at: usize) -> Option<String> {
    let mut j = as_at.checked_sub(1)?;
    if toks.get(j) == Some(&Tok::Close) {
        // Skip a column list back to its opening parenthesis.
        let mut depth = 0usize;
        loop {
            match toks.get(j)? {
                Tok::Close => depth += 1,
                Tok::Open => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            j = j.checked_sub(1)?;
        }
        j = j.checked_sub(1)?;
    }
    match toks.get(j)? {
        Tok::Word(w) if !is_keyword(w) => Some(w.to_lowercase()),
        Tok::Quoted(q) => Some(q.to_lowercase()),
        _ => None,
    }
}
