import CCurl
import CCurlShims

/// Limits and identity for an HTTP fetch.
public struct HTTPFetchOptions: Sendable {
    /// Seconds allowed to establish the connection.
    public var connectTimeout: Double
    /// Seconds allowed for the whole transfer.
    public var totalTimeout: Double
    /// Largest accepted body, in bytes, after decompression.
    public var maxResponseBytes: Int
    /// Sent as the User-Agent header.
    public var userAgent: String
    /// Redirects followed at most (the issue fixes this at 5).
    public var maxRedirects: Int

    public init(
        connectTimeout: Double = 10,
        totalTimeout: Double = 60,
        maxResponseBytes: Int = 20 * 1024 * 1024,
        userAgent: String = "paperboy",
        maxRedirects: Int = 5
    ) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxResponseBytes = maxResponseBytes
        self.userAgent = userAgent
        self.maxRedirects = maxRedirects
    }
}

/// Validators from an earlier response, sent back for a conditional GET.
public struct HTTPValidators: Sendable, Equatable {
    public var etag: String?
    public var lastModified: String?

    public init(etag: String? = nil, lastModified: String? = nil) {
        self.etag = etag
        self.lastModified = lastModified
    }

    public var isEmpty: Bool { etag == nil && lastModified == nil }
}

/// What a fetch brought back.
public enum HTTPFetchResult: Sendable {
    /// A new body, with the validators to send next time.
    case fetched(body: [UInt8], status: Int, validators: HTTPValidators, effectiveURL: String)
    /// 304 Not Modified: the copy we have is current.
    case notModified
}

/// Fetches URLs over http, https or file through libcurl, one at a time per instance.
///
/// Protocols are restricted to http, https and file; redirects (at most
/// `maxRedirects`) to http and https only, so a feed can never bounce us to
/// `file://`, `gopher://` or `dict://`. Bodies are decompressed
/// (`Accept-Encoding` with every encoding libcurl supports) and capped at
/// `maxResponseBytes`.
///
/// Redirects are followed here, one transfer (and one fresh connection) per
/// hop. A hop that leaves the configured URL's origin (scheme, host, port)
/// may only connect to a public address: the address libcurl is about to
/// connect to is checked before the socket exists (CURLOPT_OPENSOCKETFUNCTION),
/// so a redirect to 127.0.0.1, 10.x or 169.254.169.254 sends nothing there.
public final class HTTPFetcher {
    private let options: HTTPFetchOptions

    public init(options: HTTPFetchOptions) {
        self.options = options
    }

    /// One transfer's outcome: a redirect to follow, or the final answer.
    private enum Hop {
        case redirect(to: String)
        case done(HTTPFetchResult)
    }

    /// Fetches `url`, sending `validators` as If-None-Match / If-Modified-Since.
    /// Throws `CurlError` for a transfer failure, an HTTP status >= 400 or a
    /// refused redirect.
    public func fetch(_ url: String, validators: HTTPValidators = HTTPValidators()) throws(CurlError) -> HTTPFetchResult {
        let origin = URLOrigin(url)
        let clock = ContinuousClock()
        let started = clock.now
        var hopURL = url
        var redirects = 0
        while true {
            let elapsed = clock.now - started
            let elapsedMS = Int(elapsed.components.seconds) * 1000 + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
            let remainingMS = Int(options.totalTimeout * 1000) - elapsedMS
            if remainingMS <= 0 {
                throw CurlError(kind: .timeout, url: url, curlCode: Int(CURLE_OPERATION_TIMEDOUT.rawValue),
                                curlMessage: "the redirects took longer than \(options.totalTimeout) seconds",
                                httpStatus: nil, hint: "The server did not answer in time; raise fetch.timeout if the feed is slow, or try again later")
            }
            // The configured URL is the operator's choice; a hop elsewhere must be public.
            let offOrigin = redirects > 0 && (origin == nil || URLOrigin(hopURL) != origin)
            switch try transfer(hopURL, configuredURL: url, isRedirect: redirects > 0, guardAddresses: offOrigin,
                                validators: validators, timeoutMS: remainingMS) {
            case .done(let result):
                return result
            case .redirect(let target):
                redirects += 1
                if redirects > options.maxRedirects {
                    throw CurlError(kind: .tooManyRedirects, url: url, curlCode: Int(CURLE_TOO_MANY_REDIRECTS.rawValue),
                                    curlMessage: "more than \(options.maxRedirects) redirects (the last to \(target))", httpStatus: nil,
                                    hint: "The server redirected more than \(options.maxRedirects) times; point the source at the final URL")
                }
                let scheme = URLOrigin.scheme(of: target)
                guard scheme == "http" || scheme == "https" else {
                    throw CurlError(kind: .disallowedProtocol, url: url, curlCode: Int(CURLE_UNSUPPORTED_PROTOCOL.rawValue),
                                    curlMessage: "redirect to \(target) refused: only http and https redirects are followed",
                                    httpStatus: nil, hint: "Only http, https and file URLs are fetched (redirects: http and https); fix the source's url")
                }
                hopURL = target
            }
        }
    }

    /// One request, without following redirects.
    private func transfer(_ url: String, configuredURL: String, isRedirect: Bool, guardAddresses: Bool,
                          validators: HTTPValidators, timeoutMS: Int) throws(CurlError) -> Hop {
        // A fresh handle per hop: no connection is reused across origins.
        let easy = CurlEasy()
        let sink = ResponseSink(limit: options.maxResponseBytes)
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        let socketGuard = UnsafeMutablePointer<CCurlShims_socket_guard>.allocate(capacity: 1)
        socketGuard.initialize(to: CCurlShims_socket_guard())
        socketGuard.pointee.enforce = guardAddresses ? 1 : 0
        defer { socketGuard.deallocate() }

        easy.set(CURLOPT_URL, url)
        // The protocol restriction is a security boundary: fail closed if this
        // libcurl (older than 7.85) does not take it.
        let protocols = isRedirect ? "http,https" : "http,https,file"
        for (option, value) in [(CURLOPT_PROTOCOLS_STR, protocols), (CURLOPT_REDIR_PROTOCOLS_STR, "http,https")] {
            let code = easy.set(option, value)
            guard code == CURLE_OK else {
                throw CurlError(kind: .disallowedProtocol, url: configuredURL, curlCode: Int(code.rawValue),
                                curlMessage: "this libcurl cannot restrict protocols (\(String(cString: curl_easy_strerror(code))))",
                                httpStatus: nil, hint: "Install libcurl 7.85 or later")
            }
        }
        guard CCurlShims_install_socket_guard(easy.handle, socketGuard) == CURLE_OK else {
            throw CurlError(kind: .transfer, url: configuredURL, curlCode: 0,
                            curlMessage: "this libcurl does not take CURLOPT_OPENSOCKETFUNCTION", httpStatus: nil,
                            hint: "Install a libcurl with CURLOPT_OPENSOCKETFUNCTION")
        }
        if guardAddresses {
            // Through a proxy the guard would see the proxy's address, not the target's.
            easy.set(CURLOPT_NOPROXY, "*")
        }
        easy.set(CURLOPT_FOLLOWLOCATION, 0)
        easy.set(CURLOPT_FRESH_CONNECT, 1)
        easy.set(CURLOPT_FORBID_REUSE, 1)
        easy.set(CURLOPT_CONNECTTIMEOUT_MS, min(Int(options.connectTimeout * 1000), timeoutMS))
        easy.set(CURLOPT_TIMEOUT_MS, timeoutMS)
        easy.set(CURLOPT_ACCEPT_ENCODING, "")
        easy.set(CURLOPT_USERAGENT, options.userAgent)
        easy.set(CURLOPT_MAXFILESIZE_LARGE, largeValue: Int64(options.maxResponseBytes))
        var headers: [String] = []
        if let etag = validators.etag { headers.append("If-None-Match: \(etag)") }
        if let lastModified = validators.lastModified { headers.append("If-Modified-Since: \(lastModified)") }
        if !headers.isEmpty { easy.set(CURLOPT_HTTPHEADER, list: headers) }
        easy.set(CURLOPT_WRITEFUNCTION, callback: { data, size, count, userdata in
            let sink = Unmanaged<ResponseSink>.fromOpaque(userdata!).takeUnretainedValue()
            return sink.append(data, size * count)
        })
        easy.set(CURLOPT_WRITEDATA, pointer: sinkPointer)
        easy.set(CURLOPT_HEADERFUNCTION, callback: { data, size, count, userdata in
            let sink = Unmanaged<ResponseSink>.fromOpaque(userdata!).takeUnretainedValue()
            sink.header(data, size * count)
            return size * count
        })
        easy.set(CURLOPT_HEADERDATA, pointer: sinkPointer)

        let code = withExtendedLifetime(sink) { easy.perform() }
        let status = easy.infoLong(CURLINFO_RESPONSE_CODE)
        let isHTTP = (easy.infoString(CURLINFO_EFFECTIVE_URL) ?? url).lowercased().hasPrefix("http")

        // A refused address fails the transfer only if no other address of the host worked.
        if code != CURLE_OK, socketGuard.pointee.refused != 0 {
            let address = withUnsafeBytes(of: socketGuard.pointee.refused_address) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            let kind = AddressClass(rawValue: Int(socketGuard.pointee.refused_class)) ?? .unknownFamily
            throw CurlError(kind: .refusedRedirect, url: configuredURL, curlCode: 0,
                            curlMessage: "redirect to \(url) refused: \(address) is \(kind.phrase); a feed may only redirect to public addresses (or within its own origin)",
                            httpStatus: nil, hint: "Point the source's url at the feed itself, or ask its owner why it redirects to an internal address")
        }
        if code != CURLE_OK {
            let limitHint = sink.exceededLimit || code == CURLE_FILESIZE_EXCEEDED
                ? "the response is larger than fetch.max_response_bytes (\(options.maxResponseBytes) bytes)"
                : nil
            var error = CurlError.from(
                code: code, url: configuredURL, buffer: easy.errorMessage,
                httpStatus: status == 0 ? nil : status, limitHint: limitHint
            )
            if isRedirect { error.curlMessage += " (after a redirect to \(url))" }
            throw error
        }
        if isHTTP, (300..<400).contains(status), status != 304, let target = easy.infoString(CURLINFO_REDIRECT_URL) {
            return .redirect(to: target)
        }
        if isHTTP && status == 304 {
            return .done(.notModified)
        }
        if isHTTP && status >= 400 {
            throw CurlError(
                kind: .httpStatus, url: configuredURL, curlCode: 0,
                curlMessage: "the server answered HTTP \(status)" + (isRedirect ? " (after a redirect to \(url))" : ""), httpStatus: status,
                hint: status >= 500
                    ? "The feed's server failed; that is usually temporary: try again later"
                    : "Check the source's url (and any credentials it needs)"
            )
        }
        return .done(.fetched(
            body: sink.body, status: status,
            validators: HTTPValidators(etag: sink.etag, lastModified: sink.lastModified),
            effectiveURL: url
        ))
    }
}

/// Collects the body (up to a limit) and the validators of the final response.
final class ResponseSink {
    let limit: Int
    var body: [UInt8] = []
    var etag: String?
    var lastModified: String?
    var exceededLimit = false

    init(limit: Int) {
        self.limit = limit
    }

    func append(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let data, count > 0 else { return 0 }
        if body.count + count > limit {
            exceededLimit = true
            return 0 // makes libcurl stop with CURLE_WRITE_ERROR
        }
        data.withMemoryRebound(to: UInt8.self, capacity: count) {
            body.append(contentsOf: UnsafeBufferPointer(start: $0, count: count))
        }
        return count
    }

    func header(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) {
        guard let data, count > 0 else { return }
        let line = data.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }
        if line.hasPrefix("HTTP/") {
            // A new response (after a redirect or a 100): forget the last one's headers.
            etag = nil
            lastModified = nil
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t\r\n")
        switch name {
        case "etag": etag = value
        case "last-modified": lastModified = value
        default: break
        }
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
