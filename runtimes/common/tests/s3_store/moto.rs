//! A real S3-compatible server (moto, installed by ../shared/scripts/install-test-infra.sh)
//! on a free loopback port, stopped when dropped. Test support: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::panic, dead_code)]

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Moto {
    child: Child,
    pub(crate) port: u16,
}

pub(crate) fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    listener.local_addr().unwrap().port()
}

impl Moto {
    /// Starts moto; `env` is passed to the server (e.g. to turn on credential checks).
    pub(crate) fn start(env: &[(&str, &str)]) -> Self {
        let Some(dir) = std::env::var_os("TEST_INFRA_DIR").map(PathBuf::from) else {
            panic!(
                "TEST_INFRA_DIR is not set: run `source scripts/env.sh && waygate_test_infra` (installs moto) or scripts/test.sh"
            );
        };
        let bin = dir.join("venv-s3/bin/moto_server");
        assert!(
            bin.exists(),
            "{} is missing: run `source scripts/env.sh && waygate_test_infra`",
            bin.display()
        );
        let port = free_port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
        let moto = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto did not listen on {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub(crate) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}
