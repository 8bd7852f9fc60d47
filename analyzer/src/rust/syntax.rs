//! Small readers of syn syntax shared by the item collector and the body visitor: path
//! segments, written types as symbolic types, generic bounds, `use` trees and attributes.

use syn::Attribute;

use super::ir::{Segs, Sym, Use};

/// An identifier as a name: `r#type` is `type` (ids and module files use the plain name).
pub(crate) fn unraw(id: &proc_macro2::Ident) -> String {
    let mut name = id.to_string();
    if name.starts_with("r#") {
        name.drain(..2);
    }
    name
}

/// The text of an identifier as written (`r#type` for a raw one), in `buf` (no allocation once
/// `buf` is large enough).
pub(crate) fn ident_text<'b>(buf: &'b mut String, id: &proc_macro2::Ident) -> &'b str {
    use std::fmt::Write as _;
    buf.clear();
    // Writing into a String cannot fail.
    let _ = write!(buf, "{id}");
    buf
}

/// Calls `f` with the text of an identifier as written, formatted once into a buffer kept per
/// thread: comparing that text with a list of names costs one formatting, where comparing the
/// identifier with each name costs a comparison through proc_macro2 per name.
pub(crate) fn with_ident_text<R>(id: &proc_macro2::Ident, f: impl FnOnce(&str) -> R) -> R {
    thread_local! {
        static BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUF.with(|buf| match buf.try_borrow_mut() {
        Ok(mut buf) => f(ident_text(&mut buf, id)),
        // Only when `f` itself asks for an identifier's text: a buffer of its own.
        Err(_) => f(&id.to_string()),
    })
}

/// [`unraw`] written into `buf` (no allocation once `buf` is large enough).
pub(crate) fn unraw_into<'b>(buf: &'b mut String, id: &proc_macro2::Ident) -> &'b str {
    let text = ident_text(buf, id);
    text.strip_prefix("r#").unwrap_or(text)
}

/// Generic parameters in scope with the trait paths that bound them.
pub(crate) type Gen = Vec<(String, Vec<Segs>)>;

/// Web frameworks' extractors, which deref to what they carry (`web::Data<Ctx>`,
/// `State<AppState>`, `Json<Body>`): a method called on one is a method of the inner type. Seen
/// through only when the name is not a workspace type (it resolves outside).
pub(crate) const EXTRACTORS: &[&str] = &[
    "Data",
    "State",
    "Extension",
    "Query",
    "Json",
    "Form",
    "Path",
    "ReqData",
];

/// Whether `name` is written in capitals (`POOL`, `MAX_2`), as statics and consts are, rather
/// than in `CamelCase` (types, variants) or `snake_case` (functions, locals).
pub(crate) fn is_screaming(name: &str) -> bool {
    name.starts_with(char::is_uppercase) && !name.chars().any(char::is_lowercase)
}

/// Wrappers seen through when inferring a receiver type: a method called on `Arc<Mutex<Repo>>`
/// (after `.lock()`, `.unwrap()`, …) is a method of `Repo`.
pub(crate) const WRAPPERS: &[&str] = &[
    "Box",
    "Arc",
    "Rc",
    "Option",
    "Result",
    "Mutex",
    "RwLock",
    "RefCell",
    "Cell",
    "Pin",
    "Cow",
    "MutexGuard",
    "RwLockReadGuard",
    "RwLockWriteGuard",
    "Ref",
    "RefMut",
    "Weak",
    "ManuallyDrop",
    // Lazily built values (`static POOL: LazyLock<Pool>`) deref to what they build.
    "LazyLock",
    "LazyCell",
    "Lazy",
];

/// Collections whose first generic argument is the element type.
pub(crate) const COLLECTIONS: &[&str] = &[
    "Vec",
    "VecDeque",
    "LinkedList",
    "HashSet",
    "BTreeSet",
    "BinaryHeap",
    "IndexSet",
    "SmallVec",
];

/// The first type among a path segment's generic arguments.
pub(crate) fn first_type_arg(args: &syn::PathArguments) -> Option<&syn::Type> {
    match args {
        syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

/// `impl Iterator<Item = T>` (or `IntoIterator`, `dyn Iterator`…): a collection of `T`.
fn iterator_sym<'a>(
    bounds: impl IntoIterator<Item = &'a syn::TypeParamBound>,
    gens: &Gen,
    depth: u32,
) -> Option<Sym> {
    bounds.into_iter().find_map(|b| {
        let syn::TypeParamBound::Trait(t) = b else {
            return None;
        };
        let last = t.path.segments.last()?;
        if !matches!(
            last.ident.to_string().as_str(),
            "Iterator" | "IntoIterator" | "DoubleEndedIterator" | "ExactSizeIterator"
        ) {
            return None;
        }
        let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
            return None;
        };
        a.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::AssocType(at) if at.ident == "Item" => {
                Some(Sym::Coll(Box::new(ty_sym(&at.ty, gens, depth + 1))))
            }
            _ => None,
        })
    })
}

/// For an alias `type A<P, …> = Body;`: whether `Body`, seen through references and
/// [`WRAPPERS`], is `P` itself (`type R<T> = Result<T, Error>`), so that `A<X>` stands for `X`.
pub(crate) fn transparent_alias(t: &syn::ItemType) -> bool {
    let Some(param) = t.generics.type_params().next() else {
        return false;
    };
    let mut ty = &*t.ty;
    for _ in 0..32 {
        match ty {
            syn::Type::Reference(r) => ty = &r.elem,
            syn::Type::Paren(p) => ty = &p.elem,
            syn::Type::Path(p) if p.qself.is_none() => {
                if p.path.is_ident(&param.ident) {
                    return true;
                }
                let Some(last) = p.path.segments.last() else {
                    return false;
                };
                match first_type_arg(&last.arguments) {
                    Some(inner) if WRAPPERS.iter().any(|w| last.ident == w) => ty = inner,
                    _ => return false,
                }
            }
            _ => return false,
        }
    }
    false
}

/// The segments of a path, generic arguments dropped; a leading `::` becomes an empty segment.
pub(crate) fn path_segs(p: &syn::Path) -> Segs {
    let lead = p.leading_colon.is_some();
    let mut v = Vec::with_capacity(p.segments.len() + usize::from(lead));
    if lead {
        v.push(String::new());
    }
    v.extend(p.segments.iter().map(|s| unraw(&s.ident)));
    v.into_boxed_slice()
}

/// The symbolic type of a written type.
pub(crate) fn ty_sym(ty: &syn::Type, gens: &Gen, depth: u32) -> Sym {
    if depth > 32 {
        return Sym::Unknown;
    }
    match ty {
        syn::Type::Reference(r) => ty_sym(&r.elem, gens, depth + 1),
        syn::Type::Paren(p) => ty_sym(&p.elem, gens, depth + 1),
        syn::Type::Group(g) => ty_sym(&g.elem, gens, depth + 1),
        syn::Type::Ptr(p) => ty_sym(&p.elem, gens, depth + 1),
        syn::Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return Sym::Unknown;
            };
            let single = p.path.segments.len() == 1 && p.path.leading_colon.is_none();
            // What the last name is, read from its text once.
            let (wrapper, collection, self_ty, generic) = with_ident_text(&last.ident, |name| {
                (
                    WRAPPERS.contains(&name),
                    COLLECTIONS.contains(&name),
                    name == "Self",
                    if single {
                        gens.iter().rev().position(|(n, _)| n == name)
                    } else {
                        None
                    },
                )
            });
            if wrapper
                && let syn::PathArguments::AngleBracketed(a) = &last.arguments
                && let Some(inner) = a.args.iter().find_map(|a| match a {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
            {
                return ty_sym(inner, gens, depth + 1);
            }
            if single {
                if self_ty {
                    return Sym::SelfTy;
                }
                if let Some((_, bounds)) = generic.and_then(|i| gens.iter().rev().nth(i)) {
                    return Sym::Bounds(bounds.clone().into_boxed_slice());
                }
            }
            if let Some(arg) = first_type_arg(&last.arguments) {
                let inner = ty_sym(arg, gens, depth + 1);
                return if collection {
                    Sym::Coll(Box::new(inner))
                } else {
                    Sym::Applied(path_segs(&p.path), Box::new(inner))
                };
            }
            Sym::Path(path_segs(&p.path))
        }
        syn::Type::Slice(s) => Sym::Coll(Box::new(ty_sym(&s.elem, gens, depth + 1))),
        syn::Type::Tuple(t) if !t.elems.is_empty() => {
            tuple_sym(t.elems.iter().map(|e| ty_sym(e, gens, depth + 1)).collect())
        }
        syn::Type::Array(a) => Sym::Coll(Box::new(ty_sym(&a.elem, gens, depth + 1))),
        syn::Type::TraitObject(t) => {
            iterator_sym(&t.bounds, gens, depth).unwrap_or_else(|| bounds_sym(&t.bounds))
        }
        syn::Type::ImplTrait(t) => {
            iterator_sym(&t.bounds, gens, depth).unwrap_or_else(|| bounds_sym(&t.bounds))
        }
        _ => Sym::Unknown,
    }
}

/// A tuple of these element types; unknown when none is known (or there are none).
pub(crate) fn tuple_sym(elems: Vec<Sym>) -> Sym {
    if elems.iter().all(|s| *s == Sym::Unknown) {
        Sym::Unknown
    } else {
        Sym::Tuple(elems.into_boxed_slice())
    }
}

fn bounds_sym<'a>(bounds: impl IntoIterator<Item = &'a syn::TypeParamBound>) -> Sym {
    let v: Vec<Segs> = trait_bounds(bounds);
    if v.is_empty() {
        Sym::Unknown
    } else {
        Sym::Bounds(v.into_boxed_slice())
    }
}

/// The trait paths among some bounds.
pub(crate) fn trait_bounds<'a>(
    bounds: impl IntoIterator<Item = &'a syn::TypeParamBound>,
) -> Vec<Segs> {
    bounds
        .into_iter()
        .filter_map(|b| match b {
            syn::TypeParamBound::Trait(t) => Some(path_segs(&t.path)),
            _ => None,
        })
        .collect()
}

/// Adds the type parameters of `generics` (with inline and where-clause bounds) to `gens`.
pub(crate) fn add_generics(gens: &mut Gen, generics: &syn::Generics) {
    for p in generics.type_params() {
        gens.push((unraw(&p.ident), trait_bounds(&p.bounds)));
    }
    if let Some(w) = &generics.where_clause {
        for pred in &w.predicates {
            if let syn::WherePredicate::Type(t) = pred
                && let syn::Type::Path(tp) = &t.bounded_ty
                && let Some(id) = tp.path.get_ident()
                && let Some(entry) = gens.iter_mut().rev().find(|(n, _)| id == n)
            {
                entry.1.extend(trait_bounds(&t.bounds));
            }
        }
    }
}

/// Whether the attributes mark test-only code.
///
/// Test code: `#[test]`, `#[bench]` and their framework forms (`#[tokio::test]`, `#[rstest]`,
/// `#[test_case(…)]`, `#[quickcheck]`, `#[proptest]`), or a `#[cfg(…)]` that holds only under
/// test (`test`, `all(test, …)`, `any` of such).
pub(crate) fn is_test(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        let p = a.path();
        const TEST_ATTRS: [&str; 7] = [
            "test",
            "bench",
            "rstest",
            "test_case",
            "test_matrix",
            "quickcheck",
            "proptest",
        ];
        // Compared in place: every doc comment is an attribute, so this runs once a line.
        if p.segments
            .last()
            .is_some_and(|s| TEST_ATTRS.iter().any(|t| s.ident == t))
        {
            return true;
        }
        p.is_ident("cfg")
            && matches!(&a.meta, syn::Meta::List(l) if l
                .parse_args::<syn::Meta>()
                .is_ok_and(|m| cfg_only_under_test(&m, 0)))
    })
}

/// Whether a `cfg` predicate can hold only when compiling tests.
fn cfg_only_under_test(m: &syn::Meta, depth: u32) -> bool {
    if depth > 16 {
        return false;
    }
    match m {
        syn::Meta::Path(p) => p.is_ident("test"),
        syn::Meta::List(l) => {
            let Ok(args) = l.parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            ) else {
                return false;
            };
            if l.path.is_ident("all") {
                args.iter().any(|a| cfg_only_under_test(a, depth + 1))
            } else if l.path.is_ident("any") {
                !args.is_empty() && args.iter().all(|a| cfg_only_under_test(a, depth + 1))
            } else {
                false
            }
        }
        syn::Meta::NameValue(_) => false,
    }
}

/// The value of a `#[path = "…"]` attribute.
pub(crate) fn path_attr(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// The functions serde's derived impls call, named in `#[serde(…)]` attributes of a type, its
/// fields or its variants, as paths: `default = "f"`, `deserialize_with = "f"`,
/// `serialize_with = "f"`, `skip_serializing_if = "f"`, and `with = "m"` (`m::serialize`,
/// `m::deserialize`). Anything else in the attribute is skipped; an attribute serde would reject
/// gives what was read before the error.
pub(crate) fn serde_fns<'a>(attrs: impl IntoIterator<Item = &'a Attribute>, out: &mut Vec<Segs>) {
    for attr in attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        let _ = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string);
            if !meta.input.peek(syn::Token![=]) {
                // `default`, `flatten`, or a nested list (`rename(serialize = "…")`).
                if meta.input.peek(syn::token::Paren) {
                    meta.parse_nested_meta(|inner| {
                        if inner.input.peek(syn::Token![=]) {
                            inner.value()?.parse::<syn::Expr>()?;
                        }
                        Ok(())
                    })?;
                }
                return Ok(());
            }
            let value = meta.value()?.parse::<syn::Expr>()?;
            let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = value
            else {
                return Ok(());
            };
            let Some(segs) = plain_path(&text.value()) else {
                return Ok(());
            };
            match key.as_deref() {
                Some("default" | "deserialize_with" | "serialize_with" | "skip_serializing_if") => {
                    out.push(segs.into_boxed_slice());
                }
                Some("with") => {
                    for f in ["serialize", "deserialize"] {
                        let mut segs = segs.clone();
                        segs.push(f.to_string());
                        out.push(segs.into_boxed_slice());
                    }
                }
                _ => {}
            }
            Ok(())
        });
    }
}

/// The segments of a plain path written in a string (`parse::duration`, `::m::f`, `r#type::f`),
/// as [`path_segs`] gives them; `None` for anything else (generic arguments included: the text
/// of a string literal is not bounded by the file's nesting check, so it is never handed to
/// syn's recursive parser).
fn plain_path(text: &str) -> Option<Vec<String>> {
    let (lead, rest) = match text.strip_prefix("::") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut segs = Vec::new();
    if lead {
        segs.push(String::new());
    }
    for seg in rest.split("::") {
        let seg = seg.trim();
        let name = seg.strip_prefix("r#").unwrap_or(seg);
        let ident = name.starts_with(|c: char| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !ident {
            return None;
        }
        segs.push(name.to_string());
    }
    Some(segs)
}

/// Flattens a `use` tree into bindings.
pub(crate) fn use_tree(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    out: &mut Vec<Use>,
    depth: u32,
) {
    if depth > 64 {
        return;
    }
    let path_with = |prefix: &[String], last: Option<String>| -> Segs {
        let mut v = prefix.to_vec();
        v.extend(last);
        v.into_boxed_slice()
    };
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(unraw(&p.ident));
            use_tree(&p.tree, prefix, out, depth + 1);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let id = unraw(&n.ident);
            if id == "self" {
                if let Some(last) = prefix.last() {
                    out.push(Use {
                        name: last.clone(),
                        path: path_with(prefix, None),
                        glob: false,
                        public: false,
                    });
                }
            } else {
                out.push(Use {
                    name: id.clone(),
                    path: path_with(prefix, Some(id)),
                    glob: false,
                    public: false,
                });
            }
        }
        syn::UseTree::Rename(r) => {
            let name = unraw(&r.rename);
            if name == "_" {
                return;
            }
            let id = unraw(&r.ident);
            let path = if id == "self" {
                path_with(prefix, None)
            } else {
                path_with(prefix, Some(id))
            };
            out.push(Use {
                name,
                path,
                glob: false,
                public: false,
            });
        }
        syn::UseTree::Glob(_) => out.push(Use {
            name: String::new(),
            path: path_with(prefix, None),
            glob: true,
            public: false,
        }),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_tree(t, prefix, out, depth + 1);
            }
        }
    }
}
