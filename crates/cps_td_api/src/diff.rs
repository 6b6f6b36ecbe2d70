//! What an update changes. TD's update replaces the whole attribute and behavior lists and gives
//! every entry a new server id (spec §4.2, tdx), so entries are matched by name: a rename is a
//! removal plus an addition, and a removal breaks every segment rule that used the entry.

use serde_json::{Map, Value};

/// Keys the server adds; never part of a difference.
const SERVER_KEYS: &[&str] = &["id", "createdAt", "updatedAt", "created_at", "updated_at"];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Entry name and the keys whose values differ.
    pub changed: Vec<(String, Vec<String>)>,
    pub unchanged: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Top-level and `master` keys whose values differ (`description`, `master.table`).
    pub fields: Vec<String>,
    pub attributes: ListDiff,
    pub behaviors: ListDiff,
}

impl Diff {
    /// `existing` is the stored segment (as TD returns it), `new` the body about to be sent.
    pub fn between(existing: &Value, new: &Value) -> Diff {
        let mut fields = Vec::new();
        for key in ["description", "timezone", "kind", "isComposable"] {
            if existing.get(key) != new.get(key) {
                fields.push(key.to_string());
            }
        }
        let empty = Map::new();
        let obj = |v: Option<&Value>| v.and_then(Value::as_object).unwrap_or(&empty).clone();
        for k in changed_keys(&obj(existing.get("master")), &obj(new.get("master"))) {
            fields.push(format!("master.{k}"));
        }
        Diff {
            fields,
            attributes: list_diff(existing.get("attributes"), new.get("attributes")),
            behaviors: list_diff(existing.get("behaviors"), new.get("behaviors")),
        }
    }

    pub fn removals(&self) -> Vec<String> {
        let a = self
            .attributes
            .removed
            .iter()
            .map(|n| format!("attribute “{n}”"));
        let b = self
            .behaviors
            .removed
            .iter()
            .map(|n| format!("behavior “{n}”"));
        a.chain(b).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
            && [&self.attributes, &self.behaviors]
                .iter()
                .all(|l| l.added.is_empty() && l.removed.is_empty() && l.changed.is_empty())
    }

    /// One line per change, `+`/`-`/`~` first, for a terminal or the page.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self.fields.iter().map(|f| format!("~ {f}")).collect();
        for (what, l) in [
            ("attribute", &self.attributes),
            ("behavior", &self.behaviors),
        ] {
            out.extend(l.added.iter().map(|n| format!("+ {what} “{n}”")));
            out.extend(l.removed.iter().map(|n| format!("- {what} “{n}”")));
            out.extend(
                l.changed
                    .iter()
                    .map(|(n, keys)| format!("~ {what} “{n}”: {}", keys.join(", "))),
            );
        }
        out
    }
}

fn changed_keys(a: &Map<String, Value>, b: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    cps_core::sort::sort_by(&mut keys, |a, b| a.cmp(b));
    keys.dedup();
    keys.into_iter()
        .filter(|k| !SERVER_KEYS.contains(&k.as_str()))
        .filter(|k| strip(a.get(*k)) != strip(b.get(*k)))
        .cloned()
        .collect()
}

/// A value without server keys at any depth (column mappings carry ids too).
fn strip(v: Option<&Value>) -> Option<Value> {
    fn go(v: &Value) -> Value {
        match v {
            Value::Object(o) => Value::Object(
                o.iter()
                    .filter(|(k, _)| !SERVER_KEYS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), go(v)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(go).collect()),
            other => other.clone(),
        }
    }
    v.map(go)
}

fn list_diff(existing: Option<&Value>, new: Option<&Value>) -> ListDiff {
    let items = |v: Option<&Value>| -> Vec<(String, Map<String, Value>)> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| {
                        let o = x.as_object()?;
                        Some((o.get("name")?.as_str()?.to_string(), o.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (old, new) = (items(existing), items(new));
    let mut d = ListDiff::default();
    for (name, o) in &new {
        match old.iter().find(|(n, _)| n == name) {
            None => d.added.push(name.clone()),
            Some((_, before)) => {
                let keys = changed_keys(before, o);
                if keys.is_empty() {
                    d.unchanged += 1;
                } else {
                    d.changed.push((name.clone(), keys));
                }
            }
        }
    }
    d.removed = old
        .iter()
        .filter(|(n, _)| !new.iter().any(|(m, _)| m == n))
        .map(|(n, _)| n.clone())
        .collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renames_are_removal_plus_addition_and_server_keys_are_ignored() {
        let existing = json!({
            "id": "9", "name": "R", "description": "old", "timezone": "UTC",
            "master": {"schema": "S", "table": "C", "keyColumn": "ID", "id": "3"},
            "attributes": [
                {"id": "1", "name": "Email", "type": "string", "column": "EMAIL", "createdAt": "x"},
                {"id": "2", "name": "Age", "type": "number", "column": "AGE"}
            ],
            "behaviors": [{"id": "4", "name": "Orders", "columnMapping": [{"id": "5", "name": "a", "type": "string", "cdwColumn": "A"}]}]
        });
        let new = json!({
            "name": "R", "description": "new", "timezone": "UTC",
            "master": {"schema": "S", "table": "C", "keyColumn": "ID"},
            "attributes": [
                {"name": "Email", "type": "string", "column": "EMAIL"},
                {"name": "Years", "type": "number", "column": "AGE"}
            ],
            "behaviors": [{"name": "Orders", "columnMapping": [{"name": "a", "type": "number", "cdwColumn": "A"}]}]
        });
        let d = Diff::between(&existing, &new);
        assert_eq!(d.fields, ["description"]);
        assert_eq!(d.attributes.added, ["Years"]);
        assert_eq!(d.attributes.removed, ["Age"]);
        assert_eq!(d.attributes.unchanged, 1);
        assert_eq!(
            d.behaviors.changed,
            [("Orders".to_string(), vec!["columnMapping".to_string()])]
        );
        assert_eq!(d.removals(), ["attribute “Age”"]);
        assert!(d.lines().contains(&"- attribute “Age”".to_string()));
        assert!(Diff::between(&existing, &existing).is_empty());
    }
}
