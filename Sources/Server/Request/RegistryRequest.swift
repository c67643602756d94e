import NIOHTTP1
import OCI

/// A request head, parsed once: what it asks for and everything the handler, the response writer
/// and the access log need from it. Nothing downstream looks at the raw head again.
struct RegistryRequest: Sendable {
    /// What the request asks for, or why it is refused before the cache is asked.
    enum Target: Sendable {
        case route(Route)
        case refused(RegistryError, allow: String? = nil)
    }

    let head: HTTPRequestHead
    let isHead: Bool
    let target: Target
    let namespace: Namespace?
    /// The raw query string, without the `?`.
    let query: Substring?

    init(_ head: HTTPRequestHead) {
        self.head = head
        if case .HEAD = head.method { isHead = true } else { isHead = false }  // a case match, no string compare
        let uri = head.uri[...]
        let questionMark = uri.utf8.firstIndex(of: UInt8(ascii: "?"))
        let path = questionMark.map { uri[..<$0] } ?? uri
        query = questionMark.map { uri[uri.index(after: $0)...] }
        namespace = Namespace.of(head, query: query)
        target = Self.target(head.method, path: path)
    }

    /// The method first: anything but GET and HEAD is 405 whatever the path (`CONNECT host:443`,
    /// `OPTIONS *` and pushes alike); then the path.
    private static func target(_ method: HTTPMethod, path: Substring) -> Target {
        switch method {
        case .GET, .HEAD: break
        default:
            return .refused(.unsupported("Stowage is a pull-through cache: \(method.rawValue.prefix(20)) is not supported"), allow: "GET, HEAD")
        }
        guard let parsed = Route.parse(path) else {
            return .refused(RegistryError(.nameUnknown, "no such endpoint \(path.prefix(200))", status: 404))
        }
        switch parsed {
        case .failure(let error):
            return .refused(error)
        case .success(let route):
            return .route(route)
        }
    }

    /// The response to a request without a body (`HEAD`) carries headers only.
    var includesBody: Bool { !isHead }

    var range: String? { head.headers.first(name: "Range") }

    /// Read only when client authentication is on; never logged.
    var authorization: String? { head.headers.first(name: "Authorization") }
}
