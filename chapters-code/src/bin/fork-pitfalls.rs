//! Runs one of chapter 8's fork-safety pitfalls, or one of its safe
//! patterns' children, in a process of its own, and prints what it saw as
//! one JSON line:
//! `cargo run -p chapters-code --bin fork-pitfalls -- mutex-held`.
//! The tests start it with `Command` rather than forking themselves: the
//! test harness runs tests on many threads, and forking it is the very
//! pitfall under study.

use std::process::ExitCode;

#[cfg(unix)]
use chapters_code::ch08_fork_safety::CacheConfig;
#[cfg(unix)]
use chapters_code::ch08_fork_safety::patterns::{
    run_worker, session_and_group,
};
#[cfg(unix)]
use chapters_code::ch08_fork_safety::pitfalls::{PITFALLS, run_pitfall};

#[cfg(not(unix))]
fn main() -> ExitCode {
    eprintln!("fork-pitfalls: fork exists only on Unix; run it on Linux");
    ExitCode::from(2)
}

#[cfg(unix)]
fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(scenario) = args.next() else {
        return usage();
    };
    let printed = match scenario.as_str() {
        "worker" => match CacheConfig::from_args(args) {
            Ok(config) => serde_json::to_string(&run_worker(&config)),
            Err(error) => {
                eprintln!("fork-pitfalls worker: {error}");
                return ExitCode::from(2);
            }
        },
        "session" => serde_json::to_string(&session_and_group()),
        pitfall => match run_pitfall(pitfall) {
            Some(report) => serde_json::to_string(&report),
            None => return usage(),
        },
    };
    println!("{}", printed.expect("a report serialises"));
    ExitCode::SUCCESS
}

#[cfg(unix)]
fn usage() -> ExitCode {
    let names: Vec<&str> = PITFALLS.iter().map(|(name, _)| *name).collect();
    eprintln!(
        "usage: fork-pitfalls PITFALL | worker [--endpoint NAME=PORT]... \
         | session\npitfalls: {}",
        names.join(", ")
    );
    ExitCode::from(2)
}
