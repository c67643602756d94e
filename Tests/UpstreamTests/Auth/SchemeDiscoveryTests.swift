import Testing
@testable import Upstream

@Suite struct SchemeDiscoveryTests {
    let basic = AuthChallenge(scheme: .basic, parameters: ["realm": "r"])

    /// Admits `count` requests at once; returns how many were the probe, once all are through.
    func admitConcurrently(_ discovery: SchemeDiscovery, _ count: Int, whileProbing: @escaping @Sendable () async -> Void) async -> Int {
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<count {
                group.addTask {
                    let probing = await discovery.admit()
                    if probing { await whileProbing() }
                    return probing
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    @Test func theFirstRequestFindsOutAndTheOthersWaitForItsAnswer() async {
        let discovery = SchemeDiscovery()
        let basic = basic
        let probes = await admitConcurrently(discovery, 10) {
            try? await Task.sleep(for: .milliseconds(50))
            discovery.learn(basic)
        }
        #expect(probes == 1)
        #expect(discovery.challenge == basic)
    }

    @Test func onceKnownEveryRequestGoesAtOnce() async {
        let discovery = SchemeDiscovery()
        #expect(await discovery.admit())
        discovery.learn(basic)
        #expect(await discovery.admit() == false)
        #expect(await discovery.admit() == false)
    }

    @Test func aProbeWithoutAnAnswerHandsTheQuestionToTheNextRequest() async {
        let discovery = SchemeDiscovery()
        #expect(await discovery.admit())
        let waiting = Task { await discovery.admit() }
        try? await Task.sleep(for: .milliseconds(50))
        discovery.probeFailed()
        #expect(await waiting.value, "the waiting request becomes the next probe")
        #expect(discovery.challenge == nil)
    }

    @Test func anAnswerWithoutChallengeKeepsTheChallengeLearntBefore() async {
        let discovery = SchemeDiscovery()
        #expect(await discovery.admit())
        discovery.learn(basic)
        discovery.learn(nil)
        #expect(discovery.challenge == basic)
    }

    @Test func anUpstreamThatAskedForNothingLetsRequestsGoWithoutCredentials() async {
        let discovery = SchemeDiscovery()
        #expect(await discovery.admit())
        discovery.learn(nil)
        #expect(await discovery.admit() == false)
        #expect(discovery.challenge == nil)
    }
}
