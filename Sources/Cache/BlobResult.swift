import Store

/// A blob as the cache answers it: a committed file opened for this response, or a download
/// streaming from the upstream.
public enum BlobResult {
    case stored(OpenedBlob)
    case download(BlobDownload)
}
