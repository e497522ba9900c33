import Foundation

/// Messages of the kinds a return mailbox receives, CRLF.
public enum BounceMessages {
    public static func crlf(_ text: String) -> String { text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n") }

    /// A DSN as Postfix writes it, sent to `to` (the digest's envelope sender).
    public static func dsn(to: String = "bounces@return.example.net", recipient: String = "ada@example.org", action: String = "failed", status: String = "5.1.1",
                           diagnostic: String = "smtp; 550 5.1.1 <ada@example.org>: Recipient address rejected: User unknown") -> String {
        crlf("""
        From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
        To: \(to)
        Subject: Undelivered Mail Returned to Sender
        Message-ID: <\(UUID().uuidString)@mx.example.org>
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="B"

        --B
        Content-Type: text/plain

        This is the mail system at host mx.example.org.

        --B
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.org

        Final-Recipient: rfc822; \(recipient)
        Action: \(action)
        Status: \(status)
        Diagnostic-Code: \(diagnostic)

        --B--

        """)
    }

    /// An ARF feedback report (RFC 5965) about a digest to `complainer`.
    /// With `returnPath`, the report quotes the digest's envelope sender (as
    /// feedback loops do: `Original-Mail-From`, and the quoted `Return-Path`).
    public static func arf(complainer: String, returnPath: String? = nil) -> String {
        crlf("""
        From: <abuse@mail.example.org>
        To: <bounces@return.example.net>
        Subject: Abuse report
        Message-ID: <\(UUID().uuidString)@mail.example.org>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="A"

        --A
        Content-Type: text/plain

        This is an email abuse report.

        --A
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: SomeGenerator/1.0
        Version: 1
        Original-Rcpt-To: <\(complainer)>\(returnPath.map { "\nOriginal-Mail-From: <\($0)>" } ?? "")

        --A
        Content-Type: message/rfc822

        \(returnPath.map { "Return-Path: <\($0)>\n" } ?? "")From: Paperboy <digest@lab.example.org>
        To: \(complainer)
        Subject: Your papers

        Hello
        --A--

        """)
    }

    /// A plain message, with `extra` header lines (each ending in a line break).
    public static func plain(from: String, to: String, subject: String, extra: String = "") -> String {
        crlf("From: \(from)\nTo: \(to)\nSubject: \(subject)\n\(extra)Message-ID: <\(UUID().uuidString)@example.org>\n\nSome text.\n")
    }
}
