/// Registry host names as mirror clients send them in `?ns=`.
public enum RegistryHost {
    /// Docker Hub answers to several host names; containerd sends `docker.io` for all of them.
    public static let dockerHub: Set<String> = ["docker.io", "registry-1.docker.io", "index.docker.io", "registry.hub.docker.com"]

    /// The host in lower case, Docker Hub's aliases as `docker.io`.
    public static func canonical(_ host: String) -> String {
        let lowered = host.lowercased()
        return dockerHub.contains(lowered) ? "docker.io" : lowered
    }

    /// Whether `text` is a `host` or `host:port` (letters, digits, `.`, `-`, one `:port`).
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let host = parts.first, !host.isEmpty, host.utf8.count <= 253,
              host.utf8.allSatisfy({ isLowerAlnum($0) || (65...90).contains($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }) else { return false }
        guard parts.count == 2 else { return true }
        return UInt16(parts[1]).map { $0 > 0 } ?? false
    }
}
