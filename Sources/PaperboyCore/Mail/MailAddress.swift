/// A mailbox with an optional display name, for From and To.
public struct MailAddress: Sendable, Equatable {
    public var email: EmailAddress
    /// Shown by mail clients instead of the address. Any text is allowed:
    /// control characters are dropped and non-ASCII is encoded when the
    /// header is written.
    public var displayName: String?

    public init(email: EmailAddress, displayName: String? = nil) {
        self.email = email
        self.displayName = displayName
    }
}
