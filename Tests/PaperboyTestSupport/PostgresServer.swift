import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL server of its own (Debian's `postgresql`, the highest
/// version under /usr/lib/postgresql/*/bin): its own cluster (`initdb`,
/// superuser `paperboy`, trust authentication, UTF8, no fsync), data
/// directory, unix socket directory and log in a temporary folder, listening
/// only on 127.0.0.1 on a free port. A system cluster the package may have
/// started (on 5432) does not matter.
///
/// `shared()` is one server for the whole test process, started on first
/// use; tests take a fresh empty database each with `createDatabase()`.
/// `init()` is a server of one's own (to stop or kill it, say).
///
/// PostgreSQL refuses to run as root: as root, `initdb` and `postgres` run as
/// the `postgres` system user (the data and socket folders are given to it).
///
/// How it stops:
/// - `stop()` (also in deinit; idempotent): SIGQUIT to the postmaster (an
///   immediate shutdown), SIGKILL after 5 s, then the temporary folder goes.
/// - The shared server: an `atexit` handler calls `stop()` when the test
///   process exits, passed or failed.
/// - A test process that crashes or is SIGKILLed: postgres runs under a
///   python3 wrapper (which also unblocks the signals the test runner's
///   children inherit blocked) that forks, execs postgres in the child and
///   watches in the parent: when the test process is gone (its parent pid
///   changes) it SIGQUITs postgres (SIGKILL after 5 s) and removes the
///   temporary folder. The wrapper forwards SIGTERM, SIGINT and SIGQUIT to
///   postgres and exits when postgres does.
public final class PostgresServer: Sendable {
    /// The `bin` folder of the highest PostgreSQL version installed, or nil.
    public static let binDirectory: String? = {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { name in Int(name).map { (version: $0, name: name) } }
            .filter { FileManager.default.isExecutableFile(atPath: "\(root)/\($0.name)/bin/postgres") }
            .sorted { $0.version < $1.version }
        return versions.last.map { "\(root)/\($0.name)/bin" }
    }()

    public static var isInstalled: Bool {
        guard let bin = binDirectory else { return false }
        return ["initdb", "postgres", "psql"].allSatisfy { FileManager.default.isExecutableFile(atPath: "\(bin)/\($0)") }
    }

    /// Why the server cannot run here (for a test's failure message), or nil.
    public static var missing: String? {
        if !isInstalled { return "PostgreSQL is not installed: apt-get install postgresql (scripts/debian-packages.txt)" }
        if getuid() == 0 && getpwnam("postgres") == nil { return "running as root but there is no postgres system user: install postgresql" }
        return nil
    }

    public let host = "127.0.0.1"
    public let user = "paperboy"
    public let port: Int
    /// The temporary folder holding `data`, `socket` and `postgres.log`.
    public let directory: URL
    public let dataDirectory: URL
    public let socketDirectory: URL
    public let logFile: URL
    /// The postmaster's pid.
    public let pid: pid_t
    private let bin: String
    private let process: Mutex<Process?>
    private let databaseCount = Atomic<Int>(0)

    /// Starts a new server (initdb and postgres take about a second).
    public init() throws {
        if let missing = Self.missing { throw ServerStartError(message: missing) }
        let bin = Self.binDirectory!
        self.bin = bin
        directory = try TestPaths.temporaryDirectory()
        dataDirectory = directory.appendingPathComponent("data")
        socketDirectory = directory.appendingPathComponent("socket")
        logFile = directory.appendingPathComponent("postgres.log")
        do {
            let manager = FileManager.default
            for folder in [dataDirectory, socketDirectory] {
                try manager.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            try Data().write(to: logFile)
            let runAs: String? = getuid() == 0 ? "postgres" : nil
            if getuid() == 0 {
                guard let owner = getpwnam("postgres") else { throw ServerStartError(message: "no postgres user") }
                for folder in [dataDirectory, socketDirectory] { chown(folder.path, owner.pointee.pw_uid, owner.pointee.pw_gid) }
            }
            let locale = FileManager.default.fileExists(atPath: "/usr/lib/locale/C.utf8") ? "C.UTF-8" : "C"
            let initdb = try Self.run(
                TestPaths.python,
                ["-c", Self.wrapper, "exec", String(getpid()), "", runAs ?? "", "\(bin)/initdb",
                 "-D", dataDirectory.path, "-U", user, "-A", "trust", "--encoding=UTF8", "--locale=\(locale)", "-N"],
                environment: Self.environment(server: true), in: directory)
            guard initdb.status == 0 else {
                throw ServerStartError(message: "initdb failed (\(initdb.status)): \(initdb.output.suffix(1000)) \(initdb.errors.suffix(2000))")
            }

            var lastError = ServerStartError(message: "postgres did not start")
            for _ in 0..<3 {
                let port = try LoopbackPort.free()
                let process = Process()
                process.executableURL = URL(fileURLWithPath: TestPaths.python)
                process.arguments = ["-c", Self.wrapper, "watch", String(getpid()), directory.path, runAs ?? "", "\(bin)/postgres",
                                     "-D", dataDirectory.path, "-h", "127.0.0.1", "-p", String(port), "-k", socketDirectory.path,
                                     "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off",
                                     "-c", "max_connections=200", "-c", "shared_buffers=32MB", "-c", "logging_collector=off"]
                process.environment = Self.environment(server: true)
                process.currentDirectoryURL = directory
                process.standardInput = FileHandle.nullDevice
                process.standardOutput = FileHandle.nullDevice
                let log = try FileHandle(forWritingTo: logFile)
                log.seekToEndOfFile()
                process.standardError = log
                try process.run()
                try? log.close()
                if let pid = Self.waitUntilReady(port: port, process: process, dataDirectory: dataDirectory) {
                    self.port = port
                    self.pid = pid
                    self.process = Mutex(process)
                    return
                }
                Self.stop(process, postmaster: Self.postmasterPid(dataDirectory))
                let tail = ((try? String(contentsOf: logFile, encoding: .utf8)) ?? "").suffix(2000)
                lastError = ServerStartError(message: "postgres did not accept connections on 127.0.0.1:\(port) within 30 s; log: \(tail)")
                // A port taken in the meantime: try another (the log says "could not bind").
                guard tail.contains("could not bind") || tail.contains("could not create") else { break }
            }
            throw lastError
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    deinit {
        stop()
    }

    // MARK: The shared server

    private static let sharedServer = Mutex<Result<PostgresServer, ServerStartError>?>(nil)

    /// One server for the whole test process, started on first use
    /// (thread-safe; a failure to start is kept and thrown to every caller)
    /// and stopped when the process exits (see the type's comment).
    public static func shared() throws -> PostgresServer {
        try sharedServer.withLock { state in
            if let state { return state }
            let result: Result<PostgresServer, ServerStartError>
            do {
                result = .success(try PostgresServer())
                atexit { PostgresServer.stopShared() }
            } catch let error as ServerStartError {
                result = .failure(error)
            } catch {
                result = .failure(ServerStartError(message: "\(error)"))
            }
            state = result
            return result
        }.get()
    }

    private static func stopShared() {
        let server = sharedServer.withLock { state -> PostgresServer? in
            guard case .success(let server) = state else { return nil }
            return server
        }
        server?.stop()
    }

    // MARK: Databases and SQL

    /// A new, empty database (`pb_N`) and its URL, `postgresql://paperboy@127.0.0.1:PORT/pb_N`.
    public func createDatabase() throws -> String {
        let name = "pb_\(databaseCount.add(1, ordering: .relaxed).newValue)"
        _ = try psql("CREATE DATABASE \(name)", database: "postgres")
        return url(database: name)
    }

    public func url(database: String) -> String {
        // No TLS: the server is on loopback, where the store allows sslmode=disable.
        "postgresql://\(user)@\(host):\(port)/\(database)?sslmode=disable"
    }

    /// Runs `sql` with psql over TCP (`-X -A -t -v ON_ERROR_STOP=1`) and
    /// returns its stdout; throws with psql's stderr when it fails.
    /// `database` is a name or a URL from `createDatabase()`.
    @discardableResult
    public func psql(_ sql: String, database: String) throws -> String {
        let name = database.hasPrefix("postgresql://")
            ? String(database.split(separator: "/").last?.split(separator: "?").first ?? "") : database
        let result = try Self.run(
            psqlBinary,
            ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", String(port), "-U", user, "-d", name, "-c", sql],
            environment: Self.environment(server: false))
        guard result.status == 0 else {
            throw ServerStartError(message: "psql failed (\(result.status)) on \(name): \(result.errors)")
        }
        return result.output
    }

    /// Whether the postmaster is still alive.
    public var isRunning: Bool { kill(pid, 0) == 0 && process.withLock { $0?.isRunning ?? false } }

    /// The server's log so far (for a failing test's message).
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Stops the server (SIGQUIT, SIGKILL after 5 s) and removes its folder. Idempotent.
    public func stop() {
        guard let process = process.withLock({ value -> Process? in defer { value = nil }; return value }) else { return }
        Self.stop(process, postmaster: pid)
        try? FileManager.default.removeItem(at: directory)
    }

    private var psqlBinary: String {
        FileManager.default.isExecutableFile(atPath: "\(bin)/psql") ? "\(bin)/psql" : "/usr/bin/psql"
    }

    // MARK: Processes

    /// python3 -c WRAPPER MODE RUNNER_PID CLEANUP_DIR USER PROGRAM ARGS...
    /// Unblocks every signal, drops to USER (if not empty) and execs PROGRAM
    /// ("exec"), or ("watch") forks: the child does that, the parent forwards
    /// SIGTERM/SIGINT/SIGQUIT to it, and when RUNNER_PID is no longer its
    /// parent, SIGQUITs it (SIGKILL after 5 s) and removes CLEANUP_DIR;
    /// it touches CLEANUP_DIR every minute, so that another test process's
    /// housekeeping (`TestPaths.temporaryRoot` removes folders older than an
    /// hour) leaves a long run's server alone.
    /// Exits with the child's status.
    static let wrapper = """
    import os, signal, sys, time, shutil
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    mode, runner, cleanup, user, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
    def become():
        if user:
            import pwd
            entry = pwd.getpwnam(user)
            os.setgroups([])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
            os.environ.update(HOME=entry.pw_dir, USER=user, LOGNAME=user)
    if mode == 'exec':
        become()
        os.execv(argv[0], argv)
    child = os.fork()
    if child == 0:
        try:
            become()
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    def forward(number, frame):
        try:
            os.kill(child, number)
        except ProcessLookupError:
            pass
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        signal.signal(number, forward)
    orphaned, touched = None, time.monotonic()
    while True:
        pid, status = os.waitpid(child, os.WNOHANG)
        if pid == child:
            break
        if orphaned is None and os.getppid() != runner:
            orphaned = time.monotonic()
            forward(signal.SIGQUIT, None)
        elif orphaned is not None and time.monotonic() - orphaned > 5:
            forward(signal.SIGKILL, None)
        if cleanup and time.monotonic() - touched > 60:
            touched = time.monotonic()
            try:
                os.utime(cleanup)
            except OSError:
                pass
        time.sleep(0.05)
    if orphaned is not None and cleanup:
        shutil.rmtree(cleanup, ignore_errors=True)
    sys.exit(os.waitstatus_to_exitcode(status) % 256)
    """

    /// The environment without PG* variables (no stray PGHOST, PGPASSWORD, PGDATA).
    private static func environment(server: Bool) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        environment["PGCONNECT_TIMEOUT"] = "10"
        if server { environment["LC_ALL"] = "C" }
        return environment
    }

    /// The postmaster's pid, first line of postmaster.pid, once its status line says "ready"
    /// and 127.0.0.1:port accepts connections; nil when it exits or 30 s pass.
    private static func waitUntilReady(port: Int, process: Process, dataDirectory: URL) -> pid_t? {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while clock.now < deadline && process.isRunning {
            if let text = try? String(contentsOf: dataDirectory.appendingPathComponent("postmaster.pid"), encoding: .utf8) {
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                if lines.count > 7, lines[7] == "ready", let pid = pid_t(lines[0]), LoopbackPort.accepts(port) { return pid }
            }
            usleep(20_000)
        }
        return nil
    }

    private static func postmasterPid(_ dataDirectory: URL) -> pid_t? {
        (try? String(contentsOf: dataDirectory.appendingPathComponent("postmaster.pid"), encoding: .utf8))
            .flatMap { $0.split(separator: "\n").first }
            .flatMap { pid_t($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// SIGQUIT through the wrapper (an immediate shutdown of postgres, whose
    /// exit ends the wrapper), up to 5 s, then SIGKILL to postmaster and wrapper.
    private static func stop(_ process: Process, postmaster: pid_t?) {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        if process.isRunning { kill(process.processIdentifier, SIGQUIT) }
        if let postmaster { kill(postmaster, SIGQUIT) }
        func alive() -> Bool { process.isRunning || (postmaster.map { kill($0, 0) == 0 } ?? false) }
        while alive() && clock.now < deadline { usleep(10_000) }
        if alive() {
            if let postmaster { kill(postmaster, SIGKILL) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        // The wrapper reaps postgres before it exits: the pid is gone (or another process's) now.
    }

    /// Runs a helper with files for stdin, stdout and stderr (no pipes:
    /// FileHandle's blocking reads trap on EINTR in a busy test process).
    private static func run(_ executable: String, _ arguments: [String], environment: [String: String], in folder: URL? = nil) throws -> (status: Int32, output: String, errors: String) {
        let files = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: files) }
        let (outURL, errURL) = (files.appendingPathComponent("out"), files.appendingPathComponent("err"))
        for url in [outURL, errURL] { try Data().write(to: url) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        if let folder { process.currentDirectoryURL = folder }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        process.waitUntilExit()
        let output = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return (process.terminationStatus, output, errors)
    }
}
