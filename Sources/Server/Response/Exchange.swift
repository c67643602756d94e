/// One request on its way to a response: what was asked, by whom and when it arrived (for the access log).
struct Exchange: Sendable {
    let request: RegistryRequest
    let started: ContinuousClock.Instant
    /// The client's address, as the connection knows it (`IP:port`).
    let client: String
    /// The user the connection's verified client certificate names, when `auth.certificateUsers`
    /// is on: the user of a request that carries no credentials.
    var certificateUser: String? = nil
}
