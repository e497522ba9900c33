/// A config file that cannot be used: names the file, the key and what is allowed.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The config file's path.
    public var file: String
    /// The dotted key path (`sources[1].type`), empty for the whole file.
    public var key: String
    /// What is wrong and what is allowed.
    public var message: String

    public init(file: String, key: String, message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String {
        key.isEmpty ? "\(file): \(message)" : "\(file): \(key): \(message)"
    }
}
