import Foundation

/// Debian's `docker-registry` (CNCF distribution) on a free loopback port, seeded with the
/// harness's deterministic images, with htpasswd Basic auth or token auth.
final class UpstreamRegistry: Sendable {
    enum Auth: String { case none, htpasswd, token }

    static let user = "customer@example.com"
    static let password = "lic_2f9c1d7e4b8a4c0e9f3a6b5d"

    struct Info: Decodable, Sendable {
        let url: String
        let port: Int
        /// The `docker-registry` process (to stop or freeze it).
        let pid: Int32
        let log: String
        let tokenPort: Int?
        let images: [SeededImage]
    }

    let info: Info
    let directory: String
    private let process: ChildProcess

    var url: String { info.url }
    var images: [SeededImage] { info.images }

    private init(info: Info, directory: String, process: ChildProcess) {
        self.info = info
        self.directory = directory
        self.process = process
    }

    /// `sized` adds one-layer images `repository:1.0` with a layer of that many random bytes (the
    /// same bytes in every registry); `seed` makes the standard images' content differ between registries.
    static func start(auth: Auth, directory: String? = nil, port: Int? = nil, bigMiB: Int? = nil,
                      sized: [(repository: String, bytes: Int)] = [], seed: Int? = nil) async throws -> UpstreamRegistry {
        let dir = directory ?? Paths.temporaryDirectory("upstream-\(auth.rawValue)")
        var arguments = [Paths.harness + "/upstream.py", "--dir", dir, "--auth", auth.rawValue, "--user", user, "--password", password]
        if let seed { arguments += ["--seed", "\(seed)"] }
        if let port { arguments += ["--port", "\(port)"] }
        if let bigMiB { arguments += ["--big-mib", "\(bigMiB)"] }
        for image in sized { arguments += ["--sized", "\(image.repository)=\(image.bytes)"] }
        let process = try ChildProcess("/usr/bin/env", ["python3"] + arguments, logPath: dir + ".launcher.log")
        guard let line = await process.readLine(timeout: .seconds(180)) else {
            throw HarnessError("upstream.py did not start; see \(dir).launcher.log")
        }
        let info = try JSONDecoder().decode(Info.self, from: Data(line.utf8))
        return UpstreamRegistry(info: info, directory: dir, process: process)
    }

    /// Requests the registry has answered, from its access log.
    func accessLog() throws -> [AccessLogEntry] {
        try AccessLogEntry.read(info.log)
    }

    /// GETs of blobs, the requests a warm cache must not make.
    func blobGETs() throws -> [AccessLogEntry] {
        try accessLog().filter { $0.method == "GET" && $0.path.contains("/blobs/sha256:") }
    }

    func stop() async { await process.stop() }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
