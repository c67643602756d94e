import Glibc
import NIOCore
import OCI
import Store

/// One client's view of a `BlobFetch`: bytes `first...last` of the blob (to its end when `last`
/// is nil), read from the growing file 1 MiB at a time as they become available. Holds the blob
/// against eviction and counts as a follower of the fetch until it is dropped.
public struct BlobFollower: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    let ticket: Ticket
    let first: Int64
    let last: Int64?

    static let chunk: Int64 = 1 << 20

    init(fetch: BlobFetch, first: Int64, last: Int64?) {
        self.ticket = Ticket(fetch: fetch)
        self.first = first
        self.last = last
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(ticket: ticket, offset: first, end: last.map { $0 + 1 })
    }

    public struct Iterator: AsyncIteratorProtocol {
        let ticket: Ticket
        var offset: Int64
        let end: Int64?

        public mutating func next() async throws -> ByteBuffer? {
            if let end, offset >= end { return nil }
            let fetch = ticket.fetch
            let available = Swift.min(try await fetch.available(beyond: offset), end ?? .max)
            guard available > offset else { return nil }
            let count = Int(Swift.min(available - offset, BlobFollower.chunk))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            let start = offset
            let read = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { pointer in
                try Self.readFully(fetch.readDescriptor, into: UnsafeMutableRawBufferPointer(rebasing: pointer[..<count]), at: start)
            }
            offset += Int64(read)
            return buffer
        }

        private static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
            var done = 0
            while done < buffer.count {
                let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw BlobFetch.Failed(description: "reading the download in flight failed (errno \(errno))") }
                done += n
            }
            return done
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
