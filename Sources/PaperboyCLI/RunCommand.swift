import ArgumentParser
import Foundation
import Logging
import PaperboyDaemon
import PaperboyPipeline

/// `paperboy run [--config PATH] [--log-level LEVEL]`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: fetch feeds, send each digest on time, serve unsubscribe links, /healthz and /metrics.",
        discussion: """
        Meant to run under systemd (deploy/paperboy.service, Type=notify). Fetches each source on its interval, \
        plans the digests that are due at each subscriber's scheduled time (at least once a minute), sends the \
        outbox as rows come due, serves the unsubscribe pages on http.listen and /healthz and /metrics on \
        http.admin_listen. SIGHUP re-reads the config and \
        templates (a config with a problem is refused and the running one stays); SIGTERM or SIGINT lets the SMTP \
        transactions under way finish within shutdown_timeout, hands the rest back to the outbox, and exits 0. \
        Logs go to stderr, one line per event, with syslog priority prefixes under journald. \
        Exits 78 when the config, the secret or the database is not usable at start, 75 when the database is busy \
        (another process holds its write lock; try again), 69 when http.listen or http.admin_listen is taken. PAPERBOY_NOW (ISO 8601) starts the clock at that moment instead of the system time.
        """
    )

    @Option(name: .long, help: ArgumentHelp("The config file (default: $PAPERBOY_CONFIG, else /etc/paperboy/paperboy.yaml).", valueName: "PATH"))
    var config: String?

    @Option(help: ArgumentHelp(LogLevel.help, valueName: "LEVEL"), transform: LogLevel.parse)
    var logLevel: LogLevel = .standard

    func run() async throws {
        let path = ConfigOptions.resolve(config)
        let journal = JournalLogHandler.stderrIsJournal()
        var logger = Logger(label: "paperboy") { JournalLogHandler(label: $0, journal: journal) }
        logger.logLevel = logLevel.level
        let daemon: Daemon
        do {
            let clock = try CommandClock.daemonClock()
            if clock is ShiftedDaemonClock {
                logger.warning("the clock is shifted: \(ProcessClock.variable) is set, so schedules run from \(SchedulerService.iso(clock.now())), not the system time")
            }
            daemon = try Daemon(configPath: path, clock: clock, logger: logger)
        } catch {
            // One line on stderr, which is the journal under systemd.
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(ExitStatus.exiting(error, at: .start).rawValue)
        }
        do {
            try await daemon.run()
        } catch {
            // A listener that cannot listen stops the start; anything else stopped a running daemon.
            logger.critical(error is DaemonListenError ? "cannot start" : "stopped by an error", metadata: ["error": "\(error)"])
            throw ExitCode(ExitStatus.exiting(error, at: .work).rawValue)
        }
    }
}
