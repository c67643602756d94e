import Access
import Metrics
import Synchronization
import NIOHTTP1
import OCI

/// Client authentication as the server applies it, in one place: who the client is (Basic
/// credentials checked against the htpasswd file, each distinct credential verified with bcrypt once,
/// off the event loop, then answered from memory), and whether it may read what it asks for
/// (`AccessPolicy`). Refusals carry no content: a `401` with the challenge, or a `403 DENIED`.
///
/// Health probes and requests refused anyway (pushes, bad paths) are not guarded: kubelets and load
/// balancers probe without credentials.
public final class ClientAccess: Sendable {
    let policy: AccessPolicy
    /// The htpasswd users, replaced whole (with an empty verification cache) when the file changes.
    public let credentials: ReloadingFiles<CredentialCheck>
    let failureDelay: Duration
    /// A request without credentials is its client certificate's user (`auth.certificateUsers`).
    let certificateUsers: Bool
    /// `Basic realm="…"`, sent with every 401.
    let challenge: String
    private let failures: Failures

    public init(policy: AccessPolicy, credentials: ReloadingFiles<CredentialCheck>, realm: String, failureDelay: Duration,
                certificateUsers: Bool = false) {
        self.policy = policy
        self.credentials = credentials
        self.failureDelay = failureDelay
        self.certificateUsers = certificateUsers
        challenge = "Basic realm=\"\(realm)\""
        failures = Failures()
    }

    /// Who sent a request, as far as can be told without bcrypt.
    enum Identity {
        case anonymous
        case user(String)
        /// Credentials not verified yet: bcrypt runs once, on the thread pool.
        case unverified(BasicCredentials)
        /// An `Authorization` header that is not Basic credentials.
        case malformed
    }

    /// Credentials, when a request carries them, decide; without, the client certificate's user
    /// (`certificateUser`, set only with `auth.certificateUsers`), else anonymous.
    func identify(_ authorization: String?, certificateUser: String? = nil) -> Identity {
        guard let authorization else { return certificateUser.map(Identity.user) ?? .anonymous }
        guard let credentials = BasicCredentials(authorization: authorization) else { return .malformed }
        guard !credentials.user.isEmpty else { return .malformed }
        return self.credentials.current.cached(credentials) == true ? .user(credentials.user) : .unverified(credentials)
    }

    /// The user, once bcrypt has accepted the password; `.failed` (after `failureDelay`, which
    /// slows guessing) when the user is unknown or the password wrong; `.busy` at once when
    /// `maximumChecks` are under way (a flood of wrong passwords must not queue bcrypt runs without
    /// bound; clients pulling with the same credentials share one run and are not counted apart).
    func verify(_ credentials: BasicCredentials) async -> Verification {
        guard checks.add(1, ordering: .relaxed).newValue <= Self.maximumChecks else {
            checks.subtract(1, ordering: .relaxed)
            failures.busy.increment()
            return .busy
        }
        let matches = await self.credentials.current.verify(credentials)
        checks.subtract(1, ordering: .relaxed)
        if matches { return .user(credentials.user) }
        failures.credentials.increment()
        try? await Task.sleep(for: failureDelay)
        return .failed
    }

    enum Verification {
        case user(String)
        case failed
        case busy
    }

    /// Credential checks at once, beyond which a new one is answered `429` with `Retry-After: 1`.
    static let maximumChecks = 64
    private let checks = Atomic<Int>(0)

    /// Nil when `user` may read `scope`; otherwise the refusal: `401` with the challenge where
    /// credentials could help, `403 DENIED` where they cannot.
    func refusal(_ scope: AccessScope, user: String?, includeBody: Bool) -> Response? {
        let repository: String?
        switch scope {
        case .open: return nil
        case .registry: repository = nil
        case .repository(let name): repository = name
        }
        switch policy.decide(repository: repository, user: user) {
        case .allow:
            return nil
        case .challenge:
            return unauthorized(includeBody: includeBody)
        case .deny:
            let what = repository.map { "repository \($0)" } ?? "this registry"
            return Response.error(RegistryError(.denied, "\(user.map { "user \($0)" } ?? "an anonymous client") may not read \(what)"),
                                  includeBody: includeBody)
        }
    }

    /// `401` with `WWW-Authenticate`, the answer to missing, malformed or wrong credentials.
    func unauthorized(includeBody: Bool, malformed: Bool = false) -> Response {
        if malformed { failures.malformed.increment() }
        var response = Response.error(RegistryError(.unauthorized, malformed ? "the Authorization header must be Basic credentials"
                                                                              : "authentication required"), includeBody: includeBody)
        response.headers.add(name: "WWW-Authenticate", value: challenge)
        return response
    }

    /// `429` with `Retry-After: 1`: too many credential checks under way.
    func busy(includeBody: Bool) -> Response {
        Response.error(RegistryError(.tooManyRequests, "too many credential checks under way; retry in a second", status: 429,
                                     retryAfter: "1"), includeBody: includeBody)
    }

    /// Whether the catalog may name `repository` to `user`.
    func mayList(_ repository: String, user: String?) -> Bool { policy.mayList(repository: repository, user: user) }

    /// `stowage_authentication_failures_total{reason}`: wrong or unknown credentials, `Authorization`
    /// headers that are not Basic credentials, checks refused while too many were under way.
    private struct Failures: Sendable {
        let credentials = Counter(label: "stowage_authentication_failures_total", dimensions: [("reason", "credentials")])
        let malformed = Counter(label: "stowage_authentication_failures_total", dimensions: [("reason", "malformed")])
        let busy = Counter(label: "stowage_authentication_failures_total", dimensions: [("reason", "busy")])
    }
}

/// What a request reads, as client authentication sees it.
enum AccessScope: Equatable {
    /// Nothing guarded: health probes, and requests refused whoever sends them.
    case open
    /// The registry as a whole: the base endpoint (`/v2/`) and the catalog.
    case registry
    /// One repository, named as the request path names it.
    case repository(String)
}

extension Route {
    var accessScope: AccessScope {
        switch self {
        case .health, .blobUpload: .open
        case .base, .catalog: .registry
        case .manifest(let name, _), .blob(let name, _), .tags(let name): .repository(name.value)
        }
    }
}
