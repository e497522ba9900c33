import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// The operator's side of the reader's features: `subscriber dislike` and
/// `undislike`, likes and dislikes in `explain` and `subscriber show`,
/// status and origin in `show` and `list --status`, and imports that leave
/// unsubscribed and pending addresses to the reader.
@Suite struct ReaderSideCLITests {
    /// A database with the demo corpus.
    func setup() throws -> TestSetup {
        let s = try TestSetup()
        try s.store().ingest(try DemoCorpus.papers(at: TestTime.now), source: SourceState(name: "demo"), at: TestTime.now)
        return s
    }

    func json(_ result: CommandResult) throws -> [String: Any] {
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// A subscribe-page request that `email` has not confirmed (as the web desk stores it).
    func pendingRequest(_ s: TestSetup, _ email: String, at moment: Date = TestTime.now) throws {
        let store = try s.store()
        try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: email)), origin: .web, at: moment)
        try store.updateSubscriber(try EmailAddress(parsing: email), at: moment) { $0.pendingSince = moment }
    }

    @Test func dislikeAndUndislike() throws {
        let s = try setup()
        try s.run(["subscriber", "add", "ada@example.org"]).expectSuccess()
        try s.run(["subscriber", "like", "ada@example.org", "2410.18533"]).expectSuccess()
        let dislike = try s.run(["subscriber", "dislike", "ada@example.org", "arXiv:2410.18533v1"])
        #expect(dislike.status == 0, "\(dislike.stderr)")
        #expect(dislike.stdout.hasPrefix("ada@example.org marked 2410.18533 (LOGO"), "\(dislike.stdout)")
        #expect(dislike.stdout.contains("Not for me, and no longer likes it; 1 paper marked Not for me"))
        // Liked or disliked, not both.
        #expect(try s.subscribers().first?.preferences.likes == [])
        #expect(try s.subscribers().first?.preferences.dislikes == ["2410.18533"])
        #expect(try s.run(["subscriber", "export"]).stdout.contains("    dislike: ['2410.18533']\n"))

        let unknown = try s.run(["subscriber", "dislike", "ada@example.org", "9999.99999"])
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("dislike: no stored paper has the id"))
        #expect(try s.run(["subscriber", "dislike", "ada@example.org", "not-an-id"]).status == 64)

        let like = try s.run(["subscriber", "like", "ada@example.org", "2410.18533"])
        #expect(like.stdout.contains(", no longer Not for me;"), "\(like.stdout)")
        #expect(try s.subscribers().first?.preferences.dislikes == [])
        try s.run(["subscriber", "dislike", "ada@example.org", "2410.18533"]).expectSuccess()

        #expect(try s.run(["subscriber", "undislike", "ada@example.org", "2410.18533"]).stdout == "ada@example.org no longer marks 2410.18533 Not for me\n")
        #expect(try s.subscribers().first?.preferences.dislikes == [])
        #expect(try s.run(["subscriber", "undislike", "ada@example.org", "2410.18533"]).stdout.contains("nothing changed"))
    }

    @Test func explainShowsDislikesTheirEffectAndRanksSimilarPapersLower() throws {
        let s = try setup()
        try s.run(["subscriber", "add", "ada@example.org", "--max-papers", "100"]).expectSuccess()
        let before = try json(try s.run(["explain", "ada@example.org", "--json"]))
        let rankBefore = Dictionary(uniqueKeysWithValues: try #require(before["selected"] as? [[String: Any]]).map { ($0["id"] as! String, $0["rank"] as! Int) })
        let disliked = "2410.18533"
        try s.run(["subscriber", "dislike", "ada@example.org", disliked]).expectSuccess()

        let after = try json(try s.run(["explain", "ada@example.org", "--json"]))
        #expect((after["dislikes"] as? [[String: Any]])?.first?["id"] as? String == disliked)
        #expect(((after["dislikes"] as? [[String: Any]])?.first?["title"] as? String)?.hasPrefix("LOGO") == true)
        let excluded = try #require(after["excluded"] as? [[String: Any]])
        #expect(excluded.first { $0["id"] as? String == disliked }?["reason"] as? String == "marked Not for me")
        let selected = try #require(after["selected"] as? [[String: Any]])
        #expect(!selected.contains { $0["id"] as? String == disliked })
        // The paper most like the disliked one: it lost rank, by its penalty.
        let closest = try #require(selected.max { ($0["dislike_similarity"] as? Double ?? 0) < ($1["dislike_similarity"] as? Double ?? 0) })
        let similarity = try #require(closest["dislike_similarity"] as? Double)
        #expect(similarity > 0.1)
        #expect(abs((closest["dislikes_effect"] as? Double ?? 0) + similarity) < 1e-9)   // weight 1
        let id = try #require(closest["id"] as? String)
        let rankAfter = Dictionary(uniqueKeysWithValues: selected.map { ($0["id"] as! String, $0["rank"] as! Int) })
        // Papers it was ahead of before and is behind now: the penalty moved it down past them.
        let overtaken = rankBefore.keys.filter { other in
            other != id && other != disliked && rankBefore[other]! > rankBefore[id]! && (rankAfter[other] ?? .max) < rankAfter[id]!
        }
        #expect(!overtaken.isEmpty, "the paper most like a Not for me one did not move down")

        let text = try s.run(["explain", "ada@example.org"])
        #expect(text.stdout.contains("Not for me (never selected; similar papers rank lower):\n  2410.18533  LOGO"), "\(text.stdout)")
        #expect(text.stdout.contains("not for me: similarity "))
        #expect(text.stdout.contains("  2410.18533  marked Not for me: LOGO"))
        #expect(text.stdout.contains("1 marked Not for me"))
    }

    @Test func showTellsStatusOriginAndFeedback() throws {
        let s = try setup()
        try s.run(["subscriber", "add", "ada@example.org"]).expectSuccess()
        try s.run(["subscriber", "like", "ada@example.org", "2410.18533"]).expectSuccess()
        let dislikedID = try #require(DemoCorpus.papers(at: TestTime.now).first { $0.id != "2410.18533" && !$0.id.hasPrefix("title-") }?.id)
        try s.run(["subscriber", "dislike", "ada@example.org", dislikedID]).expectSuccess()
        let file = try s.write("list.yaml", "subscribers:\n  - email: bob@example.org\n")
        try s.run(["subscriber", "import", file]).expectSuccess()
        try pendingRequest(s, "carol@example.org")

        let ada = try s.run(["subscriber", "show", "ada@example.org"])
        #expect(ada.stdout.contains("status: active"))
        #expect(ada.stdout.contains("subscribed: by the operator (subscriber add) on "), "\(ada.stdout)")
        #expect(ada.stdout.contains("liked (1):\n  2410.18533  LOGO"))
        #expect(ada.stdout.contains("not for me (1):\n  \(dislikedID)  "))
        #expect(!ada.stdout.contains("(not stored)"))
        let adaJSON = try json(try s.run(["subscriber", "show", "ada@example.org", "--json"]))
        #expect(adaJSON["origin"] as? String == "operator")
        #expect(adaJSON["likes"] as? [String] == ["2410.18533"])
        #expect(adaJSON["dislikes"] as? [String] == [dislikedID])

        #expect(try s.run(["subscriber", "show", "bob@example.org"]).stdout.contains("subscribed: by the operator's import (subscriber import) on "))
        #expect(try json(try s.run(["subscriber", "show", "bob@example.org", "--json"]))["origin"] as? String == "import")

        let carol = try s.run(["subscriber", "show", "carol@example.org"])
        #expect(carol.stdout.contains("status: pending"))
        #expect(carol.stdout.contains("subscribed: on the subscribe page on "))
        #expect(carol.stdout.contains("pending since: \(DateFormats.minute(TestTime.now)): asked on the subscribe page and has not confirmed yet"), "\(carol.stdout)")
        let carolJSON = try json(try s.run(["subscriber", "show", "carol@example.org", "--json"]))
        #expect(carolJSON["status"] as? String == "pending")
        #expect(carolJSON["origin"] as? String == "web")
        #expect(carolJSON["pending_since"] as? String != nil)
        #expect(carolJSON["confirmed_at"] == nil)

        // Confirmed: the confirmation time shows.
        try s.store().updateSubscriber(try EmailAddress(parsing: "carol@example.org"), at: TestTime.now) {
            $0.pendingSince = nil
            $0.confirmedAt = TestTime.now.addingTimeInterval(60)
        }
        #expect(try s.run(["subscriber", "show", "carol@example.org"]).stdout.contains("confirmed: \(DateFormats.minute(TestTime.now.addingTimeInterval(60)))"))
        #expect(try json(try s.run(["subscriber", "show", "carol@example.org", "--json"]))["confirmed_at"] as? String != nil)
    }

    @Test func listFiltersByStatus() throws {
        let s = try TestSetup()
        for name in ["ada", "bob", "dee"] { try s.run(["subscriber", "add", "\(name)@example.org"]).expectSuccess() }
        try s.run(["subscriber", "pause", "bob@example.org"]).expectSuccess()
        try s.store().unsubscribe(id: try #require(try s.subscribers().first { $0.email.description == "dee@example.org" }).id, at: TestTime.now)
        try pendingRequest(s, "carol@example.org")

        func emails(_ arguments: [String]) throws -> [String] {
            let result = try s.run(["subscriber", "list", "--json"] + arguments)
            #expect(result.status == 0, "\(result.stderr)")
            let list = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            return list.compactMap { $0["email"] as? String }
        }
        #expect(try emails([]) == ["ada@example.org", "bob@example.org", "carol@example.org", "dee@example.org"])
        #expect(try emails(["--status", "pending"]) == ["carol@example.org"])
        #expect(try emails(["--status", "active", "--status", "paused"]) == ["ada@example.org", "bob@example.org"])
        #expect(try emails(["--status", "unsubscribed,pending"]) == ["carol@example.org", "dee@example.org"])

        let table = try s.run(["subscriber", "list"])
        #expect(table.stdout.contains("4 subscribers, 1 active, 1 pending (not confirmed yet)"), "\(table.stdout)")
        let none = try TestSetup().run(["subscriber", "list", "--status", "pending"])
        #expect(none.stdout == "No subscriber is pending.\n")
        let bad = try s.run(["subscriber", "list", "--status", "confirmed"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--status confirmed is not a status; use pending, active, paused or unsubscribed"), "\(bad.stderr)")
    }

    @Test func importAndAddLeaveAPendingRequestToTheReader() throws {
        let s = try TestSetup()
        try pendingRequest(s, "carol@example.org")
        let file = try s.write("list.yaml", "subscribers:\n  - email: carol@example.org\n    max_papers: 3\n  - email: new@example.org\n")
        let imported = try s.run(["subscriber", "import", file, "--prune"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("skip carol@example.org: asked on the subscribe page on "))
        #expect(imported.stdout.contains("waiting for their confirmation"))
        #expect(imported.stdout.contains("1 added, 0 changed, 0 removed, 1 skipped"), "\(imported.stdout)")
        let carol = try #require(try s.subscribers().first { $0.email.description == "carol@example.org" })
        #expect(carol.status == .pending)
        #expect(carol.preferences.maxPapers == nil)

        let add = try s.run(["subscriber", "add", "carol@example.org"])
        #expect(add.status == 65)
        #expect(add.stderr.contains("waiting for their confirmation"), "\(add.stderr)")
        #expect(add.stderr.contains("confirmation mail"))
        // A request waiting for its confirmation is not exported: importing it elsewhere would subscribe them unasked.
        #expect(!(try s.run(["subscriber", "export"]).stdout.contains("carol@example.org")))
    }
}
