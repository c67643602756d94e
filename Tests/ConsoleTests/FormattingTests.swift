import Console
import Testing

@Suite struct FormattingTests {
    @Test func bytesUnderOneKiBAreWholeBytes() {
        #expect(Formatting.bytes(0) == "0 B")
        #expect(Formatting.bytes(1023) == "1023 B")
    }

    @Test func bytesFromOneKiBUseBinaryUnitsWithOneDecimal() {
        #expect(Formatting.bytes(1024) == "1.0 KiB")
        #expect(Formatting.bytes(12_897_485) == "12.3 MiB")
        #expect(Formatting.bytes(1_610_612_736) == "1.5 GiB")
        #expect(Formatting.bytes(3 * 1024 * 1024 * 1024 * 1024) == "3.0 TiB")
    }

    @Test func aValueThatRoundsToAFullUnitMovesUpToIt() {
        #expect(Formatting.bytes(1_048_575) == "1.0 MiB")
    }

    @Test func rateIsBytesPerSecondAndUnknownForNonsense() {
        #expect(Formatting.rate(bytesPerSecond: 5.1 * 1024 * 1024) == "5.1 MiB/s")
        #expect(Formatting.rate(bytesPerSecond: 0) == "0 B/s")
        #expect(Formatting.rate(bytesPerSecond: .nan) == "--")
        #expect(Formatting.rate(bytesPerSecond: -1) == "--")
    }

    @Test func durationIsSecondsThenMinutesThenHours() {
        #expect(Formatting.duration(seconds: 0) == "0s")
        #expect(Formatting.duration(seconds: 59) == "59s")
        #expect(Formatting.duration(seconds: 60) == "1m00s")
        #expect(Formatting.duration(seconds: 125) == "2m05s")
        #expect(Formatting.duration(seconds: 3725) == "1h02m")
        #expect(Formatting.duration(seconds: .infinity) == "--")
    }

    @Test func preciseDurationHasTenthsUnderAMinute() {
        #expect(Formatting.preciseDuration(seconds: 2.14) == "2.1s")
        #expect(Formatting.preciseDuration(seconds: 59.96) == "1m00s")
    }

    @Test func etaIsDashesWhenUnknown() {
        #expect(Formatting.eta(seconds: nil) == "--")
        #expect(Formatting.eta(seconds: 6) == "6s")
    }
}
