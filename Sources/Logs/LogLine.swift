/// One log record as one line of text: `TIME LEVEL LABEL: KEY=VALUE … [SOURCE] MESSAGE`, the layout
/// of swift-log's stream handler, with its fields sorted by key. A value holding a space, a quote, a
/// backslash or a control character (or nothing at all) is quoted and escaped as a JSON string is
/// (`error="upstream hub answered 503"`), and the message is escaped the same way, so a record is
/// always one line, and a `key=value` reader (which splits at spaces, then at the first `=`) splits
/// it where it was meant to split. `json` writes the same record as one JSON object per line. Pure:
/// the handler supplies the time and writes the line.
public enum LogLine {
    public typealias Field = (key: String, value: String)

    /// The record in `format`, with its `fields` in the order given (callers sort them by key).
    public static func render(_ format: LogFormat, time: String, level: String, label: String, fields: [Field], source: String,
                              message: String) -> String {
        switch format {
        case .text: text(time: time, level: level, label: label, fields: fields, source: source, message: message)
        case .json: json(time: time, level: level, label: label, fields: fields, source: source, message: message)
        }
    }

    public static func text(time: String, level: String, label: String, fields: [Field], source: String, message: String) -> String {
        built(.text, time: time, level: level, label: label, fields: fields, source: source, message: message)
    }

    /// The same record as one JSON object: `time`, `level`, `message`, `source` and `label` first,
    /// then the fields, every value a string. A field key that is one of those five is
    /// written with a leading `_` (`_message`), so no field is ever written twice.
    public static func json(time: String, level: String, label: String, fields: [Field], source: String, message: String) -> String {
        built(.json, time: time, level: level, label: label, fields: fields, source: source, message: message)
    }

    private static func built(_ format: LogFormat, time: String, level: String, label: String, fields: [Field], source: String,
                              message: String) -> String {
        let capacity = LogLineBuilder.bound(time: time, level: level, label: label, source: source, message: message, fieldCount: fields.count,
                                            fieldBytes: fields.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count })
        var bytes: [UInt8] = []
        LogLineBuilder.write(format, time: time, level: level, label: label, source: source, message: message, into: &bytes, capacity: capacity) { line in
            for field in fields { line.field(field.key, field.value) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `value` as it is written after `key=`: bare when it needs no quotes, else in double quotes.
    public static func quoted(_ value: String) -> String {
        LogLineBuilder.textValue(value)
    }
}
