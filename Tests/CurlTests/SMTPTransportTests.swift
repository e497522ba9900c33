import Curl
import Foundation
import PaperboyTestSupport
import Testing

/// The SMTP transport against real servers on 127.0.0.1: Postfix's smtp-sink
/// (Debian `postfix`) for volume and injected failures, aiosmtpd (Debian
/// `python3-aiosmtpd`) for STARTTLS, implicit TLS and AUTH.
@Suite(.serialized) struct SMTPTransportTests {
    static let user = "paperboy"
    static let password = "s3cret-Pa55"

    /// A CRLF message whose body exercises dot-stuffing and 8-bit text.
    static func message(_ tag: Int, bodyBytes: Int = 0) -> [UInt8] {
        var text = "From: Paperboy <digest@paperboy.test>\r\nTo: reader\(tag)@example.org\r\n"
        text += "Subject: Digest \(tag)\r\nMessage-ID: <\(tag).test@paperboy.test>\r\nX-Paperboy-Tag: \(tag)\r\n"
        text += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        text += "Hello reader \(tag), here are today's papers: Schrödinger, Ærø, 東京.\r\n"
        text += ".a line that starts with a dot\r\n..two dots\r\n.\r\n(a lone dot above)\r\n"
        var line = 0
        // Padding, with dot lines all along, so that some fall on libcurl's 16 KB upload chunks.
        while text.utf8.count < bodyBytes {
            text += line % 3 == 0 ? ".\(line) starts with a dot\r\n" : "Line \(line) of the padding, long enough to look like a paper's abstract.\r\n"
            line += 1
        }
        return Array(text.utf8)
    }

    static func envelopes(_ count: Int, from first: Int = 1, bodyBytes: Int = 0, to: (Int) -> String = { "reader\($0)@example.org" }) -> [SMTPEnvelope] {
        (first..<(first + count)).map {
            SMTPEnvelope(tag: Int64($0), from: "digest@paperboy.test", to: to($0), message: message($0, bodyBytes: bodyBytes))
        }
    }

    /// Sends and collects the outcomes, recording an issue for a tag reported twice.
    static func send(_ transport: SMTPTransport, _ envelopes: [SMTPEnvelope]) -> [Int64: SMTPOutcome] {
        var outcomes: [Int64: SMTPOutcome] = [:]
        transport.send(envelopes) { tag, outcome in
            if outcomes[tag] != nil { Issue.record("tag \(tag) reported twice") }
            outcomes[tag] = outcome
        }
        #expect(outcomes.count == envelopes.count, "every envelope gets exactly one outcome")
        return outcomes
    }

    /// How often each X-Paperboy-Tag occurs in an smtp-sink dump.
    static func tagCounts(_ dump: String) -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for line in dump.split(separator: "\n") where line.hasPrefix("X-Paperboy-Tag: ") {
            if let tag = Int(line.dropFirst("X-Paperboy-Tag: ".count)) { counts[tag, default: 0] += 1 }
        }
        return counts
    }

    static func plainSettings(_ url: String, connections: Int = 4) -> SMTPSettings {
        SMTPSettings(url: url, tls: .none, connectTimeout: 5, commandTimeout: 5, timeout: 20, connections: connections)
    }

    static func tlsSettings(_ server: AioSMTPServer, password: String = SMTPTransportTests.password, caFile: Bool = true) throws -> SMTPSettings {
        SMTPSettings(url: server.url, tls: server.mode == .implicit ? .implicit : .starttls,
                     caFile: caFile ? try TestCertificate.shared().certificate.path : nil,
                     username: user, password: password, ehloName: "paperboy.test",
                     connectTimeout: 5, commandTimeout: 5, timeout: 20, connections: 2)
    }

    // MARK: - smtp-sink: volume, reuse, injected failures

    @Test(.enabled(if: SMTPSink.isInstalled))
    func everyMessageArrivesExactlyOnce() throws {
        let sink = try SMTPSink()
        let transport = try SMTPTransport(settings: Self.plainSettings(sink.url, connections: 4))
        let envelopes = Self.envelopes(300, bodyBytes: 14 * 1024)
        let outcomes = Self.send(transport, envelopes)
        for (tag, outcome) in outcomes {
            guard case .sent(let reply) = outcome else {
                Issue.record("tag \(tag): \(outcome)")
                continue
            }
            #expect(reply.hasPrefix("250 "))
        }
        // Four connections, each reused for all its messages.
        #expect(transport.connectionsOpened == 4)
        var counts = Self.tagCounts(sink.dump(expecting: 300))
        #expect(counts.count == 300)
        #expect(counts.values.allSatisfy { $0 == 1 }, "each message arrives once")
        #expect(Set(counts.keys) == Set(1...300))
        // A second batch on the same transport reuses what is open and still all arrives.
        let again = Self.send(transport, Self.envelopes(20, from: 301))
        #expect(again.values.allSatisfy { if case .sent = $0 { true } else { false } })
        #expect(transport.connectionsOpened == 4)
        counts = Self.tagCounts(sink.dump(expecting: 320))
        #expect(Set(counts.keys) == Set(1...320))
        #expect(counts.values.allSatisfy { $0 == 1 })
    }

    @Test(.enabled(if: SMTPSink.isInstalled))
    func connectionsWaitForTheFinalReplyIndependently() throws {
        // The server takes a second to answer each final dot. libcurl waits for that
        // reply with a blocking loop, so in one multi handle four connections would
        // take eight seconds for eight messages; on their own threads, about two.
        let sink = try SMTPSink(["-W", ".:1"])
        let transport = try SMTPTransport(settings: Self.plainSettings(sink.url, connections: 4))
        let started = ContinuousClock.now
        let outcomes = Self.send(transport, Self.envelopes(8))
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(outcomes.values.allSatisfy { if case .sent = $0 { true } else { false } })
    }

    @Test(.enabled(if: SMTPSink.isInstalled))
    func aSoftRejectedRecipientIsTemporary() throws {
        let sink = try SMTPSink(["-r", "RCPT"])
        let outcomes = Self.send(try SMTPTransport(settings: Self.plainSettings(sink.url, connections: 2)), Self.envelopes(3))
        for outcome in outcomes.values {
            guard case .temporary(let reply, let code, let hint) = outcome else {
                Issue.record("expected temporary, got \(outcome)")
                continue
            }
            #expect(reply.hasPrefix("4"), "the 4xx reply is kept: \(reply)")
            #expect(code == 55)
            #expect(hint.contains("RCPT"))
        }
        #expect(sink.dump().isEmpty)
    }

    @Test(.enabled(if: SMTPSink.isInstalled), arguments: ["RCPT", "DATA", "MAIL", "."])
    func aHardRejectionIsPermanent(command: String) throws {
        let sink = try SMTPSink(["-f", command])
        let outcomes = Self.send(try SMTPTransport(settings: Self.plainSettings(sink.url, connections: 2)), Self.envelopes(3))
        for outcome in outcomes.values {
            guard case .permanent(let reply, let code, _) = outcome else {
                Issue.record("-f \(command): expected permanent, got \(outcome)")
                continue
            }
            #expect(reply.hasPrefix("5"), "the 5xx reply is kept: \(reply)")
            #expect(code == (command == "." ? 8 : 55))
        }
        // (smtp-sink dumps a message it then refuses at ".", so only the others leave no trace.)
        if command != "." { #expect(sink.dump().isEmpty) }
    }

    @Test(.enabled(if: SMTPSink.isInstalled))
    func aSoftRejectionOfTheMessageIsTemporary() throws {
        let sink = try SMTPSink(["-r", "."])
        let outcomes = Self.send(try SMTPTransport(settings: Self.plainSettings(sink.url, connections: 2)), Self.envelopes(2))
        for outcome in outcomes.values {
            guard case .temporary(let reply, let code, _) = outcome else {
                Issue.record("expected temporary, got \(outcome)")
                continue
            }
            #expect(reply.hasPrefix("4"))
            #expect(code == 8)
        }
    }

    @Test(.enabled(if: SMTPSink.isInstalled))
    func a421AndDisconnectIsTemporary() throws {
        let sink = try SMTPSink(["-Q", "DATA"])
        let outcomes = Self.send(try SMTPTransport(settings: Self.plainSettings(sink.url, connections: 2)), Self.envelopes(5))
        for outcome in outcomes.values {
            guard case .temporary(let reply, let code, _) = outcome else {
                Issue.record("expected temporary, got \(outcome)")
                continue
            }
            #expect(reply.hasPrefix("421"))
            #expect(code == 55)
        }
    }

    @Test(.enabled(if: SMTPSink.isInstalled))
    func aConnectionLostAfterTheFinalDotIsTemporary() throws {
        // -q .: the server reads the message and hangs up without a reply. It may have
        // been delivered; the caller retries (at least once: the delivery guarantee in ARCHITECTURE.md).
        let sink = try SMTPSink(["-q", "."])
        let outcomes = Self.send(try SMTPTransport(settings: Self.plainSettings(sink.url, connections: 2)), Self.envelopes(3))
        for outcome in outcomes.values {
            guard case .temporary(let reply, let code, let hint) = outcome else {
                Issue.record("expected temporary, got \(outcome)")
                continue
            }
            #expect(reply == "", "no reply to the message: \(reply)")
            #expect(code == 56)
            #expect(hint.contains("after DATA"))
        }
    }

    @Test(.enabled(if: SMTPSink.isInstalled))
    func aServerThatDoesNotAnswerTimesOut() throws {
        let sink = try SMTPSink(["-w", "4"])
        var settings = Self.plainSettings(sink.url, connections: 1)
        settings.commandTimeout = 1
        let outcomes = Self.send(try SMTPTransport(settings: settings), Self.envelopes(1))
        guard case .temporary(_, let code, let hint) = outcomes[1] else {
            Issue.record("expected temporary, got \(String(describing: outcomes[1]))")
            return
        }
        #expect(code == 28)
        #expect(hint.contains("in time"))
    }

    @Test func aClosedPortIsTemporaryAndEveryEnvelopeIsReported() throws {
        let port = try LoopbackPort.free()
        let outcomes = Self.send(try SMTPTransport(settings: Self.plainSettings("smtp://127.0.0.1:\(port)", connections: 3)), Self.envelopes(7))
        #expect(outcomes.count == 7)
        for outcome in outcomes.values {
            guard case .temporary(let reply, let code, let hint) = outcome else {
                Issue.record("expected temporary, got \(outcome)")
                continue
            }
            #expect(reply == "")
            #expect(code == 7)
            #expect(hint.contains("127.0.0.1:\(port)"))
        }
    }

    @Test func addressesThatCouldInjectCommandsAreRefusedWithoutTheNetwork() throws {
        let port = try LoopbackPort.free()
        let transport = try SMTPTransport(settings: Self.plainSettings("smtp://127.0.0.1:\(port)", connections: 1))
        let bad = ["a@example.org\r\nRCPT TO:<b@example.org>", "a@example.org>", "<a@example.org>", "a b@example.org", "a@example.org\0", "", "no-at-sign"]
        var envelopes = bad.enumerated().map { SMTPEnvelope(tag: Int64($0.offset + 1), from: "digest@paperboy.test", to: $0.element, message: Self.message(1)) }
        envelopes.append(SMTPEnvelope(tag: 100, from: "digest@paperboy.test\nDATA", to: "a@example.org", message: Self.message(1)))
        let outcomes = Self.send(transport, envelopes)
        for (tag, outcome) in outcomes {
            guard case .permanent(let reply, let code, let hint) = outcome else {
                Issue.record("tag \(tag): expected permanent, got \(outcome)")
                continue
            }
            #expect(reply == "")
            #expect(code == 0, "no transfer was attempted")
            #expect(hint.contains("not sent"))
            #expect(!hint.contains("\r") && !hint.contains("\n"))
        }
    }

    @Test(.enabled(if: SMTPSink.isInstalled))
    func theRateLimitSpacesTransfers() throws {
        let sink = try SMTPSink()
        var settings = Self.plainSettings(sink.url, connections: 4)
        settings.maxPerSecond = 20
        let transport = try SMTPTransport(settings: settings)
        let started = ContinuousClock.now
        let outcomes = Self.send(transport, Self.envelopes(11))
        // Eleven starts at 20 per second need at least ten intervals of 50 ms.
        #expect(ContinuousClock.now - started >= .milliseconds(450))
        #expect(outcomes.values.allSatisfy { if case .sent = $0 { true } else { false } })
    }

    // MARK: - aiosmtpd: STARTTLS, implicit TLS, AUTH

    @Test(.enabled(if: AioSMTPServer.isInstalled))
    func starttlsWithAuthDeliversMessagesIntact() throws {
        let server = try AioSMTPServer(mode: .starttls, user: Self.user, password: Self.password)
        let envelopes = Self.envelopes(6, bodyBytes: 70_000)
        let outcomes = Self.send(try SMTPTransport(settings: Self.tlsSettings(server)), envelopes)
        for (tag, outcome) in outcomes {
            guard case .sent(let reply) = outcome else {
                Issue.record("tag \(tag): \(outcome)")
                continue
            }
            #expect(reply.hasPrefix("250 2.0.0 Ok: queued as "))
        }
        let received = server.messages()
        #expect(received.count == 6)
        for envelope in envelopes {
            let matching = received.filter { $0.envelope == "digest@paperboy.test\n\(envelope.to)\n" }
            #expect(matching.count == 1)
            #expect(matching.first?.bytes == envelope.message, "the message arrives byte for byte")
        }
    }

    @Test(.enabled(if: AioSMTPServer.isInstalled))
    func implicitTLSDeliversToo() throws {
        let server = try AioSMTPServer(mode: .implicit, user: Self.user, password: Self.password)
        let transport = try SMTPTransport(settings: Self.tlsSettings(server))
        #expect(transport.check() == nil)
        let envelopes = Self.envelopes(3)
        let outcomes = Self.send(transport, envelopes)
        #expect(outcomes.values.allSatisfy { if case .sent = $0 { true } else { false } })
        let received: Set<[UInt8]> = Set(server.messages().map(\.bytes))
        let sent: Set<[UInt8]> = Set(envelopes.map(\.message))
        #expect(received == sent)
    }

    @Test(.enabled(if: AioSMTPServer.isInstalled))
    func aWrongPasswordIsPermanent() throws {
        let server = try AioSMTPServer(mode: .starttls, user: Self.user, password: Self.password)
        let wrong = "not-the-password"
        let outcomes = Self.send(try SMTPTransport(settings: Self.tlsSettings(server, password: wrong)), Self.envelopes(2))
        for outcome in outcomes.values {
            guard case .permanent(let reply, let code, let hint) = outcome else {
                Issue.record("expected permanent, got \(outcome)")
                continue
            }
            #expect(code == 67)
            #expect(reply.hasPrefix("535"))
            #expect(hint.contains("wrong username or password (smtp.username / smtp.password_file)"))
            #expect(!hint.contains(wrong) && !reply.contains(wrong))
        }
        #expect(server.messages().isEmpty)
    }

    @Test(.enabled(if: AioSMTPServer.isInstalled))
    func anUntrustedCertificateIsRefused() throws {
        let server = try AioSMTPServer(mode: .starttls, user: Self.user, password: Self.password)
        let outcomes = Self.send(try SMTPTransport(settings: Self.tlsSettings(server, caFile: false)), Self.envelopes(2))
        for outcome in outcomes.values {
            guard case .temporary(_, let code, let hint) = outcome else {
                Issue.record("expected temporary, got \(outcome)")
                continue
            }
            #expect(code == 60)
            #expect(hint.contains("smtp.ca_file"))
        }
        #expect(server.messages().isEmpty)
    }

    @Test(.enabled(if: AioSMTPServer.isInstalled))
    func oneConnectionsFailuresDoNotStopTheOthers() throws {
        // Recipients "defer..." get 451 and "reject..." 550 at RCPT; libcurl closes that
        // connection, the next envelope on it opens a new one.
        let server = try AioSMTPServer(mode: .starttls, user: Self.user, password: Self.password)
        let envelopes = Self.envelopes(12) { $0 % 4 == 1 ? "defer\($0)@example.org" : $0 % 4 == 2 ? "reject\($0)@example.org" : "reader\($0)@example.org" }
        let transport = try SMTPTransport(settings: Self.tlsSettings(server))
        let outcomes = Self.send(transport, envelopes)
        for envelope in envelopes {
            switch (envelope.tag % 4, outcomes[envelope.tag]) {
            case (1, .temporary(let reply, 55, _)): #expect(reply == "451 4.2.0 Mailbox busy, try later")
            case (2, .permanent(let reply, 55, _)): #expect(reply == "550 5.1.1 No such user here")
            case (0, .sent), (3, .sent): break
            case (_, let outcome): Issue.record("tag \(envelope.tag): \(String(describing: outcome))")
            }
        }
        #expect(server.messages().count == 6)
        // Each failure at RCPT made libcurl close that connection; new ones were opened.
        #expect(transport.connectionsOpened > 2)
    }

    // MARK: - check()

    @Test(.enabled(if: AioSMTPServer.isInstalled))
    func checkPassesWithGoodSettings() throws {
        let server = try AioSMTPServer(mode: .starttls, user: Self.user, password: Self.password)
        #expect(try SMTPTransport(settings: Self.tlsSettings(server)).check() == nil)
    }

    @Test(.enabled(if: AioSMTPServer.isInstalled))
    func checkNamesAWrongPassword() throws {
        let server = try AioSMTPServer(mode: .starttls, user: Self.user, password: Self.password)
        let failure = try SMTPTransport(settings: Self.tlsSettings(server, password: "wrong-one")).check()
        #expect(failure?.step == "AUTH")
        #expect(failure?.curlCode == 67)
        #expect(failure?.reply.hasPrefix("535") == true)
        #expect(failure?.hint.contains("wrong username or password") == true)
        #expect(failure?.description.contains("wrong-one") == false)
    }

    @Test(.enabled(if: AioSMTPServer.isInstalled))
    func checkNamesAnUntrustedCertificate() throws {
        let server = try AioSMTPServer(mode: .starttls, user: Self.user, password: Self.password)
        let failure = try SMTPTransport(settings: Self.tlsSettings(server, caFile: false)).check()
        #expect(failure?.step == "STARTTLS")
        #expect(failure?.curlCode == 60)
        #expect(failure?.hint.contains("the certificate is not trusted: set smtp.ca_file") == true)
    }

    @Test(.enabled(if: AioSMTPServer.isInstalled))
    func checkNamesStartTLSAgainstAnImplicitTLSPort() throws {
        let server = try AioSMTPServer(mode: .implicit, user: Self.user, password: Self.password)
        var settings = try Self.tlsSettings(server)
        settings.url = "smtp://127.0.0.1:\(server.port)"
        settings.tls = .starttls
        settings.commandTimeout = 1
        settings.connectTimeout = 2
        let failure = try SMTPTransport(settings: settings).check()
        #expect(failure?.step == "greeting")
        #expect(failure?.curlCode == 28)
        #expect(failure?.hint.contains("smtps://") == true)
    }

    @Test(.enabled(if: SMTPSink.isInstalled))
    func checkNamesStartTLSAgainstAPlainPort() throws {
        let sink = try SMTPSink()
        var settings = Self.plainSettings(sink.url)
        settings.tls = .starttls
        let failure = try SMTPTransport(settings: settings).check()
        #expect(failure?.step == "STARTTLS")
        #expect(failure?.curlCode == 64)
        #expect(failure?.hint.contains("does not offer STARTTLS") == true)
    }

    @Test(.enabled(if: AioSMTPServer.isInstalled))
    func checkNamesImplicitTLSAgainstAStartTLSPort() throws {
        let server = try AioSMTPServer(mode: .starttls, user: Self.user, password: Self.password)
        var settings = try Self.tlsSettings(server)
        settings.url = "smtps://127.0.0.1:\(server.port)"
        settings.tls = .implicit
        let failure = try SMTPTransport(settings: settings).check()
        #expect(failure?.step == "TLS")
        #expect(failure?.curlCode == 35)
        #expect(failure?.hint.contains("tls: starttls") == true)
    }

    @Test(.enabled(if: SMTPSink.isInstalled))
    func checkNamesAServerWithoutAuth() throws {
        let sink = try SMTPSink(["-a"])
        var settings = Self.plainSettings(sink.url)
        settings.username = Self.user
        settings.password = Self.password
        let failure = try SMTPTransport(settings: settings).check()
        #expect(failure?.step == "AUTH")
        #expect(failure?.hint.contains("does not offer AUTH PLAIN/LOGIN") == true)
        // The EHLO reply, every line of it.
        #expect(failure?.reply.hasPrefix("250-smtp-sink\n250-PIPELINING\n") == true)
        #expect(failure?.reply.contains("\n250 ") == true)
    }

    @Test func checkNamesAClosedPort() throws {
        let port = try LoopbackPort.free()
        let failure = try SMTPTransport(settings: Self.plainSettings("smtp://127.0.0.1:\(port)")).check()
        #expect(failure?.step == "connect")
        #expect(failure?.curlCode == 7)
    }

    // MARK: - settings

    @Test func plaintextToAnotherHostIsRefused() throws {
        let error = #expect(throws: SMTPConfigError.self) {
            try SMTPSettings(url: "smtp://mail.example.org:25", tls: .none).validate()
        }
        #expect(error?.message.contains("allow_plaintext") == true)
        try SMTPSettings(url: "smtp://mail.example.org:25", tls: .none, allowPlaintext: true).validate()
        try SMTPSettings(url: "smtp://127.0.0.1:25", tls: .none).validate()
        try SMTPSettings(url: "smtp://localhost:25", tls: .none).validate()
        try SMTPSettings(url: "smtp://[::1]:25", tls: .none).validate()
        #expect(throws: SMTPConfigError.self) { try SMTPSettings(url: "smtp://127.example.org:25", tls: .none).validate() }
    }

    @Test func theSchemeMustMatchTheTLSMode() {
        let starttls = #expect(throws: SMTPConfigError.self) {
            try SMTPSettings(url: "smtps://mail.example.org:465", tls: .starttls).validate()
        }
        #expect(starttls?.message.contains("tls: implicit") == true)
        let implicit = #expect(throws: SMTPConfigError.self) {
            try SMTPSettings(url: "smtp://mail.example.org:587", tls: .implicit).validate()
        }
        #expect(implicit?.message.contains("smtps://") == true)
        #expect(throws: SMTPConfigError.self) { try SMTPTransport(settings: SMTPSettings(url: "smtps://mail.example.org", tls: .starttls)) }
    }

    @Test func otherSettingsAreChecked() throws {
        let secret = "hunter2-secret"
        let cases: [(SMTPSettings, String)] = [
            (SMTPSettings(url: "http://mail.example.org"), "smtp://"),
            (SMTPSettings(url: "smtp://user:\(secret)@mail.example.org:587"), "smtp.username"),
            (SMTPSettings(url: "smtp://mail.example.org:587/helo.example.org"), "smtp.ehlo_name"),
            (SMTPSettings(url: "smtp://mail.example.org:99999"), "port"),
            (SMTPSettings(url: "smtp://:587"), "no host"),
            (SMTPSettings(url: "smtp://mail.example.org:587", connections: 0), "1 to 64"),
            (SMTPSettings(url: "smtp://mail.example.org:587", connections: 65), "1 to 64"),
            (SMTPSettings(url: "smtp://mail.example.org:587", commandTimeout: 0), "smtp.command_timeout"),
            (SMTPSettings(url: "smtp://mail.example.org:587", maxPerSecond: 0), "smtp.max_per_second"),
            (SMTPSettings(url: "smtp://mail.example.org:587", username: "paperboy"), "smtp.password_file"),
            (SMTPSettings(url: "smtp://mail.example.org:587", password: secret), "smtp.username"),
            (SMTPSettings(url: "smtp://mail.example.org:587", ehloName: "bad name/x"), "smtp.ehlo_name"),
        ]
        for (settings, expected) in cases {
            let error = #expect(throws: SMTPConfigError.self) { try settings.validate() }
            #expect(error?.message.contains(expected) == true, "\(settings.url): \(error?.message ?? "no error")")
            #expect(error?.message.contains(secret) == false)
        }
        try SMTPSettings(url: "smtp://mail.example.org:587", username: "paperboy", password: secret, ehloName: "paperboy.example.org").validate()
        try SMTPSettings(url: "SMTPS://mail.example.org", tls: .implicit).validate()
    }
}

extension SMTPTransportTests {
    /// The daemon's stop: no transfer starts after it, not even one waiting
    /// for its rate-limit slot; what was not started is handed back, once.
    @Test func aStopBetweenTransfersStartsNothingMoreAndHandsTheRestBack() throws {
        let sink = try SMTPSink()
        var settings = Self.plainSettings(sink.url, connections: 2)
        settings.maxPerSecond = 2
        let transport = try SMTPTransport(settings: settings)
        let stop = StopFlag()
        var outcomes: [Int64] = []
        let notStarted = transport.send(Self.envelopes(8), control: SMTPSendControl(shouldStop: { stop.isSet })) { result in
            outcomes.append(result.tag)
            if case .sent = result.outcome {} else { Issue.record("\(result.outcome)") }
            stop.set()
        }
        #expect(!outcomes.isEmpty && outcomes.count <= 2, "at most the transfers under way finish: \(outcomes)")
        #expect(Set(outcomes).isDisjoint(with: notStarted))
        #expect(Set(outcomes).union(notStarted) == Set(1...8), "every envelope is either sent or handed back")
        #expect(Self.tagCounts(sink.dump(expecting: outcomes.count)).count == outcomes.count)
    }

    /// The delivery guarantee with the final dot held: a connection sends its
    /// next message while the outcome of the one before is being recorded,
    /// but that message is not complete at the server (no final dot) until
    /// `onResults` has returned. Bodies of 40 KB, larger than libcurl's
    /// upload buffer, so the hold must be on the last part, not on a read
    /// after it (libcurl never makes that read when it knows the size).
    @Test(.enabled(if: SMTPSink.isInstalled))
    func theNextMessageIsNotCompleteAtTheServerUntilTheOutcomeBeforeItIsRecorded() throws {
        let sink = try SMTPSink()
        let transport = try SMTPTransport(settings: Self.plainSettings(sink.url, connections: 1))
        var completeWhileRecording: [Int64: Int] = [:]
        let notStarted = transport.send(Self.envelopes(3, bodyBytes: 40_000), control: nil) { (results: [SMTPResult]) in
            for result in results {
                if case .sent = result.outcome {} else { Issue.record("\(result.outcome)") }
                // Give the next transfer time to get as far as it may.
                usleep(300_000)
                completeWhileRecording[result.tag] = Self.tagCounts(sink.dump()).values.reduce(0, +)
            }
        }
        #expect(notStarted.isEmpty)
        #expect(completeWhileRecording == [1: 1, 2: 2, 3: 3], "complete messages at the server while each outcome was recorded")
        #expect(Self.tagCounts(sink.dump(expecting: 3)) == [1: 1, 2: 1, 3: 1])
    }

    /// A stop that comes while a connection holds a message's final dot
    /// aborts that message: the server keeps nothing of it, it is handed
    /// back as not started, and the connection works for the next send.
    @Test(.enabled(if: SMTPSink.isInstalled))
    func aStopWhileAMessageWaitsForItsFinalDotAbortsItAndHandsItBack() throws {
        let sink = try SMTPSink()
        let transport = try SMTPTransport(settings: Self.plainSettings(sink.url, connections: 1))
        let stop = StopFlag()
        var sent: [Int64] = []
        let notStarted = transport.send(Self.envelopes(3, bodyBytes: 40_000), control: SMTPSendControl(shouldStop: { stop.isSet })) { (result: SMTPResult) in
            sent.append(result.tag)
            usleep(200_000)
            stop.set()
        }
        #expect(sent == [1])
        #expect(Set(notStarted) == [2, 3], "the held message and the one after it are handed back")
        usleep(300_000)
        #expect(Self.tagCounts(sink.dump(expecting: 1)) == [1: 1], "the server kept only the completed message")
        let again = Self.send(transport, Self.envelopes(1, from: 4))
        guard case .sent = again[4] else { Issue.record("the next send after an abort: \(String(describing: again[4]))"); return }
        #expect(Self.tagCounts(sink.dump(expecting: 2)) == [1: 1, 4: 1])
    }

    /// A message loaded by the connection right before its transfer goes out
    /// as given; one whose loader throws ends temporary, with the error in
    /// the hint, and is not sent; the others go on.
    @Test(.enabled(if: SMTPSink.isInstalled))
    func loadedMessagesAreSentAndOneThatCannotBeReadIsTemporaryAndNotSent() throws {
        struct Unreadable: Error, CustomStringConvertible { var description: String { "disk I/O error" } }
        let sink = try SMTPSink()
        let transport = try SMTPTransport(settings: Self.plainSettings(sink.url, connections: 2))
        let envelopes = Self.envelopes(4).map { envelope in
            let bytes = envelope.message
            return SMTPEnvelope(tag: envelope.tag, from: envelope.from, to: envelope.to, body: .load {
                if envelope.tag == 3 { throw Unreadable() }
                return bytes
            })
        }
        let outcomes = Self.send(transport, envelopes)
        #expect(outcomes.count == 4)
        for tag: Int64 in [1, 2, 4] {
            guard case .sent = outcomes[tag] else { Issue.record("\(tag): \(String(describing: outcomes[tag]))"); continue }
        }
        guard case .temporary(_, _, let hint) = outcomes[3] else { Issue.record("3: \(String(describing: outcomes[3]))"); return }
        #expect(hint.contains("could not be read") && hint.contains("disk I/O error"), "\(hint)")
        #expect(Self.tagCounts(sink.dump(expecting: 3)) == [1: 1, 2: 1, 4: 1])
    }

    /// An envelope the control skips (its subscriber unsubscribed) is not sent.
    @Test func skippedEnvelopesAreNotSent() throws {
        let sink = try SMTPSink()
        let transport = try SMTPTransport(settings: Self.plainSettings(sink.url, connections: 2))
        var sent: [Int64] = []
        let notStarted = transport.send(Self.envelopes(6), control: SMTPSendControl(shouldStop: { false }, shouldSkip: { $0 % 2 == 0 })) {
            sent.append($0.tag)
            #expect($0.duration > .zero)
        }
        #expect(Set(sent) == [1, 3, 5])
        #expect(Set(notStarted) == [2, 4, 6])
        #expect(Set(Self.tagCounts(sink.dump(expecting: 3)).keys) == [1, 3, 5])
    }
}
