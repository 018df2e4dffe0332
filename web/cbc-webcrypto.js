// cbc-webcrypto.js is the Web Crypto path for files, loaded into worker.js
// with importScripts. It reads and writes the same format as Go's
// internal/aescbc (SPEC section 11), byte for byte, through the browser's
// AES-CBC under a non-extractable CryptoKey that the WebAssembly instance
// imported (wasm/webcrypto.go). Web Crypto pads and unpads every call, so
// CBC chaining is carried across chunks by hand:
//
// - encrypt: each chunk of whole blocks is encrypted with the previous
//   chunk's last ciphertext block as IV, and the padding block Web Crypto
//   adds is dropped; only the last call keeps it, and it is the file's.
// - decrypt: a chunk ending in ciphertext block L gets one crafted block
//   appended, X = AES-CBC-encrypt(sixteen 0x10 bytes, IV = L), which
//   decrypts to a whole block of valid padding that Web Crypto removes;
//   what is left is exactly the chunk's plaintext. A chunk needs only the
//   ciphertext block before it, so parts of one chunk are decrypted at once.
// - the file's last block is decrypted the same way and its padding is
//   removed by the lenient rule of section 11, as aescbc.paddingLen does.
'use strict';

(() => {
  const BLOCK = 16;
  const EMPTY = new Uint8Array(0);
  const PADDING_BLOCK = new Uint8Array(BLOCK).fill(BLOCK);

  // The errors of internal/aescbc, word for word.
  const ERR_TOO_SHORT = 'aescbc: the file is shorter than 16 bytes: not an encrypted file';
  const ERR_NOT_WHOLE_BLOCKS = 'aescbc: the file is truncated or damaged: ' +
    'its length after the 16-byte IV is not a multiple of 16';

  // PARALLEL_PART is the smallest part of a chunk decrypted on its own:
  // parts go to the browser's crypto threads together.
  const PARALLEL_PART = 256 << 10;

  function cbc(iv) {
    return { name: 'AES-CBC', iv };
  }

  // validLength is aescbc.ValidLength: null, or the error for a file of
  // that many bytes.
  function validLength(size) {
    if (size < BLOCK) {
      return ERR_TOO_SHORT;
    }
    if (size % BLOCK !== 0) {
      return ERR_NOT_WHOLE_BLOCKS;
    }
    return null;
  }

  // paddingLength is aescbc.paddingLen: the length of valid PKCS#7 padding
  // ending the last block, or 0 when there is none (Coretex's own writer
  // leaves whole-block files unpadded, and such a block is data).
  function paddingLength(last) {
    const pad = last[BLOCK - 1];
    if (pad === 0 || pad > BLOCK) {
      return 0;
    }
    for (let i = BLOCK - pad; i < BLOCK; i++) {
      if (last[i] !== pad) {
        return 0;
      }
    }
    return pad;
  }

  // Bytes is a read-only view of two arrays one after the other, so that a
  // held-back block and the next chunk are read as one without a copy.
  class Bytes {
    constructor(head, tail) {
      this.head = head;
      this.tail = tail;
      this.length = head.length + tail.length;
    }

    // copyTo copies bytes [from, to) into dst at offset.
    copyTo(dst, offset, from, to) {
      const h = this.head.length;
      if (from < h) {
        const end = Math.min(to, h);
        dst.set(this.head.subarray(from, end), offset);
        offset += end - from;
        from = end;
      }
      if (from < to) {
        dst.set(this.tail.subarray(from - h, to - h), offset);
      }
    }

    slice(from, to) {
      const out = new Uint8Array(to - from);
      this.copyTo(out, 0, from, to);
      return out;
    }
  }

  class Encrypter {
    constructor(key) {
      this.key = key;
      this.prev = crypto.getRandomValues(new Uint8Array(BLOCK)); // the file's IV
      this.head = this.prev.slice(); // written before the first block
      this.carry = EMPTY; // up to 15 plaintext bytes waiting for a block
    }

    // update returns the file bytes that chunk completes, as an array of
    // Uint8Arrays.
    async update(chunk) {
      const bytes = new Bytes(this.carry, chunk);
      const whole = bytes.length - (bytes.length % BLOCK);
      const out = this.takeHead();
      if (whole > 0) {
        const input = this.carry.length === 0 ? chunk.subarray(0, whole) : bytes.slice(0, whole);
        const sealed = new Uint8Array(
          await crypto.subtle.encrypt(cbc(this.prev), this.key, input));
        if (sealed.length !== whole + BLOCK) {
          throw new Error('ownkey: internal error: Web Crypto returned an unexpected length');
        }
        this.prev = sealed.slice(whole - BLOCK, whole);
        out.push(sealed.subarray(0, whole)); // the padding block is not the file's yet
      }
      const rest = bytes.slice(whole, bytes.length);
      this.carry.fill(0);
      this.carry = rest;
      return out;
    }

    // final returns the last block or two, PKCS#7 padding included.
    async final() {
      const out = this.takeHead();
      const last = new Uint8Array(
        await crypto.subtle.encrypt(cbc(this.prev), this.key, this.carry));
      this.carry.fill(0);
      this.carry = EMPTY;
      out.push(last);
      return out;
    }

    takeHead() {
      const out = [];
      if (this.head) {
        out.push(this.head);
        this.head = null;
      }
      return out;
    }

    close() {
      this.carry.fill(0);
    }
  }

  class Decrypter {
    constructor(key) {
      this.key = key;
      this.prev = null; // the ciphertext block before the next one; first the IV
      this.carry = EMPTY; // the IV so far, then 1 to 16 held-back bytes
      this.total = 0;
    }

    // update returns the plaintext that chunk makes certain. It is not the
    // plaintext until final has resolved.
    async update(chunk) {
      this.total += chunk.length;
      let bytes = new Bytes(this.carry, chunk);
      if (!this.prev) {
        if (bytes.length < BLOCK) {
          this.carry = bytes.slice(0, bytes.length);
          return [];
        }
        this.prev = bytes.slice(0, BLOCK);
        bytes = new Bytes(EMPTY, bytes.slice(BLOCK, bytes.length));
      }

      // Hold back the last 1 to 16 bytes: a whole block when the data so
      // far is whole blocks, since it may be the padded last one.
      if (bytes.length <= BLOCK) {
        this.carry = bytes.slice(0, bytes.length);
        return [];
      }
      const keep = bytes.length % BLOCK || BLOCK;
      const ready = bytes.length - keep;
      const parts = [];
      const partSize = Math.max(PARALLEL_PART,
        Math.ceil(ready / 4 / BLOCK) * BLOCK);
      for (let from = 0; from < ready; from += partSize) {
        const to = Math.min(ready, from + partSize);
        const iv = from === 0 ? this.prev : bytes.slice(from - BLOCK, from);
        parts.push(this.decryptPart(bytes, from, to, iv));
      }
      this.prev = bytes.slice(ready - BLOCK, ready);
      this.carry = bytes.slice(ready, bytes.length);
      return Promise.all(parts);
    }

    // decryptPart decrypts the whole blocks [from, to) of bytes, the block
    // before them being iv.
    async decryptPart(bytes, from, to, iv) {
      const input = new Uint8Array(to - from + BLOCK);
      bytes.copyTo(input, 0, from, to);
      input.set(await this.paddingBlockAfter(input.subarray(to - from - BLOCK, to - from)),
        to - from);
      const plain = await crypto.subtle.decrypt(cbc(iv), this.key, input);
      if (plain.byteLength !== to - from) {
        throw new Error('ownkey: internal error: Web Crypto returned an unexpected length');
      }
      return new Uint8Array(plain);
    }

    // paddingBlockAfter is the block that, following ciphertext block last,
    // decrypts to sixteen 0x10 bytes.
    async paddingBlockAfter(last) {
      const sealed = await crypto.subtle.encrypt(cbc(last.slice()), this.key, PADDING_BLOCK);
      return new Uint8Array(sealed, 0, BLOCK);
    }

    // final returns the rest of the plaintext, or throws aescbc's error for
    // a malformed length, in which case no output of this file may be used.
    async final() {
      const problem = validLength(this.total);
      if (problem) {
        throw new Error(problem);
      }
      if (this.carry.length === 0) {
        return []; // an IV alone is the empty file
      }
      const last = this.carry;
      const input = new Uint8Array(2 * BLOCK);
      input.set(last);
      input.set(await this.paddingBlockAfter(last), BLOCK);
      const plain = new Uint8Array(await crypto.subtle.decrypt(cbc(this.prev), this.key, input));
      this.carry = EMPTY;
      return [plain.subarray(0, BLOCK - paddingLength(plain))];
    }

    close() {
      this.carry = EMPTY;
    }
  }

  self.ownkeyCBC = { Encrypter, Decrypter, validLength, paddingLength };
})();
