#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A registry's JSON error body: `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"…"}]}`.
struct RegistryErrorBody: Decodable {
    struct Entry: Decodable {
        let code: String?
        let message: String?
    }

    let errors: [Entry]

    /// Nil unless the bytes are such a body.
    static func decode(_ bytes: [UInt8]) -> RegistryErrorBody? {
        try? JSONDecoder().decode(RegistryErrorBody.self, from: Data(bytes))
    }

    var firstCode: String? { errors.lazy.compactMap(\.code).first }

    /// The first message, shortened: it only has to explain, and is shown to clients.
    var firstMessage: String? {
        errors.lazy.compactMap(\.message).first { !$0.isEmpty }.map { String($0.prefix(200)) }
    }
}
