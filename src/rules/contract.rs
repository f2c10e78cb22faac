//! Whether a contract marker approves a destructive statement: shared by RS001, RS003, RS004
//! and the suppression step, so they can never disagree.

use crate::config::{ContractConfig, RequiredField};
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

pub fn approval(marker: &Marker, config: &ContractConfig, today: Date) -> Approval {
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
