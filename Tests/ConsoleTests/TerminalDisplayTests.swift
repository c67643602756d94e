import Console
import Glibc
import Testing

@Suite struct TerminalDisplayTests {
    private static let mebibyte: Int64 = 1024 * 1024
    private static let clear = "\u{1B}[2K"

    /// Runs `body` with the write end of a pipe and returns everything written to it.
    private func captured(_ body: (Int32) -> Void) -> String {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        body(ends[1])
        close(ends[1])
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(ends[0], &buffer, buffer.count)
            guard count > 0 else { break }
            output += buffer[..<count]
        }
        close(ends[0])
        return String(decoding: output, as: UTF8.self)
    }

    /// 40 columns (39 used), never rate-limited, and always 2s into the run.
    private func display(_ fileDescriptor: Int32, minimumInterval: Double = 0) -> TerminalDisplay {
        TerminalDisplay(fileDescriptor: fileDescriptor, width: 40, minimumInterval: minimumInterval, clock: { 2 })
    }

    private func start(_ board: inout TransferBoard) {
        board.add(id: "app", label: "app/oci:1.0")
        board.resolved(id: "app", totalBytes: 40 * Self.mebibyte, blobs: 2, now: 0)
        board.progressed(id: "app", bytes: 10 * Self.mebibyte, now: 1)
    }

    @Test func twoRedrawingUpdatesMoveUpOverTheLiveAreaAndRewriteIt() {
        let output = captured { fileDescriptor in
            let display = display(fileDescriptor)
            display.update(start)
            display.update { $0.progressed(id: "app", bytes: 10 * Self.mebibyte, now: 2) }
        }
        #expect(output == Self.clear + "  app/oci:1.0    10.0 MiB / 40.0 MiB\n"
            + Self.clear + "0/1 images  10.0 MiB / 40.0 MiB  ETA 6s\n"
            + "\u{1B}[2A"
            + Self.clear + "  app/oci:1.0    20.0 MiB / 40.0 MiB\n"
            + Self.clear + "0/1 images  20.0 MiB / 40.0 MiB  ETA 2s\n")
    }

    @Test func aFinishedItemIsPrintedOnceAboveTheLiveArea() {
        let output = captured { fileDescriptor in
            let display = display(fileDescriptor)
            display.update(start)
            display.update { $0.finished(id: "app", cached: false, now: 2) }
            display.update { $0.add(id: "next", label: "next") }
        }
        #expect(output == Self.clear + "  app/oci:1.0    10.0 MiB / 40.0 MiB\n"
            + Self.clear + "0/1 images  10.0 MiB / 40.0 MiB  ETA 6s\n"
            + "\u{1B}[2A"
            + Self.clear + "✓ app/oci:1.0  40.0 MiB in 2.0s\n"
            + Self.clear + "1/1 images  40.0 MiB / 40.0 MiB  ETA 0s\n"
            + "\u{1B}[1A"
            + Self.clear + "1/2 images  40.0 MiB / 40.0+ MiB\n")
    }

    @Test func updatesWithinTheMinimumIntervalAreNotDrawnUnlessAnItemFinishes() {
        let output = captured { fileDescriptor in
            let display = display(fileDescriptor, minimumInterval: 1)
            display.update(start)
            display.update { $0.progressed(id: "app", bytes: 10 * Self.mebibyte, now: 2) }
            display.update { $0.failed(id: "app", message: "reset", now: 2) }
        }
        #expect(output == Self.clear + "  app/oci:1.0    10.0 MiB / 40.0 MiB\n"
            + Self.clear + "0/1 images  10.0 MiB / 40.0 MiB  ETA 6s\n"
            + "\u{1B}[2A"
            + Self.clear + "✗ app/oci:1.0  reset\n"
            + Self.clear + "1/1 images (1 failed)\n")
    }

    @Test func finishErasesTheLiveAreaAndLeavesTheSummaryBelowTheFinishedLines() {
        let output = captured { fileDescriptor in
            let display = display(fileDescriptor)
            display.update(start)
            display.update { $0.finished(id: "app", cached: false, now: 2) }
            display.finish(summary: "done")
            display.update { $0.add(id: "late", label: "late") }
            display.finish(summary: "again")
        }
        #expect(output == Self.clear + "  app/oci:1.0    10.0 MiB / 40.0 MiB\n"
            + Self.clear + "0/1 images  10.0 MiB / 40.0 MiB  ETA 6s\n"
            + "\u{1B}[2A"
            + Self.clear + "✓ app/oci:1.0  40.0 MiB in 2.0s\n"
            + Self.clear + "1/1 images  40.0 MiB / 40.0 MiB  ETA 0s\n"
            + "\u{1B}[1A" + Self.clear + "done\n")
    }

    @Test func finishWithNothingLeftToPrintErasesTheLiveArea() {
        let output = captured { fileDescriptor in
            let display = display(fileDescriptor)
            display.update(start)
            display.finish()
        }
        #expect(output.hasSuffix("\n\u{1B}[2A\u{1B}[J"))
    }

    @Test func longPermanentLinesWrapBetweenWordsWithinTheWidth() {
        let output = captured { fileDescriptor in
            let display = display(fileDescriptor)
            display.update { $0.add(id: "a", label: "a") }
            display.finish(summary: "7 images (2 already cached, 1 failed), 42 blobs, 300.0 MiB fetched in 12.3s")
        }
        #expect(output.hasSuffix("\u{1B}[1A"
            + Self.clear + "7 images (2 already cached, 1 failed),\n"
            + Self.clear + "  42 blobs, 300.0 MiB fetched in 12.3s\n"))
    }

    @Test func aLineWrittenAboveTheLiveAreaStaysAboveIt() {
        let output = captured { fileDescriptor in
            let display = display(fileDescriptor)
            display.update { $0.add(id: "a", label: "a") }
            display.printAbove("warning: slow")
        }
        #expect(output == Self.clear + "0/1 images  0 B  0 B/s  ETA --\n"
            + "\u{1B}[1A" + Self.clear + "warning: slow\n"
            + Self.clear + "0/1 images  0 B  0 B/s  ETA --\n")
    }

    @Test func aPipeIsNotATerminal() {
        _ = captured { fileDescriptor in
            #expect(!TerminalDisplay.isTerminal(fileDescriptor))
            #expect(TerminalDisplay.terminalWidth(fileDescriptor) == nil)
        }
    }
}
