/// A DKIM key or signing setting that cannot be used: says what is wrong and what to do.
public struct DKIMError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
