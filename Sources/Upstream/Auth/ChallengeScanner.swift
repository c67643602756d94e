/// Reads the pieces of a `WWW-Authenticate` value: tokens, `=`, commas and quoted strings with
/// backslash escapes. It never fails: anything outside the grammar is skipped a byte at a time.
struct ChallengeScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var isAtEnd: Bool { index >= bytes.count }
    var peekIsQuote: Bool { peek == UInt8(ascii: "\"") }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
    }

    /// Whitespace and the commas between parameters and between challenges.
    mutating func skipSeparators() {
        while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: ",") {
            index += 1
        }
    }

    mutating func skipUnexpectedCharacter() {
        if !isAtEnd { index += 1 }
    }

    mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard peek == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    /// An RFC 7230 token (a scheme or parameter name), or nil if none starts here.
    mutating func token() -> String? {
        let start = index
        while let byte = peek, Self.isTokenCharacter(byte) { index += 1 }
        return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
    }

    /// An unquoted value: up to the next comma or whitespace, so `realm=https://a/token` survives.
    mutating func bareValue() -> String {
        let start = index
        while let byte = peek, byte != UInt8(ascii: ","), byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t") { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// A quoted string starting at `"`; `\x` stands for `x`. An unterminated one runs to the end.
    mutating func quotedString() -> String {
        index += 1
        var value: [UInt8] = []
        while let byte = peek {
            index += 1
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\"), let escaped = peek {
                value.append(escaped)
                index += 1
            } else {
                value.append(byte)
            }
        }
        return String(decoding: value, as: UTF8.self)
    }

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            tokenSymbols.contains(byte)
        }
    }

    private static let tokenSymbols = Array("!#$%&'*+-.^_`|~".utf8)
}
