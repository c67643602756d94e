import NIOCore

/// Bytes of a download that are hashed but not yet in its file, held as the buffers they arrived
/// in (no copy) until one `writev` writes them together.
///
/// The batch is due when it holds 256 KiB (one system call per 256 KiB instead of one per 64 KiB
/// upstream chunk; a larger batch raised the peak memory of cold downloads by about 1.5 MiB per
/// download, since upstream buffers arrive part-full), or 64 buffers (small reads would otherwise pin many mostly-empty receive
/// buffers, and it keeps one `writev` far under `IOV_MAX`), or when its oldest byte has waited
/// 50 ms (so the bytes of a slow upstream still reach the clients following the file promptly).
struct WriteBatch {
    static let byteLimit = 256 << 10
    static let bufferLimit = 64
    static let delayLimit: Duration = .milliseconds(50)

    private(set) var buffers: [ByteBuffer] = []
    private(set) var byteCount = 0
    private var oldest: ContinuousClock.Instant?

    var isEmpty: Bool { buffers.isEmpty }

    mutating func add(_ buffer: ByteBuffer, at now: ContinuousClock.Instant) {
        guard buffer.readableBytes > 0 else { return }
        if buffers.isEmpty { oldest = now }
        buffers.append(buffer)
        byteCount += buffer.readableBytes
    }

    func isDue(at now: ContinuousClock.Instant) -> Bool {
        guard let oldest else { return false }
        return byteCount >= Self.byteLimit || buffers.count >= Self.bufferLimit || now - oldest >= Self.delayLimit
    }

    /// Empties the batch, handing over its buffers and their byte count.
    mutating func take() -> (buffers: [ByteBuffer], byteCount: Int) {
        defer { self = WriteBatch() }
        return (buffers, byteCount)
    }
}
