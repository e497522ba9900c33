import Foundation
@testable import PaperboyCore
import PaperboyPipeline
import PaperboyTestSupport
import Testing

/// Template overrides that would silently do nothing, or render empty, are warned about.
struct TemplateCheckTests {
    @Test func aMisnamedFileAndAnUnknownVariableAreWarningsInCheck() throws {
        let (path, directory) = try writeConfig("""
            database: paperboy.sqlite
            sources: [{name: demo, type: json, url: "file:///dev/null"}]
            from: "Lab <digest@lab.paperboy-tests.net>"
            base_url: https://lab.paperboy-tests.net
            templates: templates
            """)
        let templates = directory.appendingPathComponent("templates")
        try FileManager.default.createDirectory(at: templates, withIntermediateDirectories: true)
        try "{{% CONTENT_TYPE: TEXT}}\n{{cont}} papers: {{first_title}}\n".write(to: templates.appendingPathComponent("digest.txt.mustache"), atomically: true, encoding: .utf8)
        try "{{% CONTENT_TYPE: TEXT}}\nNews\n".write(to: templates.appendingPathComponent("subjet.mustache"), atomically: true, encoding: .utf8)
        let result = try runPaperboy(["check", "--config", path], environment: ["PAPERBOY_SECRET": "0123456789abcdef0123456789abcdef"])
        #expect(result.status == 0, "warnings, not errors: \(result.stderr)")
        #expect(result.stderr.contains("paperboy: warning: templates: subjet.mustache is not a template Paperboy reads (did you mean subject.mustache?), so it is ignored"), "\(result.stderr)")
        #expect(result.stderr.contains("digest.txt.mustache: {{cont}} is not a value Paperboy fills in (did you mean count?), so it renders empty"), "\(result.stderr)")
        #expect(!result.stderr.contains("{{first_title}}"), "a known value is not reported: \(result.stderr)")
    }

    @Test func theBuiltInTemplatesUseOnlyKnownValues() {
        var sources: [String: String] = [:]
        let names = DigestTemplates.fileNames + ReaderMailTemplates.fileNames
        for name in names { sources[name] = DigestTemplates.builtInSource(name) }
        #expect(sources.count == names.count)
        #expect(TemplateCheck.warnings(files: names, sources: sources, origins: [:]).isEmpty)
    }

    @Test func tagsAreReadAsMustacheReadsThem() {
        let text = "{{a}} {{{b}}} {{& c}} {{#d}}{{/d}} {{^e}}{{/e}} {{f.g}} {{! note}} {{> part}} {{.}} {{% CONTENT_TYPE: TEXT}}"
        #expect(TemplateCheck.variables(in: text) == ["a", "b", "c", "d", "e", "f"])
    }

    @Test func thePaperValuesAreWhatThePaperContextHolds() throws {
        let paper = RenderingTests.paper()
        let context = Set(DigestRenderer.paperContext(paper).keys).union(["rank", "matched"])
        #expect(context.isSubset(of: Set(DigestRenderer.paperVariables)), "\(context.subtracting(DigestRenderer.paperVariables)) are filled in but not listed")
    }
}
