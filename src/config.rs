//! `rollsafe.toml`: found by walking up from the working directory, or named with `--config`.
//! Unknown keys are errors that name the key and the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::target::{Dialect, Layout, Target, Version};

pub const FILE_NAME: &str = "rollsafe.toml";
pub const DEFAULT_PG_VERSION: u32 = 16;
pub const SUPPORTED_PG_VERSIONS: std::ops::RangeInclusive<u32> = 11..=18;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl RuleLevel {
    pub fn name(self) -> &'static str {
        match self {
            RuleLevel::Off => "off",
            RuleLevel::Info => "info",
            RuleLevel::Warning => "warning",
            RuleLevel::Error => "error",
        }
    }
}

impl From<Severity> for RuleLevel {
    fn from(s: Severity) -> RuleLevel {
        match s {
            Severity::Info => RuleLevel::Info,
            Severity::Warning => RuleLevel::Warning,
            Severity::Error => RuleLevel::Error,
        }
    }
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A rule's configured level: a severity, or `off`. Ordered from weakest to strictest, so the
/// stricter of two levels is their maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Off,
    Info,
    Warning,
    Error,
}

/// A field a contract marker must carry; `ticket-or-reason` accepts either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequiredField {
    ApprovedBy,
    Ticket,
    Reason,
    After,
    TicketOrReason,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ContractConfig {
    #[serde(default = "default_required")]
    pub required: Vec<RequiredField>,
    /// When non-empty, every name in `approved-by` must be one of these.
    #[serde(default)]
    pub approvers: Vec<String>,
    /// Whether a statement that loses data needs `recovery=` on its marker (RS406).
    #[serde(default = "yes")]
    pub require_recovery: bool,
    /// The fields a `break-glass` marker must carry (RS004).
    #[serde(default = "default_break_glass_required")]
    pub break_glass_required: Vec<BreakGlassField>,
    /// Whether dropping an index needs a contract approval (RS001) instead of a warning (RS008).
    #[serde(default)]
    pub approve_index_drops: bool,
    /// With `--diff-base`, the base revision's `approvers` when it had some: every name must be
    /// on this list too, so a change cannot add an approver for itself.
    #[serde(skip)]
    pub base_approvers: Vec<String>,
    /// `approvers-from = "CODEOWNERS"`: only owners of a migration's path may approve it.
    #[serde(default)]
    pub approvers_from: Option<ApproverSource>,
    /// The CODEOWNERS file `approvers-from` reads, loaded by the CLI; `None` when there is none
    /// (then no approval counts).
    #[serde(skip)]
    pub codeowners: Option<std::sync::Arc<crate::codeowners::Codeowners>>,
    /// With `--approvals-from-github`: the logins with an approving review of the pull request
    /// on its head commit. Every `approved-by` name must be one of them.
    #[serde(skip)]
    pub reviewed_by: Option<std::sync::Arc<Vec<String>>>,
}

/// A field a break-glass marker must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BreakGlassField {
    Incident,
    ApprovedBy,
    Reason,
    Recovery,
    FollowUp,
    Ticket,
}

impl BreakGlassField {
    pub fn key(self) -> &'static str {
        match self {
            BreakGlassField::Incident => "incident",
            BreakGlassField::ApprovedBy => "approved-by",
            BreakGlassField::Reason => "reason",
            BreakGlassField::Recovery => "recovery",
            BreakGlassField::FollowUp => "follow-up",
            BreakGlassField::Ticket => "ticket",
        }
    }
}

fn yes() -> bool {
    true
}

fn default_break_glass_required() -> Vec<BreakGlassField> {
    vec![
        BreakGlassField::Incident,
        BreakGlassField::ApprovedBy,
        BreakGlassField::Reason,
        BreakGlassField::Recovery,
        BreakGlassField::FollowUp,
    ]
}

/// Where the names that may approve a migration come from, besides `approvers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ApproverSource {
    /// GitHub's CODEOWNERS file: the owners of the migration's path.
    #[serde(rename = "CODEOWNERS")]
    Codeowners,
}

impl RequiredField {
    /// As written in `rollsafe.toml`.
    pub fn name(self) -> &'static str {
        match self {
            RequiredField::ApprovedBy => "approved-by",
            RequiredField::Ticket => "ticket",
            RequiredField::Reason => "reason",
            RequiredField::After => "after",
            RequiredField::TicketOrReason => "ticket-or-reason",
        }
    }

    /// Whether a marker that satisfies `self` always satisfies `other` too.
    pub fn implies(self, other: RequiredField) -> bool {
        self == other
            || (other == RequiredField::TicketOrReason
                && matches!(self, RequiredField::Ticket | RequiredField::Reason))
    }
}

impl ContractConfig {
    /// Whether `who` may approve: on every approver list that is set.
    pub fn allows_approver(&self, who: &str) -> bool {
        [&self.approvers, &self.base_approvers]
            .iter()
            .all(|list| list.is_empty() || list.iter().any(|a| a == who))
    }
}

fn default_required() -> Vec<RequiredField> {
    vec![RequiredField::ApprovedBy, RequiredField::TicketOrReason]
}

impl Default for ContractConfig {
    fn default() -> Self {
        ContractConfig {
            required: default_required(),
            approvers: Vec::new(),
            require_recovery: true,
            break_glass_required: default_break_glass_required(),
            approve_index_drops: false,
            base_approvers: Vec::new(),
            approvers_from: None,
            codeowners: None,
            reviewed_by: None,
        }
    }
}

/// `[[directories]]`: the engine of the migrations under one folder (relative to the config).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DirectoryTarget {
    pub path: PathBuf,
    pub dialect: Dialect,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(skip)]
    pub release: Option<Version>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    #[serde(default = "default_pg_version")]
    pub pg_version: u32,
    /// The engine the migrations run on (default postgres; see also file-name detection).
    #[serde(default)]
    pub dialect: Option<Dialect>,
    /// The engine's version (`8.0.29`, `10.11`, `3.40`); for PostgreSQL the same as pg-version.
    #[serde(default)]
    pub version: Option<String>,
    /// `version`, parsed.
    #[serde(skip)]
    pub release: Option<Version>,
    /// Per-directory engines, for a repository with migrations for several.
    #[serde(default)]
    pub directories: Vec<DirectoryTarget>,
    /// Directories linted when `check` gets no paths.
    #[serde(default)]
    pub migrations: Vec<PathBuf>,
    /// Force one layout instead of detecting it per directory.
    #[serde(default)]
    pub layout: Option<Layout>,
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Whether plain files run inside a transaction (the tool applying them is unknown).
    #[serde(default)]
    pub plain_in_transaction: bool,
    /// Rule code (as written) → level; `rules::Settings` matches the codes.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleLevel>,
    #[serde(default)]
    pub contract: ContractConfig,
    /// Values of the migration tool's placeholders (`${name}`, `{{ … }}`, psql `:name`), by
    /// name: the parser reads these where the tool would substitute them.
    #[serde(default)]
    pub placeholders: BTreeMap<String, String>,
    /// Where the config was read from; paths in it are relative to its folder.
    #[serde(skip)]
    pub path: Option<PathBuf>,
    /// The file's text, to point findings about the config at the line of a key.
    #[serde(skip)]
    pub text: String,
}

fn default_pg_version() -> u32 {
    DEFAULT_PG_VERSION
}

impl Default for Config {
    fn default() -> Self {
        Config {
            pg_version: DEFAULT_PG_VERSION,
            dialect: None,
            version: None,
            release: None,
            directories: Vec::new(),
            migrations: Vec::new(),
            layout: None,
            include: Vec::new(),
            exclude: Vec::new(),
            plain_in_transaction: false,
            rules: BTreeMap::new(),
            contract: ContractConfig::default(),
            placeholders: BTreeMap::new(),
            path: None,
            text: String::new(),
        }
    }
}

impl Config {
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let mut config: Config = toml::from_str(text).map_err(|e| {
            // toml's message already names the unknown key and its line.
            invalid(e.to_string().trim_end().replace('\n', "\n  "))
        })?;
        if let Some(v) = config.version.clone() {
            config.set_version(&v).map_err(invalid)?;
        }
        if !SUPPORTED_PG_VERSIONS.contains(&config.pg_version) {
            return Err(invalid(format!(
                "pg-version = {} is not supported (supported: 11 to 18)",
                config.pg_version
            )));
        }
        for glob in config.include.iter().chain(&config.exclude) {
            globset::Glob::new(glob).map_err(|e| invalid(format!("bad glob `{glob}`: {e}")))?;
        }
        for dir in &mut config.directories {
            if let Some(text) = &dir.version {
                let mut probe = Config {
                    dialect: Some(dir.dialect),
                    ..Config::default()
                };
                probe
                    .set_version(text)
                    .map_err(|e| invalid(format!("[[directories]] {}: {e}", dir.path.display())))?;
                dir.release = probe.release;
            }
        }
        config.path = Some(path.to_path_buf());
        config.text = text.to_string();
        Ok(config)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// The nearest `rollsafe.toml` in `start` or one of its parents.
    pub fn find(start: &Path) -> Option<PathBuf> {
        start
            .ancestors()
            .map(|dir| dir.join(FILE_NAME))
            .find(|p| p.is_file())
    }

    /// The engine and version the migrations run on.
    pub fn target(&self) -> Target {
        match self.dialect.unwrap_or(Dialect::Postgres) {
            Dialect::Postgres => Target::postgres(self.pg_version),
            d => Target::new(d, self.release.unwrap_or(d.default_version())),
        }
    }

    /// The target of a unit at `path`: a `[[directories]]` entry holding it (the longest),
    /// else the configured one, unless no dialect is configured and the file name says which
    /// engine it is for (popx).
    pub fn target_for(&self, path: &Path) -> Target {
        let base = self.base_dir().unwrap_or(Path::new(""));
        let entry = self
            .directories
            .iter()
            .filter(|d| {
                let dir = base.join(&d.path);
                path.starts_with(&dir) || path.starts_with(&d.path)
            })
            .max_by_key(|d| d.path.components().count());
        if let Some(d) = entry {
            return Target::new(d.dialect, d.release.unwrap_or(d.dialect.default_version()));
        }
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        match (self.dialect, Target::dialect_from_file_name(&file_name)) {
            (None, Some(d)) if d != Dialect::Postgres => Target::new(d, d.default_version()),
            _ => self.target(),
        }
    }

    /// Apply `version` (config key or `--version`) for the configured dialect.
    pub fn set_version(&mut self, text: &str) -> Result<(), String> {
        let dialect = self.dialect.unwrap_or(Dialect::Postgres);
        let v = Version::parse(text)
            .ok_or_else(|| format!("version = {text:?} is not a version (e.g. 8.0.29)"))?;
        let (low, high) = dialect.supported();
        if v < low || v > high {
            return Err(format!(
                "version {text} is not supported for {} (supported: {}.{} to {}.x)",
                dialect.name(),
                low.major,
                low.minor,
                high.major
            ));
        }
        if dialect == Dialect::Postgres {
            self.pg_version = v.major;
        }
        self.release = Some(v);
        self.version = Some(text.to_string());
        Ok(())
    }

    /// The folder that relative paths in the config are resolved against.
    pub fn base_dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }
}

/// The byte offset of a key in the config's text: `table` is the enclosing table (`None` for the
/// top level), `key` matches the key as written. Falls back to the table's own key, then to
/// the start of the file, so a finding about a removed key still points somewhere real.
pub fn key_offset(text: &str, table: Option<&str>, key: &dyn Fn(&str) -> bool) -> usize {
    let Ok(doc) = toml::de::DeTable::parse(text) else {
        return 0;
    };
    let root = doc.get_ref();
    let find = |t: &toml::de::DeTable<'_>| {
        t.iter()
            .find(|(k, _)| key(k.get_ref()))
            .map(|(k, _)| k.span().start)
    };
    match table {
        None => find(root).unwrap_or(0),
        Some(name) => match root.iter().find(|(k, _)| k.get_ref() == name) {
            Some((k, v)) => match v.get_ref() {
                toml::de::DeValue::Table(t) => find(t).unwrap_or(k.span().start),
                _ => k.span().start,
            },
            None => 0,
        },
    }
}

pub const INIT_TEMPLATE: &str = include_str!("init_template.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_the_key_and_file() {
        let err = Config::parse("pg-verison = 15\n", Path::new("x/rollsafe.toml")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("x/rollsafe.toml"), "{msg}");
        assert!(msg.contains("pg-verison"), "{msg}");
    }

    #[test]
    fn rejects_unsupported_version() {
        // Unknown rule codes are checked where codes are known: `rules::Settings`.
        assert!(Config::parse("pg-version = 10", Path::new("r.toml")).is_err());
    }

    #[test]
    fn dialect_and_version() {
        let c = Config::parse(
            "dialect = \"mysql\"\nversion = \"8.0.29\"\n",
            Path::new("r.toml"),
        )
        .unwrap();
        assert_eq!(c.target().dialect, Dialect::Mysql);
        assert!(c.target().at_least(8, 0, 29));
        assert!(!c.target().at_least(8, 0, 30));
        let c = Config::parse("dialect = \"mariadb\"\n", Path::new("r.toml")).unwrap();
        assert_eq!(c.target().release, Version::new(10, 11, 0));
        let c = Config::parse("version = \"15\"\n", Path::new("r.toml")).unwrap();
        assert_eq!(c.target(), Target::postgres(15));
        assert!(Config::parse("dialect = \"oracle\"\n", Path::new("r.toml")).is_err());
        assert!(
            Config::parse(
                "dialect = \"sqlite\"\nversion = \"4.1\"\n",
                Path::new("r.toml")
            )
            .is_err()
        );
        assert_eq!(
            Config::default()
                .target_for(Path::new("m/20200101_x.sqlite3.up.sql"))
                .dialect,
            Dialect::Sqlite
        );
        let c = Config::parse(
            "[[directories]]\npath = \"db/mysql\"\ndialect = \"mysql\"\nversion = \"8.0.28\"\n",
            Path::new("repo/rollsafe.toml"),
        )
        .unwrap();
        let t = c.target_for(Path::new("repo/db/mysql/001_a.sql"));
        assert_eq!((t.dialect, t.at_least(8, 0, 29)), (Dialect::Mysql, false));
        assert_eq!(
            c.target_for(Path::new("repo/db/pg/001_a.sql")).dialect,
            Dialect::Postgres
        );
        assert!(
            Config::parse(
                "[[directories]]\npath = \"x\"\ndialect = \"sqlite\"\nversion = \"9\"\n",
                Path::new("r.toml")
            )
            .is_err()
        );
    }

    #[test]
    fn init_template_is_a_valid_config() {
        let c = Config::parse(INIT_TEMPLATE, Path::new("rollsafe.toml")).unwrap();
        assert_eq!(c.pg_version, 16);
    }
}
