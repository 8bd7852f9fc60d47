//! What a call can land on: node ids per function, methods per type and per trait, default
//! methods, the name index for the fallback, and the rules that turn a resolved path or an
//! inferred receiver type into call targets.

use foldhash::{HashMap, HashMapExt};

use rayon::prelude::*;

use super::build::{DedupedNodes, dedup_nodes, fn_ids};
use super::index::Index;
use super::ir::{Def, Ns, Owner, Sym};
use super::resolve::{RTy, Res};

mod dispatch;

pub(crate) use dispatch::{Outcome, passthrough};

/// Who makes a call: the crate it is written in and, for a method call, its argument count; a
/// name-matched guess must be reachable from that crate and take that many arguments.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller {
    /// The calling code's scope.
    pub scope: u32,
    /// The calling code's crate.
    pub krate: u32,
    /// Arguments passed, besides the receiver (`None`: not a method call).
    pub args: Option<u16>,
}

/// The call-target tables.
pub(crate) struct Targets<'a> {
    ix: &'a Index,
    /// Node of each function.
    pub node_of_fn: Vec<u32>,
    /// Id of each node.
    pub node_ids: Vec<String>,
    /// Module of each node.
    pub node_module: Vec<String>,
    /// What `Self` is in each function.
    pub fn_self: Vec<RTy>,
    impl_self: Vec<RTy>,
    fn_ret: Vec<RTy>,
    node_fn: Vec<u32>,
    type_methods: Vec<HashMap<String, Vec<u32>>>,
    type_traits: Vec<Vec<u32>>,
    trait_impls: Vec<HashMap<String, Vec<u32>>>,
    trait_defaults: Vec<HashMap<String, u32>>,
    /// Each trait with its workspace supertraits, transitively (itself first).
    trait_family: Vec<Vec<u32>>,
    by_name: HashMap<String, Vec<u32>>,
    /// Per workspace type X: the `from` of each `impl From<X> for Y` (what `x.into()` calls).
    from_impls: HashMap<u32, Vec<u32>>,
    /// Per workspace type: the methods of its impls of outside traits that outside code calls
    /// back ([`is_callback_trait`]): a web framework's error responses, a file system a server
    /// is handed, a federation library's activity handlers.
    pub callbacks: Vec<Vec<u32>>,
    /// Per method name: the methods of workspace traits implemented for types outside the
    /// workspace (extension traits: `impl MimeExt for Mime`, `impl<F: Future> WithTimeout for
    /// F`): their trait, node, and the impl when it is for a named outside type (`None` for a
    /// blanket impl).
    ext_methods: HashMap<String, Vec<(u32, u32, Option<u32>)>>,
}

impl Targets<'_> {
    /// Whether node `n` may be what `caller` calls by name: its crate is reachable from the
    /// caller's, and it takes as many arguments as the call passes.
    fn fits(&self, n: u32, caller: &Caller) -> bool {
        let Some(&f) = self.node_fn.get(n as usize) else {
            return false;
        };
        let Some(info) = self.ix.fns.get(f as usize) else {
            return false;
        };
        let krate = self.ix.scopes[info.f.scope as usize].crate_idx;
        self.ix.reaches(caller.krate, krate) && caller.args.is_none_or(|a| a == info.f.params)
    }
}

impl<'a> Targets<'a> {
    /// Resolves impl blocks, assigns node ids and registers methods.
    ///
    /// # Complexity
    /// O(impls + functions) resolutions and hash inserts.
    pub(crate) fn new(ix: &'a Index) -> Self {
        // Each impl's self type where it is a workspace type, and whether the impl extends types
        // outside the workspace: `Some(true)` for one it names, `Some(false)` for a type
        // parameter bounded by outside traits only (a blanket extension; one bounded by a
        // workspace trait forwards the workspace's own types).
        let (impl_self, impl_ext): (Vec<RTy>, Vec<Option<bool>>) = ix
            .impls
            .par_iter()
            .map(|im| {
                match (
                    &im.self_ty,
                    ix.eval(&im.self_ty, im.scope, &RTy::Unknown, &[]),
                ) {
                    (_, RTy::Type(t)) => (RTy::Type(t), None),
                    (_, RTy::External) => (RTy::Unknown, Some(true)),
                    (Sym::Bounds(_), RTy::Unknown) => (RTy::Unknown, Some(false)),
                    _ => (RTy::Unknown, None),
                }
            })
            .unzip();
        let impl_trait: Vec<Option<u32>> = ix
            .impls
            .par_iter()
            .map(|im| {
                match im
                    .trait_path
                    .as_deref()
                    .map(|p| ix.resolve(im.scope, p, Ns::Type, &RTy::Unknown))
                {
                    Some(Res::Def(Def::Trait(t))) => Some(t),
                    _ => None,
                }
            })
            .collect();
        let DedupedNodes {
            node_of_fn,
            first_fn: node_fn,
            node_ids,
            node_module,
        } = dedup_nodes(fn_ids(ix, &impl_self));
        let fn_self: Vec<RTy> = ix
            .fns
            .par_iter()
            .map(|info| match info.f.owner {
                // In an impl of a workspace trait for an outside type (`impl Signable for
                // String`), `Self` is known by that trait alone.
                Owner::Impl(i) => match (&impl_self[i as usize], impl_trait[i as usize]) {
                    (RTy::Unknown, Some(tr)) => RTy::Traits(vec![tr]),
                    (s, _) => s.clone(),
                },
                Owner::Trait(t) => RTy::Traits(vec![t]),
                _ => RTy::Unknown,
            })
            .collect();
        let fn_ret: Vec<RTy> = ix
            .fns
            .par_iter()
            .zip(&fn_self)
            .map(|(info, s)| ix.eval(&info.f.ret, info.f.scope, s, &[]))
            .collect();
        let mut type_methods: Vec<HashMap<String, Vec<u32>>> =
            vec![HashMap::default(); ix.types.len()];
        let mut type_traits: Vec<Vec<u32>> = vec![Vec::new(); ix.types.len()];
        let mut trait_impls: Vec<HashMap<String, Vec<u32>>> =
            vec![HashMap::default(); ix.traits.len()];
        let mut trait_defaults: Vec<HashMap<String, u32>> =
            vec![HashMap::default(); ix.traits.len()];
        let mut by_name: HashMap<String, Vec<u32>> = HashMap::new();
        let mut from_impls: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut callbacks: Vec<Vec<u32>> = vec![Vec::new(); ix.types.len()];
        let mut ext_methods: HashMap<String, Vec<(u32, u32, Option<u32>)>> = HashMap::new();
        for (f, info) in ix.fns.iter().enumerate() {
            let node = node_of_fn[f];
            let name = &info.f.name;
            match info.f.owner {
                Owner::Impl(i) => {
                    if let RTy::Type(ty) = impl_self[i as usize] {
                        type_methods[ty as usize]
                            .entry(name.clone())
                            .or_default()
                            .push(node);
                        if let Some(tr) = impl_trait[i as usize] {
                            type_traits[ty as usize].push(tr);
                        }
                    }
                    if let Some(tr) = impl_trait[i as usize] {
                        trait_impls[tr as usize]
                            .entry(name.clone())
                            .or_default()
                            .push(node);
                        if let Some(named) = impl_ext[i as usize] {
                            ext_methods.entry(name.clone()).or_default().push((
                                tr,
                                node,
                                named.then_some(i),
                            ));
                        }
                    }
                    let im = &ix.impls[i as usize];
                    if let (RTy::Type(ty), None, Some(path)) = (
                        &impl_self[i as usize],
                        impl_trait[i as usize],
                        &im.trait_path,
                    ) && is_callback_trait(path)
                    {
                        callbacks[*ty as usize].push(node);
                    }
                    if name == "from"
                        && im
                            .trait_path
                            .as_deref()
                            .and_then(|p| p.last())
                            .map(String::as_str)
                            == Some("From")
                        && let RTy::Type(source) =
                            ix.eval(&im.trait_arg, im.scope, &RTy::Unknown, &[])
                    {
                        from_impls.entry(source).or_default().push(node);
                    }
                }
                Owner::Trait(tr) => {
                    trait_defaults[tr as usize]
                        .entry(name.clone())
                        .or_insert(node);
                }
                _ => continue,
            }
            if info.f.has_self {
                by_name.entry(name.clone()).or_default().push(node);
            }
        }
        let tidy = |v: &mut Vec<u32>| {
            v.sort_unstable();
            v.dedup();
        };
        type_methods
            .iter_mut()
            .flat_map(|m| m.values_mut())
            .for_each(tidy);
        trait_impls
            .iter_mut()
            .flat_map(|m| m.values_mut())
            .for_each(tidy);
        type_traits.iter_mut().for_each(tidy);
        by_name.values_mut().for_each(tidy);
        from_impls.values_mut().for_each(tidy);
        // Functions serde's derived impls call (`#[serde(default = "f")]`, `with = "m"`): the
        // outside code that (de)serializes a value of the type calls them back.
        for (ty, info) in ix.types.iter().enumerate() {
            for segs in &info.serde_fns {
                if let Res::Def(Def::Fn(g)) = ix.resolve(info.scope, segs, Ns::Value, &RTy::Unknown)
                {
                    callbacks[ty].push(node_of_fn[g as usize]);
                }
            }
        }
        callbacks.iter_mut().for_each(tidy);
        ext_methods.values_mut().for_each(|v| {
            v.sort_unstable();
            v.dedup();
        });
        let trait_family = trait_families(ix);
        Targets {
            ix,
            node_of_fn,
            node_ids,
            node_module,
            fn_self,
            impl_self,
            fn_ret,
            node_fn,
            type_methods,
            type_traits,
            trait_impls,
            trait_defaults,
            trait_family,
            by_name,
            from_impls,
            callbacks,
            ext_methods,
        }
    }

    /// The first function (in function order) of node `n`.
    pub(crate) fn first_fn(&self, n: usize) -> u32 {
        self.node_fn[n]
    }

    /// Whether function `f` is a method of a type that holds in-memory state.
    pub(crate) fn on_stateful_type(&self, f: usize) -> bool {
        self.owner_type(f)
            .is_some_and(|t| self.ix.types[t].stateful)
    }

    /// Whether function `f` is a method of a type that holds live connections.
    pub(crate) fn on_connection_type(&self, f: usize) -> bool {
        self.owner_type(f)
            .is_some_and(|t| self.ix.types[t].connections)
    }

    /// Whether function `f`, using workspace type `ty`, may hand a value of it to outside code
    /// that calls its callbacks back: `ty` has callbacks and is not the type whose impl holds
    /// `f` (a type's own methods are not what hands it over).
    pub(crate) fn hands_over(&self, f: usize, ty: u32) -> bool {
        !self.callbacks[ty as usize].is_empty() && self.owner_type(f) != Some(ty as usize)
    }

    /// The workspace type whose impl holds function `f`, if any.
    fn owner_type(&self, f: usize) -> Option<usize> {
        match self.ix.fns[f].f.owner {
            Owner::Impl(i) => match self.impl_self[i as usize] {
                RTy::Type(t) => Some(t as usize),
                _ => None,
            },
            _ => None,
        }
    }

    fn ret_of(&self, node: u32) -> RTy {
        self.node_fn
            .get(node as usize)
            .and_then(|&f| self.fn_ret.get(f as usize))
            .cloned()
            .unwrap_or(RTy::Unknown)
    }

    /// The methods or associated functions `name` of a workspace type: its own (inherent or
    /// trait impl) ones, else the default methods of the traits it implements.
    pub(crate) fn assoc(&self, ty: u32, name: &str) -> Vec<u32> {
        if let Some(v) = self.type_methods[ty as usize].get(name) {
            return v.clone();
        }
        let mut v: Vec<u32> = self.type_traits[ty as usize]
            .iter()
            .filter_map(|&tr| self.trait_defaults[tr as usize].get(name).copied())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Every implementation of trait method `name` (and the trait's default body).
    fn fan_out(&self, traits: &[u32], name: &str) -> Vec<u32> {
        let mut v = Vec::new();
        // A method of a supertrait is called on a value bounded by its subtrait
        // (`repo.identifier(…)` with `repo: Arc<dyn FullRepo>`, `FullRepo: HashRepo`).
        for &tr in traits
            .iter()
            .flat_map(|&tr| &self.trait_family[tr as usize])
        {
            v.extend(
                self.trait_impls[tr as usize]
                    .get(name)
                    .into_iter()
                    .flatten()
                    .copied(),
            );
            v.extend(self.trait_defaults[tr as usize].get(name).copied());
        }
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// Most traits in one trait's family of supertraits.
const MAX_FAMILY: usize = 64;

/// Each workspace trait with its workspace supertraits, transitively, itself first (at most
/// [`MAX_FAMILY`]; a cycle, which rustc rejects, ends where it repeats).
///
/// # Complexity
/// O(T · F) resolutions for T traits and families of up to F.
fn trait_families(ix: &Index) -> Vec<Vec<u32>> {
    let direct: Vec<Vec<u32>> = ix
        .traits
        .par_iter()
        .map(|tr| {
            tr.supers
                .iter()
                .filter_map(
                    |segs| match ix.resolve(tr.scope, segs, Ns::Type, &RTy::Unknown) {
                        Res::Def(Def::Trait(s)) => Some(s),
                        _ => None,
                    },
                )
                .collect()
        })
        .collect();
    (0..direct.len())
        .map(|tr| {
            let mut family = vec![tr as u32];
            let mut at = 0;
            while at < family.len() && family.len() < MAX_FAMILY {
                for &s in &direct[family[at] as usize] {
                    if !family.contains(&s) && family.len() < MAX_FAMILY {
                        family.push(s);
                    }
                }
                at += 1;
            }
            family
        })
        .collect()
}

/// Whether an impl of the outside trait `path` (as written) is a callback: its methods are called
/// by the outside code the value is handed to (`actix_web::ResponseError`, `dav_server::fs::
/// DavFileSystem`, `activitypub_federation::traits::ActivityHandler`). The standard library's
/// traits and serde's are not: their methods run where the program formats, compares, converts,
/// iterates, drops or serializes a value, not as a framework's entry into it.
fn is_callback_trait(path: &[String]) -> bool {
    const NOT_CALLBACKS: &[&str] = &[
        "Add",
        "AddAssign",
        "Any",
        "AsMut",
        "AsRef",
        "Binary",
        "BitAnd",
        "BitAndAssign",
        "BitOr",
        "BitOrAssign",
        "BitXor",
        "BitXorAssign",
        "Borrow",
        "BorrowMut",
        "BufRead",
        "BuildHasher",
        "Clone",
        "Copy",
        "Debug",
        "Default",
        "Deref",
        "DerefMut",
        "Deserialize",
        "Deserializer",
        "Display",
        "Div",
        "DivAssign",
        "DoubleEndedIterator",
        "Drop",
        "Eq",
        "Error",
        "ExactSizeIterator",
        "Extend",
        "Fn",
        "FnMut",
        "FnOnce",
        "From",
        "FromIterator",
        "FromStr",
        "FusedIterator",
        "Future",
        "Hash",
        "Hasher",
        "Index",
        "IndexMut",
        "Into",
        "IntoFuture",
        "IntoIterator",
        "Iterator",
        "LowerExp",
        "LowerHex",
        "Mul",
        "MulAssign",
        "Neg",
        "Not",
        "Octal",
        "Ord",
        "PartialEq",
        "PartialOrd",
        "Pointer",
        "Product",
        "Read",
        "Rem",
        "RemAssign",
        "Seek",
        "Send",
        "Serialize",
        "Serializer",
        "Shl",
        "ShlAssign",
        "Shr",
        "ShrAssign",
        "Sized",
        "Step",
        "Sub",
        "SubAssign",
        "Sum",
        "Sync",
        "Termination",
        "ToOwned",
        "ToString",
        "TryFrom",
        "TryInto",
        "Unpin",
        "UpperExp",
        "UpperHex",
        "Visitor",
        "Write",
    ];
    let std = matches!(
        path.first().map(String::as_str),
        Some("std" | "core" | "alloc" | "serde")
    );
    !std && path
        .last()
        .is_some_and(|name| !NOT_CALLBACKS.contains(&name.as_str()))
}
