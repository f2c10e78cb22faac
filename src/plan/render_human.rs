//! `plan --format human`: the runbook as plain text for a terminal.

use std::fmt::Write;

use super::Plan;

pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.migrations.is_empty() {
        out.push_str("No migrations.\n");
        return out;
    }
    out.push_str("Rollout order:\n");
    for (i, m) in plan.migrations.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}  {}", i + 1, m.path, m.rollout.describe());
    }
    out.push_str("\nRollback, newest first:\n");
    for m in plan.migrations.iter().rev() {
        let _ = writeln!(
            out,
            "\n{} ({}, {})\n  strategy: {}",
            m.path,
            m.layout,
            m.phase.name(),
            m.rollback.strategy.name()
        );
        if let Some(d) = &m.rollback.down {
            let _ = writeln!(out, "  down: {d}");
        }
        for s in &m.rollback.statements {
            let _ = writeln!(
                out,
                "    {}{}",
                s.sql,
                if s.transactional {
                    ""
                } else {
                    "   -- run separately, outside a transaction"
                }
            );
        }
        for i in &m.rollback.irreversible {
            let _ = writeln!(
                out,
                "  irreversible: line {}: {} (recovery: {})",
                i.line,
                i.why,
                i.recovery.as_deref().unwrap_or("none given")
            );
        }
        for k in &m.rollback.kept {
            let _ = writeln!(out, "  left in place: {k}");
        }
        for v in &m.validation {
            let _ = writeln!(out, "  check: {v};");
        }
        for c in &m.checklist {
            let _ = writeln!(out, "  missing: {c}");
        }
        for b in &m.break_glass {
            let _ = writeln!(
                out,
                "  break-glass at line {}: follow-up {}",
                b.line,
                b.follow_up.as_deref().unwrap_or("(none given)")
            );
        }
    }
    out
}
