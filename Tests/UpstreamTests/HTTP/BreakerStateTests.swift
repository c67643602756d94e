@testable import Upstream
import Testing

@Suite struct BreakerStateTests {
    let start = ContinuousClock.now
    let policy = BreakerPolicy(threshold: 2, backoff: .seconds(10), maximumBackoff: .seconds(30), probeTimeout: .seconds(5))

    func opened() -> BreakerState {
        var state = BreakerState(policy: policy)
        _ = state.failed(at: start)
        _ = state.failed(at: start)
        return state
    }

    @Test func failuresBelowTheThresholdKeepItClosed() {
        var state = BreakerState(policy: policy)
        let opened = state.failed(at: start)
        let admission = state.admit(at: start)
        #expect(!opened)
        #expect(admission == .allowed)
    }

    @Test func theThresholdOpensItAndRequestsAreRejectedWithTheTimeLeft() {
        var state = opened()
        let admission = state.admit(at: start + .seconds(4))
        #expect(admission == .rejected(retryIn: .seconds(6)))
    }

    @Test func afterTheBackoffExactlyOneRequestProbes() {
        var state = opened()
        let first = state.admit(at: start + .seconds(10))
        let second = state.admit(at: start + .seconds(11))
        #expect(first == .probe)
        #expect(second == .rejected(retryIn: .seconds(4)))
    }

    @Test func aSuccessfulProbeClosesIt() {
        var state = opened()
        _ = state.admit(at: start + .seconds(10))
        state.succeeded()
        let admission = state.admit(at: start + .seconds(10))
        #expect(admission == .allowed)
    }

    @Test func aFailedProbeDoublesTheBackoffUpToTheMaximum() {
        var state = opened()
        _ = state.admit(at: start + .seconds(10))
        let reopened = state.failed(at: start + .seconds(10))
        let admission = state.admit(at: start + .seconds(29))
        #expect(reopened)
        #expect(admission == .rejected(retryIn: .seconds(1)))
        _ = state.admit(at: start + .seconds(30))
        _ = state.failed(at: start + .seconds(30))
        #expect(state.phase == .open(until: start + .seconds(60), backoff: .seconds(30)))
    }

    @Test func aProbeThatNeverReturnsLetsAnotherProbeAfterTheProbeTimeout() {
        var state = opened()
        let first = state.admit(at: start + .seconds(10))
        let again = state.admit(at: start + .seconds(15))
        #expect(first == .probe)
        #expect(again == .probe)
    }
}
