//! Locks in async code: std's `Mutex` for data touched briefly, tokio's
//! `Mutex` for a resource used across `.await`, and tokio's `RwLock` for
//! many readers and the occasional writer.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

// ANCHOR: std_mutex
/// `tasks` tasks each count `hits` hits into one shared counter. The lock
/// is held for one addition and released before the task awaits again.
pub async fn count_hits(tasks: usize, hits: u64) -> u64 {
    let counter = Arc::new(std::sync::Mutex::new(0_u64));
    let mut workers = JoinSet::new();
    for _ in 0..tasks {
        let counter = Arc::clone(&counter);
        workers.spawn(async move {
            for _ in 0..hits {
                *counter.lock().expect("never poisoned") += 1;
                tokio::task::yield_now().await;
            }
        });
    }
    workers.join_all().await;
    *counter.lock().expect("never poisoned")
}
// ANCHOR_END: std_mutex

/// A pretend connection: a request and its reply each take `ROUND_TRIP / 2`,
/// and a reply answers the last request written.
#[derive(Debug, Default)]
pub struct Connection {
    last_request: Option<u32>,
}

/// How long one request and its reply take on a [`Connection`].
pub const ROUND_TRIP: Duration = Duration::from_millis(20);

impl Connection {
    /// Writes request `id`.
    pub async fn write(&mut self, id: u32) {
        sleep(ROUND_TRIP / 2).await;
        self.last_request = Some(id);
    }

    /// Reads the reply to the last request written.
    pub async fn read(&mut self) -> Option<u32> {
        sleep(ROUND_TRIP / 2).await;
        self.last_request.take()
    }
}

// ANCHOR: tokio_mutex
/// `callers` tasks share one connection: each holds the lock across its
/// write and its read, so no other request slips in between. Returns, per
/// caller, the request it sent and the reply it got.
pub async fn share_connection(callers: u32) -> Vec<(u32, Option<u32>)> {
    let connection = Arc::new(tokio::sync::Mutex::new(Connection::default()));
    let mut tasks = JoinSet::new();
    for id in 0..callers {
        let connection = Arc::clone(&connection);
        tasks.spawn(async move {
            let mut connection = connection.lock().await;
            connection.write(id).await;
            (id, connection.read().await)
        });
    }
    tasks.join_all().await
}
// ANCHOR_END: tokio_mutex

/// When each party of [`readers_and_a_writer`] got the lock, from its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockTimes {
    /// The early readers, in spawn order.
    pub early_readers: Vec<Duration>,
    /// The writer, who asked after the early readers.
    pub writer: Duration,
    /// A reader who asked after the writer.
    pub late_reader: Duration,
}

// ANCHOR: rwlock
/// Three readers hold the lock together for `hold`; a writer asks at 10 ms,
/// another reader at 20 ms.
pub async fn readers_and_a_writer(hold: Duration) -> LockTimes {
    let lock = Arc::new(tokio::sync::RwLock::new(0_u32));
    let start = Instant::now();
    let read = |asks_at: Duration| {
        let lock = Arc::clone(&lock);
        tokio::spawn(async move {
            sleep(asks_at).await;
            let value = lock.read().await;
            let got_it = start.elapsed();
            sleep(hold).await;
            drop(value);
            got_it
        })
    };
    let early: Vec<_> = (0..3).map(|_| read(Duration::ZERO)).collect();
    let writer = {
        let lock = Arc::clone(&lock);
        tokio::spawn(async move {
            sleep(Duration::from_millis(10)).await;
            let mut value = lock.write().await;
            let got_it = start.elapsed();
            sleep(hold).await;
            *value += 1;
            got_it
        })
    };
    let late = read(Duration::from_millis(20));
    let mut early_readers = Vec::new();
    for reader in early {
        early_readers.push(reader.await.expect("a reader never panics"));
    }
    LockTimes {
        early_readers,
        writer: writer.await.expect("the writer never panics"),
        late_reader: late.await.expect("a reader never panics"),
    }
}
// ANCHOR_END: rwlock
