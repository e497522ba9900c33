import Foundation
import PaperboyCore
import PaperboyStore

/// `paperboy-bench import --subscribers N`: writes a subscriber file of N
/// entries to a temporary folder, then measures the import in fresh
/// processes, so that the peak RSS is the import's own and not the file
/// generation's:
///
/// 1. this binary again, as a child (`PAPERBOY_BENCH_IMPORT_FILE` set), doing
///    what `paperboy subscriber import` does, phase by phase: read the file,
///    parse and validate, plan and write in one transaction into a new SQLite
///    file; then a second import of the same file (all unchanged) and an
///    export. It prints each phase and its peak RSS (getrusage).
/// 2. the real CLI, `paperboy subscriber import FILE` (the `paperboy` binary
///    next to this one: `swift build -c release` builds both), on a fresh
///    database and then again (all unchanged): wall time, and the peak RSS
///    wait4 reports for that process.
struct ImportBenchmark {
    let subscriberCount: Int
    let seed: UInt64

    static let fileVariable = "PAPERBOY_BENCH_IMPORT_FILE"
    static let databaseVariable = "PAPERBOY_BENCH_IMPORT_DATABASE"

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        if let file = environment[Self.fileVariable], let database = environment[Self.databaseVariable] {
            try Self.importInThisProcess(file: file, database: database)
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("subscribers.yaml").path
        let size = try writeFile(to: file)
        print("subscribers: \(subscriberCount), file: \(size / 1024) KB, seed: \(seed)")

        let me = Self.executablePath()
        print("in a child process (\(URL(fileURLWithPath: me).lastPathComponent) import, phase by phase):")
        let child = try Self.spawn(me, ["import"], environment: [Self.fileVariable: file, Self.databaseVariable: directory.appendingPathComponent("bench.sqlite").path])
        guard child.status == 0 else { throw BenchFailure("the import child exited with \(child.status)") }

        let cli = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("paperboy").path
        guard FileManager.default.isExecutableFile(atPath: cli) else {
            print("the CLI: \(cli) is not built; `swift build -c release` builds it")
            return
        }
        let config = directory.appendingPathComponent("paperboy.yaml").path
        try "database: \(directory.appendingPathComponent("cli.sqlite").path)\nsources: [{name: demo, type: json, url: \"file:///dev/null\"}]\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        print("the CLI (\(cli)):")
        for run in ["fresh database", "again, all unchanged"] {
            let result = try Self.spawn(cli, ["subscriber", "import", file, "--config", config], environment: [:])
            guard result.status == 0 else { throw BenchFailure("paperboy subscriber import exited with \(result.status)") }
            print(String(format: "  paperboy subscriber import (%@): %.2f s, peak RSS %d MB", run, result.seconds, result.maxRSSKB / 1024))
        }
    }

    /// The synthetic file: N entries in the shape `export` writes, with a few dozen distinct queries and schedules.
    private func writeFile(to path: String) throws -> Int {
        var random = SplitMix64(seed: seed)
        let queries = ["'\"knowledge distillation\" OR continual'", "adapter -diffusion", "'title:transformer* AND category:cs.LG'", "'author:\"Geoffrey Hinton\"'"]
        let zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]
        var lines = ["subscribers:"]
        lines.reserveCapacity(subscriberCount * 10)
        for k in 0..<subscriberCount {
            lines.append("  - email: reader\(k)@lab\(k % 997).example.org")
            if k % 3 != 0 { lines.append("    name: Reader \(k)") }
            if k % 5 != 0 { lines.append("    query: \(queries[Int(random.next() % 4)])") }
            lines.append(k % 2 == 0 ? "    categories: [cs.LG, cs.CL]" : "    categories: []")
            lines.append("    authors: []")
            lines.append("    min_upvotes: \(random.next() % 7)")
            lines.append("    max_papers: \(1 + random.next() % 100)")
            lines.append("    schedule: daily \(String(format: "%02d:%02d", Int(random.next() % 24), Int(random.next() % 60))) \(zones[Int(random.next() % 4)])")
            lines.append("    format: both")
            lines.append("    paused: false")
        }
        let text = lines.joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return text.utf8.count
    }

    /// The child: what `subscriber import` does, timed phase by phase.
    private static func importInThisProcess(file: String, database: String) throws {
        let clock = ContinuousClock()
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        let store = try Store(path: database)
        let started = clock.now
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let read = clock.now
        let entries = try bytes.withUnsafeBytes { try SubscriberFile.parse(utf8: $0, file: file) }
        let parsed = clock.now
        let first = try store.importSubscribers(entries, prune: false, at: Date())
        let imported = clock.now
        let firstPeak = SelectBenchmark.peakMemoryMB()
        print(String(format: "  read the file: %.2f s", seconds(read - started)))
        print(String(format: "  parse and validate: %.2f s", seconds(parsed - read)))
        print(String(format: "  plan and write (%d added, one transaction): %.2f s", first.adds.count, seconds(imported - parsed)))
        print(String(format: "  import total: %.2f s, %.0f subscribers/s, peak RSS %d MB", seconds(imported - started),
                     Double(entries.count) / seconds(imported - started), firstPeak))

        let again = clock.now
        let second = try Data(contentsOf: URL(fileURLWithPath: file)).withUnsafeBytes { raw in
            try store.importSubscribers(try SubscriberFile.parse(utf8: raw, file: file), prune: true, at: Date())
        }
        let reimported = clock.now
        let exported = SubscriberFile.render(try store.subscribers().map(\.preferences))
        let done = clock.now
        print(String(format: "  second import, read and parse included (%d unchanged): %.2f s", second.unchanged, seconds(reimported - again)))
        print(String(format: "  export (%d KB): %.2f s", exported.utf8.count / 1024, seconds(done - reimported)))
        print("  peak RSS after all: \(SelectBenchmark.peakMemoryMB()) MB")
    }

    private static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Runs `path` with `arguments` (stdout and stderr shared with this
    /// process) and returns its exit status, wall time and peak RSS (wait4).
    private static func spawn(_ path: String, _ arguments: [String], environment extra: [String: String]) throws -> (status: Int32, seconds: Double, maxRSSKB: Int) {
        let environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        fflush(nil)
        let clock = ContinuousClock()
        let started = clock.now
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, nil, nil, argv, envp)
        guard spawned == 0 else { throw BenchFailure("cannot start \(path): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        guard wait4(pid, &status, 0, &usage) == pid else { throw BenchFailure("wait4 failed for \(path)") }
        let elapsed = started.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (exitStatus, seconds, Int(usage.ru_maxrss))
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
