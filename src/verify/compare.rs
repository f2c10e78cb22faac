//! Predicted (static) facts against observed ones, for one statement.

use crate::analyze::{LockLevel, StatementFacts, schema};

use super::apply::{LockObservation, Observed};

/// One way the server's behaviour differed from rollsafe's prediction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disagreement {
    /// Both sides name a lock on the relation, or one of them names none.
    Lock {
        relation: String,
        predicted: Option<LockLevel>,
        observed: Option<LockLevel>,
    },
    /// The server rewrote a table rollsafe did not predict a rewrite for.
    UnpredictedRewrite { relation: String },
    /// rollsafe predicted a rewrite the server did not do.
    MissingRewrite { relation: String },
    /// rollsafe said the statement may run in a transaction block and the server refused.
    RefusedTransactionBlock,
}

impl Disagreement {
    pub fn describe(&self) -> String {
        let name = |l: &Option<LockLevel>| l.map_or("no lock", |l| l.name());
        match self {
            Disagreement::Lock {
                relation,
                predicted,
                observed,
            } => format!(
                "lock on {relation}: predicted {}, the server took {}",
                name(predicted),
                name(observed)
            ),
            Disagreement::UnpredictedRewrite { relation } => {
                format!("the server rewrote {relation}, which rollsafe did not predict")
            }
            Disagreement::MissingRewrite { relation } => {
                format!("rollsafe predicted a rewrite of {relation}, the server did not rewrite it")
            }
            Disagreement::RefusedTransactionBlock => {
                "the server refused to run it inside a transaction block, rollsafe said it could"
                    .into()
            }
        }
    }
}

/// Every disagreement between `facts` (predicted) and `observed`. Locks are compared on
/// relations that existed before the statement; a relation the server locks that rollsafe does
/// not name counts only for tables, views and sequences at SHARE UPDATE EXCLUSIVE or above (the
/// server also locks catalogs, indexes and, weakly, everything a query reads).
pub fn compare(facts: &StatementFacts, observed: &Observed) -> Vec<Disagreement> {
    let mut out = Vec::new();
    if observed.skipped.is_some() || observed.error.is_some() {
        return out;
    }
    if facts.transactional && observed.refused_transaction_block {
        out.push(Disagreement::RefusedTransactionBlock);
    }
    let mut predicted: std::collections::BTreeMap<String, LockLevel> = Default::default();
    for lock in &facts.locks {
        let e = predicted
            .entry(schema::key(&lock.relation).to_string())
            .or_insert(lock.mode);
        *e = (*e).max(lock.mode);
    }
    if observed.lock_observation != LockObservation::NotObserved {
        let complete = observed.lock_observation == LockObservation::Complete;
        for (relation, mode) in &predicted {
            if !observed.existing.contains_key(relation) {
                // Created by this statement, or `IF EXISTS` on a relation that is not there.
                continue;
            }
            let mut theirs = observed.locks.get(relation).copied();
            // Taken again, already held: PostgreSQL lists a mode once per transaction.
            if observed.held_before.contains(&(relation.clone(), *mode))
                && theirs.is_none_or(|t| t < *mode)
            {
                theirs = Some(*mode);
            }
            if theirs.is_none() && !complete {
                continue; // not seen while it waited
            }
            if theirs != Some(*mode) {
                out.push(Disagreement::Lock {
                    relation: relation.clone(),
                    predicted: Some(*mode),
                    observed: theirs,
                });
            }
        }
        for (relation, mode) in &observed.locks {
            let Some(existing) = observed.existing.get(relation) else {
                continue;
            };
            // A sequence a table owns (serial, identity) is locked along with its table, and
            // only that table uses it: the table's predicted lock covers it. (Known server
            // behaviour, documented in RS501.)
            let covered_by_owner = existing
                .owned_by
                .as_ref()
                .and_then(|t| predicted.get(t))
                .is_some_and(|table_mode| table_mode >= mode);
            if existing.table_like
                && !covered_by_owner
                && *mode >= LockLevel::ShareUpdateExclusive
                && !predicted.contains_key(relation)
            {
                out.push(Disagreement::Lock {
                    relation: relation.clone(),
                    predicted: None,
                    observed: Some(*mode),
                });
            }
        }
    }
    let predicted_rewrites: Vec<(String, bool)> = facts
        .rewrites
        .iter()
        .map(|w| (schema::key(&w.relation).to_string(), w.assumed))
        .collect();
    for relation in &observed.rewrites {
        if !predicted_rewrites.iter().any(|(r, _)| r == relation) {
            out.push(Disagreement::UnpredictedRewrite {
                relation: relation.clone(),
            });
        }
    }
    for (relation, assumed) in &predicted_rewrites {
        // An assumed rewrite ("may rewrite") is a warning of what cannot be ruled out.
        if !assumed
            && observed.existing.contains_key(relation)
            && !observed.rewrites.contains(relation)
        {
            out.push(Disagreement::MissingRewrite {
                relation: relation.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::apply::Existing;

    /// The facts `check` predicts for the last statement of `sql` (earlier ones build the schema).
    fn predicted(sql: &str) -> StatementFacts {
        let config = crate::config::Config::default();
        let set = crate::discover::from_text("m.sql".into(), sql.to_string(), &config);
        let report = crate::verify::static_report(
            set,
            &config,
            15,
            crate::parse::markers::Date::parse("2026-01-01").expect("date"),
        )
        .expect("default settings");
        report.units[0]
            .statements
            .last()
            .cloned()
            .expect("a statement")
    }

    fn observed(locks: &[(&str, LockLevel)], existing: &[(&str, Option<&str>)]) -> Observed {
        let mut o = Observed::new();
        o.lock_observation = LockObservation::Complete;
        o.locks = locks.iter().map(|(r, m)| (r.to_string(), *m)).collect();
        o.existing = existing
            .iter()
            .map(|(name, owner)| {
                let e = Existing {
                    table_like: true,
                    owned_by: owner.map(str::to_string),
                };
                (name.to_string(), e)
            })
            .collect();
        o
    }

    const SCHEMA: &str = "CREATE TABLE users (id serial, age int);\n";

    #[test]
    fn equal_locks_agree_and_a_stronger_one_is_reported() {
        let facts = predicted(&format!(
            "{SCHEMA}CREATE INDEX users_age_idx ON users (age);"
        ));
        let existing = [("users", None)];
        let same = observed(&[("users", LockLevel::Share)], &existing);
        assert_eq!(compare(&facts, &same), vec![]);
        let stronger = observed(&[("users", LockLevel::AccessExclusive)], &existing);
        assert_eq!(
            compare(&facts, &stronger),
            vec![Disagreement::Lock {
                relation: "users".into(),
                predicted: Some(LockLevel::Share),
                observed: Some(LockLevel::AccessExclusive),
            }]
        );
    }

    #[test]
    fn a_mode_already_held_in_the_transaction_counts_as_taken() {
        let facts = predicted(&format!("{SCHEMA}ALTER TABLE users ADD COLUMN x int;"));
        let mut o = observed(&[], &[("users", None)]);
        assert_eq!(
            compare(&facts, &o).len(),
            1,
            "nothing taken: a disagreement"
        );
        o.held_before
            .insert(("users".into(), LockLevel::AccessExclusive));
        assert_eq!(compare(&facts, &o), vec![]);
    }

    #[test]
    fn an_owned_sequence_is_covered_by_its_tables_lock_but_another_is_not() {
        let facts = predicted(&format!("{SCHEMA}DROP TABLE users;"));
        let owned = observed(
            &[
                ("users", LockLevel::AccessExclusive),
                ("users_id_seq", LockLevel::AccessExclusive),
            ],
            &[("users", None), ("users_id_seq", Some("users"))],
        );
        assert_eq!(compare(&facts, &owned), vec![]);
        let unrelated = observed(
            &[
                ("users", LockLevel::AccessExclusive),
                ("other_seq", LockLevel::AccessExclusive),
            ],
            &[("users", None), ("other_seq", None)],
        );
        assert_eq!(compare(&facts, &unrelated).len(), 1);
    }

    #[test]
    fn rewrites_are_compared_both_ways() {
        let facts = predicted(&format!(
            "{SCHEMA}ALTER TABLE users ALTER COLUMN age TYPE text;"
        ));
        let existing = [("users", None)];
        let mut o = observed(&[("users", LockLevel::AccessExclusive)], &existing);
        assert_eq!(
            compare(&facts, &o),
            vec![Disagreement::MissingRewrite {
                relation: "users".into()
            }]
        );
        o.rewrites.insert("users".into());
        assert_eq!(compare(&facts, &o), vec![]);
    }
}
