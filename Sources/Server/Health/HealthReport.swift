import OCI

/// The three health endpoints, as Kubernetes probes and load balancers use them.
public enum HealthProbe: String, Sendable, CaseIterable {
    /// `/livez`: the process answers requests. Failing it means "restart me"; nothing Stowage
    /// depends on (an upstream, the disk) is part of it, so a restart is never the wrong cure.
    case live = "livez"
    /// `/readyz`: send me traffic. Not while draining, nor when the store's filesystem is read-only
    /// or has less free space than the reserve.
    case ready = "readyz"
    /// `/startupz`: the index is open and recovered (the listener opens only then).
    case started = "startupz"
}

/// What a health endpoint answers: its checks and whether all passed. Pure.
public struct HealthReport: Sendable, Equatable {
    public struct Check: Sendable, Equatable {
        public let name: String
        public let passed: Bool
        public let detail: String

        public init(_ name: String, passed: Bool, _ detail: String) {
            self.name = name
            self.passed = passed
            self.detail = detail
        }
    }

    public let probe: HealthProbe
    public let checks: [Check]

    public init(_ probe: HealthProbe, checks: [Check]) {
        self.probe = probe
        self.checks = checks
    }

    public var passed: Bool { checks.allSatisfy(\.passed) }

    /// The short body: `ok`, or the first failing check's detail.
    public var text: String {
        checks.first { !$0.passed }.map { "\(probe.rawValue) failed: \($0.name): \($0.detail)\n" } ?? "ok\n"
    }

    /// Whether a probe's query (`a=1&verbose`) asks for the JSON body.
    public static func isVerbose(_ query: Substring?) -> Bool {
        query?.split(separator: "&").contains("verbose") ?? false
    }

    /// The body and its media type: a line of text, or JSON when `verbose`. The one rendering of a
    /// probe's answer, for both listeners.
    public func body(verbose: Bool) -> (contentType: String, bytes: [UInt8]) {
        verbose ? ("application/json", Array(json.utf8)) : ("text/plain; charset=utf-8", Array(text.utf8))
    }

    /// The `?verbose` body: `{"probe":"readyz","status":"ok","checks":[{"name":…,"passed":…,"detail":…}]}`.
    public var json: String {
        let checks = checks.map { #"{"name":"\#(jsonEscaped($0.name))","passed":\#($0.passed),"detail":"\#(jsonEscaped($0.detail))"}"# }
        return #"{"probe":"\#(probe.rawValue)","status":"\#(passed ? "ok" : "failed")","checks":[\#(checks.joined(separator: ","))]}"#
    }
}
