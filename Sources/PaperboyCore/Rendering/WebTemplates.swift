import Mustache

/// The reader's pages (`paperboy run`'s public endpoint), parsed: one
/// layout and one template per page, from `Templates/web/`.
///
/// Defaults are compiled into the binary (`DefaultTemplates.swift`, as
/// `web/NAME.mustache`); a `web/` subfolder of config `templates: DIR`
/// overrides any of them by file name. A page is rendered, then placed in
/// the layout as `{{{body}}}`; every value goes through `{{ }}`, which escapes HTML.
public struct WebTemplates: Sendable {
    /// The pages, by name (file `web/NAME.mustache`).
    public enum Page: String, Sendable, CaseIterable {
        /// The frame of every page: head, stylesheet, script, the one h1.
        case layout
        case subscribe
        /// "Check your inbox": the same bytes whatever the address's state.
        case checkInbox = "check-inbox"
        case confirm
        case confirmed
        case preferences
        case feedback
        /// A short message: not valid, closed, gone, too many requests, the unsubscribe pages.
        case message
        /// The settings fields the subscribe page and the preference centre share (placed as `{{{fields}}}`).
        case fields
        /// A list of papers: previews and the first digest (placed as `{{{papers}}}`).
        case papers

        /// The name in `DefaultTemplates` and an override folder: `web/NAME.mustache`.
        public var fileName: String { "web/\(rawValue).mustache" }
    }

    /// File names, as in `Templates/` and an override folder.
    public static var fileNames: [String] { Page.allCases.map(\.fileName) }

    private let templates: [Page: MustacheTemplate]

    /// The templates compiled into the binary.
    public static let defaults: WebTemplates = {
        do {
            return try WebTemplates(sources: [:], origins: [:])
        } catch {
            fatalError("the built-in web templates do not parse: \(error); run scripts/embed-templates")
        }
    }()

    /// Parses templates from their text. `sources` maps a file name
    /// (`web/NAME.mustache`) to its text; a name missing from it takes the
    /// built-in default. `origins` maps a file name to the path shown in errors.
    public init(sources: [String: String], origins: [String: String]) throws(TemplateError) {
        var parsed: [Page: MustacheTemplate] = [:]
        for page in Page.allCases {
            parsed[page] = try TemplateError.parse(page.fileName, sources: sources, origins: origins)
        }
        templates = parsed
    }

    /// A fragment: `page` rendered alone, for placing into another page unescaped.
    public func fragment(_ page: Page, _ values: [String: Any]) -> String {
        templates[page]?.render(values) ?? ""
    }

    /// The whole document of `page` titled `title` (the page's one h1),
    /// with `values` for its template (`title` is there too).
    public func render(_ page: Page, title: String, _ values: [String: Any]) -> String {
        var values = values
        values["title"] = title
        let body = templates[page]?.render(values) ?? ""
        return templates[.layout]?.render(["title": title, "body": body]) ?? body
    }
}
