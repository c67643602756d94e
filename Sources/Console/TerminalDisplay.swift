import Glibc
import Synchronization

/// The live view of a run on a terminal: finished items scroll up as permanent lines, and below them
/// a live area (active items and the overall line) is redrawn in place. Redraws are rate-limited,
/// except that a finished or failed item is shown at once. Every write happens under the lock, so
/// frames from concurrent updates never interleave.
///
/// Every line is kept one Character short of the width (permanent ones are word-wrapped to it), so
/// the terminal never wraps a line itself and the cursor moves (one row per line) stay exact. A terminal narrowed mid-run rewraps old lines, which
/// can leave a stale row behind; the next frames are still correct.
public final class TerminalDisplay: Sendable {
    private struct Screen {
        var board = TransferBoard()
        /// Rows of the live area now on screen; the cursor is at the start of the row below them.
        var liveRows = 0
        /// Items whose permanent line has been written.
        var printed: Set<String> = []
        var lastDrawAt: Double?
        var isFinished = false
    }

    private let fileDescriptor: Int32
    private let fixedWidth: Int?
    private let minimumInterval: Double
    private let clock: @Sendable () -> Double
    private let screen = Mutex(Screen())

    /// - Parameters:
    ///   - fileDescriptor: where frames are written; the display never closes it.
    ///   - width: columns to render for; nil asks the terminal at every frame (80 if it cannot say).
    ///   - minimumInterval: seconds between redraws that no finished item forces.
    ///   - clock: seconds on a monotonic scale; by default, since the display was created. Use the
    ///     same clock (`now`) for the board's timestamps.
    public init(
        fileDescriptor: Int32 = STDERR_FILENO,
        width: Int? = nil,
        minimumInterval: Double = 0.1,
        clock: (@Sendable () -> Double)? = nil
    ) {
        self.fileDescriptor = fileDescriptor
        self.fixedWidth = width
        self.minimumInterval = minimumInterval
        if let clock {
            self.clock = clock
        } else {
            let start = ContinuousClock.now
            self.clock = {
                let elapsed = start.duration(to: .now).components
                return Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
            }
        }
    }

    public static func isTerminal(_ fileDescriptor: Int32) -> Bool {
        isatty(fileDescriptor) == 1
    }

    /// The terminal's columns, or nil when `fileDescriptor` is not a terminal that knows its size.
    public static func terminalWidth(_ fileDescriptor: Int32) -> Int? {
        var size = winsize()
        guard ioctl(fileDescriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// The display's clock, for the `now` of board events.
    public var now: Double { clock() }

    /// A copy of the current state.
    public var board: TransferBoard { screen.withLock { $0.board } }

    /// Applies `change`, then redraws if the last frame is older than the minimum interval or an
    /// item has finished since. Changes after `finish()` are kept but not drawn. `change` runs under
    /// the display's lock, so it must not call back into the display.
    public func update(_ change: (inout TransferBoard) -> Void) {
        screen.withLock { screen in
            change(&screen.board)
            let now = clock()
            guard !screen.isFinished else { return }
            let due = screen.lastDrawAt.map { now - $0 >= minimumInterval } ?? true
            guard due || screen.board.items.contains(where: { $0.isFinished && !screen.printed.contains($0.id) }) else {
                return
            }
            draw(&screen, now: now, live: true)
        }
    }

    /// Redraws if due, so rates, ETAs and elapsed time move while no events arrive.
    public func refresh() {
        update { _ in }
    }

    /// Writes `line` permanently above the live area (a warning, say) and redraws below it.
    public func printAbove(_ line: String) {
        screen.withLock { screen in
            guard !screen.isFinished else { return }
            draw(&screen, now: clock(), live: true, extra: [TransferRender.clean(line)])
        }
    }

    /// Erases the live area, writes the lines of items that finished since the last frame and then
    /// `summary`, and leaves the cursor below them. Items still in progress get no line: mark them
    /// failed first if they should. Later calls do nothing.
    public func finish(summary: String? = nil) {
        screen.withLock { screen in
            guard !screen.isFinished else { return }
            screen.isFinished = true
            draw(&screen, now: clock(), live: false, extra: summary.map { [TransferRender.clean($0)] } ?? [])
        }
    }

    private func draw(_ screen: inout Screen, now: Double, live: Bool, extra: [String] = []) {
        let finished = screen.board.items.enumerated()
            .filter { $0.element.isFinished && !screen.printed.contains($0.element.id) }
            .sorted { ($0.element.finishedAt ?? 0, $0.offset) < ($1.element.finishedAt ?? 0, $1.offset) }
            .map(\.element)
        let width = max((fixedWidth ?? Self.terminalWidth(fileDescriptor) ?? 80) - 1, 1)
        let liveLines = live ? TransferRender.lines(screen.board, now: now, width: width) : []
        let permanent = (finished.compactMap { TransferRender.finishedLine(for: $0) } + extra)
            .flatMap { TransferRender.wrapped($0, width: width) }
        write(Self.frame(erasing: screen.liveRows, permanent: permanent, live: liveLines))
        screen.printed.formUnion(finished.map(\.id))
        screen.liveRows = liveLines.count
        screen.lastDrawAt = now
    }

    /// Moves up over the old live area and rewrites it, new permanent lines first: each row is
    /// cleared as it is rewritten, which does not flicker, and rows left over from a taller area are
    /// erased after.
    static func frame(erasing previousRows: Int, permanent: [String], live: [String]) -> String {
        var frame = previousRows > 0 ? "\u{1B}[\(previousRows)A" : ""
        for line in permanent + live { frame += "\u{1B}[2K" + line + "\n" }
        if permanent.count + live.count < previousRows { frame += "\u{1B}[J" }
        return frame
    }

    /// Writes all of `text`; a closed reader (EPIPE) or any other error drops the rest, since a
    /// progress display is not worth failing a run for.
    private func write(_ text: String) {
        writeAll(text, to: fileDescriptor)
    }
}
