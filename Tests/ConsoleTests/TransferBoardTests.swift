import Console
import Testing

@Suite struct TransferBoardTests {
    private let mebibyte: Int64 = 1024 * 1024

    @Test func itemsKeepInsertionOrderAndADuplicateIdIsIgnored() {
        var board = TransferBoard()
        board.add(id: "b", label: "b:1")
        board.add(id: "a", label: "a:1")
        board.add(id: "b", label: "other")
        #expect(board.items.map(\.id) == ["b", "a"])
        #expect(board["b"]?.label == "b:1")
        #expect(board["b"]?.state == .waiting)
    }

    @Test func anItemMovesThroughResolvingTransferringAndDone() {
        var board = TransferBoard()
        board.add(id: "a", label: "a")
        board.resolving(id: "a", now: 1)
        #expect(board["a"]?.state == .resolving)
        #expect(board["a"]?.startedAt == 1)
        board.resolved(id: "a", totalBytes: 100, blobs: 2, now: 2)
        board.progressed(id: "a", bytes: 60, now: 3)
        board.blobFinished(id: "a")
        let transferring = board["a"]
        #expect(transferring?.state == .transferring)
        #expect(transferring?.totalBytes == 100)
        #expect(transferring?.doneBytes == 60)
        #expect(transferring?.blobsDone == 1)
        #expect(transferring?.blobsTotal == 2)
        #expect(transferring?.startedAt == 1)
        board.finished(id: "a", cached: false, now: 4)
        #expect(board["a"]?.state == .done(cached: false))
        #expect(board["a"]?.finishedAt == 4)
    }

    @Test func eventsAfterAnItemFinishedAreIgnored() {
        var board = TransferBoard()
        board.add(id: "a", label: "a")
        board.failed(id: "a", message: "not found", now: 1)
        board.progressed(id: "a", bytes: 10, now: 2)
        board.finished(id: "a", cached: false, now: 3)
        #expect(board["a"]?.state == .failed("not found"))
        #expect(board["a"]?.doneBytes == 0)
        #expect(board["a"]?.finishedAt == 1)
    }

    @Test func negativeProgressTakesBytesBackButNotBelowZero() {
        var board = TransferBoard()
        board.add(id: "a", label: "a")
        board.progressed(id: "a", bytes: 10, now: 1)
        board.progressed(id: "a", bytes: -4, now: 2)
        #expect(board["a"]?.doneBytes == 6)
        board.progressed(id: "a", bytes: -100, now: 3)
        #expect(board["a"]?.doneBytes == 0)
    }

    @Test func overallTotalsCountDoneItemsInFullAndFailedOnesForWhatTheyMoved() {
        var board = TransferBoard()
        for id in ["fetched", "cached", "active", "broken", "waiting"] { board.add(id: id, label: id) }
        board.resolved(id: "fetched", totalBytes: 100, blobs: 1, now: 0)
        board.progressed(id: "fetched", bytes: 100, now: 1)
        board.finished(id: "fetched", cached: false, now: 1)
        board.resolved(id: "cached", totalBytes: 50, blobs: 1, now: 0)
        board.finished(id: "cached", cached: true, now: 0)
        board.resolved(id: "active", totalBytes: 200, blobs: 3, now: 0)
        board.progressed(id: "active", bytes: 50, now: 1)
        board.resolved(id: "broken", totalBytes: 80, blobs: 1, now: 0)
        board.progressed(id: "broken", bytes: 10, now: 1)
        board.failed(id: "broken", message: "reset", now: 1)

        #expect(board.doneBytes == 210)
        #expect(board.totalBytes == 360)
        #expect(board.transferredBytes == 160)
        #expect(board.totalIsKnown == false)
        #expect(board.count == 5)
        #expect(board.doneCount == 2)
        #expect(board.cachedCount == 1)
        #expect(board.failedCount == 1)
        #expect(board.activeCount == 1)
        #expect(board.waitingCount == 1)
        #expect(board.finishedCount == 3)
    }

    @Test func itemRateAndEtaFollowTheAverageSinceItStarted() {
        var board = TransferBoard()
        board.add(id: "a", label: "a")
        board.resolved(id: "a", totalBytes: 1000, blobs: 1, now: 10)
        board.progressed(id: "a", bytes: 300, now: 13)
        let item = board["a"]
        #expect(item?.rate(now: 13) == 100)
        #expect(item?.eta(now: 13) == 7)
        #expect(item?.fraction == 0.3)
    }

    @Test func overallRateIsTransferredBytesOverTimeSinceTheFirstStart() {
        var board = TransferBoard()
        board.add(id: "a", label: "a")
        board.add(id: "b", label: "b")
        board.resolved(id: "a", totalBytes: 1000, blobs: 1, now: 10)
        board.resolved(id: "b", totalBytes: 1000, blobs: 1, now: 12)
        board.progressed(id: "a", bytes: 300, now: 13)
        board.progressed(id: "b", bytes: 100, now: 14)
        #expect(board.elapsed(now: 14) == 4)
        #expect(board.rate(now: 14) == 100)
        #expect(board.eta(now: 14) == 16)
    }

    @Test func overallEtaIsUnknownWhileAnImageIsUnresolvedOrNothingMoved() {
        var board = TransferBoard()
        board.add(id: "a", label: "a")
        board.resolved(id: "a", totalBytes: 1000, blobs: 1, now: 0)
        #expect(board.eta(now: 5) == nil)
        board.progressed(id: "a", bytes: 500, now: 5)
        board.add(id: "b", label: "b")
        #expect(board.eta(now: 5) == nil)
    }

    @Test func elapsedStopsWhenTheLastItemFinishes() {
        var board = TransferBoard()
        board.add(id: "a", label: "a")
        board.resolving(id: "a", now: 2)
        board.finished(id: "a", cached: true, now: 5)
        #expect(board.elapsed(now: 100) == 3)
        #expect(board.eta(now: 100) == 0)
    }
}
