import Testing
@testable import Upstream

@Suite struct ResponseDeadlineTests {
    private struct Failure: Error, Equatable {}

    private actor Flag {
        private(set) var isSet = false
        func set() { isSet = true }
    }

    @Test func aResultBeforeTheDeadlineIsReturned() async throws {
        let value = try await withResponseDeadline(.seconds(5)) { 42 }
        #expect(value == 42)
    }

    @Test func aHungOperationYieldsNilWithinTheDeadline() async throws {
        let started = ContinuousClock.now
        let value = try await withResponseDeadline(.milliseconds(200)) { () async throws -> Int in
            try await Task.sleep(for: .seconds(30))
            return 1
        }
        #expect(value == nil)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func theHungOperationIsCancelled() async throws {
        let cancelled = Flag()
        _ = try await withResponseDeadline(.milliseconds(100)) { () async throws -> Int in
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                await cancelled.set()
                throw error
            }
            return 1
        }
        #expect(await cancelled.isSet)
    }

    @Test func theOperationsErrorIsThrown() async {
        await #expect(throws: Failure()) {
            try await withResponseDeadline(.seconds(5)) { () async throws -> Int in throw Failure() }
        }
    }

    @Test func theDeadlineDoesNotLimitWorkAfterTheResult() async throws {
        // The head arrives in time; what the caller does with the result afterwards is not bounded.
        let value = try await withResponseDeadline(.milliseconds(100)) { "head" }
        try await Task.sleep(for: .milliseconds(300))
        #expect(value == "head")
    }
}
