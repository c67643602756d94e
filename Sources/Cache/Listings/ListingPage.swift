import Foundation
import OCI
import Upstream

/// One page of names, tags of `tags/list` or repositories of `_catalog`, and the query of the next
/// page (`n=…&last=…`) for the `Link` header, nil on the last page.
public struct ListingPage: Sendable, Equatable {
    public var names: [String]
    public var nextQuery: String?
    /// Set when the names are the cache's because the upstream could not be asked; becomes a
    /// `Warning: 299` header.
    public var staleWarning: String?

    public init(names: [String], nextQuery: String?) {
        self.names = names
        self.nextQuery = nextQuery
    }

    /// Stowage's own pagination of a complete list: the names after `last`, at most `n`, in byte
    /// order (as the distribution spec orders them), without duplicates.
    public static func paginating(_ all: some Sequence<String>, _ pagination: Pagination) -> ListingPage {
        var names = Set(all).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        if let last = pagination.last {
            names.removeSubrange(..<(names.firstIndex { last.utf8.lexicographicallyPrecedes($0.utf8) } ?? names.endIndex))
        }
        guard let count = pagination.count, names.count > count else { return ListingPage(names: names, nextQuery: nil) }
        let page = Array(names.prefix(count))
        return ListingPage(names: page, nextQuery: page.last.map { "n=\(count)&last=\($0)" })
    }

    /// A page of the upstream's tags. An upstream that honours `n` and `last` is passed through in
    /// its order with its next page; one that ignores them (a license proxy sends every tag at
    /// once) is paginated here.
    static func tags(from listing: UpstreamListing, upstream: String, pagination: Pagination) throws(RegistryError) -> ListingPage {
        struct Page: Decodable { var tags: [String]? }
        guard let page = try? JSONDecoder().decode(Page.self, from: Data(listing.bytes)) else {
            throw RegistryError(.unknown, "upstream \(upstream) sent an unreadable tag list", status: 502)
        }
        let tags = page.tags ?? []
        let tooMany = pagination.count.map { tags.count > $0 } ?? false
        let notAfterLast = pagination.last.map { last in tags.contains { !last.utf8.lexicographicallyPrecedes($0.utf8) } } ?? false
        if tooMany || notAfterLast { return paginating(tags, pagination) }
        return ListingPage(names: tags, nextQuery: listing.nextQuery)
    }

    /// The repository names of one page of an upstream's catalog.
    static func catalog(from listing: UpstreamListing, upstream: String) throws(RegistryError) -> [String] {
        struct Page: Decodable { var repositories: [String]? }
        guard let page = try? JSONDecoder().decode(Page.self, from: Data(listing.bytes)) else {
            throw RegistryError(.unknown, "upstream \(upstream) sent an unreadable catalog", status: 502)
        }
        return page.repositories ?? []
    }

    /// `{"name":"<repository>","tags":[…]}`, written by hand to keep distribution's key order.
    public func tagsBody(repository: String) -> [UInt8] {
        Array(#"{"name":"\#(jsonEscaped(repository))","tags":[\#(quotedNames)]}"#.utf8)
    }

    /// `{"repositories":[…]}`.
    public func catalogBody() -> [UInt8] {
        Array(#"{"repositories":[\#(quotedNames)]}"#.utf8)
    }

    private var quotedNames: String { names.map { "\"\(jsonEscaped($0))\"" }.joined(separator: ",") }
}
