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

/// The tiers of a layered application: a package so named holds one layer of every business
/// concept (`web`, `service`, `domain`, `repositories`). Shared-code packages (`util`, `common`,
/// `core`) are not tiers: a cohesive one is a library of its own.
const TIERS: &[&str] = &[
    "web",
    "rest",
    "api",
    "controller",
    "action",
    "servlet",
    "view",
    "service",
    "impl",
    "domain",
    "model",
    "entity",
    "dto",
    "dao",
    "repository",
    "repo",
    "mapper",
];

/// Whether a namespace segment (`repositories`, `web`, `domain`) names a tier of a layered
/// application ([`TIERS`]) rather than a business concept.
pub(super) fn is_tier(segment: &str) -> bool {
    let lower = segment.to_lowercase();
    TIERS.contains(&lower.as_str()) || TIERS.contains(&normal(&lower).as_str())
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

/// The singular stem of a lowercase word: `categories` → `category`, else [`stem`].
fn normal(lower: &str) -> String {
    if lower.len() > 4 && lower.ends_with("ies") {
        format!("{}y", &lower[..lower.len() - 3])
    } else {
        stem(lower).to_string()
    }
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
            let term = normal(&lower);
            if term.len() >= 3 && !is_stop(&term) && !is_stop(&lower) {
                out.push(term);
            }
        });
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// For each group of `movers`, the cluster (of the `anchors`' `assignment`) whose words are
/// closest to the group's: the largest cosine between the two tf-idf vectors (a term counted
/// once per member holding it, weighted by its information `ln(N/df)/ln(N)` over the anchors
/// and movers); ties go to the larger cluster, then the lower index. `None` where no cluster
/// shares an informative term. The semantic coupling of Mazlami et al. (2017), between a group
/// of nodes and a cluster.
///
/// # Complexity
/// O(Σ |id| log |id|) over the anchors and movers, plus, for each group, O(p log K) for the p
/// postings (cluster, count) of its terms among K clusters: clusters sharing no term with a
/// group are never looked at.
pub(super) fn closest(
    nodes: &[&analyzer::Node],
    assignment: &[usize],
    anchors: &[usize],
    movers: &[Vec<usize>],
) -> Vec<Option<usize>> {
    use rayon::prelude::*;
    use std::collections::{BTreeMap, HashMap};
    // Each id's terms in parallel, collected in order.
    let anchor_terms: Vec<Vec<String>> = anchors.par_iter().map(|&i| terms(&nodes[i].id)).collect();
    let mover_terms: Vec<Vec<Vec<String>>> = movers
        .par_iter()
        .map(|group| group.iter().map(|&i| terms(&nodes[i].id)).collect())
        .collect();
    let mut df: HashMap<&str, usize> = HashMap::new();
    for list in anchor_terms.iter().chain(mover_terms.iter().flatten()) {
        for t in list {
            *df.entry(t.as_str()).or_default() += 1;
        }
    }
    let n = anchors.len() + movers.iter().map(Vec::len).sum::<usize>();
    let info = |t: &str| {
        let d = df.get(t).copied().unwrap_or(n).max(1);
        if n > 1 {
            (n as f64 / d as f64).ln() / (n as f64).ln()
        } else {
            0.0
        }
    };
    // Each cluster's term counts, in term order, and its size.
    let mut count: BTreeMap<usize, BTreeMap<&str, usize>> = BTreeMap::new();
    let mut size: BTreeMap<usize, usize> = BTreeMap::new();
    for (&i, list) in anchors.iter().zip(&anchor_terms) {
        let c = assignment[i];
        *size.entry(c).or_default() += 1;
        let slot = count.entry(c).or_default();
        for t in list {
            *slot.entry(t.as_str()).or_default() += 1;
        }
    }
    let norm: BTreeMap<usize, f64> = count
        .iter()
        .map(|(&c, terms)| {
            let sq: f64 = terms
                .iter()
                .map(|(t, &k)| (k as f64 * info(t)).powi(2))
                .sum();
            (c, sq.sqrt())
        })
        .collect();
    // Which clusters hold each term, with its count there, clusters in increasing order: a
    // group is compared only with the clusters sharing one of its terms (strangers can be many,
    // and clusters too).
    let mut postings: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    for (&c, terms) in &count {
        if norm[&c] > 0.0 {
            for (&t, &k) in terms {
                postings.entry(t).or_default().push((c, k));
            }
        }
    }
    mover_terms
        .iter()
        .map(|group| {
            let mut mine: BTreeMap<&str, usize> = BTreeMap::new();
            for t in group.iter().flatten() {
                *mine.entry(t.as_str()).or_default() += 1;
            }
            // Each cluster's dot product with the group, summed in term order.
            let mut dot: BTreeMap<usize, f64> = BTreeMap::new();
            for (t, &m) in &mine {
                let w = info(t).powi(2);
                if w <= 0.0 {
                    // A term every node holds (the application's name) weighs nothing.
                    continue;
                }
                for &(c, k) in postings.get(t).map_or(&[][..], Vec::as_slice) {
                    *dot.entry(c).or_insert(0.0) += (m * k) as f64 * w;
                }
            }
            let mut best: Option<(f64, usize, usize)> = None;
            for (c, dot) in dot {
                let score = dot / norm[&c];
                if score <= 0.0 {
                    continue;
                }
                let cand = (score, size[&c], c);
                let wins = best.is_none_or(|b| {
                    (cand.0, cand.1, std::cmp::Reverse(cand.2)) > (b.0, b.1, std::cmp::Reverse(b.2))
                });
                if wins {
                    best = Some(cand);
                }
            }
            best.map(|(_, _, c)| c)
        })
        .collect()
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
    fn a_class_joins_the_cluster_whose_words_are_closest() {
        let owned: Vec<analyzer::Node> = [
            "app.math.Calculator.calculate",
            "app.math.Fibonacci.fib",
            "app.lib.Book.lend",
            "app.lib.Loan.borrow",
            "app.lib.Book.calculateFine",
            "app.cart.CartesianProduct.calculate",
            "app.cart.CartesianProduct.CartesianProduct",
            "app.Hints.registerHints",
        ]
        .iter()
        .map(|id| analyzer::Node {
            id: (*id).into(),
            ..analyzer::Node::default()
        })
        .collect();
        let nodes: Vec<&analyzer::Node> = owned.iter().collect();
        let assignment = [0, 0, 1, 1, 1, 9, 9, 9];
        // `calculate` is in both clusters; the math cluster's vector is shorter, so closer.
        let groups = vec![vec![5, 6], vec![7]];
        assert_eq!(
            closest(&nodes, &assignment, &[0, 1, 2, 3, 4], &groups),
            vec![Some(0), None]
        );
    }

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
