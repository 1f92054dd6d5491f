//! The composite: one order report, computed four ways, from all the bad
//! habits at once to the same work done right. Every version fetches the
//! same inputs and computes the total with the same function, so they agree
//! to the last bit; only the waiting differs.

use std::time::Duration;

use futures::future::join_all;
use tokio::time::sleep;

// ANCHOR: scenario
/// What the report waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// How many orders the report adds up, fetched one call each.
    pub orders: u64,
    /// One order fetch.
    pub order_wait: Duration,
    /// The exchange-rate service.
    pub rate_wait: Duration,
    /// The customer's discount.
    pub discount_wait: Duration,
    /// Reading the tax table with a blocking library call.
    pub tax_table_wait: Duration,
}

impl Scenario {
    /// The chapter's scenario: all the waits in a row take 6.6 times the
    /// longest one, as the source talk's 6.61 s did its 1.00 s.
    pub const REPORT: Scenario = Scenario {
        orders: 18,
        order_wait: Duration::from_millis(50),
        rate_wait: Duration::from_millis(200),
        discount_wait: Duration::from_millis(120),
        tax_table_wait: Duration::from_millis(100),
    };

    /// The best any version can do: every wait is independent, so the
    /// report needs only the longest one.
    pub fn ideal(&self) -> Duration {
        [
            self.order_wait,
            self.rate_wait,
            self.discount_wait,
            self.tax_table_wait,
        ]
        .into_iter()
        .max()
        .unwrap_or_default()
    }
}
// ANCHOR_END: scenario

/// One order line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Order {
    /// How many items.
    pub quantity: u32,
    /// Each item's price, in euros.
    pub unit_price: f64,
}

/// Order `id` as the order service stores it.
pub fn order_record(id: u64) -> Order {
    Order {
        quantity: 1 + (id % 4) as u32,
        unit_price: 19.5 + 3.25 * id as f64,
    }
}

/// The exchange rate the service answers (dollars per euro).
pub const EXCHANGE_RATE: f64 = 1.08;
/// The customer's discount factor.
pub const DISCOUNT: f64 = 0.95;
/// The tax rate in the tax table.
pub const TAX_RATE: f64 = 0.2;

/// Fetches order `id`: waits [`Scenario::order_wait`].
pub async fn fetch_order(scenario: &Scenario, id: u64) -> Order {
    sleep(scenario.order_wait).await;
    order_record(id)
}

/// Fetches the exchange rate: waits [`Scenario::rate_wait`].
pub async fn fetch_exchange_rate(scenario: &Scenario) -> f64 {
    sleep(scenario.rate_wait).await;
    EXCHANGE_RATE
}

/// Fetches the discount: waits [`Scenario::discount_wait`].
pub async fn fetch_discount(scenario: &Scenario) -> f64 {
    sleep(scenario.discount_wait).await;
    DISCOUNT
}

/// Reads the tax table through a blocking library: the calling thread
/// sleeps for [`Scenario::tax_table_wait`].
pub fn read_tax_table(scenario: &Scenario) -> f64 {
    std::thread::sleep(scenario.tax_table_wait);
    TAX_RATE
}

// ANCHOR: report_total
/// The report's figure: the orders' value in dollars, discounted, with tax.
pub fn report_total(
    orders: &[Order],
    rate: f64,
    discount: f64,
    tax: f64,
) -> f64 {
    let euros: f64 = orders
        .iter()
        .map(|order| f64::from(order.quantity) * order.unit_price)
        .sum();
    (euros * rate * discount * (1.0 + tax) * 10.0).round() / 10.0
}
// ANCHOR_END: report_total

/// The total every version must compute, from the records directly.
pub fn expected_total(scenario: &Scenario) -> f64 {
    let orders: Vec<Order> = (0..scenario.orders).map(order_record).collect();
    report_total(&orders, EXCHANGE_RATE, DISCOUNT, TAX_RATE)
}

/// [`report_total`] behind `async`, as the bad version writes it.
#[expect(clippy::unused_async, reason = "one of the composite's smells")]
pub async fn report_total_async(
    orders: &[Order],
    rate: f64,
    discount: f64,
    tax: f64,
) -> f64 {
    report_total(orders, rate, discount, tax)
}

// ANCHOR: bad_habits
/// Every smell at once: a blocking call, sequential independent awaits,
/// awaiting in a loop, and an `async fn` that never awaits.
pub async fn report_with_bad_habits(scenario: Scenario) -> f64 {
    let tax = read_tax_table(&scenario); // blocks the thread
    let rate = fetch_exchange_rate(&scenario).await;
    let discount = fetch_discount(&scenario).await;
    let mut orders = Vec::new();
    for id in 0..scenario.orders {
        orders.push(fetch_order(&scenario, id).await);
    }
    report_total_async(&orders, rate, discount, tax).await
}
// ANCHOR_END: bad_habits

// ANCHOR: orders_gathered
/// The loop fixed: the orders are fetched together.
pub async fn report_orders_gathered(scenario: Scenario) -> f64 {
    let tax = read_tax_table(&scenario);
    let rate = fetch_exchange_rate(&scenario).await;
    let discount = fetch_discount(&scenario).await;
    let fetches = (0..scenario.orders).map(|id| fetch_order(&scenario, id));
    let orders = join_all(fetches).await;
    report_total(&orders, rate, discount, tax)
}
// ANCHOR_END: orders_gathered

// ANCHOR: sources_joined
/// Every async wait joined, but the blocking call still in the way.
pub async fn report_sources_joined(scenario: Scenario) -> f64 {
    let tax = read_tax_table(&scenario);
    let fetches = (0..scenario.orders).map(|id| fetch_order(&scenario, id));
    let (rate, discount, orders) = tokio::join!(
        fetch_exchange_rate(&scenario),
        fetch_discount(&scenario),
        join_all(fetches),
    );
    report_total(&orders, rate, discount, tax)
}
// ANCHOR_END: sources_joined

// ANCHOR: done_right
/// Done right: the blocking read on the blocking pool, every wait joined.
pub async fn report_done_right(scenario: Scenario) -> f64 {
    let tax = tokio::task::spawn_blocking(move || read_tax_table(&scenario));
    let fetches = (0..scenario.orders).map(|id| fetch_order(&scenario, id));
    let (rate, discount, orders) = tokio::join!(
        fetch_exchange_rate(&scenario),
        fetch_discount(&scenario),
        join_all(fetches),
    );
    let tax = tax.await.expect("reading the tax table does not panic");
    report_total(&orders, rate, discount, tax)
}
// ANCHOR_END: done_right

/// One row of the composite's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// [`report_with_bad_habits`].
    BadHabits,
    /// [`report_orders_gathered`].
    OrdersGathered,
    /// [`report_sources_joined`].
    SourcesJoined,
    /// [`report_done_right`].
    DoneRight,
}

impl Version {
    /// Every version, in table order.
    pub const ALL: [Version; 4] = [
        Version::BadHabits,
        Version::OrdersGathered,
        Version::SourcesJoined,
        Version::DoneRight,
    ];

    /// The row's stable id.
    pub fn id(self) -> &'static str {
        match self {
            Version::BadHabits => "bad-habits",
            Version::OrdersGathered => "orders-gathered",
            Version::SourcesJoined => "sources-joined",
            Version::DoneRight => "done-right",
        }
    }

    /// The row's label, in markdown.
    pub fn label(self) -> &'static str {
        match self {
            Version::BadHabits => "all the bad habits",
            Version::OrdersGathered => "the loop's orders in one `join_all`",
            Version::SourcesJoined => {
                "every wait in one `join!`, the blocking read first"
            }
            Version::DoneRight => "done right: `spawn_blocking` and `join!`",
        }
    }

    /// Computes the report this version's way.
    pub async fn report(self, scenario: Scenario) -> f64 {
        match self {
            Version::BadHabits => report_with_bad_habits(scenario).await,
            Version::OrdersGathered => report_orders_gathered(scenario).await,
            Version::SourcesJoined => report_sources_joined(scenario).await,
            Version::DoneRight => report_done_right(scenario).await,
        }
    }

    /// How long this version's structure makes it wait, from the scenario:
    /// the waits it puts in a row, added up.
    pub fn expected_wait(self, scenario: &Scenario) -> Duration {
        let s = scenario;
        let all_orders = s.order_wait * s.orders as u32;
        match self {
            Version::BadHabits => {
                s.tax_table_wait + s.rate_wait + s.discount_wait + all_orders
            }
            Version::OrdersGathered => {
                s.tax_table_wait + s.rate_wait + s.discount_wait + s.order_wait
            }
            Version::SourcesJoined => {
                s.tax_table_wait
                    + s.rate_wait.max(s.discount_wait).max(s.order_wait)
            }
            Version::DoneRight => s.ideal(),
        }
    }
}
