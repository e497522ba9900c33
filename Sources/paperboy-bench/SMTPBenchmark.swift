import Curl
import Foundation

/// `paperboy-bench smtp --port P --messages N --size S --connections C`:
/// N messages with S bytes of body each, sent through `SMTPTransport` over C
/// reused connections to an SMTP server on 127.0.0.1:P (plain SMTP, as to a
/// local Postfix). Prints messages per second; `scripts/bench-smtp` compares
/// that with plain C over libcurl and with Postfix's smtp-source.
struct SMTPBenchmark {
    let port: Int
    let messageCount: Int
    let size: Int
    let connections: Int

    func run() throws {
        let settings = SMTPSettings(url: "smtp://127.0.0.1:\(port)", tls: .none, ehloName: "paperboy-bench.localdomain",
                                    connections: connections)
        let transport = try SMTPTransport(settings: settings)
        var line = Array("Paperboy benchmark body line: transfer learning, adapters, distillation.".utf8)
        line += Array(repeating: UInt8(ascii: "x"), count: 76 - line.count) + [13, 10]
        var body: [UInt8] = []
        body.reserveCapacity(size + line.count)
        while body.count < size { body += line }
        body.removeLast(body.count - size)
        if size >= 2 { body[size - 2] = 13; body[size - 1] = 10 }
        let envelopes = (0..<messageCount).map { k in
            let headers = "From: Paperboy <digest@paperboy.test>\r\nTo: reader\(k)@example.org\r\nSubject: Benchmark \(k)\r\n"
                + "Message-ID: <\(k).bench@paperboy.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            return SMTPEnvelope(tag: Int64(k), from: "digest@paperboy.test", to: "reader\(k)@example.org", message: Array(headers.utf8) + body)
        }

        var sent = 0
        var failures: [String: Int] = [:]
        let cpuBefore = Self.cpuSeconds()
        let started = ContinuousClock.now
        transport.send(envelopes) { _, outcome in
            if case .sent = outcome {
                sent += 1
            } else {
                failures["\(outcome)", default: 0] += 1
            }
        }
        let elapsed = ContinuousClock.now - started
        let cpu = Self.cpuSeconds() - cpuBefore
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("paperboy SMTPTransport: \(messageCount) messages, \(size) bytes of body, \(connections) connections to 127.0.0.1:\(port)")
        print(String(format: "sent %d in %.3f s: %.0f messages/s (%d connections opened)", sent, seconds, Double(sent) / seconds,
                     transport.connectionsOpened))
        for (failure, count) in failures.sorted(by: { $0.value > $1.value }).prefix(5) {
            print("  \(count) × \(failure)")
        }
        print(String(format: "CPU (user + system, all threads): %.3f s, %.1f µs per message", cpu, cpu * 1e6 / Double(messageCount)))
        print(String(format: "rate=%.1f", Double(sent) / seconds))
        print(String(format: "cpu_us=%.1f", cpu * 1e6 / Double(messageCount)))
        if sent != messageCount { exit(1) }
    }

    /// User + system CPU time of the whole process so far (every thread).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
