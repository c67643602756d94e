import Glibc

/// Writes all of `text` to `descriptor`, retrying partial and interrupted writes. Returns the
/// `errno` of a write that failed (EPIPE when the reader has gone, ENOSPC, …), nil when all of it
/// was written. Never traps, unlike Foundation's `FileHandle.write`.
@discardableResult
public func writeAll(_ text: String, to descriptor: Int32) -> Int32? {
    var text = text
    return text.withUTF8 { writeAll($0, to: descriptor) }
}

/// `writeAll` of bytes.
@discardableResult
public func writeAll(_ bytes: UnsafeBufferPointer<UInt8>, to descriptor: Int32) -> Int32? {
    var offset = 0
    while offset < bytes.count, let base = bytes.baseAddress {
        let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return errno
        }
        offset += written
    }
    return nil
}
