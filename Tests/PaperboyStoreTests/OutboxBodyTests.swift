import Foundation
import GRDB
import PaperboyCore
@testable import PaperboyStore
import PaperboyTestSupport
import Testing

/// Message bodies live in `outbox_body` (migration v11): written once when
/// planned, read when claimed, deleted by retention; the outbox row that
/// changes state stays small.
@Suite struct OutboxBodyTests {
    let t0 = TestTime.now

    /// SQLite only: PostgreSQL stores start at the current schema.
    @Test func aStoreFromBeforeV11KeepsEveryBodyAfterTheMigration() throws {
        let path = try TestPaths.temporaryDirectory().appendingPathComponent("old.sqlite").path
        // A database as v10 left it: the body in the outbox row.
        let queue = try DatabaseQueue(path: path)
        try StoreMigrations.migrator.migrate(queue, upTo: "v10-reader-side")
        let body = Array("Subject: old\r\n\r\nkept\r\n".utf8)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO subscriber (email, categories, authors, min_upvotes, format, paused, created_at, updated_at) VALUES ('ada@example.org', '[]', '[]', 0, 'both', 0, 0, 0)")
            let subscriber = db.lastInsertedRowID
            for (period, state, message) in [("day-1", "queued", Data(body)), ("day-0", "sent", Data())] {
                try db.execute(sql: """
                    INSERT INTO outbox (subscriber_id, period_key, recipient, sender, subject, message_id, message, paper_ids, state, attempts, planned_at, next_attempt_at)
                    VALUES (?, ?, 'ada@example.org', 'p@example.org', 'S', '<m@example.org>', ?, '[]', ?, 0, 0, 0)
                    """, arguments: [subscriber, period, message, state])
            }
        }
        try queue.close()

        let store = try Store(path: path)
        let columns = try store.read { db in try db.column(String.self, sql: "SELECT name FROM pragma_table_info('outbox')") }
        #expect(!columns.contains("message"), "the body column left the outbox row")
        #expect(try store.digestMessage(subscriberID: 1, periodKey: "day-1") == body)
        #expect(try store.digestMessage(subscriberID: 1, periodKey: "day-0") == [], "an emptied body stays empty")
        let claimed = try store.claimDue(limit: 10, claimer: "test:1", at: t0, leaseUntil: t0.addingTimeInterval(60), isDead: { _ in false })
        #expect(claimed.map(\.message) == [body])
    }

    @Test(arguments: StoreEngine.allCases) func aBodyIsWrittenOnceClaimedWithItsRowAndGoesWithTheRow(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        let subscriber = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org")), at: t0)
        let message = Array(repeating: UInt8(ascii: "x"), count: 30_000)
        let digest = PlannedDigest(subscriberID: subscriber.id, periodKey: "day", recipient: "ada@example.org", sender: "p@example.org",
                                   subject: "S", messageID: "<1@example.org>", message: message, paperIDs: [])
        #expect(try store.plan([digest], at: t0) == 1)
        #expect(try store.plan([digest], at: t0) == 0, "the period is planned once; no second body")
        #expect(try store.read { db in try db.scalar(Int.self, sql: "SELECT count(*) FROM outbox_body") } == 1)
        let claimed = try store.claimDue(limit: 10, claimer: "test:1", at: t0, leaseUntil: t0.addingTimeInterval(60), isDead: { _ in false })
        #expect(claimed.first?.message == message)
        #expect(try store.outboxBody(id: claimed[0].id) == message)
        _ = try store.record(.sent(reply: "250 ok"), for: claimed[0], at: t0)
        #expect(try store.digestMessage(subscriberID: subscriber.id, periodKey: "day") == message, "the body is kept for the view in the browser")
        try store.removeSubscriber(subscriber.email)
        #expect(try store.read { db in try db.scalar(Int.self, sql: "SELECT count(*) FROM outbox_body") } == 0, "the body goes with its row")
    }

    /// A sender may claim rows without their bodies and read each body just
    /// before sending it; the claim is the same otherwise.
    @Test(arguments: StoreEngine.allCases) func rowsClaimedWithoutBodiesReadTheirBodiesOneByOne(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        var expected: [Int64: [UInt8]] = [:]
        for n in 0..<3 {
            let subscriber = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "r\(n)@example.org")), at: t0)
            let message = Array("Subject: \(n)\r\n\r\nbody \(n)\r\n".utf8)
            expected[subscriber.id] = message
            let digest = PlannedDigest(subscriberID: subscriber.id, periodKey: "day", recipient: "r\(n)@example.org", sender: "p@example.org",
                                       subject: "S", messageID: "<\(n)@example.org>", message: message, paperIDs: [])
            #expect(try store.plan([digest], at: t0) == 1)
        }
        let claimed = try store.claimDue(limit: 10, claimer: "test:1", at: t0, leaseUntil: t0.addingTimeInterval(60), bodies: false, isDead: { _ in false })
        #expect(claimed.count == 3)
        #expect(claimed.allSatisfy { $0.message.isEmpty }, "no body comes with the claim")
        for row in claimed {
            #expect(try store.outboxBody(id: row.id) == expected[row.subscriberID])
        }
        #expect(try store.outboxBody(id: 999) == [], "a row without a body reads as empty")
        #expect(try store.outboxCounts()[.sending] == 3)
    }
}
