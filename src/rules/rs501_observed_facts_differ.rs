use super::{Check, Code, Directions, Family, Rule};
use crate::config::Severity;

/// Produced by `rollsafe verify` (see `src/verify/`), never by `check`.
pub const RULE: Rule = Rule {
    code: Code::RS501,
    name: "observed-facts-differ",
    family: Family::Verify,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS501.md"),
    directions: Directions::ALL,
    check: Check::Verify,
};
