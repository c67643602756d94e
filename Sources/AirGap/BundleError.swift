/// Why a bundle cannot be read, imported or written; the description is the whole message.
public struct BundleError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
