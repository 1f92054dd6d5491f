//! The command line of the `creature-service` binary, parsed by a plain
//! function so tests can call it.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::config::{Faults, Latency, ServiceConfig, SlowTail};

/// What `creature-service --help` prints, and every usage error after it.
pub const USAGE: &str = "\
usage: creature-service [OPTIONS]

Serves the invented creatures on http://127.0.0.1:PORT, a port the system
picks; the address is printed at start. Stop it with Ctrl-C.

options:
  --latency-ms N         wait N milliseconds before each answer (default 0)
  --jitter-percent P     spread latencies uniformly by +/- P% (0-100)
  --tail-percent P       make P% of requests slow (0-100)
  --tail-factor K        slow requests take K times as long (default 10)
  --seed S               seed of latency and fault draws (default 0)
  --max-in-flight N      answer 503 beyond N requests at once
  --error-percent P      answer 500 to P% of requests
  --malformed-percent P  answer P% of requests with broken JSON
  --hang-percent P       never answer P% of requests
  --write-dataset        rewrite chapters-code/data/creatures.json and exit
  -h, --help             print this help";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Run the service with this configuration.
    Serve(ServiceConfig),
    /// Rewrite the committed dataset from the generator.
    WriteDataset,
    /// Print [`USAGE`].
    Help,
}

/// A command line that could not be understood; its display ends with
/// [`USAGE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    /// What was wrong, naming the flag and the value.
    pub message: String,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n\n{USAGE}", self.message)
    }
}

impl std::error::Error for UsageError {}

fn usage_error(message: String) -> UsageError {
    UsageError { message }
}

/// Reads the arguments after the program name, as `--flag value` or
/// `--flag=value`.
///
/// ```
/// use chapters_code::creature_service::cli::{Command, parse_args};
///
/// let command = parse_args(["--latency-ms", "100"]).unwrap();
/// assert!(matches!(command, Command::Serve(_)));
/// let error = parse_args(["--latency-ms", "soon"]).unwrap_err();
/// assert!(error.message.starts_with("--latency-ms: invalid value `soon`"));
/// ```
pub fn parse_args<I, S>(args: I) -> Result<Command, UsageError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut latency_ms: u64 = 0;
    let mut jitter_percent: f64 = 0.0;
    let mut tail_percent: Option<f64> = None;
    let mut tail_factor: u32 = 10;
    let mut seed: u64 = 0;
    let mut max_in_flight: Option<usize> = None;
    let mut faults = Faults::default();
    let mut write_dataset = false;

    let mut args = args.into_iter().map(Into::into);
    while let Some(arg) = args.next() {
        let (flag, inline_value) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline_value
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| usage_error(format!("{flag}: missing value")))
        };
        let switch =
            matches!(flag.as_str(), "-h" | "--help" | "--write-dataset");
        if let (true, Some(value)) = (switch, &inline_value) {
            let message = format!("{flag}: takes no value, got `{value}`");
            return Err(usage_error(message));
        }
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--write-dataset" => write_dataset = true,
            "--latency-ms" => {
                latency_ms = parse(&flag, &value()?, "a whole number of ms")?;
            }
            "--jitter-percent" => jitter_percent = percent(&flag, &value()?)?,
            "--tail-percent" => tail_percent = Some(percent(&flag, &value()?)?),
            "--tail-factor" => {
                tail_factor = parse(&flag, &value()?, "a whole number")?;
                if tail_factor == 0 {
                    return Err(invalid(&flag, "0", "a factor of at least 1"));
                }
            }
            "--seed" => seed = parse(&flag, &value()?, "a whole number")?,
            "--max-in-flight" => {
                let limit = parse(&flag, &value()?, "a whole number")?;
                if limit == 0 {
                    return Err(invalid(&flag, "0", "at least 1"));
                }
                max_in_flight = Some(limit);
            }
            "--error-percent" => {
                faults.error_rate = percent(&flag, &value()?)? / 100.0;
            }
            "--malformed-percent" => {
                faults.malformed_rate = percent(&flag, &value()?)? / 100.0;
            }
            "--hang-percent" => {
                faults.hang_rate = percent(&flag, &value()?)? / 100.0;
            }
            other if other.starts_with('-') => {
                return Err(usage_error(format!("unknown flag `{other}`")));
            }
            other => {
                return Err(usage_error(format!(
                    "unexpected argument `{other}`"
                )));
            }
        }
    }

    if write_dataset {
        return Ok(Command::WriteDataset);
    }
    let base = Duration::from_millis(latency_ms);
    let latency = if tail_percent.is_some() || jitter_percent > 0.0 {
        Latency::SlowTail(SlowTail {
            base,
            jitter: jitter_percent / 100.0,
            tail_probability: tail_percent.unwrap_or(0.0) / 100.0,
            tail_factor,
            seed,
        })
    } else if latency_ms > 0 {
        Latency::Fixed(base)
    } else {
        Latency::None
    };
    faults.seed = seed;
    let config = ServiceConfig {
        latency,
        faults,
        max_in_flight,
    };
    config
        .validate()
        .map_err(|error| usage_error(error.to_string()))?;
    Ok(Command::Serve(config))
}

fn invalid(flag: &str, value: &str, expected: &str) -> UsageError {
    usage_error(format!(
        "{flag}: invalid value `{value}`: expected {expected}"
    ))
}

fn parse<T: FromStr>(
    flag: &str,
    value: &str,
    expected: &str,
) -> Result<T, UsageError> {
    value.parse().map_err(|_| invalid(flag, value, expected))
}

fn percent(flag: &str, value: &str) -> Result<f64, UsageError> {
    let expected = "a percentage from 0 to 100";
    let percent: f64 = parse(flag, value, expected)?;
    if (0.0..=100.0).contains(&percent) {
        Ok(percent)
    } else {
        Err(invalid(flag, value, expected))
    }
}
