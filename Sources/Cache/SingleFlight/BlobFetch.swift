import AsyncHTTPClient
import Glibc
import Logging
import NIOCore
import OCI
import Store
import Synchronization
import Upstream

/// One upstream download of a blob, shared by every client that asks for it while it runs
/// (invariant 3: one upstream fetch per digest at a time).
///
/// The fetch runs on a task of its own and writes the upstream's bytes into `ingest/` (hashing
/// them) at the upstream's pace, whatever its clients do. Each client follows the growing file
/// with a `BlobFollower`, from any offset, as fast as it reads. Followers are sent everything but
/// the last byte written until the blob is verified and committed, so no client ever holds a
/// complete copy of a blob that fails verification: on failure every follower's response is cut
/// short (clients retry) and nothing is committed.
///
/// When the last follower leaves (clients disconnected), the fetch goes on only while it is worth
/// finishing: while what remains is at most `max(64 MiB, what is already written)`, and for at most
/// `abandonedGrace` after the last follower left. Otherwise it stops and keeps nothing. A stalled
/// upstream is bounded by the upstream read timeout.
public final class BlobFetch: Sendable {
    public let digest: Digest
    /// The blob's size, when the upstream announced it.
    public let size: Int64?
    let readDescriptor: Int32
    let store: ContentStore
    private let state = Mutex(State())

    static let abandonedGrace: Duration = .seconds(60)
    static let alwaysFinishBytes: Int64 = 64 << 20

    struct State {
        var written: Int64 = 0
        var outcome: Outcome?
        var followers = 0
        var abandonedSince: ContinuousClock.Instant?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    enum Outcome: Sendable {
        case complete
        case failed(String)
    }

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    struct NotWorthFinishing: Error, CustomStringConvertible {
        var description: String { "every client left and the rest is not worth fetching" }
    }

    private init(digest: Digest, size: Int64?, readDescriptor: Int32, store: ContentStore) {
        self.digest = digest
        self.size = size
        self.readDescriptor = readDescriptor
        self.store = store
    }

    deinit { close(readDescriptor) }

    /// Starts fetching `upstream`'s body into `ingest` on a task of its own, to be committed linked
    /// to the repository it was fetched through; `finished` runs when the fetch has committed or failed.
    static func start(digest: Digest, upstream: UpstreamBlob, through repository: RepositoryKey, ingest: sending BlobIngest,
                      store: ContentStore, logger: Logger, finished: @escaping @Sendable () -> Void) throws(StoreError) -> BlobFetch {
        let fetch = BlobFetch(digest: digest, size: upstream.contentLength, readDescriptor: try ingest.openReader(), store: store)
        Task.detached {
            await fetch.run(upstream.body, into: ingest, linkedTo: repository, logger: logger)
            finished()
        }
        return fetch
    }

    private func run(_ body: UpstreamBlob.Body, into ingest: BlobIngest, linkedTo repository: RepositoryKey, logger: Logger) async {
        do {
            for try await chunk in body {
                if announce(try await ingest.append(chunk)) { throw NotWorthFinishing() }
            }
            _ = announce(try await ingest.flush())
            let kept = try await store.commit(ingest, linkedTo: repository)
            if kept { logger.info("cached blob", metadata: ["digest": "\(digest)", "size": "\(ingest.bytesWritten)"]) }
            finish(.complete)
        } catch {
            ingest.discard()
            logger.error("blob fetch failed; nothing cached, its clients are cut off", metadata: ["digest": "\(digest)", "error": "\(error)"])
            finish(.failed("\(error)"))
        }
    }

    /// Lets followers read up to `inFile`, the bytes the ingest has written to the file (never
    /// more: they read the file); returns whether the fetch should be abandoned.
    private func announce(_ inFile: Int64) -> Bool {
        let (waiters, abandon) = state.withLock { state in
            state.written = inFile
            defer { state.waiters.removeAll() }
            return (state.waiters, shouldAbandon(state))
        }
        for waiter in waiters { waiter.resume() }
        return abandon
    }

    private func shouldAbandon(_ state: State) -> Bool {
        guard state.followers == 0, let since = state.abandonedSince else { return false }
        let remaining = size.map { $0 - state.written } ?? .max
        return remaining > max(Self.alwaysFinishBytes, state.written) || ContinuousClock.now - since > Self.abandonedGrace
    }

    private func finish(_ outcome: Outcome) {
        let waiters = state.withLock { state in
            state.outcome = outcome
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Followers

    func join() {
        state.withLock { state in
            state.followers += 1
            state.abandonedSince = nil
        }
    }

    func leave() {
        state.withLock { state in
            state.followers -= 1
            if state.followers == 0 { state.abandonedSince = .now }
        }
    }

    /// The end (exclusive) of the bytes a follower at `offset` may send now, waiting until it is
    /// past `offset` or the fetch has ended. Equal to `offset` only at the end of a complete blob.
    func available(beyond offset: Int64) async throws -> Int64 {
        while true {
            let ready: Result<Int64, Failed>? = state.withLock { state in
                switch state.outcome {
                case .complete: return .success(state.written)
                case .failed(let reason): return .failure(Failed(description: reason))
                case nil: return state.written - 1 > offset ? .success(state.written - 1) : nil
                }
            }
            if let ready { return try ready.get() }
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let wakeNow = state.withLock { state in
                    if state.outcome != nil || state.written - 1 > offset { return true }
                    state.waiters.append(waiter)
                    return false
                }
                if wakeNow { waiter.resume() }
            }
        }
    }
}
