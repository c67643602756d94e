@testable import Access
import Testing

@Suite struct HtpasswdTests {
    /// Written by Apache `htpasswd -nbB -C 5 alice 'correct horse'` (2.4.71).
    static let aliceLine = "alice:$2y$05$7GihUGi4DYiqPQHiaH6m0.S9of/UzwS3YTP8fFzPtPybzsX1QMya."
    /// `htpasswd -nbB -C 4 bob 'pa:ss wörd'`.
    static let bobLine = "bob:$2y$04$SJkXHWK4BWpsgQGMfm4GbevqcnL.8.FJkGsqrg9uwduR0xaTAO2nm"

    @Test func readsApacheBcryptLines() throws {
        let users = try Htpasswd.parse(Self.aliceLine + "\n" + Self.bobLine + "\n")
        #expect(users.users == ["alice", "bob"])
        #expect(users.count == 2)
        #expect(users.hash(of: "alice") == "$2y$05$7GihUGi4DYiqPQHiaH6m0.S9of/UzwS3YTP8fFzPtPybzsX1QMya.")
    }

    @Test func acceptsEveryBcryptPrefix() throws {
        let tail = "05$7GihUGi4DYiqPQHiaH6m0.S9of/UzwS3YTP8fFzPtPybzsX1QMya."
        let users = try Htpasswd.parse("a:$2a$\(tail)\nb:$2b$\(tail)\ny:$2y$\(tail)")
        #expect(users.users == ["a", "b", "y"])
    }

    @Test func skipsBlankLinesAndComments() throws {
        let contents = "# team accounts\n\n   \n" + Self.aliceLine + "\n  # bob left\n"
        #expect(try Htpasswd.parse(contents).users == ["alice"])
    }

    @Test func toleratesCRLFAndTrailingWhitespace() throws {
        let contents = Self.aliceLine + " \t\r\n" + Self.bobLine + "\r\n"
        let users = try Htpasswd.parse(contents)
        #expect(users.users == ["alice", "bob"])
        #expect(users.hash(of: "alice")?.hasSuffix("QMya.") == true)
    }

    @Test func anEmptyFileHasNoUsers() throws {
        #expect(try Htpasswd.parse("").users.isEmpty)
        #expect(Htpasswd.empty.count == 0)
    }

    @Test func refusesADuplicateUserNamingBothLines() {
        let contents = Self.aliceLine + "\n# again\n" + Self.aliceLine
        #expect(throws: HtpasswdError(line: 3, problem: "user \"alice\" appears again (first on line 1); keep one line per user")) {
            try Htpasswd.parse(contents)
        }
    }

    @Test func refusesAnEmptyUser() {
        #expect(throws: HtpasswdError(line: 2, problem: "the user before ':' is empty")) {
            try Htpasswd.parse(Self.aliceLine + "\n:$2y$05$7GihUGi4DYiqPQHiaH6m0.S9of/UzwS3YTP8fFzPtPybzsX1QMya.")
        }
    }

    @Test func refusesALineWithoutAColonWithoutQuotingIt() throws {
        let error = try #require(throws: HtpasswdError.self) { try Htpasswd.parse("alice correct-horse") }
        #expect(error.line == 1)
        #expect(!error.description.contains("correct-horse"))
    }

    struct Refused: Sendable, CustomTestStringConvertible {
        let kind: String
        let hash: String
        let mentions: String
        var testDescription: String { kind }
    }

    /// Lines written by `htpasswd -nb` with `-m`, `-s`, `-d`, `-p`, `-5`, `-2` (password "secret").
    @Test(arguments: [
        Refused(kind: "MD5", hash: "$apr1$SUXfUtF9$Nhmv6TaNUmInSh0MWQDuO0", mentions: "MD5"),
        Refused(kind: "SHA-1", hash: "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", mentions: "SHA-1"),
        Refused(kind: "DES crypt", hash: "Wr9K63jF9u5S2", mentions: "DES crypt"),
        Refused(kind: "plain text", hash: "secret", mentions: "plain text"),
        Refused(kind: "plain text starting with $", hash: "$ecret$word", mentions: "plain text"),
        Refused(kind: "SHA-512 crypt", hash: "$6$6ocAoO0runRENBLe$ogn6eMxGYd6Pmkd8pDz1JjhiRkDZvskPs24AEJckmGWNlnzlJS2RF2Q5oTn3iB8ODInmrS3VFTuOeBgVcUVJH0", mentions: "SHA-512"),
        Refused(kind: "SHA-256 crypt", hash: "$5$igEMIBcGouuEUvLx$1bL/V46i78Jf3QjZ9DML7mhfZYEOTtBmMXl5IcFgZD5", mentions: "SHA-256"),
        Refused(kind: "truncated bcrypt", hash: "$2y$05$7GihUGi4DYiqPQHiaH6m0.S9of/UzwS3YTP8fFzPtPybzsX1QMy", mentions: "malformed bcrypt"),
        Refused(kind: "bcrypt cost out of range", hash: "$2y$03$7GihUGi4DYiqPQHiaH6m0.S9of/UzwS3YTP8fFzPtPybzsX1QMya.", mentions: "malformed bcrypt"),
        Refused(kind: "bcrypt with a foreign character", hash: "$2y$05$7GihUGi4DYiqPQHiaH6m0.S9of/UzwS3YTP8fFzPtPybzsX1QMya!", mentions: "malformed bcrypt"),
        Refused(kind: "argon2", hash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g", mentions: "does not verify"),
        Refused(kind: "nothing", hash: "", mentions: "no hash"),
    ])
    func refusesANonBcryptHashNamingLineUserAndKindButNotTheHash(_ refused: Refused) throws {
        let contents = Self.aliceLine + "\ncarol:" + refused.hash + "\n"
        let error = try #require(throws: HtpasswdError.self) { try Htpasswd.parse(contents) }
        #expect(error.line == 2)
        #expect(error.description.hasPrefix("htpasswd line 2: user \"carol\" has "))
        #expect(error.description.contains(refused.mentions))
        #expect(error.description.contains("htpasswd -B"))
        if !refused.hash.isEmpty {
            #expect(!error.description.contains(refused.hash))
        }
        // Nothing past a known scheme prefix leaks either (the salt and hash bytes).
        for secret in ["secret", "ecret$word", "SUXfUtF9", "5en6G6Me", "Wr9K63", "6ocAoO0", "igEMIBc", "7GihUGi4", "c2FsdHNh"] {
            #expect(!error.description.contains(secret))
        }
    }
}
