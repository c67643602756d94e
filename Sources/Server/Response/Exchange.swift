/// One request on its way to a response: what was asked and when it arrived (for the access log).
struct Exchange: Sendable {
    let request: RegistryRequest
    let started: ContinuousClock.Instant
}
