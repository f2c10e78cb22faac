//! The relations a statement reads: the `FROM` of its queries (views, `CREATE TABLE ... AS`,
//! `INSERT ... SELECT`, `UPDATE ... FROM`) and `CREATE TABLE ... (LIKE t)`. PostgreSQL takes
//! ACCESS SHARE on each while the statement runs, which waits behind an ACCESS EXCLUSIVE lock.

use pg_query::{NodeEnum, NodeRef};

use super::names::rv_name;
use crate::analyze::change::Change;

/// A `Change::Read` of the relations `node` reads, if any.
pub fn read_change(node: &NodeEnum) -> Option<Change> {
    let mut ctes: Vec<String> = Vec::new();
    let mut found: Vec<String> = Vec::new();
    for (n, _depth, context, _) in node.nodes() {
        match n {
            NodeRef::CommonTableExpr(c) => ctes.push(c.ctename.clone()),
            NodeRef::RangeVar(r) if context == pg_query::Context::Select => {
                found.push(rv_name(r));
            }
            NodeRef::CreateStmt(s) => {
                for elt in &s.table_elts {
                    if let Some(NodeEnum::TableLikeClause(l)) = elt.node.as_ref()
                        && let Some(r) = l.relation.as_ref()
                    {
                        found.push(rv_name(r));
                    }
                }
            }
            _ => {}
        }
    }
    // A CTE's name is not a relation, unless it is schema-qualified.
    let mut relations: Vec<String> = Vec::new();
    for r in found {
        if !ctes.contains(&r) && !relations.contains(&r) {
            relations.push(r);
        }
    }
    (!relations.is_empty()).then_some(Change::Read { relations })
}
