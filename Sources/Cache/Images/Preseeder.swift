import OCI
import Store
import Upstream

/// Fills the cache with images before they are pulled (`stowage preseed`): each image is routed
/// and walked through the pull-through cache (`PullThroughImageSource`), fetched exactly as
/// `serve` would on a pull, through the same store, so what it caches is what a pull finds. For an index only the children for the asked platforms are fetched (all
/// when none are asked); the index itself is stored byte-exact. Blobs already cached are skipped,
/// and a blob shared by several images is fetched once (the cache's single flight).
public struct Preseeder: Sendable {
    public struct Options: Sendable {
        public var platforms: [Platform] = []
        /// How many blobs download at once, across all images.
        public var concurrency = 4
        /// Pin each image once cached, so eviction keeps it.
        public var pin = false

        public init(platforms: [Platform] = [], concurrency: Int = 4, pin: Bool = false) {
            self.platforms = platforms
            self.concurrency = max(1, concurrency)
            self.pin = pin
        }
    }

    let cache: PullThroughCache
    let options: Options
    let events: @Sendable (PreseedEvent) -> Void

    public init(cache: PullThroughCache, options: Options, events: @escaping @Sendable (PreseedEvent) -> Void) {
        self.cache = cache
        self.options = options
        self.events = events
    }

    /// Preseeds every image, `concurrency` images at a time; results in the order given.
    public func run(_ images: [String]) async -> [Result<PreseedOutcome, RegistryError>] {
        let slots = TransferSlots(options.concurrency)
        return await withTaskGroup(of: (Int, Result<PreseedOutcome, RegistryError>).self) { group in
            var results = [Result<PreseedOutcome, RegistryError>?](repeating: nil, count: images.count)
            var next = 0
            func startNext() {
                guard next < images.count else { return }
                let (index, image) = (next, images[next])
                next += 1
                group.addTask { (index, await preseedReporting(image, slots: slots)) }
            }
            for _ in 0..<options.concurrency { startNext() }
            for await (index, result) in group {
                results[index] = result
                startNext()
            }
            return results.map { $0! }
        }
    }

    private func preseedReporting(_ image: String, slots: TransferSlots) async -> Result<PreseedOutcome, RegistryError> {
        events(.started(image: image))
        do {
            let outcome = try await preseed(image, slots: slots)
            events(.finished(image: image, outcome: outcome))
            return .success(outcome)
        } catch {
            events(.failed(image: image, error: error))
            return .failure(error)
        }
    }

    private func preseed(_ image: String, slots: TransferSlots) async throws(RegistryError) -> PreseedOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        let target = try cache.target(for: image)
        let source = PullThroughImageSource(cache: cache, target: target)
        let walked = try await ImageWalk(platforms: options.platforms).run(target.reference, in: source)
        let total = walked.blobs.map { $0.blob.size ?? 0 }.reduce(0, +)
        let cachedBytes = walked.blobs.compactMap(\.answer).reduce(0, +)
        events(.resolved(image: image, digest: walked.top.digest, manifests: walked.manifests.count, blobs: walked.blobs.count,
                         bytes: total, cachedBytes: cachedBytes))
        for (blob, cachedSize) in walked.blobs where cachedSize != nil {
            events(.blobCached(image: image, digest: blob.digest, size: blob.size ?? 0, fetched: false))
        }
        let missing = walked.blobs.filter { $0.answer == nil }.map(\.blob.digest)
        let fetched = try await fetchAll(missing, into: target.repository, checkedIn: source.local, image: image, slots: slots)
        if options.pin { try await cache.pin(walked.top.digest, as: target) }
        let seconds = (clock.now - start).inSeconds
        return PreseedOutcome(name: target.name, digest: walked.top.digest, manifests: walked.manifests.count, blobs: walked.blobs.count,
                              fetchedBlobs: fetched.count, fetchedBytes: fetched.bytes, totalBytes: total, seconds: seconds,
                              alreadyCached: fetched.count == 0 && !source.fetchedManifests)
    }

    /// Fetches the blobs, at most `concurrency` at once across the run; all must be cached after.
    private func fetchAll(_ digests: [Digest], into repository: CacheRepository, checkedIn local: LocalImageSource, image: String,
                          slots: TransferSlots) async throws(RegistryError) -> (count: Int, bytes: Int64) {
        let outcome = await withTaskGroup(of: Result<(Int64, Bool), RegistryError>.self) { group in
            for digest in digests {
                group.addTask {
                    await slots.acquire()
                    let result: Result<(Int64, Bool), RegistryError>
                    do throws(RegistryError) {
                        result = .success(try await fetchBlob(digest, into: repository, checkedIn: local, image: image))
                    } catch {
                        result = .failure(error)
                    }
                    await slots.release()
                    return result
                }
            }
            var count = 0
            var bytes: Int64 = 0
            var failure: RegistryError?
            for await result in group {
                switch result {
                case .success(let (size, fetched)) where fetched:
                    count += 1
                    bytes += size
                case .success:
                    break
                case .failure(let error):
                    failure = failure ?? error
                }
            }
            return failure.map { Result<(count: Int, bytes: Int64), RegistryError>.failure($0) } ?? .success((count, bytes))
        }
        return try outcome.get()
    }

    /// One blob into the cache: its size, and whether this call downloaded it (false when another
    /// download or an earlier run had it).
    private func fetchBlob(_ digest: Digest, into repository: CacheRepository, checkedIn local: LocalImageSource,
                           image: String) async throws(RegistryError) -> (Int64, Bool) {
        var fetched = false
        switch try await cache.blob(repository, digest) {
        case .stored(let opened):
            _ = opened
        case .fetching(let download):
            var reported: Int64 = 0
            do {
                try await download.completion { written in
                    events(.transferred(image: image, bytes: written - reported))
                    reported = written
                }
            } catch {
                throw RegistryError(.blobUnknown, "download of \(digest) failed: \(error)", status: 502)
            }
            fetched = true
        case .passThrough:
            throw RegistryError(.unknown, "no room in the cache for \(digest): raise storage.maxSize or unpin images", status: 507)
        }
        guard let size = try local.linkedBlobSize(digest) else {
            throw RegistryError(.unknown, "\(digest) was downloaded but not kept: the cache has no room for it", status: 507)
        }
        events(.blobCached(image: image, digest: digest, size: size, fetched: fetched))
        return (size, fetched)
    }
}

/// At most `limit` blob downloads at once.
actor TransferSlots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ limit: Int) { free = limit }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
