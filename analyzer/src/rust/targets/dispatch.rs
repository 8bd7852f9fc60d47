//! The dispatch rules: what a resolved path or a method on an inferred receiver type lands on
//! (exact targets, a trait fan-out, a name-matched guess, outside, unresolved), with the result
//! type carried to later calls.

use super::{Caller, Targets};
use crate::rust::build::MAX_NAME_CANDIDATES;
use crate::rust::ir::{Def, Ns};
use crate::rust::resolve::{RTy, Res};

/// How a call site was resolved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// Exactly these nodes (one, or every implementation of a trait method).
    Exact(Vec<u32>),
    /// These nodes, matched by method name alone.
    Named(Vec<u32>),
    /// Outside the workspace.
    External,
    /// Not resolved; the name as written.
    Unresolved(String),
    /// Not a call (a constructor, a value).
    Ignore,
}

/// Methods that return (a wrapper of) their receiver: the receiver type carries through.
pub(crate) fn passthrough(name: &str) -> bool {
    matches!(
        name,
        "unwrap"
            | "expect"
            | "clone"
            | "as_ref"
            | "as_mut"
            | "lock"
            | "read"
            | "write"
            | "borrow"
            | "borrow_mut"
            | "unwrap_or_default"
            | "unwrap_or_else"
            | "unwrap_or"
            | "to_owned"
            | "deref"
            | "deref_mut"
            | "into_inner"
            | "upgrade"
            | "as_deref"
            | "cloned"
            | "get_mut"
            | "map_err"
            | "ok"
            | "ok_or"
            | "ok_or_else"
            | "context"
            | "with_context"
            | "wrap_err"
            | "wrap_err_with"
    )
}

/// Iterator and collection methods whose result yields the same elements.
fn iter_adapter(name: &str) -> bool {
    matches!(
        name,
        "iter"
            | "iter_mut"
            | "into_iter"
            | "drain"
            | "filter"
            | "rev"
            | "skip"
            | "take"
            | "skip_while"
            | "take_while"
            | "step_by"
            | "chain"
            | "cloned"
            | "copied"
            | "peekable"
            | "by_ref"
            | "fuse"
            | "cycle"
            | "inspect"
            | "collect"
            | "to_vec"
            | "clone"
            | "as_slice"
            | "as_ref"
            | "values"
            | "into_values"
    )
}

/// Iterator and collection methods returning one element (perhaps in an `Option`).
fn iter_accessor(name: &str) -> bool {
    matches!(
        name,
        "next"
            | "next_back"
            | "first"
            | "last"
            | "get"
            | "get_mut"
            | "first_mut"
            | "last_mut"
            | "pop"
            | "pop_front"
            | "pop_back"
            | "min"
            | "max"
            | "min_by_key"
            | "max_by_key"
            | "min_by"
            | "max_by"
            | "find"
            | "nth"
            | "peek"
            | "swap_remove"
    )
}

/// Method names so common in std that a call on a receiver of unknown type is taken for a std
/// call rather than matched by name into the workspace.
fn common(name: &str) -> bool {
    passthrough(name)
        || matches!(
            name,
            "into"
                | "iter"
                | "iter_mut"
                | "into_iter"
                | "map"
                | "and_then"
                | "or_else"
                | "ok"
                | "ok_or"
                | "ok_or_else"
                | "err"
                | "filter"
                | "filter_map"
                | "collect"
                | "to_string"
                | "len"
                | "is_empty"
                | "push"
                | "push_str"
                | "pop"
                | "get"
                | "insert"
                | "remove"
                | "contains"
                | "contains_key"
                | "extend"
                | "as_str"
                | "as_bytes"
                | "send"
                | "recv"
                | "try_recv"
                | "map_err"
                | "fmt"
                | "eq"
                | "ne"
                | "cmp"
                | "partial_cmp"
                | "hash"
                | "next"
                | "take"
                | "default"
                | "from"
                | "try_into"
                | "try_from"
                | "join"
                | "split"
                | "trim"
                | "parse"
                | "sort"
                | "sort_by"
                | "sort_by_key"
                | "first"
                | "last"
                | "keys"
                | "values"
                | "entry"
                | "or_insert"
                | "or_insert_with"
                | "or_default"
                | "chars"
                | "bytes"
                | "lines"
                | "find"
                | "any"
                | "all"
                | "count"
                | "sum"
                | "fold"
                | "enumerate"
                | "zip"
                | "rev"
                | "skip"
                | "chain"
                | "flatten"
                | "flat_map"
                | "for_each"
                | "then"
                | "and"
                | "or"
                | "is_some"
                | "is_none"
                | "is_ok"
                | "is_err"
                | "starts_with"
                | "ends_with"
                | "replace"
                | "to_vec"
                | "to_lowercase"
                | "to_uppercase"
                | "with_capacity"
                | "capacity"
                | "clear"
                | "drain"
                | "retain"
                | "dedup"
                | "truncate"
                | "copied"
                | "min"
                | "max"
                | "position"
                | "write_all"
                | "write_str"
                | "write_fmt"
                | "flush"
                | "read_to_string"
                | "display"
                | "as_slice"
                | "as_ptr"
                | "to_str"
                | "max_by_key"
                | "min_by_key"
                | "values_mut"
                | "get_or_insert_with"
                | "map_or"
                | "map_or_else"
                | "unwrap_err"
                | "checked_add"
                | "checked_sub"
                | "saturating_sub"
                | "abs"
                | "pow"
                | "powi"
                | "sqrt"
                | "round"
                | "floor"
                | "ceil"
                | "len_utf8"
                | "is_empty_or"
                | "split_whitespace"
                | "windows"
                | "chunks"
                | "step_by"
                | "peekable"
                | "last_mut"
                | "first_mut"
                | "subscribe"
                | "await"
                | "poll"
                | "boxed"
                | "as_deref_mut"
                | "to_le_bytes"
                | "to_be_bytes"
        )
}

impl Targets<'_> {
    /// The workspace methods called `name` that the caller could mean: in a crate it reaches,
    /// taking its number of arguments. None left: the call goes outside. The search stops one
    /// past [`MAX_NAME_CANDIDATES`]: more candidates than that leave the call unresolved however
    /// many there are (a common name, `new` or `kind`, has hundreds).
    fn by_name(&self, name: &str, caller: &Caller) -> (Outcome, RTy) {
        let v: Vec<u32> = self
            .by_name
            .get(name)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&n| self.fits(n, caller))
            .take(MAX_NAME_CANDIDATES + 1)
            .collect();
        match v.len() {
            0 => (Outcome::External, RTy::Unknown),
            1 => {
                let ret = self.ret_of(v[0]);
                (Outcome::Named(v), ret)
            }
            _ => (Outcome::Named(v), RTy::Unknown),
        }
    }

    /// A method `name` called on a receiver of type `rt` (or `<T>::name`).
    pub(crate) fn on_type(&self, rt: &RTy, name: &str, caller: &Caller) -> (Outcome, RTy) {
        match rt {
            RTy::Type(ty) => {
                let v = self.assoc(*ty, name);
                if let Some(&first) = v.first() {
                    (Outcome::Exact(v), self.ret_of(first))
                } else if let Some(v) = self.from_impls.get(ty).filter(|_| name == "into") {
                    // `x.into()` lands on the workspace's `impl From<X> for Y`.
                    let ret = if v.len() == 1 {
                        self.ret_of(v[0])
                    } else {
                        RTy::Unknown
                    };
                    (Outcome::Exact(v.clone()), ret)
                } else if passthrough(name) {
                    (Outcome::External, rt.clone())
                } else if common(name) {
                    (Outcome::External, RTy::Unknown)
                } else {
                    self.by_name(name, caller)
                }
            }
            RTy::Traits(trs) => {
                let v = self.fan_out(trs, name);
                if !v.is_empty() {
                    (Outcome::Exact(v), RTy::Unknown)
                } else if passthrough(name) {
                    // `x.clone()` of a `T: Trait` is still a `T: Trait`.
                    (Outcome::External, rt.clone())
                } else if common(name) {
                    (Outcome::External, RTy::Unknown)
                } else {
                    self.by_name(name, caller)
                }
            }
            RTy::External => (
                Outcome::External,
                if passthrough(name) {
                    RTy::External
                } else {
                    RTy::Unknown
                },
            ),
            // Collections and iterators are outside types: adapters keep the element type,
            // accessors return an element (an `Option` of one, seen through).
            RTy::Coll(elem) => (
                Outcome::External,
                if iter_adapter(name) {
                    rt.clone()
                } else if name == "enumerate" {
                    // `for (i, x) in xs.iter().enumerate()`: pairs of an index and an element.
                    RTy::Coll(Box::new(RTy::Tuple(Box::new([
                        RTy::External,
                        (**elem).clone(),
                    ]))))
                } else if iter_accessor(name) {
                    (**elem).clone()
                } else {
                    RTy::Unknown
                },
            ),
            // A tuple has no method of its own: `clone` keeps it.
            RTy::Tuple(_) => (
                Outcome::External,
                if passthrough(name) {
                    rt.clone()
                } else {
                    RTy::Unknown
                },
            ),
            RTy::Unknown if common(name) => (Outcome::External, RTy::Unknown),
            RTy::Unknown => self.by_name(name, caller),
        }
    }

    /// The methods named `name` of the workspace's extension traits (traits implemented for
    /// types outside the workspace) that `caller` may call on an outside value whose type is
    /// written `outside` (its last segment, when the code names it): `Mime::from(t)
    /// .is_compressible()` with `use crate::mime_ext::MimeExt;` runs the `MimeExt` impl for
    /// `Mime`. An impl for a named outside type needs that name on the receiver and its trait in
    /// scope; a blanket impl (`impl<F: Future> WithTimeout for F`), any receiver and its trait
    /// imported into the calling module, as extension traits are used. Otherwise the name is
    /// the outside type's own method, or another trait's.
    pub(crate) fn extension(
        &self,
        name: &str,
        caller: &Caller,
        outside: Option<&str>,
    ) -> Option<Vec<u32>> {
        let candidates = self.ext_methods.get(name)?;
        let module = self.ix.scopes[caller.scope as usize].module;
        let v: Vec<u32> = candidates
            .iter()
            .filter(|&&(tr, node, im)| {
                let trait_name = &self.ix.traits[tr as usize].name;
                let fits = match im {
                    Some(im) => outside == Some(self.ix.impls[im as usize].self_name.as_str()),
                    // Imported, not declared there.
                    None => {
                        self.ix.scopes[module as usize].ns(Ns::Type).get(trait_name)
                            != Some(&Def::Trait(tr))
                    }
                };
                fits && self.ix.in_scope(caller.scope, trait_name, Ns::Type) == Some(Def::Trait(tr))
                    && self.fits(node, caller)
            })
            .map(|&(_, node, _)| node)
            .collect();
        (!v.is_empty()).then_some(v)
    }

    /// A path call resolved to `res`.
    pub(crate) fn path_outcome(&self, res: Res<'_>, segs: &[String]) -> (Outcome, RTy) {
        match res {
            Res::Def(Def::Fn(g)) => (
                Outcome::Exact(vec![self.node_of_fn[g as usize]]),
                self.fn_ret[g as usize].clone(),
            ),
            Res::Def(Def::Type(ty)) => (Outcome::Ignore, RTy::Type(self.ix.canon(ty))),
            Res::Def(_) => (Outcome::Ignore, RTy::Unknown),
            Res::Assoc(ty, m) => {
                let v = self.assoc(ty, m);
                if let Some(&first) = v.first() {
                    (Outcome::Exact(v), self.ret_of(first))
                } else if m.starts_with(|c: char| c.is_uppercase()) {
                    (Outcome::Ignore, RTy::Type(ty))
                } else {
                    // A derived or std trait's associated function (`default`, `deserialize`):
                    // outside, and most likely returning the type.
                    (Outcome::External, RTy::Type(ty))
                }
            }
            Res::TraitItem(tr, m) => {
                let v = self.fan_out(&[tr], m);
                if v.is_empty() {
                    (Outcome::External, RTy::Unknown)
                } else {
                    (Outcome::Exact(v), RTy::Unknown)
                }
            }
            // What an outside function returns is an outside value: its methods are not
            // matched by name into the workspace (`Hasher::new().update()`).
            Res::External => (Outcome::External, RTy::External),
            Res::NotFound => (Outcome::Unresolved(segs.join("::")), RTy::Unknown),
        }
    }
}
