import HummingbirdBcrypt

/// Whether a password matches a bcrypt hash from an htpasswd file. Blocking (tens of milliseconds at
/// cost 10–12): call it from a thread pool, as `CredentialCheck` does, never on the cooperative pool.
public enum PasswordCheck {
    /// `$2y$` (Apache htpasswd, PHP) and `$2a$` hashes are checked as `$2b$`, which the bcrypt core
    /// accepts: `$2y$` is the same algorithm under another name, and `$2a$` differs only for passwords
    /// of 255 bytes or more, where the core's 8-bit length wraps around — `$2b$` caps it instead.
    ///
    /// Like every `$2b$` implementation, only the first 72 bytes of the password count: a longer
    /// password matches any other with the same first 72 bytes. Kept as is, because that is what the
    /// hash in the file was made from (htpasswd truncates the same way).
    ///
    /// A password holding a NUL never matches: the C core would stop reading at it.
    public static func matches(_ password: String, bcryptHash: String) -> Bool {
        guard !password.utf8.contains(0) else { return false }
        var hash = bcryptHash
        if hash.hasPrefix("$2y$") || hash.hasPrefix("$2a$") {
            hash = "$2b$" + hash.dropFirst(4)
        }
        return Bcrypt.verify(password, hash: hash)
    }

    /// A `$2b$` hash of `password`, for tests (operators make theirs with `htpasswd -B`). Blocking.
    static func hash(_ password: String, cost: UInt8) -> String {
        Bcrypt.hash(password, cost: cost)
    }
}
