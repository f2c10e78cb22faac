use super::{Code, Family, Check, Rule, Directions};
use crate::config::Severity;

/// Emitted by the pipeline for files discovery could not read (see `discover::InputProblem`).
pub const RULE: Rule = Rule {
    code: Code::E002,
    name: "unreadable-file",
    family: Family::Input,
    severity: Severity::Error,
    doc: include_str!("../../rules/E002.md"),
    directions: Directions::ALL,
    check: Check::Input,
};
