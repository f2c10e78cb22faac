use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::analyze::Change;
use crate::analyze::transaction::Scope;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS131,
    name: "rebuild-with-foreign-keys-on",
    family: Family::Lock,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS131.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // `PRAGMA foreign_keys` is a no-op inside a transaction.
    let mut off = false;
    for (i, s) in ctx.statements.iter().enumerate() {
        for change in &s.changes {
            if let Change::Set { name, value, .. } = change
                && name == "foreign_keys"
            {
                let turns_off = matches!(value.as_str(), "off" | "0" | "false" | "no");
                if turns_off && s.scope != Scope::None {
                    out.push(Diagnostic::at_statement(
                        Code::RS131,
                        i,
                        s,
                        "PRAGMA foreign_keys = OFF inside a transaction does nothing: SQLite ignores it until the transaction ends",
                    ).help("Turn foreign keys off before the transaction starts (for tools that wrap each migration in one, \
                            such as sqlx and diesel, in a migration that is not wrapped), and back on after it."));
                } else {
                    off = turns_off;
                }
            }
        }
        let Some(table) = s.sqlite.as_ref().and_then(|q| q.rebuild_of.as_deref()) else {
            continue;
        };
        let drops = s.changes.iter().any(|c| matches!(c, Change::Drop { .. }));
        if drops && !off {
            out.push(
                Diagnostic::at_statement(
                    Code::RS131,
                    i,
                    s,
                    format!(
                        "the rebuild of {table} drops it while foreign keys may be on: ON DELETE actions of the tables \
                         that reference it run (CASCADE deletes their rows), or the DROP fails"
                    ),
                )
                .help(
                    "Run `PRAGMA foreign_keys = OFF;` before the rebuild (outside any transaction), then \
                     `PRAGMA foreign_key_check;` and `PRAGMA foreign_keys = ON;` after it.",
                ),
            );
        }
    }
}
