"""Parses composed messages with Python's email package and checks them.

Usage: mail_check.py CASES.json
CASES.json is a list of {"file", "subject", "from": [name, addr],
"to": [name, addr], "text", "html" (or null)}. Prints one line per problem
and exits 1 if there is any; prints "ok N" otherwise.
"""
import email
import email.policy
import json
import sys

problems = []


def normalised(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def check(case):
    name = case["file"]
    with open(name, "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)

    def problem(what):
        problems.append(f"{name}: {what}")

    for part in msg.walk():
        if part.defects:
            problem(f"defects in {part.get_content_type()}: {part.defects!r}")
    for header, value in msg.items():
        if getattr(value, "defects", None):
            problem(f"defects in {header}: {value.defects!r}")
    if len(msg.get_all("Subject", [])) != 1:
        problem(f"{len(msg.get_all('Subject', []))} Subject headers")
    for unwanted in ("Bcc", "Cc"):
        if msg.get_all(unwanted):
            problem(f"a {unwanted} header: {msg.get_all(unwanted)!r}")
    if str(msg["Subject"]) != case["subject"]:
        problem(f"Subject {str(msg['Subject'])!r} != {case['subject']!r}")
    for header, key in (("From", "from"), ("To", "to")):
        addresses = msg[header].addresses
        if len(addresses) != 1:
            problem(f"{header} holds {len(addresses)} addresses: {str(msg[header])!r}")
            continue
        expected_name, expected_addr = case[key]
        if addresses[0].display_name != expected_name:
            problem(f"{header} name {addresses[0].display_name!r} != {expected_name!r}")
        if addresses[0].addr_spec != expected_addr:
            problem(f"{header} address {addresses[0].addr_spec!r} != {expected_addr!r}")

    if case["html"] is None:
        if msg.get_content_type() != "text/plain" or msg.is_multipart():
            problem(f"text-only message is {msg.get_content_type()}")
            return
        parts = [msg]
        expected = [("text/plain", case["text"])]
    else:
        if msg.get_content_type() != "multipart/alternative":
            problem(f"message is {msg.get_content_type()}, not multipart/alternative")
            return
        parts = list(msg.iter_parts())
        expected = [("text/plain", case["text"]), ("text/html", case["html"])]
    if len(parts) != len(expected):
        problem(f"{len(parts)} parts, expected {len(expected)}")
        return
    for part, (content_type, text) in zip(parts, expected):
        if part.get_content_type() != content_type:
            problem(f"part is {part.get_content_type()}, expected {content_type}")
        if part.get_content_charset() != "utf-8":
            problem(f"{content_type} charset {part.get_content_charset()!r}")
        if part["Content-Transfer-Encoding"] != "quoted-printable":
            problem(f"{content_type} transfer encoding {part['Content-Transfer-Encoding']!r}")
        content = part.get_content()
        if normalised(content) != normalised(text):
            problem(f"{content_type} decodes to {content[:200]!r}..., expected {text[:200]!r}...")


with open(sys.argv[1], encoding="utf-8") as f:
    cases = json.load(f)
for case in cases:
    try:
        check(case)
    except Exception as error:  # a crash is a problem too
        problems.append(f"{case['file']}: {type(error).__name__}: {error}")
for line in problems:
    print(line)
if problems:
    sys.exit(1)
print(f"ok {len(cases)}")
