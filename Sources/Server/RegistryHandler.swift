import Cache
import NIOHTTP1
import OCI
import Store

/// Maps pull-API requests to the cache and its answers (or errors) to responses. Nothing else.
///
/// `respondFromCache` answers, synchronously on the event loop, every request the cache can answer
/// without the upstream (hits, and requests refused outright); `respond` answers the rest.
struct RegistryHandler: Sendable {
    let cache: PullThroughCache

    /// A request's route, or the response that refuses it.
    private enum Parsed {
        case refused(Response)
        case route(Route, isHead: Bool)
    }

    private func parse(_ request: HTTPRequestHead) -> Parsed {
        let path = request.uri.prefix { $0 != "?" }
        let isHead = request.method == .HEAD
        guard let parsed = Route.parse(String(path)) else {
            return .refused(.error(RegistryError(.nameUnknown, "no such endpoint \(path.prefix(200))", status: 404), includeBody: !isHead))
        }
        let route: Route
        switch parsed {
        case .success(let value): route = value
        case .failure(let error): return .refused(.error(error, includeBody: !isHead))
        }
        guard request.method == .GET || isHead else {
            var response = Response.error(.unsupported("Stowage is a pull-through cache: \(request.method.rawValue) is not supported"))
            response.headers.add(name: "Allow", value: "GET, HEAD")
            return .refused(response)
        }
        return .route(route, isHead: isHead)
    }

    /// The response when the cache alone can give it (no upstream request, no waiting); nil otherwise.
    func respondFromCache(to request: HTTPRequestHead) -> Response? {
        let namespace = Namespace.of(request, query: query(of: request))
        var response: Response?
        switch parse(request) {
        case .refused(let refusal):
            response = refusal
        case .route(let route, let isHead):
            do throws(RegistryError) {
                switch route {
                case .base:
                    response = base(isHead: isHead)
                case .manifest(let name, let reference):
                    let repository = try cache.route(name, namespace: namespace?.value)
                    response = try cache.cachedManifest(repository, reference).map { manifest throws(RegistryError) in
                        try manifestResponse(manifest, request, isHead: isHead)
                    }
                case .blob(let name, let digest) where isHead:
                    let repository = try cache.route(name, namespace: namespace?.value)
                    response = try cache.cachedBlobSize(repository, digest).map { blobHead(digest, size: $0) }
                case .blob(let name, let digest):
                    let repository = try cache.route(name, namespace: namespace?.value)
                    response = try cache.cachedBlob(repository, digest).map { stored($0, range: request.headers.first(name: "Range")) }
                case .catalog, .tags, .blobUpload:
                    return nil
                }
            } catch {
                response = .error(error, includeBody: !isHead)
            }
        }
        return response.map { namespace.echoed(on: $0) }
    }

    func respond(to request: HTTPRequestHead) async -> Response {
        let query = query(of: request)
        let namespace = Namespace.of(request, query: query)
        return namespace.echoed(on: await respond(to: request, query: query, namespace: namespace?.value))
    }

    private func respond(to request: HTTPRequestHead, query: String?, namespace: String?) async -> Response {
        let route: Route, isHead: Bool
        switch parse(request) {
        case .refused(let response): return response
        case .route(let parsed, let parsedIsHead): (route, isHead) = (parsed, parsedIsHead)
        }
        do throws(RegistryError) {
            switch route {
            case .base:
                return base(isHead: isHead)
            case .catalog:
                let page = try await cache.catalog(namespace: namespace, pagination: try Pagination.parse(query).get())
                return listing(page, body: page.catalogBody(), path: "/v2/_catalog", namespace: namespace, isHead: isHead)
            case .manifest(let name, let reference):
                let repository = try cache.route(name, namespace: namespace)
                return try manifestResponse(try await cache.manifest(repository, reference), request, isHead: isHead)
            case .blob(let name, let digest) where isHead:
                return blobHead(digest, size: try await cache.blobSize(try cache.route(name, namespace: namespace), digest))
            case .blob(let name, let digest):
                return try await blob(try cache.route(name, namespace: namespace), digest, range: request.headers.first(name: "Range"))
            case .tags(let name):
                let pagination = try Pagination.parse(query).get()
                let page = try await cache.tags(try cache.route(name, namespace: namespace), pagination: pagination)
                // The list is named as the client named the repository, and so is its next page.
                return listing(page, body: page.tagsBody(repository: name.value), path: "/v2/\(name.value)/tags/list", namespace: namespace, isHead: isHead)
            case .blobUpload:
                throw RegistryError.unsupported("Stowage is a pull-through cache: pushing is not supported")
            }
        } catch {
            return .error(error, includeBody: !isHead)
        }
    }

    /// A `tags/list` or `_catalog` page, with a relative `Link` to the next one (keeping `ns`).
    private func listing(_ page: ListingPage, body: [UInt8], path: String, namespace: String?, isHead: Bool) -> Response {
        var headers: HTTPHeaders = ["Content-Type": "application/json", "Content-Length": "\(body.count)"]
        if let next = page.nextQuery {
            let ns = namespace.map { "&ns=\($0)" } ?? ""
            headers.add(name: "Link", value: "<\(path)?\(next)\(ns)>; rel=\"next\"")
        }
        if let warning = page.staleWarning { headers.add(name: "Warning", value: staleWarning(warning)) }
        return Response(status: .ok, headers: headers, body: isHead ? .none : .bytes(body))
    }

    /// `Warning: 299` for content served while its upstream could not be asked.
    private func staleWarning(_ text: String) -> String { "299 - \"\(text.prefix(4000))\"" }

    /// The request's raw query string, without the `?`.
    private func query(of request: HTTPRequestHead) -> String? {
        request.uri.firstIndex(of: "?").map { String(request.uri[request.uri.index(after: $0)...]) }
    }

    private func base(isHead: Bool) -> Response {
        Response(status: .ok, headers: ["Content-Type": "application/json", "Content-Length": "2"], body: isHead ? .none : .bytes(Array("{}".utf8)))
    }

    private func manifestResponse(_ manifest: ManifestResult, _ request: HTTPRequestHead, isHead: Bool) throws(RegistryError) -> Response {
        guard ManifestMediaType.isAccepted(manifest.mediaType, by: request.headers["Accept"]) else {
            throw RegistryError(.manifestUnknown, "manifest is \(manifest.mediaType), which the request's Accept header does not allow")
        }
        let etag = "\"\(manifest.digest)\""
        var headers: HTTPHeaders = [
            "Content-Type": manifest.mediaType,
            "Docker-Content-Digest": manifest.digest.description,
            "ETag": etag,
        ]
        if let warning = manifest.staleWarning { headers.add(name: "Warning", value: staleWarning(warning)) }
        if request.headers["If-None-Match"].contains(where: { $0 == etag }) {
            return Response(status: .notModified, headers: headers)
        }
        headers.add(name: "Content-Length", value: "\(manifest.bytes.count)")
        return Response(status: .ok, headers: headers, body: isHead ? .none : .bytes(manifest.bytes))
    }

    private func blobHeaders(_ digest: Digest) -> HTTPHeaders {
        ["Content-Type": "application/octet-stream", "Docker-Content-Digest": digest.description, "Accept-Ranges": "bytes"]
    }

    private func blobHead(_ digest: Digest, size: Int64?) -> Response {
        var headers = blobHeaders(digest)
        if let size { headers.add(name: "Content-Length", value: "\(size)") }
        return Response(status: .ok, headers: headers)
    }

    /// A committed blob, whole or one range, sent with sendfile.
    private func stored(_ blob: OpenedBlob, range: String?) -> Response {
        var headers = blobHeaders(blob.digest)
        headers.add(name: "ETag", value: "\"\(blob.digest)\"")
        headers.add(name: "Cache-Control", value: "max-age=31536000")
        return ranged(size: blob.size, range: range, headers: headers) { first, last in .file(blob, first: first, last: last) }
    }

    private func blob(_ repository: CacheRepository, _ digest: Digest, range: String?) async throws(RegistryError) -> Response {
        var headers = blobHeaders(digest)
        switch try await cache.blob(repository, digest) {
        case .stored(let blob):
            return stored(blob, range: range)
        case .fetching(let inFlight):
            // A miss: the requested range is sent from the shared download as its bytes arrive.
            guard let size = inFlight.size else {
                return Response(status: .ok, headers: headers, body: .follow(inFlight.bytes()))
            }
            return ranged(size: size, range: range, headers: headers) { first, last in .follow(inFlight.bytes(first: first, last: last)) }
        case .passThrough(let passThrough):
            // Not kept for lack of room: sent whole (200) even when a range was asked for, as RFC 9110 allows.
            if let length = passThrough.contentLength { headers.add(name: "Content-Length", value: "\(length)") }
            return Response(status: .ok, headers: headers, body: .passThrough(passThrough))
        }
    }

    /// 200 with the whole blob, 206 with one range, or 416 when the range is outside it.
    private func ranged(size: Int64, range: String?, headers: HTTPHeaders, body: (Int64, Int64) -> Response.Body) -> Response {
        var headers = headers
        switch ByteRange.resolve(header: range, size: size) {
        case .whole:
            headers.add(name: "Content-Length", value: "\(size)")
            return Response(status: .ok, headers: headers, body: size == 0 ? .none : body(0, size - 1))
        case .partial(let part):
            headers.add(name: "Content-Length", value: "\(part.count)")
            headers.add(name: "Content-Range", value: "bytes \(part.first)-\(part.last)/\(size)")
            return Response(status: .partialContent, headers: headers, body: body(part.first, part.last))
        case .unsatisfiable:
            var response = Response.error(RegistryError(.rangeInvalid, "range \(range ?? "") is outside the blob's \(size) bytes"))
            response.headers.add(name: "Content-Range", value: "bytes */\(size)")
            return response
        }
    }

}
