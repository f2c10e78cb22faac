//! A throwaway MariaDB server for tests: `mariadb-install-db` into a temp dir, `mariadbd` on a
//! private unix socket with networking off, the `mariadb` client for statements, and the server
//! stopped and its folder removed when dropped. As root, the server runs as the `mysql` user.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct MariaDb {
    dir: tempfile::TempDir,
    server: Child,
    pub version: String,
}

/// The result of one client run.
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn as_user(program: &str, root: bool) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "mysql", "--", program]);
        c
    } else {
        Command::new(program)
    }
}

impl MariaDb {
    /// Start a server, or say why not (`Err` when the programs are not installed).
    pub fn start() -> Result<MariaDb, String> {
        for program in ["mariadb-install-db", "mariadbd", "mariadb"] {
            let found = Command::new("sh")
                .args([
                    "-c",
                    &format!("command -v {program} || test -x /usr/sbin/{program}"),
                ])
                .output()
                .is_ok_and(|o| o.status.success());
            if !found {
                return Err(format!(
                    "{program} is not installed (apt-get install mariadb-server)"
                ));
            }
        }
        let root = is_root();
        // Memory-backed when available: the test creates thousands of tables.
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::tempdir_in(shm)
        } else {
            tempfile::tempdir()
        }
        .map_err(|e| format!("temp dir: {e}"))?;
        if root {
            let status = Command::new("chown")
                .args(["mysql:mysql"])
                .arg(dir.path())
                .status()
                .map_err(|e| format!("chown: {e}"))?;
            if !status.success() {
                return Err("cannot chown the temp dir to mysql".into());
            }
        }
        let data = dir.path().join("data");
        let out = as_user("mariadb-install-db", root)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .output()
            .map_err(|e| format!("mariadb-install-db: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mariadb-install-db failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let sbin = if PathBuf::from("/usr/sbin/mariadbd").exists() {
            "/usr/sbin/mariadbd"
        } else {
            "mariadbd"
        };
        let server = as_user(sbin, root)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.path().join("sock").display()))
            .arg(format!(
                "--log-error={}",
                dir.path().join("err.log").display()
            ))
            .arg(format!("--pid-file={}", dir.path().join("pid").display()))
            .args([
                "--skip-networking",
                "--innodb-buffer-pool-size=16M",
                // Durability does not matter for a throwaway server; speed does.
                "--innodb-flush-log-at-trx-commit=0",
                "--innodb-doublewrite=0",
                "--sync-binlog=0",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("mariadbd: {e}"))?;
        let mut db = MariaDb {
            dir,
            server,
            version: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let r = db.run("SELECT VERSION()");
            if r.ok {
                db.version = r.stdout.trim().to_string();
                return Ok(db);
            }
            if Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(db.dir.path().join("err.log")).unwrap_or_default();
                return Err(format!("mariadbd did not start: {}\n{log}", r.stderr));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Run statements in one session (the client stops at the first error).
    pub fn run(&self, sql: &str) -> Run {
        let out = Command::new("mariadb")
            .arg("--no-defaults")
            .arg(format!(
                "--socket={}",
                self.dir.path().join("sock").display()
            ))
            .args(["-uroot", "--batch", "--skip-column-names", "-e", sql])
            .output();
        match out {
            Ok(o) => Run {
                ok: o.status.success(),
                stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            },
            Err(e) => Run {
                ok: false,
                stdout: String::new(),
                stderr: e.to_string(),
            },
        }
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        let _ = Command::new("mariadb-admin")
            .arg("--no-defaults")
            .arg(format!(
                "--socket={}",
                self.dir.path().join("sock").display()
            ))
            .args(["-uroot", "shutdown"])
            .output();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.server.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}
