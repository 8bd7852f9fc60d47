//! Vocabulary: the domain terms in identifiers. Code that speaks of the same business concept
//! (`OrderActionBean.viewOrder`, `OrderService.insertOrder`, `OrderMapper.getOrder`) belongs
//! together across technical layers, so nodes sharing a rare term are tied, like nodes sharing a
//! data resource.
//!
//! An id is split into words at separators, camelCase humps and snake_case underscores; words are
//! lowercased and reduced to a singular stem; stop-words (accessors, the generic verbs of every
//! layer, the technical role suffixes such as `Service`, `Impl`, `Mapper`, `Controller`, and
//! language noise such as `lambda`) and words with digits are dropped. What is left is weighted by
//! rarity (the information `ln(N/df) / ln(N)` of a term found in `df` of `N` nodes, as
//! tf-idf's idf normalised to [0, 1]): a term every class uses says nothing. Shared code and
//! composition roots carry no term tie (a library's words must not glue services together).

/// Words that name no business concept: accessors and generic verbs, technical roles and layers,
/// and noise from compiled languages.
const STOP: &[&str] = &[
    // accessors, generic verbs and connectives
    "get",
    "set",
    "is",
    "has",
    "can",
    "to",
    "do",
    "the",
    "of",
    "by",
    "for",
    "with",
    "and",
    "or",
    "from",
    "into",
    "on",
    "in",
    "at",
    "as",
    "new",
    "init",
    "all",
    "add",
    "remove",
    "delete",
    "update",
    "save",
    "find",
    "search",
    "list",
    "load",
    "put",
    "make",
    "build",
    "run",
    "execute",
    "handle",
    "process",
    "check",
    "validate",
    "apply",
    "call",
    "create",
    "read",
    "write",
    "show",
    "view",
    "edit",
    "submit",
    "post",
    "not",
    "must",
    "be",
    "should",
    "this",
    "that",
    "if",
    "no",
    "null",
    "empty",
    "value",
    "values",
    "equals",
    "hash",
    "code",
    "string",
    "compare",
    "accept",
    "close",
    "open",
    "start",
    "stop",
    "test",
    "main",
    "name",
    "type",
    "id",
    "by",
    "one",
    "each",
    // technical roles and layers
    "service",
    "services",
    "impl",
    "mapper",
    "controller",
    "action",
    "bean",
    "dao",
    "repository",
    "repo",
    "servlet",
    "util",
    "utils",
    "helper",
    "helpers",
    "factory",
    "manager",
    "handler",
    "exception",
    "error",
    "enum",
    "enums",
    "interface",
    "abstract",
    "base",
    "config",
    "configuration",
    "dto",
    "entity",
    "model",
    "models",
    "domain",
    "object",
    "objects",
    "impl",
    "listener",
    "adapter",
    "wrapper",
    "provider",
    "builder",
    "filter",
    "interceptor",
    "api",
    "web",
    "rest",
    "resource",
    "resources",
    "component",
    "module",
    "layer",
    "core",
    "common",
    "shared",
    "support",
    "default",
    "generic",
    "context",
    "request",
    "response",
    "result",
    "results",
    "status",
    "form",
    "page",
    "command",
    "query",
    "event",
    "logger",
    "log",
    // language noise
    "lambda",
    "static",
    "clinit",
    "self",
    "super",
    "crate",
    "src",
    "lib",
    "mod",
    "pub",
    "java",
    "com",
    "org",
    "net",
    "www",
    "class",
    "fn",
    "func",
    "method",
    "struct",
    "trait",
    "void",
    "var",
    "val",
    "tmp",
    "temp",
    "arg",
    "args",
    "param",
    "params",
    "data",
    "info",
    "item",
];

/// Whether `word` (lowercase stem) names no business concept.
fn is_stop(word: &str) -> bool {
    STOP.contains(&word)
}

/// Reduces a lowercase word to a singular stem: `books` → `book`, `categories` → `category`,
/// `addresses` → `address`; words ending in `ss`, `us` or `is` are kept.
fn stem(word: &str) -> &str {
    let n = word.len();
    if n > 4 && word.ends_with("ies") {
        // handled by the caller (needs a `y`); here keep the root
        return &word[..n - 3];
    }
    if n > 4 && (word.ends_with("sses") || word.ends_with("shes") || word.ends_with("ches")) {
        return &word[..n - 2];
    }
    if n > 3
        && word.ends_with('s')
        && !(word.ends_with("ss") || word.ends_with("us") || word.ends_with("is"))
    {
        return &word[..n - 1];
    }
    word
}

/// The domain terms of an identifier, deduplicated and sorted.
///
/// # Complexity
/// O(|id| log |id|).
pub(super) fn terms(id: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in id.split(|c: char| !c.is_alphanumeric()) {
        camel_words(piece, |word| {
            if word.len() < 3 || word.chars().any(|c| c.is_ascii_digit()) {
                return;
            }
            let lower = word.to_lowercase();
            let term = if lower.len() > 4 && lower.ends_with("ies") {
                format!("{}y", &lower[..lower.len() - 3])
            } else {
                stem(&lower).to_string()
            };
            if term.len() >= 3 && !is_stop(&term) && !is_stop(&lower) {
                out.push(term);
            }
        });
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Splits a camelCase / PascalCase / ACRONYMWord piece into its words (digits end a word), handing
/// each to `word` in order (no allocation: this runs on every id of the graph).
fn camel_words<'a>(piece: &'a str, mut word: impl FnMut(&'a str)) {
    let mut chars = piece.char_indices().peekable();
    let Some((_, mut prev)) = chars.next() else {
        return;
    };
    let mut start = 0;
    while let Some((at, c)) = chars.next() {
        let next_lower = chars.peek().is_some_and(|&(_, n)| n.is_lowercase());
        let boundary = (c.is_uppercase() && (prev.is_lowercase() || prev.is_ascii_digit()))
            || (c.is_uppercase() && prev.is_uppercase() && next_lower)
            || (c.is_ascii_digit() != prev.is_ascii_digit());
        if boundary {
            word(&piece[start..at]);
            start = at;
        }
        prev = c;
    }
    if start < piece.len() {
        word(&piece[start..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_layers_away_and_keeps_concepts() {
        assert_eq!(
            terms("org.shop.web.OrderActionBean.viewOrder"),
            ["order", "shop"]
        );
        assert_eq!(
            terms("org.shop.service.OrderService.insertOrder"),
            ["insert", "order", "shop"]
        );
        assert_eq!(
            terms("shop::catalog::list_categories"),
            ["catalog", "category", "shop"]
        );
        assert_eq!(
            terms("com.x.HTTPServerBooks.getAddresses"),
            ["address", "book", "http", "server"]
        );
        assert_eq!(
            terms("PersistenceLayer.lambda$searchBooksById$5"),
            ["book", "persistence"]
        );
        assert_eq!(terms("pkg000::fn00012"), ["pkg"]);
    }
}
