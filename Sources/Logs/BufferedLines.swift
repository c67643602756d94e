import Console
import Dispatch
import Glibc
import Synchronization

/// Lines appended from any thread (the event loops, for access lines) and written to a descriptor
/// in batches by a queue of their own: an append writes into the calling thread's own buffer (its
/// lock is contended only by the writer, once per batch), never a system call, so neither a slow
/// reader of standard error (a pipe to journald, a terminal) nor another event loop's lines hold up
/// a request. Written every 10 ms (a thread's buffer stays small, in its core's cache), and by
/// `flush()` (at a clean stop). If more than `capacity` bytes wait in a thread's buffer, its new
/// lines are dropped and counted, and the count is written with the next batch: a log that cannot
/// keep up loses lines, never requests. Lines reach the descriptor up to 10 ms after they were
/// appended, so they may land after a record the handler wrote directly in that time; each
/// thread's lines keep their order.
public final class BufferedLines: Sendable {
    public static let standardError = BufferedLines(descriptor: STDERR_FILENO)

    private struct Pending {
        var bytes: [UInt8] = []
        var dropped = 0
        /// The buffer the writer last wrote, emptied with its capacity kept: swapped in for the
        /// next batch, so a thread's buffer is never grown from nothing again (nor copied).
        var spare: [UInt8] = []
    }

    /// One thread's lines waiting for the next batch.
    private final class ThreadBuffer: Sendable {
        let pending = Mutex(Pending())
    }

    private let descriptor: Int32
    private let capacity: Int
    private let interval: Duration
    /// Every thread's buffer, for the writer to collect.
    private let buffers = Mutex<[ThreadBuffer]>([])
    private let local = ThreadLocal { ThreadBuffer() }
    private let queue = DispatchQueue(label: "stowage.log-lines")

    public init(descriptor: Int32, capacity: Int = 16 << 20, interval: Duration = .milliseconds(10)) {
        self.descriptor = descriptor
        self.capacity = capacity
        self.interval = interval
        scheduleWrite()
    }

    /// Adds a line written straight into this thread's buffer: `write` appends the line's bytes
    /// (without its newline) to the buffer it is given, or the line is counted as dropped. For the
    /// lines of every request: no buffer of their own, no copy.
    public func append(writing write: (inout [UInt8]) -> Void) {
        let buffer = local.value { made in buffers.withLock { $0.append(made) } }
        buffer.pending.withLock { pending in
            guard pending.bytes.count < capacity else {
                pending.dropped += 1
                return
            }
            write(&pending.bytes)
            pending.bytes.append(UInt8(ascii: "\n"))
        }
    }

    /// Writes what waits now, on the caller's thread (after the queue's batch in progress).
    public func flush() {
        queue.sync { writePending() }
    }

    /// The next batch, `interval` from now; reschedules itself while the writer exists.
    private func scheduleWrite() {
        let (seconds, attoseconds) = interval.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [weak self] in
            guard let self else { return }
            writePending()
            scheduleWrite()
        }
    }

    /// Each thread's batch is taken with a swap under its lock (the thread waits for no copy),
    /// written outside it, then handed back empty as that thread's spare.
    private func writePending() {
        var dropped = 0
        for buffer in buffers.withLock({ $0 }) {
            var batch: [UInt8] = []
            buffer.pending.withLock { pending in
                swap(&pending.spare, &pending.bytes)
                swap(&batch, &pending.spare)
                dropped += pending.dropped
                pending.dropped = 0
            }
            guard !batch.isEmpty else { continue }
            batch.withUnsafeBufferPointer { _ = writeAll($0, to: descriptor) }
            // A spare grown by a burst (up to `capacity`) is let go: steady traffic needs far less.
            batch.removeAll(keepingCapacity: batch.capacity <= 1 << 20)
            buffer.pending.withLock { pending in swap(&pending.spare, &batch) }
        }
        if dropped > 0 { _ = writeAll("stowage: \(dropped) log lines dropped: standard error did not keep up\n", to: descriptor) }
    }
}
