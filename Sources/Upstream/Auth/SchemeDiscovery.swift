import Synchronization

/// Which challenge the upstream answers with, learnt once from its first answer, and who finds out.
///
/// Stowage does not send credentials before the upstream has asked for them: it cannot know the
/// scheme beforehand, and a password sent unasked would reach registries that expect a token
/// exchange (only their token service should see it), and could turn a working anonymous pull into
/// a refusal when the credentials are stale. So the first answer costs one 401. Without this gate,
/// every request that started before that answer came back paid its own 401 (a cold start or a
/// preseed asks for several repositories at once); with it, one request goes out to find out and the
/// others wait for its answer, then authenticate up front.
///
/// States: `unknown` (nothing answered yet; the next request to `admit` is the probe) → `probing`
/// (the probe is out; others wait) → `known` (the challenge, or none if the probe was let through).
/// A probe that gets no answer (connection failure, timeout, cancellation) returns the state to
/// `unknown` and wakes the waiters; the first of them becomes the next probe. Once known, the state
/// only changes its challenge (a later 401 with another challenge replaces it). A wait is bounded
/// by the probe's own deadline (the upstream's response-head timeout).
final class SchemeDiscovery: Sendable {
    private enum Phase {
        case unknown
        case probing(waiters: [CheckedContinuation<Void, Never>])
        case known
    }

    private let state = Mutex<(phase: Phase, challenge: AuthChallenge?)>((.unknown, nil))

    /// The challenge learnt so far; nil while unknown or when the upstream asked for none.
    var challenge: AuthChallenge? { state.withLock { $0.challenge } }

    /// Waits while another request is finding out. Returns true when the caller is the probe: it
    /// then must report its answer with `learn` or its failure with `probeFailed`.
    func admit() async -> Bool {
        while true {
            enum Turn { case go, probe, wait }
            let turn = state.withLock { state -> Turn in
                switch state.phase {
                case .known: return .go
                case .probing: return .wait
                case .unknown:
                    state.phase = .probing(waiters: [])
                    return .probe
                }
            }
            switch turn {
            case .go: return false
            case .probe: return true
            case .wait:
                await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                    let wakeNow = state.withLock { state -> Bool in
                        guard case .probing(var waiters) = state.phase else { return true }
                        waiters.append(waiter)
                        state.phase = .probing(waiters: waiters)
                        return false
                    }
                    if wakeNow { waiter.resume() }
                }
            }
        }
    }

    /// Records an answer of the upstream: the challenge of a 401, or nil for a response that asked
    /// for nothing (which keeps a challenge learnt earlier). Wakes the requests waiting for it.
    func learn(_ challenge: AuthChallenge?) {
        settle { state in
            if let challenge { state.challenge = challenge }
            state.phase = .known
        }
    }

    /// The probe got no answer: the next request finds out instead.
    func probeFailed() {
        settle { state in
            if case .probing = state.phase { state.phase = .unknown }
        }
    }

    private func settle(_ change: (inout (phase: Phase, challenge: AuthChallenge?)) -> Void) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            let waiting: [CheckedContinuation<Void, Never>]
            if case .probing(let waiters) = state.phase { waiting = waiters } else { waiting = [] }
            change(&state)
            return waiting
        }
        for waiter in waiters { waiter.resume() }
    }
}
