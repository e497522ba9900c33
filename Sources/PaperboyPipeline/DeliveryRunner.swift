import Curl
import Foundation
import Logging
import PaperboyCore
import PaperboyStore
import Synchronization

/// Counts of one delivery run.
public struct DeliveryCounts: Sendable, Equatable {
    public var sent = 0
    public var deferred = 0
    public var failed = 0
    public init() {}
}

/// How the daemon steers a delivery run: stop between transfers (a
/// shutdown), skip the rows of subscribers who unsubscribed meanwhile, and
/// see each outcome (metrics).
public struct DeliveryHooks: Sendable {
    /// True once no new SMTP transaction may start; those under way finish.
    public var shouldStop: @Sendable () -> Bool
    /// True for a claimed row that must not go out: (subscriber id, when the
    /// row was planned). Such rows are cancelled, not sent.
    public var skipRow: @Sendable (Int64, Date) -> Bool
    /// Called on the run's thread with each recorded outcome and its SMTP transaction time.
    public var onOutcome: @Sendable (OutboxState, Duration) -> Void

    public init(shouldStop: @escaping @Sendable () -> Bool = { false },
                skipRow: @escaping @Sendable (Int64, Date) -> Bool = { _, _ in false },
                onOutcome: @escaping @Sendable (OutboxState, Duration) -> Void = { _, _ in }) {
        self.shouldStop = shouldStop
        self.skipRow = skipRow
        self.onOutcome = onOutcome
    }
}

/// Sends the outbox: claims due rows in batches, sends them through the SMTP
/// transport, and records each outcome as it comes.
///
/// Rows are claimed with a lease under this process's name (`host:pid`);
/// a row whose claimer died (same host, no such process) or whose lease ran
/// out is taken back by the next run, so a `kill -9` loses nothing, and at
/// most the messages in flight then (one per connection) can go out twice.
public final class DeliveryRunner {
    public let store: Store
    public let smtp: SMTPConfig
    public let transport: SMTPTransport
    public let claimer: String
    /// The signed envelope sender per row (`bounce.address`); nil: each row's own sender (the From address).
    public var returnPath: ReturnPath?
    let logger: Logger
    let now: () -> Date
    /// Outbox rows whose outcome is waiting to be recorded (the database is busy).
    let unrecorded = Mutex<Set<Int64>>([])
    /// The pause before the first retry of a busy write; it doubles up to `recordRetryMax`.
    var recordRetryInitial = 0.25
    var recordRetryMax = 8.0

    /// `fromDomain` names this host in EHLO when `smtp.ehlo_name` is not set.
    public init(store: Store, smtp: SMTPConfig, password: String?, fromDomain: String?, logger: Logger, now: @escaping () -> Date) throws {
        self.store = store
        self.smtp = smtp
        self.logger = logger
        self.now = now
        let settings = SMTPSettings(smtp, password: password, ehloName: fromDomain)
        do {
            transport = try SMTPTransport(settings: settings)
        } catch {
            throw MailSetupError(message: "smtp: \(error)")
        }
        claimer = Self.processName()
    }

    /// Sends every due row; `progress` sees (0, total) once before the first
    /// message starts, then (done, total) after each message, where total is
    /// the rows this run takes on (claimed plus still due after the first
    /// claim, plus what `feed` still expects). With `hooks.shouldStop`, returns after the transactions under
    /// way and hands every claimed row not started back to the outbox.
    ///
    /// With a `feed` (a planner writing rows alongside), an empty outbox does
    /// not end the run while planning goes on: the run waits for the next
    /// rows written, so the first digests go out while later ones are still
    /// being composed.
    public func run(hooks: DeliveryHooks = DeliveryHooks(), feed: PlanningFeed? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> DeliveryCounts {
        var counts = DeliveryCounts()
        let policy = DeliveryPolicy(giveUpAfter: smtp.giveUpAfter, pauseAfterFailures: smtp.pauseAfterFailures)
        let batchSize = max(64, smtp.connections * 32)
        var done = 0
        var seen = Set<Int64>()
        var total: Int?
        while !hooks.shouldStop() {
            // Read before the claim: rows written after it wake the wait below.
            let fed = feed?.progress
            let time = now()
            // SQLite (one host): the lease outlives one batch with every message
            // timing out, plus margin. A shared store: a short lease the heartbeat
            // renews while the batch is sent, so a dead host's rows come back soon.
            let shared = store.dialect == .postgresql
            let lease = time.addingTimeInterval(shared ? Self.sharedLease : smtp.timeout * Double(batchSize / max(1, smtp.connections) + 2) + 60)
            // Claimed without their bodies: each connection reads its message
            // right before sending it, beside the other transfers, so the claim
            // that every connection waits for stays short.
            let batch = try store.claimDue(limit: batchSize, claimer: claimer, at: time, leaseUntil: lease, bodies: false, isDead: Self.isDead)
            let claimed = batch.filter { seen.insert($0.id).inserted }
            if claimed.count < batch.count {
                // Tried once in this run already (deferred with a short retry): the next run's.
                let fresh = Set(claimed.map(\.id))
                try store.release(ids: batch.map(\.id).filter { !fresh.contains($0) }, claimer: claimer)
            }
            if claimed.isEmpty {
                guard let feed, let fed, !fed.finished else { break }
                // Planning goes on: wait for its next rows (or its end), then claim again.
                while !hooks.shouldStop() {
                    let now = feed.wait(beyond: fed.written, timeout: 0.2)
                    if now.written > fed.written || now.finished { break }
                }
                continue
            }
            if total == nil {
                // Counted after the first claim, so rows taken back from a dead sender count too.
                let counted = claimed.count + (try store.dueCount(at: time)) + (feed?.stillToWrite ?? 0)
                total = counted
                progress?(0, counted)
            }
            var byID: [Int64: OutboxMessage] = [:]
            for message in claimed { byID[message.id] = message }
            var recordError: Error?
            // After a failed write, no new transaction starts: an outcome that
            // cannot be recorded would be sent again.
            let recordFailed = StopFlag()
            let plannedFor = byID.mapValues { ($0.subscriberID, $0.plannedAt) }
            let skip: @Sendable (Int64) -> Bool = { id in plannedFor[id].map { hooks.skipRow($0.0, $0.1) } ?? false }
            let heartbeat = shared ? ClaimHeartbeat(store: store, ids: claimed.map(\.id), claimer: claimer, interval: Self.sharedLease / 4,
                                                    lease: Self.sharedLease, now: now) : nil
            defer { heartbeat?.stop() }
            // A lapsing lease (renewals failing) starts no new message: another instance may take the rows.
            let control = SMTPSendControl(shouldStop: { hooks.shouldStop() || recordFailed.isSet || heartbeat?.isLapsing == true }, shouldSkip: skip)
            let store = store
            let returnPath = returnPath
            let envelopes = claimed.map { row in
                SMTPEnvelope(tag: row.id, from: returnPath?.sender(outboxID: row.id, recipient: row.recipient) ?? row.sender, to: row.recipient,
                             body: .load { [claimer] in try store.claimedBody(id: row.id, claimer: claimer) })
            }
            let notStarted = transport.send(envelopes, control: control) { (ended: [SMTPResult]) in
                // Every outcome is recorded, even after a failed write (a busy
                // database): an unrecorded sent message would be sent again.
                // The messages that ended together are recorded in one transaction.
                let time = now()
                let results = ended.compactMap { result in
                    byID[result.tag].map { message in
                        (Self.result(result.outcome, attempts: message.attempts + 1, smtp: smtp, at: time), message, result.duration)
                    }
                }
                do {
                    // A busy database is waited out (an unrecorded sent message would go out again).
                    let states = try recordPersistently(results.map { ($0.0, $0.1) }, policy: policy, hooks: hooks)
                    for ((result, message, duration), state) in zip(results, states) {
                        hooks.onOutcome(state, duration)
                        switch state {
                        case .sent: counts.sent += 1
                        case .failed:
                            counts.failed += 1
                            logger.error("\(Self.name(message.kind)) failed for good",
                                         metadata: Self.metadata(message, ["smtp.reply": "\(Self.redacting(message.recipient, in: result.replyText))"]))
                        default:
                            counts.deferred += 1
                            logger.warning("\(Self.name(message.kind)) deferred",
                                           metadata: Self.metadata(message, ["smtp.reply": "\(Self.redacting(message.recipient, in: result.replyText))"]))
                        }
                    }
                } catch {
                    for (_, message, _) in results {
                        logger.error("cannot record a delivery outcome; no new message starts in this run",
                                     metadata: Self.metadata(message, ["error": "\(error)"]))
                    }
                    if recordError == nil { recordError = error }
                    recordFailed.set()
                }
                for _ in results {
                    done += 1
                    progress?(done, max(total ?? done, done))
                }
            }
            // Rows not started: skipped ones are cancelled, the rest go back to
            // the outbox, due at once. (Rows whose outcome could not be recorded
            // stay claimed until their lease ends: they may have been sent.)
            let skipped = notStarted.filter(skip)
            let handBack = notStarted.filter { !skip($0) }
            do {
                try store.cancel(ids: skipped, reason: "not sent: the subscriber unsubscribed before it went out", at: now())
                try store.release(ids: handBack, claimer: claimer)
            } catch {
                // Not lost: the rows come back when their lease ends (or this process is gone).
                logger.error("cannot hand claimed rows back to the outbox; they are retried when their lease ends",
                             metadata: ["outbox.rows": "\(skipped.count + handBack.count)", "error": "\(error)"])
            }
            for id in handBack { seen.remove(id) }
            if let recordError {
                throw recordError
            }
        }
        return counts
    }

    /// Log metadata naming one outbox row: its id, the subscriber's id and
    /// the mail's kind, so an operator can find the row and the person
    /// (`paperboy outbox`, `subscriber show`). Never the address: a
    /// confirmation may go to a stranger's typo, and logs keep no personal
    /// data beyond the subscriber id.
    static func metadata(_ message: OutboxMessage, _ extra: Logger.Metadata) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "outbox.id": "\(message.id)", "subscriber.id": "\(message.subscriberID)", "mail.kind": "\(message.kind.rawValue)",
        ]
        metadata.merge(extra) { _, new in new }
        return metadata
    }

    /// What the log calls a mail of `kind`: "digest", "confirmation mail",
    /// "manage mail".
    static func name(_ kind: OutboxKind) -> String {
        switch kind {
        case .digest: "digest"
        case .confirmation: "confirmation mail"
        case .manage: "manage mail"
        }
    }

    /// `reply` with every spelling of `recipient` (servers often quote the
    /// address they refuse) replaced by `<recipient>`, for the log.
    static func redacting(_ recipient: String, in reply: String) -> String {
        guard !recipient.isEmpty else { return reply }
        return reply.replacingOccurrences(of: recipient, with: "<recipient>", options: .caseInsensitive)
    }

    /// The outbox result of one SMTP outcome: exponential backoff with jitter
    /// from `retry.initial` up to `retry.max` for temporary failures.
    static func result(_ outcome: SMTPOutcome, attempts: Int, smtp: SMTPConfig, at time: Date) -> DeliveryResult {
        switch outcome {
        case .sent(let reply):
            return .sent(reply: reply)
        case .temporary(let reply, let code, let hint):
            let base = min(smtp.retryMax, smtp.retryInitial * pow(2, Double(max(0, attempts - 1))))
            let jitter = Double.random(in: 0.8...1.2)
            return .deferred(reply: describe(reply, code, hint), retryAt: time.addingTimeInterval(min(smtp.retryMax, base * jitter)))
        case .permanent(let reply, let code, let hint):
            return .failed(reply: describe(reply, code, hint))
        }
    }

    /// The server's reply, or what went wrong without one, with the curl code and the hint.
    public static func describe(_ reply: String, _ code: Int, _ hint: String) -> String {
        var text = reply.isEmpty ? "no reply from the server" : reply
        if code != 0 { text += " (curl error \(code))" }
        if !hint.isEmpty { text += "; \(hint)" }
        return text
    }

    /// The SMTP password, found by `Credential.Lookup`: `smtp.password_file`,
    /// else `PAPERBOY_SMTP_PASSWORD`, else `$CREDENTIALS_DIRECTORY/smtp-password`;
    /// nil when none is set.
    public static func password(_ smtp: SMTPConfig, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        let lookup = Credential.Lookup(file: smtp.passwordFile, fileKey: "smtp.password_file", variable: "PAPERBOY_SMTP_PASSWORD", credential: "smtp-password")
        if let password = try lookup.find(environment: environment) { return password.text }
        if smtp.username != nil {
            throw MailSetupError(message: "smtp.username is set but there is no password: set smtp.password_file, PAPERBOY_SMTP_PASSWORD, or a systemd credential named smtp-password")
        }
        return nil
    }

    /// The lease on rows claimed from a shared (PostgreSQL) store, renewed
    /// every quarter of it while they are sent (`ClaimHeartbeat`).
    public static let sharedLease: Double = 120

    /// `host:pid` of this process: the claimer of outbox rows, and the
    /// holder of the planning and fetch leases (`Store.takeLease`).
    public static func processName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(getpid())"
    }

    /// True when `claimer` names a process on this host that no longer runs.
    public static func isDead(_ claimer: String) -> Bool {
        let parts = claimer.split(separator: ":")
        guard parts.count == 2, String(parts[0]) == ProcessInfo.processInfo.hostName, let pid = Int32(parts[1]) else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}

extension DeliveryResult {
    /// The server's reply, or what went wrong without one, for the log.
    var replyText: String {
        switch self {
        case .sent(let reply), .deferred(let reply, _), .failed(let reply): reply
        }
    }
}
