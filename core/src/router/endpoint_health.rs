//! Which of a backend's addresses a runtime connects to. A bundle is static, so it can name
//! pods that are gone or hosts that are down: an address whose connection just failed is
//! passed over for a while, as nginx's `max_fails`/`fail_timeout` and Envoy's outlier
//! detection do. Sans-IO: the runtime reports failed and successful connections and passes
//! `now` in.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hasher as _;

use super::backend_ref::{address, address_count};
use super::fast_hash::FastHasher;
use crate::bundle::Backend;

/// How long an address whose connection failed is passed over (nginx's `fail_timeout`).
pub const EJECT_MS: u64 = 10_000;

/// An index below `n`, uniform for a uniform `draw`.
fn scale(draw: u32, n: usize) -> usize {
    let n = u64::try_from(n).unwrap_or(u64::MAX);
    usize::try_from((u64::from(draw) * n) >> 32).unwrap_or(0)
}

/// The index of one address of `backend`, chosen uniformly with `draw`; `None` when it has
/// none. [`EndpointHealth::choose`] gives the same answer while nothing is passed over.
pub fn pick_index(backend: &Backend, draw: u32) -> Option<usize> {
    let n = address_count(backend);
    (n > 0).then(|| scale(draw, n))
}

/// One address of `backend`, chosen uniformly with `draw`: for runtimes that keep no
/// [`EndpointHealth`] between requests.
pub fn pick_address(backend: &Backend, draw: u32) -> Option<Cow<'_, str>> {
    address(backend, pick_index(backend, draw)?)
}

/// One of 64 bits for `addr`: an address whose bit is not in [`EndpointHealth::summary`]
/// is not passed over.
pub fn address_bit(addr: &str) -> u64 {
    let mut h = FastHasher::default();
    h.write(addr.as_bytes());
    1 << (h.finish() >> 58)
}

/// Addresses passed over after a failed connection, shared by a runtime's requests.
#[derive(Debug, Default)]
pub struct EndpointHealth {
    /// Address → until when it is passed over, in milliseconds of the caller's clock.
    ejected: HashMap<String, u64>,
}

impl EndpointHealth {
    /// How many addresses are passed over, counting expired ones not yet forgotten.
    pub fn len(&self) -> usize {
        self.ejected.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ejected.is_empty()
    }

    /// The [`address_bit`]s of the addresses in the table, 0 when it is empty: a runtime
    /// that shares the table behind a lock keeps this in an atomic, so that requests for
    /// addresses whose bit is clear need not take the lock.
    pub fn summary(&self) -> u64 {
        self.ejected.keys().fold(0, |m, a| m | address_bit(a))
    }

    /// A connection to `addr` failed: pass it over until `now_ms + EJECT_MS`. True when it
    /// was not passed over already, so that callers log and count each ejection once.
    pub fn eject(&mut self, addr: &str, now_ms: u64) -> bool {
        self.forget_expired(now_ms);
        let until = now_ms.saturating_add(EJECT_MS);
        if let Some(u) = self.ejected.get_mut(addr) {
            *u = until;
            false
        } else {
            self.ejected.insert(addr.to_owned(), until);
            true
        }
    }

    /// A connection to `addr` succeeded: it is healthy again. True when it was passed over.
    pub fn restore(&mut self, addr: &str) -> bool {
        self.ejected.remove(addr).is_some()
    }

    pub fn is_ejected(&self, addr: &str, now_ms: u64) -> bool {
        self.ejected.get(addr).is_some_and(|until| *until > now_ms)
    }

    fn forget_expired(&mut self, now_ms: u64) {
        self.ejected.retain(|_, until| *until > now_ms);
    }

    /// The index of the address of `backend` to connect to next, uniform by `draw` among
    /// those not in `tried` (this request's failed connections) and not passed over. When
    /// every untried address is passed over, among the untried ones anyway: an ejection is a
    /// guess, and trying beats refusing. `None` once every address was tried.
    pub fn choose(
        &mut self,
        backend: &Backend,
        draw: u32,
        tried: &[usize],
        now_ms: u64,
    ) -> Option<usize> {
        let probe = pick_index(backend, draw)?;
        if tried.is_empty() && self.ejected.is_empty() {
            return Some(probe);
        }
        let n = address_count(backend);
        self.forget_expired(now_ms);
        let untried = |i: &usize| !tried.contains(i);
        let healthy =
            |i: &usize| address(backend, *i).is_some_and(|a| !self.is_ejected(&a, now_ms));
        // Usually the first probe lands on a usable address; scan only when it does not.
        if untried(&probe) && healthy(&probe) {
            return Some(probe);
        }
        // A second, differently mixed draw: the first one is known to have missed.
        let draw = draw.wrapping_mul(0x9E37_79B9).rotate_left(16);
        let healthy_count = (0..n).filter(untried).filter(healthy).count();
        if healthy_count > 0 {
            return (0..n)
                .filter(untried)
                .filter(healthy)
                .nth(scale(draw, healthy_count));
        }
        let untried_count = (0..n).filter(untried).count();
        (0..n).filter(untried).nth(scale(draw, untried_count))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::bundle::BackendTarget;

    fn service(endpoints: &[&str]) -> Backend {
        let mut b = crate::testing::service("ns", "svc", 80);
        if let BackendTarget::Service(s) = &mut b.target {
            s.endpoints = endpoints.iter().map(|e| (*e).to_owned()).collect();
        }
        b
    }

    /// Draws spread over the whole u32 range.
    fn draws() -> impl Iterator<Item = u32> {
        (0..1000u32).map(|i| i.wrapping_mul(4_294_967))
    }

    fn chosen(h: &mut EndpointHealth, b: &Backend, tried: &[usize], now: u64) -> BTreeSet<usize> {
        draws().filter_map(|d| h.choose(b, d, tried, now)).collect()
    }

    #[test]
    fn without_failures_every_address_is_chosen() {
        let b = service(&["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"]);
        let mut h = EndpointHealth::default();
        assert_eq!(chosen(&mut h, &b, &[], 0), BTreeSet::from([0, 1, 2]));
        let picked: BTreeSet<String> = draws()
            .filter_map(|d| pick_address(&b, d).map(Cow::into_owned))
            .collect();
        assert_eq!(picked.len(), 3);
    }

    #[test]
    fn an_ejected_address_is_passed_over_until_it_expires() {
        let b = service(&["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"]);
        let mut h = EndpointHealth::default();
        assert!(h.eject("10.0.0.2:80", 1_000));
        assert!(
            !h.eject("10.0.0.2:80", 1_500),
            "a repeat is not a new ejection"
        );
        assert_eq!(chosen(&mut h, &b, &[], 1_500), BTreeSet::from([0, 2]));
        // The repeat moved the deadline: still passed over just before it.
        assert_eq!(
            chosen(&mut h, &b, &[], 1_500 + EJECT_MS - 1),
            BTreeSet::from([0, 2])
        );
        assert_eq!(
            chosen(&mut h, &b, &[], 1_500 + EJECT_MS),
            BTreeSet::from([0, 1, 2])
        );
        assert!(h.is_empty(), "expired ejections are forgotten");
    }

    #[test]
    fn the_summary_has_the_bit_of_every_ejected_address() {
        let mut h = EndpointHealth::default();
        assert_eq!(h.summary(), 0);
        let addrs: Vec<String> = (0..20).map(|i| format!("10.0.0.{i}:80")).collect();
        for a in &addrs[..10] {
            h.eject(a, 0);
        }
        let summary = h.summary();
        for a in &addrs[..10] {
            assert_eq!(address_bit(a).count_ones(), 1);
            assert_ne!(summary & address_bit(a), 0, "{a}");
        }
        // Bits spread: twenty addresses do not share one bit.
        let distinct: BTreeSet<u64> = addrs.iter().map(|a| address_bit(a)).collect();
        assert!(distinct.len() > 10, "{distinct:?}");
        for a in &addrs[..10] {
            h.restore(a);
        }
        assert_eq!(h.summary(), 0);
    }

    #[test]
    fn a_success_restores_an_address() {
        let b = service(&["10.0.0.1:80", "10.0.0.2:80"]);
        let mut h = EndpointHealth::default();
        h.eject("10.0.0.1:80", 0);
        assert!(h.restore("10.0.0.1:80"));
        assert!(!h.restore("10.0.0.1:80"));
        assert_eq!(chosen(&mut h, &b, &[], 1), BTreeSet::from([0, 1]));
    }

    #[test]
    fn tried_addresses_are_skipped_until_none_is_left() {
        let b = service(&["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"]);
        let mut h = EndpointHealth::default();
        assert_eq!(chosen(&mut h, &b, &[1], 0), BTreeSet::from([0, 2]));
        assert_eq!(chosen(&mut h, &b, &[1, 0], 0), BTreeSet::from([2]));
        assert_eq!(chosen(&mut h, &b, &[1, 0, 2], 0), BTreeSet::new());
    }

    #[test]
    fn when_every_untried_address_is_ejected_they_are_tried_anyway() {
        let b = service(&["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"]);
        let mut h = EndpointHealth::default();
        for a in ["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"] {
            h.eject(a, 0);
        }
        assert_eq!(chosen(&mut h, &b, &[], 1), BTreeSet::from([0, 1, 2]));
        assert_eq!(chosen(&mut h, &b, &[2], 1), BTreeSet::from([0, 1]));
        // A healthy address wins over ejected ones.
        h.restore("10.0.0.3:80");
        assert_eq!(chosen(&mut h, &b, &[], 1), BTreeSet::from([2]));
    }

    #[test]
    fn a_service_without_endpoints_has_its_dns_authority() {
        let b = service(&[]);
        assert_eq!(address_count(&b), 1);
        assert_eq!(
            pick_address(&b, u32::MAX).as_deref(),
            Some("svc.ns.svc.cluster.local:80")
        );
        assert_eq!(address(&b, 1), None);
        let mut h = EndpointHealth::default();
        assert_eq!(h.choose(&b, 7, &[0], 0), None);
    }
}
