import ArgumentParser
import Glibc

@main
struct Stowage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stowage",
        abstract: "A caching pull-through container registry.",
        subcommands: [Serve.self, Preseed.self, Check.self, Export.self, Import.self, Images.self, Stats.self, Ls.self, Pin.self, Unpin.self, Verify.self],
        defaultSubcommand: Serve.self
    )

    /// A closed pipe is an error each write handles (`printLine` stops quietly, `serve` keeps
    /// serving), not a signal that kills the process mid-write.
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
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
