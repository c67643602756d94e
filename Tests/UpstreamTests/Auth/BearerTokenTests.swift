import Foundation
import Testing
@testable import Upstream

@Suite struct BearerTokenTests {
    private let received = ContinuousClock.now

    private func decode(_ json: String, wallClock: Date = Date()) -> BearerToken? {
        BearerToken.decode(Array(json.utf8), receivedAt: received, wallClock: wallClock)
    }

    @Test func accessTokenIsPreferredOverToken() {
        #expect(decode(#"{"token":"t","access_token":"a","expires_in":300}"#)?.value == "a")
    }

    @Test func tokenAloneIsEnough() {
        #expect(decode(#"{"token":"t"}"#)?.value == "t")
    }

    @Test func accessTokenAloneIsEnough() {
        #expect(decode(#"{"access_token":"a"}"#)?.value == "a")
    }

    @Test func anEmptyAccessTokenFallsBackToToken() {
        #expect(decode(#"{"token":"t","access_token":""}"#)?.value == "t")
    }

    @Test func anAnswerWithoutATokenIsNoToken() {
        #expect(decode(#"{"expires_in":300}"#) == nil)
        #expect(decode(#"{"token":""}"#) == nil)
    }

    @Test func aBodyThatIsNotJSONIsNoToken() {
        #expect(decode("<html>login</html>") == nil)
    }

    @Test func aMissingLifetimeCountsAs60Seconds() throws {
        let token = try #require(decode(#"{"token":"t"}"#))
        #expect(token.expiresAt == received + .seconds(60) - BearerToken.renewalMargin)
    }

    @Test func aLifetimeUnder60SecondsCountsAs60() throws {
        let token = try #require(decode(#"{"token":"t","expires_in":5}"#))
        #expect(token.expiresAt == received + .seconds(60) - BearerToken.renewalMargin)
    }

    @Test func theGivenLifetimeIsUsedWhenLonger() throws {
        let token = try #require(decode(#"{"token":"t","expires_in":300}"#))
        #expect(token.expiresAt == received + .seconds(300) - BearerToken.renewalMargin)
    }

    @Test func theLifetimeCountsFromIssuedAt() throws {
        let issued = Date(timeIntervalSince1970: 1_700_000_000)
        let token = try #require(decode(#"{"token":"t","expires_in":300,"issued_at":"2023-11-14T22:13:20Z"}"#,
                                        wallClock: issued.addingTimeInterval(100)))
        #expect(token.expiresAt == received + .seconds(200) - BearerToken.renewalMargin)
    }

    @Test func issuedAtWithFractionalSecondsIsRead() throws {
        let issued = Date(timeIntervalSince1970: 1_700_000_000)
        let token = try #require(decode(#"{"token":"t","expires_in":300,"issued_at":"2023-11-14T22:13:20.123456789Z"}"#,
                                        wallClock: issued.addingTimeInterval(100)))
        #expect(token.expiresAt < received + .seconds(201))
        #expect(token.expiresAt > received + .seconds(199) - BearerToken.renewalMargin)
    }

    @Test func anIssuedAtInTheFutureGivesNoMoreThanTheFullLifetime() throws {
        let token = try #require(decode(#"{"token":"t","expires_in":300,"issued_at":"2099-01-01T00:00:00Z"}"#))
        #expect(token.expiresAt == received + .seconds(300) - BearerToken.renewalMargin)
    }

    @Test func anUnreadableIssuedAtIsIgnored() throws {
        let token = try #require(decode(#"{"token":"t","expires_in":300,"issued_at":"yesterday"}"#))
        #expect(token.expiresAt == received + .seconds(300) - BearerToken.renewalMargin)
    }

    @Test func aTokenIsFreshUntilTheMarginBeforeItExpires() throws {
        let token = try #require(decode(#"{"token":"t","expires_in":60}"#))
        #expect(token.isFresh(at: received + .seconds(60) - BearerToken.renewalMargin - .milliseconds(1)))
        #expect(!token.isFresh(at: received + .seconds(60) - BearerToken.renewalMargin))
    }

    @Test func theTokenValueNeverAppearsInADescription() throws {
        let token = try #require(decode(#"{"token":"secret-token-value"}"#))
        #expect(!"\(token)".contains("secret-token-value"))
        #expect(!String(reflecting: token).contains("secret-token-value"))
        var dumped = ""
        dump(token, to: &dumped)
        #expect(!dumped.contains("secret-token-value"))
    }
}
