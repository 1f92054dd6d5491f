//! The source article's per-process cache, in Rust, and the chapter's
//! exercise: the description (the "adapter") that lets a child build its
//! own cache instead of inheriting an emptied one. The solution lives in the
//! `*_solution` anchors; `cargo xtask exercise ch08` hands learners the same
//! code with those bodies replaced by `todo!()`.

// ANCHOR: adapter_exercise
use std::collections::HashMap;

// ANCHOR: pid_cache
/// A connection, as far as this chapter needs one: where it goes, and the
/// process that opened it (a socket is only good in its own process).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The endpoint's name.
    pub name: String,
    /// The port it talks to.
    pub port: u16,
    /// The process id of the process that opened it.
    pub opened_by: u32,
}

/// Connections opened by this process, by endpoint name. Like the source
/// article's metaclass cache, it remembers the process that filled it and
/// empties itself when it finds itself in another one.
#[derive(Debug)]
pub struct ConnectionCache {
    filled_in: u32,
    connections: HashMap<String, Connection>,
}

impl ConnectionCache {
    /// An empty cache for this process.
    pub fn new() -> Self {
        ConnectionCache {
            filled_in: std::process::id(),
            connections: HashMap::new(),
        }
    }

    /// Opens (here: records) a connection to `name` on `port`.
    pub fn connect(&mut self, name: &str, port: u16) -> &Connection {
        self.forget_other_processes();
        let opened_by = self.filled_in;
        self.connections
            .entry(name.to_string())
            .or_insert(Connection {
                name: name.to_string(),
                port,
                opened_by,
            })
    }

    /// The connection to `name`, if this process opened one.
    pub fn get(&mut self, name: &str) -> Option<&Connection> {
        self.forget_other_processes();
        self.connections.get(name)
    }

    /// How many connections this process holds.
    pub fn len(&mut self) -> usize {
        self.forget_other_processes();
        self.connections.len()
    }

    /// Whether this process holds no connection.
    pub fn is_empty(&mut self) -> bool {
        self.len() == 0
    }

    // ANCHOR: pid_cache_slide
    // A connection inherited from another process shares its socket with
    // that process: never use it, start again.
    fn forget_other_processes(&mut self) {
        let now = std::process::id();
        if now != self.filled_in {
            self.connections.clear();
            self.filled_in = now;
        }
    }
    // ANCHOR_END: pid_cache_slide
}

impl Default for ConnectionCache {
    fn default() -> Self {
        Self::new()
    }
}
// ANCHOR_END: pid_cache

// ANCHOR: cache_config
/// What a cache is made of, small enough to hand to another process: the
/// endpoints to connect to. A child builds its own cache from it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CacheConfig {
    /// The endpoints, as (name, port), in order.
    pub endpoints: Vec<(String, u16)>,
}

impl CacheConfig {
    /// The command-line arguments that describe this configuration, for
    /// `Command::args`; [`CacheConfig::from_args`] reads them back.
    pub fn to_args(&self) -> Vec<String> {
        // ANCHOR: to_args_solution
        self.endpoints
            .iter()
            .flat_map(|(name, port)| {
                ["--endpoint".to_string(), format!("{name}={port}")]
            })
            .collect()
        // ANCHOR_END: to_args_solution
    }

    /// Reads back what [`CacheConfig::to_args`] wrote; an argument it did
    /// not write is an error naming it.
    pub fn from_args(
        args: impl IntoIterator<Item = String>,
    ) -> Result<CacheConfig, String> {
        // ANCHOR: from_args_solution
        let mut args = args.into_iter();
        let mut endpoints = Vec::new();
        while let Some(flag) = args.next() {
            if flag != "--endpoint" {
                return Err(format!("unexpected argument {flag:?}"));
            }
            let value = args.next().ok_or("--endpoint needs NAME=PORT")?;
            let (name, port) = value
                .rsplit_once('=')
                .ok_or(format!("{value:?} is not NAME=PORT"))?;
            let port = port
                .parse()
                .map_err(|_| format!("{port:?} is not a port"))?;
            endpoints.push((name.to_string(), port));
        }
        Ok(CacheConfig { endpoints })
        // ANCHOR_END: from_args_solution
    }

    /// A cache filled in this process, with one connection per endpoint.
    pub fn build(&self) -> ConnectionCache {
        // ANCHOR: build_solution
        let mut cache = ConnectionCache::new();
        for (name, port) in &self.endpoints {
            cache.connect(name, *port);
        }
        cache
        // ANCHOR_END: build_solution
    }
}
// ANCHOR_END: cache_config
// ANCHOR_END: adapter_exercise

// ANCHOR: adapter_exercise_tests
#[cfg(test)]
mod tests {
    use super::*;

    fn three_endpoints() -> CacheConfig {
        CacheConfig {
            endpoints: vec![
                ("orders".to_string(), 5432),
                ("users = people".to_string(), 5433),
                ("audit".to_string(), 5434),
            ],
        }
    }

    #[test]
    fn the_arguments_read_back_as_the_same_configuration() {
        for config in [three_endpoints(), CacheConfig::default()] {
            let args = config.to_args();
            assert_eq!(CacheConfig::from_args(args), Ok(config));
        }
    }

    #[test]
    fn arguments_it_did_not_write_are_refused() {
        let refused = [
            vec!["--bogus"],
            vec!["--endpoint"],
            vec!["--endpoint", "orders"],
            vec!["--endpoint", "orders=not-a-port"],
            vec!["--endpoint", "orders=70000"],
        ];
        for args in refused {
            let owned = args.iter().map(|arg| arg.to_string());
            assert!(CacheConfig::from_args(owned).is_err(), "{args:?}");
        }
    }

    #[test]
    fn the_built_cache_is_filled_by_this_process() {
        let config = three_endpoints();
        let mut cache = config.build();
        assert_eq!(cache.len(), 3);
        for (name, port) in &config.endpoints {
            let connection = cache.get(name).expect("connected");
            assert_eq!(connection.port, *port);
            assert_eq!(connection.opened_by, std::process::id());
        }
    }
}
// ANCHOR_END: adapter_exercise_tests
