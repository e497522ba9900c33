import Foundation
import PaperboyCore
@testable import PaperboyStore
import PaperboyTestSupport
import Testing

/// Checkpoints run on a thread of their own (`WALCheckpointer`), not inside
/// the commit that crosses the WAL limit, where they would stall every write.
@Suite struct WALCheckpointerTests {
    let t0 = TestTime.now

    /// 24 MB of message bodies, far below the writer's own backstop (256 MB):
    /// only the checkpoint thread can have copied them into the database file.
    @Test func writesReachTheDatabaseFileWithoutTheWriterCheckpointing() throws {
        let directory = try TestPaths.temporaryDirectory()
        let path = directory.appendingPathComponent("store.sqlite").path
        let store = try Store(path: path)
        #expect(Store.backstopCheckpointPages * 4096 > 200_000_000)
        let fileSizeBefore = try Self.size(path)
        let subscriber = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org")), at: t0)
        let body = Array(repeating: UInt8(ascii: "x"), count: 30_000)
        for batch in 0..<8 {
            let digests = (0..<100).map { n in
                PlannedDigest(subscriberID: subscriber.id, periodKey: "p\(batch)-\(n)", recipient: "ada@example.org", sender: "p@example.org",
                              subject: "S", messageID: "<\(batch)-\(n)@example.org>", message: body, paperIDs: [])
            }
            #expect(try store.plan(digests, at: t0) == 100)
        }
        var fileSize = try Self.size(path)
        for _ in 0..<300 where fileSize < 20_000_000 {
            usleep(10_000)
            fileSize = try Self.size(path)
        }
        #expect(fileSize > 20_000_000, "the bodies were checkpointed into the database file (\(fileSizeBefore) -> \(fileSize) bytes)")
        #expect(try store.read { db in try db.scalar(Int.self, sql: "SELECT count(*) FROM outbox_body") } == 800)
    }

    /// The thread ends with its store (and lets go of its connection); the
    /// database then opens and reads as usual. No checkpoint thread for a
    /// store in memory or read-only.
    @Test func theThreadEndsWithItsStore() throws {
        let path = try TestPaths.temporaryDirectory().appendingPathComponent("store.sqlite").path
        weak var checkpointer: WALCheckpointer?
        do {
            let store = try Store(path: path)
            checkpointer = store.checkpointer
            _ = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org")), at: t0)
            #expect(checkpointer != nil)
        }
        for _ in 0..<100 where checkpointer != nil { usleep(10_000) }
        #expect(checkpointer == nil, "the checkpoint thread ended with its store")
        #expect(try Store(path: path).subscribers().count == 1)
        #expect(try Store(readOnlyPath: path).checkpointer == nil)
        #expect(Store.inMemory().checkpointer == nil)
    }

    static func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}
