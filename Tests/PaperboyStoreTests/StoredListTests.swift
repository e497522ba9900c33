@testable import PaperboyStore
import Testing

/// The JSON lists stored in text columns (categories, authors, likes, paper
/// ids) read back exactly as written, by the fast path and by JSONDecoder.
@Suite struct StoredListTests {
    @Test(arguments: [
        [], ["cs.LG"], ["2611.00001", "2611.00002", "2611.00003"], ["Müller", "Núñez, J.", "李 伟"],
        ["hep-th/9901001"], ["say \"hi\"", "back\\slash", "tab\there", "new\nline"], ["", "a"], ["[", "]", ","],
    ])
    func aListReadsBackAsWritten(list: [String]) {
        #expect(PaperRow.decode(PaperRow.encode(list)) == list)
    }

    @Test func textThatIsNoListReadsAsEmpty() {
        for text in ["", "[", "[\"a\" \"b\"]", "{\"a\":1}", "[1, 2]", "[\"a\""] {
            #expect(PaperRow.decode(text) == [], "\(text)")
        }
        #expect(PaperRow.decode("[\"a\",\"b\"]") == ["a", "b"])
    }
}
