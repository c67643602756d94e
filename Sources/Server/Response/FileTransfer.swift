import NIOCore
import NIOPosix

/// How a blob file's bytes reach the client. On plain connections, a `FileRegion`: the kernel copies
/// file to socket (sendfile), no byte passes through Stowage. Under TLS every byte must pass
/// through the encrypter, so the file is read in 1 MiB buffers on NIO's thread pool (never on the
/// event loop), each written and flushed before the next is read: memory stays at one buffer per
/// download, and the client's pace sets the reads'.
enum FileTransfer: Sendable {
    case sendfile
    case read(NonBlockingFileIO)

    static let chunkSize = 1 << 20

    /// On the event loop: writes bytes `offset..<offset+count` of `file`; the future
    /// succeeds once the last part has been handed to the channel (sendfile: at once).
    func write(_ file: NIOFileHandle, offset: Int64, count: Int64, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        switch self {
        case .sendfile:
            let region = FileRegion(fileHandle: file, readerIndex: Int(offset), endIndex: Int(offset + count))
            context.write(NIOAny(IOData.fileRegion(region)), promise: nil)
            return context.eventLoop.makeSucceededVoidFuture()
        case .read(let io):
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            return io.readChunked(fileHandle: file, fromOffset: offset, byteCount: Int(count), chunkSize: Self.chunkSize,
                                  allocator: context.channel.allocator, eventLoop: context.eventLoop) { chunk in
                bound.value.writeAndFlush(NIOAny(IOData.byteBuffer(chunk)))
            }
        }
    }

    /// From a task: writes bytes `range` of `file`, each part flushed and awaited.
    func write(_ file: NIOFileHandle, range: Range<Int64>, on channel: any Channel) async throws {
        switch self {
        case .sendfile:
            let region = FileRegion(fileHandle: file, readerIndex: Int(range.lowerBound), endIndex: Int(range.upperBound))
            try await channel.writeAndFlush(IOData.fileRegion(region)).get()
        case .read(let io):
            var offset = range.lowerBound
            while offset < range.upperBound {
                let count = Int(min(Int64(Self.chunkSize), range.upperBound - offset))
                let chunk = try await io.read(fileHandle: file, fromOffset: offset, byteCount: count, allocator: channel.allocator)
                guard chunk.readableBytes > 0 else { throw FileTransferError.fileShorterThanExpected }
                offset += Int64(chunk.readableBytes)
                try await channel.writeAndFlush(IOData.byteBuffer(chunk)).get()
            }
        }
    }
}

/// A blob file ended before the bytes it was to hold (it cannot, being committed or announced: but a
/// loop that trusted the size would spin on a truncated file).
enum FileTransferError: Error {
    case fileShorterThanExpected
}
