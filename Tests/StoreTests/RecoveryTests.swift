import Foundation
import OCI
import Store
import Testing

/// Start-up after a crash (the store dropped without `close()`), and `verify`'s checks.
@Suite struct RecoveryTests {
    let fixture = StoreFixture()
    let a = StoreFixture.blob("a", size: 300)
    let x = StoreFixture.blob("x", size: 200)

    func placeFile(_ bytes: [UInt8], as digest: Digest) throws {
        let directory = fixture.root + "/blobs/sha256/\(digest.encoded.prefix(2))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: directory + "/\(digest.encoded)", contents: Data(bytes)))
    }

    /// Opens, stores `a`, and "crashes": the store is dropped without a clean close.
    func crashAfterStoringA() async throws {
        let store = try fixture.open()
        try await StoreFixture.put(a, in: store)
    }

    @Test func anOrphanWhoseDigestVerifiesIsAdoptedAfterACrash() async throws {
        try await crashAfterStoringA()
        try placeFile(x.bytes, as: x.digest)  // renamed into blobs/, crashed before the record
        let store = try fixture.open()
        #expect(try store.blob(x.digest)?.size == 200)
        #expect(try store.check(hashing: true).isClean)
        #expect(try store.statistics().bytesUsed == 500)
    }

    @Test func anOrphanWithOtherContentIsRemovedAfterACrash() async throws {
        try await crashAfterStoringA()
        try placeFile(Array("not x".utf8), as: x.digest)
        let store = try fixture.open()
        #expect(try store.blob(x.digest) == nil)
        #expect(!fixture.blobFileExists(x.digest))
        #expect(try store.check(hashing: true).isClean)
    }

    @Test func aRecordWithoutItsFileIsDroppedAfterACrash() async throws {
        try await crashAfterStoringA()
        try FileManager.default.removeItem(atPath: fixture.root + "/blobs/sha256/\(a.digest.encoded.prefix(2))/\(a.digest.encoded)")
        let store = try fixture.open()
        #expect(try store.blob(a.digest) == nil)
        #expect(try store.check(hashing: true).isClean)
        #expect(try store.statistics().bytesUsed == 0)
    }

    @Test func afterACleanStopStartUpDoesNotScanTheFiles() async throws {
        do {
            let store = try fixture.open()
            try await StoreFixture.put(a, in: store)
            await store.close()
        }
        try placeFile(x.bytes, as: x.digest)
        let store = try fixture.open()
        #expect(try store.blob(x.digest) == nil)
        #expect(try store.check(hashing: false).orphans.count == 1)
    }

    @Test func verifyFindsABlobWhoseBytesChangedAndRepairRemovesIt() async throws {
        let store = try fixture.open()
        try await StoreFixture.put(a, in: store)
        try placeFile(Array(repeating: 0, count: 300), as: a.digest)  // same size, other bytes
        #expect(try store.check(hashing: false).isClean, "sizes alone cannot see it")
        let report = try store.check(hashing: true)
        #expect(report.corrupt == [a.digest])
        #expect(report.summary.contains("1 corrupt, 0 orphans, 0 missing, 0 index problems"))
        let repaired = try store.repair(report)
        #expect(repaired.removed == 1)
        #expect(try store.blob(a.digest) == nil)
        #expect(!fixture.blobFileExists(a.digest))
        #expect(try store.check(hashing: true).isClean)
    }

    @Test func aSecondServerOnTheSameStorageIsRefused() throws {
        let first = try fixture.open()
        #expect(throws: StoreError.self) { try fixture.open() }
        _ = first
    }

    @Test func aReaderMayOpenBesideTheServer() throws {
        let server = try fixture.open()
        let reader = try fixture.open(role: .reader)
        #expect(try reader.statistics().blobs == 0)
        _ = server
    }
}
