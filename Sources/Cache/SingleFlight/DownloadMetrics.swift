import Metrics

/// Blob downloads as an operator watches them: `stowage_downloads_in_flight` (fetches from an
/// upstream under way) and `stowage_download_followers` (clients receiving one of them as it lands;
/// coalesced clients included). Made once by the cache, after the metrics factory is bootstrapped.
struct DownloadMetrics: Sendable {
    private let inFlight = Meter(label: "stowage_downloads_in_flight")
    private let followers = Meter(label: "stowage_download_followers")

    func fetchStarted() { inFlight.increment() }
    func fetchEnded() { inFlight.decrement() }
    func followerJoined() { followers.increment() }
    func followerLeft() { followers.decrement() }
}
