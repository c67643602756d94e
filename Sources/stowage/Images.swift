import ArgumentParser
import Foundation
import OCI
import Workloads

struct Images: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the image references that rendered Kubernetes manifests run, one per line.",
        discussion: """
            Reads the image of every container, init container and ephemeral container, in every document and \
            kind (pod templates inside custom resources too). PATH is a YAML file, a directory (its .yaml and .yml \
            files, recursively) or - for standard input. Each image is printed once, normalised \
            (docker.io/library/nginx:1.27). Exit status: 0 when all is well, 1 when an image is not a valid \
            reference (the valid ones are still printed), 2 when a path cannot be read or is not YAML.
            """
    )

    @Argument(help: "Rendered manifests: files, directories, or - for standard input.")
    var paths: [String]

    @Flag(help: "Print each image as the manifest first wrote it instead of normalised.")
    var raw = false

    @Flag(help: "Print one JSON object: images with the spelling and files naming them, and problems.")
    var json = false

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("Name at least one file, directory or -.") }
        guard !(raw && json) else { throw ValidationError("--raw and --json cannot be used together.") }
    }

    func run() throws {
        var scan = ImageScan()
        for input in ManifestFiles.load(paths) {
            switch input {
            case .success(let manifest): scan.append(ImageScan.scan(manifest.text, source: manifest.source))
            case .failure(let problem): scan.problems.append(problem)
            }
        }
        let images = scan.distinctImages
        if json {
            print(try jsonReport(images, scan.problems))
        } else {
            for image in images { print(raw ? image.raw : image.reference.description) }
        }
        for problem in scan.problems { write("stowage: \(problem)\n", to: .error) }
        if scan.problems.contains(where: { $0.kind != .invalidReference }) { throw ExitCode(2) }
        if !scan.problems.isEmpty { throw ExitCode(1) }
    }

    private func jsonReport(_ images: [DistinctImage], _ problems: [ScanProblem]) throws -> String {
        let object: [String: Any] = [
            "images": images.map { ["reference": $0.reference.description, "as": $0.raw, "sources": $0.sources] },
            "problems": problems.map { problem in
                var entry: [String: Any] = ["kind": problem.kind.rawValue, "source": problem.source, "message": problem.message]
                if let line = problem.line { entry["line"] = line }
                if let value = problem.value { entry["value"] = value }
                return entry
            },
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
