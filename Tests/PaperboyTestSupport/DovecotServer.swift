import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Dovecot 2.3 (Debian `dovecot-imapd`, `dovecot-pop3d`, `dovecot-lmtpd`)
/// of its own for one test: its own config, base_dir, state_dir, log and
/// maildirs in a temporary folder, listening only on 127.0.0.1, on free
/// ports: IMAP (STARTTLS offered), IMAPS, POP3 (STLS offered), POP3S and LMTP.
///
/// One user, `bounces` (passwd-file, plain password), whose mail is owned
/// by the `dovecot` system user (Dovecot refuses uid 0; first_valid_uid is
/// lowered to allow that system uid). LMTP takes `bounces+TOKEN@any.domain`
/// (`recipient_delimiter = +`, domain dropped, detail not a folder) into INBOX.
/// A system Dovecot on the usual ports does not matter.
public final class DovecotServer {
    public static let binary = "/usr/sbin/dovecot"
    public static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: binary) && FileManager.default.fileExists(atPath: "/usr/lib/dovecot/imap")
            && FileManager.default.fileExists(atPath: "/usr/lib/dovecot/pop3") && FileManager.default.fileExists(atPath: "/usr/lib/dovecot/lmtp")
    }

    public let user = "bounces"
    public let password = "Bounce-Pa55 w0rd"
    public let imapPort: Int
    public let imapsPort: Int
    public let pop3Port: Int
    public let pop3sPort: Int
    public let lmtpPort: Int
    public let directory: URL
    public let configFile: URL
    public let logFile: URL
    /// The CA file that verifies the TLS listeners (the self-signed certificate itself).
    public let caFile: String
    private let process: Process

    /// `imapCapability`: Dovecot's `imap_capability` (what the server says it
    /// can do after login), to play a server without MOVE, say. `tls` false:
    /// a server without TLS (no STARTTLS; `imapsPort`, `pop3sPort` are 0).
    public init(tls: Bool = true, imapCapability: String? = nil) throws {
        directory = try TestPaths.temporaryDirectory()
        configFile = directory.appendingPathComponent("dovecot.conf")
        logFile = directory.appendingPathComponent("dovecot.log")
        let certificate = try TestCertificate.shared()
        caFile = certificate.certificate.path
        let manager = FileManager.default
        let mail = directory.appendingPathComponent("mail")
        for folder in ["run", "state", "mail"] {
            try manager.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        guard let owner = getpwnam("dovecot") else { throw ServerStartError(message: "no dovecot user: install dovecot-core") }
        let (uid, gid) = (owner.pointee.pw_uid, owner.pointee.pw_gid)
        if getuid() == 0 { chown(mail.path, uid, gid) }
        try "\(user):{PLAIN}\(password)::::::\n".write(to: directory.appendingPathComponent("passwd"), atomically: true, encoding: .utf8)

        var lastError = ServerStartError(message: "dovecot did not start")
        for _ in 0..<3 {
            var ports = try (0..<5).map { _ in try LoopbackPort.free() }
            guard Set(ports).count == 5 else { continue }
            if !tls { (ports[1], ports[3]) = (0, 0) }
            let config = Self.config(directory: directory, certificate: certificate, uid: uid, gid: gid, ports: ports, tls: tls, imapCapability: imapCapability)
            try config.write(to: configFile, atomically: true, encoding: .utf8)
            let process = Process()
            // Through python3, which unblocks every signal and execs dovecot in
            // its place: a child of the test runner inherits a mask that blocks
            // SIGTERM and SIGCHLD, and a master that cannot reap its children
            // or be stopped leaves a broken server behind.
            process.executableURL = URL(fileURLWithPath: TestPaths.python)
            process.arguments = ["-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])",
                                 Self.binary, "-F", "-c", configFile.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if Self.waitUntilListening(ports, process: process) {
                (imapPort, imapsPort, pop3Port, pop3sPort, lmtpPort) = (ports[0], ports[1], ports[2], ports[3], ports[4])
                self.process = process
                return
            }
            Self.stop(process)
            let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            lastError = ServerStartError(message: "dovecot did not listen on 127.0.0.1:\(ports): \(log.suffix(2000))")
        }
        throw lastError
    }

    deinit {
        Self.stop(process)
    }

    public var imapURL: String { "imap://127.0.0.1:\(imapPort)/INBOX" }
    public var imapsURL: String { "imaps://127.0.0.1:\(imapsPort)/INBOX" }
    public var pop3URL: String { "pop3://127.0.0.1:\(pop3Port)" }
    public var pop3sURL: String { "pop3s://127.0.0.1:\(pop3sPort)" }

    /// Delivers `raw` over LMTP, as a mail server would (Dovecot adds
    /// Return-Path, Delivered-To and Received at the top).
    public func deliver(_ raw: [UInt8], to recipient: String = "bounces+token@paperboy.test", from sender: String = "") throws {
        let script = """
        import smtplib, sys
        lmtp = smtplib.LMTP('127.0.0.1', int(sys.argv[1]))
        refused = lmtp.sendmail(sys.argv[2], [sys.argv[3]], sys.stdin.buffer.read())
        lmtp.quit()
        sys.exit(1 if refused else 0)
        """
        try python(script, [String(lmtpPort), sender, recipient], input: raw)
    }

    /// Puts `raw` into `folder` byte for byte with IMAP APPEND (as a mail
    /// program would); `flags` such as `\\Seen`. Returns nothing: see `messages(in:)`.
    public func append(_ raw: [UInt8], folder: String = "INBOX", flags: String = "") throws {
        let script = """
        import imaplib, sys
        imap = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
        imap.login(sys.argv[2], sys.argv[3])
        status, _ = imap.append(sys.argv[4], sys.argv[5] and '(' + sys.argv[5] + ')', None, sys.stdin.buffer.read())
        imap.logout()
        sys.exit(0 if status == 'OK' else 1)
        """
        try python(script, [String(imapPort), user, password, folder, flags], input: raw)
    }

    /// The UIDs and flags of the messages in `folder`, read with doveadm (not over IMAP).
    public func messages(in folder: String = "INBOX") throws -> [(uid: Int, flags: Set<String>)] {
        let output = try doveadm(["-f", "tab", "fetch", "-u", user, "uid flags", "mailbox", folder, "ALL"])
        return output.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard let uid = fields.first.flatMap({ Int($0) }) else { return nil }
            return (uid, Set((fields.count > 1 ? fields[1] : "").split(separator: " ").map(String.init)))
        }
    }

    /// The user's folders, read with doveadm.
    public func folders() throws -> [String] {
        try doveadm(["-f", "tab", "mailbox", "list", "-u", user]).split(separator: "\n").dropFirst().map(String.init)
    }

    /// Closes every IMAP and POP3 connection of the user (`doveadm kick`), as
    /// a server's restart or idle timeout would.
    public func kick() throws {
        try doveadm(["kick", user])
    }

    /// The server's log so far (for a failing test's message).
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    @discardableResult
    private func doveadm(_ arguments: [String]) throws -> String {
        try run("/usr/bin/doveadm", ["-c", configFile.path] + arguments, input: nil)
    }

    private func python(_ script: String, _ arguments: [String], input: [UInt8]) throws {
        try run(TestPaths.python, ["-c", script] + arguments, input: input)
    }

    /// Runs a helper with files for stdin, stdout and stderr (no pipes:
    /// FileHandle's blocking reads trap on EINTR in a busy test process).
    private func run(_ executable: String, _ arguments: [String], input: [UInt8]?) throws -> String {
        let files = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: files) }
        let (inURL, outURL, errURL) = (files.appendingPathComponent("in"), files.appendingPathComponent("out"), files.appendingPathComponent("err"))
        try Data(input ?? []).write(to: inURL)
        for url in [outURL, errURL] { try Data().write(to: url) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = try FileHandle(forReadingFrom: inURL)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        process.waitUntilExit()
        let output = try String(contentsOf: outURL, encoding: .utf8)
        guard process.terminationStatus == 0 else {
            let errors = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw ServerStartError(message: "\(executable) \(arguments.prefix(3)) failed: \(errors)")
        }
        return output
    }

    private static func waitUntilListening(_ ports: [Int], process: Process) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(15)
        while clock.now < deadline && process.isRunning {
            if ports.allSatisfy({ $0 == 0 || LoopbackPort.accepts($0) }) { return true }
            usleep(20_000)
        }
        return false
    }

    /// SIGTERM to the master (which stops its children), up to 5 s, then SIGKILL.
    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while process.isRunning && clock.now < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
