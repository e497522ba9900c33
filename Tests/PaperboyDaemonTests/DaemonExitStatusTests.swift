import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
@testable import PaperboyDaemon
import PaperboyPipeline
import PaperboyTestSupport
import Testing

/// `paperboy run` exits with the status its error carries, as the CLI does:
/// the store's "busy" stays temporary (75) from the store to the exit.
@Suite(.serialized) struct DaemonExitStatusTests {
    /// Another process (python3's sqlite3) holding the database's write lock
    /// (`BEGIN EXCLUSIVE`) until this is released or the test process ends.
    final class WriteLockHolder {
        private let process = Process()
        private let stdin = Pipe()

        init(database: String) throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [TestPaths.python, "-c", """
                import sqlite3, sys
                connection = sqlite3.connect(sys.argv[1], isolation_level=None)
                connection.execute("BEGIN EXCLUSIVE")
                print("locked", flush=True)
                sys.stdin.read()
                """, database]
            let stdout = Pipe()
            process.standardOutput = stdout
            process.standardInput = stdin
            try process.run()
            let line = stdout.fileHandleForReading.readData(ofLength: 7)
            guard line == Data("locked\n".utf8) else {
                process.terminate()
                throw ServerStartError(message: "python3 could not take the write lock on \(database)")
            }
        }

        deinit {
            try? stdin.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    @Test func runExits75OnABusyDatabaseAtStartAsTheCLIDoes() async throws {
        let (config, directory) = try writeConfig("""
            database: paperboy.sqlite
            sources: [{name: demo, type: json, url: "file:///dev/null"}]
            from: "Paperboy <digest@lab.example.org>"
            base_url: https://lab.example.org
            http: {listen: "127.0.0.1:\(try LoopbackPort.free())", admin_listen: "127.0.0.1:\(try LoopbackPort.free())"}
            smtp: {url: "smtp://127.0.0.1:9", tls: none}
            """)
        let lock = try WriteLockHolder(database: directory.appendingPathComponent("paperboy.sqlite").path)
        // Each waits out the store's busy timeout (10 s), then gives up; both at once.
        async let daemon = runPaperboy(["run", "--config", config], environment: ["PAPERBOY_SECRET": DaemonHarness.secret])
        async let command = runPaperboy(["subscriber", "list", "--config", config])
        let (run, cli) = try await (daemon, command)
        withExtendedLifetime(lock) {}
        #expect(run.status == 75, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("critical paperboy: cannot start error="), "\(run.stderr)")
        #expect(run.stderr.contains("the database is busy (another process holds its write lock). Try again in a moment"), "\(run.stderr)")
        #expect(cli.status == 75, "stderr: \(cli.stderr)")
        #expect(cli.stderr.contains("the database is busy (another process holds its write lock). Try again in a moment"), "\(cli.stderr)")
    }

    @Test func aBadPaperboyNowIsAUsageErrorForRunAsForEveryCommand() throws {
        let (config, _) = try writeConfig("""
            database: paperboy.sqlite
            sources: [{name: demo, type: json, url: "file:///dev/null"}]
            """)
        let environment = ["PAPERBOY_NOW": "yesterday", "PAPERBOY_SECRET": DaemonHarness.secret]
        let run = try runPaperboy(["run", "--config", config], environment: environment)
        let cli = try runPaperboy(["subscriber", "list", "--config", config], environment: environment)
        #expect(run.status == 64, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("cannot start error=\"PAPERBOY_NOW \\\"yesterday\\\" is not a time"), "\(run.stderr)")
        #expect(cli.status == 64, "stderr: \(cli.stderr)")
    }

    @Test func aSetupErrorIs78AndAListenErrorIs69() throws {
        let setup = try #require(ExitStatus.of(DaemonSetupError(message: "paperboy.yaml: smtp: missing"), at: .start))
        #expect(setup.status == .config)
        #expect(setup.message == "paperboy.yaml: smtp: missing")

        struct Refused: Error, CustomStringConvertible { var description: String { "refused" } }
        let listen = DaemonListenError(key: "http.listen", address: "127.0.0.1:8080", configPath: "/etc/paperboy/paperboy.yaml", cause: Refused())
        #expect(listen.errno == nil, "only an IOError carries an errno")
        let mapped = try #require(ExitStatus.of(listen, at: .work))
        #expect(mapped.status == .unavailable)
        #expect(mapped.message.hasPrefix("http.listen 127.0.0.1:8080: cannot listen: refused; "), "\(mapped.message)")
        #expect(mapped.message.contains("change http.listen in /etc/paperboy/paperboy.yaml"))
    }

    @Test func aTakenPortIsFoundByItsErrnoNotByItsWording() throws {
        let taken = DaemonListenError(key: "http.admin_listen", address: "127.0.0.1:9090", configPath: "paperboy.yaml",
                                      cause: IOError(errnoCode: EADDRINUSE, reason: "some wording"))
        #expect(taken.errno == EADDRINUSE)
        #expect(taken.description == "http.admin_listen 127.0.0.1:9090: cannot listen: address already in use (errno \(EADDRINUSE)); "
            + "another process has the port: change http.admin_listen in paperboy.yaml or stop the other process")
        let foreign = DaemonListenError(key: "http.listen", address: "lab.example.org:8080", configPath: "paperboy.yaml",
                                        cause: IOError(errnoCode: EADDRNOTAVAIL, reason: "bind(descriptor:ptr:bytes:)"))
        #expect(foreign.errno == EADDRNOTAVAIL)
        #expect(foreign.description.hasSuffix("; the address is not this host's: change http.listen in paperboy.yaml"), "\(foreign.description)")
        #expect(ExitStatus.of(taken, at: .work)?.status == .unavailable)
    }
}
