import Foundation
@testable import PaperboyCore
import PaperboyTestSupport
import Testing

/// What a message in the return mailbox is (`BounceClassifier`), for the
/// kinds the policy acts on and those it must leave alone. The messages are
/// written here in the formats the MTAs use (RFC 3464 DSNs as Postfix
/// writes them, RFC 5965 feedback reports, qmail's and Exim's text bounces).
@Suite struct BounceClassifierTests {
    static func classify(_ text: String, unsubscribe: [String] = []) -> BounceReport {
        BounceClassifier.classify(ReceivedMessage(text.replacingOccurrences(of: "\n", with: "\r\n")), unsubscribeAddresses: unsubscribe)
    }

    /// A DSN in Postfix's layout: explanation, delivery status, the returned headers.
    static func dsn(action: String, status: String, diagnostic: String, recipient: String = "nobody@lab.example.org",
                    deliveryStatusEncoding: String? = nil) -> String {
        var statusBody = """
            Reporting-MTA: dns; mx.lab.example.org
            X-Postfix-Queue-ID: 4F2A11C0042
            X-Postfix-Sender: rfc822; bounces+AbC123@lab.example.org
            Arrival-Date: Sun,  6 Dec 2026 08:00:01 +0000 (UTC)

            Final-Recipient: rfc822; \(recipient)
            Original-Recipient: rfc822;\(recipient)
            Action: \(action)
            Status: \(status)
            Diagnostic-Code: \(diagnostic)
            """
        var encodingHeader = ""
        if deliveryStatusEncoding == "base64" {
            statusBody = Data(statusBody.utf8).base64EncodedString(options: .lineLength76Characters)
            encodingHeader = "Content-Transfer-Encoding: base64\n"
        }
        return """
            Return-Path: <>
            From: MAILER-DAEMON@mx.lab.example.org (Mail Delivery System)
            Subject: Undelivered Mail Returned to Sender
            To: bounces+AbC123@lab.example.org
            Auto-Submitted: auto-replied
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status;
            \tboundary="4F2A11C0042.1796544001/mx.lab.example.org"

            This is a MIME-encapsulated message.

            --4F2A11C0042.1796544001/mx.lab.example.org
            Content-Description: Notification
            Content-Type: text/plain; charset=us-ascii

            This is the mail system at host mx.lab.example.org.

            I'm sorry to have to inform you that your message could not
            be delivered to one or more recipients.

            --4F2A11C0042.1796544001/mx.lab.example.org
            Content-Description: Delivery report
            Content-Type: message/delivery-status
            \(encodingHeader)
            \(statusBody)

            --4F2A11C0042.1796544001/mx.lab.example.org
            Content-Description: Undelivered Message Headers
            Content-Type: text/rfc822-headers

            From: Paperboy <digest@lab.example.org>
            To: \(recipient)
            Subject: Your papers for Sunday

            --4F2A11C0042.1796544001/mx.lab.example.org--
            """
    }

    @Test func aDSNWithActionFailedAnd5xxIsHard() {
        let report = Self.classify(Self.dsn(action: "failed", status: "5.1.1",
                                            diagnostic: "X-Postfix; unknown user: \"nobody\""))
        #expect(report.kind == .hard)
        #expect(report.recipients == ["nobody@lab.example.org"])
        #expect(report.status == "5.1.1")
        #expect(report.diagnostic == "unknown user: \"nobody\"")
    }

    @Test func aDelayedOrTemporaryDSNIsSoft() {
        let delayed = Self.classify(Self.dsn(action: "delayed", status: "4.4.1",
                                             diagnostic: "smtp; 421 4.4.1 connection timed out", recipient: "Reader@Example.ORG"))
        #expect(delayed.kind == .soft)
        #expect(delayed.recipients == ["reader@example.org"])
        #expect(delayed.status == "4.4.1")
        let failedForNow = Self.classify(Self.dsn(action: "failed", status: "4.2.2", diagnostic: "smtp; 452 4.2.2 mailbox full"))
        #expect(failedForNow.kind == .soft)
    }

    @Test func aDSNThatOnlyReportsDeliveryIsNotABounce() {
        #expect(Self.classify(Self.dsn(action: "delivered", status: "2.0.0", diagnostic: "smtp; 250 ok")).kind == .unknown)
    }

    @Test func aBase64DeliveryStatusPartIsDecoded() {
        let report = Self.classify(Self.dsn(action: "failed", status: "5.7.1", diagnostic: "smtp; 550 5.7.1 rejected by policy",
                                            deliveryStatusEncoding: "base64"))
        #expect(report.kind == .hard)
        #expect(report.status == "5.7.1")
        #expect(report.recipients == ["nobody@lab.example.org"])
    }

    static let arf = """
        From: Feedback Loop <fbl@isp.example.net>
        To: abuse@lab.example.org
        Subject: Abuse report
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="part"

        --part
        Content-Type: text/plain

        This is an email abuse report for an email message received from IP 192.0.2.1.

        --part
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: ExampleFBL/1.0
        Version: 1
        Original-Mail-From: <bounces+AbC123@lab.example.org>
        ORIGINALRCPT
        Arrival-Date: Sun, 6 Dec 2026 08:00:02 +0000

        --part
        Content-Type: message/rfc822

        From: Paperboy <digest@lab.example.org>
        To: Grace <grace@isp.example.net>
        Subject: Your papers for Sunday

        The digest.
        --part--
        """

    @Test func aFeedbackReportIsAComplaintFromItsRecipient() {
        let withRecipient = Self.classify(Self.arf.replacingOccurrences(of: "ORIGINALRCPT", with: "Original-Rcpt-To: <ada@isp.example.net>"))
        #expect(withRecipient.kind == .complaint)
        #expect(withRecipient.recipients == ["ada@isp.example.net"])
        // Without Original-Rcpt-To, the quoted digest says whom it was for.
        let fromQuote = Self.classify(Self.arf.replacingOccurrences(of: "ORIGINALRCPT\n", with: ""))
        #expect(fromQuote.kind == .complaint)
        #expect(fromQuote.recipients == ["grace@isp.example.net"])
    }

    @Test func mailToTheUnsubscribeAddressUnsubscribesItsSender() {
        let report = Self.classify("""
            From: Ada <Ada@Example.org>
            To: unsubscribe@lab.example.org
            Subject: unsubscribe k7Qx-2bT9
            Content-Type: text/plain

            """, unsubscribe: ["Unsubscribe@lab.example.org"])
        #expect(report.kind == .unsubscribe)
        #expect(report.recipients == ["ada@example.org"])
        #expect(report.token == "k7Qx-2bT9")
        // The address alone is enough; the subject alone too.
        #expect(Self.classify("From: a@example.org\nTo: unsubscribe@lab.example.org\nSubject: please stop\n\n",
                              unsubscribe: ["unsubscribe@lab.example.org"]).kind == .unsubscribe)
        #expect(Self.classify("From: a@example.org\nTo: someone@lab.example.org\nSubject: Unsubscribe\n\n").kind == .unsubscribe)
    }

    @Test func qmailsBounceIsHard() {
        let report = Self.classify("""
            From: MAILER-DAEMON@mail.example.com
            To: bounces+AbC123@lab.example.org
            Subject: failure notice

            Hi. This is the qmail-send program at mail.example.com.
            I'm afraid I wasn't able to deliver your message to the following addresses.
            This is a permanent error; I've given up. Sorry it didn't work out.

            <gone@example.com>:
            Sorry, no mailbox here by that name. (#5.1.1)

            --- Below this line is a copy of the message.

            From: Paperboy <digest@lab.example.org>
            To: gone@example.com
            """)
        #expect(report.kind == .hard)
        #expect(report.recipients == ["gone@example.com"])
        #expect(report.status == "5.1.1")
    }

    static let exim = """
        From: Mail Delivery System <Mailer-Daemon@exim.example.net>
        To: bounces+AbC123@lab.example.org
        Subject: Mail delivery failed: returning message to sender
        Auto-Submitted: auto-replied

        This message was created automatically by mail delivery software.

        A message that you sent could not be delivered to one or more of its
        recipients. This is a permanent error. The following address(es) failed:

          missing@exim.example.net
            SMTP error from remote mail server after RCPT TO:<missing@exim.example.net>:
            550 5.1.1 <missing@exim.example.net>: Recipient address rejected: User unknown

        ------ This is a copy of the message, including all the headers. ------

        From: Paperboy <digest@lab.example.org>
        To: missing@exim.example.net
        """

    @Test func eximsBounceIsHardAndItsDelayWarningSoft() {
        let report = Self.classify(Self.exim)
        #expect(report.kind == .hard)
        #expect(report.recipients == ["missing@exim.example.net"])
        #expect(report.status == "5.1.1")
        #expect(report.diagnostic?.hasPrefix("550 5.1.1") == true)
        let delay = Self.classify("""
            From: Mail Delivery System <Mailer-Daemon@exim.example.net>
            To: bounces+AbC123@lab.example.org
            Subject: Warning: message 1kXYZ-0003 delayed 24 hours
            Auto-Submitted: auto-replied

            This message was created automatically by mail delivery software.
            A message that you sent has not yet been delivered to one or more of its
            recipients after more than 24 hours on the queue on exim.example.net.

            The following address(es) are still in the queue:

              slow@exim.example.net
                host mx.exim.example.net [192.0.2.7]: 451 4.4.1 try again later

            No action is required on your part. Delivery attempts will continue.
            """)
        #expect(delay.kind == .soft)
        #expect(delay.recipients == ["slow@exim.example.net"])
        #expect(delay.status == "4.4.1")
    }

    @Test func anAutoReplyIsNeitherABounceNorAnUnsubscribe() {
        let vacation = Self.classify("""
            From: Alan <alan@example.org>
            To: bounces+AbC123@lab.example.org
            Subject: Out of Office: Your papers for Sunday
            Auto-Submitted: auto-replied

            I am away until Monday.
            """)
        #expect(vacation.kind == .autoReply)
        #expect(vacation.recipients.isEmpty)
        #expect(Self.classify("From: b@example.org\nSubject: Re: papers\nX-Autoreply: yes\n\nAway.\n").kind == .autoReply)
        #expect(Self.classify("From: b@example.org\nSubject: Re: papers\nPrecedence: auto_reply\n\nAway.\n").kind == .autoReply)
    }

    @Test func anythingElseIsUnknown() {
        let report = Self.classify("From: someone@example.org\nTo: bounces@lab.example.org\nSubject: hello\n\nLoved the digest!\n")
        #expect(report.kind == .unknown)
        #expect(report.recipients.isEmpty)
        // Not even a header: still read, still unknown.
        #expect(Self.classify("just some bytes\n").kind == .unknown)
    }

    /// DSNs a real Postfix wrote (Tests/PaperboyTestSupport/Fixtures/bounces/README.md says how).
    @Test(arguments: [
        ("postfix-3.7-unknown-local-user.eml", BounceKind.hard, "gone-reader@lab.example.org", "5.1.1", "unknown user: \"gone-reader\""),
        ("postfix-3.7-remote-500.eml", .hard, "reader@reject.example.com", "5.3.0", "500 5.3.0 Error: command failed"),
        ("postfix-3.7-remote-450-expired.eml", .soft, "reader@tempfail.example.com", "4.3.0", "450 4.3.0 Error: command failed"),
    ])
    func realPostfixDSNs(file: String, kind: BounceKind, recipient: String, status: String, diagnostic: String) throws {
        let report = BounceClassifier.classify(ReceivedMessage(try TestPaths.fixture("bounces/" + file)))
        #expect(report.kind == kind)
        #expect(report.recipients == [recipient])
        #expect(report.status == status)
        #expect(report.diagnostic == diagnostic)
    }

    /// The whole corpus of messages real mail software wrote (Tests/PaperboyTestSupport/Fixtures/bounces/README.md
    /// says how each was made): the kind, the address and the status each one states, read from the message itself.
    /// An auto-reply reports no address (it is not a bounce), nor does a DSN that only says the message was relayed.
    static let corpus: [(file: String, kind: BounceKind, recipients: [String], status: String?)] = [
        // Postfix 3.7.11
        ("postfix-3.7-unknown-local-user.eml", .hard, ["gone-reader@lab.example.org"], "5.1.1"),
        ("postfix-3.7-remote-500.eml", .hard, ["reader@reject.example.com"], "5.3.0"),
        ("postfix-3.7-remote-450-expired.eml", .soft, ["reader@tempfail.example.com"], "4.3.0"),
        ("postfix-3.7-remote-450-delay-warning.eml", .soft, ["grey-reader@remote.example.com"], "4.2.0"),
        ("postfix-3.7-remote-550-mailbox-disabled.eml", .hard, ["disabled-reader@remote.example.com"], "5.2.1"),
        ("postfix-3.7-remote-554-rejected-after-data.eml", .hard, ["spam-reader@remote.example.com"], "5.7.1"),
        ("postfix-3.7-three-recipients-one-failed.eml", .hard, ["gone-reader@remote.example.com"], "5.1.1"),
        ("postfix-3.7-three-recipients-one-delayed.eml", .soft, ["slow-reader@remote.example.com"], "4.3.0"),
        ("postfix-3.7-virtual-mailbox-full-5.2.2.eml", .hard, ["full-reader@virt.lab.example.org"], "5.2.2"),
        ("postfix-3.7-notify-success-relayed.eml", .unknown, [], nil),
        // Exim 4.96: Status 5.0.0 or 4.0.0, the remote server's code in Diagnostic-Code
        ("exim-4.96-unrouteable-local-user.eml", .hard, ["gone-reader@exim.lab.example.org"], "5.0.0"),
        ("exim-4.96-remote-550-user-unknown.eml", .hard, ["gone-reader@remote.example.com"], "5.1.1"),
        ("exim-4.96-remote-552-mailbox-full.eml", .hard, ["full-reader@remote.example.com"], "5.2.2"),
        ("exim-4.96-remote-554-rejected-as-spam.eml", .hard, ["spam-reader@remote.example.com"], "5.7.1"),
        ("exim-4.96-remote-450-delay-warning.eml", .soft, ["grey-reader@remote.example.com"], "4.2.0"),
        ("exim-4.96-remote-450-retry-timeout-exceeded.eml", .hard, ["grey-reader@remote.example.com"], "5.0.0"),
        // OpenSMTPD 6.8: multipart/mixed, no Diagnostic-Code; the server's reply is in the text
        ("opensmtpd-6.8-remote-550-user-unknown.eml", .hard, ["gone-reader@remote.example.com"], "5.1.1"),
        ("opensmtpd-6.8-remote-552-mailbox-full.eml", .hard, ["full-reader@remote.example.com"], "5.2.2"),
        ("opensmtpd-6.8-remote-554-rejected-as-spam.eml", .hard, ["spam-reader@remote.example.com"], "5.7.1"),
        ("opensmtpd-6.8-remote-450-delayed.eml", .soft, ["grey-reader@remote.example.com"], "4.2.0"),
        ("opensmtpd-6.8-remote-450-expired.eml", .soft, ["grey-reader@remote.example.com"], "4.4.7"),
        // Sendmail 8.17.1.9
        ("sendmail-8.17-unknown-local-user.eml", .hard, ["gone-reader@sendmail.lab.example.org"], "5.1.1"),
        ("sendmail-8.17-remote-550-user-unknown.eml", .hard, ["gone-reader@remote.example.com"], "5.1.1"),
        ("sendmail-8.17-remote-552-mailbox-full.eml", .hard, ["full-reader@remote.example.com"], "5.2.2"),
        ("sendmail-8.17-remote-554-rejected-as-spam.eml", .hard, ["spam-reader@remote.example.com"], "5.7.1"),
        ("sendmail-8.17-remote-450-delay-warning.eml", .soft, ["grey-reader@remote.example.com"], "4.2.0"),
        ("sendmail-8.17-remote-450-expired.eml", .soft, ["grey-reader@remote.example.com"], "4.4.7"),
        // dma 0.13: plain text, no DSN
        ("dma-0.13-remote-550-user-unknown.eml", .hard, ["gone-reader@remote.example.com"], "5.1.1"),
        ("dma-0.13-remote-552-mailbox-full.eml", .hard, ["full-reader@remote.example.com"], "5.2.2"),
        ("dma-0.13-remote-554-rejected-as-spam.eml", .hard, ["spam-reader@remote.example.com"], "5.7.1"),
        // Dovecot 2.3 LDA with Pigeonhole Sieve
        ("dovecot-2.3-lda-quota-exceeded.eml", .hard, ["full-reader@dovecot.lab.example.org"], "5.2.2"),
        ("dovecot-2.3-sieve-reject.eml", .hard, ["reject-reader@dovecot.lab.example.org"], nil),
        ("dovecot-2.3-sieve-vacation.eml", .autoReply, [], nil),
    ]

    @Test(arguments: corpus.map(\.file))
    func theCorpusReadsRight(file: String) throws {
        let expected = try #require(Self.corpus.first { $0.file == file })
        let report = BounceClassifier.classify(ReceivedMessage(try TestPaths.fixture("bounces/" + file)))
        #expect(report.kind == expected.kind, "\(file): \(report.reason)")
        #expect(report.recipients == expected.recipients, "\(file)")
        #expect(report.status == expected.status, "\(file)")
    }

    @Test func everyMessageInTheCorpusHasItsExpectedReading() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: TestPaths.fixtures.appendingPathComponent("bounces").path)
            .filter { $0.hasSuffix(".eml") }
        #expect(Set(files) == Set(Self.corpus.map(\.file)))
        #expect(files.count == Self.corpus.count)
    }

    /// A Sieve `reject` gives its reason, and a DSN without a Diagnostic-Code the server's words from its text
    /// (OpenSMTPD, Dovecot, Exim for a local failure).
    @Test func refusalsAndTextOnlyDiagnosticsKeepTheServersWords() throws {
        let reject = BounceClassifier.classify(ReceivedMessage(try TestPaths.fixture("bounces/dovecot-2.3-sieve-reject.eml")))
        #expect(reject.diagnostic == "I no longer read these digests; please stop sending them.")
        let opensmtpd = BounceClassifier.classify(ReceivedMessage(try TestPaths.fixture("bounces/opensmtpd-6.8-remote-550-user-unknown.eml")))
        #expect(opensmtpd.diagnostic == "550 5.1.1 <gone-reader@remote.example.com>: Recipient address rejected: User unknown in virtual mailbox table")
        let expired = BounceClassifier.classify(ReceivedMessage(try TestPaths.fixture("bounces/opensmtpd-6.8-remote-450-expired.eml")))
        #expect(expired.diagnostic == "Envelope expired")
        let quota = BounceClassifier.classify(ReceivedMessage(try TestPaths.fixture("bounces/dovecot-2.3-lda-quota-exceeded.eml")))
        #expect(quota.diagnostic == "Quota exceeded (mailbox for user is full)")
        let unrouteable = BounceClassifier.classify(ReceivedMessage(try TestPaths.fixture("bounces/exim-4.96-unrouteable-local-user.eml")))
        #expect(unrouteable.diagnostic == "Unrouteable address")
        // A folded Diagnostic-Code reads as one line with single spaces.
        let postfix = BounceClassifier.classify(ReceivedMessage(try TestPaths.fixture("bounces/postfix-3.7-remote-550-mailbox-disabled.eml")))
        #expect(postfix.diagnostic == "550 5.2.1 <disabled-reader@remote.example.com>: Mailbox disabled, not accepting messages")
    }

    @Test func headersUnfoldAndBodiesDecode() {
        let message = ReceivedMessage("Subject: one\r\n two\r\nContent-Type: text/plain;\r\n charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =\r\nau lait\r\n")
        #expect(message["subject"] == "one two")
        #expect(message.contentType.type == "text/plain")
        #expect(message.contentType.parameters["charset"] == "utf-8")
        #expect(message.text == "café au lait\r\n")
    }
}
