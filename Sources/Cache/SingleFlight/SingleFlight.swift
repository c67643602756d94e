import Synchronization

/// One piece of work per key at a time, shared by every caller that asks while it is in flight
/// (invariant 3 for blobs; one upstream request per manifest reference). Used for manifest requests
/// (`CachedUpstream.manifestRequests`) and blob fetches (`PullThroughCache.blobFetches`).
///
/// | state when a caller arrives      | result                                                      |
/// |----------------------------------|-------------------------------------------------------------|
/// | no flight for the key            | it leads a new flight: `work` starts on a task of its own   |
/// | a flight is running or not yet released | it joins: the same task, whose leader (`owner`) it learns |
/// | the flight was released          | as "no flight": the next caller leads a new one             |
///
/// The work runs on its own task, so a caller that leaves (its client disconnected, its task
/// cancelled) does not cancel it for the others. A flight is released when its work returns or
/// throws, or, with `releasedWhenDone: false`, when the work calls `release` (a blob fetch stays
/// joinable until the download has been committed or has failed, long after its start returned).
/// A release that comes after a newer flight took the key leaves the newer one alone.
final class SingleFlight<Key: Hashable & Sendable, Value: Sendable, Owner: Sendable>: Sendable {
    struct Joined: Sendable {
        let task: Task<Value, any Error>
        /// Who started the flight.
        let owner: Owner
        /// Whether this caller started it.
        let isLeader: Bool

        var value: Value {
            get async throws { try await task.value }
        }
    }

    private struct Flight {
        let task: Task<Value, any Error>
        let owner: Owner
        let generation: UInt64
    }

    private let flights = Mutex<(running: [Key: Flight], generation: UInt64)>(([:], 0))

    init() {}

    /// Joins the flight for `key`, or leads a new one that runs `work` (which receives `release`).
    func join(_ key: Key, owner: Owner, releasedWhenDone: Bool = true,
              _ work: @escaping @Sendable (_ release: @escaping @Sendable () -> Void) async throws -> Value) -> Joined {
        flights.withLock { state in
            if let flight = state.running[key] {
                return Joined(task: flight.task, owner: flight.owner, isLeader: false)
            }
            state.generation += 1
            let generation = state.generation
            // Takes the lock, so it cannot run before this flight is recorded below.
            let release: @Sendable () -> Void = { [self] in
                flights.withLock { state in
                    if state.running[key]?.generation == generation { state.running.removeValue(forKey: key) }
                }
            }
            let task = Task {
                defer { if releasedWhenDone { release() } }
                return try await work(release)
            }
            state.running[key] = Flight(task: task, owner: owner, generation: generation)
            return Joined(task: task, owner: owner, isLeader: true)
        }
    }

    /// The flight for `key`, if one is running or not yet released.
    func running(_ key: Key) -> Joined? {
        flights.withLock { state in
            state.running[key].map { Joined(task: $0.task, owner: $0.owner, isLeader: false) }
        }
    }
}

extension SingleFlight where Owner == Void {
    /// The value of the flight for `key`, joined or led.
    func run(_ key: Key, _ work: @escaping @Sendable () async throws -> Value) async throws -> Value {
        try await join(key, owner: ()) { _ in try await work() }.value
    }
}
