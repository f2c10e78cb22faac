//! `PREPARE name AS ...` / `EXECUTE name` within one unit: a prepared statement lives in the
//! session that prepared it, and runs (with all its effects) only when executed. Each
//! `EXECUTE` takes the changes of the statement prepared under that name before it, as code it
//! runs; an `EXECUTE` of a name not prepared earlier in the unit stays opaque (E004), never
//! assumed harmless. `DEALLOCATE` forgets a name (`DEALLOCATE ALL` every one).

use std::collections::HashMap;

use super::procedural::{Body, InnerStatement, Opaque, OpaqueReason};
use super::{Change, StatementFacts};
use crate::target::Target;

/// Resolve every `EXECUTE` of the unit's statements, in order (one linear pass).
pub fn resolve(statements: &mut [StatementFacts], target: Target) {
    let mut prepared: HashMap<String, (String, Vec<Change>)> = HashMap::new();
    for facts in statements.iter_mut() {
        let mut body = Body::default();
        for change in &facts.changes {
            match change {
                Change::Prepare {
                    name,
                    kind,
                    changes,
                } => {
                    prepared.insert(name.clone(), (kind.clone(), changes.clone()));
                }
                Change::Execute { name } => match prepared.get(name) {
                    Some((kind, changes)) if !changes.is_empty() => {
                        body.statements.push(InnerStatement {
                            span: facts.span,
                            kind: format!("{kind} prepared as {name}"),
                            changes: changes.clone(),
                            guarded: false,
                            via: None,
                        });
                    }
                    Some(_) => {}
                    None => body.opaque.push(Opaque {
                        span: facts.span,
                        reason: OpaqueReason::UnknownPrepared(name.clone()),
                        via: None,
                    }),
                },
                Change::Deallocate { name: Some(name) } => {
                    prepared.remove(name);
                }
                Change::Deallocate { name: None } => prepared.clear(),
                _ => {}
            }
        }
        if !body.is_empty() {
            super::absorb(facts, body);
            super::refresh_derived(facts, target);
        }
    }
}
