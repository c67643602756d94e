import Cache
import Console
import Foundation
import Glibc
import OCI
import Synchronization

struct PreseedSummary {
    let images: Int
    let cached: Int
    let failed: Int
    let blobs: Int
    let bytes: Int64
    let seconds: Double

    var text: String { Summary.summary(images: images, cached: cached, failed: failed, blobs: blobs, bytes: bytes, seconds: seconds) }
}

/// Where preseed's events go: a live terminal display, a line per image, or JSON events.
protocol PreseedOutput: Sendable {
    func handle(_ event: PreseedEvent)
    /// Called a few times a second, so rates and elapsed times move while nothing arrives.
    func tick()
    func finish(_ summary: PreseedSummary)
}

/// On a terminal: a live line per image in progress and an overall line; finished images scroll up.
final class LiveDisplay: PreseedOutput {
    private let display = TerminalDisplay(fileDescriptor: STDOUT_FILENO)

    func handle(_ event: PreseedEvent) {
        let now = display.now
        display.update { board in
            switch event {
            case .started(let image):
                board.add(id: image, label: image)
                board.resolving(id: image, now: now)
            case .resolved(let image, _, _, let blobs, let bytes, let cachedBytes):
                board.resolved(id: image, totalBytes: bytes, blobs: blobs, now: now)
                if cachedBytes > 0 { board.progressed(id: image, bytes: cachedBytes, now: now) }
            case .transferred(let image, let bytes):
                board.progressed(id: image, bytes: bytes, now: now)
            case .blobCached(let image, _, _, _):
                board.blobFinished(id: image)
            case .finished(let image, let outcome):
                board.finished(id: image, cached: outcome.alreadyCached, now: now)
            case .failed(let image, let error):
                board.failed(id: image, message: error.explained, now: now)
            }
        }
    }

    func tick() { display.refresh() }

    func finish(_ summary: PreseedSummary) { display.finish(summary: summary.text) }
}

/// Not a terminal: one line per finished image, then the summary.
final class FinishedLines: PreseedOutput {
    func handle(_ event: PreseedEvent) {
        switch event {
        case .finished(let image, let outcome):
            let what = outcome.alreadyCached
                ? "already cached"
                : "\(outcome.fetchedBlobs) of \(outcome.blobs) blobs, \(Formatting.bytes(outcome.fetchedBytes)) fetched in \(Formatting.preciseDuration(seconds: outcome.seconds))"
            printLine("ok      \(image)  \(outcome.digest)  \(what)")
        case .failed(let image, let error):
            printLine("FAILED  \(image)  \(error.explained)")
        default:
            break
        }
    }

    func tick() {}

    func finish(_ summary: PreseedSummary) { printLine(summary.text) }
}

/// `--json`: one object per line; byte progress at most twice a second per image.
final class JSONEvents: PreseedOutput {
    private let progress = Mutex<[String: (bytes: Int64, reportedAt: ContinuousClock.Instant?)]>([:])

    func handle(_ event: PreseedEvent) {
        switch event {
        case .started(let image):
            emit(["event": "started", "image": image])
        case .resolved(let image, let digest, let manifests, let blobs, let bytes, let cachedBytes):
            emit(["event": "resolved", "image": image, "digest": "\(digest)", "manifests": manifests, "blobs": blobs,
                  "bytes": bytes, "cachedBytes": cachedBytes])
        case .transferred(let image, let bytes):
            let due: Int64? = progress.withLock { table in
                var entry = table[image] ?? (0, nil)
                entry.bytes += bytes
                defer { table[image] = entry }
                guard entry.reportedAt.map({ $0.duration(to: .now) >= .milliseconds(500) }) ?? true else { return nil }
                entry.reportedAt = .now
                return entry.bytes
            }
            if let due { emit(["event": "progress", "image": image, "bytes": due]) }
        case .blobCached(let image, let digest, let size, let fetched):
            emit(["event": "blob", "image": image, "digest": "\(digest)", "size": size, "fetched": fetched])
        case .finished(let image, let outcome):
            emit(["event": "finished", "image": image, "name": outcome.name, "digest": "\(outcome.digest)", "manifests": outcome.manifests,
                  "blobs": outcome.blobs, "fetchedBlobs": outcome.fetchedBlobs, "fetchedBytes": outcome.fetchedBytes,
                  "totalBytes": outcome.totalBytes, "seconds": outcome.seconds, "alreadyCached": outcome.alreadyCached])
        case .failed(let image, let error):
            var object: [String: Any] = ["event": "failed", "image": image, "code": error.code.rawValue, "status": error.status, "message": error.message]
            if let retryAfter = error.retryAfter { object["retryAfter"] = retryAfter }
            emit(object)
        }
    }

    func tick() {}

    func finish(_ summary: PreseedSummary) {
        emit(["event": "summary", "images": summary.images, "cached": summary.cached, "failed": summary.failed,
              "fetchedBlobs": summary.blobs, "fetchedBytes": summary.bytes, "seconds": summary.seconds])
    }
}

extension RegistryError {
    /// The message, with the upstream's `Retry-After` when it sent one.
    var explained: String { message + (retryAfter.map { " (Retry-After: \($0))" } ?? "") }
}
