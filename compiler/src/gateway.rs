//! Gateways of our GatewayClass: which ones are ours, their listeners, and their status.

use std::collections::BTreeMap;

use gateway_api::experimental::gateways::GatewaySpec;
use serde_json::{Value, json};

use crate::CompileError;
use crate::error::FieldError;
use crate::inventory::{Inventory, Key, Object};
use crate::listener::{self, ListenerPlan};
use crate::status::{CONTROLLER_NAME, Conditions, ObjectStatus, Problem};

/// A Gateway waygate compiles.
#[derive(Debug)]
pub(crate) struct GatewayPlan<'a> {
    pub object: &'a Object<GatewaySpec>,
    pub listeners: Vec<ListenerPlan>,
}

/// Selects the Gateways of class `class` and validates their listeners. A GatewayClass
/// object of that name owned by another controller means none of them are ours; without
/// the object the class name alone decides.
pub(crate) fn plan_all<'a>(
    inventory: &'a Inventory,
    class: &str,
    notes: &mut Vec<String>,
) -> Result<BTreeMap<Key, GatewayPlan<'a>>, CompileError> {
    let mut plans = BTreeMap::new();
    if let Some(gc) = inventory.gateway_classes.get(class)
        && gc.spec.controller_name != CONTROLLER_NAME
    {
        notes.push(format!(
            "GatewayClass {class} has controllerName {}, not {CONTROLLER_NAME}: its Gateways are not compiled",
            gc.spec.controller_name
        ));
        return Ok(plans);
    }
    for (key, gateway) in &inventory.gateways {
        if gateway.spec.gateway_class_name != class {
            notes.push(format!(
                "skipped Gateway {}/{}: gatewayClassName {} is not {class}",
                key.0, key.1, gateway.spec.gateway_class_name
            ));
            continue;
        }
        let listeners =
            plan_listeners(inventory, gateway).map_err(|e| e.at(&gateway.meta.location))?;
        plans.insert(
            key.clone(),
            GatewayPlan {
                object: gateway,
                listeners,
            },
        );
    }
    Ok(plans)
}

fn plan_listeners(
    inventory: &Inventory,
    gateway: &Object<GatewaySpec>,
) -> Result<Vec<ListenerPlan>, FieldError> {
    let mut listeners: Vec<ListenerPlan> = Vec::new();
    for (i, l) in gateway.spec.listeners.iter().enumerate() {
        if listeners.iter().any(|x| x.name == l.name) {
            return Err(FieldError::new(
                format!("spec.listeners[{i}].name"),
                format!("listener name {:?} is used twice", l.name),
            ));
        }
        listeners.push(listener::plan(inventory, &gateway.meta.namespace, l, i)?);
    }
    listener::mark_conflicts(&mut listeners);
    Ok(listeners)
}

impl GatewayPlan<'_> {
    /// Gateway status: Accepted and Programmed, plus one entry per listener with the number
    /// of routes attached to it (`attached[i]` for listener `i`).
    pub(crate) fn status(&self, attached: &[usize], time: &str) -> ObjectStatus {
        let c = Conditions {
            generation: self.object.meta.generation,
            time,
        };
        let invalid = self.listeners.iter().filter(|l| !l.programmed()).count();
        let accepted = if self.listeners.is_empty() || invalid == 0 {
            c.make("Accepted", true, "Accepted", "Gateway accepted by waygate")
        } else if invalid < self.listeners.len() {
            c.make(
                "Accepted",
                true,
                "ListenersNotValid",
                "some listeners are not valid; see their conditions",
            )
        } else {
            c.make(
                "Accepted",
                false,
                "ListenersNotValid",
                "no listener is valid; see their conditions",
            )
        };
        let programmed_problem = (invalid == self.listeners.len() && !self.listeners.is_empty())
            .then(|| Problem::new("Invalid", "no listener could be programmed"));
        let listeners: Vec<Value> = self
            .listeners
            .iter()
            .enumerate()
            .map(|(i, l)| l.status(attached.get(i).copied().unwrap_or(0), &c))
            .collect();
        ObjectStatus {
            kind: "Gateway".to_owned(),
            namespace: self.object.meta.namespace.clone(),
            name: self.object.meta.name.clone(),
            status: json!({
                "conditions": [
                    accepted,
                    c.verdict("Programmed", programmed_problem.as_ref(), "Programmed", "Gateway programmed into the bundle"),
                ],
                "listeners": listeners,
            }),
        }
    }
}

/// Status of our GatewayClass object, when the input has it.
pub(crate) fn class_status(inventory: &Inventory, class: &str, time: &str) -> Option<ObjectStatus> {
    let gc = inventory.gateway_classes.get(class)?;
    (gc.spec.controller_name == CONTROLLER_NAME).then(|| {
        let c = Conditions {
            generation: gc.meta.generation,
            time,
        };
        ObjectStatus {
            kind: "GatewayClass".to_owned(),
            namespace: String::new(),
            name: gc.meta.name.clone(),
            status: json!({
                "conditions": [c.make("Accepted", true, "Accepted", "GatewayClass accepted by waygate")],
            }),
        }
    })
}
