import Foundation
import PaperboyCore
import PaperboyStore
import PaperboyTestSupport
import Testing

@Suite struct SubscriberStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    func prefs(_ email: String, _ change: (inout SubscriberPreferences) -> Void = { _ in }) throws -> SubscriberPreferences {
        var p = SubscriberPreferences(email: try EmailAddress(parsing: email))
        change(&p)
        return p
    }

    /// The change counters (what lets an idle tick skip reloading every
    /// subscriber) move when subscribers or papers change, and only then:
    /// not for a sender's bookkeeping, nor for an update that matches no row.
    @Test(arguments: StoreEngine.allCases) func changeCountersMoveOnlyWhenRowsChange(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        let start = try store.changeVersions()
        let ada = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org")), at: t0)
        let added = try store.changeVersions()
        #expect(added.subscribers > start.subscribers && added.papers == start.papers)
        #expect(try store.unsubscribe(id: ada.id + 1000, at: t0) == false)
        try store.importSubscribers([], prune: false, at: t0)
        #expect(try store.changeVersions() == added, "nothing changed, nothing counted")
        try store.ingest([Paper(id: "2401.00001", title: "A", abstract: "B", authors: ["C"], categories: ["cs.LG"], firstSeenAt: t0)],
                         source: SourceState(name: "demo"), at: t0)
        let ingested = try store.changeVersions()
        #expect(ingested.papers > added.papers && ingested.subscribers == added.subscribers)
        #expect(try store.unsubscribe(id: ada.id, at: t0) == true)
        #expect(try store.changeVersions().subscribers > ingested.subscribers)
    }

    @Test(arguments: StoreEngine.allCases) func addUpdateRemove(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        let ada = try store.addSubscriber(try prefs("ada@example.org") { $0.name = "Ada" }, at: t0)
        #expect(ada.id > 0)
        #expect(try store.subscriber(try EmailAddress(parsing: "ada@EXAMPLE.org"))?.preferences.name == "Ada")
        #expect(throws: SubscriberStoreError.self) { try store.addSubscriber(try prefs("ada@Example.org"), at: t0) }

        let later = t0.addingTimeInterval(60)
        let updated = try store.updateSubscriber(ada.email, at: later) { $0.preferences.minUpvotes = 7 }
        #expect(updated.preferences.minUpvotes == 7)
        #expect(updated.updatedAt == later)
        #expect(updated.createdAt == t0)

        // A throwing change leaves the row as it was.
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try store.updateSubscriber(ada.email, at: later) { subscriber in
                subscriber.preferences.minUpvotes = 99
                throw Stop()
            }
        }
        #expect(try store.subscriber(ada.email)?.preferences.minUpvotes == 7)

        try store.removeSubscriber(ada.email)
        #expect(try store.subscribers().isEmpty)
        #expect(throws: SubscriberStoreError.self) { try store.removeSubscriber(ada.email) }
    }

    @Test(arguments: StoreEngine.allCases) func anUnsubscribedAddressIsNotAddedBackByAccident(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        let ada = try store.addSubscriber(try prefs("ada@example.org"), at: t0)
        #expect(try store.unsubscribe(id: ada.id, at: t0.addingTimeInterval(10)))
        #expect(try !store.unsubscribe(id: ada.id, at: t0.addingTimeInterval(15)), "a second unsubscribe changes nothing")
        #expect(try store.subscriber(ada.email)?.unsubscribedAt == t0.addingTimeInterval(10))
        let error = #expect(throws: SubscriberStoreError.self) { try store.addSubscriber(try prefs("ada@example.org"), at: t0) }
        #expect(error?.kind == .unsubscribed)
        #expect(error?.message.contains("--resubscribe") == true)
        let back = try store.addSubscriber(try prefs("ada@example.org"), resubscribe: true, at: t0.addingTimeInterval(20))
        #expect(back.unsubscribedAt == nil)
        #expect(back.id == ada.id)
    }

    @Test(arguments: StoreEngine.allCases) func importPlansAddsChangesRemovesAndSkips(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        try store.addSubscriber(try prefs("same@example.org"), at: t0)
        try store.addSubscriber(try prefs("changes@example.org"), at: t0)
        try store.addSubscriber(try prefs("gone@example.org"), at: t0)
        let left = try store.addSubscriber(try prefs("left@example.org"), at: t0)
        let leftOut = try store.addSubscriber(try prefs("left-out@example.org"), at: t0)
        try store.unsubscribe(id: left.id, at: t0)
        try store.unsubscribe(id: leftOut.id, at: t0)

        let file = [
            try prefs("same@example.org"),
            try prefs("changes@example.org") { $0.query = try? Query.parse("continual"); $0.maxPapers = 5 },
            try prefs("new@example.org"),
            try prefs("left@example.org"),
        ]
        let plan = try store.planSubscriberImport(file, prune: true)
        #expect(plan.adds.map(\.description) == ["new@example.org"])
        #expect(plan.changes.map(\.email.description) == ["changes@example.org"])
        #expect(plan.changes.first?.fields == ["query", "max_papers"])
        #expect(plan.removes.map(\.description) == ["gone@example.org"])   // unsubscribed left-out@ is kept
        #expect(plan.skipped.map(\.email.description) == ["left@example.org"])
        #expect(plan.unchanged == 1)
        // Planning changed nothing.
        #expect(try store.subscribers().count == 5)

        try store.importSubscribers(file, prune: true, at: t0.addingTimeInterval(5))
        let emails = try store.subscribers().map(\.email.description)
        #expect(emails == ["changes@example.org", "left-out@example.org", "left@example.org", "new@example.org", "same@example.org"])
        #expect(try store.subscriber(try EmailAddress(parsing: "left@example.org"))?.unsubscribedAt != nil)
        #expect(try store.subscriber(try EmailAddress(parsing: "changes@example.org"))?.preferences.maxPapers == 5)

        // An import never subscribes an address that unsubscribed: only the person can, on the subscribe page.
        let again = try store.importSubscribers(file, prune: true, at: t0.addingTimeInterval(9))
        #expect(again.changes.isEmpty)
        #expect(again.skipped == [SkippedImport(email: try EmailAddress(parsing: "left@example.org"), reason: .unsubscribed(at: t0))])
        #expect(try store.subscriber(try EmailAddress(parsing: "left@example.org"))?.unsubscribedAt != nil)
    }

    /// The import writes through its own prepared statement: what it stores
    /// must read back as what `addSubscriber` (the record) stores, and a
    /// second import of the same entries must find every row unchanged.
    @Test(arguments: StoreEngine.allCases) func anImportStoresWhatAddStoresAndFindsItUnchangedAfterwards(engine: StoreEngine) throws {
        let everything = try prefs("every@example.org") {
            $0.name = "Seán \"Quotes\" O'Brien"
            $0.query = try? Query.parse("title:\"cross-lingual\" -diffusion")
            $0.categories = ["cs.LG", "stat.ML"]
            $0.authors = ["Müller, J.", "A/B Tester", "Back\\slash", "李飞飞", "\"Quoted\""]
            $0.minUpvotes = 3
            $0.maxPapers = 7
            $0.schedule = try? Schedule.parse("weekly mon,thu 07:30 America/New_York")
            $0.format = .text
            $0.paused = true
            $0.likes = ["2410.18533"]
            $0.dislikes = ["2312.02896", "title-abc/def"]
        }
        let entries = [everything, try prefs("plain@example.org"), try prefs("Case@Example.ORG") { $0.categories = ["cs"] }]
        let imported = try engine.makeStore()
        let plan = try imported.importSubscribers(entries, prune: false, at: t0)
        #expect(plan.adds.count == 3)
        let added = try engine.makeStore()
        for entry in entries { try added.addSubscriber(entry, origin: .import, at: t0) }
        let read = try imported.subscribers()
        #expect(read.map(\.preferences) == (try added.subscribers()).map(\.preferences))
        #expect(read.map(\.preferences) == entries.sorted { $0.email.description < $1.email.description })
        #expect(read.allSatisfy { $0.origin == .import && $0.createdAt == t0 && $0.updatedAt == t0 && $0.unsubscribedAt == nil && $0.pendingSince == nil })

        let again = try imported.importSubscribers(entries, prune: true, at: t0.addingTimeInterval(60))
        #expect(again.unchanged == 3 && again.changes.isEmpty && again.adds.isEmpty && again.removes.isEmpty)
        #expect(try added.importSubscribers(entries, prune: true, at: t0.addingTimeInterval(60)).unchanged == 3)

        var changed = everything
        changed.authors = ["A/B Tester"]
        changed.paused = false
        let third = try imported.importSubscribers([changed], prune: false, at: t0.addingTimeInterval(120))
        #expect(third.changes.map(\.fields) == [["authors", "paused"]])
        let stored = try #require(try imported.subscriber(everything.email))
        #expect(stored.preferences == changed)
        #expect(stored.updatedAt == t0.addingTimeInterval(120))
    }

    @Test(arguments: StoreEngine.allCases) func addAndImportRecordTheOriginAndLeaveAPendingRequestToTheReader(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        let ada = try store.addSubscriber(try prefs("ada@example.org"), at: t0)
        #expect(ada.origin == .operator)
        #expect(try store.subscriber(ada.email)?.origin == .operator)
        // A subscribe-page request waiting for its confirmation.
        try store.addSubscriber(try prefs("carol@example.org"), origin: .web, at: t0)
        try store.updateSubscriber(try EmailAddress(parsing: "carol@example.org"), at: t0) { $0.pendingSince = self.t0.addingTimeInterval(5) }
        let carol = try #require(try store.subscriber(try EmailAddress(parsing: "carol@example.org")))
        #expect(carol.status == .pending)

        let refused = #expect(throws: SubscriberStoreError.self) { try store.addSubscriber(try prefs("carol@example.org"), at: t0.addingTimeInterval(10)) }
        #expect(refused?.kind == .pending)
        #expect(refused?.message.contains("waiting for their confirmation") == true)

        let file = [try prefs("carol@example.org") { $0.maxPapers = 3 }, try prefs("new@example.org")]
        let plan = try store.importSubscribers(file, prune: true, at: t0.addingTimeInterval(20))
        #expect(plan.adds.map(\.description) == ["new@example.org"])
        #expect(plan.skipped == [SkippedImport(email: carol.email, reason: .pending(since: t0.addingTimeInterval(5)))])
        // ada is pruned (not in the file); carol's request is the reader's and stays, unchanged and pending.
        #expect(plan.removes.map(\.description) == ["ada@example.org"])
        let after = try #require(try store.subscriber(carol.email))
        #expect(after.status == .pending)
        #expect(after.preferences.maxPapers == nil)
        #expect(try store.subscriber(try EmailAddress(parsing: "new@example.org"))?.origin == .import)
    }

    @Test(arguments: StoreEngine.allCases) func tenThousandSubscribersRoundTripThroughExportAndImport(engine: StoreEngine) throws {
        let schedules = try ["daily 08:00 UTC", "weekdays 07:15 Europe/Berlin", "weekly mon,thu 18:00 America/New_York"].map { try Schedule.parse($0) }
        let queries = try ["\"knowledge distillation\" OR continual", "adapter -diffusion", "title:transformer*", "author:\"Geoffrey Hinton\""].map { try Query.parse($0) }
        var entries: [SubscriberPreferences] = []
        for i in 0..<10_000 {
            entries.append(try prefs("reader\(i)@lab\(i % 97).example.org") {
                $0.name = i % 3 == 0 ? nil : "Reader Nº\(i), O'Neil"
                $0.query = i % 5 == 0 ? nil : queries[i % queries.count]
                $0.categories = i % 2 == 0 ? ["cs.LG", "cs.CL"] : []
                $0.authors = i % 7 == 0 ? ["Müller, J."] : []
                $0.minUpvotes = i % 11
                $0.maxPapers = i % 4 == 0 ? nil : 1 + i % 100
                $0.schedule = i % 6 == 0 ? nil : schedules[i % schedules.count]
                $0.format = i % 9 == 0 ? .text : .both
                $0.paused = i % 13 == 0
            })
        }
        let store = try engine.makeStore()
        let first = try store.importSubscribers(entries, prune: false, at: t0)
        #expect(first.adds.count == 10_000)
        let exported = SubscriberFile.render(try store.subscribers().map(\.preferences))
        let reread = try SubscriberFile.parse(exported, file: "export.yaml")
        #expect(reread.count == 10_000)
        let second = try store.importSubscribers(reread, prune: true, at: t0.addingTimeInterval(60))
        #expect(second.adds.isEmpty && second.changes.isEmpty && second.removes.isEmpty)
        #expect(second.unchanged == 10_000)
        #expect(SubscriberFile.render(try store.subscribers().map(\.preferences)) == exported)
        #expect(Set(reread.map(\.email)) == Set(entries.map(\.email)))
    }
}
