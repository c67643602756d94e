import Glibc

/// Reads a tar archive from a file it owns, entry by entry, handing out each entry's data in
/// chunks so that entries of any size pass through without being held.
///
/// Understands POSIX ustar (with the prefix field), PAX local headers (`path`, `size`), GNU long
/// names, old GNU and V7 headers; skips PAX global headers. Damage (bad checksums, bad numbers,
/// truncation) is a `TarError` naming the byte offset, never a crash.
public final class TarReader {
    private static let bufferSize = 1 << 16
    /// PAX and GNU long-name bodies are held in memory, so they are bounded.
    private static let maximumExtendedHeaderSize: Int64 = 1 << 20

    private let path: String
    private let fd: Int32
    /// The archive's size when it is a regular file; skipping then seeks instead of reading.
    private let seekableSize: Int64?
    private let buffer: UnsafeMutableRawBufferPointer
    private var bufferStart = 0
    private var bufferEnd = 0
    /// Archive offset of the next byte not yet handed out or skipped.
    private var offset: Int64 = 0
    private var atEnd = false

    /// The current entry's name (for messages), unread data bytes and padding after them.
    private var currentName: String?
    private var dataRemaining: Int64 = 0
    private var paddingRemaining: Int64 = 0

    public init(path: String) throws(TarError) {
        self.path = path
        fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = errno
            Glibc.close(fd)
            throw .io(operation: "stat", path: path, errno: error)
        }
        seekableSize = (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : nil
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    deinit {
        Glibc.close(fd)
        buffer.deallocate()
    }

    /// Moves to the next entry, skipping whatever of the current one was not read; nil at the end
    /// of the archive (two zero blocks, or the end of the file between entries).
    public func next() throws(TarError) -> TarEntry? {
        guard !atEnd else { return nil }
        try skip(dataRemaining + paddingRemaining, inside: currentName)
        currentName = nil
        dataRemaining = 0
        paddingRemaining = 0

        var pending = ExtendedFields()
        while true {
            let headerOffset = offset
            guard let block = try readBlock() else {
                guard pending.isEmpty else { throw .truncated(path: path, offset: offset, entry: nil) }
                atEnd = true
                return nil
            }
            if TarHeader.isZero(block) {
                guard pending.isEmpty else {
                    throw .badHeader(path: path, offset: headerOffset, reason: "end-of-archive block after an extended header")
                }
                try readSecondEndBlock()
                atEnd = true
                return nil
            }

            let header: TarHeader
            do {
                header = try TarHeader.decode(block)
            } catch .badChecksum {
                throw .badChecksum(path: path, offset: headerOffset)
            } catch {
                throw .badHeader(path: path, offset: headerOffset, reason: error.reason)
            }

            switch header.typeflag {
            case TarHeader.TypeFlag.paxExtended:
                let body = try readExtendedBody(header, at: headerOffset)
                guard let records = PAXRecords.parse(body) else {
                    throw .badHeader(path: path, offset: headerOffset, reason: "malformed PAX record")
                }
                try pending.apply(records, at: headerOffset, in: path)
            case TarHeader.TypeFlag.gnuLongName:
                let body = try readExtendedBody(header, at: headerOffset)
                pending.longName = Array(body.prefix { $0 != 0 })
            case TarHeader.TypeFlag.paxGlobal, TarHeader.TypeFlag.gnuLongLinkName:
                try skip(header.size + Self.padding(after: header.size), inside: nil)
            default:
                return begin(header, with: pending)
            }
        }
    }

    /// Up to `maximum` bytes of the current entry's data: exactly `min(maximum, unread)`, so an
    /// empty result means the entry's data is all read. The caller's `maximum` bounds the memory used.
    public func read(maximum: Int) throws(TarError) -> [UInt8] {
        let count = Int(min(Int64(max(0, maximum)), dataRemaining))
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let filled = try bytes.withUnsafeMutableBytes { raw in fill(raw) }.get()
        dataRemaining -= Int64(filled)
        guard filled == count else { throw .truncated(path: path, offset: offset, entry: currentName) }
        return bytes
    }

    // MARK: - Entries

    /// Makes `header` the current entry, with the names and size of the headers before it.
    private func begin(_ header: TarHeader, with pending: ExtendedFields) -> TarEntry {
        let rawName = pending.path ?? pending.longName ?? header.path
        let kind: TarEntry.Kind
        switch header.typeflag {
        case TarHeader.TypeFlag.file, TarHeader.TypeFlag.oldFile:
            // Old archives mark directories only by the trailing slash.
            kind = rawName.last == UInt8(ascii: "/") ? .directory : .file
        case TarHeader.TypeFlag.contiguousFile:
            kind = .file
        case TarHeader.TypeFlag.directory:
            kind = .directory
        default:
            kind = .other(header.typeflag)
        }
        let stored = TarHeader.TypeFlag.isHeaderOnly(header.typeflag) ? 0 : pending.size ?? header.size
        // Any bytes stored after a directory are passed over, never handed out.
        let readable = kind == .directory ? 0 : stored
        let entry = TarEntry(name: TarEntry.normalisedName(rawName), size: readable, kind: kind)
        currentName = entry.name
        dataRemaining = readable
        paddingRemaining = stored - readable + Self.padding(after: stored)
        return entry
    }

    /// The body of a PAX or GNU long-name header, and its padding consumed.
    private func readExtendedBody(_ header: TarHeader, at headerOffset: Int64) throws(TarError) -> [UInt8] {
        guard header.size <= Self.maximumExtendedHeaderSize else {
            throw .badHeader(path: path, offset: headerOffset, reason: "extended header of \(header.size) bytes")
        }
        var body = [UInt8](repeating: 0, count: Int(header.size))
        let filled = try body.withUnsafeMutableBytes { raw in fill(raw) }.get()
        guard filled == body.count else { throw .truncated(path: path, offset: offset, entry: nil) }
        try skip(Self.padding(after: header.size), inside: nil)
        return body
    }

    /// After one zero block: the end, unless what follows is a partial block (truncation) or data.
    private func readSecondEndBlock() throws(TarError) {
        let blockOffset = offset
        guard let block = try readBlock() else { return }
        guard TarHeader.isZero(block) else {
            throw .badHeader(path: path, offset: blockOffset, reason: "data after an end-of-archive block")
        }
    }

    private static func padding(after size: Int64) -> Int64 {
        let block = Int64(TarHeader.blockSize)
        return (block - size % block) % block
    }

    // MARK: - Bytes

    /// The next 512-byte block; nil at a clean end of file.
    private func readBlock() throws(TarError) -> [UInt8]? {
        var block = [UInt8](repeating: 0, count: TarHeader.blockSize)
        let filled = try block.withUnsafeMutableBytes { raw in fill(raw) }.get()
        if filled == 0 { return nil }
        guard filled == block.count else { throw .truncated(path: path, offset: offset, entry: nil) }
        return block
    }

    /// Fills `destination` from the buffer and the file; fewer bytes only at end of file.
    private func fill(_ destination: UnsafeMutableRawBufferPointer) -> Result<Int, TarError> {
        var filled = 0
        defer { offset += Int64(filled) }
        while filled < destination.count {
            if bufferStart < bufferEnd {
                let count = min(bufferEnd - bufferStart, destination.count - filled)
                (destination.baseAddress! + filled).copyMemory(from: buffer.baseAddress! + bufferStart, byteCount: count)
                bufferStart += count
                filled += count
                continue
            }
            // Large reads go straight to the destination; small ones through the buffer.
            let wanted = destination.count - filled
            let direct = wanted >= buffer.count
            let target = direct ? UnsafeMutableRawBufferPointer(rebasing: destination[filled...]) : buffer
            let count = Glibc.read(fd, target.baseAddress, target.count)
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.io(operation: "read", path: path, errno: errno))
            }
            if count == 0 { break }
            if direct {
                filled += count
            } else {
                bufferStart = 0
                bufferEnd = count
            }
        }
        return .success(filled)
    }

    /// Passes over `count` bytes; a file that ends first is truncated inside `entry`.
    private func skip(_ count: Int64, inside entry: String?) throws(TarError) {
        var remaining = count
        let buffered = Int64(bufferEnd - bufferStart)
        let fromBuffer = min(buffered, remaining)
        bufferStart += Int(fromBuffer)
        offset += fromBuffer
        remaining -= fromBuffer
        guard remaining > 0 else { return }

        if let size = seekableSize {
            guard offset + remaining <= size else { throw .truncated(path: path, offset: size, entry: entry) }
            guard lseek(fd, off_t(remaining), SEEK_CUR) >= 0 else { throw .io(operation: "seek", path: path, errno: errno) }
            offset += remaining
            return
        }
        while remaining > 0 {
            let count = Glibc.read(fd, buffer.baseAddress, Int(min(Int64(buffer.count), remaining)))
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: path, errno: errno)
            }
            guard count > 0 else { throw .truncated(path: path, offset: offset, entry: entry) }
            offset += Int64(count)
            remaining -= Int64(count)
        }
    }
}

@available(*, unavailable, message: "TarReader owns a file descriptor and position; use it from one task")
extension TarReader: Sendable {}

/// Fields from PAX and GNU long-name headers that apply to the next real header.
private struct ExtendedFields {
    var path: [UInt8]?
    var size: Int64?
    var longName: [UInt8]?
    private var sawHeader = false

    var isEmpty: Bool { !sawHeader && longName == nil }

    mutating func apply(_ records: [(key: String, value: [UInt8])], at offset: Int64, in archive: String) throws(TarError) {
        sawHeader = true
        for (key, value) in records {
            switch key {
            case "path":
                // An empty value removes an earlier one (POSIX), leaving the ustar name.
                path = value.isEmpty ? nil : value
            case "size":
                guard let parsed = PAXRecords.decimal(value) else {
                    throw .badHeader(path: archive, offset: offset, reason: "PAX size is not a number up to \(TarHeader.maximumSize)")
                }
                size = parsed
            default:
                continue
            }
        }
    }
}
