import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing

/// `paperboy check` finds what `run` would refuse, and says what is valid but will not work as meant.
@Suite struct CheckWarningsTests {
    static let secret = ["PAPERBOY_SECRET": "0123456789abcdef0123456789abcdef"]

    func check(_ yaml: String) throws -> CommandResult {
        let (path, _) = try writeConfig(yaml)
        return try runPaperboy(["check", "--config", path], environment: Self.secret)
    }

    @Test func aDatabaseFolderThatDoesNotExistFailsCheckAsItWouldFailRun() throws {
        let result = try check("""
            database: /nonexistent-paperboy-folder/paperboy.sqlite
            sources: [{name: demo, type: json, url: "file:///dev/null"}]
            from: "Lab <digest@lab.paperboy-tests.net>"
            base_url: https://lab.paperboy-tests.net
            """)
        #expect(result.status == 78, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("the folder /nonexistent-paperboy-folder does not exist"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/nonexistent-paperboy-folder"), "check creates nothing")
    }

    @Test func aGoodConfigSaysTheDatabaseCanBeOpenedAndWarnsAboutNothing() throws {
        let result = try check("""
            database: paperboy.sqlite
            sources: [{name: demo, type: json, url: "file:///dev/null"}]
            from: "Lab <digest@lab.paperboy-tests.net>"
            base_url: https://lab.paperboy-tests.net/paperboy
            """)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("paperboy.sqlite can be opened (it will be created)"), "\(result.stdout)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func placeholderDomainsAndAnHTTPBaseURLAreWarnings() throws {
        let result = try check("""
            database: paperboy.sqlite
            sources: [{name: demo, type: json, url: "file:///dev/null"}]
            from: "Paperboy <digest@example.org>"
            base_url: http://papers.example.org
            """)
        #expect(result.status == 0, "warnings, not errors: \(result.stderr)")
        #expect(result.stderr.contains("paperboy: warning: from: example.org is a placeholder domain"), "\(result.stderr)")
        #expect(result.stderr.contains("paperboy: warning: base_url: papers.example.org is a placeholder domain"), "\(result.stderr)")
        #expect(result.stderr.contains("paperboy: warning: base_url: http://papers.example.org is http, not https: digests then carry no List-Unsubscribe-Post"), "\(result.stderr)")
    }

    @Test(arguments: [
        ("example.org", true), ("lab.example.com", true), ("EXAMPLE.NET", true), ("x.test", true), ("host.invalid", true),
        ("localhost", true), ("my.example", true), ("example.org.uk", false), ("notexample.org", false), ("lab.university.edu", false),
    ])
    func placeholderDomains(domain: String, placeholder: Bool) {
        #expect(MailSettings.isPlaceholder(domain: domain) == placeholder)
    }
}
