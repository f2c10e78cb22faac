//! RS007: with `--diff-base`, the change's `rollsafe.toml` must not weaken the gate that judges
//! it. [`compare`] makes the gate's settings the stricter of the base revision's and the
//! change's, and lists every setting the change weakened; the CLI reports each at the line of
//! its key in the config file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Check, Code, Directions, Family, Rule, Settings};
use crate::config::{Config, ConfigError, RequiredField, RuleLevel, Severity};

pub const RULE: Rule = Rule {
    code: Code::RS007,
    name: "gate-weakened",
    family: Family::Contract,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS007.md"),
    directions: Directions::ALL,
    check: Check::Config,
};

/// A gate setting this change makes weaker than the base revision had it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weakening {
    /// The key as the user writes it: `[rules] RS001`, `[contract] approvers`, `exclude`.
    pub key: String,
    /// The base revision's value and the change's, as TOML.
    pub old: String,
    pub new: String,
    /// What the new value does, when the values alone do not say it.
    pub note: Option<String>,
    /// Byte offset of the key (or its table) in the change's config text.
    pub offset: usize,
}

impl Weakening {
    pub fn message(&self, base_commit: &str) -> String {
        let note = match &self.note {
            Some(note) => format!(" ({note})"),
            None => String::new(),
        };
        format!(
            "this change weakens the gate: `{}` was {} at the diff base ({base_commit}) and is {}{note} \
             here; the stricter setting applies",
            self.key, self.old, self.new
        )
    }
}

/// The settings to lint with, and what the change weakened.
pub struct Gate {
    /// The change's config with every gate setting made the stricter of the two.
    pub config: Config,
    pub weakenings: Vec<Weakening>,
}

/// Whether a rule's level is part of the gate: the input problems that hide statements (E0xx),
/// the contract discipline (RS0xx), and the migration history that keeps applied migrations
/// from being rewritten (RS401-RS403). Lock, idempotency and transaction rules stay the
/// team's to tune in any change.
pub fn guards_the_gate(code: Code) -> bool {
    matches!(code.rule().family, Family::Input | Family::Contract)
        || matches!(code, Code::RS401 | Code::RS402 | Code::RS403)
}

/// Compare the base revision's config with the change's (both already parsed and valid).
pub fn compare(base: &Config, head: &Config) -> Result<Gate, ConfigError> {
    let base_settings = Settings::from_config(base)?;
    let head_settings = Settings::from_config(head)?;
    let mut merged = head.clone();
    let mut weakenings = Vec::new();
    let text = head.text.as_str();
    let top = |key: &str| crate::config::key_offset(text, None, &|k| k == key);
    let in_table = |table: &str, key: &str| {
        let key = key.to_string();
        crate::config::key_offset(text, Some(table), &move |k| k.eq_ignore_ascii_case(&key))
    };

    // Rule levels: the stricter of the two for every rule that guards the gate.
    let mut rules: BTreeMap<String, RuleLevel> = BTreeMap::new();
    for &code in Code::ALL {
        let (old, new) = (base_settings.level(code), head_settings.level(code));
        let level = if guards_the_gate(code) {
            if new < old {
                weakenings.push(Weakening {
                    key: format!("[rules] {code}"),
                    old: quoted(old.name()),
                    new: quoted(new.name()),
                    note: None,
                    offset: in_table("rules", code.as_str()),
                });
            }
            old.max(new)
        } else {
            new
        };
        rules.insert(code.as_str().to_string(), level);
    }
    merged.rules = rules;

    // Required marker fields: every field the base required, unless the change requires one
    // that implies it (`ticket` implies `ticket-or-reason`).
    let (old_req, new_req) = (&base.contract.required, &head.contract.required);
    let dropped: Vec<RequiredField> = old_req
        .iter()
        .copied()
        .filter(|f| !new_req.iter().any(|n| n.implies(*f)))
        .collect();
    if !dropped.is_empty() {
        weakenings.push(Weakening {
            key: "[contract] required".into(),
            old: list(old_req.iter().map(|f| f.name())),
            new: list(new_req.iter().map(|f| f.name())),
            note: None,
            offset: in_table("contract", "required"),
        });
        merged.contract.required.extend(dropped);
    }

    // Approvers: a name must be on both lists; an empty list allows anyone.
    let (old_app, new_app) = (&base.contract.approvers, &head.contract.approvers);
    if !old_app.is_empty() {
        let added = new_app.is_empty() || new_app.iter().any(|n| !old_app.contains(n));
        if added {
            weakenings.push(Weakening {
                key: "[contract] approvers".into(),
                old: list(old_app.iter().map(String::as_str)),
                new: list(new_app.iter().map(String::as_str)),
                note: None,
                offset: in_table("contract", "approvers"),
            });
        }
        merged.contract.base_approvers = old_app.clone();
    }

    // Approvers from CODEOWNERS: once the base reads them, the change cannot stop it.
    if base.contract.approvers_from.is_some() && head.contract.approvers_from.is_none() {
        weakenings.push(Weakening {
            key: "[contract] approvers-from".into(),
            old: quoted("CODEOWNERS"),
            new: "not set".into(),
            note: None,
            offset: in_table("contract", "approvers-from"),
        });
        merged.contract.approvers_from = base.contract.approvers_from;
    }

    // Migration directories: every one the base linted is still linted.
    let normal = |p: &Path| -> PathBuf {
        crate::source::display_path(p)
            .trim_start_matches("./")
            .trim_end_matches('/')
            .into()
    };
    let missing: Vec<PathBuf> = base
        .migrations
        .iter()
        .filter(|d| !head.migrations.iter().any(|h| normal(h) == normal(d)))
        .cloned()
        .collect();
    if !missing.is_empty() {
        weakenings.push(Weakening {
            key: "migrations".into(),
            old: list(base.migrations.iter().map(|p| p.to_string_lossy().into_owned())),
            new: list(head.migrations.iter().map(|p| p.to_string_lossy().into_owned())),
            note: None,
            offset: top("migrations"),
        });
        merged.migrations.extend(missing);
    }

    // The layout decides what a file's statements are: a change of it cannot be shown to be
    // harmless, so it is reported; the change's layout is used (the base's may not fit the
    // files any more).
    if base.layout != head.layout {
        let show = |l: Option<crate::target::Layout>| match l {
            Some(l) => quoted(l.name()),
            None => "not set (detected)".to_string(),
        };
        weakenings.push(Weakening {
            key: "layout".into(),
            old: show(base.layout),
            new: show(head.layout),
            note: None,
            offset: top("layout"),
        });
    }

    // Globs: only what both exclude is excluded; include narrows only where both narrow.
    merged.exclude = head
        .exclude
        .iter()
        .filter(|g| base.exclude.contains(g))
        .cloned()
        .collect();
    merged.include = if base.include.is_empty() || head.include.is_empty() {
        Vec::new()
    } else {
        let mut both = base.include.clone();
        both.extend(head.include.iter().filter(|g| !base.include.contains(g)).cloned());
        both
    };
    Ok(Gate {
        config: merged,
        weakenings,
    })
}

/// The include/exclude weakenings, found once the files are known: a glob of the change counts
/// only when it would leave out a file that is linted with the merged settings.
pub fn filter_weakenings(base: &Config, head: &Config, linted: &[PathBuf]) -> Vec<Weakening> {
    let text = head.text.as_str();
    let mut out = Vec::new();
    for (key, old, new) in [
        ("exclude", &base.exclude, &head.exclude),
        ("include", &base.include, &head.include),
    ] {
        if old == new {
            continue;
        }
        let mut only = head.clone();
        if key == "exclude" {
            only.include.clear();
        } else {
            only.exclude.clear();
        }
        if let Some(file) = linted
            .iter()
            .find(|p| crate::discover::walk::filters_out(&only, p))
        {
            out.push(Weakening {
                key: key.into(),
                old: list(old.iter().map(String::as_str)),
                new: list(new.iter().map(String::as_str)),
                note: Some(format!(
                    "which leaves out {}",
                    crate::source::display_path(file)
                )),
                offset: crate::config::key_offset(text, None, &|k| k == key),
            });
        }
    }
    out
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

fn list<S: AsRef<str>>(items: impl Iterator<Item = S>) -> String {
    let items: Vec<String> = items.map(|s| quoted(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        Config::parse(text, Path::new("rollsafe.toml")).unwrap()
    }

    #[test]
    fn turning_a_gate_rule_off_is_reported_and_undone() {
        let base = config("");
        let head = config("[rules]\nrs001 = \"off\"\nRS101 = \"off\"\n");
        let gate = compare(&base, &head).unwrap();
        assert_eq!(gate.weakenings.len(), 1, "{:?}", gate.weakenings);
        let w = &gate.weakenings[0];
        assert_eq!(w.key, "[rules] RS001");
        assert_eq!((w.old.as_str(), w.new.as_str()), ("\"error\"", "\"off\""));
        assert_eq!(&head.text[w.offset..w.offset + 5], "rs001");
        let settings = Settings::from_config(&gate.config).unwrap();
        assert_eq!(settings.severity(Code::RS001), Some(Severity::Error));
        // Lock rules are the team's to tune.
        assert_eq!(settings.severity(Code::RS101), None);
    }

    #[test]
    fn raising_levels_is_not_a_weakening() {
        let base = config("[rules]\nRS006 = \"info\"\n");
        let head = config("[rules]\nRS006 = \"error\"\n");
        let gate = compare(&base, &head).unwrap();
        assert!(gate.weakenings.is_empty());
        let settings = Settings::from_config(&gate.config).unwrap();
        assert_eq!(settings.severity(Code::RS006), Some(Severity::Error));
    }

    #[test]
    fn approvers_and_required_fields() {
        let base = config("[contract]\nrequired = [\"approved-by\", \"ticket-or-reason\"]\napprovers = [\"alice\"]\n");
        let head = config("[contract]\nrequired = [\"approved-by\", \"ticket\"]\napprovers = [\"alice\", \"mallory\"]\n");
        let gate = compare(&base, &head).unwrap();
        let keys: Vec<&str> = gate.weakenings.iter().map(|w| w.key.as_str()).collect();
        assert_eq!(keys, ["[contract] approvers"]);
        assert!(gate.config.contract.allows_approver("alice"));
        assert!(!gate.config.contract.allows_approver("mallory"));

        let head = config("[contract]\nrequired = [\"ticket\"]\n");
        let gate = compare(&base, &head).unwrap();
        let keys: Vec<&str> = gate.weakenings.iter().map(|w| w.key.as_str()).collect();
        assert_eq!(keys, ["[contract] required", "[contract] approvers"]);
        assert!(gate.config.contract.required.contains(&RequiredField::ApprovedBy));
        assert!(!gate.config.contract.allows_approver("mallory"));
    }

    #[test]
    fn dropping_approvers_from_codeowners_is_a_weakening() {
        let base = config("[contract]\napprovers-from = \"CODEOWNERS\"\n");
        let head = config("[contract]\n");
        let gate = compare(&base, &head).unwrap();
        let keys: Vec<&str> = gate.weakenings.iter().map(|w| w.key.as_str()).collect();
        assert_eq!(keys, ["[contract] approvers-from"]);
        assert_eq!(
            gate.config.contract.approvers_from,
            Some(crate::config::ApproverSource::Codeowners)
        );
        // Adding it is not.
        assert!(compare(&head, &base).unwrap().weakenings.is_empty());
    }

    #[test]
    fn migration_dirs_and_layout() {
        let base = config("migrations = [\"db/a\", \"db/b/\"]\n");
        let head = config("migrations = [\"./db/b\"]\nlayout = \"plain\"\n");
        let gate = compare(&base, &head).unwrap();
        let keys: Vec<&str> = gate.weakenings.iter().map(|w| w.key.as_str()).collect();
        assert_eq!(keys, ["migrations", "layout"]);
        assert_eq!(gate.config.migrations.len(), 2);
    }
}
