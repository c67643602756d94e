import ArgumentParser
import Foundation
import OCI
import Workloads

/// The images a command works on: arguments, list files, and the images of rendered manifests.
struct ImageList: ParsableArguments {
    @Option(name: .customLong("file"), help: "A file of image references, one per line; # starts a comment. Repeatable.")
    var files: [String] = []

    @Option(parsing: .upToNextOption,
            help: "Rendered Kubernetes/Helm YAML (files or directories): the image of every container, init and ephemeral container.")
    var manifests: [String] = []

    @Argument(help: "Image references, e.g. proxy.example.com/proxy/app/org/api:1.2 or docker.io/library/nginx:1.27.")
    var images: [String] = []

    /// Every image named, once each, in the order first named; exits with status 2 when a file
    /// cannot be read or when none is named, and (`checkingReferences`) when one names something
    /// that is not an image reference. A command that reports each image on its own (preseed, check)
    /// keeps bad references, so one of them fails alone and the rest go on.
    func load(checkingReferences: Bool = true) -> [String] {
        var names = images
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)", status: 2) }
            for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let text = line.prefix { $0 != "#" }.trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty else { continue }
                if checkingReferences, case .failure(let error) = ImageReference.parse(text) { fail("\(path):\(number + 1): \(error.message)", status: 2) }
                names.append(text)
            }
        }
        if !manifests.isEmpty {
            var scan = ImageScan()
            for input in ManifestFiles.load(manifests) {
                switch input {
                case .success(let manifest): scan.append(ImageScan.scan(manifest.text, source: manifest.source))
                case .failure(let problem): scan.problems.append(problem)
                }
            }
            if let problem = scan.problems.first { fail("\(problem)", status: 2) }
            names += scan.distinctImages.map(\.raw)
        }
        for name in images where checkingReferences {
            if case .failure(let error) = ImageReference.parse(name) { fail("\(name): \(error.message)", status: 2) }
        }
        var seen = Set<String>()
        let distinct = names.filter { seen.insert($0).inserted }
        guard !distinct.isEmpty else { fail("name at least one image: as arguments, with --file or with --manifests", status: 2) }
        return distinct
    }
}

/// `--platform os/arch[/variant]`, repeatable.
struct PlatformOptions: ParsableArguments {
    @Option(name: .customLong("platform"), help: "For an index, only the manifests for this platform, e.g. linux/arm64 or linux/arm/v7. Repeatable; default: all.")
    var texts: [String] = []

    var platforms: [Platform] {
        texts.map { text in
            guard let platform = Platform(text) else { fail("--platform \(text): expected os/arch or os/arch/variant, e.g. linux/arm64", status: 2) }
            return platform
        }
    }
}
