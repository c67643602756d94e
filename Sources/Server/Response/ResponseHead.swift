import NIOCore
import NIOHTTP1

/// How a response's body is delimited on the wire, decided once per response (`Response.prepare`).
enum BodyFraming: Equatable {
    /// No body may follow: a `HEAD`, a `204`, a `304`.
    case none
    /// `Content-Length` says where it ends.
    case length
    /// `Transfer-Encoding: chunked`: a streamed body of unknown length, to an HTTP/1.1 client.
    case chunked
    /// The connection's close ends it: a streamed body of unknown length, to an HTTP/1.0 client.
    case untilClose
}

/// The bytes of a response head, written by Stowage itself (not by NIO's response encoder: one
/// buffer per response, with the body appended when it is small, is one write and one handler hop
/// instead of three of each; `Benchmarks/NIOBaseline` `--decoder-only` measures the difference).
/// The header lines come written (`ResponseHeaders`).
enum ResponseHead {
    static func write(version: HTTPVersion, status: HTTPResponseStatus, headers: ResponseHeaders, into buffer: inout ByteBuffer) {
        if version.major == 1 && version.minor == 0 {
            buffer.writeStaticString("HTTP/1.0 ")
        } else {
            buffer.writeStaticString("HTTP/1.1 ")
        }
        let code = status.code
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code / 100 % 10))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code / 10 % 10))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(code % 10))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        buffer.writeImmutableBuffer(headers.bytes)
        buffer.writeStaticString("\r\n")
    }

    /// The line that opens a chunk of `count` bytes.
    static func chunkHeader(_ count: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 20)
        buffer.writeString(String(count, radix: 16))
        buffer.writeStaticString("\r\n")
        return buffer
    }

    static let chunkEnd = ByteBuffer(staticString: "\r\n")
    static let lastChunk = ByteBuffer(staticString: "0\r\n\r\n")
}
