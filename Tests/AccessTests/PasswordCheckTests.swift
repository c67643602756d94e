@testable import Access
import Testing

@Suite struct PasswordCheckTests {
    /// `htpasswd -nbB -C 5 alice 'correct horse'` (Apache 2.4.71).
    static let apacheHash = "$2y$05$7GihUGi4DYiqPQHiaH6m0.S9of/UzwS3YTP8fFzPtPybzsX1QMya."
    /// `htpasswd -nbB -C 4 long` with a 72-byte password followed by "-and-more-after-72".
    static let longHash = "$2y$04$ldzci5Qf8C0EQ2z73EpAWu2u7a6NUQQSoMpeOKi14qP2bzkQVeIp."
    static let first72 = String(repeating: "0123456789", count: 7) + "ab"

    @Test func matchesApacheY2Hashes() {
        #expect(PasswordCheck.matches("correct horse", bcryptHash: Self.apacheHash))
        #expect(!PasswordCheck.matches("correct horse!", bcryptHash: Self.apacheHash))
        #expect(!PasswordCheck.matches("", bcryptHash: Self.apacheHash))
    }

    @Test func matchesTheSameHashUnderEveryPrefix() {
        for prefix in ["$2a$", "$2b$", "$2y$"] {
            let hash = prefix + Self.apacheHash.dropFirst(4)
            #expect(PasswordCheck.matches("correct horse", bcryptHash: hash))
        }
    }

    @Test func matchesAHashMadeByTheLibrary() {
        let hash = PasswordCheck.hash("s3cret", cost: 4)
        #expect(PasswordCheck.matches("s3cret", bcryptHash: hash))
        #expect(PasswordCheck.matches("s3cret", bcryptHash: "$2y$" + hash.dropFirst(4)))
        #expect(!PasswordCheck.matches("s3cre", bcryptHash: hash))
    }

    @Test func onlyTheFirst72BytesOfAPasswordCount() {
        #expect(PasswordCheck.matches(Self.first72 + "-and-more-after-72", bcryptHash: Self.longHash))
        #expect(PasswordCheck.matches(Self.first72, bcryptHash: Self.longHash))
        #expect(PasswordCheck.matches(Self.first72 + "anything", bcryptHash: Self.longHash))
        #expect(!PasswordCheck.matches(String(Self.first72.dropLast()), bcryptHash: Self.longHash))
    }

    @Test func aPasswordWithANulNeverMatches() {
        #expect(!PasswordCheck.matches("correct horse\0tail", bcryptHash: Self.apacheHash))
    }

    @Test func aMalformedHashNeverMatches() {
        #expect(!PasswordCheck.matches("correct horse", bcryptHash: "$2y$05$short"))
        #expect(!PasswordCheck.matches("correct horse", bcryptHash: "correct horse"))
        #expect(!PasswordCheck.matches("", bcryptHash: ""))
    }
}
