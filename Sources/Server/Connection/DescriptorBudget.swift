import Glibc

/// File descriptors are what a flood of connections exhausts first. Each client connection holds
/// its socket and, while a blob is sent, that blob's file; the rest of the process (the LMDB
/// environment, upstream connections, ingest files, logs) needs a reserve of its own.
public enum DescriptorBudget {
    static let reserve = 256

    /// Raises the soft descriptor limit to the hard limit (as Go's runtime does for distribution
    /// and zot) and returns the limit now in force.
    public static func raiseSoftLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// The connections a descriptor limit leaves room for: two descriptors each, after the reserve
    /// (half the limit when the limit is small: at 256, 128 for the rest and 64 connections).
    public static func maxConnections(descriptorLimit: Int) -> Int {
        let limit = min(descriptorLimit, 1 << 24)
        return max(8, (limit - min(reserve, limit / 2)) / 2)
    }
}
