/// One challenge from a `WWW-Authenticate` header (RFC 7235): the scheme to answer and its parameters.
public struct AuthChallenge: Sendable, Equatable {
    /// The schemes Stowage can answer; others (Digest, Negotiate, …) are skipped.
    public enum Scheme: String, Sendable {
        case basic
        case bearer
    }

    public let scheme: Scheme
    /// Parameter names lowercased; values unquoted and unescaped.
    public let parameters: [String: String]

    public init(scheme: Scheme, parameters: [String: String] = [:]) {
        self.scheme = scheme
        self.parameters = parameters
    }

    public var realm: String? { parameters["realm"] }
    public var service: String? { parameters["service"] }
    /// One or more scopes separated by spaces, e.g. `repository:a:pull repository:b:pull`.
    public var scope: String? { parameters["scope"] }
    /// e.g. `insufficient_scope` or `invalid_token`.
    public var error: String? { parameters["error"] }

    /// The scopes in `scope`, or none when it is absent (as on `/v2/`).
    public var scopes: [String] {
        (scope ?? "").split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    }

    /// The challenge to answer among all header values: Bearer before Basic, as containerd does.
    /// Nil when none is Basic or Bearer, including for garbage.
    public static func preferred(from headerValues: [String]) -> AuthChallenge? {
        let all = headerValues.flatMap(parse)
        return all.first { $0.scheme == .bearer } ?? all.first { $0.scheme == .basic }
    }

    /// Every Basic or Bearer challenge in one header value, e.g.
    /// `Bearer realm="https://auth/token",scope="a b", Basic realm="x"`, in order.
    public static func parse(_ headerValue: String) -> [AuthChallenge] {
        var scanner = ChallengeScanner(headerValue)
        var challenges: [AuthChallenge] = []
        var current: (scheme: String, parameters: [String: String])?

        func finishCurrent() {
            if let current, let scheme = Scheme(rawValue: current.scheme.lowercased()) {
                challenges.append(AuthChallenge(scheme: scheme, parameters: current.parameters))
            }
            current = nil
        }

        while !scanner.isAtEnd {
            scanner.skipSeparators()
            guard let name = scanner.token() else {
                scanner.skipUnexpectedCharacter()
                continue
            }
            scanner.skipWhitespace()
            if scanner.take("=") {
                // `name=value` belongs to the challenge being read; one without a scheme is ignored.
                scanner.skipWhitespace()
                let value = scanner.peekIsQuote ? scanner.quotedString() : scanner.bareValue()
                let key = name.lowercased()
                if current != nil, current?.parameters[key] == nil { current?.parameters[key] = value }
            } else {
                // A token that is not a parameter name starts the next challenge.
                finishCurrent()
                current = (name, [:])
            }
        }
        finishCurrent()
        return challenges
    }
}
