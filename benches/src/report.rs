//! Statistics (median, percentiles) and the markdown tables the bench binary
//! prints: values, then cost relative to the best peer and to the baseline.

use std::fmt::Write as _;
use std::time::Duration;

/// One column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Tell throughput, messages per second.
    TellRate,
    /// Ask round trip, median latency.
    AskP50,
    /// Ask round trip, 99th percentile latency.
    AskP99,
    /// Idle actors spawned and started per second.
    SpawnRate,
    /// Live heap bytes per idle actor.
    BytesPerActor,
    /// Ping-pong messages per second, all pairs together.
    PingPongRate,
    /// Fail→restart→answer cycles per second.
    RestartRate,
}

impl Metric {
    /// Every metric, in table order.
    pub const ALL: [Metric; 7] = [
        Metric::TellRate,
        Metric::AskP50,
        Metric::AskP99,
        Metric::SpawnRate,
        Metric::BytesPerActor,
        Metric::PingPongRate,
        Metric::RestartRate,
    ];

    /// The column heading.
    pub fn heading(self) -> &'static str {
        match self {
            Metric::TellRate => "tell (msg/s)",
            Metric::AskP50 => "ask p50",
            Metric::AskP99 => "ask p99",
            Metric::SpawnRate => "spawn (actors/s)",
            Metric::BytesPerActor => "heap per idle actor",
            Metric::PingPongRate => "ping-pong (msg/s)",
            Metric::RestartRate => "restarts/s",
        }
    }

    /// Whether a larger value is better (rates) or worse (latency, bytes).
    pub fn higher_is_better(self) -> bool {
        matches!(
            self,
            Metric::TellRate | Metric::SpawnRate | Metric::PingPongRate | Metric::RestartRate
        )
    }

    /// The value as a person reads it; latencies are in seconds.
    pub fn format(self, value: f64) -> String {
        match self {
            Metric::AskP50 | Metric::AskP99 => format_seconds(value),
            Metric::BytesPerActor => format!("{value:.0} B"),
            _ => format_rate(value),
        }
    }

    /// How many times more this `value` costs than `reference` (time per
    /// unit of work, or bytes): 1.00 is the same, 2.00 twice the cost, 0.50
    /// half. `None` when either is missing or zero.
    pub fn cost_ratio(self, value: f64, reference: f64) -> Option<f64> {
        if value <= 0.0 || reference <= 0.0 {
            return None;
        }
        Some(if self.higher_is_better() {
            reference / value
        } else {
            value / reference
        })
    }
}

fn format_rate(per_second: f64) -> String {
    if per_second >= 1e6 {
        format!("{:.2} M", per_second / 1e6)
    } else if per_second >= 1e3 {
        format!("{:.1} k", per_second / 1e3)
    } else {
        format!("{per_second:.0}")
    }
}

fn format_seconds(seconds: f64) -> String {
    if seconds >= 1e-3 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{:.1} µs", seconds * 1e6)
    }
}

/// The median of `values` (the mean of the middle two for an even count);
/// 0 for none.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The `p`-th percentile (0–100) of `samples` by the nearest-rank method;
/// zero for no samples.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// One contender's medians, one per [`Metric::ALL`] entry (`None` if not run).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The contender's name.
    pub contender: &'static str,
    /// Whether it counts as a peer for "best peer".
    pub is_peer: bool,
    /// The values in [`Metric::ALL`] order.
    pub values: [Option<f64>; 7],
}

impl Row {
    /// An empty row.
    pub fn new(contender: &'static str, is_peer: bool) -> Self {
        Self {
            contender,
            is_peer,
            values: [None; 7],
        }
    }

    /// Sets the value of `metric`.
    pub fn set(&mut self, metric: Metric, value: f64) {
        self.values[index(metric)] = Some(value);
    }

    /// The value of `metric`, if measured.
    pub fn get(&self, metric: Metric) -> Option<f64> {
        self.values[index(metric)]
    }
}

fn index(metric: Metric) -> usize {
    Metric::ALL
        .iter()
        .position(|m| *m == metric)
        .expect("every metric is in ALL")
}

/// The best peer's value of `metric` among `rows`.
pub fn best_peer(rows: &[Row], metric: Metric) -> Option<f64> {
    let peers = rows
        .iter()
        .filter(|row| row.is_peer)
        .filter_map(|row| row.get(metric));
    if metric.higher_is_better() {
        peers.reduce(f64::max)
    } else {
        peers.reduce(f64::min)
    }
}

/// The three markdown tables: values, cost relative to the best peer, cost
/// relative to `baseline` (a contender's name).
pub fn render(rows: &[Row], baseline: &str) -> String {
    let mut out = String::new();
    table(&mut out, rows, |metric, row| {
        row.get(metric).map(|value| metric.format(value))
    });
    out.push_str(
        "\nCost relative to the best peer (ractor, kameo, actix): time per unit of work, or bytes; \
         1.00 = the best peer, 2.00 = twice its cost, below 1 = better than every peer.\n\n",
    );
    table(&mut out, rows, |metric, row| {
        ratio_cell(metric, row.get(metric)?, best_peer(rows, metric)?)
    });
    let reference = rows.iter().find(|row| row.contender == baseline);
    let _ = write!(
        out,
        "\nCost relative to {baseline} (the same measure; 1.00 = as cheap as the raw loop).\n\n"
    );
    table(&mut out, rows, |metric, row| {
        ratio_cell(metric, row.get(metric)?, reference?.get(metric)?)
    });
    out
}

fn ratio_cell(metric: Metric, value: f64, reference: f64) -> Option<String> {
    metric
        .cost_ratio(value, reference)
        .map(|ratio| format!("{ratio:.2}×"))
}

fn table(out: &mut String, rows: &[Row], cell: impl Fn(Metric, &Row) -> Option<String>) {
    out.push_str("| contender |");
    for metric in Metric::ALL {
        let _ = write!(out, " {} |", metric.heading());
    }
    out.push_str("\n|---|");
    for _ in Metric::ALL {
        out.push_str("---:|");
    }
    out.push('\n');
    for row in rows {
        let _ = write!(out, "| {} |", row.contender);
        for metric in Metric::ALL {
            let text = cell(metric, row).unwrap_or_else(|| "–".to_owned());
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).rev().map(Duration::from_micros).collect();
        assert_eq!(percentile(&samples, 50.0), Duration::from_micros(50));
        assert_eq!(percentile(&samples, 99.0), Duration::from_micros(99));
        assert_eq!(percentile(&samples, 100.0), Duration::from_micros(100));
        assert_eq!(percentile(&samples[..1], 99.0), Duration::from_micros(100));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn cost_ratios_point_the_same_way_for_rates_and_latencies() {
        // Half the rate costs twice as much; twice the latency too.
        assert_eq!(Metric::TellRate.cost_ratio(50.0, 100.0), Some(2.0));
        assert_eq!(Metric::AskP50.cost_ratio(2.0, 1.0), Some(2.0));
        assert_eq!(Metric::BytesPerActor.cost_ratio(0.0, 1.0), None);
    }

    #[test]
    fn best_peer_ignores_baselines() {
        let mut fast_baseline = Row::new("tokio-mpsc", false);
        fast_baseline.set(Metric::TellRate, 1000.0);
        let mut peer = Row::new("a", true);
        peer.set(Metric::TellRate, 10.0);
        let mut better = Row::new("b", true);
        better.set(Metric::TellRate, 20.0);
        let rows = [peer, better, fast_baseline];
        assert_eq!(best_peer(&rows, Metric::TellRate), Some(20.0));
        let text = render(&rows, "tokio-mpsc");
        assert!(text.contains("| b | 20 |"), "{text}");
        assert!(text.contains("| a | 2.00× |"), "{text}");
        assert!(text.contains("| a | 100.00× |"), "{text}");
    }
}
