//! What the migrations are written for: the database engine and version they run on, and the
//! migration tool that applies them. Every stage reads these; they depend on nothing.

/// The database engine a migration runs on. PostgreSQL is the reference; MySQL, MariaDB and
/// SQLite get their own parse and analyze folders (`parse/<dialect>/`, `analyze/<dialect>/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Postgres,
    Mysql,
    Mariadb,
    Sqlite,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Mariadb => "mariadb",
            Dialect::Sqlite => "sqlite",
        }
    }

    /// MySQL and MariaDB share the grammar, the online-DDL model and the implicit commit of DDL.
    pub fn is_mysql_family(self) -> bool {
        matches!(self, Dialect::Mysql | Dialect::Mariadb)
    }

    /// The version assumed when none is configured.
    pub fn default_version(self) -> Version {
        match self {
            Dialect::Postgres => Version::new(16, 0, 0),
            // A current 8.0 (instant ADD/DROP COLUMN anywhere); set `version` for older patches.
            Dialect::Mysql => Version::new(8, 0, 36),
            Dialect::Mariadb => Version::new(10, 11, 0),
            Dialect::Sqlite => Version::new(3, 40, 0),
        }
    }

    /// The oldest version rollsafe has facts for, and the newest it knows.
    pub fn supported(self) -> (Version, Version) {
        match self {
            Dialect::Postgres => (Version::new(11, 0, 0), Version::new(18, 99, 99)),
            Dialect::Mysql => (Version::new(5, 7, 0), Version::new(9, 99, 99)),
            Dialect::Mariadb => (Version::new(10, 0, 0), Version::new(11, 99, 99)),
            Dialect::Sqlite => (Version::new(3, 0, 0), Version::new(3, 999, 99)),
        }
    }
}

/// An engine version: MySQL's facts change at patch releases (8.0.12, 8.0.29).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// `8`, `8.0` or `8.0.29` (missing parts are 0).
    pub fn parse(s: &str) -> Option<Version> {
        let mut parts = s.trim().split('.');
        let mut next = |required: bool| -> Option<u32> {
            match parts.next() {
                Some(p) => p.parse().ok(),
                None if required => None,
                None => Some(0),
            }
        };
        let v = Version::new(next(true)?, next(false)?, next(false)?);
        parts.next().is_none().then_some(v)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// An engine at a version: facts (locks, rewrites, what runs in a transaction) depend on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    pub dialect: Dialect,
    /// The major version (PostgreSQL: 11 to 18); `release` has the full version.
    pub version: u32,
    pub release: Version,
}

impl Target {
    pub fn postgres(major: u32) -> Target {
        Target::new(Dialect::Postgres, Version::new(major, 0, 0))
    }

    pub fn new(dialect: Dialect, release: Version) -> Target {
        Target {
            dialect,
            version: release.major,
            release,
        }
    }

    /// Whether the engine is at least `major.minor.patch`.
    pub fn at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        self.release >= Version::new(major, minor, patch)
    }

    /// The dialect a file name says unambiguously (popx: `….mysql.up.sql`,
    /// `….sqlite3.up.sql`); other names say nothing.
    pub fn dialect_from_file_name(name: &str) -> Option<Dialect> {
        let lower = name.to_ascii_lowercase();
        if lower.contains(".mysql.") {
            Some(Dialect::Mysql)
        } else if lower.contains(".sqlite3.") || lower.contains(".sqlite.") {
            Some(Dialect::Sqlite)
        } else if lower.contains(".postgres.") || lower.contains(".postgresql.") {
            Some(Dialect::Postgres)
        } else {
            None
        }
    }
}

/// The migration tool a directory belongs to.
/// Also the value of `--layout` (clap spells the variants in kebab-case, as the config does).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    GolangMigrate,
    Sqlx,
    Diesel,
    Flyway,
    Prisma,
    Goose,
    Dbmate,
    Sqitch,
    Liquibase,
    Plain,
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::GolangMigrate => "golang-migrate",
            Layout::Sqlx => "sqlx",
            Layout::Diesel => "diesel",
            Layout::Flyway => "flyway",
            Layout::Prisma => "prisma",
            Layout::Goose => "goose",
            Layout::Dbmate => "dbmate",
            Layout::Sqitch => "sqitch",
            Layout::Liquibase => "liquibase",
            Layout::Plain => "plain",
        }
    }
    pub const ALL: [Layout; 10] = [
        Layout::GolangMigrate,
        Layout::Sqlx,
        Layout::Diesel,
        Layout::Flyway,
        Layout::Prisma,
        Layout::Goose,
        Layout::Dbmate,
        Layout::Sqitch,
        Layout::Liquibase,
        Layout::Plain,
    ];
}
