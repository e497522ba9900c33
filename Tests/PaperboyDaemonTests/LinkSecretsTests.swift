import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PaperboyCore
import PaperboyDaemon
import PaperboyPipeline
import PaperboyTestSupport
import Testing

/// Where the link secrets come from, and what `check` and `run` say about weak ones.
@Suite struct LinkSecretsTests {
    static let good = "c2VjcmV0LXRoYXQtaXMtbG9uZy1lbm91Z2gtYW5kLXJhbmRvbQ=="   // 52 bytes, varied

    /// A config with `from`, `base_url` and `smtp` (what `check` and `run` need).
    func setup() throws -> TestSetup {
        try TestSetup(digest: Self.mail)
    }

    static let mail = "from: d@lab.paperboy-tests.net\nbase_url: https://lab.paperboy-tests.net\nsmtp: {url: 'smtp://127.0.0.1:9', tls: none}\n"

    /// Points the config of `s` at a secret file.
    func useSecretFile(_ s: TestSetup, _ path: String) throws {
        try ("database: paperboy.sqlite\nsources: [{name: demo, type: json, url: 'file:///dev/null'}]\n" + Self.mail + "secret_file: \(path)\n")
            .write(toFile: s.config, atomically: true, encoding: .utf8)
    }

    func secretFile(_ s: TestSetup, _ name: String, _ text: String, mode: mode_t = 0o600) throws -> String {
        let path = try s.write(name, text)
        #expect(chmod(path, mode) == 0)
        return path
    }

    @Test func weakSecretsAreRefusedWithHowToMakeAGoodOne() throws {
        for (secret, reason) in [
            ("short", "is 5 bytes long (at least 16 are needed)"),
            (String(repeating: "a", count: 44), "is one character repeated"),
            (String(repeating: "ab", count: 20), "is the same 2 characters repeated"),
            (String(repeating: "1234", count: 10), "is the same 4 characters repeated"),
        ] {
            let s = try setup()
            let path = try secretFile(s, "secret", secret + "\n")
            try useSecretFile(s, path)
            let config = s.config
            let check = try runPaperboy(["check", "--config", config])
            #expect(check.status == 78, "\(secret): \(check.stdout) \(check.stderr)")
            #expect(check.stderr.contains("the secret in \(path) \(reason), which anyone could guess; make a new one with: head -c 32 /dev/urandom | base64 > \(path)"),
                    "\(check.stderr)")
            // The daemon refuses it too (exit 78), saying the same.
            let run = try runPaperboy(["run", "--config", config], environment: ["PAPERBOY_SECRET": ""])
            #expect(run.status == 78)
            #expect(run.stderr.contains("\(reason), which anyone could guess"), "\(run.stderr)")
        }
        // From the environment: the same check, with no file to name.
        let s = try setup()
        let env = try s.run(["check"], environment: ["PAPERBOY_SECRET": String(repeating: "x", count: 32)])
        #expect(env.status == 78)
        #expect(env.stderr.contains("the secret in PAPERBOY_SECRET is one character repeated, which anyone could guess; make a new one with: head -c 32 /dev/urandom | base64"))
    }

    @Test func aShortSecretOrALooseFileModeIsAWarning() throws {
        let s = try setup()
        let path = try secretFile(s, "secret", "0123456789abcdefghij\n", mode: 0o644)
        try useSecretFile(s, path)
        let config = s.config
        let check = try runPaperboy(["check", "--config", config])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stderr.contains("paperboy: warning: the secret in \(path) is 20 bytes; use at least 32 (make a new one with: head -c 32 /dev/urandom | base64 > \(path))"),
                "\(check.stderr)")
        #expect(check.stderr.contains("paperboy: warning: the secret file \(path) may be read by group or others (mode 0644); make it readable by the paperboy user only: chmod 600 \(path)"))

        #expect(chmod(path, 0o600) == 0)
        try (Self.good + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        let clean = try runPaperboy(["check", "--config", config])
        #expect(clean.status == 0)
        #expect(clean.stderr.isEmpty, "\(clean.stderr)")
        #expect(clean.stdout.contains("mail: from, base_url, secret and templates are usable"))
    }

    @Test func theDaemonLogsTheWarningsAtStartAndOnReload() throws {
        // DaemonHarness.secret is 26 bytes.
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"))
        let warning = "<4>warning paperboy: the config should be fixed problem=\"the secret in PAPERBOY_SECRET is 26 bytes; use at least 32"
        #expect(harness.log.text.contains(warning), "\(harness.log.text)")
        #expect(harness.daemon.reload())
        #expect(harness.log.text.components(separatedBy: warning).count - 1 == 2)
    }

    @Test func previousSecretsComeFromTheConfigAndTheCredentialsFolder() throws {
        let s = try setup()
        let listed = try secretFile(s, "old-1", "the first secret, retired in 2026\n")
        let credentials = s.directory.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        let current = "the current secret, made last week"
        try (current + "\n").write(to: credentials.appendingPathComponent("secret"), atomically: true, encoding: .utf8)
        try "the second secret, retired last week".write(to: credentials.appendingPathComponent("secret.previous"), atomically: true, encoding: .utf8)
        try "a third, loaded from a folder of old ones".write(to: credentials.appendingPathComponent("secret.previous_2025"), atomically: true, encoding: .utf8)
        try "not a link secret".write(to: credentials.appendingPathComponent("smtp-password"), atomically: true, encoding: .utf8)
        for name in ["secret", "secret.previous", "secret.previous_2025", "smtp-password"] {
            #expect(chmod(credentials.appendingPathComponent(name).path, 0o400) == 0)
        }
        var mail = MailSettings()
        mail.previousSecretFiles = [listed]
        let secrets = try LinkSecrets.load(mail: mail, configPath: "p.yaml", environment: ["CREDENTIALS_DIRECTORY": credentials.path])
        #expect(secrets.current == Array(current.utf8))
        #expect(secrets.previous == [Array("the first secret, retired in 2026".utf8), Array("the second secret, retired last week".utf8),
                                     Array("a third, loaded from a folder of old ones".utf8)])
        #expect(secrets.warnings.isEmpty, "\(secrets.warnings)")

        // The config key is read, relative to the config's folder, and a missing file is a config error.
        let config = try PaperboyConfig.parse("database: x.sqlite\nsources: [{name: a, type: json, url: 'file:///x'}]\nprevious_secret_files: [old-1, /etc/x]\n",
                                              file: "p.yaml", baseDirectory: s.directory.path)
        #expect(config.mail.previousSecretFiles == [listed, "/etc/x"])
        mail.previousSecretFiles = [s.directory.appendingPathComponent("missing").path]
        #expect(throws: MailSetupError.self) { try LinkSecrets.load(mail: mail, configPath: "p.yaml", environment: ["PAPERBOY_SECRET": Self.good]) }
        do {
            _ = try LinkSecrets.load(mail: mail, configPath: "p.yaml", environment: ["PAPERBOY_SECRET": Self.good])
        } catch {
            #expect("\(error)".hasPrefix("p.yaml: previous_secret_files: cannot read "))
        }
        // A weak previous secret is refused like a weak current one.
        mail.previousSecretFiles = [try secretFile(s, "old-weak", String(repeating: "z", count: 40))]
        #expect(throws: MailSetupError.self) { try LinkSecrets.load(mail: mail, configPath: "p.yaml", environment: ["PAPERBOY_SECRET": Self.good]) }
    }
}
