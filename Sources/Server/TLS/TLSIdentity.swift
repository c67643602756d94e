import NIOSSL

/// The listener's TLS files: a PEM certificate chain (leaf first) and its PEM key, and optionally
/// the PEM certificates of a client CA, which makes TLS mutual (every client must present a
/// certificate it signed).
public struct TLSFiles: Sendable, Equatable {
    public var certificateChain: String
    public var privateKey: String
    public var clientCA: String?

    public init(certificateChain: String, privateKey: String, clientCA: String? = nil) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.clientCA = clientCA
    }

    /// Every file, for a `ReloadingFiles` to watch.
    public var paths: [String] { [certificateChain, privateKey] + (clientCA.map { [$0] } ?? []) }

    /// Reads the files into a server context: TLS 1.2 at least, HTTP/1.1 offered in ALPN, and with a
    /// client CA, a client certificate it signed required. Blocking (file reads): call it off the
    /// event loop. Each failure names the file and what is wrong with it.
    public func serverContext() throws(TLSFileError) -> NIOSSLContext {
        let chain = try Self.certificates(in: certificateChain)
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKey, format: .pem)
        } catch {
            throw TLSFileError(path: privateKey, problem: "cannot be read as a PEM private key (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        if let clientCA {
            configuration.trustRoots = .certificates(try Self.certificates(in: clientCA))
            // A client has no host name to check; its certificate must chain to the CA.
            configuration.certificateVerification = .noHostnameVerification
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSFileError(path: privateKey, problem: "does not go with the certificate in \(certificateChain), or the files are unusable (\(error))")
        }
    }
}

extension TLSFiles {
    /// The PEM certificates in `path`, at least one.
    private static func certificates(in path: String) throws(TLSFileError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw TLSFileError(path: path, problem: "cannot be read as PEM certificates (\(error))")
        }
        guard !certificates.isEmpty else { throw TLSFileError(path: path, problem: "holds no PEM certificate (-----BEGIN CERTIFICATE-----)") }
        return certificates
    }
}

/// A TLS file Stowage cannot use, and why.
public struct TLSFileError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "TLS file \(path) \(problem)" }
}
