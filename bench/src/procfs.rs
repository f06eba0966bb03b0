//! What `/proc` says about a process: its CPU time and resident memory, and this
//! process's open-file limit.

use std::time::Duration;

use anyhow::{Context, bail};

/// CPU time used by `pid` so far (user + system).
pub fn cpu_time(pid: u32, ticks_per_second: u64) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("cannot read /proc/{pid}/stat"))?;
    let ticks = cpu_ticks(&stat).with_context(|| format!("unexpected /proc/{pid}/stat"))?;
    Ok(Duration::from_secs_f64(
        ticks as f64 / ticks_per_second.max(1) as f64,
    ))
}

/// utime + stime, in clock ticks, from the text of `/proc/<pid>/stat`.
fn cpu_ticks(stat: &str) -> anyhow::Result<u64> {
    // The command name is in parentheses and may hold spaces: count fields after it.
    let (_, rest) = stat
        .rsplit_once(')')
        .context("no ')' after the command name")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); utime and stime are fields 14 and 15.
    let field = |n: usize| -> anyhow::Result<u64> {
        fields
            .get(n - 3)
            .with_context(|| format!("field {n} is missing"))?
            .parse()
            .with_context(|| format!("field {n} is not a number"))
    };
    Ok(field(14)? + field(15)?)
}

/// Resident memory of `pid`, in KiB (`VmRSS`).
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status"))?;
    vm_rss(&status).with_context(|| format!("no VmRSS in /proc/{pid}/status"))
}

fn vm_rss(status: &str) -> anyhow::Result<u64> {
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .context("no VmRSS line")?;
    let mut parts = line.split_whitespace();
    let value: u64 = parts.next().context("no value")?.parse()?;
    match parts.next() {
        Some("kB") => Ok(value),
        other => bail!("unexpected unit {other:?}"),
    }
}

/// This process's soft limit on open files (`Max open files` in `/proc/self/limits`).
pub fn open_files_limit() -> anyhow::Result<u64> {
    let limits =
        std::fs::read_to_string("/proc/self/limits").context("cannot read /proc/self/limits")?;
    max_open_files(&limits)
}

fn max_open_files(limits: &str) -> anyhow::Result<u64> {
    let line = limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))
        .context("no 'Max open files' line")?;
    let soft = line.split_whitespace().next().context("no soft limit")?;
    if soft == "unlimited" {
        return Ok(u64::MAX);
    }
    Ok(soft.parse()?)
}

/// Clock ticks per second for `/proc/<pid>/stat` (`getconf CLK_TCK`; 100 on Linux).
pub fn ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_skip_a_command_name_with_spaces() {
        let stat = "4242 (ajet tui) S 1 4242 4242 0 -1 4194560 1200 0 0 0 \
                    350 150 0 0 20 0 5 0 12345 1000000 2000 18446744073709551615";
        assert_eq!(cpu_ticks(stat).unwrap(), 500);
        assert!(cpu_ticks("4242 (x) S 1").is_err());
        assert!(cpu_ticks("no parenthesis").is_err());
    }

    #[test]
    fn resident_memory_comes_from_vm_rss() {
        let status = "Name:\tajet-tui-sm\nVmPeak:\t  9000 kB\nVmRSS:\t   12345 kB\nThreads:\t3\n";
        assert_eq!(vm_rss(status).unwrap(), 12345);
        assert!(vm_rss("Name:\tx\n").is_err());
    }

    #[test]
    fn the_soft_open_files_limit() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max processes             95000                95000                processes\n\
                      Max open files            20000                20000                files\n";
        assert_eq!(max_open_files(limits).unwrap(), 20000);
        let unlimited =
            "Max open files            unlimited            unlimited            files\n";
        assert_eq!(max_open_files(unlimited).unwrap(), u64::MAX);
    }

    #[test]
    fn this_process_can_be_read() {
        let pid = std::process::id();
        assert!(rss_kib(pid).unwrap() > 0);
        cpu_time(pid, ticks_per_second()).unwrap();
        assert!(open_files_limit().unwrap() > 0);
    }
}
