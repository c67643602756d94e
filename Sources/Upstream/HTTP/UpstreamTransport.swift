import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

/// Sends single requests to the upstream, its token service or the storage it redirects to: one
/// attempt each, with the response-head deadline, a log line and typed errors. It knows nothing of
/// auth flows or redirects.
struct UpstreamTransport: Sendable {
    let http: HTTPClient
    let upstream: String
    let responseHeaderTimeout: Duration
    let breaker: CircuitBreaker
    let logger: Logger
    let metrics: UpstreamMetrics

    /// Error and redirect bodies are read only this far: they explain, they are not content.
    static let smallBodyLimit = 64 << 10

    func request(_ method: HTTPMethod, url: String, authorization: AuthorizationHeader?, accept: String? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "stowage/\(StowageVersion.current)")
        if let authorization { request.headers.add(name: "Authorization", value: authorization.value) }
        if let accept { request.headers.add(name: "Accept", value: accept) }
        return request
    }

    /// The response head, within `responseHeaderTimeout`; the body is left to stream.
    func execute(_ request: HTTPClientRequest) async throws(UpstreamError) -> HTTPClientResponse {
        let started = ContinuousClock.now
        let target = LoggedTarget(url: request.url)
        switch breaker.admit() {
        case .allowed: break
        case .probe: logger.notice("probing whether the upstream is back", metadata: ["host": "\(target.host)", "path": "\(target.path)"])
        case .rejected(let retryIn): throw .offline(upstream: upstream, retryIn: retryIn)
        }
        defer { metrics.breaker(isOpen: breaker.isOpen) }
        do {
            let response = try await withResponseDeadline(responseHeaderTimeout) { [http] in
                try await http.execute(request, deadline: .distantFuture)
            }
            guard let response else { throw UpstreamError.timedOut(upstream: upstream) }
            breaker.succeeded()
            metrics.requested(request.method, path: target.path, status: "\(response.status.code)")
            logger.debug("upstream request", metadata: target.metadata(request.method, started: started, status: "\(response.status.code)"))
            return response
        } catch {
            let failure = TransportFailure.upstreamError(error, upstream: upstream)
            metrics.requested(request.method, path: target.path, status: "error")
            var metadata = target.metadata(request.method, started: started, status: "none")
            metadata["error"] = "\(failure)"
            logger.info("upstream request failed", metadata: metadata)
            if failure.meansUnreachable, breaker.failed() {
                logger.warning("upstream counts as down; serving from the cache and failing misses fast until a probe succeeds",
                               metadata: ["error": "\(failure)"])
            }
            throw failure
        }
    }

    /// The whole body, refused when longer than `limit` (checked against `Content-Length` first).
    func collect(_ response: HTTPClientResponse, limit: Int) async throws(UpstreamError) -> [UInt8] {
        let status = Int(response.status.code)
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
            throw .badResponse(upstream: upstream, status: status, detail: "its \(length)-byte response exceeds the \(limit)-byte limit")
        }
        do {
            return Array(try await response.body.collect(upTo: limit).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw .badResponse(upstream: upstream, status: status, detail: "its response exceeds the \(limit)-byte limit")
        } catch {
            throw TransportFailure.upstreamError(error, upstream: upstream)
        }
    }

    /// Reads and drops a small body so the connection can be reused; a large one closes it instead.
    func discard(_ response: HTTPClientResponse) async {
        _ = try? await response.body.collect(upTo: Self.smallBodyLimit)
    }

    /// The error an unsuccessful final response stands for, with the OCI code from its body.
    func failure(_ response: HTTPClientResponse, unauthorizedDetail: String) async -> UpstreamError {
        let body = (try? await response.body.collect(upTo: Self.smallBodyLimit)).map { Array($0.readableBytesView) } ?? []
        return .status(Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"), body: body,
                       upstream: upstream, unauthorizedDetail: unauthorizedDetail)
    }
}

/// What a log line says about a request: host and path, never the query (signed URLs carry
/// credentials there) and never headers.
struct LoggedTarget {
    let host: String
    let path: String

    init(url: String) {
        let afterScheme = url.firstRange(of: "://").map { url[$0.upperBound...] } ?? Substring(url)
        let pathStart = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        let hostPart = afterScheme[..<pathStart]
        host = String(hostPart.split(separator: "@").last ?? hostPart)
        let rest = afterScheme[pathStart...]
        path = String(rest.prefix { $0 != "?" && $0 != "#" })
    }

    func metadata(_ method: HTTPMethod, started: ContinuousClock.Instant, status: String) -> Logger.Metadata {
        let elapsed = (ContinuousClock.now - started).components
        let milliseconds = elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000
        return ["method": "\(method.rawValue)", "host": "\(host)", "path": "\(path)", "status": "\(status)", "ms": "\(milliseconds)"]
    }
}
