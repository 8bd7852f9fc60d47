//! What one parsed file leaves behind once its syntax tree is dropped: scopes, definitions,
//! `use` imports and, per function, the call sites with the symbolic types of their receivers.
//!
//! Everything here uses file-local indices; [`super::index`] renumbers them when it merges files.

use std::path::PathBuf;

use super::Diagnostic;

/// A path as written, one string per segment (generic arguments dropped). A leading `::` is an
/// empty first segment.
pub(crate) type Segs = Box<[String]>;

/// The type of an expression as far as syntax shows it, to be evaluated once every file is known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Sym {
    /// Nothing known.
    Unknown,
    /// A written type path, resolved in the scope of the function (or struct) it appears in.
    Path(Segs),
    /// `Self` (or `self`) of the enclosing impl or trait.
    SelfTy,
    /// The value returned by call site `k` of the same function.
    Ret(u32),
    /// A field of a value of the inner type.
    Field(Box<Sym>, String),
    /// A generic parameter, `impl Trait` or `dyn Trait`: the trait paths that bound it.
    Bounds(Box<[Segs]>),
    /// A collection or iterator of the inner type (`Vec<T>`, `[T]`, `impl Iterator<Item = T>`).
    Coll(Box<Sym>),
    /// An element of the inner type: of a collection (`for x in xs`), or, when `lenient`, the
    /// value a closure argument of `map`/`for_each`/… receives (an `Option<T>`'s `T` too).
    Elem(Box<Sym>, bool),
    /// A path with its first generic type argument (`R<Order>`): through an alias whose body is
    /// that argument (`type R<T> = Result<T, E>`), the argument's type.
    Applied(Segs, Box<Sym>),
    /// A field bound by a pattern of this path: `Event::Created(x)` binds field `0` of variant
    /// `Created`, `Wrapper(x)` field `0` of the tuple struct.
    Variant(Segs, String),
    /// In an alias's body: the alias's first generic type argument; as a struct field's type,
    /// the struct's first type parameter when nothing bounds it (`store: S` in `State<S>`).
    AliasParam,
    /// A tuple of these types (`(A, B)`, `(a, b)`): its field `i` is the `i`-th. Never empty,
    /// never all unknown.
    Tuple(Box<[Sym]>),
}

/// Namespace of a definition: types (modules, types, traits) or values (functions, statics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ns {
    /// Modules, types, traits.
    Type,
    /// Functions, statics.
    Value,
}

/// A definition in a scope, with file-local indices (global after merging).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Def {
    /// An inline module or a module file already merged.
    Mod(u32),
    /// A module declared `mod x;`: the full module path of its file, linked after merging.
    ExtMod(String),
    /// A function.
    Fn(u32),
    /// A struct, enum, union or type alias.
    Type(u32),
    /// A trait.
    Trait(u32),
    /// A static; `true` when it holds shared mutable state; its declared type
    /// ([`FileOut::statics`]), where one is written (not for a `lazy_static!` one).
    Static(bool, Option<u32>),
}

impl Def {
    /// The namespace the definition lives in.
    pub(crate) fn ns(&self) -> Ns {
        match self {
            Def::Fn(_) | Def::Static(..) => Ns::Value,
            _ => Ns::Type,
        }
    }
}

/// One `use` binding: `name` → `path`, or a glob import of `path`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Use {
    /// The bound name (empty for a glob).
    pub name: String,
    /// The imported path.
    pub path: Segs,
    /// `use path::*`.
    pub glob: bool,
    /// `pub use` (any `pub` form): a re-export other modules see. A private `use` binds the name
    /// only for its own module and the modules inside it.
    pub public: bool,
}

/// A module, or a function body holding items.
#[derive(Debug, Clone, Default)]
pub(crate) struct LScope {
    /// `true` for a function body scope (names fall back to the enclosing scope).
    pub is_fn: bool,
    /// Enclosing scope; `None` for the file's root module.
    pub parent: Option<u32>,
    /// Module path (`shop::orders`); for a function scope, the enclosing module's path.
    pub path: String,
    /// Items declared here.
    pub defs: Vec<(String, Def)>,
    /// `use` declarations.
    pub uses: Vec<Use>,
}

/// Who owns a function, which decides its id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Owner {
    /// A free function declared in this scope.
    Free(u32),
    /// A function nested in another function.
    Nested(u32),
    /// A method or associated function of an impl block.
    Impl(u32),
    /// A default method of a trait.
    Trait(u32),
}

/// What a call site calls.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CallKind {
    /// `path(…)`, with the `<T as Trait>` self type when there is one.
    Path {
        /// The path as written.
        segs: Segs,
        /// The qualified self type.
        qself: Option<Sym>,
    },
    /// A path used as a value (`map(parse)`, `get(handler)`, `COUNTER`): a call when it names a
    /// function, a state access when it names a stateful static, ignored otherwise.
    Ref(Segs),
    /// `receiver.name(…)`.
    Method {
        /// Type of the receiver.
        recv: Sym,
        /// Method name.
        name: String,
        /// Arguments passed (the receiver not counted).
        args: u16,
    },
}

/// One call site.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CallSite {
    /// What is called.
    pub kind: CallKind,
    /// Inside a future or closure handed to `spawn`.
    pub is_async: bool,
}

/// A function, method or nested function with a body.
#[derive(Debug, Clone)]
pub(crate) struct LFn {
    /// Its name.
    pub name: String,
    /// Scope its body's paths resolve in (its own scope when it declares items).
    pub scope: u32,
    /// Who owns it.
    pub owner: Owner,
    /// 1-based line of its name.
    pub line: usize,
    /// Takes `self` in some form.
    pub has_self: bool,
    /// Parameters besides `self`.
    pub params: u16,
    /// Return type.
    pub ret: Sym,
    /// Call sites in source order.
    pub calls: Vec<CallSite>,
    /// Entry kind from its attributes and body.
    pub entry: Option<String>,
    /// Resources from its body.
    pub resources: Vec<String>,
    /// Duration hints from its body.
    pub hints: Vec<String>,
    /// Route registrations: entry kind and handler path.
    pub routes: Vec<(String, Segs)>,
    /// Touches shared state directly.
    pub uses_state: bool,
    /// The types of the parameters it takes by value, where they are written as plain paths
    /// (`UserAuth`, `State<AppState>` through the wrapper): the framework builds those of an
    /// entry point through the type's trait impls (an extractor).
    pub takes: Vec<Sym>,
}

/// A static's declared type, for method calls on it (`POOL.run(…)`).
#[derive(Debug, Clone)]
pub(crate) struct LStatic {
    /// Scope it is declared in (where its type's path resolves).
    pub scope: u32,
    /// Its type.
    pub ty: Sym,
}

/// A struct, enum, union or type alias.
#[derive(Debug, Clone)]
pub(crate) struct LType {
    /// Its name.
    pub name: String,
    /// Scope it is declared in.
    pub scope: u32,
    /// Named (or numbered) fields with their types.
    pub fields: Vec<(String, Sym)>,
    /// Holds in-memory state: locks, atomics, caches, interior-mutable maps.
    pub stateful: bool,
    /// Holds live connections: pools, clients.
    pub connections: bool,
    /// For a type alias, the aliased type.
    pub alias: Option<Sym>,
    /// Functions serde's derived impls of the type call, as written (`#[serde(default = "f")]`,
    /// `with = "m"`, …: [`super::syntax::serde_fns`]).
    pub serde_fns: Vec<Segs>,
}

/// A trait.
#[derive(Debug, Clone)]
pub(crate) struct LTrait {
    /// Its name.
    pub name: String,
    /// Scope it is declared in.
    pub scope: u32,
    /// Its supertraits as written (`trait FullRepo: HashRepo + AliasRepo`).
    pub supers: Vec<Segs>,
}

/// An impl block.
#[derive(Debug, Clone)]
pub(crate) struct LImpl {
    /// Scope it is written in.
    pub scope: u32,
    /// The self type.
    pub self_ty: Sym,
    /// Last segment of the self type, for ids of impls on outside types.
    pub self_name: String,
    /// The implemented trait, if any.
    pub trait_path: Option<Segs>,
    /// The trait's first generic type argument (`X` of `impl From<X> for Y`).
    pub trait_arg: Sym,
}

/// A `mod x;` whose file is looked up next.
#[derive(Debug, Clone)]
pub(crate) struct ChildMod {
    /// Full module path of the child.
    pub mod_path: String,
    /// Candidate files, in rustc's order of preference.
    pub candidates: Vec<PathBuf>,
    /// Whether the child's own children live next to it (mod.rs, `#[path]` files).
    pub owns_dir: Vec<bool>,
    /// 1-based line of the declaration.
    pub line: usize,
}

/// Everything one file contributes.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileOut {
    /// Scopes; 0 is the file's root module.
    pub scopes: Vec<LScope>,
    /// Functions in pre-order (an enclosing function before its nested ones).
    pub fns: Vec<LFn>,
    /// Types.
    pub types: Vec<LType>,
    /// Traits.
    pub traits: Vec<LTrait>,
    /// Impl blocks.
    pub impls: Vec<LImpl>,
    /// Statics' types.
    pub statics: Vec<LStatic>,
    /// Module files to analyze next.
    pub children: Vec<ChildMod>,
    /// Problems met in this file.
    pub diags: Vec<Diagnostic>,
}
