import OCI
import Store

/// A committed blob opened for one response, leased against eviction. Whoever sends it takes the
/// descriptor (and closes it once the bytes are out) and then calls `release()`; dropping it does both.
public struct StoredBlob: Sendable {
    let opened: OpenedBlob

    public var digest: Digest { opened.digest }
    public var size: Int64 { opened.size }

    /// The open file; the caller now owns (and closes) it.
    public func takeDescriptor() -> Int32 { opened.takeDescriptor() }

    /// Ends the lease (closing the descriptor if nobody took it). Idempotent.
    public func release() { opened.release() }
}
