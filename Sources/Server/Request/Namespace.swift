import NIOHTTP1
import OCI

/// The registry a mirror client asked for: containerd's `?ns=<host>` query parameter, or an
/// `OCI-Namespace` request header from clients that can send headers but not the query (the
/// query wins). Echoed in the `OCI-Namespace` response header, as the distribution spec's
/// mirroring section asks.
struct Namespace: Sendable, Equatable {
    let value: String

    /// The namespace of a request, nil when it names none. A value that is not a `host[:port]` is
    /// still a namespace (routing then answers 404), but it is never echoed into a header.
    static func of(_ request: HTTPRequestHead, query: Substring?) -> Namespace? {
        if let query, let value = parameter("ns", in: query) { return Namespace(value: value) }
        return request.headers.first(name: "OCI-Namespace").map { Namespace(value: $0) }
    }

    /// The first value of `name` in a raw query string, `%XX` escapes decoded.
    static func parameter(_ name: String, in query: Substring) -> String? {
        for pair in query.split(separator: "&") {
            guard let equals = pair.firstIndex(of: "="), pair[..<equals] == name else { continue }
            return percentDecoded(pair[pair.index(after: equals)...])
        }
        return nil
    }
}

extension Optional where Wrapped == Namespace {
    /// The response with `OCI-Namespace` echoing the request's namespace, if it had one.
    func echoed(on response: Response) -> Response {
        guard let namespace = self, RegistryHost.isValid(namespace.value) else { return response }
        var response = response
        response.headers.add(name: "OCI-Namespace", value: namespace.value)
        return response
    }
}
