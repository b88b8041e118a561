use serde_json::{Map, Value};

/// Checks that `expected` is a subset of `actual`: objects compare only the keys listed in
/// `expected` (a `null` there means absent-or-null), arrays must have the same length and
/// match element by element, scalars must be equal.
pub fn json_subset(expected: &Value, actual: &Value, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Null, Value::Null) => Ok(()),
        (Value::Object(e), Value::Object(a)) => {
            for (key, ev) in e {
                let sub = format!("{path}.{key}");
                match (ev, a.get(key)) {
                    (Value::Null, None | Some(Value::Null)) => {}
                    (_, None) => return Err(format!("{sub}: expected {ev}, missing")),
                    (_, Some(av)) => json_subset(ev, av, &sub)?,
                }
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!(
                    "{path}: expected {} element(s), got {}: {actual}",
                    e.len(),
                    a.len()
                ));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                json_subset(ev, av, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        // YAML authors write numbers and strings loosely ("True" vs true is not equal, 1 vs 1.0 is).
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => Ok(()),
        _ if expected == actual => Ok(()),
        _ => Err(format!("{path}: expected {expected}, got {actual}")),
    }
}

fn by_key(items: &Value, key: &str) -> Value {
    let mut map = Map::new();
    if let Value::Array(items) = items {
        for item in items {
            if let Some(k) = item.get(key).and_then(Value::as_str) {
                map.insert(k.to_owned(), normalize(item));
            }
        }
    }
    Value::Object(map)
}

fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let v = match k.as_str() {
                        "conditions" => by_key(v, "type"),
                        "listeners" => by_key(v, "name"),
                        _ => normalize(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

/// The compiler's `--status` array in the corpus' shape: conditions keyed by type,
/// listeners keyed by name, `status` fields lifted beside kind/namespace/name.
pub fn normalize_status(status: &Value) -> Vec<Value> {
    let Value::Array(items) = status else {
        return Vec::new();
    };
    items
        .iter()
        .map(|item| {
            let mut out = Map::new();
            for key in ["kind", "namespace", "name"] {
                if let Some(v) = item.get(key) {
                    out.insert(key.to_owned(), v.clone());
                }
            }
            if let Some(Value::Object(status)) = item.get("status").map(normalize) {
                out.extend(status);
            }
            Value::Object(out)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn subset_rules() {
        let actual = json!({"a": 1, "b": {"c": [1, 2]}, "d": null});
        assert!(json_subset(&json!({"a": 1}), &actual, "$").is_ok());
        assert!(json_subset(&json!({"b": {"c": [1, 2]}}), &actual, "$").is_ok());
        assert!(json_subset(&json!({"b": {"c": [1]}}), &actual, "$").is_err());
        assert!(json_subset(&json!({"x": null, "d": null}), &actual, "$").is_ok());
        assert!(json_subset(&json!({"a": 2}), &actual, "$").is_err());
        assert!(json_subset(&json!({"x": 1}), &actual, "$").is_err());
    }

    #[test]
    fn status_is_keyed_by_type_and_name() {
        let status = json!([{"kind": "Gateway", "namespace": "n", "name": "g", "status": {
            "conditions": [{"type": "Accepted", "status": "True"}],
            "listeners": [{"name": "http", "attachedRoutes": 1,
                           "conditions": [{"type": "Programmed", "status": "True"}]}]}}]);
        let n = normalize_status(&status);
        assert_eq!(n[0]["conditions"]["Accepted"]["status"], "True");
        assert_eq!(
            n[0]["listeners"]["http"]["conditions"]["Programmed"]["status"],
            "True"
        );
    }
}
