import Console
import Testing

@Suite struct SummaryTests {
    @Test func summaryNamesCachedAndFailedImagesAndTheAverageRate() {
        let line = Summary.summary(images: 7, cached: 2, failed: 1, blobs: 42, bytes: 300 * 1024 * 1024, seconds: 12.3)
        #expect(line == "7 images (2 already cached, 1 failed), 42 blobs, 300.0 MiB fetched in 12.3s (24.4 MiB/s)")
    }

    @Test func summaryUsesSingularsAndLeavesOutZeroCountsAndAnUnknownRate() {
        let line = Summary.summary(images: 1, cached: 0, failed: 0, blobs: 1, bytes: 1024, seconds: 0)
        #expect(line == "1 image, 1 blob, 1.0 KiB fetched in 0.0s")
    }

    @Test func summaryOfABoardCountsWhatWasTransferred() {
        var board = TransferBoard()
        board.add(id: "a", label: "a")
        board.add(id: "b", label: "b")
        board.resolved(id: "a", totalBytes: 2048, blobs: 2, now: 1)
        board.progressed(id: "a", bytes: 2048, now: 2)
        board.blobFinished(id: "a")
        board.blobFinished(id: "a")
        board.finished(id: "a", cached: false, now: 3)
        board.resolved(id: "b", totalBytes: 4096, blobs: 1, now: 1)
        board.finished(id: "b", cached: true, now: 1.5)
        #expect(Summary.summary(of: board, now: 10) == "2 images (1 already cached), 2 blobs, 2.0 KiB fetched in 2.0s (1.0 KiB/s)")
    }
}
