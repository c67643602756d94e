import ArgumentParser

@main
struct Stowage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stowage",
        abstract: "A caching pull-through container registry.",
        subcommands: [Serve.self, Stats.self, Ls.self, Pin.self, Unpin.self, Verify.self, Images.self],
        defaultSubcommand: Serve.self
    )
}
