import Access
import OCI
import Testing

@Suite struct AccessPolicyTests {
    static func rule(_ pattern: String, _ grant: Grant) -> AccessRule {
        // Patterns in these tests are valid by construction.
        AccessRule(pattern: try! RepositoryPattern(pattern), grant: grant)
    }

    /// Every kind of grant, then a catch-all-free default.
    static let rules = [
        rule("public/**", .anonymous),
        rule("team/**", .authenticated),
        rule("secret/**", .users(["alice", "bob"])),
        rule("empty/**", .users([])),
        rule("closed/**", .nobody),
    ]

    struct Row: Sendable, CustomTestStringConvertible {
        let repository: String?
        let user: String?
        let anonymousRead: Bool
        let decision: AccessDecision
        var testDescription: String {
            "\(repository ?? "<base>") as \(user ?? "<anonymous>") (anonymousRead: \(anonymousRead)) → \(decision)"
        }
    }

    static func rows(_ repository: String?, anonymous: AccessDecision, alice: AccessDecision, carol: AccessDecision, anonymousRead: Bool) -> [Row] {
        [
            Row(repository: repository, user: nil, anonymousRead: anonymousRead, decision: anonymous),
            Row(repository: repository, user: "alice", anonymousRead: anonymousRead, decision: alice),
            Row(repository: repository, user: "carol", anonymousRead: anonymousRead, decision: carol),
        ]
    }

    @Test(arguments: [false, true].flatMap { anonymousRead in
        [
            rows("public/alpine", anonymous: .allow, alice: .allow, carol: .allow, anonymousRead: anonymousRead),
            rows("team/api", anonymous: .challenge, alice: .allow, carol: .allow, anonymousRead: anonymousRead),
            rows("secret/keys", anonymous: .challenge, alice: .allow, carol: .deny, anonymousRead: anonymousRead),
            rows("empty/x", anonymous: .deny, alice: .deny, carol: .deny, anonymousRead: anonymousRead),
            rows("closed/x", anonymous: .deny, alice: .deny, carol: .deny, anonymousRead: anonymousRead),
            rows("library/alpine", anonymous: anonymousRead ? .allow : .challenge, alice: .allow, carol: .allow, anonymousRead: anonymousRead),
            rows(nil, anonymous: .allow, alice: .allow, carol: .allow, anonymousRead: anonymousRead),
        ].flatMap { $0 }
    })
    func decidesByTheFirstMatchingRuleOrTheDefault(_ row: Row) {
        let policy = AccessPolicy(rules: Self.rules, anonymousRead: row.anonymousRead)
        #expect(policy.decide(repository: row.repository, user: row.user) == row.decision)
    }

    @Test func theFirstMatchingRuleWins() {
        let policy = AccessPolicy(rules: [
            Self.rule("team/public", .anonymous),
            Self.rule("team/**", .nobody),
        ], anonymousRead: false)
        #expect(policy.decide(repository: "team/public", user: nil) == .allow)
        #expect(policy.decide(repository: "team/private", user: "alice") == .deny)
    }

    @Test func withNoRulesUsersReadEverythingAndAnonymousClientsOnlyIfAllowed() {
        let closed = AccessPolicy(rules: [], anonymousRead: false)
        #expect(closed.decide(repository: "library/alpine", user: nil) == .challenge)
        #expect(closed.decide(repository: "library/alpine", user: "alice") == .allow)
        #expect(closed.decide(repository: nil, user: nil) == .challenge)
        #expect(closed.decide(repository: nil, user: "alice") == .allow)

        let open = AccessPolicy(rules: [], anonymousRead: true)
        #expect(open.decide(repository: "library/alpine", user: nil) == .allow)
        #expect(open.decide(repository: nil, user: nil) == .allow)
    }

    @Test func theBaseEndpointLetsAnonymousClientsInWhenSomeRuleGrantsAnonymousRead() {
        let policy = AccessPolicy(rules: [Self.rule("public/**", .anonymous)], anonymousRead: false)
        #expect(policy.decide(repository: nil, user: nil) == .allow)
        #expect(policy.decide(repository: "private/x", user: nil) == .challenge)
    }

    @Test func theBaseEndpointChallengesAnonymousClientsWhenNothingIsAnonymous() {
        let policy = AccessPolicy(rules: [Self.rule("team/**", .authenticated), Self.rule("x", .users(["a"]))], anonymousRead: false)
        #expect(policy.decide(repository: nil, user: nil) == .challenge)
        #expect(policy.decide(repository: nil, user: "anyone") == .allow)
    }

    @Test func nobodyClosesARepositoryEvenWhenAnonymousReadIsOn() {
        let policy = AccessPolicy(rules: [Self.rule("retired/**", .nobody)], anonymousRead: true)
        #expect(policy.decide(repository: "retired/old", user: nil) == .deny)
        #expect(policy.decide(repository: "retired/old", user: "alice") == .deny)
        #expect(policy.decide(repository: "current/new", user: nil) == .allow)
    }

    @Test func theCatalogListsOnlyWhatTheClientMayRead() {
        let policy = AccessPolicy(rules: Self.rules, anonymousRead: false)
        let names = ["public/alpine", "team/api", "secret/keys", "closed/x", "library/alpine"]
        #expect(names.filter { policy.mayList(repository: $0, user: nil) } == ["public/alpine"])
        #expect(names.filter { policy.mayList(repository: $0, user: "carol") } == ["public/alpine", "team/api", "library/alpine"])
        #expect(names.filter { policy.mayList(repository: $0, user: "alice") } == ["public/alpine", "team/api", "secret/keys", "library/alpine"])
    }
}
