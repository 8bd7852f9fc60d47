//! The vocabulary the body walk recognises: crate, type, method and macro names of the
//! frameworks and clients it knows, and predicates on path segments and string literals.

use foldhash::HashSet;
use std::sync::LazyLock;

/// Crates (first path segments) that talk to Redis.
pub(super) const REDIS_CRATES: &[&str] = &[
    "redis",
    "deadpool_redis",
    "bb8_redis",
    "mobc_redis",
    "r2d2_redis",
    "fred",
    "darkredis",
];
/// Redis client types named without their crate.
pub(super) const REDIS_TYPES: &[&str] = &[
    "RedisPool",
    "RedisClient",
    "RedisConnection",
    "RedisConnectionManager",
    "MultiplexedConnection",
];
/// Crates (first path segments) whose work is CPU-bound.
pub(super) const CPU_CRATES: &[&str] = &[
    "image",
    "imageops",
    "flate2",
    "bcrypt",
    "argon2",
    "scrypt",
    "pbkdf2",
    "zstd",
    "brotli",
    "lz4",
    "lz4_flex",
    "xz2",
    "bzip2",
    "rayon",
    "fast_image_resize",
    "photon_rs",
    "resvg",
    "ffmpeg_next",
];
/// Type names (any path segment) whose use is CPU-bound.
pub(super) const CPU_TYPES: &[&str] = &[
    "Argon2",
    "GzEncoder",
    "GzDecoder",
    "ZlibEncoder",
    "DeflateEncoder",
    "ImageBuffer",
];
/// Rayon's parallel iterator methods.
pub(super) const PAR_METHODS: &[&str] = &[
    "par_iter",
    "par_iter_mut",
    "into_par_iter",
    "par_chunks",
    "par_chunks_mut",
    "par_bridge",
    "par_sort",
    "par_sort_unstable",
    "par_extend",
];
/// Methods that run SQL text given as an argument (sqlx executors, postgres, rusqlite).
pub(super) const SQL_METHODS: &[&str] = &[
    "execute",
    "execute_unprepared",
    "fetch",
    "fetch_one",
    "fetch_all",
    "fetch_optional",
    "fetch_many",
    "query",
    "query_one",
    "query_opt",
    "query_raw",
    "query_row",
    "query_map",
    "prepare",
    "prepare_cached",
    "batch_execute",
    "simple_query",
    "execute_batch",
];
/// Functions and macros taking SQL text first (sqlx, diesel).
pub(super) const SQL_FUNCTIONS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_with",
    "query_as_with",
    "query_scalar_with",
    "query_unchecked",
    "query_as_unchecked",
    "query_scalar_unchecked",
    "sql_query",
];
/// Key-value commands whose first argument is a key (Redis and friends).
pub(super) const KEY_COMMANDS: &[&str] = &[
    "get",
    "set",
    "set_ex",
    "set_nx",
    "setex",
    "getset",
    "del",
    "incr",
    "decr",
    "incr_by",
    "expire",
    "pexpire",
    "exists",
    "hget",
    "hset",
    "hgetall",
    "hdel",
    "hincr",
    "lpush",
    "rpush",
    "lpop",
    "rpop",
    "lrange",
    "sadd",
    "srem",
    "smembers",
    "sismember",
    "zadd",
    "zrange",
    "zrem",
    "zincr",
    "mget",
    "mset",
    "ttl",
    "arg",
    "insert",
    "remove",
];
/// Commands whose name alone says Redis.
pub(super) const REDIS_ONLY_COMMANDS: &[&str] = &[
    "set_ex",
    "set_nx",
    "setex",
    "getset",
    "hget",
    "hset",
    "hgetall",
    "hdel",
    "hincr",
    "lpush",
    "rpush",
    "lrange",
    "sadd",
    "srem",
    "smembers",
    "sismember",
    "zadd",
    "zrange",
    "zrem",
    "zincr",
    "query_async",
    "get_multiplexed_async_connection",
    "get_async_connection",
];
/// Methods through which a static or shared value is mutated or locked.
pub(super) const STATE_METHODS: &[&str] = &[
    "with",
    "with_borrow",
    "with_borrow_mut",
    "set",
    "get_or_init",
    "get_or_try_init",
    "borrow_mut",
    "insert",
    "remove",
    "entry",
    "replace",
    "take",
    "push",
    "clear",
    "get_mut",
    "lock",
    "try_lock",
    "write",
    "read",
];
/// Atomic read-modify-write methods.
pub(super) const ATOMIC_METHODS: &[&str] = &[
    "fetch_add",
    "fetch_sub",
    "fetch_and",
    "fetch_or",
    "fetch_xor",
    "fetch_nand",
    "fetch_max",
    "fetch_min",
    "fetch_update",
    "compare_exchange",
    "compare_exchange_weak",
];
/// Memory orderings: an argument of one means an atomic operation.
pub(super) const ORDERINGS: &[&str] = &["SeqCst", "Relaxed", "Acquire", "Release", "AcqRel"];
/// HTTP-method router constructors and builders (axum's `get(h)`, actix's `.to(h)`).
pub(super) const ROUTER_METHODS: &[&str] = &[
    "get", "post", "put", "delete", "patch", "head", "options", "trace", "any", "on", "to",
    "to_async",
];
/// Receiver name parts that certainly mean a message consumer.
pub(super) const CONSUMER_WORDS: &[&str] = &["consumer", "subscriber", "subscription", "deliver"];
/// Receiver name parts that may mean a message stream.
pub(super) const STREAM_WORDS: &[&str] = &["messages", "listener", "queue", "inbox"];

/// The key prefix of a key literal: `"session:{}"` → `session`.
pub(super) fn key_prefix(text: &str) -> Option<String> {
    let (prefix, rest) = text.split_once(':')?;
    let ok = !prefix.is_empty()
        && prefix.len() <= 40
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !rest.starts_with('/');
    ok.then(|| prefix.to_ascii_lowercase())
}

/// A simple identifier usable as a collection or bucket name.
pub(super) fn plain_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 128
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Whether a path is a diesel schema module name (`orders` in `orders::table`).
pub(super) fn is_table_module(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && ![
            "diesel",
            "schema",
            "crate",
            "self",
            "super",
            "dsl",
            "sql_types",
            "prelude",
            "std",
            "core",
            "sea_orm",
            "entity",
            "entities",
        ]
        .contains(&name)
}

/// Whether a path names blocking network I/O (`reqwest::blocking`, `ureq`, `std::net` sockets).
pub(super) fn is_blocking_net(segs: &[String]) -> bool {
    let first = segs.first().map(String::as_str);
    matches!(first, Some("ureq" | "attohttpc" | "curl"))
        || segs
            .windows(2)
            .any(|w| w[0] == "reqwest" && w[1] == "blocking")
        || (first == Some("std")
            && segs.get(1).is_some_and(|s| s == "net")
            && segs
                .get(2)
                .is_some_and(|s| matches!(s.as_str(), "TcpStream" | "TcpListener" | "UdpSocket")))
}

/// Whether a called path is blocking file I/O (`std::fs::*`, `File::open`, `io::copy`).
pub(super) fn is_blocking_fs(segs: &[String]) -> bool {
    let n = segs.len();
    let first = segs.first().map(String::as_str).unwrap_or("");
    if ["tokio", "async_std", "smol", "async_fs", "tokio_fs"].contains(&first) || n < 2 {
        return false;
    }
    let (prev, last) = (segs[n - 2].as_str(), segs[n - 1].as_str());
    segs[..n - 1].iter().any(|s| s == "fs")
        || (prev == "File" && matches!(last, "open" | "create" | "create_new" | "options"))
        || (prev == "OpenOptions" && last == "new")
        || (prev == "io" && last == "copy")
        || (matches!(prev, "image" | "ImageReader") && last == "open")
}

/// Method names handled by the method-call check besides those in the tables above.
const OTHER_METHODS: &[&str] = &[
    "brpop",
    "blpop",
    "brpoplpush",
    "blmove",
    "bzpopmin",
    "bzpopmax",
    "xread",
    "xread_options",
    "xreadgroup",
    "basic_get",
    "receive_message",
    "route",
    "fallback",
    "service",
    "to",
    "to_async",
    "and_then",
    "map",
    "then",
    "on_upgrade",
    "subscribe",
    "psubscribe",
    "queue_subscribe",
    "basic_consume",
    "subscribe_with",
    "create_consumer",
    "consume",
    "poll",
    "iter",
    "recv",
    "receive",
    "try_recv",
    "recv_timeout",
    "collection",
    "collection_with_type",
    "bucket",
    "resize",
    "resize_exact",
    "resize_to_fill",
    "thumbnail",
    "thumbnail_exact",
    "hash_password",
    "verify_password",
    "lock",
    "try_lock",
    "read",
    "write",
    "try_read",
    "try_write",
    "load",
    "store",
    "swap",
    // diesel column predicates and orderings (`comment::removed.eq(false)`)
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "like",
    "ilike",
    "is_null",
    "is_not_null",
    "eq_any",
    "ne_all",
    "between",
    "desc",
    "asc",
    // scheduler registrations (`scheduler.every(1.hours()).run(|| job())`)
    "run",
    // a response or request body read as a stream
    "bytes_stream",
    "into_body",
    "into_data_stream",
    "body_stream",
];

/// Whether the method-call check has anything to say about a method name: a fast rejection of
/// the common case (`len`, `clone`, `unwrap`, …).
pub(super) fn is_known_method(name: &str) -> bool {
    static KNOWN: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
        [
            PAR_METHODS,
            SQL_METHODS,
            KEY_COMMANDS,
            REDIS_ONLY_COMMANDS,
            STATE_METHODS,
            ATOMIC_METHODS,
            OTHER_METHODS,
        ]
        .iter()
        .flat_map(|list| list.iter().copied())
        .collect()
    });
    KNOWN.contains(name)
}

/// Whether a path segment is one the path check looks for (a fast rejection of the rest).
pub(super) fn is_path_word(name: &str) -> bool {
    static WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
        [
            REDIS_CRATES,
            CPU_CRATES,
            CPU_TYPES,
            &[
                "table",
                "dsl",
                "Entity",
                "ActiveModel",
                "ureq",
                "attohttpc",
                "curl",
                "memcache",
                "reqwest",
                "TcpStream",
                "TcpListener",
                "UdpSocket",
            ],
        ]
        .iter()
        .flat_map(|list| list.iter().copied())
        .collect()
    });
    WORDS.contains(name) || name.starts_with("Redis")
}
