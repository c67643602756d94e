/// One member of a tar archive as `TarReader` reports it: its normalised name, the number of data
/// bytes that follow it, and what kind of member it is.
public struct TarEntry: Sendable, Equatable {
    /// What an entry is. Links, devices and other types are `.other` with their type flag.
    public enum Kind: Sendable, Equatable {
        case file
        case directory
        case other(UInt8)
    }

    /// The path inside the archive without a leading "./" or "/" or a trailing "/"; "." for the root.
    public let name: String
    /// Data bytes of the entry; 0 for directories, links and devices.
    public let size: Int64
    public let kind: Kind

    public init(name: String, size: Int64, kind: Kind) {
        self.name = name
        self.size = size
        self.kind = kind
    }

    /// `raw` with the leading "./" and "/" and trailing "/" that writers differ on removed.
    static func normalisedName(_ raw: [UInt8]) -> String {
        var bytes = raw[...]
        while true {
            if bytes.starts(with: [UInt8(ascii: "."), UInt8(ascii: "/")]) {
                bytes = bytes.dropFirst(2)
            } else if bytes.first == UInt8(ascii: "/") {
                bytes = bytes.dropFirst()
            } else {
                break
            }
        }
        while bytes.last == UInt8(ascii: "/") { bytes = bytes.dropLast() }
        if bytes.isEmpty || Array(bytes) == [UInt8(ascii: ".")] { return "." }
        return String(decoding: bytes, as: UTF8.self)
    }
}
