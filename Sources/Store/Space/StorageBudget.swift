/// How many committed bytes (blob files and manifests) the store may hold.
///
/// `maxBytes` is a hard limit: committed plus reserved bytes never exceed it. When an ingest would
/// cross it, least-recently-used content is evicted down to `lowWatermark`, so eviction runs in
/// batches rather than once per download.
public struct StorageBudget: Sendable, Equatable {
    public let maxBytes: Int64
    public let lowWatermark: Int64

    /// `lowWatermarkFraction` of `maxBytes` (90 % by default) is where an eviction pass stops.
    public init(maxBytes: Int64, lowWatermarkFraction: Double = 0.9) {
        precondition(maxBytes > 0 && (0...1).contains(lowWatermarkFraction))
        self.maxBytes = maxBytes
        self.lowWatermark = Int64((Double(maxBytes) * lowWatermarkFraction).rounded(.down))
    }
}
