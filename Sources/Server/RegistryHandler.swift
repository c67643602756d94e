import Cache
import NIOCore
import NIOHTTP1
import OCI

/// How a request is answered: at once, on the event loop that read it, or by work that waits
/// (for the upstream or a download), continuing from what the lookup already found.
enum Resolution {
    case now(Response)
    case later(@Sendable () async -> Response)
}

/// Maps pull-API requests to the cache and its answers (or errors) to responses. Nothing else.
///
/// Each request is resolved once: routed once and looked up in the store once, synchronously
/// (see README.md beside this file for what may run on the event loop). A hit or a refusal is
/// answered there; anything else continues asynchronously from the lookup's pending value.
struct RegistryHandler: Sendable {
    let cache: PullThroughCache
    let health: ServerHealth
    /// Client authentication; nil: every client may read everything.
    let access: ClientAccess?

    /// `certificateUser`: the user the connection's client certificate names, if any.
    func resolve(_ request: RegistryRequest, certificateUser: String? = nil) -> Resolution {
        let namespace = request.namespace
        switch resolveUnechoed(request, certificateUser: certificateUser) {
        case .now(let response):
            return .now(namespace.echoed(on: response))
        case .later(let work):
            return .later { namespace.echoed(on: await work()) }
        }
    }

    private func resolveUnechoed(_ request: RegistryRequest, certificateUser: String?) -> Resolution {
        let route: Route
        switch request.target {
        case .refused(let error, let allow):
            var response = Response.error(error, includeBody: request.includesBody)
            if let allow { response.headers.add(name: "Allow", value: allow) }
            response.served = Served(kind: .unrouted, result: .refused)
            return .now(response)
        case .route(let parsed):
            route = parsed
        }
        guard let access, case let scope = route.accessScope, scope != .open else { return resolve(route, request, user: nil) }
        let refused = Served(kind: route.servedKind, result: .refused)
        switch access.identify(request.authorization, certificateUser: certificateUser) {
        case .anonymous:
            return authorized(route, request, scope: scope, user: nil, access: access)
        case .user(let user):
            return authorized(route, request, scope: scope, user: user, access: access)
        case .malformed:
            return .now(access.unauthorized(includeBody: request.includesBody, malformed: true).served(refused))
        case .unverified(let credentials):
            return .later { [self] in
                let user: String
                switch await access.verify(credentials) {
                case .user(let name): user = name
                case .failed: return access.unauthorized(includeBody: request.includesBody).served(refused)
                case .busy: return access.busy(includeBody: request.includesBody).served(refused)
                }
                switch authorized(route, request, scope: scope, user: user, access: access) {
                case .now(let response): return response
                case .later(let work): return await work()
                }
            }
        }
    }

    /// `route` answered if `user` may read it, else refused with no content.
    private func authorized(_ route: Route, _ request: RegistryRequest, scope: AccessScope, user: String?, access: ClientAccess) -> Resolution {
        if let refusal = access.refusal(scope, user: user, includeBody: request.includesBody) {
            var served = Served(kind: route.servedKind, result: .refused)
            served.user = user
            return .now(refusal.served(served))
        }
        return resolve(route, request, user: user)
    }

    /// The answer to a request for `route` that may be answered (`user`: who sent it, if known).
    private func resolve(_ route: Route, _ request: RegistryRequest, user: String?) -> Resolution {
        let namespace = request.namespace?.value
        var served = Served(kind: route.servedKind, result: .local)
        served.user = user
        do throws(RegistryError) {
            switch route {
            case .base:
                return .now(base(isHead: request.isHead).served(served))
            case .health(let probe):
                return .now(healthResponse(health.report(probe), verbose: HealthReport.isVerbose(request.query), isHead: request.isHead)
                    .served(served))
            case .catalog:
                let pagination = try Pagination.parse(request.query.map(String.init)).get()
                return .later { [cache, served] in
                    await answer(request, served) { () async throws(RegistryError) in
                        var page = try await cache.catalog(namespace: namespace, pagination: pagination)
                        // Names a client may not read are left out (the page may then be shorter than `n`).
                        if let access { page.names.removeAll { !access.mayList($0, user: user) } }
                        return listing(page, body: page.catalogBody(), path: "/v2/_catalog", namespace: namespace, isHead: request.isHead)
                            .served(served.answered(.miss))
                    }
                }
            case .tags(let name):
                let repository = try cache.route(name, namespace: namespace)
                served.note(repository)
                let pagination = try Pagination.parse(request.query.map(String.init)).get()
                return .later { [cache, served] in
                    await answer(request, served) { () async throws(RegistryError) in
                        let page = try await cache.tags(repository, pagination: pagination)
                        // The list is named as the client named the repository, and so is its next page.
                        return listing(page, body: page.tagsBody(repository: name.value), path: "/v2/\(name.value)/tags/list",
                                       namespace: namespace, isHead: request.isHead).served(served.answered(page.staleWarning == nil ? .miss : .stale))
                    }
                }
            case .manifest(let name, let reference):
                let repository = try cache.route(name, namespace: namespace)
                served.note(repository, reference: reference.description)
                switch try cache.lookupManifest(repository, reference) {
                case .answered(let manifest):
                    return .now(try manifestResponse(manifest, request).served(served.answered(.hit)))
                case .pending(let pending):
                    return .later { [cache, served] in
                        await answer(request, served) { () async throws(RegistryError) in
                            let manifest = try await cache.manifest(pending)
                            let result: Served.Result = manifest.staleWarning != nil ? .stale : manifest.fetched ? .miss : .hit
                            return try manifestResponse(manifest, request).served(served.answered(result))
                        }
                    }
                }
            case .blob(let name, let digest) where request.isHead:
                let repository = try cache.route(name, namespace: namespace)
                served.note(repository, reference: digest.description)
                switch try cache.lookupBlobSize(repository, digest) {
                case .answered(let size):
                    return .now(blobHead(digest, size: size).served(served.answered(.hit)))
                case .pending(let pending):
                    return .later { [cache, served] in
                        await answer(request, served) { () async throws(RegistryError) in
                            blobHead(digest, size: try await cache.blobSize(pending)).served(served.answered(pending.isCachedElsewhere ? .hit : .miss))
                        }
                    }
                }
            case .blob(let name, let digest):
                let repository = try cache.route(name, namespace: namespace)
                served.note(repository, reference: digest.description)
                switch try cache.lookupBlob(repository, digest) {
                case .answered(let stored):
                    return .now(self.stored(stored, range: request.range).served(served.answered(.hit)))
                case .pending(let pending):
                    return .later { [cache, served] in
                        await answer(request, served) { () async throws(RegistryError) in
                            let result = try await cache.blob(pending)
                            let answered: Served.Result = switch result {
                            case .stored: .hit  // cached through another repository, confirmed by this one's upstream
                            case .fetching(let inFlight): inFlight.joined ? .coalesced : .miss
                            case .passThrough: .miss
                            }
                            return blob(result, digest, range: request.range).served(served.answered(answered))
                        }
                    }
                }
            case .blobUpload:
                throw RegistryError.unsupported("Stowage is a pull-through cache: pushing is not supported")
            }
        } catch {
            return .now(Response.error(error, includeBody: request.includesBody).served(served.answered(error.status >= 500 ? .failed : .refused)))
        }
    }

    /// 200 or 503 with the report: a line of text, or JSON with `?verbose`; never cached.
    private func healthResponse(_ report: HealthReport, verbose: Bool, isHead: Bool) -> Response {
        let body = report.body(verbose: verbose)
        var headers: ResponseHeaders = ["Content-Type": body.contentType, "Cache-Control": "no-store"]
        headers.addContentLength(Int64(body.bytes.count))
        return Response(status: report.passed ? .ok : .serviceUnavailable, headers: headers,
                        body: isHead ? .none : .buffer(ByteBuffer(bytes: body.bytes)))
    }

    /// The response `work` makes, or the error it throws as a response (`failed`).
    private func answer(_ request: RegistryRequest, _ served: Served, _ work: () async throws(RegistryError) -> Response) async -> Response {
        do {
            return try await work()
        } catch {
            return Response.error(error, includeBody: request.includesBody).served(served.answered(.failed))
        }
    }

    /// A `tags/list` or `_catalog` page, with a relative `Link` to the next one (keeping `ns`).
    private func listing(_ page: ListingPage, body: [UInt8], path: String, namespace: String?, isHead: Bool) -> Response {
        var headers: ResponseHeaders = ["Content-Type": "application/json"]
        headers.addContentLength(Int64(body.count))
        if let next = page.nextQuery {
            // Only a namespace that is a host goes into a header, as for `OCI-Namespace`.
            let ns = namespace.flatMap { RegistryHost.isValid($0) ? "&ns=\($0)" : nil } ?? ""
            headers.add(name: "Link", value: "<\(path)?\(next)\(ns)>; rel=\"next\"")
        }
        if let warning = page.staleWarning { headers.add(name: "Warning", value: staleWarning(warning)) }
        return Response(status: .ok, headers: headers, body: isHead ? .none : .buffer(ByteBuffer(bytes: body)))
    }

    /// `Warning: 299` for content served while its upstream could not be asked.
    private func staleWarning(_ text: String) -> String { "299 - \"\(text.prefix(4000))\"" }

    private func base(isHead: Bool) -> Response {
        Response(status: .ok, headers: ["Content-Type": "application/json", "Content-Length": "2"], body: isHead ? .none : .buffer(ByteBuffer(string: "{}")))
    }

    private func manifestResponse(_ manifest: ManifestResult, _ request: RegistryRequest) throws(RegistryError) -> Response {
        guard accepts(manifest.mediaType, request.head.headers) else {
            throw RegistryError(.manifestUnknown, "manifest is \(manifest.mediaType), which the request's Accept header does not allow")
        }
        let digest = manifest.digest.description
        var headers = ResponseHeaders()
        headers.add(name: "Content-Type", value: manifest.mediaType)
        headers.add(name: "Docker-Content-Digest", value: digest)
        headers.add(name: "ETag", "\"", digest, "\"")
        if let warning = manifest.staleWarning { headers.add(name: "Warning", value: staleWarning(warning)) }
        if values(request.head.headers, named: "if-none-match").contains(where: { Self.isETag($0, of: digest) }) {
            return Response(status: .notModified, headers: headers)
        }
        headers.addContentLength(Int64(manifest.body.readableBytes))
        return Response(status: .ok, headers: headers, body: request.isHead ? .none : .buffer(manifest.body))
    }

    /// Whether `value` (an `If-None-Match` value) is the ETag `"<digest>"`.
    private static func isETag(_ value: String, of digest: String) -> Bool {
        value.utf8.count == digest.utf8.count + 2 && value.hasPrefix("\"") && value.hasSuffix("\"") && value.dropFirst().dropLast() == digest
    }

    /// Whether the request's `Accept` headers (none, one, or several, as Docker sends them) admit `mediaType`.
    private func accepts(_ mediaType: String, _ headers: HTTPHeaders) -> Bool {
        ManifestMediaType.isAccepted(mediaType, by: values(headers, named: "accept"))
    }

    /// The values of the header `name` (given in lower case), read in place: unlike `headers[name]`
    /// no array is built, and only names of the right length are lower-cased (every manifest hit asks).
    private func values(_ headers: HTTPHeaders, named name: String) -> LazyMapSequence<LazyFilterSequence<HTTPHeaders>, String> {
        headers.lazy.filter { $0.name.utf8.count == name.utf8.count && $0.name.lowercased() == name }.map(\.value)
    }

    private func blobHeaders(_ digest: Digest) -> ResponseHeaders {
        ["Content-Type": "application/octet-stream", "Docker-Content-Digest": digest.description, "Accept-Ranges": "bytes"]
    }

    private func blobHead(_ digest: Digest, size: Int64?) -> Response {
        var headers = blobHeaders(digest)
        if let size { headers.addContentLength(size) }
        return Response(status: .ok, headers: headers)
    }

    /// A committed blob, whole or one range, sent with sendfile.
    private func stored(_ blob: StoredBlob, range: String?) -> Response {
        var headers = blobHeaders(blob.digest)
        headers.add(name: "ETag", "\"", blob.digest.description, "\"")
        headers.add(name: "Cache-Control", value: "max-age=31536000")
        return ranged(size: blob.size, range: range, headers: headers) { first, last in .file(blob, first: first, last: last) }
    }

    private func blob(_ result: BlobResult, _ digest: Digest, range: String?) -> Response {
        var headers = blobHeaders(digest)
        switch result {
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
            if let length = passThrough.contentLength { headers.addContentLength(length) }
            return Response(status: .ok, headers: headers, body: .passThrough(passThrough))
        }
    }

    /// 200 with the whole blob, 206 with one range, or 416 when the range is outside it.
    private func ranged(size: Int64, range: String?, headers: ResponseHeaders, body: (Int64, Int64) -> Response.Body) -> Response {
        var headers = headers
        switch ByteRange.resolve(header: range, size: size) {
        case .whole:
            headers.addContentLength(size)
            return Response(status: .ok, headers: headers, body: size == 0 ? .none : body(0, size - 1))
        case .partial(let part):
            headers.addContentLength(part.count)
            headers.add(name: "Content-Range", value: "bytes \(part.first)-\(part.last)/\(size)")
            return Response(status: .partialContent, headers: headers, body: body(part.first, part.last))
        case .unsatisfiable:
            var response = Response.error(RegistryError(.rangeInvalid, "range \(range ?? "") is outside the blob's \(size) bytes"))
            response.headers.add(name: "Content-Range", value: "bytes */\(size)")
            return response
        }
    }

}
