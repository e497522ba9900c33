import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PaperboyCore
import PaperboyPipeline
import PaperboyTestSupport
import Testing

/// One lookup for every secret: the link secret and the SMTP password come
/// from the config's file, else the variable, else the systemd credential,
/// and are trimmed by the same rule.
@Suite struct CredentialTests {
    /// A secret as each lookup reads it: its config file key is set to `file`.
    struct Secret: CustomStringConvertible, Sendable {
        var description: String
        var variable: String
        var credential: String
        var read: @Sendable (_ file: String?, _ environment: [String: String]) throws -> String?
    }

    static let secrets: [Secret] = [
        Secret(description: "link secret", variable: "PAPERBOY_SECRET", credential: "secret") { file, environment in
            var mail = MailSettings()
            mail.secretFile = file
            do {
                return String(decoding: try LinkSecrets.load(mail: mail, configPath: "p.yaml", environment: environment).current, as: UTF8.self)
            } catch let error as MailSetupError where error.message.hasPrefix("no secret") {
                return nil
            }
        },
        Secret(description: "SMTP password", variable: "PAPERBOY_SMTP_PASSWORD", credential: "smtp-password") { file, environment in
            var smtp = SMTPConfig(url: "smtp://127.0.0.1:25", tls: .none)
            smtp.passwordFile = file
            return try DeliveryRunner.password(smtp, environment: environment)
        },
    ]

    /// Long and varied enough for the link secret's checks.
    static let fromFile = "the value from the config's file, 2026"
    static let fromVariable = "the value from the environment, 2026"
    static let fromCredential = "the value from the systemd credential"

    func folder(_ secret: Secret, credentialText: String?) throws -> (file: String, credentials: String) {
        let directory = try TestPaths.temporaryDirectory()
        let credentials = directory.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        if let credentialText {
            let path = credentials.appendingPathComponent(secret.credential).path
            try credentialText.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(chmod(path, 0o600) == 0)
        }
        let file = directory.appendingPathComponent("from-config").path
        try (Self.fromFile + "\r\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(chmod(file, 0o600) == 0)
        return (file, credentials.path)
    }

    @Test(arguments: secrets)
    func theFileThenTheVariableThenTheCredentialWin(secret: Secret) throws {
        let (file, credentials) = try folder(secret, credentialText: Self.fromCredential + "\n")
        let all = [secret.variable: Self.fromVariable + " \n", "CREDENTIALS_DIRECTORY": credentials]
        #expect(try secret.read(file, all) == Self.fromFile)
        #expect(try secret.read(nil, all) == Self.fromVariable)
        #expect(try secret.read(nil, [secret.variable: "", "CREDENTIALS_DIRECTORY": credentials]) == Self.fromCredential)
        #expect(try secret.read(nil, ["CREDENTIALS_DIRECTORY": credentials]) == Self.fromCredential)
        #expect(try secret.read(nil, [:]) == nil)
    }

    @Test(arguments: secrets)
    func anEmptyCredentialIsNoCredential(secret: Secret) throws {
        let (_, credentials) = try folder(secret, credentialText: "\n")
        #expect(try secret.read(nil, ["CREDENTIALS_DIRECTORY": credentials]) == nil)
        #expect(try secret.read(nil, [secret.variable: "", "CREDENTIALS_DIRECTORY": ""]) == nil)
    }

    @Test(arguments: secrets)
    func aNamedFileThatCannotBeReadIsAnErrorNamingIt(secret: Secret) throws {
        let missing = try TestPaths.temporaryDirectory().appendingPathComponent("missing").path
        let error = #expect(throws: MailSetupError.self) { _ = try secret.read(missing, [secret.variable: Self.fromVariable]) }
        #expect(error?.message.hasSuffix("cannot read \(missing); check the path and that the paperboy user may read it") == true, "\(String(describing: error))")
    }

    @Test func trailingLineBreaksAndSpacesGoAndNothingElse() {
        #expect(Credential.trimmed(Array("  pass word \r\n \n".utf8)) == Array("  pass word".utf8))
        #expect(Credential.trimmed(Array("\npassword".utf8)) == Array("\npassword".utf8))
        #expect(Credential.trimmed(Array("tab\t".utf8)) == Array("tab\t".utf8))
        #expect(Credential.trimmed(Array(" \r\n".utf8)).isEmpty)
    }

    @Test func theLookupSaysWhereEachValueCameFrom() throws {
        let lookup = Credential.Lookup(file: nil, fileKey: "smtp.password_file", variable: "V", credential: "c")
        let fromVariable = try #require(try lookup.find(environment: ["V": "x\n"]))
        #expect(fromVariable.source == .environment("V"))
        #expect(fromVariable.path == nil)
        #expect(fromVariable.origin == "V")
        #expect(fromVariable.text == "x")
    }
}
