/// How candidates are ordered (`digest.ranking`): relevance to the query
/// and the learned score from the likes, weighted and added, raised by
/// trending (upvotes decayed by age), less the similarity to the papers
/// they marked "Not for me"; the formula is in `DigestSelector+Ranking.swift`.
public struct RankingSettings: Sendable, Equatable {
    /// Weight of BM25 relevance to the query (`relevance`, default 1).
    public var relevance: Double = 1
    /// How much trending raises a score (`trending`, default 0.5: the
    /// window's most trending paper counts 1.5 times).
    public var trending: Double = 0.5
    /// Weight of the learned score from the likes (`likes`, default 1).
    public var likes: Double = 1
    /// Weight of the similarity to papers marked "Not for me", subtracted
    /// (`dislikes`, default 1; 0 turns the penalty off, the papers themselves stay out).
    public var dislikes: Double = 1
    /// Upvotes lose half their weight every `half_life` since the paper was first seen (default 3 days).
    public var halfLife: Double = 3 * 86400
    /// A query word in the title counts this many times one in the abstract (`title_weight`, default 2).
    public var titleWeight: Double = 2

    public init() {}
}

extension RankingSettings {
    static let keys = ["relevance", "trending", "likes", "dislikes", "half_life", "title_weight"]

    static func read(_ reader: ConfigReader?) throws(ConfigError) -> RankingSettings {
        var settings = RankingSettings()
        guard var reader else { return settings }
        func weight(_ key: String, _ reader: inout ConfigReader) throws(ConfigError) -> Double? {
            guard let text = try reader.string(key) else { return nil }
            guard let value = Double(text), value >= 0, value.isFinite else {
                throw reader.error(key, "\"\(text)\" is not a weight; use a number of 0 or more, such as 0.5")
            }
            return value
        }
        if let value = try weight("relevance", &reader) { settings.relevance = value }
        if let value = try weight("trending", &reader) { settings.trending = value }
        if let value = try weight("likes", &reader) { settings.likes = value }
        if let value = try weight("dislikes", &reader) { settings.dislikes = value }
        if let value = try weight("title_weight", &reader) { settings.titleWeight = value }
        if let value = try reader.duration("half_life", in: 3600...(366 * 86400)) { settings.halfLife = value }
        try reader.finish(allowed: keys)
        return settings
    }
}
