//! Chapter 1's cloned parents, who share one washer and one dryer and
//! deadlock over them: a lock-ordering bug, and its fix.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::sleep;

/// How long a parent spends at a machine before reaching for the other.
pub const LOADING: Duration = Duration::from_secs(10 * 60);

/// Which machine a parent takes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstMachine {
    /// The washer, then the dryer.
    Washer,
    /// The dryer, then the washer.
    Dryer,
}

// ANCHOR: laundry
/// One washer and one dryer, shared by every parent.
#[derive(Debug, Default)]
pub struct Laundry {
    washer: Mutex<()>,
    dryer: Mutex<()>,
}

impl Laundry {
    /// A parent who needs both machines: takes `first`, loads it, then
    /// takes the other and moves the clothes across.
    pub async fn do_a_load(&self, first: FirstMachine) {
        let (first, second) = match first {
            FirstMachine::Washer => (&self.washer, &self.dryer),
            FirstMachine::Dryer => (&self.dryer, &self.washer),
        };
        let _first = first.lock().await;
        sleep(LOADING).await;
        let _second = second.lock().await;
        sleep(LOADING).await;
    }
}
// ANCHOR_END: laundry

impl Laundry {
    // ANCHOR: lock_order
    /// The fix: whatever the parent would rather start with, every parent
    /// takes the machines in one global order, the washer first.
    pub async fn do_a_load_in_order(&self, _would_rather: FirstMachine) {
        self.do_a_load(FirstMachine::Washer).await;
    }
    // ANCHOR_END: lock_order

    /// Whether both machines are free now.
    pub fn both_free(&self) -> bool {
        self.washer.try_lock().is_ok() && self.dryer.try_lock().is_ok()
    }
}
