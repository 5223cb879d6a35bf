//! One kind's objects in creation order, with the indexes that spare the requests a scan of
//! every row: by the reference the kind is looked up by (a device's user, a grant's
//! application, a user's population) and by its name (a user's username, case aside).
//!
//! Every write goes through [`Table::insert`], [`Table::update`] or [`Table::remove`], which
//! keep the indexes in step with the rows: a row that goes takes its index entries with it, so
//! memory stays bounded by the rows.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

use crate::store::{Kind, ref_id, str_field};

/// A stored row with its place in the creation order.
#[derive(Debug)]
struct Stored {
    seq: u64,
    row: Map<String, Value>,
}

/// One kind's objects, in creation order.
#[derive(Debug)]
pub(crate) struct Table {
    /// The reference field indexed (`row[field].id`), if any.
    ref_field: Option<&'static str>,
    /// The name field indexed (ASCII case aside), if any.
    name_field: Option<&'static str>,
    next_seq: u64,
    /// Creation sequence number → ID: the listing order.
    order: BTreeMap<u64, String>,
    rows: HashMap<String, Stored>,
    /// Referenced ID → the sequence numbers of the rows that reference it.
    by_ref: HashMap<String, BTreeSet<u64>>,
    /// ASCII-lower-cased name → the sequence numbers of the rows with that name.
    by_name: HashMap<String, BTreeSet<u64>>,
}

impl Table {
    /// An empty table of `kind`, indexed as [`Kind::indexed_ref`] and [`Kind::indexed_name`] say.
    pub(crate) fn new(kind: Kind) -> Self {
        Self {
            ref_field: kind.indexed_ref(),
            name_field: kind.indexed_name(),
            next_seq: 0,
            order: BTreeMap::new(),
            rows: HashMap::new(),
            by_ref: HashMap::new(),
            by_name: HashMap::new(),
        }
    }

    /// Stores `row` under `id`: a new ID goes last in the order, a known one keeps its place.
    pub(crate) fn insert(&mut self, id: String, row: Map<String, Value>) {
        if let Some(stored) = self.rows.get(&id) {
            let seq = stored.seq;
            self.unindex(seq, &id);
            if let Some(stored) = self.rows.get_mut(&id) {
                stored.row = row;
            }
            self.index(seq, &id);
            return;
        }
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        self.order.insert(seq, id.clone());
        self.rows.insert(id.clone(), Stored { seq, row });
        self.index(seq, &id);
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Map<String, Value>> {
        self.rows.get(id).map(|s| &s.row)
    }

    /// Changes the row `id` in place (the indexes follow); `None` when there is no such row.
    pub(crate) fn update<R>(&mut self, id: &str, change: impl FnOnce(&mut Map<String, Value>) -> R) -> Option<R> {
        let seq = self.rows.get(id)?.seq;
        self.unindex(seq, id);
        let result = self.rows.get_mut(id).map(|stored| change(&mut stored.row));
        self.index(seq, id);
        result
    }

    pub(crate) fn remove(&mut self, id: &str) -> Option<Map<String, Value>> {
        let seq = self.rows.get(id)?.seq;
        self.unindex(seq, id);
        self.order.remove(&seq);
        self.rows.remove(id).map(|s| s.row)
    }

    /// Every row, in creation order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Map<String, Value>> {
        self.order.values().filter_map(|id| self.get(id))
    }

    /// The name field this table indexes, if any.
    pub(crate) fn name_field(&self) -> Option<&'static str> {
        self.name_field
    }

    /// The rows whose indexed reference is exactly `id`, in creation order (none when the table
    /// indexes no reference).
    pub(crate) fn referencing<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a Map<String, Value>> + 'a {
        self.by_ref.get(id).into_iter().flatten().filter_map(|seq| self.at(*seq))
    }

    /// How many rows reference `id`.
    pub(crate) fn count_referencing(&self, id: &str) -> usize {
        self.by_ref.get(id).map_or(0, BTreeSet::len)
    }

    /// The rows whose indexed name equals `name` (ASCII case aside), in creation order (none
    /// when the table indexes no name).
    pub(crate) fn named<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Map<String, Value>> + 'a {
        self.by_name.get(&name.to_ascii_lowercase()).into_iter().flatten().filter_map(|seq| self.at(*seq))
    }

    fn at(&self, seq: u64) -> Option<&Map<String, Value>> {
        self.order.get(&seq).and_then(|id| self.get(id))
    }

    /// The index keys of the row `id`: its reference and its lower-cased name.
    fn keys(&self, id: &str) -> (Option<String>, Option<String>) {
        let Some(stored) = self.rows.get(id) else { return (None, None) };
        let reference = self.ref_field.and_then(|f| ref_id(&stored.row, f)).map(str::to_owned);
        let name = self.name_field.and_then(|f| str_field(&stored.row, f)).map(str::to_ascii_lowercase);
        (reference, name)
    }

    fn index(&mut self, seq: u64, id: &str) {
        let (reference, name) = self.keys(id);
        if let Some(key) = reference {
            self.by_ref.entry(key).or_default().insert(seq);
        }
        if let Some(key) = name {
            self.by_name.entry(key).or_default().insert(seq);
        }
    }

    fn unindex(&mut self, seq: u64, id: &str) {
        let (reference, name) = self.keys(id);
        for (index, key) in [(&mut self.by_ref, reference), (&mut self.by_name, name)] {
            let Some(key) = key else { continue };
            if let Some(seqs) = index.get_mut(&key) {
                seqs.remove(&seq);
                if seqs.is_empty() {
                    index.remove(&key);
                }
            }
        }
    }

    /// The number of index entries (for the tests: they go with their rows).
    #[cfg(test)]
    fn index_entries(&self) -> usize {
        self.by_ref.values().chain(self.by_name.values()).map(BTreeSet::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn user(id: &str, username: &str, population: &str) -> Map<String, Value> {
        row(json!({ "id": id, "username": username, "population": { "id": population } }))
    }

    fn ids<'a>(rows: impl Iterator<Item = &'a Map<String, Value>>) -> Vec<&'a str> {
        rows.filter_map(|r| str_field(r, "id")).collect()
    }

    #[test]
    fn a_username_resolves_case_aside_until_it_changes_or_goes() {
        let mut users = Table::new(Kind::User);
        users.insert("u1".into(), user("u1", "Ada", "p1"));
        users.insert("u2".into(), user("u2", "bob", "p1"));
        assert_eq!(ids(users.named("ADA")), ["u1"]);
        users.update("u1", |r| r.insert("username".into(), json!("Grace")));
        assert!(ids(users.named("ada")).is_empty());
        assert_eq!(ids(users.named("grace")), ["u1"]);
        users.remove("u1");
        assert!(ids(users.named("grace")).is_empty());
        assert_eq!(ids(users.named("BOB")), ["u2"]);
    }

    #[test]
    fn a_replaced_row_keeps_its_place_and_is_indexed_by_its_new_values() {
        let mut users = Table::new(Kind::User);
        users.insert("u1".into(), user("u1", "ada", "p1"));
        users.insert("u2".into(), user("u2", "bob", "p1"));
        users.insert("u1".into(), user("u1", "Ada2", "p2"));
        assert_eq!(ids(users.iter()), ["u1", "u2"]);
        assert!(ids(users.named("ada")).is_empty());
        assert_eq!(ids(users.named("ADA2")), ["u1"]);
        assert_eq!((users.count_referencing("p1"), users.count_referencing("p2")), (1, 1));
    }

    #[test]
    fn references_list_in_creation_order_and_follow_removal_and_reinsertion() {
        let mut devices = Table::new(Kind::Device);
        for (id, owner) in [("d1", "u1"), ("d2", "u2"), ("d3", "u1"), ("d4", "u1")] {
            devices.insert(id.into(), row(json!({ "id": id, "user": { "id": owner } })));
        }
        assert_eq!(ids(devices.referencing("u1")), ["d1", "d3", "d4"]);
        // Removal then re-insertion puts a row last, as the order of the whole table does.
        let d1 = devices.remove("d1");
        assert!(ids(devices.referencing("u1")) == ["d3", "d4"]);
        if let Some(d1) = d1 {
            devices.insert("d1".into(), d1);
        }
        assert_eq!(ids(devices.referencing("u1")), ["d3", "d4", "d1"]);
        assert_eq!(ids(devices.iter()), ["d2", "d3", "d4", "d1"]);
        assert_eq!(devices.count_referencing("u2"), 1);
        assert!(ids(devices.referencing("nobody")).is_empty());
    }

    #[test]
    fn index_entries_go_with_their_rows() {
        let mut users = Table::new(Kind::User);
        for i in 0..100 {
            let id = format!("u{i}");
            users.insert(id.clone(), user(&id, &format!("user{i}"), "p1"));
        }
        assert_eq!(users.index_entries(), 200);
        for i in 0..100 {
            users.remove(&format!("u{i}"));
        }
        assert_eq!((users.iter().count(), users.index_entries()), (0, 0));
        assert!(users.by_ref.is_empty() && users.by_name.is_empty() && users.order.is_empty());
    }

    #[test]
    fn unindexed_kinds_answer_no_lookups() {
        let mut scopes = Table::new(Kind::Resource);
        scopes.insert("r1".into(), row(json!({ "id": "r1", "name": "openid" })));
        assert!(ids(scopes.named("openid")).is_empty());
        assert_eq!((scopes.name_field, scopes.ref_field), (None, None));
    }
}
