//! Data-driven tests: small Rust items in, rendered signals out.

use quote::ToTokens;

use super::{
    FnSignals, holds_connections, is_stateful_static, is_stateful_struct, scan_fn,
    stateful_macro_statics,
};

/// Renders signals compactly: `entry=… res=… hints=… routes=kind:path state`, or `-`.
fn render(s: &FnSignals) -> String {
    let mut parts = Vec::new();
    if let Some(entry) = &s.entry {
        parts.push(format!("entry={entry}"));
    }
    if !s.resources.is_empty() {
        parts.push(format!("res={}", s.resources.join(",")));
    }
    if !s.hints.is_empty() {
        parts.push(format!("hints={}", s.hints.join(",")));
    }
    if !s.routes.is_empty() {
        let routes: Vec<String> = s
            .routes
            .iter()
            .map(|(kind, path)| {
                let path = path.to_token_stream().to_string().replace(' ', "");
                format!("{kind}:{path}")
            })
            .collect();
        parts.push(format!("routes={}", routes.join(",")));
    }
    if s.uses_state {
        parts.push("state".to_owned());
    }
    if parts.is_empty() {
        "-".to_owned()
    } else {
        parts.join(" ")
    }
}

/// Parses a function item and renders its signals.
fn scan(src: &str) -> String {
    let f: syn::ItemFn = syn::parse_str(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    render(&scan_fn(
        &f.sig.ident.to_string(),
        &f.attrs,
        &f.sig,
        &f.block,
    ))
}

/// The same function with its whole body moved inside a macro invocation
/// (`{ body }` → `{ wrapped!({ body }) }`): what the body shows must not change.
fn scan_in_macro(src: &str) -> String {
    let mut f: syn::ItemFn = syn::parse_str(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    let body = &f.block;
    f.block = syn::parse_quote!({ wrapped!(#body) });
    render(&scan_fn(
        &f.sig.ident.to_string(),
        &f.attrs,
        &f.sig,
        &f.block,
    ))
}

/// Checks each `(source, expected)` case, reporting every mismatch at once. Each case is also
/// checked with its body inside a macro: the body walk reads macro arguments as it reads code.
fn check(cases: &[(&str, &str)]) {
    let failures: Vec<String> = cases
        .iter()
        .flat_map(|(src, want)| {
            let got = scan(src);
            let wrapped = scan_in_macro(src);
            [
                (got != *want).then(|| format!("\n  {src}\n    want: {want}\n    got:  {got}")),
                (wrapped != *want).then(|| {
                    format!("\n  {src}\n    want (in a macro): {want}\n    got:  {wrapped}")
                }),
            ]
        })
        .flatten()
        .collect();
    assert!(failures.is_empty(), "{}", failures.concat());
}

#[test]
fn signals_entry_points() {
    check(&[
        (
            r#"#[get("/orders")] async fn list() -> String { String::new() }"#,
            "entry=http",
        ),
        (r#"#[post("/orders")] async fn create() {}"#, "entry=http"),
        (
            r#"#[actix_web::put("/x")] async fn put_x() {}"#,
            "entry=http",
        ),
        (r#"#[delete("/x")] fn del() {}"#, "entry=http"),
        (r#"#[patch("/x")] fn pat() {}"#, "entry=http"),
        (r#"#[route("/x", method = "GET")] fn r() {}"#, "entry=http"),
        (r#"#[rocket::get("/")] fn index() {}"#, "entry=http"),
        ("#[get] fn getter() {}", "-"),
        ("#[tokio::main] async fn main() {}", "entry=cli"),
        ("#[actix_web::main] async fn start() {}", "entry=cli"),
        ("#[async_std::main] async fn run() {}", "entry=cli"),
        ("fn main() {}", "entry=cli"),
        (
            r#"#[scheduled(cron = "0 * * * *")] async fn hourly() {}"#,
            "entry=schedule",
        ),
        (r#"#[cron("0 0 * * *")] fn nightly() {}"#, "entry=schedule"),
        ("#[job] async fn cleanup() {}", "entry=schedule"),
        ("#[test] fn main() {}", "-"),
        (
            "#[tokio::test] async fn it_works() { loop { interval.tick().await; } }",
            "hints=io-loop",
        ),
        ("#[cfg(test)] fn helper() {}", "-"),
        (r#"#[event(fetch)] async fn fetch() {}"#, "entry=http"),
        (
            r#"#[utoipa::path(get, path = "/x")] async fn documented() {}"#,
            "entry=http",
        ),
        // Request extractors alone are only a weak hint: no entry without a registration.
        (
            "async fn create(Json(o): Json<Order>, State(s): State<App>, q: Query<P>) {}",
            "-",
        ),
        (
            "async fn handler(req: HttpRequest, p: web::Path<u32>) -> impl Responder { \"\" }",
            "-",
        ),
        ("fn helper(x: u32) -> u32 { x + 1 }", "-"),
    ]);
}

#[test]
fn signals_body_entries() {
    check(&[
        (
            "async fn report_job() { let mut iv = tokio::time::interval(Duration::from_secs(60)); \
             loop { iv.tick().await; aggregate().await; } }",
            "entry=schedule hints=io-loop",
        ),
        (
            "async fn run_jobs() { let mut iv = interval(d); loop { tokio::select! { _ = iv.tick() => work().await, } } }",
            "entry=schedule hints=io-loop",
        ),
        (
            "async fn consume(consumer: StreamConsumer) { loop { let m = consumer.recv().await; handle(m); } }",
            "entry=queue hints=io-loop,worker-loop",
        ),
        (
            "async fn on_orders(mut consumer: lapin::Consumer) { \
             while let Some(delivery) = consumer.next().await { process(delivery).await; } }",
            "entry=queue hints=io-loop",
        ),
        (
            "async fn listen(client: async_nats::Client) { let mut sub = client.subscribe(\"orders\").await.unwrap(); \
             while let Some(msg) = sub.next().await { handle(msg); } }",
            "entry=queue hints=io-loop",
        ),
        (
            "fn poll_loop(consumer: BaseConsumer) { loop { if let Some(m) = consumer.poll(timeout) { handle(m); } } }",
            "entry=queue",
        ),
        (
            "async fn worker(mut rx: mpsc::Receiver<Job>) { while let Some(job) = rx.recv().await { job.run(); } }",
            "entry=queue hints=io-loop",
        ),
        // `.next().await` on an unknown iterator-like value without a subscription: no entry.
        (
            "async fn drain(mut pages: Pages) { while let Some(p) = pages.next().await { save(p); } }",
            "hints=io-loop",
        ),
        (
            "async fn ws_handler(ws: WebSocketUpgrade) -> Response { ws.on_upgrade(handle_socket) }",
            "entry=websocket",
        ),
        (
            "async fn upgrade(w: axum::extract::WebSocketUpgrade, State(s): State<App>) -> Response { w.on_upgrade(move |s| run(s)) }",
            "entry=websocket",
        ),
        (
            "async fn handle_socket(mut socket: WebSocket) { while let Some(msg) = socket.recv().await { echo(msg); } }",
            "entry=websocket hints=io-loop",
        ),
        (
            r#"#[get("/ws")] async fn chat(req: HttpRequest, stream: web::Payload) -> Result<HttpResponse, Error> { ws::start(Session::default(), &req, stream) }"#,
            "entry=websocket",
        ),
        (
            "async fn func(event: LambdaEvent<Value>) -> Result<Value, Error> { Ok(event.payload) }",
            "entry=event",
        ),
    ]);
}

#[test]
fn signals_routes() {
    check(&[
        (
            r#"fn app() -> Router { Router::new().route("/x", get(handler)).route("/y", post(h2)) }"#,
            "routes=http:handler,http:h2",
        ),
        (
            r#"fn app() -> Router { Router::new().route("/o", post(orders::create).get(orders::list)).route("/c", axum::routing::get(cart::show).layer(l)) }"#,
            "routes=http:orders::create,http:orders::list,http:cart::show",
        ),
        (
            r#"fn app() -> Router { Router::new().route("/ws", get(ws_handler)).route("/h", get(|| async { "ok" })) }"#,
            "routes=http:ws_handler",
        ),
        (
            r#"fn config(cfg: &mut web::ServiceConfig) { cfg.service(web::resource("/x").route(web::get().to(handler))).service(index).service(Files::new("/s", ".")); }"#,
            "routes=http:handler,http:index",
        ),
        (
            r#"#[actix_web::main] async fn main() { HttpServer::new(|| App::new().route("/x", web::get().to(list)).service(web::resource("/y").to(show))).run().await; }"#,
            "entry=cli routes=http:list,http:show",
        ),
        (
            r#"async fn serve() { let r = warp::path("hello").and(warp::get()).and_then(hello); warp::serve(r).run(addr).await; }"#,
            "routes=http:hello",
        ),
        (
            r#"fn filters() { let r = warp::path!("x" / u32).map(show_x); }"#,
            "routes=http:show_x",
        ),
        // `.map(f)` and `.and_then(f)` outside warp are plain combinators.
        (
            "fn parse(v: Vec<String>) -> Option<u32> { v.first().map(String::len).and_then(check) }",
            "-",
        ),
        (
            "fn rocket() -> Rocket<Build> { rocket::build().mount(\"/\", routes![index, orders::list]) }",
            "routes=http:index,http:orders::list",
        ),
        (
            "#[tokio::main] async fn main() { lambda_runtime::run(service_fn(func)).await }",
            "entry=cli routes=event:func",
        ),
        // hyper: a service made of a function serves every request with it.
        (
            "async fn serve() { let make = make_service_fn(|_| async { Ok::<_, Infallible>(service_fn(handle)) }); Server::bind(&addr).serve(make).await; }",
            "routes=http:handle",
        ),
        (
            "fn svc() -> impl Service { hyper::service::service_fn(routes::dispatch) }",
            "routes=http:routes::dispatch",
        ),
    ]);
}

#[test]
fn signals_sql_resources() {
    check(&[
        (
            r#"async fn get(pool: &PgPool) { sqlx::query!("SELECT id, total FROM orders WHERE id = $1", id).fetch_one(pool).await; }"#,
            "res=db:orders",
        ),
        (
            r#"async fn join(pool: &PgPool) { sqlx::query_as!(Row, "SELECT o.id FROM public.orders o JOIN \"Users\" u ON u.id = o.user_id LEFT JOIN items i USING (id)").fetch_all(pool).await; }"#,
            "res=db:items,db:orders,db:users",
        ),
        (
            r#"async fn ins(pool: &PgPool) { sqlx::query("INSERT INTO payments (id, amount) VALUES ($1, $2)").execute(pool).await; }"#,
            "res=db:payments",
        ),
        (
            r#"async fn upd(pool: &PgPool) { query_as::<_, Order>("UPDATE orders SET paid = true WHERE id = ? RETURNING *").fetch_one(pool).await; }"#,
            "res=db:orders",
        ),
        (
            r#"async fn del(pool: &PgPool) { sqlx::query_scalar("DELETE FROM carts WHERE expires < now()").execute(pool).await; }"#,
            "res=db:carts",
        ),
        (
            r#"async fn sub(pool: &PgPool) { let sql = "SELECT EXTRACT(YEAR FROM created) FROM orders WHERE user_id IN (SELECT id FROM users), a IS DISTINCT FROM b"; sqlx::query(sql).fetch_all(pool).await; }"#,
            "res=db:orders,db:users",
        ),
        (
            r#"async fn cte(c: &Client) { c.query("WITH recent AS (SELECT * FROM orders) SELECT * FROM recent, `shop`.`stock` s", &[]).await; }"#,
            "res=db:orders,db:stock",
        ),
        (
            r#"fn raw(conn: &Connection) { conn.execute("insert into audit_log(msg) values (?1)", params![m]); }"#,
            "res=db:audit_log",
        ),
        (
            r#"async fn many(pool: &PgPool) { pool.execute("TRUNCATE TABLE sessions").await; }"#,
            "res=db:sessions",
        ),
        // Strings that merely mention SQL words outside a query context are not resources.
        (
            r#"fn menu() { println!("Please select an item from the list"); let s = "SELECT * FROM orders"; }"#,
            "-",
        ),
        (r#"fn label() -> &'static str { "select from here" }"#, "-"),
    ]);
}

#[test]
fn signals_other_resources() {
    check(&[
        (
            "fn load(conn: &mut PgConnection) { orders::table.filter(orders::id.eq(1)).load::<Order>(conn); }",
            "res=db:orders",
        ),
        (
            "fn insert(conn: &mut PgConnection) { diesel::insert_into(schema::payments::table).values(&p).execute(conn); }",
            "res=db:payments",
        ),
        (
            "fn names(conn: &mut PgConnection) { use crate::schema::users::dsl::*; users.select(name).load::<String>(conn); }",
            "res=db:users",
        ),
        ("fn now() { diesel::dsl::now; }", "-"),
        (
            "async fn find(db: &DatabaseConnection) { order::Entity::find().all(db).await; }",
            "res=db:order",
        ),
        (
            "async fn cache(client: redis::Client) { let mut con = client.get_connection().unwrap(); }",
            "res=cache:redis",
        ),
        (
            r#"async fn session(redis_conn: &mut MultiplexedConnection, id: &str) { redis_conn.get::<_, String>(format!("session:{id}")).await; }"#,
            "res=cache:session",
        ),
        (
            r#"fn cmd(c: &mut Conn) { redis::cmd("SET").arg("cart:42").arg(v).query(c); }"#,
            "res=cache:cart",
        ),
        (
            r#"fn map(m: &HashMap<String, u32>) { m.get("session:1"); }"#,
            "-",
        ),
        (
            r#"async fn users(db: &mongodb::Database) { db.collection::<User>("users").find_one(doc! {}).await; }"#,
            "res=db:users",
        ),
        (
            r#"async fn upload(s3: &aws_sdk_s3::Client) { s3.put_object().bucket("images").key(k).send().await; }"#,
            "res=bucket:images",
        ),
    ]);
}

#[test]
fn signals_hints() {
    check(&[
        (
            "fn wait() { std::thread::sleep(Duration::from_secs(1)); }",
            "hints=sleep",
        ),
        (
            "async fn wait() { tokio::time::sleep(d).await; }",
            "hints=sleep",
        ),
        ("async fn wait() { sleep_until(t).await; }", "hints=sleep"),
        (
            "fn read() -> String { std::fs::read_to_string(\"a.txt\").unwrap_or_default() }",
            "hints=blocking-io",
        ),
        (
            "fn open() { let f = File::open(p)?; let mut out = File::create(q)?; std::io::copy(&mut f, &mut out); }",
            "hints=blocking-io",
        ),
        (
            "async fn read() { tokio::fs::read_to_string(p).await; }",
            "-",
        ),
        ("async fn read() { File::open(p).await; }", "-"),
        (
            "fn fetch() { let s = std::net::TcpStream::connect(addr); }",
            "hints=blocking-network",
        ),
        (
            "fn fetch() { let body = reqwest::blocking::get(url)?.text()?; }",
            "hints=blocking-network",
        ),
        (
            "fn fetch() { ureq::get(url).call(); }",
            "hints=blocking-network",
        ),
        ("async fn fetch() { TcpStream::connect(addr).await; }", "-"),
        (
            "async fn export(rows: Vec<Row>) { for r in rows { client.send(r).await; } }",
            "hints=io-loop",
        ),
        (
            "fn copy_all(ps: &[P]) { for p in ps { std::fs::copy(p, dst); } }",
            "hints=blocking-io,io-loop",
        ),
        (
            "fn sum(xs: &[u32]) -> u32 { let mut t = 0; for x in xs { t += x; } t }",
            "-",
        ),
        (
            "fn thumb(p: &Path) { let img = image::open(p)?; img.resize(100, 100, FilterType::Lanczos3); }",
            "hints=blocking-io,cpu-heavy",
        ),
        (
            "fn hash(pw: &str) { bcrypt::hash(pw, 12); }",
            "hints=cpu-heavy",
        ),
        (
            "fn hash(pw: &[u8]) { Argon2::default().hash_password(pw, &salt); }",
            "hints=cpu-heavy",
        ),
        (
            "fn gz(w: W) { let e = flate2::write::GzEncoder::new(w, c); }",
            "hints=cpu-heavy",
        ),
        (
            "fn par(v: &[u64]) -> u64 { v.par_iter().sum() }",
            "hints=cpu-heavy",
        ),
        ("fn grow(v: &mut Vec<u8>) { v.resize(10, 0); }", "-"),
        (
            "fn logged() { println!(\"{}\", std::fs::read_to_string(p).unwrap_or_default()); }",
            "hints=blocking-io",
        ),
    ]);
}

#[test]
fn signals_state_use() {
    check(&[
        ("fn bump() { unsafe { COUNTER += 1; } }", "state"),
        ("fn peek() -> u32 { unsafe { COUNTER } }", "state"),
        (
            "fn visit() { VISITS.with(|v| *v.borrow_mut() += 1); }",
            "state",
        ),
        ("fn add() { CACHE.lock().unwrap().insert(k, v); }", "state"),
        (
            "async fn add_item(State(s): State<AppState>) { s.carts.lock().await.insert(id, cart); }",
            "state",
        ),
        (
            "fn next_id() -> u64 { NEXT.fetch_add(1, Ordering::SeqCst) }",
            "state",
        ),
        ("fn get() -> u64 { HITS.load(Ordering::Relaxed) }", "state"),
        (
            "fn inner() { static CALLS: AtomicUsize = AtomicUsize::new(0); }",
            "state",
        ),
        (
            "fn tl() { thread_local! { static BUF: RefCell<Vec<u8>> = RefCell::new(Vec::new()); } }",
            "state",
        ),
        ("fn limit() -> usize { MAX_ITEMS.min(10) }", "-"),
        ("fn out() { let l = std::io::stdout().lock(); }", "-"),
    ]);
}

#[test]
fn signals_hostile_input() {
    // Deep nesting must neither overflow a 2 MB stack (rayon's default) nor take long. The
    // tree is built iteratively (parsing it would itself recurse), and leaked rather than
    // dropped (dropping recurses).
    let got = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let mut e: syn::Expr = syn::parse_quote!(std::thread::sleep(d));
            for _ in 0..100_000 {
                e = syn::Expr::Paren(syn::ExprParen {
                    attrs: Vec::new(),
                    paren_token: Default::default(),
                    expr: Box::new(e),
                });
            }
            let block = syn::Block {
                brace_token: Default::default(),
                stmts: vec![syn::Stmt::Expr(e, None)],
            };
            let sig: syn::Signature = syn::parse_quote!(fn deep());
            let s = render(&scan_fn("deep", &[], &sig, &block));
            std::mem::forget(block);
            s
        })
        .map(|h| h.join());
    assert!(matches!(got, Ok(Ok(ref s)) if s == "-"), "{got:?}");

    // Hostile macro tokens: the body walk parses every macro's arguments as expressions, after
    // the file's nesting check (`rust/nesting.rs`) and on the analysis threads' large stacks. A
    // file whose macro holds a run of 100,000 `!` is refused by the check; one whose macro nests
    // 2,000 brackets deep passes it and is walked.
    let bangs = format!("fn m() {{ println!(\"{{}}\", {}x); }}", "!".repeat(100_000));
    assert!(matches!(
        crate::rust::nesting::parse_file(&bangs),
        Err(crate::rust::nesting::Unparsed::TooDeep(..))
    ));
    let nested = format!(
        "fn m() {{ f!({}1{}); }}",
        "[".repeat(2000),
        "]".repeat(2000)
    );
    let got = std::thread::Builder::new()
        .stack_size(crate::rust::STACK_SIZE)
        .spawn(move || {
            let Ok(file) = crate::rust::nesting::parse_file(&nested) else {
                return String::from("not parsed");
            };
            let Some(syn::Item::Fn(f)) = file.items.first() else {
                return String::from("no function");
            };
            render(&scan_fn("m", &f.attrs, &f.sig, &f.block))
        })
        .map(|h| h.join());
    assert!(matches!(got, Ok(Ok(ref s)) if s == "-"), "{got:?}");
}

#[test]
fn signals_macro_bodies() {
    check(&[
        (
            r#"fn log() { info!("saved {}", sqlx::query("SELECT 1 FROM audit").fetch_one(p)); }"#,
            "res=db:audit",
        ),
        (
            "fn spawn() { tokio::spawn(async move { loop { tokio::time::sleep(d).await; } }); }",
            "hints=io-loop,sleep,worker-loop",
        ),
        (
            "fn closure() { let f = || std::thread::sleep(d); }",
            "hints=sleep",
        ),
        ("fn unknown() { weird!(=> => ;; @@); }", "-"),
        // The arms of `select!` are read as code: a timer armed in one is a sleep.
        (
            "async fn purge(s: S) { while !s.done() { tokio::select! { _ = time::sleep_until(w) => {} _ = s.notified() => {} } } }",
            "hints=io-loop,sleep",
        ),
        // Statements in a macro (`try_stream!`): a `while let` is not split at its `=`.
        (
            "fn stream(mut s: Sub) { try_stream! { while let Some(m) = s.next_message().await? { yield m; } } }",
            "hints=io-loop",
        ),
    ]);
}

#[test]
fn signals_stateful_statics() {
    let cases: &[(&str, bool)] = &[
        ("static mut COUNTER: u32 = 0;", true),
        (
            "static CACHE: Mutex<HashMap<String, String>> = Mutex::new(HashMap::new());",
            true,
        ),
        ("static HITS: AtomicU64 = AtomicU64::new(0);", true),
        ("static CONFIG: OnceLock<Config> = OnceLock::new();", false),
        (
            "static RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(\"x\").unwrap());",
            false,
        ),
        (
            "static V: LazyLock<String> = LazyLock::new(String::new);",
            false,
        ),
        (
            "static REGISTRY: LazyLock<Mutex<Vec<u8>>> = LazyLock::new(Default::default);",
            true,
        ),
        (
            "static POOL: once_cell::sync::Lazy<Pool> = Lazy::new(make);",
            true,
        ),
        (
            "static SESSIONS: DashMap<u64, Session> = DashMap::new();",
            true,
        ),
        (
            "static STATE: RwLock<Vec<u8>> = RwLock::new(Vec::new());",
            true,
        ),
        ("static NAME: &str = \"shop\";", false),
        ("static LIMIT: u64 = 10;", false),
        (
            "static ITEMS: [(&str, u32); 2] = [(\"a\", 1), (\"b\", 2)];",
            false,
        ),
    ];
    for (src, want) in cases {
        let item: syn::ItemStatic = syn::parse_str(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(is_stateful_static(&item), *want, "{src}");
    }
}

#[test]
fn signals_macro_statics() {
    let cases: &[(&str, &str)] = &[
        (
            "lazy_static! { static ref CACHE: Mutex<u8> = Mutex::new(0); pub static ref RE: Regex = Regex::new(\"x\").unwrap(); }",
            "CACHE",
        ),
        (
            "lazy_static::lazy_static! { #[doc = \"x\"] pub(crate) static ref TABLE: Vec<u8> = vec![]; static ref SEEN: DashSet<u64> = DashSet::new(); }",
            "SEEN",
        ),
        (
            "thread_local! { static COUNTER: Cell<u32> = const { Cell::new(0) }; static BUF: RefCell<String> = RefCell::new(String::new()); }",
            "COUNTER,BUF",
        ),
        ("macro_rules! m { () => { static X: u8 = 0; } }", ""),
        ("println! { \"static ref X: u8\" }", ""),
    ];
    for (src, want) in cases {
        let item: syn::ItemMacro = syn::parse_str(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(stateful_macro_statics(&item).join(","), *want, "{src}");
    }
}

#[test]
fn signals_stateful_structs() {
    // (source, holds in-memory state, holds connections)
    let cases: &[(&str, bool, bool)] = &[
        ("struct AppState { db: PgPool, name: String }", false, true),
        ("struct Repo { pool: sqlx::Pool<Postgres> }", false, true),
        ("struct Cache { redis: redis::Client }", false, true),
        ("struct Api { http: reqwest::Client }", false, true),
        ("struct Store { db: mongodb::Client }", false, true),
        (
            "struct Mixed { db: PgPool, seen: Mutex<HashSet<u64>> }",
            true,
            true,
        ),
        (
            "struct Conn(Arc<Mutex<HashMap<String, Cart>>>);",
            true,
            false,
        ),
        (
            "struct Sessions { map: RwLock<HashMap<u64, Session>> }",
            true,
            false,
        ),
        ("struct Counter { hits: AtomicU64 }", true, false),
        ("struct Hub { tx: broadcast::Sender<Msg> }", true, false),
        (
            "struct Lru { inner: LruCache<String, Vec<u8>> }",
            true,
            false,
        ),
        (
            "struct Shared { sessions: DashMap<u64, Session> }",
            true,
            false,
        ),
        ("struct Svc { conn: MultiplexedConnection }", false, true),
        ("struct Svc { client: Client }", false, true),
        ("struct Job { tx: mpsc::Sender<Msg> }", false, false),
        (
            "struct Item { name: String, price: u32, tags: Vec<String> }",
            false,
            false,
        ),
        (
            "struct Order { id: u64, items: Vec<Item>, client: crate::models::Client }",
            false,
            false,
        ),
        (
            "#[derive(Serialize, Deserialize)] struct Invoice { client: Client, total: f64 }",
            false,
            false,
        ),
        ("struct Unit;", false, false),
    ];
    for (src, state, connections) in cases {
        let item: syn::ItemStruct = syn::parse_str(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(is_stateful_struct(&item), *state, "state: {src}");
        assert_eq!(holds_connections(&item), *connections, "connections: {src}");
    }
}
