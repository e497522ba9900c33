@testable import Curl
import Foundation
import PaperboyTestSupport
import Testing

@Suite struct AddressClassTests {
    @Test(arguments: [
        ("127.0.0.1", AddressClass.loopback), ("127.255.0.9", .loopback), ("::1", .loopback),
        ("10.0.0.1", .private), ("172.16.0.1", .private), ("172.31.255.255", .private), ("192.168.1.1", .private),
        ("169.254.169.254", .linkLocal), ("fe80::1", .linkLocal), ("febf::1", .linkLocal),
        ("fc00::1", .uniqueLocal), ("fd12:3456::1", .uniqueLocal),
        ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified), ("::", .unspecified), ("::127.0.0.1", .unspecified),
        ("100.64.0.1", .shared), ("100.127.255.255", .shared),
        // IPv4-mapped and NAT64 forms carry the IPv4 address's class.
        ("::ffff:127.0.0.1", .loopback), ("::ffff:169.254.169.254", .linkLocal), ("::ffff:10.1.2.3", .private),
        ("::ffff:7f00:1", .loopback), ("64:ff9b::192.168.0.1", .private), ("::ffff:8.8.8.8", .public),
        // Public neighbours of the refused ranges.
        ("8.8.8.8", .public), ("172.15.255.255", .public), ("172.32.0.1", .public), ("192.169.0.1", .public),
        ("169.253.0.1", .public), ("100.63.255.255", .public), ("100.128.0.1", .public), ("11.0.0.1", .public),
        ("2001:4860:4860::8888", .public), ("fe00::1", .public),
        // Reserved and special-purpose ranges that are no public host either.
        ("fec0::1", .uniqueLocal), ("64:ff9b:1::a00:1", .uniqueLocal), ("192.0.0.8", .private), ("198.18.0.1", .private),
        ("198.19.255.255", .private), ("240.0.0.1", .private), ("255.255.255.255", .private),
        ("192.0.1.1", .public), ("198.17.255.255", .public), ("198.20.0.1", .public),
    ])
    func classifiesAddresses(text: String, expected: AddressClass) {
        #expect(AddressClass(address: text) == expected, "\(text)")
    }

    @Test(arguments: ["localhost", "", "1.2.3", "::g", "127.0.0.1:80"])
    func namesAndJunkAreNotAddresses(text: String) {
        #expect(AddressClass(address: text) == nil)
    }
}

@Suite struct URLOriginTests {
    @Test func defaultPortsAndCaseDoNotMakeAnotherOrigin() throws {
        #expect(URLOrigin("http://Example.ORG/feed") == URLOrigin("http://example.org:80/other?x=1"))
        #expect(URLOrigin("https://example.org/") == URLOrigin("https://example.org:443/"))
        #expect(URLOrigin("http://127.0.0.1:8000/x") == URLOrigin("http://127.0.0.1:8000/y"))
    }

    @Test func schemeHostAndPortEachMakeAnotherOrigin() throws {
        let origin = try #require(URLOrigin("http://127.0.0.1:8000/x"))
        #expect(URLOrigin("http://127.0.0.1:9090/x") != origin)
        #expect(URLOrigin("https://127.0.0.1:8000/x") != origin)
        #expect(URLOrigin("http://localhost:8000/x") != origin)
        #expect(URLOrigin("http://[::1]:8000/x") != origin)
    }
}

/// End-to-end: the fixture server redirects; only 127.0.0.0/8 is ever connected to.
@Suite struct RedirectGuardTests {
    let server = FixtureServer.shared
    let fetcher = HTTPFetcher(options: HTTPFetchOptions(connectTimeout: 1, totalTimeout: 3, maxResponseBytes: 64 * 1024, userAgent: "paperboy/test"))

    func redirect(to target: String) -> String {
        server.url("/redirect?to=\(target.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
    }

    @Test func aRedirectToAnotherLoopbackPortIsRefusedBeforeAnyConnect() throws {
        let countFile = try TestPaths.temporaryDirectory().appendingPathComponent("count")
        let listener = try PythonHelper(script: "tcp_listener.py", arguments: [countFile.path])
        let target = "http://127.0.0.1:\(listener.port)/"
        let url = redirect(to: target)
        let error = #expect(throws: CurlError.self) { try fetcher.fetch(url) }
        #expect(error?.kind == .refusedRedirect)
        #expect(error?.description.contains("redirect to \(target) refused: 127.0.0.1 is a loopback address; a feed may only redirect to public addresses (or within its own origin)") == true, "\(String(describing: error))")
        #expect(error?.url == url)
        // The listener works (a direct fetch connects) but saw nothing from the refused redirect.
        #expect(try String(contentsOf: countFile, encoding: .utf8) == "0")
        _ = try? fetcher.fetch(target)
        #expect(try String(contentsOf: countFile, encoding: .utf8) == "1")
    }

    @Test func anotherHostNameForTheSameAddressIsAnotherOrigin() throws {
        let target = "http://localhost:\(server.port)/fixtures/hf-daily-papers.json"
        let error = #expect(throws: CurlError.self) { try fetcher.fetch(redirect(to: target)) }
        #expect(error?.kind == .refusedRedirect)
        #expect(error?.description.contains("is a loopback address") == true, "\(String(describing: error))")
    }

    @Test func aRedirectWithinTheOriginIsFollowed() throws {
        let url = redirect(to: "/fixtures/hf-daily-papers.json")
        guard case .fetched(let body, 200, let validators, let effective) = try fetcher.fetch(url) else {
            Issue.record("a same-origin redirect should be followed")
            return
        }
        #expect(effective == server.url("/fixtures/hf-daily-papers.json"))
        #expect(!body.isEmpty)
        // Validators still make a conditional GET through the redirect.
        #expect(validators.etag != nil)
        guard case .notModified = try fetcher.fetch(url, validators: validators) else {
            Issue.record("validators should give a 304 through a same-origin redirect")
            return
        }
    }

    @Test func aRedirectToTheMetadataAddressIsRefusedBeforeAnyConnect() throws {
        // The guard refuses the socket before connect(): no packet leaves 127.0.0.0/8.
        // (The 1 s connect timeout only bounds the test if the guard ever broke.)
        let target = "http://169.254.169.254/latest/meta-data/"
        let error = #expect(throws: CurlError.self) { try fetcher.fetch(redirect(to: target)) }
        #expect(error?.kind == .refusedRedirect)
        #expect(error?.description.contains("redirect to \(target) refused: 169.254.169.254 is a link-local address") == true, "\(String(describing: error))")
    }
}
