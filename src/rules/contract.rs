//! Whether a contract marker approves a destructive statement: shared by RS001, RS003, RS004
//! and the suppression step, so they can never disagree.

use std::path::Path;

use crate::codeowners::same_owner;
use crate::config::{ApproverSource, ContractConfig, RequiredField};
use crate::parse::markers::Date;
use crate::parse::{Marker, MarkerKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// Every required field present, every approver allowed, window closed.
    Approved,
    /// `after=` is still in the future.
    WindowOpen(Date),
    /// Missing required fields or approvers not on the allowed list.
    Incomplete(Vec<String>),
}

/// Whether `marker` approves a destructive statement of the file at `path` (as shown).
pub fn approval(marker: &Marker, config: &ContractConfig, path: &Path, today: Date) -> Approval {
    let mut missing = Vec::new();
    for field in &config.required {
        let ok = match field {
            RequiredField::ApprovedBy => !marker.approvers().is_empty(),
            RequiredField::Ticket => marker.get("ticket").is_some(),
            RequiredField::Reason => marker.get("reason").is_some(),
            RequiredField::After => marker.after().is_some(),
            RequiredField::TicketOrReason => {
                marker.get("ticket").is_some() || marker.get("reason").is_some()
            }
        };
        if !ok {
            missing.push(match field {
                RequiredField::ApprovedBy => "missing approved-by=".to_string(),
                RequiredField::Ticket => "missing ticket=".to_string(),
                RequiredField::Reason => "missing reason=".to_string(),
                RequiredField::After => "missing after=".to_string(),
                RequiredField::TicketOrReason => "missing ticket= or reason=".to_string(),
            });
        }
    }
    for who in marker.approvers() {
        if !config.allows_approver(who) {
            missing.push(format!("`{who}` is not an allowed approver"));
        }
    }
    if config.approvers_from == Some(ApproverSource::Codeowners) {
        owners(marker, config, path, &mut missing);
    }
    if let Some(reviewed) = &config.reviewed_by {
        for who in marker.approvers() {
            if !reviewed.iter().any(|r| same_owner(who, r)) {
                missing.push(format!(
                    "`{who}` has no approving review of this pull request on its head commit"
                ));
            }
        }
    }
    if !marker.problems.is_empty() {
        missing.push("the marker itself has errors (see E003)".to_string());
    }
    if !missing.is_empty() {
        return Approval::Incomplete(missing);
    }
    match marker.after() {
        Some(after) if after > today => Approval::WindowOpen(after),
        _ => Approval::Approved,
    }
}

pub fn is_contract(marker: &Marker) -> bool {
    marker.kind == Some(MarkerKind::Contract)
}

/// What a break-glass marker lacks under `config` (empty: it counts).
pub fn break_glass_problems(m: &Marker, config: &ContractConfig) -> Vec<String> {
    let mut p: Vec<String> = config
        .break_glass_required
        .iter()
        .filter(|f| m.get(f.key()).is_none())
        .map(|f| format!("missing {}=", f.key()))
        .collect();
    if m.get("recovery").is_some() && m.recovery().is_none() {
        p.push("recovery=none-needed needs reason=".to_string());
    }
    // The approver rules hold for break-glass too (`approvers`, the base revision's list).
    for who in m.approvers() {
        if !config.allows_approver(who) {
            p.push(format!("`{who}` is not an allowed approver"));
        }
    }
    p
}

/// `approvers-from = "CODEOWNERS"`: every approver must own the migration's path. Without a
/// CODEOWNERS file, or for a path nobody owns, no approval counts.
fn owners(marker: &Marker, config: &ContractConfig, path: &Path, missing: &mut Vec<String>) {
    let shown = crate::source::display_path(path);
    let Some(codeowners) = &config.codeowners else {
        missing.push(
            "approvers-from = \"CODEOWNERS\" but there is no CODEOWNERS file (.github/CODEOWNERS, CODEOWNERS or docs/CODEOWNERS)"
                .to_string(),
        );
        return;
    };
    let file = crate::source::display_path(&codeowners.path);
    let Some(owners) = codeowners.owners_of(path) else {
        missing.push(format!("{file} names no owner of {shown}"));
        return;
    };
    if marker.approvers().is_empty() {
        missing.push(format!(
            "missing approved-by= (an owner of {shown} in {file})"
        ));
    }
    for who in marker.approvers() {
        if !owners.iter().any(|o| same_owner(who, o)) {
            missing.push(format!(
                "`{who}` is not an owner of {shown} in {file} (owners: {})",
                owners.join(" ")
            ));
        }
    }
}
