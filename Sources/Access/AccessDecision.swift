/// What the HTTP front answers for a request, given who presented which credentials.
public enum AccessDecision: Sendable, Equatable {
    case allow
    /// 401 with a `WWW-Authenticate: Basic` challenge: credentials could change the answer.
    case challenge
    /// 403: the client is known (or anonymous where no credentials could help) and may not read this.
    case deny
}
