import ArgumentParser

@main
struct Stowage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stowage",
        abstract: "A caching pull-through container registry.",
        subcommands: [Serve.self],
        defaultSubcommand: Serve.self
    )
}
