import Crypto
import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing
import _CryptoExtras

/// Composed and signed messages checked by independent peers: Python's email
/// package parses them without defects, dkimpy verifies their DKIM signatures.
/// (Kept out of the Core tests, which need no Python.)
@Suite struct MailInteropTests {
    /// Runs Debian's python3 with a script from Support/.
    static func runPython(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [TestPaths.supportDirectory.appendingPathComponent(script).path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static var hasPython: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") }

    // MARK: Python's email parser

    @Test(.enabled(if: MailInteropTests.hasPython, "/usr/bin/python3 is missing: install Debian's python3 to run this check"))
    func pythonParsesComposedMessagesWithoutDefects() throws {
        let directory = try TestPaths.temporaryDirectory()
        let cases: [(subject: String, fromName: String?, toName: String?, text: String, html: String?)] = [
            (MailSamples.hostileSubject, MailSamples.hostileName, MailSamples.hostileName, MailSamples.awkwardText, MailSamples.awkwardHTML),
            (MailSamples.hostileSubject, MailSamples.hostileName, MailSamples.hostileName, MailSamples.awkwardText, nil),
            ("Your papers for Sunday", "Paperboy", "Ada Lovelace", "Hello Ada,\n\nTen papers.", "<p>Hello Ada</p>"),
            ("Try =?utf-8?q?this?= out: a \"quoted\" (comment) <angle>", "Doe, John (Lab)", "Ann \"the reader\" O'Brien \\ Jr.", "x", "<b>x</b>"),
            ("Z" + String(repeating: "\u{301}", count: 60) + " " + String(repeating: "ש", count: 100), "José Müller", "\r\n", "", ""),
            ((1...30).map { "word\($0)" }.joined(separator: " "), nil, String(repeating: "y", count: 300), "text only\n", nil),
        ]
        var manifest: [[String: Any]] = []
        for (index, item) in cases.enumerated() {
            let message = MailSamples.message(subject: item.subject, fromName: item.fromName, toName: item.toName, text: item.text, html: item.html)
            let bytes = MIMEComposer.compose(message)
            MailSamples.expectWellFormed(bytes)
            let file = directory.appendingPathComponent("message\(index).eml")
            try Data(bytes).write(to: file)
            manifest.append([
                "file": file.path,
                "subject": MailHeaderText.cleaned(item.subject),
                "from": [MailHeaderText.cleaned(item.fromName ?? ""), "digest@example.org"],
                "to": [MailHeaderText.cleaned(item.toName ?? ""), "ada@example.com"],
                "text": item.text,
                "html": item.html ?? NSNull(),
            ])
        }
        #expect(MailHeaderText.cleaned(MailSamples.hostileSubject).hasPrefix("Hello Bcc: x@y.org Supercal"))
        let manifestFile = directory.appendingPathComponent("cases.json")
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestFile)
        let result = try Self.runPython("mail_check.py", [manifestFile.path])
        #expect(result.status == 0, "Python's email package found problems:\n\(result.output)")
        #expect(result.output.hasPrefix("ok \(cases.count)"), "\(result.output)")
    }

    static let rsaKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    static func rsaRecord(_ key: _RSA.Signing.PrivateKey) -> String {
        "v=DKIM1; k=rsa; p=" + key.publicKey.derRepresentation.base64EncodedString()
    }

    /// Signs `message`, then asks dkimpy whether the signature verifies
    /// (and whether it still does after one body byte changed).
    static func verify(_ signer: DKIMSigner, record: String, html: String?) throws -> (verifies: Bool, tamperedVerifies: Bool, signedBytes: [UInt8]) {
        let message = MailSamples.message(subject: MailSamples.hostileSubject, toName: MailSamples.hostileName, text: MailSamples.awkwardText, html: html)
        let signed = signer.sign(MIMEComposer.compose(message), at: Date(timeIntervalSince1970: 1_795_939_200))
        let directory = try TestPaths.temporaryDirectory()
        let file = directory.appendingPathComponent("signed.eml")
        try Data(signed).write(to: file)
        let dnsName = "\(signer.selector)._domainkey.\(signer.domain)."
        let first = try runPython("dkim_check.py", [file.path, dnsName, record])

        var tampered = signed
        let bodyStart = try #require((0..<signed.count - 3).first { signed[$0..<$0 + 4] == [0x0D, 0x0A, 0x0D, 0x0A] })
        let letter = try #require(tampered[bodyStart...].firstIndex(of: UInt8(ascii: "D")))
        tampered[letter] = UInt8(ascii: "d")
        try Data(tampered).write(to: file)
        let second = try runPython("dkim_check.py", [file.path, dnsName, record])
        #expect(first.output.hasSuffix("True\n"), "dkimpy: \(first.output)")
        #expect(second.output.hasSuffix("False\n"), "dkimpy on the changed message: \(second.output)")
        return (first.output.hasSuffix("True\n"), !second.output.hasSuffix("False\n"), signed)
    }

    @Test(.enabled(if: MailInteropTests.hasPython, "/usr/bin/python3 is missing: install Debian's python3 and python3-dkim to run this check"))
    func rsaSignatureVerifiesWithDkimpy() throws {
        let key = Self.rsaKey
        #expect(key.pemRepresentation.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        #expect(key.pkcs8PEMRepresentation.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        for (pem, html) in [(key.pemRepresentation, MailSamples.awkwardHTML), (key.pkcs8PEMRepresentation, nil)] as [(String, String?)] {
            let signer = try DKIMSigner(domain: "example.org", selector: "pb2026", privateKeyPEM: pem)
            #expect(signer.algorithm == "rsa-sha256")
            let result = try Self.verify(signer, record: Self.rsaRecord(key), html: html)
            #expect(result.verifies)
            #expect(!result.tamperedVerifies, "a changed body byte must break the signature")
            let parsed = MailSamples.parse(result.signedBytes)
            #expect(parsed.fields.first?.name == "dkim-signature")
            let signature = parsed.fields[0].value
            #expect(signature.hasPrefix("v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=pb2026; t=1795939200; h=from:to:subject:date:message-id:mime-version:"))
            #expect(signature.replacingOccurrences(of: " ", with: "").contains("h=from:to:subject:date:message-id:mime-version:list-id:list-unsubscribe:list-unsubscribe-post;bh="))
            MailSamples.expectWellFormed(result.signedBytes)
        }
    }

    @Test(.enabled(if: MailInteropTests.hasPython, "/usr/bin/python3 is missing: install Debian's python3 and python3-dkim to run this check"))
    func ed25519SignatureVerifiesWithDkimpy() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signer = try DKIMSigner(domain: "Example.ORG", selector: "ed1", privateKeyPEM: key.pemRepresentation)
        #expect(signer.algorithm == "ed25519-sha256")
        let record = "v=DKIM1; k=ed25519; p=" + key.publicKey.rawRepresentation.base64EncodedString()
        let result = try Self.verify(signer, record: record, html: MailSamples.awkwardHTML)
        #expect(result.verifies)
        #expect(!result.tamperedVerifies, "a changed body byte must break the signature")
        #expect(MailSamples.parse(result.signedBytes).fields[0].value.hasPrefix("v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.org; s=ed1;"))
    }
}
