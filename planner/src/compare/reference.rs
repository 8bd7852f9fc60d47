//! Reading a reference decomposition from JSON: an expert assignment, a fixture's service lists or
//! another cleave plan, recognised by content.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A decomposition to score a plan against: each entity (a node id or the tail of one, such as
/// `Class.method`) assigned to one named service.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Reference {
    /// The shape it was read from.
    pub format: ReferenceFormat,
    /// Every service the reference names, sorted and unique (a service may hold no entity).
    pub services: Vec<String>,
    /// Entity → the name of its service.
    pub assignment: BTreeMap<String, String>,
}

/// The JSON shape a [`Reference`] was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReferenceFormat {
    /// `{"assignment": {"Class.method": "service", …}}`, optionally with `"services": [names]`.
    #[default]
    Assignment,
    /// `{"services": {"service": ["node id", …], …}}`.
    Services,
    /// A cleave plan.json: `{"clusters": [{"name": …, "members": […]}, …]}`.
    Plan,
    /// A flat mapping, `{"Class.method": "service", …}`: every value a service name, or a
    /// whole number naming one (a planted community, as `cleave-gen --truth` writes).
    Mapping,
}

impl ReferenceFormat {
    /// What the format is called in outputs.
    pub fn describe(self) -> &'static str {
        match self {
            ReferenceFormat::Assignment => "entity → service assignment",
            ReferenceFormat::Services => "service → entities lists",
            ReferenceFormat::Plan => "cleave plan",
            ReferenceFormat::Mapping => "flat entity → service mapping",
        }
    }
}

/// The four shapes, as said in error messages.
const FORMATS: &str = "give {\"assignment\": {\"Class.method\": \"service\", …}}, \
    {\"services\": {\"service\": [\"node id\", …], …}}, a flat {\"Class.method\": \"service\", …} \
    or a plan.json written by `cleave plan` (docs/review.md)";
/// Keys of an unrecognised object named in its error message (its size is untrusted).
const KEYS_SHOWN: usize = 5;
/// Characters of each key shown.
const KEY_CHARS: usize = 60;

/// Why a text is not a usable reference decomposition. Each message says what would fix it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReferenceError {
    /// The text is empty or only whitespace.
    #[error("the reference is empty: {FORMATS}")]
    Blank,
    /// The text is not JSON.
    #[error("the reference is not JSON ({reason} at line {line}, column {column}): {FORMATS}")]
    NotJson {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON parser said.
        reason: String,
    },
    /// JSON of none of the three shapes.
    #[error("the reference is {found}, none of the known formats: {FORMATS}")]
    UnknownFormat {
        /// What the document is (`an object with keys "a", "b"`, `an array`).
        found: String,
    },
    /// A value of the wrong type or an empty name, at a JSON path.
    #[error("{path} is {found}: {expected}")]
    Malformed {
        /// JSON path of the value (`services["Cart"][2]`).
        path: String,
        /// What is there (`a number`, `an empty string`).
        found: String,
        /// What should be there.
        expected: String,
    },
    /// One entity in two services.
    #[error(
        "entity `{entity}` is in both service `{first}` and service `{second}`: keep it in one of them"
    )]
    AssignedTwice {
        /// The entity.
        entity: String,
        /// The service it was first given.
        first: String,
        /// The other service.
        second: String,
    },
    /// Two services of a plan with one name.
    #[error("two clusters are named `{name}`: rename one so that every service has its own name")]
    DuplicateService {
        /// The repeated name.
        name: String,
    },
    /// Well-formed, but no entity is assigned.
    #[error("the reference assigns no entity to a service: {hint}")]
    NoEntity {
        /// What to add, for the format read.
        hint: &'static str,
    },
}

/// Reads a reference decomposition, recognising its shape by content:
///
/// 1. an object with `assignment` (entity → service name) is an expert assignment; an optional
///    `services` array lists the service names (also those holding no entity);
/// 2. otherwise an object whose `services` is an object (service name → entity list) is a fixture;
/// 3. otherwise an object with a `clusters` array of `{name, members}` is a cleave plan;
/// 4. otherwise an object whose every value is a string or a whole number is a flat mapping of
///    entity to service (a number names the service by its digits).
///
/// Other keys are ignored (in the first three). An entity assigned to two services, a JSON key
/// given twice with different services, empty names and a reference that assigns nothing are
/// errors.
///
/// # Complexity
/// O(t + e log e) for a text of t bytes and e entities.
pub fn parse_reference(text: &str) -> Result<Reference, ReferenceError> {
    if text.trim().is_empty() {
        return Err(ReferenceError::Blank);
    }
    let doc: Value = serde_json::from_str(text).map_err(|e| ReferenceError::NotJson {
        line: e.line(),
        column: e.column(),
        reason: reason(&e),
    })?;
    let Value::Object(top) = &doc else {
        return Err(ReferenceError::UnknownFormat {
            found: kind(&doc).to_string(),
        });
    };
    let mut builder = Builder::default();
    let format = if let Some(assignment) = top.get("assignment") {
        expect_object(
            assignment,
            "assignment",
            "an object mapping each entity to its service",
        )?;
        if let Some(services) = top.get("services") {
            names(services, &mut builder)?;
        }
        // Read again key by key: a map would silently keep the last of two equal keys.
        for (entity, service) in pairs(text, Field::Assignment)? {
            let path = format!("assignment[{}]", quoted(&entity));
            let Value::String(service) = service else {
                return Err(ReferenceError::Malformed {
                    path,
                    found: kind(&service).to_string(),
                    expected: "give the name of its service as a string, or leave the entity out to leave it unscored".to_string(),
                });
            };
            builder.assign(entity, &service, &path)?;
        }
        ReferenceFormat::Assignment
    } else if let Some(Value::Object(_)) = top.get("services") {
        for (service, members) in pairs(text, Field::Services)? {
            let path = format!("services[{}]", quoted(&service));
            builder.service(&service, &path)?;
            for (i, entity) in strings(&members, &path, "a list of node ids")? {
                builder.assign(entity, &service, &format!("{path}[{i}]"))?;
            }
        }
        ReferenceFormat::Services
    } else if let Some(clusters) = top.get("clusters") {
        let Value::Array(clusters) = clusters else {
            return Err(malformed("clusters", clusters, "a list of services"));
        };
        for (c, cluster) in clusters.iter().enumerate() {
            let path = format!("clusters[{c}]");
            let name = match (cluster.get("name"), cluster.get("id")) {
                (Some(Value::String(name)), _) | (None, Some(Value::String(name))) => name,
                (Some(other), _) => {
                    return Err(malformed(&format!("{path}.name"), other, "a service name"));
                }
                (None, _) => {
                    return Err(ReferenceError::Malformed {
                        path,
                        found: format!("{} without a `name`", kind(cluster)),
                        expected: "give each cluster a `name` and its `members`".to_string(),
                    });
                }
            };
            let name_path = format!("{path}.name");
            if builder.services.contains(name.as_str()) {
                return Err(ReferenceError::DuplicateService { name: name.clone() });
            }
            builder.service(name, &name_path)?;
            let members_path = format!("{path}.members");
            let members = cluster.get("members").unwrap_or(&Value::Null);
            for (i, entity) in strings(members, &members_path, "a list of node ids")? {
                builder.assign(entity, name, &format!("{members_path}[{i}]"))?;
            }
        }
        ReferenceFormat::Plan
    } else if !top.is_empty() && top.values().all(service_name_value) {
        // Read again key by key: a map would silently keep the last of two equal keys.
        let entries = serde_json::from_str::<Entries>(text)
            .map_err(|e| malformed_entries("the mapping", "the mapping", &e))?;
        for (entity, service) in entries.0 {
            let path = format!("[{}]", quoted(&entity));
            let name = match service {
                Value::String(name) => name,
                other => other.to_string(),
            };
            builder.assign(entity, &name, &path)?;
        }
        ReferenceFormat::Mapping
    } else {
        return Err(ReferenceError::UnknownFormat {
            found: describe_object(top),
        });
    };
    if builder.assignment.is_empty() {
        return Err(ReferenceError::NoEntity {
            hint: match format {
                ReferenceFormat::Assignment => {
                    "add entries such as \"Class.method\": \"service\" to `assignment`"
                }
                ReferenceFormat::Services => "list node ids under at least one service",
                ReferenceFormat::Plan => "give a plan whose clusters have members",
                ReferenceFormat::Mapping => "map at least one entity to a service",
            },
        });
    }
    Ok(Reference {
        format,
        services: builder.services.into_iter().collect(),
        assignment: builder.assignment,
    })
}

/// Services and assignment as they are read, checking names and double assignments.
#[derive(Default)]
struct Builder {
    services: BTreeSet<String>,
    assignment: BTreeMap<String, String>,
}

impl Builder {
    fn service(&mut self, name: &str, path: &str) -> Result<(), ReferenceError> {
        if name.trim().is_empty() {
            return Err(ReferenceError::Malformed {
                path: path.to_string(),
                found: "an empty name".to_string(),
                expected: "give the service a name".to_string(),
            });
        }
        self.services.insert(name.to_string());
        Ok(())
    }

    fn assign(&mut self, entity: String, service: &str, path: &str) -> Result<(), ReferenceError> {
        if entity.trim().is_empty() {
            return Err(ReferenceError::Malformed {
                path: path.to_string(),
                found: "an empty entity".to_string(),
                expected: "give a node id or its tail such as `Class.method`".to_string(),
            });
        }
        self.service(service, path)?;
        match self.assignment.get(&entity) {
            Some(first) if first != service => Err(ReferenceError::AssignedTwice {
                entity,
                first: first.clone(),
                second: service.to_string(),
            }),
            Some(_) => Ok(()),
            None => {
                self.assignment.insert(entity, service.to_string());
                Ok(())
            }
        }
    }
}

/// Adds the names of an expert assignment's `services` list.
fn names(services: &Value, builder: &mut Builder) -> Result<(), ReferenceError> {
    for (i, name) in strings(services, "services", "a list of service names")? {
        builder.service(&name, &format!("services[{i}]"))?;
    }
    Ok(())
}

/// The strings of a JSON array with their positions; anything else is an error naming `path`.
fn strings(
    value: &Value,
    path: &str,
    expected: &str,
) -> Result<Vec<(usize, String)>, ReferenceError> {
    let Value::Array(items) = value else {
        return Err(malformed(path, value, expected));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(s) => Ok((i, s.clone())),
            other => Err(malformed(&format!("{path}[{i}]"), other, "a string")),
        })
        .collect()
}

fn expect_object(value: &Value, path: &str, expected: &str) -> Result<(), ReferenceError> {
    match value {
        Value::Object(_) => Ok(()),
        other => Err(malformed(path, other, expected)),
    }
}

fn malformed(path: &str, found: &Value, expected: &str) -> ReferenceError {
    ReferenceError::Malformed {
        path: path.to_string(),
        found: kind(found).to_string(),
        expected: format!("expected {expected}"),
    }
}

/// The kind of a JSON value, with its article.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(s) if s.is_empty() => "an empty string",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string as a JSON literal, for paths and messages.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// The parser's message without its own ` at line L column C` tail.
fn reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// The entries of the top-level object `field` of `text` in file order, equal keys kept (a map
/// would silently keep the last). The caller has checked that the field is an object.
fn pairs(text: &str, field: Field) -> Result<Vec<(String, Value)>, ReferenceError> {
    let read = match field {
        Field::Assignment => serde_json::from_str::<AssignmentField>(text).map(|f| f.assignment),
        Field::Services => serde_json::from_str::<ServicesField>(text).map(|f| f.services),
    };
    read.map(|entries| entries.0)
        .map_err(|e| malformed_entries(field.name(), &format!("`{}`", field.name()), &e))
}

/// An object that could not be read again key by key, at `path`, named `what` in the fix.
fn malformed_entries(path: &str, what: &str, e: &serde_json::Error) -> ReferenceError {
    ReferenceError::Malformed {
        path: path.to_string(),
        found: format!(
            "unreadable key by key ({} at line {}, column {})",
            reason(e),
            e.line(),
            e.column()
        ),
        expected: format!("give {what} once, as one object"),
    }
}

/// Whether a flat mapping's value names a service: a string, or a whole number.
fn service_name_value(value: &Value) -> bool {
    match value {
        Value::String(_) => true,
        Value::Number(n) => n.is_u64() || n.is_i64(),
        _ => false,
    }
}

/// An unrecognised object for its error message: its first few keys, each cut short, and how
/// many more there are (a reference is untrusted: its keys can be many and long).
fn describe_object(top: &serde_json::Map<String, Value>) -> String {
    if top.is_empty() {
        return "an empty object".to_string();
    }
    let shown: Vec<String> = top
        .keys()
        .take(KEYS_SHOWN)
        .map(|k| {
            if k.chars().count() > KEY_CHARS {
                let cut: String = k.chars().take(KEY_CHARS).collect();
                format!("{}…", quoted(&cut))
            } else {
                quoted(k)
            }
        })
        .collect();
    let more = top.len().saturating_sub(KEYS_SHOWN);
    let mut found = format!("an object with keys {}", shown.join(", "));
    if more > 0 {
        found.push_str(&format!(" and {more} more"));
    }
    // Say why a mapping-like object is none: a value that names no service.
    if let Some((key, value)) = top.iter().find(|(_, v)| !service_name_value(v)) {
        let key: String = key.chars().take(KEY_CHARS).collect();
        let what = match value {
            Value::Number(_) => "a number that is not whole",
            other => kind(other),
        };
        found.push_str(&format!(
            " (not a flat mapping: {} is {what})",
            quoted(&key)
        ));
    }
    found
}

/// The top-level objects read key by key.
#[derive(Clone, Copy)]
enum Field {
    Assignment,
    Services,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Assignment => "assignment",
            Field::Services => "services",
        }
    }
}

#[derive(Deserialize)]
struct AssignmentField {
    assignment: Entries,
}

#[derive(Deserialize)]
struct ServicesField {
    services: Entries,
}

/// A JSON object's entries in order, equal keys kept.
struct Entries(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntriesVisitor)
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Entries;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
        let mut out = Vec::new();
        while let Some(entry) = map.next_entry::<String, Value>()? {
            out.push(entry);
        }
        Ok(Entries(out))
    }
}
