import Foundation
import OCI
import Upstream

/// Where the upstream password comes from: inline, a file, an environment variable, or a
/// Kubernetes/Docker `dockerconfigjson` (its entry for the upstream's host). At most one.
struct CredentialSource {
    var username: String?
    var password: String?
    var passwordFile: String?
    var passwordEnv: String?
    var dockerConfigJSON: String?

    init(username: String? = nil, password: String? = nil, passwordFile: String? = nil, passwordEnv: String? = nil, dockerConfigJSON: String? = nil) {
        self.username = username
        self.password = password
        self.passwordFile = passwordFile
        self.passwordEnv = passwordEnv
        self.dockerConfigJSON = dockerConfigJSON
    }

    init(file: ConfigFile.Upstream) {
        self.init(username: file.username, password: file.password, passwordFile: file.passwordFile,
                  passwordEnv: file.passwordEnv, dockerConfigJSON: file.dockerConfigJSON)
    }

    /// `key` names the upstream's place in the config (`upstream`, `upstreams[1]`) in errors.
    func resolve(registryHost: String, environment: [String: String], key: String = "upstream") throws(ConfigError) -> UpstreamCredentials? {
        let given = [password != nil, passwordFile != nil, passwordEnv != nil, dockerConfigJSON != nil].filter { $0 }.count
        guard given <= 1 else {
            throw ConfigError(key: "\(key).password", problem: "give only one of password, passwordFile, passwordEnv and dockerConfigJSON")
        }
        if let path = dockerConfigJSON {
            return try DockerConfigJSON.credentials(from: path, host: registryHost, username: username, key: "\(key).dockerConfigJSON")
        }
        let secret: String?
        if let password {
            secret = password
        } else if let path = passwordFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigError(key: "\(key).passwordFile", problem: "cannot read \(path)")
            }
            // A trailing newline from `echo` or an editor is not part of the secret.
            secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: "\r\n")
        } else if let name = passwordEnv {
            guard let value = environment[name] else {
                throw ConfigError(key: "\(key).passwordEnv", problem: "environment variable \(name) is not set")
            }
            secret = value
        } else {
            secret = nil
        }
        switch (username, secret) {
        case (nil, nil): return nil
        case (let user?, let secret?):
            guard !secret.isEmpty else { throw ConfigError(key: "\(key).password", problem: "is empty") }
            return UpstreamCredentials(username: user, password: secret)
        case (nil, _?): throw ConfigError(key: "\(key).username", problem: "is required when a password is given")
        case (_?, nil): throw ConfigError(key: "\(key).password", problem: "is required when a username is given (password, passwordFile, passwordEnv or dockerConfigJSON)")
        }
    }
}

/// Reads `{"auths": {"<host>": {"auth": base64(user:pass)} | {"username", "password"}}}`: a file of
/// JSON or of its base64 encoding, or that base64 value itself (a license proxy's
/// `global.replicated.dockerconfigjson`, a Kubernetes secret's `.dockerconfigjson`).
enum DockerConfigJSON {
    private struct File: Decodable {
        struct Entry: Decodable {
            var auth: String?
            var username: String?
            var password: String?
        }
        var auths: [String: Entry]
    }

    static func credentials(from source: String, host: String, username: String?, key: String) throws(ConfigError) -> UpstreamCredentials {
        var data: Data
        let path: String
        if let file = FileManager.default.contents(atPath: source) {
            (data, path) = (file, source)
        } else if let value = Data(base64Encoded: source.trimmingCharacters(in: " \r\n")), value.first == UInt8(ascii: "{") {
            (data, path) = (value, "the base64 value")
        } else {
            throw ConfigError(key: key, problem: "cannot read \(source): give a dockerconfigjson file or its base64 value")
        }
        if let decoded = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: " \r\n")) {
            data = decoded
        }
        guard let file = try? JSONDecoder().decode(File.self, from: data) else {
            throw ConfigError(key: key, problem: "\(path) is not a dockerconfigjson ({\"auths\": {…}})")
        }
        // Docker Hub's entry is usually written for one of its aliases, often `https://index.docker.io/v1/`.
        let hosts = RegistryHost.dockerHub.contains(host) ? [host] + RegistryHost.dockerHub.sorted() : [host]
        let candidates = hosts.flatMap { [$0, "https://\($0)", "http://\($0)", "https://\($0)/v1/", "https://\($0)/v2/"] }
        guard let entry = candidates.lazy.compactMap({ file.auths[$0] }).first else {
            throw ConfigError(key: key, problem: "\(path) has no entry for \(host) (it has: \(file.auths.keys.sorted().joined(separator: ", ")))")
        }
        if let user = entry.username, let password = entry.password {
            return UpstreamCredentials(username: username ?? user, password: password)
        }
        guard let auth = entry.auth, let decoded = Data(base64Encoded: auth).map({ String(decoding: $0, as: UTF8.self) }),
              let colon = decoded.firstIndex(of: ":") else {
            throw ConfigError(key: key, problem: "the entry for \(host) has no usable auth")
        }
        return UpstreamCredentials(username: username ?? String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
    }
}
