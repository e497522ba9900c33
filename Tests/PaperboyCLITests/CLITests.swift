import Foundation
import PaperboyTestSupport
import Testing

/// Runs the built `paperboy` binary as a user would.
@Suite struct CLITests {
    let server = FixtureServer.shared

    @Test func papersListJSONOnTheDemoCorpusIsValidJSON() throws {
        let result = try runPaperboy(["papers", "list", "--demo", "--json"])
        #expect(result.status == 0)
        let papers = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(papers.count == 72)
        #expect(papers.allSatisfy { $0["id"] is String && $0["title"] is String })
        #expect(papers.filter { $0["upvotes"] != nil }.count == 2)
        #expect(papers.allSatisfy { $0["first_seen_at"] is String && $0["firstSeenAt"] == nil && $0["ai_keywords"] is [Any] })
    }

    @Test func papersListPrintsATable() throws {
        let result = try runPaperboy(["papers", "list", "--demo", "--limit", "3"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines.first?.hasPrefix("ID") == true)
        #expect(lines.last == "showing 3 of 72 papers; use --limit N to see more")
    }

    @Test func papersListSaysWhenTheLimitCutsTheList() throws {
        let all = try runPaperboy(["papers", "list", "--demo", "--limit", "72"])
        #expect(all.stdout.split(separator: "\n").last == "72 papers")
        #expect(all.stderr.isEmpty)
        let json = try runPaperboy(["papers", "list", "--demo", "--json", "--limit", "5"])
        #expect(json.status == 0)
        let papers = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(papers.count == 5)
        #expect(json.stderr == "paperboy: showing 5 of 72 papers; use --limit N to see more\n")
        let whole = try runPaperboy(["papers", "list", "--demo", "--json"])
        #expect(whole.stderr.isEmpty, "100 is more than 72: nothing was cut")
    }

    @Test func fetchWithAnUnknownConfigKeyExits78NamingTheKey() throws {
        let (path, _) = try writeConfig("""
        database: papers.sqlite
        sorces:
          - {name: hf, type: huggingface, url: "\(server.url("/fixtures/hf-daily-papers.json"))"}
        """)
        let result = try runPaperboy(["fetch", "--config", path])
        #expect(result.status == 78)
        #expect(result.stderr.contains(path))
        #expect(result.stderr.contains("sorces"))
        #expect(result.stderr.contains("sorces: unknown key at the top level (did you mean sources?); allowed keys: database, database_password_file, fetch, sources, digest, from, base_url, unsubscribe_mailto, secret_file, previous_secret_files, templates, dkim, smtp"))
        #expect(!FileManager.default.fileExists(atPath: (path as NSString).deletingLastPathComponent + "/papers.sqlite"))
    }

    @Test func aMissingConfigFileExits78() throws {
        let result = try runPaperboy(["fetch"], environment: ["PAPERBOY_CONFIG": "/nonexistent/paperboy.yaml"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("/nonexistent/paperboy.yaml: the config file does not exist"))
    }

    @Test func fetchThenListAndShowFromTheDatabase() throws {
        let (path, directory) = try writeConfig("""
        database: papers.sqlite
        fetch: {timeout: 3s}
        sources:
          - name: hf
            type: huggingface
            url: "\(server.url("/fixtures/hf-daily-papers.json"))"
            interval: 1h
          - name: broken
            type: arxiv
            url: "\(server.url("/status/500"))"
        """)
        let fetch = try runPaperboy(["fetch", "--config", path])
        #expect(fetch.status == 0, "one source worked: \(fetch.stderr)")
        #expect(fetch.stdout.contains("hf: fetched 2, new 2, updated 0, unchanged 0"))
        #expect(fetch.stdout.contains("broken: error: \(server.url("/status/500"))"))
        #expect(fetch.stdout.contains("HTTP 500"))
        // Said once (not again on stderr), and with no promise of a retry that a one-shot does not make.
        #expect(!fetch.stderr.contains("/status/500"), "the error is printed twice: \(fetch.stderr)")
        #expect(!fetch.stdout.contains("will be retried"), "\(fetch.stdout)")
        #expect(fetch.stdout.contains("try again later"), "\(fetch.stdout)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("papers.sqlite").path))

        let again = try runPaperboy(["fetch", "--config", path, "--source", "hf"])
        #expect(again.status == 0)
        #expect(again.stdout == "hf: unchanged (HTTP 304 Not Modified)\n")

        let list = try runPaperboy(["papers", "list", "--config", path, "--json"])
        let papers = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(Set(papers.compactMap { $0["id"] as? String }) == ["2410.18533", "2602.23229"])

        let show = try runPaperboy(["papers", "show", "2602.23229v1", "--config", path, "--json"])
        #expect(show.status == 0)
        let paper = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(paper["upvotes"] as? Int == 10)
        // snake_case keys, like `subscriber list --json`.
        #expect(paper["first_seen_at"] is String && paper["published_at"] is String, "\(paper.keys.sorted())")
        #expect(paper["ai_keywords"] != nil && paper["firstSeenAt"] == nil)

        let missing = try runPaperboy(["papers", "show", "9999.99999", "--config", path])
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("no stored paper has the id \"9999.99999\""))
    }

    @Test func fetchExits69WhenEverySourceFails() throws {
        let (path, _) = try writeConfig("""
        database: papers.sqlite
        sources:
          - {name: gone, type: json, url: "\(server.url("/status/404"))"}
          - {name: odd, type: json, url: "gopher://127.0.0.1:70/1"}
        """)
        let result = try runPaperboy(["fetch", "--config", path])
        #expect(result.status == 69)
        #expect(result.stdout.contains("gone: error:"))
        #expect(result.stdout.contains("odd: error: gopher://127.0.0.1:70/1"))
    }

    @Test func fetchRejectsAnUnknownSourceName() throws {
        let (path, _) = try writeConfig("""
        database: papers.sqlite
        sources:
          - {name: hf, type: huggingface, url: "\(server.url("/fixtures/hf-daily-papers.json"))"}
        """)
        let result = try runPaperboy(["fetch", "--config", path, "--source", "arxiv"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("no source named \"arxiv\""))
        #expect(result.stderr.contains("configured: hf"))
    }
}

@Suite struct PapersSearchCLITests {
    @Test func searchesTheDemoCorpus() throws {
        let result = try runPaperboy(["papers", "search", "--demo", "--json", "\"knowledge distillation\""])
        #expect(result.status == 0, "\(result.stderr)")
        let hits = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(!hits.isEmpty)
        for hit in hits {
            let paper = try #require(hit["paper"] as? [String: Any])
            let text = ((paper["title"] as? String ?? "") + " " + (paper["abstract"] as? String ?? "")).lowercased()
            #expect(text.contains("knowledge distillation"))
            #expect(hit["matched"] as? [String] == ["knowledge distillation"])
        }
    }

    @Test func aBrokenQueryExits64NamingTheColumn() throws {
        let result = try runPaperboy(["papers", "search", "--demo", "continual AND (lifelong"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("query: unbalanced parenthesis at column 15"))
    }
}
