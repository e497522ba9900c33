import Foundation
import PaperboyCore
@testable import PaperboyStore
import PaperboyTestSupport
import Testing

/// How `claimDue` picks rows: by due time across queued and deferred rows,
/// cancelling the digests of subscribers stopped since planning, and never
/// ending early because a batch held only such rows.
@Suite struct OutboxClaimTests {
    let t0 = TestTime.now

    func plan(_ store: Store, _ count: Int, from first: Int = 0, at time: Date) throws -> [Subscriber] {
        var subscribers: [Subscriber] = []
        for k in first..<(first + count) {
            let subscriber = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "s\(k)@example.org")), at: t0)
            try store.plan([PlannedDigest(subscriberID: subscriber.id, periodKey: "day", recipient: subscriber.email.description, sender: "p@example.org",
                                          subject: "S", messageID: "<\(k)@example.org>", message: Array("m\(k)".utf8), paperIDs: [])], at: time)
            subscribers.append(subscriber)
        }
        return subscribers
    }

    func claim(_ store: Store, _ limit: Int, at time: Date) throws -> [OutboxMessage] {
        try store.claimDue(limit: limit, claimer: "test:1", at: time, leaseUntil: time.addingTimeInterval(600), isDead: { _ in false })
    }

    @Test(arguments: StoreEngine.allCases) func rowsAreClaimedInDueOrderAcrossQueuedAndDeferred(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        _ = try plan(store, 3, at: t0)
        // The first row is tried and deferred to t0 + 60 s, after the other rows planned at t0.
        let first = try claim(store, 1, at: t0)
        _ = try store.record(.deferred(reply: "451 later", retryAt: t0.addingTimeInterval(60)), for: first[0], at: t0)
        let later = try plan(store, 2, from: 3, at: t0.addingTimeInterval(120))
        let claimed = try claim(store, 10, at: t0.addingTimeInterval(300))
        // Queued at t0 (rows 2, 3), then the deferred row due at t0 + 60, then the ones planned at t0 + 120.
        let ids: [Int64] = [2, 3, first[0].id, later[0].id, later[1].id]
        #expect(claimed.map(\.id) == ids)
        #expect(claimed.map { String(decoding: $0.message, as: UTF8.self) } == ["m1", "m2", "m0", "m3", "m4"])
    }

    @Test(arguments: StoreEngine.allCases) func aBatchOfStoppedSubscribersIsCancelledAndTheClaimGoesOn(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        let stopped = try plan(store, 4, at: t0)
        let active = try plan(store, 2, from: 4, at: t0.addingTimeInterval(1))
        try store.write { db in
            try db.execute(sql: "UPDATE subscriber SET paused = 1 WHERE id IN (\(SQL.placeholders(stopped.count)))", arguments: stopped.map(\.id))
        }
        // A limit of 3: the first three due rows are all stopped ones; the claim still returns the active rows.
        var claimed = try claim(store, 3, at: t0.addingTimeInterval(60))
        #expect(claimed.isEmpty == false)
        claimed += try claim(store, 3, at: t0.addingTimeInterval(60))
        #expect(Set(claimed.map(\.subscriberID)) == Set(active.map(\.id)))
        #expect(try store.outboxCounts() == [.cancelled: 4, .sending: 2])
        #expect(try claim(store, 3, at: t0.addingTimeInterval(60)).isEmpty)
    }
}
