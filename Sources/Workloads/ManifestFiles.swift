import Foundation

/// YAML text to scan and the name messages give it.
public struct ManifestInput: Hashable, Sendable {
    public let source: String
    public let text: String

    public init(source: String, text: String) {
        self.source = source
        self.text = text
    }
}

/// Turns PATH arguments into YAML texts: a file as given, a directory's `.yaml`/`.yml` files at any
/// depth sorted by path, `-` for standard input.
public enum ManifestFiles {
    /// How standard input is named in messages and sources.
    public static let standardInputName = "<stdin>"

    /// What the arguments name, in order: each file once, even when named twice (a directory and a file in it).
    public static func expand(_ arguments: [String]) -> [Result<String, ScanProblem>] {
        var results: [Result<String, ScanProblem>] = []
        var seen: Set<String> = []
        func add(_ result: Result<String, ScanProblem>) {
            if case .success(let path) = result, !seen.insert(path).inserted { return }
            results.append(result)
        }
        for argument in arguments {
            if argument == "-" {
                add(.success("-"))
                continue
            }
            let path = trimmingTrailingSlashes(argument)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                add(.failure(ScanProblem(.unreadable, source: argument, message: "no such file or directory")))
                continue
            }
            guard isDirectory.boolValue else {
                add(.success(path))
                continue
            }
            var files: [String] = []
            var problems: [ScanProblem] = []
            collectYAMLFiles(in: path, into: &files, problems: &problems)
            problems.forEach { add(.failure($0)) }
            files.sorted().forEach { add(.success($0)) }
        }
        return results
    }

    /// Reads what the arguments name, in order; `-` reads `standardInput`.
    public static func load(_ arguments: [String],
                            standardInput: () -> Data = { FileHandle.standardInput.readDataToEndOfFile() })
        -> [Result<ManifestInput, ScanProblem>] {
        expand(arguments).map { entry in
            entry.flatMap { path in
                let source = path == "-" ? standardInputName : path
                let data: Data
                if path == "-" {
                    data = standardInput()
                } else {
                    guard let contents = FileManager.default.contents(atPath: path) else {
                        return .failure(ScanProblem(.unreadable, source: source, message: "cannot read the file"))
                    }
                    data = contents
                }
                guard let text = String(validating: data, as: UTF8.self) else {
                    return .failure(ScanProblem(.malformedYAML, source: source, message: "not UTF-8 text"))
                }
                return .success(ManifestInput(source: source, text: text))
            }
        }
    }

    /// Recurses with `contentsOfDirectory` so an unreadable directory is reported rather than skipped.
    /// Symbolic links to files are followed; links to directories are not (no loops).
    private static func collectYAMLFiles(in directory: String, into files: inout [String], problems: inout [ScanProblem]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            problems.append(ScanProblem(.unreadable, source: directory, message: "cannot list the directory"))
            return
        }
        for name in names {
            let path = directory == "/" ? "/" + name : directory + "/" + name
            let isLink = (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeSymbolicLink
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                if !isLink { collectYAMLFiles(in: path, into: &files, problems: &problems) }
            } else if isYAMLFileName(name) {
                files.append(path)
            }
        }
    }

    private static func isYAMLFileName(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml")
    }

    private static func trimmingTrailingSlashes(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}
