"""A stand-in for systemd's notify socket: binds an AF_UNIX datagram socket
at argv[1] and appends each datagram to argv[2], followed by a line '--'.
Prints 0 (no port) when ready; exits when stdin closes."""
import os
import socket
import sys
import threading

path, record = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
open(record, "w").close()


def receive():
    while True:
        data = sock.recv(65536)
        with open(record, "a") as out:
            out.write(data.decode() + "\n--\n")


threading.Thread(target=receive, daemon=True).start()
print(0, flush=True)
sys.stdin.read()
os.unlink(path)
