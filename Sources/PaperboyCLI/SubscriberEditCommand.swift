import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy subscriber edit EMAIL`: the subscriber as YAML in $VISUAL / $EDITOR.
struct SubscriberEditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Edit a subscriber as YAML in $VISUAL or $EDITOR.",
        discussion: """
        On save the entry is checked; on an error the editor opens again with the error written at the top. \
        Saving the file unchanged, or emptying it, changes nothing.
        """
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    func run() throws {
        let email = try address.parsed()
        // Before anything else: with no editor set and no terminal, vi would
        // start into the void and the command would hang or fail late.
        let editor = try EditorSession.chooseEditor(
            environment: ProcessInfo.processInfo.environment,
            hasTerminal: isatty(STDIN_FILENO) == 1
        )
        let (_, store) = try config.openConfiguredStore()
        guard let subscriber = try store.subscriber(email) else {
            throw CLIFailure("no subscriber has the address \(email); `paperboy subscriber list` shows them", exitCode: .dataError)
        }
        let original = SubscriberFile.renderEntry(subscriber.preferences)
        let session = try EditorSession(fileName: "paperboy-subscriber.yaml")
        defer { session.discard() }

        var body = original
        var problem: String?
        while true {
            try session.write(EditorSession.header(for: email, problem: problem) + body)
            try session.openEditor(editor)
            let edited = EditorSession.withoutComments(try session.read())
            if TextNormalizer.trimmed(edited).isEmpty {
                say("the file was emptied: nothing changed")
                return
            }
            if problem != nil && edited == EditorSession.withoutComments(body) {
                // Saved again without fixing the error: give up, change nothing.
                throw CLIFailure("\(problem!); nothing changed", exitCode: .dataError)
            }
            body = edited
            do {
                let wanted = try SubscriberFile.parseEntry(edited, file: "the edited subscriber")
                guard wanted.email == email else {
                    problem = "email: the address cannot be changed here; add the new address and remove this one"
                    continue
                }
                let changed = wanted.changedFields(from: subscriber.preferences)
                if changed.isEmpty {
                    say("\(email): no changes")
                    return
                }
                try storeChange {
                    try store.updateSubscriber(email, at: try CommandClock.now()) { stored in
                        // Someone (another command, the daemon) changed them while the
                        // editor was open: do not overwrite that with a stale copy. The
                        // values are compared, not the update times, which two changes
                        // within the clock's resolution can share.
                        guard stored == subscriber else {
                            throw CLIFailure("\(email) was changed by another command while you were editing; nothing changed. Run edit again to start from the current values", exitCode: .temporaryFailure)
                        }
                        if stored.preferences.paused && !wanted.paused { stored.pausedReason = nil }
                        stored.preferences = wanted
                    }
                }
                say("updated \(email): \(changed.joined(separator: ", "))")
                return
            } catch let error as SubscriberFileError {
                problem = error.problems.map { $0.reason }.joined(separator: "; ")
            }
        }
    }
}

/// A temporary file opened in the user's editor.
struct EditorSession {
    let directory: URL
    let file: URL

    init(fileName: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-edit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        file = directory.appendingPathComponent(fileName)
    }

    static func header(for email: EmailAddress, problem: String?) -> String {
        var lines: [String] = []
        if let problem {
            lines += ["# ERROR: \(problem)", "# Fix it and save, or empty the file to cancel.", "#"]
        }
        lines += [
            "# Subscriber \(email). Save and quit to apply; save it unchanged or empty it to change nothing.",
            "# Keys: \(SubscriberFile.keys.joined(separator: ", ")). Only email is required;",
            "# a key left out takes its default. Lines starting with # are ignored.",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The text without whole-line comments, which the header is made of.
    static func withoutComments(_ text: String) -> String {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .filter { !$0.trimmingPrefix(while: { $0 == " " }).hasPrefix("#") }
            .joined(separator: "\n")
    }

    func write(_ text: String) throws {
        try text.write(to: file, atomically: false, encoding: .utf8)
    }

    func read() throws -> String {
        try String(contentsOf: file, encoding: .utf8)
    }

    /// $VISUAL, else $EDITOR, else vi when standard input is a terminal; with
    /// neither variable set and no terminal, a usage failure (exit 64) that
    /// names the ways on, since vi without a terminal can only hang or fail.
    static func chooseEditor(environment env: [String: String], hasTerminal: Bool) throws -> String {
        if let editor = [env["VISUAL"], env["EDITOR"]].compactMap({ $0 }).first(where: { !$0.isEmpty }) {
            return editor
        }
        guard hasTerminal else {
            throw CLIFailure(
                "subscriber edit needs an editor, and neither VISUAL nor EDITOR is set and standard input is not a terminal; nothing changed. Set EDITOR (e.g. EDITOR=nano), or change fields with `paperboy subscriber set EMAIL --OPTION VALUE`, or export, edit the file and import it",
                exitCode: .usage
            )
        }
        return "vi"
    }

    /// Runs `editor` on the file, through the shell (so `EDITOR="code --wait"` works).
    func openEditor(_ editor: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(editor) \"$1\"", "sh", file.path]
        do {
            try process.run()
        } catch {
            throw CLIFailure("cannot start the editor \"\(editor)\": \(error); set VISUAL or EDITOR", exitCode: .unavailable)
        }
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            throw CLIFailure("the editor \"\(editor)\" exited with status \(process.terminationStatus); nothing changed", exitCode: .unavailable)
        }
    }

    func discard() {
        try? FileManager.default.removeItem(at: directory)
    }
}
