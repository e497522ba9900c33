import CCurl
import CCurlShims

/// An owned libcurl multi handle: many easy handles' transfers driven from one thread.
final class CurlMulti {
    let handle: UnsafeMutableRawPointer

    init() {
        _ = CurlGlobal.initialised
        guard let handle = curl_multi_init() else {
            fatalError("curl_multi_init failed: out of memory")
        }
        self.handle = handle
    }

    deinit {
        // Closes the idle connections still in the pool (SMTP sends QUIT).
        curl_multi_cleanup(handle)
    }

    func set(_ option: CURLMoption, _ value: Int) {
        _ = CCurlShims_multi_setopt_long(handle, option, value)
    }

    func add(_ easy: CurlEasy) -> CURLMcode {
        curl_multi_add_handle(handle, easy.handle)
    }

    func remove(_ easy: CurlEasy) {
        _ = curl_multi_remove_handle(handle, easy.handle)
    }

    /// Runs what can run without waiting.
    func perform() {
        var running: Int32 = 0
        _ = curl_multi_perform(handle, &running)
    }

    /// Waits up to `milliseconds` for activity on any transfer.
    func poll(milliseconds: Int) {
        _ = curl_multi_poll(handle, nil, 0, Int32(clamping: milliseconds), nil)
    }

    /// The next finished transfer, if any: its easy handle and result.
    func nextDone() -> (easy: UnsafeMutableRawPointer, result: CURLcode)? {
        var easy: UnsafeMutableRawPointer?
        var result = CURLE_OK
        guard CCurlShims_multi_next_done(handle, &easy, &result) == 1, let easy else { return nil }
        return (easy, result)
    }
}
