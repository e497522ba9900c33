import Foundation
import PaperboyCore

/// The fields of the subscribe form and the preference centre, as posted
/// (text, before validation), and the one mapping from them to
/// `SubscriberPreferences` with the CLI's rules.
public struct ReaderForm: Sendable, Equatable {
    public var email = ""
    /// A query in the query language; empty for "the top trending papers".
    public var query = ""
    /// Chosen from `web.categories`.
    public var categories: [String] = []
    /// Preference centre only: authors, one per line or comma-separated.
    public var authors = ""
    /// Preference centre only.
    public var minUpvotes = ""
    /// Empty for `digest.max_papers`.
    public var maxPapers = ""
    /// `daily`, `weekdays` or `weekly`.
    public var cadence = "daily"
    /// For `weekly`: `mon` … `sun`.
    public var weekday = "mon"
    /// `HH:MM`, 24-hour.
    public var time = "08:00"
    /// An IANA time zone, such as Europe/Berlin.
    public var timeZone = "UTC"
    /// `both` or `text`.
    public var format = "both"

    public init() {}
}

/// A form's problems, by field name (`ReaderForm`'s property names), to show next to each field.
public struct ReaderFormErrors: Sendable, Equatable {
    public var byField: [String: String]
    public init(byField: [String: String] = [:]) { self.byField = byField }
    public var isEmpty: Bool { byField.isEmpty }
}

extension ReaderFormErrors: Error {}

extension ReaderForm {
    /// The values the form starts with for `preferences` (the preference
    /// centre): their schedule, else `digest.schedule`; an empty max papers
    /// for "the operator's default".
    public init(_ preferences: SubscriberPreferences, config: PaperboyConfig) {
        self.init()
        email = preferences.email.description
        query = preferences.query?.text ?? ""
        categories = preferences.categories
        authors = preferences.authors.joined(separator: "\n")
        minUpvotes = preferences.minUpvotes == 0 ? "" : String(preferences.minUpvotes)
        maxPapers = preferences.maxPapers.map(String.init) ?? ""
        let schedule = preferences.schedule ?? config.digest.schedule
        // The canonical text: "daily 08:00 UTC", "weekly mon,thu 07:30 Europe/Berlin".
        let words = schedule.description.split(separator: " ").map(String.init)
        cadence = words.first ?? "daily"
        if cadence == "weekly", words.count == 4 { weekday = words[1] }
        time = words.count >= 2 ? words[words.count - 2] : "08:00"
        timeZone = schedule.zone
        format = preferences.format.rawValue
    }

    /// The preferences this form asks for, checked with the CLI's rules
    /// (`SubscriberValidation`, `Schedule.parse`, the query language), or
    /// every field's problem by field name. A query error keeps its column:
    /// "column 14: unbalanced parenthesis".
    ///
    /// `base` is the stored subscriber's preferences (the preference
    /// centre): what the form does not show (their name, likes, dislikes,
    /// paused) is kept, the address is theirs whatever the form says (a new
    /// address needs its own confirmation), categories they have that
    /// `web.categories` no longer offers may stay, and a schedule left at
    /// `digest.schedule` stays "the operator's default". Without `base`
    /// (the subscribe page) the address comes from the form.
    public func preferences(config: PaperboyConfig, base: SubscriberPreferences? = nil) throws(ReaderFormErrors) -> SubscriberPreferences {
        var errors: [String: String] = [:]
        func check<T>(_ field: String, _ body: () throws -> T) -> T? {
            do {
                return try body()
            } catch let error as SubscriberFieldError {
                errors[field] = error.message
            } catch {
                errors[field] = "\(error)"
            }
            return nil
        }
        let address: EmailAddress? = base?.email ?? check("email") {
            guard !TextNormalizer.trimmed(email).isEmpty else {
                throw SubscriberFieldError(field: "email", message: "enter your email address, such as ada@example.org")
            }
            return try SubscriberValidation.email(TextNormalizer.trimmed(email))
        }
        let parsedQuery: Query?? = check("query") { try Self.query(query) }
        let offered = Set(config.web.categories + (base?.categories ?? []))
        let parsedCategories = check("categories") { () throws -> [String] in
            let chosen = try SubscriberValidation.categories(categories.filter { !TextNormalizer.trimmed($0).isEmpty })
            if let other = chosen.first(where: { !offered.contains($0) }) {
                let choices = config.web.categories.isEmpty ? "none are offered here" : "choose from \(config.web.categories.joined(separator: ", "))"
                throw SubscriberFieldError(field: "categories", message: "\(other) is not offered; \(choices)")
            }
            return chosen
        }
        let parsedAuthors = check("authors") {
            try SubscriberValidation.authors(authors.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "," })
                .map { TextNormalizer.trimmed(String($0)) }.filter { !$0.isEmpty })
        }
        let parsedMinUpvotes = check("minUpvotes") { try SubscriberValidation.minUpvotes(try Self.number(minUpvotes, field: "minUpvotes") ?? 0) }
        let parsedMaxPapers: Int?? = check("maxPapers") { try Self.number(maxPapers, field: "maxPapers").map(SubscriberValidation.maxPapers) }
        let parsedSchedule = schedule(recording: &errors)
        let parsedFormat = check("format") { try SubscriberValidation.format(format) }
        guard errors.isEmpty, let address, let parsedQuery, let parsedCategories, let parsedAuthors, let parsedMinUpvotes,
              let parsedMaxPapers, let parsedSchedule, let parsedFormat else {
            throw ReaderFormErrors(byField: errors)
        }
        var result = base ?? SubscriberPreferences(email: address)
        result.query = parsedQuery
        result.categories = parsedCategories
        result.authors = parsedAuthors
        result.minUpvotes = parsedMinUpvotes
        result.maxPapers = parsedMaxPapers
        if let base, base.schedule == nil, parsedSchedule == config.digest.schedule {
            result.schedule = nil
        } else {
            result.schedule = parsedSchedule
        }
        result.format = parsedFormat
        return result
    }

    /// A query as the CLI reads it (nil when empty), its error as "column N: …".
    static func query(_ text: String) throws(SubscriberFieldError) -> Query? {
        if TextNormalizer.trimmed(text).isEmpty { return nil }
        if text.count > 1000 {
            throw SubscriberFieldError(field: "query", message: "the query is \(text.count) characters long; at most 1000 are allowed")
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            throw SubscriberFieldError(field: "query", message: "the query contains a line break or control character; write it on one line")
        }
        do {
            return try Query.parse(text)
        } catch {
            throw SubscriberFieldError(field: "query", message: "column \(error.column): \(error.message)")
        }
    }

    /// A whole number typed in a field; nil when the field is empty.
    static func number(_ text: String, field: String) throws(SubscriberFieldError) -> Int? {
        let trimmed = TextNormalizer.trimmed(text)
        if trimmed.isEmpty { return nil }
        guard trimmed.count <= 9, let value = Int(trimmed) else {
            throw SubscriberFieldError(field: field, message: "\"\(trimmed.prefix(20))\" is not a whole number")
        }
        return value
    }

    /// The schedule of cadence, weekday, time and zone, each field's problem recorded by its name.
    func schedule(recording errors: inout [String: String]) -> Schedule? {
        func words(_ text: String) -> String? {
            let trimmed = TextNormalizer.trimmed(text)
            return trimmed.isEmpty || trimmed.contains(where: \.isWhitespace) ? nil : trimmed
        }
        let kind = TextNormalizer.trimmed(cadence).lowercased()
        if !["daily", "weekdays", "weekly"].contains(kind) {
            errors["cadence"] = "choose daily, weekdays or weekly"
        }
        if let time = words(time) {
            do throws(ScheduleError) { _ = try Schedule.parse("daily \(time)") } catch { errors["time"] = error.message }
        } else {
            errors["time"] = "enter a time of day as HH:MM, from 00:00 to 23:59"
        }
        if let zone = words(timeZone) {
            do throws(ScheduleError) { _ = try Schedule.parse("daily 00:00 \(zone)") } catch { errors["timeZone"] = error.message }
        } else {
            errors["timeZone"] = "choose a time zone, such as Europe/Berlin or UTC"
        }
        var days = ""
        if kind == "weekly" {
            let list = weekday.split(separator: ",").map { TextNormalizer.trimmed(String($0)).lowercased() }.filter { !$0.isEmpty }
            do throws(ScheduleError) {
                guard !list.isEmpty, list.allSatisfy({ !$0.contains(where: \.isWhitespace) }) else { throw ScheduleError(message: "choose a day of the week") }
                days = list.joined(separator: ",") + " "
                _ = try Schedule.parse("weekly \(days)00:00")
            } catch {
                errors["weekday"] = error.message
            }
        }
        guard errors["cadence"] == nil, errors["time"] == nil, errors["timeZone"] == nil, errors["weekday"] == nil else { return nil }
        do throws(ScheduleError) {
            return try Schedule.parse("\(kind) \(days)\(TextNormalizer.trimmed(time)) \(TextNormalizer.trimmed(timeZone))")
        } catch {
            errors["cadence"] = error.message
            return nil
        }
    }
}
