//! State held outside a call: statics with interior mutability, `lazy_static!` and
//! `thread_local!` declarations, and structs that hold connections, pools, caches or locks.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{ItemMacro, ItemStatic, ItemStruct, Meta, StaticMutability};

/// The identifiers of a token stream in order, groups flattened (an explicit stack, so hostile
/// nesting cannot overflow the call stack).
pub(super) fn idents_of(tokens: TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![tokens.into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(TokenTree::Ident(ident)) => out.push(ident.to_string()),
            Some(TokenTree::Group(group)) => stack.push(group.stream().into_iter()),
            Some(_) => {}
            None => {
                stack.pop();
            }
        }
    }
    out
}

/// Type names that give a static interior mutability: state that calls change. A value built
/// once and then only read (`LazyLock<Regex>`, `OnceLock<Config>`, `Lazy<String>`) is not state;
/// a lazy holding one of these is.
const STATEFUL_STATIC_TYPES: &[&str] = &[
    "Mutex",
    "RwLock",
    "RefCell",
    "Cell",
    "UnsafeCell",
    "DashMap",
    "DashSet",
    "ArcSwap",
    "ArcSwapOption",
    "Condvar",
    "ThreadLocal",
    "AtomicCell",
    "SegQueue",
    "ArrayQueue",
    "Semaphore",
];

/// Lazily initialised, then immutable: not state by themselves.
const LAZY_TYPES: &[&str] = &[
    "OnceLock",
    "OnceCell",
    "LazyLock",
    "LazyCell",
    "Lazy",
    "SyncOnceCell",
    "SyncLazy",
];

/// Whether a type name makes a static stateful: interior mutability (locks, atomics, cells,
/// concurrent maps), a cache, or a connection pool.
fn stateful_static_type(name: &str) -> bool {
    STATEFUL_STATIC_TYPES.contains(&name)
        || name.starts_with("Atomic")
        || name.ends_with("Mutex")
        || (name.ends_with("Lock") && !LAZY_TYPES.contains(&name))
        || name.ends_with("Cache")
        || name.ends_with("Pool")
}

/// Whether a `static` keeps mutable state: `static mut`, or a type that mentions a lock, an
/// atomic, a cell, a concurrent map, a cache or a pool. `static NAME: &str`, plain numbers and
/// lazily built immutable values (`LazyLock<Regex>`) are not.
pub(crate) fn is_stateful_static(item: &ItemStatic) -> bool {
    matches!(item.mutability, StaticMutability::Mut(_))
        || idents_of(item.ty.to_token_stream())
            .iter()
            .any(|name| stateful_static_type(name))
}

/// The names a `lazy_static! { static ref X: T = …; }` or `thread_local! { static Y: T = …; }`
/// invocation declares with a stateful type `T` (as [`is_stateful_static`] decides), in order
/// (empty for any other macro). A token scan for `static [ref] NAME : T =` at the top level.
pub(crate) fn stateful_macro_statics(mac: &ItemMacro) -> Vec<String> {
    let is_decl = mac
        .mac
        .path
        .segments
        .last()
        .is_some_and(|s| s.ident == "lazy_static" || s.ident == "thread_local");
    if !is_decl {
        return Vec::new();
    }
    let tokens: Vec<TokenTree> = mac.mac.tokens.clone().into_iter().collect();
    let mut names: Vec<String> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if matches!(&tokens[i], TokenTree::Ident(id) if id == "static") {
            let mut j = i + 1;
            if matches!(tokens.get(j), Some(TokenTree::Ident(id)) if id == "ref") {
                j += 1;
            }
            if let (Some(TokenTree::Ident(name)), Some(TokenTree::Punct(p))) =
                (tokens.get(j), tokens.get(j + 1))
            {
                let ty_end = (j + 2..tokens.len())
                    .find(|&k| matches!(&tokens[k], TokenTree::Punct(q) if q.as_char() == '='))
                    .unwrap_or(tokens.len());
                let stateful = tokens[(j + 2).min(ty_end)..ty_end].iter().any(|t| match t {
                    TokenTree::Ident(id) => stateful_static_type(&id.to_string()),
                    TokenTree::Group(g) => idents_of(g.stream())
                        .iter()
                        .any(|n| stateful_static_type(n)),
                    _ => false,
                });
                if p.as_char() == ':' && stateful {
                    let name = name.to_string();
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
            i = j;
        }
        i += 1;
    }
    names
}

/// Field type names that always mean the struct holds in-memory state shared between calls.
const STATEFUL_FIELD_TYPES: &[&str] = &[
    "Mutex",
    "RwLock",
    "DashMap",
    "DashSet",
    "ArcSwap",
    "RefCell",
    "Cell",
    "OnceLock",
    "OnceCell",
    "LruCache",
    "Condvar",
    "Semaphore",
];

/// Field type names that always mean the struct holds live connections (a pool, a client).
const CONNECTION_FIELD_TYPES: &[&str] = &["PgPool", "MySqlPool", "SqlitePool", "AnyPool"];

/// Field type names that are also common names of plain data (a shop's `Client`, a graph's
/// `Connection`): they count unless the struct derives a data trait.
const AMBIGUOUS_FIELD_TYPES: &[&str] = &["Client", "Connection", "Cache", "Pool"];

/// What a field's type says a struct holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Holds {
    /// In-memory state shared between calls (locks, atomics, caches, broadcast hubs).
    State,
    /// Live connections (pools, clients): reusable, but no state a function would lose.
    Connections,
}

impl Holds {
    fn of_name(name: &str) -> Holds {
        if ["Client", "Connection", "Pool"]
            .iter()
            .any(|s| name.ends_with(s))
            || CONNECTION_FIELD_TYPES.contains(&name)
        {
            Holds::Connections
        } else {
            Holds::State
        }
    }
}

/// Derives that mark a struct as plain data (a DTO or a database row).
const DATA_DERIVES: &[&str] = &[
    "Deserialize",
    "FromRow",
    "Queryable",
    "Insertable",
    "Selectable",
    "AsChangeset",
    "DeriveEntityModel",
];

/// What a field type name, preceded by `prev` in the type's tokens, says the struct holds:
/// `Some((true, _))` certainly, `Some((false, _))` only when the struct is not plain data, `None`
/// nothing.
fn stateful_field_type(name: &str, prev: Option<&str>) -> Option<(bool, Holds)> {
    // `crate::models::Client` is the analyzed project's own type, not a library's client.
    let local = [
        "crate", "self", "super", "models", "model", "domain", "entity", "entities",
    ];
    let qualifier = prev.filter(|p| p.starts_with(|c: char| c.is_ascii_lowercase()));
    if STATEFUL_FIELD_TYPES.contains(&name)
        || CONNECTION_FIELD_TYPES.contains(&name)
        || name.starts_with("Atomic")
        || name.ends_with("Mutex")
        || (name == "Sender" && matches!(prev, Some("broadcast" | "watch")))
    {
        return Some((true, Holds::of_name(name)));
    }
    if AMBIGUOUS_FIELD_TYPES.contains(&name) {
        // `reqwest::Client`, `r2d2::Pool` name their crate; a bare `Client` may be data.
        return match qualifier {
            Some(q) if local.contains(&q) => None,
            Some(_) => Some((true, Holds::of_name(name))),
            None => Some((false, Holds::of_name(name))),
        };
    }
    let suffixed = ["Pool", "Client", "Connection", "Cache", "Lock"]
        .iter()
        .any(|s| name.len() > s.len() && name.ends_with(s));
    suffixed.then_some((true, Holds::of_name(name)))
}

/// Whether a struct holds in-memory state between calls: fields whose types mention a lock, an
/// atomic, a concurrent map, a cache or a broadcast sender. A plain data struct (`String`, `u32`,
/// `Vec<Item>`) does not, and neither does a struct that only holds connections
/// ([`holds_connections`]).
pub(crate) fn is_stateful_struct(item: &ItemStruct) -> bool {
    struct_holds(item, Holds::State)
}

/// Whether a struct holds live connections: a database pool, a redis, HTTP or database client.
/// Reusable across calls, but not state a function would lose: a soft signal, not a hard limit.
pub(crate) fn holds_connections(item: &ItemStruct) -> bool {
    struct_holds(item, Holds::Connections)
}

fn struct_holds(item: &ItemStruct, what: Holds) -> bool {
    let is_data = item.attrs.iter().any(|attr| match &attr.meta {
        Meta::List(list) if attr.path().is_ident("derive") => idents_of(list.tokens.clone())
            .iter()
            .any(|d| DATA_DERIVES.contains(&d.as_str())),
        _ => false,
    });
    item.fields.iter().any(|field| {
        let names = idents_of(field.ty.to_token_stream());
        names.iter().enumerate().any(|(i, name)| {
            let prev = i.checked_sub(1).map(|p| names[p].as_str());
            match stateful_field_type(name, prev) {
                Some((certain, holds)) => holds == what && (certain || !is_data),
                None => false,
            }
        })
    })
}
