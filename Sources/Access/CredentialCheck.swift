import NIOPosix
import Synchronization

/// Checks Basic credentials against the current htpasswd users, running bcrypt once per distinct
/// credential rather than once per request (a pull is dozens of requests, bcrypt tens of milliseconds).
///
/// - Successes are cached under a keyed fingerprint (`CredentialFingerprint`), never the password,
///   up to `cacheCapacity` entries; when full, the oldest entry makes room.
/// - Failures are not cached: a cache of failures would let anyone evict the good entries by sending
///   wrong passwords, and a brute-force attempt never repeats a guess anyway. Bounding the rate of
///   failed checks is the HTTP front's job.
/// - Concurrent checks of the same credential share one bcrypt run.
/// - An unknown user still costs one bcrypt run (against a dummy hash of the file's highest cost), so
///   response times do not tell which users exist.
/// - `replace` swaps the users and forgets every cached verification; a check that began before it
///   answers for the old file but caches nothing.
public final class CredentialCheck: Sendable {
    public static let defaultCacheCapacity = 4096

    private struct State {
        var users: Htpasswd
        var dummyHash: String
        /// Bumped by `replace`, so a check that began against an older file caches nothing.
        var generation: UInt64 = 0
        var verified: Set<CredentialFingerprint> = []
        /// Insertion order of `verified`, a ring: `oldest` is the next slot to reuse once it is full.
        var order: [CredentialFingerprint] = []
        var oldest = 0
        var inFlight: [CredentialFingerprint: Task<Bool, Never>] = [:]
        /// bcrypt runs started, for tests of the cache.
        var bcryptRuns = 0
    }

    private let state: Mutex<State>
    private let key = CredentialFingerprint.randomKey()
    public let cacheCapacity: Int

    public init(users: Htpasswd, cacheCapacity: Int = CredentialCheck.defaultCacheCapacity) {
        precondition(cacheCapacity > 0, "cacheCapacity must be positive")
        self.cacheCapacity = cacheCapacity
        state = Mutex(State(users: users, dummyHash: Self.dummyHash(for: users)))
    }

    public var userCount: Int { state.withLock { $0.users.count } }

    /// The users' names, sorted (for start-up checks; never their hashes).
    public var userNames: [String] { state.withLock { $0.users.users } }

    /// bcrypt runs so far (tests observe the cache through it).
    var bcryptRuns: Int { state.withLock { $0.bcryptRuns } }

    /// Takes new users (a reloaded file) and forgets every cached verification.
    public func replace(_ users: Htpasswd) {
        let dummyHash = Self.dummyHash(for: users)
        state.withLock { state in
            state.users = users
            state.dummyHash = dummyHash
            state.generation &+= 1
            state.verified.removeAll()
            state.order.removeAll()
            state.oldest = 0
            state.inFlight.removeAll()
        }
    }

    /// True when these credentials were verified since the last `replace`; nil when not known (never
    /// false: failures are not cached). Cheap: one HMAC and a lookup, no bcrypt.
    public func cached(_ credentials: BasicCredentials) -> Bool? {
        guard let fingerprint = fingerprint(of: credentials) else { return nil }
        return state.withLock { $0.verified.contains(fingerprint) } ? true : nil
    }

    /// Whether the credentials match a user's hash. Answers from the cache when it can; otherwise runs
    /// bcrypt on NIO's blocking thread pool (never the cooperative pool) and caches a success.
    /// False if that pool has shut down.
    public func verify(_ credentials: BasicCredentials) async -> Bool {
        // A NUL would end the password early in bcrypt's C code and blur the fingerprint's separator.
        guard !credentials.user.utf8.contains(0), !credentials.password.utf8.contains(0) else { return false }
        let fingerprint = fingerprint(of: credentials)
        let run: Task<Bool, Never>? = state.withLock { state in
            if let fingerprint {
                if state.verified.contains(fingerprint) { return nil }
                if let running = state.inFlight[fingerprint] { return running }
            }
            let hash = state.users.hash(of: credentials.user)
            let task = Task { [self, generation = state.generation, dummyHash = state.dummyHash] in
                let matches = await Self.bcrypt(credentials.password, against: hash ?? dummyHash) && hash != nil
                finish(fingerprint, generation: generation, matches: matches)
                return matches
            }
            state.bcryptRuns += 1
            if let fingerprint { state.inFlight[fingerprint] = task }
            return task
        }
        guard let run else { return true }
        return await run.value
    }

    private func finish(_ fingerprint: CredentialFingerprint?, generation: UInt64, matches: Bool) {
        guard let fingerprint else { return }
        state.withLock { state in
            guard state.generation == generation else { return }
            state.inFlight[fingerprint] = nil
            guard matches, state.verified.insert(fingerprint).inserted else { return }
            if state.order.count < cacheCapacity {
                state.order.append(fingerprint)
            } else {
                state.verified.remove(state.order[state.oldest])
                state.order[state.oldest] = fingerprint
                state.oldest = (state.oldest + 1) % cacheCapacity
            }
        }
    }

    private func fingerprint(of credentials: BasicCredentials) -> CredentialFingerprint? {
        CredentialFingerprint(user: credentials.user, password: credentials.password, key: key)
    }

    private static func bcrypt(_ password: String, against hash: String) async -> Bool {
        (try? await NIOThreadPool.singleton.runIfActive {
            PasswordCheck.matches(password, bcryptHash: hash)
        }) ?? false
    }

    /// A well-formed bcrypt hash that no password is expected to match, at the highest cost in the
    /// file so an unknown user takes as long as the slowest known one (cost 04 for an empty file,
    /// where there is no user to find).
    private static func dummyHash(for users: Htpasswd) -> String {
        let cost = users.hashes.values.compactMap { hash -> Int? in
            let digits = hash.utf8.dropFirst(4).prefix(2)
            return Int(String(decoding: digits, as: UTF8.self))
        }.max() ?? 4
        let costText = cost < 10 ? "0\(cost)" : "\(cost)"
        return "$2b$\(costText)$" + "DummySaltForUnknownUsr" + "DummyHashThatNoPasswordMatches."
    }
}
