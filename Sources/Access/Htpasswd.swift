/// The users of an htpasswd file and their bcrypt hashes.
///
/// Only bcrypt is accepted (what `htpasswd -B` writes, and what distribution and zot accept): MD5,
/// SHA-1, crypt and plain text are refused when the file is read, so a weak entry fails loudly at start
/// instead of being an account nobody can log in to.
public struct Htpasswd: Sendable {
    /// User → bcrypt hash. Internal: hashes are offline-crackable and stay inside this module.
    let hashes: [String: String]

    init(hashes: [String: String]) {
        self.hashes = hashes
    }

    /// No users at all (every credential check fails).
    public static let empty = Htpasswd(hashes: [:])

    /// The user names, sorted (for logging who is configured).
    public var users: [String] { hashes.keys.sorted() }

    public var count: Int { hashes.count }

    func hash(of user: String) -> String? { hashes[user] }

    /// `user:hash` per line; blank lines and `#` comments are skipped, `\r\n` line ends and surrounding
    /// whitespace are tolerated.
    public static func parse(_ contents: String) throws(HtpasswdError) -> Htpasswd {
        var hashes: [String: String] = [:]
        var firstLine: [String: Int] = [:]
        // "\r\n" is one Character in Swift, so it must be named as a separator of its own.
        let lines = contents.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (offset, rawLine) in lines.enumerated() {
            let lineNumber = offset + 1
            let line = trimmingWhitespace(rawLine)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw HtpasswdError(line: lineNumber, problem: "has no ':' between the user and the hash")
            }
            let user = String(line[..<colon])
            let hash = line[line.index(after: colon)...]
            guard !user.isEmpty else {
                throw HtpasswdError(line: lineNumber, problem: "the user before ':' is empty")
            }
            let kind = HtpasswdHashKind(hash)
            guard kind == .bcrypt else {
                throw HtpasswdError(line: lineNumber, problem: "user \"\(user)\" has \(kind.refusal)")
            }
            if let earlier = firstLine[user] {
                throw HtpasswdError(line: lineNumber, problem: "user \"\(user)\" appears again (first on line \(earlier)); keep one line per user")
            }
            hashes[user] = String(hash)
            firstLine[user] = lineNumber
        }
        return Htpasswd(hashes: hashes)
    }

    /// Without leading and trailing spaces and tabs (and a lone `\r` left by odd line ends).
    private static func trimmingWhitespace(_ line: Substring) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = line.firstIndex(where: { !isSpace($0) }),
              let last = line.lastIndex(where: { !isSpace($0) }) else { return line[line.endIndex...] }
        return line[first...last]
    }
}
