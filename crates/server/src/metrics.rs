//! Prometheus counters in the text exposition format (version 0.0.4), kept by hand: a few
//! counters do not need a metrics framework.
//!
//! Labels are route templates (`/taxii2/selat/collections/{id}/objects/`), methods and status
//! codes, all from small fixed sets, so no object id, organisation or collection name ever appears
//! (DESIGN.md "Reliability and security").

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS_S: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Request counters and latency histograms, by route.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// (route, method, status) → count.
    requests: BTreeMap<(&'static str, &'static str, u16), u64>,
    /// route → latency histogram.
    latency: BTreeMap<&'static str, Histogram>,
}

#[derive(Debug, Default)]
struct Histogram {
    buckets: [u64; BUCKETS_S.len()],
    count: u64,
    sum_s: f64,
}

/// Node-wide gauges read at scrape time.
///
/// No gauge counts stored objects: an object a scraper's organisation may not see is not counted
/// anywhere, `/metrics` included (DESIGN.md).
#[derive(Debug, Clone, Copy)]
pub struct Gauges {
    pub queue_depth: usize,
}

impl Metrics {
    /// Counts one request. `route` must come from a fixed set (a route template or
    /// `"unmatched"`), `method` from [`method_label`].
    pub fn record(&self, route: &'static str, method: &'static str, status: u16, elapsed: Duration) {
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *inner.requests.entry((route, method, status)).or_default() += 1;
        let histogram = inner.latency.entry(route).or_default();
        let seconds = elapsed.as_secs_f64();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(BUCKETS_S) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum_s += seconds;
    }

    /// The exposition text.
    pub fn render(&self, gauges: Gauges) -> String {
        let inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out = String::new();
        out.push_str("# HELP selat_http_requests_total HTTP requests by route, method and status.\n");
        out.push_str("# TYPE selat_http_requests_total counter\n");
        for ((route, method, status), count) in &inner.requests {
            let _ = writeln!(
                out,
                "selat_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {count}"
            );
        }
        out.push_str("# HELP selat_http_request_duration_seconds HTTP request latency by route.\n");
        out.push_str("# TYPE selat_http_request_duration_seconds histogram\n");
        for (route, histogram) in &inner.latency {
            render_histogram(&mut out, route, histogram);
        }
        gauge(
            &mut out,
            "selat_submission_queue_depth",
            "TAXII Add Objects requests waiting for the worker.",
            gauges.queue_depth as u64,
        );
        out
    }
}

fn render_histogram(out: &mut String, route: &str, histogram: &Histogram) {
    let name = "selat_http_request_duration_seconds";
    for (bound, count) in BUCKETS_S.iter().zip(histogram.buckets) {
        let _ = writeln!(out, "{name}_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}");
    }
    let _ = writeln!(out, "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", histogram.count);
    let _ = writeln!(out, "{name}_sum{{route=\"{route}\"}} {}", histogram.sum_s);
    let _ = writeln!(out, "{name}_count{{route=\"{route}\"}} {}", histogram.count);
}

fn gauge(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
}

/// The method as a label from a fixed set (a client may send any method name).
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_gauges() {
        let metrics = Metrics::default();
        metrics.record("/healthz", "GET", 200, Duration::from_millis(3));
        metrics.record("/healthz", "GET", 200, Duration::from_secs(20));
        let text = metrics.render(Gauges { queue_depth: 1 });
        for line in [
            "selat_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2",
            "selat_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 1",
            "selat_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"10\"} 1",
            "selat_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 2",
            "selat_http_request_duration_seconds_count{route=\"/healthz\"} 2",
            "selat_submission_queue_depth 1",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
    }
}
