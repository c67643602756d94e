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
/// the last byte of their response (the blob's, or their range's) until the blob is verified and
/// committed, so no client ever holds a complete response of bytes that fail verification: on
/// failure every follower's response is cut short (clients retry) and nothing is committed.
///
/// When the last follower leaves (a client that disconnects stops following at once: its task is
/// cancelled), the fetch goes on only while it is worth finishing: while what remains is at most
/// `max(64 MiB, what is already written)`, and for at most `abandonedGrace` after the last follower
/// left. Otherwise it is abandoned at once (its task cancelled, which ends the upstream request)
/// and keeps nothing. A stalled upstream is bounded by the upstream read timeout.
///
/// | state when a follower leaves            | result                                          |
/// |-----------------------------------------|-------------------------------------------------|
/// | other followers remain                  | nothing changes                                 |
/// | last one; rest > max(64 MiB, written)   | abandoned now: upstream request cancelled, ingest file removed |
/// | last one; rest small                    | goes on; abandoned if still unfollowed after `abandonedGrace` |
/// | a follower joins before that            | goes on as if never left                        |
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
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
        /// The task writing the download, cancelled when the fetch is abandoned.
        var runner: Task<Void, Never>?
        /// The stall watcher, cancelled when the fetch ends: it holds the fetch, so its file
        /// descriptor (and a file evicted meanwhile, whose space it pins) would stay open until the
        /// watcher's next look.
        var watcher: Task<Void, Never>?
        var abandoned = false
        /// When the upstream last sent bytes (or the fetch began).
        var progressed = ContinuousClock.now
        /// The upstream sent nothing for the stall timeout: the fetch was given up.
        var stalled = false
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

    private let logger: Logger
    private let metrics: DownloadMetrics

    private init(digest: Digest, size: Int64?, readDescriptor: Int32, store: ContentStore, logger: Logger, metrics: DownloadMetrics) {
        self.digest = digest
        self.size = size
        self.readDescriptor = readDescriptor
        self.store = store
        self.logger = logger
        self.metrics = metrics
    }

    deinit { close(readDescriptor) }

    /// Starts fetching `upstream`'s body into `ingest` on a task of its own, to be committed linked
    /// to the repository it was fetched through; `finished` runs when the fetch has committed or
    /// failed, before its followers learn which (so a client that retries at once after being cut
    /// off starts a new fetch instead of joining the failed one).
    static func start(digest: Digest, upstream: UpstreamBlob, through repository: RepositoryKey, ingest: sending BlobIngest,
                      store: ContentStore, logger: Logger, metrics: DownloadMetrics, stallTimeout: Duration,
                      finished: @escaping @Sendable () -> Void) throws(StoreError) -> BlobFetch {
        let fetch = BlobFetch(digest: digest, size: upstream.contentLength, readDescriptor: try ingest.openReader(), store: store, logger: logger,
                              metrics: metrics)
        metrics.fetchStarted()
        let runner = Task.detached {
            await fetch.run(upstream.body, into: ingest, linkedTo: repository, finished: finished)
            metrics.fetchEnded()
        }
        let watcher = Task.detached { await fetch.watchForStall(stallTimeout) }
        fetch.state.withLock { state in
            state.runner = runner
            // A fetch that ended before this line needs no watcher (finish found none to cancel).
            if state.outcome == nil { state.watcher = watcher } else { watcher.cancel() }
        }
        return fetch
    }

    /// Gives the fetch up when the upstream has sent nothing for `timeout` (checked four times per
    /// timeout): the runner is cancelled, so it fails and its followers are cut off at once; the
    /// flight is released, so the next request starts a fetch of its own.
    private func watchForStall(_ timeout: Duration) async {
        while true {
            try? await Task.sleep(for: timeout / 4)
            if Task.isCancelled { return }  // the fetch has ended
            let runner = state.withLock { state -> Task<Void, Never>?? in
                guard state.outcome == nil else { return .some(nil) }  // done: stop watching
                guard ContinuousClock.now - state.progressed >= timeout else { return nil }
                state.stalled = true
                return .some(state.runner)
            }
            guard let runner else { continue }
            if let runner {
                logger.warning("upstream sent nothing for the stall timeout: blob fetch given up", metadata: [
                    "digest": "\(digest)", "written": "\(state.withLock { $0.written })", "stallTimeout": "\(timeout)",
                ])
                runner.cancel()
            }
            return
        }
    }

    private func run(_ body: UpstreamBlob.Body, into ingest: BlobIngest, linkedTo repository: RepositoryKey,
                     finished: @Sendable () -> Void) async {
        do {
            for try await chunk in body {
                state.withLock { $0.progressed = .now }
                if announce(try await ingest.append(chunk)) || Task.isCancelled { throw NotWorthFinishing() }
            }
            _ = announce(try await ingest.flush())
            let kept = try await store.commit(ingest, linkedTo: repository)
            if kept { logger.info("cached blob", metadata: ["digest": "\(digest)", "size": "\(ingest.bytesWritten)"]) }
            finished()
            finish(.complete)
        } catch {
            ingest.discard()
            finished()
            if state.withLock({ $0.stalled }) {
                finish(.failed("the upstream sent nothing for the stall timeout"))
            } else if state.withLock({ $0.abandoned }) {
                logger.info("blob fetch abandoned: every client left and the rest is not worth fetching; nothing cached",
                            metadata: ["digest": "\(digest)", "written": "\(ingest.bytesWritten)", "size": "\(size.map(String.init) ?? "unknown")"])
                finish(.failed(NotWorthFinishing().description))
            } else {
                logger.error("blob fetch failed; nothing cached, its clients are cut off", metadata: ["digest": "\(digest)", "error": "\(error)"])
                finish(.failed("\(error)"))
            }
        }
    }

    /// Lets followers read up to `inFile`, the bytes the ingest has written to the file (never
    /// more: they read the file); returns whether the fetch should be abandoned.
    private func announce(_ inFile: Int64) -> Bool {
        let (waiters, abandon) = state.withLock { state in
            state.written = inFile
            defer { state.waiters.removeAll() }
            return (state.waiters.values, state.abandoned || shouldAbandon(state))
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
        let (waiters, watcher) = state.withLock { state in
            state.outcome = outcome
            state.runner = nil
            defer {
                state.waiters.removeAll()
                state.watcher = nil
            }
            return (state.waiters.values, state.watcher)
        }
        watcher?.cancel()
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Followers

    func join() {
        metrics.followerJoined()
        state.withLock { state in
            state.followers += 1
            state.abandonedSince = nil
        }
    }

    func leave() {
        metrics.followerLeft()
        let (runner, lastOne) = state.withLock { state -> (Task<Void, Never>?, Bool) in
            state.followers -= 1
            guard state.followers == 0, state.outcome == nil else { return (nil, false) }
            state.abandonedSince = .now
            guard shouldAbandon(state) else { return (nil, true) }
            state.abandoned = true
            return (state.runner, false)
        }
        runner?.cancel()
        if lastOne { abandonLater() }
    }

    /// The last follower left a fetch worth finishing: it is abandoned if nobody follows it again
    /// within `abandonedGrace`, even when the upstream sends nothing more meanwhile.
    private func abandonLater() {
        // Weak: a fetch that ends meanwhile should not stay alive (holding its descriptor) for the grace.
        Task { [weak self] in
            try? await Task.sleep(for: Self.abandonedGrace + .milliseconds(100))
            guard let self else { return }
            let runner = state.withLock { state -> Task<Void, Never>? in
                guard state.outcome == nil, shouldAbandon(state) else { return nil }
                state.abandoned = true
                return state.runner
            }
            runner?.cancel()
        }
    }

    /// The end (exclusive) of the bytes a follower at `offset`, whose response ends before `end`
    /// (the blob's end when nil), may send now, waiting until it is past `offset` or the fetch has
    /// ended. Equal to `offset` only at the end of a complete blob.
    ///
    /// Until the blob is verified, a follower's last byte is held back: the blob's last byte for a
    /// whole-blob client, the range's last byte for a Range client (whose range may end long before
    /// the blob does). So no client ever receives a complete response of bytes that then fail
    /// verification: on failure every response is cut short, one byte or more before its end.
    func available(beyond offset: Int64, before end: Int64? = nil) async throws -> Int64 {
        while true {
            let ready: Result<Int64, Failed>? = state.withLock { state in
                switch state.outcome {
                case .complete: return .success(state.written)
                case .failed(let reason): return .failure(Failed(description: reason))
                case nil:
                    let unverified = Self.sendable(written: state.written, before: end)
                    return unverified > offset ? .success(unverified) : nil
                }
            }
            if let ready { return try ready.get() }
            try Task.checkCancellation()
            let id = state.withLock { state in
                defer { state.nextWaiter += 1 }
                return state.nextWaiter
            }
            // A follower whose client left is cancelled: it stops waiting at once.
            await withTaskCancellationHandler {
                await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                    let wakeNow = state.withLock { state in
                        if state.outcome != nil || Self.sendable(written: state.written, before: end) > offset || Task.isCancelled { return true }
                        state.waiters[id] = waiter
                        return false
                    }
                    if wakeNow { waiter.resume() }
                }
            } onCancel: {
                state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
            }
        }
    }

    /// The end (exclusive) of what a follower ending before `end` may send of `written` unverified
    /// bytes: all but its own last byte.
    private static func sendable(written: Int64, before end: Int64?) -> Int64 {
        Swift.min(written, end ?? .max) - 1
    }
}
