/// A paper chosen for a digest, with the parts of its score.
public struct RankedPaper: Sendable {
    public var paper: Paper
    /// The blended score that ordered it (higher first).
    public var score: Double
    /// BM25 relevance to the query, scaled so the subscriber's best candidate
    /// is 1; 0 without a query.
    public var relevance: Double
    /// Upvotes decayed by age, scaled so the window's most trending paper is 1.
    public var trending: Double
    /// The subscriber's learned score (`ReaderModel`, trained on their likes
    /// and Not for me papers), scaled into -1...1 by the largest magnitude
    /// among their candidates (usually the best, which gets 1); below 0 for
    /// a paper less like their likes than the window's average paper; 0
    /// without likes.
    public var learned: Double
    /// The words that added most to `learned`, most first (filled for `explain`).
    public var learnedTerms: [String]
    /// Cosine similarity to the most similar paper the subscriber marked
    /// "Not for me" (0 to 1, not rescaled: only a close paper loses much).
    public var dislikeSimilarity: Double
    /// The subscriber's query terms found in the paper, as they wrote them.
    public var matchedTerms: [String]

    public init(paper: Paper, score: Double, relevance: Double, trending: Double, learned: Double, matchedTerms: [String], dislikeSimilarity: Double = 0,
                learnedTerms: [String] = []) {
        self.paper = paper
        self.score = score
        self.relevance = relevance
        self.trending = trending
        self.learned = learned
        self.learnedTerms = learnedTerms
        self.dislikeSimilarity = dislikeSimilarity
        self.matchedTerms = matchedTerms
    }
}

/// Why a paper is not in a subscriber's digest.
public enum ExclusionReason: String, Sendable, Codable, CaseIterable {
    case outsideWindow = "outside the window"
    case noMatch = "no match"
    /// The subscriber filters by category and the paper has none at all
    /// (Hugging Face lists none), while the rest of their filter matches it.
    case noCategories = "no categories known"
    case belowMinUpvotes = "below min upvotes"
    case alreadySent = "already sent"
    /// The subscriber liked it: they know it already.
    case liked = "already liked"
    /// The subscriber marked it "Not for me": it never comes back.
    case disliked = "marked Not for me"
    case cutByMaxPapers = "cut by max papers"

    /// The reason in a sentence, for a line of `paperboy explain`.
    public var explanation: String {
        switch self {
        case .noCategories:
            return "no categories known for this paper (Hugging Face lists none; an arxiv source with the same paper adds them)"
        default:
            return rawValue
        }
    }
}

/// A paper left out of a digest, and why.
public struct ExcludedPaper: Sendable {
    public var paper: Paper
    public var reason: ExclusionReason
    /// The score it had, for papers cut by max papers.
    public var ranked: RankedPaper?
}

/// Everything `paperboy explain` shows for one subscriber at one time.
public struct DigestExplanation: Sendable {
    /// The digest, best first.
    public var selected: [RankedPaper]
    /// Every other paper considered, with its reason, in the order explain lists them.
    public var excluded: [ExcludedPaper]
    /// When the digest is empty: why, in one sentence.
    public var emptyReason: String?
}
