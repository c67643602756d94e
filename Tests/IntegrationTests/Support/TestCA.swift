import Foundation

/// A throwaway certificate authority made with the `openssl` command (ECDSA P-256), and the
/// certificates it signs: servers for `127.0.0.1` and `localhost`, clients for mutual TLS.
struct TestCA: Sendable {
    let directory: String
    /// `ca.crt`, the authority's certificate: what clients (or a server, for client certificates) trust.
    let certificate: String
    private let key: String

    /// A new authority whose subject is `CN=<name>`.
    static func make(_ name: String) throws -> TestCA {
        let directory = Paths.temporaryDirectory("ca")
        let ca = TestCA(directory: directory, certificate: directory + "/ca.crt", key: directory + "/ca.key")
        try run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                                     "-subj", "/CN=\(name)", "-keyout", ca.key, "-out", ca.certificate])
        return ca
    }

    /// A server certificate for `127.0.0.1` and `localhost` signed by this authority: (certificate, key) paths.
    func server(_ name: String = "server") throws -> (certificate: String, key: String) {
        try issue(name, extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    }

    /// A client certificate for mutual TLS, `CN=<name>`.
    func client(_ name: String = "client") throws -> (certificate: String, key: String) {
        try issue(name, extensions: "extendedKeyUsage=clientAuth\n")
    }

    private func issue(_ name: String, extensions: String) throws -> (certificate: String, key: String) {
        let base = directory + "/" + name
        try extensions.write(toFile: base + ".ext", atomically: true, encoding: .utf8)
        try run("/usr/bin/openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=\(name)",
                                     "-keyout", base + ".key", "-out", base + ".csr"])
        try run("/usr/bin/openssl", ["x509", "-req", "-in", base + ".csr", "-CA", certificate, "-CAkey", key, "-CAcreateserial",
                                     "-days", "2", "-extfile", base + ".ext", "-out", base + ".crt"])
        return (base + ".crt", base + ".key")
    }
}

/// The real `curl`, for what the tests' HTTP client does not do: TLS with a test CA, client
/// certificates. Status, headers and body of one request.
enum Curl {
    struct Result {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        /// curl's own exit status: 0, or why no HTTP answer came (35: the TLS handshake failed; 60: the peer's certificate was not trusted).
        let exitStatus: Int32
    }

    static func request(_ url: String, caFile: String, method: String = "GET", clientCertificate: (certificate: String, key: String)? = nil,
                        user: String? = nil, headers: [String] = []) throws -> Result {
        let scratch = Paths.temporaryDirectory("curl")
        var arguments = ["-s", "--max-time", "60", "--cacert", caFile, "-o", scratch + "/body", "-D", scratch + "/headers", "-w", "%{http_code}"]
        if method == "HEAD" { arguments.append("-I") } else { arguments += ["-X", method] }
        if let clientCertificate { arguments += ["--cert", clientCertificate.certificate, "--key", clientCertificate.key] }
        if let user { arguments += ["-u", user] }
        for header in headers { arguments += ["-H", header] }
        let result = try execute("/usr/bin/curl", arguments + [url])
        let body = FileManager.default.contents(atPath: scratch + "/body").map { [UInt8]($0) } ?? []
        var fields: [String: String] = [:]
        for line in ((try? String(contentsOfFile: scratch + "/headers", encoding: .utf8)) ?? "").split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Result(status: Int(result.stdout) ?? 0, headers: fields, body: body, exitStatus: result.status)
    }
}

/// A TLS connection held open by the real `openssl s_client`: requests written to it one at a time,
/// each answer read whole (`Connection: keep-alive`, bodies sized by `Content-Length`).
final class HeldTLSConnection: @unchecked Sendable {  // a Process and its pipes, used by one test at a time
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var pending: [UInt8] = []

    init(host: String, caFile: String, clientCertificate: (certificate: String, key: String)? = nil) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        var arguments = ["s_client", "-quiet", "-verify_return_error", "-connect", host, "-CAfile", caFile, "-servername", "localhost"]
        if let clientCertificate { arguments += ["-cert", clientCertificate.certificate, "-key", clientCertificate.key] }
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Sends `GET path` and returns the status of the answer, having read its body.
    func get(_ path: String) throws -> Int {
        input.fileHandleForWriting.write(Data("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
        let head = try readHead()
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else {
            throw HarnessError("no HTTP answer on the held connection: \(head)")
        }
        let length = lines.first { $0.lowercased().hasPrefix("content-length:") }.flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        while pending.count < length { try fill() }
        pending.removeFirst(length)
        return status
    }

    private func readHead() throws -> String {
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            if let range = pending.firstRange(of: end) {
                let head = String(decoding: pending[..<range.lowerBound], as: UTF8.self)
                pending.removeFirst(range.upperBound)
                return head
            }
            try fill()
        }
    }

    private func fill() throws {
        let data = output.fileHandleForReading.availableData
        guard !data.isEmpty else { throw HarnessError("the held TLS connection was closed") }
        pending += data
    }

    /// Ends `s_client` at once (SIGKILL: on end of input it would wait for the server to close).
    func close() {
        try? input.fileHandleForWriting.close()
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
