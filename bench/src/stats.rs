//! Latency recording: HdrHistograms in microseconds, one per task, merged at the end, so
//! that recording never takes a lock on the hot path.

use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;

/// The largest latency a histogram holds: anything slower is clamped to it.
const MAX_MICROS: u64 = 120_000_000;

/// Latencies in microseconds, with three significant digits.
#[derive(Clone, Debug)]
pub struct Latencies {
    histogram: Histogram<u64>,
}

impl Latencies {
    pub fn new() -> anyhow::Result<Self> {
        let histogram = Histogram::new_with_bounds(1, MAX_MICROS, 3)
            .context("cannot create a latency histogram")?;
        Ok(Self { histogram })
    }

    /// Records one latency.
    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(MAX_MICROS);
        self.histogram
            .saturating_record(micros.clamp(1, MAX_MICROS));
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &Self) -> anyhow::Result<()> {
        self.histogram
            .add(&other.histogram)
            .context("cannot merge latency histograms")
    }

    /// How many latencies were recorded.
    pub fn count(&self) -> u64 {
        self.histogram.len()
    }

    /// The latency at `quantile` (0.5 for the median), in microseconds; 0 when empty.
    pub fn quantile_us(&self, quantile: f64) -> f64 {
        if self.histogram.is_empty() {
            return 0.0;
        }
        self.histogram.value_at_quantile(quantile) as f64
    }

    /// The latency at `quantile`, in milliseconds; 0 when empty.
    pub fn quantile_ms(&self, quantile: f64) -> f64 {
        self.quantile_us(quantile) / 1000.0
    }
}

/// A clock shared by senders and receivers in this process: a message carries the time it
/// was sent as nanoseconds since [`Epoch::start`], and its receiver subtracts.
#[derive(Clone, Copy, Debug)]
pub struct Epoch(Instant);

impl Epoch {
    pub fn start() -> Self {
        Self(Instant::now())
    }

    /// Nanoseconds since the epoch started.
    pub fn now_nanos(self) -> u64 {
        u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// How long ago `sent` (nanoseconds since the epoch) was.
    pub fn since(self, sent: u64) -> Duration {
        Duration::from_nanos(self.now_nanos().saturating_sub(sent))
    }
}

/// Rounds to `digits` decimals, for a report that is read by people.
pub fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_distribution() {
        let mut l = Latencies::new().unwrap();
        for ms in 1..=100u64 {
            l.record(Duration::from_millis(ms));
        }
        assert_eq!(l.count(), 100);
        // Three significant digits: 50 ms is recorded within 0.1 %.
        assert!(
            (l.quantile_ms(0.5) - 50.0).abs() < 0.1,
            "{}",
            l.quantile_ms(0.5)
        );
        assert!(
            (l.quantile_ms(0.99) - 99.0).abs() < 0.1,
            "{}",
            l.quantile_ms(0.99)
        );
        assert!((l.quantile_ms(1.0) - 100.0).abs() < 0.1);
    }

    #[test]
    fn empty_histograms_report_zero_and_merge() {
        let mut a = Latencies::new().unwrap();
        assert_eq!(a.quantile_ms(0.99), 0.0);
        let mut b = Latencies::new().unwrap();
        b.record(Duration::from_micros(250));
        b.record(Duration::ZERO); // clamped to the smallest trackable value
        a.merge(&b).unwrap();
        assert_eq!(a.count(), 2);
        assert_eq!(a.quantile_us(1.0), 250.0);
    }

    #[test]
    fn latencies_beyond_the_bound_are_clamped() {
        let mut l = Latencies::new().unwrap();
        l.record(Duration::from_secs(3600));
        assert!(l.quantile_us(1.0) >= 119_000_000.0);
    }

    #[test]
    fn the_epoch_measures_elapsed_time() {
        let epoch = Epoch::start();
        let sent = epoch.now_nanos();
        std::thread::sleep(Duration::from_millis(2));
        assert!(epoch.since(sent) >= Duration::from_millis(2));
        assert_eq!(epoch.since(u64::MAX), Duration::ZERO);
    }

    #[test]
    fn rounding() {
        assert_eq!(round(1.23456, 2), 1.23);
        assert_eq!(round(1234.5, 0), 1235.0);
    }
}
