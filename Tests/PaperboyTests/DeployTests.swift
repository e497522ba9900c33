import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The systemd units in deploy/: hardening score, `systemd-analyze verify`, and what the daemon relies on.
@Suite(.serialized) struct DeployTests {
    static let deploy = TestPaths.testsDirectory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("deploy")
    static let analyze = "/usr/bin/systemd-analyze"
    static let services = ["paperboy.service", "paperboy-send.service", "paperboy-fetch.service"]

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
        let units = Self.services + ["paperboy-send.timer", "paperboy-fetch.timer"]
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

    @Test func installSystemdPutsEverythingWhereTheUnitsLookAndKeepsConfigAndSecret() throws {
        let root = try TestPaths.temporaryDirectory()
        let script = Self.deploy.deletingLastPathComponent().appendingPathComponent("scripts/install-systemd").path
        let first = try runTool(script, ["--binary", TestPaths.paperboyBinary.path, "--destdir", root.path])
        #expect(first.status == 0, "\(first.stderr)")
        func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
        for file in ["usr/local/bin/paperboy", "etc/systemd/system/paperboy.service", "etc/systemd/system/paperboy-send.timer",
                     "usr/lib/sysusers.d/paperboy.conf", "usr/lib/tmpfiles.d/paperboy.conf", "etc/paperboy/paperboy.yaml",
                     "usr/local/share/paperboy/templates/digest.html.mustache", "usr/local/share/doc/paperboy/README.md"] {
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

        // Again (an upgrade): the operator's config and the secret stay.
        try "database: mine.sqlite\n".write(toFile: path("etc/paperboy/paperboy.yaml"), atomically: true, encoding: .utf8)
        let second = try runTool(script, ["--binary", TestPaths.paperboyBinary.path, "--destdir", root.path])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try String(contentsOfFile: path("etc/paperboy/paperboy.yaml"), encoding: .utf8) == "database: mine.sqlite\n")
        #expect(try String(contentsOfFile: path("etc/paperboy/credentials/secret"), encoding: .utf8) == secret)
    }
}
