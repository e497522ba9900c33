import Foundation
import PaperboyCore

/// `paperboy-bench select --papers N --subscribers M [--seed S]`
///
/// Selects a digest for M synthetic subscribers against N synthetic papers
/// (words drawn from the bundled demo corpus, real arXiv categories, random
/// upvotes and authors), with a week of sent history per subscriber, and
/// prints subscribers per second and peak memory. Run it in release mode:
/// `swift run -c release paperboy-bench select --papers 2000 --subscribers 100000`.
@main
struct Benchmark {
    static func main() throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.first == "select" else {
            FileHandle.standardError.write(Data("usage: paperboy-bench select [--papers N] [--subscribers M] [--seed S] [--threads T]\n".utf8))
            exit(64)
        }
        arguments.removeFirst()
        var options: [String: Int] = ["papers": 2000, "subscribers": 100_000, "seed": 42, "threads": ProcessInfo.processInfo.activeProcessorCount]
        while let flag = arguments.first {
            arguments.removeFirst()
            guard flag.hasPrefix("--"), let name = Optional(String(flag.dropFirst(2))), options[name] != nil,
                  let value = arguments.first.flatMap(Int.init), value > 0 else {
                FileHandle.standardError.write(Data("paperboy-bench: bad option \(flag); use --papers N, --subscribers M, --seed S, --threads T with positive numbers\n".utf8))
                exit(64)
            }
            arguments.removeFirst()
            options[name] = value
        }
        try SelectBenchmark(paperCount: options["papers"]!, subscriberCount: options["subscribers"]!,
                            seed: UInt64(options["seed"]!), threads: options["threads"]!).run()
    }
}
