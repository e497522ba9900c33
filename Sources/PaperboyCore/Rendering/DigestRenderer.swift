import Foundation
import Mustache

/// What the renderer needs to know about one digest.
public struct DigestContent: Sendable {
    public var email: EmailAddress
    public var name: String?
    /// The subscriber's query, for the footer ("why you get this").
    public var query: Query?
    public var categories: [String]
    public var papers: [RankedPaper]
    /// The digest's moment, shown as a date in `zone`.
    public var date: Date
    /// IANA zone of the subscriber's schedule.
    public var zone: String
    public var unsubscribeURL: String
    public var format: DigestFormat
    /// The preference centre ("Change what you get"); without one the footer
    /// tells the reader to ask the operator.
    public var preferencesURL: String?
    /// "View in browser": only a planned digest (one with a period key) has one.
    public var viewURL: String?
    /// Per paper id, its "More like this" and "Not for me" links; a paper
    /// without an entry shows neither.
    public var feedbackURLs: [String: PaperFeedbackURLs]

    public init(email: EmailAddress, name: String?, query: Query?, categories: [String], papers: [RankedPaper], date: Date, zone: String, unsubscribeURL: String, format: DigestFormat,
                preferencesURL: String? = nil, viewURL: String? = nil, feedbackURLs: [String: PaperFeedbackURLs] = [:]) {
        self.email = email
        self.name = name
        self.query = query
        self.categories = categories
        self.papers = papers
        self.date = date
        self.zone = zone
        self.unsubscribeURL = unsubscribeURL
        self.format = format
        self.preferencesURL = preferencesURL
        self.viewURL = viewURL
        self.feedbackURLs = feedbackURLs
    }
}

/// A paper's two feedback links in one subscriber's digest (`ReaderLinks.feedback`).
public struct PaperFeedbackURLs: Sendable, Equatable {
    public var moreLikeThis: String
    public var notForMe: String

    public init(moreLikeThis: String, notForMe: String) {
        self.moreLikeThis = moreLikeThis
        self.notForMe = notForMe
    }
}

/// A digest rendered: subject line, text body, and HTML body unless the
/// subscriber asked for text only.
public struct RenderedDigest: Sendable {
    public var subject: String
    public var text: String
    public var html: String?
}

/// Renders digests from the templates.
///
/// Papers are shared by many subscribers, so each paper's block is rendered
/// once (with placeholders for its rank, matched terms and the subscriber's
/// feedback links) and digests are assembled from blocks; only the short
/// frame is rendered per subscriber.
/// A block is kept with the paper it was rendered from and rendered again
/// when the paper changed (more upvotes, a new version); the cache holds at
/// most `maxCachedPapers` papers (it starts over when full), so a daemon
/// that runs for months does not grow with every paper it ever mailed.
/// Thread-safe.
public final class DigestRenderer: @unchecked Sendable {
    let templates: DigestTemplates
    /// Shown in the footer as who to ask ("the Paperboy operator").
    let operatorName: String

    /// The most papers whose blocks are kept.
    public let maxCachedPapers: Int

    private let lock = NSLock()
    /// Guarded by `lock`: per paper id, the paper as rendered, whether with
    /// feedback links, and the variants of its block rendered so far (each
    /// only when a digest first needs it: a text-only digest never renders
    /// the HTML, a paper nobody matched by a term never the "matched" line).
    private var blocks: [String: (paper: Paper, feedback: Bool, variants: [BlockVariant: BlockTemplate])] = [:]
    /// Guarded by `lock`: per zone, its formatters and the last date they formatted
    /// (a run's digests share a moment, and formatting is slow).
    private var dateFormatters: [String: ZoneDates] = [:]


    public init(templates: DigestTemplates = .defaults, operatorName: String, maxCachedPapers: Int = 5000) {
        self.templates = templates
        self.operatorName = operatorName
        self.maxCachedPapers = max(1, maxCachedPapers)
    }

    /// How many papers' blocks are cached now (at most `maxCachedPapers`).
    public var cachedPaperCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return blocks.count
    }

    public func render(_ digest: DigestContent) -> RenderedDigest {
        let (longDate, shortDate) = dates(digest.date, zone: digest.zone)
        var htmlPapers = ""
        var textPapers = ""
        htmlPapers.reserveCapacity(digest.format == .both ? 2048 * digest.papers.count : 0)
        textPapers.reserveCapacity(1024 * digest.papers.count)
        // One set of values for every paper, refilled for each.
        var paperValues = BlockValues<PaperValue>()
        for (offset, ranked) in digest.papers.enumerated() {
            let feedback = digest.feedbackURLs[ranked.paper.id]
            paperValues[.rank] = String(offset + 1)
            paperValues[.matched] = ranked.matchedTerms.joined(separator: ", ")
            paperValues[.moreLikeThisURL] = feedback?.moreLikeThis ?? ""
            paperValues[.notForMeURL] = feedback?.notForMe ?? ""
            let hasMatched = !ranked.matchedTerms.isEmpty
            if digest.format == .both {
                block(.html(matched: hasMatched), for: ranked.paper, feedback: feedback != nil).append(to: &htmlPapers, values: paperValues.slots)
            }
            let text = block(.text(matched: hasMatched), for: ranked.paper, feedback: feedback != nil)
            if paperValues[.matched].count > 60 {
                var unwrapped = ""
                text.append(to: &unwrapped, values: paperValues.slots)
                textPapers += TextWrapper.wrap(unwrapped)
            } else {
                text.append(to: &textPapers, values: paperValues.slots)
            }
            textPapers += "\n"
        }
        let count = digest.papers.count
        var values = BlockValues<FrameValue>()
        values[.heading] = digest.query == nil && digest.categories.isEmpty ? "Trending papers" : "New papers for you"
        values[.greeting] = digest.name.map { "Hello \($0)," } ?? "Hello,"
        values[.date] = longDate
        values[.shortDate] = shortDate
        values[.email] = digest.email.description
        values[.why] = why(digest)
        values[.operatorName] = operatorName
        values[.unsubscribeURL] = digest.unsubscribeURL
        values[.preferencesURL] = digest.preferencesURL ?? ""
        values[.viewURL] = digest.viewURL ?? ""
        values[.count] = String(count)
        values[.firstTitle] = digest.papers.first.map { Self.shorten($0.paper.title, to: 60) } ?? ""
        let frames = frames(FrameKey(one: count == 1, preferences: digest.preferencesURL != nil, view: digest.viewURL != nil))
        var subject = ""
        frames.subject.append(to: &subject, values: values.slots)
        subject = Self.oneLine(subject)
        values[.subject] = subject
        values[.papers] = htmlPapers
        var html: String?
        if digest.format == .both {
            var out = ""
            out.reserveCapacity(htmlPapers.utf8.count + 4096)
            frames.html.append(to: &out, values: values.slots)
            html = out
        }
        // The paper blocks are wrapped already: only the frame around them is wrapped.
        values[.papers] = textPapers
        var text = ""
        text.reserveCapacity(textPapers.utf8.count + 1024)
        frames.text.append(to: &text, values: values.slots, wrapWidth: 78)
        return RenderedDigest(subject: subject, text: text, html: html)
    }

    // MARK: Frames

    /// The digest, text and subject templates rendered once with a marker for
    /// every value; a digest only fills the markers in.
    private struct Frames {
        let html: BlockTemplate
        let text: BlockTemplate
        let subject: BlockTemplate
    }

    /// What a frame's sections depend on: `one`, and which optional links
    /// the digest has (a template's `{{#view_url}}` shows only with one).
    private struct FrameKey: Hashable {
        var one: Bool
        var preferences: Bool
        var view: Bool
    }

    private var frameCache: [FrameKey: Frames] = [:]

    private func frames(_ key: FrameKey) -> Frames {
        lock.lock()
        if let cached = frameCache[key] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        var context: [String: Any] = ["one": key.one]
        for value in FrameValue.allCases {
            if value == .preferencesURL && !key.preferences { continue }
            if value == .viewURL && !key.view { continue }
            context[value.name] = BlockTemplate.marker(value.name)
        }
        let made = Frames(
            html: BlockTemplate(templates.html.render(context), names: FrameValue.names),
            text: BlockTemplate(templates.text.render(context), names: FrameValue.names),
            subject: BlockTemplate(templates.subject.render(context), names: FrameValue.names)
        )
        lock.lock()
        frameCache[key] = made
        lock.unlock()
        return made
    }

    /// The values the digest, text and subject templates see (and `one`,
    /// true for a one-paper digest). `preferences_url` and `view_url` are
    /// absent (false in a section) when the digest has none.
    public static let frameValues = FrameValue.names
    public static let frameVariables = frameValues + ["one"]

    /// The values the paper templates see (`paperContext`, plus `rank`,
    /// `matched` and the subscriber's feedback links, absent when the digest has none).
    public static let paperVariables = ["title", "summary", "url", "authors", "facts", "pdf_url", "code_url", "project_url", "has_links", "rank", "matched",
                                        "more_like_this_url", "not_for_me_url"]

    // MARK: Paper blocks

    private func block(_ variant: BlockVariant, for paper: Paper, feedback: Bool) -> BlockTemplate {
        lock.lock()
        // Every field a template may show is compared, not only the id: a
        // paper whose upvotes changed gets a fresh block. (Digests of one
        // renderer all have feedback links or none, so `feedback` does not
        // make blocks alternate.)
        let cached = blocks[paper.id].flatMap { $0.feedback == feedback && $0.paper == paper ? $0 : nil }
        if let made = cached?.variants[variant] {
            lock.unlock()
            return made
        }
        lock.unlock()
        var context = Self.paperContext(paper)
        func mark(_ value: PaperValue) { context[value.name] = BlockTemplate.marker(value.name) }
        mark(.rank)
        if feedback {
            mark(.moreLikeThisURL)
            mark(.notForMeURL)
        }
        let made: BlockTemplate
        switch variant {
        case .html(let matched):
            if matched { mark(.matched) }
            made = BlockTemplate(templates.paperHTML.render(context), names: PaperValue.names)
        case .text(let matched):
            if matched { mark(.matched) }
            made = BlockTemplate(TextWrapper.wrap(templates.paperText.render(context)), names: PaperValue.names)
        }
        lock.lock()
        if blocks.count >= maxCachedPapers && blocks[paper.id] == nil {
            blocks.removeAll(keepingCapacity: true)
        }
        if let entry = blocks[paper.id], entry.feedback == feedback, entry.paper == paper {
            blocks[paper.id]!.variants[variant] = made
        } else {
            blocks[paper.id] = (paper, feedback, [variant: made])
        }
        lock.unlock()
        return made
    }

    /// What a paper template sees. Every URL is http or https, or absent.
    static func paperContext(_ paper: Paper) -> [String: Any] {
        var context: [String: Any] = ["title": paper.title, "summary": summary(paper)]
        if let url = paper.links.abstract.flatMap(WebURL.safe) { context["url"] = url }
        if !paper.authors.isEmpty {
            context["authors"] = paper.authors.count > 3
                ? paper.authors.prefix(3).joined(separator: ", ") + " et al."
                : paper.authors.joined(separator: ", ")
        }
        var facts: [String] = []
        if let upvotes = paper.upvotes { facts.append("\(upvotes) upvote\(upvotes == 1 ? "" : "s")") }
        if let comments = paper.comments, comments > 0 { facts.append("\(comments) comment\(comments == 1 ? "" : "s")") }
        if !paper.categories.isEmpty { facts.append(paper.categories.joined(separator: ", ")) }
        if !facts.isEmpty { context["facts"] = facts.joined(separator: " · ") }
        let pdf = paper.links.pdf.flatMap(WebURL.safe)
        let code = paper.links.code.flatMap(WebURL.safe)
        let project = paper.links.projectPage.flatMap(WebURL.safe)
        if let pdf { context["pdf_url"] = pdf }
        if let code { context["code_url"] = code }
        if let project { context["project_url"] = project }
        context["has_links"] = pdf != nil || code != nil || project != nil
        return context
    }

    /// The AI summary when the feed has one, else the abstract cut at a word boundary.
    static func summary(_ paper: Paper) -> String {
        if let summary = paper.aiSummary, !summary.isEmpty { return summary }
        return shorten(paper.abstract, to: 420)
    }

    /// `text` cut at a word boundary to at most about `limit` characters, with "…".
    static func shorten(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        let cut = text.prefix(limit)
        let end = cut.lastIndex(of: " ") ?? cut.endIndex
        // Trimmed of " ,;:." at both ends, scalar by scalar (as Foundation's
        // `trimmingCharacters(in:)` does, without its detour through UTF-16).
        let scalars = cut[..<end].unicodeScalars
        func isTrimmed(_ scalar: Unicode.Scalar) -> Bool { " ,;:.".unicodeScalars.contains(scalar) }
        guard let first = scalars.firstIndex(where: { !isTrimmed($0) }),
              let last = scalars.lastIndex(where: { !isTrimmed($0) }) else { return "…" }
        return String(scalars[first...last]) + "…"
    }

    /// A subject is one line: control characters and line breaks become spaces.
    /// (`TextNormalizer.collapsed`, with every control character below U+0020
    /// taken for a space; ASCII needs no look-up of Unicode properties.)
    static func oneLine(_ text: String) -> String {
        if MailHeaderText.isCleaned(text) { return text }
        // The usual subject: clean text and the template's final line break,
        // which would only become a trailing space, and that is dropped.
        var body = Substring(text)
        while let last = body.utf8.last, last == 0x0A || last == 0x0D { body = body.dropLast() }
        if body.endIndex != text.endIndex {
            let trimmed = String(body)
            if MailHeaderText.isCleaned(trimmed) { return trimmed }
        }
        return collapsedToOneLine(text)
    }

    /// `oneLine` the long way, scalar by scalar.
    static func collapsedToOneLine(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.value <= 0x20 || (scalar.value >= 0x80 && scalar.properties.isWhitespace) {
                pendingSpace = !result.isEmpty
                continue
            }
            if (0x7F...0x9F).contains(scalar.value) { continue }
            if pendingSpace {
                result.append(" ")
                pendingSpace = false
            }
            result.append(scalar)
        }
        return String(result)
    }

    private func why(_ digest: DigestContent) -> String {
        var parts: [String] = []
        if let query = digest.query { parts.append("papers matching \(query.text)") }
        if !digest.categories.isEmpty { parts.append("papers in \(digest.categories.joined(separator: ", "))") }
        return parts.isEmpty ? "the trending papers digest" : parts.joined(separator: " and ")
    }

    private func dates(_ date: Date, zone: String) -> (String, String) {
        lock.lock()
        defer { lock.unlock() }
        let zoneDates: ZoneDates
        if let known = dateFormatters[zone] {
            zoneDates = known
        } else {
            let formatters = DateFormats.digestDates(in: TimeZone(identifier: zone) ?? TimeZone(identifier: "UTC")!)
            zoneDates = ZoneDates(long: formatters.long, short: formatters.short)
            dateFormatters[zone] = zoneDates
        }
        return zoneDates.strings(date)
    }
}

/// One zone's digest date formatters, and the last date they formatted.
/// Used under `DigestRenderer`'s lock.
private final class ZoneDates {
    let long: DateFormatter
    let short: DateFormatter
    var last: (date: Date, long: String, short: String)?

    init(long: DateFormatter, short: DateFormatter) {
        self.long = long
        self.short = short
    }

    func strings(_ date: Date) -> (String, String) {
        if let last, last.date == date { return (last.long, last.short) }
        let made = (date: date, long: long.string(from: date), short: short.string(from: date))
        last = made
        return (made.long, made.short)
    }
}

/// One form of a paper's block: HTML or text, with the "matched" line or without.
enum BlockVariant: Hashable {
    case html(matched: Bool)
    case text(matched: Bool)
}

/// The values a digest fills into the frames (digest, text and subject
/// templates), in slot order (raw values count up from 0 in case order).
enum FrameValue: Int, BlockValueName {
    case subject, heading, greeting, date, shortDate, email, why, operatorName, unsubscribeURL,
         preferencesURL, viewURL, count, firstTitle, papers

    var name: String {
        switch self {
        case .subject: "subject"
        case .heading: "heading"
        case .greeting: "greeting"
        case .date: "date"
        case .shortDate: "short_date"
        case .email: "email"
        case .why: "why"
        case .operatorName: "operator"
        case .unsubscribeURL: "unsubscribe_url"
        case .preferencesURL: "preferences_url"
        case .viewURL: "view_url"
        case .count: "count"
        case .firstTitle: "first_title"
        case .papers: "papers"
        }
    }
}

/// The values a digest fills into a paper's block (the rest of the block is
/// rendered once per paper), in slot order.
enum PaperValue: Int, BlockValueName {
    case rank, matched, moreLikeThisURL, notForMeURL

    var name: String {
        switch self {
        case .rank: "rank"
        case .matched: "matched"
        case .moreLikeThisURL: "more_like_this_url"
        case .notForMeURL: "not_for_me_url"
        }
    }
}
