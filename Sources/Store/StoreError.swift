import OCI

/// Failures of the local store. None of them is the client's fault; the cache layer decides
/// whether to serve from upstream anyway or answer 500.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case io(operation: String, path: String, errno: Int32)
    case sizeMismatch(digest: Digest, expected: Int64, actual: Int64)
    case digestMismatch(expected: Digest, actual: Digest)
    case index(LMDBError)
    /// Another process (a running `stowage serve`) holds the store.
    case locked(path: String)
    /// The index was written by a Stowage with another record layout.
    case incompatibleIndex(found: Int64, expected: Int64)
    case notCached(String)
    /// A removal would take a pinned image (named as it was pinned) out of its repository.
    case pinned(String)
    /// The store was closed (`ContentStore.close()`): its threads are stopped, nothing more is written.
    case closed

    public var description: String {
        switch self {
        case .io(let operation, let path, let errno): "\(operation) \(path): \(systemErrorMessage(errno))"
        case .sizeMismatch(let digest, let expected, let actual): "\(digest): expected \(expected) bytes, got \(actual)"
        case .digestMismatch(let expected, let actual): "content does not match \(expected) (got \(actual))"
        case .index(let error): error.description
        case .locked(let path): "another stowage process is using this storage (\(path) is locked)"
        case .incompatibleIndex(let found, let expected):
            "the index has layout version \(found) and this stowage reads version \(expected); move the storage directory aside or clear it"
        case .notCached(let what): "\(what) is not in the cache"
        case .pinned(let reference): "\(reference) is pinned: `stowage unpin \(reference)` first"
        case .closed: "the store is closed"
        }
    }
}
