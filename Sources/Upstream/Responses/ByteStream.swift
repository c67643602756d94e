import AsyncHTTPClient
import NIOCore

/// The body of an upstream response as its bytes arrive, with back-pressure: bytes are read from
/// the socket only as fast as the stream is iterated. Iterate it once. If the iterating task is
/// cancelled, `next()` throws; if it is dropped unread, the connection is closed.
///
/// Stowage's own type, so no HTTP client type leaves this module, and so tests can stand in any
/// sequence of buffers for an upstream (`init(_:)`).
public struct ByteStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    private let makeNext: @Sendable () -> () async throws -> ByteBuffer?

    init(_ body: HTTPClientResponse.Body) {
        makeNext = {
            let iterator = IteratorBox(body.makeAsyncIterator())
            return { try await iterator.next() }
        }
    }

    /// Any sequence of buffers, e.g. an in-process fake upstream's body.
    public init<Buffers: AsyncSequence & Sendable>(_ buffers: Buffers) where Buffers.Element == ByteBuffer {
        makeNext = {
            let iterator = IteratorBox(buffers.makeAsyncIterator())
            return { try await iterator.next() }
        }
    }

    public func makeAsyncIterator() -> Iterator { Iterator(next: makeNext()) }

    public struct Iterator: AsyncIteratorProtocol {
        let next: () async throws -> ByteBuffer?

        public mutating func next() async throws -> ByteBuffer? { try await next() }
    }
}

/// Holds a mutable iterator behind a reference, so one closure can advance it.
private final class IteratorBox<Base: AsyncIteratorProtocol> where Base.Element == ByteBuffer {
    var base: Base

    init(_ base: Base) { self.base = base }

    func next() async throws -> ByteBuffer? { try await base.next() }
}
