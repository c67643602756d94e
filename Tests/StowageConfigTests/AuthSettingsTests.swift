import Access
import Foundation
import StowageConfig
import Testing

@Suite struct AuthSettingsTests {
    let htpasswd: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stowage-auth-settings-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        return path
    }()

    func settings(_ yaml: String, _ overrides: ServeOverrides = ServeOverrides()) throws -> ServeSettings {
        try ServeSettings.resolve(file: try ConfigLoader.parse(yaml), overrides: overrides, environment: [:])
    }

    func error(_ yaml: String, _ overrides: ServeOverrides = ServeOverrides()) -> String? {
        do {
            _ = try settings(yaml, overrides)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func noAuthSectionMeansEveryClientMayReadEverything() throws {
        #expect(try settings("listen: 127.0.0.1:5000").auth == nil)
    }

    @Test func rulesAreReadInOrderAndDecideAsWritten() throws {
        let auth = try #require(try settings("""
            auth:
              htpasswd: \(htpasswd)
              rules:
                - {repositories: "public/**", access: anonymous}
                - {repositories: "vendor/{a,b}/*", users: [alice]}
                - {repositories: "closed/**", access: nobody}
                - {repositories: "**", access: authenticated}
            """).auth)
        #expect(auth.realm == "Stowage")
        #expect(auth.failureDelay == .seconds(1))
        #expect(auth.namedUsers == ["alice"])
        let policy = auth.policy
        #expect(policy.decide(repository: "public/x", user: nil) == .allow)
        #expect(policy.decide(repository: "vendor/a/app", user: "alice") == .allow)
        #expect(policy.decide(repository: "vendor/a/app", user: "bob") == .deny)
        #expect(policy.decide(repository: "vendor/c/app", user: "bob") == .allow, "the last rule: any user")
        #expect(policy.decide(repository: "closed/x", user: "alice") == .deny)
        #expect(policy.decide(repository: "other", user: nil) == .challenge)
    }

    @Test func theHtpasswdFlagAloneTurnsAuthenticationOn() throws {
        var overrides = ServeOverrides()
        overrides.htpasswd = htpasswd
        let auth = try #require(try settings("listen: 127.0.0.1:5000", overrides).auth)
        #expect(auth.htpasswd == htpasswd)
        #expect(auth.policy.decide(repository: "any", user: nil) == .challenge)
    }

    @Test func certificateUsersNeedNoHtpasswdFile() throws {
        let directory = try Self.pemLookalikes()
        let auth = try #require(try settings("""
            tls: {certificate: \(directory)/c.pem, key: \(directory)/k.pem, clientCA: \(directory)/c.pem}
            auth: {certificateUsers: true}
            """).auth)
        #expect(auth.htpasswd == nil)
        #expect(auth.certificateUsers)
    }

    @Test(arguments: [
        ("auth: {anonymousRead: true}", "auth.htpasswd: is required with auth"),
        ("auth: {htpasswd: /nonexistent/htpasswd}", "auth.htpasswd: cannot read /nonexistent/htpasswd"),
        ("auth: {htpasswd: HT, rules: [{access: anonymous}]}", "auth.rules[0].repositories: is required"),
        ("auth: {htpasswd: HT, rules: [{repositories: 'a/[b', access: anonymous}]}", "auth.rules[0].repositories"),
        ("auth: {htpasswd: HT, rules: [{repositories: a, access: everyone}]}", "auth.rules[0].access: must be anonymous, authenticated or nobody"),
        ("auth: {htpasswd: HT, rules: [{repositories: a, access: anonymous, users: [x]}]}", "auth.rules[0]: gives both access and users"),
        ("auth: {htpasswd: HT, rules: [{repositories: a}]}", "auth.rules[0]: needs access"),
        ("auth: {htpasswd: HT, rules: [{repositories: a, users: []}]}", "auth.rules[0].users: must list user names"),
        ("auth: {htpasswd: HT, rules: [{repositories: a, acess: anonymous}]}", "auth.rules[0].acess: unknown key"),
        ("auth: {htpasswd: HT, realm: 'a\"b'}", "auth.realm: must be printable text without quotes"),
        ("auth: {htpasswd: HT, failureDelay: soon}", "auth.failureDelay: must be a duration"),
    ])
    func aBadAuthSectionIsRefusedNamingItsKey(_ yaml: String, _ expected: String) {
        let message = error(yaml.replacingOccurrences(of: "HT", with: htpasswd)) ?? "accepted"
        #expect(message.contains(expected), "\(message)")
    }

    @Test(arguments: [
        ("tls: {key: @KEY}", "tls.certificate: is missing"),
        ("tls: {certificate: @CERT}", "tls.key: is missing"),
        ("tls: {clientCA: @CERT}", "tls.clientCA: needs TLS"),
        ("tls: {certificate: @KEY, key: @KEY}", "holds no PEM certificate"),
        ("tls: {certificate: @CERT, key: @CERT}", "holds no PEM private key"),
        ("auth: {certificateUsers: true}", "auth.certificateUsers: needs client certificates: set tls.clientCA"),
        ("{tls: {certificate: @CERT, key: @KEY}, auth: {certificateUsers: true}}", "auth.certificateUsers: needs client certificates"),
        ("metrics: {tls: true}", "metrics.tls: needs the listener's TLS"),
    ])
    func aBadTLSSectionIsRefusedNamingItsKey(_ yaml: String, _ expected: String) throws {
        let directory = try Self.pemLookalikes()
        let text = yaml.replacingOccurrences(of: "@CERT", with: directory + "/c.pem").replacingOccurrences(of: "@KEY", with: directory + "/k.pem")
        let message = error(text) ?? "accepted"
        #expect(message.contains(expected), "\(message)")
    }

    /// A directory with `c.pem` and `k.pem`: files that pass the start-up check for PEM of the right kind.
    static func pemLookalikes() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stowage-tls-settings-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n".write(toFile: directory + "/c.pem", atomically: true, encoding: .utf8)
        try "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n".write(toFile: directory + "/k.pem", atomically: true, encoding: .utf8)
        return directory
    }
}
