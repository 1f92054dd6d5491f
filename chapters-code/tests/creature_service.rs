//! The local creature service: where it listens, what it answers, how its
//! faults and limit end on the client side, what it records, its latency
//! model in virtual time, its dataset and its command line.
//!
//! Tests over real sockets run on the real clock with tiny latencies and
//! assert order, counts and outcomes; timing claims run under the paused
//! clock, driving the router directly (a tower service, no socket).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chapters_code::creature_service::cli::{Command, USAGE, parse_args};
use chapters_code::creature_service::dataset::{
    self, DATASET_PATH, REGENERATE_COMMAND, TYPES,
};
use chapters_code::creature_service::{
    CreatureClient, CreatureService, Faults, FetchError, Latency,
    LatencySampler, ServiceConfig, SlowTail, Stats, StopSignal, router,
};
use futures::StreamExt;
use tower::ServiceExt;

const PATIENT: Duration = Duration::from_secs(5);

fn client_of(service: &CreatureService, timeout: Duration) -> CreatureClient {
    CreatureClient::new(service.addr(), timeout).expect("a plain HTTP client")
}

/// How long a test waits for the service to see what it expects.
const SEEN_WITHIN: Duration = Duration::from_secs(2);

#[tokio::test]
async fn binds_only_loopback_on_a_port_the_system_picks() {
    let first = CreatureService::start(ServiceConfig::default())
        .await
        .unwrap();
    let second = CreatureService::start(ServiceConfig::default())
        .await
        .unwrap();
    assert_eq!(first.addr().ip(), Ipv4Addr::LOCALHOST);
    assert_ne!(first.addr().port(), 0);
    assert_ne!(first.addr().port(), second.addr().port());
    assert_eq!(first.base_url(), format!("http://{}", first.addr()));
}

#[tokio::test]
async fn lists_every_creature_page_by_page() {
    let service = CreatureService::start(ServiceConfig::default())
        .await
        .unwrap();
    let client = client_of(&service, PATIENT);

    let all = client.list_all(20).await.unwrap();
    assert_eq!(all, dataset::shipped());

    let last = client.list_page(8, 20).await.unwrap();
    assert_eq!(last.creatures.len(), 10);
    assert_eq!((last.total, last.next_page), (150, None));
    let first = client.list_page(1, 20).await.unwrap();
    assert_eq!(first.next_page, Some(2));
    let past_the_end = client.list_page(9, 20).await.unwrap();
    assert!(past_the_end.creatures.is_empty());

    for (page, per_page) in [(0, 20), (1, 0), (1, 101)] {
        let refused = client.list_page(page, per_page).await;
        assert!(
            matches!(refused, Err(FetchError::Status(400))),
            "{refused:?}"
        );
    }
    // 8 pages, then 3 more, then 3 refused.
    let stats = service.stats();
    assert_eq!(stats.by_status, BTreeMap::from([(200, 11), (400, 3)]));
    assert_eq!(stats.received, 14);
}

#[tokio::test]
async fn an_unknown_name_is_none_and_a_known_one_is_its_creature() {
    let service = CreatureService::start(ServiceConfig::default())
        .await
        .unwrap();
    let client = client_of(&service, PATIENT);

    let known = &dataset::shipped()[41];
    let fetched = client.fetch_creature(&known.name).await.unwrap();
    assert_eq!(fetched.as_ref(), Some(known));
    // The slash is encoded: this asks for one odd name, not another path.
    for unknown in ["nobody", "no such/creature", "?page=1"] {
        assert!(client.fetch_creature(unknown).await.unwrap().is_none());
    }
    assert_eq!(service.stats().with_status(404), 3);
}

#[tokio::test]
async fn an_unknown_path_is_404_and_recorded_too() {
    let service = CreatureService::start(ServiceConfig::default())
        .await
        .unwrap();
    let url = format!("{}/nowhere", service.base_url());
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let stats = service.stats();
    assert_eq!((stats.received, stats.with_status(404)), (1, 1));
}

#[tokio::test]
async fn a_malformed_body_is_a_typed_error() {
    let faults = Faults {
        malformed_rate: 1.0,
        ..Faults::default()
    };
    let config = ServiceConfig::default().with_faults(faults);
    let service = CreatureService::start(config).await.unwrap();
    let client = client_of(&service, PATIENT);

    match client.fetch_creature("brasipup").await {
        Err(FetchError::Malformed(error)) => assert!(error.is_eof()),
        other => panic!("expected a malformed body, got {other:?}"),
    }
    match client.list_page(1, 5).await {
        Err(FetchError::Malformed(_)) => {}
        other => panic!("expected a malformed body, got {other:?}"),
    }
    // The service believes it answered: 200, with a broken body.
    assert_eq!(service.stats().with_status(200), 2);
}

#[tokio::test]
async fn an_injected_error_is_status_500() {
    let faults = Faults {
        error_rate: 1.0,
        ..Faults::default()
    };
    let config = ServiceConfig::default().with_faults(faults);
    let service = CreatureService::start(config).await.unwrap();
    let outcome = client_of(&service, PATIENT).fetch_creature("x").await;
    assert!(
        matches!(outcome, Err(FetchError::Status(500))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn over_the_limit_is_503_and_counted_as_a_violation() {
    let latency = Latency::Fixed(Duration::from_millis(300));
    let config = ServiceConfig::default()
        .with_latency(latency)
        .with_max_in_flight(2);
    let service = CreatureService::start(config).await.unwrap();
    let client = client_of(&service, PATIENT);

    let slow: Vec<_> = (0..2)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.fetch_creature("brasipup").await })
        })
        .collect();
    let both_admitted =
        service.stats_when(SEEN_WITHIN, |s| s.in_flight == 2).await;
    assert_eq!(both_admitted.in_flight, 2);
    for _ in 0..3 {
        let refused = client.fetch_creature("brasipup").await;
        assert!(
            matches!(refused, Err(FetchError::Overloaded)),
            "{refused:?}"
        );
    }
    for admitted in slow {
        assert!(admitted.await.unwrap().unwrap().is_some());
    }
    // ANCHOR: over_the_limit_stats
    let stats = service.stats();
    assert_eq!(stats.limit_violations, 3);
    assert_eq!(stats.by_status, BTreeMap::from([(200, 2), (503, 3)]));
    assert_eq!(stats.peak_in_flight, 2);
    // ANCHOR_END: over_the_limit_stats
}

#[tokio::test]
async fn a_client_that_keeps_under_the_limit_sees_no_503() {
    let latency = Latency::Fixed(Duration::from_millis(5));
    let config = ServiceConfig::default()
        .with_latency(latency)
        .with_max_in_flight(3);
    let service = CreatureService::start(config).await.unwrap();
    let client = client_of(&service, PATIENT);

    let names = dataset::shipped().iter().take(12).map(|c| c.name.clone());
    let outcomes: Vec<_> = futures::stream::iter(names)
        .map(|name| {
            let client = client.clone();
            async move { client.fetch_creature(&name).await }
        })
        .buffer_unordered(3)
        .collect()
        .await;
    assert!(outcomes.iter().all(|o| matches!(o, Ok(Some(_)))));
    let stats = service.stats();
    assert_eq!((stats.limit_violations, stats.with_status(200)), (0, 12));
    assert!(stats.peak_in_flight <= 3, "{stats:?}");
}

#[tokio::test]
async fn a_hung_response_times_out_and_the_service_sees_the_connection_go() {
    let faults = Faults {
        hang_rate: 1.0,
        ..Faults::default()
    };
    let config = ServiceConfig::default().with_faults(faults);
    let service = CreatureService::start(config).await.unwrap();
    let client = client_of(&service, Duration::from_millis(100));

    let outcome = client.fetch_creature("brasipup").await;
    assert!(matches!(outcome, Err(FetchError::Timeout)), "{outcome:?}");

    let stats = service
        .stats_when(SEEN_WITHIN, |s| s.connections_closed == 1)
        .await;
    assert_eq!(stats.connections_opened, 1);
    assert_eq!(stats.connections_closed, 1);
    assert_eq!((stats.received, stats.abandoned, stats.served()), (1, 1, 0));
    assert_eq!(stats.in_flight, 0);
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_error() {
    let service = CreatureService::start(ServiceConfig::default())
        .await
        .unwrap();
    let addr = service.addr();
    service.shutdown().await.unwrap();
    let client = CreatureClient::new(addr, PATIENT).unwrap();
    let outcome = client.fetch_creature("brasipup").await;
    match outcome {
        Err(FetchError::Connection(error)) => assert!(error.is_connect()),
        other => panic!("expected a connection error, got {other:?}"),
    }
}

/// Which of the client's outcomes a result is, for tallying.
fn outcome_name(
    outcome: &Result<Option<dataset::Creature>, FetchError>,
) -> &str {
    match outcome {
        Ok(Some(_)) => "found",
        Ok(None) => "not found",
        Err(FetchError::Malformed(_)) => "malformed",
        Err(FetchError::Overloaded) => "overloaded",
        Err(FetchError::Status(500)) => "500",
        Err(FetchError::Status(_)) => "other status",
        Err(FetchError::Timeout) => "timeout",
        Err(FetchError::Connection(_)) => "connection",
    }
}

#[tokio::test]
async fn every_request_ends_in_exactly_one_outcome_on_both_sides() {
    let faults = Faults {
        error_rate: 0.15,
        malformed_rate: 0.15,
        hang_rate: 0.1,
        seed: 3,
    };
    let config = ServiceConfig::default()
        .with_faults(faults)
        .with_max_in_flight(4);
    let service = CreatureService::start(config).await.unwrap();
    let client = client_of(&service, Duration::from_millis(150));

    let names = (0..60).map(|i| match i % 5 {
        0 => format!("nobody-{i}"),
        _ => dataset::shipped()[i].name.clone(),
    });
    let outcomes: Vec<_> = futures::stream::iter(names)
        .map(|name| {
            let client = client.clone();
            async move { client.fetch_creature(&name).await }
        })
        .buffer_unordered(6)
        .collect()
        .await;
    let mut tally: BTreeMap<&str, u64> = BTreeMap::new();
    for outcome in &outcomes {
        *tally.entry(outcome_name(outcome)).or_default() += 1;
    }
    let count = |name| tally.get(name).copied().unwrap_or(0);

    let stats = service
        .stats_when(SEEN_WITHIN, |s| {
            s.in_flight == 0 && s.served() + s.abandoned == s.received
        })
        .await;
    assert_eq!(tally.values().sum::<u64>(), 60, "{tally:?}");
    assert_eq!(stats.received, 60, "{stats:?}");
    assert_eq!(stats.served() + stats.abandoned, 60, "{stats:?}");
    assert_eq!(count("found") + count("malformed"), stats.with_status(200));
    assert_eq!(count("not found"), stats.with_status(404));
    assert_eq!(count("500"), stats.with_status(500));
    assert_eq!(count("overloaded"), stats.with_status(503));
    assert_eq!(count("overloaded"), stats.limit_violations);
    assert_eq!(count("timeout"), stats.abandoned);
    assert_eq!(count("other status") + count("connection"), 0);
    assert!(stats.peak_in_flight <= 4, "{stats:?}");
}

#[tokio::test]
async fn shutdown_waits_for_every_connection_to_close() {
    let service = CreatureService::start(ServiceConfig::default())
        .await
        .unwrap();
    let clients: Vec<_> =
        (0..3).map(|_| client_of(&service, PATIENT)).collect();
    for client in &clients {
        client.fetch_creature("brasipup").await.unwrap();
    }
    // Each client keeps its connection open for the next request.
    let stats = service.stats();
    assert_eq!((stats.connections_opened, stats.connections_closed), (3, 0));
    let last = service.shutdown().await.unwrap();
    assert_eq!((last.connections_opened, last.connections_closed), (3, 3));
    assert_eq!((last.received, last.with_status(200)), (3, 3));
}

#[tokio::test]
async fn shutdown_answers_hung_requests_with_503() {
    let faults = Faults {
        hang_rate: 1.0,
        ..Faults::default()
    };
    let config = ServiceConfig::default().with_faults(faults);
    let service = CreatureService::start(config).await.unwrap();
    let client = client_of(&service, PATIENT);
    let hung =
        tokio::spawn(async move { client.fetch_creature("brasipup").await });
    let hanging = service.stats_when(SEEN_WITHIN, |s| s.in_flight == 1).await;
    assert_eq!(hanging.in_flight, 1);

    let last = service.shutdown().await.unwrap();
    let outcome = hung.await.unwrap();
    assert!(
        matches!(outcome, Err(FetchError::Overloaded)),
        "{outcome:?}"
    );
    assert_eq!((last.with_status(503), last.limit_violations), (1, 0));
    assert_eq!(last.connections_closed, last.connections_opened);
}

#[tokio::test]
async fn an_invalid_configuration_is_refused_at_start() {
    let faults = Faults {
        error_rate: 0.7,
        hang_rate: 0.7,
        ..Faults::default()
    };
    let config = ServiceConfig::default().with_faults(faults);
    let error = CreatureService::start(config).await.unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        error.to_string().contains("fault rates add up to"),
        "{error}"
    );
}

fn slow_tail(seed: u64) -> SlowTail {
    SlowTail {
        base: Duration::from_millis(10),
        jitter: 0.2,
        tail_probability: 0.05,
        tail_factor: 10,
        seed,
    }
}

#[test]
fn the_latency_sampler_has_the_configured_slow_tail() {
    let mut sampler = LatencySampler::new(Latency::SlowTail(slow_tail(42)));
    let draws: Vec<Duration> = (0..10_000).map(|_| sampler.sample()).collect();

    let body = Duration::from_millis(8)..=Duration::from_millis(12);
    let tail = Duration::from_millis(80)..=Duration::from_millis(120);
    let slow = draws.iter().filter(|d| tail.contains(d)).count();
    assert!(draws.iter().all(|d| body.contains(d) || tail.contains(d)));
    // 5% of 10 000 is 500; a binomial's standard deviation here is about 22.
    assert!((430..=570).contains(&slow), "{slow} slow draws");

    let mut again = LatencySampler::new(Latency::SlowTail(slow_tail(42)));
    assert!(draws.iter().all(|d| *d == again.sample()));
    let mut other = LatencySampler::new(Latency::SlowTail(slow_tail(43)));
    assert!(draws.iter().take(20).any(|d| *d != other.sample()));
}

#[test]
fn fixed_and_no_latency_draw_nothing_random() {
    let fixed = Duration::from_millis(7);
    let mut sampler = LatencySampler::new(Latency::Fixed(fixed));
    assert!((0..100).all(|_| sampler.sample() == fixed));
    let mut sampler = LatencySampler::new(Latency::None);
    assert_eq!(sampler.sample(), Duration::ZERO);
}

async fn get_in_virtual_time(
    routes: axum::Router,
    path: &str,
) -> (StatusCode, Duration) {
    let start = tokio::time::Instant::now();
    let request = Request::get(path).body(Body::empty()).unwrap();
    let response = routes.oneshot(request).await.unwrap();
    (response.status(), start.elapsed())
}

#[tokio::test(start_paused = true)]
async fn fixed_latency_is_exact_in_virtual_time() {
    let latency = Latency::Fixed(Duration::from_millis(100));
    let config = ServiceConfig::default().with_latency(latency);
    let routes = router(&config, Stats::default(), StopSignal::default());

    let (status, took) =
        get_in_virtual_time(routes.clone(), "/creatures/brasipup").await;
    assert_eq!((status, took), (StatusCode::OK, Duration::from_millis(100)));

    // ANCHOR: ten_at_once
    // Ten at once wait together: still 100 ms, not a second.
    let start = tokio::time::Instant::now();
    let ten =
        (0..10).map(|_| get_in_virtual_time(routes.clone(), "/creatures"));
    let answers = futures::future::join_all(ten).await;
    assert!(answers.iter().all(|(status, _)| *status == StatusCode::OK));
    assert_eq!(start.elapsed(), Duration::from_millis(100));
    // ANCHOR_END: ten_at_once
}

#[tokio::test(start_paused = true)]
async fn the_router_waits_exactly_what_the_sampler_draws() {
    let model = Latency::SlowTail(slow_tail(9));
    let config = ServiceConfig::default().with_latency(model.clone());
    let routes = router(&config, Stats::default(), StopSignal::default());
    let mut expected = LatencySampler::new(model);

    let mut tail_requests = 0;
    for _ in 0..100 {
        let (_, took) =
            get_in_virtual_time(routes.clone(), "/creatures/x").await;
        let drawn = expected.sample();
        // The paused clock counts in whole milliseconds.
        assert!(took.abs_diff(drawn) < Duration::from_millis(1), "{took:?}");
        tail_requests += usize::from(took >= Duration::from_millis(80));
    }
    assert!(tail_requests > 0, "seed 9 draws some slow requests");
}

#[tokio::test(start_paused = true)]
async fn the_paused_clock_also_drives_a_server_on_a_real_socket() {
    let latency = Latency::Fixed(Duration::from_secs(30));
    let config = ServiceConfig::default().with_latency(latency);
    let service = CreatureService::start(config).await.unwrap();
    let client = client_of(&service, Duration::from_secs(60));

    let wall = std::time::Instant::now();
    let start = tokio::time::Instant::now();
    let creature = client.fetch_creature("brasipup").await.unwrap();
    assert!(creature.is_some());
    assert!(start.elapsed() >= Duration::from_secs(30));
    assert!(
        wall.elapsed() < Duration::from_secs(5),
        "{:?}",
        wall.elapsed()
    );
}

#[test]
fn the_committed_dataset_is_what_the_generator_makes() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DATASET_PATH);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == dataset::render_dataset_file(),
        "{} differs from what the generator makes; regenerate it with: {}",
        path.display(),
        REGENERATE_COMMAND
    );
}

#[test]
fn the_dataset_is_plausible() {
    let creatures = dataset::shipped();
    assert!((100..=200).contains(&creatures.len()));
    let mut names: Vec<&str> =
        creatures.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), creatures.len(), "names are unique");
    for (index, creature) in creatures.iter().enumerate() {
        assert_eq!(creature.id as usize, index + 1);
        assert!(creature.name.bytes().all(|b| b.is_ascii_lowercase()));
        assert!((1..=2).contains(&creature.types.len()));
        assert!(creature.types.iter().all(|t| TYPES.contains(&t.as_str())));
        assert!((10..900).contains(&creature.height_cm));
        assert!(creature.weight_kg > 0.0);
    }
}

#[test]
fn flags_build_the_configuration() {
    assert_eq!(
        parse_args(["--latency-ms", "100"]),
        Ok(Command::Serve(
            ServiceConfig::default()
                .with_latency(Latency::Fixed(Duration::from_millis(100)))
        ))
    );
    let Ok(Command::Serve(config)) = parse_args([
        "--latency-ms=20",
        "--tail-percent",
        "5",
        "--tail-factor",
        "8",
        "--seed",
        "4",
        "--max-in-flight",
        "3",
        "--hang-percent",
        "1",
    ]) else {
        panic!("a valid command line");
    };
    let expected_tail = SlowTail {
        base: Duration::from_millis(20),
        jitter: 0.0,
        tail_probability: 0.05,
        tail_factor: 8,
        seed: 4,
    };
    assert_eq!(config.latency, Latency::SlowTail(expected_tail));
    assert_eq!(config.max_in_flight, Some(3));
    assert_eq!((config.faults.hang_rate, config.faults.seed), (0.01, 4));
    assert_eq!(
        parse_args(Vec::<String>::new()),
        Ok(Command::Serve(ServiceConfig::default()))
    );
    assert_eq!(parse_args(["--write-dataset"]), Ok(Command::WriteDataset));
    assert_eq!(parse_args(["--seed", "1", "-h"]), Ok(Command::Help));
    assert_eq!(parse_args(["--help"]), Ok(Command::Help));
}

#[test]
fn bad_flags_say_which_flag_and_value_then_the_usage() {
    let cases = [
        (vec!["--latncy-ms", "100"], "unknown flag `--latncy-ms`"),
        (
            vec!["--latency-ms", "soon"],
            "--latency-ms: invalid value `soon`: expected a whole number of ms",
        ),
        (vec!["--latency-ms"], "--latency-ms: missing value"),
        (
            vec!["--tail-percent", "150"],
            "--tail-percent: invalid value `150`: expected a percentage \
             from 0 to 100",
        ),
        (
            vec!["--max-in-flight", "0"],
            "--max-in-flight: invalid value `0`: expected at least 1",
        ),
        (vec!["serve"], "unexpected argument `serve`"),
        (
            vec!["--write-dataset=yes"],
            "--write-dataset: takes no value, got `yes`",
        ),
        (
            vec!["--error-percent", "60", "--hang-percent", "60"],
            "fault rates add up to 1.2, more than 1",
        ),
    ];
    for (args, message) in cases {
        let error = parse_args(args.clone()).unwrap_err();
        assert_eq!(error.message, message, "for {args:?}");
        assert!(error.to_string().ends_with(USAGE));
    }
}

/// The binary running as a child process, killed when the test ends,
/// passed or failed.
struct RunningBinary(std::process::Child);

impl Drop for RunningBinary {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_binary_prints_its_address_and_serves_it() {
    use std::io::BufRead;

    let binary = env!("CARGO_BIN_EXE_creature-service");
    let mut child = std::process::Command::new(binary)
        .args(["--latency-ms", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Dropped after the child is killed: a closed pipe would fail its prints.
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let _child = RunningBinary(child);
    let mut first_line = String::new();
    stdout.read_line(&mut first_line).unwrap();
    let addr = first_line
        .trim()
        .strip_prefix("creature-service listening on http://")
        .unwrap_or_else(|| panic!("printed {first_line:?}"));
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = CreatureClient::new(addr.parse().unwrap(), PATIENT).unwrap();
    let fetched = runtime.block_on(client.fetch_creature("brasipup"));
    assert!(matches!(fetched, Ok(Some(_))), "{fetched:?}");
}

#[test]
fn the_binary_refuses_a_bad_flag_with_status_2() {
    let output =
        std::process::Command::new(env!("CARGO_BIN_EXE_creature-service"))
            .args(["--latency-ms", "-5"])
            .output()
            .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .starts_with("creature-service: --latency-ms: invalid value `-5`"),
        "{stderr}"
    );
    assert!(stderr.contains("usage: creature-service"), "{stderr}");
}
