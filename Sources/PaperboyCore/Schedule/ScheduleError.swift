/// Schedule text that cannot be read: says what is wrong and what is allowed.
public struct ScheduleError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong and what is allowed, e.g.
    /// "25:00 is not a time of day; use HH:MM from 00:00 to 23:59".
    public var message: String

    public init(message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
