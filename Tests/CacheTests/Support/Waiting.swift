// Ways for a test to wait for its clients without sleeping.

/// Waits for `count` elements of `stream`.
func waitFor<Element>(_ count: Int, in stream: AsyncStream<Element>) async {
    var iterator = stream.makeAsyncIterator()
    for _ in 0..<count { _ = await iterator.next() }
}

/// Gives the clients that have started but not yet suspended a turn on the cooperative threads
/// (each goes from its start to joining the flight without suspending): yields, not sleeps.
func letOthersRun() async {
    for _ in 0..<64 { await Task.yield() }
}
