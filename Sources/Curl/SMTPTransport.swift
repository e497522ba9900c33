import CCurl
import CCurlShims
import Foundation

/// Sends messages over `connections` reused SMTP connections.
///
/// Each connection is an easy handle, configured once and kept across
/// messages and across `send` calls, so an open connection goes straight to
/// MAIL FROM. During `send`, each handle runs on its own thread and takes the
/// next envelope as soon as its transfer ends. A transfer that fails before
/// DATA makes libcurl close that connection; the next envelope on that handle
/// opens a new one, and the other connections keep going. Every envelope is
/// tried exactly once per `send`: retrying is the caller's decision, from the
/// outcome.
///
/// Why threads and not libcurl's multi interface: libcurl (7.88, and still
/// in 8.x) waits for the reply to the final dot inside `smtp_done` with a
/// blocking loop, which stalls every other transfer of a multi handle. With a
/// server that takes a second to answer the dot, four connections in one
/// multi handle send one message per second; four threads send four.
/// Measured with `smtp-sink -W .:1` and in `scripts/bench-smtp`.
///
/// Not thread-safe: use an instance from one thread at a time. `send` calls
/// `onResult` on the calling thread.
public final class SMTPTransport {
    let settings: SMTPSettings
    private let connections: [SMTPConnection]
    /// With `maxPerSecond`: when transfers may start, shared by all connections and all sends.
    private let pacer: SMTPPacer?
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
        pacer = settings.maxPerSecond.map { SMTPPacer(perSecond: $0) }
    }

    /// Sends every envelope; `onResult` is called once per envelope, as each
    /// ends, on the calling thread. Returns when all have ended. Never sends
    /// one envelope twice. An envelope whose addresses cannot be sent safely
    /// (CR, LF, spaces, `<`, `>`) ends `.permanent` without touching the network.
    public func send(_ envelopes: [SMTPEnvelope], onResult: (Int64, SMTPOutcome) -> Void) {
        send(envelopes, control: nil) { onResult($0.tag, $0.outcome) }
    }

    /// Like `send(_:onResult:)`, with a `control` that can stop the send
    /// between transfers (a shutdown) or skip single envelopes (a subscriber
    /// who unsubscribed meanwhile); each result carries how long its SMTP
    /// transaction took. Returns the tags of the envelopes that were not
    /// started, because of the control: they were not sent.
    @discardableResult
    public func send(_ envelopes: [SMTPEnvelope], control: SMTPSendControl?, onResult: (SMTPResult) -> Void) -> [Int64] {
        send(envelopes, control: control, onResults: { results in results.forEach(onResult) })
    }

    /// Like `send(_:control:onResult:)`, handing over the results that ended
    /// together as one group (about one per connection), so the caller can
    /// record them in one transaction. A connection starts its next message
    /// at once, but holds that message's final dot until `onResults` has
    /// returned for every earlier result of the connection; a message held
    /// longer than `commandTimeout`, or when `control` says stop meanwhile,
    /// is aborted before its dot (the server keeps nothing) and returned as
    /// not started.
    @discardableResult
    public func send(_ envelopes: [SMTPEnvelope], control: SMTPSendControl?, onResults: ([SMTPResult]) -> Void) -> [Int64] {
        var sendable: [Int] = []
        sendable.reserveCapacity(envelopes.count)
        var refused: [SMTPResult] = []
        for (index, envelope) in envelopes.enumerated() {
            if let problem = envelope.addressProblem {
                refused.append(SMTPResult(tag: envelope.tag, outcome: .permanent(reply: "", curlCode: 0, hint: problem + "; it was not sent"),
                                          connectionsOpened: 0, duration: .zero))
            } else {
                sendable.append(index)
            }
        }
        if !refused.isEmpty { onResults(refused) }
        guard !sendable.isEmpty else { return [] }

        let workerCount = min(connections.count, sendable.count)
        let batch = SMTPBatch(envelopes: envelopes, order: sendable, pacer: pacer, control: control, workers: workerCount)
        for (index, connection) in connections.prefix(workerCount).enumerated() {
            let worker = SMTPWorker(connection: connection, batch: batch, gate: batch.gates[index], settings: settings)
            let thread = Thread { worker.run() }
            thread.name = "paperboy-smtp"
            thread.start()
        }
        while let results = batch.waitForResults(workers: workerCount) {
            for result in results { connectionsOpened += result.connectionsOpened }
            onResults(results)
            // Only now may those connections complete their next message: a
            // message's final dot never goes out while the outcome of the one
            // before it on its connection is unrecorded, so a crash can leave at
            // most one sent-but-unrecorded message per connection (the delivery
            // guarantee in ARCHITECTURE.md).
            batch.acknowledge(results.count)
        }
        // No thread touches a connection once `send` returns.
        return batch.notStarted
    }
}

/// Lets the caller of `SMTPTransport.send` stop a send between transfers or
/// skip envelopes; asked under the send's lock before each transfer starts,
/// from the connections' threads, so both must be quick and thread-safe.
public struct SMTPSendControl: Sendable {
    /// True once no further transfer may start (transfers under way finish).
    public var shouldStop: @Sendable () -> Bool
    /// True for an envelope that must not be sent any more.
    public var shouldSkip: @Sendable (Int64) -> Bool

    public init(shouldStop: @escaping @Sendable () -> Bool, shouldSkip: @escaping @Sendable (Int64) -> Bool = { _ in false }) {
        self.shouldStop = shouldStop
        self.shouldSkip = shouldSkip
    }
}

/// What one transfer produced, handed from a worker to the calling thread.
public struct SMTPResult: Sendable {
    /// The envelope's tag.
    public var tag: Int64
    public var outcome: SMTPOutcome
    /// Connections this transfer opened (0 when it reused one).
    public var connectionsOpened: Int
    /// From the start of the transfer to the server's last reply.
    public var duration: Duration
}

/// The envelopes of one `send`, shared by its worker threads: the next one to
/// take, the results not yet delivered, the workers that finished. Every
/// mutable field is guarded by `condition`.
final class SMTPBatch: @unchecked Sendable {
    private let envelopes: [SMTPEnvelope]
    private let order: [Int]
    private let pacer: SMTPPacer?
    private let control: SMTPSendControl?
    private let condition = NSCondition()
    private var next = 0
    /// Envelopes not started because of `control`; read after the workers finished.
    private(set) var notStarted: [Int64] = []
    private var results: [SMTPResult] = []
    /// Results handed in, and results the caller has handled (`onResult` returned).
    private var handedIn = 0
    private var acknowledged = 0
    private var finishedWorkers = 0

    /// One per worker: where it waits for its results to be recorded.
    let gates: [RecordGate]

    init(envelopes: [SMTPEnvelope], order: [Int], pacer: SMTPPacer?, control: SMTPSendControl?, workers: Int) {
        self.envelopes = envelopes
        self.order = order
        self.pacer = pacer
        self.control = control
        gates = (0..<workers).map { _ in RecordGate() }
    }

    /// Hands in the result of the worker's last transfer, if any, and takes
    /// the next envelope, with the moment it may start and the ticket of the
    /// worker's results so far (see `waitUntilRecorded`); nil when none is
    /// left. The worker does not wait here for its result to be recorded: it
    /// starts the next transfer at once and waits only before that
    /// transfer's final dot. (One lock for both: fewer futex calls.)
    func finish(_ result: SMTPResult?, ticket: Int) -> (envelope: SMTPEnvelope, slot: ContinuousClock.Instant?, ticket: Int)? {
        condition.lock()
        defer { condition.unlock() }
        var ticket = ticket
        if let result {
            results.append(result)
            handedIn += 1
            ticket = handedIn
            // Only the caller's thread waits on this condition.
            condition.signal()
        }
        while next < order.count {
            let envelope = envelopes[order[next]]
            if let control, control.shouldStop() {
                // A stop: hand back everything not started.
                notStarted += order[next...].map { envelopes[$0].tag }
                next = order.count
                return nil
            }
            next += 1
            if let control, control.shouldSkip(envelope.tag) {
                notStarted.append(envelope.tag)
                continue
            }
            return (envelope, pacer?.reserveSlot(), ticket)
        }
        return nil
    }

    /// Blocks (on the worker's `gate`) until the caller has recorded every
    /// result handed in up to `ticket` (results are recorded in the order
    /// handed in); then true, unless the control says stop (a shutdown, or
    /// an outcome that could not be recorded). False also when that takes
    /// longer than `limit`.
    func waitUntilRecorded(_ ticket: Int, on gate: RecordGate, limit: Duration) -> Bool {
        guard gate.wait(for: ticket, limit: limit) else { return false }
        if let control, control.shouldStop() { return false }
        return true
    }

    /// Counts `tag` as not started: its transfer was aborted before the final dot.
    func heldBack(_ tag: Int64) {
        condition.lock()
        notStarted.append(tag)
        condition.unlock()
    }

    /// True when the control says stop, or to skip `envelope`.
    func shouldGiveBack(_ envelope: SMTPEnvelope) -> Bool {
        guard let control else { return false }
        return control.shouldStop() || control.shouldSkip(envelope.tag)
    }

    /// True (and `envelope` counted as not started) when the control says
    /// stop, or to skip it; for an envelope taken but not yet started.
    func handBackIfStoppedOrSkipped(_ envelope: SMTPEnvelope) -> Bool {
        guard shouldGiveBack(envelope) else { return false }
        condition.lock()
        notStarted.append(envelope.tag)
        condition.unlock()
        return true
    }

    /// The caller has handled `count` more results, in the order handed in.
    func acknowledge(_ count: Int) {
        condition.lock()
        acknowledged += count
        let recorded = acknowledged
        condition.unlock()
        for gate in gates { gate.open(upTo: recorded) }
    }

    func workerFinished() {
        condition.lock()
        finishedWorkers += 1
        condition.signal()
        condition.unlock()
    }

    /// Blocks until at least one result is in, and takes all that are; nil
    /// once all `workers` have finished and every result was taken.
    func waitForResults(workers: Int) -> [SMTPResult]? {
        condition.lock()
        defer { condition.unlock() }
        while results.isEmpty && finishedWorkers < workers { condition.wait() }
        if results.isEmpty { return nil }
        let taken = results
        results.removeAll(keepingCapacity: true)
        return taken
    }
}

/// One connection's loop during a `send`: take an envelope, wait for its slot,
/// send it, hand back the outcome. The connection is used by this worker's
/// thread only, from `run()` until `send` has seen the worker finish.
final class SMTPWorker: @unchecked Sendable {
    private let connection: SMTPConnection
    private let batch: SMTPBatch
    private let gate: RecordGate
    private let settings: SMTPSettings

    init(connection: SMTPConnection, batch: SMTPBatch, gate: RecordGate, settings: SMTPSettings) {
        self.connection = connection
        self.batch = batch
        self.gate = gate
        self.settings = settings
    }

    func run() {
        let clock = ContinuousClock()
        var result: SMTPResult?
        var ticket = 0
        while let (envelope, slot, handedIn) = batch.finish(result, ticket: ticket) {
            ticket = handedIn
            result = nil
            if let slot, slot > clock.now {
                // Wait for the rate limit's slot in short naps, so that a stop or
                // an unsubscribe that comes meanwhile is seen before the transfer.
                while case let wait = slot - clock.now, wait > .zero, !batch.shouldGiveBack(envelope) {
                    let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
                    Thread.sleep(forTimeInterval: min(seconds, 0.05))
                }
                if batch.handBackIfStoppedOrSkipped(envelope) { continue }
            }
            // The delivery guarantee: this message's final dot goes out only once
            // the outcomes of this connection's earlier messages are recorded, so a
            // crash leaves at most one sent-but-unrecorded message per connection.
            // Until the dot the server keeps nothing, so the transfer itself
            // (MAIL FROM, RCPT TO, DATA, the body) overlaps the recording.
            let message: [UInt8]
            switch envelope.body {
            case .bytes(let bytes):
                message = bytes
            case .load(let load):
                do {
                    message = try load()
                } catch {
                    result = SMTPResult(tag: envelope.tag, outcome: .temporary(reply: "", curlCode: 0, hint: "the message could not be read to be sent: \(error)"),
                                        connectionsOpened: 0, duration: .zero)
                    continue
                }
            }
            var held = Duration.zero
            let limit = settings.commandTimeout
            let mustWait = ticket
            connection.prepare(envelope, message: message, beforeFinalDot: { [batch, gate] in
                let start = clock.now
                defer { held = clock.now - start }
                return batch.waitUntilRecorded(mustWait, on: gate, limit: .seconds(limit))
            })
            let started = clock.now
            let code = connection.easy.perform()
            let duration = clock.now - started - held
            if connection.heldBack {
                // Aborted before the final dot: not delivered, handed back.
                connection.finish()
                batch.heldBack(envelope.tag)
                continue
            }
            let outcome = connection.outcome(code, settings: settings)
            let opened = connection.easy.infoLong(CURLINFO_NUM_CONNECTS)
            connection.finish()
            result = SMTPResult(tag: envelope.tag, outcome: outcome, connectionsOpened: opened, duration: duration)
        }
        batch.workerFinished()
    }
}

/// Where one worker waits until its results are recorded: a condition of
/// its own, so that recording wakes only the workers it lets go on, not
/// every thread of the send.
final class RecordGate: @unchecked Sendable {
    private let condition = NSCondition()
    /// How many results (of all workers, in the order handed in) are recorded; guarded by `condition`.
    private var recorded = 0
    private var waiting = false

    /// Blocks until `ticket` results are recorded; false after `limit`.
    func wait(for ticket: Int, limit: Duration) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard recorded < ticket else { return true }
        let deadline = Date(timeIntervalSinceNow: Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18)
        waiting = true
        defer { waiting = false }
        while recorded < ticket {
            if !condition.wait(until: deadline) && recorded < ticket { return false }
        }
        return true
    }

    /// `count` results are recorded now; wakes the worker if it waits.
    func open(upTo count: Int) {
        condition.lock()
        recorded = count
        if waiting { condition.signal() }
        condition.unlock()
    }
}

/// Spaces transfer starts `1 / perSecond` apart across all connections, and
/// across `send` calls. Used under `SMTPBatch`'s lock.
final class SMTPPacer: @unchecked Sendable {
    private let interval: Duration
    private let clock = ContinuousClock()
    /// The earliest moment the next transfer may start.
    private var nextSlot: ContinuousClock.Instant?

    init(perSecond: Double) {
        interval = .seconds(1 / perSecond)
    }

    /// The moment the caller's transfer may start, at or after now.
    func reserveSlot() -> ContinuousClock.Instant {
        let now = clock.now
        // On schedule (a slot ahead, or less than one interval late): the next
        // slot, so that starts do not drift. After a pause: now, with no burst.
        var slot = now
        if let next = nextSlot, now - next < interval { slot = next }
        nextSlot = slot + interval
        return slot
    }
}
