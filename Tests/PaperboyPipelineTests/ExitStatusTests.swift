import PaperboyCore
@testable import PaperboyPipeline
import PaperboyStore
import Testing

/// The one mapping from an error to the process's exit status and message.
struct ExitStatusTests {
    let busy = StoreError(path: "/var/lib/paperboy/paperboy.sqlite", kind: .busy, message: "the database is busy (another process holds its write lock)",
                          hint: "Try again in a moment")
    let broken = StoreError(path: "/var/lib/paperboy/paperboy.sqlite", kind: .io, message: "disk I/O error",
                            hint: "Nothing changed. Check the disk (free space, errors) and the database file's permissions")

    @Test func aConfigErrorExits78NamingItsKey() throws {
        let error = ConfigError(file: "/etc/paperboy/paperboy.yaml", key: "smtp.tls", message: "\"maybe\" is not a TLS mode")
        for stage in [FailureStage.start, .work] {
            let mapped = try #require(ExitStatus.of(error, at: stage))
            #expect(mapped.status == .config)
            #expect(mapped.message == "/etc/paperboy/paperboy.yaml: smtp.tls: \"maybe\" is not a TLS mode")
        }
    }

    @Test func aMailSetupErrorExits78() throws {
        let mapped = try #require(ExitStatus.of(MailSetupError(message: "no secret for unsubscribe links"), at: .start))
        #expect(mapped.status == .config)
        #expect(mapped.message == "no secret for unsubscribe links")
    }

    @Test func aBusyDatabaseIsTemporaryAtStartAndMidCommand() throws {
        let atStart = try #require(ExitStatus.of(busy, at: .start))
        #expect(atStart.status == .temporaryFailure)
        #expect(atStart.status.rawValue == 75)
        #expect(atStart.message == busy.description)
        let midCommand = try #require(ExitStatus.of(busy, at: .work))
        #expect(midCommand.status == .temporaryFailure)
        #expect(midCommand.message == "the database is busy (another process holds its write lock); nothing changed, try again in a moment")
    }

    @Test func anotherDatabaseErrorIs78AtStartAnd70MidCommand() throws {
        let atStart = try #require(ExitStatus.of(broken, at: .start))
        #expect(atStart.status.rawValue == 78)
        #expect(atStart.message == broken.description)
        let midCommand = try #require(ExitStatus.of(broken, at: .work))
        #expect(midCommand.status.rawValue == 70)
        #expect(midCommand.message == "database /var/lib/paperboy/paperboy.sqlite: disk I/O error. "
            + "Nothing changed. Check the disk (free space, errors) and the database file's permissions")
    }

    @Test func anErrorWithNoStatusIsLeftToArgumentParserOrIsASetupOrSoftwareErrorForRun() {
        struct Unknown: Error {}
        #expect(ExitStatus.of(Unknown(), at: .work) == nil)
        #expect(ExitStatus.exiting(Unknown(), at: .start) == .config)
        #expect(ExitStatus.exiting(Unknown(), at: .work) == .software)
        #expect(ExitStatus.exiting(busy, at: .start) == .temporaryFailure)
    }

    @Test func theCodesAreSysexits() {
        #expect([ExitStatus.usage, .dataError, .unavailable, .software, .temporaryFailure, .config].map(\.rawValue) == [64, 65, 69, 70, 75, 78])
    }
}
