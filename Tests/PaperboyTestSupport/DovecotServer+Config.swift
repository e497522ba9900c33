import Foundation

extension DovecotServer {
    /// The whole dovecot.conf of a test server (nothing from /etc/dovecot is read).
    /// `ports`: IMAP, IMAPS, POP3, POP3S, LMTP. Without `tls`, no TLS at all
    /// (no STARTTLS offered, no IMAPS or POP3S listener).
    static func config(directory: URL, certificate: TestCertificate, uid: uid_t, gid: gid_t, ports: [Int], tls: Bool, imapCapability: String?) -> String {
        let root = directory.path
        func implicitTLS(_ name: String, _ port: Int) -> String {
            tls ? "inet_listener \(name) {\n    address = 127.0.0.1\n    port = \(port)\n    ssl = yes\n  }" : ""
        }
        return """
        # Written by DovecotServer (Tests/PaperboyTestSupport) for one test.
        base_dir = \(root)/run
        state_dir = \(root)/state
        log_path = \(root)/dovecot.log
        instance_name = paperboy-test-\(ports[0])
        protocols = imap pop3 lmtp
        listen = 127.0.0.1
        \(tls ? "ssl = yes\nssl_cert = <\(certificate.certificate.path)\nssl_key = <\(certificate.key.path)" : "ssl = no")
        disable_plaintext_auth = no
        auth_mechanisms = plain login
        # bounces+TOKEN@paperboy.test over LMTP: the domain is dropped, the
        # detail after + names no folder, so it all lands in bounces' INBOX.
        auth_username_format = %Ln
        recipient_delimiter = +
        lmtp_save_to_detail_mailbox = no
        # Mail belongs to the dovecot system user (uid \(uid)); Dovecot refuses root.
        first_valid_uid = \(uid)
        first_valid_gid = \(gid)
        mail_location = maildir:\(root)/mail/%Ln
        \(imapCapability.map { "imap_capability = \($0)" } ?? "")
        passdb {
          driver = passwd-file
          args = scheme=PLAIN username_format=%Ln \(root)/passwd
        }
        userdb {
          driver = static
          args = uid=\(uid) gid=\(gid) home=\(root)/mail/%Ln
        }
        service imap-login {
          inet_listener imap {
            address = 127.0.0.1
            port = \(ports[0])
          }
          \(implicitTLS("imaps", ports[1]))
        }
        service pop3-login {
          inet_listener pop3 {
            address = 127.0.0.1
            port = \(ports[2])
          }
          \(implicitTLS("pop3s", ports[3]))
        }
        service lmtp {
          inet_listener lmtp {
            address = 127.0.0.1
            port = \(ports[4])
          }
        }

        """
    }
}
