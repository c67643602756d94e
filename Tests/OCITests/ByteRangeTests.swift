import OCI
import Testing

@Suite struct ByteRangeTests {
    @Test func noHeaderMeansTheWholeBody() {
        #expect(ByteRange.resolve(header: nil, size: 100) == .whole)
    }

    @Test func positionsBeyondInt64AreClampedNotIgnored() {
        #expect(ByteRange.resolve(header: "bytes=10-99999999999999999999", size: 100) == .partial(ByteRange(first: 10, last: 99)))
        #expect(ByteRange.resolve(header: "bytes=-99999999999999999999", size: 100) == .partial(ByteRange(first: 0, last: 99)))
        #expect(ByteRange.resolve(header: "bytes=99999999999999999999-", size: 100) == .unsatisfiable)
        #expect(ByteRange.resolve(header: "bytes=+5-9", size: 100) == .whole, "only digits")
    }

    @Test func aClosedRangeIsServedInclusively() {
        #expect(ByteRange.resolve(header: "bytes=0-9", size: 100) == .partial(ByteRange(first: 0, last: 9)))
    }

    @Test func anOpenRangeRunsToTheEnd() {
        #expect(ByteRange.resolve(header: "bytes=90-", size: 100) == .partial(ByteRange(first: 90, last: 99)))
    }

    @Test func aSuffixRangeIsTheLastBytes() {
        #expect(ByteRange.resolve(header: "bytes=-10", size: 100) == .partial(ByteRange(first: 90, last: 99)))
        #expect(ByteRange.resolve(header: "bytes=-500", size: 100) == .partial(ByteRange(first: 0, last: 99)))
    }

    @Test func anEndPastTheSizeIsClamped() {
        #expect(ByteRange.resolve(header: "bytes=50-1000", size: 100) == .partial(ByteRange(first: 50, last: 99)))
    }

    @Test func aStartPastTheEndIsUnsatisfiable() {
        #expect(ByteRange.resolve(header: "bytes=100-", size: 100) == .unsatisfiable)
        #expect(ByteRange.resolve(header: "bytes=-0", size: 100) == .unsatisfiable)
    }

    @Test(arguments: ["bytes=5-1", "bytes=a-b", "items=0-1", "bytes=0-1,5-6", "bytes=", "bytes=--1", "bytes=+1-2"])
    func malformedOrMultipleRangesServeTheWholeBody(_ header: String) {
        #expect(ByteRange.resolve(header: header, size: 100) == .whole)
    }
}
