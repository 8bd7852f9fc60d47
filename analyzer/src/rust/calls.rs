//! The function-body visitor: one pass over a body records every call site with the symbolic type
//! of its receiver (locals, parameters, fields, constructor and call results), the paths it uses as
//! values, and the items declared inside it; at each node it calls the labelling signals' hooks
//! ([`Scanner`]), so that each body is walked once for both.

use foldhash::HashMap;

use syn::visit::Visit;
use syn::{Expr, Pat, Stmt};

use super::ir::{CallKind, CallSite, Segs, Sym};
use super::macros::macro_exprs;
use super::signals::Scanner;
use super::syntax::{Gen, WRAPPERS, is_screaming, path_segs, tuple_sym, ty_sym, unraw, unraw_into};

/// Deepest expression nesting analyzed; deeper parts are skipped with a diagnostic.
pub(crate) const MAX_DEPTH: u32 = 400;

/// Names of calls whose closure or future arguments run asynchronously.
fn is_spawn(name: &str) -> bool {
    matches!(name, "spawn" | "spawn_blocking" | "spawn_local")
}

/// Whether a bare name used as a value may be a function (`snake_case`) or a static
/// (`UPPER_CASE`), rather than a unit struct or enum variant (`CamelCase`).
fn ref_worthy(name: &str) -> bool {
    match name.chars().next() {
        Some(c) if c.is_uppercase() => is_screaming(name),
        Some(_) => true,
        None => false,
    }
}

/// Methods taking a closure whose parameter (number given) is an element of the receiver: of
/// a collection or iterator, or the value inside an `Option` / `Result`.
fn element_param(method: &str) -> Option<usize> {
    match method {
        "map" | "for_each" | "filter" | "filter_map" | "flat_map" | "any" | "all" | "find"
        | "find_map" | "position" | "inspect" | "take_while" | "skip_while" | "map_while"
        | "and_then" | "is_some_and" | "is_ok_and" | "is_none_or" | "try_for_each"
        | "partition" | "max_by_key" | "min_by_key" | "sort_by_key" | "retain" | "group_by"
        | "chunk_by" => Some(0),
        "fold" | "try_fold" => Some(1),
        _ => None,
    }
}

fn is_camel(name: &str) -> bool {
    name.starts_with(|c: char| c.is_uppercase()) && name.chars().any(|c| c.is_lowercase())
}

/// The local names in scope while a body is visited, each with the types of its bindings
/// (innermost last). Handed from one body to the next (see [`BodyVisitor::new`]): a name gets
/// its slot once per file, and binding or looking it up allocates nothing after that.
#[derive(Debug, Default)]
pub(crate) struct Locals {
    /// The slot of each name bound so far.
    slots: HashMap<String, u32>,
    /// Per slot, the types of the name's bindings in scope, innermost last.
    types: Vec<Vec<Sym>>,
    /// The slots bound, in binding order, for [`Locals::reset`].
    undo: Vec<u32>,
    /// Scratch space for a name's text.
    buf: String,
}

impl Locals {
    /// Binds the name of `id` to `sym`, hiding its earlier bindings until [`Locals::reset`].
    fn bind(&mut self, id: &proc_macro2::Ident, sym: Sym) {
        let name = unraw_into(&mut self.buf, id);
        let slot = match self.slots.get(name) {
            Some(&slot) => slot,
            None => {
                let slot = self.types.len() as u32;
                self.slots.insert(name.to_owned(), slot);
                self.types.push(Vec::new());
                slot
            }
        };
        self.types[slot as usize].push(sym);
        self.undo.push(slot);
    }

    /// The type of the innermost binding of the name of `id`, if it is bound.
    fn get(&mut self, id: &proc_macro2::Ident) -> Option<&Sym> {
        let slot = *self.slots.get(unraw_into(&mut self.buf, id))?;
        self.types[slot as usize].last()
    }

    /// Undoes the bindings made since `mark` (the number of bindings then).
    fn reset(&mut self, mark: usize) {
        while self.undo.len() > mark {
            if let Some(slot) = self.undo.pop() {
                self.types[slot as usize].pop();
            }
        }
    }
}

/// Visits one function body.
pub(crate) struct BodyVisitor<'g> {
    /// Call sites in source order.
    pub calls: Vec<CallSite>,
    /// Items declared in the body (nested functions, impls, `use`s, …), to be collected next.
    pub items: Vec<syn::Item>,
    /// Set when nesting deeper than [`MAX_DEPTH`] was skipped.
    pub overflow: bool,
    /// The labelling signals seen so far (the caller walks the signature into it too).
    pub scan: Scanner,
    gens: &'g Gen,
    locals: Locals,
    is_async: bool,
    depth: u32,
}

impl<'g> BodyVisitor<'g> {
    /// A visitor with the generic parameters in scope and no local bound; `locals` is the table
    /// an earlier visitor handed back ([`BodyVisitor::into_locals`]), or a new one.
    pub(crate) fn new(gens: &'g Gen, mut locals: Locals) -> Self {
        locals.reset(0);
        BodyVisitor {
            calls: Vec::new(),
            items: Vec::new(),
            overflow: false,
            scan: Scanner::default(),
            gens,
            locals,
            is_async: false,
            depth: 0,
        }
    }

    /// Ends the visit, handing back the table of locals for the next body.
    pub(crate) fn into_locals(self) -> Locals {
        self.locals
    }

    /// Binds `self` to a type more precise than the impl's `Self`.
    pub(crate) fn bind_self(&mut self, id: proc_macro2::Ident, sym: Sym) {
        self.locals.bind(&id, sym);
    }

    /// Binds the names of a pattern to a type (a parameter, a `let`, a match arm).
    pub(crate) fn bind(&mut self, pat: &Pat, sym: Sym) {
        if self.depth >= MAX_DEPTH {
            self.overflow = true;
            return;
        }
        self.depth += 1;
        match pat {
            Pat::Ident(p) => {
                if let Some((_, sub)) = &p.subpat {
                    self.bind(sub, sym.clone());
                }
                self.locals.bind(&p.ident, sym);
            }
            Pat::Type(t) => {
                let s = ty_sym(&t.ty, self.gens, 0);
                self.bind(&t.pat, s);
            }
            Pat::Reference(r) => self.bind(&r.pat, sym),
            Pat::Paren(p) => self.bind(&p.pat, sym),
            Pat::TupleStruct(t) => {
                let see_through = t
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "Some" || s.ident == "Ok");
                // `Some(x)`, `Ok(x)` bind no variant field: their path is not needed.
                let segs = if see_through {
                    Segs::default()
                } else {
                    path_segs(&t.path)
                };
                for (i, e) in t.elems.iter().enumerate() {
                    let s = if see_through {
                        if t.elems.len() == 1 {
                            sym.clone()
                        } else {
                            Sym::Unknown
                        }
                    } else {
                        Sym::Variant(segs.clone(), i.to_string())
                    };
                    self.bind(e, s);
                }
            }
            Pat::Or(o) => o.cases.iter().for_each(|c| self.bind(c, sym.clone())),
            Pat::Tuple(t) => {
                // `let (name, engine) = pair`: element `i` is field `i` of the tuple, up to a
                // `..` (the elements after it count from the end).
                let mut known = sym != Sym::Unknown;
                for (i, e) in t.elems.iter().enumerate() {
                    known &= !matches!(e, Pat::Rest(_));
                    let s = if known {
                        Sym::Field(Box::new(sym.clone()), i.to_string())
                    } else {
                        Sym::Unknown
                    };
                    self.bind(e, s);
                }
            }
            Pat::Slice(s) => s.elems.iter().for_each(|e| self.bind(e, Sym::Unknown)),
            Pat::Struct(s) => {
                let segs = path_segs(&s.path);
                for f in &s.fields {
                    let field = match &f.member {
                        syn::Member::Named(i) => unraw(i),
                        syn::Member::Unnamed(i) => i.index.to_string(),
                    };
                    self.bind(&f.pat, Sym::Variant(segs.clone(), field));
                }
            }
            _ => {}
        }
        self.depth -= 1;
    }

    fn mark(&self) -> usize {
        self.locals.undo.len()
    }

    fn reset(&mut self, mark: usize) {
        self.locals.reset(mark);
    }

    fn push(&mut self, kind: CallKind) -> Sym {
        self.calls.push(CallSite {
            kind,
            is_async: self.is_async,
        });
        Sym::Ret((self.calls.len() - 1) as u32)
    }

    /// Visits a block; its type is that of its tail expression.
    pub(crate) fn block(&mut self, b: &syn::Block) -> Sym {
        let mark = self.mark();
        let mut last = Sym::Unknown;
        for stmt in &b.stmts {
            last = Sym::Unknown;
            match stmt {
                Stmt::Local(l) => {
                    self.scan.on_local(l);
                    let s = match &l.init {
                        Some(init) => {
                            let s = self.expr(&init.expr);
                            if let Some((_, d)) = &init.diverge {
                                self.expr(d);
                            }
                            s
                        }
                        None => Sym::Unknown,
                    };
                    self.bind(&l.pat, s);
                }
                Stmt::Item(item) => self.item(item),
                Stmt::Expr(e, semi) => {
                    let s = self.expr(e);
                    if semi.is_none() {
                        last = s;
                    }
                }
                Stmt::Macro(m) => self.mac(&m.mac),
            }
        }
        self.reset(mark);
        last
    }

    fn item(&mut self, item: &syn::Item) {
        self.scan.on_item(item);
        match item {
            syn::Item::Const(_) | syn::Item::Verbatim(_) => {}
            syn::Item::Macro(m) if m.ident.is_some() => {}
            _ => self.items.push(item.clone()),
        }
    }

    fn mac(&mut self, mac: &syn::Macro) {
        self.scan.on_macro(mac);
        let code = macro_exprs(mac);
        for e in &code.exprs {
            self.expr(e);
        }
        if !code.stmts.is_empty() {
            self.block(&syn::Block {
                brace_token: syn::token::Brace::default(),
                stmts: code.stmts,
            });
        }
        if !code.plain {
            // Tokens that are not a plain list of expressions (`tokio::select!` arms, whose
            // futures are awaited by the macro): what a loop around them awaits is read from
            // the tokens.
            self.scan.macro_token_clues(&mac.tokens);
        }
    }

    /// Visits a closure whose parameter number `at` has type `sym` (the others unknown).
    fn closure(&mut self, c: &syn::ExprClosure, at: usize, sym: Sym) {
        let mark = self.mark();
        for p in &c.inputs {
            self.scan.visit_pat(p);
        }
        self.scan.visit_return_type(&c.output);
        for (i, p) in c.inputs.iter().enumerate() {
            let s = if i == at { sym.clone() } else { Sym::Unknown };
            self.bind(p, s);
        }
        self.expr(&c.body);
        self.reset(mark);
    }

    fn args<'a>(&mut self, args: impl IntoIterator<Item = &'a Expr>, spawn: bool) {
        let prev = self.is_async;
        self.is_async |= spawn;
        for a in args {
            self.expr(a);
        }
        self.is_async = prev;
    }

    /// Visits an expression, recording its calls, and returns its symbolic type.
    pub(crate) fn expr(&mut self, e: &Expr) -> Sym {
        if self.depth >= MAX_DEPTH {
            self.overflow = true;
            return Sym::Unknown;
        }
        self.depth += 1;
        let s = self.expr_inner(e);
        self.depth -= 1;
        s
    }

    fn expr_inner(&mut self, e: &Expr) -> Sym {
        let u = Sym::Unknown;
        match e {
            Expr::Array(a) => self.args(&a.elems, false),
            Expr::Assign(a) => self.args([&*a.left, &*a.right], false),
            Expr::Async(a) => {
                self.block(&a.block);
            }
            Expr::Await(a) => {
                self.scan.on_await(a);
                let s = self.expr(&a.base);
                self.scan.after_await();
                return s;
            }
            Expr::Binary(b) => self.args([&*b.left, &*b.right], false),
            Expr::Block(b) => return self.block(&b.block),
            Expr::Break(b) => self.args(b.expr.as_deref(), false),
            Expr::Call(c) => return self.call(c),
            Expr::Cast(c) => {
                self.scan.visit_type(&c.ty);
                self.expr(&c.expr);
                return ty_sym(&c.ty, self.gens, 0);
            }
            Expr::Closure(c) => self.closure(c, usize::MAX, Sym::Unknown),
            Expr::Const(c) => return self.block(&c.block),
            Expr::Field(f) => {
                let base = self.expr(&f.base);
                if base == Sym::Unknown {
                    return u;
                }
                let name = match &f.member {
                    syn::Member::Named(i) => unraw(i),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                return Sym::Field(Box::new(base), name);
            }
            Expr::ForLoop(f) => {
                let items = self.expr(&f.expr);
                self.scan.push_for_loop(&f.expr);
                self.scan.visit_pat(&f.pat);
                let mark = self.mark();
                self.bind(&f.pat, Sym::Elem(Box::new(items), false));
                self.block(&f.body);
                self.reset(mark);
                self.scan.pop_loop();
            }
            Expr::Group(g) => return self.expr(&g.expr),
            Expr::If(i) => {
                let mark = self.mark();
                self.expr(&i.cond);
                let s = self.block(&i.then_branch);
                self.reset(mark);
                if let Some((_, e)) = &i.else_branch {
                    self.expr(e);
                }
                return s;
            }
            Expr::Index(i) => self.args([&*i.expr, &*i.index], false),
            Expr::Let(l) => {
                self.scan.visit_pat(&l.pat);
                let s = self.expr(&l.expr);
                self.bind(&l.pat, s);
            }
            Expr::Loop(l) => {
                self.scan.push_loop(true);
                self.block(&l.body);
                self.scan.pop_loop();
            }
            Expr::Macro(m) => self.mac(&m.mac),
            Expr::Match(m) => {
                let s = self.expr(&m.expr);
                for arm in &m.arms {
                    self.scan.visit_pat(&arm.pat);
                    let mark = self.mark();
                    self.bind(&arm.pat, s.clone());
                    if let Some((_, g)) = &arm.guard {
                        self.expr(g);
                    }
                    self.expr(&arm.body);
                    self.reset(mark);
                }
            }
            Expr::MethodCall(mc) => {
                self.scan.on_method(mc);
                if let Some(t) = &mc.turbofish {
                    self.scan.visit_angle_bracketed_generic_arguments(t);
                }
                let recv = self.expr(&mc.receiver);
                let name = unraw(&mc.method);
                match element_param(&name) {
                    // `xs.iter().map(|x| …)`, `opt.map(|x| …)`: the closure's parameter is an
                    // element of the receiver.
                    Some(at) => {
                        for arg in &mc.args {
                            match arg {
                                Expr::Closure(c) => {
                                    let elem = Sym::Elem(Box::new(recv.clone()), true);
                                    self.closure(c, at, elem);
                                }
                                other => {
                                    self.expr(other);
                                }
                            }
                        }
                    }
                    None => self.args(&mc.args, is_spawn(&name)),
                }
                let args = u16::try_from(mc.args.len()).unwrap_or(u16::MAX);
                return self.push(CallKind::Method { recv, name, args });
            }
            Expr::Paren(p) => return self.expr(&p.expr),
            Expr::Path(p) => return self.path_expr(p),
            Expr::Range(r) => self.args(r.start.iter().chain(r.end.iter()).map(|b| &**b), false),
            Expr::RawAddr(r) => return self.expr(&r.expr),
            Expr::Reference(r) => return self.expr(&r.expr),
            Expr::Repeat(r) => self.args([&*r.expr, &*r.len], false),
            Expr::Return(r) => self.args(r.expr.as_deref(), false),
            Expr::Struct(s) => {
                if let Some(q) = &s.qself {
                    self.scan.visit_type(&q.ty);
                }
                self.scan.visit_path(&s.path);
                self.args(s.fields.iter().map(|f| &f.expr), false);
                self.args(s.rest.as_deref(), false);
                if s.qself.is_none() {
                    let segs = path_segs(&s.path);
                    return if *segs == ["Self"] {
                        Sym::SelfTy
                    } else {
                        Sym::Path(segs)
                    };
                }
            }
            Expr::Try(t) => return self.expr(&t.expr),
            Expr::TryBlock(t) => return self.block(&t.block),
            Expr::Tuple(t) => {
                // Most tuples built in place hold nothing known: no allocation for those.
                let mut elems: Vec<Sym> = Vec::new();
                let mut known = false;
                for (i, e) in t.elems.iter().enumerate() {
                    let s = self.expr(e);
                    if !known && s != Sym::Unknown {
                        known = true;
                        elems.reserve_exact(t.elems.len());
                        elems.resize(i, Sym::Unknown);
                    }
                    if known {
                        elems.push(s);
                    }
                }
                return tuple_sym(elems);
            }
            Expr::Unary(un) => return self.expr(&un.expr),
            Expr::Unsafe(un) => {
                self.scan.in_unsafe(true);
                let s = self.block(&un.block);
                self.scan.in_unsafe(false);
                return s;
            }
            Expr::While(w) => {
                self.scan.push_loop(false);
                let mark = self.mark();
                self.expr(&w.cond);
                self.block(&w.body);
                self.reset(mark);
                self.scan.pop_loop();
            }
            Expr::Yield(y) => self.args(y.expr.as_deref(), false),
            _ => {}
        }
        u
    }

    fn local(&mut self, p: &syn::ExprPath) -> Option<Option<&Sym>> {
        if p.qself.is_some() || p.path.leading_colon.is_some() || p.path.segments.len() != 1 {
            return None;
        }
        let id = &p.path.segments[0].ident;
        // `Some(None)`: a single identifier that is not a local; `Some(Some(_))`: a local.
        Some(self.locals.get(id))
    }

    fn path_expr(&mut self, p: &syn::ExprPath) -> Sym {
        self.scan.visit_expr_path(p);
        if p.qself.is_some() {
            return Sym::Unknown;
        }
        match self.local(p) {
            Some(Some(s)) => return s.clone(),
            Some(None) if p.path.segments[0].ident == "self" => return Sym::SelfTy,
            _ => {}
        }
        if p.path.segments.is_empty() {
            return Sym::Unknown;
        }
        let segs = path_segs(&p.path);
        let last = segs.last().map(String::as_str).unwrap_or_default();
        if !ref_worthy(last) {
            // A unit struct (its type) or an enum variant (resolves to no type). A variant's path
            // is kept as a reference too: it calls nothing, but it uses its enum, whose callbacks
            // the outside code it is handed to may call (`Err(AppError::NotFound)`).
            if segs.len() > 1 {
                self.push(CallKind::Ref(segs.clone()));
            }
            return Sym::Path(segs);
        }
        let upper = last.starts_with(|c: char| c.is_uppercase());
        // `S` may be a unit struct as well as a static: keep its type for method calls.
        let sym = if upper {
            Sym::Path(segs.clone())
        } else {
            Sym::Unknown
        };
        self.push(CallKind::Ref(segs));
        sym
    }

    fn call(&mut self, c: &syn::ExprCall) -> Sym {
        self.scan.on_call(c);
        let Expr::Path(p) = &*c.func else {
            self.expr(&c.func);
            self.args(&c.args, false);
            return Sym::Unknown;
        };
        self.scan.visit_expr_path(p);
        if matches!(self.local(p), Some(Some(_))) {
            // Calling a closure held in a local.
            self.args(&c.args, false);
            return Sym::Unknown;
        }
        let mut segs = path_segs(&p.path);
        if p.qself.is_some() && segs.first().is_some_and(String::is_empty) {
            // `<T>::m` is stored with a leading `::`.
            segs = segs[1..].to_vec().into_boxed_slice();
        }
        if p.qself.is_none()
            && segs.len() == 2
            && let Some((_, bounds)) = self.gens.iter().rev().find(|(n, _)| *n == segs[0])
            && !bounds.is_empty()
        {
            // `T::from_id(…)` with `T: FromId`: the trait's function, for whatever type T is.
            let qself = Some(Sym::Bounds(bounds.clone().into_boxed_slice()));
            let segs: Segs = vec![segs[1].clone()].into_boxed_slice();
            self.args(&c.args, false);
            return self.push(CallKind::Path { segs, qself });
        }
        let last = segs.last().map(String::as_str).unwrap_or_default();
        if p.qself.is_none() && is_camel(last) {
            // A tuple struct or enum variant constructor, not a call.
            return match last {
                "Some" | "Ok" if c.args.len() == 1 => self.expr(&c.args[0]),
                "Some" | "Ok" | "Err" | "None" => {
                    self.args(&c.args, false);
                    Sym::Unknown
                }
                _ => {
                    self.args(&c.args, false);
                    Sym::Path(segs)
                }
            };
        }
        if p.qself.is_none()
            && segs.len() == 2
            && WRAPPERS.contains(&segs[0].as_str())
            && c.args.len() == 1
        {
            // `Arc::new(x)`, `Box::from(x)`: the value keeps the type of `x`.
            let inner = self.expr(&c.args[0]);
            self.push(CallKind::Path { segs, qself: None });
            return inner;
        }
        self.args(&c.args, is_spawn(last));
        let qself = p.qself.as_ref().map(|q| ty_sym(&q.ty, self.gens, 0));
        self.push(CallKind::Path { segs, qself })
    }
}
