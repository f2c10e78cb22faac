//! A throwaway PostgreSQL cluster for tests: `initdb` into a temp dir, `pg_ctl start` on a
//! private unix socket, `psql` for queries, and `pg_ctl stop` + removal when dropped.
//!
//! The server binaries come from `pg_config --bindir` (Debian: `/usr/lib/postgresql/15/bin`),
//! or from `ROLLSAFE_PG_BINDIR`. PostgreSQL refuses to run as root, so when the tests run as
//! root every server and client program runs as the `postgres` user through `runuser`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct PgCluster {
    dir: tempfile::TempDir,
    bindir: PathBuf,
    data: PathBuf,
    socket_dir: PathBuf,
    port: u16,
    /// Run programs through `runuser -u postgres --` (the tests run as root).
    as_postgres: bool,
    /// `server_version_num`, e.g. 150018.
    pub version_num: u32,
    pub version: String,
}

/// The result of one `psql` run.
pub struct Psql {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Psql {
    fn from(out: Output) -> Psql {
        Psql {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
    /// Output lines starting with `tag|`, split into fields (without the tag).
    pub fn rows(&self, tag: &str) -> Vec<Vec<String>> {
        let prefix = format!("{tag}|");
        self.stdout
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .map(|l| l.split('|').map(str::to_string).collect())
            .collect()
    }
    /// The first `ERROR:` line psql printed, if any.
    pub fn error(&self) -> Option<String> {
        self.stderr
            .lines()
            .find_map(|l| l.split_once("ERROR:").map(|(_, m)| m.trim().to_string()))
            .or_else(|| (!self.ok).then(|| self.stderr.trim().to_string()))
    }
}

/// Why a cluster could not be started.
#[derive(Debug)]
pub enum StartError {
    /// initdb / pg_ctl / postgres / psql are not installed.
    Missing(String),
    Failed(String),
}

fn run(cmd: &mut Command) -> Result<Output, String> {
    cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The folder holding initdb, pg_ctl, postgres and psql.
pub fn bindir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("ROLLSAFE_PG_BINDIR") {
        return Ok(PathBuf::from(dir));
    }
    let out = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .map_err(|e| {
            format!("`pg_config --bindir` failed: {e} (install postgresql-15 and libpq-dev)")
        })?;
    if !out.status.success() {
        return Err(format!(
            "`pg_config --bindir` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn free_port() -> Result<u16, String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

impl PgCluster {
    pub fn start() -> Result<PgCluster, StartError> {
        let bindir = bindir().map_err(StartError::Missing)?;
        for program in ["initdb", "pg_ctl", "postgres", "psql"] {
            if !bindir.join(program).is_file() {
                return Err(StartError::Missing(format!(
                    "{} does not exist (install postgresql-15: the server binaries)",
                    bindir.join(program).display()
                )));
            }
        }
        let as_postgres = is_root();
        let dir = tempfile::Builder::new()
            .prefix("rollsafe-pg-")
            .tempdir()
            .map_err(|e| StartError::Failed(format!("cannot create a temp dir: {e}")))?;
        if as_postgres {
            let out = run(Command::new("chown")
                .arg("postgres:postgres")
                .arg(dir.path()))
            .map_err(StartError::Failed)?;
            if !out.status.success() {
                return Err(StartError::Failed(format!(
                    "chown postgres {}: {} (does the `postgres` user exist?)",
                    dir.path().display(),
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
        }
        let port = free_port().map_err(StartError::Failed)?;
        let mut cluster = PgCluster {
            data: dir.path().join("data"),
            socket_dir: dir.path().to_path_buf(),
            dir,
            bindir,
            port,
            as_postgres,
            version_num: 0,
            version: String::new(),
        };

        let out = run(cluster
            .program("initdb")
            .arg("-D")
            .arg(&cluster.data)
            .args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]))
        .map_err(StartError::Failed)?;
        if !out.status.success() {
            return Err(StartError::Failed(format!(
                "initdb failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let log = cluster.dir.path().join("server.log");
        let options = format!(
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off -c listen_addresses='' \
             -c unix_socket_directories='{}' -p {} -c max_connections=30",
            cluster.socket_dir.display(),
            cluster.port
        );
        let out = run(cluster
            .program("pg_ctl")
            .arg("-D")
            .arg(&cluster.data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &options, "start"]))
        .map_err(StartError::Failed)?;
        if !out.status.success() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(StartError::Failed(format!(
                "pg_ctl start failed:\n{}{}\nserver log:\n{log}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let v = cluster.psql(
            "postgres",
            "SELECT 'V|' || current_setting('server_version_num') || '|' || version();",
        );
        let row = v.rows("V").into_iter().next();
        let Some(row) = row else {
            return Err(StartError::Failed(format!(
                "cannot query the server: {}",
                v.error().unwrap_or_default()
            )));
        };
        cluster.version_num = row[0].parse().unwrap_or(0);
        cluster.version = row[1].clone();
        Ok(cluster)
    }

    /// PostgreSQL major version, e.g. 15.
    pub fn major(&self) -> u32 {
        self.version_num / 10000
    }

    /// A command for one of the server's programs, run as `postgres` when we are root.
    pub fn program(&self, name: &str) -> Command {
        let path = self.bindir.join(name);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        // Nothing from the caller's environment may point psql elsewhere.
        for var in [
            "PGHOST",
            "PGPORT",
            "PGUSER",
            "PGDATABASE",
            "PGSERVICE",
            "PGOPTIONS",
            "PGPASSWORD",
        ] {
            cmd.env_remove(var);
        }
        cmd.current_dir(self.dir.path());
        cmd
    }

    fn psql_command(&self, db: &str, application_name: &str) -> Command {
        let mut cmd = self.program("psql");
        cmd.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(format!(
                "host={} port={} user=postgres dbname={db} application_name={application_name}",
                self.socket_dir.display(),
                self.port
            ));
        cmd
    }

    /// Run a script in one session; stops at the first error.
    pub fn psql(&self, db: &str, script: &str) -> Psql {
        self.psql_as(db, "rollsafe_test", script)
    }

    pub fn psql_as(&self, db: &str, application_name: &str, script: &str) -> Psql {
        let mut cmd = self.psql_command(db, application_name);
        cmd.args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                return Psql {
                    ok: false,
                    stdout: String::new(),
                    stderr: format!("ERROR: cannot run psql: {e}"),
                };
            }
        };
        if let Some(mut stdin) = child.stdin.take() {
            // A failure here shows up as psql's own error below.
            let _ = stdin.write_all(script.as_bytes());
        }
        match child.wait_with_output() {
            Ok(out) => Psql::from(out),
            Err(e) => Psql {
                ok: false,
                stdout: String::new(),
                stderr: format!("ERROR: psql did not finish: {e}"),
            },
        }
    }

    /// A psql session that reads commands from its stdin as they are written (for sessions
    /// that must stay open while something else happens).
    pub fn session(&self, db: &str, application_name: &str) -> Result<Session, String> {
        let mut cmd = self.psql_command(db, application_name);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let child = cmd.spawn().map_err(|e| format!("cannot run psql: {e}"))?;
        Ok(Session { child })
    }

    /// Run one statement in the background (autocommit, outside any transaction block).
    pub fn spawn_statement(
        &self,
        db: &str,
        application_name: &str,
        sql: &str,
    ) -> Result<Child, String> {
        let mut cmd = self.psql_command(db, application_name);
        cmd.arg("-c")
            .arg(sql)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.spawn().map_err(|e| format!("cannot run psql: {e}"))
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self
            .program("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // The TempDir removes the directory after this.
    }
}

/// An open psql session fed through stdin.
pub struct Session {
    child: Child,
}

impl Session {
    pub fn send(&mut self, sql: &str) -> Result<(), String> {
        let stdin = self.child.stdin.as_mut().ok_or("session stdin is closed")?;
        stdin
            .write_all(sql.as_bytes())
            .and_then(|_| stdin.flush())
            .map_err(|e| format!("cannot write to psql: {e}"))
    }

    /// Close stdin (psql ends the session, rolling back an open transaction) and wait.
    pub fn finish(mut self) -> Result<(), String> {
        drop(self.child.stdin.take());
        wait_with_timeout(&mut self.child, Duration::from_secs(30)).map(|_| ())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        if wait_with_timeout(&mut self.child, Duration::from_secs(10)).is_err() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Wait for a child for at most `limit`; kill it after that.
pub fn wait_with_timeout(
    child: &mut Child,
    limit: Duration,
) -> Result<std::process::ExitStatus, String> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("still running after {limit:?}: killed"));
            }
            Err(e) => return Err(format!("cannot wait: {e}")),
        }
    }
}

/// Read what a finished child wrote to its piped stdout and stderr.
pub fn child_output(child: &mut Child) -> (String, String) {
    use std::io::Read;
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    if let Some(mut s) = child.stderr.take() {
        let _ = s.read_to_string(&mut err);
    }
    (out, err)
}
