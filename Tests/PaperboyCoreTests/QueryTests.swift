import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing

@Suite struct QueryTests {
    // MARK: stemming and words

    /// Each pair checked against SQLite FTS5's porter tokenizer.
    @Test(arguments: [
        ("caresses", "caress"), ("ponies", "poni"), ("ties", "ti"), ("caress", "caress"), ("cats", "cat"),
        ("feed", "feed"), ("agreed", "agre"), ("plastered", "plaster"), ("bled", "bled"), ("motoring", "motor"),
        ("sing", "sing"), ("conflated", "conflat"), ("troubled", "troubl"), ("sized", "size"), ("hopping", "hop"),
        ("tanned", "tan"), ("falling", "fall"), ("hissing", "hiss"), ("fizzed", "fizz"), ("failing", "fail"),
        ("filing", "file"), ("happy", "happi"), ("sky", "sky"), ("relational", "relat"), ("conditional", "condit"),
        ("rational", "ration"), ("valenci", "valenc"), ("hesitanci", "hesit"), ("digitizer", "digit"),
        ("conformabli", "conform"), ("radicalli", "radic"), ("differentli", "differ"), ("vileli", "vile"),
        ("analogousli", "analog"), ("vietnamization", "vietnam"), ("predication", "predic"), ("operator", "oper"),
        ("feudalism", "feudal"), ("decisiveness", "decis"), ("hopefulness", "hope"), ("callousness", "callous"),
        ("formaliti", "formal"), ("sensitiviti", "sensit"), ("sensibiliti", "sensibl"), ("triplicate", "triplic"),
        ("formative", "form"), ("formalize", "formal"), ("electriciti", "electr"), ("electrical", "electr"),
        ("hopeful", "hope"), ("goodness", "good"), ("revival", "reviv"), ("allowance", "allow"), ("inference", "infer"),
        ("airliner", "airlin"), ("gyroscopic", "gyroscop"), ("adjustable", "adjust"), ("defensible", "defens"),
        ("irritant", "irrit"), ("replacement", "replac"), ("adjustment", "adjust"), ("dependent", "depend"),
        ("adoption", "adopt"), ("homologous", "homolog"), ("communism", "commun"), ("activate", "activ"),
        ("angulariti", "angular"), ("effective", "effect"), ("bowdlerize", "bowdler"), ("probate", "probat"),
        ("rate", "rate"), ("cease", "ceas"), ("controll", "control"), ("roll", "roll"),
        ("distillation", "distil"), ("distilling", "distil"), ("distill", "distil"), ("generalization", "gener"),
        ("adapters", "adapt"), ("adapter", "adapt"), ("learning", "learn"), ("continual", "continu"),
        ("transformers", "transform"), ("lifelong", "lifelong"), ("is", "is"), ("as", "as"), ("gpt4s", "gpt4"),
    ])
    func porterStemmerMatchesTheClassicAlgorithm(word: String, stem: String) {
        #expect(PorterStemmer.stem(word) == stem)
    }

    @Test func porterStemmerLeavesNonASCIIWordsAlone() {
        #expect(PorterStemmer.stem("müller") == "müller")
        #expect(PorterStemmer.stem("") == "")
    }

    @Test func wordsAreLowerCasedFoldedAndSplitOnPunctuation() {
        #expect(TextAnalyzer.words("Cross-lingual KD") == ["cross", "lingual", "kd"])
        #expect(TextAnalyzer.words("Müller, Ångström: façade Straße Øresund Æther") == ["muller", "angstrom", "facade", "strasse", "oresund", "aether"])
        #expect(TextAnalyzer.words("Jos\u{65}\u{301} ﬁne-tuning") == ["jose", "fine", "tuning"])
        #expect(TextAnalyzer.words("GPT-4o, v3.5 (2024)") == ["gpt", "4o", "v3", "5", "2024"])
        #expect(TextAnalyzer.words("  -- ") == [])
        #expect(TextAnalyzer.stems("Distilling Adapters") == ["distil", "adapt"])
    }

    // MARK: parsing

    private func word(_ text: String, _ field: QueryField? = nil, prefix: Bool = false) -> QueryNode {
        .term(QueryTerm(field: field, words: TextAnalyzer.words(text), isPhrase: false, isPrefix: prefix))
    }

    private func phrase(_ text: String, _ field: QueryField? = nil, prefix: Bool = false) -> QueryNode {
        .term(QueryTerm(field: field, words: TextAnalyzer.words(text), isPhrase: true, isPrefix: prefix))
    }

    private func root(_ text: String) throws -> QueryNode {
        try Query.parse(text).root
    }

    @Test func parsesWordsAndImpliedAnd() throws {
        #expect(try root("Distillation") == word("distillation"))
        #expect(try root("  knowledge   distillation ") == .and([word("knowledge"), word("distillation")]))
        #expect(try root("a AND b c") == .and([word("a"), word("b"), word("c")]))
        #expect(try root("and or not") == .and([word("and"), word("or"), word("not")]))
        #expect(try Query.parse("a b").description == "a b")
        #expect(try Query.parse("a b").text == "a b")
    }

    @Test func orBindsLooserThanAnd() throws {
        #expect(try root("a OR b c") == .or([word("a"), .and([word("b"), word("c")])]))
        #expect(try root("a b OR c") == .or([.and([word("a"), word("b")]), word("c")]))
        #expect(try root("a AND b OR c AND d") == .or([.and([word("a"), word("b")]), .and([word("c"), word("d")])]))
        #expect(try root("continual OR lifelong OR incremental") == .or([word("continual"), word("lifelong"), word("incremental")]))
    }

    @Test func notAndMinusBindTightest() throws {
        #expect(try root("adapter -diffusion") == .and([word("adapter"), .not(word("diffusion"))]))
        #expect(try root("adapter NOT diffusion") == .and([word("adapter"), .not(word("diffusion"))]))
        #expect(try root("NOT a OR b") == .or([.not(word("a")), word("b")]))
        #expect(try root("-(a OR b) c") == .and([.not(.or([word("a"), word("b")])), word("c")]))
        #expect(try root("--a") == .not(.not(word("a"))))
        #expect(try root("-\"a b\"") == .not(phrase("a b")))
    }

    @Test func parenthesesGroup() throws {
        #expect(try root("(continual OR lifelong) learning") == .and([.or([word("continual"), word("lifelong")]), word("learning")]))
        #expect(try root("((a))") == word("a"))
        #expect(try root("a (b OR c) -(d e)") == .and([word("a"), .or([word("b"), word("c")]), .not(.and([word("d"), word("e")]))]))
    }

    @Test func fieldsPhrasesPrefixesAndHyphens() throws {
        #expect(try root("\"Knowledge Distillation\"") == phrase("knowledge distillation"))
        #expect(try root("title:\"knowledge distillation\"") == phrase("knowledge distillation", .title))
        #expect(try root("abstract:teacher") == word("teacher", .abstract))
        #expect(try root("Title:X") == word("x", .title))
        #expect(try root("author:Hinton") == word("hinton", .author))
        #expect(try root("author:\"Geoffrey Hinton\"") == phrase("geoffrey hinton", .author))
        #expect(try root("category:cs.LG") == .term(QueryTerm(field: .category, words: ["cs", "lg"])))
        #expect(try root("category:cs.*") == .term(QueryTerm(field: .category, words: ["cs"], isPrefix: true)))
        #expect(try root("distill*") == word("distill", prefix: true))
        #expect(try root("title:distill*") == word("distill", .title, prefix: true))
        #expect(try root("\"knowledge distil\"*") == phrase("knowledge distil", prefix: true))
        #expect(try root("\"knowledge distil*\"") == phrase("knowledge distil", prefix: true))
        #expect(try root("\u{201C}knowledge distillation\u{201D}") == phrase("knowledge distillation"))
        #expect(try root("cross-lingual") == .term(QueryTerm(words: ["cross", "lingual"])))
        #expect(try root("10:30") == .term(QueryTerm(words: ["10", "30"])))
        #expect(try root("-title:x") == .not(word("x", .title)))
    }

    private func parseError(_ text: String) -> QueryError? {
        do {
            _ = try Query.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("", "the query is empty", 1),
        ("  \t ", "the query is empty", 1),
        ("(a OR", "unbalanced parenthesis", 1),
        ("(a OR b) AND (c", "unbalanced parenthesis", 14),
        ("(a (b)", "unbalanced parenthesis", 1),
        ("a OR b)", "unbalanced parenthesis", 7),
        (")a(", "unbalanced parenthesis", 1),
        ("AND", "AND needs a term before it", 1),
        ("a OR", "OR needs a term after it", 3),
        ("OR b", "OR needs a term before it", 1),
        ("NOT", "NOT needs a term after it", 1),
        ("a NOT", "NOT needs a term after it", 3),
        ("(a AND)", "AND needs a term after it", 4),
        ("a AND OR b", "AND needs a term after it", 3),
        ("(OR b)", "OR needs a term before it", 2),
    ])
    func reportsOperatorAndParenthesisErrors(text: String, message: String, column: Int) {
        #expect(parseError(text) == QueryError(message: message, column: column))
    }

    @Test(arguments: [
        ("\"open", "unterminated phrase", 1),
        ("a \"open b", "unterminated phrase", 3),
        ("foo:bar", "unknown field 'foo:'", 1),
        ("x arXiv:2401", "unknown field 'arXiv:'", 3),
        ("\"\"", "empty phrase", 1),
        ("a \" - \"", "empty phrase", 3),
        ("()", "empty parentheses", 1),
        ("a ( )", "empty parentheses", 3),
        ("a - b", "a lone '-'", 3),
        ("a -", "a lone '-'", 3),
        ("(a -)", "a lone '-'", 4),
        ("*", "a lone '*'", 1),
        ("a *", "a lone '*'", 3),
        ("dist*ll", "'*' goes only at the end of a word", 5),
        ("**", "'*' goes only at the end of a word", 1),
        ("title:", "'title:' needs a word", 1),
        ("x title: y", "'title:' needs a word", 3),
        ("title:(a b)", "'title:' applies to one word or \"phrase\", not to parentheses", 1),
        ("a & b", "'&' has no letters or digits", 3),
        ("-AND", "'-' needs a term right after it", 1),
    ])
    func reportsBadTermsWithTheirColumn(text: String, messageStart: String, column: Int) {
        let error = parseError(text)
        #expect(error?.message.hasPrefix(messageStart) == true, "\(String(describing: error))")
        #expect(error?.column == column)
    }

    @Test func errorsSayWhatToDo() {
        #expect(parseError("(a OR b) AND (c")?.description == "unbalanced parenthesis at column 14")
        #expect(parseError("foo:bar")?.message.contains("title:, abstract:, author: and category:") == true)
        #expect(parseError("arXiv:2401")?.message.contains("\"arXiv:2401\"") == true)
        #expect(parseError("\"open")?.message.contains("second \"") == true)
        // Quoted, a colon is only punctuation.
        #expect(parseError("\"arXiv:2401\"") == nil)
    }

    @Test func refusesNestingTooDeepButNotReasonableNesting() throws {
        let deep = String(repeating: "(", count: 150) + "a" + String(repeating: ")", count: 150)
        #expect(parseError(deep)?.message.contains("more than 100 deep") == true)
        #expect(parseError(deep)?.column == 101)
        #expect(parseError(String(repeating: "-", count: 500) + "a")?.column == 101)
        let fine = String(repeating: "(", count: 50) + "a" + String(repeating: ")", count: 50)
        #expect(try root(fine) == word("a"))
    }

    // MARK: matching

    private static func paper(_ title: String, _ abstract: String, authors: [String], categories: [String]) -> Paper {
        Paper(id: title, title: title, abstract: abstract, authors: authors, categories: categories, firstSeenAt: Date(timeIntervalSince1970: 0))
    }

    private static let papers = [
        paper("Knowledge Distillation for Continual Learning", "We compress a large teacher network into a small student.",
              authors: ["Geoffrey E. Hinton", "Jürgen Müller"], categories: ["cs.LG", "stat.ML"]),
        paper("Lifelong Learning with Adapters", "Knowledge is kept in small modules; distillation is not used. The adapter layers help cross-lingual transfer.",
              authors: ["Ana García"], categories: ["cs.CL"]),
        paper("Diffusion Adapters for Image Synthesis", "A lightweight adapter steers a diffusion model by distilling a larger one.",
              authors: ["Wei Li"], categories: ["cs.CV"]),
        paper("Crosslingual Transfer for Low-Resource Languages", "Multilingual encoders transfer well.",
              authors: ["Geoffrey Smith", "Anna Hinton"], categories: ["cs.CL", "cs.AI"]),
        paper("Teacher Forcing Revisited", "Sequence models trained with exposure bias corrections.",
              authors: ["Lucía Pérez"], categories: ["math.ST", "stat.ML"]),
        paper("Multilingual Encoders", "We study cross lingual transfer with multilingual encoders.",
              authors: [], categories: ["cs.CL"]),
    ]

    private let index = PaperIndex(papers: QueryTests.papers)

    private func matches(_ text: String) throws -> [Int] {
        index.matches(try Query.parse(text))
    }

    @Test func phrasesNeedTheirWordsInARow() throws {
        #expect(try matches("\"knowledge distillation\"") == [0])
        #expect(try matches("knowledge distillation") == [0, 1])
        #expect(try matches("\"distillation knowledge\"") == [])
        #expect(try matches("\"knowledge distil\"*") == [0])
        // Within one field: title's last word and abstract's first do not make a phrase.
        #expect(try matches("\"learning we\"") == [])
    }

    @Test func orAndNot() throws {
        #expect(try matches("continual OR lifelong") == [0, 1])
        #expect(try matches("adapter -diffusion") == [1])
        #expect(try matches("adapter NOT diffusion") == [1])
        #expect(try matches("lifelong OR diffusion adapters") == [1, 2])
        #expect(try matches("-diffusion") == [0, 1, 3, 4, 5])
        #expect(try matches("(continual OR lifelong) -(adapter OR teacher)") == [])
        #expect(try matches("KNOWLEDGE") == [0, 1])
    }

    @Test func stemmingMatchesOtherFormsOfAWord() throws {
        #expect(try matches("distill") == [0, 1, 2])
        #expect(try matches("distilling") == [0, 1, 2])
        #expect(try matches("adapters") == [1, 2])
        #expect(try matches("adapter") == [1, 2])
    }

    @Test func hyphenatedWordsMatchWithOrWithoutTheHyphen() throws {
        #expect(try matches("cross-lingual") == [1, 3, 5])
        #expect(try matches("\"cross lingual\"") == [1, 5])
        #expect(try matches("crosslingual") == [3])
        #expect(try matches("low-resource") == [3])
    }

    @Test func fieldPrefixes() throws {
        #expect(try matches("teacher") == [0, 4])
        #expect(try matches("title:teacher") == [4])
        #expect(try matches("abstract:teacher") == [0])
        #expect(try matches("title:\"knowledge distillation\"") == [0])
        #expect(try matches("abstract:\"knowledge distillation\"") == [])
    }

    @Test func authorsMatchWithinOneNameAccentsFolded() throws {
        #expect(try matches("author:hinton") == [0, 3])
        #expect(try matches("author:\"geoffrey hinton\"") == [0])
        #expect(try matches("author:geoffrey author:hinton") == [0, 3])
        #expect(try matches("author:\"hinton geoffrey\"") == [])
        #expect(try matches("author:muller") == [0])
        #expect(try matches("author:Müller") == [0])
        #expect(try matches("author:garcia OR author:perez") == [1, 4])
        #expect(try matches("author:hint*") == [0, 3])
        // No stemming on names.
        #expect(try matches("author:hintons") == [])
        #expect(try matches("hinton") == [])
    }

    @Test func categoriesMatchExactlyOrByArchive() throws {
        #expect(try matches("category:cs.LG") == [0])
        #expect(try matches("category:CS.lg") == [0])
        #expect(try matches("category:cs") == [0, 1, 2, 3, 5])
        #expect(try matches("category:cs.*") == [0, 1, 2, 3, 5])
        #expect(try matches("category:cs.C*") == [1, 2, 3, 5])
        #expect(try matches("category:stat") == [0, 4])
        #expect(try matches("category:math.ST") == [4])
        #expect(try matches("category:c") == [])
        #expect(try matches("category:lg") == [])
    }

    @Test func prefixesCompareUnstemmedWords() throws {
        #expect(try matches("distill*") == [0, 1, 2])
        #expect(try matches("distillat*") == [0, 1])
        #expect(try matches("adapt*") == [1, 2])
        #expect(try matches("title:adapt*") == [1, 2])
        #expect(try matches("cross-ling*") == [1, 3, 5])
        #expect(try matches("zzz*") == [])
    }

    @Test func matchedTermsListThePositiveTermsFoundAsWritten() throws {
        let query = try Query.parse("\"Knowledge Distillation\" OR continual OR lifelong -diffusion")
        #expect(index.matchedTerms(query, paper: 0) == ["Knowledge Distillation", "continual"])
        #expect(index.matchedTerms(query, paper: 1) == ["lifelong"])
        #expect(index.matchedTerms(query, paper: 4) == [])
        #expect(index.matchedTerms(query, paper: 99) == [])
        let negated = try Query.parse("adapters NOT diffusion NOT NOT image")
        #expect(index.matchedTerms(negated, paper: 2) == ["adapters", "image"])
        let fields = try Query.parse("title:distill* OR author:hinton OR category:cs.LG OR distill*")
        #expect(index.matchedTerms(fields, paper: 0) == ["distill*", "hinton", "cs.LG"])
    }

    @Test func anEmptyIndexMatchesNothing() throws {
        let empty = PaperIndex(papers: [])
        #expect(empty.matches(try Query.parse("a OR -b")) == [])
        #expect(empty.papers.isEmpty)
    }

    @Test func concurrentQueriesAgree() async throws {
        let queries = try ["distill", "continual OR lifelong", "adapter -diffusion", "author:hinton", "category:cs", "cross-lingual"].map(Query.parse)
        let expected = queries.map { PaperIndex(papers: QueryTests.papers).matches($0) }
        let shared = PaperIndex(papers: QueryTests.papers)
        let results = await withTaskGroup(of: [[Int]].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<50).flatMap { _ in queries.map(shared.matches) } }
            }
            return await group.reduce(into: [[[Int]]]()) { $0.append($1) }
        }
        for result in results {
            #expect(result == Array((0..<50).flatMap { _ in expected }))
        }
    }

    // MARK: robustness

    /// SplitMix64: a small seeded generator, so a failure can be replayed.
    private struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func parserNeverCrashesOrHangsOnRandomInput() {
        let pieces = [
            "a", "b", "x", "distill", "Knowledge", "cross-lingual", " ", " ", " ", "  ", "\t", "\n", "\"", "\"", "(", ")", "(", ")",
            "-", "*", ":", "AND", "OR", "NOT", " AND ", " OR ", " NOT ", "and", "title:", "author:", "category:", "cs.LG", "foo:",
            "10", ".", "&", "é", "ß", "Müller", "日本語", "👍🏽", "\u{301}", "🇫🇷", "\r\n", "\\", "'",
        ]
        var generator = SeededGenerator(state: 20_241_129)
        var parsed = 0
        var failures: [String] = []
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...24, using: &generator)
            let text = (0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined()
            do {
                let query = try Query.parse(text)
                _ = index.matches(query)
                _ = index.matchedTerms(query, paper: 0)
                parsed += 1
            } catch {
                if !(1...(text.count + 1)).contains(error.column) || error.message.isEmpty {
                    failures.append("\(text.debugDescription): \(error)")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        // The alphabet makes valid queries too, not only errors.
        #expect(parsed > 500)
    }
}
