import Crypto
import Foundation
import PaperboyCore
import _CryptoExtras

/// `paperboy-bench mime --subscribers N`: composes N ten-paper digests
/// (text + HTML, about 15 KB of input, 17 KB composed) on one thread, then DKIM-signs a share of
/// them with an Ed25519 and an RSA-2048 key.
struct MIMEBenchmark {
    let messageCount: Int
    let seed: UInt64

    func run() throws {
        var random = SplitMix64(seed: seed)
        let vocabulary = try SelectBenchmark.vocabulary()
        func words(_ count: Int) -> String {
            (0..<count).map { _ in vocabulary[Int(random.next() % UInt64(vocabulary.count))] }.joined(separator: " ")
        }
        var text = "Your papers for Sunday, 29 November 2026\n\n"
        var html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Paperboy</title></head><body style=\"font-family:sans-serif\">\n"
        for k in 1...10 {
            let title = words(10).capitalized + " – “Müller” ✓"
            let abstract = words(50)
            text += "\(k). \(title)\n   Ada Lovelace, Jürgen Schmidhuber, 李飞飞\n   https://arxiv.org/abs/2312.0\(2890 + k)\n\n   \(abstract)\n\n"
            html += "<div class=\"paper\"><h2><a href=\"https://arxiv.org/abs/2312.0\(2890 + k)\">\(title)</a></h2><p class=\"authors\">Ada Lovelace, Jürgen Schmidhuber, 李飞飞</p><p>\(abstract)</p></div>\n"
        }
        html += "<p><a href=\"https://digest.example.org/unsubscribe?t=TOKEN\">Unsubscribe</a></p></body></html>\n"
        let from = MailAddress(email: try EmailAddress(parsing: "digest@example.org"), displayName: "Paperboy")
        let messages = (0..<min(messageCount, 1000)).map { k in
            MailMessage(
                from: from,
                to: MailAddress(email: try! EmailAddress(parsing: "reader\(k)@lab.example.org"), displayName: k % 2 == 0 ? "Reader \(k)" : "Zoë Reader \(k)"),
                subject: "Your papers for Sunday: \(k % 3 == 0 ? "Schrödinger's transformers" : "ten new papers")",
                date: Date(timeIntervalSince1970: 1_795_939_200),
                messageID: "20261129080000.\(k).\(random.next() % 1_000_000)@example.org",
                listID: "Paperboy digest <digest.example.org>",
                listUnsubscribe: ["https://digest.example.org/unsubscribe?t=\(random.next())", "mailto:unsubscribe@digest.example.org?subject=\(random.next())"],
                oneClick: true,
                textBody: text,
                htmlBody: html
            )
        }

        var bytes = 0
        let started = Date()
        for k in 0..<messageCount {
            bytes += MIMEComposer.compose(messages[k % messages.count]).count
        }
        let composed = Date().timeIntervalSince(started)
        print("messages: \(messageCount), average size: \(bytes / messageCount) bytes (text \(text.utf8.count), HTML \(html.utf8.count))")
        print(String(format: "compose: %.3f s, %.0f messages/s, %.0f MB/s", composed, Double(messageCount) / composed, Double(bytes) / composed / 1_000_000))

        let sample = messages.prefix(500).map(MIMEComposer.compose)
        for (name, pem) in [("ed25519", Curve25519.Signing.PrivateKey().pemRepresentation), ("rsa-2048", try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation)] {
            let signer = try DKIMSigner(domain: "example.org", selector: "bench", privateKeyPEM: pem)
            let signStarted = Date()
            for message in sample { _ = signer.sign(message, at: Date()) }
            let signed = Date().timeIntervalSince(signStarted)
            print(String(format: "DKIM %@ sign: %.0f messages/s", name, Double(sample.count) / signed))
        }
    }
}
