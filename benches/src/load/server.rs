//! Starting and stopping a `quire serve` process on loopback.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running `quire serve`.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// The websocket base, `ws://127.0.0.1:PORT/ws`.
    pub ws_base: String,
    /// The process id, for RSS and CPU readings.
    pub pid: u32,
    /// The data directory.
    pub data_dir: PathBuf,
}

/// A fresh data directory under the system's temporary directory.
pub fn temp_data_dir(label: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    std::env::temp_dir().join(format!(
        "quire-loadgen-{label}-{}-{nanos}",
        std::process::id()
    ))
}

impl Server {
    /// Starts `bin serve` on an ephemeral loopback port with `durability`
    /// (`strict` or `relaxed`) and any `extra` flags, and waits for its `listening on` line.
    pub async fn start(
        bin: &Path,
        data_dir: &Path,
        durability: &str,
        extra: &[String],
    ) -> std::io::Result<Self> {
        let mut child = Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--log", "warn"])
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--durability", durability])
            .args(extra)
            // The message limits (per connection, per author, per address)
            // guard against abuse; ingest measures how fast updates are
            // taken from one client, so lift them.
            .env("QUIRE_MAX_MESSAGES_PER_SEC", "100000000")
            .env("QUIRE_MAX_MESSAGES_PER_SEC_PER_AUTHOR", "100000000")
            .env("QUIRE_MAX_MESSAGES_PER_SEC_PER_IP", "100000000")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let pid = child.id().unwrap_or(0);
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let listening = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(addr) = line.trim().strip_prefix("listening on http://") {
                    return Ok(addr.to_owned());
                }
            }
            Err(std::io::Error::other("the server exited before listening"))
        })
        .await
        .map_err(|_| std::io::Error::other("the server did not listen within 30 s"))??;
        // Keep draining stdout so the server never blocks on it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            child,
            ws_base: format!("ws://{listening}/ws"),
            pid,
            data_dir: data_dir.to_owned(),
        })
    }

    /// Stops the server with SIGTERM (it saves and exits), killing it after 20 s.
    pub async fn stop(mut self) -> std::io::Result<()> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        match tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => self.child.kill().await?,
        }
        Ok(())
    }
}
