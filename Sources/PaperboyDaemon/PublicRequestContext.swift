import Hummingbird
import NIOCore
import PaperboyCore

/// The request context of the public endpoint: Hummingbird's basics plus
/// the peer's address, for the abuse limits (`ClientAddress`).
public struct PublicRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer (the reverse proxy, when there is one).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Hummingbird's own cap on collected bodies; the pages cap theirs lower (`WebSettings.maxBodyBytes`).
    public var maxUploadSize: Int { WebSettings.maxBodyBytes }

    /// The peer's IP address in `IPAddressText`'s normal form, or nil (a Unix socket).
    var peerAddress: String? { remoteAddress?.ipAddress.flatMap(IPAddressText.normalized) }
}
