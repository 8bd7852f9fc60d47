//! The workspace-wide symbol table: every file's scopes, definitions, imports, functions, types,
//! traits and impls renumbered into global tables, with `mod x;` declarations linked to the files
//! that define them.

use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;

use super::ir::{Def, LFn, LImpl, LStatic, Ns, Owner, Segs, Sym};
use super::modules::Parsed;
use super::workspace::CrateRoot;

/// A module or function-body scope.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    /// A function body (names fall back to the enclosing scope).
    pub is_fn: bool,
    /// Enclosing scope (the declaring module for a module file).
    pub parent: Option<u32>,
    /// Nearest enclosing module scope (itself for a module).
    pub module: u32,
    /// Crate it belongs to.
    pub crate_idx: u32,
    /// Module path.
    pub path: String,
    /// Modules, types and traits declared here.
    pub types: HashMap<String, Def>,
    /// Functions and statics declared here.
    pub values: HashMap<String, Def>,
    /// `use` bindings, each with whether it is `pub` (a re-export).
    pub imports: HashMap<String, (Segs, bool)>,
    /// Glob imports, each with whether it is `pub`.
    pub globs: Vec<(Segs, bool)>,
}

impl Scope {
    /// The definitions of one namespace.
    pub(crate) fn ns(&self, ns: Ns) -> &HashMap<String, Def> {
        match ns {
            Ns::Type => &self.types,
            Ns::Value => &self.values,
        }
    }
}

/// A type (struct, enum, union, alias) with global indices.
#[derive(Debug)]
pub(crate) struct TypeInfo {
    /// Its name.
    pub name: String,
    /// Declaring scope.
    pub scope: u32,
    /// Field types.
    pub fields: Vec<(String, Sym)>,
    /// Holds in-memory state: locks, atomics, caches, interior-mutable maps.
    pub stateful: bool,
    /// Holds live connections: pools, clients.
    pub connections: bool,
    /// Aliased type, for a type alias.
    pub alias: Option<Sym>,
    /// Functions serde's derived impls of the type call, as written.
    pub serde_fns: Vec<Segs>,
}

/// A trait with global indices.
#[derive(Debug)]
pub(crate) struct TraitInfo {
    /// Its name.
    pub name: String,
    /// Declaring scope.
    pub scope: u32,
    /// Its supertraits as written, resolved in `scope`.
    pub supers: Vec<Segs>,
}

/// A function with global indices and the file it is in.
#[derive(Debug)]
pub(crate) struct FnInfo {
    /// The function.
    pub f: LFn,
    /// Index into [`Index::files`].
    pub file: u32,
}

/// The global tables.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// Crate names and root scopes.
    pub crates: Vec<(String, u32)>,
    /// Crate index by name (the first crate of that name).
    pub crate_by_name: HashMap<String, u32>,
    /// Scopes.
    pub scopes: Vec<Scope>,
    /// Functions.
    pub fns: Vec<FnInfo>,
    /// Types.
    pub types: Vec<TypeInfo>,
    /// Traits.
    pub traits: Vec<TraitInfo>,
    /// Impl blocks.
    pub impls: Vec<LImpl>,
    /// Statics' types (their scopes global).
    pub statics: Vec<LStatic>,
    /// Relative file paths.
    pub files: Vec<String>,
    /// Per crate: the crates its code can reach (itself and its dependencies, transitively);
    /// `None` where the dependencies are unknown.
    pub reach: Vec<Option<Vec<bool>>>,
}

/// Where one file's pieces start in the global tables.
#[derive(Debug, Clone, Copy, Default)]
struct Offsets {
    file: u32,
    scopes: u32,
    fns: u32,
    types: u32,
    traits: u32,
    impls: u32,
    statics: u32,
}

/// One file's part of the global tables, its ids already global.
struct FileTables {
    crate_idx: usize,
    mod_path: String,
    rel: String,
    first_scope: u32,
    scopes: Vec<Scope>,
    fns: Vec<FnInfo>,
    types: Vec<TypeInfo>,
    traits: Vec<TraitInfo>,
    impls: Vec<LImpl>,
    statics: Vec<LStatic>,
    /// `(crate, module path)` of each module scope, in order.
    paths: Vec<((u32, String), u32)>,
    /// `mod x;` declarations: (scope, name, declared path), in order.
    ext_mods: Vec<(u32, String, String)>,
}

/// A parsed file's scopes, functions, types, traits and impls, renumbered from `at`.
fn file_tables(p: Parsed, at: Offsets) -> FileTables {
    let crate_idx = p.crate_idx as u32;
    let s0 = at.scopes;
    let g = |d: Def| match d {
        Def::Mod(m) => Def::Mod(m + s0),
        Def::Fn(f) => Def::Fn(f + at.fns),
        Def::Type(t) => Def::Type(t + at.types),
        Def::Trait(t) => Def::Trait(t + at.traits),
        Def::Static(stateful, s) => Def::Static(stateful, s.map(|s| s + at.statics)),
        other => other,
    };
    let mut scopes: Vec<Scope> = Vec::with_capacity(p.out.scopes.len());
    let mut paths = Vec::new();
    let mut ext_mods = Vec::new();
    for (i, ls) in p.out.scopes.into_iter().enumerate() {
        let id = s0 + i as u32;
        let parent = ls.parent.map(|q| q + s0);
        // A function scope's parent is in the same file, before it.
        let module = if ls.is_fn {
            parent.map_or(id, |q| scopes[(q - s0) as usize].module)
        } else {
            id
        };
        if !ls.is_fn {
            paths.push(((crate_idx, ls.path.clone()), id));
        }
        let mut scope = Scope {
            is_fn: ls.is_fn,
            parent,
            module,
            crate_idx,
            path: ls.path,
            ..Scope::default()
        };
        for (name, d) in ls.defs {
            let d = g(d);
            let map = if d.ns() == Ns::Type {
                &mut scope.types
            } else {
                &mut scope.values
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = map.entry(name) {
                if let Def::ExtMod(path) = &d {
                    ext_mods.push((id, slot.key().clone(), path.clone()));
                }
                slot.insert(d);
            }
        }
        for u in ls.uses {
            if u.glob {
                scope.globs.push((u.path, u.public));
            } else {
                scope.imports.entry(u.name).or_insert((u.path, u.public));
            }
        }
        scopes.push(scope);
    }
    let fns = p
        .out
        .fns
        .into_iter()
        .map(|mut f| {
            f.scope += s0;
            f.owner = match f.owner {
                Owner::Free(s) => Owner::Free(s + s0),
                Owner::Nested(n) => Owner::Nested(n + at.fns),
                Owner::Impl(i) => Owner::Impl(i + at.impls),
                Owner::Trait(t) => Owner::Trait(t + at.traits),
            };
            FnInfo { f, file: at.file }
        })
        .collect();
    let types = p
        .out
        .types
        .into_iter()
        .map(|t| TypeInfo {
            name: t.name,
            scope: t.scope + s0,
            fields: t.fields,
            stateful: t.stateful,
            connections: t.connections,
            alias: t.alias,
            serde_fns: t.serde_fns,
        })
        .collect();
    let traits = p
        .out
        .traits
        .into_iter()
        .map(|t| TraitInfo {
            name: t.name,
            scope: t.scope + s0,
            supers: t.supers,
        })
        .collect();
    let impls = p
        .out
        .impls
        .into_iter()
        .map(|mut im| {
            im.scope += s0;
            im
        })
        .collect();
    let statics = p
        .out
        .statics
        .into_iter()
        .map(|mut st| {
            st.scope += s0;
            st
        })
        .collect();
    FileTables {
        crate_idx: p.crate_idx,
        mod_path: p.mod_path,
        rel: p.rel,
        first_scope: s0,
        scopes,
        fns,
        types,
        traits,
        impls,
        statics,
        paths,
        ext_mods,
    }
}

/// Merges parsed files (sorted by crate and module path) into global tables.
///
/// # Complexity
/// O(definitions + imports + call sites), with hash-map inserts, each file's in parallel.
pub(crate) fn build_index(crates: &[CrateRoot], files: Vec<Parsed>) -> Index {
    let mut offsets = Vec::with_capacity(files.len());
    let mut at = Offsets::default();
    for p in &files {
        offsets.push(at);
        let o = &p.out;
        at = Offsets {
            file: at.file + 1,
            scopes: at.scopes + o.scopes.len() as u32,
            fns: at.fns + o.fns.len() as u32,
            types: at.types + o.types.len() as u32,
            traits: at.traits + o.traits.len() as u32,
            impls: at.impls + o.impls.len() as u32,
            statics: at.statics + o.statics.len() as u32,
        };
    }
    let tables: Vec<FileTables> = files
        .into_par_iter()
        .zip(offsets)
        .map(|(p, at)| file_tables(p, at))
        .collect();
    let mut ix = Index::default();
    // Every file's pieces are appended: sized once, so that the large per-function records are
    // not copied again and again as the vectors grow.
    ix.scopes.reserve(at.scopes as usize);
    ix.fns.reserve(at.fns as usize);
    ix.types.reserve(at.types as usize);
    ix.traits.reserve(at.traits as usize);
    ix.impls.reserve(at.impls as usize);
    ix.statics.reserve(at.statics as usize);
    ix.files.reserve(at.file as usize);
    let mut by_path: HashMap<(u32, String), u32> = HashMap::new();
    let mut roots: Vec<Option<u32>> = vec![None; crates.len()];
    let mut ext_mods = Vec::new();
    for t in tables {
        if t.mod_path == crates[t.crate_idx].name && roots[t.crate_idx].is_none() {
            roots[t.crate_idx] = Some(t.first_scope);
        }
        for (key, id) in t.paths {
            by_path.entry(key).or_insert(id);
        }
        ext_mods.extend(t.ext_mods);
        ix.files.push(t.rel);
        ix.scopes.extend(t.scopes);
        ix.fns.extend(t.fns);
        ix.types.extend(t.types);
        ix.traits.extend(t.traits);
        ix.impls.extend(t.impls);
        ix.statics.extend(t.statics);
    }
    // Link `mod x;` declarations to the files that define them.
    for (s, name, path) in ext_mods {
        let crate_idx = ix.scopes[s as usize].crate_idx;
        // A module whose file is missing or unparseable stays `ExtMod`: paths through it are
        // unresolved rather than taken for outside crates.
        if let Some(&child) = by_path.get(&(crate_idx, path)) {
            ix.scopes[s as usize].types.insert(name, Def::Mod(child));
            if ix.scopes[child as usize].parent.is_none() {
                ix.scopes[child as usize].parent = Some(s);
            }
        }
    }
    ix.reach = reach(crates);
    for (i, c) in crates.iter().enumerate() {
        if let Some(root) = roots[i] {
            ix.crate_by_name
                .entry(c.name.clone())
                .or_insert(ix.crates.len() as u32);
            ix.crates.push((c.name.clone(), root));
        } else {
            ix.crates.push((c.name.clone(), u32::MAX));
        }
    }
    ix
}

/// Which crates each crate can reach through its dependencies (transitively, itself included).
///
/// # Complexity
/// O(C · (C + D)) for C crates and D dependency entries.
fn reach(crates: &[CrateRoot]) -> Vec<Option<Vec<bool>>> {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in crates.iter().enumerate() {
        by_name.entry(c.name.as_str()).or_default().push(i);
    }
    let direct: Vec<Option<Vec<usize>>> = crates
        .iter()
        .map(|c| {
            c.deps.as_ref().map(|deps| {
                deps.iter()
                    .flat_map(|d| by_name.get(d.as_str()).into_iter().flatten().copied())
                    .collect()
            })
        })
        .collect();
    (0..crates.len())
        .map(|start| {
            direct[start].as_ref()?;
            let mut seen = vec![false; crates.len()];
            let mut stack = vec![start];
            while let Some(c) = stack.pop() {
                if std::mem::replace(&mut seen[c], true) {
                    continue;
                }
                match &direct[c] {
                    Some(next) => stack.extend(next.iter().copied()),
                    // A dependency of unknown dependencies may reach anything.
                    None => return None,
                }
            }
            Some(seen)
        })
        .collect()
}

impl Index {
    /// Whether code of crate `from` can call into crate `to`.
    pub(crate) fn reaches(&self, from: u32, to: u32) -> bool {
        match self.reach.get(from as usize) {
            Some(Some(r)) => r.get(to as usize).copied().unwrap_or(false),
            _ => true,
        }
    }

    /// Root scope of the crate a scope belongs to.
    pub(crate) fn crate_root(&self, scope: u32) -> Option<u32> {
        let c = self
            .crates
            .get(self.scopes[scope as usize].crate_idx as usize)?;
        (c.1 != u32::MAX).then_some(c.1)
    }

    /// Root scope of a crate by name.
    pub(crate) fn crate_named(&self, name: &str) -> Option<u32> {
        let &c = self.crate_by_name.get(name)?;
        let root = self.crates[c as usize].1;
        (root != u32::MAX).then_some(root)
    }

    /// The module enclosing a module scope (`super`).
    pub(crate) fn parent_module(&self, module: u32) -> Option<u32> {
        let p = self.scopes[module as usize].parent?;
        Some(self.scopes[p as usize].module)
    }

    /// Full path of a type (`shop::orders::Order`).
    pub(crate) fn type_path(&self, t: u32) -> String {
        let ty = &self.types[t as usize];
        format!("{}::{}", self.scopes[ty.scope as usize].path, ty.name)
    }

    /// Frees the index on the analysis threads: each function's and scope's records were
    /// allocated on the thread that parsed its file, and one thread freeing them all took 0.12 s
    /// of a 4.4 s analysis of 128 MB.
    pub(crate) fn drop_in_parallel(self) {
        let Index {
            fns,
            scopes,
            impls,
            types,
            ..
        } = self;
        rayon::join(
            || fns.into_par_iter().for_each(drop),
            || {
                scopes.into_par_iter().for_each(drop);
                impls.into_par_iter().for_each(drop);
                types.into_par_iter().for_each(drop);
            },
        );
    }

    /// Full path of a trait.
    pub(crate) fn trait_path(&self, t: u32) -> String {
        let tr = &self.traits[t as usize];
        format!("{}::{}", self.scopes[tr.scope as usize].path, tr.name)
    }
}
