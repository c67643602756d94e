import Foundation

/// A private containerd (Debian's `containerd` package, run as root) with its own config, root, state
/// and socket in a fresh temporary directory, so it never touches a system containerd. Pulls are made
/// with `ctr images pull --hosts-dir`, which reads containerd's `hosts.toml` mirror configuration;
/// with containerd 1.6, `ctr` itself talks to the registries and the daemon stores and unpacks.
final class Containerd: Sendable {
    /// The namespace every `ctr` command of the tests uses.
    static let namespace = "stowage-test"

    let directory: String
    let socket: String
    /// `overlayfs` when the daemon could load it on this file system (it tries a real overlay mount),
    /// otherwise `native` (plain copies, works anywhere).
    let snapshotter: String
    private let process: ChildProcess
    /// Sends the daemon SIGTERM if the test process dies without stopping it (its stdin closes).
    private let watchdog: ChildProcess

    var pid: Int32 { process.pid }
    var logPath: String { process.logPath }

    private init(directory: String, socket: String, snapshotter: String, process: ChildProcess, watchdog: ChildProcess) {
        self.directory = directory
        self.socket = socket
        self.snapshotter = snapshotter
        self.process = process
        self.watchdog = watchdog
    }

    static let containerdPath = executable("containerd")
    static let ctrPath = executable("ctr")

    /// Whether both `containerd` and `ctr` are installed (`apt-get install containerd`).
    static var isInstalled: Bool { containerdPath != nil && ctrPath != nil }

    private static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin", "/usr/sbin"]
        return directories.map { $0 + "/" + name }.first(where: FileManager.default.isExecutableFile(atPath:))
    }

    /// The daemon's configuration: everything under `directory`; the CRI plugin (which wants CNI
    /// and a runtime) and the snapshotters that cannot work on a plain file system are off.
    static func config(directory: String, socket: String) -> String {
        """
        version = 2
        root = "\(directory)/root"
        state = "\(directory)/state"
        disabled_plugins = [
          "io.containerd.grpc.v1.cri",
          "io.containerd.snapshotter.v1.aufs",
          "io.containerd.snapshotter.v1.btrfs",
          "io.containerd.snapshotter.v1.devmapper",
          "io.containerd.snapshotter.v1.zfs",
        ]

        [grpc]
          address = "\(socket)"

        [ttrpc]
          address = "\(socket).ttrpc"

        [plugins."io.containerd.internal.v1.opt"]
          path = "\(directory)/opt"

        # Content pulled in one namespace is not silently reused by another.
        [plugins."io.containerd.metadata.v1.bolt"]
          content_sharing_policy = "isolated"

        """
    }

    /// Starts containerd in a fresh directory and waits until `ctr version` answers on its socket.
    static func start() async throws -> Containerd {
        guard let containerdPath, ctrPath != nil else {
            throw HarnessError("containerd is not installed: run scripts/setup.sh (apt-get install containerd)")
        }
        let directory = Paths.temporaryDirectory("containerd")
        // A unix socket path must stay under 108 bytes.
        let socket = directory.utf8.count < 80 ? directory + "/containerd.sock"
            : Paths.temporaryDirectory("ctrd") + "/c.sock"
        let configPath = directory + "/config.toml"
        try config(directory: directory, socket: socket).write(toFile: configPath, atomically: true, encoding: .utf8)

        let process = try ChildProcess(containerdPath, ["--config", configPath, "--log-level", "info"], logPath: directory + "/containerd.log")
        let watchdog: ChildProcess
        do {
            // Builtins only: a forked child (say `cat`) would inherit the descriptor by which Foundation
            // learns that the shell has exited, and `watchdog.stop()` would then wait for ever.
            watchdog = try ChildProcess("/bin/sh", ["-c", "while read -r _; do :; done; kill -TERM \(process.pid) 2>/dev/null"],
                                        logPath: directory + "/watchdog.log")
        } catch {
            await process.stop()
            throw error
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            if !process.process.isRunning {
                await stop(process, watchdog, directory: directory, socket: socket, keepDirectory: true)
                throw HarnessError("containerd exited with status \(process.process.terminationStatus):\n\(tail(process.logPath))")
            }
            if let version = try? await ctr(socket: socket, directory: directory, ["version"], timeout: .seconds(5)), version.status == 0 { break }
            if ContinuousClock.now >= deadline {
                await stop(process, watchdog, directory: directory, socket: socket, keepDirectory: true)
                throw HarnessError("containerd did not answer on \(socket) within 30 s:\n\(tail(process.logPath))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }

        let plugins = try await ctr(socket: socket, directory: directory, ["plugins", "ls"], timeout: .seconds(10))
        let overlay = plugins.output.split(separator: "\n").contains { line in
            let columns = line.split(separator: " ", omittingEmptySubsequences: true)
            return columns.count >= 3 && columns[0] == "io.containerd.snapshotter.v1" && columns[1] == "overlayfs" && columns.last == "ok"
        }
        return Containerd(directory: directory, socket: socket, snapshotter: overlay ? "overlayfs" : "native",
                          process: process, watchdog: watchdog)
    }

    private static func tail(_ path: String) -> String {
        "(log: \(path))\n" + ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").suffix(2000)
    }

    /// Starts a containerd, runs `body` with it and stops it, whether `body` throws or not.
    static func with<T>(_ body: (Containerd) async throws -> T) async throws -> T {
        let containerd = try await start()
        do {
            let result = try await body(containerd)
            await containerd.stop()
            return result
        } catch {
            await containerd.stop()
            throw error
        }
    }

    /// The text of a `hosts.toml`: `mirrors` tried in order with `capabilities`, then `server`.
    static func hostsTOML(server: String, mirrors: [String], capabilities: [String] = ["pull", "resolve"]) -> String {
        let capabilityList = capabilities.map { "\"\($0)\"" }.joined(separator: ", ")
        var text = "server = \"\(server)\"\n"
        for mirror in mirrors {
            text += "\n[host.\"\(mirror)\"]\n  capabilities = [\(capabilityList)]\n"
        }
        return text
    }

    /// The text of a `hosts.toml` that pulls `registry` (`host:port`) itself over HTTPS, trusting
    /// `ca`, with an `Authorization` header on every request when one is given.
    static func httpsHostsTOML(registry: String, ca: String, authorization: String? = nil) -> String {
        var text = """
            server = "https://\(registry)"

            [host."https://\(registry)"]
              capabilities = ["pull", "resolve"]
              ca = "\(ca)"

            """
        if let authorization {
            text += "\n  [host.\"https://\(registry)\".header]\n    Authorization = \"\(authorization)\"\n"
        }
        return text
    }

    /// Writes `<new dir>/<host>/hosts.toml` for each namespace host (`docker.io`, `127.0.0.1:5000`, …)
    /// and returns the new directory, for `--hosts-dir`.
    func writeHosts(_ hosts: [String: String]) throws -> String {
        let hostsDirectory = directory + "/hosts-" + UUID().uuidString.prefix(8)
        for (host, text) in hosts {
            let hostDirectory = hostsDirectory + "/" + host
            try FileManager.default.createDirectory(atPath: hostDirectory, withIntermediateDirectories: true)
            try text.write(toFile: hostDirectory + "/hosts.toml", atomically: true, encoding: .utf8)
        }
        return hostsDirectory
    }

    /// `ctr images pull --hosts-dir hostsDir --snapshotter … [extra] reference` (fetch and unpack), e.g.
    /// with `extra: ["--all-platforms"]` or `["--platform", "linux/arm64"]`. Status 124 after `timeout`.
    func pull(_ reference: String, hostsDir: String, extra: [String] = [],
              timeout: Duration = .seconds(120)) async throws -> (status: Int32, output: String) {
        try await ctr(["images", "pull", "--hosts-dir", hostsDir, "--snapshotter", snapshotter] + extra + [reference], timeout: timeout)
    }

    /// References of the images in the test namespace.
    func images() async throws -> [String] {
        let result = try await ctr(["images", "ls", "-q"], timeout: .seconds(30))
        guard result.status == 0 else { throw HarnessError("ctr images ls failed: \(result.output)") }
        return result.output.split(separator: "\n").map(String.init)
    }

    /// Runs `ctr --address socket --namespace stowage-test arguments…`; stdout and stderr together.
    /// If it has not exited after `timeout` it is killed and the status is 124.
    func ctr(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> (status: Int32, output: String) {
        try await Self.ctr(socket: socket, directory: directory, arguments, timeout: timeout)
    }

    private static func ctr(socket: String, directory: String, _ arguments: [String],
                            timeout: Duration) async throws -> (status: Int32, output: String) {
        guard let ctrPath else { throw HarnessError("ctr is not installed") }
        // Output goes to a file, not a pipe: nothing to drain while waiting, however much ctr prints.
        let outputPath = directory + "/ctr-" + UUID().uuidString.prefix(8) + ".out"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? output.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: ctrPath)
        process.arguments = ["--address", socket, "--namespace", namespace] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        var timedOut = false
        if process.isRunning {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return timedOut ? (124, text + "\n[ctr killed after \(timeout)]") : (process.terminationStatus, text)
    }

    /// Everything containerd logged so far.
    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM (then SIGKILL), unmounts anything left mounted under the directory, removes it.
    func stop() async {
        await Self.stop(process, watchdog, directory: directory, socket: socket, keepDirectory: false)
    }

    private static func stop(_ process: ChildProcess, _ watchdog: ChildProcess, directory: String, socket: String,
                             keepDirectory: Bool) async {
        await process.stop(grace: .seconds(10))
        await watchdog.stop(grace: .zero)
        unmountAll(under: directory)
        if !keepDirectory {
            try? FileManager.default.removeItem(atPath: directory)
            if !socket.hasPrefix(directory + "/") {
                try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: socket).deletingLastPathComponent().path)
            }
        }
    }

    /// Lazily unmounts every mount point under `directory`, deepest first (overlayfs mounts only
    /// while unpacking, so normally there is none).
    private static func unmountAll(under directory: String) {
        guard let mountInfo = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return }
        let mountPoints = mountInfo.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let mountPoint = fields[4].replacingOccurrences(of: "\\040", with: " ")
            return mountPoint.hasPrefix(directory + "/") ? mountPoint : nil
        }
        for mountPoint in mountPoints.sorted(by: { $0.count > $1.count }) {
            _ = try? run("/usr/bin/umount", ["-l", mountPoint])
        }
    }
}
