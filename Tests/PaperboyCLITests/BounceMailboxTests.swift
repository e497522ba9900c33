import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Bounces end to end, with real servers on 127.0.0.1: `paperboy
/// send-digest` hands digests to a real Postfix (its own config
/// directory), which bounces the one for a local user that does not exist
/// to the digest's signed return address and delivers that DSN over LMTP
/// into a real Dovecot; `paperboy bounce poll` reads it over IMAP (and
/// POP3) through libcurl. Also: complaints, mailed unsubscribes,
/// auto-replies and unrelated mail delivered into Dovecot, and a poll
/// killed with SIGKILL.
@Suite(.serialized) struct BounceMailboxTests {
    static let at = TestTime.digestAtText
    static let secret = "0123456789abcdef0123456789abcdef"

    static let returnPath = ReturnPath(address: try! EmailAddress(parsing: "bounces@return.example.net"), secret: Array(secret.utf8))

    /// A database with the demo papers and `addresses` as subscribers, and a
    /// config that sends through `smtpURL` from the return address
    /// bounces@return.example.net (none without `returnAddress`) and reads `mailboxURL`.
    func setup(_ addresses: [String], smtpURL: String = "smtp://127.0.0.1:9", mailboxURL: String, extra: String = "",
               returnAddress: Bool = true) throws -> TestSetup {
        let s = try TestSetup(digest: """
        from: "Paperboy <digest@lab.example.org>"
        base_url: https://lab.example.org
        unsubscribe_mailto: unsubscribe@return.example.net
        smtp: {url: "\(smtpURL)", tls: none, retry: {initial: 1s, max: 2s}}
        bounce: {\(returnAddress ? "address: bounces@return.example.net, " : "")mailbox: "\(mailboxURL)", tls: none, processed_folder: Processed\(extra)}
        """)
        let store = try s.store()
        try store.ingest(try DemoCorpus.papers(at: FeedDate.parse(Self.at)!.addingTimeInterval(-3600)), source: SourceState(name: "demo"), at: TestTime.now)
        try store.importSubscribers(try addresses.map { SubscriberPreferences(email: try EmailAddress(parsing: $0), maxPapers: 3) },
                                    prune: false, at: TestTime.now)
        return s
    }

    func run(_ s: TestSetup, _ arguments: [String], password: String = "") throws -> CommandResult {
        try s.run(arguments, environment: ["PAPERBOY_SECRET": Self.secret, "PAPERBOY_BOUNCE_PASSWORD": password])
    }

    /// Sends everyone's digest to an smtp-sink and returns each address's envelope sender (the signed return path).
    func sendDigests(_ s: TestSetup) throws -> [String: String] {
        let sink = try SMTPSink()
        let config = try String(contentsOfFile: s.config, encoding: .utf8)
        try config.replacingOccurrences(of: "smtp://127.0.0.1:9", with: sink.url).write(toFile: s.config, atomically: true, encoding: .utf8)
        defer { try? config.write(toFile: s.config, atomically: true, encoding: .utf8) }
        let sent = try run(s, ["send-digest", "--all", "--at", Self.at])
        #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
        var senders: [String: String] = [:]
        for subscriber in try s.store().subscribers() {
            let row = try #require(try s.store().outboxRows(subscriberID: subscriber.id).first { $0.state == .sent }?.id)
            senders[subscriber.email.description] = Self.returnPath.sender(outboxID: row, recipient: subscriber.email.description)
        }
        return senders
    }

    func mailboxURL(_ dovecot: DovecotServer) -> String {
        "imap://\(dovecot.user)@127.0.0.1:\(dovecot.imapPort)/INBOX"
    }

    /// Waits (up to 20 s) until `folder` holds `count` messages.
    func waitFor(_ count: Int, in folder: String = "INBOX", of dovecot: DovecotServer) throws -> [(uid: Int, flags: Set<String>)] {
        var messages = try dovecot.messages(in: folder)
        for _ in 0..<200 where messages.count < count {
            usleep(100_000)
            messages = try dovecot.messages(in: folder)
        }
        return messages
    }

    @Test func aDigestToAMissingLocalUserComesBackFromPostfixAndPausesItsSubscriber() throws {
        try #require(PostfixInstance.isAvailable && DovecotServer.isInstalled, "needs root, postfix and dovecot-imapd (.ci/run installs them)")
        let dovecot = try DovecotServer()
        let postfix = try PostfixInstance(transports: ["return.example.net": "lmtp:inet:127.0.0.1:\(dovecot.lmtpPort)"])
        let s = try setup(["gone-reader@lab.example.org"], smtpURL: "smtp://127.0.0.1:\(postfix.port)", mailboxURL: mailboxURL(dovecot))

        let sent = try run(s, ["send-digest", "--all", "--at", Self.at])
        #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
        #expect(sent.stdout.contains("sent 1"), "Postfix accepted the digest: \(sent.stdout)")
        let inbox = try waitFor(1, of: dovecot)
        try #require(inbox.count == 1, "the DSN reached Dovecot\n\(postfix.logText)\n\(dovecot.log)")

        let poll = try run(s, ["bounce", "poll"], password: dovecot.password)
        #expect(poll.status == 0, "\(poll.stdout)\(poll.stderr)")
        #expect(poll.stdout.contains("hard 5.1.1 gone-reader@lab.example.org"), "\(poll.stdout)")
        #expect(poll.stdout.contains("→ paused"), "\(poll.stdout)")
        let show = try run(s, ["subscriber", "show", "gone-reader@lab.example.org"])
        // Postfix's own words: status 5.1.1, Diagnostic-Code "X-Postfix; unknown user: "gone-reader"".
        #expect(show.stdout.contains("status: paused (bounced: 5.1.1 unknown user: \"gone-reader\")"), "\(show.stdout)")
        #expect(show.stdout.contains("bounces (1):"), "\(show.stdout)")
        let recorded = try s.store().bounces()
        #expect(recorded.count == 1 && recorded.first?.outboxID != nil, "traced by the signed return path: \(recorded)")
        #expect(try dovecot.messages(in: "INBOX").isEmpty)
        #expect(try dovecot.messages(in: "Processed").count == 1)

        // A second poll (a new process: a restart) finds nothing to do.
        let again = try run(s, ["bounce", "poll"], password: dovecot.password)
        #expect(again.stdout.contains(": 0 messages read"), "\(again.stdout)")
        #expect(try s.store().bounces().count == 1)
    }

    @Test func complaintsAndMailedUnsubscribesUnsubscribeWhileAutoRepliesAndOtherMailStay() throws {
        try #require(DovecotServer.isInstalled, "needs dovecot-imapd (.ci/run installs it)")
        let dovecot = try DovecotServer()
        let s = try setup(["ada@example.org", "alan@example.org", "grace@example.org"], mailboxURL: mailboxURL(dovecot))
        let store = try s.store()
        let alan = try #require(try store.subscriber(try EmailAddress(parsing: "alan@example.org")))
        let token = LinkToken(secret: Array(Self.secret.utf8)).make(subscriberID: alan.id, email: alan.email, purpose: .unsubscribe)
        let senders = try sendDigests(s)
        let messages = [
            BounceMessages.arf(complainer: "ada@example.org", returnPath: senders["ada@example.org"]),
            BounceMessages.plain(from: "alan@example.org", to: "unsubscribe@return.example.net", subject: "unsubscribe \(token)"),
            BounceMessages.plain(from: "grace@example.org", to: "bounces@return.example.net", subject: "Out of office", extra: "Auto-Submitted: auto-replied\r\n"),
            BounceMessages.plain(from: "friend@example.org", to: "bounces@return.example.net", subject: "Lunch on Friday?"),
        ]
        for message in messages { try dovecot.deliver(Array(message.utf8), to: "bounces@return.example.net") }
        try #require(try waitFor(4, of: dovecot).count == 4)

        let poll = try run(s, ["bounce", "poll"], password: dovecot.password)
        #expect(poll.status == 0, "\(poll.stdout)\(poll.stderr)")
        #expect(poll.stdout.contains("4 messages read (1 complaint, 1 unsubscribe, 1 auto-reply, 1 unknown)"), "\(poll.stdout)")
        let status = Dictionary(uniqueKeysWithValues: try store.subscribers().map { ($0.email.description, $0.status) })
        #expect(status == ["ada@example.org": .unsubscribed, "alan@example.org": .unsubscribed, "grace@example.org": .active])
        let left = try dovecot.messages(in: "INBOX")
        #expect(left.count == 2, "the auto-reply and the unrelated message stay")
        #expect(left.filter { $0.flags.contains("\\Flagged") && $0.flags.contains("$PaperboyUnknown") }.count == 1)
        #expect(left.filter { $0.flags.contains("$PaperboyIgnored") && !$0.flags.contains("\\Flagged") }.count == 1)
        #expect(left.allSatisfy { !$0.flags.contains("\\Seen") }, "a person still sees them as new")
        #expect(try dovecot.messages(in: "Processed").count == 2)

        // Across a restart (a new process), nothing is read twice.
        let again = try run(s, ["bounce", "poll"], password: dovecot.password)
        #expect(again.stdout.contains(": 0 messages read"), "\(again.stdout)")
        #expect(try store.bounces().count == 4)
        let list = try run(s, ["bounce", "list"])
        #expect(list.stdout.contains("4 messages: 1 complaint, 1 unsubscribe, 1 auto-reply, 1 unknown"), "\(list.stdout)")
    }

    @Test func dryRunChangesNothingAndPOP3NeverReadsTwice() throws {
        try #require(DovecotServer.isInstalled, "needs dovecot-imapd and dovecot-pop3d (.ci/run installs them)")
        let dovecot = try DovecotServer()
        // Without bounce.address: the address a report names is all there is.
        let s = try setup(["ada@example.org"], mailboxURL: mailboxURL(dovecot), returnAddress: false)
        try dovecot.deliver(Array(BounceMessages.arf(complainer: "ada@example.org").utf8), to: "bounces@return.example.net")
        try #require(try waitFor(1, of: dovecot).count == 1)
        let dry = try run(s, ["bounce", "poll", "--dry-run"], password: dovecot.password)
        #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
        #expect(dry.stdout.contains("would unsubscribe"), "\(dry.stdout)")
        #expect(try s.store().subscribers().first?.status == .active)
        #expect(try dovecot.messages(in: "INBOX").count == 1)

        let pop = try setup(["ada@example.org"], mailboxURL: "pop3://\(dovecot.user)@127.0.0.1:\(dovecot.pop3Port)", returnAddress: false)
        let first = try run(pop, ["bounce", "poll"], password: dovecot.password)
        #expect(first.stdout.contains("1 message read (1 complaint)"), "\(first.stdout)\(first.stderr)")
        #expect(try pop.store().subscribers().first?.status == .unsubscribed)
        let second = try run(pop, ["bounce", "poll"], password: dovecot.password)
        #expect(second.stdout.contains("0 messages read; 1 read before (POP3 keeps them)"), "\(second.stdout)")
        #expect(try dovecot.messages(in: "INBOX").count == 1, "POP3 deletes nothing")
    }

    @Test func aMailboxThatIsDownOrRefusesTheLoginSaysSoAndWhatToDo() throws {
        try #require(DovecotServer.isInstalled, "needs dovecot-imapd (.ci/run installs it)")
        let dovecot = try DovecotServer()
        let s = try setup(["ada@example.org"], mailboxURL: mailboxURL(dovecot))
        let refused = try run(s, ["bounce", "poll"], password: "wrong password")
        #expect(refused.status == 78, "\(refused.stderr)")
        #expect(refused.stderr.contains("imap://127.0.0.1:\(dovecot.imapPort)/INBOX"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("wrong password"))
        let down = try setup(["ada@example.org"], mailboxURL: "imap://bounces@127.0.0.1:\(try LoopbackPort.free())/INBOX")
        let unreachable = try run(down, ["bounce", "poll"], password: "x")
        #expect(unreachable.status == 75, "\(unreachable.stderr)")
        let none = try TestSetup(digest: "from: d@example.org\nbase_url: https://example.org")
        let missing = try none.run(["bounce", "poll"], environment: ["PAPERBOY_SECRET": Self.secret])
        #expect(missing.status == 78 && missing.stderr.contains("bounce.mailbox: missing"), "\(missing.stderr)")
    }

    @Test func aPollKilledWithSIGKILLLosesNoBounceAndAppliesNoneTwice() throws {
        try #require(DovecotServer.isInstalled, "needs dovecot-imapd (.ci/run installs it)")
        let dovecot = try DovecotServer()
        let count = 60
        let addresses = (0..<count).map { "reader\($0)@example.org" }
        // soft_limit 2: a soft bounce applied twice would pause its reader.
        let s = try setup(addresses, mailboxURL: mailboxURL(dovecot), extra: ", soft_limit: 2")
        let senders = try sendDigests(s)
        for address in addresses {
            let sender = try #require(senders[address])
            try dovecot.deliver(Array(BounceMessages.dsn(to: sender, recipient: address, action: "delayed", status: "4.2.2", diagnostic: "smtp; 452 4.2.2 Mailbox full").utf8),
                                to: sender)
        }
        try #require(try waitFor(count, of: dovecot).count == count)

        // Kill a poll after it said it finished its 3rd, 15th and 30th message
        // (each line is printed once its message is recorded; it is moved
        // with its batch; the next one is under way), then let one poll finish.
        for lines in [3, 15, 30] {
            let process = Process()
            process.executableURL = TestPaths.paperboyBinary
            process.arguments = ["bounce", "poll", "--config", s.config]
            var environment = ProcessInfo.processInfo.environment
            environment[TestTime.clockVariable] = TestTime.nowText
            environment["PAPERBOY_SECRET"] = Self.secret
            environment["PAPERBOY_BOUNCE_PASSWORD"] = dovecot.password
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            var seen = 0
            var buffer: [UInt8] = []
            while seen < lines {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer += chunk
                seen = buffer.filter { $0 == UInt8(ascii: "\n") }.count
            }
            #expect(process.isRunning, "the poll was still at work when killed (after \(seen) lines)")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
        }
        let last = try run(s, ["bounce", "poll"], password: dovecot.password)
        #expect(last.status == 0, "\(last.stdout)\(last.stderr)")
        let recorded = try s.store().bounces(limit: 1000)
        #expect(recorded.count == count, "every bounce recorded once")
        #expect(Set(recorded.compactMap(\.address)).count == count)
        #expect(recorded.allSatisfy { $0.outcome == .counted }, "none applied twice: \(recorded.filter { $0.outcome != .counted }.map(\.address))")
        #expect(try s.store().subscribers().allSatisfy { $0.status == .active })
        #expect(try dovecot.messages(in: "INBOX").isEmpty)
        #expect(try dovecot.messages(in: "Processed").count == count, "each moved once, none lost or copied twice")
    }

    @Test func digestsGoOutFromTheSignedReturnPathWithTheFromHeaderUnchanged() throws {
        try #require(SMTPSink.isInstalled, "needs postfix's smtp-sink (.ci/run installs it)")
        let sink = try SMTPSink()
        let s = try setup(["ada@example.org"], smtpURL: sink.url, mailboxURL: "imap://127.0.0.1:9/INBOX")
        let sent = try run(s, ["send-digest", "--all", "--at", Self.at])
        #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
        let dump = sink.dump(expecting: 1)
        let mailFrom = try #require(dump.split(separator: "\n").first { $0.hasPrefix("X-Mail-Args: ") }, "\(dump.prefix(600))")
        let sender = String(mailFrom.dropFirst("X-Mail-Args: ".count).split(separator: " ").first ?? "")
        #expect(sender.hasPrefix("<bounces+") && sender.hasSuffix("@return.example.net>"), "\(sender)")
        let claim = try #require(Self.returnPath.claim(in: sender), "\(sender)")
        #expect(try s.store().outboxAddressee(id: claim.outboxID)?.recipient == "ada@example.org", "it names ada's row")
        #expect(Self.returnPath.verify(claim, recipient: "ada@example.org"), "signed for her")
        #expect(dump.contains("From: Paperboy <digest@lab.example.org>"), "the From header is unchanged")
    }
}

extension BounceMailboxTests {
    @Test func checkBounceLogsInAndCountsWithoutReading() throws {
        try #require(DovecotServer.isInstalled, "needs dovecot-imapd (.ci/run installs it)")
        let dovecot = try DovecotServer()
        let s = try setup(["ada@example.org"], mailboxURL: mailboxURL(dovecot))
        try dovecot.deliver(Array(BounceMessages.arf(complainer: "ada@example.org").utf8), to: "bounces@return.example.net")
        try #require(try waitFor(1, of: dovecot).count == 1)
        let check = try run(s, ["check", "--bounce"], password: dovecot.password)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("bounce: imap://127.0.0.1:\(dovecot.imapPort)/INBOX: logged in, 1 message waiting"), "\(check.stdout)")
        #expect(try dovecot.messages(in: "INBOX").first?.flags.contains("\\Seen") == false, "nothing read")
        let refused = try run(s, ["check", "--bounce"], password: "wrong")
        #expect(refused.status == 69, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stdout.contains("bounce: bounce mailbox imap://127.0.0.1:\(dovecot.imapPort)/INBOX"), "\(refused.stdout)")
        let missing = try run(s, ["check", "--bounce"])
        #expect(missing.status == 78 && missing.stderr.contains("bounce.password_file"), "\(missing.stderr)")
    }
}
