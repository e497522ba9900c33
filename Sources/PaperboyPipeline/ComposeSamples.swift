import Foundation
import PaperboyCore

/// A fixed set of digests for checking that composing stays byte for byte
/// the same: the demo corpus and its subscribers, subscribers like the
/// compose benchmark's, and papers whose text tries every escaping and
/// wrapping rule; text-only and both formats, planned digests and
/// previews, a test recipient; each unsigned and signed with a fixed
/// Ed25519 DKIM key, at a fixed moment with fixed Message-IDs.
///
/// `ComposeGoldenTests` compares their SHA-256 with recorded values;
/// `paperboy-bench compose` prints one hash over them all, so a faster
/// composer can be checked against the old one.
public enum ComposeSamples {
    /// The moment every sample is composed at.
    public static let at = Date(timeIntervalSince1970: 1_795_000_000)

    /// One digest to compose.
    public struct Sample: Sendable {
        public var name: String
        public var subscriber: Subscriber
        public var papers: [RankedPaper]
        public var periodKey: String?
        public var testRecipient: EmailAddress?
    }

    /// Every sample's message, unsigned then signed (name + "+dkim"), each
    /// set from a fresh composer; `reversed` composes them in the other
    /// order (the renderer's caches must make no difference).
    public static func messages(reversed: Bool = false) throws -> [(name: String, message: [UInt8])] {
        var out: [(name: String, message: [UInt8])] = []
        for signed in [false, true] {
            let composer = try composer(signed: signed)
            let all = Array(try samples().enumerated())
            var messages: [(name: String, message: [UInt8])] = []
            for (index, sample) in reversed ? all.reversed() : all {
                let composed = composer.compose(sample.subscriber, papers: sample.papers, at: at, messageID: "golden.\(index)@paperboy.example.org",
                                                periodKey: sample.periodKey, testRecipient: sample.testRecipient)
                messages.append((sample.name + (signed ? "+dkim" : ""), composed.message))
            }
            out += reversed ? messages.reversed() : messages
        }
        return out
    }

    /// A fixed Ed25519 key (seed bytes 3, 10, 17, ...), so signatures are the same every run.
    static let dkimKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MC4CAQAwBQYDK2VwBCIEIAMKERgfJi00O0JJUFdeZWxzeoGIj5adpKuyucDHztXc
        -----END PRIVATE KEY-----
        """

    /// The demo mail settings' composer, signing with `dkimKeyPEM` when `signed`.
    static func composer(signed: Bool) throws -> DigestComposer {
        let base = try MailSetup.composer(config: DemoCorpus.mailConfig(), configPath: "(samples)", environment: DemoCorpus.demoEnvironment)
        guard signed else { return base }
        let signer = try DKIMSigner(domain: "paperboy.example.org", selector: "golden", privateKeyPEM: dkimKeyPEM)
        return DigestComposer(renderer: base.renderer, tokens: base.tokens, from: base.from, baseURL: base.baseURL,
                              unsubscribeMailto: base.unsubscribeMailto, signer: signer, defaultZone: base.defaultZone)
    }

    /// Papers whose text tries every escaping and wrapping rule.
    static func hostilePapers() -> [Paper] {
        let seen = at.addingTimeInterval(-7200)
        return [
            Paper(id: "2611.00001", version: 2,
                  title: "<b>Bold</b> & \"quoted\" 'claims' about Schrödinger’s transformers — a study of everything that could possibly go wrong in a title",
                  abstract: String(repeating: "From the start, = signs and dots.\n.Leading dot and trailing space \n", count: 3)
                    + "A very long word: " + String(repeating: "x", count: 120) + " then ✓ emoji 🧪 and 李飞飞 text.",
                  authors: ["Zoë Müller", "Ada Lovelace", "Jürgen Schmidhuber", "李飞飞"], categories: ["cs.LG", "cs.CL"],
                  firstSeenAt: seen, upvotes: 1, comments: 0,
                  links: PaperLinks(abstract: "https://arxiv.org/abs/2611.00001?a=1&b=<2>", pdf: "https://arxiv.org/pdf/2611.00001",
                                    code: "https://github.com/example/repo?x=\"y\"", projectPage: "http://example.org/p'q")),
            Paper(id: "2611.00002", title: "Short", abstract: "Tabs\there\tand  double  spaces.\r\nCRLF line.\rCR line.",
                  authors: ["One Author"], firstSeenAt: seen, upvotes: 0, comments: 3,
                  aiSummary: "An AI summary with = and =_ and a line that is exactly long enough to need a soft break somewhere in the middle of it, ok."),
            Paper(id: "2611.00003", title: String(repeating: "Ünïcödé ", count: 12), abstract: String(repeating: "é", count: 500),
                  firstSeenAt: seen),
        ]
    }

    /// The samples, in a fixed order.
    static func samples() throws -> [Sample] {
        let demo = try DemoCorpus.papers(at: at.addingTimeInterval(-3600))
        let hostile = hostilePapers()
        func ranked(_ papers: [Paper], matched: [String]) -> [RankedPaper] {
            papers.enumerated().map { RankedPaper(paper: $1, score: 1 - Double($0) / 10, relevance: 0, trending: 0, learned: 0, matchedTerms: matched) }
        }
        func subscriber(_ id: Int64, _ preferences: SubscriberPreferences) -> Subscriber {
            Subscriber(id: id, preferences: preferences, createdAt: at, updatedAt: at)
        }
        var samples: [Sample] = []
        for (index, preferences) in DemoCorpus.subscribers().enumerated() {
            let papers = ranked(Array(demo[(index * 7)..<(index * 7 + (preferences.maxPapers ?? 5))]), matched: index == 0 ? ["knowledge distillation"] : [])
            samples.append(Sample(name: "demo-\(index)-planned", subscriber: subscriber(Int64(index + 1), preferences), papers: papers,
                                  periodKey: "daily08:00Europe/Berlin|2026-11-18"))
            samples.append(Sample(name: "demo-\(index)-preview", subscriber: subscriber(Int64(index + 1), preferences), papers: papers))
        }
        // Like the compose benchmark's: ten random demo papers each (SplitMix64, seed 42).
        var state: UInt64 = 42
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for k in 0..<12 {
            let preferences = SubscriberPreferences(email: try EmailAddress(parsing: "reader\(k)@bench.example.org"),
                                                    name: k % 3 == 0 ? nil : "Reader Nº \(k)", query: nil,
                                                    format: k % 4 == 3 ? .text : .both)
            let chosen = (0..<10).map { rank -> RankedPaper in
                RankedPaper(paper: demo[Int(next() % UInt64(demo.count))], score: 1 - Double(rank) / 10, relevance: 0, trending: 0, learned: 0,
                            matchedTerms: k % 2 == 0 ? ["transfer learning"] : [])
            }
            samples.append(Sample(name: "bench-\(k)", subscriber: subscriber(Int64(k + 1), preferences), papers: chosen,
                                  periodKey: k % 5 == 0 ? "all:2026-11-18 08:00Z" : nil))
        }
        let longMatched = ["a rather long matched phrase", "another long matched phrase", "and a third one to pass sixty"]
        let odd = SubscriberPreferences(email: try EmailAddress(parsing: "Zoe.Quote@Example.ORG"),
                                        name: "Zoë \"Q\" Müller-Lüdenscheidt, Jr. with a very long display name indeed",
                                        query: try Query.parse("transformer OR \"schrödinger\" -survey"), categories: ["cs.LG", "cs.CL"],
                                        schedule: try Schedule.parse("daily 23:30 Pacific/Kiritimati"))
        samples.append(Sample(name: "hostile-both", subscriber: subscriber(9_000_000_001, odd), papers: ranked(hostile, matched: longMatched),
                              periodKey: "daily23:30Pacific/Kiritimati|2026-11-19"))
        var oddText = odd
        oddText.format = .text
        samples.append(Sample(name: "hostile-text", subscriber: subscriber(9_000_000_002, oddText),
                              papers: ranked(hostile + Array(demo.prefix(2)), matched: ["x"])))
        samples.append(Sample(name: "one-paper", subscriber: subscriber(5, odd), papers: ranked([hostile[0]], matched: [])))
        samples.append(Sample(name: "test-recipient", subscriber: subscriber(6, odd), papers: ranked(Array(demo.suffix(4)), matched: []),
                              testRecipient: try EmailAddress(parsing: "me@example.org")))
        samples.append(Sample(name: "no-papers", subscriber: subscriber(8, DemoCorpus.subscribers()[1]), papers: []))
        return samples
    }
}
