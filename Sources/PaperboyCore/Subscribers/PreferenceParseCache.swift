/// Remembers parsed queries and schedules by their text, for bulk work
/// (importing or loading 100,000 subscribers who share a few dozen queries
/// and schedules). Parsing is pure, so a cached result is the same value.
/// Not thread-safe: one per bulk operation.
public final class PreferenceParseCache {
    private var queries: [String: Result<Query, SubscriberFieldError>] = [:]
    private var schedules: [String: Result<Schedule, SubscriberFieldError>] = [:]
    private var categoryLists: [[String]: Result<[String], SubscriberFieldError>] = [:]

    public init() {}

    public func query(_ text: String) throws(SubscriberFieldError) -> Query? {
        if let known = queries[text] { return try known.get() }
        if TextNormalizer.trimmed(text).isEmpty { return nil }
        let result: Result<Query, SubscriberFieldError>
        do {
            guard let query = try SubscriberValidation.query(text) else { return nil }
            result = .success(query)
        } catch {
            result = .failure(error)
        }
        queries[text] = result
        return try result.get()
    }

    /// `SubscriberValidation.categories`, remembered by the list as written.
    public func categories(_ values: [String]) throws(SubscriberFieldError) -> [String] {
        if values.isEmpty { return [] }
        if let known = categoryLists[values] { return try known.get() }
        let result: Result<[String], SubscriberFieldError>
        do {
            result = .success(try SubscriberValidation.categories(values))
        } catch {
            result = .failure(error)
        }
        categoryLists[values] = result
        return try result.get()
    }

    public func schedule(_ text: String) throws(SubscriberFieldError) -> Schedule {
        if let known = schedules[text] { return try known.get() }
        let result: Result<Schedule, SubscriberFieldError>
        do {
            result = .success(try SubscriberValidation.schedule(text))
        } catch {
            result = .failure(error)
        }
        schedules[text] = result
        return try result.get()
    }
}
