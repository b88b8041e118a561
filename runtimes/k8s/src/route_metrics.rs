//! Per-route request metrics, kept per worker thread and added up when scraped.
//!
//! A request only touches its own worker's [`Shard`], behind a lock that nothing else takes
//! between scrapes. A registry-wide family would have every request on every core take the
//! same lock and bump the same counters, bouncing those cache lines between cores.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;

use crate::metrics::{RequestLabels, RouteLabels};

/// Duration buckets: upper bounds in seconds, 0.5 ms doubling up to ~65 s, then +Inf.
const BOUNDS: usize = 18;

/// The upper bound of bucket `i < BOUNDS`, in seconds.
fn upper_bound(i: usize) -> f64 {
    0.0005 * f64::from(1u32 << i)
}

fn bucket(seconds: f64) -> usize {
    (0..BOUNDS)
        .find(|&i| seconds <= upper_bound(i))
        .unwrap_or(BOUNDS)
}

#[derive(Debug, Clone, Default)]
struct RouteStats {
    /// Responses by status code.
    statuses: BTreeMap<u16, u64>,
    duration_sum: f64,
    duration_count: u64,
    /// Observations per bucket (not cumulative); the last one is +Inf.
    duration_buckets: [u64; BOUNDS + 1],
    upstream_errors: u64,
}

impl RouteStats {
    fn add(&mut self, other: &Self) {
        for (status, n) in &other.statuses {
            *self.statuses.entry(*status).or_default() += n;
        }
        self.duration_sum += other.duration_sum;
        self.duration_count += other.duration_count;
        for (mine, theirs) in self.duration_buckets.iter_mut().zip(other.duration_buckets) {
            *mine += theirs;
        }
        self.upstream_errors += other.upstream_errors;
    }

    /// `(upper bound, count)` pairs as the encoder wants them, +Inf as `f64::MAX`.
    fn buckets(&self) -> Vec<(f64, u64)> {
        (0..BOUNDS)
            .map(upper_bound)
            .chain([f64::MAX])
            .zip(self.duration_buckets)
            .collect()
    }
}

/// One worker's per-route metrics.
#[derive(Debug, Default)]
pub(crate) struct Shard(Mutex<HashMap<Arc<str>, RouteStats>>);

impl Shard {
    /// Counts a response and the time to its head.
    pub(crate) fn request(&self, route: &Arc<str>, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        self.with_route(route, |s| {
            *s.statuses.entry(status).or_default() += 1;
            s.duration_sum += seconds;
            s.duration_count += 1;
            s.duration_buckets[bucket(seconds)] += 1;
        });
    }

    /// Counts an upstream attempt that failed to connect, was reset or timed out.
    pub(crate) fn upstream_error(&self, route: &Arc<str>) {
        self.with_route(route, |s| s.upstream_errors += 1);
    }

    fn with_route(&self, route: &Arc<str>, f: impl FnOnce(&mut RouteStats)) {
        let mut routes = lock(&self.0);
        // Look up before inserting: cloning the label would touch its reference count,
        // which every worker shares.
        match routes.get_mut(&**route) {
            Some(stats) => f(stats),
            None => f(routes.entry(Arc::clone(route)).or_default()),
        }
    }
}

/// A panic elsewhere while holding the lock leaves counts that are still counts.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// All workers' shards; registered with the registry as a collector.
#[derive(Debug, Default)]
pub(crate) struct Shards(Mutex<Vec<Arc<Shard>>>);

impl Shards {
    /// A new shard for one worker, counted from now on.
    pub(crate) fn add(&self) -> Arc<Shard> {
        let shard = Arc::new(Shard::default());
        lock(&self.0).push(Arc::clone(&shard));
        shard
    }

    /// The sum over all shards, ordered by route.
    fn total(&self) -> BTreeMap<Arc<str>, RouteStats> {
        let shards = lock(&self.0).clone();
        let mut total: BTreeMap<Arc<str>, RouteStats> = BTreeMap::new();
        for shard in shards {
            for (route, stats) in lock(&shard.0).iter() {
                total.entry(Arc::clone(route)).or_default().add(stats);
            }
        }
        total
    }
}

impl Collector for Shards {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), fmt::Error> {
        let total = self.total();
        let mut requests = encoder.encode_descriptor(
            "requests",
            "HTTP requests by route and status",
            None,
            MetricType::Counter,
        )?;
        for (route, stats) in &total {
            for (status, n) in &stats.statuses {
                let labels = RequestLabels {
                    route: Arc::clone(route),
                    status: *status,
                };
                requests
                    .encode_family(&labels)?
                    .encode_counter::<NoLabelSet, _, u64>(n, None)?;
            }
        }
        let mut duration = encoder.encode_descriptor(
            "request_duration_seconds",
            "Time to the response head, by route",
            None,
            MetricType::Histogram,
        )?;
        for (route, stats) in &total {
            let labels = RouteLabels {
                route: Arc::clone(route),
            };
            duration
                .encode_family(&labels)?
                .encode_histogram::<NoLabelSet>(
                    stats.duration_sum,
                    stats.duration_count,
                    &stats.buckets(),
                    None,
                )?;
        }
        let mut errors = encoder.encode_descriptor(
            "upstream_errors",
            "Upstream attempts that failed to connect, reset or timed out",
            None,
            MetricType::Counter,
        )?;
        for (route, stats) in total.iter().filter(|(_, s)| s.upstream_errors > 0) {
            let labels = RouteLabels {
                route: Arc::clone(route),
            };
            errors
                .encode_family(&labels)?
                .encode_counter::<NoLabelSet, _, u64>(&stats.upstream_errors, None)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::registry::Registry;

    fn scrape(shards: Arc<Shards>) -> String {
        let mut registry = Registry::with_prefix("waygate");
        registry.register_collector(Box::new(shards));
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &registry).unwrap();
        out
    }

    #[test]
    fn buckets_double_from_half_a_millisecond() {
        assert_eq!(bucket(0.0), 0);
        assert_eq!(bucket(0.0005), 0);
        assert_eq!(bucket(0.0006), 1);
        assert_eq!(bucket(0.001), 1);
        assert_eq!(bucket(0.3), 10);
        assert_eq!(bucket(65.536), 17);
        assert_eq!(bucket(66.0), BOUNDS);
        assert_eq!(bucket(f64::INFINITY), BOUNDS);
    }

    #[test]
    fn a_scrape_adds_up_every_worker() {
        let shards = Arc::new(Shards::default());
        let (a, b) = (shards.add(), shards.add());
        let web: Arc<str> = Arc::from("default/web");
        let api: Arc<str> = Arc::from("team/api");
        a.request(&web, 200, Duration::from_micros(300));
        b.request(&web, 200, Duration::from_millis(3));
        b.request(&Arc::from("default/web"), 503, Duration::from_secs(100));
        a.upstream_error(&web);
        b.upstream_error(&web);
        b.request(&api, 404, Duration::ZERO);

        let text = scrape(shards);
        for line in [
            "waygate_requests_total{route=\"default/web\",status=\"200\"} 2",
            "waygate_requests_total{route=\"default/web\",status=\"503\"} 1",
            "waygate_requests_total{route=\"team/api\",status=\"404\"} 1",
            "waygate_request_duration_seconds_count{route=\"default/web\"} 3",
            "waygate_request_duration_seconds_bucket{le=\"0.0005\",route=\"default/web\"} 1",
            "waygate_request_duration_seconds_bucket{le=\"0.004\",route=\"default/web\"} 2",
            "waygate_request_duration_seconds_bucket{le=\"+Inf\",route=\"default/web\"} 3",
            "waygate_upstream_errors_total{route=\"default/web\"} 2",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
        assert!(!text.contains("waygate_upstream_errors_total{route=\"team/api\"}"));
        let sum = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("waygate_request_duration_seconds_sum{route=\"default/web\"} ")
            })
            .unwrap();
        let sum: f64 = sum.parse().unwrap();
        assert!((sum - 100.0033).abs() < 1e-9, "{sum}");
    }

    #[test]
    fn counts_survive_a_poisoned_shard() {
        let shards = Arc::new(Shards::default());
        let shard = shards.add();
        let web: Arc<str> = Arc::from("default/web");
        shard.request(&web, 200, Duration::ZERO);
        let poison = Arc::clone(&shard);
        let _ = std::thread::spawn(move || {
            let _guard = poison.0.lock().unwrap();
            panic!("poison the lock");
        })
        .join();
        shard.request(&web, 200, Duration::ZERO);
        assert!(
            scrape(shards)
                .contains("waygate_requests_total{route=\"default/web\",status=\"200\"} 2")
        );
    }
}
