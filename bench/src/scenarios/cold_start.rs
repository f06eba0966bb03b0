//! (f) Cold start: each service binary started again beside the running stack (same
//! database, already migrated; same NATS), timed from spawn to its first `200` on
//! `/ready`. The median of the runs is reported per service.

use std::time::{Duration, Instant};

use crate::stack::{self, SERVICES, Stack};

/// Median milliseconds to `/ready`, per service in [`SERVICES`] order.
pub async fn run(stack: &mut Stack, runs: usize) -> anyhow::Result<Vec<(&'static str, f64)>> {
    let mut medians = Vec::new();
    for name in SERVICES {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs.max(1) {
            let start = Instant::now();
            let service = stack.spawn_extra(name)?;
            let ready = stack::wait_ready(service.addr, Duration::from_secs(30)).await;
            let elapsed = start.elapsed();
            service.kill().await;
            ready?;
            times.push(elapsed.as_secs_f64() * 1000.0);
        }
        medians.push((name, median(&mut times)));
    }
    Ok(medians)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), 0.0);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
