//! The "Which runtime" appendix: the same program gives the same outcome on
//! every runtime (async-std's version only with `--features async-std`).

use chapters_code::which_runtime::{
    GREETING, Outcome, blocking_digest, run_on_futures_executor, run_on_smol,
    run_on_tokio,
};

fn expected() -> Outcome {
    Outcome {
        echoed: GREETING.to_vec(),
        digest: blocking_digest(GREETING),
    }
}

#[test]
fn tokio_echoes_and_digests() {
    assert_eq!(run_on_tokio().expect("the tokio version"), expected());
}

#[test]
fn smol_echoes_and_digests() {
    assert_eq!(run_on_smol().expect("the smol version"), expected());
}

#[test]
fn futures_executor_echoes_and_digests() {
    assert_eq!(
        run_on_futures_executor().expect("the futures::executor version"),
        expected()
    );
}

#[cfg(feature = "async-std")]
#[test]
fn async_std_echoes_and_digests() {
    let outcome = chapters_code::which_runtime::run_on_async_std()
        .expect("the async-std version");
    assert_eq!(outcome, expected());
}

/// Each runtime's timer really waited: the program's pause is a lower bound
/// on each run (an upper bound would depend on the machine's load).
#[test]
fn every_version_waits_on_its_timer() {
    type Version = fn() -> std::io::Result<Outcome>;
    let versions: [(&str, Version); 3] = [
        ("tokio", run_on_tokio),
        ("smol", run_on_smol),
        ("futures::executor", run_on_futures_executor),
    ];
    for (name, run) in versions {
        let start = std::time::Instant::now();
        run().unwrap_or_else(|error| panic!("{name}: {error}"));
        let took = start.elapsed();
        assert!(
            took >= chapters_code::which_runtime::PAUSE,
            "{name} finished in {took:?}, before its timer could fire"
        );
    }
}
