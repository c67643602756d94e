import Glibc
import NIOCore

/// Thin, throwing wrappers over the few POSIX calls the blob files need.
enum POSIX {
    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o640) throws(StoreError) -> Int32 {
        let fd = path.withCString { Glibc.open($0, flags | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(StoreError) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "write", path: path, errno: errno)
            }
            offset += n
        }
    }

    /// Writes every readable byte of `buffers`, in order, with as few `writev` calls as the kernel
    /// allows (one, unless it writes less than asked).
    static func writeAll(_ fd: Int32, _ buffers: [ByteBuffer], path: String) throws(StoreError) {
        var vectors: [iovec] = []
        var storages: [Unmanaged<AnyObject>] = []
        vectors.reserveCapacity(buffers.count)
        storages.reserveCapacity(buffers.count)
        for buffer in buffers where buffer.readableBytes > 0 {
            // NIO's rule for a pointer used outside the closure: retain the storage until done with it.
            buffer.withUnsafeReadableBytesWithStorageManagement { bytes, storage in
                storages.append(storage.retain())
                vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count))
            }
        }
        defer { for storage in storages { storage.release() } }
        var first = 0
        while first < vectors.count {
            let count = Int32(min(vectors.count - first, 1024))  // IOV_MAX on Linux
            let written = vectors.withUnsafeBufferPointer { Glibc.writev(fd, $0.baseAddress! + first, count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "write", path: path, errno: errno)
            }
            if written == 0 { throw .io(operation: "write", path: path, errno: EIO) }  // no progress: never loop on it
            var remaining = written
            while remaining > 0 {
                if remaining >= vectors[first].iov_len {
                    remaining -= vectors[first].iov_len
                    first += 1
                } else {
                    vectors[first].iov_base = vectors[first].iov_base! + remaining
                    vectors[first].iov_len -= remaining
                    remaining = 0
                }
            }
        }
    }

    static func fsync(_ fd: Int32, path: String) throws(StoreError) {
        guard Glibc.fsync(fd) == 0 else { throw .io(operation: "fsync", path: path, errno: errno) }
    }

    static func fsyncDirectory(_ path: String) throws(StoreError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd, path: path)
    }

    static func rename(_ from: String, _ to: String) throws(StoreError) {
        guard Glibc.rename(from, to) == 0 else { throw .io(operation: "rename", path: to, errno: errno) }
    }

    static func unlink(_ path: String) {
        _ = Glibc.unlink(path)
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws(StoreError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o750) != 0 && errno != EEXIST {
                throw .io(operation: "mkdir", path: current, errno: errno)
            }
        }
    }

    /// Cuts the file open as `fd` to `length` bytes and moves its write position there.
    static func truncate(_ fd: Int32, to length: Int64, path: String) throws(StoreError) {
        guard ftruncate(fd, off_t(length)) == 0 else { throw .io(operation: "ftruncate", path: path, errno: errno) }
        guard lseek(fd, off_t(length), SEEK_SET) >= 0 else { throw .io(operation: "lseek", path: path, errno: errno) }
    }

    /// Bytes an unprivileged writer may still use on the filesystem holding `path` (`statvfs`'s
    /// available blocks); nil when it cannot be asked.
    static func availableBytes(_ path: String) -> Int64? {
        var status = statvfs()
        guard statvfs(path, &status) == 0 else { return nil }
        let (blocks, size) = (Int64(clamping: status.f_bavail), Int64(clamping: status.f_frsize))
        return blocks.multipliedReportingOverflow(by: size).overflow ? .max : blocks * size
    }

    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    static func directoryEntries(_ path: String) throws(StoreError) -> [String] {
        guard let dir = opendir(path) else { throw .io(operation: "opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }
}

func systemErrorMessage(_ code: Int32) -> String {
    String(cString: strerror(code))
}
