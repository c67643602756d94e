import Foundation

/// Debian's Prometheus on a free loopback port, scraping one target every second, with its own
/// data directory; stopped with its `ChildProcess`.
final class PrometheusServer: Sendable {
    let url: String
    private let process: ChildProcess

    private init(url: String, process: ChildProcess) {
        self.url = url
        self.process = process
    }

    /// Starts Prometheus scraping `target` (`host:port`, path `/metrics`) every second; over HTTPS
    /// trusting `tls.ca` and presenting `tls.client`, when given (as `Deploy/prometheus/stowage.yml` shows).
    static func start(scraping target: String, tls: (ca: String, client: (certificate: String, key: String))? = nil) async throws -> PrometheusServer {
        let directory = Paths.temporaryDirectory("prometheus")
        let secured = tls.map { tls in
            """

                scheme: https
                tls_config:
                  ca_file: \(tls.ca)
                  cert_file: \(tls.client.certificate)
                  key_file: \(tls.client.key)
            """
        } ?? ""
        let config = """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: stowage
                static_configs:
                  - targets: ["\(target)"]\(secured)
            """
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let port = try freePort()
        let process = try ChildProcess("/usr/bin/prometheus", [
            "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--web.console.templates=\(directory)", "--web.console.libraries=\(directory)",
        ], logPath: directory + "/prometheus.log")
        let server = PrometheusServer(url: "http://127.0.0.1:\(port)", process: process)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if (try? await HTTP.get(server.url + "/-/ready"))?.status == 200 { return server }
            try await Task.sleep(for: .milliseconds(100))
        }
        await process.stop()
        throw HarnessError("prometheus did not become ready; see \(directory)/prometheus.log")
    }

    /// The value of an instant PromQL query that yields one sample; nil when it yields none.
    func query(_ promql: String) async throws -> Double? {
        var components = URLComponents(string: url + "/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: promql)]
        let answer = try await HTTP.get(components.url!.absoluteString)
        struct Response: Decodable {
            struct Data: Decodable {
                struct Sample: Decodable { let value: [StringOrNumber] }
                let result: [Sample]
            }
            let data: Data
        }
        let decoded = try JSONDecoder().decode(Response.self, from: Foundation.Data(answer.body))
        guard let sample = decoded.data.result.first, sample.value.count == 2, case .string(let text) = sample.value[1] else { return nil }
        return Double(text)
    }

    /// Waits until Prometheus has scraped the target after `instant` (so later queries see the
    /// counts as they were then), up to 10 s.
    func waitForScrape(after instant: Date) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let scraped = try await query("timestamp(up)"), scraped > instant.timeIntervalSince1970 + 0.1 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw HarnessError("prometheus did not scrape after the workload")
    }

    func stop() async { await process.stop() }

    enum StringOrNumber: Decodable {
        case string(String)
        case number(Double)
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) { self = .string(text) } else { self = .number(try container.decode(Double.self)) }
        }
    }
}

/// A loopback TCP port nothing listens on right now.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw HarnessError("no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
