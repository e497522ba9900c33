import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// Composed digests checked by real tools: Python's email package and SpamAssassin.
@Suite struct MailAcceptanceTests {
    static let at = Date(timeIntervalSince1970: 1_795_000_000)

    /// The three demo subscribers' digests, composed as `send-digest` would.
    static func demoDigests() throws -> [(Subscriber, DigestComposer.Composed)] {
        let store = try DemoCorpus.storeWithSubscribers(at: at.addingTimeInterval(-3600))
        let config = DemoCorpus.mailConfig()
        let composer = try MailSetup.composer(config: config, configPath: "(demo)", environment: DemoCorpus.demoEnvironment)
        let subscribers = try store.subscribers()
        let selector = try SelectionLoader(store: store, digest: config.digest).selector(at: at, subscribers: subscribers)
        return subscribers.map { subscriber in
            let papers = selector.select(subscriber.preferences, maxPapers: subscriber.preferences.maxPapers ?? 10, sent: [])
            return (subscriber, composer.compose(subscriber, papers: papers, at: at))
        }
    }

    struct Checked: Decodable {
        struct Part: Decodable { var type: String; var charset: String?; var cte: String?; var content: String }
        var defects: [String]
        var subject: String
        var from: String
        var to: String
        var subject_headers: Int
        var bcc_headers: Int
        var list_unsubscribe: String
        var list_unsubscribe_post: String
        var content_type: String
        var parts: [Part]
        var longest_line: Int
        var bare_lf: Bool
    }

    static func pythonCheck(_ messages: [[UInt8]]) throws -> [Checked] {
        let directory = try TestPaths.temporaryDirectory()
        var files: [String] = []
        for (k, message) in messages.enumerated() {
            let file = directory.appendingPathComponent("m\(k).eml")
            try Data(message).write(to: file)
            files.append(file.path)
        }
        let result = try runTool(TestPaths.python, [TestPaths.supportDirectory.appendingPathComponent("digest_check.py").path] + files)
        #expect(result.status == 0, "digest_check.py failed: \(result.stderr)")
        return try result.stdout.split(separator: "\n").map { try JSONDecoder().decode(Checked.self, from: Data($0.utf8)) }
    }

    @Test func demoDigestsParseWithoutDefectsAndBothPartsDecode() throws {
        let digests = try Self.demoDigests()
        #expect(digests.count == 3)
        let checked = try Self.pythonCheck(digests.map(\.1.message))
        for ((subscriber, composed), result) in zip(digests, checked) {
            #expect(result.defects.isEmpty, "\(subscriber.email): \(result.defects)")
            #expect(result.subject == composed.rendered.subject)
            #expect(result.to.contains(subscriber.email.description))
            #expect(result.from == "Paperboy demo <digest@paperboy.example.org>")
            #expect(result.subject_headers == 1 && result.bcc_headers == 0)
            #expect(result.list_unsubscribe.contains("<https://paperboy.example.org/unsubscribe?t="))
            #expect(result.list_unsubscribe.contains("<mailto:unsubscribe@paperboy.example.org?subject="))
            #expect(result.list_unsubscribe_post == "List-Unsubscribe=One-Click")
            #expect(result.longest_line <= 998 && !result.bare_lf)
            #expect(result.parts.allSatisfy { $0.charset == "utf-8" && $0.cte == "quoted-printable" })
            // Python's decoded parts are exactly what was rendered (line ends aside).
            let text = try #require(result.parts.first)
            #expect(text.type == "text/plain")
            #expect(Self.lines(text.content) == Self.lines(composed.rendered.text))
            if subscriber.preferences.format == .both {
                #expect(result.content_type == "multipart/alternative")
                #expect(result.parts.map(\.type) == ["text/plain", "text/html"])
                #expect(Self.lines(result.parts[1].content) == Self.lines(try #require(composed.rendered.html)))
            } else {
                #expect(result.content_type == "text/plain")
                #expect(result.parts.count == 1)
            }
        }
    }

    @Test func hostileFeedAndSubscriberTextStaysInItsPlace() throws {
        let hostile = "Evil\r\nBcc: victim@example.net\u{0} <script>alert(1)</script> 😀 مرحبا " + String(repeating: "W", count: 300)
        let paper = Paper(id: "2401.99999", title: hostile, abstract: "Abstract <b>bold</b> & more.", firstSeenAt: Self.at,
                          links: PaperLinks(abstract: "javascript:alert(1)"))
        let composer = try MailSetup.composer(config: DemoCorpus.mailConfig(), configPath: "(test)", environment: DemoCorpus.demoEnvironment)
        let subscriber = Subscriber(id: 7, preferences: SubscriberPreferences(email: try EmailAddress(parsing: "eve@example.org"), name: hostile),
                                    createdAt: Self.at, updatedAt: Self.at)
        let composed = composer.compose(subscriber, papers: [RankedPaper(paper: paper, score: 1, relevance: 1, trending: 0, learned: 0, matchedTerms: [])], at: Self.at)
        let result = try #require(try Self.pythonCheck([composed.message]).first)
        #expect(result.defects.isEmpty, "\(result.defects)")
        #expect(result.subject_headers == 1)
        #expect(result.bcc_headers == 0)
        #expect(!result.subject.contains("\n") && !result.to.contains("\n"))
        #expect(result.subject.contains("😀"))
        #expect(result.to.contains("eve@example.org"))
        #expect(result.longest_line <= 998)
        let html = try #require(result.parts.last?.content)
        #expect(!html.contains("<script>") && html.contains("&lt;script&gt;"))
        #expect(!html.contains("javascript:"))
        #expect(result.parts.first?.content.contains("😀 مرحبا") == true)
    }

    @Test func spamAssassinFindsNothingToComplainAbout() throws {
        let spamassassin = "/usr/bin/spamassassin"
        try #require(FileManager.default.isExecutableFile(atPath: spamassassin), "install Debian's spamassassin (scripts/install-deps does)")
        let (_, composed) = try #require(try Self.demoDigests().first)
        let file = try TestPaths.temporaryDirectory().appendingPathComponent("digest.eml")
        try Data(composed.message).write(to: file)
        let result = try runTool("/bin/sh", ["-c", "\(spamassassin) -t -L < '\(file.path)'"])
        let status = try #require(result.stdout.split(whereSeparator: \.isNewline).first { $0.hasPrefix("X-Spam-Status:") }, "no X-Spam-Status in: \(result.stdout.prefix(500)) \(result.stderr)")
        // "X-Spam-Status: No, score=0.0 required=5.0 tests=HTML_MESSAGE,..." (tests may continue on folded lines)
        let statusBlock = Self.headerBlock(result.stdout, name: "X-Spam-Status")
        let score = Double(status.split(separator: "score=").last?.split(separator: " ").first ?? "") ?? 99
        #expect(score <= 0.1, "\(statusBlock)")
        let tests = statusBlock.components(separatedBy: "tests=").last?.split(separator: " ").first.map { $0.split(separator: ",").map(String.init) } ?? []
        let allowed: Set<String> = ["NO_RECEIVED", "NO_RELAYS", "HTML_MESSAGE", "DKIM_SIGNED", "DKIM_VALID", "DKIM_VALID_AU", "DKIM_VALID_EF", "none"]
        #expect(Set(tests).isSubset(of: allowed), "unexpected rules: \(Set(tests).subtracting(allowed)) in \(statusBlock)")
    }

    static func headerBlock(_ message: String, name: String) -> String {
        var lines: [String] = []
        var inside = false
        for line in message.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if line.hasPrefix(name + ":") { inside = true; lines.append(String(line)); continue }
            if inside, line.hasPrefix(" ") || line.hasPrefix("\t") { lines.append(String(line)); continue }
            if inside { break }
        }
        return lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "")
    }

    static func lines(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0) }.reversed().drop { $0.isEmpty }.reversed()
    }
}
