import NIOCore
import OCI
import Store
import Synchronization
import Upstream

/// An upstream registry in this process: it holds manifests and blobs per repository, counts every
/// call by kind, fails on demand as the real client would, and can hold a blob's body back so a
/// test releases it chunk by chunk (no sleeps, no sockets).
final class CountingRegistry: RemoteRegistry {
    enum Call: Hashable, Sendable {
        case manifestGet, manifestHead, blobGet, blobHead
    }

    /// How every call fails while set, mapped to `UpstreamError` as `RegistryClient` maps it.
    enum Failure: Sendable {
        /// The upstream answered this status (5xx, 429, …).
        case status(Int)
        /// No connection at all.
        case unreachable
        /// 401 to the configured credentials, as a wrong license gets (and a catalog without scope).
        case refused
    }

    let settings: UpstreamSettings
    private let state = Mutex(State())

    private struct State {
        /// Repository → reference (tag or digest) → manifest.
        var manifests: [String: [String: StoredManifest]] = [:]
        /// Repository → digest → what the blob's GET answers.
        var blobs: [String: [String: BlobBody]] = [:]
        var counts: [Call: Int] = [:]
        var failure: Failure?
        /// While set, manifest requests wait here after they are counted.
        var manifestGate: Gate?
        /// Told each call as it arrives, for tests that wait until the upstream was asked.
        var arrivals: [AsyncStream<Call>.Continuation] = []
    }

    private enum BlobBody {
        case bytes([UInt8])
        /// Announced as `size` bytes; its chunks are whatever the test yields into the stream.
        case held(size: Int64, ByteStream)
    }

    init(name: String = "hub") {
        settings = UpstreamSettings(name: name, baseURL: "https://\(name).invalid")
    }

    // MARK: Content

    /// Serves `manifest` in `repository` by its digest and, if given, by `tag`.
    func add(_ manifest: StoredManifest, in repository: String, tag: String? = nil) {
        state.withLock { state in
            state.manifests[repository, default: [:]][manifest.digest.description] = manifest
            if let tag { state.manifests[repository, default: [:]][tag] = manifest }
        }
    }

    /// Serves `bytes` in `repository` under `digest` (their own digest unless a test lies).
    func addBlob(_ bytes: [UInt8], in repository: String, as digest: Digest? = nil) {
        let digest = digest ?? SHA256Hasher.digest(of: bytes)
        state.withLock { $0.blobs[repository, default: [:]][digest.description] = .bytes(bytes) }
    }

    /// Serves a blob of `size` bytes under `digest` whose body is what the test yields into the
    /// returned continuation: one upstream chunk per yield, the end at `finish()`. One GET only.
    func holdBlob(_ digest: Digest, size: Int64, in repository: String) -> AsyncStream<ByteBuffer>.Continuation {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        state.withLock { $0.blobs[repository, default: [:]][digest.description] = .held(size: size, ByteStream(stream)) }
        return continuation
    }

    /// Manifest requests from now on wait (counted) until the returned gate is opened.
    func holdManifests() -> Gate {
        let gate = Gate()
        state.withLock { $0.manifestGate = gate }
        return gate
    }

    /// Every call from now on fails so (nil: answers again).
    func fail(_ failure: Failure?) {
        state.withLock { $0.failure = failure }
    }

    // MARK: Counts

    func count(_ call: Call) -> Int {
        state.withLock { $0.counts[call, default: 0] }
    }

    /// Every call of every kind.
    var total: Int {
        state.withLock { $0.counts.values.reduce(0, +) }
    }

    /// The calls from now on, as they arrive.
    func arrivals() -> AsyncStream<Call> {
        let (stream, continuation) = AsyncStream<Call>.makeStream()
        state.withLock { $0.arrivals.append(continuation) }
        return stream
    }

    // MARK: RemoteRegistry

    func manifest(repository: String, reference: String, method: UpstreamMethod) async throws(UpstreamError) -> UpstreamManifest {
        let found = try arrive(method == .get ? .manifestGet : .manifestHead) { $0.manifests[repository]?[reference] }
        if let gate = state.withLock({ $0.manifestGate }) { await gate.wait() }
        guard let manifest = found else { throw .notFound(upstream: settings.name, code: "MANIFEST_UNKNOWN") }
        return UpstreamManifest(mediaType: manifest.mediaType, digest: manifest.digest.description, size: Int64(manifest.bytes.count),
                                bytes: method == .get ? manifest.bytes : nil)
    }

    func blob(repository: String, digest: String) async throws(UpstreamError) -> UpstreamBlob {
        switch try arrive(.blobGet, { $0.blobs[repository]?[digest] }) {
        case .bytes(let bytes)?:
            let chunk = ByteBuffer(bytes: bytes)
            return UpstreamBlob(contentLength: Int64(bytes.count), mediaType: "application/octet-stream", body: ByteStream([chunk].async))
        case .held(let size, let body)?:
            return UpstreamBlob(contentLength: size, mediaType: "application/octet-stream", body: body)
        case nil:
            throw .notFound(upstream: settings.name, code: "BLOB_UNKNOWN")
        }
    }

    func blobSize(repository: String, digest: String) async throws(UpstreamError) -> Int64? {
        switch try arrive(.blobHead, { $0.blobs[repository]?[digest] }) {
        case .bytes(let bytes)?: return Int64(bytes.count)
        case .held(let size, _)?: return size
        case nil: throw .notFound(upstream: settings.name, code: "BLOB_UNKNOWN")
        }
    }

    func tags(repository: String, query: String?) async throws(UpstreamError) -> UpstreamListing {
        throw .notFound(upstream: settings.name, code: "NAME_UNKNOWN")
    }

    func catalog(query: String?) async throws(UpstreamError) -> UpstreamListing {
        if case .refused? = state.withLock({ $0.failure }) { throw Self.refusal(settings.name) }
        throw .notFound(upstream: settings.name, code: "UNSUPPORTED")
    }

    private static func refusal(_ upstream: String) -> UpstreamError {
        .unauthorized(upstream: upstream, detail: "the configured credentials were refused (insufficient_scope)")
    }

    /// Counts the call, tells whoever waits for it, then fails as set or reads what it answers.
    private func arrive<Found>(_ call: Call, _ read: (State) -> Found?) throws(UpstreamError) -> Found? {
        let (failure, found, listeners) = state.withLock { state in
            state.counts[call, default: 0] += 1
            return (state.failure, read(state), state.arrivals)
        }
        for listener in listeners { listener.yield(call) }
        switch failure {
        case .status(let status): throw .badResponse(upstream: settings.name, status: status, detail: "unexpected status \(status)")
        case .unreachable: throw .unreachable(upstream: settings.name, reason: "connection refused")
        case .refused: throw Self.refusal(settings.name)
        case nil: return found
        }
    }
}

/// A finite sequence of buffers, as an async sequence (a fake upstream's whole body at once).
private struct BufferSequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffers: [ByteBuffer]

    func makeAsyncIterator() -> Iterator { Iterator(buffers: buffers[...]) }

    struct Iterator: AsyncIteratorProtocol {
        var buffers: ArraySlice<ByteBuffer>
        mutating func next() async -> ByteBuffer? { buffers.popFirst() }
    }
}

extension Array where Element == ByteBuffer {
    fileprivate var async: BufferSequence { BufferSequence(buffers: self) }
}
