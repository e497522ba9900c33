import Foundation
import PaperboyCore
import PaperboyPipeline

/// The values the reader's page templates are filled with: the settings
/// fields (from a `ReaderForm` and its errors) and lists of papers. Text
/// only: the templates' `{{ }}` escape it.
enum ReaderPageValues {
    static let cadences = [("daily", "Every day"), ("weekdays", "Monday to Friday"), ("weekly", "Once a week")]
    static let weekdays = [("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"), ("fri", "Friday"),
                           ("sat", "Saturday"), ("sun", "Sunday")]
    static let formats = [("both", "HTML with a plain-text part"), ("text", "Plain text only")]

    /// Every zone Foundation knows, UTC first.
    static let zones: [String] = ["UTC"] + TimeZone.knownTimeZoneIdentifiers.filter { $0 != "UTC" }.sorted()

    /// The posted form: `ReaderForm`'s fields by their property names.
    static func form(_ body: FormBody) -> ReaderForm {
        var form = ReaderForm()
        form.email = body["email"].trimmingCharacters(in: .whitespacesAndNewlines)
        form.query = body["query"]
        form.categories = body.all("categories")
        form.authors = body["authors"]
        form.minUpvotes = body["minUpvotes"]
        form.maxPapers = body["maxPapers"]
        if body.has("cadence") { form.cadence = body["cadence"] }
        if body.has("weekday") { form.weekday = body["weekday"] }
        if body.has("time") { form.time = body["time"] }
        if body.has("timeZone") { form.timeZone = body["timeZone"] }
        if body.has("format") { form.format = body["format"] }
        return form
    }

    /// The settings fields' values. `withEmail`: the subscribe page;
    /// `withMore`: the preference centre's authors and minimum upvotes;
    /// `prefillZone`: let the script set the browser's zone (a form not yet posted).
    static func fields(_ form: ReaderForm, errors: ReaderFormErrors, config: PaperboyConfig,
                       withEmail: Bool, withMore: Bool, prefillZone: Bool) -> [String: Any] {
        func options(_ list: [(String, String)], _ chosen: String) -> [[String: Any]] {
            list.map { ["value": $0.0, "label": $0.1, "selected": $0.0 == chosen] }
        }
        var zones = zones
        if !form.timeZone.isEmpty, !zones.contains(form.timeZone) { zones.insert(form.timeZone, at: 0) }
        let offered = config.web.categories + form.categories.filter { !config.web.categories.contains($0) }
        var values: [String: Any] = [
            "with_email": withEmail,
            "with_more": withMore,
            "prefill_zone": prefillZone,
            "email": form.email,
            "query": form.query,
            "has_categories": !offered.isEmpty,
            "categories": offered.map { ["name": $0, "checked": form.categories.contains($0)] as [String: Any] },
            "authors": form.authors,
            "min_upvotes": form.minUpvotes,
            "cadences": options(cadences, form.cadence),
            "weekdays": options(weekdays, form.weekday),
            "time": form.time,
            "zones": zones.map { ["name": $0, "selected": $0 == form.timeZone] as [String: Any] },
            "formats": options(formats, form.format),
            "max_papers": form.maxPapers,
            "max_papers_default": String(config.digest.maxPapers),
            "max_papers_limit": String(SubscriberValidation.maxPapersRange.upperBound),
        ]
        let names = ["email": "email_error", "query": "query_error", "categories": "categories_error", "authors": "authors_error",
                     "minUpvotes": "min_upvotes_error", "maxPapers": "max_papers_error", "cadence": "cadence_error",
                     "weekday": "weekday_error", "time": "time_error", "timeZone": "time_zone_error", "format": "format_error"]
        for (field, message) in errors.byField {
            values[names[field] ?? "query_error"] = message
        }
        return values
    }

    /// A list of papers (`papers.mustache`); `empty` is said when there are none.
    static func papers(_ papers: [RankedPaper], empty: String) -> [String: Any] {
        [
            "has_papers": !papers.isEmpty,
            "empty_text": empty,
            "papers": papers.map { ranked -> [String: Any] in
                let paper = ranked.paper
                var item: [String: Any] = ["title": paper.title]
                if let url = paper.links.abstract.flatMap(WebURL.safe) { item["url"] = url }
                if !paper.authors.isEmpty {
                    item["authors"] = paper.authors.prefix(4).joined(separator: ", ") + (paper.authors.count > 4 ? ", et al." : "")
                }
                return item
            },
        ]
    }
}
