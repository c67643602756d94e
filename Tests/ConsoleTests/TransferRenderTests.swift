import Console
import Testing

@Suite struct TransferRenderTests {
    private static let mebibyte: Int64 = 1024 * 1024

    /// One image a quarter through: 10 of 40 MiB in 2s, so 5 MiB/s and 6s to go.
    private static func quarterDone() -> TransferBoard {
        var board = TransferBoard()
        board.add(id: "app", label: "app/oci:1.0")
        board.resolved(id: "app", totalBytes: 40 * mebibyte, blobs: 3, now: 0)
        board.progressed(id: "app", bytes: 10 * mebibyte, now: 2)
        return board
    }

    @Test func at80ColumnsAnItemHasABarBytesRateAndEta() {
        let lines = TransferRender.lines(Self.quarterDone(), now: 2, width: 80)
        #expect(lines == [
            "  app/oci:1.0 [#####----------------]    10.0 MiB / 40.0 MiB   5.0 MiB/s  ETA 6s",
            "0/1 images  10.0 MiB / 40.0 MiB  5.0 MiB/s  ETA 6s  elapsed 2s",
        ])
    }

    @Test func at40ColumnsTheBarRateAndElapsedGiveWayToTheLabelAndBytes() {
        let lines = TransferRender.lines(Self.quarterDone(), now: 2, width: 40)
        #expect(lines == [
            "  app/oci:1.0    10.0 MiB / 40.0 MiB",
            "0/1 images  10.0 MiB / 40.0 MiB  ETA 6s",
        ])
    }

    @Test(arguments: [40, 80])
    func noLineIsWiderThanTheWidth(width: Int) {
        var board = TransferBoard()
        let labels = [
            "registry.example.com/a-very-long-organisation/with-a-long-repository-name:2024.11.03-amd64",
            "docker.io/library/postgres:16.2", "app/oci:1.0", "ghcr.io/org/tool@sha256:0123456789abcdef",
        ]
        for (index, label) in labels.enumerated() {
            board.add(id: label, label: label)
            board.resolving(id: label, now: 0)
            if index > 1 {
                board.resolved(id: label, totalBytes: 1023 * Self.mebibyte + 1000, blobs: 9, now: 0)
                board.progressed(id: label, bytes: 700 * 1024 + 5, now: 1)
            }
        }
        board.add(id: "done", label: "done")
        board.finished(id: "done", cached: true, now: 1)
        board.add(id: "bad", label: "bad")
        board.failed(id: "bad", message: "boom", now: 1)
        board.add(id: "waiting", label: "waiting")

        let lines = TransferRender.lines(board, now: 3725, width: width)
        #expect(lines.count == 5)
        for line in lines {
            #expect(line.count <= width, "\(line)")
        }
    }

    @Test func longLabelsKeepTheirStartAndEnd() {
        var board = TransferBoard()
        board.add(id: "pg", label: "docker.io/library/postgres:16.2")
        board.resolving(id: "pg", now: 0)
        board.add(id: "x", label: "x")
        board.progressed(id: "x", bytes: 1, now: 0)
        let lines = TransferRender.lines(board, now: 1, width: 40)
        #expect(lines[0] == "  dock…tgres:16.2  resolving…")
        #expect(lines[1] == "  x" + String(repeating: " ", count: 34) + "1 B")
    }

    @Test func resolvingItemsSayTheyAreResolving() {
        var board = TransferBoard()
        board.add(id: "app", label: "app/oci:1.0")
        board.resolving(id: "app", now: 0)
        #expect(TransferRender.lines(board, now: 1, width: 80)[0] == "  app/oci:1.0 resolving…")
    }

    @Test func moreThanEightActiveItemsEndWithACountOfTheRest() {
        var board = TransferBoard()
        for index in 1...11 {
            board.add(id: "\(index)", label: "image-\(index)")
            board.resolving(id: "\(index)", now: 0)
        }
        board.finished(id: "3", cached: true, now: 1)
        let lines = TransferRender.lines(board, now: 1, width: 80)
        #expect(lines.count == 10)
        #expect(lines[7] == "  image-9 resolving…")
        #expect(lines[8] == "  … and 2 more")
    }

    @Test func theOverallTotalIsMarkedWhileSomeImagesAreUnresolved() {
        var board = Self.quarterDone()
        board.add(id: "next", label: "next")
        board.finished(id: "app", cached: false, now: 4)
        #expect(TransferRender.overallLine(board, now: 4, width: 80)
            == "1/2 images  40.0 MiB / 40.0+ MiB  2.5 MiB/s  ETA --  elapsed 4s")
    }

    @Test func overallLineNamesCachedAndFailedCountsOnlyWhenThereAreAny() {
        var board = TransferBoard()
        board.add(id: "a", label: "a")
        board.add(id: "b", label: "b")
        board.finished(id: "a", cached: true, now: 0)
        board.failed(id: "b", message: "x", now: 0)
        #expect(TransferRender.overallLine(board, now: 0, width: 80) == "2/2 images (1 cached, 1 failed)  0 B / 0 B  0 B/s  ETA 0s  elapsed 0s")
    }

    @Test func aDoneItemsLineHasItsSizeAndTime() {
        var board = TransferBoard()
        board.add(id: "app", label: "app/oci:1.0")
        board.resolved(id: "app", totalBytes: 40 * Self.mebibyte, blobs: 2, now: 1)
        board.finished(id: "app", cached: false, now: 3.1)
        #expect(board["app"].flatMap(TransferRender.finishedLine) == "✓ app/oci:1.0  40.0 MiB in 2.1s")
    }

    @Test func aCachedItemsLineSaysSo() {
        var board = TransferBoard()
        board.add(id: "app", label: "app/oci:1.0")
        board.resolved(id: "app", totalBytes: 40 * Self.mebibyte, blobs: 2, now: 1)
        board.finished(id: "app", cached: true, now: 1.25)
        #expect(board["app"].flatMap(TransferRender.finishedLine) == "✓ app/oci:1.0  40.0 MiB in 0.3s (cached)")
    }

    @Test func aFailedItemsLineHasItsMessageWithoutControlCharacters() {
        var board = TransferBoard()
        board.add(id: "bad", label: "app/bad:1.0")
        board.failed(id: "bad", message: "not found:\nmanifest unknown", now: 1)
        #expect(board["bad"].flatMap(TransferRender.finishedLine) == "✗ app/bad:1.0  not found: manifest unknown")
    }

    @Test func anItemInProgressHasNoFinishedLine() {
        #expect(Self.quarterDone()["app"].flatMap(TransferRender.finishedLine) == nil)
    }

    @Test func aLongLineWrapsBetweenWordsWithContinuationRowsIndented() {
        #expect(TransferRender.wrapped("✗ app/bad:1.0  not found: manifest unknown", width: 20) == [
            "✗ app/bad:1.0  not", "  found: manifest", "  unknown",
        ])
    }

    @Test func aWordLongerThanARowIsSplit() {
        #expect(TransferRender.wrapped("abcdefghijklmnopqrstuvwxyz", width: 10) == ["abcdefghij", "  klmnopqr", "  stuvwxyz"])
    }

    @Test func aLineThatFitsIsNotWrapped() {
        #expect(TransferRender.wrapped("✓ app  1 B", width: 10) == ["✓ app  1 B"])
    }
}
