//! What the migrations are written for: the database engine and version they run on, and the
//! migration tool that applies them. Every stage reads these; they depend on nothing.

/// The database engine a migration runs on. PostgreSQL is the reference; MySQL, MariaDB and
/// SQLite get their own parse and analyze folders (`parse/<dialect>/`, `analyze/<dialect>/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    Postgres,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
        }
    }
}

/// An engine at a version: facts (locks, rewrites, what runs in a transaction) depend on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    pub dialect: Dialect,
    /// The major version (PostgreSQL: 11 to 18).
    pub version: u32,
}

impl Target {
    pub fn postgres(major: u32) -> Target {
        Target {
            dialect: Dialect::Postgres,
            version: major,
        }
    }
}

/// The migration tool a directory belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
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
