//! Glob patterns of the decisions: compiling them (`*` matches across `::` and `.`), and matching
//! every node id and module against all of them at once.

use analyzer::Node;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use super::DecisionError;
use crate::plan::PatternField;

/// Compiles one pattern: `*` matches any run of characters (separators included), `?` one,
/// `[...]` a class, `{a,b}` alternatives, `\` escapes.
pub(super) fn glob(decision: &str, pattern: &str) -> Result<Glob, DecisionError> {
    let bad = |reason: String| DecisionError::BadGlob {
        decision: decision.to_string(),
        pattern: pattern.to_string(),
        reason,
    };
    if pattern.trim().is_empty() {
        return Err(bad("it is empty".to_string()));
    }
    GlobBuilder::new(pattern)
        .literal_separator(false)
        .backslash_escape(true)
        .build()
        .map_err(|e| bad(e.kind().to_string()))
}

/// One pattern of one decision.
pub(super) struct Pattern {
    /// Index of its decision in the flat decision list.
    pub decision: usize,
    /// Index of the pattern among its decision's patterns (nodes first, then modules).
    pub side: usize,
    /// Whether it matches ids or modules.
    pub field: PatternField,
    /// The glob as written.
    pub text: String,
}

/// Every pattern compiled into two glob sets (ids, modules).
pub(super) struct Matcher {
    ids: GlobSet,
    id_patterns: Vec<usize>,
    modules: GlobSet,
    module_patterns: Vec<usize>,
}

impl Matcher {
    /// Compiles `patterns`; `titles[d]` names decision `d` in errors.
    ///
    /// # Complexity
    /// Linear in the total pattern length (regex compilation aside).
    pub fn new(patterns: &[Pattern], titles: &[String]) -> Result<Matcher, DecisionError> {
        let mut ids = GlobSetBuilder::new();
        let mut modules = GlobSetBuilder::new();
        let (mut id_patterns, mut module_patterns) = (Vec::new(), Vec::new());
        for (i, p) in patterns.iter().enumerate() {
            let title = titles.get(p.decision).map_or("a decision", String::as_str);
            let g = glob(title, &p.text)?;
            match p.field {
                PatternField::Nodes => {
                    ids.add(g);
                    id_patterns.push(i);
                }
                PatternField::Modules => {
                    modules.add(g);
                    module_patterns.push(i);
                }
            }
        }
        let build = |b: GlobSetBuilder| {
            b.build().map_err(|e| DecisionError::BadGlob {
                decision: "the decisions".to_string(),
                pattern: e.glob().unwrap_or_default().to_string(),
                reason: e.kind().to_string(),
            })
        };
        Ok(Matcher {
            ids: build(ids)?,
            id_patterns,
            modules: build(modules)?,
            module_patterns,
        })
    }

    /// Indices of the patterns matching `node` (its id, or its module — the id's namespace when
    /// it declares none), sorted.
    pub fn hits(&self, node: &Node, out: &mut Vec<usize>) {
        out.clear();
        out.extend(
            self.ids
                .matches(&node.id)
                .into_iter()
                .map(|i| self.id_patterns[i]),
        );
        if !self.module_patterns.is_empty() {
            let module = crate::cluster::module_key(node);
            out.extend(
                self.modules
                    .matches(module)
                    .into_iter()
                    .map(|i| self.module_patterns[i]),
            );
        }
        out.sort_unstable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, module: Option<&str>) -> Node {
        Node {
            id: id.into(),
            module: module.map(Into::into),
            ..Node::default()
        }
    }

    fn pattern(field: PatternField, text: &str) -> Pattern {
        Pattern {
            decision: 0,
            side: 0,
            field,
            text: text.into(),
        }
    }

    #[test]
    fn stars_cross_separators_and_modules_fall_back_to_the_namespace() {
        let patterns = [
            pattern(PatternField::Nodes, "*::tests::*"),
            pattern(PatternField::Modules, "shop::orders"),
            pattern(PatternField::Nodes, "com.*.Y"),
        ];
        let m = Matcher::new(&patterns, &["d".into()]).expect("valid globs");
        let mut out = Vec::new();
        m.hits(&node("shop::cart::tests::it_adds", None), &mut out);
        assert_eq!(out, vec![0]);
        m.hits(&node("shop::orders::save", None), &mut out);
        assert_eq!(out, vec![1]);
        m.hits(&node("x", Some("shop::orders")), &mut out);
        assert_eq!(out, vec![1]);
        m.hits(&node("com.a.b.Y", None), &mut out);
        assert_eq!(out, vec![2]);
    }

    #[test]
    fn bad_and_empty_globs_are_named() {
        let e = glob("[[together]] #1", "shop::[").expect_err("unclosed class");
        assert!(e.to_string().contains("`shop::[`"), "{e}");
        assert!(e.to_string().contains("[[together]] #1"), "{e}");
        let e = glob("[exclude]", " ").expect_err("empty");
        assert!(e.to_string().contains("empty"), "{e}");
        assert!(glob("d", r"weird\[name\]").is_ok());
    }
}
