//! Path resolution: a path as written (`foo`, `a::b::c`, `crate::x`, `self::`, `super::`, `Self::`,
//! another workspace crate's name) is followed through definitions, `use` imports (renames,
//! groups, globs, re-exports across modules) to a definition, an associated item of a type or
//! trait, or something outside the workspace.
//!
//! Each query carries a visited set and a hop budget, so import cycles and glob webs end.

use super::index::Index;
use super::ir::{Def, Ns, Sym};
use super::syntax::is_screaming;

/// Most lookups one query may make.
const BUDGET: u32 = 256;

/// What a resolved type is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RTy {
    /// Not known.
    Unknown,
    /// Outside the workspace (std, a dependency, a primitive).
    External,
    /// A workspace type.
    Type(u32),
    /// Some type bounded by these workspace traits (a generic, `dyn Trait`, a trait's `Self`).
    Traits(Vec<u32>),
    /// A collection or iterator of the inner type.
    Coll(Box<RTy>),
    /// A tuple of these types.
    Tuple(Box<[RTy]>),
}

/// What a path names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Res<'a> {
    /// A definition.
    Def(Def),
    /// An associated item of a workspace type (`Type::name`).
    Assoc(u32, &'a str),
    /// An item of a workspace trait (`Trait::name`).
    TraitItem(u32, &'a str),
    /// Something outside the workspace.
    External,
    /// Nothing found.
    NotFound,
}

/// Outside names usable without import: the std prelude's types, traits, variants and functions.
fn in_prelude(name: &str) -> bool {
    matches!(
        name,
        "Vec"
            | "String"
            | "Box"
            | "Option"
            | "Some"
            | "None"
            | "Result"
            | "Ok"
            | "Err"
            | "Default"
            | "Iterator"
            | "IntoIterator"
            | "ToString"
            | "ToOwned"
            | "From"
            | "Into"
            | "TryFrom"
            | "TryInto"
            | "Clone"
            | "Copy"
            | "Drop"
            | "Fn"
            | "FnMut"
            | "FnOnce"
            | "Send"
            | "Sync"
            | "Sized"
            | "PartialEq"
            | "Eq"
            | "PartialOrd"
            | "Ord"
            | "AsRef"
            | "AsMut"
            | "Extend"
            | "FromIterator"
            | "DoubleEndedIterator"
            | "ExactSizeIterator"
            | "drop"
            | "Unpin"
            | "str"
            | "char"
            | "bool"
            | "u8"
            | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "isize"
            | "f32"
            | "f64"
    )
}

struct Query<'a> {
    visited: Vec<(u32, &'a str)>,
    budget: u32,
    /// The scope whose code is looking: a private `use` binds only for its own module and the
    /// modules inside it.
    from: u32,
}

enum Found {
    Def(Def),
    /// Imported from outside the workspace by name.
    External,
    /// Perhaps brought in by a glob import of an outside module (whose names are unknown).
    Maybe,
    Missing,
}

impl Index {
    /// Resolves `segs` as written in `scope`; `self_ty` is what `Self` means there.
    pub(crate) fn resolve<'a>(
        &'a self,
        scope: u32,
        segs: &'a [String],
        ns: Ns,
        self_ty: &RTy,
    ) -> Res<'a> {
        let mut q = Query {
            visited: Vec::new(),
            budget: BUDGET,
            from: scope,
        };
        self.resolve_q(scope, segs, ns, self_ty, &mut q)
    }

    /// What `name` names in `scope` itself (its definitions, imports and globs, and for a
    /// function body the enclosing scopes), without the fallbacks of [`Index::resolve`] (a
    /// crate's name, the crate root's items): whether a trait is in scope there.
    pub(crate) fn in_scope(&self, scope: u32, name: &str, ns: Ns) -> Option<Def> {
        let mut q = Query {
            visited: Vec::new(),
            budget: BUDGET,
            from: scope,
        };
        match self.lookup(scope, name, ns, &mut q) {
            Found::Def(d) => Some(d),
            _ => None,
        }
    }

    fn resolve_q<'a>(
        &'a self,
        scope: u32,
        segs: &'a [String],
        ns: Ns,
        self_ty: &RTy,
        q: &mut Query<'a>,
    ) -> Res<'a> {
        let Some(first) = segs.first() else {
            return Res::NotFound;
        };
        let mut start = 1;
        let mut cur = match first.as_str() {
            "" => {
                start = 2;
                match segs.get(1).and_then(|n| self.crate_named(n)) {
                    Some(root) => Def::Mod(root),
                    None => return Res::External,
                }
            }
            "crate" => match self.crate_root(scope) {
                Some(r) => Def::Mod(r),
                None => return Res::NotFound,
            },
            "self" => Def::Mod(self.scopes[scope as usize].module),
            "super" => match self.parent_module(self.scopes[scope as usize].module) {
                Some(p) => Def::Mod(p),
                None => return Res::NotFound,
            },
            "Self" => match self_ty {
                RTy::Type(t) => Def::Type(*t),
                RTy::Traits(ts) if ts.len() == 1 => Def::Trait(ts[0]),
                RTy::External => return Res::External,
                _ => return Res::NotFound,
            },
            name => {
                let single = segs.len() == 1;
                match self.lookup(scope, name, if single { ns } else { Ns::Type }, q) {
                    Found::Def(d) => d,
                    Found::External => return Res::External,
                    // A workspace crate's name wins over an outside glob that might hold it.
                    Found::Maybe => {
                        match self.crate_named(name).filter(|_| !single || ns == Ns::Type) {
                            Some(root) => Def::Mod(root),
                            None => return Res::External,
                        }
                    }
                    Found::Missing => {
                        if let Some(root) =
                            self.crate_named(name).filter(|_| !single || ns == Ns::Type)
                        {
                            Def::Mod(root)
                        } else if in_prelude(name) {
                            return Res::External;
                        } else if let Some(Found::Def(d)) = self
                            .crate_root(scope)
                            .map(|r| self.lookup(r, name, if single { ns } else { Ns::Type }, q))
                        {
                            // 2015-edition paths: relative to the crate root.
                            d
                        } else if !single && name.starts_with(|c: char| c.is_lowercase()) {
                            // An outside crate (`tokio::spawn`) or a primitive (`u64::from`).
                            return Res::External;
                        } else {
                            return Res::NotFound;
                        }
                    }
                }
            }
        };
        let n = segs.len();
        for (i, seg) in segs.iter().enumerate().skip(start) {
            let last = i + 1 == n;
            cur = match cur {
                Def::Mod(m) => match seg.as_str() {
                    "super" => match self.parent_module(m) {
                        Some(p) => Def::Mod(p),
                        None => return Res::NotFound,
                    },
                    "self" => Def::Mod(m),
                    _ => match self.lookup(m, seg, if last { ns } else { Ns::Type }, q) {
                        Found::Def(d) => d,
                        Found::External | Found::Maybe => return Res::External,
                        Found::Missing => return Res::NotFound,
                    },
                },
                Def::Type(t) if last => return Res::Assoc(self.canon_q(t, q), seg),
                Def::Trait(t) if last => return Res::TraitItem(t, seg),
                _ => return Res::NotFound,
            };
        }
        Res::Def(cur)
    }

    /// Looks `name` up in a scope: its definitions, its imports, its globs, then (for a function
    /// body) the enclosing scopes.
    fn lookup<'a>(&'a self, scope: u32, name: &'a str, ns: Ns, q: &mut Query<'a>) -> Found {
        let mut s = scope;
        let mut external = false;
        let mut maybe = false;
        loop {
            if q.budget == 0 {
                return Found::Missing;
            }
            q.budget -= 1;
            let sc = &self.scopes[s as usize];
            if let Some(d) = sc.ns(ns).get(name) {
                return Found::Def(d.clone());
            }
            let key = (s, name);
            if (sc.imports.contains_key(name) || !sc.globs.is_empty()) && !q.visited.contains(&key)
            {
                // The visited stack holds the lookups in progress: a cycle of imports ends here.
                q.visited.push(key);
                let found = self.imported(s, name, ns, q);
                q.visited.pop();
                match found {
                    Found::Missing => {}
                    Found::External => external = true,
                    Found::Maybe => maybe = true,
                    d => return d,
                }
            }
            match sc.parent {
                Some(p) if sc.is_fn => s = p,
                _ => break,
            }
        }
        if external {
            Found::External
        } else if maybe {
            Found::Maybe
        } else {
            Found::Missing
        }
    }

    /// Whether code in scope `from` sees the private items of `module`: it is that module or
    /// inside it.
    fn inside(&self, from: u32, module: u32) -> bool {
        let mut m = self.scopes[from as usize].module;
        for _ in 0..BUDGET {
            if m == module {
                return true;
            }
            match self.parent_module(m) {
                Some(p) if p != m => m = p,
                _ => return false,
            }
        }
        false
    }

    /// Looks `name` up through the imports of scope `s` that the looking scope sees (all of
    /// them from inside `s`'s module, its `pub use`s from elsewhere): its `use` binding, then its
    /// globs. The imported paths resolve from `s`, and what a glob brings is what `s` sees.
    fn imported<'a>(&'a self, s: u32, name: &'a str, ns: Ns, q: &mut Query<'a>) -> Found {
        let sc = &self.scopes[s as usize];
        let private_too = self.inside(q.from, sc.module);
        let outer = std::mem::replace(&mut q.from, s);
        let found = self.imported_from(s, name, ns, private_too, q);
        q.from = outer;
        found
    }

    fn imported_from<'a>(
        &'a self,
        s: u32,
        name: &'a str,
        ns: Ns,
        private_too: bool,
        q: &mut Query<'a>,
    ) -> Found {
        let sc = &self.scopes[s as usize];
        if let Some((path, public)) = sc.imports.get(name)
            && (*public || private_too)
        {
            match self.resolve_q(s, path, ns, &RTy::Unknown, q) {
                Res::Def(d) => return Found::Def(d),
                Res::External => return Found::External,
                _ => {}
            }
        }
        let (mut external, mut maybe) = (false, false);
        for (g, public) in &sc.globs {
            if !(*public || private_too) {
                continue;
            }
            match self.resolve_q(s, g, Ns::Type, &RTy::Unknown, q) {
                Res::Def(Def::Mod(m)) => match self.lookup(m, name, ns, q) {
                    Found::Def(d) => return Found::Def(d),
                    Found::External => external = true,
                    Found::Maybe => maybe = true,
                    Found::Missing => {}
                },
                Res::External => maybe = true,
                _ => {}
            }
        }
        if external {
            Found::External
        } else if maybe {
            Found::Maybe
        } else {
            Found::Missing
        }
    }

    /// The type an alias stands for (the type itself when it is not an alias).
    pub(crate) fn canon(&self, t: u32) -> u32 {
        let mut q = Query {
            visited: Vec::new(),
            budget: BUDGET,
            from: self.types[t as usize].scope,
        };
        self.canon_q(t, &mut q)
    }

    fn canon_q<'a>(&'a self, mut t: u32, q: &mut Query<'a>) -> u32 {
        for _ in 0..8 {
            let ty = &self.types[t as usize];
            let Some(Sym::Path(segs)) = &ty.alias else {
                break;
            };
            let outer = std::mem::replace(&mut q.from, ty.scope);
            let next = self.resolve_q(ty.scope, segs, Ns::Type, &RTy::Unknown, q);
            q.from = outer;
            match next {
                Res::Def(Def::Type(next)) if next != t => t = next,
                _ => break,
            }
        }
        t
    }

    /// Evaluates a symbolic type in `scope`, with `Self` meaning `self_ty` and `Ret(k)` the
    /// result types of the function's earlier call sites.
    pub(crate) fn eval(&self, sym: &Sym, scope: u32, self_ty: &RTy, rets: &[RTy]) -> RTy {
        self.eval_d(sym, scope, self_ty, rets, 0)
    }

    /// The type of field `name` of workspace type `t` (`Variant.name` for an enum variant's).
    fn field_of(&self, t: u32, name: &str, depth: u32) -> RTy {
        let ty = &self.types[t as usize];
        match ty.fields.iter().find(|(n, _)| n == name) {
            Some((_, fs)) => self.eval_d(fs, ty.scope, &RTy::Type(t), &[], depth + 1),
            // `state.0` where `state: State<AppState>`: the wrapper was seen through, and a type
            // without a field `0` only has one through it.
            None if name == "0" => RTy::Type(t),
            None => RTy::Unknown,
        }
    }

    fn eval_d(&self, sym: &Sym, scope: u32, self_ty: &RTy, rets: &[RTy], depth: u32) -> RTy {
        if depth > 16 {
            return RTy::Unknown;
        }
        match sym {
            Sym::Unknown => RTy::Unknown,
            Sym::SelfTy => self_ty.clone(),
            Sym::Ret(k) => rets.get(*k as usize).cloned().unwrap_or(RTy::Unknown),
            Sym::Path(segs) => match self.resolve(scope, segs, Ns::Type, self_ty) {
                Res::Def(Def::Type(t)) => {
                    let t = self.canon(t);
                    let ty = &self.types[t as usize];
                    match &ty.alias {
                        // An alias of a trait object or a collection (`type ArcRepo = Arc<dyn
                        // FullRepo>`): what it stands for, read where it is declared. An alias
                        // of another type stays itself: the workspace's impls name it.
                        Some(body @ (Sym::Bounds(_) | Sym::Coll(_))) => {
                            self.eval_d(body, ty.scope, &RTy::Unknown, &[], depth + 1)
                        }
                        _ => RTy::Type(t),
                    }
                }
                Res::Def(Def::Trait(t)) => RTy::Traits(vec![t]),
                Res::External => RTy::External,
                // A value named in capitals is a static (`POOL.run(…)`): its declared type.
                _ if segs.last().is_some_and(|s| is_screaming(s)) => {
                    match self.resolve(scope, segs, Ns::Value, self_ty) {
                        Res::Def(Def::Static(_, Some(s))) => {
                            let st = &self.statics[s as usize];
                            self.eval_d(&st.ty, st.scope, &RTy::Unknown, &[], depth + 1)
                        }
                        _ => RTy::Unknown,
                    }
                }
                _ => RTy::Unknown,
            },
            // A field typed by the struct's parameter, on a struct used with an argument:
            // the argument.
            Sym::Field(base, name)
                if let Sym::Applied(segs, arg) = &**base
                    && let Res::Def(Def::Type(t)) =
                        self.resolve(scope, segs, Ns::Type, self_ty)
                    && self.types[self.canon(t) as usize]
                        .fields
                        .iter()
                        .any(|(n, f)| n == name && *f == Sym::AliasParam) =>
            {
                self.eval_d(arg, scope, self_ty, rets, depth + 1)
            }
            Sym::Field(base, name) => match self.eval_d(base, scope, self_ty, rets, depth + 1) {
                RTy::Type(t) => self.field_of(t, name, depth),
                RTy::Tuple(elems) => name
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| elems.get(i))
                    .cloned()
                    .unwrap_or(RTy::Unknown),
                RTy::External => RTy::External,
                _ => RTy::Unknown,
            },
            Sym::Coll(inner) => RTy::Coll(Box::new(self.eval_d(
                inner,
                scope,
                self_ty,
                rets,
                depth + 1,
            ))),
            Sym::Elem(of, lenient) => match self.eval_d(of, scope, self_ty, rets, depth + 1) {
                RTy::Coll(inner) => *inner,
                RTy::External | RTy::Unknown => RTy::Unknown,
                other if *lenient => other,
                _ => RTy::Unknown,
            },
            Sym::Applied(segs, arg) => match self.resolve(scope, segs, Ns::Type, self_ty) {
                Res::Def(Def::Type(t)) => {
                    if self.types[t as usize].alias == Some(Sym::AliasParam) {
                        self.eval_d(arg, scope, self_ty, rets, depth + 1)
                    } else {
                        RTy::Type(self.canon(t))
                    }
                }
                Res::Def(Def::Trait(t)) => RTy::Traits(vec![t]),
                // An outside extractor derefs to what it carries.
                Res::External
                    if segs
                        .last()
                        .is_some_and(|l| super::syntax::EXTRACTORS.contains(&l.as_str())) =>
                {
                    self.eval_d(arg, scope, self_ty, rets, depth + 1)
                }
                Res::External => RTy::External,
                _ => RTy::Unknown,
            },
            Sym::Variant(segs, field) => {
                // A tuple struct's own field, else a field of the enum's variant.
                if let Res::Def(Def::Type(t)) = self.resolve(scope, segs, Ns::Type, self_ty) {
                    return self.field_of(self.canon(t), field, depth);
                }
                let Some((variant, enum_path)) = segs.split_last() else {
                    return RTy::Unknown;
                };
                match self.resolve(scope, enum_path, Ns::Type, self_ty) {
                    Res::Def(Def::Type(t)) => {
                        self.field_of(self.canon(t), &format!("{variant}.{field}"), depth)
                    }
                    Res::External => RTy::External,
                    _ => RTy::Unknown,
                }
            }
            Sym::AliasParam => RTy::Unknown,
            Sym::Tuple(elems) => RTy::Tuple(
                elems
                    .iter()
                    .map(|e| self.eval_d(e, scope, self_ty, rets, depth + 1))
                    .collect(),
            ),
            Sym::Bounds(paths) => {
                let mut traits: Vec<u32> = paths
                    .iter()
                    .filter_map(|p| match self.resolve(scope, p, Ns::Type, self_ty) {
                        Res::Def(Def::Trait(t)) => Some(t),
                        _ => None,
                    })
                    .collect();
                traits.sort_unstable();
                traits.dedup();
                if traits.is_empty() {
                    RTy::Unknown
                } else {
                    RTy::Traits(traits)
                }
            }
        }
    }
}
