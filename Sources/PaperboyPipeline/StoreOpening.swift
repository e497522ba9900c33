import Foundation
import PaperboyCore
import PaperboyStore

/// The one way a process opens the configured store: a SQLite file, or a
/// PostgreSQL database with its password found by `Credential.Lookup`
/// (`database_password_file`, else `PAPERBOY_DATABASE_PASSWORD`, else the
/// systemd credential `database-password`; none is fine for trust or peer
/// authentication).
public enum StoreOpening {
    /// Opens `config.database`; `readOnly` for commands that promise to
    /// change nothing (SQLite opens the file read-only; PostgreSQL reads in
    /// read-only transactions anyway).
    public static func open(_ config: PaperboyConfig, readOnly: Bool = false,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Store {
        let password = PostgresLocation.isURL(config.database) ? try password(config, environment: environment) : nil
        return try Store.open(config.database, password: password, readOnly: readOnly)
    }

    /// The PostgreSQL password, or nil when none is set.
    public static func password(_ config: PaperboyConfig, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        let lookup = Credential.Lookup(file: config.databasePasswordFile, fileKey: "database_password_file", variable: "PAPERBOY_DATABASE_PASSWORD",
                                       credential: "database-password")
        guard let password = try lookup.find(environment: environment) else { return nil }
        if password.bytes.isEmpty, case .file(let path) = password.source {
            throw MailSetupError(message: "database_password_file: \(path) is empty; write the database password in it, or remove the key")
        }
        return password.text
    }
}
