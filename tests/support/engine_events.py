"""KV event batches of every wire generation (SPEC 6.5.2-6.5.3), encoded by Debian's
python3-msgpack (an encoder independent of the decoder under test), with the router events
each must decode to: local hashes computed here with python3-xxhash (XXH3-64 of the tokens'
little-endian bytes, seeded with Dynamo's router salt). Prints one JSON object:
{name: {"payload": hex, "events": [...], "tierEvents": [...]}}; 64-bit values as decimal strings.
It shares no code with the library."""
import json
import struct

import msgpack
import xxhash

U64 = (1 << 64) - 1
BS = 16
TOKENS = list(range(100, 148))  # three blocks of 16


def salt(lora=None):
    s = 1337
    if lora:
        s = (s + xxhash.xxh3_64_intdigest(lora.encode(), seed=0)) & U64
    return s


def local(tokens, seed):
    return [
        xxhash.xxh3_64_intdigest(struct.pack("<%dI" % BS, *tokens[i : i + BS]), seed=seed)
        for i in range(0, len(tokens) - BS + 1, BS)
    ]


def stored(worker_rank, hashes, tokens, lora=None, parent=None, seed=None, mm=None):
    """mm: per block, the multimodal hashes Dynamo appends (sorted, 8 LE bytes each) to its bytes."""
    seed = salt(lora) if seed is None else seed
    if mm is not None:
        return {
            "type": "stored",
            "dpRank": worker_rank,
            "parentHash": None if parent is None else str(parent & U64),
            "blocks": [
                {"blockHash": str(h & U64), "tokensHash": str(local_mm(tokens[k * BS : (k + 1) * BS], seed, mm[k]))}
                for k, h in enumerate(hashes)
            ],
        }
    return {
        "type": "stored",
        "dpRank": worker_rank,
        "parentHash": None if parent is None else str(parent & U64),
        "blocks": [
            {"blockHash": str(h & U64), "tokensHash": str(t)}
            for h, t in zip(hashes, local(tokens, seed))
        ],
    }


def local_mm(block, seed, mm_hashes):
    data = struct.pack("<%dI" % BS, *block) + b"".join(struct.pack("<Q", m) for m in sorted(mm_hashes))
    return xxhash.xxh3_64_intdigest(data, seed=seed)


def removed(rank, hashes):
    return {"type": "removed", "dpRank": rank, "blockHashes": [str(h & U64) for h in hashes]}


def cleared(rank):
    return {"type": "cleared", "dpRank": rank}


def digest(n):
    """A 32-byte digest whose last 8 bytes, big-endian, are n."""
    return bytes(24) + n.to_bytes(8, "big")


H = [11, 12, 13]
cases = {}


def case(name, batch, events, tier_events=()):
    cases[name] = {
        "payload": msgpack.packb(batch, use_bin_type=True).hex(),
        "events": events,
        "tierEvents": list(tier_events),
    }


# g1 (vLLM v0.9): [ts, events]; BlockStored ends at lora_id; no rank (the source's, 0).
case(
    "g1",
    [1.5, [["BlockStored", H, None, TOKENS, BS, None], ["BlockRemoved", [13]], ["AllBlocksCleared"]]],
    [stored(0, H, TOKENS), removed(0, [13]), cleared(0)],
)
# g2: the rank in the batch; medium after lora_id / after block_hashes.
case(
    "g2",
    [2.0, [["BlockStored", H, None, TOKENS, BS, None, "GPU"], ["BlockRemoved", [12, 13], "GPU"]], 2],
    [stored(2, H, TOKENS), removed(2, [12, 13])],
)
# g3: lora_name, extra_keys, group_idx, kind; hashes as bytes; a parent; trailing defaults omitted.
case(
    "g3",
    [
        3.0,
        [
            ["BlockStored", [digest(21)], digest(9), TOKENS[:16], BS, None, "GPU", "my-lora", [None], 0, "full_attention"],
            ["BlockStored", [22], 21, TOKENS[16:32], BS, None, "GPU", None],
            ["BlockRemoved", [digest(22)], "GPU", 0],
        ],
        0,
    ],
    [stored(0, [21], TOKENS[:16], lora="my-lora", parent=9), stored(0, [22], TOKENS[16:32], parent=21), removed(0, [22])],
)
MAP_STORED = {
    "type": "BlockStored",
    "block_hashes": H,
    "parent_block_hash": None,
    "token_ids": TOKENS,
    "block_size": BS,
    "lora_id": None,
    "medium": "GPU",
    "lora_name": None,
}
# g4 (PR #42892): tagged-map events inside an array batch.
case(
    "g4",
    [4.0, [MAP_STORED, {"type": "BlockRemoved", "block_hashes": [13], "medium": "GPU"}, {"type": "AllBlocksCleared"}], 1],
    [stored(1, H, TOKENS), removed(1, [13]), cleared(1)],
)
# g5: the batch itself a map; data_parallel_rank omitted when null (omit_defaults).
case(
    "g5",
    {"ts": 5.0, "events": [dict(MAP_STORED, group_idx=0, kv_cache_spec_kind="full_attention")], "data_parallel_rank": 3},
    [stored(3, H, TOKENS)],
)
case("g5-no-rank", {"ts": 5.5, "events": [{"type": "AllBlocksCleared"}]}, [cleared(0)])
# Lower tiers: CPU_PINNED is the host tier, DISK the disk tier; they do not reach the device index.
case(
    "tiers",
    [6.0, [dict(MAP_STORED, medium="CPU_PINNED"), {"type": "BlockRemoved", "block_hashes": [13], "medium": "DISK"}], 0],
    [],
    [dict(stored(0, H, TOKENS), tier="host"), dict(removed(0, [13]), tier="disk")],
)
# SGLang, older releases: positional events ending at lora_id, [ts, events] without a rank,
# block hashes signed 64-bit (read by two's complement).
case(
    "sglang-positional",
    [7.0, [["BlockStored", [-5, -6], None, TOKENS[:32], BS, None], ["BlockRemoved", [-6]]]],
    [stored(0, [-5, -6], TOKENS[:32]), removed(0, [-6])],
)
# SGLang, newer: map events; with "format": "dynamo", BlockStored carries lora_name.
case(
    "sglang-map",
    [8.0, [{"type": "BlockStored", "block_hashes": [-7], "parent_block_hash": None, "token_ids": TOKENS[:16], "block_size": BS, "lora_id": None, "medium": "GPU", "lora_name": "adapter"}]],
    [stored(0, [-7], TOKENS[:16], lora="adapter")],
)
# Dynamo's conventions reading vLLM's extra keys: a `dynamo-cache-salt:<ns>` key in block 0 is the
# router namespace (salt: + xxh3(ns, seed 1)); a multimodal identifier that is not 64 hex digits
# is hashed with xxh3_64 (seed 0), a 64-hex one gives its first 16 digits; a 64-hex LoRA name
# repeated in the keys is the adapter, not a multimodal hash.
LORA = "ab" * 32
NS = "tenant-a"
conv_seed = (salt(LORA) + xxhash.xxh3_64_intdigest(NS.encode(), seed=1)) & U64
case(
    "dynamo-conventions",
    [
        9.0,
        [
            dict(
                MAP_STORED,
                block_hashes=[31, 32],
                token_ids=TOKENS[:32],
                lora_name=LORA,
                extra_keys=[["dynamo-cache-salt:" + NS, LORA, ["img-xyz", -2]], [["cd" * 32, 0]]],
            )
        ],
        0,
    ],
    [
        stored(
            0,
            [31, 32],
            TOKENS[:32],
            seed=conv_seed,
            mm=[[xxhash.xxh3_64_intdigest(b"img-xyz", seed=0)], [int("cd" * 8, 16)]],
        )
    ],
)
print(json.dumps(cases))
