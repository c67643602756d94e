import Glibc

/// A file that is replaced whole or not at all: written as `<path>.partial-<pid>` beside it, then
/// renamed over `path` (rename(2) replaces atomically, so a reader sees the old file or the new
/// one, never a mix, and an existing file is no obstacle). Failures name `path` and say why in
/// words, never as a raw framework error.
struct ReplacedFile {
    let path: String
    /// Where the new content is written until `replace()`.
    let partialPath: String

    /// Checks that `path` can be written: its directory exists and it is not a directory itself.
    init(_ path: String) throws(BundleError) {
        self.path = path
        partialPath = "\(path).partial-\(getpid())"
        let directory = Self.directory(of: path)
        var status = stat()
        guard stat(directory, &status) == 0 else {
            throw Self.failure(path, errno == ENOENT ? "the directory \(directory) does not exist" : "\(directory): \(Self.reason(errno))")
        }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw Self.failure(path, "\(directory) is not a directory") }
        if stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { throw Self.failure(path, "it is a directory") }
    }

    /// Renames the partial file over `path` and makes the rename durable.
    func replace() throws(BundleError) {
        guard rename(partialPath, path) == 0 else { throw Self.failure(path, "rename from \(partialPath): \(Self.reason(errno))") }
        let directory = open(Self.directory(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }

    /// Removes the partial file, if any.
    func discard() {
        unlink(partialPath)
    }

    /// The error for `path`: `cannot write PATH: REASON`.
    static func failure(_ path: String, _ reason: String) -> BundleError {
        BundleError("cannot write \(path): \(reason)")
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func reason(_ number: Int32) -> String {
        String(cString: strerror(number))
    }
}
