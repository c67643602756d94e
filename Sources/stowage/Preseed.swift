import ArgumentParser
import Cache
import Console
import Foundation
import Runtime
import Upstream
import Glibc

struct Preseed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill the cache with images before they are pulled (for example before going offline).",
        discussion: """
            Images come from arguments, --file lists and --manifests (rendered Kubernetes/Helm YAML). Each is routed and \
            fetched exactly as `serve` would on a pull, into the same store, and this may run while `serve` runs on it. For \
            an index (multi-platform image) the index is kept whole and only the manifests and blobs of the --platform \
            platforms are fetched (all when none is given). What is cached already is skipped, so a re-run resumes. \
            On a terminal a live display shows each image and the total; otherwise one line per image; --json prints one \
            JSON event per line. Exit status: 0 when every image is cached, 1 when one failed, 2 for bad usage or configuration.
            """
    )

    @OptionGroup var list: ImageList
    @OptionGroup var platform: PlatformOptions

    @Option(help: "Blobs downloaded at once, across all images.")
    var concurrency = 4

    @Flag(help: "Pin each image once cached, so eviction never removes it (see `stowage pin`).")
    var pin = false

    @Flag(help: "Print one JSON object per event (started, resolved, progress, blob, finished, failed, summary).")
    var json = false

    @OptionGroup var options: CacheOptions

    func validate() throws {
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 64.") }
    }

    func run() async throws {
        let images = list.load(checkingReferences: false)  // a bad one is reported as failed; the rest go on
        let platforms = platform.platforms
        let opened = options.open()
        let output: any PreseedOutput = if json { JSONEvents() } else if TerminalDisplay.isTerminal(STDOUT_FILENO) { LiveDisplay() } else { FinishedLines() }
        let start = ContinuousClock.now
        let preseeder = Preseeder(cache: opened.cache, options: .init(platforms: platforms, concurrency: concurrency, pin: pin),
                                  events: { output.handle($0) })
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                output.tick()
            }
        }
        let results = await preseeder.run(images)
        ticker.cancel()
        await opened.close()
        let outcomes = results.compactMap { try? $0.get() }
        let elapsed = start.duration(to: .now)
        output.finish(PreseedSummary(images: results.count, cached: outcomes.filter(\.alreadyCached).count,
                                     failed: results.count - outcomes.count, blobs: outcomes.map(\.fetchedBlobs).reduce(0, +),
                                     bytes: outcomes.map(\.fetchedBytes).reduce(0, +),
                                     seconds: elapsed.inSeconds))
        if outcomes.count < results.count { throw ExitCode(1) }
    }
}
