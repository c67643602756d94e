import Foundation

extension ConfigFile {
    /// The file with its relative paths (`storage.path`, the `tls` files, `auth.htpasswd`, each upstream's `passwordFile`,
    /// `dockerConfigJSON` and `caFile`) made absolute against `directory`, the config file's own: a config
    /// means the same files from whichever directory Stowage is started.
    func resolvingPaths(against directory: String) -> ConfigFile {
        var file = self
        if let path = storage?.path { file.storage?.path = absolute(path, in: directory) }
        file.tls?.certificate = tls?.certificate.map { absolute($0, in: directory) }
        file.tls?.key = tls?.key.map { absolute($0, in: directory) }
        file.tls?.clientCA = tls?.clientCA.map { absolute($0, in: directory) }
        file.auth?.htpasswd = auth?.htpasswd.map { absolute($0, in: directory) }
        file.upstream = file.upstream.map { $0.resolvingPaths(against: directory) }
        file.upstreams = file.upstreams?.map { $0.resolvingPaths(against: directory) }
        return file
    }
}

extension ConfigFile.Upstream {
    func resolvingPaths(against directory: String) -> ConfigFile.Upstream {
        var upstream = self
        upstream.passwordFile = passwordFile.map { absolute($0, in: directory) }
        upstream.dockerConfigJSON = dockerConfigJSON.map { absolute($0, in: directory) }
        upstream.caFile = caFile.map { absolute($0, in: directory) }
        return upstream
    }
}

/// `path` as is when it is absolute (or empty, which validation refuses), else below `directory`.
func absolute(_ path: String, in directory: String) -> String {
    guard !path.isEmpty, !path.hasPrefix("/") else { return path }
    return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: directory, isDirectory: true)).standardizedFileURL.path
}
