"""Reads the messages in a Postfix smtp-sink dump file and prints them as JSON.

Usage: mail_links.py DUMP
Prints a list of {"to", "subject", "text", "html", "links"}: the decoded
text/plain and text/html parts (any transfer encoding and charset, parsed
by Python's email package) and every http(s) link in them, in order,
without duplicates (hrefs of the HTML part with their entities decoded).
"""
import email
import email.policy
import html
import json
import re
import sys

LINK_IN_TEXT = re.compile(r"https?://[^\s<>\"')\]]+")
HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def messages(dump):
    """smtp-sink starts each message with its X-Client-Addr line."""
    chunks = re.split(r"(?m)^(?=X-Client-Addr: )", dump)
    return [chunk for chunk in chunks if chunk.strip()]


def describe(raw):
    message = email.message_from_string(raw, policy=email.policy.default)
    text, markup = "", ""
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and not text:
            text = part.get_content()
        elif kind == "text/html" and not markup:
            markup = part.get_content()
    links = []
    for link in LINK_IN_TEXT.findall(text) + [html.unescape(h) for h in HREF.findall(markup)]:
        link = link.rstrip(".,;")
        if link.startswith(("http://", "https://")) and link not in links:
            links.append(link)
    return {"to": str(message.get("To", "")), "subject": str(message.get("Subject", "")),
            "text": text, "html": markup, "links": links}


def main():
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        dump = f.read()
    print(json.dumps([describe(raw) for raw in messages(dump)]))


if __name__ == "__main__":
    main()
