/// The text of the live transfer view, as pure functions of a board, a time and a width. Every line
/// fits `width` Characters; labels and messages are cleaned of control characters so a line is always
/// exactly one terminal row (the display's cursor movements count on that).
public enum TransferRender {
    /// Active items shown before the rest are summed up as "… and N more".
    public static let maximumActiveLines = 8

    private static let minimumLabel = 12
    private static let minimumBar = 10
    private static let maximumBar = 30
    private static let pairWidth = 21
    private static let rateWidth = 10
    private static let resolvingText = "resolving…"

    /// One line per active item (at most `maximumActiveLines`, then "… and N more"), then the
    /// overall line.
    public static func lines(_ board: TransferBoard, now: Double, width: Int) -> [String] {
        let width = max(width, 1)
        let active = board.items.filter(\.isActive)
        let shown = Array(active.prefix(maximumActiveLines))
        var lines = itemLines(shown, now: now, width: width)
        if active.count > shown.count {
            lines.append(fit("  … and \(active.count - shown.count) more", width: width))
        }
        lines.append(overallLine(board, now: now, width: width))
        return lines
    }

    /// The permanent line for a done or failed item; nil while it is still in progress.
    /// `✓ app/oci:1.0  40.0 MiB in 2.1s (cached)` or `✗ app/bad:1.0  not found: …`.
    public static func finishedLine(for item: TransferBoard.Item) -> String? {
        switch item.state {
        case .done(let cached):
            var line = "✓ \(clean(item.label))  \(Formatting.bytes(item.totalBytes ?? item.doneBytes))"
            if item.startedAt != nil, item.finishedAt != nil {
                line += " in " + Formatting.preciseDuration(seconds: item.elapsed(now: item.finishedAt ?? 0))
            }
            return cached ? line + " (cached)" : line
        case .failed(let message):
            return "✗ \(clean(item.label))  \(clean(message))"
        case .waiting, .resolving, .transferring:
            return nil
        }
    }

    /// `3/7 images (1 cached, 1 failed)  120.4 MiB / 300.0 MiB  25.3 MiB/s  ETA 8s  elapsed 5s`.
    /// Parts are dropped to fit `width`: elapsed first, then rate, ETA and bytes. The total reads
    /// `300.0+ MiB` while some images are not resolved yet, and is left out while none is.
    public static func overallLine(_ board: TransferBoard, now: Double, width: Int) -> String {
        var head = "\(board.finishedCount)/\(board.count) images"
        var notes: [String] = []
        if board.cachedCount > 0 { notes.append("\(board.cachedCount) cached") }
        if board.failedCount > 0 { notes.append("\(board.failedCount) failed") }
        if !notes.isEmpty { head += " (" + notes.joined(separator: ", ") + ")" }

        var bytes = Formatting.bytes(board.doneBytes)
        if board.totalIsKnown {
            bytes += " / " + Formatting.bytes(board.totalBytes)
        } else if board.totalBytes > 0 {
            bytes += " / " + atLeast(Formatting.bytes(board.totalBytes))
        }
        // (text, how long it is kept when the line must shrink: higher is kept longer)
        let parts: [(text: String, keep: Int)] = [
            (head, 4),
            (bytes, 3),
            (Formatting.rate(bytesPerSecond: board.rate(now: now)), 1),
            ("ETA " + Formatting.eta(seconds: board.eta(now: now)), 2),
            ("elapsed " + Formatting.duration(seconds: board.elapsed(now: now)), 0),
        ]
        for lowest in 0...4 {
            let line = parts.filter { $0.keep >= lowest }.map(\.text).joined(separator: "  ")
            if line.count <= width { return line }
        }
        return fit(head, width: width)
    }

    /// Breaks a permanent line at spaces into rows of at most `width` Characters, so a long error
    /// message wraps between words; rows after the first are indented under the label. A word longer
    /// than a row is split.
    public static func wrapped(_ line: String, width: Int) -> [String] {
        let indent = "  "
        let width = max(width, indent.count + 1)
        guard line.count > width else { return [line] }
        var rows: [String] = []
        var row = ""
        var rowIsEmpty = true
        func room() -> Int { rows.isEmpty ? width : width - indent.count }
        for word in line.split(separator: " ", omittingEmptySubsequences: false) {
            if !rowIsEmpty {
                if row.count + 1 + word.count <= room() {
                    row += " " + word
                    continue
                }
                rows.append(row)
                row = ""
                rowIsEmpty = true
            }
            // Spaces where a row breaks are dropped.
            guard !word.isEmpty else { continue }
            var rest = word
            while rest.count > room() {
                let taken = room()
                rows.append(String(rest.prefix(taken)))
                rest = rest.dropFirst(taken)
            }
            row = String(rest)
            rowIsEmpty = false
        }
        if !rowIsEmpty { rows.append(row) }
        return rows.enumerated().map { $0.offset == 0 ? $0.element : indent + $0.element }
    }

    // MARK: Item lines

    private enum Stats { case full, bytesAndETA, bytes }

    /// Richest first; the first whose columns leave the labels enough room is used.
    private static let layouts: [(bar: Bool, stats: Stats)] = [
        (true, .full), (false, .full), (false, .bytesAndETA), (false, .bytes),
    ]

    /// The lines share one layout so labels, bars and figures line up in columns.
    private static func itemLines(_ items: [TransferBoard.Item], now: Double, width: Int) -> [String] {
        guard !items.isEmpty else { return [] }
        let labels = items.map { clean($0.label) }
        let labelNeed = labels.map(\.count).max() ?? 0
        for (index, layout) in layouts.enumerated() {
            let stats = items.map { $0.state == .transferring ? statsText($0, layout.stats, now: now) : nil }
            var statsWidth = stats.map { $0?.count ?? 0 }.max() ?? 0
            if !layout.bar { statsWidth = max(statsWidth, resolvingText.count) }
            // "  " label " " "[" bar "]" "  " stats, or "  " label "  " stats
            let fixed = layout.bar ? 2 + 1 + (minimumBar + 2) + 2 + statsWidth : 2 + 2 + statsWidth
            let labelRoom = width - fixed
            guard labelRoom >= min(labelNeed, minimumLabel) || index == layouts.count - 1 else { continue }
            let labelWidth = max(min(labelNeed, labelRoom), 1)
            let barWidth = min(maximumBar, minimumBar + labelRoom - labelWidth)
            return zip(items, zip(labels, stats)).map { item, text in
                let (label, stats) = text
                var line = "  " + padded(label, to: labelWidth)
                if let stats {
                    line += layout.bar ? " " + bar(item.fraction, width: barWidth) + "  " + stats : "  " + stats
                } else {
                    line += layout.bar ? " " + resolvingText : "  " + resolvingText
                }
                return fit(line, width: width)
            }
        }
        return []
    }

    /// `12.3 MiB / 40.0 MiB   5.1 MiB/s  ETA 6s`, with the byte pair and rate right-aligned.
    private static func statsText(_ item: TransferBoard.Item, _ stats: Stats, now: Double) -> String {
        var pair = Formatting.bytes(item.doneBytes)
        if let total = item.totalBytes { pair += " / " + Formatting.bytes(total) }
        pair = leftPadded(pair, to: pairWidth)
        let eta = "ETA " + Formatting.eta(seconds: item.eta(now: now))
        switch stats {
        case .full:
            return pair + "  " + leftPadded(Formatting.rate(bytesPerSecond: item.rate(now: now)), to: rateWidth) + "  " + eta
        case .bytesAndETA:
            return pair + "  " + eta
        case .bytes:
            return pair
        }
    }

    private static func bar(_ fraction: Double?, width: Int) -> String {
        let filled = min(max(Int((fraction ?? 0) * Double(width)), 0), width)
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }

    // MARK: Text

    /// Shortens to `width` Characters with a trailing ellipsis.
    static func fit(_ text: String, width: Int) -> String {
        guard text.count > width else { return text }
        guard width > 1 else { return String(text.prefix(max(width, 0))) }
        return String(text.prefix(width - 1)) + "…"
    }

    /// Pads or shortens to exactly `width`. Shortening keeps the end, where an image reference
    /// has its name and tag: `docker…/postgres:16.2`.
    private static func padded(_ text: String, to width: Int) -> String {
        if text.count <= width { return text + String(repeating: " ", count: width - text.count) }
        guard width > 1 else { return String(text.prefix(width)) }
        let head = (width - 1) / 3
        return String(text.prefix(head)) + "…" + String(text.suffix(width - 1 - head))
    }

    private static func leftPadded(_ text: String, to width: Int) -> String {
        String(repeating: " ", count: max(width - text.count, 0)) + text
    }

    /// `300.0 MiB` → `300.0+ MiB`.
    private static func atLeast(_ bytes: String) -> String {
        guard let space = bytes.lastIndex(of: " ") else { return bytes + "+" }
        return bytes[..<space] + "+" + bytes[space...]
    }

    /// Control characters would move the cursor or break a line, so they become spaces.
    static func clean(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { isControl($0) ? " " : $0 }))
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
