import Foundation
import PaperboyCore
import PaperboyStore

/// The automatic export a destructive subscriber command (`import --prune`
/// that removes someone, `remove`) writes before it changes anything: every
/// active subscriber in the subscriber-file format of `subscriber export`,
/// mode 0640, in `backups/` next to the database, named with the moment and
/// the command (`subscribers-20261130T080000Z-remove.yaml`). `subscriber
/// import FILE` restores from it. Backups older than `keptDays` are deleted
/// when a new one is written.
enum SubscriberBackup {
    static let keptDays = 30
    static let prefix = "subscribers-"

    /// The folder: `backups` beside the database file.
    static func directory(forDatabase database: String) -> String {
        let folder = (database as NSString).deletingLastPathComponent
        return (folder.isEmpty ? "." : folder) + "/backups"
    }

    /// `subscribers-YYYYMMDDTHHMMSSZ-COMMAND.yaml`.
    static func fileName(at moment: Date, command: String) -> String {
        "\(prefix)\(stamp(moment))-\(command).yaml"
    }

    /// Writes the backup and prunes old ones; returns its path. Fails (and so
    /// stops the command before it changes anything) when it cannot be written.
    static func write(_ store: Store, database: String, command: String, at moment: Date) throws -> String {
        let folder = directory(forDatabase: database)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw CLIFailure("cannot create the backup folder \(folder): \(error.localizedDescription); nothing changed. Check the folder next to the database is writable", exitCode: .config)
        }
        let subscribers = try store.subscribers().filter { $0.unsubscribedAt == nil && $0.pendingSince == nil }.map(\.preferences)
        var path = folder + "/" + fileName(at: moment, command: command)
        var attempt = 1
        while FileManager.default.fileExists(atPath: path) {
            attempt += 1
            path = folder + "/" + fileName(at: moment, command: "\(command)-\(attempt)")
        }
        do {
            try PrivateFile.write(SubscriberFile.render(subscribers).utf8, to: path)
        } catch {
            throw CLIFailure("\(error); nothing changed. A destructive command writes a backup first: check the folder \(folder) is writable", exitCode: .config)
        }
        pruneOld(in: folder, now: moment)
        return path
    }

    /// Deletes backups whose name says they are older than `keptDays`
    /// (the name, not the file time, so the command clock decides).
    static func pruneOld(in folder: String, now: Date) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        let cutoff = now.addingTimeInterval(-Double(keptDays) * 86_400)
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".yaml") {
            let stampText = name.dropFirst(prefix.count).prefix(16)
            guard let moment = parse(String(stampText)), moment < cutoff else { continue }
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
        }
    }

    static func stamp(_ moment: Date) -> String { DateFormats.stamp(moment) }
    static func parse(_ text: String) -> Date? { DateFormats.parseStamp(text) }
}
