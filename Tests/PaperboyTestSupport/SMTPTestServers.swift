import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Loopback ports for test servers.
public enum LoopbackPort {
    /// A port on 127.0.0.1 that nothing listened on a moment ago.
    public static func free() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerStartError(message: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw ServerStartError(message: "bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits up to `seconds` for `process` to listen on 127.0.0.1:`port`;
    /// false when it exits first or never does.
    public static func waitUntilListening(_ process: Process, on port: Int, seconds: Double = 5) -> Bool {
        for _ in 0..<Int(seconds * 100) where process.isRunning {
            if accepts(port) { return true }
            usleep(10_000)
        }
        return false
    }

    /// Whether something accepts connections on 127.0.0.1:`port`.
    public static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// Postfix's `smtp-sink` on 127.0.0.1, writing every message it accepts to one dump file.
/// As root it must drop privileges (`-u postfix`); the dump folder is made writable for that user.
public final class SMTPSink {
    public static let binary = "/usr/sbin/smtp-sink"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    public let port: Int
    public let dumpFile: URL
    private let process: Process

    /// `options` are smtp-sink flags such as `["-r", "RCPT"]`.
    public init(_ options: [String] = []) throws {
        let directory = try TestPaths.temporaryDirectory()
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory.path)
        dumpFile = directory.appendingPathComponent("dump")
        var lastError: Error = ServerStartError(message: "smtp-sink did not start")
        for _ in 0..<5 {
            let port = try LoopbackPort.free()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.binary)
            var arguments = options + ["-D", dumpFile.path]
            if getuid() == 0 { arguments = ["-u", "postfix"] + arguments }
            process.arguments = arguments + ["127.0.0.1:\(port)", "128"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if LoopbackPort.waitUntilListening(process, on: port) {
                self.port = port
                self.process = process
                return
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            lastError = ServerStartError(message: "smtp-sink did not listen on 127.0.0.1:\(port)")
        }
        throw lastError
    }

    deinit {
        // SIGKILL: a child started from the test runner inherits its blocked
        // signal mask, and smtp-sink never sees a SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public var url: String { "smtp://127.0.0.1:\(port)" }

    /// The dump file's text, once it holds at least `expected` messages (or
    /// after ten seconds: a loaded machine running the suite in parallel
    /// has taken more than two to deliver one mail).
    public func dump(expecting expected: Int = 0) -> String {
        var text = ""
        for _ in 0..<1000 {
            text = (try? String(contentsOf: dumpFile, encoding: .utf8)) ?? ""
            if text.split(separator: "\n").lazy.filter({ $0.hasPrefix("X-Client-Addr: ") }).count >= expected { break }
            usleep(10_000)
        }
        return text
    }
}

/// The aiosmtpd server in Support/smtp_server.py, run with Debian's /usr/bin/python3.
public final class AioSMTPServer {
    public enum Mode: String { case starttls, implicit, plain }

    public static var isInstalled: Bool {
        FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/aiosmtpd")
    }

    public let port: Int
    public let mode: Mode
    public let outDirectory: URL
    private let process: Process
    private let stdin: Pipe

    /// `extra`: more smtp_server.py options, such as `--lock-db`.
    public init(mode: Mode, user: String? = nil, password: String? = nil, extra: [String] = []) throws {
        self.mode = mode
        outDirectory = try TestPaths.temporaryDirectory()
        var arguments = [TestPaths.supportDirectory.appendingPathComponent("smtp_server.py").path,
                         "--mode", mode.rawValue, "--out", outDirectory.path]
        if mode != .plain {
            let certificate = try TestCertificate.shared()
            arguments += ["--cert", certificate.certificate.path, "--key", certificate.key.path]
        }
        if let user, let password { arguments += ["--user", user, "--password", password] }
        arguments += extra
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard let port = readPort(from: stdout) else {
            kill(process.processIdentifier, SIGKILL)
            throw ServerStartError(message: "smtp_server.py printed no port")
        }
        self.port = port
        self.process = process
        self.stdin = stdin
    }

    deinit {
        // Closing stdin ends the server; SIGKILL in case it is stuck (SIGTERM may be blocked, see SMTPSink).
        try? stdin.fileHandleForWriting.close()
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public var url: String { mode == .implicit ? "smtps://127.0.0.1:\(port)" : "smtp://127.0.0.1:\(port)" }

    /// The messages received so far: (envelope "from\nto\n", bytes), in arrival order.
    public func messages() -> [(envelope: String, bytes: [UInt8])] {
        var result: [(String, [UInt8])] = []
        var number = 1
        while let bytes = try? Data(contentsOf: outDirectory.appendingPathComponent("\(number).eml")) {
            let envelope = (try? String(contentsOf: outDirectory.appendingPathComponent("\(number).env"), encoding: .utf8)) ?? ""
            result.append((envelope, Array(bytes)))
            number += 1
        }
        return result
    }
}

/// A self-signed certificate for 127.0.0.1 and localhost, made once per test run with the openssl CLI.
public final class TestCertificate: Sendable {
    public let certificate: URL
    public let key: URL

    private init(directory: URL) throws {
        certificate = directory.appendingPathComponent("cert.pem")
        key = directory.appendingPathComponent("key.pem")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-days", "2",
                             "-keyout", key.path, "-out", certificate.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ServerStartError(message: "openssl req failed") }
    }

    private static let made: Result<TestCertificate, ServerStartError> = {
        do {
            return .success(try TestCertificate(directory: try TestPaths.temporaryDirectory()))
        } catch {
            return .failure(ServerStartError(message: "cannot make a test certificate: \(error)"))
        }
    }()

    public static func shared() throws -> TestCertificate {
        try made.get()
    }
}
