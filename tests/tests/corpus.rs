//! Runs every corpus case through the compiler and core and checks the answers.

use serde_json::Value;
use waygate_compiler::compile;
use waygate_conformance::{Case, corpus_dir, json_subset, load_corpus, normalize_status};
use waygate_core::explain::explain;

fn check_case(case: &Case, failures: &mut Vec<String>) -> usize {
    let name = case
        .path
        .strip_prefix(corpus_dir())
        .unwrap_or(&case.path)
        .display()
        .to_string();
    if let Some(want) = &case.compile_error {
        match compile(&case.sources(), &case.options()) {
            Ok(_) => failures.push(format!(
                "{name}: compiled, expected an error containing {want:?}"
            )),
            Err(e) if !e.to_string().contains(want.as_str()) => {
                failures.push(format!(
                    "{name}: error {:?} does not contain {want:?}",
                    e.to_string()
                ));
            }
            Err(_) => {}
        }
        return 1;
    }
    let prepared = match case.prepare() {
        Ok(p) => p,
        Err(e) => {
            failures.push(format!("{name}: does not compile: {e}"));
            return 1;
        }
    };
    let again = case.prepare().map(|p| p.bundle);
    if again.as_ref() != Ok(&prepared.bundle) {
        failures.push(format!("{name}: compiling twice gave different bundles"));
    }
    let mut checks = 1;
    for req in &case.requests {
        checks += 1;
        let answer = req
            .explain_request()
            .and_then(|r| explain(&prepared.router, &r).map_err(|e| e.to_string()))
            .and_then(|x| serde_json::to_value(x).map_err(|e| e.to_string()));
        match answer {
            Ok(actual) => {
                if let Err(diff) = json_subset(&req.expect, &actual, "$") {
                    failures.push(format!(
                        "{name}: request {:?}: {diff}\n    answer: {actual}",
                        req.name
                    ));
                }
            }
            Err(e) => failures.push(format!(
                "{name}: request {:?}: explain failed: {e}",
                req.name
            )),
        }
    }
    let actual_status = normalize_status(&prepared.status);
    for want in &case.status {
        checks += 1;
        let key = |v: &Value| {
            (
                v.get("kind").cloned(),
                v.get("namespace").cloned(),
                v.get("name").cloned(),
            )
        };
        match actual_status.iter().find(|a| key(a) == key(want)) {
            None => failures.push(format!("{name}: no status for {want}")),
            Some(actual) => {
                if let Err(diff) = json_subset(want, actual, "status") {
                    failures.push(format!("{name}: {diff}\n    status: {actual}"));
                }
            }
        }
    }
    checks
}

#[test]
fn corpus() {
    let cases = load_corpus(&corpus_dir()).expect("corpus loads");
    assert!(!cases.is_empty(), "the corpus is empty");
    let mut failures = Vec::new();
    let mut checks = 0;
    for case in &cases {
        checks += check_case(case, &mut failures);
    }
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    eprintln!(
        "corpus: {} case file(s), {checks} check(s), {} failure(s)",
        cases.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} corpus failure(s); see above",
        failures.len()
    );
}
