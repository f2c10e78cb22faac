//! The MySQL/MariaDB online-DDL facts, checked against a real MariaDB (10.11 from Debian).
//!
//! For every statement form below, the test asks the server which `ALGORITHM=` (INSTANT,
//! NOCOPY, INPLACE, COPY) and which `LOCK=` (NONE, SHARED, EXCLUSIVE) it accepts, each on a fresh
//! copy of the schema: a refused `ALGORITHM=INSTANT` proves the operation needs more, a refused
//! `LOCK=NONE` proves writes wait. rollsafe must say exactly the same for each probe (its
//! "explicit clause the engine refuses" fact), and so report the same weakest algorithm and lock.
//!
//! MySQL 8 facts that differ are not checked here (no server in the test image): they come from
//! the MySQL reference manual and are cited in `src/analyze/mysql/online.rs`.
//!
//! Needs `mariadb-install-db`, `mariadbd` and `mariadb` (scripts/setup.sh installs them); it fails
//! when they are missing, unless `ROLLSAFE_SKIP_MARIADB=1`, which skips it with a loud message.

#[path = "common/mariadb.rs"]
mod mariadb;

use std::path::PathBuf;

use rollsafe::analyze::mysql::{Algorithm, DdlLock};
use rollsafe::config::Config;
use rollsafe::target::Dialect;

/// The schema every case starts from.
const BASE: &str = "
CREATE TABLE t (
  id INT NOT NULL,
  a INT NULL,
  b INT NOT NULL DEFAULT 0,
  v VARCHAR(20) NULL,
  w VARCHAR(100) NULL,
  e ENUM('x','y') NULL,
  s SET('p','q') NULL,
  d DATE NULL,
  txt TEXT NULL,
  PRIMARY KEY (id),
  KEY ia (a)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO t (id, a, v) VALUES (1, 1, 'one');
CREATE TABLE p (id INT NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB;
CREATE TABLE c (id INT NOT NULL, pid INT NULL, PRIMARY KEY (id), CONSTRAINT fk_c FOREIGN KEY (pid) REFERENCES p (id), CONSTRAINT chk CHECK (id > 0)) ENGINE=InnoDB;
INSERT INTO p (id) VALUES (1);
INSERT INTO c (id, pid) VALUES (1, 1);
CREATE TABLE np (id INT NOT NULL, x INT NULL) ENGINE=InnoDB;
CREATE TABLE ai (id INT NOT NULL AUTO_INCREMENT, PRIMARY KEY (id)) ENGINE=InnoDB;
CREATE TABLE sp (id INT NOT NULL, g GEOMETRY NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB;
";

/// A statement form: the session settings before it, and the statement (without ALGORITHM/LOCK).
struct Case {
    session: &'static str,
    sql: &'static str,
}

const fn c(sql: &'static str) -> Case {
    Case { session: "", sql }
}

const CASES: &[Case] = &[
    c("ALTER TABLE t ADD COLUMN x INT"),
    c("ALTER TABLE t ADD COLUMN x INT NULL DEFAULT 5"),
    c("ALTER TABLE t ADD COLUMN x INT NOT NULL"),
    c("ALTER TABLE t ADD COLUMN x INT NOT NULL DEFAULT 1"),
    c("ALTER TABLE t ADD COLUMN x VARCHAR(50)"),
    c("ALTER TABLE t ADD COLUMN x VARCHAR(300)"),
    c("ALTER TABLE t ADD COLUMN x INT FIRST"),
    c("ALTER TABLE t ADD COLUMN x INT AFTER a"),
    c("ALTER TABLE t ADD COLUMN x TEXT"),
    c("ALTER TABLE t ADD COLUMN x INT AS (a + 1) VIRTUAL"),
    c("ALTER TABLE t ADD COLUMN x INT AS (a + 1) STORED"),
    c("ALTER TABLE t ADD COLUMN x INT UNIQUE"),
    c("ALTER TABLE t ADD COLUMN x JSON"),
    c("ALTER TABLE t ADD COLUMN x INT, ADD COLUMN y INT"),
    c("ALTER TABLE t ADD COLUMN x ENUM('m','n') NOT NULL DEFAULT 'm'"),
    c("ALTER TABLE t ADD COLUMN x DATETIME DEFAULT CURRENT_TIMESTAMP"),
    c("ALTER TABLE t ADD COLUMN x INT, DROP COLUMN d"),
    c("ALTER TABLE t ADD COLUMN x INT, ADD INDEX ix (v)"),
    c("ALTER TABLE t ADD COLUMN x INT, MODIFY a BIGINT NULL"),
    c("ALTER TABLE np ADD COLUMN seq INT NOT NULL AUTO_INCREMENT PRIMARY KEY"),
    c("ALTER TABLE t DROP COLUMN d"),
    c("ALTER TABLE t DROP COLUMN a"),
    c("ALTER TABLE t DROP COLUMN txt"),
    c("ALTER TABLE t DROP COLUMN b"),
    c("ALTER TABLE t DROP COLUMN v, DROP COLUMN w"),
    c("ALTER TABLE t DROP COLUMN id"),
    c("ALTER TABLE t RENAME COLUMN a TO a2"),
    c("ALTER TABLE t RENAME COLUMN d TO d2"),
    c("ALTER TABLE t CHANGE COLUMN d d2 DATE NULL"),
    c("ALTER TABLE t CHANGE COLUMN a a2 INT NULL"),
    c("ALTER TABLE t CHANGE COLUMN a a2 BIGINT NULL"),
    c("ALTER TABLE t CHANGE COLUMN v v VARCHAR(20) NULL"),
    c("ALTER TABLE t MODIFY v VARCHAR(60) NULL"),
    c("ALTER TABLE t MODIFY v VARCHAR(64) NULL"),
    c("ALTER TABLE t MODIFY w VARCHAR(200) NULL"),
    c("ALTER TABLE t MODIFY v VARCHAR(10) NULL"),
    c("ALTER TABLE t MODIFY w VARCHAR(50) NULL"),
    c("ALTER TABLE t MODIFY a BIGINT NULL"),
    c("ALTER TABLE t MODIFY b BIGINT NOT NULL DEFAULT 0"),
    c("ALTER TABLE t MODIFY id BIGINT NOT NULL"),
    c("ALTER TABLE t MODIFY a INT NOT NULL"),
    c("ALTER TABLE t MODIFY v VARCHAR(20) NOT NULL"),
    c("ALTER TABLE t MODIFY b INT NULL DEFAULT 0"),
    c("ALTER TABLE t MODIFY e ENUM('x','y','z') NULL"),
    c("ALTER TABLE t MODIFY e ENUM('y','x') NULL"),
    c("ALTER TABLE t MODIFY e ENUM('x') NULL"),
    c("ALTER TABLE t MODIFY e ENUM('x','y') NULL DEFAULT 'x'"),
    c("ALTER TABLE t MODIFY s SET('p','q','r') NULL"),
    c("ALTER TABLE t MODIFY d DATETIME NULL"),
    c("ALTER TABLE t MODIFY d DATE NULL DEFAULT '2020-01-01'"),
    c("ALTER TABLE t MODIFY a INT NULL FIRST"),
    c("ALTER TABLE t MODIFY a INT NULL AFTER d"),
    c("ALTER TABLE t MODIFY a INT NULL COMMENT 'hello'"),
    c("ALTER TABLE t MODIFY txt MEDIUMTEXT NULL"),
    c("ALTER TABLE t MODIFY a VARCHAR(10) NULL"),
    c("ALTER TABLE t MODIFY v VARCHAR(20) CHARACTER SET latin1 NULL"),
    c("ALTER TABLE t ALTER COLUMN a SET DEFAULT 3"),
    c("ALTER TABLE t ALTER COLUMN b DROP DEFAULT"),
    c("ALTER TABLE t ALTER COLUMN v SET DEFAULT 'q'"),
    c("ALTER TABLE t ADD INDEX ix (v)"),
    c("ALTER TABLE t ADD INDEX ix2 (a, b)"),
    c("ALTER TABLE t ADD KEY (d)"),
    c("ALTER TABLE t ADD UNIQUE INDEX ux (v)"),
    c("ALTER TABLE t ADD INDEX ipref (txt(10))"),
    c("ALTER TABLE t ADD FULLTEXT INDEX fx (txt)"),
    c("ALTER TABLE sp ADD SPATIAL INDEX sx (g)"),
    c("CREATE INDEX ci ON t (v)"),
    c("CREATE UNIQUE INDEX cu ON t (v)"),
    c("CREATE INDEX cm ON t (a, d)"),
    c("ALTER TABLE t DROP INDEX ia"),
    c("DROP INDEX ia ON t"),
    c("ALTER TABLE t ADD INDEX ix (v), DROP INDEX ia"),
    c("ALTER TABLE t RENAME INDEX ia TO ia2"),
    c("ALTER TABLE t DROP PRIMARY KEY"),
    c("ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, b)"),
    c("ALTER TABLE np ADD PRIMARY KEY (id)"),
    c("ALTER TABLE t ADD CONSTRAINT chk_b CHECK (b >= 0)"),
    c("ALTER TABLE c DROP CONSTRAINT chk"),
    c("ALTER TABLE c ADD CONSTRAINT fk2 FOREIGN KEY (pid) REFERENCES p (id)"),
    Case {
        session: "SET foreign_key_checks = 0;",
        sql: "ALTER TABLE c ADD CONSTRAINT fk2 FOREIGN KEY (pid) REFERENCES p (id)",
    },
    Case {
        session: "SET foreign_key_checks = 0;",
        sql: "ALTER TABLE p ADD COLUMN q INT NULL, ADD CONSTRAINT fk3 FOREIGN KEY (q) REFERENCES c (id)",
    },
    c("ALTER TABLE c DROP FOREIGN KEY fk_c"),
    c("ALTER TABLE t RENAME TO t2"),
    c("ALTER TABLE t ENGINE=InnoDB"),
    c("ALTER TABLE t FORCE"),
    c("ALTER TABLE t ROW_FORMAT=COMPACT"),
    c("ALTER TABLE t CONVERT TO CHARACTER SET latin1"),
    c("ALTER TABLE ai AUTO_INCREMENT=100"),
    c("ALTER TABLE t COMMENT='x'"),
];

const ALGORITHMS: [Algorithm; 4] = [
    Algorithm::Instant,
    Algorithm::Nocopy,
    Algorithm::Inplace,
    Algorithm::Copy,
];
const LOCKS: [DdlLock; 3] = [DdlLock::None, DdlLock::Shared, DdlLock::Exclusive];

/// The statement with a clause appended (`, ALGORITHM=X` for ALTER TABLE).
fn with_clause(sql: &str, clause: &str) -> String {
    if sql.starts_with("ALTER") {
        format!("{sql}, {clause}")
    } else {
        format!("{sql} {clause}")
    }
}

/// rollsafe's online-DDL facts for the last statement of BASE + session + `sql`.
fn rollsafe_facts(sql: &str, session: &str) -> Option<rollsafe::analyze::mysql::OnlineDdl> {
    let mut config = Config {
        dialect: Some(Dialect::Mariadb),
        ..Config::default()
    };
    config.set_version("10.11").ok()?;
    let text = format!("{BASE}\n{session}\n{sql};\n");
    let set = rollsafe::discover::from_text(PathBuf::from("migration.sql"), text, &config);
    let units = rollsafe::analyze::analyze(set.units, &Default::default());
    let last = units.first()?.statements.last()?;
    assert!(
        last.syntax_error.is_none(),
        "{sql}: rollsafe cannot parse it: {:?}",
        last.syntax_error
    );
    last.online.as_deref().cloned()
}

#[test]
fn online_ddl_facts_match_mariadb() {
    if std::env::var("ROLLSAFE_SKIP_MARIADB").is_ok_and(|v| v == "1") {
        eprintln!(
            "\n*** SKIPPED mysql_facts: ROLLSAFE_SKIP_MARIADB=1, no MariaDB server was run ***\n"
        );
        return;
    }
    let db = mariadb::MariaDb::start().unwrap_or_else(|e| {
        panic!(
            "cannot start MariaDB: {e}\n(install mariadb-server, or set ROLLSAFE_SKIP_MARIADB=1)"
        )
    });
    assert!(
        db.version.starts_with("10.11"),
        "expected MariaDB 10.11, got {}",
        db.version
    );
    let verbose = std::env::var("ROLLSAFE_MYSQL_FACTS_VERBOSE").is_ok_and(|v| v == "1");
    let mut mismatches = Vec::new();
    let mut probes = 0;
    // A refused ALTER changes nothing: the schema is rebuilt only after one that ran.
    let dirty = std::cell::Cell::new(true);
    for case in CASES {
        let probe = |clause: &str| -> (bool, String) {
            if dirty.get() {
                let setup = db.run(&format!(
                    "DROP DATABASE IF EXISTS f; CREATE DATABASE f; USE f; {BASE}"
                ));
                assert!(setup.ok, "setup failed: {}", setup.stderr);
            }
            let r = db.run(&format!(
                "USE f; {} {};",
                case.session,
                with_clause(case.sql, clause)
            ));
            dirty.set(r.ok);
            (r.ok, r.stderr.trim().to_string())
        };
        let Some(facts) = rollsafe_facts(case.sql, case.session) else {
            mismatches.push(format!("{}: rollsafe has no online-DDL facts", case.sql));
            continue;
        };
        let mut server_algorithm = None;
        for a in ALGORITHMS {
            let clause = format!("ALGORITHM={}", a.name());
            let (ok, err) = probe(&clause);
            probes += 1;
            let ours = rollsafe_facts(&with_clause(case.sql, &clause), case.session)
                .and_then(|f| f.refused);
            if verbose {
                eprintln!(
                    "{} / {clause}: server {}, rollsafe {:?}",
                    case.sql,
                    if ok { "ok" } else { &err },
                    ours
                );
            }
            if ok == ours.is_some() {
                mismatches.push(format!(
                    "{} {clause}: MariaDB {}, rollsafe {}",
                    case.sql,
                    if ok {
                        "accepts".to_string()
                    } else {
                        format!("refuses ({err})")
                    },
                    ours.map_or("accepts".to_string(), |w| format!("refuses ({w})"))
                ));
            }
            if ok && server_algorithm.is_none() {
                server_algorithm = Some(a);
            }
        }
        let mut server_lock = None;
        for l in LOCKS {
            let clause = format!("LOCK={}", l.name());
            let (ok, err) = probe(&clause);
            probes += 1;
            let ours = rollsafe_facts(&with_clause(case.sql, &clause), case.session)
                .and_then(|f| f.refused);
            if ok == ours.is_some() {
                mismatches.push(format!(
                    "{} {clause}: MariaDB {}, rollsafe {}",
                    case.sql,
                    if ok {
                        "accepts".to_string()
                    } else {
                        format!("refuses ({err})")
                    },
                    ours.map_or("accepts".to_string(), |w| format!("refuses ({w})"))
                ));
            }
            if ok && server_lock.is_none() {
                server_lock = Some(l);
            }
        }
        // MariaDB's DROP INDEX statement takes no clause at all (every probe refused, as rollsafe
        // says): there is no weakest to compare.
        let no_clause = server_algorithm.is_none() && server_lock.is_none();
        if !no_clause
            && (server_algorithm != Some(facts.algorithm) || server_lock != Some(facts.lock))
        {
            mismatches.push(format!(
                "{}: MariaDB ALGORITHM={:?} LOCK={:?}, rollsafe ALGORITHM={} LOCK={}",
                case.sql,
                server_algorithm.map(Algorithm::name),
                server_lock.map(DdlLock::name),
                facts.algorithm.name(),
                facts.lock.name()
            ));
        }
    }
    eprintln!(
        "mysql_facts: {} statement forms, {probes} probes against MariaDB {}",
        CASES.len(),
        db.version
    );
    assert!(CASES.len() >= 80, "at least 80 statement forms");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
