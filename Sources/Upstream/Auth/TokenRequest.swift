#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The token service URL for a Bearer challenge: `realm?service=S&scope=A&scope=B&account=U`.
enum TokenRequest {
    /// Nil when the realm is not an absolute http(s) URL (distribution's client cannot use a relative one either).
    static func url(realm: String, service: String?, scopes: [String], account: String?) -> String? {
        guard let parsed = URL(string: realm), let scheme = parsed.scheme?.lowercased(),
              scheme == "http" || scheme == "https", !(parsed.host ?? "").isEmpty else { return nil }
        var query: [(String, String)] = []
        if let service, !service.isEmpty { query.append(("service", service)) }
        query += scopes.map { ("scope", $0) }
        // distribution's client names the account, so token services can log who asked.
        if let account, !account.isEmpty { query.append(("account", account)) }
        guard !query.isEmpty else { return realm }
        let encoded = query.map { "\($0.0)=\(formEncoded($0.1))" }.joined(separator: "&")
        return realm + (realm.contains("?") ? "&" : "?") + encoded
    }

    /// Percent-encodes all but unreserved characters, so `+`, `:`, `/` and `@` arrive unchanged.
    static func formEncoded(_ value: String) -> String {
        var result = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
