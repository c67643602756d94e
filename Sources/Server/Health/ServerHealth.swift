import Glibc
import NIOPosix
import OCI
import Synchronization

/// What the health endpoints report, kept current off the request path: whether the server is
/// draining (set by the first stop signal, read by every `/readyz`), and the store filesystem's
/// free space and writability, sampled every few seconds on NIO's blocking pool (`statvfs` can
/// stall on a network filesystem; a probe must not). A probe reads two values and answers.
public final class ServerHealth: Sendable {
    /// The store filesystem as last sampled.
    public struct DiskSample: Sendable, Equatable {
        public let freeBytes: Int64
        public let readOnly: Bool

        public init(freeBytes: Int64, readOnly: Bool) {
            self.freeBytes = freeBytes
            self.readOnly = readOnly
        }

        /// `statvfs` of `path`: the bytes an unprivileged writer may still use; nil when it fails.
        public static func of(_ path: String) -> DiskSample? {
            var stats = statvfs()
            guard statvfs(path, &stats) == 0 else { return nil }
            return DiskSample(freeBytes: Int64(stats.f_bavail) * Int64(stats.f_frsize), readOnly: stats.f_flag & UInt(ST_RDONLY) != 0)
        }
    }

    public let storagePath: String
    /// Below this much free space the node is not ready (it could not cache what it fetches).
    public let minimumFreeBytes: Int64
    private let draining = Atomic<Bool>(false)
    private let disk = Mutex<DiskSample?>(nil)

    public init(storagePath: String, minimumFreeBytes: Int64) {
        self.storagePath = storagePath
        self.minimumFreeBytes = minimumFreeBytes
    }

    /// Marks the server as draining; true the first time only.
    @discardableResult
    public func startDraining() -> Bool {
        !draining.exchange(true, ordering: .relaxed)
    }

    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    public func record(_ sample: DiskSample?) {
        disk.withLock { $0 = sample }
    }

    /// Samples the disk at once and then every `interval` until the task is cancelled.
    public func sampleDisk(every interval: Duration = .seconds(2)) async {
        while !Task.isCancelled {
            let path = storagePath
            let sample = try? await NIOThreadPool.singleton.runIfActive { DiskSample.of(path) }
            record(sample ?? nil)
            try? await Task.sleep(for: interval)
        }
    }

    public func report(_ probe: HealthProbe) -> HealthReport {
        switch probe {
        case .live:
            return HealthReport(.live, checks: [.init("serving", passed: true, "answering requests")])
        case .started:
            return HealthReport(.started, checks: [.init("index", passed: true, "open and recovered")])
        case .ready:
            return HealthReport(.ready, checks: [drainingCheck] + diskChecks)
        }
    }

    private var drainingCheck: HealthReport.Check {
        isDraining ? .init("draining", passed: false, "shutting down: finishing the requests in progress")
                   : .init("draining", passed: true, "not draining")
    }

    private var diskChecks: [HealthReport.Check] {
        guard let sample = disk.withLock({ $0 }) else {
            return [.init("storage", passed: false, "\(storagePath) could not be examined (statvfs failed)")]
        }
        let writable: HealthReport.Check = sample.readOnly
            ? .init("storage", passed: false, "\(storagePath) is on a read-only filesystem")
            : .init("storage", passed: true, "\(storagePath) is writable")
        let free: HealthReport.Check = sample.freeBytes < minimumFreeBytes
            ? .init("free space", passed: false, "\(sample.freeBytes) bytes free, below the reserve of \(minimumFreeBytes)")
            : .init("free space", passed: true, "\(sample.freeBytes) bytes free, reserve \(minimumFreeBytes)")
        return [writable, free]
    }
}
