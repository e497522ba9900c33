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
public final class HTTPFetcher {
    private let options: HTTPFetchOptions

    public init(options: HTTPFetchOptions) {
        self.options = options
    }

    /// Fetches `url`, sending `validators` as If-None-Match / If-Modified-Since.
    /// Throws `CurlError` for a transfer failure or an HTTP status >= 400.
    public func fetch(_ url: String, validators: HTTPValidators = HTTPValidators()) throws(CurlError) -> HTTPFetchResult {
        let easy = CurlEasy()
        let sink = ResponseSink(limit: options.maxResponseBytes)
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()

        easy.set(CURLOPT_URL, url)
        // The protocol restriction is a security boundary: fail closed if this
        // libcurl (older than 7.85) does not take it.
        for (option, value) in [(CURLOPT_PROTOCOLS_STR, "http,https,file"), (CURLOPT_REDIR_PROTOCOLS_STR, "http,https")] {
            let code = easy.set(option, value)
            guard code == CURLE_OK else {
                throw CurlError(kind: .disallowedProtocol, url: url, curlCode: Int(code.rawValue),
                                curlMessage: "this libcurl cannot restrict protocols (\(String(cString: curl_easy_strerror(code))))",
                                httpStatus: nil, hint: "Install libcurl 7.85 or later")
            }
        }
        easy.set(CURLOPT_FOLLOWLOCATION, 1)
        easy.set(CURLOPT_MAXREDIRS, options.maxRedirects)
        easy.set(CURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeout * 1000))
        easy.set(CURLOPT_TIMEOUT_MS, Int(options.totalTimeout * 1000))
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
        let effectiveURL = easy.infoString(CURLINFO_EFFECTIVE_URL) ?? url
        let isHTTP = effectiveURL.lowercased().hasPrefix("http")

        if code != CURLE_OK {
            let limitHint = sink.exceededLimit || code == CURLE_FILESIZE_EXCEEDED
                ? "the response is larger than fetch.max_response_bytes (\(options.maxResponseBytes) bytes)"
                : nil
            throw CurlError.from(
                code: code, url: url, buffer: easy.errorMessage,
                httpStatus: status == 0 ? nil : status, limitHint: limitHint
            )
        }
        if isHTTP && status == 304 {
            return .notModified
        }
        if isHTTP && status >= 400 {
            throw CurlError(
                kind: .httpStatus, url: url, curlCode: 0,
                curlMessage: "the server answered HTTP \(status)", httpStatus: status,
                hint: status >= 500
                    ? "The server failed; it will be retried"
                    : "Check the source's url (and any credentials it needs)"
            )
        }
        return .fetched(
            body: sink.body, status: status,
            validators: HTTPValidators(etag: sink.etag, lastModified: sink.lastModified),
            effectiveURL: effectiveURL
        )
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
