import Foundation
import Synchronization
import Testing

/// SIGTERM while thousands of connections are being opened (issue 20's crash: a stop racing
/// connections being accepted): every stop is clean (exit 0), and the next start finds a store that
/// was closed cleanly (no reconciling).
@Suite(.serialized) struct SigtermFloodTests {
    /// Opens loopback connections to `port` as fast as it can on a thread of its own, keeping them
    /// open, until `stop` is set or `maximum` are open; then closes them all. Returns how many opened.
    /// A thread of its own, not a task: the loop blocks in `connect` and would hold one of the
    /// cooperative pool's few threads.
    static func flood(port: Int, maximum: Int, stop: StopFlag) -> Flood {
        let result = Flood()
        Thread.detachNewThread {
            var open: [Int32] = []
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var opened = 0
            while !stop.isSet && open.count < maximum {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                guard fd >= 0 else { break }
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                if connected == 0 {
                    open.append(fd)
                    opened += 1
                } else {
                    close(fd)
                    if errno == ECONNREFUSED { break }  // the listener has closed
                }
            }
            while !stop.isSet { usleep(10_000) }
            for fd in open { close(fd) }
            result.finish(opened)
        }
        return result
    }

    /// How many connections a flood opened, once it has closed them.
    final class Flood: Sendable {
        private let opened = Mutex<Int?>(nil)

        func finish(_ count: Int) { opened.withLock { $0 = count } }

        var value: Int {
            get async {
                while true {
                    if let count = opened.withLock({ $0 }) { return count }
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
        }
    }

    @Test func sigtermWhileTwoThousandConnectionsAreOpeningStopsCleanlyFiftyTimes() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let storage = Paths.temporaryDirectory("storage")
        var floodedTotal = 0
        for round in 1...50 {
            let stowage = try await StowageServer.start(upstream: upstream.url, storage: storage, extra: ["--log-level", "info", "--drain-timeout", "2s"])
            if round > 1 {
                #expect(!stowage.log().contains("did not stop cleanly"), "round \(round): the previous stop left the store as after a crash")
            }
            let stop = StopFlag()
            let flood = Self.flood(port: stowage.port, maximum: 2_500, stop: stop)
            try await Task.sleep(for: .milliseconds(round % 5 == 0 ? 200 : 20))  // some stops early in the flood, some later
            let status = await stowage.terminate(within: .seconds(8))
            stop.set()
            floodedTotal += await flood.value
            #expect(status == 0, "round \(round): exit status \(status.map(String.init) ?? "none: still running")\n\(stowage.log().suffix(1500))")
            if status != 0 {
                await stowage.stop()
                break
            }
        }
        print("SIGTERM under a connection flood: 50 rounds, \(floodedTotal) connections opened in all")
        #expect(floodedTotal > 2_000, "the flood reached the server")
    }
}
