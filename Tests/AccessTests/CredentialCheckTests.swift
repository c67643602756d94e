@testable import Access
import Testing

@Suite struct CredentialCheckTests {
    /// Cost 4 keeps each bcrypt run around a millisecond.
    static func users(_ entries: [(user: String, password: String)]) throws -> Htpasswd {
        try Htpasswd.parse(entries.map { "\($0.user):\(PasswordCheck.hash($0.password, cost: 4))" }.joined(separator: "\n"))
    }

    static let alice = BasicCredentials(user: "alice", password: "correct horse")

    @Test func acceptsTheRightPassword() async throws {
        let check = CredentialCheck(users: try Self.users([("alice", "correct horse")]))
        #expect(await check.verify(Self.alice))
    }

    @Test func acceptsApacheY2Hashes() async throws {
        let check = CredentialCheck(users: try Htpasswd.parse(HtpasswdTests.aliceLine))
        #expect(await check.verify(Self.alice))
    }

    @Test func refusesAWrongPassword() async throws {
        let check = CredentialCheck(users: try Self.users([("alice", "correct horse")]))
        #expect(await !check.verify(BasicCredentials(user: "alice", password: "wrong")))
    }

    @Test func refusesAnotherUsersPassword() async throws {
        let check = CredentialCheck(users: try Self.users([("alice", "correct horse"), ("bob", "battery")]))
        #expect(await !check.verify(BasicCredentials(user: "bob", password: "correct horse")))
    }

    @Test func anUnknownUserIsRefusedAfterOneBcryptRun() async throws {
        let check = CredentialCheck(users: try Self.users([("alice", "correct horse")]))
        #expect(await !check.verify(BasicCredentials(user: "mallory", password: "correct horse")))
        #expect(check.bcryptRuns == 1)
    }

    @Test func anEmptyFileRefusesEveryone() async {
        let check = CredentialCheck(users: .empty)
        #expect(await !check.verify(Self.alice))
        #expect(check.userCount == 0)
    }

    @Test func aVerifiedCredentialIsThenAnsweredFromTheCache() async throws {
        let check = CredentialCheck(users: try Self.users([("alice", "correct horse")]))
        #expect(check.cached(Self.alice) == nil)
        #expect(await check.verify(Self.alice))
        #expect(check.cached(Self.alice) == true)
        #expect(await check.verify(Self.alice))
        #expect(check.bcryptRuns == 1)
    }

    @Test func failuresAreNotCached() async throws {
        let check = CredentialCheck(users: try Self.users([("alice", "correct horse")]))
        let wrong = BasicCredentials(user: "alice", password: "wrong")
        #expect(await !check.verify(wrong))
        #expect(check.cached(wrong) == nil)
        #expect(await !check.verify(wrong))
        #expect(check.bcryptRuns == 2)
    }

    @Test func theCacheTellsCredentialsApartByPasswordAndUser() async throws {
        let check = CredentialCheck(users: try Self.users([("alice", "correct horse")]))
        #expect(await check.verify(Self.alice))
        #expect(check.cached(BasicCredentials(user: "alice", password: "correct horsE")) == nil)
        #expect(check.cached(BasicCredentials(user: "alic", password: "ecorrect horse")) == nil)
        #expect(check.cached(BasicCredentials(user: "alice\0correct", password: "horse")) == nil)
    }

    @Test func concurrentChecksOfOneCredentialShareOneBcryptRun() async throws {
        let check = CredentialCheck(users: try Self.users([("alice", "correct horse")]))
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 { group.addTask { await check.verify(Self.alice) } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 20))
        #expect(check.bcryptRuns == 1)
    }

    @Test func replacingTheUsersForgetsTheCache() async throws {
        let check = CredentialCheck(users: try Self.users([("alice", "correct horse")]))
        #expect(await check.verify(Self.alice))
        check.replace(try Self.users([("alice", "new password"), ("bob", "battery")]))
        #expect(check.cached(Self.alice) == nil)
        #expect(await !check.verify(Self.alice))
        #expect(await check.verify(BasicCredentials(user: "alice", password: "new password")))
        #expect(check.userCount == 2)
    }

    @Test func aRemovedUserIsRefusedAfterReplace() async throws {
        let check = CredentialCheck(users: try Self.users([("alice", "correct horse")]))
        #expect(await check.verify(Self.alice))
        check.replace(.empty)
        #expect(await !check.verify(Self.alice))
    }

    @Test func aFullCacheDropsItsOldestEntry() async throws {
        let check = CredentialCheck(users: try Self.users([("a", "1"), ("b", "2"), ("c", "3")]), cacheCapacity: 2)
        let a = BasicCredentials(user: "a", password: "1")
        let b = BasicCredentials(user: "b", password: "2")
        let c = BasicCredentials(user: "c", password: "3")
        #expect(await check.verify(a))
        #expect(await check.verify(b))
        #expect(await check.verify(c))
        #expect(check.cached(a) == nil)
        #expect(check.cached(b) == true)
        #expect(check.cached(c) == true)
    }

    @Test func credentialsHoldingANulAreRefusedWithoutBcrypt() async throws {
        let check = CredentialCheck(users: try Self.users([("alice", "correct horse")]))
        #expect(await !check.verify(BasicCredentials(user: "alice", password: "correct horse\0x")))
        #expect(check.bcryptRuns == 0)
    }
}
