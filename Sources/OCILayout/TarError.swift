import Glibc

/// Why reading or writing a tar archive failed, with the archive path and, for damaged archives,
/// the byte offset where the damage was found.
public enum TarError: Error, Sendable, CustomStringConvertible {
    /// A system call failed; `errno` is its error number.
    case io(operation: String, path: String, errno: Int32)
    /// The archive ended at `offset`, part-way through `entry` (nil: between or inside headers).
    case truncated(path: String, offset: Int64, entry: String?)
    /// The header block at `offset` does not sum to its checksum field.
    case badChecksum(path: String, offset: Int64)
    /// The header block at `offset` has a field that cannot be used (`reason` says which).
    case badHeader(path: String, offset: Int64, reason: String)
    /// An entry name the writer cannot store.
    case invalidName(String, reason: String)
    /// `TarWriter.addFile(_:copying:size:)` found the source file to be `actual` bytes, not `expected`.
    case sizeMismatch(source: String, expected: Int64, actual: Int64)
    /// The writer was finished, or failed part-way through an entry and so holds a damaged archive.
    case writerClosed(path: String)

    public var description: String {
        switch self {
        case .io(let operation, let path, let errno):
            "\(operation) \(path): \(String(cString: strerror(errno)))"
        case .truncated(let path, let offset, let entry):
            "\(path): truncated at byte \(offset)" + (entry.map { " inside \($0)" } ?? "")
        case .badChecksum(let path, let offset):
            offset == 0
                ? "\(path) is not a tar archive (bad header checksum at byte 0)"
                : "\(path): damaged tar header at byte \(offset) (bad checksum)"
        case .badHeader(let path, let offset, let reason):
            "\(path): damaged tar header at byte \(offset) (\(reason))"
        case .invalidName(let name, let reason):
            "cannot store \"\(name)\" in a tar archive: \(reason)"
        case .sizeMismatch(let source, let expected, let actual):
            "\(source) is \(actual) bytes, expected \(expected)"
        case .writerClosed(let path):
            "\(path): the archive was already finished, or an earlier error left it incomplete"
        }
    }
}
