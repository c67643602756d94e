import Synchronization

/// Bytes promised to downloads in flight. A reservation is taken (on the index writer, after
/// making room) before an ingest starts, so the committed bytes plus the reserved bytes never
/// exceed the budget; it is released when the blob is committed or discarded.
final class ReservationTable: Sendable {
    private let total = Atomic<Int64>(0)

    var reservedBytes: Int64 { total.load(ordering: .acquiring) }

    func add(_ bytes: Int64) { total.add(bytes, ordering: .acquiringAndReleasing) }
    func remove(_ bytes: Int64) { total.subtract(bytes, ordering: .acquiringAndReleasing) }
}

/// Room for one download. Released exactly once: by the commit, or on discard, or when dropped.
public final class SpaceReservation: Sendable {
    public let bytes: Int64
    private let table: ReservationTable
    private let released = Atomic<Bool>(false)

    init(bytes: Int64, table: ReservationTable) {
        self.bytes = bytes
        self.table = table
        table.add(bytes)
    }

    func release() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { table.remove(bytes) }
    }

    deinit { release() }
}
