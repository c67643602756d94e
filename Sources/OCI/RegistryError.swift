/// An error a client sees: an OCI code (which fixes the HTTP status), a message, and the extra
/// headers the status needs (`Retry-After` on 429, `Warning`). The HTTP front renders it; every
/// layer below speaks only this type, so one place decides each status.
public struct RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    /// Overrides the code's usual status (an upstream that times out is 504, unreachable 502).
    public var status: Int
    /// `Retry-After` verbatim from the upstream.
    public var retryAfter: String?

    public init(_ code: ErrorCode, _ message: String, status: Int? = nil, retryAfter: String? = nil) {
        self.code = code
        self.message = message
        self.status = status ?? code.httpStatus
        self.retryAfter = retryAfter
    }

    public var description: String { "\(status) \(code.rawValue): \(message)" }

    public static func nameInvalid(_ name: String) -> RegistryError {
        if name != name.lowercased(), RepositoryName(name.lowercased()) != nil {
            return RegistryError(.nameInvalid, "invalid repository name \(quoted(name)): repository names must be lowercase")
        }
        return RegistryError(.nameInvalid, "invalid repository name \(quoted(name))")
    }
    public static func digestInvalid(_ digest: String) -> RegistryError {
        RegistryError(.digestInvalid, "invalid digest \(quoted(digest))")
    }
    public static func tagInvalid(_ tag: String) -> RegistryError {
        RegistryError(.tagInvalid, "invalid tag \(quoted(tag))", status: 400)
    }
    public static func unsupported(_ what: String) -> RegistryError {
        RegistryError(.unsupported, what)
    }

    /// The JSON body: `{"errors":[{"code":…,"message":…,"detail":{}}]}`.
    public var jsonBody: String {
        #"{"errors":[{"code":"\#(code.rawValue)","message":"\#(jsonEscaped(message))","detail":{}}]}"#
    }
}

/// Client input echoed in a message: truncated and stripped of control characters.
func quoted(_ input: String) -> String {
    let clean = String(input.unicodeScalars.prefix(200).map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
    return "\"\(clean)\(input.unicodeScalars.count > 200 ? "…" : "")\""
}

public func jsonEscaped(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
