//! Starts, kills and restarts the real `quire` binary.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The binary under test: `QUIRE_BIN`, or release/quire in the target directory.
pub fn binary() -> PathBuf {
    if let Ok(bin) = std::env::var("QUIRE_BIN") {
        return PathBuf::from(bin);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let bin = target.join("release/quire");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --release -p quire-server` or set QUIRE_BIN",
        bin.display()
    );
    bin
}

/// A running server process on a data directory it may outlive.
pub struct Server {
    child: Option<Child>,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    data_dir: PathBuf,
    args: Vec<String>,
}

impl Server {
    /// Starts a server on a new port with extra arguments.
    pub fn start(data_dir: &Path, args: &[&str]) -> Self {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        Self::spawn(data_dir, "127.0.0.1:0", args)
    }

    /// Starts a server whose files may not grow past `blocks` (of 512
    /// bytes): writes past it fail as on a full disk.
    pub fn start_with_file_limit(data_dir: &Path, blocks: u64, args: &[&str]) -> Self {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!(
                "trap '' XFSZ; ulimit -S -f {blocks}; exec \"$0\" \"$@\""
            ))
            .arg(binary());
        let args = args.iter().map(|a| a.to_string()).collect();
        Self::spawn_with(command, data_dir, "127.0.0.1:0", args, Stdio::inherit())
    }

    /// Starts a server whose standard error is a pipe nobody reads: its read
    /// end is closed at once, so every log line meets a broken pipe.
    pub fn start_with_stderr_closed(data_dir: &Path, args: &[&str]) -> Self {
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        args.extend(["--log".to_owned(), "debug".to_owned()]);
        Self::spawn_with(
            Command::new(binary()),
            data_dir,
            "127.0.0.1:0",
            args,
            Stdio::piped(),
        )
    }

    fn spawn(data_dir: &Path, listen: &str, args: Vec<String>) -> Self {
        Self::spawn_with(
            Command::new(binary()),
            data_dir,
            listen,
            args,
            Stdio::inherit(),
        )
    }

    fn spawn_with(
        mut command: Command,
        data_dir: &Path,
        listen: &str,
        args: Vec<String>,
        stderr: Stdio,
    ) -> Self {
        let mut child = command
            .arg("serve")
            .arg("--listen")
            .arg(listen)
            .arg("--data-dir")
            .arg(data_dir)
            .args(&args)
            .env("QUIRE_LOG", "warn")
            // Tests open many new documents from one address; those about
            // the creation rate pass --max-creates-per-minute.
            .env("QUIRE_MAX_CREATES_PER_MINUTE", "100000")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("starting quire");
        // A piped stderr is closed unread.
        drop(child.stderr.take());
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reading the listen line");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self {
            child: Some(child),
            addr,
            data_dir: data_dir.to_owned(),
            args,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn http(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:PORT/ws/{doc}?{query}`.
    pub fn ws(&self, doc: &str, query: &str) -> String {
        format!("ws://{}/ws/{doc}?{query}", self.addr)
    }

    /// The process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// SIGKILL: a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then waits for a clean exit; returns the exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        for _ in 0..200 {
            if let Some(status) = child.try_wait().expect("waiting") {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        panic!("quire did not exit within 10 s of SIGTERM");
    }

    /// Starts again on the same data directory and port.
    pub fn restart(&mut self) {
        self.kill();
        let addr = self.addr.clone();
        for _ in 0..50 {
            // The port may linger briefly after a kill.
            if std::net::TcpListener::bind(&addr).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let next = Self::spawn(&self.data_dir, &addr, self.args.clone());
        *self = next;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
