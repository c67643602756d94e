extension TransportFailure {
    /// One short line for a TLS failure, from `String(reflecting:)` of the error AsyncHTTPClient
    /// passed on (an NIOSSL error); nil when the text is not a TLS failure.
    ///
    /// BoringSSL puts only `CERTIFICATE_VERIFY_FAILED` on its error stack for a self-signed, an
    /// unknown CA's, an expired or a not-yet-valid certificate (the X509 verify result is not in
    /// the error), so those share one line. The host name is checked by NIOSSL after the handshake,
    /// and names the expected host unless the URL's host is an IP address (`<none>`).
    ///
    /// Every line holds "TLS" or "certificate": `CheckFailure` classes a reason as `tls-error` by
    /// those words.
    static func tlsReason(_ text: String) -> String? {
        if text.contains("failedToValidateHostname") {
            // NIOSSLExtraError.failedToValidateHostname: Couldn't find localhost in certificate from peer
            guard let name = between(text, after: "Couldn't find ", before: " in certificate from peer"),
                  !name.isEmpty, name != "<none>" else {
                return "the upstream's certificate is not valid for this host name"
            }
            return "the upstream's certificate does not name \(name.prefix(253))"
        }
        if text.contains("EOF during handshake") {
            return "the upstream closed the connection during the TLS handshake"
        }
        let reasons = openSSLReasons(text)
        if reasons.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the upstream's certificate is not trusted (self-signed, issued by an unknown CA, or expired)"
        }
        if reasons.contains("WRONG_VERSION_NUMBER") {
            return "the upstream does not speak TLS on this port (is its URL http://?)"
        }
        if reasons.contains(where: { $0.hasSuffix("ALERT_CERTIFICATE_REQUIRED") }) {
            return "the upstream requires a TLS client certificate"
        }
        if let first = reasons.first {
            // SSLV3_ALERT_HANDSHAKE_FAILURE → sslv3 alert handshake failure
            return "the TLS handshake failed: \(first.lowercased().replacing("_", with: " "))"
        }
        if text.contains("NIOSSL") {
            return lastCaseName(text).map { "the TLS connection failed (\($0))" } ?? "the TLS connection failed"
        }
        let lowered = text.lowercased()
        if ["ssl", "tls", "certificate", "handshake"].contains(where: { lowered.contains($0) }) {
            return "TLS failed: \(text.prefix(160))"
        }
        return nil
    }

    /// The reason of each BoringSSL error in the text, in order: `CERTIFICATE_VERIFY_FAILED` from
    /// `error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /…/handshake.cc:320`.
    static func openSSLReasons(_ text: String) -> [Substring] {
        var reasons: [Substring] = []
        var rest = text[...]
        while let start = rest.firstRange(of: "error:") {
            rest = rest[start.upperBound...]
            let ends = [rest.firstRange(of: " at ")?.lowerBound, rest.firstIndex { $0 == "," || $0 == "]" || $0 == ")" }]
            let entry = rest[..<(ends.compactMap { $0 }.min() ?? rest.endIndex)]
            let fields = entry.split(separator: ":")
            guard fields.count >= 3, let reason = fields.last,
                  reason.allSatisfy({ ($0.isASCII && $0.isUppercase) || $0.isNumber || $0 == "_" }) else { continue }
            reasons.append(reason)
        }
        return reasons
    }

    /// `uncleanShutdown` from `NIOSSL.NIOSSLError.uncleanShutdown`: the innermost error case named.
    private static func lastCaseName(_ text: String) -> Substring? {
        var name: Substring?
        var rest = text[...]
        while let dot = rest.firstRange(of: "Error.") {
            rest = rest[dot.upperBound...]
            let identifier = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !identifier.isEmpty { name = identifier }
        }
        return name
    }

    private static func between(_ text: String, after opening: String, before closing: String) -> Substring? {
        guard let start = text.firstRange(of: opening) else { return nil }
        let rest = text[start.upperBound...]
        return rest.firstRange(of: closing).map { rest[..<$0.lowerBound] }
    }
}
