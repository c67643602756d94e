import COpenSSL

/// HMAC-SHA256 of `user NUL password` under a key made at random per `CredentialCheck`: what the
/// cache of verified credentials remembers instead of the password. Without the key, a memory dump of
/// the cache gives nothing to test guesses against; with a NUL-free user and password (all that is
/// ever cached), the NUL separates them unambiguously.
struct CredentialFingerprint: Hashable, Sendable {
    private let word0: UInt64
    private let word1: UInt64
    private let word2: UInt64
    private let word3: UInt64

    /// Nil only when libcrypto cannot compute an HMAC, in which case nothing is cached.
    init?(user: String, password: String, key: [UInt8]) {
        var message = Array(user.utf8)
        message.append(0)
        message.append(contentsOf: password.utf8)
        var mac = [UInt8](repeating: 0, count: 32)
        var length = 0
        let result = key.withUnsafeBytes { key in
            message.withUnsafeBufferPointer { message in
                mac.withUnsafeMutableBufferPointer { mac in
                    EVP_Q_mac(nil, "HMAC", nil, "SHA256", nil, key.baseAddress, key.count,
                              message.baseAddress, message.count, mac.baseAddress, mac.count, &length)
                }
            }
        }
        for index in message.indices { message[index] = 0 }
        guard result != nil, length == 32 else { return nil }
        func word(_ offset: Int) -> UInt64 {
            mac[offset..<(offset + 8)].reduce(0) { $0 << 8 | UInt64($1) }
        }
        word0 = word(0)
        word1 = word(8)
        word2 = word(16)
        word3 = word(24)
    }

    /// 32 bytes from the system's cryptographic generator (`getrandom` on Linux).
    static func randomKey() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
