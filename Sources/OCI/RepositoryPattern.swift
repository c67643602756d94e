/// A glob over repository names with Harbor's (doublestar) semantics, for access rules and mirror rules:
///
/// - `*` any run of characters within one path segment (never `/`);
/// - `**` as a whole segment: any number of whole segments, none included (`a/**` matches `a`, `a/b`,
///   `a/b/c`; `**/etcd` matches `etcd` and `x/y/etcd`; `**` alone matches every name). Inside a
///   longer segment (`a**`) it is a plain `*`;
/// - `?` one character other than `/`;
/// - `[a-z]`, `[abc]`, `[!a-z]` (or `[^a-z]`) one character other than `/`, in or not in the class; a `]`
///   right after `[` or `[!` is a member;
/// - `{a,b,c}` alternatives, which may hold any of the above and nest.
///
/// The whole name must match, case-sensitively. The text is compiled once: braces are expanded into
/// alternatives (at most `maximumAlternatives`), each split into segments. Matching is a set of
/// reachable states over segments, and within a segment a single-backtrack wildcard match, so it costs
/// at most pattern length × name length and never grows exponentially (`*a*a*a*a*b` included).
public struct RepositoryPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let description: String
    /// One entry per brace alternative; a name matches when any of them does.
    private let alternatives: [[Segment]]

    /// Braces multiply: `{a,b}{c,d}…` doubles per group, so the expansion is capped.
    public static let maximumAlternatives = 256
    /// Deeper nesting is never meant, and recursion on a hostile text must stay shallow.
    public static let maximumBraceDepth = 8

    public init(_ text: String) throws(Invalid) {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { throw Invalid(pattern: text, reason: "is empty") }
        var parser = Parser(text: text, scalars: scalars)
        let pieces = try parser.parseAll()
        let expanded = try Self.expand(pieces, pattern: text)
        description = text
        alternatives = expanded.map(Self.segments(of:))
    }

    /// Whether the whole of `name` matches.
    public func matches(_ name: String) -> Bool {
        let nameSegments = name.unicodeScalars.split(separator: "/", omittingEmptySubsequences: false).map(Array.init)
        return alternatives.contains { Self.matches($0, nameSegments) }
    }

    public static func == (lhs: RepositoryPattern, rhs: RepositoryPattern) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}

extension RepositoryPattern {
    /// A pattern that cannot be compiled; `description` names the pattern, the place and the fault.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let pattern: String
        public let reason: String

        public init(pattern: String, reason: String) {
            self.pattern = pattern
            self.reason = reason
        }

        public var description: String { "repository pattern \"\(pattern)\": \(reason)" }
    }
}

// MARK: - Compiled form

extension RepositoryPattern {
    /// One character test within a segment.
    fileprivate enum Token: Sendable {
        case scalar(Unicode.Scalar)
        case anyOne
        case characterClass(CharacterClass)
        case star

        func matches(_ scalar: Unicode.Scalar) -> Bool {
            switch self {
            case .scalar(let expected): expected == scalar
            case .anyOne: true
            case .characterClass(let characterClass): characterClass.contains(scalar)
            case .star: false
            }
        }
    }

    fileprivate struct CharacterClass: Sendable {
        var negated: Bool
        var ranges: [ClosedRange<Unicode.Scalar>]

        /// Segments hold no `/`, so a negated class never has to exclude it.
        func contains(_ scalar: Unicode.Scalar) -> Bool {
            ranges.contains { $0.contains(scalar) } != negated
        }
    }

    fileprivate enum Segment: Sendable {
        /// `**`: zero or more whole segments.
        case any
        case glob([Token])
    }

    /// Before splitting into segments; `/` is still a scalar here.
    fileprivate enum Piece: Sendable {
        case token(Token)
        indirect case choice([[Piece]])
    }

    /// Reachable pattern segments, advanced one name segment at a time (a set of NFA states), so a
    /// run of `**` never multiplies work.
    private static func matches(_ pattern: [Segment], _ name: [[Unicode.Scalar]]) -> Bool {
        var current = [Bool](repeating: false, count: pattern.count + 1)
        current[0] = true
        closeOverEmptyMatches(&current, pattern)
        for nameSegment in name {
            var next = [Bool](repeating: false, count: pattern.count + 1)
            var anyReached = false
            for index in pattern.indices where current[index] {
                switch pattern[index] {
                case .any:
                    next[index] = true
                    anyReached = true
                case .glob(let tokens):
                    if matches(tokens, nameSegment) {
                        next[index + 1] = true
                        anyReached = true
                    }
                }
            }
            guard anyReached else { return false }
            closeOverEmptyMatches(&next, pattern)
            current = next
        }
        return current[pattern.count]
    }

    /// A reached `**` may also match no segment at all.
    private static func closeOverEmptyMatches(_ states: inout [Bool], _ pattern: [Segment]) {
        for index in pattern.indices where states[index] {
            if case .any = pattern[index] { states[index + 1] = true }
        }
    }

    /// Wildcard match within one segment: on a mismatch, only the latest `*` takes one more character,
    /// which is enough for single-character tokens and bounds the work by tokens × characters.
    private static func matches(_ tokens: [Token], _ segment: [Unicode.Scalar]) -> Bool {
        var token = 0
        var position = 0
        var lastStar: (token: Int, position: Int)?
        while position < segment.count {
            if token < tokens.count, case .star = tokens[token] {
                lastStar = (token, position)
                token += 1
            } else if token < tokens.count, tokens[token].matches(segment[position]) {
                token += 1
                position += 1
            } else if let star = lastStar {
                lastStar = (star.token, star.position + 1)
                token = star.token + 1
                position = star.position + 1
            } else {
                return false
            }
        }
        while token < tokens.count, case .star = tokens[token] { token += 1 }
        return token == tokens.count
    }
}

// MARK: - Compilation

extension RepositoryPattern {
    /// Every brace-free token list the pieces stand for.
    private static func expand(_ pieces: [Piece], pattern: String) throws(Invalid) -> [[Token]] {
        var results: [[Token]] = [[]]
        for piece in pieces {
            switch piece {
            case .token(let token):
                for index in results.indices { results[index].append(token) }
            case .choice(let options):
                var combined: [[Token]] = []
                for option in options {
                    let tails = try expand(option, pattern: pattern)
                    for head in results {
                        for tail in tails {
                            combined.append(head + tail)
                            guard combined.count <= maximumAlternatives else {
                                throw Invalid(pattern: pattern, reason: "its braces expand to more than \(maximumAlternatives) alternatives")
                            }
                        }
                    }
                }
                results = combined
            }
        }
        return results
    }

    /// Split at `/`; a segment of nothing but two or more `*` is `**`, a run of `*` elsewhere is one `*`.
    private static func segments(of tokens: [Token]) -> [Segment] {
        var segments: [Segment] = []
        var current: [Token] = []
        var starsWritten = 0
        func finish() {
            if starsWritten >= 2, current.count == 1 {
                segments.append(.any)
            } else {
                segments.append(.glob(current))
            }
            current = []
            starsWritten = 0
        }
        for token in tokens {
            switch token {
            case .scalar("/"):
                finish()
            case .star:
                starsWritten += 1
                // `a**b` is `a*b`: consecutive stars add nothing within a segment.
                if case .star? = current.last { continue }
                current.append(.star)
            default:
                current.append(token)
            }
        }
        finish()
        return segments
    }

    /// Reads the text into pieces, checking it as it goes; positions in messages count characters from 1.
    fileprivate struct Parser {
        let text: String
        let scalars: [Unicode.Scalar]
        var index = 0
        var depth = 0

        init(text: String, scalars: [Unicode.Scalar]) {
            self.text = text
            self.scalars = scalars
        }

        mutating func parseAll() throws(Invalid) -> [Piece] {
            try checkSlashes()
            return try parseSequence(insideBraces: false)
        }

        /// Pieces up to the end, or (inside braces) up to the `,` or `}` that ends this alternative.
        private mutating func parseSequence(insideBraces: Bool) throws(Invalid) -> [Piece] {
            var pieces: [Piece] = []
            while index < scalars.count {
                let scalar = scalars[index]
                switch scalar {
                case "*":
                    pieces.append(.token(.star))
                    index += 1
                case "?":
                    pieces.append(.token(.anyOne))
                    index += 1
                case "[":
                    pieces.append(.token(.characterClass(try parseClass())))
                case "]":
                    throw invalid("']' at \(index + 1) has no '[' before it")
                case "{":
                    pieces.append(.choice(try parseChoice()))
                case "}":
                    guard insideBraces else { throw invalid("'}' at \(index + 1) has no '{' before it") }
                    return pieces
                case ",":
                    if insideBraces { return pieces }
                    pieces.append(.token(.scalar(scalar)))
                    index += 1
                default:
                    pieces.append(.token(.scalar(scalar)))
                    index += 1
                }
            }
            return pieces
        }

        /// `{` alternatives `}`, the index on the `{`.
        private mutating func parseChoice() throws(Invalid) -> [[Piece]] {
            let open = index
            guard depth < maximumBraceDepth else {
                throw invalid("'{' at \(open + 1) nests braces deeper than \(maximumBraceDepth)")
            }
            depth += 1
            defer { depth -= 1 }
            index += 1
            var options: [[Piece]] = []
            while true {
                options.append(try parseSequence(insideBraces: true))
                guard index < scalars.count else { throw invalid("'{' at \(open + 1) is not closed") }
                index += 1
                if scalars[index - 1] == "}" { return options }
            }
        }

        /// `[` members `]`, the index on the `[`.
        private mutating func parseClass() throws(Invalid) -> CharacterClass {
            let open = index
            index += 1
            var negated = false
            if index < scalars.count, scalars[index] == "!" || scalars[index] == "^" {
                negated = true
                index += 1
            }
            var ranges: [ClosedRange<Unicode.Scalar>] = []
            var first = true
            while index < scalars.count {
                let lower = scalars[index]
                if lower == "]", !first {
                    index += 1
                    return CharacterClass(negated: negated, ranges: ranges)
                }
                first = false
                guard lower != "/" else {
                    throw invalid("'[' at \(open + 1) holds '/', which no character within a segment can be")
                }
                if index + 2 < scalars.count, scalars[index + 1] == "-", scalars[index + 2] != "]" {
                    let upper = scalars[index + 2]
                    guard upper != "/" else {
                        throw invalid("'[' at \(open + 1) holds '/', which no character within a segment can be")
                    }
                    guard lower <= upper else {
                        throw invalid("'[' at \(open + 1) has the range \(lower)-\(upper), whose ends are reversed")
                    }
                    ranges.append(lower...upper)
                    index += 3
                } else {
                    ranges.append(lower...lower)
                    index += 1
                }
            }
            throw invalid("'[' at \(open + 1) is not closed")
        }

        /// Names never start or end with `/` or hold `//`; a pattern that does could never match.
        private func checkSlashes() throws(Invalid) {
            if scalars.first == "/" { throw invalid("'/' at 1 starts it, but repository names never do") }
            if scalars.last == "/" { throw invalid("'/' at \(scalars.count) ends it, but repository names never do") }
            for position in scalars.indices.dropFirst() where scalars[position] == "/" && scalars[position - 1] == "/" {
                throw invalid("'//' at \(position) leaves an empty segment, which repository names never have")
            }
        }

        private func invalid(_ reason: String) -> Invalid {
            Invalid(pattern: text, reason: reason)
        }
    }
}
