"""A tiny authoritative DNS responder for check.sh: answers A queries for the names given on the command
line and NXDOMAIN for the rest, on UDP. check.sh runs it inside the test container's own network
namespace (127.0.0.1:53), so the client image's resolver (glibc NSS, resolv.conf search list) is tested
against a real DNS exchange without any traffic leaving that namespace.

    python3 dns.py ADDRESS PORT NAME=IPV4 [NAME=IPV4 ...]
"""
import socket
import struct
import sys


def parse_name(packet: bytes, offset: int) -> tuple[str, int]:
    labels = []
    while True:
        length = packet[offset]
        if length == 0:
            return ".".join(labels).lower(), offset + 1
        if length & 0xC0:
            raise ValueError("compressed name in a question")
        labels.append(packet[offset + 1 : offset + 1 + length].decode("ascii"))
        offset += 1 + length


def answer(query: bytes, records: dict[str, bytes]) -> bytes:
    ident, flags, qdcount = struct.unpack("!HHH", query[:6])
    if qdcount != 1:
        return struct.pack("!HHHHHH", ident, 0x8000 | 0x0400 | (flags & 0x0100) | 4, 0, 0, 0, 0)
    name, end = parse_name(query, 12)
    qtype, qclass = struct.unpack("!HH", query[end : end + 4])
    question = query[12 : end + 4]
    # QR, AA, RD copied; RCODE NXDOMAIN (3) for unknown names, NODATA for other types of known names.
    base = 0x8000 | 0x0400 | (flags & 0x0100)
    if name not in records:
        return struct.pack("!HHHHHH", ident, base | 3, 1, 0, 0, 0) + question
    if qtype != 1 or qclass != 1:
        return struct.pack("!HHHHHH", ident, base, 1, 0, 0, 0) + question
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 5, 4) + records[name]
    return struct.pack("!HHHHHH", ident, base, 1, 1, 0, 0) + question + rr


def main() -> None:
    address, port = sys.argv[1], int(sys.argv[2])
    records = {}
    for arg in sys.argv[3:]:
        name, ip = arg.split("=", 1)
        records[name.rstrip(".").lower()] = socket.inet_aton(ip)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, port))
    print(f"dns.py: serving {sorted(records)} on {address}:{port}", flush=True)
    while True:
        query, peer = sock.recvfrom(512)
        try:
            sock.sendto(answer(query, records), peer)
        except (ValueError, IndexError, struct.error):
            continue


if __name__ == "__main__":
    main()
