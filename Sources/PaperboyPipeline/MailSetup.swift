import Foundation
import PaperboyCore

/// Why mail cannot be composed with this configuration (exit 78).
public struct MailSetupError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// Reads what composing mail needs from the config and the files it names:
/// the link secrets (through `LinkSecrets`), template overrides, the DKIM key.
public enum MailSetup {
    /// A composer for the configured mail settings; every problem is a clear
    /// error naming the key or file and the fix.
    public static func composer(config: PaperboyConfig, configPath: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DigestComposer {
        try load(config: config, configPath: configPath, environment: environment).composer
    }

    /// The composer, and the warnings about its settings (placeholder
    /// domains, an http base_url) and secrets (too short, a file others may
    /// read) for `check` and the daemon to show.
    public static func load(config: PaperboyConfig, configPath: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (composer: DigestComposer, warnings: [String]) {
        let mail = config.mail
        guard let fromAddress = mail.fromAddress else {
            throw MailSetupError(message: "\(configPath): from: missing; set it to the sender, such as from: \"Paperboy <digest@example.org>\"")
        }
        guard let baseURL = mail.baseURL else {
            throw MailSetupError(message: "\(configPath): base_url: missing; set it to the public address of Paperboy's HTTP endpoint (one-click unsubscribe links), such as https://papers.example.org")
        }
        let secrets = try LinkSecrets.load(mail: mail, configPath: configPath, environment: environment)
        let (templates, readerMail, templateWarnings) = try loadTemplatesChecked(directory: mail.templatesDirectory)
        var signer: DKIMSigner?
        if let dkim = mail.dkim {
            let pem: String
            do {
                pem = try String(contentsOfFile: dkim.keyFile, encoding: .utf8)
            } catch {
                throw MailSetupError(message: "\(configPath): dkim.key_file: cannot read \(dkim.keyFile); check the path and that the paperboy user may read it")
            }
            do {
                signer = try DKIMSigner(domain: dkim.domain, selector: dkim.selector, privateKeyPEM: pem)
            } catch {
                throw MailSetupError(message: "\(configPath): dkim.key_file: \(dkim.keyFile): \(error)")
            }
        }
        let composer = DigestComposer(
            renderer: DigestRenderer(templates: templates, operatorName: mail.fromName ?? fromAddress.description),
            tokens: secrets.tokens,
            from: MailAddress(email: fromAddress, displayName: mail.fromName),
            baseURL: baseURL,
            unsubscribeMailto: mail.unsubscribeMailto,
            signer: signer,
            defaultZone: config.digest.schedule.zone,
            readerMail: readerMail
        )
        return (composer, mail.warnings + templateWarnings + secrets.warnings)
    }

    /// The built-in templates, with any file present in `directory` instead.
    public static func loadTemplates(directory: String?) throws -> DigestTemplates {
        try loadTemplatesChecked(directory: directory).templates
    }

    /// The built-in reader mail templates (confirmation, manage), with any file present in `directory` instead.
    public static func loadReaderMailTemplates(directory: String?) throws -> ReaderMailTemplates {
        try loadTemplatesChecked(directory: directory).readerMail
    }

    /// The digest's and the reader mails' templates, and what in the override
    /// folder will not work as meant (a file name Paperboy does not read, a
    /// variable nothing fills in).
    static func loadTemplatesChecked(directory: String?) throws -> (templates: DigestTemplates, readerMail: ReaderMailTemplates, warnings: [String]) {
        guard let directory else { return (.defaults, .defaults, []) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MailSetupError(message: "templates: \(directory) is not a folder; create it or remove the templates key to use the built-in templates")
        }
        var sources: [String: String] = [:]
        var origins: [String: String] = [:]
        for name in DigestTemplates.fileNames + ReaderMailTemplates.fileNames {
            let path = directory + "/" + name
            guard FileManager.default.fileExists(atPath: path) else { continue }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw MailSetupError(message: "\(path): cannot read it as UTF-8 text")
            }
            sources[name] = text
            origins[name] = path
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        do {
            return (try DigestTemplates(sources: sources, origins: origins),
                    try ReaderMailTemplates(sources: sources, origins: origins),
                    TemplateCheck.warnings(files: files, sources: sources, origins: origins))
        } catch {
            throw MailSetupError(message: error.description)
        }
    }
}
