/// One log record as one line of text: `TIME LEVEL LABEL: KEY=VALUE … [SOURCE] MESSAGE`, the layout
/// of swift-log's stream handler, with metadata sorted by key. A value holding a space, a quote, a
/// backslash or a control character (or nothing at all) is quoted and escaped
/// (`error="upstream hub answered 503"`), and control characters in the message are escaped too,
/// so a record is always one line, and a `key=value` reader (which splits at spaces, then at the
/// first `=`) splits it where it was meant to split.
/// Pure: the handler supplies the time and writes the line.
public enum LogLine {
    public static func text(time: String, level: String, label: String, metadata: [String: String], source: String, message: String) -> String {
        var line = "\(time) \(level) \(label):"
        for key in metadata.keys.sorted() {
            line += " \(key)=\(quoted(metadata[key] ?? ""))"
        }
        line += " [\(source)] \(escaped(message, quote: false))"
        return line
    }

    /// `value` as it is written after `key=`: bare when it needs no quotes, else in double quotes.
    public static func quoted(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { scalar in
            scalar == " " || scalar == "\"" || scalar == "\\" || scalar.value < 0x20 || scalar.value == 0x7F
        }
        return needsQuotes ? "\"\(escaped(value, quote: true))\"" : value
    }

    /// Control characters as `\n`, `\r`, `\t` or `\u{XX}`; with `quote`, `"` and `\` escaped as well.
    private static func escaped(_ text: String, quote: Bool) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\"" where quote: result += "\\\""
            case "\\" where quote: result += "\\\\"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    result += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
