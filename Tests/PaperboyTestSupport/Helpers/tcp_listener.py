#!/usr/bin/env python3
"""Counts TCP connections on 127.0.0.1: prints its port, then writes the number
of connections accepted so far to COUNT_FILE after each one. Exits when its
standard input closes."""
import socket
import sys
import threading

count_file = sys.argv[1]
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(16)
# The count file exists before the port is printed (a test may read it at once).
open(count_file, "w").write("0")
print(server.getsockname()[1], flush=True)


def accept():
    count = 0
    while True:
        connection, _ = server.accept()
        count += 1
        open(count_file, "w").write(str(count))
        connection.close()


threading.Thread(target=accept, daemon=True).start()
sys.stdin.read()
