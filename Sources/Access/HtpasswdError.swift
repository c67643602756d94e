/// A line of an htpasswd file that cannot be used. Messages name the line, the user and the kind of
/// hash, never the hash or anything that could be a password: they end up in logs.
public struct HtpasswdError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number in the file.
    public let line: Int
    public let problem: String

    public init(line: Int, problem: String) {
        self.line = line
        self.problem = problem
    }

    public var description: String { "htpasswd line \(line): \(problem)" }
}
