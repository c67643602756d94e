/// The state of a `stowage preseed` run: one item per image, in the order they were added. A plain
/// value: the caller passes every timestamp (`now`, seconds on any monotonic scale), so rates and ETAs
/// are reproducible in tests. Events for unknown ids, and any event after an item is done or failed,
/// are ignored, so late callbacks from cancelled work cannot resurrect a finished item.
public struct TransferBoard: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case waiting
        case resolving
        case transferring
        case done(cached: Bool)
        case failed(String)
    }

    public struct Item: Sendable, Equatable, Identifiable {
        public let id: String
        public var label: String
        public var state: State = .waiting
        /// Known once the manifest is resolved.
        public var totalBytes: Int64?
        /// Bytes actually transferred for this item.
        public var doneBytes: Int64 = 0
        public var blobsDone = 0
        public var blobsTotal = 0
        public var startedAt: Double?
        public var finishedAt: Double?

        public init(id: String, label: String) {
            self.id = id
            self.label = label
        }

        public var isActive: Bool { state == .resolving || state == .transferring }

        public var isFinished: Bool {
            switch state {
            case .done, .failed: true
            case .waiting, .resolving, .transferring: false
            }
        }

        /// 0...1 once the total is known; a finished item is complete whatever it transferred.
        public var fraction: Double? {
            if case .done = state { return 1 }
            guard let totalBytes else { return nil }
            guard totalBytes > 0 else { return 1 }
            return min(max(Double(doneBytes) / Double(totalBytes), 0), 1)
        }

        /// Seconds since this item started, frozen when it finishes.
        public func elapsed(now: Double) -> Double {
            guard let startedAt else { return 0 }
            return max((finishedAt ?? now) - startedAt, 0)
        }

        /// Average bytes per second since the item started.
        public func rate(now: Double) -> Double {
            let seconds = elapsed(now: now)
            return seconds > 0 ? Double(doneBytes) / seconds : 0
        }

        /// Seconds left at the average rate so far; nil without a total or before any bytes moved.
        public func eta(now: Double) -> Double? {
            if isFinished { return 0 }
            guard let totalBytes else { return nil }
            let rate = rate(now: now)
            guard rate > 0 else { return nil }
            return Double(max(totalBytes - doneBytes, 0)) / rate
        }

        /// This item's share of the overall progress: a done item counts in full (a cached image
        /// needs no transfer), a failed one only for what it moved (its remainder is dropped).
        fileprivate var progress: (done: Int64, total: Int64?) {
            switch state {
            case .done:
                let size = max(totalBytes ?? doneBytes, doneBytes)
                return (size, size)
            case .failed:
                return (doneBytes, doneBytes)
            case .waiting, .resolving, .transferring:
                return (doneBytes, totalBytes.map { max($0, doneBytes) })
            }
        }
    }

    public private(set) var items: [Item] = []
    private var positions: [String: Int] = [:]

    public init() {}

    public subscript(id: String) -> Item? {
        positions[id].map { items[$0] }
    }

    // MARK: Events

    /// Adds an item in the waiting state; an id already on the board is left as it is.
    public mutating func add(id: String, label: String) {
        guard positions[id] == nil else { return }
        positions[id] = items.count
        items.append(Item(id: id, label: label))
    }

    public mutating func resolving(id: String, now: Double) {
        change(id) { item in
            item.state = .resolving
            item.startedAt = item.startedAt ?? now
        }
    }

    public mutating func resolved(id: String, totalBytes: Int64, blobs: Int, now: Double) {
        change(id) { item in
            item.state = .transferring
            item.totalBytes = max(totalBytes, 0)
            item.blobsTotal = max(blobs, 0)
            item.startedAt = item.startedAt ?? now
        }
    }

    /// Adds `bytes` to the item's transferred count. A negative value takes bytes back (a blob
    /// restarted after an error); the count never drops below zero.
    public mutating func progressed(id: String, bytes: Int64, now: Double) {
        change(id) { item in
            item.state = .transferring
            item.doneBytes = max(item.doneBytes + bytes, 0)
            item.startedAt = item.startedAt ?? now
        }
    }

    public mutating func blobFinished(id: String) {
        change(id) { $0.blobsDone += 1 }
    }

    public mutating func finished(id: String, cached: Bool, now: Double) {
        change(id) { item in
            item.state = .done(cached: cached)
            item.startedAt = item.startedAt ?? now
            item.finishedAt = now
        }
    }

    public mutating func failed(id: String, message: String, now: Double) {
        change(id) { item in
            item.state = .failed(message)
            item.startedAt = item.startedAt ?? now
            item.finishedAt = now
        }
    }

    private mutating func change(_ id: String, _ body: (inout Item) -> Void) {
        guard let position = positions[id], !items[position].isFinished else { return }
        body(&items[position])
    }

    // MARK: Counts

    public var count: Int { items.count }
    /// Done, whether fetched or already cached.
    public var doneCount: Int { items.count(where: { if case .done = $0.state { true } else { false } }) }
    public var cachedCount: Int { items.count(where: { $0.state == .done(cached: true) }) }
    public var failedCount: Int { items.count(where: { if case .failed = $0.state { true } else { false } }) }
    public var activeCount: Int { items.count(where: \.isActive) }
    public var waitingCount: Int { items.count(where: { $0.state == .waiting }) }
    /// Done or failed.
    public var finishedCount: Int { items.count(where: \.isFinished) }
    public var blobsDone: Int { items.reduce(0) { $0 + $1.blobsDone } }

    // MARK: Bytes and time

    /// Progress so far: bytes transferred by unfinished items plus the full size of done ones.
    public var doneBytes: Int64 { items.reduce(0) { $0 + $1.progress.done } }
    /// The sum of the totals known so far; see `totalIsKnown`.
    public var totalBytes: Int64 { items.reduce(0) { $0 + ($1.progress.total ?? $1.progress.done) } }
    /// Whether every unfinished item has been resolved, so `totalBytes` is the final total.
    public var totalIsKnown: Bool { items.allSatisfy { $0.progress.total != nil } }
    /// Bytes that actually moved, cached images contributing nothing.
    public var transferredBytes: Int64 { items.reduce(0) { $0 + $1.doneBytes } }

    /// When the first item started.
    public var startedAt: Double? { items.compactMap(\.startedAt).min() }

    /// When the last item finished, once every item has.
    public var finishedAt: Double? {
        guard !items.isEmpty, items.allSatisfy(\.isFinished) else { return nil }
        return items.compactMap(\.finishedAt).max()
    }

    /// Seconds since the first item started, frozen once every item has finished.
    public func elapsed(now: Double) -> Double {
        guard let startedAt else { return 0 }
        return max((finishedAt ?? now) - startedAt, 0)
    }

    /// Transferred bytes per second since the first item started.
    public func rate(now: Double) -> Double {
        let seconds = elapsed(now: now)
        return seconds > 0 ? Double(transferredBytes) / seconds : 0
    }

    /// Seconds until the remaining bytes arrive at the overall rate; nil while some item's size is
    /// still unknown or before any bytes moved.
    public func eta(now: Double) -> Double? {
        guard totalIsKnown else { return nil }
        let remaining = max(totalBytes - doneBytes, 0)
        if remaining == 0 { return 0 }
        let rate = rate(now: now)
        return rate > 0 ? Double(remaining) / rate : nil
    }
}
