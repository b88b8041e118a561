//! `waygate publish / channels / history / rollback / gc` end to end, against file:// and a
//! real S3-compatible server (moto on loopback; needs TEST_INFRA_DIR, fails without it).
// Test helpers outside #[test] fns fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "../../runtimes/common/tests/s3_store/moto.rs"]
mod moto;

use std::path::Path;
use std::process::{Command, Output};

use moto::Moto;

fn waygate(store_env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_waygate"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .envs(store_env.iter().copied())
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn compile(dir: &Path, generation: u64) -> String {
    let out = dir.join(format!("b{generation}.json"));
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/quickstart");
    ok(&waygate(
        &[],
        &[
            "compile",
            examples,
            "--key",
            dir.join("k.pem").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--generation",
            &generation.to_string(),
        ],
    ));
    out.to_str().unwrap().to_owned()
}

/// The whole lifecycle against one store URI.
fn lifecycle(store: &str, env: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    let public = dir.path().join("p.pem");
    ok(&waygate(
        &[],
        &[
            "keygen",
            "--private",
            key.to_str().unwrap(),
            "--public",
            public.to_str().unwrap(),
        ],
    ));
    let b1 = compile(dir.path(), 100);
    let b2 = compile(dir.path(), 200);
    let run = |args: &[&str]| waygate(env, args);
    let s = ["--store", store];

    let out = ok(&run(&[
        &[
            "publish",
            "--bundle",
            &b1,
            "--channel",
            "prod",
            "--public-key",
            public.to_str().unwrap(),
        ][..],
        &s,
    ]
    .concat()));
    assert!(out.contains("generation 100"), "{out}");
    ok(&run(&[
        &["publish", "--bundle", &b2, "--channel", "prod"][..],
        &s,
    ]
    .concat()));
    let refused = run(&[&["publish", "--bundle", &b1, "--channel", "prod"][..], &s].concat());
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("generation 100 is not newer") && err.contains("at generation 200"),
        "{err}"
    );

    let channels = ok(&run(&[&["channels"][..], &s].concat()));
    assert!(channels.starts_with("prod\tgeneration 200"), "{channels}");
    let history = ok(&run(&[&["history", "--channel", "prod"][..], &s].concat()));
    assert_eq!(history.lines().count(), 2, "{history}");
    assert!(
        history
            .lines()
            .nth(1)
            .is_some_and(|l| l.ends_with("(current)")),
        "{history}"
    );

    let rolled = ok(&run(&[
        &[
            "rollback",
            "--channel",
            "prod",
            "--steps",
            "1",
            "--key",
            key.to_str().unwrap(),
        ][..],
        &s,
    ]
    .concat()));
    assert!(rolled.contains("re-signed"), "{rolled}");
    let json = ok(&run(&[&["channels", "--format", "json"][..], &s].concat()));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v[0]["generation"].as_u64().unwrap() > 200, "{json}");

    let dry = ok(&run(&[&["gc", "--keep", "1", "--dry-run"][..], &s].concat()));
    assert!(dry.contains("would delete 2 bundle(s)"), "{dry}");
    let gone = ok(&run(&[&["gc", "--keep", "1"][..], &s].concat()));
    assert!(gone.contains("deleted 2 bundle(s)"), "{gone}");
    let again = ok(&run(&[&["gc", "--keep", "1"][..], &s].concat()));
    assert!(again.contains("deleted 0 bundle(s)"), "{again}");
}

#[test]
fn file_store_lifecycle() {
    let root = tempfile::tempdir().unwrap();
    lifecycle(&format!("file://{}", root.path().display()), &[]);
}

#[test]
fn s3_store_lifecycle_and_racing_publishers() {
    let moto = Moto::start(&[]);
    let endpoint = moto.endpoint();
    let env = [("AWS_ENDPOINT_URL", endpoint.as_str())];
    // Create the bucket with a plain PUT (path-style).
    let created = Command::new("curl")
        .args(["-sf", "-X", "PUT", &format!("{endpoint}/bundles")])
        .status()
        .unwrap();
    assert!(created.success());
    lifecycle("s3://bundles/team-a", &env);

    // Eight publishers race on one channel, each with its own generation.
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    ok(&waygate(
        &[],
        &[
            "keygen",
            "--private",
            key.to_str().unwrap(),
            "--public",
            dir.path().join("p.pem").to_str().unwrap(),
        ],
    ));
    let bundles: Vec<String> = (1..=8).map(|g| compile(dir.path(), g * 10)).collect();
    let children: Vec<_> = bundles
        .iter()
        .map(|b| {
            Command::new(env!("CARGO_BIN_EXE_waygate"))
                .args([
                    "publish",
                    "--bundle",
                    b,
                    "--channel",
                    "race",
                    "--store",
                    "s3://bundles/race",
                ])
                .args(["--s3-endpoint", &endpoint])
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test")
                .env("AWS_REGION", "us-east-1")
                .output_async()
        })
        .collect();
    let mut won = Vec::new();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        let generation = (i as u64 + 1) * 10;
        if out.status.success() {
            won.push(generation);
        } else {
            // The only acceptable failure: a newer bundle got there first.
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("is not newer"), "{err}");
        }
    }
    let history = ok(&waygate(
        &env,
        &[
            "history",
            "--channel",
            "race",
            "--store",
            "s3://bundles/race",
            "--format",
            "json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&history).unwrap();
    let recorded: Vec<u64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["generation"].as_u64().unwrap())
        .collect();
    assert_eq!(
        recorded, won,
        "every successful publish is in the history, in order"
    );
    assert_eq!(recorded.last(), Some(&80));
}

#[test]
fn clear_messages_for_a_missing_bucket_and_an_unreachable_endpoint() {
    let moto = Moto::start(&[]);
    let missing = waygate(
        &[],
        &[
            "channels",
            "--store",
            "s3://no-such-bucket",
            "--s3-endpoint",
            &moto.endpoint(),
        ],
    );
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        !missing.status.success()
            && err.contains("does not exist")
            && err.contains("check the bucket name"),
        "{err}"
    );

    let closed = format!("http://127.0.0.1:{}", moto::free_port());
    let down = waygate(
        &[],
        &[
            "channels",
            "--store",
            "s3://bundles",
            "--s3-endpoint",
            &closed,
        ],
    );
    let err = String::from_utf8_lossy(&down.stderr);
    assert!(
        !down.status.success() && err.contains("cannot reach the S3 endpoint"),
        "{err}"
    );
}

/// `Command::spawn` with piped output, so children run concurrently.
trait SpawnPiped {
    fn output_async(&mut self) -> std::process::Child;
}

impl SpawnPiped for Command {
    fn output_async(&mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }
}
