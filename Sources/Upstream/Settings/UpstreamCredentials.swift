/// What Stowage presents to an upstream: sent as Basic auth to the registry or to its token service.
/// The password (often a license ID) never appears in a description, a debug print or a `dump`.
public struct UpstreamCredentials: Sendable, Equatable {
    public let username: String
    public let password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

extension UpstreamCredentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "\(username):<redacted>" }
    public var debugDescription: String { "UpstreamCredentials(username: \(username), password: <redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: ["username": username, "password": "<redacted>"]) }
}
