use super::{Check, Code, Directions, Family, Rule};
use crate::config::Severity;

/// Produced by `rollsafe verify` (see `src/verify/`), never by `check`.
pub const RULE: Rule = Rule {
    code: Code::RS502,
    name: "down-does-not-restore",
    family: Family::Verify,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS502.md"),
    directions: Directions::ALL,
    check: Check::Verify,
};
