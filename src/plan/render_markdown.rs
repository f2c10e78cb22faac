//! `plan --format markdown`: a runbook a person follows during an incident, headed by the
//! rollout order; and the short rollback section `check --format markdown` shows per migration.

use std::fmt::Write;

use super::{MigrationPlan, Plan, PlanStep, Strategy};

pub fn render(plan: &Plan) -> String {
    let mut out = String::from("# Rollback runbook\n\n");
    if plan.migrations.is_empty() {
        out.push_str("No migrations.\n");
        return out;
    }
    out.push_str("## Rollout order\n\n");
    for (i, m) in plan.migrations.iter().enumerate() {
        let _ = writeln!(out, "{}. `{}` — {}", i + 1, m.path, m.rollout.describe());
    }
    out.push_str(
        "\nTo roll back, undo the migrations in **reverse** order (newest first), each with the steps below, \
         and run its validation queries: every one must return `t`.\n",
    );
    let glass: Vec<String> = plan
        .migrations
        .iter()
        .flat_map(|m| {
            m.break_glass.iter().map(move |b| {
                format!(
                    "- `{}` line {}: incident {}, follow-up **{}**",
                    m.path,
                    b.line,
                    b.incident.as_deref().unwrap_or("(none given)"),
                    b.follow_up
                        .as_deref()
                        .unwrap_or("(none given: add follow-up=)")
                )
            })
        })
        .collect();
    if !glass.is_empty() {
        out.push_str("\n## Break-glass steps and their follow-ups\n\n");
        for g in glass {
            let _ = writeln!(out, "{g}");
        }
    }
    for m in plan.migrations.iter().rev() {
        migration(&mut out, m);
    }
    out
}

fn migration(out: &mut String, m: &MigrationPlan) {
    let _ = writeln!(out, "\n## `{}`\n", m.path);
    let mut facts = vec![m.layout.to_string()];
    if let Some(v) = &m.version {
        facts.push(format!("version `{v}`"));
    }
    facts.push(format!("phase **{}**", m.phase.name()));
    facts.push(if m.in_transaction {
        "runs in a transaction".into()
    } else {
        "not in a transaction".into()
    });
    let _ = writeln!(out, "{}\n", facts.join(" · "));
    let _ = writeln!(out, "**Rollout step:** {}\n", m.rollout.describe());
    let locked: Vec<String> = m
        .statements
        .iter()
        .filter(|s| !s.locks.is_empty() || !s.transactional)
        .map(|s| {
            let mut line = format!("- line {} `{}`", s.line, s.kind);
            let locks: Vec<String> = s
                .locks
                .iter()
                .map(|l| format!("{} on `{}`", l.mode.name(), l.relation))
                .collect();
            if !locks.is_empty() {
                let _ = write!(line, ": {}", locks.join(", "));
            }
            for w in &s.rewrites {
                let _ = write!(line, "; **rewrites** `{}` ({})", w.relation, w.reason);
            }
            for w in &s.scans {
                let _ = write!(line, "; scans `{}` ({})", w.relation, w.reason);
            }
            if !s.transactional {
                line.push_str("; must run **outside a transaction**");
            }
            line
        })
        .collect();
    if !locked.is_empty() {
        let _ = writeln!(out, "**Locks:**\n");
        for l in locked {
            let _ = writeln!(out, "{l}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "**Rollback:** `{}`", m.rollback.strategy.name());
    match m.rollback.strategy {
        Strategy::DownMigration => {
            let _ = writeln!(
                out,
                "\nRun the down migration `{}` (checked exact by RS405):\n",
                m.rollback.down.as_deref().unwrap_or("?")
            );
            steps(out, &m.rollback.statements);
        }
        Strategy::GeneratedInverse => {
            out.push_str("\nNo usable down migration; run this generated inverse:\n\n");
            steps(out, &m.rollback.statements);
        }
        Strategy::RestoreFromBackup => {
            out.push_str("\nSQL cannot undo these steps; restore from backup (or follow the recovery path):\n\n");
        }
        Strategy::NoneNeeded => out.push_str("\nNothing to undo.\n"),
    }
    if !m.rollback.irreversible.is_empty() && m.rollback.strategy != Strategy::RestoreFromBackup {
        out.push_str("\nThe rollback restores the schema, not the data these steps removed:\n\n");
    }
    for i in &m.rollback.irreversible {
        let _ = writeln!(
            out,
            "- line {}: {}{} — recovery: **{}**",
            i.line,
            i.why,
            if i.loses_data { " (loses data)" } else { "" },
            i.recovery.as_deref().unwrap_or("none given")
        );
    }
    for k in &m.rollback.kept {
        let _ = writeln!(out, "- left in place: {k}");
    }
    if !m.validation.is_empty() {
        out.push_str("\n**Validation** (each returns `t` once the rollback is done):\n\n```sql\n");
        for v in &m.validation {
            let _ = writeln!(out, "{v};");
        }
        out.push_str("```\n");
    }
    if !m.checklist.is_empty() {
        out.push_str("\n**Still missing before deploy:**\n\n");
        for c in &m.checklist {
            let _ = writeln!(out, "- [ ] {c}");
        }
    }
}

/// Consecutive transactional statements form one block; each non-transactional one gets its
/// own, marked to run separately.
fn steps(out: &mut String, steps: &[PlanStep]) {
    let mut i = 0;
    while i < steps.len() {
        if i > 0 {
            out.push('\n');
        }
        if steps[i].transactional {
            let start = i;
            while i < steps.len() && steps[i].transactional {
                i += 1;
            }
            out.push_str("```sql\nBEGIN;\n");
            for s in &steps[start..i] {
                let _ = writeln!(out, "{}", s.sql);
            }
            out.push_str("COMMIT;\n```\n");
        } else {
            out.push_str("Run separately, outside a transaction:\n\n```sql\n");
            let _ = writeln!(out, "{}", steps[i].sql);
            out.push_str("```\n");
            i += 1;
        }
    }
}

/// The short section of `check --format markdown`: strategy and the first statements.
pub fn summary(m: &MigrationPlan) -> String {
    const SHOWN: usize = 2;
    let mut line = format!("- `{}`: **{}**", m.path, m.rollback.strategy.name());
    let shown: Vec<String> = m
        .rollback
        .statements
        .iter()
        .take(SHOWN)
        .map(|s| {
            if s.transactional {
                format!("`{}`", s.sql.replace('`', "'"))
            } else {
                format!("`{}` (outside a transaction)", s.sql.replace('`', "'"))
            }
        })
        .collect();
    if !shown.is_empty() {
        let _ = write!(line, ": {}", shown.join(", "));
        if m.rollback.statements.len() > SHOWN {
            let _ = write!(line, ", … ({} statements)", m.rollback.statements.len());
        }
    }
    if m.rollback.strategy == Strategy::RestoreFromBackup {
        let why: Vec<String> = m
            .rollback
            .irreversible
            .iter()
            .map(|i| {
                format!(
                    "line {} {} (recovery: {})",
                    i.line,
                    i.why,
                    i.recovery.as_deref().unwrap_or("none given")
                )
            })
            .collect();
        let _ = write!(line, ": {}", why.join("; "));
    }
    line
}
