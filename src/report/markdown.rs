//! A Markdown report for a GitHub job summary or a PR comment: a totals line, a table with one
//! row per migration (phases, locks, findings), then for each migration with findings its
//! locks, findings, and the destructive statements approved, with who approved them.

use std::fmt::Write;

use super::{RenderOptions, Totals, plural, suppression_marker};
use crate::analyze::{LockLevel, Phase, StatementFacts};
use crate::config::Severity;
use crate::rules::{Finding, Report, SuppressionKind, UnitReport};

pub fn render(report: &Report, options: &RenderOptions) -> String {
    let totals = Totals::of(report);
    let mut out = String::new();
    let icon = if totals.errors > 0 {
        "❌"
    } else if totals.warnings > 0 {
        "⚠️"
    } else {
        "✅"
    };
    let _ = writeln!(out, "## {icon} rollsafe\n");
    let approved = report
        .units
        .iter()
        .flat_map(|u| &u.findings)
        .filter(|f| {
            f.suppression
                .as_ref()
                .is_some_and(|s| s.kind == SuppressionKind::Contract)
        })
        .count();
    let _ = writeln!(
        out,
        "**Totals:** {} ({}): **{}**, **{}**, {}, {} suppressed ({} approved by a contract marker).\n",
        plural(totals.units, "migration"),
        plural(totals.statements, "statement"),
        plural(totals.errors, "error"),
        plural(totals.warnings, "warning"),
        plural(totals.notes, "note"),
        totals.suppressed,
        plural(approved, "destructive change"),
    );

    // Unreadable files first, then findings about the configuration (the gate's settings).
    for (heading, unreadable) in [
        ("Files that could not be linted", true),
        ("Configuration", false),
    ] {
        let problems: Vec<_> = report
            .problems
            .iter()
            .filter(|p| (p.code == crate::rules::Code::E002) == unreadable)
            .collect();
        if problems.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {heading}\n");
        for p in problems {
            let _ = writeln!(
                out,
                "- {} {}: {} ([{}]({}))",
                severity_icon(p.severity),
                code_span(&crate::source::display_path(&p.problem.path)),
                inline(&p.finding_message),
                p.code,
                options.rule_url(p.code)
            );
        }
        out.push('\n');
    }

    if report.units.is_empty() {
        let _ = writeln!(out, "No migrations to lint.");
        return out;
    }

    let _ = writeln!(out, "| | migration | phase | locks | findings |");
    let _ = writeln!(out, "| --- | --- | --- | --- | --- |");
    for unit in &report.units {
        let m = &unit.migration;
        let _ = writeln!(
            out,
            "| {} | {} ({}) | {} | {} | {} |",
            unit_icon(unit),
            code_span(&m.source.display_path()),
            m.direction.name(),
            cell(&phases(unit)),
            cell(&locks_summary(unit)),
            cell(&findings_summary(unit)),
        );
    }
    out.push('\n');

    // Rollback (issue 13): one line per migration; `rollsafe plan` writes the full runbook.
    let plans: Vec<String> = crate::plan::build(report)
        .migrations
        .iter()
        .map(crate::plan::render_markdown::summary)
        .collect();
    if !plans.is_empty() {
        let _ = writeln!(
            out,
            "### Rollback
"
        );
        for line in plans {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(
            out,
            "\nThe full runbook (SQL in order, validation queries, checklist): `rollsafe plan`.\n"
        );
    }

    for unit in report.units.iter().filter(|u| !u.findings.is_empty()) {
        details(&mut out, unit, options);
    }
    out
}

fn details(out: &mut String, unit: &UnitReport, options: &RenderOptions) {
    let m = &unit.migration;
    let _ = writeln!(
        out,
        "### {} {}\n",
        unit_icon(unit),
        code_span(&m.source.display_path())
    );
    let mut facts = vec![m.layout.name().to_string(), m.direction.name().to_string()];
    if let Some(v) = &m.version {
        facts.push(format!("version {}", code_span(v)));
    }
    facts.push(if m.transaction.wrapped() {
        "runs in a transaction".to_string()
    } else {
        "not in a transaction".to_string()
    });
    let _ = writeln!(out, "{}\n", facts.join(" · "));
    let _ = writeln!(out, "**Phase:** {}\n", phases_with_lines(unit));

    let locks = lock_lines(unit);
    if locks.is_empty() {
        let _ = writeln!(out, "**Locks:** none\n");
    } else {
        let _ = writeln!(out, "**Locks:**\n");
        for line in locks {
            let _ = writeln!(out, "- {line}");
        }
        out.push('\n');
    }

    let active: Vec<&Finding> = unit
        .findings
        .iter()
        .filter(|f| !f.is_suppressed())
        .collect();
    if !active.is_empty() {
        let _ = writeln!(out, "**Findings:**\n");
        let _ = writeln!(out, "| line | severity | rule | message |");
        let _ = writeln!(out, "| --- | --- | --- | --- |");
        for f in active {
            let _ = writeln!(
                out,
                "| {} | {} {} | [{}]({} \"{}\") | {} |",
                f.start.line,
                severity_icon(f.severity),
                f.severity.name(),
                f.code(),
                options.rule_url(f.code()),
                f.code().rule().name,
                cell(&f.diagnostic.message),
            );
        }
        out.push('\n');
    }

    let suppressed: Vec<&Finding> = unit.findings.iter().filter(|f| f.is_suppressed()).collect();
    if !suppressed.is_empty() {
        let _ = writeln!(out, "**Approved and allowed:**\n");
        for f in suppressed {
            let Some(s) = &f.suppression else { continue };
            let statement = f
                .diagnostic
                .statement
                .and_then(|i| unit.statements.get(i))
                .map(|st| statement_preview(unit, st))
                .unwrap_or_default();
            let who = approval_text(unit, f, s.kind);
            let _ = writeln!(
                out,
                "- line {} {} ({}, {}): {}",
                f.start.line,
                statement,
                f.code(),
                s.kind.name(),
                who
            );
        }
        out.push('\n');
    }
}

/// "approved by **alice**, **bob** · ticket DB-142 · after 2026-12-01", from the marker.
fn approval_text(unit: &UnitReport, f: &Finding, kind: SuppressionKind) -> String {
    let Some(m) = suppression_marker(unit, f) else {
        return f
            .suppression
            .as_ref()
            .map(|s| inline(&s.justification))
            .unwrap_or_default();
    };
    let mut parts = Vec::new();
    let approvers: Vec<String> = m
        .approvers()
        .iter()
        .map(|a| format!("**{}**", inline(a)))
        .collect();
    match kind {
        SuppressionKind::Contract if !approvers.is_empty() => {
            parts.push(format!("approved by {}", approvers.join(", ")))
        }
        SuppressionKind::BreakGlass if !approvers.is_empty() => {
            parts.push(format!("break-glass by {}", approvers.join(", ")))
        }
        SuppressionKind::BreakGlass => parts.push("break-glass".to_string()),
        SuppressionKind::Allow => parts.push("allowed".to_string()),
        SuppressionKind::Contract => parts.push("approved".to_string()),
    }
    for (key, label) in [
        ("ticket", "ticket"),
        ("incident", "incident"),
        ("after", "after"),
        ("reason", "reason"),
        ("recovery", "recovery"),
        ("follow-up", "follow-up"),
    ] {
        if let Some(v) = m.get(key) {
            parts.push(format!("{label} {}", inline(v)));
        }
    }
    parts.join(" · ")
}

fn statement_preview(unit: &UnitReport, s: &StatementFacts) -> String {
    let text = unit.migration.source.slice(s.span);
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = if one_line.chars().count() > 80 {
        let mut t: String = one_line.chars().take(77).collect();
        t.push_str("...");
        t
    } else {
        one_line
    };
    code_span(&short)
}

fn phases(unit: &UnitReport) -> String {
    let mut phases: Vec<Phase> = unit
        .statements
        .iter()
        .map(|s| s.phase)
        .filter(|p| *p != Phase::Neutral)
        .collect();
    phases.sort();
    phases.dedup();
    if phases.is_empty() {
        return "neutral".to_string();
    }
    phases
        .iter()
        .map(|p| p.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn phases_with_lines(unit: &UnitReport) -> String {
    let mut parts = Vec::new();
    for phase in [Phase::Expand, Phase::Migrate, Phase::Contract] {
        let lines: Vec<String> = unit
            .statements
            .iter()
            .filter(|s| s.phase == phase)
            .map(|s| s.start.line.to_string())
            .collect();
        if !lines.is_empty() {
            let label = if lines.len() == 1 { "line" } else { "lines" };
            parts.push(format!("{} ({label} {})", phase.name(), lines.join(", ")));
        }
    }
    if parts.is_empty() {
        "neutral".to_string()
    } else {
        parts.join(", ")
    }
}

/// Strongest lock per relation over the unit, in first-taken order.
fn strongest_locks(unit: &UnitReport) -> Vec<(String, LockLevel, bool)> {
    let mut out: Vec<(String, LockLevel, bool)> = Vec::new();
    for s in &unit.statements {
        for l in &s.locks {
            let new = s.is_new(&l.relation);
            match out.iter_mut().find(|(r, _, _)| *r == l.relation) {
                Some(entry) => {
                    entry.1 = entry.1.max(l.mode);
                    entry.2 &= new;
                }
                None => out.push((l.relation.clone(), l.mode, new)),
            }
        }
    }
    out
}

fn locks_summary(unit: &UnitReport) -> String {
    let locks = strongest_locks(unit);
    if locks.is_empty() {
        return "none".to_string();
    }
    locks
        .iter()
        .map(|(r, mode, new)| {
            let mut s = format!("{} {}", code_span(r), mode.name());
            if *new {
                s.push_str(" (new)");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn lock_lines(unit: &UnitReport) -> Vec<String> {
    let mut out = Vec::new();
    for s in &unit.statements {
        for l in &s.locks {
            let mut line = format!(
                "line {}: {} on {}",
                s.start.line,
                l.mode.name(),
                code_span(&l.relation)
            );
            if s.is_new(&l.relation) {
                line.push_str(" (created in this change)");
            }
            let work: Vec<String> = s
                .rewrites
                .iter()
                .filter(|w| w.relation == l.relation)
                .map(|w| format!("rewrites the table: {}", inline(&w.reason)))
                .chain(
                    s.scans
                        .iter()
                        .filter(|w| w.relation == l.relation)
                        .map(|w| format!("scans the table: {}", inline(&w.reason))),
                )
                .collect();
            if !work.is_empty() {
                line.push_str(" — ");
                line.push_str(&work.join("; "));
            }
            let _ = write!(line, " ({})", s.kind);
            out.push(line);
        }
    }
    out
}

fn findings_summary(unit: &UnitReport) -> String {
    let count = |sev: Severity| {
        unit.findings
            .iter()
            .filter(|f| !f.is_suppressed() && f.severity == sev)
            .count()
    };
    let mut parts = Vec::new();
    for (sev, word) in [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Info, "note"),
    ] {
        let n = count(sev);
        if n > 0 {
            parts.push(plural(n, word));
        }
    }
    let suppressed = unit.findings.iter().filter(|f| f.is_suppressed()).count();
    if suppressed > 0 {
        parts.push(format!("{suppressed} suppressed"));
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

fn unit_icon(unit: &UnitReport) -> &'static str {
    let worst = unit
        .findings
        .iter()
        .filter(|f| !f.is_suppressed())
        .map(|f| f.severity)
        .max();
    match worst {
        Some(Severity::Error) => "❌",
        Some(Severity::Warning) => "⚠️",
        Some(Severity::Info) => "ℹ️",
        None => "✅",
    }
}

fn severity_icon(s: Severity) -> &'static str {
    match s {
        Severity::Error => "❌",
        Severity::Warning => "⚠️",
        Severity::Info => "ℹ️",
    }
}

/// Text on one line (for list items and table cells).
fn inline(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A table cell: one line, `|` escaped.
fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

/// An inline code span that survives backticks in the text.
fn code_span(s: &str) -> String {
    let s = inline(s);
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest > 0 || s.starts_with('`') || s.ends_with('`') {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code_span("a.sql"), "`a.sql`");
        assert_eq!(code_span("a`b"), "`` a`b ``");
    }

    #[test]
    fn cells_escape_pipes() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }
}
