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
        case route(Route, query: String?, isHead: Bool)
    }

    private func parse(_ request: HTTPRequestHead) -> Parsed {
        let (path, query) = split(request.uri)
        let isHead = request.method == .HEAD
        guard let parsed = Route.parse(path) else {
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
        return .route(route, query: query, isHead: isHead)
    }

    /// The response when the cache alone can give it (no upstream request, no waiting); nil otherwise.
    func respondFromCache(to request: HTTPRequestHead) -> Response? {
        switch parse(request) {
        case .refused(let response):
            return response
        case .route(let route, _, let isHead):
            do throws(RegistryError) {
                switch route {
                case .base:
                    return base(isHead: isHead)
                case .manifest(let name, let reference):
                    guard let manifest = try cache.cachedManifest(name, reference) else { return nil }
                    return try manifestResponse(manifest, request, isHead: isHead)
                case .blob(_, let digest) where isHead:
                    guard let size = try cache.cachedBlobSize(digest) else { return nil }
                    return blobHead(digest, size: size)
                case .blob(_, let digest):
                    guard let blob = try cache.cachedBlob(digest) else { return nil }
                    return stored(blob, range: request.headers.first(name: "Range"))
                case .catalog, .tags, .blobUpload:
                    return nil
                }
            } catch {
                return .error(error, includeBody: !isHead)
            }
        }
    }

    func respond(to request: HTTPRequestHead) async -> Response {
        let route: Route, query: String?, isHead: Bool
        switch parse(request) {
        case .refused(let response): return response
        case .route(let parsed, let parsedQuery, let parsedIsHead): (route, query, isHead) = (parsed, parsedQuery, parsedIsHead)
        }
        do throws(RegistryError) {
            switch route {
            case .base:
                return base(isHead: isHead)
            case .catalog:
                // Not served yet: a 404 tells clients (Harbor's replication, for one) to do without it.
                throw RegistryError(.unsupported, "this Stowage does not serve the catalog", status: 404)
            case .manifest(let name, let reference):
                return try manifestResponse(try await cache.manifest(name, reference), request, isHead: isHead)
            case .blob(let name, let digest) where isHead:
                return blobHead(digest, size: try await cache.blobSize(name, digest))
            case .blob(let name, let digest):
                return try await blob(name, digest, range: request.headers.first(name: "Range"))
            case .tags(let name):
                let pagination = try Pagination.parse(query).get()
                let listing = try await cache.tags(name, query: pagination.query)
                var headers: HTTPHeaders = ["Content-Type": "application/json", "Content-Length": "\(listing.body.count)"]
                if let link = listing.link { headers.add(name: "Link", value: link) }
                return Response(status: .ok, headers: headers, body: isHead ? .none : .bytes(listing.body))
            case .blobUpload:
                throw RegistryError.unsupported("Stowage is a pull-through cache: pushing is not supported")
            }
        } catch {
            return .error(error, includeBody: !isHead)
        }
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
        if let warning = manifest.staleWarning {
            headers.add(name: "Warning", value: "299 - \"\(warning.prefix(4000))\"")
        }
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

    private func blob(_ name: RepositoryName, _ digest: Digest, range: String?) async throws(RegistryError) -> Response {
        var headers = blobHeaders(digest)
        switch try await cache.blob(name, digest) {
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

    private func split(_ uri: String) -> (path: String, query: String?) {
        guard let question = uri.firstIndex(of: "?") else { return (uri, nil) }
        return (String(uri[..<question]), String(uri[uri.index(after: question)...]))
    }
}
