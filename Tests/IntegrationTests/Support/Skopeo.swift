import Foundation

/// The real `skopeo` client pulling through a registry over plain HTTP into a `dir:` layout,
/// where every blob file is named by its hex digest.
enum Skopeo {
    /// Copies `host/reference` into a fresh directory and returns it.
    @discardableResult
    static func pull(_ host: String, _ reference: String, all: Bool = false, credentials: String? = nil) throws -> String {
        let out = Paths.temporaryDirectory("skopeo")
        var arguments = ["copy", "--src-tls-verify=false", "--retry-times", "0"]
        if all { arguments.append("--all") }
        if let credentials { arguments += ["--src-creds", credentials] } else { arguments.append("--src-no-creds") }
        arguments += ["docker://\(host)/\(reference)", "dir:\(out)"]
        try run("/usr/bin/skopeo", arguments)
        return out
    }

    /// Files whose sha256 is not their name, and the digests expected but missing. With `--all`,
    /// skopeo names an index's child manifests `<hex>.manifest.json`.
    static func verify(_ directory: String, expecting digests: [String]) throws -> [String] {
        var problems: [String] = []
        for digest in digests {
            let hex = String(digest.dropFirst("sha256:".count))
            let candidates = [directory + "/" + hex, directory + "/" + hex + ".manifest.json"]
            guard let path = candidates.first(where: FileManager.default.fileExists(atPath:)) else {
                problems.append("missing \(digest)")
                continue
            }
            let sum = try run("/usr/bin/sha256sum", [path]).prefix(64)
            if sum != hex { problems.append("\(digest) hashes to \(sum)") }
        }
        return problems
    }
}
