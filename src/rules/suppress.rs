//! The suppression step: a diagnostic becomes a finding with its severity and position, and
//! with the suppression a valid marker on its statement grants, if any.

use super::contract::{self, Approval};
use super::{Code, Context, Diagnostic, Finding, Settings, Suppression, SuppressionKind};
use crate::config::Severity;
use crate::parse::{Marker, MarkerKind};

/// Attach severity, position and the suppression a marker grants, if any.
pub(super) fn finding(d: Diagnostic, ctx: &Context, settings: &Settings) -> Option<Finding> {
    let mut severity = settings.severity(d.code)?;
    if d.escalated {
        severity = match severity {
            Severity::Info => Severity::Warning,
            Severity::Warning | Severity::Error => Severity::Error,
        };
    }
    let source = &ctx.unit.source;
    let suppression = d.statement.and_then(|i| suppression(&d, i, ctx));
    Some(Finding {
        start: source.line_col(d.span.start),
        end: source.line_col(d.span.end),
        diagnostic: d,
        severity,
        suppression,
    })
}

fn suppression(d: &Diagnostic, index: usize, ctx: &Context) -> Option<Suppression> {
    // Break-glass lets everything through but is itself always reported (RS006).
    let markers: Vec<&Marker> = ctx
        .markers_for(index)
        .filter(|m| m.problems.is_empty())
        .collect();
    if d.code != Code::RS006
        && let Some(m) = markers.iter().find(|m| {
            // An incomplete break-glass (RS004) lets nothing through.
            m.kind == Some(MarkerKind::BreakGlass)
                && contract::break_glass_problems(m, &ctx.config.contract).is_empty()
        })
    {
        return Some(Suppression {
            kind: SuppressionKind::BreakGlass,
            justification: m.justification(),
        });
    }
    // What the gate cannot see (E004) is approved exactly like a destructive change.
    if matches!(d.code, Code::RS001 | Code::E004)
        && let Some(m) = markers.iter().find(|m| {
            contract::is_contract(m)
                && contract::approval(m, &ctx.config.contract, &ctx.unit.source.path, ctx.today)
                    == Approval::Approved
        })
    {
        return Some(Suppression {
            kind: SuppressionKind::Contract,
            justification: m.justification(),
        });
    }
    if !d.code.can_be_allowed() {
        return None;
    }
    markers
        .iter()
        .find(|m| {
            m.kind == Some(MarkerKind::Allow)
                && m.get("reason").is_some()
                && m.codes
                    .iter()
                    .any(|(c, _)| Code::parse(c.trim_end_matches(',')) == Some(d.code))
        })
        .map(|m| Suppression {
            kind: SuppressionKind::Allow,
            justification: m.justification(),
        })
}
