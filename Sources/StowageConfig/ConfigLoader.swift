import Foundation
import Yams

/// Reads and checks a YAML config file. Unknown keys are errors, so a typo never silently
/// falls back to a default.
public enum ConfigLoader {
    /// Reads the file at `path`; relative paths in it are relative to its directory.
    public static func load(path: String) throws(ConfigError) -> ConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: path, problem: "cannot read the config file")
        }
        let directory = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
        return try parse(String(decoding: data, as: UTF8.self), source: path).resolvingPaths(against: directory)
    }

    public static func parse(_ yaml: String, source: String = "config") throws(ConfigError) -> ConfigFile {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(key: source, problem: "not valid YAML: \(error)")
        }
        guard let node else { return ConfigFile() }
        try checkKeys(node, allowed: knownKeys, path: "")
        do {
            return try YAMLDecoder().decode(ConfigFile.self, from: node)
        } catch let DecodingError.typeMismatch(_, context) {
            throw ConfigError(key: keyPath(context.codingPath), problem: "has the wrong type (\(context.debugDescription))")
        } catch let DecodingError.dataCorrupted(context) {
            throw ConfigError(key: keyPath(context.codingPath), problem: context.debugDescription)
        } catch {
            throw ConfigError(key: source, problem: "\(error)")
        }
    }

    /// Allowed keys per mapping path; `""` is the top level.
    private static let knownKeys: [String: Set<String>] = [
        "": ["listen", "logLevel", "logFormat", "accessLog", "storage", "upstream", "upstreams", "connections", "metrics", "tls", "auth"],
        "metrics": ["listen", "tls"],
        "tls": ["certificate", "key", "clientCA"],
        "auth": ["htpasswd", "certificateUsers", "realm", "anonymousRead", "failureDelay", "rules"],
        "auth.rule": ["repositories", "access", "users"],
        "connections": ["idleTimeout", "requestHeadTimeout", "maxConnections", "drainDelay", "drainTimeout", "shutdownGrace"],
        "storage": ["path", "maxSize", "minFreeSpace"],
        "upstream": ["name", "url", "namespaces", "pathPrefix", "default", "repositoryPrefix", "username", "password", "passwordFile", "passwordEnv",
                     "dockerConfigJSON", "caFile", "connectTimeout", "responseTimeout", "readTimeout", "stallTimeout", "tagTTL",
                     "breakerThreshold", "breakerBackoff"],
    ]

    /// Lists of mappings: the list's path → the path whose keys each element may have.
    private static let listElements = ["upstreams": "upstream", "auth.rules": "auth.rule"]

    private static func checkKeys(_ node: Node, allowed: [String: Set<String>], path: String, shownAs shown: String? = nil) throws(ConfigError) {
        guard let mapping = node.mapping else {
            if path.isEmpty { throw ConfigError(key: "config", problem: "must be a mapping of keys to values") }
            return
        }
        guard let keys = allowed[path] else { return }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? "?"
            let full = path.isEmpty ? key : "\(path).\(key)"
            guard keys.contains(key) else {
                throw ConfigError(key: shown.map { "\($0).\(key)" } ?? full, problem: "unknown key (known here: \(keys.sorted().joined(separator: ", ")))")
            }
            if allowed[full] != nil {
                guard value.mapping != nil || value.null != nil else { throw ConfigError(key: full, problem: "must be a mapping") }
                if value.mapping != nil { try checkKeys(value, allowed: allowed, path: full) }
            }
            if let element = listElements[full] {
                guard let items = value.sequence else { throw ConfigError(key: full, problem: "must be a list") }
                for (index, item) in items.enumerated() {
                    guard item.mapping != nil else { throw ConfigError(key: "\(full)[\(index)]", problem: "must be a mapping") }
                    try checkKeys(item, allowed: allowed, path: element, shownAs: "\(full)[\(index)]")
                }
            }
        }
    }

    /// `upstreams[1].tagTTL`.
    private static func keyPath(_ path: [any CodingKey]) -> String {
        path.reduce(into: "") { text, key in
            if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
    }
}
