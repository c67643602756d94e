import Foundation

enum Paths {
    /// The package root, found from this file's location.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let harness = packageRoot + "/Tests/Harness"

    /// The `stowage` binary built next to the running test bundle (`swift build` builds it).
    static let stowage: String = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // `swift test` runs `<bin>/stowagePackageTests.xctest`; Swift Testing may run a helper from the same dir.
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("stowage").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return packageRoot + "/.build/debug/stowage"
    }()

    /// A fresh directory under the system temp dir.
    static func temporaryDirectory(_ label: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stowage-\(label)-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
