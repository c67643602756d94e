import Logging
import OCI

/// What a consistency check of the index against the blob files found, and what a repair did.
public struct ConsistencyReport: Sendable {
    public var blobsChecked = 0
    public var manifestsChecked = 0
    /// Whether blob contents were hashed (`stowage verify`) or only their sizes compared (start-up).
    public var hashed = false
    /// Recorded blobs whose file has the wrong size or digest.
    public var corrupt: [Digest] = []
    /// Recorded blobs without a file.
    public var missing: [Digest] = []
    /// Files under `blobs/` without a record.
    public var orphans: [String] = []
    /// Disagreements between records, budget entries, the access order and the byte total.
    public var indexProblems: [String] = []
    /// After a repair: orphans whose digest verified and were recorded, and files removed.
    public var adopted = 0
    public var removed = 0

    public var problemCount: Int { corrupt.count + missing.count + orphans.count + indexProblems.count }
    public var isClean: Bool { problemCount == 0 }

    public var summary: String {
        "\(blobsChecked) blobs (\(hashed ? "hashed" : "sizes checked")), \(manifestsChecked) manifests; "
            + "\(corrupt.count) corrupt, \(orphans.count) orphans, \(missing.count) missing, \(indexProblems.count) index problems"
    }

    /// One line per problem, for people.
    public var problemLines: [String] {
        corrupt.map { "corrupt: blob \($0) does not match its record or digest" }
            + missing.map { "missing: blob \($0) is recorded but has no file" }
            + orphans.map { "orphan: \($0) has no record" }
            + indexProblems.map { "index: \($0)" }
    }

    var metadata: Logger.Metadata {
        ["blobs": "\(blobsChecked)", "corrupt": "\(corrupt.count)", "missing": "\(missing.count)", "orphans": "\(orphans.count)",
         "indexProblems": "\(indexProblems.count)", "adopted": "\(adopted)", "removed": "\(removed)"]
    }
}
