//! One SCIP document → a compact summary: its function definitions with the range each encloses,
//! the references inside each, route decorators and registrations, and the symbol facts the
//! graph needs (kinds, implementations, documented decorators). The document itself is dropped
//! as soon as it is summarised, so memory follows the summaries, not the index.

use scip::types::{Document, Occurrence, SymbolRole, occurrence};

use super::Symbols;
use super::symbols::{documented_trigger, kind_is_function};

/// A function or method defined in a document.
#[derive(Debug, Clone)]
pub(crate) struct Def {
    /// The defined symbol.
    pub(crate) sym: u32,
    /// 0-based line of the definition's name.
    pub(crate) line: u32,
    /// The range it encloses was estimated (up to the next definition): the indexer gave none.
    pub(crate) estimated: bool,
}

/// A reference to a global symbol inside a definition's range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ref {
    /// Index of the enclosing definition in [`Summary::defs`].
    pub(crate) def: u32,
    /// The referenced symbol.
    pub(crate) sym: u32,
}

/// What the graph needs of one document.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    /// Path relative to the project root.
    pub(crate) path: String,
    /// Language, declared or guessed from the extension.
    pub(crate) language: String,
    /// Function and method definitions, in the document's order.
    pub(crate) defs: Vec<Def>,
    /// References to global symbols inside a definition.
    pub(crate) refs: Vec<Ref>,
    /// References to methods outside every definition (module-level code): not edges.
    pub(crate) outside: usize,
    /// Occurrences whose range is malformed (skipped).
    pub(crate) bad_ranges: usize,
    /// `(function symbol, trigger)` from route decorators and registrations.
    pub(crate) triggers: Vec<(u32, &'static str)>,
    /// `(symbol, implemented or extended symbol)` from the document's symbol information.
    pub(crate) implements: Vec<(u32, u32)>,
}

/// A position as one sortable number: line in the high half, character in the low.
type Pos = u64;

fn pos(line: i32, character: i32) -> Pos {
    ((line.max(0) as u64) << 32) | character.max(0) as u64
}

/// `[start, end)` of an occurrence's range (typed or the packed `repeated int32`), or `None`
/// when malformed: not 3 or 4 numbers, negative, or ending before it starts.
fn span(packed: &[i32], typed: Option<&occurrence::Typed_range>) -> Option<(Pos, Pos)> {
    let (sl, sc, el, ec) = match typed {
        Some(occurrence::Typed_range::SingleLineRange(r)) => {
            (r.line, r.start_character, r.line, r.end_character)
        }
        Some(occurrence::Typed_range::MultiLineRange(r)) => {
            (r.start_line, r.start_character, r.end_line, r.end_character)
        }
        _ => packed_span(packed)?,
    };
    checked(sl, sc, el, ec)
}

/// The enclosing range, typed or packed; `None` when absent or malformed.
fn enclosing(o: &Occurrence) -> Option<(Pos, Pos)> {
    let (sl, sc, el, ec) = match &o.typed_enclosing_range {
        Some(occurrence::Typed_enclosing_range::SingleLineEnclosingRange(r)) => {
            (r.line, r.start_character, r.line, r.end_character)
        }
        Some(occurrence::Typed_enclosing_range::MultiLineEnclosingRange(r)) => {
            (r.start_line, r.start_character, r.end_line, r.end_character)
        }
        _ => packed_span(&o.enclosing_range)?,
    };
    checked(sl, sc, el, ec)
}

fn packed_span(r: &[i32]) -> Option<(i32, i32, i32, i32)> {
    match *r {
        [sl, sc, ec] => Some((sl, sc, sl, ec)),
        [sl, sc, el, ec] => Some((sl, sc, el, ec)),
        _ => None,
    }
}

fn checked(sl: i32, sc: i32, el: i32, ec: i32) -> Option<(Pos, Pos)> {
    if sl < 0 || sc < 0 || el < 0 || ec < 0 {
        return None;
    }
    let (start, end) = (pos(sl, sc), pos(el, ec));
    (end >= start).then_some((start, end))
}

fn has_role(o: &Occurrence, role: SymbolRole) -> bool {
    o.symbol_roles & role as i32 != 0
}

/// An occurrence of a global symbol, decoded.
struct Occ {
    start: Pos,
    sym: u32,
    definition: bool,
}

/// How many lines above a definition an annotation may stand when the indexer gives no
/// enclosing range (a decorator stack, an annotation per line).
const ANNOTATION_LINES: u64 = 3;

/// Summarises one document.
///
/// # Complexity
/// O(n log n) in the document's occurrences (one sort, one sweep).
pub(crate) fn summarize(doc: &Document, symbols: &mut Symbols) -> Summary {
    let mut out = Summary {
        path: doc.relative_path.clone(),
        language: super::symbols::language(&doc.language, &doc.relative_path),
        ..Summary::default()
    };
    // Symbol facts: which symbols the document says are functions, what they implement, and
    // the decorators their documentation shows.
    let mut declared_function = rustc_hash::FxHashMap::default();
    for info in &doc.symbols {
        let Some(sym) = symbols.intern(&info.symbol) else {
            continue;
        };
        if let Ok(kind) = info.kind.enum_value()
            && let Some(f) = kind_is_function(kind)
        {
            declared_function.insert(sym, f);
        }
        for r in &info.relationships {
            if r.is_implementation
                && let Some(target) = symbols.intern(&r.symbol)
            {
                out.implements.push((sym, target));
            }
        }
        if let Some(t) = documented_trigger(&info.documentation) {
            symbols.documented.insert(sym, t);
        }
    }
    // Occurrences of global symbols, with definitions' enclosing ranges.
    let mut occs: Vec<Occ> = Vec::with_capacity(doc.occurrences.len());
    let mut ranges: Vec<(Pos, Pos, u32, bool)> = Vec::new(); // start, end, def index, estimated
    let mut cuts: Vec<Pos> = Vec::new();
    for o in &doc.occurrences {
        let Some(sym) = symbols.intern(&o.symbol) else {
            continue;
        };
        let Some((start, _)) = span(&o.range, o.typed_range.as_ref()) else {
            out.bad_ranges += 1;
            continue;
        };
        let definition = has_role(o, SymbolRole::Definition);
        if definition {
            let parsed = symbols.parsed(sym);
            let is_function = declared_function
                .get(&sym)
                .copied()
                .unwrap_or(parsed.is_some_and(|p| p.method));
            if parsed.is_some_and(|p| p.method || p.is_type) || is_function {
                cuts.push(start);
            }
            if is_function {
                let index = out.defs.len() as u32;
                out.defs.push(Def {
                    sym,
                    line: (start >> 32) as u32,
                    estimated: false,
                });
                match enclosing(o) {
                    Some((s, e)) => ranges.push((s.min(start), e, index, false)),
                    None => ranges.push((start, Pos::MAX, index, true)),
                }
            }
        }
        if !has_role(o, SymbolRole::Import) {
            occs.push(Occ {
                start,
                sym,
                definition,
            });
        }
    }
    // Without an enclosing range, a definition reaches up to the next function or type definition.
    cuts.sort_unstable();
    for r in ranges.iter_mut().filter(|r| r.3) {
        let next = cuts.partition_point(|&c| c <= r.0);
        r.1 = cuts.get(next).copied().unwrap_or(Pos::MAX);
        out.defs[r.2 as usize].estimated = true;
    }
    occs.sort_by_key(|o| o.start);
    ranges.sort_by_key(|r| (r.0, std::cmp::Reverse(r.1)));
    attribute(&occs, &ranges, symbols, &mut out);
    triggers(&occs, &ranges, symbols, &mut out);
    out
}

/// Attributes each reference to the innermost definition whose range holds it, by one sweep
/// over references and ranges sorted by start.
fn attribute(occs: &[Occ], ranges: &[(Pos, Pos, u32, bool)], symbols: &Symbols, out: &mut Summary) {
    let mut stack: Vec<(Pos, u32)> = Vec::new(); // end, def index
    let mut next = 0;
    for o in occs {
        while next < ranges.len() && ranges[next].0 <= o.start {
            stack.push((ranges[next].1, ranges[next].2));
            next += 1;
        }
        while stack.last().is_some_and(|&(end, _)| end <= o.start) {
            stack.pop();
        }
        if o.definition {
            continue;
        }
        // A range that ended under a longer one still open is skipped over.
        let inner = stack.iter().rev().find(|&&(end, _)| end > o.start);
        match inner {
            Some(&(_, def)) => out.refs.push(Ref { def, sym: o.sym }),
            None => {
                if symbols.parsed(o.sym).is_some_and(|p| p.method) {
                    out.outside += 1;
                }
            }
        }
    }
}

/// Route decorators, annotations and registrations: which function each marks.
///
/// - a registration (`app.get("/x", handler)`): the first method referenced after the route
///   symbol on the same line;
/// - a decorator or annotation inside a definition's range, before its name (`@app.route`);
/// - without enclosing ranges, the next definition within [`ANNOTATION_LINES`] lines.
fn triggers(occs: &[Occ], ranges: &[(Pos, Pos, u32, bool)], symbols: &Symbols, out: &mut Summary) {
    let mut index = rustc_hash::FxHashMap::default();
    for (i, d) in out.defs.iter().enumerate() {
        index.entry(d.sym).or_insert(i as u32);
    }
    let def_starts: Vec<(Pos, u32)> = {
        let mut v: Vec<(Pos, u32)> = occs
            .iter()
            .filter(|o| o.definition)
            .filter_map(|o| index.get(&o.sym).map(|&i| (o.start, i)))
            .collect();
        v.sort_unstable();
        v
    };
    for (i, o) in occs.iter().enumerate() {
        if o.definition {
            continue;
        }
        let Some(trigger) = symbols.trigger(o.sym) else {
            continue;
        };
        let line = o.start >> 32;
        // A registration: a method referenced later on the same line.
        let registered = occs[i + 1..]
            .iter()
            .take_while(|n| n.start >> 32 == line)
            .find(|n| {
                !n.definition
                    && symbols.trigger(n.sym).is_none()
                    && symbols.parsed(n.sym).is_some_and(|p| p.method)
            });
        if let Some(target) = registered {
            out.triggers.push((target.sym, trigger));
            continue;
        }
        // A decorator inside the range of the definition it decorates, before the name.
        let decorated = ranges
            .iter()
            .filter(|r| !r.3 && r.0 <= o.start && o.start < r.1)
            .filter(|r| def_starts.iter().any(|&(at, d)| d == r.2 && at > o.start))
            .min_by_key(|r| r.1 - r.0);
        if let Some(r) = decorated {
            out.triggers.push((out.defs[r.2 as usize].sym, trigger));
            continue;
        }
        // An annotation just above a definition of estimated range.
        let after = def_starts.partition_point(|&(at, _)| at <= o.start);
        if let Some(&(at, d)) = def_starts.get(after)
            && (at >> 32) - line <= ANNOTATION_LINES
            && out.defs[d as usize].estimated
        {
            out.triggers.push((out.defs[d as usize].sym, trigger));
        }
    }
}
