import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// Every `paperboy subscriber` command, run as a user would.
@Suite struct SubscriberCLITests {
    typealias Setup = TestSetup

    @Test func addShowListSetPauseResumeRemove() throws {
        let s = try Setup(digest: "digest: {max_papers: 7, schedule: 'weekdays 07:00 Europe/Berlin'}")
        let add = try s.run(["subscriber", "add", "ada@Example.ORG", "--name", "Ada Lovelace", "--query", "\"knowledge distillation\" OR continual",
                             "--category", "cs.LG", "--category", "cs.CL", "--author", "Geoffrey Hinton", "--min-upvotes", "3",
                             "--schedule", "daily 08:00 Europe/Berlin", "--format", "text"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout == "added ada@example.org\n")

        let show = try s.run(["subscriber", "show", "ada@example.org", "--json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(json["name"] as? String == "Ada Lovelace")
        #expect(json["query"] as? String == "\"knowledge distillation\" OR continual")
        #expect(json["categories"] as? [String] == ["cs.LG", "cs.CL"])
        #expect(json["authors"] as? [String] == ["Geoffrey Hinton"])
        #expect(json["min_upvotes"] as? Int == 3)
        #expect(json["max_papers"] == nil)
        #expect(json["effective_max_papers"] as? Int == 7)
        #expect(json["schedule"] as? String == "daily 08:00 Europe/Berlin")
        #expect(json["format"] as? String == "text")
        #expect(json["status"] as? String == "active")
        #expect(json["next_digest_at"] is String)

        let set = try s.run(["subscriber", "set", "ada@example.org", "--max-papers", "20", "--clear", "query", "--clear", "schedule", "--category", "stat.ML"])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout == "updated ada@example.org: query, categories, max_papers, schedule\n")
        let ada = try #require(try s.subscribers().first)
        #expect(ada.preferences.query == nil)
        #expect(ada.preferences.schedule == nil)
        #expect(ada.preferences.categories == ["stat.ML"])
        #expect(ada.preferences.maxPapers == 20)

        let text = try s.run(["subscriber", "show", "ada@example.org"])
        #expect(text.stdout.contains("schedule in effect: weekdays 07:00 Europe/Berlin (digest.schedule)"))

        #expect(try s.run(["subscriber", "pause", "ada@example.org"]).stdout == "paused ada@example.org\n")
        #expect(try s.subscribers().first?.status == .paused)
        #expect(try s.run(["subscriber", "resume", "ada@example.org"]).stdout == "resumed ada@example.org\n")
        #expect(try s.subscribers().first?.status == .active)

        try s.run(["subscriber", "add", "bob@example.org"]).expectSuccess()
        let list = try s.run(["subscriber", "list", "--json"])
        let all = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(all.compactMap { $0["email"] as? String } == ["ada@example.org", "bob@example.org"])
        let table = try s.run(["subscriber", "list"])
        #expect(table.stdout.contains("2 subscribers, 2 active"))

        let removed = try s.run(["subscriber", "remove", "bob@example.org"])
        #expect(removed.stdout.hasPrefix("removed bob@example.org; backup of the subscribers before: "), "\(removed.stdout)")
        let again = try s.run(["subscriber", "remove", "bob@example.org"])
        #expect(again.status == 65)
        #expect(again.stderr.contains("no subscriber has the address bob@example.org"))
        #expect(try s.subscribers().count == 1)
    }

    @Test func listMarksACutColumnWithAnEllipsis() throws {
        let s = try Setup()
        let long = "a.very.long.local.part.for.testing@subdomain.example.org"
        try s.run(["subscriber", "add", long, "--schedule", "weekly mon,tue,wed 08:00 America/Argentina/Buenos_Aires"]).expectSuccess()
        let table = try s.run(["subscriber", "list"])
        #expect(table.status == 0, "\(table.stderr)")
        let row = try #require(table.stdout.split(separator: "\n").dropFirst().first.map(String.init))
        #expect(row.hasPrefix(String(long.prefix(39)) + "…  active"), "\(row)")
        #expect(!row.contains(long))
        #expect(row.contains("weekly mon,tue,wed 08:00 Amer…  "), "\(row)")
    }

    @Test(arguments: [
        (["subscriber", "add", "a@b@c"], "email"),
        (["subscriber", "add", "x@y.org\r\nBcc: z@w.org"], "email"),
        (["subscriber", "add", ""], "email"),
        (["subscriber", "add", "ok@example.org", "--schedule", "daily 25:00"], "schedule"),
        (["subscriber", "add", "ok@example.org", "--schedule", "weekly funday 08:00"], "schedule"),
        (["subscriber", "add", "ok@example.org", "--schedule", "daily 08:00 Mars/Olympus"], "schedule"),
        (["subscriber", "add", "ok@example.org", "--query", "(a OR"], "query"),
        (["subscriber", "add", "ok@example.org", "--query", "\"open"], "query"),
        (["subscriber", "add", "ok@example.org", "--query", "AND"], "query"),
        (["subscriber", "add", "ok@example.org", "--max-papers", "101"], "max_papers"),
        (["subscriber", "add", "ok@example.org", "--min-upvotes=-1"], "min_upvotes"),
        (["subscriber", "add", "ok@example.org", "--format", "html"], "format"),
        (["subscriber", "add", "ok@example.org", "--category", "Computer Science"], "categories"),
        (["subscriber", "add", "ok@example.org", "--name", "Ada\r\nBcc: x@y.org"], "name"),
        (["subscriber", "set", "keep@example.org", "--schedule", "daily 25:00"], "schedule"),
        (["subscriber", "set", "keep@example.org", "--query", "(a OR"], "query"),
    ])
    func badInputIsRefusedNamingTheFieldAndStoresNothing(arguments: [String], field: String) throws {
        let s = try Setup()
        try s.run(["subscriber", "add", "keep@example.org", "--query", "continual"]).expectSuccess()
        let before = try s.subscribers()
        let result = try s.run(arguments)
        #expect([64, 65].contains(result.status), "exit \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("\(field):"), "\(result.stderr)")
        #expect(try s.subscribers() == before)
    }

    @Test func editAppliesAValidChange() throws {
        let s = try Setup()
        try s.run(["subscriber", "add", "ada@example.org", "--name", "Ada"]).expectSuccess()
        let editor = try s.write("editor.sh", """
        #!/bin/sh
        sed -i -e 's/^min_upvotes: 0/min_upvotes: 12/' -e 's/^name: Ada/name: Ada King/' "$1"
        """)
        chmod(editor, 0o755)
        let result = try s.run(["subscriber", "edit", "ada@example.org"], environment: ["VISUAL": editor, "EDITOR": "false"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "updated ada@example.org: name, min_upvotes\n")
        #expect(try s.subscribers().first?.preferences.minUpvotes == 12)
        #expect(try s.subscribers().first?.preferences.name == "Ada King")
    }

    @Test func editReopensWithTheErrorAtTheTop() throws {
        let s = try Setup()
        try s.run(["subscriber", "add", "ada@example.org"]).expectSuccess()
        let log = s.directory.appendingPathComponent("seen.log").path
        // First save: a bad schedule. Second: the editor sees the error comment, and fixes it.
        let editor = try s.write("editor.sh", """
        #!/bin/sh
        cat "$1" >> "\(log)"
        echo ---- >> "\(log)"
        if grep -q '^# ERROR' "$1"; then
          sed -i 's/^schedule: .*/schedule: daily 09:30 Europe\\/Berlin/' "$1"
        else
          echo 'schedule: daily 25:00' >> "$1"
        fi
        """)
        chmod(editor, 0o755)
        let result = try s.run(["subscriber", "edit", "ada@example.org"], environment: ["EDITOR": editor])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "updated ada@example.org: schedule\n")
        let seen = try String(contentsOfFile: log, encoding: .utf8).components(separatedBy: "----\n")
        #expect(seen.count == 3)
        #expect(seen[1].hasPrefix("# ERROR: schedule: "))
        #expect(seen[1].contains("25:00"))
        #expect(try s.subscribers().first?.preferences.schedule?.description == "daily 09:30 Europe/Berlin")
    }

    @Test func editUnchangedEmptiedOrStillBrokenChangesNothing() throws {
        let s = try Setup()
        try s.run(["subscriber", "add", "ada@example.org", "--query", "continual"]).expectSuccess()
        let before = try s.subscribers()

        let unchanged = try s.run(["subscriber", "edit", "ada@example.org"], environment: ["EDITOR": "true"])
        #expect(unchanged.status == 0)
        #expect(unchanged.stdout == "ada@example.org: no changes\n")

        let emptied = try s.run(["subscriber", "edit", "ada@example.org"], environment: ["EDITOR": "truncate -s 0"])
        #expect(emptied.status == 0)
        #expect(emptied.stdout.contains("nothing changed"))

        let breaker = try s.write("break.sh", "#!/bin/sh\ngrep -q '^# ERROR' \"$1\" || sed -i 's/^query: .*/query: (a OR/' \"$1\"\n")
        chmod(breaker, 0o755)
        let broken = try s.run(["subscriber", "edit", "ada@example.org"], environment: ["EDITOR": breaker])
        #expect(broken.status == 65)
        #expect(broken.stderr.contains("query:"))
        #expect(broken.stderr.contains("nothing changed"))

        let failing = try s.run(["subscriber", "edit", "ada@example.org"], environment: ["EDITOR": "false"])
        #expect(failing.status != 0)
        #expect(failing.stderr.contains("exited with status 1"))
        #expect(try s.subscribers() == before)
    }

    @Test func editWithoutAnEditorOrATerminalRefusesAtOnce() throws {
        let s = try Setup()
        try s.run(["subscriber", "add", "ada@example.org", "--query", "continual"]).expectSuccess()
        let before = try s.subscribers()
        // Standard input from /dev/null (not a terminal), VISUAL and EDITOR empty:
        // before, vi was started into the void and the command exited 69.
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "PAPERBOY_CONFIG")
        env[ProcessClock.variable] = TestTime.nowText
        env["VISUAL"] = ""
        env["EDITOR"] = ""
        let result = try runTool("/bin/sh", ["-c", "exec \"$0\" \"$@\" < /dev/null", TestPaths.paperboyBinary.path,
                                             "subscriber", "edit", "ada@example.org", "--config", s.config], environment: env)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("neither VISUAL nor EDITOR is set"))
        #expect(result.stderr.contains("subscriber set"))
        #expect(try s.subscribers() == before)
    }

    @Test func editAcceptsWindowsLineEndings() throws {
        let s = try Setup()
        try s.run(["subscriber", "add", "ada@example.org"]).expectSuccess()
        let editor = try s.write("crlf.sh", "#!/bin/sh\nsed -i -e 's/^min_upvotes: 0/min_upvotes: 4/' -e 's/$/\\r/' \"$1\"\n")
        chmod(editor, 0o755)
        let result = try s.run(["subscriber", "edit", "ada@example.org"], environment: ["EDITOR": editor])
        #expect(result.stdout == "updated ada@example.org: min_upvotes\n", "\(result.stderr)")
        #expect(try s.subscribers().first?.preferences.minUpvotes == 4)
    }

    @Test func editDoesNotOverwriteAChangeMadeMeanwhile() throws {
        let s = try Setup()
        try s.run(["subscriber", "add", "ada@example.org"]).expectSuccess()
        // While the editor is open, another command changes the subscriber.
        let editor = try s.write("race.sh", """
        #!/bin/sh
        "\(TestPaths.paperboyBinary.path)" subscriber set ada@example.org --max-papers 3 --config "\(s.config)" > /dev/null
        sed -i 's/^min_upvotes: 0/min_upvotes: 9/' "$1"
        """)
        chmod(editor, 0o755)
        let result = try s.run(["subscriber", "edit", "ada@example.org"], environment: ["EDITOR": editor])
        #expect(result.status == 75)
        #expect(result.stderr.contains("changed by another command while you were editing"))
        let ada = try #require(try s.subscribers().first)
        #expect(ada.preferences.maxPapers == 3)
        #expect(ada.preferences.minUpvotes == 0)
    }

    @Test func removeKeepsAnUnsubscribedAddressUnlessForget() throws {
        let s = try Setup()
        try s.run(["subscriber", "add", "left@example.org"]).expectSuccess()
        let store = try s.store()
        try store.unsubscribe(id: try #require(try s.subscribers().first).id, at: TestTime.now)
        let refused = try s.run(["subscriber", "remove", "left@example.org"])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("--forget"))
        #expect(try s.subscribers().count == 1)
        try s.run(["subscriber", "remove", "left@example.org", "--forget"]).expectSuccess()
        #expect(try s.subscribers().isEmpty)
    }

    @Test func importOfAFileThatIsNotUTF8OrNotThereNamesTheFileAndTheLine() throws {
        let s = try TestSetup()
        let path = s.directory.appendingPathComponent("latin1.yaml").path
        try (Data("subscribers:\n  - email: a@example.org\n    name: Caf".utf8) + Data([0xE9]) + Data(" Lovelace\n".utf8))
            .write(to: URL(fileURLWithPath: path))
        let result = try s.run(["subscriber", "import", path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(path): the file: not UTF-8 at line 3, column 15"), "\(result.stderr)")
        #expect(try s.subscribers().isEmpty)
        let broken = try s.write("broken.yaml", "subscribers:\n  - email: a@example.org\n   name: bad indent\n")
        let yaml = try s.run(["subscriber", "import", broken])
        #expect(yaml.status == 65)
        #expect(yaml.stderr.contains("broken.yaml: the file: not valid YAML:") && yaml.stderr.contains("at line 3"), "\(yaml.stderr)")
        let missing = try s.run(["subscriber", "import", s.directory.appendingPathComponent("none.yaml").path])
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("none.yaml: it does not exist or is not readable"), "\(missing.stderr)")
    }

    @Test func importWithABadEntryInTheMiddleChangesNothing() throws {
        let s = try Setup()
        try s.run(["subscriber", "add", "existing@example.org", "--query", "continual"]).expectSuccess()
        let before = try s.subscribers()
        let file = try s.write("list.yaml", """
        subscribers:
          - email: first@example.org
          - email: existing@example.org
            query: distillation
          - email: broken@example.org
            schedule: weekly funday 08:00
          - email: last@example.org
        """)
        let result = try s.run(["subscriber", "import", file])
        #expect(result.status == 65)
        #expect(result.stderr.contains("entry 3 (broken@example.org): schedule:"))
        #expect(result.stderr.contains("funday"))
        #expect(try s.subscribers() == before)
    }

    @Test func importDryRunPruneSkipAndExport() throws {
        let s = try Setup()
        try s.run(["subscriber", "add", "stay@example.org"]).expectSuccess()
        try s.run(["subscriber", "add", "drop@example.org"]).expectSuccess()
        try s.run(["subscriber", "add", "left@example.org"]).expectSuccess()
        let store = try s.store()
        let left = try #require(try store.subscriber(try EmailAddress(parsing: "left@example.org")))
        try store.unsubscribe(id: left.id, at: TestTime.now)

        let file = try s.write("list.yaml", """
        subscribers:
          - email: stay@example.org
            max_papers: 3
          - email: new@example.org
          - email: left@example.org
        """)
        let dry = try s.run(["subscriber", "import", file, "--dry-run", "--prune"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("would add new@example.org\n"))
        #expect(dry.stdout.contains("would change stay@example.org: max_papers\n"))
        #expect(dry.stdout.contains("would remove drop@example.org\n"))
        #expect(dry.stdout.contains("skip left@example.org: unsubscribed on"))
        #expect(dry.stdout.contains("only they can subscribe again, on the subscribe page"))
        #expect(try s.subscribers().count == 3)

        let real = try s.run(["subscriber", "import", file, "--prune"])
        #expect(real.stdout.contains("1 added, 1 changed, 1 removed, 1 skipped, 0 unchanged"), "\(real.stdout)")
        #expect(try s.subscribers().map(\.email.description) == ["left@example.org", "new@example.org", "stay@example.org"])
        #expect(try s.subscribers().first?.unsubscribedAt != nil)

        // An operator's import never subscribes someone who unsubscribed.
        let back = try s.run(["subscriber", "import", file, "--resubscribe"])
        #expect(back.status == 64)
        #expect(back.stderr.contains("--resubscribe is no longer part of import"), "\(back.stderr)")
        #expect(back.stderr.contains("subscribe page"))
        #expect(try s.subscribers().first?.unsubscribedAt != nil)

        let out = s.directory.appendingPathComponent("export.yaml").path
        let export = try s.run(["subscriber", "export", "--output", out])
        #expect(export.stdout == "exported 2 subscribers to \(out)\n")
        let reimport = try s.run(["subscriber", "import", out, "--prune"])
        #expect(reimport.stdout.contains("0 added, 0 changed, 0 removed, 0 skipped, 2 unchanged"))
        let stdout = try s.run(["subscriber", "export"])
        #expect(stdout.stdout == (try String(contentsOfFile: out, encoding: .utf8)))
    }
}

extension SubscriberCLITests {
    /// Five subscribers, as in the report of the one-keystroke loss.
    func fiveSubscribers() throws -> Setup {
        let s = try Setup()
        for name in ["ada", "bob", "cy", "dee", "eve"] {
            try s.run(["subscriber", "add", "\(name)@example.org", "--query", "\(name)"]).expectSuccess()
        }
        return s
    }

    func backups(_ s: Setup) throws -> [String] {
        let folder = s.directory.appendingPathComponent("backups").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().map { folder + "/" + $0 }
    }

    @Test func pruneWithAnEmptyFileIsRefusedAndChangesNothing() throws {
        let s = try fiveSubscribers()
        let before = try s.subscribers()
        let empty = try s.write("empty.yaml", "subscribers:\n")
        // Before: "5 removed", exit 0. Refused as bad data (65): the file is what is wrong.
        let refused = try s.run(["subscriber", "import", empty, "--prune"])
        #expect(refused.status == 65, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("leaves out 5 of 5 subscribers"), "\(refused.stderr)")
        #expect(refused.stderr.contains("ada@example.org"))
        #expect(refused.stderr.contains("--yes"))
        #expect(refused.stderr.contains("--prune-limit"))
        #expect(try s.subscribers() == before)
        #expect(try backups(s).isEmpty)

        let dry = try s.run(["subscriber", "import", empty, "--prune", "--dry-run"])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("without --dry-run this prune is refused: it removes 5 of 5"), "\(dry.stdout)")

        // A limit that allows it, or --yes: it proceeds, with a backup first.
        let limited = try s.run(["subscriber", "import", empty, "--prune", "--prune-limit", "4"])
        #expect(limited.status == 65)
        #expect(try s.subscribers() == before)
        let yes = try s.run(["subscriber", "import", empty, "--prune", "--yes"])
        #expect(yes.status == 0, "\(yes.stderr)")
        #expect(yes.stdout.contains("5 removed"))
        #expect(try s.subscribers().isEmpty)
        let files = try backups(s)
        #expect(files.count == 1)
        let backup = try #require(files.first)
        // Named with the command's moment (PAPERBOY_NOW = TestTime.now, running forward) and the command.
        #expect(backup.contains("/backups/subscribers-20261129T1200"), "\(backup)")
        #expect(backup.hasSuffix("-import-prune.yaml"), "\(backup)")
        #expect(yes.stdout.contains(backup))
        var info = stat()
        #expect(stat(backup, &info) == 0)
        #expect(info.st_mode & 0o777 & ~0o640 == 0, "mode \(String(info.st_mode & 0o777, radix: 8)): no more than 0640")

        // The backup restores everyone, with their preferences.
        let restore = try s.run(["subscriber", "import", backup])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains("5 added"))
        #expect(try s.subscribers().map(\.preferences) == before.map(\.preferences))
    }

    @Test func thePruneGuardCountsOnlyActiveSubscribersNotPendingRequests() throws {
        let s = try fiveSubscribers()
        // Five subscribe-page requests nobody confirmed: not subscribers the file could leave out.
        let store = try s.store()
        for name in ["p1", "p2", "p3", "p4", "p5"] {
            _ = try store.fileSubscribeRequest(SubscriberPreferences(email: try EmailAddress(parsing: "\(name)@example.org")), at: TestTime.now,
                                               limits: ReaderMailLimits(interval: 600, perDay: 3), expiredBefore: TestTime.now.addingTimeInterval(-86400)) { _, _, _ in
                ReaderMailDraft(sender: "d@example.org", subject: "Confirm", messageID: "<\(name)@example.org>", message: Array("x".utf8))
            }
        }
        let before = try s.subscribers()
        let empty = try s.write("empty.yaml", "subscribers:\n")
        // 5 of 5 active: refused (counting the 5 pending as active, 5 of 10 went through).
        let refused = try s.run(["subscriber", "import", empty, "--prune"])
        #expect(refused.status == 65, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("leaves out 5 of 5 subscribers"), "\(refused.stderr)")
        #expect(try s.subscribers() == before)
        let yes = try s.run(["subscriber", "import", empty, "--prune", "--yes"])
        #expect(yes.status == 0, "\(yes.stderr)")
        #expect(yes.stdout.contains("backup of 5 subscribers before pruning"), "\(yes.stdout)")
        #expect(try s.subscribers().map(\.status) == Array(repeating: .pending, count: 5))
    }

    @Test func aCaseVariantOfASubscriberIsRefusedUnlessAllowed() throws {
        let s = try Setup()
        let file = try s.write("judy.yaml", "subscribers:\n  - email: Judy@Example.ORG\n")
        try s.run(["subscriber", "import", file]).expectSuccess()
        // Before: added as a second subscriber, and both got a digest.
        let add = try s.run(["subscriber", "add", "judy@example.org"])
        #expect(add.status == 65, "\(add.stdout)")
        #expect(add.stderr.contains("judy@example.org differs only in case from the subscriber Judy@example.org"), "\(add.stderr)")
        #expect(add.stderr.contains("--allow-case-variant"))
        #expect(try s.subscribers().map(\.email.description) == ["Judy@example.org"])

        // Import of a case variant: refused too, naming the stored address; nothing changes.
        let variant = try s.write("variant.yaml", "subscribers:\n  - email: JUDY@example.org\n  - email: new@example.org\n")
        let imported = try s.run(["subscriber", "import", variant])
        #expect(imported.status == 65)
        #expect(imported.stderr.contains("JUDY@example.org differs only in case from the subscriber Judy@example.org"), "\(imported.stderr)")
        #expect(try s.subscribers().count == 1)

        let allowed = try s.run(["subscriber", "add", "judy@example.org", "--allow-case-variant"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(try s.subscribers().count == 2)
    }

    @Test func twoCaseVariantsInOneFileAreAnErrorNamingBoth() throws {
        let s = try Setup()
        let file = try s.write("two.yaml", "subscribers:\n  - email: Judy@Example.ORG\n  - email: ada@example.org\n  - email: judy@example.org\n")
        let result = try s.run(["subscriber", "import", file])
        #expect(result.status == 65)
        #expect(result.stderr.contains("entry 3 (judy@example.org)"), "\(result.stderr)")
        #expect(result.stderr.contains("differs only in case from Judy@example.org at entry 1"), "\(result.stderr)")
        #expect(try s.subscribers().isEmpty)
    }

    @Test func anInternationalDomainIsStoredAsPunycode() throws {
        let s = try Setup()
        let add = try s.run(["subscriber", "add", "juergen@bücher.example"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout == "added juergen@xn--bcher-kva.example\n")
        let again = try s.run(["subscriber", "add", "juergen@xn--bcher-kva.example"])
        #expect(again.status == 65)
    }

    @Test func pruneGuardRule() {
        let rule = PruneGuard()
        // Everyone: refused however short the list.
        #expect(rule.refuses(removing: 1, ofActive: 1))
        #expect(rule.refuses(removing: 5, ofActive: 5))
        // More than half (2 or more): refused.
        #expect(!rule.refuses(removing: 2, ofActive: 5))
        #expect(rule.refuses(removing: 3, ofActive: 5))
        #expect(!rule.refuses(removing: 1, ofActive: 2))
        // More than 10 and more than 10 %: refused.
        #expect(!rule.refuses(removing: 10, ofActive: 30))
        #expect(rule.refuses(removing: 11, ofActive: 30))
        #expect(!rule.refuses(removing: 20, ofActive: 200))
        #expect(rule.refuses(removing: 21, ofActive: 200))
        #expect(!rule.refuses(removing: 0, ofActive: 0))
        #expect(PruneGuard(limit: 0).refuses(removing: 1, ofActive: 1000))
        #expect(!PruneGuard(limit: 50).refuses(removing: 50, ofActive: 60))
    }

    @Test func removeWritesABackupFirstAndOldBackupsArePruned() throws {
        let s = try fiveSubscribers()
        let folder = s.directory.appendingPathComponent("backups")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let old = folder.appendingPathComponent("subscribers-20261001T080000Z-remove.yaml").path
        let recent = folder.appendingPathComponent("subscribers-20261115T080000Z-remove.yaml").path
        try "subscribers: []\n".write(toFile: old, atomically: true, encoding: .utf8)
        try "subscribers: []\n".write(toFile: recent, atomically: true, encoding: .utf8)

        let removed = try s.run(["subscriber", "remove", "bob@example.org"])
        #expect(removed.status == 0, "\(removed.stderr)")
        let files = try backups(s)
        #expect(!files.contains(old), "a backup older than 30 days is deleted")
        #expect(files.contains(recent))
        let backup = try #require(files.first { $0.hasSuffix("-remove.yaml") && $0 != recent })
        #expect(removed.stdout.contains(backup))
        let text = try String(contentsOfFile: backup, encoding: .utf8)
        #expect(text.contains("bob@example.org"))
        #expect(text.contains("eve@example.org"))
        #expect(try s.subscribers().count == 4)
    }
}

extension CommandResult {
    func expectSuccess(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status == 0, "exit \(status): \(stderr)", sourceLocation: sourceLocation)
    }
}

func chmod(_ path: String, _ mode: Int) {
    try? FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
}

/// `paperboy explain` and `subscriber like`/`unlike` against a database filled from the demo corpus.
@Suite struct ExplainCLITests {
    func setup() throws -> TestSetup {
        let s = try TestSetup()
        let corpus = s.directory.appendingPathComponent("feeds.json")
        try Data(DemoCorpus.feedBytes).write(to: corpus)
        let store = try s.store()
        let papers = try DemoCorpus.papers(at: TestTime.now)
        try store.ingest(papers, source: SourceState(name: "demo"), at: TestTime.now)
        return s
    }

    @Test func explainListsTheDigestAndTheReasons() throws {
        let s = try setup()
        try s.run(["subscriber", "add", "ada@example.org", "--query", "\"knowledge distillation\"", "--max-papers", "3"]).expectSuccess()
        let text = try s.run(["explain", "ada@example.org"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Digest (3 papers):"))
        #expect(text.stdout.contains("matched: knowledge distillation"))
        #expect(text.stdout.contains("3 selected; 64 no match, 5 cut by max papers"))

        let json = try s.run(["explain", "ada@example.org", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["selected"] as? [[String: Any]])?.count == 3)
        let excluded = try #require(object["excluded"] as? [[String: Any]])
        #expect(excluded.filter { $0["reason"] as? String == "cut by max papers" }.count == 5)
        #expect(excluded.filter { $0["reason"] as? String == "no match" }.count == 64)
        #expect(object["empty_reason"] is NSNull || object["empty_reason"] == nil)
    }

    @Test func explainRunsOnTheDemoWithoutAConfig() throws {
        let text = try runPaperboy(["explain", "--demo", "ada@example.org"], environment: ["PAPERBOY_CONFIG": "/nonexistent/paperboy.yaml"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("ada@example.org at "), "\(text.stdout)")
        #expect(text.stdout.contains("Digest ("), "\(text.stdout)")
        let json = try runPaperboy(["explain", "--demo", "grace@example.org", "--json", "--at", "2026-11-30T12:30:00Z"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["email"] as? String == "grace@example.org")
        #expect(object["at"] as? String == "2026-11-30T12:30:00Z")
        #expect(((object["selected"] as? [Any])?.count ?? 0) + ((object["excluded"] as? [Any])?.count ?? 0) >= 72)
        let unknown = try runPaperboy(["explain", "--demo", "nobody@example.org"])
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("no subscriber has the address nobody@example.org"))
    }

    @Test func explainSaysWhyADigestIsEmpty() throws {
        let s = try setup()
        try s.run(["subscriber", "add", "bob@example.org", "--query", "quantum chromodynamics"]).expectSuccess()
        let nothing = try s.run(["explain", "bob@example.org"])
        #expect(nothing.stdout.contains("The digest would be empty. None of the 72 papers first seen in the 7 days before"))
        let later = try s.run(["explain", "bob@example.org", "--at", "2099-01-01T08:00:00Z"])
        #expect(later.stdout.contains("The digest would be empty. Nothing was fetched in the 7 days before 2099-01-01 08:00Z"))
        let bad = try s.run(["explain", "bob@example.org", "--at", "tomorrow"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--at \"tomorrow\" is not a time"))
    }

    @Test func likeAndUnlike() throws {
        let s = try setup()
        try s.run(["subscriber", "add", "ada@example.org", "--max-papers", "3"]).expectSuccess()
        let like = try s.run(["subscriber", "like", "ada@example.org", "arXiv:2410.18533v2"])
        #expect(like.status == 0, "\(like.stderr)")
        #expect(like.stdout.hasPrefix("ada@example.org likes 2410.18533 (LOGO"))
        #expect(try s.subscribers().first?.preferences.likes == ["2410.18533"])
        let export = try s.run(["subscriber", "export"])
        #expect(export.stdout.contains("    like: ['2410.18533']\n"))   // quoted: it would read as a number

        let unknown = try s.run(["subscriber", "like", "ada@example.org", "9999.99999"])
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("like: no stored paper has the id"))
        let malformed = try s.run(["subscriber", "like", "ada@example.org", "not-an-id"])
        #expect(malformed.status == 64)
        #expect(malformed.stderr.contains("like:"))

        #expect(try s.run(["subscriber", "unlike", "ada@example.org", "2410.18533"]).stdout == "ada@example.org no longer likes 2410.18533\n")
        #expect(try s.subscribers().first?.preferences.likes == [])
    }
}
