//! Kubernetes label selectors (`matchLabels` + `matchExpressions`), used for
//! `allowedRoutes.namespaces.selector` and MCP service selectors.

use std::collections::BTreeMap;

use crate::error::FieldError;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

/// A validated label selector. The empty selector matches every object, as in Kubernetes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LabelSelector {
    match_labels: BTreeMap<String, String>,
    requirements: Vec<Requirement>,
}

/// One `matchExpressions` entry as written.
pub(crate) struct Expression<'a> {
    pub key: &'a str,
    pub operator: &'a str,
    pub values: &'a [String],
}

impl LabelSelector {
    /// Validates the operators (`In`, `NotIn`, `Exists`, `DoesNotExist`) and their values;
    /// `field` is the selector's path, for errors.
    pub(crate) fn new<'a>(
        match_labels: Option<&BTreeMap<String, String>>,
        expressions: impl IntoIterator<Item = Expression<'a>>,
        field: &str,
    ) -> Result<Self, FieldError> {
        let mut requirements = Vec::new();
        for (i, e) in expressions.into_iter().enumerate() {
            let at = format!("{field}.matchExpressions[{i}]");
            let operator = match e.operator {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(FieldError::new(
                        format!("{at}.operator"),
                        format!(
                            "unknown operator {other:?}, expected one of In, NotIn, Exists, DoesNotExist"
                        ),
                    ));
                }
            };
            let needs_values = matches!(operator, Operator::In | Operator::NotIn);
            if needs_values == e.values.is_empty() {
                let message = if needs_values {
                    "values must be non-empty for In and NotIn"
                } else {
                    "values must be empty for Exists and DoesNotExist"
                };
                return Err(FieldError::new(format!("{at}.values"), message));
            }
            requirements.push(Requirement {
                key: e.key.to_owned(),
                operator,
                values: e.values.to_vec(),
            });
        }
        Ok(Self {
            match_labels: match_labels.cloned().unwrap_or_default(),
            requirements,
        })
    }

    pub(crate) fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.requirements.iter().all(|r| {
                let value = labels.get(&r.key);
                match r.operator {
                    Operator::In => value.is_some_and(|v| r.values.contains(v)),
                    Operator::NotIn => value.is_none_or(|v| !r.values.contains(v)),
                    Operator::Exists => value.is_some(),
                    Operator::DoesNotExist => value.is_none(),
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn expr<'a>(key: &'a str, operator: &'a str, values: &'a [String]) -> Expression<'a> {
        Expression {
            key,
            operator,
            values,
        }
    }

    #[test]
    fn match_labels_and_expressions_are_anded() {
        let prod = vec!["prod".to_owned(), "staging".to_owned()];
        let selector = LabelSelector::new(
            Some(&labels(&[("team", "a")])),
            [
                expr("env", "In", &prod),
                expr("legacy", "DoesNotExist", &[]),
            ],
            "sel",
        )
        .unwrap();
        assert!(selector.matches(&labels(&[("team", "a"), ("env", "prod")])));
        assert!(!selector.matches(&labels(&[("team", "b"), ("env", "prod")])));
        assert!(!selector.matches(&labels(&[("team", "a"), ("env", "dev")])));
        assert!(!selector.matches(&labels(&[("team", "a"), ("env", "prod"), ("legacy", "")])));
    }

    #[test]
    fn not_in_matches_absent_keys_and_empty_matches_all() {
        let dev = vec!["dev".to_owned()];
        let selector = LabelSelector::new(None, [expr("env", "NotIn", &dev)], "sel").unwrap();
        assert!(selector.matches(&labels(&[])));
        assert!(!selector.matches(&labels(&[("env", "dev")])));
        assert!(LabelSelector::default().matches(&labels(&[("x", "y")])));
    }

    #[test]
    fn invalid_operators_and_values_name_the_field() {
        let err = LabelSelector::new(None, [expr("env", "Equals", &[])], "spec.sel").unwrap_err();
        assert_eq!(err.field, "spec.sel.matchExpressions[0].operator");
        let err = LabelSelector::new(None, [expr("env", "In", &[])], "spec.sel").unwrap_err();
        assert_eq!(err.field, "spec.sel.matchExpressions[0].values");
    }
}
