import ArgumentParser
import Console
import Foundation
import Store
import StowageConfig

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what the cache holds: repositories, tags, blobs, bytes used against the budget, hits and misses.",
        discussion: "Counters are written by the server about once a second, so a running server's latest requests may not show yet."
    )

    @OptionGroup var options: StoreOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() async throws {
        let (store, settings) = options.open(.reader)
        let stats = try store.statistics()
        if json {
            var object: [String: Any] = [
                "storage": settings.path, "repositories": stats.repositories, "tags": stats.tags, "manifests": stats.manifests,
                "blobs": stats.blobs, "pins": stats.pins, "pinnedBytes": stats.pinnedBytes, "bytesUsed": stats.bytesUsed, "hits": stats.hits, "misses": stats.misses,
                "uncachedForSpace": stats.uncachedForSpace, "evictions": stats.evictions,
            ]
            object["maxBytes"] = settings.maxBytes ?? NSNull()
            object["oldestAccess"] = stats.oldestAccess.map(isoTime) ?? NSNull()
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let budget = settings.maxBytes.map { max in
            "\(Formatting.bytes(stats.bytesUsed)) of \(Formatting.bytes(max)) (\(stats.bytesUsed * 100 / max)%)"
        } ?? "\(Formatting.bytes(stats.bytesUsed)) (no limit set)"
        let rows: [(String, String)] = [
            ("storage", settings.path),
            ("used", budget),
            ("repositories", "\(stats.repositories)"),
            ("tags", "\(stats.tags)"),
            ("manifests", "\(stats.manifests)"),
            ("blobs", "\(stats.blobs)"),
            ("pinned", stats.pins == 0 ? "0" : "\(stats.pins) images, \(Formatting.bytes(stats.pinnedBytes)) kept from eviction"),
            ("oldest access", stats.oldestAccess.map(isoTime) ?? "-"),
            ("hits", "\(stats.hits)"),
            ("misses", "\(stats.misses)"),
            ("not kept (no room)", "\(stats.uncachedForSpace)"),
            ("evicted", "\(stats.evictions)"),
        ]
        for (name, value) in rows { print(name.padding(toLength: 20, withPad: " ", startingAt: 0) + value) }
    }
}

struct Ls: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List cached tags: upstream/repository:tag, digest, and when the upstream last confirmed it."
    )

    @OptionGroup var options: StoreOptions

    @Argument(help: "Only this repository (app/api, or hub/app/api as ls prints it), or one tag of it (hub/app/api:1.0).")
    var repository: String?

    func run() async throws {
        let (store, _) = options.open(.reader)
        let pinned = Set(try store.pins().map(\.digest))
        for tag in try store.cachedTags() where repository.map({ tag.isInRepository(named: $0) || tag.listedName == $0 }) ?? true {
            var notes = ["checked \(isoTime(tag.record.checkedAt))"]
            if !tag.manifestCached { notes.append("evicted") }
            if pinned.contains(tag.record.digest) { notes.append("pinned") }
            print("\(tag.listedName)  \(tag.record.digest)  \(notes.joined(separator: ", "))")
        }
    }
}
