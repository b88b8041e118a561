//! Data-plane threads: one single-threaded tokio runtime per core. Each accepted connection
//! goes to the worker with the fewest open connections and stays there, together with the
//! pooled upstream connections and the metrics it updates (each worker has its own
//! [`Local`]), so proxying a request never wakes another thread or shares a cache line. On a loaded box those cross-thread wake-ups of a
//! work-stealing runtime cost more than the proxying itself (BENCHMARKS.md), and letting
//! the workers race for `accept` left one with twice the connections of the other.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::TcpStream;
use tokio::runtime::Handle;
use tokio::sync::watch;

use crate::endpoint_health::Health;
use crate::metrics::Metrics;
use crate::route_metrics::Shard;
use crate::upstream::Clients;

/// What the connections of one worker share with each other and with no other worker.
#[derive(Debug, Clone)]
pub(crate) struct Local {
    pub(crate) clients: Arc<Clients>,
    pub(crate) route_metrics: Arc<Shard>,
}

impl Local {
    pub(crate) fn new(tls: &rustls::ClientConfig, metrics: &Metrics, health: &Arc<Health>) -> Self {
        Self {
            clients: Arc::new(Clients::new(tls, Arc::clone(health))),
            route_metrics: metrics.route_shard(),
        }
    }
}

#[derive(Debug)]
struct Worker {
    handle: Handle,
    local: Local,
    /// Open connections on this worker.
    load: Arc<AtomicUsize>,
}

/// Where connections run.
#[derive(Debug)]
enum Placement {
    /// On these threads (at least one).
    Threads(Vec<Worker>),
    /// On the caller's runtime, sharing this.
    Caller(Local),
}

#[derive(Debug)]
pub(crate) struct Workers {
    placement: Placement,
    /// Set (or dropped) to stop the threads; their runtimes then cancel what is left.
    stop: watch::Sender<bool>,
}

impl Workers {
    /// Starts `n` threads; with `n == 0` connections run on the caller's runtime.
    pub(crate) fn start(
        n: usize,
        tls: &rustls::ClientConfig,
        metrics: &Metrics,
        health: &Arc<Health>,
    ) -> io::Result<Self> {
        let (stop, _) = watch::channel(false);
        let mut threads = Vec::with_capacity(n);
        for i in 0..n {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            threads.push(Worker {
                handle: rt.handle().clone(),
                local: Local::new(tls, metrics, health),
                load: Arc::new(AtomicUsize::new(0)),
            });
            let mut stopped = stop.subscribe();
            std::thread::Builder::new()
                .name(format!("waygate-worker-{i}"))
                .spawn(move || {
                    rt.block_on(async move {
                        // An error means the sender is gone: stop as well.
                        let _ = stopped.wait_for(|s| *s).await;
                    });
                })?;
        }
        let placement = if threads.is_empty() {
            Placement::Caller(Local::new(tls, metrics, health))
        } else {
            Placement::Threads(threads)
        };
        Ok(Self { placement, stop })
    }

    /// Runs `serve(tcp, local)` on the least loaded worker.
    pub(crate) fn dispatch<F, Fut>(&self, tcp: TcpStream, serve: F)
    where
        F: FnOnce(TcpStream, Local) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let threads = match &self.placement {
            Placement::Caller(local) => {
                tokio::spawn(serve(tcp, local.clone()));
                return;
            }
            Placement::Threads(threads) => threads,
        };
        let Some(worker) = threads
            .iter()
            .min_by_key(|w| w.load.load(Ordering::Relaxed))
        else {
            return; // `Threads` is never empty
        };
        // The socket moves to the worker's reactor: deregister here, register there.
        let std = match tcp.into_std() {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot hand a connection to a worker");
                return;
            }
        };
        let load = Load::new(&worker.load);
        let local = worker.local.clone();
        worker.handle.spawn(async move {
            let _load = load;
            match TcpStream::from_std(std) {
                Ok(tcp) => serve(tcp, local).await,
                Err(e) => tracing::warn!(error = %e, "cannot register a connection"),
            }
        });
    }

    /// Stops the threads, cancelling whatever still runs on them.
    pub(crate) fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Counts a connection on its worker while alive.
struct Load(Arc<AtomicUsize>);

impl Load {
    fn new(load: &Arc<AtomicUsize>) -> Self {
        load.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(load))
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls() -> rustls::ClientConfig {
        crate::upstream::tls_config(None).unwrap()
    }

    fn health() -> Arc<Health> {
        Arc::new(Health::default())
    }

    #[tokio::test]
    async fn connections_spread_over_the_workers_and_run_on_their_threads() {
        let workers = Workers::start(2, &tls(), &Metrics::default(), &health()).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (names_tx, mut names_rx) = tokio::sync::mpsc::channel(16);
        let (release_tx, _) = tokio::sync::broadcast::channel::<()>(1);
        let mut clients = Vec::new();
        for _ in 0..6 {
            clients.push(tokio::net::TcpStream::connect(addr).await.unwrap());
            let (tcp, _) = listener.accept().await.unwrap();
            let names = names_tx.clone();
            let mut release = release_tx.subscribe();
            workers.dispatch(tcp, move |_tcp, _local| async move {
                let name = std::thread::current().name().map(str::to_owned);
                let _ = names.send(name).await;
                let _ = release.recv().await;
            });
        }
        for _ in 0..6 {
            let name = tokio::time::timeout(std::time::Duration::from_secs(5), names_rx.recv())
                .await
                .unwrap()
                .flatten()
                .unwrap();
            assert!(name.starts_with("waygate-worker-"), "{name}");
        }
        let Placement::Threads(threads) = &workers.placement else {
            panic!("two workers were asked for");
        };
        let loads: Vec<usize> = threads
            .iter()
            .map(|w| w.load.load(Ordering::Relaxed))
            .collect();
        assert_eq!(loads, [3, 3]);

        release_tx.send(()).unwrap();
        for _ in 0..100 {
            if threads.iter().all(|w| w.load.load(Ordering::Relaxed) == 0) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("finished connections must leave their worker's load");
    }
}
