import Curl
import Foundation

/// Paths inside the test tree, found from this file's location.
public enum TestPaths {
    /// This support target's folder (Tests/PaperboyTestSupport).
    public static let supportTarget = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    /// Tests/, holding every test target.
    public static let testsDirectory = supportTarget.deletingLastPathComponent()
    /// The package root (Sources/, Templates/, deploy/, docs/).
    public static let projectRoot = testsDirectory.deletingLastPathComponent()
    /// The Python helper scripts (Debian's python3).
    public static let supportDirectory = supportTarget.appendingPathComponent("Helpers")
    public static let fixtures = supportTarget.appendingPathComponent("Fixtures")

    public static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    /// The python3 that Debian's packages (python3-aiosmtpd) install into.
    public static var python: String {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
    }

    /// The built `paperboy` executable, next to the test bundle.
    public static var paperboyBinary: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("paperboy")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("paperboy")
    }

    /// Where tests keep their files; folders of earlier runs older than an hour are removed.
    public static let temporaryRoot: URL = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-tests")
        let manager = FileManager.default
        let cutoff = WallClock.housekeepingCutoff()
        for entry in (try? manager.contentsOfDirectory(at: root, includingPropertiesForKeys: [.contentModificationDateKey])) ?? [] {
            if let modified = try? entry.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate, modified < cutoff {
                try? manager.removeItem(at: entry)
            }
        }
        return root
    }()

    /// A new empty folder for one test.
    public static func temporaryDirectory() throws -> URL {
        let url = temporaryRoot.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// The Python fixture server (Support/fixture_server.py) on 127.0.0.1,
/// started once for the whole test run.
public final class FixtureServer: Sendable {
    public static let shared: FixtureServer = {
        do { return try FixtureServer() } catch { fatalError("cannot start the fixture server: \(error)") }
    }()

    public let port: Int
    private let helper: PythonHelper

    public init() throws {
        helper = try PythonHelper(script: "fixture_server.py", arguments: [TestPaths.fixtures.path])
        port = helper.port
    }

    public func url(_ path: String) -> String {
        "http://127.0.0.1:\(port)\(path)"
    }

    /// How many requests the server has had for `path`.
    public func requestCount(_ path: String) throws -> Int {
        guard case .fetched(let body, _, _, _) = try HTTPFetcher(options: HTTPFetchOptions()).fetch(url("/count\(path)")) else { return -1 }
        return Int(String(decoding: body, as: UTF8.self)) ?? -1
    }
}

/// A Python helper script from Support/ (Debian's python3) that prints its
/// port as its first line and stops when its standard input closes, so it
/// never outlives the test process.
public final class PythonHelper: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let stdin = Pipe()

    public init(script: String, arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [TestPaths.python, TestPaths.supportDirectory.appendingPathComponent(script).path] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        try process.run()
        guard let port = readPort(from: stdout) else {
            process.terminate()
            throw ServerStartError(message: "\(script) printed no port")
        }
        self.port = port
        self.process = process
    }

    deinit {
        try? stdin.fileHandleForWriting.close()
        process.terminate()
    }
}

public struct ServerStartError: Error {
    public var message: String
    public init(message: String) { self.message = message }
}

/// The port a helper server prints as its first line once it listens, or
/// nil when it printed something else or exited first.
public func readPort(from stdout: Pipe) -> Int? {
    var line = Data()
    while true {
        let byte = stdout.fileHandleForReading.readData(ofLength: 1)
        if byte.isEmpty || byte == Data("\n".utf8) { break }
        line.append(byte)
    }
    return Int(String(decoding: line, as: UTF8.self))
}

/// What running the `paperboy` binary produced.
public struct CommandResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs the built `paperboy` with `arguments`, waiting for it to exit.
public func runPaperboy(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "PAPERBOY_CONFIG")
    // Every command runs at the tests' fixed moment unless a test says otherwise.
    env[TestTime.clockVariable] = TestTime.nowText
    for (key, value) in environment { env[key] = value }
    return try runTool(TestPaths.paperboyBinary.path, arguments, environment: env)
}

/// Runs a program and collects its output; both pipes are read fully before
/// waiting, so a large output cannot block the child.
public func runTool(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path.hasPrefix("/") ? path : "/usr/bin/env")
    process.arguments = path.hasPrefix("/") ? arguments : [path] + arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let errData = LockedData()
    let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errData.isSet { usleep(1000) }
    return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData.value, as: UTF8.self))
}

public final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    public func set(_ value: Data) { lock.lock(); data = value; lock.unlock() }
    public var isSet: Bool { lock.lock(); defer { lock.unlock() }; return data != nil }
    public var value: Data { lock.lock(); defer { lock.unlock() }; return data ?? Data() }
}

/// Writes a config file into a new temporary folder and returns its path.
public func writeConfig(_ yaml: String) throws -> (path: String, directory: URL) {
    let directory = try TestPaths.temporaryDirectory()
    let path = directory.appendingPathComponent("paperboy.yaml").path
    try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    return (path, directory)
}
