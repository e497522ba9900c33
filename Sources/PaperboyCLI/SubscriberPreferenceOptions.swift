import ArgumentParser
import PaperboyCore

/// The preference options `add` and `set` share.
struct SubscriberPreferenceOptions: ParsableArguments {
    @Option(help: "The subscriber's name, used in the greeting and the To header.")
    var name: String?

    @Option(help: "What to read, in the query language (see docs/query-language.md); none means the top trending papers.")
    var query: String?

    @Option(name: .customLong("category"), help: ArgumentHelp("An arXiv category or archive (cs.LG, cs); repeat for more (any of them).", valueName: "CATEGORY"))
    var categories: [String] = []

    @Option(name: .customLong("author"), help: ArgumentHelp("An author to follow; repeat for more (any of them).", valueName: "NAME"))
    var authors: [String] = []

    @Option(help: "Only papers with at least this many upvotes (papers without upvote data count as 0).")
    var minUpvotes: Int?

    @Option(help: "Papers per digest, 1 to 100 (default: digest.max_papers, else 10).")
    var maxPapers: Int?

    @Option(help: "daily HH:MM [ZONE], weekdays HH:MM [ZONE] or weekly DAYS HH:MM [ZONE] (default: digest.schedule, else daily 08:00 UTC).")
    var schedule: String?

    @Option(help: "both (HTML with a plain-text alternative, the default) or text.")
    var format: String?

    mutating func validate() throws {
        var scratch = try SubscriberPreferences(email: EmailAddress(parsing: "check@example.org"))
        do {
            try apply(to: &scratch)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Writes every option given onto `preferences`, validating each.
    func apply(to preferences: inout SubscriberPreferences) throws(SubscriberFieldError) {
        if let name { preferences.name = try SubscriberValidation.name(name) }
        if let query { preferences.query = try SubscriberValidation.query(query) }
        if !categories.isEmpty { preferences.categories = try SubscriberValidation.categories(categories) }
        if !authors.isEmpty { preferences.authors = try SubscriberValidation.authors(authors) }
        if let minUpvotes { preferences.minUpvotes = try SubscriberValidation.minUpvotes(minUpvotes) }
        if let maxPapers { preferences.maxPapers = try SubscriberValidation.maxPapers(maxPapers) }
        if let schedule { preferences.schedule = try SubscriberValidation.schedule(schedule) }
        if let format { preferences.format = try SubscriberValidation.format(format) }
    }
}
