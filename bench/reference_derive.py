#!/usr/bin/python3
"""Derives master keys the way the Coretex reference does, for benchmarks.

Reads secrets from the vector file given as the first argument, derives each
with PyCryptodome's RSA.generate fed by the chained SHA-256 stream of
docs/FORMAT.md section 2, checks the modulus against the vector, and prints
one line of JSON per secret: {"index": i, "bits": b, "seconds": s}.
Secrets are never printed.
"""
import hashlib
import json
import sys
import time

try:
    from Cryptodome.PublicKey import RSA  # Debian's python3-pycryptodome
except ImportError:
    from Crypto.PublicKey import RSA


class Stream:
    """The deterministic byte stream of one derivation."""

    def __init__(self, seed):
        self.block = hashlib.sha256(seed).digest()
        self.pos = 0

    def read(self, n):
        out = bytearray()
        while len(out) < n:
            if self.pos == len(self.block):
                self.block = hashlib.sha256(self.block).digest()
                self.pos = 0
            take = min(n - len(out), len(self.block) - self.pos)
            out += self.block[self.pos:self.pos + take]
            self.pos += take
        return bytes(out)


def main():
    vectors = json.load(open(sys.argv[1]))
    only_bits = int(sys.argv[2]) if len(sys.argv) > 2 else 2048
    for i, v in enumerate(vectors):
        if v["bits"] != only_bits:
            continue
        seed = bytes.fromhex(v["secret_utf8_hex"])
        start = time.perf_counter()
        key = RSA.generate(v["bits"], randfunc=Stream(seed).read)
        seconds = time.perf_counter() - start
        if key.n != int(v["n"], 16):
            print(json.dumps({"index": i, "error": "modulus differs from the vector"}))
            sys.exit(1)
        print(json.dumps({"index": i, "bits": v["bits"], "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
