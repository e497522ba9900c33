import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real Postfix MTA on 127.0.0.1 with its own config, queue and data
/// directories (`postfix -c DIR start-fg`), for making real bounces: it
/// accepts mail on `port` for `localDomain`, whose local parts do not exist
/// (`local_recipient_maps =`: accepted, then bounced by local delivery with
/// 5.1.1), and sends each other domain where `transports` says (such as
/// `lmtp:inet:127.0.0.1:PORT` into Dovecot). Nothing is ever queued for
/// later: a temporary failure bounces at once (`maximal_queue_lifetime = 0`).
///
/// Needs root (the master runs as root and its daemons as `postfix`) and
/// Debian's `postfix`. Stopped when released, failed test or not.
public final class PostfixInstance {
    public static var isAvailable: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/postfix")
    }

    public let port: Int
    public let directory: URL
    private let process: Process
    private let log: URL

    /// `transports`: domain → Postfix transport (`transport(5)`).
    public init(localDomain: String = "lab.example.org", transports: [String: String]) throws {
        directory = try TestPaths.temporaryDirectory()
        let fm = FileManager.default
        // The postfix user must reach the queue and data directories.
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        let conf = directory.appendingPathComponent("conf")
        for name in ["conf", "queue", "data"] {
            try fm.createDirectory(at: directory.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        log = directory.appendingPathComponent("postfix.log")
        var lastError: Error = ServerStartError(message: "postfix did not start")
        for _ in 0..<3 {
            let port = try LoopbackPort.free()
            try Self.mainCF(directory: directory, localDomain: localDomain).write(to: conf.appendingPathComponent("main.cf"), atomically: true, encoding: .utf8)
            try Self.masterCF(port: port).write(to: conf.appendingPathComponent("master.cf"), atomically: true, encoding: .utf8)
            try transports.map { "\($0.key) \($0.value)" }.sorted().joined(separator: "\n").appending("\n")
                .write(to: conf.appendingPathComponent("transport"), atomically: true, encoding: .utf8)
            try Self.postfix(conf, ["set-permissions"])
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/postfix")
            process.arguments = ["-c", conf.path, "start-fg"]
            fm.createFile(atPath: log.path, contents: nil)
            let output = try FileHandle(forWritingTo: log)
            process.standardOutput = output
            process.standardError = output
            try process.run()
            if LoopbackPort.waitUntilListening(process, on: port, seconds: 10) {
                self.port = port
                self.process = process
                return
            }
            Self.stop(process, conf: conf)
            lastError = ServerStartError(message: "postfix did not listen on 127.0.0.1:\(port): \(Self.tail(log))")
        }
        throw lastError
    }

    deinit {
        Self.stop(process, conf: directory.appendingPathComponent("conf"))
    }

    /// What Postfix logged (`maillog_file`), for a failing test's message.
    public var logText: String { Self.tail(log, lines: 60) }

    private static func stop(_ process: Process, conf: URL) {
        // `postfix stop` asks the master to end its daemons; then SIGKILL in
        // case the master never saw that (a child of the test runner may
        // inherit a blocked SIGTERM). Daemons whose master died exit by themselves.
        try? postfix(conf, ["stop"])
        for _ in 0..<300 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    @discardableResult
    private static func postfix(_ conf: URL, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/postfix")
        process.arguments = ["-c", conf.path] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    private static func tail(_ file: URL, lines: Int = 10) -> String {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    static func mainCF(directory: URL, localDomain: String) -> String {
        """
        compatibility_level = 3.6
        queue_directory = \(directory.path)/queue
        data_directory = \(directory.path)/data
        mail_owner = postfix
        setgid_group = postdrop
        inet_interfaces = 127.0.0.1
        inet_protocols = ipv4
        myhostname = mx.\(localDomain)
        mydomain = \(localDomain)
        myorigin = \(localDomain)
        mydestination = \(localDomain)
        local_recipient_maps =
        alias_maps =
        alias_database =
        recipient_delimiter = +
        transport_maps = texthash:\(directory.path)/conf/transport
        relayhost =
        smtp_host_lookup = native
        disable_dns_lookups = yes
        notify_classes =
        maximal_queue_lifetime = 0
        bounce_queue_lifetime = 0
        smtpd_relay_restrictions = permit_mynetworks, reject
        mynetworks = 127.0.0.0/8
        smtputf8_enable = no
        maillog_file = /dev/stdout
        """
    }

    static func masterCF(port: Int) -> String {
        """
        127.0.0.1:\(port) inet n - n - - smtpd
        pickup    unix  n       -       n       60      1       pickup
        cleanup   unix  n       -       n       -       0       cleanup
        qmgr      unix  n       -       n       300     1       qmgr
        rewrite   unix  -       -       n       -       -       trivial-rewrite
        bounce    unix  -       -       n       -       0       bounce
        defer     unix  -       -       n       -       0       bounce
        trace     unix  -       -       n       -       0       bounce
        verify    unix  -       -       n       -       1       verify
        flush     unix  n       -       n       1000?   0       flush
        proxymap  unix  -       -       n       -       -       proxymap
        smtp      unix  -       -       n       -       -       smtp
        relay     unix  -       -       n       -       -       smtp
        showq     unix  n       -       n       -       -       showq
        error     unix  -       -       n       -       -       error
        retry     unix  -       -       n       -       -       error
        discard   unix  -       -       n       -       -       discard
        local     unix  -       n       n       -       -       local
        lmtp      unix  -       -       n       -       -       lmtp
        anvil     unix  -       -       n       -       1       anvil
        scache    unix  -       -       n       -       1       scache
        postlog   unix-dgram n  -       n       -       1       postlogd

        """
    }
}
