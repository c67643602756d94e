import ArgumentParser

@main
struct Stowage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stowage",
        abstract: "A caching pull-through container registry.",
        subcommands: [Serve.self, Preseed.self, Check.self, Export.self, Import.self, Images.self, Stats.self, Ls.self, Pin.self, Unpin.self, Verify.self],
        defaultSubcommand: Serve.self
    )
}
