//! Prometheus metrics, served as text at `/metrics`.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Every metric the server keeps.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Open websocket connections.
    pub connections: Gauge,
    /// Websocket connections accepted since start.
    pub connections_total: Counter,
    /// Documents loaded in memory.
    pub docs_loaded: Gauge,
    /// Loads that failed (the stored state is left untouched).
    pub load_failures: Counter,
    /// Updates applied to documents.
    pub updates_applied: Counter,
    /// Log entries made durable.
    pub entries_appended: Counter,
    /// Seconds per append (including the flush in strict mode).
    pub append_seconds: Histogram,
    /// Checkpoints written.
    pub checkpoints: Counter,
    /// Frames handed to connections' send queues.
    pub frames_relayed: Counter,
    /// Messages refused as malformed, hostile or unauthorised.
    pub refused_messages: Counter,
    /// Connections closed for falling behind.
    pub lagging_closed: Counter,
    /// Storage errors.
    pub store_errors: Counter,
    /// Websocket upgrades refused before any document data was sent.
    pub refused_connections: Counter,
    /// Connections closed for sending too many messages.
    pub rate_limited: Counter,
    /// Updates refused because the document is at its size limit.
    pub doc_too_large: Counter,
    /// Updates refused because the document is at its disk limit.
    pub doc_disk_full: Counter,
    /// Checkpoints removed by history retention.
    pub checkpoints_removed: Counter,
    /// Idle documents unloaded early because `--max-loaded-docs` were loaded.
    pub docs_evicted: Counter,
    /// Document creations refused by the per-address or per-member rate.
    pub creations_throttled: Counter,
    /// TCP connections open (HTTP and websocket).
    pub tcp_connections: Gauge,
    /// TCP connections closed at once because `--max-connections` were open.
    pub tcp_refused: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("quire");
        let append_seconds = Histogram::new(exponential_buckets(0.000_05, 2.0, 18));
        let metrics = Self {
            connections: Gauge::default(),
            connections_total: Counter::default(),
            docs_loaded: Gauge::default(),
            load_failures: Counter::default(),
            updates_applied: Counter::default(),
            entries_appended: Counter::default(),
            append_seconds,
            checkpoints: Counter::default(),
            frames_relayed: Counter::default(),
            refused_messages: Counter::default(),
            lagging_closed: Counter::default(),
            store_errors: Counter::default(),
            refused_connections: Counter::default(),
            rate_limited: Counter::default(),
            doc_too_large: Counter::default(),
            doc_disk_full: Counter::default(),
            checkpoints_removed: Counter::default(),
            docs_evicted: Counter::default(),
            creations_throttled: Counter::default(),
            tcp_connections: Gauge::default(),
            tcp_refused: Counter::default(),
            registry: Registry::default(),
        };
        registry.register(
            "connections",
            "Open websocket connections",
            metrics.connections.clone(),
        );
        registry.register(
            "connections",
            "Websocket connections accepted",
            metrics.connections_total.clone(),
        );
        registry.register(
            "tcp_connections",
            "TCP connections open, HTTP and websocket",
            metrics.tcp_connections.clone(),
        );
        registry.register(
            "tcp_refused",
            "TCP connections closed at once because --max-connections were open",
            metrics.tcp_refused.clone(),
        );
        registry.register(
            "docs_loaded",
            "Documents loaded in memory",
            metrics.docs_loaded.clone(),
        );
        registry.register(
            "load_failures",
            "Document loads that failed",
            metrics.load_failures.clone(),
        );
        registry.register(
            "updates_applied",
            "Updates applied to documents",
            metrics.updates_applied.clone(),
        );
        registry.register(
            "log_entries_appended",
            "Log entries made durable",
            metrics.entries_appended.clone(),
        );
        registry.register(
            "append_seconds",
            "Seconds per durable append",
            metrics.append_seconds.clone(),
        );
        registry.register(
            "checkpoints",
            "Checkpoints written",
            metrics.checkpoints.clone(),
        );
        registry.register(
            "frames_relayed",
            "Frames queued to connections",
            metrics.frames_relayed.clone(),
        );
        registry.register(
            "refused_messages",
            "Messages refused as malformed or unauthorised",
            metrics.refused_messages.clone(),
        );
        registry.register(
            "lagging_closed",
            "Connections closed for falling behind",
            metrics.lagging_closed.clone(),
        );
        registry.register(
            "store_errors",
            "Storage errors",
            metrics.store_errors.clone(),
        );
        registry.register(
            "refused_connections",
            "Websocket upgrades refused",
            metrics.refused_connections.clone(),
        );
        registry.register(
            "rate_limited",
            "Connections closed for their message rate",
            metrics.rate_limited.clone(),
        );
        registry.register(
            "doc_too_large",
            "Updates refused at the document size limit",
            metrics.doc_too_large.clone(),
        );
        registry.register(
            "doc_disk_full",
            "Updates refused at the document disk limit",
            metrics.doc_disk_full.clone(),
        );
        registry.register(
            "checkpoints_removed",
            "Checkpoints removed by history retention",
            metrics.checkpoints_removed.clone(),
        );
        registry.register(
            "docs_evicted",
            "Idle documents unloaded early because --max-loaded-docs were loaded",
            metrics.docs_evicted.clone(),
        );
        registry.register(
            "creations_throttled",
            "Document creations refused by the creation rate",
            metrics.creations_throttled.clone(),
        );
        Self {
            registry,
            ..metrics
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}
