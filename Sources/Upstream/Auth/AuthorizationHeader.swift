#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An `Authorization` header value. It prints as its scheme only, so it cannot leak into a log line.
struct AuthorizationHeader: Sendable, Equatable {
    let scheme: AuthChallenge.Scheme
    /// The base64 `user:password` for Basic, the token for Bearer.
    let credential: String

    var value: String { "\(schemeName) \(credential)" }

    private var schemeName: String { scheme == .basic ? "Basic" : "Bearer" }

    static func basic(_ credentials: UpstreamCredentials) -> AuthorizationHeader {
        AuthorizationHeader(scheme: .basic, credential: Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString())
    }

    static func bearer(_ token: String) -> AuthorizationHeader {
        AuthorizationHeader(scheme: .bearer, credential: token)
    }
}

extension AuthorizationHeader: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    var description: String { "\(schemeName) <redacted>" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: ["scheme": scheme, "credential": "<redacted>"]) }
}
