import CMalloc
import NIOPosix

/// Gives memory the allocator holds but no longer uses back to the system, every 30 s.
///
/// glibc keeps freed memory in its arenas (one per thread that allocated, so one per event loop):
/// after a burst of connections closes, RSS stays at its peak although nothing uses it. A
/// `malloc_trim(0)` returns the free pages (`madvise`), whatever arena they are in; with nothing to
/// return it costs a walk of the free lists. It runs on NIO's thread pool, never on an event loop
/// or the cooperative pool: it takes each arena's lock, so an allocation on another thread may wait
/// for it, briefly.
enum MemoryReturn {
    static func run(every interval: Duration = .seconds(30)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            _ = try? await NIOThreadPool.singleton.runIfActive { malloc_trim(0) }
        }
    }
}
