//! The per-node checks of the body walk: what a path, a call, a method call or a `use` tree
//! reveals about resources, hints, routes, entry clues and state.

use syn::{Expr, Path, UseTree};

use super::body::Scanner;
use super::exprs::*;
use super::vocab::*;

impl Scanner {
    /// Signals of a one-identifier path (`Argon2`, `RedisPool`), its text read once into the
    /// scratch buffer.
    pub(super) fn check_ident_path(&mut self, path: &Path) {
        let Some(ident) = path.get_ident() else {
            return;
        };
        let mut buf = std::mem::take(&mut self.buf);
        let name = ident_text(&mut buf, ident);
        if CPU_TYPES.contains(&name) {
            self.hints.insert(crate::Hint::CpuHeavy.name());
        }
        if REDIS_TYPES.contains(&name) {
            self.redis = true;
        }
        self.buf = buf;
    }

    /// Signals of any path (types, expressions, `use` trees) from its segment names.
    pub(super) fn check_segments(&mut self, segs: &[String]) {
        // Most paths (`Vec::new`, `Self::f`, `Ordering::SeqCst`) name nothing of interest.
        if !segs.iter().any(|s| is_path_word(s)) {
            return;
        }
        let Some(first) = segs.first().map(String::as_str) else {
            return;
        };
        if REDIS_CRATES.contains(&first) || segs.iter().any(|s| s.starts_with("Redis")) {
            self.redis = true;
        }
        if first == "memcache" {
            self.resources.insert("cache:memcached".to_owned());
        }
        if CPU_CRATES.contains(&first) || segs.iter().any(|s| CPU_TYPES.contains(&s.as_str())) {
            self.hints.insert(crate::Hint::CpuHeavy.name());
        }
        if is_blocking_net(segs) {
            self.hints.insert(crate::Hint::BlockingNetwork.name());
        }
        for i in 1..segs.len() {
            let (prev, seg) = (segs[i - 1].as_str(), segs[i].as_str());
            match seg {
                "table" | "dsl" if is_table_module(prev) => {
                    self.resources.insert(format!("db:{prev}"));
                }
                "Entity" | "ActiveModel" if is_table_module(prev) => {
                    self.resources.insert(format!("db:{prev}"));
                }
                _ => {}
            }
        }
    }

    /// Signals of a call to a path (`tokio::time::sleep(…)`, `sqlx::query("…")`, …).
    pub(super) fn check_call(&mut self, path: &Path, call: &syn::ExprCall, awaited: bool) {
        let all = self.take_segments(path);
        self.check_call_segments(&all[..path.segments.len()], call, awaited);
        self.give_segments(all);
    }

    /// [`Scanner::check_call`] on the segment texts of the called path.
    fn check_call_segments(&mut self, segs: &[String], call: &syn::ExprCall, awaited: bool) {
        let n = segs.len();
        let last = segs.last().map(String::as_str).unwrap_or("");
        let prev = n.checked_sub(2).map(|i| segs[i].as_str()).unwrap_or("");
        let first = segs.first().map(String::as_str).unwrap_or("");
        match last {
            "sleep" | "sleep_until" | "sleep_ms" | "delay_for" | "delay_until" => {
                self.hints.insert(crate::Hint::Sleep.name());
                self.mark_io();
            }
            _ if !awaited && is_blocking_fs(segs) => {
                self.hints.insert(crate::Hint::BlockingIo.name());
                self.mark_io();
            }
            "connect" | "connect_timeout" | "bind"
                if !awaited && matches!(prev, "TcpStream" | "TcpListener" | "UdpSocket") =>
            {
                self.hints.insert(crate::Hint::BlockingNetwork.name());
                self.mark_io();
            }
            _ if is_blocking_net(segs) => self.mark_io(),
            l if SQL_FUNCTIONS.contains(&l) => {
                if let Some(arg) = call.args.first() {
                    self.sql_arg(arg);
                }
            }
            "new" if prev == "QueryBuilder" => {
                if let Some(arg) = call.args.first() {
                    self.sql_arg(arg);
                }
            }
            "new" if prev == "Bucket" => {
                if let Some(name) = call.args.first().and_then(literal_text)
                    && plain_name(&name)
                {
                    self.resources.insert(format!("bucket:{name}"));
                }
            }
            "start" | "start_with_addr" | "handle" if prev == "ws" || first == "actix_ws" => {
                self.websocket = true;
            }
            "accept_async" | "accept_hdr_async" => self.websocket = true,
            "channel" | "unbounded_channel" | "sync_channel" | "bounded" | "unbounded"
                if matches!(
                    prev,
                    "mpsc" | "broadcast" | "flume" | "crossbeam_channel" | "async_channel" | ""
                ) =>
            {
                self.local_channel = true;
            }
            // tokio-cron-scheduler: `Job::new_async("0 * * * * *", |_, _| Box::pin(job()))`.
            "new" | "new_async" | "new_repeated" | "new_repeated_async" | "new_one_shot"
            | "new_one_shot_async"
                if prev == "Job" =>
            {
                if let Some(target) = call.args.last().and_then(closure_call_target) {
                    self.route("schedule", target);
                }
            }
            // hyper: `service_fn(handle)` serves every request with `handle`, unless the call
            // that takes the service registered the handler already (`lambda_runtime::run(…)`,
            // below, as an event handler: the outer call is checked first).
            "service_fn" if !matches!(first, "lambda_runtime" | "lambda_http") => {
                if let Some(handler) = call.args.first().and_then(handler_path)
                    && !self.routes.iter().any(|(_, p)| p == handler)
                {
                    self.route("http", handler);
                }
            }
            "run" if matches!(first, "lambda_runtime" | "lambda_http") => {
                let kind = if first == "lambda_http" {
                    "http"
                } else {
                    "event"
                };
                if let Some(Expr::Call(inner)) = call.args.first().map(strip) {
                    let wraps = matches!(&*inner.func, Expr::Path(p)
                        if p.path.segments.last().is_some_and(|s| s.ident == "service_fn" || s.ident == "handler_fn"));
                    if let (true, Some(handler)) =
                        (wraps, inner.args.first().and_then(handler_path))
                    {
                        self.route(kind, handler);
                    }
                }
            }
            _ => {}
        }
    }

    /// Signals of a method call (`.route(…)`, `.collection("users")`, `.lock()`, …).
    pub(super) fn check_method(&mut self, m: &syn::ExprMethodCall) {
        let mut buf = std::mem::take(&mut self.buf);
        let method = ident_text(&mut buf, &m.method);
        if is_known_method(method) {
            self.check_known_method(m, method);
        }
        self.buf = buf;
    }

    /// [`Scanner::check_method`] for a method name some rule knows.
    fn check_known_method(&mut self, m: &syn::ExprMethodCall, method: &str) {
        let args = &m.args;
        match method {
            "route" => {
                if let Some(router) = args.last() {
                    for handler in router_handlers(router) {
                        self.route("http", &handler);
                    }
                }
            }
            "fallback" | "service" if args.len() == 1 => {
                if let Some(path) = args.first().and_then(handler_path) {
                    let lower = path.segments.last().is_some_and(|s| {
                        s.ident
                            .to_string()
                            .starts_with(|c: char| c.is_ascii_lowercase())
                    });
                    if lower {
                        self.route("http", path);
                    }
                }
            }
            "to" | "to_async" if args.len() == 1 && is_actix_chain(&m.receiver) => {
                if let Some(path) = args.first().and_then(handler_path) {
                    self.route("http", path);
                }
            }
            "and_then" | "map" | "then" if args.len() == 1 => {
                if let Some(path) = args.first().and_then(handler_path)
                    && mentions_warp(&m.receiver)
                {
                    self.route("http", path);
                }
            }
            "on_upgrade" => self.websocket = true,
            // diesel: a predicate or ordering on `table::column` reads that table.
            "eq" | "ne" | "gt" | "ge" | "lt" | "le" | "like" | "ilike" | "is_null"
            | "is_not_null" | "eq_any" | "ne_all" | "between" | "desc" | "asc" => {
                if let Expr::Path(p) = strip(&m.receiver)
                    && p.qself.is_none()
                    && p.path.segments.len() == 2
                {
                    let table = p.path.segments[0].ident.to_string();
                    let column = p.path.segments[1].ident.to_string();
                    if is_table_module(&table)
                        && column.starts_with(|c: char| c.is_ascii_lowercase())
                    {
                        self.resources.insert(format!("db:{table}"));
                    }
                }
            }
            // clokwerk / job_scheduler style: `scheduler.every(…).run(|| job())`.
            "run" if args.len() == 1 && chain_has_method(&m.receiver, &["every", "at"]) => {
                if let Some(target) = args.first().and_then(closure_call_target) {
                    self.route("schedule", target);
                }
            }
            "bytes_stream" | "into_body" | "into_data_stream" | "body_stream" => {
                self.http_body = true;
            }
            // Blocking pops and reads of a message queue or stream (redis lists and streams,
            // AMQP, SQS): whoever loops around this consumes a queue.
            "brpop" | "blpop" | "brpoplpush" | "blmove" | "bzpopmin" | "bzpopmax" | "xread"
            | "xread_options" | "xreadgroup" | "basic_get" | "receive_message" => {
                self.hints.insert(crate::Hint::QueueReceive.name());
            }
            "subscribe" | "psubscribe" | "queue_subscribe" | "basic_consume" | "subscribe_with"
            | "create_consumer" | "consume" => self.subscribed = true,
            "poll" | "iter" | "recv" | "receive" | "try_recv" | "recv_timeout"
                if !self.loops.is_empty() && names_match(&m.receiver, CONSUMER_WORDS, &[]) =>
            {
                if let Some(top) = self.loops.last_mut() {
                    top.consume = true;
                }
            }
            "collection" | "collection_with_type" => {
                if let Some(name) = args.first().and_then(literal_text)
                    && plain_name(&name)
                {
                    self.resources.insert(format!("db:{name}"));
                }
            }
            "bucket" => {
                if let Some(name) = args.first().and_then(literal_text)
                    && plain_name(&name)
                {
                    self.resources.insert(format!("bucket:{name}"));
                }
            }
            "resize" | "resize_exact" | "resize_to_fill" if args.len() == 3 => {
                self.hints.insert(crate::Hint::CpuHeavy.name());
            }
            "thumbnail" | "thumbnail_exact" | "hash_password" | "verify_password" => {
                self.hints.insert(crate::Hint::CpuHeavy.name());
            }
            p if PAR_METHODS.contains(&p) => {
                self.hints.insert(crate::Hint::CpuHeavy.name());
            }
            a if ATOMIC_METHODS.contains(&a) => self.uses_state = true,
            _ => {}
        }
        if SQL_METHODS.contains(&method) {
            for arg in args {
                self.sql_arg(arg);
            }
        }
        if KEY_COMMANDS.contains(&method) {
            if names_match(&m.receiver, &["redis"], &[]) {
                self.redis = true;
            }
            if let Some(prefix) = args
                .first()
                .and_then(literal_text)
                .and_then(|k| key_prefix(&k))
            {
                self.cache_keys.insert(prefix);
            }
        }
        if REDIS_ONLY_COMMANDS.contains(&method) {
            self.redis = true;
        }
        // State: locks, atomics, and mutation of screaming-case statics.
        let atomic_arg = args.iter().any(|a| {
            matches!(strip(a), Expr::Path(p)
                if p.path.segments.last().is_some_and(|s| ORDERINGS.iter().any(|o| s.ident == o)))
        });
        let lock = matches!(method, "lock" | "try_lock")
            || (matches!(method, "read" | "write" | "try_read" | "try_write") && args.is_empty());
        let std_stream = matches!(strip(&m.receiver), Expr::Call(c) if matches!(&*c.func,
            Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "stdout" || s.ident == "stdin" || s.ident == "stderr")));
        if atomic_arg
            || (lock && !std_stream)
            || (STATE_METHODS.contains(&method) && is_screaming_expr(&m.receiver))
        {
            self.uses_state = true;
        }
    }

    /// Signals of a `use` tree inside the body (`use crate::schema::orders::dsl::*;`).
    pub(super) fn check_use(&mut self, tree: &UseTree) {
        let mut work: Vec<(&UseTree, Vec<String>)> = vec![(tree, Vec::new())];
        while let Some((tree, mut prefix)) = work.pop() {
            match tree {
                UseTree::Path(p) => {
                    prefix.push(p.ident.to_string());
                    work.push((&p.tree, prefix));
                }
                UseTree::Name(n) => {
                    prefix.push(n.ident.to_string());
                    self.check_segments(&prefix);
                }
                UseTree::Rename(r) => {
                    prefix.push(r.ident.to_string());
                    self.check_segments(&prefix);
                }
                UseTree::Glob(_) => self.check_segments(&prefix),
                UseTree::Group(g) => {
                    work.extend(g.items.iter().map(|t| (t, prefix.clone())));
                }
            }
        }
    }
}
