import CCurl
import CCurlShims

/// Sends messages over `connections` reused SMTP connections through
/// libcurl's multi interface.
///
/// Each connection is an easy handle that is given the next envelope as soon
/// as its transfer ends, so an open connection goes straight to MAIL FROM.
/// A transfer that fails before DATA makes libcurl close that connection; the
/// next envelope on that handle opens a new one, and the other connections
/// keep going. Every envelope is tried exactly once per `send`: retrying is
/// the caller's decision, from the outcome.
///
/// Not thread-safe: use an instance from one thread at a time.
public final class SMTPTransport {
    let settings: SMTPSettings
    private let multi = CurlMulti()
    private let connections: [SMTPConnection]
    private let clock = ContinuousClock()
    /// With `maxPerSecond`: the earliest moment the next transfer may start.
    private var nextSlot: ContinuousClock.Instant?
    /// How many SMTP connections this transport has opened so far (for metrics:
    /// with healthy reuse it stays at `connections`).
    public private(set) var connectionsOpened = 0

    /// Checks `settings` (see `SMTPSettings.validate()`) and prepares the connections;
    /// nothing is connected until `send` or `check`.
    public init(settings: SMTPSettings) throws(SMTPConfigError) {
        try settings.validate()
        self.settings = settings
        var connections: [SMTPConnection] = []
        for _ in 0..<settings.connections {
            connections.append(try SMTPConnection(settings: settings))
        }
        self.connections = connections
        // The pool keeps at most one connection per handle. (Only `connections`
        // handles exist, so no more connections are ever open at once.)
        multi.set(CURLMOPT_MAXCONNECTS, settings.connections)
    }

    deinit {
        for connection in connections { multi.remove(connection.easy) }
    }

    /// Sends every envelope; `onResult` is called once per envelope, as each
    /// ends, on the calling thread. Returns when all have ended. Never sends
    /// one envelope twice. An envelope whose addresses cannot be sent safely
    /// (CR, LF, spaces, `<`, `>`) ends `.permanent` without touching the network.
    public func send(_ envelopes: [SMTPEnvelope], onResult: (Int64, SMTPOutcome) -> Void) {
        var next = 0
        var idle = connections.reversed() as [SMTPConnection]
        var active = 0
        let interval = settings.maxPerSecond.map { Duration.seconds(1 / $0) }

        while true {
            // Give each idle connection its next envelope, as the rate limit allows.
            var waitForSlot: Duration?
            while !idle.isEmpty && next < envelopes.count {
                let envelope = envelopes[next]
                if let problem = envelope.addressProblem {
                    next += 1
                    onResult(envelope.tag, .permanent(reply: "", curlCode: 0, hint: problem + "; it was not sent"))
                    continue
                }
                if let interval {
                    let now = clock.now
                    if let slot = nextSlot, now < slot {
                        waitForSlot = slot - now
                        break
                    }
                    // On schedule: the next slot follows this one; after a pause: one interval from now.
                    let base = nextSlot.map { now - $0 < interval ? $0 : now } ?? now
                    nextSlot = base + interval
                }
                let connection = idle.removeLast()
                next += 1
                connection.prepare(envelope)
                let added = multi.add(connection.easy)
                if added == CURLM_OK {
                    active += 1
                } else {
                    connection.finish()
                    idle.append(connection)
                    onResult(envelope.tag, .temporary(reply: "", curlCode: 0,
                                                      hint: "libcurl could not start the transfer (\(String(cString: curl_multi_strerror(added)))); it was not sent and will be retried"))
                }
            }
            if active == 0 {
                guard next < envelopes.count, let waitForSlot else { return }
                multi.poll(milliseconds: Self.milliseconds(waitForSlot))
                continue
            }

            multi.perform()
            var finished = false
            while let (easy, result) = multi.nextDone() {
                guard let connection = connections.first(where: { $0.easy.handle == easy }) else { continue }
                multi.remove(connection.easy)
                let outcome = connection.outcome(result, settings: settings)
                connectionsOpened += connection.easy.infoLong(CURLINFO_NUM_CONNECTS)
                connection.finish()
                active -= 1
                idle.append(connection)
                finished = true
                onResult(connection.tag, outcome)
            }
            if !finished {
                multi.poll(milliseconds: waitForSlot.map { min(1000, Self.milliseconds($0)) } ?? 1000)
            }
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
    }
}
