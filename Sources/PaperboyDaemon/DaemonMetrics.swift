import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import Prometheus
import Synchronization

/// The daemon's Prometheus metrics, served at `GET /metrics`.
///
/// A registry of its own (not the process-wide `MetricsSystem`), so that
/// each daemon, and each test, counts alone.
public final class DaemonMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let digestsSent: Counter
    private let digestsDeferred: Counter
    private let digestsFailed: Counter
    private let digestsPlanned: Counter
    private let smtpLatency: DurationHistogram
    private let outboxDepth: Gauge
    private let lastSend: Gauge
    private let subscriptionsRequested: Counter
    private let subscriptionsConfirmed: Counter
    private let subscriptionsExpired: Counter
    private let feedback: [ReaderLinks.Feedback: (given: Counter, undone: Counter)]
    private let bounces: [BounceKind: Counter]
    private let bouncePollsFailed: Counter
    private let perSource = Mutex<[String: (fetched: Counter, errors: Counter, lastSuccess: Gauge)]>([:])

    public init() {
        digestsSent = registry.makeCounter(descriptor: Self.name("digests_sent", "total", "Digests the mail server accepted."))
        digestsDeferred = registry.makeCounter(descriptor: Self.name("digests_deferred", "total", "Delivery attempts answered with a temporary failure (4xx, no answer); retried later."))
        digestsFailed = registry.makeCounter(descriptor: Self.name("digests_failed", "total", "Digests that failed for good (5xx, or retried past smtp.retry.give_up_after)."))
        digestsPlanned = registry.makeCounter(descriptor: Self.name("digests_planned", "total", "Digests the scheduler wrote to the outbox."))
        smtpLatency = registry.makeDurationHistogram(
            descriptor: Self.name("smtp_transaction", "seconds", "Time of one SMTP transaction, MAIL FROM to the reply to the final dot (with the connection set-up when it opened one)."),
            buckets: [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                      .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60)]
        )
        outboxDepth = registry.makeGauge(descriptor: Self.name("outbox_depth", "", "Outbox rows waiting to be sent (queued, deferred or being sent)."))
        lastSend = registry.makeGauge(descriptor: Self.name("last_send_timestamp", "seconds", "When a digest was last accepted by the mail server (Unix time); 0 before the first."))
        subscriptionsRequested = registry.makeCounter(descriptor: Self.name("subscriptions_requested", "total", "Valid subscribe requests on the subscribe page (whatever the address's state; honeypot and limited requests not counted)."))
        subscriptionsConfirmed = registry.makeCounter(descriptor: Self.name("subscriptions_confirmed", "total", "Subscriptions confirmed through the link in the confirmation mail."))
        subscriptionsExpired = registry.makeCounter(descriptor: Self.name("subscriptions_expired", "total", "Unconfirmed subscribe requests forgotten after web.pending_days."))
        var feedback: [ReaderLinks.Feedback: (given: Counter, undone: Counter)] = [:]
        for kind in ReaderLinks.Feedback.allCases {
            feedback[kind] = (
                given: registry.makeCounter(descriptor: Self.name("feedback_given", "total", "Feedback on a paper recorded from a digest's links, by kind."), labels: [("kind", kind.rawValue)]),
                undone: registry.makeCounter(descriptor: Self.name("feedback_undone", "total", "Feedback on a paper taken back with the page's undo, by kind."), labels: [("kind", kind.rawValue)])
            )
        }
        self.feedback = feedback
        var bounces: [BounceKind: Counter] = [:]
        for kind in BounceKind.allCases {
            bounces[kind] = registry.makeCounter(descriptor: Self.name("bounces", "total", "Messages read from the return mailbox (bounce.mailbox), by kind."),
                                                 labels: [("kind", kind.rawValue)])
        }
        self.bounces = bounces
        bouncePollsFailed = registry.makeCounter(descriptor: Self.name("bounce_polls_failed", "total", "Reads of the return mailbox that failed (retried with back-off)."))
    }

    /// A message read from the return mailbox and recorded (once per message).
    public func recordBounce(_ kind: BounceKind) { bounces[kind]?.increment() }

    /// A read of the return mailbox failed.
    public func recordBouncePollFailed() { bouncePollsFailed.increment() }

    /// A valid subscribe request was filed (`POST /subscribe`).
    public func recordSubscriptionRequested() { subscriptionsRequested.increment() }

    /// A subscription was confirmed (`POST /confirm`).
    public func recordSubscriptionConfirmed() { subscriptionsConfirmed.increment() }

    /// `count` unconfirmed requests were forgotten (the scheduler's tick, `ReaderDesk.expirePending`).
    public func recordSubscriptionsExpired(_ count: Int) {
        if count > 0 { subscriptionsExpired.increment(by: Int64(count)) }
    }

    /// Feedback given (or, with `undo`, taken back) on the feedback page.
    public func recordFeedback(_ kind: ReaderLinks.Feedback, undo: Bool) {
        guard let counters = feedback[kind] else { return }
        (undo ? counters.undone : counters.given).increment()
    }

    /// `paperboy_<metric>_<unit>` with its help text.
    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "paperboy", metricName: metric, unitName: unit, helpText: help)
    }

    func recordOutcome(_ state: OutboxState, duration: Duration, at time: Date) {
        smtpLatency.record(duration)
        switch state {
        case .sent:
            digestsSent.increment()
            lastSend.set(time.timeIntervalSince1970)
        case .deferred, .queued, .sending: digestsDeferred.increment()
        case .failed: digestsFailed.increment()
        case .cancelled: break
        }
    }

    func recordPlanned(_ count: Int) {
        if count > 0 { digestsPlanned.increment(by: Int64(count)) }
    }

    func recordFetch(source: String, papers: Int?, at time: Date) {
        let metrics = sourceMetrics(source)
        if let papers {
            metrics.fetched.increment(by: Int64(papers))
            metrics.lastSuccess.set(time.timeIntervalSince1970)
        } else {
            metrics.errors.increment()
        }
    }

    /// A source's last success from before this start (from the store), so
    /// the gauge is there from the first scrape, not only after a fetch.
    func seedLastFetchSuccess(source: String, at time: Date) {
        sourceMetrics(source).lastSuccess.set(time.timeIntervalSince1970)
    }

    /// The rows still to send (queued, deferred or being sent), set when /metrics is read.
    func setOutboxDepth(_ counts: [OutboxState: Int]) {
        outboxDepth.set(Double((counts[.queued] ?? 0) + (counts[.deferred] ?? 0) + (counts[.sending] ?? 0)))
    }

    /// The Prometheus text exposition (format 0.0.4).
    public func render() -> String {
        registry.emitToString()
    }

    private func sourceMetrics(_ source: String) -> (fetched: Counter, errors: Counter, lastSuccess: Gauge) {
        perSource.withLock { table in
            if let existing = table[source] { return existing }
            let labels = [("source", source)]
            let made = (
                fetched: registry.makeCounter(descriptor: Self.name("papers_fetched", "total", "Papers read from a source's feed (new, updated and unchanged)."), labels: labels),
                errors: registry.makeCounter(descriptor: Self.name("fetch_errors", "total", "Fetches of a source that failed (transfer, HTTP status or parse)."), labels: labels),
                lastSuccess: registry.makeGauge(descriptor: Self.name("last_fetch_success_timestamp", "seconds", "When a source was last fetched successfully (Unix time)."), labels: labels)
            )
            table[source] = made
            return made
        }
    }
}
