import Foundation

/// The commands of the built binary other than `serve` (`stats`, `ls`, `pin`, `preseed`, `check`,
/// `export`, `import`, …), run on a storage directory with the harness's empty config.
enum StowageCLI {
    /// Flags naming `upstream` with the license-style credentials (the password through the
    /// environment), and that environment.
    static func upstream(_ url: String, password: String = UpstreamRegistry.password) -> (arguments: [String], environment: [String: String]) {
        (["--upstream", url, "--upstream-username", UpstreamRegistry.user, "--upstream-password-env", "STOWAGE_TEST_LICENSE"],
         ["STOWAGE_TEST_LICENSE": password])
    }

    /// Runs `stowage ARGUMENTS --storage STORAGE --config CONFIG` (by default the harness's empty
    /// config); returns its exit status and stdout + stderr.
    static func run(_ arguments: [String], storage: String, config: String = Paths.harness + "/empty-config.yaml",
                    environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.stowage)
        process.arguments = arguments + ["--storage", storage, "--config", config]
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    struct Stats: Decodable {
        let bytesUsed: Int64
        let evictions: Int64
        let uncachedForSpace: Int64
    }

    static func stats(storage: String) throws -> Stats {
        let result = try run(["stats", "--json"], storage: storage)
        guard result.status == 0 else { throw HarnessError("stowage stats exited \(result.status): \(result.output)") }
        return try JSONDecoder().decode(Stats.self, from: Data(result.output.utf8))
    }
}

extension String {
    /// The committed file of `digest` under this storage directory.
    func blobPath(_ digest: String) -> String {
        let hex = digest.split(separator: ":").last.map(String.init) ?? digest
        return "\(self)/blobs/sha256/\(hex.prefix(2))/\(hex)"
    }
}
