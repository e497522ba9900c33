import Foundation
import PaperboyCore

/// Why mail cannot be composed with this configuration (exit 78).
public struct MailSetupError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// Reads what composing mail needs from the config and the files it names:
/// the link secret, template overrides, the DKIM key.
public enum MailSetup {
    /// A composer for the configured mail settings; every problem is a clear
    /// error naming the key or file and the fix.
    public static func composer(config: PaperboyConfig, configPath: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DigestComposer {
        let mail = config.mail
        guard let fromAddress = mail.fromAddress else {
            throw MailSetupError(message: "\(configPath): from: missing; set it to the sender, such as from: \"Paperboy <digest@example.org>\"")
        }
        guard let baseURL = mail.baseURL else {
            throw MailSetupError(message: "\(configPath): base_url: missing; set it to the public address of Paperboy's HTTP endpoint (one-click unsubscribe links), such as https://papers.example.org")
        }
        let secret = try loadSecret(mail: mail, configPath: configPath, environment: environment)
        let templates = try loadTemplates(directory: mail.templatesDirectory)
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
        return DigestComposer(
            renderer: DigestRenderer(templates: templates, operatorName: mail.fromName ?? fromAddress.description),
            tokens: LinkToken(secret: secret),
            from: MailAddress(email: fromAddress, displayName: mail.fromName),
            baseURL: baseURL,
            unsubscribeMailto: mail.unsubscribeMailto,
            signer: signer,
            defaultZone: config.digest.schedule.zone
        )
    }

    /// The secret for link tokens: `secret_file`, else `PAPERBOY_SECRET`,
    /// else `$CREDENTIALS_DIRECTORY/secret` (systemd LoadCredential=).
    static func loadSecret(mail: MailSettings, configPath: String, environment: [String: String]) throws -> [UInt8] {
        var secret: [UInt8]?
        var origin = ""
        if let file = mail.secretFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw MailSetupError(message: "\(configPath): secret_file: cannot read \(file); check the path and that the paperboy user may read it")
            }
            secret = Array(data)
            origin = file
        } else if let value = environment["PAPERBOY_SECRET"], !value.isEmpty {
            secret = Array(value.utf8)
            origin = "PAPERBOY_SECRET"
        } else if let directory = environment["CREDENTIALS_DIRECTORY"],
                  let data = FileManager.default.contents(atPath: directory + "/secret") {
            secret = Array(data)
            origin = "$CREDENTIALS_DIRECTORY/secret"
        }
        guard var bytes = secret else {
            throw MailSetupError(message: "no secret for unsubscribe links: set secret_file in \(configPath), or the PAPERBOY_SECRET environment variable, or a systemd credential named secret (make one with: head -c 32 /dev/urandom | base64)")
        }
        while let last = bytes.last, last == 0x0A || last == 0x0D || last == 0x20 { bytes.removeLast() }
        guard bytes.count >= 16 else {
            throw MailSetupError(message: "the secret in \(origin) is \(bytes.count) bytes; use at least 16 (make one with: head -c 32 /dev/urandom | base64)")
        }
        return bytes
    }

    /// The built-in templates, with any file present in `directory` instead.
    public static func loadTemplates(directory: String?) throws -> DigestTemplates {
        guard let directory else { return .defaults }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MailSetupError(message: "templates: \(directory) is not a folder; create it or remove the templates key to use the built-in templates")
        }
        var sources: [String: String] = [:]
        var origins: [String: String] = [:]
        for name in DigestTemplates.fileNames {
            let path = directory + "/" + name
            guard FileManager.default.fileExists(atPath: path) else { continue }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw MailSetupError(message: "\(path): cannot read it as UTF-8 text")
            }
            sources[name] = text
            origins[name] = path
        }
        do {
            return try DigestTemplates(sources: sources, origins: origins)
        } catch {
            throw MailSetupError(message: error.description)
        }
    }
}
