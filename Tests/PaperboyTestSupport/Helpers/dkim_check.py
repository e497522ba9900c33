"""Verifies a DKIM-signed message with dkimpy, without DNS.

Usage: dkim_check.py MESSAGE_FILE DNS_NAME TXT_RECORD
The TXT record is returned for DNS_NAME (e.g. "sel._domainkey.example.org.")
and nothing for any other name. Prints "True" or "False"; details of a
failure go to stderr.
"""
import logging
import sys

import dkim

logging.basicConfig(stream=sys.stderr, level=logging.DEBUG)
path, dns_name, record = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()


def dnsfunc(name, timeout=5):
    return record if name == dns_name else None


with open(path, "rb") as f:
    message = f.read()
print(dkim.verify(message, logger=logging.getLogger("dkim"), dnsfunc=dnsfunc))
