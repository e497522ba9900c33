/// A subscriber field that cannot be stored: names the field (as in the
/// subscriber file) and says what is allowed.
public struct SubscriberFieldError: Error, CustomStringConvertible, Equatable, Sendable {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
