//! Node ids of a file being read: their order by id, and a hash table from id to position in
//! that order, built for the millions of lookups that resolving edge endpoints takes.
//!
//! The table is one array of `u32` slots, each holding a position and a few bits of the hash;
//! the ids it compares against sit back to back, in id order, in one byte arena. Against a map
//! keyed by strings that point into the input text, a lookup touches one slot and, as calls
//! mostly go to nearby ids, an already cached part of the arena, instead of several random
//! places in hundreds of megabytes.

use rayon::prelude::*;

/// The ids of one stretch of the `nodes` array, in file order, with their hashes.
pub(super) struct IdRun {
    /// The ids back to back.
    bytes: String,
    /// Where each id ends in `bytes`.
    ends: Vec<usize>,
    /// The [`hash_id`] of each id.
    hashes: Vec<u64>,
}

impl IdRun {
    /// No ids yet, with room for those of a piece of `bytes` bytes.
    pub(super) fn with_capacity(bytes: usize) -> IdRun {
        // Ids usually take at most a third of the text, nodes at least 40 bytes.
        IdRun {
            bytes: String::with_capacity(bytes / 3),
            ends: Vec::with_capacity(bytes / 40),
            hashes: Vec::with_capacity(bytes / 40),
        }
    }

    /// Appends one id.
    pub(super) fn push(&mut self, id: &str) {
        self.bytes.push_str(id);
        self.ends.push(self.bytes.len());
        self.hashes.push(hash_id(id.as_bytes()));
    }
}

/// Ids back to back: `starts[i]..starts[i + 1]` is the `i`-th.
struct Arena {
    bytes: String,
    starts: Vec<u32>,
}

impl Arena {
    /// The `i`-th id.
    fn get(&self, i: u32) -> &str {
        &self.bytes[self.starts[i as usize] as usize..self.starts[i as usize + 1] as usize]
    }

    /// The bytes of the `i`-th id (whose order is the order of the ids as strings).
    fn bytes(&self, i: u32) -> &[u8] {
        let bytes = self.bytes.as_bytes();
        &bytes[self.starts[i as usize] as usize..self.starts[i as usize + 1] as usize]
    }

    /// The `i`-th id, if there is one.
    fn try_get(&self, i: u32) -> Option<&[u8]> {
        let start = *self.starts.get(i as usize)?;
        let end = *self.starts.get(i as usize + 1)?;
        self.bytes.as_bytes().get(start as usize..end as usize)
    }
}

/// The ids of a file in id order, and where each was in the file: what building the graph
/// takes once the edges are resolved.
pub(super) struct SortedIds {
    /// The ids in id order.
    ids: Arena,
    /// Position in id order → position in the file.
    order: Vec<u32>,
}

impl SortedIds {
    /// Number of ids.
    pub(super) fn len(&self) -> usize {
        self.order.len()
    }

    /// The id at position `pos` in id order.
    pub(super) fn id(&self, pos: usize) -> &str {
        self.ids.get(pos as u32)
    }

    /// Where the id at position `pos` in id order was in the file.
    pub(super) fn file_position(&self, pos: usize) -> usize {
        self.order[pos] as usize
    }
}

/// Entries of the memo of [`Lookups`].
const MEMO: usize = 1 << 12;

/// What one reader keeps from a batch of lookups to the next: the last lookups, by hash (ids
/// that come back soon, as calls mostly stay among nearby nodes, are found without touching the
/// table, and their ids are likely still in cache), and the buffers of the passes.
pub(super) struct Lookups {
    /// `(hash, position + 1)`, or `(_, 0)` when empty.
    memo: Vec<(u64, u32)>,
    /// The hash of each id.
    hashes: Vec<u64>,
    /// The memo's position (`Ok`), or else the first slot (`Err`).
    first: Vec<Result<u32, u32>>,
    /// The position whose id is compared, `u32::MAX` for none.
    candidates: Vec<u32>,
    /// Where that id starts in the arena.
    starts: Vec<u32>,
    /// Its first byte.
    first_bytes: Vec<u8>,
}

impl Default for Lookups {
    fn default() -> Lookups {
        Lookups {
            memo: vec![(0, 0); MEMO],
            hashes: Vec::new(),
            first: Vec::new(),
            candidates: Vec::new(),
            starts: Vec::new(),
            first_bytes: Vec::new(),
        }
    }
}

/// Every node id of a file, by position in id order.
pub(super) struct IdIndex {
    /// The ids in id order.
    ids: Arena,
    /// Open addressing with linear probing, at most half full: 0 for an empty slot, else a
    /// position in id order plus one in the low `pos_bits` bits and the top bits of the id's
    /// hash above them.
    slots: Vec<u32>,
    /// Bits of a slot that hold the position.
    pos_bits: u32,
    /// Position in id order → position in the file.
    order: Vec<u32>,
}

impl IdIndex {
    /// Indexes the ids of the runs, taken in order; `None` when there are none, when two nodes
    /// share an id, when there are more than `u32::MAX - 1` (more than the graph can hold) or
    /// they take more than `u32::MAX` bytes.
    ///
    /// # Complexity
    /// O(V log V) key comparisons for the sort (in parallel; see [`sort_by_id`]), O(V)
    /// expected for the rest.
    pub(super) fn new(runs: Vec<IdRun>) -> Option<IdIndex> {
        let count: usize = runs.iter().map(|r| r.ends.len()).sum();
        let count32 = u32::try_from(count)
            .ok()
            .filter(|&c| c > 0 && c < u32::MAX)?;
        let bytes: usize = runs.iter().map(|r| r.bytes.len()).sum();
        u32::try_from(bytes).ok()?;
        let mut file = Arena {
            bytes: String::with_capacity(bytes),
            starts: Vec::with_capacity(count + 1),
        };
        let mut hashes = Vec::with_capacity(count);
        file.starts.push(0);
        for run in runs {
            let base = file.bytes.len();
            file.bytes.push_str(&run.bytes);
            file.starts
                .extend(run.ends.iter().map(|end| (base + end) as u32));
            hashes.extend_from_slice(&run.hashes);
        }

        let mut keyed: Vec<(u64, u32)> = (0..count32)
            .into_par_iter()
            .map(|i| (key(file.bytes(i), 0), i))
            .collect();
        sort_by_id(&file, &mut keyed, 0);
        // Equal ids have equal keys at every depth, so they end up side by side with the same
        // key; only neighbours with the same key are compared whole.
        if keyed
            .par_windows(2)
            .any(|w| w[0].0 == w[1].0 && file.bytes(w[0].1) == file.bytes(w[1].1))
        {
            return None;
        }
        let order: Vec<u32> = keyed.into_par_iter().map(|(_, i)| i).collect();
        // The sorted ids and the table are filled at the same time, in memory allocated by this
        // thread, like everything that outlives the parse.
        let mut ids = Arena {
            bytes: String::with_capacity(file.bytes.len()),
            starts: Vec::with_capacity(count + 1),
        };
        let pos_bits = u32::BITS - count32.leading_zeros();
        let mask = (count * 2).next_power_of_two() - 1;
        let mut slots = vec![0u32; mask + 1];
        rayon::join(
            || {
                ids.starts.push(0);
                for &i in &order {
                    ids.bytes.push_str(file.get(i));
                    ids.starts.push(ids.bytes.len() as u32);
                }
            },
            || {
                for (pos, &i) in (0..count32).zip(&order) {
                    let hash = hashes[i as usize];
                    let mut at = hash as usize & mask;
                    while slots[at] != 0 {
                        at = (at + 1) & mask;
                    }
                    slots[at] = slot(hash, pos_bits, pos);
                }
            },
        );
        Some(IdIndex {
            ids,
            slots,
            pos_bits,
            order,
        })
    }

    /// The positions of many ids, in order, appended to `out` (`None` for an unknown id).
    ///
    /// A lookup is a chain of dependent cache misses (its slot, where its candidate id is in
    /// the arena, the id's bytes), and lookups are independent of each other. Each link of the
    /// chain is therefore taken for every id in a pass of its own, a tight loop whose misses
    /// overlap instead of following one another. Ids in the memo of `with` skip the slot.
    ///
    /// # Complexity
    /// O(Σ |id|) expected.
    pub(super) fn positions(&self, ids: &[&str], with: &mut Lookups, out: &mut Vec<Option<u32>>) {
        let (mask, pos_mask) = (self.mask(), self.pos_mask());
        let Lookups {
            memo,
            hashes,
            first,
            candidates,
            starts,
            first_bytes,
        } = with;
        hashes.clear();
        hashes.extend(ids.iter().map(|id| hash_id(id.as_bytes())));
        first.clear();
        first.extend(hashes.iter().map(|&hash| match memo[hash as usize % MEMO] {
            (h, pos) if h == hash && pos != 0 => Ok(pos - 1),
            _ => Err(self.slots[hash as usize & mask]),
        }));
        // The candidate: the first slot of the probe run with the id's tag (its cache line is
        // loaded: runs are short), `u32::MAX` for none.
        candidates.clear();
        candidates.extend(
            hashes
                .iter()
                .zip(first.iter())
                .map(|(&hash, &first)| match first {
                    Ok(pos) => pos,
                    Err(slot) => {
                        let tag = tag(hash, self.pos_bits);
                        let (mut at, mut slot) = (hash as usize & mask, slot);
                        while slot != 0 && slot & !pos_mask != tag {
                            at = (at + 1) & mask;
                            slot = self.slots[at];
                        }
                        (slot & pos_mask).wrapping_sub(1)
                    }
                }),
        );
        // Where each candidate's id starts, then its first byte.
        starts.clear();
        starts.extend(
            candidates
                .iter()
                .map(|&pos| self.ids.starts.get(pos as usize).copied().unwrap_or(0)),
        );
        let bytes = self.ids.bytes.as_bytes();
        first_bytes.clear();
        first_bytes.extend(
            starts
                .iter()
                .map(|&start| bytes.get(start as usize).copied().unwrap_or(0)),
        );
        out.extend(ids.iter().enumerate().map(|(i, id)| {
            let (id, hash, pos) = (id.as_bytes(), hashes[i], candidates[i]);
            let found = if id.first() == Some(&first_bytes[i]) && self.ids.try_get(pos) == Some(id)
            {
                Some(pos)
            } else {
                // A tag shared by another id, an id found in the memo under the same hash, or
                // an unknown id: rare.
                self.probe(id, hash, hash as usize & mask)
            };
            if let Some(pos) = found {
                memo[hash as usize % MEMO] = (hash, pos + 1);
            }
            found
        }));
    }

    /// Looks `id` (of this hash) up from slot `at` on.
    fn probe(&self, id: &[u8], hash: u64, mut at: usize) -> Option<u32> {
        let (mask, pos_mask) = (self.mask(), self.pos_mask());
        let tag = tag(hash, self.pos_bits);
        loop {
            let found = self.slots[at];
            if found == 0 {
                return None;
            }
            if found & !pos_mask == tag {
                let pos = (found & pos_mask) - 1;
                if self.ids.bytes(pos) == id {
                    return Some(pos);
                }
            }
            at = (at + 1) & mask;
        }
    }

    /// Slot index mask (the table's size is a power of two).
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// The bits of a slot that hold a position.
    fn pos_mask(&self) -> u32 {
        u32::MAX >> (u32::BITS - self.pos_bits)
    }

    /// The ids in id order, and where they were in the file.
    pub(super) fn into_sorted(self) -> SortedIds {
        SortedIds {
            ids: self.ids,
            order: self.order,
        }
    }
}

/// Bytes of the ids compared as keys before they are compared whole: past this depth, ids that
/// share their first bytes are sorted by comparing them whole (long shared prefixes are rare,
/// and this bounds the recursion).
const KEYED_BYTES: usize = 64;

/// Sorts `keyed`, pairs of a key and a position in `file` whose key is [`key`]`(id, at)`, by id:
/// by key, then each run of equal keys by the next eight bytes, and so on, comparing ids whole
/// only where they share [`KEYED_BYTES`] bytes or where the key reached their end. An id is then
/// read once per eight bytes it shares with another, rather than at every comparison of a
/// comparison sort, each time somewhere else in the arena. Equal ids end up side by side, with
/// equal keys.
///
/// Ties between keys are broken by the next bytes, so the order is the ids' order whatever
/// the number of threads.
///
/// # Complexity
/// O(V log V) key comparisons, plus O(Σ shared bytes / 8) key reads.
fn sort_by_id(file: &Arena, keyed: &mut [(u64, u32)], at: usize) {
    keyed.par_sort_unstable_by_key(|&(key, _)| key);
    let next = at + 8;
    keyed
        .par_chunk_by_mut(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
        .for_each(|run| {
            if next >= KEYED_BYTES || run.iter().all(|&(_, i)| file.bytes(i).len() <= next) {
                run.sort_unstable_by(|a, b| file.bytes(a.1).cmp(file.bytes(b.1)));
            } else {
                for (key_of, i) in run.iter_mut() {
                    *key_of = key(file.bytes(*i), next);
                }
                sort_by_id(file, run, next);
            }
        });
}

/// Eight bytes of `id` from `at`, big-endian, zeros past its end. Keys of two ids at the same
/// depth, their earlier bytes equal, compare as the ids do or are equal: where one id ends and
/// the other goes on with zero bytes, equal keys hide a difference that comparing the ids
/// whole shows.
fn key(id: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    if let Some(rest) = id.get(at..) {
        let len = rest.len().min(8);
        word[..len].copy_from_slice(&rest[..len]);
    }
    u64::from_be_bytes(word)
}

/// The slot of position `pos`: `pos + 1` under the [`tag`] of `hash`.
fn slot(hash: u64, pos_bits: u32, pos: u32) -> u32 {
    tag(hash, pos_bits) | (pos + 1)
}

/// The top `32 - pos_bits` bits of `hash`, above the low `pos_bits` bits of a slot.
fn tag(hash: u64, pos_bits: u32) -> u32 {
    let tag_bits = u32::BITS - pos_bits;
    let top = hash.checked_shr(u64::BITS - tag_bits).unwrap_or(0);
    (top << pos_bits) as u32
}

/// A hash of an id, eight bytes at a time through a folded multiply (the 128-bit product's
/// halves xored): well spread in its low bits (the table's bucket) and its high bits (the
/// table's tag), and much cheaper than SipHash on short keys. Not DoS-resistant, which does not
/// matter for a file the user chose.
fn hash_id(id: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    const L: u64 = 0xbf58_476d_1ce4_e5b9;
    let mut h = (id.len() as u64) ^ L;
    let mut chunks = id.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        h = fold(h ^ u64::from_le_bytes(word), K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0; 8];
        word[..rest.len()].copy_from_slice(rest);
        h = fold(h ^ u64::from_le_bytes(word), K);
    }
    fold(h, L)
}

/// The two halves of the 128-bit product, xored.
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

#[cfg(test)]
mod tests {
    use super::{IdIndex, IdRun, Lookups};

    /// Indexes `ids` given in runs of `per_run`.
    fn index(ids: &[String], per_run: usize) -> Option<IdIndex> {
        let runs = ids
            .chunks(per_run)
            .map(|chunk| {
                let mut run = IdRun::with_capacity(0);
                for id in chunk {
                    run.push(id);
                }
                run
            })
            .collect();
        IdIndex::new(runs)
    }

    /// Ids that the keyed sort finds hard: prefixes of one another, zero bytes where another id
    /// ends, long shared prefixes (past the keyed depth), in a scrambled order.
    fn hard_ids() -> Vec<String> {
        let long = "x".repeat(70);
        let mut ids = vec![
            String::new(),
            "a".into(),
            "a\0".into(),
            "a\0\0\0\0\0\0\0".into(),
            "a\0\0\0\0\0\0\0\0".into(),
            "a\0\0\0\0\0\0\0b".into(),
            "ab".into(),
            "abcdefgh".into(),
            "abcdefghi".into(),
            "abcdefgh\0".into(),
            "é".into(),
            long.clone(),
            format!("{long}a"),
            format!("{long}b"),
            format!("{long}\0"),
            format!("{long}{long}"),
            format!("{}y", "x".repeat(63)),
            format!("{}y", "x".repeat(64)),
            format!("{}y", "x".repeat(8)),
        ];
        for i in 0..200 {
            ids.push(format!(
                "com.example.pkg{}.Service.method{}",
                i % 7,
                i * 7919 % 200
            ));
        }
        // A fixed scramble.
        let n = ids.len();
        (0..n).map(|i| ids[i * 37 % n].clone()).collect()
    }

    #[test]
    fn ids_sort_as_strings_whatever_they_share() {
        let ids = hard_ids();
        let mut expected = ids.clone();
        expected.sort();
        for per_run in [1, 3, ids.len()] {
            let index = index(&ids, per_run).expect("unique ids");
            let mut lookups = Lookups::default();
            let mut found = Vec::new();
            let queries: Vec<&str> = expected.iter().map(String::as_str).collect();
            index.positions(&queries, &mut lookups, &mut found);
            let sorted = index.into_sorted();
            let got: Vec<&str> = (0..sorted.len()).map(|pos| sorted.id(pos)).collect();
            assert_eq!(got, expected);
            assert!(found.iter().enumerate().all(|(i, &p)| p == Some(i as u32)));
            for (pos, id) in expected.iter().enumerate() {
                assert_eq!(&ids[sorted.file_position(pos)], id);
            }
        }
    }

    #[test]
    fn a_repeated_id_is_found_however_much_it_shares() {
        let ids = hard_ids();
        for repeated in [0, 2, 4, 13, 15, 100] {
            let mut with = ids.clone();
            with.push(ids[repeated].clone());
            assert!(index(&with, 5).is_none(), "{:?} twice", ids[repeated]);
        }
    }
}
