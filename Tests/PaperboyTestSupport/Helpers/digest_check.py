#!/usr/bin/env python3
"""Checks composed digests with Python's email package (policy.default).

Usage: digest_check.py FILE.eml...
For each file prints one JSON object per line: defects found anywhere, the
decoded Subject, From, To, the content types of the parts, and the decoded
text of each part. Exits 0; the Swift test reads the JSON.
"""
import email
import email.policy
import json
import sys

for path in sys.argv[1:]:
    data = open(path, "rb").read()
    message = email.message_from_bytes(data, policy=email.policy.default)
    defects = [repr(d) for d in message.defects]
    parts = []
    for part in message.walk():
        defects += [repr(d) for d in part.defects]
        if part.is_multipart():
            continue
        parts.append({"type": part.get_content_type(), "charset": part.get_content_charset(),
                      "cte": part.get("Content-Transfer-Encoding"), "content": part.get_content()})
    lines = data.split(b"\r\n")
    print(json.dumps({
        "file": path,
        "defects": defects,
        "subject": str(message["Subject"]),
        "from": str(message["From"]),
        "to": str(message["To"]),
        "subject_headers": len(message.get_all("Subject") or []),
        "bcc_headers": len(message.get_all("Bcc") or []),
        "list_unsubscribe": str(message["List-Unsubscribe"]),
        "list_unsubscribe_post": str(message["List-Unsubscribe-Post"]),
        "content_type": message.get_content_type(),
        "parts": parts,
        "longest_line": max(len(line) for line in lines),
        "bare_lf": b"\n" in data.replace(b"\r\n", b""),
    }))
