//! ReferenceGrant: whether an object in one namespace may refer to an object in another.

use crate::inventory::Inventory;

/// The referring side: a route or Gateway.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RefFrom<'a> {
    pub group: &'a str,
    pub kind: &'a str,
    pub namespace: &'a str,
}

/// The referenced object.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RefTo<'a> {
    pub group: &'a str,
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
}

/// The core group is `""` in ReferenceGrants; accept the `core` alias people also write.
fn same_group(a: &str, b: &str) -> bool {
    fn norm(g: &str) -> &str {
        if g == "core" { "" } else { g }
    }
    norm(a) == norm(b)
}

/// Same-namespace references are always allowed; cross-namespace ones need a
/// ReferenceGrant in the target namespace whose `from` and `to` both match.
pub(crate) fn permits(inventory: &Inventory, from: RefFrom<'_>, to: RefTo<'_>) -> bool {
    if from.namespace == to.namespace {
        return true;
    }
    inventory
        .reference_grants
        .range((to.namespace.to_owned(), String::new())..)
        .take_while(|((ns, _), _)| ns == to.namespace)
        .any(|(_, grant)| {
            grant.spec.from.iter().any(|f| {
                same_group(&f.group, from.group)
                    && f.kind == from.kind
                    && f.namespace == from.namespace
            }) && grant.spec.to.iter().any(|t| {
                same_group(&t.group, to.group)
                    && t.kind == to.kind
                    && t.name
                        .as_deref()
                        .is_none_or(|n| n.is_empty() || n == to.name)
            })
        })
}

#[cfg(test)]
mod tests;
