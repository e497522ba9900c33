import CCurl
import CCurlShims

/// Initialises libcurl once per process (curl_global_init is not thread-safe).
enum CurlGlobal {
    static let initialised: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
    }()
}

/// An owned libcurl easy handle. Not thread-safe: one transfer at a time.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    /// libcurl writes its detailed message here (CURLOPT_ERRORBUFFER).
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// The list each list option points at, freed when replaced or with the handle.
    private var slists: [UInt32: UnsafeMutablePointer<curl_slist>] = [:]

    init() {
        _ = CurlGlobal.initialised
        guard let handle = curl_easy_init() else {
            fatalError("curl_easy_init failed: out of memory")
        }
        self.handle = handle
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        _ = CCurlShims_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        // Never raise SIGPIPE/SIGALRM in a multi-threaded process.
        set(CURLOPT_NOSIGNAL, 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in slists.values { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    var errorMessage: String {
        String(cString: errorBuffer)
    }

    func set(_ option: CURLoption, _ value: Int) {
        _ = CCurlShims_easy_setopt_long(handle, option, value)
    }

    @discardableResult
    func set(_ option: CURLoption, _ value: String) -> CURLcode {
        // libcurl copies string options (since 7.17), so a temporary C string is fine.
        value.withCString { CCurlShims_easy_setopt_string(handle, option, $0) }
    }

    func set(_ option: CURLoption, largeValue: Int64) {
        _ = CCurlShims_easy_setopt_off_t(handle, option, largeValue)
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) {
        _ = CCurlShims_easy_setopt_pointer(handle, option, pointer)
    }

    func set(_ option: CURLoption, callback: CCurlShims_data_callback) {
        _ = CCurlShims_easy_setopt_data_callback(handle, option, callback)
    }

    func set(_ option: CURLoption, debugCallback: CCurlShims_debug_callback) {
        _ = CCurlShims_easy_setopt_debug_callback(handle, option, debugCallback)
    }

    /// Sets a list option (headers, recipients). The list lives until the
    /// option is set again (between transfers) or the handle goes.
    func set(_ option: CURLoption, list: [String]) {
        var slist: UnsafeMutablePointer<curl_slist>? = nil
        for item in list { slist = curl_slist_append(slist, item) }
        _ = CCurlShims_easy_setopt_slist(handle, option, slist)
        if let old = slists.removeValue(forKey: option.rawValue) { curl_slist_free_all(old) }
        if let slist { slists[option.rawValue] = slist }
    }

    func perform() -> CURLcode {
        clearErrorMessage()
        return curl_easy_perform(handle)
    }

    /// Empties the error buffer before a transfer that a multi handle runs.
    func clearErrorMessage() {
        errorBuffer[0] = 0
    }

    func infoLong(_ info: CURLINFO) -> Int {
        var value = 0
        _ = CCurlShims_easy_getinfo_long(handle, info, &value)
        return value
    }

    func infoDouble(_ info: CURLINFO) -> Double {
        var value = 0.0
        _ = CCurlShims_easy_getinfo_double(handle, info, &value)
        return value
    }

    func infoString(_ info: CURLINFO) -> String? {
        var value: UnsafePointer<CChar>? = nil
        _ = CCurlShims_easy_getinfo_string(handle, info, &value)
        return value.map { String(cString: $0) }
    }
}
