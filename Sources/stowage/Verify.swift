import ArgumentParser
import Store

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every cached blob's size and digest and the index's consistency.",
        discussion: """
            Prints one line per problem and a summary; exits 1 when there are problems. With --repair \
            (only while no server runs on this storage) orphan files whose digest verifies are adopted, \
            other orphans and corrupt blobs are removed, and records without a good file are dropped, so \
            the next pull fetches them again.
            """
    )

    @OptionGroup var options: StoreOptions

    @Flag(help: "Fix what is found (takes the storage lock: stop the server first).")
    var repair = false

    func run() async throws {
        let (store, _) = options.open(repair ? .maintenance : .reader)
        let report = try store.check(hashing: true)
        for line in report.problemLines { print(line) }
        print("verify: \(report.summary)")
        guard !report.isClean else { return }
        guard repair else { throw ExitCode(1) }
        let repaired = try store.repair(report)
        let after = try store.check(hashing: false)
        print("repaired: \(repaired.adopted) orphans adopted, \(repaired.removed) files removed; now \(after.summary)")
        if !after.isClean { throw ExitCode(1) }
    }
}
