//! The process's [`EndpointHealth`]: every worker passes over an address as soon as any of
//! them failed to connect to it. The table sits behind a lock; its summary (one bit per
//! passed-over address) sits in an atomic, so a request takes the lock only when its
//! address's bit is set. A dead address the bundle keeps naming stays ejected for as long
//! as the bundle serves; meanwhile requests to the other addresses share nothing but that
//! atomic, except the one address in 64 whose bit it shares.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use prometheus_client::metrics::counter::Counter;
use waygate_core::bundle::Backend;
use waygate_core::router::{EJECT_MS, EndpointHealth, address, address_bit, pick_index};

#[derive(Debug)]
pub(crate) struct Health {
    table: Mutex<EndpointHealth>,
    /// `table.summary()`, readable without the lock.
    summary: AtomicU64,
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
            summary: AtomicU64::new(0),
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

    /// Whether `addr` may be in the table (false means it is not).
    fn maybe_ejected(&self, addr: &str) -> bool {
        let summary = self.summary.load(Ordering::Relaxed);
        summary != 0 && summary & address_bit(addr) != 0
    }

    /// The index and `host:port` of the address of `backend` to connect to next, skipping
    /// `tried` (this request's failed connections): see [`EndpointHealth::choose`].
    pub(crate) fn choose<'b>(
        &self,
        backend: &'b Backend,
        tried: &[usize],
    ) -> Option<(usize, Cow<'b, str>)> {
        let draw = fastrand::u32(..);
        if tried.is_empty() {
            // `EndpointHealth::choose` answers the same when this address is not in the table.
            let i = pick_index(backend, draw)?;
            let addr = address(backend, i)?;
            if !self.maybe_ejected(&addr) {
                return Some((i, addr));
            }
        }
        let now = self.now_ms();
        let mut table = self.table();
        let i = table.choose(backend, draw, tried, now);
        self.summary.store(table.summary(), Ordering::Relaxed);
        drop(table);
        let i = i?;
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
        self.summary.store(table.summary(), Ordering::Relaxed);
    }

    /// A connection to `addr` worked. Free unless `addr` may be passed over.
    pub(crate) fn connected(&self, addr: &str) {
        if !self.maybe_ejected(addr) {
            return;
        }
        let mut table = self.table();
        if table.restore(addr) {
            tracing::info!(%addr, "address answers again");
        }
        self.summary.store(table.summary(), Ordering::Relaxed);
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
        h.connected("10.0.0.2:80");
        assert_ne!(
            h.summary.load(Ordering::Relaxed),
            0,
            "a healthy address restores nothing"
        );
        h.connected("10.0.0.1:80");
        assert_eq!(h.summary.load(Ordering::Relaxed), 0);
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
