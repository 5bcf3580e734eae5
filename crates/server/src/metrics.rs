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
#[derive(Debug, Clone, Default)]
pub struct Gauges {
    pub queue_depth: usize,
    /// Each federation peer's totals; peer names come from the configuration file (letters,
    /// digits, `-`, `_`), a small fixed set like the route labels.
    pub peers: Vec<selat_store::PeerStateRow>,
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
        render_peers(&mut out, &gauges.peers);
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

/// Per-peer federation figures. Totals count object versions over every round, so they say how
/// much crossed a link, never which objects.
fn render_peers(out: &mut String, peers: &[selat_store::PeerStateRow]) {
    if peers.is_empty() {
        return;
    }
    type Figure = fn(&selat_store::PeerStateRow) -> Option<f64>;
    let figures: [(&str, &str, &str, Figure); 8] = [
        ("selat_peer_rounds_total", "counter", "Federation rounds with the peer.", |p| Some(p.rounds as f64)),
        ("selat_peer_objects_sent_total", "counter", "Object versions the peer confirmed.", |p| {
            Some(p.sent_total as f64)
        }),
        (
            "selat_peer_objects_received_total",
            "counter",
            "Object versions received from the peer and stored.",
            |p| Some(p.received_total as f64),
        ),
        (
            "selat_peer_objects_refused_total",
            "counter",
            "Object versions refused on the link (either side).",
            |p| Some(p.refused_total as f64),
        ),
        (
            "selat_peer_objects_skipped_total",
            "counter",
            "Object versions the rules keep off the link.",
            |p| Some(p.skipped_total as f64),
        ),
        (
            "selat_peer_last_success_timestamp_seconds",
            "gauge",
            "When a round with the peer last succeeded.",
            |p| p.last_success_us.map(|us| us as f64 / 1e6),
        ),
        ("selat_peer_lag_seconds", "gauge", "How far behind the last round left the link.", |p| {
            p.lag_us.map(|us| us as f64 / 1e6)
        }),
        ("selat_peer_up", "gauge", "1 when the last round with the peer succeeded.", |p| {
            Some(if p.last_success_us == Some(p.last_attempt_us) { 1.0 } else { 0.0 })
        }),
    ];
    for (name, kind, help, figure) in figures {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for peer in peers {
            if let Some(value) = figure(peer) {
                let _ = writeln!(out, "{name}{{peer=\"{}\"}} {value}", peer.peer);
            }
        }
    }
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
        let peer = selat_store::PeerStateRow {
            peer: "hub".into(),
            rounds: 3,
            last_attempt_us: 2_000_000,
            last_success_us: Some(2_000_000),
            last_error: None,
            last_error_us: None,
            sent_total: 7,
            received_total: 5,
            refused_total: 1,
            skipped_total: 0,
            lag_us: Some(1_500_000),
        };
        let text = metrics.render(Gauges { queue_depth: 1, peers: vec![peer] });
        for line in [
            "selat_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2",
            "selat_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 1",
            "selat_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"10\"} 1",
            "selat_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 2",
            "selat_http_request_duration_seconds_count{route=\"/healthz\"} 2",
            "selat_submission_queue_depth 1",
            "selat_peer_objects_sent_total{peer=\"hub\"} 7",
            "selat_peer_lag_seconds{peer=\"hub\"} 1.5",
            "selat_peer_last_success_timestamp_seconds{peer=\"hub\"} 2",
            "selat_peer_up{peer=\"hub\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
    }
}
