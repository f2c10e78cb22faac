//! Per-rule settings: the config's `[rules]` table turned into levels keyed by [`Code`]. The
//! config itself knows no rule codes; codes are matched here, case-insensitively, so `rs112 =
//! "off"` turns RS112 off exactly as `RS112 = "off"` does.

use std::collections::BTreeMap;

use super::Code;
use crate::config::{Config, ConfigError, RuleLevel, Severity};

#[derive(Debug, Clone, Default)]
pub struct Settings {
    levels: BTreeMap<Code, RuleLevel>,
}

impl Settings {
    /// Read `[rules]`; a key that is not a rule code is an error naming the key and the file.
    pub fn from_config(config: &Config) -> Result<Settings, ConfigError> {
        let mut levels = BTreeMap::new();
        for (key, level) in &config.rules {
            let Some(code) = Code::parse(key) else {
                return Err(ConfigError::Invalid {
                    path: config.path.clone().unwrap_or_default(),
                    message: format!(
                        "[rules] names `{key}`, which is not a rollsafe rule code (see `rollsafe rules`)"
                    ),
                });
            };
            levels.insert(code, *level);
        }
        Ok(Settings { levels })
    }

    /// The severity findings of `code` are reported at; `None` when the rule is off.
    pub fn severity(&self, code: Code) -> Option<Severity> {
        match self.levels.get(&code) {
            Some(RuleLevel::Off) => None,
            Some(RuleLevel::Info) => Some(Severity::Info),
            Some(RuleLevel::Warning) => Some(Severity::Warning),
            Some(RuleLevel::Error) => Some(Severity::Error),
            None => Some(code.rule().severity),
        }
    }

    /// The configured level of `code`, or its default severity.
    pub fn level(&self, code: Code) -> RuleLevel {
        match self.levels.get(&code) {
            Some(level) => *level,
            None => code.rule().severity.into(),
        }
    }

    pub fn enabled(&self, code: Code) -> bool {
        self.severity(code).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn codes_match_in_any_case() {
        let config = Config::parse(
            "[rules]\nrs112 = \"off\"\nRs101 = \"warning\"",
            Path::new("r.toml"),
        )
        .unwrap();
        let settings = Settings::from_config(&config).unwrap();
        assert!(!settings.enabled(Code::RS112));
        assert_eq!(settings.severity(Code::RS101), Some(Severity::Warning));
        assert_eq!(settings.severity(Code::RS001), Some(Severity::Error));
    }

    #[test]
    fn unknown_code_names_the_key_and_file() {
        let config = Config::parse("[rules]\nRS1O1 = \"off\"", Path::new("x/r.toml")).unwrap();
        let err = Settings::from_config(&config).unwrap_err().to_string();
        assert!(err.contains("is not a rollsafe rule code"), "{err}");
        assert!(err.contains("RS1O1") && err.contains("x/r.toml"), "{err}");
    }
}
