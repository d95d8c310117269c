"""Engine block hashes computed the way the engines' own Python code does (vLLM's sha256 /
xxhash over Python's pickle, its sha256_cbor / xxhash_cbor with cbor2 and hashlib / xxhash, SGLang's get_hash_str), plus llm-d's
FNV-64a over cbor2's canonical encoding. Reads one JSON request on stdin, prints hex digests.
An oracle for tests/node/profiles.test.ts; it shares no code with the library."""
import hashlib
import json
import pickle
import sys

import cbor2
import xxhash


def sha256_cbor(value):
    return hashlib.sha256(cbor2.dumps(value, canonical=True)).digest()


def xxhash_cbor(value):
    return xxhash.xxh3_128_digest(cbor2.dumps(value, canonical=True))


def sha256_pickle(value):
    return hashlib.sha256(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)).digest()


def xxhash_pickle(value):
    return xxhash.xxh3_128_digest(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def as_tuple(value):
    """JSON arrays in extra keys are Python tuples (a multimodal item is (identifier, offset))."""
    return tuple(as_tuple(v) for v in value) if isinstance(value, list) else value


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def blocks(tokens, size):
    return [tokens[i : i + size] for i in range(0, len(tokens) - size + 1, size)]


def main():
    req = json.load(sys.stdin)
    profile, tokens, size = req["profile"], req["tokens"], req["blockSize"]
    seed, model = req.get("seed", ""), req.get("modelName", "")
    extra = req.get("extraKeys") or []
    out = []
    if profile.startswith("vllm"):
        fn = {
            "vllm-sha256": sha256_pickle,
            "vllm-xxhash": xxhash_pickle,
            "vllm-sha256-cbor": sha256_cbor,
            "vllm-xxhash-cbor": xxhash_cbor,
        }[profile]
        parent = fn(seed)  # NONE_HASH = hash_fn(PYTHONHASHSEED)
        for k, block in enumerate(blocks(tokens, size)):
            keys = extra[k] if k < len(extra) else None
            parent = fn((parent, tuple(block), as_tuple(keys) if keys is not None else None))
            out.append(parent.hex())
    elif profile == "sglang":
        prior = None
        for block in blocks(tokens, size):
            h = hashlib.sha256()
            if prior:
                h.update(bytes.fromhex(prior))
            for t in block:
                h.update(t.to_bytes(4, byteorder="little", signed=False))
            prior = h.hexdigest()
            out.append(prior)
    elif profile == "llm-d":
        parent = fnv1a64(cbor2.dumps([fnv1a64(seed.encode()), None, model], canonical=True))
        for k, block in enumerate(blocks(tokens, size)):
            # llm-d's BlockExtraFeatures: the (hash, offset) pairs, as Go encodes its MMHash struct.
            keys = extra[k] if k < len(extra) and extra[k] is not None else []
            mm = [
                {"Hash": t[0], "Offset": t[1]}
                for t in keys
                if isinstance(t, list) and len(t) == 2 and isinstance(t[0], str) and isinstance(t[1], int)
            ]
            parent = fnv1a64(cbor2.dumps([parent, list(block), mm or None], canonical=True))
            out.append(parent.to_bytes(8, "big").hex())
    print(json.dumps(out))


main()
