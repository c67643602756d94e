import Foundation
import Synchronization
import Testing

/// A 15 MiB budget filled with 3× that in 4 MiB images, pulled in a known order with some
/// re-accessed, against a real registry.
///
/// Each image is a manifest, a small config and one ~4 MiB layer, so three images fit and a fourth
/// does not: every new layer evicts exactly the least recently used image (down to the 90 % low
/// watermark).
@Suite(.serialized) struct DiskBudgetTests {
    static let budget: Int64 = 15 << 20
    static let names = (1...11).map { "evict/img-\($0)" }

    @Test func leastRecentlyUsedImagesAreEvictedInOrderUsedBytesStayUnderTheBudgetAndEvictedBlobsComeBack() async throws {
        let upstream = try await UpstreamRegistry.start(auth: .none, sized: Self.names.map { ($0, 4 << 20) })
        defer { Task { await upstream.stop() } }
        let stowage = try await StowageServer.start(upstream: upstream.url, credentials: false, extra: ["--max-size", "15MiB"])
        defer { Task { await stowage.stop() } }
        let sampler = UsageSampler(storage: stowage.storage)
        sampler.start()

        func pull(_ number: Int) async throws {
            let image = upstream.images.named("evict/img-\(number)")
            let manifest = try await HTTP.get("\(stowage.url)/v2/\(image.repository)/manifests/1.0", headers: [acceptAll])
            #expect(manifest.status == 200)
            for blob in image.blobs {
                let response = try await HTTP.get("\(stowage.url)/v2/\(image.repository)/blobs/\(blob.digest)")
                #expect(response.status == 200)
                #expect(response.body.count == Int(blob.size))
            }
        }
        /// Which images' layers are on disk.
        func cached() -> [Int] {
            (1...11).filter { number in
                let layer = upstream.images.named("evict/img-\(number)").blobs.max { $0.size < $1.size }!
                return FileManager.default.fileExists(atPath: stowage.storage.blobPath(layer.digest))
            }
        }

        // (step, images cached after it, least recent first)
        let steps: [(action: () async throws -> Void, expected: [Int])] = [
            ({ try await pull(1) }, [1]),
            ({ try await pull(2) }, [1, 2]),
            ({ try await pull(3) }, [1, 2, 3]),
            ({ try await pull(1) }, [1, 2, 3]),       // 1 becomes the most recent
            ({ try await pull(4) }, [1, 3, 4]),       // evicts 2
            ({ try await pull(5) }, [1, 4, 5]),       // evicts 3
            ({ try await pull(4) }, [1, 4, 5]),       // 4 becomes the most recent
            ({ try await pull(6) }, [4, 5, 6]),       // evicts 1
            ({ try await pull(7) }, [4, 6, 7]),       // evicts 5
            ({ try await pull(8) }, [6, 7, 8]),       // evicts 4
            ({ try await pull(6) }, [6, 7, 8]),
            ({ try await pull(9) }, [6, 8, 9]),       // evicts 7
            ({ try await pull(10) }, [6, 9, 10]),     // evicts 8
            ({ try await pull(11) }, [9, 10, 11]),    // evicts 6
        ]
        for (index, step) in steps.enumerated() {
            try await step.action()
            #expect(cached() == step.expected.sorted(), "after step \(index + 1)")
        }

        // An evicted image pulls again, transparently: its layer is fetched from the upstream again.
        let evicted = upstream.images.named("evict/img-2")
        let layer = evicted.blobs.max { $0.size < $1.size }!
        let fetchesBefore = try upstream.blobGETs().filter { $0.path.hasSuffix(layer.digest) }.count
        let dir = try Skopeo.pull(stowage.host, "evict/img-2:1.0")
        #expect(try Skopeo.verify(dir, expecting: evicted.blobs.map(\.digest)) == [])
        #expect(try upstream.blobGETs().filter { $0.path.hasSuffix(layer.digest) }.count == fetchesBefore + 1)

        let samples = sampler.stop()
        #expect(samples.count >= 5, "the sampler ran throughout")
        #expect(samples.map(\.files).max()! <= Self.budget, "blob files on disk never exceeded the budget")
        #expect(samples.map(\.recorded).max()! <= Self.budget, "recorded bytes never exceeded the budget")
        let stats = try StowageCLI.stats(storage: stowage.storage)
        #expect(stats.bytesUsed <= Self.budget)
        #expect(stats.evictions >= 8 * 3, "eight images evicted: manifest, config and layer each")
    }
}

/// Polls, on its own thread, the bytes of files under `blobs/` and the recorded bytes used.
final class UsageSampler: Sendable {
    struct Sample: Sendable { let files: Int64; let recorded: Int64 }
    let storage: String
    private let samples = Mutex<[Sample]>([])
    private let running = Atomic<Bool>(true)

    init(storage: String) { self.storage = storage }

    func start() {
        Thread { [self] in
            while running.load(ordering: .relaxed) {
                let recorded = (try? StowageCLI.stats(storage: storage).bytesUsed) ?? 0
                let sample = Sample(files: blobFileBytes(), recorded: recorded)
                samples.withLock { $0.append(sample) }
                usleep(50_000)
            }
        }.start()
    }

    func stop() -> [Sample] {
        running.store(false, ordering: .relaxed)
        return samples.withLock { $0 }
    }

    private func blobFileBytes() -> Int64 {
        let root = URL(fileURLWithPath: storage + "/blobs")
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])
        var total: Int64 = 0
        while let url = files?.nextObject() as? URL {
            let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            if values?.isRegularFile == true { total += Int64(values?.fileSize ?? 0) }
        }
        return total
    }
}
