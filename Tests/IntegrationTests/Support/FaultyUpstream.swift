import Foundation
import NIOHTTP1

/// The harness's protocol-faithful fake registry (`faultyupstream.py`), for faults a real registry
/// cannot produce on demand: 429s, wrong bytes, dropped and trickling bodies, hangs, redirects.
final class FaultyUpstream: Sendable {
    struct Info: Decodable, Sendable {
        let port: Int
        let redirectHost: String
        /// huge/app's one blob, when started with `--huge-mib`.
        let huge: SeededImage.Blob?
        let images: [SeededImage]
    }

    struct Request: Decodable, Sendable {
        let method: String
        let path: String
        let host: String?
        let authorization: Bool
    }

    let info: Info
    private let process: ChildProcess

    var url: String { "\(scheme)://127.0.0.1:\(info.port)" }
    private let scheme: String
    /// With `selfSignedTLS`: the PEM file of its certificate (its own CA).
    let certificatePath: String?

    private init(info: Info, process: ChildProcess, scheme: String, certificatePath: String?) {
        self.info = info
        self.process = process
        self.scheme = scheme
        self.certificatePath = certificatePath
    }

    /// Starts the fake; `selfSignedTLS` serves it over TLS with a certificate nobody trusts.
    static func start(extra: [String] = [], selfSignedTLS: Bool = false) async throws -> FaultyUpstream {
        let dir = Paths.temporaryDirectory("faulty")
        let tls = selfSignedTLS ? ["--tls-self-signed", dir] : []
        let arguments = [Paths.harness + "/faultyupstream.py", "--user", UpstreamRegistry.user, "--password", UpstreamRegistry.password] + tls + extra
        let process = try ChildProcess("/usr/bin/env", ["python3"] + arguments, logPath: dir + "/faulty.log")
        guard let line = await process.readLine(timeout: .seconds(60)) else { throw HarnessError("faultyupstream.py did not start") }
        return FaultyUpstream(info: try JSONDecoder().decode(Info.self, from: Data(line.utf8)), process: process,
                              scheme: selfSignedTLS ? "https" : "http", certificatePath: selfSignedTLS ? dir + "/cert.pem" : nil)
    }

    func image(_ repository: String) -> SeededImage { info.images.named(repository) }

    /// The image of `repository` under `tag` (flip/app has two: 1.0 and 2.0).
    func image(_ repository: String, tag: String) -> SeededImage {
        guard let image = info.images.first(where: { $0.repository == repository && $0.tag == tag }) else {
            fatalError("faultyupstream.py has no \(repository):\(tag)")
        }
        return image
    }

    /// Turns `fault` on for flip/app (`nil` turns it off): one of faultyupstream.py's FAULTS.
    func setFlipFault(_ fault: String?) async throws {
        let result = try await HTTP.request(.POST, url + "/_fault/" + (fault ?? "none"))
        guard result.status == 200 else { throw HarnessError("faultyupstream.py refused fault \(fault ?? "none"): \(result.text)") }
    }

    /// Stops the fake: its port refuses connections from now on.
    func stop() async { await process.stop() }

    /// Authenticated GETs whose path contains `fragment`: the fetches Stowage made (a first request
    /// of each Stowage process also meets a 401 challenge, which this leaves out).
    func fetches(containing fragment: String) async throws -> Int {
        try await requests(containing: fragment).filter { $0.method == "GET" && $0.authorization }.count
    }

    /// Requests the fake received, optionally only those whose path contains `fragment`.
    func requests(containing fragment: String = "") async throws -> [Request] {
        let result = try await HTTP.get(url + "/_requests")
        return try JSONDecoder().decode([Request].self, from: Data(result.body)).filter { $0.path.contains(fragment) }
    }
}
