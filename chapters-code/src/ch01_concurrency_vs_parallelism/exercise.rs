//! The chapter's exercise: count primes on every core. The solution lives in
//! the `*_solution` anchor; `cargo xtask exercise ch01` hands learners the same
//! code with that body replaced by `todo!()`, and the same tests.

// ANCHOR: prime_count_exercise
use rayon::prelude::*;

/// Whether `n` is prime, by trial division: slow on purpose, so that counting
/// primes is CPU-bound work worth spreading over cores.
pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    let mut divisor = 2;
    while divisor * divisor <= n {
        if n.is_multiple_of(divisor) {
            return false;
        }
        divisor += 1;
    }
    true
}

/// How many numbers below `limit` pass `is_prime`, checked on rayon's pool (or
/// on the pool the caller `install`s), so that every core takes a share.
///
/// The predicate is a parameter so that a test can watch which threads call it.
// The exercise crate copies this region without `chapters_code`: examples
// live in the tests below, not in doctests that would name this crate.
pub fn count_primes_in_parallel(
    limit: u64,
    is_prime: impl Fn(u64) -> bool + Sync + Send,
) -> usize {
    // ANCHOR: prime_count_solution
    (0..limit).into_par_iter().filter(|&n| is_prime(n)).count()
    // ANCHOR_END: prime_count_solution
}
// ANCHOR_END: prime_count_exercise

// ANCHOR: prime_count_exercise_tests
#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Condvar, Mutex};
    use std::time::Duration;

    #[test]
    fn counts_the_primes_below_ten_thousand() {
        let small: Vec<u64> = (0..20).filter(|&n| is_prime(n)).collect();
        assert_eq!(small, [2, 3, 5, 7, 11, 13, 17, 19]);
        assert_eq!(count_primes_in_parallel(100, is_prime), 25);
        assert_eq!(count_primes_in_parallel(10_000, is_prime), 1229);
        assert_eq!(count_primes_in_parallel(2, is_prime), 0);
    }

    /// Each thread's first check waits until another thread is checking too,
    /// so a sequential count fails the test instead of passing by luck. After
    /// one timeout nobody waits any more, so a wrong answer fails quickly.
    #[derive(Default)]
    struct Meeting {
        state: Mutex<MeetingState>,
        changed: Condvar,
    }

    #[derive(Default)]
    struct MeetingState {
        checking: usize,
        met: bool,
        gave_up: bool,
    }

    impl Meeting {
        fn is_prime(&self, n: u64) -> bool {
            let mut state = self.state.lock().unwrap();
            state.checking += 1;
            if state.checking >= 2 {
                state.met = true;
                self.changed.notify_all();
            }
            if !state.met && !state.gave_up {
                let timeout = Duration::from_secs(5);
                let (waited, result) = self
                    .changed
                    .wait_timeout_while(state, timeout, |state| !state.met)
                    .unwrap();
                state = waited;
                state.gave_up = result.timed_out();
            }
            state.checking -= 1;
            drop(state);
            is_prime(n)
        }
    }

    #[test]
    fn two_threads_check_numbers_at_the_same_time() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let meeting = Meeting::default();
        let count = pool.install(|| {
            count_primes_in_parallel(1_000, |n| meeting.is_prime(n))
        });
        assert_eq!(count, 168);
        assert!(
            meeting.state.lock().unwrap().met,
            "only one thread ever checked a number: the count did not run in \
             parallel"
        );
    }
}
// ANCHOR_END: prime_count_exercise_tests
