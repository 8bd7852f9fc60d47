//! Collects one file's items into its [`FileOut`]: modules (inline and `mod x;` children with the
//! files rustc would look for), functions and methods with their call sites and signals, types
//! with field types, traits, impl blocks and `use` imports. Test code (`#[cfg(test)]`, `#[test]`)
//! is left out: it is not part of the monolith.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use syn::{Attribute, Item};

use super::Diagnostic;
use super::calls::{BodyVisitor, Locals, MAX_DEPTH};
use super::ir::{
    ChildMod, Def, FileOut, LFn, LImpl, LScope, LStatic, LTrait, LType, Owner, Segs, Sym, Use,
};
use super::signals;
use super::syntax::{
    Gen, add_generics, first_type_arg, is_test, path_attr, path_segs, serde_fns, trait_bounds,
    transparent_alias, ty_sym, unraw, use_tree,
};

/// Where a file sits: what its root module is called and where its children live.
pub(crate) struct FileCtx<'a> {
    /// The file, relative to the analyzed root, with `/` separators.
    pub rel: &'a str,
    /// Directory holding the file (base of top-level `#[path]` attributes).
    pub file_dir: &'a Path,
    /// Directory of the file's module (`foo/` for `foo.rs`, the file's directory for `mod.rs`).
    pub mod_dir: PathBuf,
    /// Module path of the file (`shop::orders`).
    pub mod_path: String,
}

/// Extracts everything the later passes need from a file, read one top-level item at a time (in
/// file order), so that each item's tree can be dropped before the next is parsed
/// ([`super::nesting::parse_items`]).
///
/// # Complexity
/// O(size of the syntax tree).
pub(crate) struct Extractor<'a> {
    c: Collector<'a>,
    /// No generic parameter is in scope at the top level.
    gens: Gen,
}

impl<'a> Extractor<'a> {
    pub(crate) fn new(ctx: &'a FileCtx<'a>) -> Self {
        let mut c = Collector {
            out: FileOut::default(),
            ctx,
            depth: 0,
            locals: Locals::default(),
        };
        c.out.scopes.push(LScope {
            path: ctx.mod_path.clone(),
            ..LScope::default()
        });
        Extractor {
            c,
            gens: Gen::new(),
        }
    }

    /// Reads the file's next top-level item.
    pub(crate) fn item(&mut self, item: &Item) {
        // As `Collector::items` does for the items of a module: they are one level deep.
        let ctx = self.c.ctx;
        self.c.depth += 1;
        self.c.item(item, 0, &ctx.mod_dir, false, None, &self.gens);
        self.c.depth -= 1;
    }

    /// What the file contributes.
    pub(crate) fn finish(self) -> FileOut {
        self.c.out
    }
}

fn line_of(span: proc_macro2::Span) -> usize {
    span.start().line
}

struct Collector<'a> {
    out: FileOut,
    ctx: &'a FileCtx<'a>,
    depth: u32,
    /// The body visitors' table of locals, handed from one function to the next.
    locals: Locals,
}

impl Collector<'_> {
    fn def(&mut self, scope: u32, name: String, def: Def) {
        self.out.scopes[scope as usize].defs.push((name, def));
    }

    fn diag(&mut self, line: usize, column: usize, message: String) {
        self.out.diags.push(Diagnostic {
            file: self.ctx.rel.to_string(),
            line,
            column,
            message,
        });
    }

    /// Collects `items` declared in `scope`; `dir` is where `mod x;` files of this scope live,
    /// `inline` tells whether we are inside an inline module (for `#[path]` bases).
    fn items(
        &mut self,
        items: &[Item],
        scope: u32,
        dir: &Path,
        inline: bool,
        parent_fn: Option<u32>,
        gens: &Gen,
    ) {
        if self.depth >= MAX_DEPTH {
            self.diag(
                0,
                0,
                format!("items nested deeper than {MAX_DEPTH} levels: the deeper ones are skipped"),
            );
            return;
        }
        self.depth += 1;
        for item in items {
            self.item(item, scope, dir, inline, parent_fn, gens);
        }
        self.depth -= 1;
    }

    fn item(
        &mut self,
        item: &Item,
        scope: u32,
        dir: &Path,
        inline: bool,
        parent_fn: Option<u32>,
        gens: &Gen,
    ) {
        match item {
            Item::Fn(f) => {
                if is_test(&f.attrs) {
                    return;
                }
                let owner = match parent_fn {
                    Some(p) => Owner::Nested(p),
                    None => Owner::Free(scope),
                };
                let name = unraw(&f.sig.ident);
                let idx = self.function(
                    &name, &f.attrs, &f.sig, &f.block, scope, owner, gens, None, dir,
                );
                self.def(scope, name, Def::Fn(idx));
            }
            Item::Mod(m) => self.module(m, scope, dir, inline, gens),
            Item::Struct(s) => {
                let mut g = gens.clone();
                add_generics(&mut g, &s.generics);
                // The first type parameter, when unbounded: a field of that type has the type
                // the struct is used with (`state.store` on `State<S>` with `S: Store`).
                let param = s
                    .generics
                    .type_params()
                    .next()
                    .map(|p| unraw(&p.ident))
                    .filter(|p| {
                        g.iter()
                            .rev()
                            .find(|(n, _)| n == p)
                            .is_some_and(|(_, b)| b.is_empty())
                    });
                let fields = s
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        let name = f.ident.as_ref().map_or_else(|| i.to_string(), unraw);
                        let sym = if param.as_deref().is_some_and(|p| names_param(&f.ty, p, 0)) {
                            Sym::AliasParam
                        } else {
                            ty_sym(&f.ty, &g, 0)
                        };
                        (name, sym)
                    })
                    .collect();
                let state = (
                    signals::is_stateful_struct(s),
                    signals::holds_connections(s),
                );
                let mut serde = Vec::new();
                serde_fns(
                    s.attrs.iter().chain(s.fields.iter().flat_map(|f| &f.attrs)),
                    &mut serde,
                );
                self.ty(scope, unraw(&s.ident), fields, state, None, serde);
            }
            Item::Enum(e) => {
                let mut g = gens.clone();
                add_generics(&mut g, &e.generics);
                // Variant fields as `Variant.0`, `Variant.name`, for patterns that bind them.
                let fields = e
                    .variants
                    .iter()
                    .flat_map(|v| {
                        let variant = unraw(&v.ident);
                        let g = &g;
                        v.fields.iter().enumerate().map(move |(i, f)| {
                            let name = f.ident.as_ref().map_or_else(|| i.to_string(), unraw);
                            (format!("{variant}.{name}"), ty_sym(&f.ty, g, 0))
                        })
                    })
                    .collect();
                let mut serde = Vec::new();
                serde_fns(
                    e.attrs.iter().chain(e.variants.iter().flat_map(|v| {
                        v.attrs.iter().chain(v.fields.iter().flat_map(|f| &f.attrs))
                    })),
                    &mut serde,
                );
                self.ty(scope, unraw(&e.ident), fields, (false, false), None, serde);
            }
            Item::Union(u) => self.ty(
                scope,
                unraw(&u.ident),
                Vec::new(),
                (false, false),
                None,
                Vec::new(),
            ),
            Item::Type(t) => {
                let alias = if transparent_alias(t) {
                    Sym::AliasParam
                } else {
                    ty_sym(&t.ty, gens, 0)
                };
                self.ty(
                    scope,
                    unraw(&t.ident),
                    Vec::new(),
                    (false, false),
                    Some(alias),
                    Vec::new(),
                );
            }
            Item::Trait(t) => {
                if is_test(&t.attrs) {
                    return;
                }
                let idx = self.out.traits.len() as u32;
                self.out.traits.push(LTrait {
                    name: unraw(&t.ident),
                    scope,
                    supers: trait_bounds(&t.supertraits),
                });
                self.def(scope, unraw(&t.ident), Def::Trait(idx));
                let mut g = gens.clone();
                add_generics(&mut g, &t.generics);
                for ti in &t.items {
                    if let syn::TraitItem::Fn(f) = ti
                        && let Some(body) = &f.default
                    {
                        let name = unraw(&f.sig.ident);
                        self.function(
                            &name,
                            &f.attrs,
                            &f.sig,
                            body,
                            scope,
                            Owner::Trait(idx),
                            &g,
                            None,
                            dir,
                        );
                    }
                }
            }
            Item::Impl(i) => {
                if is_test(&i.attrs) {
                    return;
                }
                let mut g = gens.clone();
                add_generics(&mut g, &i.generics);
                // A blanket impl (`impl<T: Database> DynDatabase for T`, or for references to
                // any such type, `impl<T: Store> Store for &T`) is named after its trait: its
                // methods are the trait's for every such type, and `T` tells a reader nothing.
                let blanket = match &*i.self_ty {
                    syn::Type::Reference(r) => &*r.elem,
                    other => other,
                };
                let self_name = match blanket {
                    syn::Type::Path(p)
                        if p.qself.is_none()
                            && i.generics.type_params().any(|t| p.path.is_ident(&t.ident)) =>
                    {
                        i.trait_
                            .as_ref()
                            .and_then(|(_, t, _)| t.segments.last())
                            .map(|s| unraw(&s.ident))
                    }
                    _ => match &*i.self_ty {
                        syn::Type::Path(p) => p.path.segments.last().map(|s| unraw(&s.ident)),
                        _ => None,
                    },
                }
                .unwrap_or_else(|| "impl".to_string());
                let idx = self.out.impls.len() as u32;
                self.out.impls.push(LImpl {
                    scope,
                    // `impl Ext for Option<Path>` adds methods to `Option`, not to `Path`.
                    self_ty: if wraps(&i.self_ty) {
                        Sym::Unknown
                    } else {
                        ty_sym(&i.self_ty, &g, 0)
                    },
                    self_name,
                    trait_path: i.trait_.as_ref().map(|(_, p, _)| path_segs(p)),
                    trait_arg: i
                        .trait_
                        .as_ref()
                        .and_then(|(_, p, _)| p.segments.last())
                        .and_then(|s| first_type_arg(&s.arguments))
                        .map_or(Sym::Unknown, |t| ty_sym(t, &g, 0)),
                });
                let serves = i
                    .trait_
                    .as_ref()
                    .is_some_and(|(_, t, _)| serves_requests(t));
                for ii in &i.items {
                    if let syn::ImplItem::Fn(f) = ii {
                        if is_test(&f.attrs) {
                            continue;
                        }
                        let name = unraw(&f.sig.ident);
                        let at = self.function(
                            &name,
                            &f.attrs,
                            &f.sig,
                            &f.block,
                            scope,
                            Owner::Impl(idx),
                            &g,
                            Some(&i.self_ty),
                            dir,
                        );
                        // The server runs a request service's `call` on every request.
                        let lf = &mut self.out.fns[at as usize];
                        if serves && name == "call" && lf.entry.is_none() {
                            lf.entry = Some(String::from("http"));
                        }
                    }
                }
            }
            Item::Use(u) => {
                if is_test(&u.attrs) {
                    return;
                }
                let mut prefix = Vec::new();
                if u.leading_colon.is_some() {
                    prefix.push(String::new());
                }
                let uses = &mut self.out.scopes[scope as usize].uses;
                let before = uses.len();
                use_tree(&u.tree, &mut prefix, uses, 0);
                let public = !matches!(u.vis, syn::Visibility::Inherited);
                for added in &mut uses[before..] {
                    added.public = public;
                }
            }
            Item::ExternCrate(e) => {
                let name = e
                    .rename
                    .as_ref()
                    .map_or_else(|| unraw(&e.ident), |(_, r)| unraw(r));
                let path: Segs = vec![String::new(), unraw(&e.ident)].into_boxed_slice();
                self.out.scopes[scope as usize].uses.push(Use {
                    name,
                    path,
                    glob: false,
                    public: !matches!(e.vis, syn::Visibility::Inherited),
                });
            }
            Item::Static(s) => {
                let stateful = signals::is_stateful_static(s);
                let idx = self.out.statics.len() as u32;
                self.out.statics.push(LStatic {
                    scope,
                    ty: ty_sym(&s.ty, gens, 0),
                });
                self.def(scope, unraw(&s.ident), Def::Static(stateful, Some(idx)));
            }
            Item::Macro(m) if is_cfg_macro(&m.mac) => {
                // `cfg_if!` / `cfg_select!`: every branch's items, as the analysis sees all cfgs.
                let branches = cfg_branches(&m.mac.tokens);
                for items in &branches {
                    self.items(items, scope, dir, inline, parent_fn, gens);
                }
            }
            Item::Const(c) => {
                // `const _: () = { impl S { … } };` hides impls and items in a block.
                if let syn::Expr::Block(b) = &*c.expr {
                    let items: Vec<Item> = b
                        .block
                        .stmts
                        .iter()
                        .filter_map(|st| match st {
                            syn::Stmt::Item(i) => Some(i.clone()),
                            _ => None,
                        })
                        .collect();
                    self.items(&items, scope, dir, inline, parent_fn, gens);
                }
            }
            Item::Macro(m) if m.ident.is_none() => {
                for name in signals::stateful_macro_statics(m) {
                    self.def(scope, name, Def::Static(true, None));
                }
            }
            _ => {}
        }
    }

    fn ty(
        &mut self,
        scope: u32,
        name: String,
        fields: Vec<(String, Sym)>,
        (stateful, connections): (bool, bool),
        alias: Option<Sym>,
        serde_fns: Vec<Segs>,
    ) {
        let idx = self.out.types.len() as u32;
        self.out.types.push(LType {
            name: name.clone(),
            scope,
            fields,
            stateful,
            connections,
            alias,
            serde_fns,
        });
        self.def(scope, name, Def::Type(idx));
    }

    fn module(&mut self, m: &syn::ItemMod, scope: u32, dir: &Path, inline: bool, gens: &Gen) {
        if is_test(&m.attrs) {
            return;
        }
        let name = unraw(&m.ident);
        let parent_path = &self.out.scopes[scope as usize].path;
        let mod_path = format!("{parent_path}::{name}");
        let attr = path_attr(&m.attrs);
        match &m.content {
            Some((_, items)) => {
                let idx = self.out.scopes.len() as u32;
                self.out.scopes.push(LScope {
                    parent: Some(scope),
                    path: mod_path,
                    ..LScope::default()
                });
                self.def(scope, name.clone(), Def::Mod(idx));
                let child_dir = match attr {
                    Some(p) => dir.join(p),
                    None => dir.join(&name),
                };
                self.items(items, idx, &child_dir, true, None, gens);
            }
            None => {
                let (candidates, owns_dir) = match attr {
                    Some(p) => {
                        let base = if inline { dir } else { self.ctx.file_dir };
                        (vec![base.join(p)], vec![true])
                    }
                    None => (
                        vec![
                            dir.join(format!("{name}.rs")),
                            dir.join(&name).join("mod.rs"),
                        ],
                        vec![false, true],
                    ),
                };
                let line = line_of(m.ident.span());
                self.out.children.push(ChildMod {
                    mod_path: mod_path.clone(),
                    candidates,
                    owns_dir,
                    line,
                });
                self.def(scope, name, Def::ExtMod(mod_path));
            }
        }
    }

    /// Records one function with a body; returns its index. `impl_self` is the self type of the
    /// impl it is a method of.
    #[allow(clippy::too_many_arguments)]
    fn function(
        &mut self,
        name: &str,
        attrs: &[Attribute],
        sig: &syn::Signature,
        body: &syn::Block,
        scope: u32,
        owner: Owner,
        gens: &Gen,
        impl_self: Option<&syn::Type>,
        dir: &Path,
    ) -> u32 {
        // Most functions declare no type parameter: they see their scope's as they are.
        let g =
            if sig.generics.type_params().next().is_none() && sig.generics.where_clause.is_none() {
                Cow::Borrowed(gens)
            } else {
                let mut g = gens.clone();
                add_generics(&mut g, &sig.generics);
                Cow::Owned(g)
            };
        let ret = match &sig.output {
            syn::ReturnType::Type(_, ty) => ty_sym(ty, &g, 0),
            syn::ReturnType::Default => Sym::Unknown,
        };
        let idx = self.out.fns.len() as u32;
        let mut v = BodyVisitor::new(&g, std::mem::take(&mut self.locals));
        v.scan.params(sig);
        let mut has_self = false;
        let mut takes = Vec::new();
        for input in &sig.inputs {
            match input {
                syn::FnArg::Receiver(r) => {
                    has_self = true;
                    // `self` of `impl<M> Tree<M>` in a method where `M: Mapping` (or of
                    // `impl<M: Mapping> Tree<M>`): a `Tree` whose parameter is bounded, so
                    // that its fields typed by the parameter are (`self.mapping.key_path(…)`).
                    // A method without generics of its own sees the impl's self type, already
                    // read with the impl's generics.
                    let bounded = |s: &Sym| {
                        matches!(s, Sym::Applied(_, arg)
                            if matches!(&**arg, Sym::Bounds(b) if !b.is_empty()))
                    };
                    let self_sym = match (owner, impl_self, &g) {
                        (Owner::Impl(i), Some(_), Cow::Borrowed(_)) => {
                            Some(&self.out.impls[i as usize].self_ty)
                                .filter(|s| bounded(s))
                                .cloned()
                        }
                        (_, Some(ty), Cow::Owned(g)) => Some(ty_sym(ty, g, 0)).filter(bounded),
                        _ => None,
                    };
                    if let Some(s) = self_sym {
                        v.bind_self(syn::Ident::new("self", r.self_token.span), s);
                    }
                }
                syn::FnArg::Typed(t) => {
                    let s = ty_sym(&t.ty, &g, 0);
                    if matches!(s, Sym::Path(_)) && !matches!(*t.ty, syn::Type::Reference(_)) {
                        takes.push(s.clone());
                    }
                    v.bind(&t.pat, s);
                }
            }
        }
        v.block(body);
        let sig_info = signals::label(name, attrs, std::mem::take(&mut v.scan));
        let line = line_of(sig.ident.span());
        if v.overflow {
            let column = sig.ident.span().start().column + 1;
            self.diag(
                line,
                column,
                format!(
                    "`{name}` nests deeper than {MAX_DEPTH} levels: the deeper code is not analyzed"
                ),
            );
        }
        let routes = sig_info
            .routes
            .iter()
            .map(|(k, p)| (k.clone(), path_segs(p)))
            .collect();
        self.out.fns.push(LFn {
            name: name.to_string(),
            scope,
            owner,
            line,
            has_self,
            params: u16::try_from(sig.inputs.len() - usize::from(has_self)).unwrap_or(u16::MAX),
            ret,
            calls: std::mem::take(&mut v.calls),
            entry: sig_info.entry,
            resources: sig_info.resources,
            hints: sig_info.hints,
            routes,
            uses_state: sig_info.uses_state,
            takes,
        });
        let nested = std::mem::take(&mut v.items);
        self.locals = v.into_locals();
        if !nested.is_empty() {
            let fscope = self.out.scopes.len() as u32;
            let path = self.out.scopes[scope as usize].path.clone();
            self.out.scopes.push(LScope {
                is_fn: true,
                parent: Some(scope),
                path,
                ..LScope::default()
            });
            self.out.fns[idx as usize].scope = fscope;
            self.items(&nested, fscope, dir, true, Some(idx), &g);
        }
        idx
    }
}

/// Whether an item macro is `cfg_if!` or `cfg_select!` (any path ending so).
fn is_cfg_macro(mac: &syn::Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "cfg_if" || s.ident == "cfg_select")
}

/// The items of every branch of a `cfg_if!` (`if #[cfg(…)] { … } else { … }`) or `cfg_select!`
/// (`predicate => { … }`) body: each brace group at its top level, parsed as items. A branch that
/// does not parse as items is left out.
fn cfg_branches(tokens: &proc_macro2::TokenStream) -> Vec<Vec<Item>> {
    use syn::parse::Parser;
    let parse_items = |input: syn::parse::ParseStream<'_>| -> syn::Result<Vec<Item>> {
        let mut items = Vec::new();
        while !input.is_empty() {
            items.push(input.parse()?);
        }
        Ok(items)
    };
    tokens
        .clone()
        .into_iter()
        .filter_map(|tt| match tt {
            proc_macro2::TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::Brace => {
                parse_items.parse2(g.stream()).ok()
            }
            _ => None,
        })
        .collect()
}

/// Whether `ty` is the type parameter `param`, through references and [`WRAPPERS`]
/// (`S`, `&S`, `Arc<S>`), within `depth` levels (as [`ty_sym`] reads types).
///
/// [`WRAPPERS`]: super::syntax::WRAPPERS
fn names_param(ty: &syn::Type, param: &str, depth: u32) -> bool {
    if depth > 32 {
        return false;
    }
    match ty {
        syn::Type::Reference(r) => names_param(&r.elem, param, depth + 1),
        syn::Type::Paren(p) => names_param(&p.elem, param, depth + 1),
        syn::Type::Path(p) if p.qself.is_none() => match p.path.segments.last() {
            Some(last) if p.path.segments.len() == 1 && last.arguments.is_empty() => {
                last.ident == param
            }
            Some(last) if super::syntax::WRAPPERS.iter().any(|w| last.ident == w) => {
                first_type_arg(&last.arguments).is_some_and(|t| names_param(t, param, depth + 1))
            }
            _ => false,
        },
        _ => false,
    }
}

/// Whether a type is a wrapper or collection of another (`Option<T>`, `Arc<T>`, `Vec<T>`, `&[T]`):
/// an outside type whatever it holds.
fn wraps(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => wraps(&r.elem),
        syn::Type::Paren(p) => wraps(&p.elem),
        syn::Type::Slice(_) | syn::Type::Array(_) | syn::Type::Tuple(_) => true,
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|last| {
            first_type_arg(&last.arguments).is_some()
                && super::syntax::WRAPPERS
                    .iter()
                    .chain(super::syntax::COLLECTIONS)
                    .any(|w| last.ident == w)
        }),
        _ => false,
    }
}

/// Whether an implemented trait is a service of HTTP requests: `Service<Request<B>>` (hyper,
/// tower and the middleware layers of axum and tonic) or `Service<ServiceRequest>` (actix-web
/// middleware), whose `call` the server runs for each request.
fn serves_requests(t: &syn::Path) -> bool {
    let Some(last) = t.segments.last() else {
        return false;
    };
    last.ident == "Service"
        && matches!(first_type_arg(&last.arguments), Some(syn::Type::Path(p))
            if p.path.segments.last().is_some_and(|s| s.ident.to_string().ends_with("Request")))
}
