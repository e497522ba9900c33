import Curl
import PaperboyCore
import PaperboyPipeline
import Testing

/// The `smtp:` section reaches the transport through one mapping, field for
/// field, with the TLS mode typed from the config file to libcurl.
@Suite struct SMTPSettingsMappingTests {
    @Test func everyFieldIsCopiedUnderItsOwnName() throws {
        var config = SMTPConfig(url: "smtps://mail.example.org:465", tls: .implicit)
        config.allowPlaintext = true
        config.caFile = "/etc/paperboy/ca.pem"
        config.username = "paperboy"
        config.ehloName = "papers.example.org"
        config.connections = 7
        config.maxPerSecond = 2.5
        config.connectTimeout = 11
        config.commandTimeout = 22
        config.timeout = 33
        let settings = SMTPSettings(config, password: "pw", ehloName: "fallback.example.org")
        #expect(settings.url == config.url)
        #expect(settings.tls == .implicit)
        #expect(settings.allowPlaintext)
        #expect(settings.caFile == "/etc/paperboy/ca.pem")
        #expect(settings.username == "paperboy")
        #expect(settings.password == "pw")
        #expect(settings.ehloName == "papers.example.org")
        #expect(settings.connections == 7)
        #expect(settings.maxPerSecond == 2.5)
        #expect(settings.connectTimeout == 11)
        #expect(settings.commandTimeout == 22)
        #expect(settings.timeout == 33)
        // Without smtp.ehlo_name, the caller's name (the From domain) is used.
        config.ehloName = nil
        #expect(SMTPSettings(config, password: nil, ehloName: "fallback.example.org").ehloName == "fallback.example.org")
    }

    @Test(arguments: SMTPConfig.TLSMode.allCases)
    func theTLSModeIsTheSameFromTheConfigFileToTheTransport(mode: SMTPConfig.TLSMode) throws {
        let config = try PaperboyConfig.parse("""
            database: x.sqlite
            sources: [{name: a, type: json, url: 'file:///x'}]
            smtp: {url: 'smtp://127.0.0.1:25', tls: \(mode.rawValue)}
            """, file: "p.yaml", baseDirectory: "/tmp")
        let smtp = try #require(config.smtp)
        #expect(smtp.tls == mode)
        #expect(SMTPTLSMode(smtp.tls).rawValue == mode.rawValue)
    }

    @Test func theModeDefaultsFromTheSchemeAndAnUnknownOneIsRefused() throws {
        func smtp(_ yaml: String) throws -> SMTPConfig? {
            try PaperboyConfig.parse("database: x.sqlite\nsources: [{name: a, type: json, url: 'file:///x'}]\nsmtp: \(yaml)\n",
                                     file: "p.yaml", baseDirectory: "/tmp").smtp
        }
        #expect(try smtp("{url: 'smtp://mail.example.org:587'}")?.tls == .starttls)
        #expect(try smtp("{url: 'smtps://mail.example.org:465'}")?.tls == .implicit)
        let error = #expect(throws: ConfigError.self) { try smtp("{url: 'smtp://mail.example.org:587', tls: opportunistic}") }
        #expect(error?.description.contains("\"opportunistic\" is not allowed; use starttls, implicit (for smtps://) or none (loopback only)") == true, "\(String(describing: error))")
    }
}
