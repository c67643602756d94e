/// What an htpasswd hash field is, told by its shape alone, so a refusal can name the kind without
/// printing any of the field.
enum HtpasswdHashKind: Equatable {
    case bcrypt
    case malformedBcrypt
    case md5
    case sha1
    case sha256Crypt
    case sha512Crypt
    case otherModularCrypt
    case desCrypt
    case empty
    case unrecognised

    init(_ hash: Substring) {
        if hash.isEmpty {
            self = .empty
        } else if hash.hasPrefix("$2a$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2y$") {
            self = Self.isWellFormedBcrypt(hash) ? .bcrypt : .malformedBcrypt
        } else if hash.hasPrefix("$apr1$") || hash.hasPrefix("$1$") {
            self = .md5
        } else if hash.hasPrefix("{SHA}") {
            self = .sha1
        } else if hash.hasPrefix("$5$") {
            self = .sha256Crypt
        } else if hash.hasPrefix("$6$") {
            self = .sha512Crypt
        } else if hash.hasPrefix("$2x$") || hash.hasPrefix("$argon2") || hash.hasPrefix("$y$") || hash.hasPrefix("$7$") {
            self = .otherModularCrypt
        } else if hash.utf8.count == 13, hash.utf8.allSatisfy(Self.isBcryptBase64) {
            // Traditional DES crypt: 2 salt + 11 hash characters (htpasswd -d).
            self = .desCrypt
        } else {
            self = .unrecognised
        }
    }

    /// `$2?$` + two-digit cost in 04...31 + `$` + 22 salt and 31 hash characters of bcrypt's base64.
    private static func isWellFormedBcrypt(_ hash: Substring) -> Bool {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, bytes[6] == UInt8(ascii: "$") else { return false }
        guard let tens = digit(bytes[4]), let ones = digit(bytes[5]), (4...31).contains(tens * 10 + ones) else { return false }
        return bytes[7...].allSatisfy(isBcryptBase64)
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func isBcryptBase64(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"): true
        default: false
        }
    }

    private static let fix = "only bcrypt is accepted: set the password again with `htpasswd -B <file> <user>`"

    /// The rest of "user … has …": the kind by name or fixed prefix only.
    var refusal: String {
        switch self {
        case .bcrypt: "a bcrypt hash"
        case .malformedBcrypt: "a malformed bcrypt hash (expected $2y$, $2b$ or $2a$, a cost from 04 to 31, '$' and 53 characters); \(Self.fix)"
        case .md5: "an MD5 hash ($apr1$, htpasswd's default without -B); \(Self.fix)"
        case .sha1: "a SHA-1 hash ({SHA}, `htpasswd -s`); \(Self.fix)"
        case .sha256Crypt: "a SHA-256 crypt hash ($5$); \(Self.fix)"
        case .sha512Crypt: "a SHA-512 crypt hash ($6$); \(Self.fix)"
        case .otherModularCrypt: "a hash of a kind Stowage does not verify; \(Self.fix)"
        case .desCrypt: "what looks like a DES crypt hash (`htpasswd -d`); \(Self.fix)"
        case .empty: "no hash after ':'; \(Self.fix)"
        case .unrecognised: "no recognised hash (a password in plain text?); \(Self.fix)"
        }
    }
}
