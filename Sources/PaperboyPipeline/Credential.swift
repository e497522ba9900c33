import Foundation

/// A secret the operator hands Paperboy (the link secret, the SMTP
/// password), and the one rule for where it is looked up and how it is read.
///
/// The first of these wins:
/// 1. the file named in the config (`secret_file`, `smtp.password_file`),
///    even when it is empty: the caller says what is wrong with it;
/// 2. the environment variable (`PAPERBOY_SECRET`, `PAPERBOY_SMTP_PASSWORD`),
///    unless it is empty;
/// 3. the systemd credential of that name in `$CREDENTIALS_DIRECTORY`
///    (`LoadCredential=secret:…`), unless it is empty (the installer makes an
///    empty `smtp-password`, since `LoadCredential=` needs the file).
///
/// Whatever the source, trailing line breaks and spaces are stripped (a file
/// written by `echo` or an editor ends with a newline); nothing else is.
public struct Credential: Sendable, Equatable {
    /// Where a credential was found.
    public enum Source: Sendable, Equatable {
        /// The file named in the config.
        case file(String)
        /// The environment variable of this name.
        case environment(String)
        /// The systemd credential file at this path.
        case systemd(String)
    }

    /// The value, trimmed.
    public var bytes: [UInt8]
    public var source: Source

    public init(bytes: [UInt8], source: Source) {
        self.bytes = Self.trimmed(bytes)
        self.source = source
    }

    /// The value as UTF-8 text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The file it was read from (for the mode check), nil for a variable.
    public var path: String? {
        switch source {
        case .file(let path), .systemd(let path): path
        case .environment: nil
        }
    }

    /// For messages: the file, or the variable.
    public var origin: String {
        switch source {
        case .file(let path), .systemd(let path): path
        case .environment(let name): name
        }
    }

    /// The one trimming rule: trailing CR, LF and spaces go.
    public static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        while let last = bytes.last, last == 0x0A || last == 0x0D || last == 0x20 { bytes.removeLast() }
        return bytes
    }

    /// `$CREDENTIALS_DIRECTORY`, when set and not empty.
    public static func directory(_ environment: [String: String]) -> String? {
        environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Reads the credential in `path`; `key` names, in the error, what pointed
    /// there (a config key, or the systemd credential).
    public static func read(_ path: String, key: String, source: Source? = nil) throws(MailSetupError) -> Credential {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MailSetupError(message: "\(key): cannot read \(path); check the path and that the paperboy user may read it")
        }
        return Credential(bytes: Array(data), source: source ?? .file(path))
    }

    /// The places one credential may come from (see `Credential`).
    public struct Lookup: Sendable {
        /// The file named in the config, if any.
        public var file: String?
        /// How the config key is named in messages, such as `smtp.password_file`.
        public var fileKey: String
        /// The environment variable, such as `PAPERBOY_SMTP_PASSWORD`.
        public var variable: String
        /// The systemd credential name, such as `smtp-password`.
        public var credential: String

        public init(file: String?, fileKey: String, variable: String, credential: String) {
            self.file = file
            self.fileKey = fileKey
            self.variable = variable
            self.credential = credential
        }

        /// The first credential found, or nil when none of the three is set;
        /// throws when a file that is named or present cannot be read.
        public func find(environment: [String: String]) throws(MailSetupError) -> Credential? {
            if let file {
                return try Credential.read(file, key: fileKey)
            }
            if let value = environment[variable], !value.isEmpty {
                let found = Credential(bytes: Array(value.utf8), source: .environment(variable))
                if !found.bytes.isEmpty { return found }
            }
            if let directory = Credential.directory(environment) {
                let path = directory + "/" + credential
                if FileManager.default.fileExists(atPath: path) {
                    let found = try Credential.read(path, key: "the systemd credential \(credential)", source: .systemd(path))
                    if !found.bytes.isEmpty { return found }
                }
            }
            return nil
        }
    }
}
