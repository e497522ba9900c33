import Foundation
import PaperboyCore

/// Benchmarks that print numbers. Run them in release mode:
///
/// - `swift run -c release paperboy-bench select --papers 2000 --subscribers 100000`:
///   selects a digest for M synthetic subscribers against N synthetic papers
///   (`--likes L --dislikes D`: every subscriber likes L papers and marked D
///   "Not for me", half of each from before the window; `--uniform 1`: every
///   word equally often instead of Zipf's law)
///   (words drawn from the bundled demo corpus, real arXiv categories, random
///   upvotes and authors), with a week of sent history per subscriber.
/// - `swift run -c release paperboy-bench import --subscribers 100000`:
///   a subscriber file of that size through parse, validation and import.
/// - `swift run -c release paperboy-bench compose --messages 20000`:
///   fully composed ten-paper digests per second on one thread.
/// - `swift run -c release paperboy-bench mime --subscribers 20000`: composes
///   that many ten-paper digest messages (text + HTML), then DKIM-signs some.
/// - `swift run -c release paperboy-bench tick --subscribers 100000`: the
///   daemon scheduler's idle tick, and the tick that plans N digests (with
///   `--smtp-port P`, and sends them to an SMTP server on 127.0.0.1:P).
/// - `swift run -c release paperboy-bench outbox --rows 3000000`: the outbox
///   counts /healthz reads, counted over N rows and kept by triggers, and a prune.
/// - `swift run -c release paperboy-bench smtp --port P --messages 3000 --size 14336 --connections 4`:
///   sends N messages of S bytes through the SMTP transport to a server on
///   127.0.0.1:P (`scripts/bench-smtp` starts smtp-sink and compares).
@main
struct Benchmark {
    static func main() throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let command = arguments.first, ["select", "import", "compose", "mime", "smtp", "tick", "outbox"].contains(command) else {
            FileHandle.standardError.write(Data("usage: paperboy-bench select [--papers N] [--subscribers M] [--likes L] [--dislikes D] [--uniform 1] [--seed S] [--threads T]\n       paperboy-bench import [--subscribers M] [--seed S]\n       paperboy-bench compose [--messages N] [--seed S]\n       paperboy-bench mime [--subscribers M] [--seed S]\n       paperboy-bench tick [--subscribers M] [--seed S] [--smtp-port P]\n       paperboy-bench outbox [--rows N]\n       paperboy-bench smtp --port P [--messages N] [--size BYTES] [--connections C]\n".utf8))
            exit(64)
        }
        arguments.removeFirst()
        var options: [String: Int] = ["papers": 2000, "subscribers": 100_000, "seed": 42, "threads": ProcessInfo.processInfo.activeProcessorCount, "messages": 20_000,
                                      "port": 0, "size": 14 * 1024, "connections": 4, "rows": 3_000_000, "likes": 0, "dislikes": 0, "uniform": 0]
        var given: Set<String> = []
        while let flag = arguments.first {
            arguments.removeFirst()
            // --smtp-port is tick's name for --port.
            guard flag.hasPrefix("--"), let name = Optional(flag == "--smtp-port" ? "port" : String(flag.dropFirst(2))), options[name] != nil,
                  let value = arguments.first.flatMap(Int.init), value > 0 else {
                FileHandle.standardError.write(Data("paperboy-bench: bad option \(flag); use --papers N, --subscribers M, --likes L, --dislikes D, --seed S, --threads T (smtp: --port P, --messages N, --size BYTES, --connections C) with positive numbers\n".utf8))
                exit(64)
            }
            arguments.removeFirst()
            options[name] = value
            given.insert(name)
        }
        if command == "smtp" {
            guard given.contains("port") else {
                FileHandle.standardError.write(Data("paperboy-bench smtp: give --port P of an SMTP server on 127.0.0.1 (scripts/bench-smtp starts smtp-sink)\n".utf8))
                exit(64)
            }
            try SMTPBenchmark(port: options["port"]!, messageCount: given.contains("messages") ? options["messages"]! : 3000,
                              size: options["size"]!, connections: options["connections"]!).run()
        } else if command == "outbox" {
            try OutboxBenchmark(rowCount: options["rows"]!).run()
        } else if command == "compose" {
            try ComposeBenchmark(messageCount: options["messages"]!, seed: UInt64(options["seed"]!)).run()
        } else if command == "mime" {
            try MIMEBenchmark(messageCount: options["subscribers"]!, seed: UInt64(options["seed"]!)).run()
        } else if command == "tick" {
            try TickBenchmark(subscriberCount: options["subscribers"]!, seed: UInt64(options["seed"]!),
                              smtpPort: given.contains("port") ? options["port"]! : nil).run()
        } else if command == "import" {
            try ImportBenchmark(subscriberCount: options["subscribers"]!, seed: UInt64(options["seed"]!)).run()
        } else {
            try SelectBenchmark(paperCount: options["papers"]!, subscriberCount: options["subscribers"]!,
                                likes: given.contains("likes") ? options["likes"] : nil, dislikes: options["dislikes"]!, uniformWords: given.contains("uniform"),
                                seed: UInt64(options["seed"]!), threads: options["threads"]!).run()
        }
    }
}
