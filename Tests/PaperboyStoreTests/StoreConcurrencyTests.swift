import Foundation
import PaperboyCore
@testable import PaperboyStore
import PaperboyTestSupport
import Synchronization
import Testing

/// Several senders, or several Paperboys sharing one PostgreSQL, at once:
/// claims never take the same row, a lease has one holder at a time.
@Suite struct StoreConcurrencyTests {
    let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    /// A store that more than one thread can really use at once: a SQLite
    /// file (in memory is one connection) or a PostgreSQL database.
    func sharedStore(_ engine: StoreEngine) throws -> Store {
        switch engine {
        case .sqlite: return try Store(path: try TestPaths.temporaryDirectory().appendingPathComponent("store.sqlite").path)
        case .postgresql: return try engine.makeStore()
        }
    }

    @Test(arguments: StoreEngine.allCases) func twoClaimersNeverClaimTheSameRow(engine: StoreEngine) throws {
        let store = try sharedStore(engine)
        let subscriber = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org")), at: t0)
        let digests = (0..<200).map { n in
            PlannedDigest(subscriberID: subscriber.id, periodKey: "p\(n)", recipient: "ada@example.org", sender: "p@example.org",
                          subject: "S", messageID: "<\(n)@example.org>", message: Array("m\(n)".utf8), paperIDs: [])
        }
        #expect(try store.plan(digests, at: t0) == 200)
        let planned = Set(try store.outboxRows(subscriberID: subscriber.id).map(\.id))
        #expect(planned.count == 200)

        let t0 = self.t0
        let claims = Mutex<[[Int64]]>([[], []])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { sender in
            var mine: [Int64] = []
            var temporary = 0
            while true {
                do {
                    let batch = try store.claimDue(limit: 7 + sender, claimer: "host:\(sender)", at: t0, leaseUntil: t0.addingTimeInterval(600),
                                                   bodies: sender == 0, isDead: { _ in false })
                    if batch.isEmpty { break }
                    mine += batch.map(\.id)
                } catch let error as StoreError where error.isTemporary && temporary < 20 {
                    // A busy database is the caller's to retry (the daemon does); it must stay rare.
                    temporary += 1
                } catch {
                    failures.withLock { $0.append("sender \(sender): \(error)") }
                    break
                }
            }
            claims.withLock { $0[sender] = mine }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        let (first, second) = claims.withLock { ($0[0], $0[1]) }
        #expect(first.count == Set(first).count && second.count == Set(second).count, "no sender claims a row twice")
        #expect(Set(first).isDisjoint(with: second), "claimed by both: \(Set(first).intersection(second).sorted())")
        #expect(Set(first).union(second) == planned, "every row claimed")
        #expect(first.count + second.count == 200)
        #expect(try store.outboxCounts()[.sending] == 200)
        #expect(try store.claimDue(limit: 10, claimer: "host:3", at: t0, leaseUntil: t0.addingTimeInterval(600), isDead: { _ in false }).isEmpty)
    }

    @Test(arguments: StoreEngine.allCases) func aLeaseHasOneHolderUntilItRunsOut(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }
        #expect(try store.lease("plan") == nil)
        #expect(try store.takeLease("plan", holder: "a:1", at: at(0), until: at(60)))
        #expect(try store.lease("plan")?.holder == "a:1")
        #expect(try store.lease("plan")?.until == at(60))
        // Another holder is refused while it runs.
        #expect(try !store.takeLease("plan", holder: "b:2", at: at(30), until: at(90)))
        #expect(try store.lease("plan")?.holder == "a:1")
        // The holder renews it.
        #expect(try store.takeLease("plan", holder: "a:1", at: at(50), until: at(110)))
        #expect(try store.lease("plan")?.until == at(110))
        #expect(try !store.takeLease("plan", holder: "b:2", at: at(100), until: at(160)), "renewed: still a's")
        // Other leases are others'.
        #expect(try store.takeLease("fetch:arxiv", holder: "b:2", at: at(100), until: at(160)))
        #expect(try store.lease("plan")?.holder == "a:1")
        // Run out: anyone may take it, and the old holder is refused then.
        #expect(try store.takeLease("plan", holder: "b:2", at: at(110), until: at(170)))
        #expect(try store.lease("plan")?.holder == "b:2")
        #expect(try store.lease("plan")?.until == at(170))
        #expect(try !store.takeLease("plan", holder: "a:1", at: at(111), until: at(171)))
        // Only the holder releases it; release frees it at once.
        try store.releaseLease("plan", holder: "a:1")
        #expect(try store.lease("plan")?.holder == "b:2")
        try store.releaseLease("plan", holder: "b:2")
        #expect(try store.lease("plan") == nil)
        #expect(try store.lease("fetch:arxiv")?.holder == "b:2")
        #expect(try store.takeLease("plan", holder: "a:1", at: at(112), until: at(172)))
        #expect(try store.lease("plan")?.holder == "a:1")
    }

    /// Holders racing for one free lease: exactly one gets it.
    @Test(arguments: StoreEngine.allCases) func holdersRacingForALeaseGetItOnce(engine: StoreEngine) throws {
        let store = try sharedStore(engine)
        let t0 = self.t0
        for round in 0..<5 {
            let winners = Mutex<[String]>([])
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 6) { n in
                do {
                    if try store.takeLease("round\(round)", holder: "host:\(n)", at: t0, until: t0.addingTimeInterval(60)) {
                        winners.withLock { $0.append("host:\(n)") }
                    }
                } catch {
                    failures.withLock { $0.append("\(n): \(error)") }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
            let won = winners.withLock { $0 }
            #expect(won.count == 1, "round \(round): \(won)")
            #expect(try store.lease("round\(round)")?.holder == won.first)
        }
    }
}
