//! SCIP symbols → readable node ids and modules, and what a symbol of an outside library tells
//! (a route registration or decorator, a database client): the tables docs/scip.md lists.

use scip::types::descriptor::Suffix;
use scip::types::symbol_information::Kind;

/// What a symbol string says once parsed: its package, its readable path, and what it is.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parsed {
    /// `manager name version` of its package (empty for a symbol without package).
    pub(crate) package: String,
    /// The package's name alone, lowercase (`sqlalchemy`, `@types/pg`, `flask`).
    pub(crate) package_name: String,
    /// The readable descriptor path without the package: `shop.orders.OrderService.place`.
    pub(crate) id: String,
    /// The path of the enclosing descriptors (type or namespace) of a method, as in `id`.
    pub(crate) module: Option<String>,
    /// The last descriptor's name (`place`), as written.
    pub(crate) name: String,
    /// The last descriptor is a method (`place().`).
    pub(crate) method: bool,
    /// The last descriptor is a type (`Order#`).
    pub(crate) is_type: bool,
    /// `package` and the path of the innermost type the symbol is or belongs to
    /// (`Order#` for `Order#id.`): the key of entity types.
    pub(crate) type_key: Option<String>,
}

/// Parses a global symbol; `None` for a local symbol or one that does not follow the grammar.
///
/// # Complexity
/// O(length of the symbol).
pub(crate) fn parse(symbol: &str) -> Option<Parsed> {
    if symbol.is_empty() || scip::symbol::is_local_symbol(symbol) {
        return None;
    }
    let parsed = scip::symbol::parse_symbol(symbol).ok()?;
    let (package, package_name) = match parsed.package.as_ref() {
        Some(p) => (
            format!("{} {} {}", p.manager, p.name, p.version),
            p.name.to_lowercase(),
        ),
        None => (String::new(), String::new()),
    };
    let mut names: Vec<&str> = Vec::with_capacity(parsed.descriptors.len());
    let mut last_type: Option<usize> = None;
    let mut method_at: Option<usize> = None;
    for d in &parsed.descriptors {
        let suffix = d.suffix.enum_value().ok();
        match suffix {
            Some(Suffix::Parameter | Suffix::TypeParameter | Suffix::Local) | None => continue,
            // `__init__:` names a Python module itself: not a path segment.
            Some(Suffix::Meta) => continue,
            Some(Suffix::Namespace | Suffix::Package) => {
                names.push(strip_source_extension(&d.name))
            }
            Some(s) => {
                if s == Suffix::Type {
                    last_type = Some(names.len());
                }
                if s == Suffix::Method {
                    method_at = Some(names.len());
                }
                names.push(&d.name);
            }
        }
    }
    let last = parsed
        .descriptors
        .last()
        .and_then(|d| d.suffix.enum_value().ok());
    let method = last == Some(Suffix::Method);
    let is_type = last == Some(Suffix::Type);
    let id = names.join(".");
    let module = if method {
        method_at
            .filter(|&i| i > 0 && i + 1 == names.len())
            .map(|i| names[..i].join("."))
    } else {
        None
    };
    let type_key = last_type.map(|i| format!("{package} {}", names[..=i].join(".")));
    Some(Parsed {
        package,
        package_name,
        name: names.last().map(|s| s.to_string()).unwrap_or_default(),
        id,
        module,
        method,
        is_type,
        type_key,
    })
}

/// `web.ts` → `web`: a file name used as a namespace (TypeScript, JavaScript) reads as a module.
fn strip_source_extension(name: &str) -> &str {
    const EXTENSIONS: [&str; 10] = [
        ".d.ts", ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".py",
    ];
    for ext in EXTENSIONS {
        if let Some(stem) = name.strip_suffix(ext).filter(|s| !s.is_empty()) {
            return stem;
        }
    }
    name
}

/// Whether a `SymbolInformation.kind` names a function or method; `None` when it says nothing
/// (unspecified), so the descriptor suffix decides.
pub(crate) fn kind_is_function(kind: Kind) -> Option<bool> {
    match kind {
        Kind::UnspecifiedKind => None,
        Kind::AbstractMethod
        | Kind::Constructor
        | Kind::Function
        | Kind::Method
        | Kind::MethodAlias
        | Kind::MethodSpecification
        | Kind::ProtocolMethod
        | Kind::PureVirtualMethod
        | Kind::SingletonMethod
        | Kind::StaticMethod
        | Kind::TraitMethod
        | Kind::TypeClassMethod => Some(true),
        _ => Some(false),
    }
}

/// The language of a document: its `language` field, else guessed from the file's extension.
pub(crate) fn language(declared: &str, path: &str) -> String {
    if !declared.trim().is_empty() {
        return declared.trim().to_lowercase();
    }
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_lowercase());
    let name = match ext.as_deref() {
        Some("py" | "pyi") => "python",
        Some("ts" | "tsx" | "mts" | "cts") => "typescript",
        Some("js" | "jsx" | "mjs" | "cjs") => "javascript",
        Some("java") => "java",
        Some("kt" | "kts") => "kotlin",
        Some("scala" | "sc") => "scala",
        Some("cs") => "csharp",
        Some("go") => "go",
        Some("rb") => "ruby",
        Some("rs") => "rust",
        Some("c" | "h") => "c",
        Some("cc" | "cpp" | "cxx" | "hpp" | "hh") => "cpp",
        Some("php") => "php",
        _ => "unknown",
    };
    name.to_string()
}

/// A database client library: symbols of its package (or under its path) are data access.
struct Library {
    /// Package names (lowercase) that are this library.
    packages: &'static [&'static str],
    /// Descriptor path prefixes that are this library (for standard libraries: `java.sql.`).
    paths: &'static [&'static str],
    /// The resource named when no entity type is in sight: `db:<name>`.
    name: &'static str,
}

/// Well-known data-access libraries of the languages SCIP indexes (docs/scip.md lists them).
const DATABASES: &[Library] = &[
    Library {
        packages: &["sqlalchemy", "flask-sqlalchemy"],
        paths: &[],
        name: "sqlalchemy",
    },
    Library {
        packages: &["django"],
        paths: &["django.db."],
        name: "django",
    },
    Library {
        packages: &["psycopg2", "psycopg2-binary", "psycopg", "asyncpg"],
        paths: &[],
        name: "postgres",
    },
    Library {
        packages: &["pymysql", "mysqlclient", "mysql-connector-python"],
        paths: &[],
        name: "mysql",
    },
    Library {
        packages: &["peewee", "tortoise-orm", "sqlmodel"],
        paths: &[],
        name: "orm",
    },
    Library {
        packages: &["pymongo", "motor", "mongodb", "mongoose"],
        paths: &[],
        name: "mongodb",
    },
    Library {
        packages: &[],
        paths: &["sqlite3."],
        name: "sqlite",
    },
    Library {
        packages: &[
            "pg",
            "@types/pg",
            "pg-promise",
            "postgres",
            "@neondatabase/serverless",
        ],
        paths: &[],
        name: "postgres",
    },
    Library {
        packages: &["mysql", "mysql2", "@types/mysql"],
        paths: &[],
        name: "mysql",
    },
    Library {
        packages: &["@prisma/client", "prisma"],
        paths: &[],
        name: "prisma",
    },
    Library {
        packages: &[
            "typeorm",
            "sequelize",
            "knex",
            "drizzle-orm",
            "@mikro-orm/core",
            "objection",
        ],
        paths: &[],
        name: "orm",
    },
    Library {
        packages: &["better-sqlite3", "sqlite3", "@types/better-sqlite3"],
        paths: &[],
        name: "sqlite",
    },
    Library {
        packages: &[],
        paths: &[
            "java.sql.",
            "javax.sql.",
            "javax.persistence.",
            "jakarta.persistence.",
            "org.springframework.jdbc.",
            "org.springframework.data.",
            "org.hibernate.",
            "org.jooq.",
            "org.mybatis.",
        ],
        name: "jdbc",
    },
    Library {
        packages: &[
            "dapper",
            "npgsql",
            "microsoft.entityframeworkcore",
            "system.data.sqlclient",
            "microsoft.data.sqlclient",
        ],
        paths: &[
            "System.Data.",
            "Microsoft.EntityFrameworkCore.",
            "Microsoft.Data.SqlClient.",
            "Dapper.",
            "Npgsql.",
        ],
        name: "sql",
    },
    Library {
        packages: &[
            "gorm.io/gorm",
            "github.com/jmoiron/sqlx",
            "github.com/jackc/pgx",
            "github.com/jackc/pgx/v5",
        ],
        paths: &["database/sql."],
        name: "sql",
    },
    Library {
        packages: &["activerecord", "sequel"],
        paths: &["ActiveRecord."],
        name: "activerecord",
    },
];

/// The database library a symbol belongs to, if any (`sqlalchemy`, `postgres`, `jdbc`, …).
pub(crate) fn database(p: &Parsed) -> Option<&'static str> {
    DATABASES
        .iter()
        .find(|lib| {
            lib.packages.contains(&p.package_name.as_str())
                || lib.paths.iter().any(|prefix| p.id.starts_with(prefix))
        })
        .map(|lib| lib.name)
}

/// Web frameworks whose route decorators, annotations or registration calls mark HTTP entry
/// points: package names (lowercase) and descriptor path prefixes.
const WEB_PACKAGES: &[&str] = &[
    "flask",
    "fastapi",
    "starlette",
    "django",
    "bottle",
    "sanic",
    "aiohttp",
    "express",
    "@types/express",
    "@types/express-serve-static-core",
    "fastify",
    "koa-router",
    "@koa/router",
    "@types/koa-router",
    "hono",
    "@nestjs/common",
    "github.com/gin-gonic/gin",
    "github.com/labstack/echo/v4",
    "github.com/go-chi/chi/v5",
    "github.com/gorilla/mux",
];
const WEB_PATHS: &[&str] = &[
    "org.springframework.web.bind.annotation.",
    "javax.ws.rs.",
    "jakarta.ws.rs.",
    "io.micronaut.http.annotation.",
    "Microsoft.AspNetCore.",
    "net/http.",
];

/// Names (lowercase) of route-defining decorators, annotations and registration methods.
fn is_route_name(name: &str) -> bool {
    let n = name.to_lowercase();
    matches!(
        n.as_str(),
        "route"
            | "api_route"
            | "get"
            | "post"
            | "put"
            | "delete"
            | "patch"
            | "head"
            | "options"
            | "all"
            | "path"
            | "re_path"
            | "handle"
            | "handlefunc"
            | "mapget"
            | "mappost"
            | "mapput"
            | "mapdelete"
            | "mappatch"
            | "httpget"
            | "httppost"
            | "httpput"
            | "httpdelete"
            | "httppatch"
    ) || n.ends_with("mapping")
        || (n.starts_with("http") && n.ends_with("attribute"))
}

/// The trigger a symbol of an outside library marks on the function it decorates or registers:
/// `http` for routes, `queue` for message listeners, `schedule` for timers.
pub(crate) fn trigger(p: &Parsed) -> Option<&'static str> {
    let web = WEB_PACKAGES.contains(&p.package_name.as_str())
        || WEB_PATHS.iter().any(|prefix| p.id.starts_with(prefix));
    if web && is_route_name(&p.name) {
        return Some("http");
    }
    // Annotations are types (`KafkaListener#`); Celery's decorators are functions of `celery`.
    if p.is_type || p.package_name == "celery" {
        return annotation_trigger(&p.name);
    }
    None
}

/// Listener and scheduling annotations and decorators, by name, whatever their package:
/// `@KafkaListener`, `@RabbitListener`, `@SqsListener`, `@JmsListener`, Celery's `task`,
/// `@Scheduled`.
fn annotation_trigger(name: &str) -> Option<&'static str> {
    match name {
        "KafkaListener" | "RabbitListener" | "SqsListener" | "JmsListener" | "StreamListener"
        | "shared_task" | "task" => Some("queue"),
        "Scheduled" | "periodic_task" => Some("schedule"),
        _ => None,
    }
}

/// The trigger named by a decorator or annotation shown in a symbol's documentation
/// (`@app.route("/x")`, `@GetMapping("/x")`, `@Scheduled(...)`): the fallback when the
/// framework's own symbols were not indexed (its package not installed when indexing).
pub(crate) fn documented_trigger(documentation: &[String]) -> Option<&'static str> {
    for block in documentation {
        for line in block.lines() {
            let Some(decorator) = line.trim().strip_prefix('@') else {
                continue;
            };
            let head = decorator.split('(').next().unwrap_or("").trim_end();
            // A decorator is a dotted name; `@see Foo.get` or `@param id` in prose is not.
            if head.is_empty()
                || !head
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
            {
                continue;
            }
            let name = head.rsplit('.').next().unwrap_or("");
            if is_route_name(name) {
                return Some("http");
            }
            if let Some(t) = annotation_trigger(name) {
                return Some(t);
            }
        }
    }
    None
}

/// `OrderRepository` → `order`, `LineItem` → `line_item`: the resource name of an entity type.
pub(crate) fn entity_name(type_name: &str) -> String {
    let mut stem = type_name;
    for suffix in [
        "Repository",
        "Repo",
        "Dao",
        "DAO",
        "Entity",
        "Model",
        "Table",
    ] {
        if let Some(s) = stem.strip_suffix(suffix).filter(|s| !s.is_empty()) {
            stem = s;
            break;
        }
    }
    let mut out = String::with_capacity(stem.len() + 4);
    let mut prev_lower = false;
    for c in stem.chars() {
        if c.is_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_package_less_descriptor_paths() {
        let p =
            parse("scip-python python shop 0.1.0 `shop.orders`/place_order().").expect("parses");
        assert_eq!(p.id, "shop.orders.place_order");
        assert_eq!(p.module.as_deref(), Some("shop.orders"));
        assert_eq!(p.package, "python shop 0.1.0");
        assert!(p.method);
        let p = parse("scip-typescript npm shop 0.1.0 src/`orders.ts`/OrderService#place().")
            .expect("parses");
        assert_eq!(p.id, "src.orders.OrderService.place");
        assert_eq!(p.module.as_deref(), Some("src.orders.OrderService"));
        let p =
            parse("semanticdb maven . . com/shop/orders/OrderService#place(+1).").expect("java");
        assert_eq!(p.id, "com.shop.orders.OrderService.place");
        assert_eq!(
            p.type_key.as_deref(),
            Some("maven   com.shop.orders.OrderService")
        );
        assert!(parse("local 3").is_none());
        assert!(parse("not a symbol").is_none());
        let field = parse("scip-python python shop 0.1.0 `shop.db`/Order#id.").expect("field");
        assert!(!field.method && !field.is_type);
        assert_eq!(
            field.type_key.as_deref(),
            Some("python shop 0.1.0 shop.db.Order")
        );
    }

    #[test]
    fn libraries_and_decorators_are_recognised() {
        let get = parse("scip-python python Flask 3.1.3 `flask.sansio.scaffold`/Scaffold#get().")
            .expect("parses");
        assert_eq!(trigger(&get), Some("http"));
        let express =
            parse("scip-typescript npm @types/express-serve-static-core 4.19.9 `index.d.ts`/IRouter#post.")
                .expect("parses");
        assert_eq!(trigger(&express), Some("http"));
        let json = parse("scip-python python Flask 3.1.3 `flask.json`/jsonify().").expect("parses");
        assert_eq!(trigger(&json), None);
        let session =
            parse("scip-python python SQLAlchemy 2.0.43 `sqlalchemy.orm.session`/Session#get().")
                .expect("parses");
        assert_eq!(database(&session), Some("sqlalchemy"));
        let jdbc = parse("semanticdb maven jdk 17 java/sql/Connection#prepareStatement().")
            .expect("parses");
        assert_eq!(database(&jdbc), Some("jdbc"));
        let doc = vec!["```python\n@app.route(\"/x\")\ndef x():\n```".to_string()];
        assert_eq!(documented_trigger(&doc), Some("http"));
        let doc = vec!["@Scheduled(cron = \"0 0 * * *\")\npublic void nightly()".to_string()];
        assert_eq!(documented_trigger(&doc), Some("schedule"));
        assert_eq!(documented_trigger(&["def f():".to_string()]), None);
        let prose = vec!["Loads an order.\n@see OrderApi.get\n@param id the order".to_string()];
        assert_eq!(documented_trigger(&prose), None);
    }

    #[test]
    fn entity_names_read_as_tables() {
        assert_eq!(entity_name("OrderRepository"), "order");
        assert_eq!(entity_name("LineItem"), "line_item");
        assert_eq!(entity_name("Product"), "product");
        assert_eq!(entity_name("Repository"), "repository");
    }
}
