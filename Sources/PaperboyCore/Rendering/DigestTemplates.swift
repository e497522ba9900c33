import Mustache

/// The five templates a digest is made of, parsed.
///
/// Defaults are compiled into the binary (`DefaultTemplates.swift`, generated
/// from `Templates/` by `scripts/embed-templates`; a test keeps them equal).
/// Config `templates: DIR` overrides any of them by file name.
public struct DigestTemplates: Sendable {
    /// File names, as in `Templates/` and an override folder.
    public static let fileNames = ["digest.html.mustache", "paper.html.mustache", "digest.txt.mustache", "paper.txt.mustache", "subject.mustache"]

    let html: MustacheTemplate
    let paperHTML: MustacheTemplate
    let text: MustacheTemplate
    let paperText: MustacheTemplate
    let subject: MustacheTemplate

    /// The built-in text of a template file, for comparing with `Templates/`.
    public static func builtInSource(_ name: String) -> String? {
        DefaultTemplates.sources[name]
    }

    /// The templates compiled into the binary.
    public static let defaults: DigestTemplates = {
        do {
            return try DigestTemplates(sources: DefaultTemplates.sources, origins: [:])
        } catch {
            fatalError("the built-in templates do not parse: \(error); run scripts/embed-templates")
        }
    }()

    /// Parses templates from their text. `sources` maps a file name to its
    /// text; a name missing from it takes the built-in default. `origins`
    /// maps a file name to the path shown in errors.
    public init(sources: [String: String], origins: [String: String]) throws(TemplateError) {
        func parse(_ name: String) throws(TemplateError) -> MustacheTemplate {
            try TemplateError.parse(name, sources: sources, origins: origins)
        }
        html = try parse("digest.html.mustache")
        paperHTML = try parse("paper.html.mustache")
        text = try parse("digest.txt.mustache")
        paperText = try parse("paper.txt.mustache")
        subject = try parse("subject.mustache")
    }
}

/// A template that does not parse: the file, the line and what is wrong.
public struct TemplateError: Error, CustomStringConvertible, Sendable {
    /// The one way a template file is parsed (digest, reader mail and web
    /// templates alike): `sources[name]`, else the built-in text, with a
    /// parse error naming `origins[name]` (else `name`), its line and column.
    static func parse(_ name: String, sources: [String: String], origins: [String: String]) throws(TemplateError) -> MustacheTemplate {
        let text = sources[name] ?? DefaultTemplates.sources[name] ?? ""
        do {
            return try MustacheTemplate(string: text)
        } catch let error as MustacheTemplate.ParserError {
            throw TemplateError(file: origins[name] ?? name, line: error.context.lineNumber, column: error.context.columnNumber,
                                message: "\(error.error)", lineText: error.context.line)
        } catch {
            throw TemplateError(file: origins[name] ?? name, line: nil, column: nil, message: "\(error)", lineText: nil)
        }
    }

    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String
    public var lineText: String?

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let column { text += ":\(column)" }
        text += ": the template does not parse (\(message))"
        if let lineText { text += " in \"\(lineText.trimmingCharacters(in: .whitespaces))\"" }
        return text + "; fix it or remove the file to use the built-in template"
    }
}

import Foundation
