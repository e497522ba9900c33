import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore

/// `paperboy db copy --to postgresql://USER@HOST:PORT/DATABASE [--password-file FILE] [--dry-run]`
struct DbCopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy the SQLite database into an empty PostgreSQL database, all or nothing.",
        discussion: """
        Copies papers, source state, subscribers (with their likes and history), the sent log, the outbox with \
        its message bodies, bounces and prune horizons from the SQLite file that database: names into the \
        PostgreSQL database --to names, creating its schema. Ids are kept. Everything is written in one \
        transaction: a failure leaves the target as it was. A target that already holds rows is refused. Stop \
        paperboy run first (what it writes during the copy would not be copied), then set database: to the URL \
        and start it again. The password comes from --password-file, else PAPERBOY_DATABASE_PASSWORD, else the \
        systemd credential database-password (none for trust or peer authentication). --dry-run copies and \
        rolls back: it prints what would be copied and writes no row.
        """
    )

    @OptionGroup var config: ConfigOptions

    @Option(help: ArgumentHelp("The PostgreSQL database to fill (empty; no password in the URL).", valueName: "URL"))
    var to: String

    @Option(help: ArgumentHelp("A file holding the target's password (default: $PAPERBOY_DATABASE_PASSWORD).", valueName: "FILE"))
    var passwordFile: String?

    @Flag(help: "Print what would be copied; write no row (the copy is rolled back).")
    var dryRun = false

    func validate() throws {
        guard PostgresLocation.isURL(to) else {
            throw ValidationError("--to \"\(to)\" is not a PostgreSQL URL; write postgresql://USER@HOST:PORT/DATABASE")
        }
        do {
            _ = try PostgresLocation(url: to)
        } catch {
            throw ValidationError("--to: \(error.message)")
        }
    }

    func run() throws {
        let settings = try config.loadConfig()
        if PostgresLocation.isURL(settings.database) {
            throw CLIFailure("\(config.configPath): database is already PostgreSQL (\(settings.database)); db copy copies a SQLite database", exitCode: .usage)
        }
        let source = try config.openStore(settings, readOnly: true)
        let target = try openTarget()
        let started = ContinuousClock.now
        let report = try Self.copy(source, to: target, dryRun: dryRun)
        let elapsed = (ContinuousClock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let counts = report.tables.map { "\(NumberText.grouped($0.rows)) \(Store.copyNoun($0.table, $0.rows))" }.joined(separator: ", ")
        let took = String(format: "%.1f s", seconds)
        if dryRun {
            say("would copy to \(target.path) (\(took)): \(counts)")
            say("dry run: nothing was written")
        } else {
            say("copied to \(target.path) in \(took): \(counts)")
            say("now set database: \(to) in \(config.configPath) (and database_password_file if it needs a password), then restart paperboy run")
        }
    }

    /// The target, its schema created; the password from --password-file,
    /// else PAPERBOY_DATABASE_PASSWORD, else the systemd credential.
    func openTarget() throws -> Store {
        let lookup = Credential.Lookup(file: passwordFile, fileKey: "--password-file", variable: "PAPERBOY_DATABASE_PASSWORD",
                                       credential: "database-password")
        let password: Credential?
        do {
            password = try lookup.find(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CLIFailure(error.message, exitCode: .config)
        }
        if let path = passwordFile, password?.bytes.isEmpty == true {
            throw CLIFailure("--password-file: \(path) is empty; write the database password in it", exitCode: .config)
        }
        do {
            return try Store.open(to, password: password?.text)
        } catch {
            throw CLIFailure(error.exitMessage(at: .start), exitCode: error.exitStatus(at: .start))
        }
    }

    /// The copy; a refusal (a target that is not empty) exits 65, a
    /// database error as every command's does (75 busy, else 70).
    static func copy(_ source: Store, to target: Store, dryRun: Bool) throws -> StoreCopyReport {
        let result = Result { () throws(StoreError) -> StoreCopyReport in try source.copy(to: target, dryRun: dryRun) }
        if case .failure(let error) = result, Store.isCopyRefusal(error) {
            throw CLIFailure(error.description, exitCode: .dataError)
        }
        return try result.get()
    }
}
