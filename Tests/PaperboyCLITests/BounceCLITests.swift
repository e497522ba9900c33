import Foundation
import PaperboyTestSupport
import Testing

/// `paperboy bounce classify`: what saved messages from the return mailbox are, as text and as JSON.
@Suite struct BounceCLITests {
    static let hardBounce = """
        From: MAILER-DAEMON@mx.lab.example.org (Mail Delivery System)\r
        Subject: Undelivered Mail Returned to Sender\r
        Auto-Submitted: auto-replied\r
        Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r
        \r
        --b\r
        Content-Type: text/plain\r
        \r
        Your message could not be delivered.\r
        --b\r
        Content-Type: message/delivery-status\r
        \r
        Reporting-MTA: dns; mx.lab.example.org\r
        \r
        Final-Recipient: rfc822; nobody@lab.example.org\r
        Action: failed\r
        Status: 5.1.1\r
        Diagnostic-Code: X-Postfix; unknown user: "nobody"\r
        --b--\r

        """

    static let vacation = "From: alan@example.org\r\nSubject: Out of Office\r\nAuto-Submitted: auto-replied\r\n\r\nAway.\r\n"

    func files() throws -> (bounce: String, vacation: String) {
        let directory = try TestPaths.temporaryDirectory()
        let bounce = directory.appendingPathComponent("bounce.eml")
        let vacation = directory.appendingPathComponent("vacation.eml")
        try Data(Self.hardBounce.utf8).write(to: bounce)
        try Data(Self.vacation.utf8).write(to: vacation)
        return (bounce.path, vacation.path)
    }

    @Test func classifyPrintsEachFilesKindAddressesAndStatus() throws {
        let (bounce, vacation) = try files()
        let result = try runPaperboy(["bounce", "classify", bounce, vacation])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            \(bounce): hard 5.1.1 nobody@lab.example.org (delivery status report (Action: failed))
              unknown user: "nobody"
            \(vacation): auto-reply (Auto-Submitted: auto-replied)

            """)
    }

    @Test func classifyJSONHasEveryField() throws {
        let (bounce, vacation) = try files()
        let result = try runPaperboy(["bounce", "classify", "--json", bounce, vacation])
        #expect(result.status == 0, "\(result.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(list.count == 2)
        #expect(list[0]["kind"] as? String == "hard")
        #expect(list[0]["recipients"] as? [String] == ["nobody@lab.example.org"])
        #expect(list[0]["status"] as? String == "5.1.1")
        #expect(list[1]["kind"] as? String == "auto-reply")
        #expect(list[1]["status"] is NSNull)
        #expect(Set(list[0].keys) == ["file", "kind", "recipients", "status", "diagnostic", "token", "reason"])
    }

    @Test func aFileThatCannotBeReadSaysSoAndExits65() throws {
        let result = try runPaperboy(["bounce", "classify", "/nonexistent/bounce.eml"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("cannot read /nonexistent/bounce.eml"))
    }
}
