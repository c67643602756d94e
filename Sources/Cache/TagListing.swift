import Foundation
import OCI
import Upstream

/// A page of `tags/list`, as the client should see it: the upstream's tags in the upstream's
/// order, under the client's repository name, with `Link` pointing back at Stowage.
public struct TagListing: Sendable {
    public let body: [UInt8]
    /// A relative `Link` header for the next page, if the upstream has one.
    public let link: String?

    private struct Page: Decodable {
        var name: String
        var tags: [String]?
    }

    init(upstream: UpstreamListing, repository: RepositoryName) throws(RegistryError) {
        guard let page = try? JSONDecoder().decode(Page.self, from: Data(upstream.bytes)) else {
            throw RegistryError(.unknown, "upstream sent an unreadable tag list", status: 502)
        }
        // A prefixed upstream (a license proxy's `proxy/<app>/…`) names its own path here; the
        // client's name replaces it. Written by hand to keep distribution's key order.
        let tags = (page.tags ?? []).map { "\"\(jsonEscaped($0))\"" }.joined(separator: ",")
        body = Array(#"{"name":"\#(jsonEscaped(repository.value))","tags":[\#(tags)]}"#.utf8)
        link = upstream.link.flatMap { Self.rewriteLink($0, repository: repository) }
    }

    /// Keeps the query of the upstream's next-page link and points the path at this repository.
    static func rewriteLink(_ link: String, repository: RepositoryName) -> String? {
        guard let open = link.firstIndex(of: "<"), let close = link[open...].firstIndex(of: ">") else { return nil }
        let target = link[link.index(after: open)..<close]
        guard let question = target.firstIndex(of: "?") else { return nil }
        let query = target[target.index(after: question)...]
        return "</v2/\(repository.value)/tags/list?\(query)>; rel=\"next\""
    }
}
