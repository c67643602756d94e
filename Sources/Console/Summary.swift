/// The closing line of a run:
/// `7 images (2 already cached, 1 failed), 42 blobs, 300.0 MiB fetched in 12.3s (24.4 MiB/s)`.
public enum Summary {
    public static func summary(images: Int, cached: Int, failed: Int, blobs: Int, bytes: Int64, seconds: Double) -> String {
        var line = counted(images, "image")
        var notes: [String] = []
        if cached > 0 { notes.append("\(cached) already cached") }
        if failed > 0 { notes.append("\(failed) failed") }
        if !notes.isEmpty { line += " (" + notes.joined(separator: ", ") + ")" }
        line += ", " + counted(blobs, "blob") + ", \(Formatting.bytes(bytes)) fetched"
        line += " in " + Formatting.preciseDuration(seconds: seconds)
        if seconds > 0 {
            line += " (" + Formatting.rate(bytesPerSecond: Double(bytes) / seconds) + ")"
        }
        return line
    }

    /// The summary of `board`: blobs and bytes are those actually transferred.
    public static func summary(of board: TransferBoard, now: Double) -> String {
        summary(
            images: board.count, cached: board.cachedCount, failed: board.failedCount,
            blobs: board.blobsDone, bytes: board.transferredBytes, seconds: board.elapsed(now: now)
        )
    }

    private static func counted(_ count: Int, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }
}
