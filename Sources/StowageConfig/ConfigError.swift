/// A configuration problem, naming the key (as written in the YAML, or the flag) and what is wrong.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public let key: String
    public let problem: String

    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }

    public var description: String { "\(key): \(problem)" }
}
