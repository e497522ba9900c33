import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PaperboyTestSupport
import Testing

/// The systemd units in deploy/: hardening score, `systemd-analyze verify`, and what the daemon relies on.
@Suite(.serialized) struct DeployTests {
    static let deploy = TestPaths.projectRoot.appendingPathComponent("deploy")
    static let analyze = "/usr/bin/systemd-analyze"
    static let services = ["paperboy.service", "paperboy-send.service", "paperboy-fetch.service", "paperboy-bounces.service"]

    func unit(_ name: String) throws -> String {
        try String(contentsOf: Self.deploy.appendingPathComponent(name), encoding: .utf8)
    }

    @Test(arguments: services)
    func theServiceIsRatedTwoOrLower(_ name: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.analyze), "systemd-analyze is missing: install Debian's systemd")
        let result = try runTool(Self.analyze, ["security", "--offline=true", Self.deploy.appendingPathComponent(name).path])
        let line = try #require(result.stdout.split(separator: "\n").first { $0.contains("Overall exposure level for \(name):") }, "\(result.stdout)\(result.stderr)")
        let score = try #require(Double(line.split(separator: ":")[1].split(separator: " ")[0]))
        #expect(score <= 2.0, "\(line)")
    }

    @Test func theUnitsPassVerifyWithTheBinaryInstalledWhereTheyExpectIt() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.analyze), "systemd-analyze is missing: install Debian's systemd")
        let installed = "/usr/local/bin/paperboy"
        var placed = false
        if !FileManager.default.fileExists(atPath: installed) {
            try #require(getuid() == 0, "installing \(installed) for verify needs root (CI runs as root)")
            try FileManager.default.createDirectory(atPath: "/usr/local/bin", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: TestPaths.paperboyBinary.path, toPath: installed)
            placed = true
        }
        defer { if placed { try? FileManager.default.removeItem(atPath: installed) } }
        let units = Self.services + ["paperboy-send.timer", "paperboy-fetch.timer", "paperboy-bounces.timer"]
        let result = try runTool(Self.analyze, ["verify"] + units.map { Self.deploy.appendingPathComponent($0).path })
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func theDaemonUnitHasWhatTheDaemonReliesOn() throws {
        let text = try unit("paperboy.service")
        let lines = Set(text.split(separator: "\n").map(String.init))
        for expected in [
            "Type=notify", "ExecStart=/usr/local/bin/paperboy run --config /etc/paperboy/paperboy.yaml",
            "ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure", "StateDirectory=paperboy", "ConfigurationDirectory=paperboy",
            "LoadCredential=secret:/etc/paperboy/credentials/secret", "LoadCredential=smtp-password:/etc/paperboy/credentials/smtp-password",
            "LoadCredential=bounce-password:/etc/paperboy/credentials/bounce-password",
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "User=paperboy",
        ] {
            #expect(lines.contains(expected), "paperboy.service lacks \(expected)")
        }
        #expect(lines.contains { $0.hasPrefix("WatchdogSec=") })
        // The stop timeout leaves room for shutdown_timeout (30 s by default).
        let stop = try #require(lines.first { $0.hasPrefix("TimeoutStopSec=") })
        #expect(Int(stop.dropFirst("TimeoutStopSec=".count).dropLast()) ?? 0 > 30)
        #expect(try unit("paperboy-send.timer").contains("Unit=paperboy-send.service"))
        #expect(try unit("paperboy.sysusers").hasPrefix("#") && unit("paperboy.sysusers").contains("u paperboy - "))
    }

    /// The value of `key=` in `section` of a unit's text (the last one wins, as in systemd).
    func value(_ key: String, in section: String, of text: String) -> String? {
        var current = ""
        var found: String?
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("[") { current = line; continue }
            if current == "[\(section)]", line.hasPrefix(key + "=") { found = String(line.dropFirst(key.count + 1)) }
        }
        return found
    }

    @Test func theDaemonUnitBoundsItsResourcesAndItsRestarts() throws {
        let text = try unit("paperboy.service")
        // Limits, set (and so overridable with a drop-in) and documented.
        let files = try #require(value("LimitNOFILE", in: "Service", of: text).flatMap { Int($0) }, "paperboy.service lacks LimitNOFILE=")
        #expect(files >= 4096 && files <= 65536, "LimitNOFILE=\(files)")
        let tasks = try #require(value("TasksMax", in: "Service", of: text).flatMap { Int($0) }, "paperboy.service lacks TasksMax=")
        #expect(tasks >= 64 && tasks <= 4096, "TasksMax=\(tasks)")
        let memory = try #require(value("MemoryMax", in: "Service", of: text), "paperboy.service lacks MemoryMax=")
        #expect(memory.hasSuffix("G") || memory.hasSuffix("M"), "MemoryMax=\(memory) is not a size")
        #expect(text.contains("drop-in") && text.contains("systemctl edit paperboy"), "the unit does not say how to override its limits")
        // Link-local and metadata addresses are denied; nothing allowed back
        // (an IPAddressAllow= would take precedence over the deny).
        let deny = try #require(value("IPAddressDeny", in: "Service", of: text), "paperboy.service lacks IPAddressDeny=").split(separator: " ").map(String.init)
        for range in ["169.254.0.0/16", "fe80::/10"] {
            #expect(deny.contains(range), "IPAddressDeny= lacks \(range)")
        }
        #expect(value("IPAddressAllow", in: "Service", of: text) == nil, "IPAddressAllow= would undo IPAddressDeny=")
        // A restart back-off that systemd 252 understands: a pause between
        // restarts, and a start limit (in [Unit]) that ends a crash loop.
        let pause = try #require(value("RestartSec", in: "Service", of: text))
        #expect(Int(pause.dropLast()) ?? 0 >= 5, "RestartSec=\(pause)")
        #expect(value("StartLimitIntervalSec", in: "Unit", of: text) != nil, "paperboy.service lacks StartLimitIntervalSec= in [Unit]")
        let burst = try #require(value("StartLimitBurst", in: "Unit", of: text).flatMap { Int($0) }, "paperboy.service lacks StartLimitBurst= in [Unit]")
        #expect(burst >= 2 && burst <= 10)
    }

    @Test func aFetchRunInWhichEverySourceFailedIsAFailedRun() throws {
        // paperboy fetch exits 69 when every source failed: systemd must count that as a failure.
        let text = try unit("paperboy-fetch.service")
        let success = value("SuccessExitStatus", in: "Service", of: text) ?? ""
        #expect(!success.split(separator: " ").contains("69"), "SuccessExitStatus=\(success) hides a fetch in which every source failed")
        // The send timer's exit 75 (digests deferred, retried by the outbox) stays a success.
        #expect(value("SuccessExitStatus", in: "Service", of: try unit("paperboy-send.service")) == "75")
    }

    @Test func theBounceTimerPollsTheMailboxWithTheSendUnitsHardeningAndTheMailboxPassword() throws {
        let text = try unit("paperboy-bounces.service")
        let lines = Set(text.split(separator: "\n").map(String.init))
        for expected in [
            "Type=oneshot", "ExecStart=/usr/local/bin/paperboy bounce poll --config /etc/paperboy/paperboy.yaml",
            "User=paperboy", "StateDirectory=paperboy", "ConfigurationDirectory=paperboy",
            "LoadCredential=secret:/etc/paperboy/credentials/secret", "LoadCredential=bounce-password:/etc/paperboy/credentials/bounce-password",
        ] {
            #expect(lines.contains(expected), "paperboy-bounces.service lacks \(expected)")
        }
        // 75 (the mailbox down or slow) is retried by the next run; 78 (login, TLS, no bounce.mailbox) stays a failure.
        #expect(value("SuccessExitStatus", in: "Service", of: text) == "75")
        // The hardening block is the send unit's, line for line (comments aside).
        func hardening(_ text: String) -> [String] {
            let body = text.components(separatedBy: "\nNoNewPrivileges=yes\n").dropFirst().first.map { "NoNewPrivileges=yes\n" + $0 } ?? ""
            return body.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
        }
        let send = try unit("paperboy-send.service")
        #expect(hardening(send).count >= 20)
        #expect(hardening(text) == hardening(send))
        // The timer runs it every 5 minutes, and says it is only for a config with bounce.mailbox.
        let timer = try unit("paperboy-bounces.timer")
        #expect(value("Unit", in: "Timer", of: timer) == "paperboy-bounces.service")
        #expect(value("OnCalendar", in: "Timer", of: timer) == "*-*-* *:00/5:00")
        #expect(timer.contains("bounce.mailbox") && text.contains("bounce.mailbox"))
        #expect(value("WantedBy", in: "Install", of: timer) == "timers.target")
    }

    @Test func installSystemdPutsEverythingWhereTheUnitsLookAndKeepsConfigAndSecret() throws {
        let root = try TestPaths.temporaryDirectory()
        let script = Self.deploy.deletingLastPathComponent().appendingPathComponent("scripts/install-systemd").path
        let first = try runTool(script, ["--binary", TestPaths.paperboyBinary.path, "--destdir", root.path])
        #expect(first.status == 0, "\(first.stderr)")
        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
        for file in ["usr/local/bin/paperboy", "etc/systemd/system/paperboy.service", "etc/systemd/system/paperboy-send.timer",
                     "etc/systemd/system/paperboy-bounces.service", "etc/systemd/system/paperboy-bounces.timer",
                     "usr/lib/sysusers.d/paperboy.conf", "usr/lib/tmpfiles.d/paperboy.conf", "etc/paperboy/paperboy.yaml",
                     "usr/local/share/paperboy/templates/digest.html.mustache", "usr/local/share/doc/paperboy/README.md",
                     "usr/local/share/doc/paperboy/ARCHITECTURE.md", "usr/local/share/doc/paperboy/docs/operations.md"] {
            #expect(FileManager.default.fileExists(atPath: path(file)), "\(file) was not installed")
        }
        #expect(FileManager.default.isExecutableFile(atPath: path("usr/local/bin/paperboy")))
        let secret = try String(contentsOfFile: path("etc/paperboy/credentials/secret"), encoding: .utf8)
        #expect(secret.trimmingCharacters(in: .whitespacesAndNewlines).count >= 40)
        let mode = try FileManager.default.attributesOfItem(atPath: path("etc/paperboy/credentials/secret"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // The unit's credential and config paths are the installed ones.
        let unit = try String(contentsOfFile: path("etc/systemd/system/paperboy.service"), encoding: .utf8)
        #expect(unit.contains("LoadCredential=secret:/etc/paperboy/credentials/secret"))
        #expect(FileManager.default.fileExists(atPath: path("etc/paperboy/credentials/smtp-password")))
        // The mailbox password: empty (none) until the operator fills it, root only, as LoadCredential= needs the file.
        let bounce = path("etc/paperboy/credentials/bounce-password")
        #expect(try String(contentsOfFile: bounce, encoding: .utf8) == "")
        #expect(try FileManager.default.attributesOfItem(atPath: bounce)[.posixPermissions] as? Int == 0o600)
        #expect(first.stdout.contains("paperboy-bounces.timer"), "the closing instructions do not name the bounce timer: \(first.stdout)")

        // Again (an upgrade): the operator's config, the secret and the mailbox password stay.
        try "database: mine.sqlite\n".write(toFile: path("etc/paperboy/paperboy.yaml"), atomically: true, encoding: .utf8)
        try "mailbox password\n".write(toFile: bounce, atomically: true, encoding: .utf8)
        let second = try runTool(script, ["--binary", TestPaths.paperboyBinary.path, "--destdir", root.path])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try String(contentsOfFile: path("etc/paperboy/paperboy.yaml"), encoding: .utf8) == "database: mine.sqlite\n")
        #expect(try String(contentsOfFile: path("etc/paperboy/credentials/secret"), encoding: .utf8) == secret)
        #expect(try String(contentsOfFile: bounce, encoding: .utf8) == "mailbox password\n")
    }

    @Test func installSystemdTakesPathsRelativeToWhereItRunsAndBuildsNothingWhenGivenABinary() throws {
        let work = try TestPaths.temporaryDirectory()
        try FileManager.default.copyItem(atPath: TestPaths.paperboyBinary.path, toPath: work.appendingPathComponent("pb").path)
        let script = Self.deploy.deletingLastPathComponent().appendingPathComponent("scripts/install-systemd").path
        // Run from `work`, with relative paths (and the --opt=value form).
        let result = try runTool("/bin/sh", ["-c", "cd \"$1\" && \"$2\" --binary pb --destdir=root", "sh", work.path, script])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let root = work.appendingPathComponent("root")
        #expect(FileManager.default.isExecutableFile(atPath: root.appendingPathComponent("usr/local/bin/paperboy").path), "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: Self.deploy.deletingLastPathComponent().appendingPathComponent("root").path),
                "a relative --destdir wrote into the clone")
        // The messages name where the files went; nothing was built.
        #expect(result.stdout.contains("wrote \(root.path)/etc/paperboy/paperboy.yaml"), "\(result.stdout)")
        #expect(result.stdout.contains("installed under \(root.path)"))
        #expect(!result.stdout.contains("Compiling") && !result.stderr.contains("Compiling") && !result.stdout.contains("Building"), "\(result.stdout)")
        let missing = try runTool("/bin/sh", ["-c", "cd \"$1\" && \"$2\" --binary nothing-here --destdir root2", "sh", work.path, script])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("\(work.path)/nothing-here is not an executable"), "\(missing.stderr)")
    }
}
