import Foundation
import Logging
import PaperboyStore

extension DeliveryRunner {
    /// Records the outcomes of messages that ended together (one per
    /// connection at most) in one transaction, retrying for as long as the
    /// database is busy (another process, such as `subscriber import`, holds
    /// the write lock past the busy timeout), with a growing pause between
    /// attempts and a warning each time. Giving up would leave messages the
    /// server accepted unrecorded, to be sent again. A stop does not end the
    /// wait; if the process ends first, `unrecordedOutcomes` names the rows
    /// and the sender says so. Other errors are thrown at once.
    func recordPersistently(_ results: [(DeliveryResult, OutboxMessage)], policy: DeliveryPolicy, hooks: DeliveryHooks) throws -> [OutboxState] {
        var pause = recordRetryInitial
        var attempts = 0
        let started = ContinuousClock.now
        let ids = results.map(\.1.id)
        defer { unrecorded.withLock { $0.subtract(ids) } }
        while true {
            do {
                let states = try store.record(results, at: now(), policy: policy)
                if attempts > 0 {
                    logger.notice("delivery outcome recorded after the database was busy", metadata: [
                        "outbox.ids": "\(Self.idList(ids))", "attempts": "\(attempts + 1)",
                        "waited_seconds": "\(Self.seconds(since: started))",
                    ])
                }
                return states
            } catch let error as StoreError where error.isTemporary {
                attempts += 1
                unrecorded.withLock { $0.formUnion(ids) }
                logger.warning("the database is busy; waiting to record a delivery outcome before anything else is sent", metadata: [
                    "outbox.ids": "\(Self.idList(ids))", "subscriber.ids": "\(Self.idList(results.map(\.1.subscriberID)))", "outcomes": "\(results.map(\.0.stateName).joined(separator: ","))",
                    "attempts": "\(attempts)", "waited_seconds": "\(Self.seconds(since: started))",
                    "stopping": "\(hooks.shouldStop())", "error": "\(error)",
                ])
                Thread.sleep(forTimeInterval: pause)
                pause = min(recordRetryMax, pause * 2)
            }
        }
    }

    static func idList(_ ids: [Int64]) -> String {
        ids.map(String.init).joined(separator: ",")
    }

    /// Outbox rows sent (or tried) whose outcome is not recorded yet because
    /// the database is busy; a stop that cannot wait for them reports them.
    public var unrecordedOutcomes: [Int64] {
        unrecorded.withLock { $0.sorted() }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Int {
        Int((ContinuousClock.now - start).components.seconds)
    }
}

extension DeliveryResult {
    /// "sent", "deferred" or "failed", for the log.
    var stateName: String {
        switch self {
        case .sent: "sent"
        case .deferred: "deferred"
        case .failed: "failed"
        }
    }
}
