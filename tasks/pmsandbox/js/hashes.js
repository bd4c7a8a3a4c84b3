// Byte-level helpers and the hashes crypto-js offers (MD5, SHA-1, SHA-224/256, SHA-384/512, HMAC),
// in plain JavaScript: QuickJS may not call back into Python while a time limit is armed, and every
// script runs under one. Checked against Python's hashlib in tests/pmsandbox.
'use strict';

var __qaflow_bytes = (function () {
  function utf8(text) {
    var out = [];
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
        var d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d < 0xe000) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
      }
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return out;
  }
  function fromUtf8(bytes) {
    var s = '', i = 0;
    while (i < bytes.length) {
      var b = bytes[i++], c;
      if (b < 0x80) c = b;
      else if (b >= 0xf0) { c = ((b & 7) << 18) | ((bytes[i++] & 63) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63); }
      else if (b >= 0xe0) { c = ((b & 15) << 12) | ((bytes[i++] & 63) << 6) | (bytes[i++] & 63); }
      else if (b >= 0xc0) { c = ((b & 31) << 6) | (bytes[i++] & 63); }
      else c = 0xfffd;
      s += String.fromCodePoint(c);
    }
    return s;
  }
  function hex(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return s;
  }
  function fromHex(text) {
    var out = [];
    for (var i = 0; i + 1 < text.length; i += 2) out.push(parseInt(text.substr(i, 2), 16));
    return out;
  }
  function latin1(bytes) { var s = ''; for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]); return s; }
  function fromLatin1(text) { var out = []; for (var i = 0; i < text.length; i++) out.push(text.charCodeAt(i) & 255); return out; }
  function base64(bytes) { return btoa(latin1(bytes)); }
  function fromBase64(text) {
    text = String(text).replace(/\s+/g, '');
    while (text.length % 4) text += '=';
    return fromLatin1(atob(text));
  }

  function pad(bytes, big, lengthBytes, blockBytes) {
    var out = bytes.slice();
    var bitLen = bytes.length * 8;
    out.push(0x80);
    while (out.length % blockBytes !== blockBytes - lengthBytes) out.push(0);
    var lenBytes = [];
    for (var i = 0; i < lengthBytes; i++) {
      lenBytes.push(i < 6 ? Math.floor(bitLen / Math.pow(2, 8 * i)) & 255 : 0);
    }
    if (big) lenBytes.reverse();
    return out.concat(lenBytes);
  }
  function rotl(x, n) { return (x << n) | (x >>> (32 - n)); }
  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }

  var MD5_S = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
    5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15,
    21, 6, 10, 15, 21];
  var MD5_K = [];
  for (var k = 0; k < 64; k++) MD5_K.push(Math.floor(Math.abs(Math.sin(k + 1)) * 4294967296) | 0);
  function md5(bytes) {
    var m = pad(bytes, false, 8, 64);
    var a0 = 0x67452301, b0 = 0xefcdab89 | 0, c0 = 0x98badcfe | 0, d0 = 0x10325476;
    for (var off = 0; off < m.length; off += 64) {
      var w = [];
      for (var i = 0; i < 16; i++) w.push(m[off + 4 * i] | (m[off + 4 * i + 1] << 8) | (m[off + 4 * i + 2] << 16) | (m[off + 4 * i + 3] << 24));
      var a = a0, b = b0, c = c0, d = d0;
      for (var j = 0; j < 64; j++) {
        var f, g;
        if (j < 16) { f = (b & c) | (~b & d); g = j; }
        else if (j < 32) { f = (d & b) | (~d & c); g = (5 * j + 1) % 16; }
        else if (j < 48) { f = b ^ c ^ d; g = (3 * j + 5) % 16; }
        else { f = c ^ (b | ~d); g = (7 * j) % 16; }
        var t = d; d = c; c = b;
        b = (b + rotl((a + f + MD5_K[j] + w[g]) | 0, MD5_S[j])) | 0;
        a = t;
      }
      a0 = (a0 + a) | 0; b0 = (b0 + b) | 0; c0 = (c0 + c) | 0; d0 = (d0 + d) | 0;
    }
    var out = [];
    [a0, b0, c0, d0].forEach(function (v) { out.push(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255); });
    return out;
  }
  function words(m, off) {
    var w = [];
    for (var i = 0; i < 16; i++) w.push((m[off + 4 * i] << 24) | (m[off + 4 * i + 1] << 16) | (m[off + 4 * i + 2] << 8) | m[off + 4 * i + 3]);
    return w;
  }
  function bigEndian(hs, n) {
    var out = [];
    for (var i = 0; i < n; i++) { var v = hs[i]; out.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255); }
    return out;
  }
  function sha1(bytes) {
    var m = pad(bytes, true, 8, 64);
    var h = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0];
    for (var off = 0; off < m.length; off += 64) {
      var w = words(m, off);
      for (var i = 16; i < 80; i++) w.push(rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1));
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
      for (var j = 0; j < 80; j++) {
        var f, kk;
        if (j < 20) { f = (b & c) | (~b & d); kk = 0x5a827999; }
        else if (j < 40) { f = b ^ c ^ d; kk = 0x6ed9eba1; }
        else if (j < 60) { f = (b & c) | (b & d) | (c & d); kk = 0x8f1bbcdc | 0; }
        else { f = b ^ c ^ d; kk = 0xca62c1d6 | 0; }
        var t = (rotl(a, 5) + f + e + kk + w[j]) | 0;
        e = d; d = c; c = rotl(b, 30); b = a; a = t;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0; h[4] = (h[4] + e) | 0;
    }
    return bigEndian(h, 5);
  }
  var K256 = [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1,
    0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
    0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3,
    0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb,
    0xbef9a3f7, 0xc67178f2].map(function (x) { return x | 0; });
  function sha256(bytes, is224) {
    var m = pad(bytes, true, 8, 64);
    var h = (is224
      ? [0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4]
      : [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]).map(function (x) { return x | 0; });
    for (var off = 0; off < m.length; off += 64) {
      var w = words(m, off);
      for (var i = 16; i < 64; i++) {
        var s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        var s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w.push((w[i - 16] + s0 + w[i - 7] + s1) | 0);
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (var j = 0; j < 64; j++) {
        var S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        var ch = (e & f) ^ (~e & g);
        var t1 = (hh + S1 + ch + K256[j] + w[j]) | 0;
        var S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var t2 = (S0 + maj) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
    }
    return bigEndian(h, is224 ? 7 : 8);
  }
  var M64 = (1n << 64n) - 1n;
  var K512 = ['428a2f98d728ae22', '7137449123ef65cd', 'b5c0fbcfec4d3b2f', 'e9b5dba58189dbbc', '3956c25bf348b538',
    '59f111f1b605d019', '923f82a4af194f9b', 'ab1c5ed5da6d8118', 'd807aa98a3030242', '12835b0145706fbe',
    '243185be4ee4b28c', '550c7dc3d5ffb4e2', '72be5d74f27b896f', '80deb1fe3b1696b1', '9bdc06a725c71235',
    'c19bf174cf692694', 'e49b69c19ef14ad2', 'efbe4786384f25e3', '0fc19dc68b8cd5b5', '240ca1cc77ac9c65',
    '2de92c6f592b0275', '4a7484aa6ea6e483', '5cb0a9dcbd41fbd4', '76f988da831153b5', '983e5152ee66dfab',
    'a831c66d2db43210', 'b00327c898fb213f', 'bf597fc7beef0ee4', 'c6e00bf33da88fc2', 'd5a79147930aa725',
    '06ca6351e003826f', '142929670a0e6e70', '27b70a8546d22ffc', '2e1b21385c26c926', '4d2c6dfc5ac42aed',
    '53380d139d95b3df', '650a73548baf63de', '766a0abb3c77b2a8', '81c2c92e47edaee6', '92722c851482353b',
    'a2bfe8a14cf10364', 'a81a664bbc423001', 'c24b8b70d0f89791', 'c76c51a30654be30', 'd192e819d6ef5218',
    'd69906245565a910', 'f40e35855771202a', '106aa07032bbd1b8', '19a4c116b8d2d0c8', '1e376c085141ab53',
    '2748774cdf8eeb99', '34b0bcb5e19b48a8', '391c0cb3c5c95a63', '4ed8aa4ae3418acb', '5b9cca4f7763e373',
    '682e6ff3d6b2b8a3', '748f82ee5defb2fc', '78a5636f43172f60', '84c87814a1f0ab72', '8cc702081a6439ec',
    '90befffa23631e28', 'a4506cebde82bde9', 'bef9a3f7b2c67915', 'c67178f2e372532b', 'ca273eceea26619c',
    'd186b8c721c0c207', 'eada7dd6cde0eb1e', 'f57d4f7fee6ed178', '06f067aa72176fba', '0a637dc5a2c898a6',
    '113f9804bef90dae', '1b710b35131c471b', '28db77f523047d84', '32caab7b40c72493', '3c9ebe0a15c9bebc',
    '431d67c49c100d4c', '4cc5d4becb3e42b6', '597f299cfc657e2a', '5fcb6fab3ad6faec', '6c44198c4a475817'].map(function (x) { return BigInt('0x' + x); });
  function r64(x, n) { return ((x >> n) | (x << (64n - n))) & M64; }
  function sha512(bytes, is384) {
    var m = pad(bytes, true, 16, 128);
    var h = (is384
      ? ['cbbb9d5dc1059ed8', '629a292a367cd507', '9159015a3070dd17', '152fecd8f70e5939', '67332667ffc00b31',
        '8eb44a8768581511', 'db0c2e0d64f98fa7', '47b5481dbefa4fa4']
      : ['6a09e667f3bcc908', 'bb67ae8584caa73b', '3c6ef372fe94f82b', 'a54ff53a5f1d36f1', '510e527fade682d1',
        '9b05688c2b3e6c1f', '1f83d9abfb41bd6b', '5be0cd19137e2179']).map(function (x) { return BigInt('0x' + x); });
    for (var off = 0; off < m.length; off += 128) {
      var w = [];
      for (var i = 0; i < 16; i++) {
        var v = 0n;
        for (var b = 0; b < 8; b++) v = (v << 8n) | BigInt(m[off + 8 * i + b]);
        w.push(v);
      }
      for (var t = 16; t < 80; t++) {
        var s0 = r64(w[t - 15], 1n) ^ r64(w[t - 15], 8n) ^ (w[t - 15] >> 7n);
        var s1 = r64(w[t - 2], 19n) ^ r64(w[t - 2], 61n) ^ (w[t - 2] >> 6n);
        w.push((w[t - 16] + s0 + w[t - 7] + s1) & M64);
      }
      var a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (var j = 0; j < 80; j++) {
        var S1 = r64(e, 14n) ^ r64(e, 18n) ^ r64(e, 41n);
        var ch = (e & f) ^ (~e & M64 & g);
        var t1 = (hh + S1 + ch + K512[j] + w[j]) & M64;
        var S0 = r64(a, 28n) ^ r64(a, 34n) ^ r64(a, 39n);
        var maj = (a & bb) ^ (a & c) ^ (bb & c);
        var t2 = (S0 + maj) & M64;
        hh = g; g = f; f = e; e = (d + t1) & M64; d = c; c = bb; bb = a; a = (t1 + t2) & M64;
      }
      h = [h[0] + a, h[1] + bb, h[2] + c, h[3] + d, h[4] + e, h[5] + f, h[6] + g, h[7] + hh].map(function (x) { return x & M64; });
    }
    var out = [];
    h.slice(0, is384 ? 6 : 8).forEach(function (x) {
      for (var s = 56n; s >= 0n; s -= 8n) out.push(Number((x >> s) & 255n));
    });
    return out;
  }
  var HASHES = {
    MD5: [md5, 64], SHA1: [sha1, 64], SHA224: [function (b) { return sha256(b, true); }, 64], SHA256: [sha256, 64],
    SHA384: [function (b) { return sha512(b, true); }, 128], SHA512: [sha512, 128],
  };
  function digest(alg, bytes) { return HASHES[alg][0](bytes); }
  function hmac(alg, key, bytes) {
    var block = HASHES[alg][1];
    if (key.length > block) key = digest(alg, key);
    var k = key.slice();
    while (k.length < block) k.push(0);
    var inner = k.map(function (x) { return x ^ 0x36; }).concat(bytes);
    var outer = k.map(function (x) { return x ^ 0x5c; });
    return digest(alg, outer.concat(digest(alg, inner)));
  }
  function uuid4() {
    var b = [];
    for (var i = 0; i < 16; i++) b.push(Math.floor(Math.random() * 256));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = hex(b);
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }
  return {
    utf8: utf8, fromUtf8: fromUtf8, hex: hex, fromHex: fromHex, latin1: latin1, fromLatin1: fromLatin1,
    base64: base64, fromBase64: fromBase64, digest: digest, hmac: hmac, algorithms: Object.keys(HASHES), uuid4: uuid4,
  };
})();
