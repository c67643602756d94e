import Foundation

/// The listener's TLS files (`tls:`, `--tls-certificate`, `--tls-key`, `--tls-client-ca`), each
/// checked at start-up to exist and hold PEM of the right kind: a wrong path fails here, with its
/// key named, not at the first handshake. Whether the key matches the certificate is checked when
/// the server loads them.
public struct TLSSettings: Sendable, Equatable {
    public var certificate: String
    public var key: String
    public var clientCA: String?

    static func resolve(file: ConfigFile.TLS?, overrides: ServeOverrides) throws(ConfigError) -> TLSSettings? {
        let certificate = overrides.tlsCertificate ?? file?.certificate
        let key = overrides.tlsKey ?? file?.key
        let clientCA = overrides.tlsClientCA ?? file?.clientCA
        let certificateKey = overrides.tlsCertificate != nil ? "--tls-certificate" : "tls.certificate"
        let keyKey = overrides.tlsKey != nil ? "--tls-key" : "tls.key"
        switch (certificate, key) {
        case (nil, nil):
            if clientCA != nil {
                throw ConfigError(key: overrides.tlsClientCA != nil ? "--tls-client-ca" : "tls.clientCA",
                                  problem: "needs TLS: give tls.certificate and tls.key (or --tls-certificate and --tls-key) too")
            }
            return nil
        case (nil, _):
            throw ConfigError(key: certificateKey, problem: "is missing: a TLS key needs its certificate chain (PEM)")
        case (_, nil):
            throw ConfigError(key: keyKey, problem: "is missing: a TLS certificate needs its private key (PEM)")
        case (let certificate?, let key?):
            return TLSSettings(
                certificate: try ServeSettings.certificateFile(certificate, key: certificateKey),
                key: try privateKeyFile(key, key: keyKey),
                clientCA: try clientCA.map { path throws(ConfigError) in
                    try ServeSettings.certificateFile(path, key: overrides.tlsClientCA != nil ? "--tls-client-ca" : "tls.clientCA")
                })
        }
    }

    private static func privateKeyFile(_ path: String, key: String) throws(ConfigError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError(key: key, problem: "cannot read \(path)") }
        guard String(decoding: data, as: UTF8.self).range(of: "-----BEGIN [A-Z ]*PRIVATE KEY-----", options: .regularExpression) != nil else {
            throw ConfigError(key: key, problem: "\(path) holds no PEM private key (-----BEGIN PRIVATE KEY-----)")
        }
        return path
    }
}
