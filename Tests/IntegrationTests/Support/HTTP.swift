import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCI
import Store

/// A plain HTTP exchange for asserting exact statuses, headers and bytes.
struct HTTPResult: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first(name: name) }

    /// The first OCI error code in the body.
    var errorCode: String? {
        struct Envelope: Decodable { struct Entry: Decodable { let code: String }; let errors: [Entry] }
        return (try? JSONDecoder().decode(Envelope.self, from: Data(body)))?.errors.first?.code
    }
}

enum HTTP {
    static func request(_ method: HTTPMethod = .GET, _ url: String, headers: [(String, String)] = [], timeout: Duration = .seconds(60)) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout.components.seconds))
        var body: [UInt8] = []
        for try await chunk in response.body { body.append(contentsOf: chunk.readableBytesView) }
        return HTTPResult(status: Int(response.status.code), headers: response.headers, body: body)
    }

    static func get(_ url: String, headers: [(String, String)] = []) async throws -> HTTPResult {
        try await request(.GET, url, headers: headers)
    }

    static func head(_ url: String, headers: [(String, String)] = []) async throws -> HTTPResult {
        try await request(.HEAD, url, headers: headers)
    }
}

/// Every manifest media type, as skopeo and containerd ask.
let acceptAll = ("Accept", [
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json",
].joined(separator: ", "))

/// `sha256:<hex>` of `bytes`, to compare a body with the digest it was asked for by.
func sha256(_ bytes: [UInt8]) -> String {
    SHA256Hasher.digest(of: bytes).description
}
