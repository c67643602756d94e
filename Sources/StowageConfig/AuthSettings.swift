import Access
import Foundation
import OCI

/// Client authentication (`auth:`, `--htpasswd`): the htpasswd file, the realm of the challenge,
/// whether anonymous clients may read, the delay after a failed attempt, and the rules, validated
/// here (patterns compiled, each rule granting one thing). The htpasswd file itself is read by the
/// server, at start-up and whenever it changes.
public struct AuthSettings: Sendable {
    /// Nil only with `certificateUsers`: every client then identifies by its certificate.
    public var htpasswd: String?
    /// A request without credentials is the user its client certificate's common name names.
    public var certificateUsers: Bool
    public var realm: String
    public var failureDelay: Duration
    public var policy: AccessPolicy
    /// Users the rules name, to warn about those the htpasswd file lacks (it may gain them later).
    public var namedUsers: Set<String>

    public static let defaultRealm = "Stowage"
    public static let defaultFailureDelay: Duration = .seconds(1)

    /// `clientCA`: whether TLS verifies client certificates (`tls.clientCA`), which `certificateUsers` needs.
    static func resolve(file: ConfigFile.Auth?, overrides: ServeOverrides, clientCA: Bool) throws(ConfigError) -> AuthSettings? {
        guard file != nil || overrides.htpasswd != nil else { return nil }
        let htpasswdKey = overrides.htpasswd != nil ? "--htpasswd" : "auth.htpasswd"
        let certificateUsers = file?.certificateUsers ?? false
        if certificateUsers && !clientCA {
            throw ConfigError(key: "auth.certificateUsers", problem: "needs client certificates: set tls.clientCA (or --tls-client-ca) to the CA that signs them")
        }
        let htpasswd = overrides.htpasswd ?? file?.htpasswd
        if htpasswd == nil && !certificateUsers {
            throw ConfigError(key: "auth.htpasswd", problem: "is required with auth: an htpasswd file of bcrypt hashes (htpasswd -B -c FILE USER), or certificateUsers: true with tls.clientCA")
        }
        if let htpasswd, !FileManager.default.isReadableFile(atPath: htpasswd) {
            throw ConfigError(key: htpasswdKey, problem: "cannot read \(htpasswd)")
        }
        let realm = file?.realm ?? defaultRealm
        guard !realm.isEmpty, realm.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F && $0 != "\"" && $0 != "\\" }) else {
            throw ConfigError(key: "auth.realm", problem: "must be printable text without quotes or backslashes (it is sent in WWW-Authenticate)")
        }
        var failureDelay = defaultFailureDelay
        if let text = file?.failureDelay {
            failureDelay = try ServeSettings.duration(text, key: "auth.failureDelay", allowZero: true)
        }
        var rules: [AccessRule] = []
        var namedUsers: Set<String> = []
        for (index, rule) in (file?.rules ?? []).enumerated() {
            let key = "auth.rules[\(index)]"
            guard let text = rule.repositories else {
                throw ConfigError(key: "\(key).repositories", problem: "is required: a pattern such as vendor/** or {a,b}/*")
            }
            let pattern: RepositoryPattern
            do {
                pattern = try RepositoryPattern(text)
            } catch {
                throw ConfigError(key: "\(key).repositories", problem: "\(error)")
            }
            let grant: Grant
            switch (rule.access, rule.users) {
            case (let access?, nil):
                switch access {
                case "anonymous": grant = .anonymous
                case "authenticated": grant = .authenticated
                case "nobody": grant = .nobody
                default:
                    throw ConfigError(key: "\(key).access", problem: "must be anonymous, authenticated or nobody (got \"\(access)\"), or name the users instead")
                }
            case (nil, let users?):
                guard !users.isEmpty, users.allSatisfy({ !$0.isEmpty && !$0.contains(":") }) else {
                    throw ConfigError(key: "\(key).users", problem: "must list user names of the htpasswd file (use access: nobody to close a repository)")
                }
                grant = .users(Set(users))
                namedUsers.formUnion(users)
            case (nil, nil):
                throw ConfigError(key: key, problem: "needs access (anonymous, authenticated or nobody) or users")
            case (_?, _?):
                throw ConfigError(key: key, problem: "gives both access and users: give one")
            }
            rules.append(AccessRule(pattern: pattern, grant: grant))
        }
        return AuthSettings(htpasswd: htpasswd, certificateUsers: certificateUsers, realm: realm, failureDelay: failureDelay,
                            policy: AccessPolicy(rules: rules, anonymousRead: file?.anonymousRead ?? false), namedUsers: namedUsers)
    }
}
