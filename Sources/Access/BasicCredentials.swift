/// A user and password from an `Authorization: Basic …` header (RFC 7617).
///
/// The password never appears in `description`, `debugDescription` or a `dump`: values like this end up
/// in log lines and test failures.
public struct BasicCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let user: String
    public let password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// Parses a header value: the scheme `Basic` in any case, one or more spaces, then standard base64
    /// (padding optional) of UTF-8 `user:password`, split at the first `:` (a password may hold `:`).
    /// Nil for any other scheme, bad base64, no `:`, text that is not UTF-8, or control characters
    /// (RFC 7617 forbids them, and a NUL would end the password early in bcrypt's C code).
    public init?(authorization: String) {
        var value = Substring(authorization)
        value = value.drop { $0 == " " || $0 == "\t" }
        guard value.count > 5, value.prefix(5).lowercased() == "basic" else { return nil }
        value = value.dropFirst(5)
        guard let first = value.first, first == " " || first == "\t" else { return nil }
        value = value.drop { $0 == " " || $0 == "\t" }
        while let last = value.last, last == " " || last == "\t" { value = value.dropLast() }
        guard let bytes = Self.decodeBase64(value.utf8),
              let text = String(validating: bytes, as: UTF8.self),
              let colon = text.firstIndex(of: ":") else { return nil }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        self.user = String(text[..<colon])
        self.password = String(text[text.index(after: colon)...])
    }

    public var description: String { "BasicCredentials(user: \"\(user)\", password: <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["user": user, "password": "<redacted>"]) }

    /// Standard alphabet (`+` and `/`). `=` padding may be left out, but when present it must complete
    /// the last group of four; anything else (spaces inside, URL-safe `-`/`_`, a lone sixth bit) is refused.
    private static func decodeBase64(_ text: Substring.UTF8View) -> [UInt8]? {
        var digits: [UInt8] = []
        digits.reserveCapacity(text.count)
        var padding = 0
        for byte in text {
            if byte == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            guard padding == 0, let digit = base64Digit(byte) else { return nil }
            digits.append(digit)
        }
        guard !digits.isEmpty, digits.count % 4 != 1 else { return nil }
        if padding > 0, (digits.count + padding) % 4 != 0 || padding > 2 { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count * 3 / 4)
        var index = 0
        while index < digits.count {
            let group = digits[index..<min(index + 4, digits.count)]
            let values = Array(group) + [UInt8](repeating: 0, count: 4 - group.count)
            let combined = UInt32(values[0]) << 18 | UInt32(values[1]) << 12 | UInt32(values[2]) << 6 | UInt32(values[3])
            let decoded = [UInt8(combined >> 16 & 0xFF), UInt8(combined >> 8 & 0xFF), UInt8(combined & 0xFF)]
            bytes.append(contentsOf: decoded.prefix(group.count - 1))
            index += 4
        }
        return bytes
    }

    private static func base64Digit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
