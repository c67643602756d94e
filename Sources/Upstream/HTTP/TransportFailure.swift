import AsyncHTTPClient

/// Turns a failure below HTTP (no connection, no response, a broken body) into an `UpstreamError`
/// with a short reason. Reasons come from error types and never from request headers, so they
/// hold no secrets.
enum TransportFailure {
    static func upstreamError(_ error: any Error, upstream: String) -> UpstreamError {
        if let error = error as? UpstreamError { return error }
        if error is CancellationError { return .unreachable(upstream: upstream, reason: "the request was cancelled") }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .readTimeout, .deadlineExceeded, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout,
                 .httpProxyHandshakeTimeout, .socksHandshakeTimeout:
                return .timedOut(upstream: upstream)
            case .remoteConnectionClosed:
                return .unreachable(upstream: upstream, reason: "the connection was closed before the response was complete")
            case .cancelled:
                return .unreachable(upstream: upstream, reason: "the request was cancelled")
            default:
                break
            }
        }
        return .unreachable(upstream: upstream, reason: reason(String(reflecting: error)))
    }

    /// NIO's connection errors (in modules this one does not import) are recognised by their text.
    static func reason(_ text: String) -> String {
        let lowered = text.lowercased()
        if lowered.contains("connection refused") { return "connection refused" }
        if lowered.contains("connection reset") { return "connection reset" }
        if lowered.contains("dnsaerror") || lowered.contains("dnsaaaaerror") || lowered.contains("name or service not known")
            || lowered.contains("nodename nor servname") {
            return "the host name could not be resolved"
        }
        if let tls = tlsReason(text) { return tls }
        return String(text.prefix(200))
    }
}
