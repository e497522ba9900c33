import Crypto
import Foundation
import PaperboyCore
import PaperboyPipeline
import Testing

/// The bytes of composed digests do not change unnoticed: every
/// `ComposeSamples` message (demo corpus, subscribers like the compose
/// benchmark's, hostile paper text; text-only and both formats; planned
/// digests and previews; unsigned and DKIM-signed) is compared, by SHA-256,
/// with the value recorded here.
///
/// A change meant to alter the output (a template, a header) updates these
/// hashes in the same commit and says so; one that only makes composing
/// faster leaves them as they are. `PAPERBOY_PRINT_GOLDEN=1 swift run -c
/// release paperboy-bench compose --messages 1` prints the table as it is now.
@Suite struct ComposeGoldenTests {
    static func hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    @Test func composedMessagesAreByteForByteAsRecorded() throws {
        let messages = try ComposeSamples.messages()
        #expect(messages.count == Self.golden.count)
        #expect(Set(messages.map(\.name)) == Set(Self.golden.keys))
        for (name, message) in messages {
            #expect(Self.hex(message) == Self.golden[name], "\(name) changed: SHA-256 \(Self.hex(message))")
        }
    }

    /// The renderer's caches (paper blocks, frames, dates) make no
    /// difference: the same digests in the other order are the same bytes.
    @Test func theOrderOfComposingChangesNothing() throws {
        let forward = try ComposeSamples.messages()
        let backward = try ComposeSamples.messages(reversed: true)
        #expect(forward.count == backward.count)
        let byName = Dictionary(uniqueKeysWithValues: backward.map { ($0.name, $0.message) })
        for (name, message) in forward {
            #expect(byName[name] == message, "\(name) differs when composed in the other order")
        }
    }

    /// The signed samples carry a signature, the others none.
    @Test func theSignedSamplesAreSigned() throws {
        for (name, message) in try ComposeSamples.messages() {
            let signed = message.starts(with: Array("DKIM-Signature: v=1; a=ed25519-sha256;".utf8))
            #expect(signed == name.hasSuffix("+dkim"), "\(name)")
        }
    }

    /// Recorded from the composer as of issue 15 (before it was made faster).
    static let golden: [String: String] = [
        "demo-0-planned": "932950a795a0b405e703f73574de776f758ae98b80d2c035979709fe41b2793b",
        "demo-0-preview": "78630f02bb3bbf7a570a1fa3a7ae06d5d729483c19792a79f26e83ef73e27137",
        "demo-1-planned": "6861b03d97c9589727914fbc52ef9dc592914c039d456179a401931cb31aa2ec",
        "demo-1-preview": "8ef2ca79b4c540d8663a5c01a2d9419db07f39b1be9f219d60cbf61277a8c644",
        "demo-2-planned": "7f34e6a9742ce5fa8636186070617a503f64cf1a63edab0d4cccf9afaf0bb56f",
        "demo-2-preview": "bdfdf3e38850098e8c1e3f2819950ba229cdbdcc223b6a1ec406e9a31b3dba67",
        "bench-0": "c1cc5299eb53c01740e3501bc7375c88339f00c88685749e36ae417136184703",
        "bench-1": "a458b92b6092a2332b67757891aa03877a460e27c674fede1a6d683b79d5e01b",
        "bench-2": "f3636d9d9ea0de963cb8443489d44d7a4215a4a91d2974767ae58ae93273224e",
        "bench-3": "adc04428d4343469d018a943bda77cdc3388fcc94f06149c14724eeb39c9a8c9",
        "bench-4": "d94d0358a6112480311d2ca58c9d5ff04fe896a364c023d58d4cde23bfdb7ff7",
        "bench-5": "12f9a93ae32245ce303ead4d97cdd350d64e06d4c5d5f6d3d14d3b4502bb7aac",
        "bench-6": "bc9daf2147240e0eeed2a74e467fdeac0a74faa38d81f66dfe048db1fb01c61b",
        "bench-7": "980a13bee5402b672839cff2688ac8b617afcb7b01b39dcff0f8ce4afb2cf59d",
        "bench-8": "dee07e4599cc36eddefb025281ec18f22478e48b24a604e4216473c50b0fa969",
        "bench-9": "11bf559683f7d015fb45b221c98a3885b20cac9a4a8b6f2476e562684abf1cc7",
        "bench-10": "d4534d69c3f45e9a1cf452b686d89dd354554a24ec223f8f93321a73a9332085",
        "bench-11": "a9582af7123d7b14278af5ed651fab73f6f98323f9184c6eb030948bfbb61674",
        "hostile-both": "5cc3052864d09f811c6fcbaad217e780971e4cc54daa63eb28f44fd6af3bc03f",
        "hostile-text": "d54210af5bea30a111b7f8ff481e9e05cbe9c0a7655016f7ede744acb6816e42",
        "one-paper": "0ba7762d9bfefd38ed38558fcfd0073a3b0ac2dc2c8d94fbeec66765d1977795",
        "test-recipient": "a135dc7f486de6a1a736d1aeb5f5c99cc70158beae51ebdb63c053ff02d366ee",
        "no-papers": "e50122e71ba2a4a69f7383da07a4ee4a719d6c32087bc560497e852000563f3e",
        "demo-0-planned+dkim": "6c228006e2da5f07f0c328a40cb953dbdf175a744a60fc9a57b554f3650440f0",
        "demo-0-preview+dkim": "8b63fc22b0197012d0b1292977998b84c253a481ed5ae503136ee4beb5ac60e4",
        "demo-1-planned+dkim": "4f72562d61ed9b91170ce4719cfc543fc0db1b762b0c61c7773293c1bb7fd3f2",
        "demo-1-preview+dkim": "441008947ae564e4c9a66c570fee8da4a640827f7d59db0a17215cb4422a7df1",
        "demo-2-planned+dkim": "cb3d03ef12d31ffd493d3bb3efc2af090a60e28e687a1567c19bf33aba76b1b6",
        "demo-2-preview+dkim": "f9a971d61fe4ea2a0f9a74466f30b511ad0c2679c359a93c996513f6c97f8ad0",
        "bench-0+dkim": "e0676e7e7a786ffd87fc5beb1671ab2731da0b85b80d0fd7f6b9738ee4674968",
        "bench-1+dkim": "e43956e829f670d0236e52e4941f00b8bc4c7232935f647032961e0c3d76cfeb",
        "bench-2+dkim": "a5b8dce12d4eb689bbb6113cea217b7e4eac0753f38316ff250f707a4e0b365c",
        "bench-3+dkim": "ce2e2ac8e8b84a241ce526cd15922b3ec2be10d5a2b291047718e9bce7660e8f",
        "bench-4+dkim": "c05fa50d98dd1bbcdd1f802e9fa69e1e1ba25916776fcc68e65f336e5e656c68",
        "bench-5+dkim": "c273fd0e138eb00432ff1b7c900fe4c4476d07c073d351fb4270ed7ed5c36df5",
        "bench-6+dkim": "f8457251ceef98ec8edd0a27a5cda78e6c9f9b35ec71f7c2f89d1936df046739",
        "bench-7+dkim": "cb4a61aba13aa1f8670f2795a7ed74a0dbacd406d8e9c0dcb482013065bc2483",
        "bench-8+dkim": "7b30826c27ae424541a557cbcb4f9cf20d7d04b5c5a1c0af260e6e7963894295",
        "bench-9+dkim": "0e5d0ab5fe71e11accc5890c7671bbe9c0ce139f52474f00d468f6479c919b7e",
        "bench-10+dkim": "04df2816a6614d636d63cedcb6aa189a93d6c3e38062e35df25a8af4270beee5",
        "bench-11+dkim": "739c427d365ecdb619ff3dfc6444838c4df1b95136e4b7163eb2e9aa7bc4ea46",
        "hostile-both+dkim": "79b9bd9ad09a6ee89c34df4742a3504f1be631c734a00fc3916fd428bf525cca",
        "hostile-text+dkim": "419d063db91a39e3c682efd0c480d1eb67a281c2503de463b1e296ef9cad3476",
        "one-paper+dkim": "55b68a93883abb05a0480aad54812ebcac1a385247db382c868d53d6ca5a69cf",
        "test-recipient+dkim": "200958776461c764f77a20886861f63a08d0725d7bc682267812ec8cf3bd85ce",
        "no-papers+dkim": "b3381f02bb8d3326c35ad66b5f2b96a9c103923b1119af2a0fd6e899a1608e4c",
    ]
}
