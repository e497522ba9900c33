import Foundation
import PaperboyCore
import PaperboyPipeline
import Logging
import Synchronization

/// One line per event on stderr: level, label, message, then the metadata as
/// `key=value`, sorted. Under systemd (`JOURNAL_STREAM` names our stderr),
/// each line starts with its syslog priority, `<3>` to `<7>`, so journald
/// keeps the level (`journalctl -p warning`), and carries no time stamp,
/// which journald adds; elsewhere it starts with an ISO 8601 time.
/// Newlines in messages and values are written as `\n`, so an event is
/// never split over lines.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    var label: String
    let journal: Bool
    let write: @Sendable (String) -> Void

    public init(label: String, journal: Bool, write: @escaping @Sendable (String) -> Void = JournalLogHandler.standardError) {
        self.label = label
        self.journal = journal
        self.write = write
    }

    /// True when stderr is the journal stream systemd set up for us: `JOURNAL_STREAM`
    /// is `device:inode` of that stream, compared with stderr's own.
    public static func stderrIsJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        write(Self.line(level: event.level, label: label, message: "\(event.message)", metadata: all, journal: journal, time: Date()))
    }

    /// The line written for one event (with its newline).
    public static func line(level: Logger.Level, label: String, message: String, metadata: Logger.Metadata, journal: Bool, time: Date) -> String {
        var line = journal ? "<\(priority(level))>" : DateFormats.iso8601(time) + " "
        line += "\(level) \(label): \(oneLine(message))"
        for key in metadata.keys.sorted() {
            let value = oneLine("\(metadata[key]!)")
            let needsQuotes = value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" })
            line += " \(key)=" + (needsQuotes ? "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : value)
        }
        return line + "\n"
    }

    /// syslog(3) priorities: err 3, warning 4, notice 5, info 6, debug 7.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }

    static func oneLine(_ text: String) -> String {
        guard text.contains(where: { $0.isNewline || $0 == "\t" }) else { return text }
        return text.replacingOccurrences(of: "\r\n", with: "\\n").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\t", with: " ")
    }

    private static let lock = Mutex(())

    /// Writes whole lines to fd 2, one `write` each, so lines of concurrent events never interleave.
    public static let standardError: @Sendable (String) -> Void = { line in
        lock.withLock { _ in
            var bytes = Array(line.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeMutableBytes { Foundation.write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset) }
                if written <= 0 { break }
                offset += written
            }
        }
    }
}
