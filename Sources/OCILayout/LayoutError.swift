/// Why an image layout's metadata could not be used.
public enum LayoutError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `index.json` is not JSON, lacks a required key, or holds a value that cannot be right.
    case invalidIndex(reason: String)

    public var description: String {
        switch self {
        case .invalidIndex(let reason): "index.json is not a valid OCI image index: \(reason)"
        }
    }
}
