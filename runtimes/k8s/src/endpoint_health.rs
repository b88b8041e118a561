//! The process's [`EndpointHealth`]: every worker passes over an address as soon as any of
//! them failed to connect to it. Requests read one atomic and skip the lock while nothing
//! is passed over, so the shared table costs nothing in the steady state.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use prometheus_client::metrics::counter::Counter;
use waygate_core::bundle::Backend;
use waygate_core::router::{EJECT_MS, EndpointHealth, address, pick_index};

#[derive(Debug)]
pub(crate) struct Health {
    table: Mutex<EndpointHealth>,
    /// Entries in `table`, readable without its lock.
    entries: AtomicUsize,
    /// The clock `table` counts milliseconds from.
    epoch: Instant,
    ejections: Counter,
}

/// A table counting its ejections into a counter no registry reads.
impl Default for Health {
    fn default() -> Self {
        Self::new(Counter::default())
    }
}

impl Health {
    pub(crate) fn new(ejections: Counter) -> Self {
        Self {
            table: Mutex::new(EndpointHealth::default()),
            entries: AtomicUsize::new(0),
            epoch: Instant::now(),
            ejections,
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn table(&self) -> MutexGuard<'_, EndpointHealth> {
        // The table holds no invariant a panic elsewhere could break.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The index and `host:port` of the address of `backend` to connect to next, skipping
    /// `tried` (this request's failed connections): see [`EndpointHealth::choose`].
    pub(crate) fn choose<'b>(
        &self,
        backend: &'b Backend,
        tried: &[usize],
    ) -> Option<(usize, Cow<'b, str>)> {
        let draw = fastrand::u32(..);
        let i = if tried.is_empty() && self.entries.load(Ordering::Relaxed) == 0 {
            pick_index(backend, draw)?
        } else {
            let now = self.now_ms();
            let mut table = self.table();
            let i = table.choose(backend, draw, tried, now);
            self.entries.store(table.len(), Ordering::Relaxed);
            i?
        };
        Some((i, address(backend, i)?))
    }

    /// A connection to `addr` failed: every worker passes it over for [`EJECT_MS`].
    pub(crate) fn connect_failed(&self, addr: &str) {
        let now = self.now_ms();
        let mut table = self.table();
        if table.eject(addr, now) {
            self.ejections.inc();
            tracing::warn!(
                %addr,
                seconds = EJECT_MS / 1000,
                "connection failed; address passed over"
            );
        }
        self.entries.store(table.len(), Ordering::Relaxed);
    }

    /// A connection to `addr` worked. Free unless some address is passed over.
    pub(crate) fn connected(&self, addr: &str) {
        if self.entries.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut table = self.table();
        if table.restore(addr) {
            tracing::info!(%addr, "address answers again");
        }
        self.entries.store(table.len(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waygate_core::bundle::BackendTarget;

    fn two_endpoints() -> Backend {
        let mut b = waygate_core::testing::service("ns", "svc", 80);
        if let BackendTarget::Service(s) = &mut b.target {
            s.endpoints = vec!["10.0.0.1:80".into(), "10.0.0.2:80".into()];
        }
        b
    }

    #[test]
    fn a_failed_address_is_passed_over_by_later_requests_and_counted_once() {
        let counter = Counter::default();
        let h = Health::new(counter.clone());
        let b = two_endpoints();
        h.connect_failed("10.0.0.1:80");
        h.connect_failed("10.0.0.1:80");
        assert_eq!(counter.get(), 1);
        for _ in 0..200 {
            assert_eq!(h.choose(&b, &[]).map(|(i, _)| i), Some(1));
        }
        h.connected("10.0.0.1:80");
        assert_eq!(h.entries.load(Ordering::Relaxed), 0);
        let seen: std::collections::BTreeSet<usize> = (0..200)
            .filter_map(|_| h.choose(&b, &[]).map(|(i, _)| i))
            .collect();
        assert_eq!(seen.len(), 2, "both addresses are chosen again");
    }

    #[test]
    fn a_request_does_not_retry_an_address_it_tried() {
        let h = Health::default();
        let b = two_endpoints();
        for _ in 0..100 {
            let (i, addr) = h.choose(&b, &[0]).expect("one is left");
            assert_eq!((i, addr.as_ref()), (1, "10.0.0.2:80"));
        }
        assert!(h.choose(&b, &[0, 1]).is_none());
    }
}
