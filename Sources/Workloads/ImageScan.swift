import OCI
import Yams

/// One `image:` of a container in a manifest: as written, parsed, and where it was.
public struct FoundImage: Hashable, Sendable {
    public let raw: String
    public let reference: ImageReference
    public let source: String
    public let line: Int?
}

/// A distinct image across all inputs: the first spelling seen, and every source naming it.
public struct DistinctImage: Hashable, Sendable {
    public let reference: ImageReference
    public let raw: String
    public var sources: [String]
}

/// Something wrong with one input: it could not be read, is not YAML, or names an image that is not
/// a reference. The kind decides how bad it is.
public struct ScanProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        case unreadable
        case malformedYAML = "malformed-yaml"
        case invalidReference = "invalid-reference"
    }

    public let kind: Kind
    public let source: String
    public let line: Int?
    /// The offending image string, for `invalidReference`.
    public let value: String?
    public let message: String

    public init(_ kind: Kind, source: String, line: Int? = nil, value: String? = nil, message: String) {
        self.kind = kind
        self.source = source
        self.line = line
        self.value = value
        self.message = message
    }

    /// `deploy.yaml:12: image "UPPER/case" is not a valid reference: …`
    public var description: String { "\(source)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// The images that rendered Kubernetes manifests run, found by shape rather than by kind: the
/// `image` of every item of every `containers`, `initContainers` or `ephemeralContainers` list, at
/// any depth, in every document. That covers Pods, every workload's pod template, CronJobs, `List`s
/// and custom resources that embed pod specs, without a table of kinds to keep up to date.
public struct ImageScan: Hashable, Sendable {
    /// Every image found, in document order, repeats included.
    public var images: [FoundImage] = []
    public var problems: [ScanProblem] = []

    public init() {}

    /// The keys whose list items are Kubernetes `Container`s.
    public static let containerLists: Set<String> = ["containers", "initContainers", "ephemeralContainers"]

    /// Scans YAML text (one or more `---` documents) named `source` in messages. A malformed document
    /// ends the scan of this text (YAML cannot resume after a syntax error); what came before it is kept.
    public static func scan(_ yaml: String, source: String) -> ImageScan {
        var scan = ImageScan()
        let text = yaml.hasPrefix("\u{FEFF}") ? String(yaml.dropFirst()) : yaml
        do {
            // An explicit encoding: the default one reads an environment variable and prints to stdout.
            let parser = try Parser(yaml: text, encoding: .utf8)
            var budget = nodeBudget(forBytes: text.utf8.count)
            while let document = try parser.nextRoot() {
                guard scan.collect(from: document, source: source, budget: &budget) else {
                    let message = "malformed YAML: its aliases expand to more than \(nodeBudget(forBytes: text.utf8.count)) nodes"
                    scan.problems.append(ScanProblem(.malformedYAML, source: source, line: document.mark?.line, message: message))
                    break
                }
            }
        } catch {
            let (line, message) = describe(error, in: text)
            scan.problems.append(ScanProblem(.malformedYAML, source: source, line: line, message: "malformed YAML: \(message)"))
        }
        return scan
    }

    /// Adds another input's findings after this one's.
    public mutating func append(_ other: ImageScan) {
        images += other.images
        problems += other.problems
    }

    /// Each reference once, in first-seen order, with the sources naming it (each once, in order).
    public var distinctImages: [DistinctImage] {
        var order: [DistinctImage] = []
        var position: [ImageReference: Int] = [:]
        for image in images {
            if let index = position[image.reference] {
                if !order[index].sources.contains(image.source) { order[index].sources.append(image.source) }
            } else {
                position[image.reference] = order.count
                order.append(DistinctImage(reference: image.reference, raw: image.raw, sources: [image.source]))
            }
        }
        return order
    }

    /// Where a node sits: only a mapping that is an item of a container list has an `image` we want.
    private enum Role { case other, containerList, container }

    /// Without aliases a text has fewer nodes than bytes; Yams expands aliases into copies, so a few
    /// lines of nested aliases (a "billion laughs") would otherwise keep the walk busy for ever.
    private static func nodeBudget(forBytes bytes: Int) -> Int { 1_000_000 + 10 * bytes }

    /// A depth-first walk in document order, with an explicit stack so deep nesting cannot overflow.
    /// False when the walk ran out of `budget` nodes.
    private mutating func collect(from root: Node, source: String, budget: inout Int) -> Bool {
        var stack: [(node: Node, role: Role)] = [(root, .other)]
        while let (node, role) = stack.popLast() {
            budget -= 1
            guard budget >= 0 else { return false }
            switch node {
            case .mapping(let mapping):
                if role == .container, let image = mapping.first(where: { $0.key.scalar?.string == "image" }) {
                    record(image.value, source: source)
                }
                for (key, value) in mapping.reversed() {
                    let isContainerList = key.scalar.map { Self.containerLists.contains($0.string) } ?? false
                    stack.append((value, isContainerList ? .containerList : .other))
                }
            case .sequence(let sequence):
                for item in sequence.reversed() { stack.append((item, role == .containerList ? .container : .other)) }
            case .scalar, .alias:
                break
            }
        }
        return true
    }

    private mutating func record(_ value: Node, source: String) {
        let line = value.mark?.line
        guard let scalar = value.scalar else {
            problems.append(ScanProblem(.invalidReference, source: source, line: line, value: "",
                                        message: "a container's image is not a string"))
            return
        }
        guard value.null == nil else {
            problems.append(ScanProblem(.invalidReference, source: source, line: line, value: "",
                                        message: "a container's image is empty"))
            return
        }
        switch ImageReference.parse(scalar.string) {
        case .success(let reference):
            images.append(FoundImage(raw: scalar.string, reference: reference, source: source, line: line))
        case .failure(let error):
            problems.append(ScanProblem(.invalidReference, source: source, line: line, value: scalar.string,
                                        message: "image \(quotedValue(scalar.string)) is not a valid reference: \(error.message)"))
        }
    }
}

/// The line (1-based) and a one-line message for an error from Yams.
private func describe(_ error: any Error, in text: String) -> (line: Int?, message: String) {
    guard let error = error as? YamlError else { return (nil, "\(error)") }
    func withContext(_ problem: String, _ context: YamlError.Context?) -> String {
        guard let context else { return problem }
        return "\(problem) (\(context.text) at line \(context.mark.line))"
    }
    switch error {
    case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
        return (mark.line, withContext(problem, context))
    case let .reader(problem, offset, _, _):
        // Yams counts the offset in Characters, where `\r\n` is one.
        let line = offset.map { offset in 1 + text.prefix(offset).reduce(0) { $0 + ($1.isNewline ? 1 : 0) } }
        return (line, problem)
    case let .duplicatedKeysInMapping(duplicates, context):
        let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
        return (context.mark.line > 0 ? context.mark.line : nil, "duplicate key \(keys) in a mapping")
    default:
        return (nil, "\(error)")
    }
}

/// A value from the input, quoted for a message: at most 200 characters, no control characters.
private func quotedValue(_ input: String) -> String {
    let clean = String(input.unicodeScalars.prefix(200).map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
    return "\"\(clean)\(input.unicodeScalars.count > 200 ? "…" : "")\""
}
