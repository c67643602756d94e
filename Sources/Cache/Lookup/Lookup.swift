/// What the cache can say about a request at once, from one read of the store: the answer, or
/// what it found so far, which the asynchronous part continues from (so nothing is routed or read
/// from the store twice).
public enum Lookup<Answer, Pending> {
    /// Answered from the store alone: no upstream request, no waiting.
    case answered(Answer)
    /// The upstream must be asked; the value carries the route and what the store held.
    case pending(Pending)
}

extension Lookup: Sendable where Answer: Sendable, Pending: Sendable {}
