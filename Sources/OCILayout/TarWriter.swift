import Glibc

/// Writes a POSIX ustar archive to a file it owns: directories, small files from memory, and files
/// streamed from disk in 1 MiB chunks so blobs of any size pass through without being held.
///
/// Entries get mode 0644 (directories 0755), owner 0/0 and mtime 0, so the same content always gives
/// the same archive. Names that do not fit ustar, and sizes of 8 GiB or more, get a PAX header.
/// An error part-way through an entry leaves the archive damaged, so the writer then refuses more
/// work; errors found before an entry starts (a missing source, a wrong size) leave it usable.
public final class TarWriter {
    private static let chunkSize = 1 << 20
    private static let zeroBlock = [UInt8](repeating: 0, count: TarHeader.blockSize)

    private let path: String
    private var fd: Int32
    private var usable = true

    /// Creates or truncates the archive at `path` (mode 0644 before the umask).
    public init(path: String) throws(TarError) {
        self.path = path
        fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(operation: "create", path: path, errno: errno) }
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// A directory entry; `name` may end in "/" or not.
    public func addDirectory(_ name: String) throws(TarError) {
        try checkUsable()
        var trimmed = Substring(name)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        try writeHeader(name: String(trimmed) + "/", typeflag: TarHeader.TypeFlag.directory, mode: 0o755, size: 0)
    }

    /// A regular file holding `bytes`.
    public func addFile(_ name: String, bytes: [UInt8]) throws(TarError) {
        try checkUsable()
        try Self.checkFileName(name)
        try writeHeader(name: name, typeflag: TarHeader.TypeFlag.file, mode: 0o644, size: Int64(bytes.count))
        try write(bytes)
        try writePadding(after: Int64(bytes.count))
    }

    /// A regular file with the content of `sourcePath`, which must be exactly `size` bytes.
    public func addFile(_ name: String, copying sourcePath: String, size: Int64) throws(TarError) {
        try checkUsable()
        try Self.checkFileName(name)
        let source = Glibc.open(sourcePath, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw .io(operation: "open", path: sourcePath, errno: errno) }
        defer { Glibc.close(source) }
        // Checked before the header goes out, so a wrong size leaves the archive intact.
        let actual = try Self.fileSize(source, path: sourcePath)
        guard actual == size else { throw .sizeMismatch(source: sourcePath, expected: size, actual: actual) }

        try writeHeader(name: name, typeflag: TarHeader.TypeFlag.file, mode: 0o644, size: size)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var copied: Int64 = 0
        while copied < size {
            let wanted = Int(min(Int64(buffer.count), size - copied))
            let count = try readSome(source, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]), path: sourcePath)
            guard count > 0 else {
                usable = false
                throw .sizeMismatch(source: sourcePath, expected: size, actual: copied)
            }
            try write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            copied += Int64(count)
        }
        // The file may have grown since it was measured; its end must be where the header says.
        guard try readSome(source, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<1]), path: sourcePath) == 0 else {
            usable = false
            let grown = (try? Self.fileSize(source, path: sourcePath)) ?? size + 1
            throw .sizeMismatch(source: sourcePath, expected: size, actual: grown)
        }
        try writePadding(after: size)
    }

    /// Writes the end-of-archive marker (two zero blocks), flushes the file to disk and closes it.
    public func finish() throws(TarError) {
        try checkUsable()
        try write(Self.zeroBlock + Self.zeroBlock)
        usable = false
        let synced = Glibc.fsync(fd) == 0 ? 0 : errno
        let closed = Glibc.close(fd) == 0 ? 0 : errno
        fd = -1
        if synced != 0 { throw .io(operation: "fsync", path: path, errno: synced) }
        if closed != 0 { throw .io(operation: "close", path: path, errno: closed) }
    }

    /// The header for one entry, preceded by a PAX header when the name or size does not fit ustar.
    func writeHeader(name: String, typeflag: UInt8, mode: Int64, size: Int64) throws(TarError) {
        let nameBytes = Array(name.utf8)
        guard !nameBytes.isEmpty, nameBytes != [UInt8(ascii: "/")] else { throw .invalidName(name, reason: "the name is empty") }
        // Extractors strip a leading "/" with a warning, or refuse; an export never needs one.
        guard nameBytes.first != UInt8(ascii: "/") else { throw .invalidName(name, reason: "the name is absolute") }
        guard !nameBytes.contains(0) else { throw .invalidName(name, reason: "the name contains a NUL byte") }
        guard size >= 0, size <= TarHeader.maximumSize else {
            throw .invalidName(name, reason: "a size of \(size) bytes is outside 0...\(TarHeader.maximumSize)")
        }

        var header = TarHeader(name: nameBytes, mode: mode, size: size, typeflag: typeflag)
        var records: [(key: String, value: [UInt8])] = []
        if nameBytes.count > 100 {
            if let split = Self.prefixSplit(nameBytes) {
                header.prefix = Array(nameBytes[..<split])
                header.name = Array(nameBytes[(split + 1)...])
            } else {
                records.append(("path", nameBytes))
            }
        }
        // The header also carries the size in base-256, for readers that know that but not PAX.
        if size > TarHeader.maximumOctalSize { records.append(("size", Array(String(size).utf8))) }

        if !records.isEmpty {
            let body = PAXRecords.encode(records)
            let baseName = nameBytes.split(separator: UInt8(ascii: "/")).last.map(Array.init) ?? []
            let paxHeader = TarHeader(
                name: Array(("PaxHeaders/" + String(decoding: baseName, as: UTF8.self)).utf8.prefix(100)),
                mode: 0o644, size: Int64(body.count), typeflag: TarHeader.TypeFlag.paxExtended
            )
            try write(paxHeader.encode())
            try write(body)
            try writePadding(after: Int64(body.count))
        }
        try write(header.encode())
    }

    /// Where to cut `name` into a ustar prefix (at most 155 bytes) and name (at most 100): the index
    /// of a "/" that does it, or nil.
    static func prefixSplit(_ name: [UInt8]) -> Int? {
        guard name.count <= 256 else { return nil }
        let lowest = max(1, name.count - 101)
        let highest = min(155, name.count - 2)
        guard lowest <= highest else { return nil }
        return (lowest...highest).first { name[$0] == UInt8(ascii: "/") }
    }

    /// Old readers take a file name ending in "/" for a directory.
    private static func checkFileName(_ name: String) throws(TarError) {
        guard !name.hasSuffix("/") || name == "/" else { throw .invalidName(name, reason: "a file name cannot end in \"/\"") }
    }

    private func checkUsable() throws(TarError) {
        guard usable else { throw .writerClosed(path: path) }
    }

    private func writePadding(after size: Int64) throws(TarError) {
        let padding = Int((Int64(TarHeader.blockSize) - size % Int64(TarHeader.blockSize)) % Int64(TarHeader.blockSize))
        if padding > 0 { try write(Array(Self.zeroBlock[..<padding])) }
    }

    private func write(_ bytes: [UInt8]) throws(TarError) {
        let failure = bytes.withUnsafeBytes { raw in writeAll(raw) }
        if let failure { usable = false; throw .io(operation: "write", path: path, errno: failure) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws(TarError) {
        if let failure = writeAll(bytes) { usable = false; throw .io(operation: "write", path: path, errno: failure) }
    }

    /// Writes all of `bytes`; the errno on failure.
    private func writeAll(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }

    /// One read(2) into `buffer`; 0 at end of file.
    private func readSome(_ source: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(TarError) -> Int {
        while true {
            let count = Glibc.read(source, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            usable = false
            throw .io(operation: "read", path: path, errno: errno)
        }
    }

    private static func fileSize(_ fd: Int32, path: String) throws(TarError) -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(operation: "stat", path: path, errno: errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .io(operation: "read", path: path, errno: EINVAL) }
        return Int64(info.st_size)
    }
}

@available(*, unavailable, message: "TarWriter owns a file descriptor and position; use it from one task")
extension TarWriter: Sendable {}
