//! What a function's body shows about its labelling signals: entry clues, handler
//! registrations, data resources, duration hints and state use. There is no walk of its own: the
//! call-site visitor ([`crate::rust::calls::BodyVisitor`]) walks each body once and calls the
//! hooks here at each node, before it descends (`on_call`, `on_method`, `on_await`, loops,
//! `unsafe`, `let`, items and macros), and hands the types and patterns it does not walk itself
//! to the [`Visit`] impl, which checks every path in them.

use std::collections::{BTreeSet, HashMap};

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Expr, Path, Token, Type};

use super::exprs::{
    MAX_MACRO_NESTING, ident_text, is_plural_path, is_screaming, literal_text, names_match, strip,
    token_str,
};
use super::sql::{looks_like_sql, sql_tables};
use super::state::{is_stateful_static, stateful_macro_statics};
use super::vocab::{CONSUMER_WORDS, SQL_FUNCTIONS, STREAM_WORDS};

/// Deepest syntax nesting descended into; anything below is ignored.
const MAX_DEPTH: usize = 256;
/// What one enclosing loop's body has shown so far.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LoopFacts {
    /// An `.await` or a blocking I/O call repeats.
    pub(super) io: bool,
    /// `interval.tick().await` repeats: a scheduled job.
    pub(super) tick: bool,
    /// A message consumer is polled: a queue consumer.
    pub(super) consume: bool,
    /// `.next().await`/`.recv().await` on something that may be a subscription.
    pub(super) stream_next: bool,
    /// A `loop { … }` with no condition: it runs until the process stops.
    pub(super) endless: bool,
}

/// The facts of one function, ready for [`super::label`] to label.
#[derive(Debug, Default)]
pub(super) struct Facts {
    /// Upgrades to or serves a websocket.
    pub websocket: bool,
    /// Takes a serverless event (`LambdaEvent<…>`).
    pub event: bool,
    /// Consumes messages in a loop.
    pub queue: bool,
    /// Ticks an interval in a loop.
    pub schedule: bool,
    /// Touches shared mutable state.
    pub uses_state: bool,
    /// Sorted, unique resources.
    pub resources: Vec<String>,
    /// Sorted, unique hints.
    pub hints: Vec<String>,
    /// Handler registrations in source order, without repeats.
    pub routes: Vec<(String, Path)>,
}

/// The signals of one body, gathered by the hooks the body's walk calls. Implements [`Visit`]
/// for the types, patterns and paths the walk hands over.
#[derive(Debug, Default)]
pub(crate) struct Scanner {
    /// Current nesting depth.
    pub(super) depth: usize,
    /// Enclosing loops, innermost last.
    pub(super) loops: Vec<LoopFacts>,
    /// Enclosing `unsafe` blocks.
    pub(super) unsafe_depth: usize,
    /// The next call visited is the operand of an `.await`.
    pub(super) next_call_awaited: bool,
    pub(super) resources: BTreeSet<String>,
    pub(super) hints: BTreeSet<&'static str>,
    pub(super) routes: Vec<(String, Path)>,
    pub(super) uses_state: bool,
    pub(super) websocket: bool,
    pub(super) event: bool,
    pub(super) queue: bool,
    pub(super) schedule: bool,
    /// A subscription or consumer was created (`subscribe`, `basic_consume`).
    pub(super) subscribed: bool,
    /// A loop awaited `.next()`/`.recv()` on something not obviously a consumer.
    pub(super) stream_loop: bool,
    /// An HTTP request or response body is read as a stream: a `stream.next()` loop reads it,
    /// it does not consume a queue.
    pub(super) http_body: bool,
    /// The function makes an in-process channel (`mpsc::channel`): receiving from it in a loop
    /// is an internal worker, not a queue consumer.
    pub(super) local_channel: bool,
    /// Redis is in use (paths, types, receivers).
    pub(super) redis: bool,
    /// Key prefixes seen in string literals of key-value calls (`"session:{}"` → `session`).
    pub(super) cache_keys: BTreeSet<String>,
    /// Local names bound to SQL text (`let sql = "SELECT …";`).
    pub(super) sql_vars: HashMap<String, String>,
    /// Scratch space for identifier text.
    pub(super) buf: String,
    /// Scratch space for path segments (only the first `len` are current).
    pub(super) segs: Vec<String>,
    /// The walk is inside the parameter types of the signature.
    pub(super) in_params: bool,
}

impl Scanner {
    /// Enters one nesting level; false when too deep to descend.
    pub(super) fn enter(&mut self) -> bool {
        self.depth += 1;
        self.depth <= MAX_DEPTH
    }

    /// Records that the innermost loop repeats I/O.
    pub(super) fn mark_io(&mut self) {
        if let Some(top) = self.loops.last_mut() {
            top.io = true;
        }
    }

    /// Records a handler registration.
    pub(super) fn route(&mut self, kind: &str, path: &Path) {
        if !self.routes.iter().any(|(k, p)| k == kind && p == path) {
            self.routes.push((kind.to_owned(), path.clone()));
        }
    }

    /// The registrations in source order (a method chain is walked outermost call first).
    fn sorted_routes(mut routes: Vec<(String, Path)>) -> Vec<(String, Path)> {
        routes.sort_by_cached_key(|(_, path)| {
            let start = path.segments.first().map(|s| s.ident.span().start());
            start.map(|lc| (lc.line, lc.column))
        });
        routes
    }

    /// Records the tables of SQL text.
    pub(super) fn sql(&mut self, text: &str) {
        if looks_like_sql(text) {
            let mut tables = Vec::new();
            sql_tables(text, &mut tables);
            self.resources
                .extend(tables.into_iter().map(|t| format!("db:{t}")));
        }
    }

    /// The SQL text an argument visibly holds: a literal, a `format!` template, or a local
    /// bound to one earlier.
    pub(super) fn sql_arg(&mut self, expr: &Expr) {
        let text = match strip(expr) {
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|id| self.sql_vars.get(&id.to_string()).cloned()),
            other => literal_text(other),
        };
        if let Some(text) = text {
            self.sql(&text);
        }
    }

    /// Remembers a local or const bound to SQL text.
    fn bind_sql(&mut self, name: &proc_macro2::Ident, expr: &Expr) {
        let text = match strip(expr) {
            Expr::Lit(_) => literal_text(expr),
            // Re-reading a `format!` template costs a token copy: only for SQL-like names.
            Expr::Macro(_) => {
                let mut lower = std::mem::take(&mut self.buf);
                ident_text(&mut lower, name);
                lower.make_ascii_lowercase();
                let sql_name = ["sql", "query", "stmt", "statement"]
                    .iter()
                    .any(|w| lower.contains(w));
                self.buf = lower;
                sql_name.then(|| literal_text(expr)).flatten()
            }
            _ => None,
        };
        if let Some(text) = text
            && looks_like_sql(&text)
        {
            self.sql_vars.insert(name.to_string(), text);
        }
    }

    /// Walks the parameter types of a signature: websocket upgrades and serverless events are
    /// recognised there, besides everything any path shows.
    pub(crate) fn params(&mut self, sig: &syn::Signature) {
        self.in_params = true;
        for input in &sig.inputs {
            if let syn::FnArg::Typed(pat) = input {
                self.visit_type(&pat.ty);
            }
        }
        self.in_params = false;
    }

    /// The segment texts of a path, in the scratch vector (the caller hands it back with
    /// [`Scanner::give_segments`]); only the first `path.segments.len()` entries are current.
    pub(super) fn take_segments(&mut self, path: &Path) -> Vec<String> {
        let mut segs = std::mem::take(&mut self.segs);
        for (i, seg) in path.segments.iter().enumerate() {
            if i == segs.len() {
                segs.push(String::new());
            }
            ident_text(&mut segs[i], &seg.ident);
        }
        segs
    }

    /// Returns the scratch vector taken by [`Scanner::take_segments`].
    pub(super) fn give_segments(&mut self, segs: Vec<String>) {
        self.segs = segs;
    }

    /// Token-level clues of a macro that does not parse as expressions (`tokio::select!`):
    /// `.tick()`, `.recv()`, `.next()` inside a loop.
    pub(crate) fn macro_token_clues(&mut self, tokens: &TokenStream) {
        if self.loops.is_empty() {
            return;
        }
        let mut names = Vec::new();
        let mut stack = vec![tokens.clone().into_iter()];
        let mut after_dot = false;
        while let Some(top) = stack.last_mut() {
            match top.next() {
                Some(TokenTree::Punct(p)) => after_dot = p.as_char() == '.',
                Some(TokenTree::Ident(id)) => {
                    if after_dot {
                        names.push(id.to_string());
                    }
                    after_dot = false;
                }
                Some(TokenTree::Group(g)) => {
                    after_dot = false;
                    if stack.len() < MAX_MACRO_NESTING {
                        stack.push(g.stream().into_iter());
                    }
                }
                Some(TokenTree::Literal(_)) => after_dot = false,
                None => {
                    stack.pop();
                }
            }
        }
        if let Some(top) = self.loops.last_mut() {
            for name in names {
                match name.as_str() {
                    "await" => top.io = true,
                    "tick" => top.tick = true,
                    "recv" | "next" => top.stream_next = true,
                    _ => {}
                }
            }
        }
    }

    /// Closes the innermost loop, turning what its body showed into hints and entry clues.
    pub(crate) fn pop_loop(&mut self) {
        if let Some(facts) = self.loops.pop() {
            if facts.io {
                self.hints.insert(crate::Hint::IoLoop.name());
                if facts.endless && !facts.tick {
                    // Awaits forever in a loop: a background worker. What it waits on (a queue
                    // it pops from, possibly in a callee) decides what kind of entry it is.
                    self.hints.insert(crate::Hint::WorkerLoop.name());
                }
            }
            self.schedule |= facts.tick;
            self.queue |= facts.consume;
            self.stream_loop |= facts.stream_next;
        }
    }

    /// The collected facts.
    pub(super) fn finish(mut self) -> Facts {
        if self.redis {
            if self.cache_keys.is_empty() {
                self.resources.insert("cache:redis".to_owned());
            } else {
                let keys = std::mem::take(&mut self.cache_keys);
                self.resources
                    .extend(keys.into_iter().map(|k| format!("cache:{k}")));
            }
        }
        Facts {
            websocket: self.websocket,
            event: self.event,
            queue: self.queue || (self.stream_loop && self.subscribed),
            schedule: self.schedule,
            uses_state: self.uses_state,
            resources: self.resources.into_iter().collect(),
            hints: self.hints.into_iter().map(str::to_owned).collect(),
            routes: Scanner::sorted_routes(self.routes),
        }
    }
}

/// The hooks the body's walk calls at each node, before it descends into the node's parts.
impl Scanner {
    /// A call: what the called path shows (`tokio::time::sleep(…)`, `sqlx::query("…")`).
    pub(crate) fn on_call(&mut self, c: &syn::ExprCall) {
        let awaited = std::mem::take(&mut self.next_call_awaited);
        if let Expr::Path(p) = &*c.func {
            self.check_call(&p.path, c, awaited);
        }
    }

    /// A method call (`.route(…)`, `.lock()`, …).
    pub(crate) fn on_method(&mut self, m: &syn::ExprMethodCall) {
        self.next_call_awaited = false;
        self.check_method(m);
    }

    /// An `.await`: I/O in the innermost loop, and what a loop awaits (a tick, a consumer);
    /// [`Scanner::after_await`] follows the walk of its operand.
    pub(crate) fn on_await(&mut self, a: &syn::ExprAwait) {
        self.mark_io();
        match strip(&a.base) {
            Expr::MethodCall(m) if !self.loops.is_empty() => {
                let consumer = names_match(&m.receiver, CONSUMER_WORDS, &[]);
                let stream =
                    !self.http_body && names_match(&m.receiver, STREAM_WORDS, &["sub", "subs"]);
                if let Some(top) = self.loops.last_mut() {
                    match m.method.to_string().as_str() {
                        "tick" => top.tick = true,
                        "recv" | "recv_async" if !self.local_channel => top.consume = true,
                        "next" | "try_next" | "next_message" | "receive" | "poll" => {
                            if consumer || stream {
                                top.consume = true;
                            } else {
                                top.stream_next = true;
                            }
                        }
                        _ => {}
                    }
                }
            }
            Expr::Call(_) => self.next_call_awaited = true,
            _ => {}
        }
    }

    /// After the walk of an awaited operand.
    pub(crate) fn after_await(&mut self) {
        self.next_call_awaited = false;
    }

    /// Enters a loop's body: `loop` (`endless`) or `while` (condition included).
    pub(crate) fn push_loop(&mut self, endless: bool) {
        self.loops.push(LoopFacts {
            endless,
            ..LoopFacts::default()
        });
    }

    /// Enters a `for` loop's pattern and body, after its iterator expression (which runs once):
    /// `for msg in consumer.iter()` polls a consumer, `for s in subscribers` walks a list.
    pub(crate) fn push_for_loop(&mut self, iter: &Expr) {
        let consume = names_match(iter, CONSUMER_WORDS, &[]) && !is_plural_path(iter);
        self.loops.push(LoopFacts {
            consume,
            ..LoopFacts::default()
        });
    }

    /// Enters (`true`) or leaves an `unsafe` block.
    pub(crate) fn in_unsafe(&mut self, enter: bool) {
        if enter {
            self.unsafe_depth += 1;
        } else {
            self.unsafe_depth -= 1;
        }
    }

    /// A `let`: a local bound to SQL text, and the pattern's paths and types.
    pub(crate) fn on_local(&mut self, local: &syn::Local) {
        if let (syn::Pat::Ident(id), Some(init)) = (&local.pat, &local.init) {
            self.bind_sql(&id.ident, &init.expr);
        }
        if let (syn::Pat::Type(pt), Some(init)) = (&local.pat, &local.init)
            && let syn::Pat::Ident(id) = &*pt.pat
        {
            self.bind_sql(&id.ident, &init.expr);
        }
        self.visit_pat(&local.pat);
    }

    /// An item declared in the body. Nested functions, impls and modules are nodes of their
    /// own, scanned separately.
    pub(crate) fn on_item(&mut self, item: &syn::Item) {
        match item {
            syn::Item::Static(s) => {
                if is_stateful_static(s) {
                    self.uses_state = true;
                }
                self.bind_sql(&s.ident, &s.expr);
            }
            syn::Item::Const(c) => self.bind_sql(&c.ident, &c.expr),
            syn::Item::Macro(m) => {
                if stateful_macro_statics(m).is_empty() {
                    self.on_macro(&m.mac);
                } else {
                    self.uses_state = true;
                }
            }
            syn::Item::Use(u) => self.check_use(&u.tree),
            _ => {}
        }
    }

    /// A macro invocation, by its name: SQL text in its literals (`sqlx::query!`), routes
    /// (`routes![…]`), statics declared in it (`lazy_static!`, `thread_local!`). The
    /// expressions in its arguments are walked by the body's walk like any other code.
    pub(crate) fn on_macro(&mut self, mac: &syn::Macro) {
        let mut buf = std::mem::take(&mut self.buf);
        let name = match mac.path.segments.last() {
            Some(s) => ident_text(&mut buf, &s.ident),
            None => "",
        };
        match name {
            n if SQL_FUNCTIONS.contains(&n) => {
                for token in mac.tokens.clone() {
                    if let Some(text) = token_str(&token) {
                        self.sql(&text);
                    }
                }
            }
            "routes" => {
                let paths =
                    Punctuated::<Path, Token![,]>::parse_terminated.parse2(mac.tokens.clone());
                for path in paths.iter().flatten() {
                    self.route("http", path);
                }
            }
            "lazy_static" | "thread_local"
                if mac
                    .tokens
                    .clone()
                    .into_iter()
                    .any(|t| matches!(&t, TokenTree::Ident(id) if id == "static")) =>
            {
                self.uses_state = true;
            }
            _ => {}
        }
        self.buf = buf;
    }
}

/// For the types, patterns and paths the body's walk hands over (and anything inside them).
impl<'ast> Visit<'ast> for Scanner {
    fn visit_expr(&mut self, e: &'ast Expr) {
        if self.enter() {
            visit::visit_expr(self, e);
        }
        self.depth -= 1;
    }

    fn visit_type(&mut self, t: &'ast Type) {
        if self.enter() {
            visit::visit_type(self, t);
        }
        self.depth -= 1;
    }

    fn visit_pat(&mut self, p: &'ast syn::Pat) {
        if self.enter() {
            visit::visit_pat(self, p);
        }
        self.depth -= 1;
    }

    fn visit_path(&mut self, p: &'ast Path) {
        if self.in_params
            && let Some(last) = p.segments.last()
        {
            let mut buf = std::mem::take(&mut self.buf);
            match ident_text(&mut buf, &last.ident) {
                "WebSocketUpgrade" | "WebSocket" | "WsUpgrade" => self.websocket = true,
                "LambdaEvent" => self.event = true,
                _ => {}
            }
            self.buf = buf;
        }
        match p.segments.len() {
            // Most paths are one identifier (locals, std types): compare without allocating.
            1 => self.check_ident_path(p),
            n => {
                let segs = self.take_segments(p);
                self.check_segments(&segs[..n]);
                self.give_segments(segs);
            }
        }
        visit::visit_path(self, p);
    }

    fn visit_expr_path(&mut self, e: &'ast syn::ExprPath) {
        if self.unsafe_depth > 0 && is_screaming(&e.path) {
            self.uses_state = true;
        }
        visit::visit_expr_path(self, e);
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.on_item(item);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        self.on_local(local);
        if let Some(init) = &local.init {
            self.visit_expr(&init.expr);
            if let Some((_, e)) = &init.diverge {
                self.visit_expr(e);
            }
        }
    }

    fn visit_expr_unsafe(&mut self, e: &'ast syn::ExprUnsafe) {
        self.in_unsafe(true);
        visit::visit_expr_unsafe(self, e);
        self.in_unsafe(false);
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        self.on_call(c);
        visit::visit_expr_call(self, c);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.on_method(m);
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_await(&mut self, a: &'ast syn::ExprAwait) {
        self.on_await(a);
        visit::visit_expr_await(self, a);
        self.after_await();
    }

    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.push_loop(true);
        visit::visit_expr_loop(self, l);
        self.pop_loop();
    }

    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.push_loop(false);
        visit::visit_expr_while(self, w);
        self.pop_loop();
    }

    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        self.push_for_loop(&f.expr);
        self.visit_pat(&f.pat);
        self.visit_block(&f.body);
        self.pop_loop();
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.on_macro(mac);
    }
}
