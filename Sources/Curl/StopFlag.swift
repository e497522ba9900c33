import Synchronization

/// A flag set once and read from any thread: what a transfer's
/// `SMTPSendControl.shouldStop` reads while another thread decides to stop.
public final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)

    public init() {}

    /// True once `set()` was called.
    public var isSet: Bool { value.load(ordering: .relaxed) }

    /// Sets the flag; it stays set.
    public func set() { value.store(true, ordering: .relaxed) }
}
