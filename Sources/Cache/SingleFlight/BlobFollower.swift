import Glibc
import OCI
import Store

/// One client's view of a `BlobFetch`: bytes `first...last` of the blob (to its end when `last`
/// is nil), as segments of the growing file that are ready to send (with sendfile, from a
/// descriptor of the follower's own: no bytes pass through memory). Holds the blob against
/// eviction and counts as a follower of the fetch until it is dropped.
public struct BlobFollower: AsyncSequence, Sendable {
    /// Offsets `[lowerBound, upperBound)` in the file, ready to send.
    public typealias Element = Range<Int64>

    let ticket: Ticket
    let first: Int64
    let last: Int64?

    /// The most one segment spans, so a fast upstream does not make one sendfile call hold the loop.
    static let segment: Int64 = 8 << 20

    init(fetch: BlobFetch, first: Int64, last: Int64?) {
        self.ticket = Ticket(fetch: fetch)
        self.first = first
        self.last = last
    }

    /// A new descriptor on the file being fetched (it stays valid after the file is committed or
    /// removed); the caller owns and closes it.
    public func duplicateDescriptor() throws -> Int32 {
        let fd = dup(ticket.fetch.readDescriptor)
        guard fd >= 0 else { throw BlobFetch.Failed(description: "dup failed (errno \(errno))") }
        return fd
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(ticket: ticket, offset: first, end: last.map { $0 + 1 })
    }

    public struct Iterator: AsyncIteratorProtocol {
        let ticket: Ticket
        var offset: Int64
        let end: Int64?

        public mutating func next() async throws -> Range<Int64>? {
            if let end, offset >= end { return nil }
            let available = Swift.min(try await ticket.fetch.available(beyond: offset, before: end), end ?? .max)
            guard available > offset else { return nil }
            let upper = Swift.min(available, offset + BlobFollower.segment)
            defer { offset = upper }
            return offset..<upper
        }
    }

    /// Membership of the fetch and a lease on the blob, for as long as the follower exists.
    final class Ticket: Sendable {
        let fetch: BlobFetch
        let lease: BlobLease

        init(fetch: BlobFetch) {
            self.fetch = fetch
            self.lease = fetch.store.leaseBlob(fetch.digest)
            fetch.join()
        }

        deinit { fetch.leave() }
    }
}
