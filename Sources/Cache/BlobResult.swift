import Store

/// A blob as the cache answers it.
public enum BlobResult {
    /// A committed file opened for this response.
    case stored(StoredBlob)
    /// A miss being fetched once for every client that asks: follow it from any offset.
    case fetching(InFlightBlob)
    /// A miss there is no room to keep: streamed from its own upstream response, verified, not stored.
    case passThrough(BlobPassThrough)
}

/// A blob download in flight, as one client sees it.
public struct InFlightBlob: Sendable {
    let fetch: BlobFetch
    /// Whether another client started the download and this one joined it.
    public let joined: Bool

    /// The blob's size, when the upstream announced it.
    public var size: Int64? { fetch.size }

    /// Bytes `first...last` (to the end when `last` is nil), as they arrive.
    public func bytes(first: Int64 = 0, last: Int64? = nil) -> BlobFollower {
        BlobFollower(fetch: fetch, first: first, last: last)
    }
}

extension InFlightBlob {
    /// Waits until the download has been verified and committed (or failed), calling `progress`
    /// with the bytes fetched so far. Counts as a client of the download meanwhile, so it is not
    /// abandoned. Throws when the download fails.
    public func completion(progress: (Int64) -> Void) async throws {
        let ticket = BlobFollower.Ticket(fetch: fetch)
        var seen: Int64 = -1
        while true {
            let end = try await ticket.fetch.available(beyond: seen)
            if end == seen { return }
            progress(end)
            seen = end
        }
    }
}
