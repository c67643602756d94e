import Testing
@testable import Upstream

@Suite struct TokenCacheTests {
    private actor FetchCounter {
        private(set) var count = 0
        func increment() { count += 1 }
    }

    private let key = TokenCache.Key(realm: "https://auth/token", service: "registry", scopes: ["repository:a:pull"])

    private static func token(_ value: String, lifetime: Duration = .seconds(300)) -> BearerToken {
        BearerToken(value: value, expiresAt: .now + lifetime)
    }

    @Test func concurrentCallersForOneKeyShareOneFetch() async throws {
        let cache = TokenCache()
        let counter = FetchCounter()
        let key = key
        let values = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    try await cache.token(for: key) { () async throws(UpstreamError) -> BearerToken in
                        await counter.increment()
                        try? await Task.sleep(for: .milliseconds(300))
                        return Self.token("shared")
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(await counter.count == 1)
        #expect(values == Array(repeating: "shared", count: 10))
    }

    @Test func aFreshTokenIsReusedWithoutFetching() async throws {
        let cache = TokenCache()
        let counter = FetchCounter()
        for _ in 0..<3 {
            let value = try await cache.token(for: key) { () async throws(UpstreamError) -> BearerToken in
                await counter.increment()
                return Self.token("t")
            }
            #expect(value == "t")
        }
        #expect(await counter.count == 1)
    }

    @Test func anExpiredTokenIsFetchedAgain() async throws {
        let cache = TokenCache()
        let counter = FetchCounter()
        let fetch: TokenCache.Fetch = { () async throws(UpstreamError) -> BearerToken in
            await counter.increment()
            return Self.token("t", lifetime: .seconds(60))
        }
        _ = try await cache.token(for: key, fetch: fetch)
        _ = try await cache.token(for: key, now: .now + .seconds(61), fetch: fetch)
        #expect(await counter.count == 2)
    }

    @Test func differentScopesAreDifferentTokens() async throws {
        let cache = TokenCache()
        let a = try await cache.token(for: key) { () async throws(UpstreamError) -> BearerToken in Self.token("a") }
        let other = TokenCache.Key(realm: key.realm, service: key.service, scopes: ["repository:b:pull"])
        let b = try await cache.token(for: other) { () async throws(UpstreamError) -> BearerToken in Self.token("b") }
        #expect([a, b] == ["a", "b"])
    }

    @Test func scopeOrderDoesNotChangeTheKey() {
        let first = TokenCache.Key(realm: "r", service: "s", scopes: ["repository:b:pull", "repository:a:pull"])
        let second = TokenCache.Key(realm: "r", service: "s", scopes: ["repository:a:pull", "repository:b:pull", "repository:a:pull"])
        #expect(first == second)
    }

    @Test func aFailedFetchIsNotCached() async throws {
        let cache = TokenCache()
        await #expect(throws: UpstreamError.unauthorized(upstream: "u", detail: "no")) {
            try await cache.token(for: key) { () async throws(UpstreamError) -> BearerToken in
                throw .unauthorized(upstream: "u", detail: "no")
            }
        }
        let value = try await cache.token(for: key) { () async throws(UpstreamError) -> BearerToken in Self.token("second try") }
        #expect(value == "second try")
    }

    @Test func aDiscardedTokenIsFetchedAgain() async throws {
        let cache = TokenCache()
        let counter = FetchCounter()
        let fetch: TokenCache.Fetch = { () async throws(UpstreamError) -> BearerToken in
            await counter.increment()
            return Self.token("t\(await counter.count)")
        }
        let first = try await cache.token(for: key, fetch: fetch)
        await cache.discard(tokenValue: first)
        let second = try await cache.token(for: key, fetch: fetch)
        #expect([first, second] == ["t1", "t2"])
    }

    @Test func discardingAnOlderTokenKeepsItsReplacement() async throws {
        let cache = TokenCache()
        _ = try await cache.token(for: key) { () async throws(UpstreamError) -> BearerToken in Self.token("new") }
        await cache.discard(tokenValue: "old")
        let value = try await cache.token(for: key) { () async throws(UpstreamError) -> BearerToken in Self.token("unexpected") }
        #expect(value == "new")
    }
}
