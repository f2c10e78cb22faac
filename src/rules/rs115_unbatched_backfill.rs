use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::analyze::{Backfill, LockLevel};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS115,
    name: "unbatched-backfill",
    family: Family::Lock,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS115.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        let Some(work) = s.unbatched_backfill() else {
            continue;
        };
        // An ACCESS EXCLUSIVE lock on an existing relation taken by any statement of the same
        // transaction is held until it commits, so it lasts as long as the backfill.
        let exclusive = s.scope.in_transaction().then(|| {
            ctx.statements.iter().enumerate().find_map(|(j, t)| {
                (t.scope == s.scope)
                    .then(|| t.strongest_lock_on_existing())
                    .flatten()
                    .filter(|l| l.mode == LockLevel::AccessExclusive)
                    .map(|l| (j, l.relation.as_str()))
            })
        });
        let (what, table) = match work {
            Backfill::Update(t) => (format!("UPDATE of every row of {t}"), t),
            Backfill::InsertSelect(t) => (format!("INSERT INTO {t} ... SELECT"), t),
        };
        let mut message = match work {
            Backfill::Update(_) => format!(
                "{what} in one statement: it holds a row lock on every row it writes until the migration \
                 commits, and leaves that many dead row versions for VACUUM"
            ),
            Backfill::InsertSelect(_) => format!(
                "{what} copies every selected row in one statement: its duration and WAL grow with the source \
                 table, and it holds its locks until the migration commits"
            ),
        };
        let held = exclusive.flatten();
        if let Some((j, relation)) = held {
            message.push_str(&format!(
                "; the same transaction holds an ACCESS EXCLUSIVE lock on {relation} (line {}), so every read and \
                 write of it waits for the whole backfill",
                ctx.statements[j].start.line
            ));
        }
        let mut d = Diagnostic::at_statement(Code::RS115, i, s, message).help(format!(
            "Backfill {table} in batches outside the schema migration (or in a migration of its own that does not \
             run in a transaction): repeat `UPDATE {table} SET ... WHERE id IN (SELECT id FROM {table} WHERE <not \
             yet done> ORDER BY id LIMIT 10000)` and commit after each batch until it changes no row (see \
             `rollsafe explain RS115`)."
        ));
        if held.is_some() {
            d = d.escalate();
        }
        out.push(d);
    }
}
