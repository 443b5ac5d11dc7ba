// Z85 (ZeroMQ RFC 32), the text form of CURVE keys: the ZAP handler gets keys as 32 raw bytes
// and compares them with the Z85 keys of the cluster file. zeromq.js exposes no codec.
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const VALUE = new Map([...ALPHABET].map((c, i) => [c, i]));

export function z85Decode(text: string): Buffer {
  if (text.length % 5 !== 0) throw new Error(`Z85 text length ${text.length} is not a multiple of 5`);
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let v = 0;
    for (let j = 0; j < 5; j++) {
      const d = VALUE.get(text[i + j]!);
      if (d === undefined) throw new Error(`'${text[i + j]}' is not a Z85 character`);
      v = v * 85 + d;
    }
    if (v > 0xffffffff) throw new Error('Z85 group out of range');
    out.writeUInt32BE(v, (i / 5) * 4);
  }
  return out;
}

export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new Error(`Z85 input length ${bytes.length} is not a multiple of 4`);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let v = view.readUInt32BE(i);
    const group: string[] = [];
    for (let j = 0; j < 5; j++) {
      group.unshift(ALPHABET[v % 85]!);
      v = Math.floor(v / 85);
    }
    out += group.join('');
  }
  return out;
}
