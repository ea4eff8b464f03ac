//! A process's resident memory and CPU time, from `/proc`.

use std::sync::OnceLock;

/// Resident set size in bytes (`VmRSS`), if the process exists.
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn clock_ticks() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// User plus system CPU seconds the process has used (`utime + stime`).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which may hold spaces, start at field 3.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / clock_ticks())
}

/// This process's id.
pub fn own_pid() -> u32 {
    std::process::id()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_process() {
        assert!(rss_bytes(own_pid()).unwrap() > 0);
        // Spin until the kernel has counted some CPU time for this process.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let used = loop {
            let used = cpu_seconds(own_pid()).unwrap();
            if used > 0.0 {
                break used;
            }
            assert!(std::time::Instant::now() < deadline, "no CPU time counted");
            std::hint::black_box((0..10_000u64).sum::<u64>());
        };
        assert!(used.is_finite(), "{used}");
        assert_eq!(rss_bytes(u32::MAX), None, "no such process");
        assert_eq!(cpu_seconds(u32::MAX), None, "no such process");
    }
}
