import Logging
import Metrics
import Store

/// The store's figures as gauges, read from the index every 10 s (one read transaction): bytes
/// used, pinned (kept from eviction) and the budget, blobs, manifests, pins, and the counters the store keeps across restarts
/// (evictions, blobs sent without being kept for lack of room).
struct StoreGauges {
    private let bytesUsed = Gauge(label: "stowage_store_bytes_used")
    private let budget = Gauge(label: "stowage_store_budget_bytes")
    private let blobs = Gauge(label: "stowage_store_blobs")
    private let manifests = Gauge(label: "stowage_store_manifests")
    private let pins = Gauge(label: "stowage_store_pins")
    private let pinnedBytes = Gauge(label: "stowage_store_pinned_bytes")
    private let evictions = Gauge(label: "stowage_store_evictions")
    private let uncachedForSpace = Gauge(label: "stowage_store_uncached_for_space")
    private let maxBytes: Int64?

    init(budget: Int64?) {
        maxBytes = budget
    }

    func sample(_ store: ContentStore, logger: Logger, every interval: Duration = .seconds(10)) async {
        if let maxBytes { budget.record(maxBytes) }
        while !Task.isCancelled {
            do {
                let stats = try store.statistics()
                bytesUsed.record(stats.bytesUsed)
                blobs.record(stats.blobs)
                manifests.record(stats.manifests)
                pins.record(stats.pins)
                pinnedBytes.record(stats.pinnedBytes)
                evictions.record(stats.evictions)
                uncachedForSpace.record(stats.uncachedForSpace)
            } catch {
                logger.debug("store figures not read for the metrics", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
