//! Data-plane threads: one single-threaded tokio runtime per core, all accepting on the same
//! listening sockets. A connection stays on the thread that accepted it, together with the
//! pooled upstream connections it uses (`upstream::Clients::local`), so proxying a request
//! never wakes another thread. On a loaded box those cross-thread wake-ups of a
//! work-stealing runtime cost more than the proxying itself (BENCHMARKS.md).

use std::io;
use std::net::TcpListener as StdListener;
use std::sync::Arc;

use tokio::runtime::Handle;
use tokio::sync::watch;

use crate::upstream::Clients;

#[derive(Debug)]
pub(crate) struct Workers {
    /// Each worker's runtime and upstream clients; empty when work runs on the caller's
    /// runtime with `shared_clients`.
    threads: Vec<(Handle, Arc<Clients>)>,
    shared_clients: Arc<Clients>,
    /// Set (or dropped) to stop the threads; their runtimes then cancel what is left.
    stop: watch::Sender<bool>,
}

impl Workers {
    /// Starts `n` threads; with `n == 0` work runs on the caller's runtime.
    pub(crate) fn start(n: usize, tls: &rustls::ClientConfig) -> io::Result<Self> {
        let (stop, _) = watch::channel(false);
        let mut threads = Vec::with_capacity(n);
        for i in 0..n {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            threads.push((rt.handle().clone(), Arc::new(Clients::new(tls))));
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
        Ok(Self {
            threads,
            shared_clients: Arc::new(Clients::new(tls)),
            stop,
        })
    }

    /// Runs `accept(listener, clients)` on every worker, each with its own handle on
    /// `listener`'s socket; the kernel hands each new connection to one of them.
    pub(crate) fn serve<F, Fut>(&self, listener: &StdListener, accept: F) -> io::Result<()>
    where
        F: Fn(tokio::net::TcpListener, Arc<Clients>) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        listener.set_nonblocking(true)?;
        let current;
        let threads = if self.threads.is_empty() {
            current = [(Handle::current(), Arc::clone(&self.shared_clients))];
            &current[..]
        } else {
            &self.threads[..]
        };
        for (handle, clients) in threads {
            let own = listener.try_clone()?;
            // Registering with the reactor must happen inside the target runtime.
            let _guard = handle.enter();
            let own = tokio::net::TcpListener::from_std(own)?;
            handle.spawn(accept(own, Arc::clone(clients)));
        }
        Ok(())
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
