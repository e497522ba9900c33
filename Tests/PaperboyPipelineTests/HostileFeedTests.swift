import Foundation
@testable import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// Inputs nested far deeper than any real one (50,000 levels, ~350 KB) give
/// errors, never a stack overflow. They are generated here, not committed.
enum DeepInput {
    static let depth = 50_000

    /// An Atom feed whose one entry holds `depth` nested elements.
    static var xmlFeed: String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>"
            + String(repeating: "<div>", count: depth) + String(repeating: "</div>", count: depth)
            + "</entry></feed>\n"
    }

    static var jsonArrays: String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
    static var jsonObjects: String { String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth) }
    static var yamlFlow: String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n" }
    /// Block sequences nested by compact notation: `- - - ... x`.
    static var yamlBlock: String { String(repeating: "- ", count: depth) + "x\n" }
}

private let fetchedAt = FeedDate.parse("2026-11-30T08:00:00Z")!
private let context = FeedContext(sourceName: "deep", fetchedAt: fetchedAt)

@Suite struct DeepNestingTests {
    @Test func aDeeplyNestedXMLFeedIsRefusedWithAPerSourceError() throws {
        #expect(DeepInput.xmlFeed.utf8.count > 340_000)
        do {
            _ = try SourceType.arxiv.parse(Array(DeepInput.xmlFeed.utf8), context: context)
            Issue.record("a 50,000-deep feed was accepted")
        } catch {
            #expect(error.code == .tooDeep)
            #expect(error.message.contains("more than 64 levels deep"), "\(error)")
            #expect(error.hint.contains("remove the source"))
        }
    }

    @Test func nestingUpToTheLimitIsRead() throws {
        // 64 levels in all: feed, entry and 62 more.
        let inner = String(repeating: "<div>", count: 62) + String(repeating: "</div>", count: 62)
        let feed = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>http://arxiv.org/abs/2410.18533v1</id><title>T</title>\(inner)</entry></feed>"
        let result = try SourceType.arxiv.parse(Array(feed.utf8), context: context)
        #expect(result.papers.map(\.id) == ["2410.18533"])
        let tooDeep = feed.replacingOccurrences(of: inner, with: "<div>" + inner + "</div>")
        #expect(throws: FeedError.self) { try SourceType.arxiv.parse(Array(tooDeep.utf8), context: context) }
    }

    @Test func rssItemsNestedInsideAChannelAreStillFound() throws {
        // `descendants` walks the tree without recursion, in document order.
        let rss = "<rss><channel><item><link>https://arxiv.org/abs/2410.18533</link><title>A</title></item><x><item><link>https://arxiv.org/abs/2602.23229</link><title>B</title></item></x></channel></rss>"
        let result = try SourceType.arxiv.parse(Array(rss.utf8), context: context)
        #expect(result.papers.map(\.id) == ["2410.18533", "2602.23229"])
    }

    @Test(arguments: [SourceType.json, SourceType.huggingface])
    func deeplyNestedJSONIsRefused(type: SourceType) throws {
        for body in [DeepInput.jsonArrays, DeepInput.jsonObjects] {
            do {
                _ = try type.parse(Array(body.utf8), context: context)
                Issue.record("a 50,000-deep JSON body was accepted")
            } catch {
                #expect(error.code == .tooDeep)
                #expect(error.message.contains("more than 64 levels deep"), "\(error)")
            }
        }
    }

    @Test func bracketsInsideJSONStringsDoNotCount() throws {
        let title = String(repeating: "[{", count: 100)
        let body = "[{\"title\": \"\(title) \\\" [\", \"summary\": \"s\", \"id\": \"2410.18533\"}]"
        let result = try SourceType.json.parse(Array(body.utf8), context: context)
        #expect(result.papers.count == 1)
    }

    @Test(arguments: ["flow", "block"])
    func aDeeplyNestedConfigIsAnError(style: String) throws {
        let yaml = style == "flow" ? DeepInput.yamlFlow : DeepInput.yamlBlock
        do {
            _ = try PaperboyConfig.parse(yaml, file: "deep.yaml")
            Issue.record("a 50,000-deep config was accepted")
        } catch {
            #expect(error.description.contains("deep.yaml"), "\(error)")
            #expect(error.description.contains("not valid YAML"), "\(error)")
            // libyaml stops at 1,000 levels, before Yams' recursive composer could exhaust the stack.
            #expect(error.description.contains("Maximum nesting level reached"), "\(error)")
        }
    }

    @Test(arguments: ["flow", "block"])
    func aDeeplyNestedConfigIsAnErrorOnATaskThreadToo(style: String) async throws {
        // A reload reads the config on a concurrency thread, whose stack is smaller than the main thread's.
        let yaml = "database: x\nsources: " + (style == "flow" ? DeepInput.yamlFlow : "\n  - " + DeepInput.yamlBlock)
        let message = await Task.detached { () -> String in
            do { _ = try PaperboyConfig.parse(yaml, file: "deep.yaml"); return "accepted" } catch { return "\(error)" }
        }.value
        #expect(message.contains("Maximum nesting level reached"), "\(message)")
    }

    @Test func nestingJustUnderLibyamlsLimitIsReadOnATaskThreadWithoutOverflow() async throws {
        // 990 levels pass libyaml; Yams then composes them recursively.
        let yaml = "database: x\nsources: " + String(repeating: "[", count: 990) + String(repeating: "]", count: 990) + "\n"
        let message = await Task.detached { () -> String in
            do { _ = try PaperboyConfig.parse(yaml, file: "deep.yaml"); return "accepted" } catch { return "\(error)" }
        }.value
        #expect(message.contains("deep.yaml"), "\(message)")
        #expect(!message.contains("Maximum nesting level"), "\(message)")
    }

    @Test(arguments: ["flow", "block"])
    func aDeeplyNestedSubscriberFileIsAnError(style: String) throws {
        let yaml = style == "flow" ? "subscribers: " + DeepInput.yamlFlow : "subscribers:\n  - " + DeepInput.yamlBlock
        do {
            _ = try SubscriberFile.parse(yaml, file: "deep.yaml")
            Issue.record("a 50,000-deep subscriber file was accepted")
        } catch {
            #expect(error.description.contains("deep.yaml"), "\(error)")
            #expect(error.description.contains("not valid YAML"), "\(error)")
            #expect(error.description.contains("Maximum nesting level reached"), "\(error)")
        }
    }
}

@Suite struct DeepFeedFetchTests {
    @Test func fetchReportsTheDeepFeedAndStoresTheOtherSource() throws {
        let directory = try TestPaths.temporaryDirectory()
        let deep = directory.appendingPathComponent("deep.xml")
        try DeepInput.xmlFeed.write(to: deep, atomically: true, encoding: .utf8)
        let (path, configDirectory) = try writeConfig("""
        database: papers.sqlite
        sources:
          - {name: deep, type: arxiv, url: "\(deep.absoluteString)"}
          - {name: good, type: arxiv, url: "\(TestPaths.fixtures.appendingPathComponent("arxiv-api-query.xml").absoluteString)"}
        """)
        let fetch = try runPaperboy(["fetch", "--config", path])
        // Partial failure keeps the existing convention: 0 when at least one source worked.
        #expect(fetch.status == 0, "\(fetch.stderr)")
        #expect(fetch.stdout.contains("deep: error: \(deep.absoluteString): the XML document nests elements more than 64 levels deep"), "\(fetch.stdout)")
        #expect(fetch.stdout.contains("good: fetched "), "\(fetch.stdout)")
        #expect(FileManager.default.fileExists(atPath: configDirectory.appendingPathComponent("papers.sqlite").path))
        let list = try runPaperboy(["papers", "list", "--config", path, "--json"])
        let papers = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(!papers.isEmpty)
        #expect(papers.allSatisfy { ($0["sources"] as? [String]) == ["good"] }, "\(list.stdout.prefix(300))")
        // The CLI records attempts and failures in a row like the daemon (it still fetches at once when asked).
        let again = try runPaperboy(["fetch", "--config", path])
        #expect(again.status == 0)
        #expect(again.stdout.contains("deep: error:"))
        let store = try Store(readOnlyPath: configDirectory.appendingPathComponent("papers.sqlite").path)
        #expect(try store.sourceState("deep")?.consecutiveFailures == 2)
        #expect(try store.sourceState("deep")?.lastAttemptAt != nil)
        #expect(try store.sourceState("good")?.consecutiveFailures == 0)
    }
}

@Suite struct XMLTreeTeardownTests {
    @Test func freeingTheTreeKeepsNodesStillHeldElsewhere() throws {
        // The iterative teardown must not empty an element a caller still holds.
        var entry: XMLElementNode?
        do {
            let root = try XMLTree.parse(Array("<feed><entry><id>1</id><author><name>Ada</name></author></entry></feed>".utf8))
            entry = root.child("entry")
        }
        #expect(entry?.childText("id") == "1")
        #expect(entry?.child("author")?.childText("name") == "Ada")
    }

    @Test func aDeepTreeIsFreedWithoutRecursion() throws {
        // Built by hand past the parse limit: freeing 50,000 levels must not overflow the stack.
        var root: XMLElementNode? = XMLElementNode(name: "feed", namespace: nil, attributes: [:])
        var leaf = root!
        for _ in 0..<DeepInput.depth {
            let child = XMLElementNode(name: "div", namespace: nil, attributes: [:])
            leaf.children.append(child)
            leaf = child
        }
        #expect(root!.descendants("div").count == DeepInput.depth)
        root = nil
        #expect(leaf.children.isEmpty)
    }
}
