import Foundation
import NIOCore
import OCI
import Store
import Testing

/// How a download reaches its file: hashed on append, written in batches on the store's threads,
/// and only written bytes announced (followers read the file).
@Suite struct BlobIngestTests {
    let fixture = StoreFixture()

    func ingestFile() throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/ingest")
        try #require(names.count == 1)
        return fixture.root + "/ingest/" + names[0]
    }

    func fileSize(_ path: String) throws -> Int64 {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64)
    }

    func begin(_ store: ContentStore, _ blob: TestBlob) async throws -> BlobIngest {
        try #require(try await store.beginIngest(of: blob.digest, expectedSize: Int64(blob.bytes.count)))
    }

    func committedBytes(_ store: ContentStore, _ blob: TestBlob) -> [UInt8]? {
        FileManager.default.contents(atPath: store.blobPath(blob.digest)).map(Array.init)
    }

    @Test func bytesReachTheFileByTheMiBAndFlushWritesTheRest() async throws {
        let store = try fixture.open()
        let blob = StoreFixture.blob("batched", size: (1 << 20) + 100)
        let ingest = try await begin(store, blob)
        let path = try ingestFile()
        for start in stride(from: 0, to: 1 << 20, by: 64 << 10) {
            let written = try await ingest.append(ByteBuffer(bytes: blob.bytes[start..<start + (64 << 10)]))
            #expect(written == ingest.bytesWritten)
            #expect(written <= ingest.bytesAppended)
            #expect(try fileSize(path) == written, "what is announced is in the file, no more and no less")
        }
        #expect(ingest.bytesWritten == 1 << 20, "the sixteenth 64 KiB chunk completes a MiB, which is written")
        try await ingest.append(ByteBuffer(bytes: blob.bytes[(1 << 20)...]))
        #expect(ingest.bytesAppended == Int64(blob.bytes.count))
        #expect(try await ingest.flush() == Int64(blob.bytes.count))
        #expect(try fileSize(path) == Int64(blob.bytes.count))
        #expect(try await store.commit(ingest))
        #expect(committedBytes(store, blob) == blob.bytes)
    }

    @Test func aReaderOfTheFileSeesTheWrittenBytesThroughTheRename() async throws {
        let store = try fixture.open()
        let blob = StoreFixture.blob("followed", size: 3000)
        let ingest = try await begin(store, blob)
        let reader = try ingest.openReader()
        defer { close(reader) }
        #expect(fcntl(reader, F_GETFD) & FD_CLOEXEC == FD_CLOEXEC, "a child process never inherits it")
        try await ingest.append(ByteBuffer(bytes: blob.bytes[..<1000]))
        try await ingest.append(ByteBuffer(bytes: blob.bytes[1000...]))
        #expect(try await ingest.flush() == 3000)
        #expect(try await store.commit(ingest))
        var read = [UInt8](repeating: 0, count: 4000)
        let count = read.withUnsafeMutableBytes { pread(reader, $0.baseAddress, $0.count, 0) }
        #expect(count == 3000)
        #expect(Array(read[..<3000]) == blob.bytes)
    }

    @Test func moreBytesThanAnnouncedAreRefusedBeforeAnyIsWritten() async throws {
        let store = try fixture.open()
        let ingest = try #require(try await store.beginIngest(of: SHA256Hasher.digest(of: [1, 2]), expectedSize: 2))
        await #expect(throws: StoreError.self) { try await ingest.append(ByteBuffer(bytes: [1, 2, 3])) }
        #expect(ingest.bytesAppended == 0)
        #expect(try await ingest.flush() == 0)
        #expect(try fileSize(try ingestFile()) == 0)
    }

    @Test func theBlockingAppendOfACommandWritesAtOnce() async throws {
        let store = try fixture.open()
        let blob = StoreFixture.blob("imported", size: 5000)
        let ingest = try await begin(store, blob)
        try await ingest.append(ByteBuffer(bytes: blob.bytes[..<10]))
        try blob.bytes[10...].withUnsafeBytes { try ingest.append($0) }
        #expect(ingest.bytesWritten == 5000, "the batch before it is written first, in order")
        try ingest.verify()
        #expect(try await store.commit(ingest))
        #expect(committedBytes(store, blob) == blob.bytes)
    }

    @Test func aDownloadStillRunningWhenTheStoreClosesKeepsNothing() async throws {
        let store = try fixture.open()
        let blob = StoreFixture.blob("late", size: 100)
        let ingest = try await begin(store, blob)
        try await ingest.append(ByteBuffer(bytes: blob.bytes))
        await store.close()
        let error = await #expect(throws: StoreError.self) { try await store.commit(ingest) }
        #expect(error?.description == StoreError.closed.description)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/ingest").isEmpty)
        #expect(try store.blob(blob.digest) == nil)
    }
}
