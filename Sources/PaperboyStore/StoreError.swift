/// A database problem, with what to do about it.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var hint: String
    /// True when retrying later may work (the database was busy).
    public var isTemporary: Bool

    public init(path: String, message: String, hint: String, isTemporary: Bool = false) {
        self.path = path
        self.message = message
        self.hint = hint
        self.isTemporary = isTemporary
    }

    public var description: String {
        "database \(path): \(message). \(hint)"
    }
}
