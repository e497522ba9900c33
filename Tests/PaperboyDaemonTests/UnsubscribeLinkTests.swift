import Crypto
import Foundation
import PaperboyCore
import PaperboyDaemon
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// Unsubscribe links unsubscribe exactly the person they were mailed to, say
/// honestly when nothing changed, survive a secret rotation, and are served
/// with a strict page policy.
@Suite(.serialized) struct UnsubscribeLinkTests {
    static let oneClick = "List-Unsubscribe=One-Click"
    static let nothingChanged = "This link was for an address that is not subscribed here (any more), or it is not a valid unsubscribe link; nothing was changed."

    @Test func anOldTokenAfterExportAndImportIntoANewDatabaseUnsubscribesNobody() async throws {
        // The old database: Bob subscribed first (row 1), then Alice (row 2).
        let old = try TestSetup()
        #expect(try old.run(["subscriber", "add", "bob@example.org"]).status == 0)
        #expect(try old.run(["subscriber", "add", "alice@example.org"]).status == 0)
        let bob = try #require(try old.store().subscriber(try EmailAddress(parsing: "bob@example.org")))
        let bobsLink = LinkToken(secret: Array(DaemonHarness.secret.utf8)).make(subscriberID: bob.id, email: bob.email, purpose: .unsubscribe)
        let file = old.directory.appendingPathComponent("subscribers.yaml").path
        let export = try old.run(["subscriber", "export", "--output", file])
        #expect(export.status == 0, "\(export.stderr)")

        // A new database: the import adds them by address (Alice first), so Bob's old row id is Alice's now.
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"))
        let imported = try runPaperboy(["subscriber", "import", file, "--config", harness.configPath])
        #expect(imported.status == 0, "\(imported.stderr)")
        let alice = try #require(try harness.store.subscriber(try EmailAddress(parsing: "alice@example.org")))
        #expect(alice.id == bob.id, "the test needs Bob's old id to be Alice's in the new database")

        let endpoint = try await RunningEndpoint(harness)
        let page = try await endpoint.request("GET", "/unsubscribe?t=\(bobsLink)")
        #expect(page.status == 400)
        #expect(!page.body.contains("<form"), "the confirm page offered to unsubscribe someone")
        let post = try await endpoint.request("POST", "/unsubscribe?t=\(bobsLink)", body: Self.oneClick)
        try await endpoint.stop()
        #expect(post.status == 400)
        #expect(post.body.contains(Self.nothingChanged))
        #expect(!post.body.contains("You are unsubscribed"))
        for subscriber in try harness.store.subscribers() {
            #expect(subscriber.unsubscribedAt == nil, "\(subscriber.email) was unsubscribed by Bob's old link")
        }
        #expect(!harness.log.text.contains("unsubscribed through the one-click link"))
    }

    @Test func afterRemoveForgetAndAddTheOldLinkChangesNothingAndSaysSo() async throws {
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"))
        let ada = try harness.addSubscriber("ada@example.org", at: harness.clock.now())
        let oldLink = harness.token(ada)
        for arguments in [["subscriber", "remove", "ada@example.org", "--forget"], ["subscriber", "add", "ada@example.org"]] {
            let result = try runPaperboy(arguments + ["--config", harness.configPath])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        let again = try #require(try harness.store.subscriber(ada.email))
        #expect(again.id != ada.id)

        let endpoint = try await RunningEndpoint(harness)
        let post = try await endpoint.request("POST", "/unsubscribe?t=\(oldLink)", body: Self.oneClick)
        #expect(post.status == 400)
        #expect(post.body.contains(Self.nothingChanged), "\(post.body)")
        #expect(!post.body.contains("You are unsubscribed"))
        #expect(try harness.store.subscriber(ada.email)?.unsubscribedAt == nil)

        // The link in the next digest works, and a second click says honestly that nothing more changed.
        let newLink = harness.token(again)
        let first = try await endpoint.request("POST", "/unsubscribe?t=\(newLink)", body: Self.oneClick)
        #expect(first.status == 200)
        #expect(first.body.contains("You are unsubscribed"))
        let second = try await endpoint.request("POST", "/unsubscribe?t=\(newLink)", body: Self.oneClick)
        #expect(second.status == 200)
        #expect(second.body.contains("This address was already unsubscribed; nothing was changed"))
        #expect(!second.body.contains("You are unsubscribed"))
        let confirm = try await endpoint.request("GET", "/unsubscribe?t=\(newLink)")
        #expect(confirm.body.contains("already unsubscribed"))
        #expect(!confirm.body.contains("<form"))
        try await endpoint.stop()
    }

    @Test func aLinkForAnAddressThatChangedChangesNothing() async throws {
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"))
        let ada = try harness.addSubscriber("ada@example.org", at: harness.clock.now())
        let link = harness.token(ada)
        let moved = try harness.store.updateSubscriber(ada.email, at: harness.clock.now()) { $0.preferences.email = try EmailAddress(parsing: "ada@newjob.example.org") }
        let endpoint = try await RunningEndpoint(harness)
        let post = try await endpoint.request("POST", "/unsubscribe?t=\(link)", body: Self.oneClick)
        try await endpoint.stop()
        #expect(post.status == 400)
        #expect(post.body.contains(Self.nothingChanged))
        #expect(try harness.store.subscriber(moved.email)?.unsubscribedAt == nil)
    }

    @Test func aTokenOfARotatedOutSecretStillWorksAndOneOfAnUnknownSecretIsRefused() async throws {
        let secrets = try TestPaths.temporaryDirectory()
        let previous = secrets.appendingPathComponent("secret.previous")
        let oldSecret = "the secret mailed links were made with"
        try oldSecret.write(to: previous, atomically: true, encoding: .utf8)
        #expect(chmod(previous.path, 0o600) == 0)
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"), extra: "previous_secret_files: [\"\(previous.path)\"]")
        let ada = try harness.addSubscriber("ada@example.org", at: harness.clock.now())
        let alan = try harness.addSubscriber("alan@example.org", at: harness.clock.now())
        let mailedBeforeTheRotation = LinkToken(secret: Array(oldSecret.utf8)).make(subscriberID: ada.id, email: ada.email, purpose: .unsubscribe)
        let unknown = LinkToken(secret: Array("a secret this daemon never had!!".utf8)).make(subscriberID: alan.id, email: alan.email, purpose: .unsubscribe)
        // New mail is signed with the current secret only.
        #expect(harness.daemon.runtime.runtime.composer.unsubscribeToken(ada) == harness.token(ada))

        let endpoint = try await RunningEndpoint(harness)
        let confirm = try await endpoint.request("GET", "/unsubscribe?t=\(mailedBeforeTheRotation)")
        #expect(confirm.status == 200)
        #expect(confirm.body.contains("action=\"https://lab.example.org/unsubscribe?t=\(harness.token(ada))\""), "the form carries a current token")
        let rotated = try await endpoint.request("POST", "/unsubscribe?t=\(mailedBeforeTheRotation)", body: Self.oneClick)
        #expect(rotated.status == 200)
        #expect(rotated.body.contains("You are unsubscribed"))
        let refused = try await endpoint.request("POST", "/unsubscribe?t=\(unknown)", body: Self.oneClick)
        #expect(refused.status == 400)
        #expect(refused.body.contains(Self.nothingChanged))
        try await endpoint.stop()
        #expect(try harness.store.subscriber(ada.email)?.unsubscribedAt != nil)
        #expect(try harness.store.subscriber(alan.email)?.unsubscribedAt == nil)
    }

    @Test func theMailedLinksCarryTheAddressBoundToken() throws {
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"), extra: "unsubscribe_mailto: leave@lab.example.org")
        try harness.addPapers(at: harness.clock.now())
        let ada = try harness.addSubscriber("ada@example.org", at: harness.clock.now())
        let composer = harness.daemon.runtime.runtime.composer
        let composed = composer.compose(ada, papers: [], at: harness.clock.now(), messageID: "m@lab.example.org")
        let message = String(decoding: composed.message, as: UTF8.self)
        let token = harness.token(ada)
        #expect(message.contains("<https://lab.example.org/unsubscribe?t=\(token)>"))
        #expect(message.contains("<mailto:leave@lab.example.org?subject=unsubscribe%20\(token)>"))
        let claim = try #require(LinkToken.claim(token))
        #expect(claim.subscriberID == ada.id)
        #expect(composer.tokens.verify(claim, purpose: .unsubscribe, email: ada.email))
        #expect(!composer.tokens.verify(claim, purpose: .unsubscribe, email: try EmailAddress(parsing: "eve@example.org")))
    }

    @Test func theConfirmPagePostsToBaseURLAndEveryPageHasAStrictPolicy() async throws {
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"), baseURL: "https://example.org/paperboy")
        let ada = try harness.addSubscriber("ada@example.org", at: harness.clock.now())
        let token = harness.token(ada)
        let endpoint = try await RunningEndpoint(harness)
        let page = try await endpoint.requestWithHeaders("GET", "/unsubscribe?t=\(token)")
        #expect(page.status == 200)
        #expect(page.body.contains("<form method=\"post\" action=\"https://example.org/paperboy/unsubscribe?t=\(token)\">"), "\(page.body)")

        let policy = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action https://example.org 'self'; frame-ancestors 'none'"
        var answers = [page]
        answers.append(try await endpoint.requestWithHeaders("GET", "/unsubscribe?t=nonsense"))
        answers.append(try await endpoint.requestWithHeaders("POST", "/unsubscribe?t=\(token)", body: ""))
        answers.append(try await endpoint.requestWithHeaders("GET", "/no-such-page"))
        answers.append(try await endpoint.requestWithHeaders("POST", "/unsubscribe?t=\(token)", body: Self.oneClick))
        try await endpoint.stop()
        #expect(answers.map(\.status) == [200, 400, 400, 404, 200])
        for answer in answers {
            #expect(answer.headers["content-security-policy"] == policy, "\(answer.status): \(answer.headers)")
            #expect(answer.headers["referrer-policy"] == "no-referrer")
            #expect(answer.headers["cache-control"] == "no-store")
            #expect(answer.headers["x-content-type-options"] == "nosniff")
        }
    }

    @Test func theCSPOriginComesOnlyFromAPlainBaseURL() {
        #expect(PublicPage.origin("https://Example.org:8443/paperboy") == "https://example.org:8443")
        #expect(PublicPage.origin("https://user@example.org/x") == "https://example.org")
        #expect(PublicPage.origin("https://[::1]:8080") == "https://[::1]:8080")
        #expect(PublicPage.origin("https://a;script-src/x") == nil)
        #expect(PublicPage.contentSecurityPolicy(baseURL: "https://a;b/x").contains("form-action 'self';"))
    }
}
