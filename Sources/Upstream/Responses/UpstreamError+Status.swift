extension UpstreamError {
    /// What an unsuccessful final status means. `body` is the (small) error body, if any.
    /// A 401 here is one that survived the retry with credentials; `unauthorizedDetail` says why.
    static func status(
        _ status: Int,
        retryAfter: String?,
        body: [UInt8],
        upstream: String,
        unauthorizedDetail: String
    ) -> UpstreamError {
        let errorBody = RegistryErrorBody.decode(body)
        switch status {
        case 401:
            return .unauthorized(upstream: upstream, detail: unauthorizedDetail)
        case 403:
            return .denied(upstream: upstream, detail: errorBody?.firstMessage ?? "access denied")
        case 404:
            return .notFound(upstream: upstream, code: errorBody?.firstCode)
        case 429:
            return .tooManyRequests(upstream: upstream, retryAfter: retryAfter)
        default:
            return .badResponse(upstream: upstream, status: status, detail: errorBody?.firstMessage ?? "unexpected status \(status)")
        }
    }
}
