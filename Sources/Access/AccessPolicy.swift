import OCI

/// Who may read which repository: ordered rules, first match wins, and a default for the rest.
///
/// `user` is the name of a client whose credentials were verified; nil means the client presented none.
/// Credentials that fail verification are the caller's to answer (a challenge), before asking here.
///
/// | repository              | anonymous                                   | user                |
/// |-------------------------|---------------------------------------------|---------------------|
/// | nil (`/v2/`, catalog)   | allow if `anonymousRead` or any rule grants `.anonymous`, else challenge | allow |
/// | no rule matches         | allow if `anonymousRead`, else challenge    | allow               |
/// | `.anonymous`            | allow                                       | allow               |
/// | `.authenticated`        | challenge                                   | allow               |
/// | `.users(set)`           | challenge (deny if the set is empty)        | allow if in set, else deny |
/// | `.nobody`               | deny                                        | deny                |
///
/// Anonymous clients are challenged only where some credentials could let them in; where none could
/// (`.nobody`, an empty user set) a challenge would only make clients retry, so they are denied.
public struct AccessPolicy: Sendable {
    public let rules: [AccessRule]
    public let anonymousRead: Bool
    /// Whether an anonymous client can read anything at all, so the base endpoint (which clients probe
    /// before pulling) lets it through rather than asking for credentials it does not need.
    private let anonymousReadsSomewhere: Bool

    public init(rules: [AccessRule], anonymousRead: Bool) {
        self.rules = rules
        self.anonymousRead = anonymousRead
        self.anonymousReadsSomewhere = anonymousRead || rules.contains { $0.grant == .anonymous }
    }

    /// The answer for reading `repository` (nil: the base endpoint or the catalog) as `user`.
    public func decide(repository: String?, user: String?) -> AccessDecision {
        guard let repository else {
            return user != nil || anonymousReadsSomewhere ? .allow : .challenge
        }
        guard let rule = rules.first(where: { $0.pattern.matches(repository) }) else {
            return user != nil || anonymousRead ? .allow : .challenge
        }
        switch rule.grant {
        case .anonymous:
            return .allow
        case .authenticated:
            return user != nil ? .allow : .challenge
        case .users(let allowed):
            guard let user else { return allowed.isEmpty ? .deny : .challenge }
            return allowed.contains(user) ? .allow : .deny
        case .nobody:
            return .deny
        }
    }

    /// Whether the catalog shows `repository` to `user`: only what they could read.
    public func mayList(repository: String, user: String?) -> Bool {
        decide(repository: repository, user: user) == .allow
    }
}
