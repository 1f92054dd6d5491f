//! How one service instance behaves: its latency model, its injected faults
//! and its limit on requests in flight.

use std::fmt;
use std::time::Duration;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// Everything one [`CreatureService`](super::CreatureService) instance is
/// told at start.
///
/// ```
/// use std::time::Duration;
/// use chapters_code::creature_service::{Latency, ServiceConfig};
///
/// let config = ServiceConfig::default()
///     .with_latency(Latency::Fixed(Duration::from_millis(5)))
///     .with_max_in_flight(4);
/// assert!(config.validate().is_ok());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceConfig {
    /// How long each request waits before it is answered.
    pub latency: Latency,
    /// Which requests misbehave, and how.
    pub faults: Faults,
    /// At most this many requests are handled at once; the next one gets
    /// 503 and counts as a violation. `None`: no limit.
    pub max_in_flight: Option<usize>,
}

impl ServiceConfig {
    /// The same configuration with another latency model.
    pub fn with_latency(self, latency: Latency) -> Self {
        Self { latency, ..self }
    }

    /// The same configuration with other faults.
    pub fn with_faults(self, faults: Faults) -> Self {
        Self { faults, ..self }
    }

    /// The same configuration with a limit on requests in flight.
    pub fn with_max_in_flight(self, limit: usize) -> Self {
        Self {
            max_in_flight: Some(limit),
            ..self
        }
    }

    /// Checks every probability is one, that fault rates add up to at most
    /// one, that a tail factor is at least one and a limit at least one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Latency::SlowTail(tail) = &self.latency {
            check_probability("jitter", tail.jitter)?;
            check_probability("tail probability", tail.tail_probability)?;
            if tail.tail_factor == 0 {
                return Err(ConfigError(
                    "tail factor must be at least 1".into(),
                ));
            }
        }
        let faults = &self.faults;
        check_probability("error rate", faults.error_rate)?;
        check_probability("malformed rate", faults.malformed_rate)?;
        check_probability("hang rate", faults.hang_rate)?;
        let total =
            faults.error_rate + faults.malformed_rate + faults.hang_rate;
        if total > 1.0 {
            return Err(ConfigError(format!(
                "fault rates add up to {total}, more than 1"
            )));
        }
        if self.max_in_flight == Some(0) {
            return Err(ConfigError(
                "a limit of 0 in flight would refuse every request".into(),
            ));
        }
        Ok(())
    }
}

fn check_probability(what: &str, value: f64) -> Result<(), ConfigError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError(format!(
            "{what} must be between 0 and 1, got {value}"
        )))
    }
}

/// Why a [`ServiceConfig`] was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

// ANCHOR: latency_model
/// How long the service waits before it answers a request.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Latency {
    /// Answer at once.
    #[default]
    None,
    /// Always wait the same time.
    Fixed(Duration),
    /// Seeded draws: mostly near a base, sometimes much slower.
    SlowTail(SlowTail),
}

/// A latency around `base` with a slow tail.
#[derive(Debug, Clone, PartialEq)]
pub struct SlowTail {
    /// The typical latency.
    pub base: Duration,
    /// Spread around `base`: 0.2 draws uniformly in 80%–120% of it.
    pub jitter: f64,
    /// Probability that a request is in the slow tail.
    pub tail_probability: f64,
    /// How many times slower a tail request is.
    pub tail_factor: u32,
    /// Seed of the draws: the same seed gives the same latencies.
    pub seed: u64,
}

/// Draws one latency per request from a [`Latency`] model.
#[derive(Debug, Clone)]
pub struct LatencySampler {
    model: Latency,
    rng: Xoshiro256PlusPlus,
}

impl LatencySampler {
    /// A sampler for `model`, seeded from it.
    pub fn new(model: Latency) -> Self {
        let seed = match &model {
            Latency::SlowTail(tail) => tail.seed,
            Latency::None | Latency::Fixed(_) => 0,
        };
        let rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        Self { model, rng }
    }

    // ANCHOR: latency_sample
    /// The next request's latency.
    pub fn sample(&mut self) -> Duration {
        match &self.model {
            Latency::None => Duration::ZERO,
            Latency::Fixed(latency) => *latency,
            Latency::SlowTail(tail) => {
                let spread = 1.0 - tail.jitter..=1.0 + tail.jitter;
                let typical = tail.base.mul_f64(self.rng.random_range(spread));
                if self.rng.random_bool(tail.tail_probability) {
                    typical * tail.tail_factor
                } else {
                    typical
                }
            }
        }
    }
    // ANCHOR_END: latency_sample
}
// ANCHOR_END: latency_model

/// Requests that misbehave on purpose, drawn per request from a seed.
///
/// Rates are probabilities: `hang_rate: 0.1` hangs about one request in ten.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Answer 500 Internal Server Error.
    pub error_rate: f64,
    /// Answer 200 with a JSON body cut short.
    pub malformed_rate: f64,
    /// Never answer, until the client gives up or the service stops.
    pub hang_rate: f64,
    /// Seed of the draws.
    pub seed: u64,
}

/// What an injected fault does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer 500.
    Error,
    /// Answer 200 with a broken JSON body.
    Malformed,
    /// Never answer.
    Hang,
}

/// Draws, per request, whether it misbehaves.
#[derive(Debug, Clone)]
pub struct FaultSampler {
    faults: Faults,
    rng: Xoshiro256PlusPlus,
}

impl FaultSampler {
    /// A sampler for `faults`, seeded from them.
    pub fn new(faults: Faults) -> Self {
        let rng = Xoshiro256PlusPlus::seed_from_u64(faults.seed);
        Self { faults, rng }
    }

    /// The next request's fault, if any. Draws fall in `[0, 1)`, so a rate
    /// of 1 applies to every request whatever the seed.
    pub fn sample(&mut self) -> Option<Fault> {
        let Faults {
            error_rate,
            malformed_rate,
            hang_rate,
            ..
        } = self.faults;
        if error_rate + malformed_rate + hang_rate == 0.0 {
            return None;
        }
        let draw: f64 = self.rng.random();
        if draw < hang_rate {
            Some(Fault::Hang)
        } else if draw < hang_rate + malformed_rate {
            Some(Fault::Malformed)
        } else if draw < hang_rate + malformed_rate + error_rate {
            Some(Fault::Error)
        } else {
            None
        }
    }
}
