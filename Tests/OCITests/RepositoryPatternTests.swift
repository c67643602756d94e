import OCI
import Testing

@Suite struct RepositoryPatternTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let pattern: String
        let name: String
        var testDescription: String { "\(pattern) ~ \(name)" }
    }

    static func cases(_ pattern: String, _ names: String...) -> [Case] {
        names.map { Case(pattern: pattern, name: $0) }
    }

    @Test(arguments: [
        cases("**", "etcd", "containers/etcd", "a/b/c/d"),
        cases("containers/etcd", "containers/etcd"),
        cases("charts/etcd", "charts/etcd"),
        cases("**/etcd", "etcd", "containers/etcd", "x/y/etcd"),
        cases("{a,b}/**", "a", "b", "a/x", "b/x/y"),
        cases("[a-z]*", "etcd", "a", "z9-x"),
        cases("a/**", "a", "a/b", "a/b/c"),
        cases("a/**/z", "a/z", "a/b/z", "a/b/c/z"),
        cases("library/*", "library/alpine", "library/"),
        cases("*/alpine", "library/alpine", "x/alpine"),
        cases("alp?ne", "alpine", "alpane"),
        cases("[abc]x", "ax", "bx", "cx"),
        cases("[!a-c]x", "dx", "zx", "0x"),
        cases("[^a-c]x", "dx"),
        cases("[]a]", "]", "a"),
        cases("[a-]", "a", "-"),
        cases("{alpine,busybox}", "alpine", "busybox"),
        cases("{library/*,team/**}", "library/alpine", "team", "team/x/y"),
        cases("{a,{b,c}d}", "a", "bd", "cd"),
        cases("x{,-dev}", "x", "x-dev"),
        cases("a**b", "ab", "axxb"),
        cases("*a*a*b", "aab", "xaxaxb"),
        cases("proxy/**/etcd*", "proxy/etcd", "proxy/quay.io/coreos/etcd-operator"),
    ].flatMap { $0 })
    func matches(_ example: Case) throws {
        #expect(try RepositoryPattern(example.pattern).matches(example.name))
    }

    @Test(arguments: [
        cases("containers/etcd", "charts/etcd", "containers/etcd/x", "x/containers/etcd", "containers/etc", "Containers/etcd"),
        cases("charts/etcd", "containers/etcd"),
        cases("**/etcd", "etcd-operator", "x/etcd/y", "xetcd"),
        cases("{a,b}/**", "c", "c/a", "ab", "a-x"),
        cases("[a-z]*", "9lives", "Alpine", "a/b"),
        cases("a/**", "ab", "b/a"),
        cases("a/**/z", "az", "a/b/y"),
        cases("library/*", "library/a/b", "library"),
        cases("alp?ne", "alpne", "alp/ne"),
        cases("[!a-c]x", "ax", "/x"),
        cases("{alpine,busybox}", "alpinebusybox", "alpine/busybox", "ubuntu"),
        cases("a**b", "a/b", "a/x/b"),
        cases("*", "a/b"),
        cases("etcd", "etcd2", "etc", ""),
    ].flatMap { $0 })
    func doesNotMatch(_ example: Case) throws {
        #expect(try !RepositoryPattern(example.pattern).matches(example.name))
    }

    @Test func doubleStarAloneMatchesEveryName() throws {
        let pattern = try RepositoryPattern("**")
        for name in ["a", "a/b", "proxy/my-app/quay.io/my-org/api", ""] {
            #expect(pattern.matches(name))
        }
    }

    @Test func matchingIsCaseSensitive() throws {
        #expect(try !RepositoryPattern("Library/*").matches("library/alpine"))
        #expect(try RepositoryPattern("Library/*").matches("Library/alpine"))
    }

    @Test func manyStarsAgainstANearMissStayFast() throws {
        let pattern = try RepositoryPattern("*a*a*a*a*a*a*a*a*a*a*a*a*b")
        let name = String(repeating: "a", count: 4_000)
        let started = ContinuousClock.now
        #expect(!pattern.matches(name))
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func manyDoubleStarsAgainstDeepNamesStayFast() throws {
        let pattern = try RepositoryPattern("**/a/**/a/**/a/**/a/**/a/**/b")
        let name = Array(repeating: "a", count: 2_000).joined(separator: "/")
        let started = ContinuousClock.now
        #expect(!pattern.matches(name))
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func equalPatternsAreTheSameText() throws {
        #expect(try RepositoryPattern("a/**") == RepositoryPattern("a/**"))
        #expect(try RepositoryPattern("a/**") != RepositoryPattern("a/*"))
        #expect(try Set([RepositoryPattern("x"), RepositoryPattern("x")]).count == 1)
    }

    @Test func describesItselfAsWritten() throws {
        #expect(try RepositoryPattern("{a,b}/**").description == "{a,b}/**")
    }

    @Test(arguments: [
        ("", "repository pattern \"\": is empty"),
        ("[a-z", "repository pattern \"[a-z\": '[' at 1 is not closed"),
        ("ab[", "repository pattern \"ab[\": '[' at 3 is not closed"),
        ("[]", "repository pattern \"[]\": '[' at 1 is not closed"),
        ("{a,b", "repository pattern \"{a,b\": '{' at 1 is not closed"),
        ("x/{a,{b,c}", "repository pattern \"x/{a,{b,c}\": '{' at 3 is not closed"),
        ("a}", "repository pattern \"a}\": '}' at 2 has no '{' before it"),
        ("a]", "repository pattern \"a]\": ']' at 2 has no '[' before it"),
        ("[z-a]", "repository pattern \"[z-a]\": '[' at 1 has the range z-a, whose ends are reversed"),
        ("[a/]", "repository pattern \"[a/]\": '[' at 1 holds '/', which no character within a segment can be"),
        ("/a", "repository pattern \"/a\": '/' at 1 starts it, but repository names never do"),
        ("a/", "repository pattern \"a/\": '/' at 2 ends it, but repository names never do"),
        ("a//b", "repository pattern \"a//b\": '//' at 2 leaves an empty segment, which repository names never have"),
    ])
    func refusesWithAMessageNamingThePlace(_ text: String, _ message: String) throws {
        let error = try #require(throws: RepositoryPattern.Invalid.self) { try RepositoryPattern(text) }
        #expect(error.description == message)
    }

    @Test func refusesBracesThatExpandBeyondTheLimit() {
        let text = String(repeating: "{a,b}", count: 9)  // 512 alternatives
        #expect(throws: RepositoryPattern.Invalid(pattern: text, reason: "its braces expand to more than 256 alternatives")) {
            try RepositoryPattern(text)
        }
        #expect(throws: Never.self) { try RepositoryPattern(String(repeating: "{a,b}", count: 8)) }
    }

    @Test func refusesBracesNestedTooDeep() throws {
        let text = String(repeating: "{", count: 9) + "a" + String(repeating: "}", count: 9)
        #expect(throws: RepositoryPattern.Invalid.self) { try RepositoryPattern(text) }
        let allowed = String(repeating: "{", count: 8) + "a" + String(repeating: "}", count: 8)
        #expect(try RepositoryPattern(allowed).matches("a"))
    }
}
