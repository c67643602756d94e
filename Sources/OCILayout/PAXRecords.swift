/// The body of a PAX extended header: records of the form "<length> <key>=<value>\n", where
/// `length` counts the whole record including its own digits.
enum PAXRecords {
    /// The bytes of `records`, in order.
    static func encode(_ records: [(key: String, value: [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (key, value) in records {
            let body = [UInt8(ascii: " ")] + Array(key.utf8) + [UInt8(ascii: "=")] + value + [UInt8(ascii: "\n")]
            // The length includes its own digits; adding digits can add a digit, so settle it.
            var length = body.count + 1
            while String(length).utf8.count + body.count != length {
                length = String(length).utf8.count + body.count
            }
            bytes += Array(String(length).utf8) + body
        }
        return bytes
    }

    /// The key/value pairs of `data`; nil when a record is malformed. Trailing NUL padding is allowed.
    static func parse(_ data: [UInt8]) -> [(key: String, value: [UInt8])]? {
        var records: [(key: String, value: [UInt8])] = []
        var start = 0
        while start < data.count, data[start] != 0 {
            guard let space = data[start...].firstIndex(of: UInt8(ascii: " ")),
                  let length = decimal(data[start..<space]),
                  length > space - start, length <= data.count - start
            else { return nil }
            let end = start + Int(length)
            guard data[end - 1] == UInt8(ascii: "\n"),
                  let equals = data[(space + 1)..<(end - 1)].firstIndex(of: UInt8(ascii: "=")),
                  equals > space + 1
            else { return nil }
            let key = String(decoding: data[(space + 1)..<equals], as: UTF8.self)
            records.append((key, Array(data[(equals + 1)..<(end - 1)])))
            start = end
        }
        return records
    }

    /// A non-empty run of decimal digits no larger than `TarHeader.maximumSize`.
    static func decimal(_ digits: some Collection<UInt8>) -> Int64? {
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            guard value <= TarHeader.maximumSize else { return nil }
        }
        return value
    }
}
