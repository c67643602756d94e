import Foundation

/// The built `stowage serve`, on a free loopback port, with its own (or a given) data directory.
final class StowageServer: Sendable {
    let url: String
    let port: Int
    let storage: String
    /// `http://127.0.0.1:P/metrics` (`https` with `metrics.tls`), from the start-up line (nil with `--metrics-listen off`).
    let metricsURL: String?
    private let process: ChildProcess

    var pid: Int32 { process.pid }
    var logPath: String { process.logPath }

    private init(url: String, port: Int, storage: String, metricsURL: String?, process: ChildProcess) {
        self.url = url
        self.port = port
        self.storage = storage
        self.metricsURL = metricsURL
        self.process = process
    }

    /// Starts Stowage against `upstream` with the license-style credentials, plus `extra` flags.
    /// `descriptorLimit`: run it under that RLIMIT_NOFILE (soft and hard), through `prlimit`.
    static func start(upstream: String, storage: String? = nil, credentials: Bool = true, extra: [String] = [],
                      descriptorLimit: Int? = nil) async throws -> StowageServer {
        var arguments = ["--upstream", upstream]
        var environment = ProcessInfo.processInfo.environment
        if credentials {
            arguments += ["--upstream-username", UpstreamRegistry.user, "--upstream-password-env", "STOWAGE_TEST_LICENSE"]
            environment["STOWAGE_TEST_LICENSE"] = UpstreamRegistry.password
        }
        // Flags only: the repository's Configs/stowage.yaml must not leak into tests.
        arguments += ["--config", Paths.harness + "/empty-config.yaml"]
        return try await launch(arguments + extra, storage: storage, environment: environment, descriptorLimit: descriptorLimit)
    }

    /// Starts Stowage with `yaml` as its config file (its upstreams), plus `extra` flags.
    static func start(config yaml: String, storage: String? = nil, extra: [String] = []) async throws -> StowageServer {
        let path = Paths.temporaryDirectory("config") + "/stowage.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try await launch(["--config", path] + extra, storage: storage, environment: ProcessInfo.processInfo.environment)
    }

    private static func launch(_ arguments: [String], storage: String?, environment: [String: String],
                               descriptorLimit: Int? = nil) async throws -> StowageServer {
        let storage = storage ?? Paths.temporaryDirectory("storage")
        // No drain delay (5 s by default): every test stops its server; one that tests the delay sets it.
        // Metrics on a free port too: tests run many servers at once.
        let common = ["serve", "--listen", "127.0.0.1:0", "--storage", storage, "--log-level", "debug", "--drain-delay", "0s",
                      "--metrics-listen", "127.0.0.1:0"]
        // prlimit sets the limit and execs the command: the process (and its pid) is Stowage's.
        let process = try descriptorLimit.map { limit in
            try ChildProcess("/usr/bin/prlimit", ["--nofile=\(limit):\(limit)", Paths.stowage] + common + arguments,
                             logPath: storage + ".stowage.log", environment: environment)
        } ?? ChildProcess(Paths.stowage, common + arguments, logPath: storage + ".stowage.log", environment: environment)
        guard let line = await process.readLine(timeout: .seconds(30)), let range = line.range(of: "https://") ?? line.range(of: "http://") else {
            throw HarnessError("stowage did not start; see \(storage).stowage.log")
        }
        let url = String(line[range.lowerBound...].prefix { $0 != " " })
        guard let port = Int(url.split(separator: ":").last ?? "") else { throw HarnessError("no port in \(line)") }
        let metricsURL = line.range(of: "metrics http").map { String(line[line.index($0.lowerBound, offsetBy: "metrics ".count)...].prefix { $0 != ")" && $0 != " " }) }
        return StowageServer(url: url, port: port, storage: storage, metricsURL: metricsURL, process: process)
    }

    /// `host:port`, as clients name the registry.
    var host: String { "127.0.0.1:\(port)" }

    func stop() async { await process.stop() }
    /// Sends SIGTERM and waits up to `within` for a clean exit; returns the exit status, or nil if it did not exit.
    func terminate(within: Duration) async -> Int32? {
        process.signal(SIGTERM)
        return await waitForExit(within: within)
    }
    func kill9() async { await process.stop(grace: .zero) }

    /// Sends `number` and returns at once.
    func signal(_ number: Int32) async { process.signal(number) }

    /// Waits up to `within` for the process to exit; its status, or nil if it is still running.
    func waitForExit(within: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + within
        while process.process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return process.process.isRunning ? nil : process.process.terminationStatus
    }

    /// Everything Stowage logged so far.
    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The statuses of the access lines (text format) of requests whose path and query were exactly
    /// `path`, once there is one (access lines are written in batches, up to 50 ms late) or a second passed.
    func accessStatuses(path: String) async -> [String] {
        let deadline = ContinuousClock.now + .seconds(1)
        while true {
            let statuses = log().split(separator: "\n").filter { $0.contains("[Server] request") && $0.contains(" path=\(path) ") }.compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("status=") }.map { String($0.dropFirst("status=".count)) }
            }
            if !statuses.isEmpty || ContinuousClock.now > deadline { return statuses }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The log once the access lines of requests already answered have been written (they are
    /// written in batches every 50 ms).
    func logWithAccessLines() async -> String {
        try? await Task.sleep(for: .milliseconds(150))
        return log()
    }
}
