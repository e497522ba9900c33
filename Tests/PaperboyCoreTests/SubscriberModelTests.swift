import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing

@Suite struct EmailAddressTests {
    @Test(arguments: ["ada@example.org", "Ada.Lovelace+digest@Example.ORG", "o'brien@sub.example.co.uk", "x@xn--bcher-kva.example", "a_b-c@a-b.example"])
    func acceptsRFC5321Addresses(text: String) throws {
        let address = try EmailAddress(parsing: text)
        #expect(address.domain == address.domain.lowercased())
        #expect(address.description.count == text.count)
    }

    @Test func theDomainIsCaseInsensitiveTheLocalPartIsNot() throws {
        #expect(try EmailAddress(parsing: "ada@EXAMPLE.org") == EmailAddress(parsing: "ada@example.org"))
        #expect(try EmailAddress(parsing: "Ada@example.org") != EmailAddress(parsing: "ada@example.org"))
    }

    @Test(arguments: [
        ("a@b@c", "more than one @"),
        ("x@y.org\r\nBcc: z@w.org", "control character"),
        ("", "empty"),
        ("no-at-sign", "no @"),
        ("@example.org", "before the @"),
        ("ada@", "after the @"),
        ("ada@localhost", "no dot"),
        ("a..b@example.org", "two dots"),
        ("ada lovelace@example.org", "space"),
        ("ada@exa_mple.org", "not allowed in the domain"),
        ("ada@-example.org", "hyphen"),
        ("ada@example..org", "empty label"),
        ("adä@example.org", "non-ASCII"),
        ("a(b)@example.org", "not allowed before the @"),
        ("ada@192.168.0.1", "ends in a number"),
    ])
    func refusesWithAReason(text: String, reason: String) {
        let error = #expect(throws: EmailAddressError.self) { try EmailAddress(parsing: text) }
        #expect(error?.reason.contains(reason) == true, "\(error?.reason ?? "")")
        #expect(error?.description.contains("\r") == false)
    }

    @Test func internationalDomainsBecomePunycode() throws {
        // Before: refused ("write an international domain in its punycode form").
        let juergen = try EmailAddress(parsing: "juergen@bücher.example")
        #expect(juergen.description == "juergen@xn--bcher-kva.example")
        #expect(try EmailAddress(parsing: "Ada@München.Example").description == "Ada@xn--mnchen-3ya.example")
        // Decomposed ü (u + combining diaeresis) is the same domain.
        #expect(try EmailAddress(parsing: "x@bu\u{308}cher.example").domain == juergen.domain)
        #expect(try EmailAddress(parsing: "juergen@xn--bcher-kva.example") == juergen)
        // A non-ASCII local part would need SMTPUTF8.
        let error = #expect(throws: EmailAddressError.self) { try EmailAddress(parsing: "jürgen@bücher.example") }
        #expect(error?.reason.contains("SMTPUTF8") == true)
    }

    @Test func punycodeMatchesRFC3492() {
        #expect(Punycode.encode("bücher") == "bcher-kva")
        #expect(Punycode.encode("münchen") == "mnchen-3ya")
        // RFC 3492 section 7.1, sample (B), Chinese (simplified).
        #expect(Punycode.encode("他们为什么不说中文") == "ihqwcrb4cv8a8dqg056pqjye")
        #expect(Punycode.asciiDomain("Bücher.Example") == "xn--bcher-kva.example")
    }

    @Test func caseVariantsFoldToOneKey() throws {
        #expect(try EmailAddress(parsing: "Judy@Example.ORG").caseFolded == EmailAddress(parsing: "judy@example.org").caseFolded)
        #expect(try EmailAddress(parsing: "Judy@Example.ORG").description == "Judy@example.org")
    }

    @Test func refusesOverlongAddresses() {
        let local = String(repeating: "a", count: 64)
        let domain = Array(repeating: String(repeating: "b", count: 60), count: 4).joined(separator: ".") + ".org"
        #expect(throws: EmailAddressError.self) { try EmailAddress(parsing: "\(local)@\(domain)") }
        #expect(throws: EmailAddressError.self) { try EmailAddress(parsing: String(repeating: "a", count: 65) + "@example.org") }
    }
}

@Suite struct SubscriberFileTests {
    static let example = """
    subscribers:
      - email: ada@example.org
        name: Ada Lovelace
        query: '"knowledge distillation" OR continual'
        categories: [cs.LG, cs.CL]
        authors: []
        min_upvotes: 0
        max_papers: 10
        schedule: daily 08:00 Europe/Berlin
        format: both
        paused: false

    """

    @Test func readsTheDocumentedShapeAndWritesItBack() throws {
        let entries = try SubscriberFile.parse(Self.example, file: "subscribers.yaml")
        try #require(entries.count == 1)
        let ada = entries[0]
        #expect(ada.email.description == "ada@example.org")
        #expect(ada.name == "Ada Lovelace")
        #expect(ada.query?.text == "\"knowledge distillation\" OR continual")
        #expect(ada.categories == ["cs.LG", "cs.CL"])
        #expect(ada.authors == [])
        #expect(ada.maxPapers == 10)
        #expect(ada.schedule?.description == "daily 08:00 Europe/Berlin")
        #expect(ada.format == .both)
        #expect(ada.paused == false)
        #expect(SubscriberFile.render(entries) == Self.example)
    }

    @Test func onlyEmailIsRequired() throws {
        let entries = try SubscriberFile.parse("subscribers:\n  - email: bob@example.org\n", file: "f")
        #expect(entries == [SubscriberPreferences(email: try EmailAddress(parsing: "bob@example.org"))])
        #expect(try SubscriberFile.parse("subscribers: []\n", file: "f").isEmpty)
    }

    @Test func namesWithQuotesCommasAndUnicodeRoundTrip() throws {
        var prefs = SubscriberPreferences(email: try EmailAddress(parsing: "o'brien@example.org"))
        prefs.name = "Seán O'Brien: reader, #1"
        prefs.authors = ["Müller, J.", "Yann LeCun", "true", "[x]"]
        prefs.query = try Query.parse("title:\"cross-lingual\" -diffusion")
        prefs.categories = ["cs"]
        prefs.minUpvotes = 5
        prefs.schedule = try Schedule.parse("weekly mon,thu 07:30 America/New_York")
        prefs.format = .text
        prefs.paused = true
        let text = SubscriberFile.render([prefs])
        #expect(try SubscriberFile.parse(text, file: "f") == [prefs])
    }

    @Test func everyBadEntryIsReportedWithPositionAddressAndReason() {
        let text = """
        subscribers:
          - email: good@example.org
          - email: a@b@c
          - email: bad-schedule@example.org
            schedule: daily 25:00
          - email: good@example.org
          - name: No Address
          - email: many@example.org
            max_papers: 500
            format: html
            colour: blue
        """
        let error = #expect(throws: SubscriberFileError.self) { try SubscriberFile.parse(text, file: "list.yaml") }
        let problems = error?.problems ?? []
        #expect(problems.map(\.position) == [2, 3, 4, 5, 6])
        #expect(problems.map(\.email) == ["a@b@c", "bad-schedule@example.org", "good@example.org", nil, "many@example.org"])
        #expect(problems[0].reason.contains("email:"))
        #expect(problems[1].reason.contains("schedule:"))
        #expect(problems[2].reason.contains("already listed at entry 1"))
        #expect(problems[3].reason.contains("email: missing"))
        #expect(problems[4].reason.contains("max_papers: 500 is out of range"))
        #expect(problems[4].reason.contains("format:"))
        #expect(problems[4].reason.contains("unknown key \"colour\""))
        #expect(error?.description.contains("list.yaml: entry 3 (bad-schedule@example.org): schedule:") == true)
    }

    @Test func aMisspeltKeyGetsADidYouMean() {
        let error = #expect(throws: SubscriberFileError.self) {
            try SubscriberFile.parse("subscribers:\n  - email: a@example.org\n    shedule: daily 08:00\n    colour: blue\n", file: "f")
        }
        let reason = error?.problems.first?.reason ?? ""
        #expect(reason.contains("unknown key \"shedule\" (did you mean schedule?)"), "\(reason)")
        #expect(reason.contains("unknown key \"colour\"; allowed keys"), "no suggestion when nothing is close: \(reason)")
    }

    @Test func aScheduleWithAMisspeltZoneInAFileGetsADidYouMean() {
        let error = #expect(throws: SubscriberFileError.self) {
            try SubscriberFile.parse("subscribers:\n  - email: a@example.org\n    schedule: daily 08:00 europe/berlin\n", file: "f")
        }
        #expect(error?.problems.first?.reason.contains("did you mean Europe/Berlin?") == true, "\(error?.description ?? "")")
    }

    @Test func refusesLineBreaksInNames() {
        let error = #expect(throws: SubscriberFileError.self) {
            try SubscriberFile.parse("subscribers:\n  - email: a@example.org\n    name: \"Ada\\r\\nBcc: x@y.org\"\n", file: "f")
        }
        #expect(error?.problems.first?.reason.contains("name:") == true)
    }

    @Test func changedFieldsNamesWhatDiffers() throws {
        let a = SubscriberPreferences(email: try EmailAddress(parsing: "a@example.org"), name: "A")
        var b = a
        b.name = "B"
        b.maxPapers = 3
        #expect(b.changedFields(from: a) == ["name", "max_papers"])
        #expect(a.changedFields(from: a).isEmpty)
    }
}
