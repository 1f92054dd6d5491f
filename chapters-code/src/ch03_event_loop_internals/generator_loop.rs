//! The source talk's event loop, before any Rust async machinery: tasks are
//! resumable step functions (Python generators), and the loop keeps a `ready`
//! list and a `next` list.

use super::log::Log;

// ANCHOR: generator_trait
/// What one resumption of a generator did: the Python `yield` or `return`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<T> {
    /// It reached a `yield`: it has more to do and wants to be resumed.
    Yielded,
    /// It returned: Python raises `StopIteration(value)` here.
    Returned(T),
}

/// A Python generator as Rust sees it: something that can be resumed, one
/// step at a time, until it returns.
pub trait Generator {
    /// What the generator returns at the end.
    type Output;
    /// Runs the body from where it last stopped to its next `yield` or `return`.
    fn resume(&mut self) -> Step<Self::Output>;
}
// ANCHOR_END: generator_trait

// ANCHOR: start_then_finish_generator
/// The talk's task, written out as the state machine Python builds for it:
///
/// ```python
/// def task(id):
///     print(f"Starting id={id}")
///     yield
///     print(f"Finished id={id}")
///     return id
/// ```
///
/// Each variant is a place where the body can be stopped.
#[derive(Debug)]
pub enum StartThenFinish {
    /// Not started yet: the next step prints "Starting".
    Start {
        /// The task's number.
        id: u32,
        /// Where "print" goes.
        log: Log,
    },
    /// Stopped at the `yield`: the next step prints "Finished" and returns.
    AtYield {
        /// The task's number.
        id: u32,
        /// Where "print" goes.
        log: Log,
    },
    /// Returned: resuming again is a bug, as in Python.
    Done,
}

impl StartThenFinish {
    /// A task that has not run yet, like calling a generator function.
    pub fn new(id: u32, log: Log) -> Self {
        Self::Start { id, log }
    }
}

impl Generator for StartThenFinish {
    type Output = u32;

    fn resume(&mut self) -> Step<u32> {
        match std::mem::replace(self, Self::Done) {
            Self::Start { id, log } => {
                log.say(format!("Starting id={id}"));
                *self = Self::AtYield { id, log };
                Step::Yielded
            }
            Self::AtYield { id, log } => {
                log.say(format!("Finished id={id}"));
                Step::Returned(id)
            }
            Self::Done => {
                panic!("a generator that returned was resumed (StopIteration)")
            }
        }
    }
}
// ANCHOR_END: start_then_finish_generator

// ANCHOR: generator_loop
/// The talk's loop: run every ready task one step; the ones that yielded go
/// to `next`, the ones that returned leave their value behind. Repeat until
/// nothing is left. Returns each task's value, in the order the tasks came.
///
/// ```
/// use chapters_code::ch03_event_loop_internals::generator_loop::{run_generators, StartThenFinish};
/// use chapters_code::ch03_event_loop_internals::log::Log;
///
/// let log = Log::new();
/// let tasks = (1..=2).map(|id| StartThenFinish::new(id, log.clone())).collect();
/// assert_eq!(run_generators(tasks), [1, 2]);
/// assert_eq!(log.lines(), ["Starting id=1", "Starting id=2", "Finished id=1", "Finished id=2"]);
/// ```
pub fn run_generators<G: Generator>(tasks: Vec<G>) -> Vec<G::Output> {
    let mut results: Vec<Option<G::Output>> =
        tasks.iter().map(|_| None).collect();
    let mut ready: Vec<(usize, G)> = tasks.into_iter().enumerate().collect();
    while !ready.is_empty() {
        let mut next = Vec::new();
        for (index, mut task) in ready {
            match task.resume() {
                Step::Yielded => next.push((index, task)),
                Step::Returned(value) => results[index] = Some(value),
            }
        }
        ready = next;
    }
    results
        .into_iter()
        .map(|result| {
            result.expect("the loop only stops when every task has returned")
        })
        .collect()
}
// ANCHOR_END: generator_loop
