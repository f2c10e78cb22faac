use super::{Check, Code, Directions, Family, Rule};
use crate::config::Severity;

/// Produced by `rollsafe verify` (see `src/verify/`), never by `check`.
pub const RULE: Rule = Rule {
    code: Code::RS503,
    name: "up-not-reapplicable",
    family: Family::Verify,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS503.md"),
    directions: Directions::ALL,
    check: Check::Verify,
};
