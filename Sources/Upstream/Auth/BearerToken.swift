#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A token from a token service, and when to stop using it.
///
/// The service may send `token`, `access_token` or both (`access_token` wins, as in containerd and
/// distribution). `expires_in` defaults to 60 s and is never taken as less; it counts from `issued_at`
/// when given, else from when the answer arrived. A token is dropped `renewalMargin` early so it
/// never expires between being picked and reaching the upstream.
struct BearerToken: Sendable {
    let value: String
    let expiresAt: ContinuousClock.Instant

    static let minimumLifetime: Duration = .seconds(60)
    static let renewalMargin: Duration = .seconds(15)

    func isFresh(at now: ContinuousClock.Instant) -> Bool { now < expiresAt }

    /// Nil when the body is not JSON or carries no token.
    static func decode(_ body: [UInt8], receivedAt: ContinuousClock.Instant, wallClock: Date = Date()) -> BearerToken? {
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(body)) else { return nil }
        guard let value = [answer.access_token, answer.token].compactMap({ $0 }).first(where: { !$0.isEmpty }) else { return nil }
        let lifetime = max(Double(minimumLifetime.components.seconds), answer.expires_in ?? 0)
        var remaining = lifetime
        if let issuedAt = answer.issued_at.flatMap({ try? Date.ISO8601FormatStyle().parse($0) }) {
            // Clamped: a token "issued in the future" (clock skew) lives its full lifetime, no longer.
            remaining -= min(max(wallClock.timeIntervalSince(issuedAt), 0), lifetime)
        }
        return BearerToken(value: value, expiresAt: receivedAt + .milliseconds(Int64(remaining * 1000)) - renewalMargin)
    }

    private struct Answer: Decodable {
        let token: String?
        let access_token: String?
        let expires_in: Double?
        let issued_at: String?
    }
}

extension BearerToken: CustomStringConvertible, CustomReflectable {
    var description: String { "BearerToken(<redacted>)" }
    var customMirror: Mirror { Mirror(self, children: ["value": "<redacted>", "expiresAt": expiresAt]) }
}
