use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::transaction::Scope;
use crate::analyze::{Change, LockFact, LockLevel, StatementFacts};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS112,
    name: "missing-lock-timeout",
    family: Family::Lock,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS112.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // The session value, and a `SET LOCAL` value with the transaction it lasts for.
    let mut session = false;
    let mut local: Option<(Scope, bool)> = None;
    for (i, s) in ctx.statements.iter().enumerate() {
        let covered = match local {
            Some((scope, on)) if scope == s.scope => on,
            _ => session,
        };
        if !covered
            && let Some(lock) = first_strongest_on_existing(s)
            && lock.mode >= LockLevel::ShareRowExclusive
        {
            let blocked = if lock.mode.blocks_reads() {
                "reads and writes"
            } else {
                "writes"
            };
            out.push(
                Diagnostic::at_statement(
                    Code::RS112,
                    i,
                    s,
                    format!(
                        "{} takes {} on {} with no lock_timeout set: while it waits behind any running transaction, \
                         all {blocked} on {} queue behind it",
                        s.kind,
                        lock.mode.name(),
                        lock.relation,
                        lock.relation
                    ),
                )
                .help(
                    "Put `SET lock_timeout = '2s';` at the top of the migration, and retry the migration when it \
                     times out. If your runner already sets lock_timeout (connection options, PGOPTIONS, ALTER ROLE \
                     ... SET), turn RS112 off in rollsafe.toml.",
                ),
            );
            // One finding per migration: the fix is one line at the top.
            return;
        }
        for change in &s.changes {
            match change {
                Change::Set {
                    name,
                    value,
                    local: is_local,
                } if name == "lock_timeout" => {
                    let on = sets_timeout(value);
                    if *is_local {
                        if s.scope.in_transaction() {
                            local = Some((s.scope, on));
                        }
                    } else {
                        session = on;
                        local = None;
                    }
                }
                Change::Reset { name }
                    if name == "lock_timeout" || name == "all" || name.is_empty() =>
                {
                    session = false;
                    local = None;
                }
                _ => {}
            }
        }
    }
}

/// The strongest lock on a relation that existed before the change; among equals the first
/// taken, which names the table rather than its index (`DROP INDEX` locks both).
fn first_strongest_on_existing(s: &StatementFacts) -> Option<&LockFact> {
    let mode = s.strongest_lock_on_existing()?.mode;
    s.locks
        .iter()
        .find(|l| l.mode == mode && !s.is_new(&l.relation))
}

/// Whether a `SET lock_timeout` value turns the timeout on: `0` (any unit) turns it off, and
/// `DEFAULT` falls back to the server setting, which rollsafe cannot see.
fn sets_timeout(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '\'' || c == '"').trim();
    if v.is_empty() || v.eq_ignore_ascii_case("default") {
        return false;
    }
    let number: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    match number.parse::<f64>() {
        Ok(n) => n > 0.0,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::sets_timeout;

    #[test]
    fn timeout_values() {
        assert!(sets_timeout("2s"));
        assert!(sets_timeout("'500ms'"));
        assert!(sets_timeout("1000"));
        assert!(!sets_timeout("0"));
        assert!(!sets_timeout("0s"));
        assert!(!sets_timeout(""));
        assert!(!sets_timeout("DEFAULT"));
    }
}
