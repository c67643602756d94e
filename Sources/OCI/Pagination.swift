/// `?n=<count>&last=<marker>` of `tags/list` and `_catalog`. Other parameters are ignored.
public struct Pagination: Equatable, Sendable {
    public var count: Int?
    public var last: String?

    public init(count: Int? = nil, last: String? = nil) {
        self.count = count
        self.last = last
    }

    /// Parses a raw query string; a non-numeric or negative `n` is `PAGINATION_NUMBER_INVALID`.
    public static func parse(_ query: String?) -> Result<Pagination, RegistryError> {
        var pagination = Pagination()
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count > 1 ? String(parts[1]) : ""
            switch parts[0] {
            case "n":
                guard let count = Int(value), count >= 0 else {
                    return .failure(RegistryError(.paginationNumberInvalid, "n must be a non-negative number, not \(quoted(value))"))
                }
                pagination.count = count
            case "last":
                // Tags and repository names need no escaping; anything else is not a marker we issued.
                guard value.utf8.allSatisfy({ isLowerAlnum($0) || (65...90).contains($0) || "._-/".utf8.contains($0) }) else {
                    return .failure(RegistryError(.paginationNumberInvalid, "last is not a tag or repository name: \(quoted(value))"))
                }
                pagination.last = value
            default:
                continue
            }
        }
        return .success(pagination)
    }

    /// The query to pass on, in a fixed order; nil when there is nothing to pass.
    public var query: String? {
        let items = [count.map { "n=\($0)" }, last.map { "last=\($0)" }].compactMap { $0 }
        return items.isEmpty ? nil : items.joined(separator: "&")
    }
}
