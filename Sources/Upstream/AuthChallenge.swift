/// One `WWW-Authenticate` challenge (RFC 7235): a scheme and its parameters.
public struct AuthChallenge: Sendable, Equatable {
    public enum Scheme: String, Sendable { case basic, bearer }

    public let scheme: Scheme
    /// Parameter names lowercased; values unquoted and unescaped.
    public let parameters: [String: String]

    public var realm: String? { parameters["realm"] }
    public var service: String? { parameters["service"] }
    public var scope: String? { parameters["scope"] }
    public var error: String? { parameters["error"] }

    /// The challenge to answer among all in the header values: Bearer before Basic, as containerd does.
    /// Unknown schemes and garbage yield nil.
    public static func preferred(from headerValues: [String]) -> AuthChallenge? {
        let all = headerValues.flatMap(parse)
        return all.first { $0.scheme == .bearer } ?? all.first { $0.scheme == .basic }
    }

    /// All challenges in one header value, e.g. `Bearer realm="…",scope="a b", Basic realm="x"`.
    public static func parse(_ header: String) -> [AuthChallenge] {
        var scanner = ChallengeScanner(Array(header.utf8))
        var challenges: [AuthChallenge] = []
        var current: (scheme: String, parameters: [String: String])?
        while let token = scanner.nextToken() {
            scanner.skipSpaces()
            if scanner.consume(UInt8(ascii: "=")) {
                // A parameter of the current challenge.
                scanner.skipSpaces()
                let value = scanner.peek() == UInt8(ascii: "\"") ? scanner.quotedString() : (scanner.nextToken() ?? "")
                current?.parameters[token.lowercased()] = value
            } else {
                // A new scheme starts.
                if let done = current { challenges.append(contentsOf: make(done)) }
                current = (token, [:])
            }
            scanner.skipSpaces()
            _ = scanner.consume(UInt8(ascii: ","))
        }
        if let done = current { challenges.append(contentsOf: make(done)) }
        return challenges
    }

    private static func make(_ raw: (scheme: String, parameters: [String: String])) -> [AuthChallenge] {
        guard let scheme = Scheme(rawValue: raw.scheme.lowercased()) else { return [] }
        return [AuthChallenge(scheme: scheme, parameters: raw.parameters)]
    }
}

/// A tiny tokenizer for the challenge grammar: tokens, `=`, `,` and quoted strings with `\` escapes.
private struct ChallengeScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpaces() {
        while let c = peek(), c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { index += 1 }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    /// The next token (skipping stray separators); nil at the end.
    mutating func nextToken() -> String? {
        while true {
            skipSpaces()
            guard let c = peek() else { return nil }
            if isTokenCharacter(c) { break }
            index += 1  // a stray separator or a character outside the grammar
        }
        let start = index
        while let c = peek(), isTokenCharacter(c) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func quotedString() -> String {
        index += 1  // opening quote
        var value: [UInt8] = []
        while let c = peek() {
            index += 1
            if c == UInt8(ascii: "\\"), let escaped = peek() {
                value.append(escaped)
                index += 1
            } else if c == UInt8(ascii: "\"") {
                break
            } else {
                value.append(c)
            }
        }
        return String(decoding: value, as: UTF8.self)
    }

    private func isTokenCharacter(_ c: UInt8) -> Bool {
        // RFC 7230 tchar, plus `/` and `:` so unquoted URLs and scopes survive.
        if c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") || c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") || c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
            return true
        }
        return Array("!#$%&'*+-.^_`|~/:".utf8).contains(c)
    }
}
