import ArgumentParser
import Cache
import Foundation
import OCI
import Runtime

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prove images can be pulled through the configured upstreams, and say exactly why one cannot.",
        discussion: """
            Each image is routed as `serve` would route a pull of it; its manifest (for an index, the manifests of the \
            --platform platforms, all when none is given) is fetched and checked against its digest, and every blob is \
            asked for with a HEAD. Nothing is stored. A failure is reported with its class: credentials-rejected, \
            access-denied, not-found (naming the tag, manifest or blob), rate-limited (with Retry-After), tls-error, \
            unreachable, digest-mismatch, upstream-error, invalid-reference, no-upstream. \
            Exit status: 0 when every image can be pulled; 1 when content is missing or wrong (not-found, digest-mismatch, \
            invalid-reference, no-upstream); 3 when the credentials do not grant the pull; 4 when the upstream cannot \
            answer now (rate-limited, unreachable, tls-error, upstream-error); 2 for bad usage or configuration. With \
            several failures the lowest of 1, 3, 4 wins.
            """
    )

    @OptionGroup var list: ImageList
    @OptionGroup var platform: PlatformOptions

    @Flag(help: "Print one JSON object: every image with its result, and the exit status.")
    var json = false

    @OptionGroup var options: CacheOptions

    func run() async throws {
        let images = list.load(checkingReferences: false)  // a bad one is reported as invalid-reference; the rest go on
        let opened = options.open()
        let reports = await ImageCheck(cache: opened.cache, platforms: platform.platforms).run(images)
        await opened.close()
        let status = reports.compactMap { $0.failure?.kind.exitStatus }.min() ?? 0
        if json {
            emit(["images": reports.map(jsonObject), "ok": reports.filter { $0.failure == nil }.count,
                  "failed": reports.filter { $0.failure != nil }.count, "exitStatus": status])
        } else {
            for report in reports { printLine(line(report)) }
            let failed = reports.filter { $0.failure != nil }.count
            printLine(failed == 0 ? "all \(reports.count) images can be pulled" : "\(failed) of \(reports.count) images cannot be pulled")
        }
        if status != 0 { throw ExitCode(status) }
    }

    private func line(_ report: CheckReport) -> String {
        guard let failure = report.failure else {
            return "ok      \(report.image)  \(report.digest.map { "\($0)" } ?? "")  \(report.manifests) manifests, \(report.blobs) blobs"
        }
        let retry = failure.retryAfter.map { " (Retry-After: \($0))" } ?? ""
        return "FAILED  \(report.image)  \(failure.kind.rawValue): \(failure.part): \(failure.message)\(retry)"
    }

    private func jsonObject(_ report: CheckReport) -> [String: Any] {
        var object: [String: Any] = ["image": report.image, "ok": report.failure == nil, "manifests": report.manifests, "blobs": report.blobs]
        if let name = report.name { object["name"] = name }
        if let digest = report.digest { object["digest"] = "\(digest)" }
        if let failure = report.failure {
            var detail: [String: Any] = ["class": failure.kind.rawValue, "part": failure.part, "message": failure.message,
                                         "exitStatus": failure.kind.exitStatus]
            if let retryAfter = failure.retryAfter { detail["retryAfter"] = retryAfter }
            object["failure"] = detail
        }
        return object
    }
}
