import COpenSSL

/// The user a verified client certificate names (mutual TLS with `auth.certificateUsers`): its
/// subject's common name, when that is a usable user name — printable, without `:` (the separator
/// of Basic credentials and htpasswd lines), at most 256 bytes. Pure: DER bytes in, a name out.
public enum CertificateUser {
    public static func name(derEncoded der: [UInt8]) -> String? {
        var name = [UInt8](repeating: 0, count: 256)
        let count = der.withUnsafeBufferPointer { der in
            name.withUnsafeMutableBufferPointer { name in
                stowage_certificate_common_name(der.baseAddress, der.count, name.baseAddress, Int32(name.count))
            }
        }
        guard count > 0 else { return nil }
        let user = String(decoding: name.prefix(Int(count)), as: UTF8.self)
        guard user.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F && $0 != ":" }) else { return nil }
        return user
    }
}
