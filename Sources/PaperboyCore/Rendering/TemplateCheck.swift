/// What a folder of template overrides holds that will not work as meant:
/// a file Paperboy does not read (a misspelt name is silently ignored) and a
/// `{{name}}` no template context fills in (it renders empty). For `check`
/// and the daemon's start-up, as warnings.
public enum TemplateCheck {
    /// `files`: the names in the folder; `sources`/`origins`: the overrides read, by template name.
    public static func warnings(files: [String], sources: [String: String], origins: [String: String]) -> [String] {
        var found: [String] = []
        let names = DigestTemplates.fileNames + ReaderMailTemplates.fileNames
        for file in files.sorted() where file.hasSuffix(".mustache") && !names.contains(file) {
            let guess = ConfigReader.nearest(file, in: names).map { " (did you mean \($0)?)" } ?? ""
            found.append("templates: \(file) is not a template Paperboy reads\(guess), so it is ignored; the templates are \(names.joined(separator: ", "))")
        }
        for name in names {
            guard let text = sources[name] else { continue }
            let known = ReaderMailTemplates.fileNames.contains(name) ? ReaderMailTemplates.variables
                : name.hasPrefix("paper.") ? DigestRenderer.paperVariables : DigestRenderer.frameVariables
            var reported = Set<String>()
            for variable in variables(in: text) where !known.contains(variable) && reported.insert(variable).inserted {
                let guess = ConfigReader.nearest(variable, in: known).map { " (did you mean \($0)?)" } ?? ""
                found.append("\(origins[name] ?? name): {{\(variable)}} is not a value Paperboy fills in\(guess), so it renders empty; known: \(known.joined(separator: ", "))")
            }
        }
        return found
    }

    /// The first name of every variable and section tag, in order: `{{x}}`,
    /// `{{{x}}}`, `{{&x}}`, `{{#x}}`, `{{^x}}`, `{{x.y}}` (→ x). Comments,
    /// partials, pragmas, closing tags and `{{.}}` are not variables.
    static func variables(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            var tag = rest[open.upperBound..<close.lowerBound]
            rest = rest[close.upperBound...]
            if tag.hasPrefix("{") { tag = tag.dropFirst(); if rest.hasPrefix("}") { rest = rest.dropFirst() } }
            tag = tag.drop { $0 == " " }
            guard let sigil = tag.first else { continue }
            if "!>%=/<$".contains(sigil) { continue }
            if "&#^".contains(sigil) { tag = tag.dropFirst().drop { $0 == " " } }
            let name = tag.prefix { !" }".contains($0) }
            guard let first = name.split(separator: ".", omittingEmptySubsequences: false).first, !first.isEmpty else { continue }
            names.append(String(first))
        }
        return names
    }
}
