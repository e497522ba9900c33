import Foundation
import PaperboyCore
import PaperboyPipeline

/// TEMPORARY bridge to the desk's `ReaderForm` → `SubscriberPreferences`
/// mapping (issue14-desk), so the pages can be built and tested before it
/// lands; replaced by a call to it on merge.
enum ReaderFormCheck {
    /// A form checked: the preferences, or each field's problem.
    enum Checked {
        case valid(SubscriberPreferences)
        case invalid(ReaderFormErrors)
    }

    static func preferences(_ form: ReaderForm, config: PaperboyConfig) -> Checked {
        var errors: [String: String] = [:]
        var email: EmailAddress?
        do { email = try SubscriberValidation.email(form.email) } catch { errors["email"] = error.message }
        var query: Query?
        do { query = try SubscriberValidation.query(form.query) } catch { errors["query"] = error.message }
        var categories: [String] = []
        do { categories = try SubscriberValidation.categories(form.categories) } catch { errors["categories"] = error.message }
        var maxPapers: Int?
        if !form.maxPapers.trimmingCharacters(in: .whitespaces).isEmpty {
            if let value = Int(form.maxPapers.trimmingCharacters(in: .whitespaces)) {
                do { maxPapers = try SubscriberValidation.maxPapers(value) } catch { errors["maxPapers"] = error.message }
            } else {
                errors["maxPapers"] = "\"\(form.maxPapers)\" is not a whole number; use 1 to 100, or leave it empty"
            }
        }
        let days = form.cadence == "weekly" ? "weekly \(form.weekday)" : form.cadence
        var schedule: Schedule?
        do { schedule = try SubscriberValidation.schedule("\(days) \(form.time) \(form.timeZone)") } catch { errors["time"] = error.message }
        var format = DigestFormat.both
        do { format = try SubscriberValidation.format(form.format) } catch { errors["format"] = error.message }
        guard errors.isEmpty, let email else { return .invalid(ReaderFormErrors(byField: errors)) }
        return .valid(SubscriberPreferences(email: email, query: query, categories: categories, maxPapers: maxPapers,
                                              schedule: schedule, format: format))
    }

    /// The form's starting values for a stored subscriber.
    static func form(_ preferences: SubscriberPreferences, config: PaperboyConfig) -> ReaderForm {
        var form = ReaderForm()
        form.email = preferences.email.description
        form.query = preferences.query?.description ?? ""
        form.categories = preferences.categories
        form.authors = preferences.authors.joined(separator: "\n")
        form.minUpvotes = preferences.minUpvotes == 0 ? "" : String(preferences.minUpvotes)
        form.maxPapers = preferences.maxPapers.map(String.init) ?? ""
        let schedule = preferences.schedule ?? config.digest.schedule
        switch schedule.days {
        case .daily: form.cadence = "daily"
        case .weekdays: form.cadence = "weekdays"
        case .weekly(let days):
            form.cadence = "weekly"
            let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            if let first = days.filter({ (1...7).contains($0) }).min() { form.weekday = names[first - 1] }
        }
        form.time = String(format: "%02d:%02d", schedule.hour, schedule.minute)
        form.timeZone = schedule.zone
        form.format = preferences.format.rawValue
        return form
    }
}
