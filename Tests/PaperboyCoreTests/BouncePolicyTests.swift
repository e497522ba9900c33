@testable import PaperboyCore
import Testing

/// The signed return path (VERP), the `bounce:` config section, and the
/// rules that turn a classified message into an effect.
@Suite struct BouncePolicyTests {
    static let secret = Array("a link secret of thirty-two bytes".utf8)
    let base = try! EmailAddress(parsing: "bounces@Lab.example.org")

    // MARK: Return path

    @Test func theReturnPathNamesItsRowForItsRecipientAndOnlyItsSecretMakesOne() throws {
        let path = ReturnPath(address: base, secret: Self.secret)
        let sender = path.sender(outboxID: 123_456, recipient: "Ada@Example.org")
        #expect(sender.hasPrefix("bounces+2n9c-") && sender.hasSuffix("@lab.example.org"))
        let local = try #require(sender.split(separator: "@").first)
        #expect(local.count <= 64)
        #expect(local.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "+" || $0 == "-" })
        let claim = try #require(path.claim(in: sender))
        #expect(claim.outboxID == 123_456)
        #expect(path.verify(claim, recipient: "ada@example.org"), "the recipient in any case")
        #expect(!path.verify(claim, recipient: "bob@example.org"), "the same row id sent to someone else (a database made anew)")
        // Any case, in angle brackets, with a display name.
        for written in ["<\(sender.uppercased())>", "\"Bounces\" <\(sender)>", " \(sender) "] {
            #expect(path.claim(in: written).map { path.verify($0, recipient: "ada@example.org") } == true, "\(written)")
        }
        // Another row's id with this row's MAC, another secret, another domain, no token, another spelling.
        let mac = sender.split(separator: "-")[1].split(separator: "@")[0]
        #expect(path.claim(in: "bounces+2n9d-\(mac)@lab.example.org").map { path.verify($0, recipient: "ada@example.org") } == false)
        let stranger = ReturnPath(address: base, secret: Array("another secret, thirty-two bytes!".utf8))
        #expect(path.claim(in: stranger.sender(outboxID: 123_456, recipient: "ada@example.org")).map { path.verify($0, recipient: "ada@example.org") } == false)
        #expect(path.claim(in: sender.replacingOccurrences(of: "lab.example.org", with: "example.com")) == nil)
        #expect(path.claim(in: "bounces@lab.example.org") == nil)
        #expect(path.claim(in: "bounces+0002n9c-\(mac)@lab.example.org") == nil, "one spelling per id")
    }

    @Test func aTokenMadeWithThePreviousSecretIsStillRead() throws {
        let old = ReturnPath(address: base, secret: Array("the old secret, thirty-two bytes!".utf8))
        let rotated = ReturnPath(address: base, secret: Self.secret, previousSecrets: [Array("the old secret, thirty-two bytes!".utf8)])
        let claim = try #require(rotated.claim(in: old.sender(outboxID: 7, recipient: "ada@example.org")))
        #expect(rotated.verify(claim, recipient: "ada@example.org"))
        #expect(rotated.sender(outboxID: 7, recipient: "ada@example.org") != old.sender(outboxID: 7, recipient: "ada@example.org"),
                "new tokens use the current secret")
    }

    // MARK: Config

    static func config(_ bounce: String) throws -> PaperboyConfig {
        try PaperboyConfig.parse("""
            database: /tmp/x.sqlite
            sources: [{name: a, type: json, url: "file:///tmp/a.json"}]
            bounce: \(bounce)
            """, file: "paperboy.yaml")
    }

    static func problem(_ bounce: String) -> String? {
        do {
            _ = try config(bounce)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func theBounceSectionReadsItsKeysAndDefaults() throws {
        let settings = try Self.config("{address: bounces@lab.example.org, mailbox: \"imaps://bounce%2Bs@mail.example.org:993/Bounces\"}").bounce
        #expect(settings.address?.description == "bounces@lab.example.org")
        #expect(settings.mailbox?.url == "imaps://mail.example.org:993/Bounces")
        #expect(settings.mailbox?.isLoopback == false)
        #expect(settings.username == "bounce+s")
        #expect(settings.tls == .implicit)
        #expect(settings.processedFolder == "Processed")
        #expect(settings.interval == 300 && settings.softLimit == 3 && settings.softWindow == 14 * 86400)

        let pop = try Self.config("{mailbox: \"pop3://127.0.0.1:1110\", tls: none, interval: 1m, soft_limit: 5, soft_window: 30d, processed_folder: Done}").bounce
        #expect(pop.mailbox?.url == "pop3://127.0.0.1:1110/")
        #expect(pop.mailbox?.isLoopback == true)
        #expect(pop.tls == .none && pop.interval == 60 && pop.softLimit == 5 && pop.softWindow == 30 * 86400 && pop.processedFolder == "Done")
        #expect(try Self.config("{mailbox: \"imap://localhost/\"}").bounce.mailbox?.folder == "INBOX")
        #expect(try Self.config("{}").bounce.mailbox == nil)
    }

    @Test(arguments: [
        ("{mailbox: \"https://mail.example.org/\"}", "bounce.mailbox", "not an imap://"),
        ("{mailbox: \"imaps://user:pw@mail.example.org/\"}", "bounce.mailbox", "bounce.password_file"),
        ("{mailbox: \"imap://mail.example.org/\", tls: none}", "bounce.tls", "in the clear"),
        ("{mailbox: \"imaps://mail.example.org/\", tls: starttls}", "bounce.tls", "does not fit"),
        ("{mailbox: \"pop3s://mail.example.org/INBOX\"}", "bounce.mailbox", "no folders"),
        ("{mailbox: \"imaps://mail.example.org/a%0D%0Ab\"}", "bounce.mailbox", "control character"),
        ("{mailbox: \"imaps://mail.example.org/INBOX\", processed_folder: inbox}", "bounce.processed_folder", "the folder bounce.mailbox reads"),
        ("{mailbox: \"imaps://mail.example.org/Processed\"}", "bounce.processed_folder", "the folder bounce.mailbox reads"),
        ("{address: bounces+x@lab.example.org}", "bounce.address", "already has a +"),
        ("{address: not-an-address}", "bounce.address", "bounces@example.org"),
        ("{soft_limit: 0}", "bounce.soft_limit", "1 to 100"),
        ("{interval: 10s}", "bounce.interval", "out of range"),
        ("{adress: x@y.org}", "bounce.adress", "did you mean address"),
    ])
    func aBadBounceValueNamesItsKeyAndTheFix(bounce: String, key: String, words: String) throws {
        let problem = try #require(Self.problem(bounce))
        #expect(problem.contains(key), "\(problem)")
        #expect(problem.contains(words), "\(problem)")
    }

    // MARK: Policy

    static func report(_ kind: BounceKind, status: String? = "5.1.1", diagnostic: String? = "550 5.1.1 user unknown") -> BounceReport {
        BounceReport(kind: kind, recipients: ["ada@example.org"], status: status, diagnostic: diagnostic, token: nil, reason: "test")
    }

    @Test func eachKindHasItsEffectAndItsPlaceInTheMailbox() {
        let settings = BounceSettings()
        let digest = BounceTarget(subscriberID: 1, outboxID: 9, tracedBy: .returnPath)
        let decide = { (kind: BounceKind, target: BounceTarget?) in BouncePolicy.decide(Self.report(kind), target: target, settings: settings) }
        #expect(decide(.hard, digest).effect == .pause(reason: "bounced: 550 5.1.1 user unknown"))
        #expect(decide(.soft, digest).effect == .softBounce(limit: 3, window: 14 * 86400, reason: "bounced: 3 soft bounces in 14d, the last: 550 5.1.1 user unknown"))
        #expect(decide(.complaint, digest).effect == .unsubscribe)
        #expect(decide(.unsubscribe, BounceTarget(subscriberID: 1, tracedBy: .unsubscribeToken)).effect == .unsubscribe)
        for kind in [BounceKind.hard, .soft, .complaint, .unsubscribe] {
            #expect(decide(kind, digest).disposition == .processed)
            #expect(decide(kind, nil) == BouncePolicy.Decision(effect: .nothing, disposition: .forPerson, note: decide(kind, nil).note),
                    "\(kind) traced to nobody waits for a person")
        }
        #expect(decide(.autoReply, digest).effect == .nothing && decide(.autoReply, digest).disposition == .ignored)
        // Traced only by the address a report names: acts once digests carry no signed return path only.
        let byAddress = BounceTarget(subscriberID: 1, tracedBy: .address)
        #expect(decide(.hard, byAddress).effect == .pause(reason: "bounced: 550 5.1.1 user unknown"))
        var signed = settings
        signed.address = base
        for kind in [BounceKind.hard, .soft, .complaint] {
            let decision = BouncePolicy.decide(Self.report(kind), target: byAddress, settings: signed)
            #expect(decision.effect == .nothing && decision.disposition == .forPerson, "\(kind)")
            #expect(BouncePolicy.decide(Self.report(kind), target: digest, settings: signed).effect != .nothing)
        }
        #expect(decide(.unknown, digest).effect == .nothing && decide(.unknown, digest).disposition == .forPerson)
    }

    @Test func aBounceOfAConfirmationMailPausesNobody() {
        let confirmation = BounceTarget(subscriberID: 1, outboxID: 9, isDigest: false, tracedBy: .returnPath)
        for kind in [BounceKind.hard, .soft] {
            let decision = BouncePolicy.decide(Self.report(kind), target: confirmation, settings: BounceSettings())
            #expect(decision.effect == .nothing && decision.disposition == .processed)
        }
    }

    @Test func thePauseReasonIsTheStatusAndTheServersWordsOnOneShortLine() {
        #expect(BouncePolicy.pauseReason(Self.report(.hard, status: "5.1.1", diagnostic: "unknown user: \"gone\"")) == "bounced: 5.1.1 unknown user: \"gone\"")
        #expect(BouncePolicy.pauseReason(Self.report(.hard, status: "5.2.1", diagnostic: nil)) == "bounced: 5.2.1")
        #expect(BouncePolicy.pauseReason(Self.report(.hard, status: nil, diagnostic: "550 no\n  such\tuser")) == "bounced: 550 no such user")
        let long = BouncePolicy.pauseReason(Self.report(.hard, status: "5.0.0", diagnostic: String(repeating: "word ", count: 200)))
        #expect(long.count <= "bounced: ".count + 300 && long.hasSuffix("…"))
    }
}
