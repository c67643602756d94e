import NIOCore
import Testing
@testable import Store

@Suite struct WriteBatchTests {
    let start = ContinuousClock.now

    func chunk(_ size: Int) -> ByteBuffer { ByteBuffer(repeating: 7, count: size) }

    @Test func fourChunksOf64KiBMake256KiBAndTheBatchDue() {
        var batch = WriteBatch()
        for _ in 0..<3 { batch.add(chunk(64 << 10), at: start) }
        #expect(!batch.isDue(at: start))
        batch.add(chunk(64 << 10), at: start)
        #expect(batch.isDue(at: start))
        #expect(batch.byteCount == 256 << 10)
    }

    @Test func sixtyFourSmallBuffersMakeTheBatchDue() {
        var batch = WriteBatch()
        for _ in 0..<63 { batch.add(chunk(100), at: start) }
        #expect(!batch.isDue(at: start))
        batch.add(chunk(100), at: start)
        #expect(batch.isDue(at: start))
    }

    @Test func theOldestByteWaitsAtMostFiftyMilliseconds() {
        var batch = WriteBatch()
        batch.add(chunk(10), at: start)
        batch.add(chunk(10), at: start + .milliseconds(40))
        #expect(!batch.isDue(at: start + .milliseconds(49)))
        #expect(batch.isDue(at: start + .milliseconds(50)))
    }

    @Test func anEmptyBatchIsNeverDueAndEmptyBuffersAreNotKept() {
        var batch = WriteBatch()
        batch.add(chunk(0), at: start)
        #expect(batch.isEmpty)
        #expect(!batch.isDue(at: start + .seconds(10)))
    }

    @Test func takingHandsOverTheBuffersInOrderAndEmptiesTheBatch() {
        var batch = WriteBatch()
        batch.add(ByteBuffer(bytes: [1, 2]), at: start)
        batch.add(ByteBuffer(bytes: [3]), at: start)
        let (buffers, count) = batch.take()
        #expect(buffers == [ByteBuffer(bytes: [1, 2]), ByteBuffer(bytes: [3])])
        #expect(count == 3)
        #expect(batch.isEmpty)
        #expect(batch.byteCount == 0)
        #expect(!batch.isDue(at: start + .seconds(10)))
    }
}
