import Crypto
import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// `paperboy preview`, run as a user would.
@Suite struct PreviewCLITests {
    @Test func previewsTheDemoDigestInEachFormat() throws {
        let eml = try runPaperboy(["preview", "--demo", "ada@example.org", "--at", "2026-11-30T12:30:00Z"])
        #expect(eml.status == 0, "\(eml.stderr)")
        #expect(eml.stdout.hasPrefix("Date: Mon, 30 Nov 2026 12:30:00 +0000\r\n") || eml.stdout.contains("\r\nDate: Mon, 30 Nov 2026 12:30:00 +0000\r\n"))
        #expect(eml.stdout.contains("\r\nTo: Ada Lovelace <ada@example.org>\r\n"))
        #expect(eml.stdout.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        #expect(eml.stdout.contains("Content-Type: multipart/alternative"))
        let html = try runPaperboy(["preview", "--demo", "ada@example.org", "--format", "html"])
        #expect(html.stdout.hasPrefix("<!DOCTYPE html>"))
        let text = try runPaperboy(["preview", "--demo", "alan@example.org", "--format", "text"])
        #expect(text.stdout.contains("Hello Alan Turing,"))
        let noHTML = try runPaperboy(["preview", "--demo", "alan@example.org", "--format", "html"])
        #expect(noHTML.status == 64)
        #expect(noHTML.stderr.contains("plain text only"))
    }

    /// A config with every mail key, a DKIM key and a database with the demo papers and one subscriber.
    func setup(templates: String? = nil) throws -> TestSetup {
        let key = Curve25519.Signing.PrivateKey()
        let probe = try TestPaths.temporaryDirectory()
        let keyFile = probe.appendingPathComponent("dkim.pem")
        try key.pemRepresentation.write(to: keyFile, atomically: true, encoding: .utf8)
        let secretFile = probe.appendingPathComponent("secret")
        try "0123456789abcdef0123456789abcdef\n".write(to: secretFile, atomically: true, encoding: .utf8)
        let s = try TestSetup(digest: """
        from: "Lab Digest <digest@lab.example.org>"
        base_url: https://lab.example.org/paperboy/
        unsubscribe_mailto: leave@lab.example.org
        secret_file: \(secretFile.path)
        dkim: {domain: lab.example.org, selector: pb1, key_file: \(keyFile.path)}
        \(templates.map { "templates: \($0)" } ?? "")
        """)
        try s.store().ingest(try DemoCorpus.papers(at: TestTime.now.addingTimeInterval(-60)), source: SourceState(name: "demo"), at: TestTime.now)
        try s.run(["subscriber", "add", "ada@example.org", "--name", "Ada", "--query", "continual"]).expectSuccess()
        return s
    }

    @Test func previewUsesTheConfiguredSenderLinksAndDKIMAndChangesNothing() throws {
        let s = try setup()
        let eml = try s.run(["preview", "ada@example.org"])
        #expect(eml.status == 0, "\(eml.stderr)")
        #expect(eml.stdout.hasPrefix("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=lab.example.org;"))
        #expect(eml.stdout.contains(" s=pb1;"))
        #expect(eml.stdout.contains("\r\nFrom: Lab Digest <digest@lab.example.org>\r\n"))
        #expect(eml.stdout.contains("<https://lab.example.org/paperboy/unsubscribe?t="))
        #expect(eml.stdout.contains("<mailto:leave@lab.example.org?subject=unsubscribe%20"))
        #expect(!eml.stdout.contains("0123456789abcdef"))
        // Nothing was recorded: previewing again gives the same papers, and the sent log is empty.
        let store = try s.store()
        #expect(try store.sentPaperIDs(subscriberID: try #require(try s.subscribers().first).id).isEmpty)
        #expect(try store.outboxCounts().isEmpty)
    }

    @Test func aBrokenTemplateOverrideStopsWithExit78NamingFileAndLine() throws {
        let directory = try TestPaths.temporaryDirectory()
        try "ok line\n{{#papers}}\n".write(to: directory.appendingPathComponent("digest.txt.mustache"), atomically: true, encoding: .utf8)
        let s = try setup(templates: directory.path)
        let result = try s.run(["preview", "ada@example.org"])
        #expect(result.status == 78)
        #expect(result.stderr.contains(directory.appendingPathComponent("digest.txt.mustache").path + ":"))
        #expect(result.stderr.contains("the template does not parse"))
    }

    @Test func missingMailSettingsAreConfigErrors() throws {
        let s = try TestSetup()
        try s.run(["subscriber", "add", "ada@example.org"]).expectSuccess()
        let result = try s.run(["preview", "ada@example.org"], environment: ["PAPERBOY_SECRET": "0123456789abcdef0123"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("from: missing"))
        let noSecret = try TestSetup(digest: "from: digest@example.org\nbase_url: https://example.org")
        try noSecret.run(["subscriber", "add", "ada@example.org"]).expectSuccess()
        let secretless = try noSecret.run(["preview", "ada@example.org"], environment: ["PAPERBOY_SECRET": "", "CREDENTIALS_DIRECTORY": "/nonexistent"])
        #expect(secretless.status == 78)
        #expect(secretless.stderr.contains("no secret for unsubscribe links"))
    }
}
