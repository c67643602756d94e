import ArgumentParser
import Glibc
import Logging
import Logs
import Upstream

@main
struct Stowage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stowage",
        abstract: "A caching pull-through container registry.",
        version: StowageVersion.current,
        subcommands: [Serve.self, Preseed.self, Check.self, Export.self, Import.self, Images.self, Stats.self, Ls.self, Pin.self, Unpin.self, Remove.self,
                      Verify.self, Version.self],
        defaultSubcommand: Serve.self
    )

    /// A closed pipe is an error each write handles (`printLine` stops quietly, `serve` keeps
    /// serving), not a signal that kills the process mid-write. Logs are one line per record, their
    /// values quoted where they need it (`StandardErrorLogHandler`).
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        LoggingSystem.bootstrap { StandardErrorLogHandler(label: $0) }
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// `stowage version`: the version alone, as `stowage --version` prints it.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print Stowage's version.")

    func run() {
        printLine(StowageVersion.current)
    }
}
