import Foundation

/// A token endpoint's answer (`token` and/or `access_token`; `expires_in` defaults to 60 s and is
/// never taken as less than 60 s, as clients do).
struct BearerToken: Sendable {
    let value: String
    let expiresAt: ContinuousClock.Instant

    private struct Response: Decodable {
        let token: String?
        let access_token: String?
        let expires_in: Int?
    }

    /// A token is renewed this long before it expires, so it never dies in flight.
    static let renewalMargin: Duration = .seconds(10)

    static func decode(_ bytes: [UInt8], receivedAt: ContinuousClock.Instant) -> BearerToken? {
        guard let response = try? JSONDecoder().decode(Response.self, from: Data(bytes)),
              let value = response.access_token ?? response.token, !value.isEmpty else { return nil }
        let lifetime = Duration.seconds(max(60, response.expires_in ?? 60))
        return BearerToken(value: value, expiresAt: receivedAt + lifetime - renewalMargin)
    }

    func isValid(at now: ContinuousClock.Instant) -> Bool { now < expiresAt }
}
