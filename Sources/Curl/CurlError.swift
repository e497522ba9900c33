import CCurl

/// A failed libcurl transfer, with everything an operator needs to fix it:
/// the URL, curl's code and message, and the HTTP status when there was one.
public struct CurlError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure, in words a caller can switch on.
    public enum Kind: String, Sendable {
        /// The server could not be reached (DNS, refused, unreachable).
        case connect
        /// The connect or total timeout ran out.
        case timeout
        /// The URL, or a redirect, used a scheme that is not allowed.
        case disallowedProtocol
        /// The response was larger than the configured limit.
        case tooLarge
        /// The server answered with an HTTP error status (4xx, 5xx).
        case httpStatus
        /// A redirect left the configured URL's origin for a non-public
        /// address (loopback, private, link-local ...); nothing was sent there.
        case refusedRedirect
        /// Too many redirects.
        case tooManyRedirects
        /// TLS handshake or certificate problem.
        case tls
        /// Anything else libcurl reported.
        case transfer
    }

    public var kind: Kind
    public var url: String
    /// libcurl's CURLcode (0 when the transfer itself worked, as for an HTTP error status).
    public var curlCode: Int
    /// libcurl's own explanation (CURLOPT_ERRORBUFFER, else curl_easy_strerror).
    public var curlMessage: String
    /// The last HTTP status seen, if any.
    public var httpStatus: Int?
    /// What the operator can do about it.
    public var hint: String

    public init(kind: Kind, url: String, curlCode: Int, curlMessage: String, httpStatus: Int?, hint: String) {
        self.kind = kind
        self.url = url
        self.curlCode = curlCode
        self.curlMessage = curlMessage
        self.httpStatus = httpStatus
        self.hint = hint
    }

    public var description: String {
        var text = "\(url): \(curlMessage)"
        if curlCode != 0 { text += " (curl error \(curlCode))" }
        if let httpStatus, kind != .httpStatus { text += ", last HTTP status \(httpStatus)" }
        if !hint.isEmpty { text += ". \(hint)" }
        return text
    }
}

extension CurlError {
    /// Builds the error for a CURLcode, picking the kind and a hint.
    static func from(code: CURLcode, url: String, buffer: String, httpStatus: Int?, limitHint: String?) -> CurlError {
        let raw = Int(code.rawValue)
        let message = buffer.isEmpty ? String(cString: curl_easy_strerror(code)) : buffer
        let kind: Kind
        let hint: String
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL:
            kind = .disallowedProtocol
            hint = "Only http, https and file URLs are fetched (redirects: http and https); fix the source's url"
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            kind = .connect
            hint = "Check the host name in the source's url and this machine's DNS"
        case CURLE_COULDNT_CONNECT:
            kind = .connect
            hint = "Check that the server is up and the port is right"
        case CURLE_OPERATION_TIMEDOUT:
            kind = .timeout
            hint = "The server did not answer in time; raise fetch.timeout if the feed is slow, or try again later"
        case CURLE_TOO_MANY_REDIRECTS:
            kind = .tooManyRedirects
            hint = "The server redirected more than 5 times; point the source at the final URL"
        case CURLE_FILESIZE_EXCEEDED where limitHint != nil, CURLE_WRITE_ERROR where limitHint != nil:
            return CurlError(kind: .tooLarge, url: url, curlCode: raw, curlMessage: limitHint ?? message, httpStatus: httpStatus,
                             hint: "Raise fetch.max_response_bytes if this feed is really that large")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE:
            kind = .tls
            hint = "TLS failed; check the server's certificate and this machine's CA bundle"
        default:
            kind = .transfer
            hint = ""
        }
        return CurlError(kind: kind, url: url, curlCode: raw, curlMessage: message, httpStatus: httpStatus, hint: hint)
    }
}
