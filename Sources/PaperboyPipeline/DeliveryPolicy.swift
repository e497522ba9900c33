import Foundation
import PaperboyStore

/// What happened to one attempt, as the sender saw it.
public enum DeliveryResult: Sendable {
    case sent(reply: String)
    /// Retry at `retryAt`, unless the row is older than the give-up age.
    case deferred(reply: String, retryAt: Date)
    case failed(reply: String)
}

/// Retry and pause rules (`smtp.retry.give_up_after`,
/// `smtp.pause_after_failures`): when a message is given up, when a
/// subscriber is paused, and the words their rows and record then carry.
/// The store records what this decides.
public struct DeliveryPolicy: Sendable {
    /// Seconds after planning after which a temporary failure fails the row for good.
    public var giveUpAfter: Double
    /// Permanent failures in a row after which the subscriber is paused.
    public var pauseAfterFailures: Int

    public init(giveUpAfter: Double = 3 * 86400, pauseAfterFailures: Int = 3) {
        self.giveUpAfter = giveUpAfter
        self.pauseAfterFailures = pauseAfterFailures
    }

    /// What to record for `result`, an attempt at `message` at `time`.
    public func outcome(of result: DeliveryResult, for message: OutboxMessage, at time: Date) -> OutboxOutcome {
        switch result {
        case .sent(let reply):
            return .sent(reply: reply)
        case .deferred(let reply, let retryAt):
            guard time.timeIntervalSince(message.plannedAt) < giveUpAfter else {
                return .gaveUp(reply: "gave up after \(Int(giveUpAfter / 3600)) hours; last reply: \(reply)")
            }
            return .deferred(reply: reply, retryAt: retryAt)
        case .failed(let reply):
            return .failed(reply: reply, pauseAfter: pauseAfterFailures, pauseReason: pauseReason(lastReply: reply))
        }
    }

    /// Why a subscriber was paused after their last permanent failure.
    public func pauseReason(lastReply reply: String) -> String {
        "\(pauseAfterFailures) digests in a row failed for good; last reply: \(reply)"
    }
}

extension Store {
    /// Records the outcome of one attempt under `policy`; returns the row's new
    /// state. A busy database throws a `StoreError` whose `isTemporary` is true.
    public func record(_ result: DeliveryResult, for message: OutboxMessage, at time: Date, policy: DeliveryPolicy) throws -> OutboxState {
        try record(policy.outcome(of: result, for: message, at: time), for: message, at: time)
    }

    /// Records several outcomes under `policy` in one transaction; returns each row's new state, in order.
    public func record(_ results: [(DeliveryResult, OutboxMessage)], at time: Date, policy: DeliveryPolicy) throws -> [OutboxState] {
        try record(results.map { (policy.outcome(of: $0.0, for: $0.1, at: time), $0.1) }, at: time)
    }
}
