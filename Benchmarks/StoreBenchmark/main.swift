// Store benchmark: an index of N blob entries (default 1,000,000). Prints start-up time, memory and
// eviction cost per blob, each beside a reference measured in the same run:
//
//   start-up       opening the store (schema check, no scan)  vs  scanning the whole index once
//                  (what a start-up that recomputed sizes or order would pay)
//   eviction       one pass evicting the K least recently used blobs (index + unlink)  vs
//                  unlinking K files of the same size alone (the file system's share)
//   memory         resident set after open and after eviction  vs  the index file's size
//
// Run: swift run -c release store-benchmark [entries] [evicted]
import Foundation
import Glibc
import Logging
import OCI
import Store

let entries = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000
let evicted = CommandLine.arguments.dropFirst(2).first.flatMap(Int.init) ?? 10_000
let blobSize: Int64 = 4096
let root = FileManager.default.temporaryDirectory.appendingPathComponent("stowage-bench-\(UUID().uuidString.prefix(8))").path
let logger = Logger(label: "bench")
defer { try? FileManager.default.removeItem(atPath: root) }

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func measure<R>(_ body: () async throws -> R) async rethrows -> (R, Double) {
    let started = ContinuousClock.now
    let result = try await body()
    return (result, seconds(ContinuousClock.now - started))
}

/// Resident memory: heap and other private pages, and pages of mapped files (LMDB's map).
struct Resident {
    let anonymous: Double
    let file: Double

    static func now() -> Resident {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func mib(_ field: String) -> Double {
            let line = status.split(separator: "\n").first { $0.hasPrefix(field) } ?? ""
            return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        }
        return Resident(anonymous: mib("RssAnon:"), file: mib("RssFile:"))
    }

    var text: String { String(format: "heap %.0f MiB + mapped index %.0f MiB", anonymous, file) }
}

/// Deterministic distinct digests: sha256 of the entry number.
func digest(_ number: Int) -> Digest {
    SHA256Hasher.digest(of: withUnsafeBytes(of: number.littleEndian, Array.init))
}

func writeFile(_ path: String, size: Int) {
    let directory = (path as NSString).deletingLastPathComponent
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: path, contents: Data(count: size))
}

/// `value` against `reference`, as a ratio people read at a glance.
func ratio(_ value: Double, _ reference: Double) -> String {
    let r = value / max(reference, 1e-12)
    return r >= 1 ? String(format: "%.2f× the reference", r) : String(format: "1/%.0f of the reference", 1 / r)
}

print("store benchmark: \(entries) entries of \(blobSize) bytes, evicting \(evicted); data in \(root)")

// Populate, in batches of 50,000 per transaction.
let (_, populate) = try await measure {
    let store = try ContentStore(root: root, logger: logger)
    var batch: [(digest: Digest, size: Int64)] = []
    for number in 0..<entries {
        batch.append((digest(number), blobSize))
        if batch.count == 50_000 || number == entries - 1 {
            try await store.insertRecordsWithoutFiles(batch)
            batch.removeAll(keepingCapacity: true)
        }
    }
    await store.close()
}
print(String(format: "populate        %8.2f s   (%.0f entries/s)", populate, Double(entries) / populate))

// The oldest `evicted` entries get real files, so eviction unlinks real files.
let victims = (0..<evicted).map(digest)
let layout = StorageLayout(root: root)
for victim in victims { writeFile(layout.blobPath(for: victim), size: Int(blobSize)) }

let rssBefore = Resident.now()
let (store, startup) = try await measure {
    try ContentStore(root: root, budget: StorageBudget(maxBytes: Int64(entries) * blobSize, lowWatermarkFraction: 1), logger: logger)
}
let rssOpen = Resident.now()

// One pass evicting `evicted` blobs: ask for room for exactly their bytes.
let needed = Int64(evicted) * blobSize
let (reservation, eviction) = try await measure { try await store.beginIngest(of: digest(-1), expectedSize: needed) }
precondition(reservation != nil, "room should have been made")
let rssEvicted = Resident.now()
let gone = victims.filter { !FileManager.default.fileExists(atPath: layout.blobPath(for: $0)) }.count
precondition(gone == evicted, "expected \(evicted) files evicted, found \(gone)")
let stats = try store.statistics()

// Reference: unlinking the same number of files of the same size, nothing else.
let referenceRoot = root + "/reference"
let referencePaths = (0..<evicted).map { "\(referenceRoot)/\($0 % 256)/\($0)" }
for path in referencePaths { writeFile(path, size: Int(blobSize)) }
let (_, unlinking) = await measure { for path in referencePaths { unlink(path) } }

// Reference for start-up: what reconciling after a crash costs (every record, entry and file).
let (report, scan) = try await measure { try store.check(hashing: false) }
let rssScanned = Resident.now()

print(String(format: "start-up        %8.3f ms  vs recovery scan (index + stat per blob) %8.0f ms  (%@; %d entries)",
             startup * 1000, scan * 1000, ratio(startup, scan), report.blobsChecked))
print(String(format: "eviction        %8.2f µs/blob vs unlink alone %6.2f µs/file  (%@; %d blobs in %.0f ms, %d left)",
             eviction / Double(evicted) * 1e6, unlinking / Double(evicted) * 1e6, ratio(eviction, unlinking),
             evicted, eviction * 1000, stats.blobs))
let mdbSize = Double((try? FileManager.default.attributesOfItem(atPath: root + "/index/data.mdb")[.size] as? Int) ?? 0) / 1_048_576
print(String(format: "memory          index file %.0f MiB; resident before open: %@; open: %@; after evicting: %@; after the recovery scan: %@",
             mdbSize, rssBefore.text, rssOpen.text, rssEvicted.text, rssScanned.text))
await store.close()
