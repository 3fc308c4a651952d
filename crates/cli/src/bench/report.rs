//! What one worker records, and the merged report.

use serde_json::{Value, json};
use std::time::Instant;

/// One worker's measurements. Only what completes inside the measurement window is recorded:
/// requests still running from the warm-up and those finishing after the deadline are not, so
/// throughput is completions per second of the window, whatever the latency.
#[derive(Default)]
pub struct Rec {
    /// The measurement window (start, deadline).
    pub window: Option<(Instant, Instant)>,
    /// Latency of each measured HTTP request, in microseconds.
    pub latency_us: Vec<u32>,
    pub requests: u64,
    /// Non-2xx responses, transport failures and unreadable responses.
    pub errors: u64,
    pub first_error: Option<String>,
    /// Iterations that completed without error, and the units they carried (orders, reads,
    /// ship+invoice pairs, tracking events).
    pub iterations: u64,
    pub units: u64,
    /// Events the server reported as rejected inside 2xx tracking batches.
    pub rejected_units: u64,
    /// Response body bytes as received (compressed when the server compressed them), summed
    /// over the measured requests of scenarios that count them (pages).
    pub body_bytes: u64,
    pub last_done: Option<Instant>,
}

impl Rec {
    fn counts(&self, t: Instant) -> bool {
        self.window.is_some_and(|(start, deadline)| t >= start && t <= deadline)
    }

    /// Records one HTTP request that started at `started` and just finished.
    pub fn request(&mut self, started: Instant, error: Option<String>) {
        let now = Instant::now();
        if !self.counts(now) {
            return;
        }
        self.requests += 1;
        self.latency_us
            .push(now.duration_since(started).as_micros().min(u128::from(u32::MAX)) as u32);
        self.last_done = Some(now);
        if let Some(e) = error {
            self.errors += 1;
            self.first_error.get_or_insert(e);
        }
    }

    /// Records an error found in a 2xx response (e.g. a body that does not parse).
    pub fn error(&mut self, e: String) {
        if self.counts(Instant::now()) {
            self.errors += 1;
            self.first_error.get_or_insert(e);
        }
    }

    /// Records units the server refused inside a successful response; `why` is built only when
    /// it would be the first error.
    pub fn rejected(&mut self, n: u64, why: impl FnOnce() -> String) {
        if n > 0 && self.counts(Instant::now()) {
            self.rejected_units += n;
            if self.first_error.is_none() {
                self.first_error = Some(why());
            }
        }
    }

    /// Counts the body bytes of a measured response.
    pub fn bytes(&mut self, n: usize) {
        if self.counts(Instant::now()) {
            self.body_bytes += n as u64;
        }
    }

    pub fn iteration(&mut self, units: u64) {
        if self.counts(Instant::now()) {
            self.iterations += 1;
            self.units += units;
        }
    }

    pub fn merge(&mut self, o: Rec) {
        self.latency_us.extend(o.latency_us);
        self.requests += o.requests;
        self.errors += o.errors;
        if self.first_error.is_none() {
            self.first_error = o.first_error;
        }
        self.iterations += o.iterations;
        self.units += o.units;
        self.rejected_units += o.rejected_units;
        self.body_bytes += o.body_bytes;
        self.last_done = match (self.last_done, o.last_done) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// The value at quantile `q` (0..=1) of sorted samples, nearest-rank.
pub fn quantile(sorted: &[u32], q: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub struct Meta<'a> {
    pub scenario: &'a str,
    pub unit: &'a str,
    pub backend: &'a str,
    pub concurrency: usize,
    pub seconds: f64,
    pub max_requests: Option<u64>,
    pub warmup: f64,
    pub prepared: usize,
    pub prepare_s: f64,
    pub exhausted: bool,
    /// CPU this load generator used during warm-up and measurement, in % of one core (it shares
    /// the machine with the server).
    pub client_cpu_pct: Option<f64>,
    /// Server processes the load was spread over (several base URLs).
    pub servers: usize,
}

pub fn ms(us: u32) -> f64 {
    (f64::from(us) / 10.0).round() / 100.0
}

/// The mean of latency samples in microseconds, in milliseconds (two decimals).
pub fn mean_ms(samples: &[u32]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: u64 = samples.iter().map(|&u| u64::from(u)).sum();
    (sum as f64 / samples.len() as f64 / 10.0).round() / 100.0
}

/// Prints the human summary on stderr and one JSON line on stdout; returns the JSON.
pub fn report(meta: &Meta, mut rec: Rec, window_start: Instant, window_end: Instant) -> Value {
    rec.latency_us.sort_unstable();
    let elapsed = window_end.saturating_duration_since(window_start).as_secs_f64();
    let per_s = |n: u64| {
        if elapsed > 0.0 {
            (n as f64 / elapsed * 10.0).round() / 10.0
        } else {
            0.0
        }
    };
    let l = &rec.latency_us;
    let (p50, p90, p99, max) = (
        quantile(l, 0.50),
        quantile(l, 0.90),
        quantile(l, 0.99),
        l.last().copied().unwrap_or(0),
    );
    let v = json!({
        "scenario": meta.scenario,
        "backend": meta.backend,
        "concurrency": meta.concurrency,
        "seconds": meta.seconds,
        "max_requests": meta.max_requests,
        "warmup_s": meta.warmup,
        "elapsed_s": (elapsed * 1000.0).round() / 1000.0,
        "requests": rec.requests,
        "errors": rec.errors,
        "first_error": rec.first_error,
        "iterations": rec.iterations,
        "unit": meta.unit,
        "units": rec.units,
        "rejected_units": rec.rejected_units,
        "throughput_per_s": per_s(rec.units),
        "requests_per_s": per_s(rec.requests),
        "latency_ms": {"mean": mean_ms(l), "p50": ms(p50), "p90": ms(p90), "p99": ms(p99), "max": ms(max)},
        "servers": meta.servers,
        "fixtures_prepared": meta.prepared,
        "prepare_s": (meta.prepare_s * 10.0).round() / 10.0,
        "fixtures_exhausted": meta.exhausted,
        "client_cpu_pct": meta.client_cpu_pct,
        "body_bytes_per_request": (rec.body_bytes > 0 && rec.requests > 0).then(|| rec.body_bytes / rec.requests),
    });
    eprintln!(
        "{} ({}, concurrency {}): {} {} in {:.2} s = {:.1} {}/s | {} requests ({:.1}/s), {} errors | latency ms p50 {:.2} p90 {:.2} p99 {:.2} max {:.2}",
        meta.scenario,
        meta.backend,
        meta.concurrency,
        rec.units,
        meta.unit,
        elapsed,
        per_s(rec.units),
        meta.unit,
        rec.requests,
        per_s(rec.requests),
        rec.errors,
        ms(p50),
        ms(p90),
        ms(p99),
        ms(max),
    );
    if let Some(c) = meta.client_cpu_pct {
        eprintln!("load generator CPU: {c:.0}% of one core (it shares the cores with the server)");
    }
    if rec.body_bytes > 0 && rec.requests > 0 {
        eprintln!(
            "response bodies: {} bytes per request as received",
            rec.body_bytes / rec.requests
        );
    }
    if let Some(e) = &rec.first_error {
        eprintln!("first error: {e}");
    }
    if rec.rejected_units > 0 {
        eprintln!(
            "{} {} were rejected inside successful batches",
            rec.rejected_units, meta.unit
        );
    }
    if meta.exhausted {
        eprintln!("note: the prepared fixtures ran out before the time was up; raise --prepare for a longer run");
    }
    println!("{v}");
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_completions_inside_the_window_count() {
        let now = Instant::now();
        let minute = std::time::Duration::from_secs(60);
        let mut inside = Rec {
            window: Some((now, now + minute)),
            ..Rec::default()
        };
        inside.request(now, None);
        inside.iteration(3);
        let Some(past) = now.checked_sub(minute) else { return };
        let mut after = Rec {
            window: Some((past, past + minute / 2)),
            ..Rec::default()
        };
        after.request(past, Some("late".into()));
        after.iteration(1);
        after.rejected(5, || "late".into());
        assert_eq!((inside.requests, inside.iterations, inside.units), (1, 1, 3));
        assert_eq!(
            (after.requests, after.errors, after.units, after.rejected_units),
            (0, 0, 0, 0)
        );
        assert!(after.first_error.is_none());
    }

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(quantile(&v, 0.5), 50);
        assert_eq!(quantile(&v, 0.9), 90);
        assert_eq!(quantile(&v, 0.99), 99);
        assert_eq!(quantile(&v, 1.0), 100);
        assert_eq!(quantile(&[7], 0.99), 7);
        assert_eq!(quantile(&[], 0.5), 0);
        assert_eq!(mean_ms(&[1000, 2000, 3010]), 2.0);
        assert_eq!(mean_ms(&[]), 0.0);
    }
}
