import Glibc
import OCI
import Synchronization

/// Blobs being sent to clients right now. Eviction skips them: a file unlinked while it is being
/// read keeps its disk space until the reader finishes, so evicting it would free nothing yet.
final class BlobLeases: Sendable {
    private let counts = Mutex<[Digest: Int]>([:])

    func acquire(_ digest: Digest) {
        counts.withLock { $0[digest, default: 0] += 1 }
    }

    func release(_ digest: Digest) {
        counts.withLock { counts in
            guard let count = counts[digest] else { return }
            counts[digest] = count > 1 ? count - 1 : nil
        }
    }

    var leased: Set<Digest> { counts.withLock { Set($0.keys) } }
}

/// One client's hold on a blob it is being sent; eviction skips the blob until every lease ends.
/// Released exactly once: explicitly or when dropped.
public final class BlobLease: Sendable {
    public let digest: Digest
    private let leases: BlobLeases
    private let released = Atomic<Bool>(false)

    init(digest: Digest, leases: BlobLeases) {
        self.digest = digest
        self.leases = leases
        leases.acquire(digest)
    }

    public func release() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { leases.release(digest) }
    }

    deinit { release() }
}

/// A committed blob opened for one response. The descriptor was opened while the blob was leased,
/// so it reads the whole committed file even if the blob is evicted meanwhile. Whoever sends it
/// takes the descriptor (and closes it) and calls `release()` when done; dropping it does both.
public final class OpenedBlob: Sendable {
    public let size: Int64
    private let descriptor: Mutex<Int32>
    private let lease: BlobLease

    init(size: Int64, descriptor: Int32, lease: BlobLease) {
        self.size = size
        self.descriptor = Mutex(descriptor)
        self.lease = lease
    }

    public var digest: Digest { lease.digest }

    /// The open file; the caller now owns (and closes) it. -1 if already taken.
    public func takeDescriptor() -> Int32 {
        descriptor.withLock { fd in
            defer { fd = -1 }
            return fd
        }
    }

    /// Ends the lease (closing the descriptor if nobody took it). Idempotent.
    public func release() {
        let fd = takeDescriptor()
        if fd >= 0 { close(fd) }
        lease.release()
    }

    deinit { release() }
}
