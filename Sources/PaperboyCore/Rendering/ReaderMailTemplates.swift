import Foundation
import Mustache

/// The reader's own mails, parsed: the double opt-in confirmation
/// (`confirm.*`) and "manage your subscription" (`manage.*`), each a
/// subject, a text body and an HTML body.
///
/// Defaults are compiled into the binary from `Templates/` (like the
/// digest's, `DigestTemplates`); config `templates: DIR` overrides any of
/// them by file name.
public struct ReaderMailTemplates: Sendable {
    /// Which mail.
    public enum Kind: String, Sendable, CaseIterable {
        /// "Confirm your subscription": sent to a pending request's address.
        case confirm
        /// "Manage your subscription": an active or paused address subscribed again.
        case manage
    }

    /// File names, as in `Templates/` and an override folder.
    public static let fileNames: [String] = Kind.allCases.flatMap { fileNames(of: $0) }

    /// The subject, text and HTML template names of `kind`.
    public static func fileNames(of kind: Kind) -> [String] {
        ["\(kind.rawValue).subject.mustache", "\(kind.rawValue).txt.mustache", "\(kind.rawValue).html.mustache"]
    }

    /// The values every reader mail template sees.
    public static let variables = ["email", "operator", "url", "subscribe_url", "request", "pending_days"]

    private let parsed: [String: MustacheTemplate]

    /// The templates compiled into the binary.
    public static let defaults: ReaderMailTemplates = {
        do {
            return try ReaderMailTemplates(sources: [:], origins: [:])
        } catch {
            fatalError("the built-in reader mail templates do not parse: \(error); run scripts/embed-templates")
        }
    }()

    /// Parses templates from their text: `sources` maps a file name to its
    /// text (a name missing from it takes the built-in default); `origins`
    /// maps a file name to the path shown in errors.
    public init(sources: [String: String], origins: [String: String]) throws(TemplateError) {
        var parsed: [String: MustacheTemplate] = [:]
        for name in Self.fileNames {
            parsed[name] = try TemplateError.parse(name, sources: sources, origins: origins)
        }
        self.parsed = parsed
    }

    /// A reader mail rendered: one-line subject, text wrapped at 78 columns, HTML.
    public struct Rendered: Sendable {
        public var subject: String
        public var text: String
        public var html: String
    }

    /// Renders `kind` with `values` (see `variables`). HTML templates escape
    /// `{{name}}`; the text and subject templates are text (`CONTENT_TYPE: TEXT`).
    public func render(_ kind: Kind, values: [String: String]) -> Rendered {
        let names = Self.fileNames(of: kind)
        let context = values as [String: Any]
        func render(_ name: String) -> String { parsed[name]?.render(context) ?? "" }
        return Rendered(
            subject: DigestRenderer.oneLine(render(names[0])),
            text: TextWrapper.wrap(render(names[1]), width: 78),
            html: render(names[2])
        )
    }
}
