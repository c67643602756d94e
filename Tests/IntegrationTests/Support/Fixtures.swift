/// Upstreams shared by the tests of a run: started once on first use, stopped when the test process
/// exits (the launcher watches its stdin). Tests that stop or pause an upstream start their own.
enum Fixtures {
    private static let basic = Task { try await UpstreamRegistry.start(auth: .htpasswd) }
    private static let token = Task { try await UpstreamRegistry.start(auth: .token) }
    private static let faulty = Task { try await FaultyUpstream.start() }

    static func basicUpstream() async throws -> UpstreamRegistry { try await basic.value }
    static func tokenUpstream() async throws -> UpstreamRegistry { try await token.value }
    static func faultyUpstream() async throws -> FaultyUpstream { try await faulty.value }
}
