import Foundation
import PaperboyCore
@testable import PaperboyStore
import PaperboyTestSupport
import Testing

/// Outbox states go into the database as their enum's raw value and come
/// back as the same case; SQL in the store never spells a state itself.
@Suite struct StoredStateTests {
    let t0 = TestTime.now

    @Test(arguments: StoreEngine.allCases) func everyOutboxStateRoundTripsThroughTheDatabase(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        for state in OutboxState.allCases {
            let back = try store.read { db in try db.scalar(SQLValue.self, sql: "SELECT ?", arguments: [state.rawValue]) }
            #expect(back == .text(state.rawValue), "\(state)")
            let text = try store.read { db in try db.scalar(String.self, sql: "SELECT ?", arguments: [state.rawValue]) }
            #expect(text.flatMap(OutboxState.init(rawValue:)) == state)
        }
        #expect(OutboxState(rawValue: "posted") == nil)
        #expect(try store.read { db in try db.scalar(String.self, sql: "SELECT NULL") } == nil)
    }

    @Test(arguments: StoreEngine.allCases) func rowsInEveryStateAreStoredAndReadBackAsThatState(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        var ids: [Int64] = []
        for index in 0..<6 {
            let subscriber = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "s\(index)@example.org")), at: t0)
            try store.plan([PlannedDigest(subscriberID: subscriber.id, periodKey: "day", recipient: subscriber.email.description, sender: "p@example.org",
                                          subject: "S", messageID: "<\(index)@example.org>", message: [1], paperIDs: [])], at: t0)
            ids.append(subscriber.id)
        }
        let claimed = try store.claimDue(limit: 5, claimer: "test:1", at: t0, leaseUntil: t0.addingTimeInterval(600), isDead: { _ in false })
        #expect(claimed.count == 5)
        // One row stays queued, one sending; the rest get an outcome each.
        #expect(try store.record(.sent(reply: "250 ok"), for: claimed[0], at: t0) == .sent)
        #expect(try store.record(.deferred(reply: "451 later", retryAt: t0.addingTimeInterval(60)), for: claimed[1], at: t0) == .deferred)
        #expect(try store.record(.failed(reply: "550 no", pauseAfter: 3, pauseReason: "r"), for: claimed[2], at: t0) == .failed)
        try store.cancel(ids: [claimed[3].id], reason: "stop", at: t0)
        let expected: [OutboxState: Int] = [.queued: 1, .sending: 1, .sent: 1, .deferred: 1, .failed: 1, .cancelled: 1]
        #expect(try store.outboxCounts() == expected)
        #expect(try store.outboxCountsByScan() == expected)
        for state in OutboxState.allCases {
            #expect(try store.outboxEntries(states: [state]).map(\.state) == [state], "\(state)")
        }
        // The column holds exactly the raw values.
        let stored = try store.read { db in try db.column(String.self, sql: "SELECT DISTINCT state FROM outbox ORDER BY state") }
        #expect(stored == OutboxState.allCases.map(\.rawValue).sorted())
    }

    @Test(arguments: StoreEngine.allCases) func theStoreRecordsTheOutcomeItIsToldWithoutAPolicyOfItsOwn(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        let ada = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org")), at: t0)
        func attempt(_ key: String) throws -> OutboxMessage {
            try store.plan([PlannedDigest(subscriberID: ada.id, periodKey: key, recipient: "ada@example.org", sender: "p@example.org",
                                          subject: "S", messageID: "<\(key)@example.org>", message: [1], paperIDs: [])], at: t0)
            return try #require(try store.claimDue(limit: 1, claimer: "test:1", at: t0, leaseUntil: t0.addingTimeInterval(600), isDead: { _ in false }).first)
        }
        // Given up: failed, but the subscriber's failures do not grow.
        #expect(try store.record(.gaveUp(reply: "gave up: tired"), for: try attempt("a"), at: t0) == .failed)
        #expect(try store.outboxRows(subscriberID: ada.id).first?.lastReply == "gave up: tired")
        // Two permanent failures with a pause after two: paused, with the words given.
        #expect(try store.record(.failed(reply: "550", pauseAfter: 2, pauseReason: "first"), for: try attempt("b"), at: t0) == .failed)
        #expect(try store.subscriber(id: ada.id)?.status == .active)
        #expect(try store.record(.failed(reply: "550", pauseAfter: 2, pauseReason: "two in a row"), for: try attempt("c"), at: t0) == .failed)
        let paused = try #require(try store.subscriber(id: ada.id))
        #expect(paused.status == .paused)
        #expect(paused.pausedReason == "two in a row")
    }

    @Test(arguments: StoreEngine.allCases) func subscriberStatusFollowsPausedAndUnsubscribed(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        let ada = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org")), at: t0)
        #expect(ada.status == .active)
        try store.updateSubscriber(ada.email, at: t0) { $0.preferences.paused = true }
        #expect(try store.subscriber(id: ada.id)?.status == .paused)
        try store.unsubscribe(id: ada.id, at: t0)
        #expect(try store.subscriber(id: ada.id)?.status == .unsubscribed)
        #expect(SubscriberStatus.allCases.map(\.rawValue) == ["pending", "active", "paused", "unsubscribed"])
    }

    /// A pending request (double opt-in) is stored with its origin and read back
    /// as pending; unsubscribed wins over pending, pending over paused.
    @Test(arguments: StoreEngine.allCases) func pendingOriginAndDislikesAreStoredAndPendingIsAStatus(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        var preferences = SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org"))
        preferences.dislikes = ["2401.00001"]
        let ada = try store.addSubscriber(preferences, at: t0)
        #expect(ada.origin == .operator && ada.pendingSince == nil && ada.confirmedAt == nil)
        try store.updateSubscriber(ada.email, at: t0) { subscriber in
            subscriber.origin = .web
            subscriber.pendingSince = t0
            subscriber.preferences.paused = true
        }
        var stored = try #require(try store.subscriber(id: ada.id))
        #expect(stored.status == .pending)
        #expect(stored.origin == .web)
        #expect(stored.pendingSince == t0)
        #expect(stored.preferences.dislikes == ["2401.00001"])
        try store.updateSubscriber(ada.email, at: t0) { $0.pendingSince = nil; $0.confirmedAt = t0; $0.preferences.paused = false }
        stored = try #require(try store.subscriber(id: ada.id))
        #expect(stored.status == .active)
        #expect(stored.confirmedAt == t0)
        try store.updateSubscriber(ada.email, at: t0) { $0.pendingSince = t0 }
        try store.unsubscribe(id: ada.id, at: t0)
        #expect(try store.subscriber(id: ada.id)?.status == .unsubscribed)
    }

    /// The acceptance rule as a test: no state is spelled in the store's SQL.
    @Test func noStateLiteralInTheStoresSQL() throws {
        let folder = TestPaths.projectRoot.appendingPathComponent("Sources/PaperboyStore")
        let states = OutboxState.allCases.map(\.rawValue) + SubscriberStatus.allCases.map(\.rawValue) + OutboxKind.allCases.map(\.rawValue)
        var found: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if states.contains(where: { line.contains("'\($0)'") }) { found.append("\(name):\(number + 1): \(line)") }
            }
        }
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
    }
}
