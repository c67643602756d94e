/// A blob as the cache answers it: a committed file, or a download streaming from the upstream.
public enum BlobResult {
    case stored(path: String, size: Int64)
    case download(BlobDownload)
}
