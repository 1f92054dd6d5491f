//! What the example tasks "print": the lines are kept so that tests can read
//! them back and compare them with what the source talk printed.

use std::sync::{Arc, Mutex, PoisonError};

/// A shared, ordered record of lines, cheap to clone into every task.
///
/// It is `Send + Sync` (an `Arc<Mutex<…>>`), so the same tasks run on every
/// executor of the chapter, including the ones that require `Send` futures.
///
/// ```
/// use chapters_code::ch03_event_loop_internals::log::Log;
///
/// let log = Log::new();
/// let task_copy = log.clone();
/// task_copy.say("Starting id=1");
/// assert_eq!(log.lines(), ["Starting id=1"]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one line, where the Python code would `print` it.
    pub fn say(&self, line: impl Into<String>) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line.into());
    }

    /// Every line so far, in the order they were said.
    pub fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
