import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing

/// A feed of the wrong kind is named for what it is, not in a decoder's words.
struct FeedShapeTests {
    let context = FeedContext(sourceName: "hf", fetchedAt: TestTime.now)

    func message(_ type: SourceType, _ body: String) -> String {
        do {
            _ = try type.parse(Array(body.utf8), context: context)
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test func aWebPageForHuggingFaceSaysWhatWasExpectedAndWhatCame() {
        let text = message(.huggingface, "<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>")
        #expect(text == "expected Hugging Face daily papers JSON (a list of objects with `paper`), got an HTML page (starts with `<!DOCTYPE html>`). "
                + "The url returns a web page (an error or login page?), not the feed: check the source's url", "\(text)")
    }

    @Test func aFeedOfAnotherTypeNamesTheTypeItLooksLike() {
        let atom = "<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"></feed>"
        #expect(message(.huggingface, atom) == "expected Hugging Face daily papers JSON (a list of objects with `paper`), got XML whose root is <feed>. "
                + "It looks like a source of type arxiv: check the source's type and url")
        #expect(message(.arxiv, "[{\"paper\": {}}]").hasPrefix("expected an arXiv Atom or RSS feed (XML with <feed> or <rss>), got a JSON array. It looks like a source of type huggingface"))
        #expect(message(.huggingface, "{\"error\": \"rate limited\"}").hasPrefix("expected Hugging Face daily papers JSON (a list of objects with `paper`), got a JSON object (starts with `{\"error\": \"rate limited\"}`)"))
    }

    @Test func anEmptyBodyIsNamed() throws {
        #expect(message(.huggingface, "") == "expected Hugging Face daily papers JSON (a list of objects with `paper`), got an empty response. The server sent nothing: check the source's url")
        #expect(message(.arxiv, "  \n").hasPrefix("expected an arXiv Atom or RSS feed (XML with <feed> or <rss>), got an empty response"))
        #expect(message(.json, "").hasPrefix("expected a JSON array of papers or JSON Lines (objects with `title` and `summary`), got an empty response"))
    }

    @Test func noDecoderJargonForCommonMistakes() {
        for (type, body) in [(SourceType.huggingface, "<html></html>"), (.huggingface, "{}"), (.arxiv, ""), (.json, "<rss></rss>"), (.huggingface, "Not Found")] {
            let text = message(type, body)
            for jargon in ["The given data was not valid JSON", "found a dictionary instead", "document is empty", "column 1"] {
                #expect(!text.contains(jargon), "\(type) / \(body): \(text)")
            }
        }
    }

    @Test(arguments: [
        ("<?xml version='1.0'?><!-- c --><rss version='2.0'>", BodyShape.xml(root: "rss")),
        ("\u{FEFF}<rdf:RDF>", .xml(root: "rdf:RDF")), ("  [1]", .jsonArray), ("{\"a\":1}\n{\"a\":2}", .jsonObject),
        ("<HTML>", .html), ("", .empty), ("Not Found", .text("Not Found")),
    ])
    func sniffing(body: String, shape: BodyShape) {
        #expect(BodyShape.sniff(Array(body.utf8)) == shape)
    }
}
