import Foundation
import PaperboyCore
@testable import PaperboyPipeline
@testable import PaperboyStore
import PaperboyTestSupport
import Testing

/// On a shared store a sender claims with a short lease and its heartbeat
/// moves it forward while it sends; without the heartbeat another sender
/// takes the rows once the lease ends.
@Suite struct ClaimHeartbeatTests {
    let t0 = TestTime.now

    func storeWithRows(_ engine: StoreEngine, _ count: Int) throws -> Store {
        let store = try engine.makeStore()
        for index in 0..<count {
            let reader = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "r\(index)@example.org")), at: t0)
            try store.plan([PlannedDigest(subscriberID: reader.id, periodKey: "day", recipient: "r\(index)@example.org", sender: "p@example.org",
                                          subject: "S", messageID: "<\(index)@example.org>", message: [1], paperIDs: [])], at: t0)
        }
        return store
    }

    @Test(arguments: StoreEngine.allCases)
    func theHeartbeatKeepsClaimsWhileTheSenderLivesAndOthersTakeThemWhenItStops(engine: StoreEngine) throws {
        let store = try storeWithRows(engine, 3)
        let lease = DeliveryRunner.sharedLease
        let first = try store.claimDue(limit: 10, claimer: "host-a:1", at: t0, leaseUntil: t0.addingTimeInterval(lease), isDead: { _ in false })
        #expect(first.count == 3)
        // The clock moves on 1,000 s: without a beat the lease (120 s) would have run out.
        let later = t0.addingTimeInterval(1000)
        let heartbeat = ClaimHeartbeat(store: store, ids: first.map(\.id), claimer: "host-a:1", interval: 0.05, lease: lease, now: { later })
        // Wait for a beat: every claimed row's lease moved to 1,000 s + 120 s.
        var leastLease = 0.0
        for _ in 0..<500 where leastLease < later.addingTimeInterval(lease).timeIntervalSince1970 {
            usleep(20_000)
            leastLease = try store.read { try $0.scalar(Double.self, sql: "SELECT min(lease_until) FROM outbox") } ?? 0
        }
        #expect(leastLease == later.addingTimeInterval(lease).timeIntervalSince1970, "the heartbeat did not move the lease forward")
        // Another host's sender, 60 s later, finds nothing to take (without the beat it would take all three).
        let stolen = try store.claimDue(limit: 10, claimer: "host-b:2", at: later.addingTimeInterval(lease / 2), leaseUntil: later.addingTimeInterval(lease),
                                        isDead: { _ in false })
        heartbeat.stop()
        #expect(stolen.isEmpty)
        // Once the beat stops and the lease ends, another sender takes every row back.
        let taken = try store.claimDue(limit: 10, claimer: "host-b:2", at: later.addingTimeInterval(lease + 1), leaseUntil: later.addingTimeInterval(2 * lease),
                                       isDead: { _ in false })
        #expect(Set(taken.map(\.id)) == Set(first.map(\.id)))
        #expect(try store.renewClaims(ids: first.map(\.id), claimer: "host-a:1", until: later.addingTimeInterval(5000)) == 0, "the first sender holds nothing any more")
        // And what it would still do with them is refused: no body to send, no outcome written, nothing handed back.
        #expect(throws: StoreError.self) { try store.claimedBody(id: first[0].id, claimer: "host-a:1") }
        #expect(try store.claimedBody(id: first[0].id, claimer: "host-b:2") == [1])
        #expect(try store.record(.deferred(reply: "451 late", retryAt: later), for: first[0], at: later) == .sending, "host-b's claim stands")
        try store.release(ids: [first[1].id], claimer: "host-a:1")
        #expect(try store.outboxEntries(states: [.sending]).count == 3, "host-a released nothing of host-b's")
    }
}
