/// This Stowage's version: what `stowage --version` and `stowage version` print, and what every
/// upstream request names in its `User-Agent` (so a vendor's proxy can tell caches apart).
public enum StowageVersion {
    public static let current = "0.10.0"
}
